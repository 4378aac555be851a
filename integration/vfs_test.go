package integration

// Differential scenarios for virtual mounts: every script runs once natively
// in a fresh tmpfs and once under `zvfs --mount mem:/data`, and the two runs
// must print the same stdout and stderr and exit with the same status, once
// the directory's path is replaced by the literal $D in both.
//
// The scripts live in testdata/scenarios (NAME.sh, NAME.bash, NAME.py; a
// "# need: TOOL..." line lists the tools beyond the interpreter). They avoid
// everything that differs between two correct runs: inode and device
// numbers, unset time stamps, st_blocks, readdir order, descriptor numbers
// they did not choose, and the length of $D.
//
// ZVFS_SCENARIO_SHOW=1 logs the native run's output (with -v).
//
// ZVFS_SCENARIO_SELFCHECK=1 compares the native run with a second native run
// in a tmpfs at a path of another length, instead of running zvfs: it checks
// that the scenarios themselves are deterministic. The concurrency tests then
// run natively too, and the tests of zvfs's own flags are skipped.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// vfsMount is where the zvfs runs mount their mem: file system.
const vfsMount = "/data"

// scenarioEnv is added to both runs so that messages, quotes and formatted
// dates do not depend on the caller's locale and time zone.
var scenarioEnv = []string{"LC_ALL=C", "TZ=UTC"}

func selfCheck() bool { return os.Getenv("ZVFS_SCENARIO_SELFCHECK") == "1" }

// outcome is one run with the paths replaced by $D and $W.
type outcome struct {
	label          string
	stdout, stderr string
	code           int
}

// hostDir makes a directory that other users can traverse (t.TempDir's
// parent is 0700, which would hide everything from the setpriv scenarios).
func hostDir(t *testing.T, prefix string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// tmpfsDir mounts a fresh tmpfs on a new directory and returns its path.
func tmpfsDir(t *testing.T, prefix string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "root, to mount a tmpfs")
	}
	need(t, "mount", "umount")
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", dir).CombinedOutput(); err != nil {
		os.Remove(dir)
		missing(t, "mount -t tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
			exec.Command("umount", "-l", dir).Run()
		}
		os.Remove(dir)
	})
	return dir
}

// expand replaces every argument that is exactly "$D" by d.
func expand(argv []string, d string) []string {
	out := make([]string, len(argv))
	for i, a := range argv {
		if a == "$D" {
			a = d
		}
		out[i] = a
	}
	return out
}

func normalise(label string, r result, d, w string) outcome {
	rep := strings.NewReplacer(d, "$D", w, "$W")
	return outcome{label: label, stdout: rep.Replace(r.stdout), stderr: rep.Replace(r.stderr), code: r.code}
}

// nativeRun runs argv with D set to a fresh tmpfs. The prefixes of the two
// self-check runs have different lengths, so that a script printing
// something that depends on the length of $D (a symbolic link's size, a
// column width) fails the self-check.
func nativeRun(t *testing.T, label, prefix string, argv []string) outcome {
	t.Helper()
	d := tmpfsDir(t, prefix)
	w := hostDir(t, prefix+"cwd-")
	r := run(t, w, append([]string{"D=" + d}, scenarioEnv...), expand(argv, d)...)
	return normalise(label, r, d, w)
}

// zvfsRun runs argv under zvfs with a mem: file system on /data.
func zvfsRun(t *testing.T, argv []string, mounts ...string) outcome {
	t.Helper()
	w := hostDir(t, "zvfs-vfs-cwd-")
	args := []string{zvfsBin}
	for _, m := range mounts {
		args = append(args, "--mount", m)
	}
	args = append(append(args, "--"), expand(argv, vfsMount)...)
	r := run(t, w, append([]string{"D=" + vfsMount}, scenarioEnv...), args...)
	return normalise("zvfs", r, vfsMount, w)
}

// differential runs argv natively and under zvfs (or twice natively in
// self-check mode); an argument "$D" stands for the directory.
func differential(t *testing.T, argv ...string) {
	t.Helper()
	if !selfCheck() {
		requireHook(t)
	}
	a := nativeRun(t, "native", "zvfs-vfs-", argv)
	var b outcome
	if selfCheck() {
		b = nativeRun(t, "native#2", "zvfs-vfs-selfcheck-", argv)
	} else {
		b = zvfsRun(t, argv, "mem:"+vfsMount)
	}
	if os.Getenv("ZVFS_SCENARIO_SHOW") == "1" {
		t.Logf("%s (exit %d)\nstdout:\n%s\nstderr:\n%s", a.label, a.code, a.stdout, a.stderr)
	}
	compareOutcomes(t, a, b)
}

func compareOutcomes(t *testing.T, a, b outcome) {
	t.Helper()
	if a.stdout == b.stdout && a.stderr == b.stderr && a.code == b.code {
		return
	}
	var msg strings.Builder
	fmt.Fprintf(&msg, "%s and %s differ\n", a.label, b.label)
	if a.code != b.code {
		fmt.Fprintf(&msg, "exit status: %s %d, %s %d\n", a.label, a.code, b.label, b.code)
	}
	for _, s := range []struct{ name, x, y string }{{"stdout", a.stdout, b.stdout}, {"stderr", a.stderr, b.stderr}} {
		if s.x != s.y {
			fmt.Fprintf(&msg, "--- %s %s\n+++ %s %s\n%s", a.label, s.name, b.label, s.name, lineDiff(s.x, s.y))
		}
	}
	if a.stderr == b.stderr && a.stderr != "" {
		fmt.Fprintf(&msg, "stderr (same in both):\n%s", a.stderr)
	}
	t.Error(msg.String())
}

// lineDiff is a unified-style diff of two texts with three lines of context.
func lineDiff(x, y string) string {
	a := strings.SplitAfter(x, "\n")
	b := strings.SplitAfter(y, "\n")
	if a[len(a)-1] == "" {
		a = a[:len(a)-1]
	}
	if b[len(b)-1] == "" {
		b = b[:len(b)-1]
	}
	if len(a)*len(b) > 4_000_000 {
		return "(too long to diff)\n" + prefixLines("-", a) + prefixLines("+", b)
	}
	// lcs[i][j]: length of the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	type op struct {
		kind byte
		text string
	}
	var ops []op
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			ops = append(ops, op{' ', a[i]})
			i++
			j++
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			ops = append(ops, op{'+', b[j]})
			j++
		default:
			ops = append(ops, op{'-', a[i]})
			i++
		}
	}
	const context = 3
	keep := make([]bool, len(ops))
	for k, o := range ops {
		if o.kind != ' ' {
			for c := max(0, k-context); c <= min(len(ops)-1, k+context); c++ {
				keep[c] = true
			}
		}
	}
	var out strings.Builder
	skipped := false
	for k, o := range ops {
		if !keep[k] {
			skipped = true
			continue
		}
		if skipped {
			out.WriteString("@@\n")
			skipped = false
		}
		out.WriteByte(o.kind)
		out.WriteString(o.text)
		if !strings.HasSuffix(o.text, "\n") {
			out.WriteString("\n\\ no newline at end\n")
		}
	}
	return out.String()
}

func prefixLines(p string, lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(p + strings.TrimSuffix(l, "\n") + "\n")
	}
	return b.String()
}

// scenario runs script with interp ("sh", "bash" or "python3") as a
// differential subtest called name; tools are the other programs it needs.
func scenario(t *testing.T, name, interp, script string, tools ...string) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		argv := strings.Fields(interp) // "busybox sh": an applet
		need(t, argv[0])
		need(t, tools...)
		differential(t, append(argv, "-c", script)...)
	})
}

var scenarioInterp = map[string]string{".sh": "sh", ".bash": "bash", ".py": "python3"}

// TestVFSScenarios runs every script in testdata/scenarios.
func TestVFSScenarios(t *testing.T) { vfsScenarios(t, scenarioInterp, nil) }

// vfsScenarios runs every script of testdata/scenarios that one of interps
// runs and skip does not name, natively and under zvfs, and compares.
func vfsScenarios(t *testing.T, interps, skip map[string]string) {
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no scenarios in testdata/scenarios")
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.IsDir() {
			continue // e.g. __pycache__ left by running a script by hand
		}
		if skip[filepath.Base(f)] != "" {
			continue
		}
		interp, ok := interps[filepath.Ext(f)]
		if !ok {
			if _, known := scenarioInterp[filepath.Ext(f)]; !known {
				t.Errorf("%s: unknown interpreter for this extension", f)
			}
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		script := string(b)
		var tools []string
		for _, line := range strings.Split(script, "\n") {
			if rest, ok := strings.CutPrefix(line, "# need:"); ok {
				tools = append(tools, strings.Fields(rest)...)
			}
		}
		scenario(t, filepath.Base(f), interp, script, tools...)
	}
}

// TestVFSInline: scenarios short enough to read in place.
func TestVFSInline(t *testing.T) {
	scenario(t, "cwd-relative", "sh", `mkdir -p "$D/sub/x" && echo hi > "$D/f" && cd "$D/sub" && pwd && ls .. && cat ../f && cd x && ls ../.. && /bin/pwd`)
	scenario(t, "exec-redirect", "sh", `exec 3>"$D/out"; sh -c "echo child >&3"; exec 3>&-; cat "$D/out"; stat -c '%s %h' "$D/out"`)
	scenario(t, "python-open-modes", "python3", `
import os
D = os.environ["D"]
for mode in ["w", "a", "x", "r+", "w+", "a+"]:
    p = f"{D}/m"
    try:
        with open(p, mode) as f:
            f.write(mode)
        print(mode, open(p).read())
    except OSError as e:
        print(mode, type(e).__name__, e.errno)
`)
}

// TestVFSErrno runs testdata/vfs_errno.c, a fixed list of raw system calls,
// in the directory.
func TestVFSErrno(t *testing.T) {
	differential(t, cprog(t, "vfs_errno"), "$D")
}

// TestVFSEMFILE: with a full descriptor table, opens fail with EMFILE
// before anything is created or truncated, as the kernel's do.
func TestVFSEMFILE(t *testing.T) {
	differential(t, cprog(t, "vfs_emfile"), "$D")
}

// inVFS runs argv with D set: under zvfs, or natively in a tmpfs in
// self-check mode. The result's paths are normalised.
func inVFS(t *testing.T, argv ...string) outcome {
	t.Helper()
	if selfCheck() {
		return nativeRun(t, "native", "zvfs-vfs-", argv)
	}
	requireHook(t)
	return zvfsRun(t, argv, "mem:"+vfsMount)
}

func wantOutcome(t *testing.T, got outcome, stdout string) {
	t.Helper()
	if got.code != 0 || got.stdout != stdout || got.stderr != "" {
		t.Errorf("%s: exit %d\n--- want stdout\n+++ got stdout\n%sstderr:\n%s",
			got.label, got.code, lineDiff(stdout, got.stdout), got.stderr)
	}
}

// TestVFSConcurrentAppend: four processes append 2500 64-byte records each
// with O_APPEND, through their own descriptions or one shared description.
func TestVFSConcurrentAppend(t *testing.T) {
	prog := cprog(t, "vfs_append")
	want := "size 640000\nlines 10000\nwriter 0: 2500\nwriter 1: 2500\nwriter 2: 2500\nwriter 3: 2500\n"
	for _, mode := range []string{"separate", "shared"} {
		t.Run(mode, func(t *testing.T) {
			wantOutcome(t, inVFS(t, "sh", "-c", `exec "$0" "$D/log" "$1"`, prog, mode), want)
		})
	}
}

// TestVFSThreads: eight threads create, write, stat and unlink their own
// files in one directory while a ninth lists it.
func TestVFSThreads(t *testing.T) {
	prog := cprog(t, "vfs_threads")
	wantOutcome(t, inVFS(t, "sh", "-c", `mkdir "$D/t" && "$0" "$D/t" 8 500 && ls -A "$D/t" | wc -l`, prog),
		"threads 8 iterations 500 errors 0\n0\n")
}

// TestVFSLifetime: descriptors on virtual files survive fork and exec.
func TestVFSLifetime(t *testing.T) {
	t.Run("shell", func(t *testing.T) {
		wantOutcome(t, inVFS(t, "sh", "-c", `exec 3>"$D/out"; sh -c "echo child >&3"; cat "$D/out"`), "child\n")
	})
	t.Run("c", func(t *testing.T) {
		prog := cprog(t, "vfs_lifetime")
		wantOutcome(t, inVFS(t, prog, "$D"), strings.Join([]string{
			"shared: parent\\nhi\\nafter\\n",
			"offset: 16",
			"unlinked: ghost\\n nlink 0",
			"unlinked name: ENOENT",
			"cloexec: child status 2, size 0",
			"listing: f h",
			"",
		}, "\n"))
	})
}

func skipSelfCheck(t *testing.T) {
	t.Helper()
	if selfCheck() {
		t.Skip("tests zvfs's --mount flag itself; nothing to self-check")
	}
}

// TestVFSMountVisible: the mount point is a directory under zvfs.
func TestVFSMountVisible(t *testing.T) {
	skipSelfCheck(t)
	requireHook(t)
	got := zvfsRun(t, []string{"sh", "-c", `ls -d /data && stat -c '%F %a' /data && test -d /data/. && echo ok`}, "mem:/data")
	wantOutcome(t, got, "$D\ndirectory 755\nok\n")
}

// TestVFSMountSpecErrors: a malformed --mount is reported in one line
// naming it, with exit status 2, before anything runs.
func TestVFSMountSpecErrors(t *testing.T) {
	skipSelfCheck(t)
	for _, spec := range []string{
		"foo:/x",
		"mem:relative",
		"mem:",
		"bind:/x",
		"mem:/x,bogus",
		"bind:/x=" + filepath.Join(t.TempDir(), "no-such-dir"),
	} {
		t.Run(spec, func(t *testing.T) {
			w := t.TempDir()
			marker := filepath.Join(w, "ran")
			r := run(t, w, nil, zvfsBin, "--mount", spec, "--", "sh", "-c", "touch "+marker+"; echo ran")
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if r.code != 2 || len(lines) != 1 || !strings.Contains(r.stderr, spec) {
				t.Errorf("--mount %s: exit %d, stderr %q; want exit 2 and one line naming the spec", spec, r.code, r.stderr)
			}
			if _, err := os.Stat(marker); err == nil || r.stdout != "" {
				t.Errorf("--mount %s: the program ran (stdout %q)", spec, r.stdout)
			}
		})
	}
}

// TestVFSBindMount: writes through a bind mount land in the host directory.
func TestVFSBindMount(t *testing.T) {
	skipSelfCheck(t)
	requireHook(t)
	dir := hostDir(t, "zvfs-bind-")
	if err := os.WriteFile(filepath.Join(dir, "old"), []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := zvfsRun(t, []string{"sh", "-c", `cat /in/old && echo new > /in/new && mkdir /in/sub && echo deep > /in/sub/f && rm /in/old && ls /in`}, "bind:/in="+dir)
	wantOutcome(t, got, "old\nnew\nsub\n")
	for name, want := range map[string]string{"new": "new\n", "sub/f": "deep\n"} {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != want {
			t.Errorf("host %s: %q, %v; want %q", name, b, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "old")); !os.IsNotExist(err) {
		t.Errorf("host old still there after rm under zvfs: %v", err)
	}
}

// TestVFSBindReadOnly: a read-only bind mount reads, and refuses writes
// with EROFS.
func TestVFSBindReadOnly(t *testing.T) {
	skipSelfCheck(t)
	requireHook(t)
	need(t, "python3")
	dir := hostDir(t, "zvfs-bind-ro-")
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("content\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	got := zvfsRun(t, []string{"python3", "-c", `
import errno, os
def t(label, f, *a):
    try:
        f(*a)
        print(label, "ok")
    except OSError as e:
        print(label, errno.errorcode[e.errno])
print(open("/in/f").read(), end="")
print(sorted(os.listdir("/in")))
t("read-open", lambda: os.close(os.open("/in/f", os.O_RDONLY)))
t("create", os.open, "/in/new", os.O_WRONLY | os.O_CREAT, 0o644)
t("write-open", os.open, "/in/f", os.O_WRONLY)
t("truncate", os.truncate, "/in/f", 0)
t("mkdir", os.mkdir, "/in/x")
t("rmdir", os.rmdir, "/in/d")
t("unlink", os.unlink, "/in/f")
t("chmod", os.chmod, "/in/f", 0o600)
t("symlink", os.symlink, "f", "/in/l")
t("utime", os.utime, "/in/f", None)
t("rename", os.rename, "/in/f", "/in/g")
`}, "bind:/in="+dir+",ro")
	wantOutcome(t, got, strings.Join([]string{
		"content", "['d', 'f']", "read-open ok",
		"create EROFS", "write-open EROFS", "truncate EROFS", "mkdir EROFS", "rmdir EROFS",
		"unlink EROFS", "chmod EROFS", "symlink EROFS", "utime EROFS", "rename EROFS", "",
	}, "\n"))
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("host directory changed: %v", entries)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "f")); string(b) != "content\n" {
		t.Errorf("host file changed: %q", b)
	}
}

// TestVFSMemSeed: mem:/data=SEED starts as a copy of SEED, and changes stay
// in the copy.
func TestVFSMemSeed(t *testing.T) {
	skipSelfCheck(t)
	requireHook(t)
	seed := hostDir(t, "zvfs-seed-")
	setup := `cd "$0" && mkdir -p a/b c && echo one > a/f && echo two > a/b/g && chmod 0600 a/b/g && chmod 0750 c && ln -s a/f l && : > empty`
	if out, err := exec.Command("sh", "-c", setup, seed).CombinedOutput(); err != nil {
		t.Fatalf("seed: %v: %s", err, out)
	}
	list := `find "$D" -mindepth 1 -printf '%P %y %m %n %u %g %l' -a \( -type f -printf ' %s' -o -true \) -printf '\n' | sort`
	native := run(t, t.TempDir(), []string{"D=" + seed}, "sh", "-c", list)
	if native.code != 0 {
		t.Fatalf("native listing: %s", native.stderr)
	}
	spec := "mem:/data=" + seed
	got := zvfsRun(t, []string{"sh", "-c", list + ` && cat "$D/a/b/g" && echo changed > "$D/a/f" && rm "$D/empty" && cat "$D/a/f"`}, spec)
	wantOutcome(t, got, native.stdout+"two\nchanged\n")
	if b, _ := os.ReadFile(filepath.Join(seed, "a", "f")); string(b) != "one\n" {
		t.Errorf("seed changed by a write under zvfs: %q", b)
	}
	if _, err := os.Stat(filepath.Join(seed, "empty")); err != nil {
		t.Errorf("seed lost a file removed under zvfs: %v", err)
	}
	again := zvfsRun(t, []string{"sh", "-c", list}, spec)
	wantOutcome(t, again, native.stdout)
}
