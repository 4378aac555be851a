package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// nobody is what the set-ID tests run their ordinary user as.
var nobody = []string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}

// userBin is a directory every user may reach (cprog's is root's own),
// made once per test, for programs an ordinary user runs.
func userBin(t *testing.T) string {
	t.Helper()
	return hostDir(t, "zvfs-user-bin-")
}

// userProg compiles testdata/NAME.c into dir (userBin) and returns it.
func userProg(t *testing.T, dir, name string) string {
	t.Helper()
	need(t, "gcc")
	prog := filepath.Join(dir, name)
	src, err := filepath.Abs(filepath.Join("testdata", name+".c"))
	if err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("gcc", "-O2", "-Wall", "-Werror", "-o", prog, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", name, err, b)
	}
	return prog
}

// userZvfs copies zvfs into dir (userBin), for a run of zvfs itself as an
// ordinary user, and returns the copy.
func userZvfs(t *testing.T, dir string) string {
	t.Helper()
	zvfs := filepath.Join(dir, "zvfs")
	data, err := os.ReadFile(zvfsBin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(zvfs, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return zvfs
}

// userRun compiles testdata/NAME.c and copies zvfs where an ordinary user
// may run them, for a test that runs programs as another user (root
// only), and returns both.
func userRun(t *testing.T, name string) (prog, zvfs string) {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "root, to run programs as another user")
	}
	requireHook(t)
	need(t, "setpriv", "sh")
	bin := userBin(t)
	return userProg(t, bin, name), userZvfs(t, bin)
}

// userEnv is the environment of a zvfs run as the ordinary user, with D
// set to d: its own cache and temporary directory, removed with the test.
func userEnv(t *testing.T, d string) []string {
	t.Helper()
	home := hostDir(t, "zvfs-user-home-")
	if err := os.Chown(home, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	return append([]string{"HOME=" + home, "XDG_CACHE_HOME=" + home, "TMPDIR=" + home, "D=" + d}, scenarioEnv...)
}

// TestVFSSetIDWrite: a write or truncation by an ordinary user takes the
// set-user-ID bit away, and the set-group-ID bit if the file is
// group-executable or the user is not in its group (pjdfstest chmod/12.t):
// on a mem mount the writes go to the kernel through the memfd's
// descriptor, and fstat and stat must still see the bits go. Root steps
// make the files the user writes to and change owners; the user's steps
// run as uid 65534 with setpriv, once under a zvfs run as root and once
// under a zvfs run as that user itself.
func TestVFSSetIDWrite(t *testing.T) {
	prog, zvfs := userRun(t, "vfs_setid")
	q := func(s string) string { return "'" + s + "'" }
	p := q(prog)

	t.Run("root-supervisor", func(t *testing.T) {
		// prep and root as root, user as 65534, all in one program run.
		script := "set -e; " + p + ` prep "$D"; ` + p + ` root "$D"; ` +
			strings.Join(nobody, " ") + " " + p + ` user "$D"`
		native := nativeRun(t, "native", "zvfs-setid-", []string{"sh", "-c", script})
		if !strings.Contains(native.stdout, "seq write: ok fstat 0777") {
			t.Fatalf("the native run did not take the bits away:\n%s%s", native.stdout, native.stderr)
		}
		compareOutcomes(t, native, zvfsRun(t, []string{"sh", "-c", script}, "mem:"+vfsMount))
	})

	t.Run("user-supervisor", func(t *testing.T) {
		// zvfs itself runs as the user, on a mount seeded with root's files
		// (prep runs natively on the seed, as root).
		user := append(append([]string(nil), nobody...), prog, "user", "$D")
		d := tmpfsDir(t, "zvfs-setid-")
		w := hostDir(t, "zvfs-setid-cwd-")
		prepare := func(dir string) {
			if r := run(t, w, nil, prog, "prep", dir); r.code != 0 {
				t.Fatalf("prep %s: exit %d\n%s%s", dir, r.code, r.stdout, r.stderr)
			}
		}
		prepare(d)
		native := normalise("native", run(t, w, scenarioEnv, expand(user, d)...), d, w)

		seed := hostDir(t, "zvfs-setid-seed-")
		prepare(seed)
		env := userEnv(t, vfsMount)
		argv := append(append(append([]string(nil), nobody...), zvfs, "--mount", "mem:"+vfsMount+"="+seed, "--"),
			expand(user[len(nobody):], vfsMount)...)
		b := normalise("zvfs", run(t, w, env, argv...), vfsMount, w)
		compareOutcomes(t, native, b)
	})
}

// TestVFSPrivilegedExec: a program that exec would give other credentials
// (set-user-ID or set-group-ID) runs with the mounts, as on a nosuid mount:
// with the caller's credentials. The kernel drops LD_PRELOAD for such an
// exec, so it used to run without the stub, with its privileges, and see
// the host where the mounts are.
func TestVFSPrivilegedExec(t *testing.T) {
	if os.Geteuid() != 0 {
		missing(t, "root, to make set-user-ID programs and run them as another user")
	}
	requireHook(t)
	need(t, "sh")
	bin := userBin(t)
	prog := userProg(t, bin, "vfs_privexec")
	install := func(name string, mode os.FileMode, uid, gid int) string {
		p := filepath.Join(bin, name)
		data, err := os.ReadFile(prog)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, gid); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // after chown, which clears the set-ID bits
			t.Fatal(err)
		}
		return p
	}
	suidRoot := install("suid-root", 0o4755|os.ModeSetuid, 0, 0)
	sgidRoot := install("sgid-root", 0o2755|os.ModeSetgid, 0, 0)
	suidNobody := install("suid-nobody", 0o4755|os.ModeSetuid, 65534, 65534)
	script := `touch /data/f && for p in "$@"; do "$p" /data/f; done`
	zvfs := userZvfs(t, bin)
	for _, c := range []struct {
		user  string
		progs []string
		want  string
	}{
		{"nobody", []string{suidRoot, sgidRoot}, "stat /data/f: 0, euid 65534, egid 65534\n"},
		{"root", []string{suidNobody}, "stat /data/f: 0, euid 0, egid 0\n"},
	} {
		argv := append([]string{zvfs, "--mount", "mem:/data", "--", "sh", "-c", script, "sh"}, c.progs...)
		env := []string{"TMPDIR=" + t.TempDir()}
		if c.user == "nobody" {
			argv = append(append([]string(nil), nobody...), argv...)
			env = userEnv(t, "/data")
		}
		r := run(t, "/", env, argv...)
		if want := strings.Repeat(c.want, len(c.progs)); r.code != 0 || r.stdout != want {
			t.Errorf("as %s: exit %d, stdout %q, want %q; stderr %q", c.user, r.code, r.stdout, want, r.stderr)
		}
	}
}
