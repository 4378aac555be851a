package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/supervisor"
)

// TestVFSExec runs programs that live only in a mem mount: an ELF binary
// copied in, #! scripts (with and without an interpreter argument, by
// absolute and relative path), and a script whose interpreter is itself in
// the mount. Errors are the kernel's.
func TestVFSExec(t *testing.T) {
	requireHook(t)
	r := run(t, t.TempDir(), nil, zvfsBin, "--mount", "mem:/data", "--", "bash", "-c", `
cp /bin/echo /data/echo && /data/echo elf "$@"
printf '#!/bin/sh\necho "script $0 $*"\n' > /data/s.sh && chmod +x /data/s.sh && /data/s.sh a b
cd /data && ./s.sh rel
printf '#!/bin/sh -e\necho "with arg $0"\n' > /data/e.sh && chmod 755 /data/e.sh && /data/e.sh
cp /bin/sh /data/mysh && printf '#!/data/mysh\necho "virtual interpreter $0"\n' > /data/v.sh && chmod +x /data/v.sh && /data/v.sh
printf 'echo no exec bit\n' > /data/n.sh; /data/n.sh; echo "not executable: $?"
/data/missing; echo "missing: $?"
mkdir /data/dir; /data/dir; echo "directory: $?"
env -i /data/echo "cleared env"
python3 -c 'import subprocess; print(subprocess.run(["/data/s.sh", "py"], capture_output=True, text=True).stdout, end="")'
`)
	want := `elf
script /data/s.sh a b
script ./s.sh rel
with arg /data/e.sh
virtual interpreter /data/v.sh
not executable: 126
missing: 127
directory: 126
cleared env
script /data/s.sh py
`
	if r.stdout != want {
		t.Fatalf("stdout:\n%s\nwant:\n%s\nstderr:\n%s", r.stdout, want, r.stderr)
	}
}

// TestVFSSupervisorGone: once the supervisor is gone, calls on virtual
// paths fail with EIO (the data of the mount went with it) instead of
// hanging, and calls on host paths go on working.
func TestVFSSupervisorGone(t *testing.T) {
	requireHook(t)
	need(t, "python3")
	r := run(t, t.TempDir(), []string{"TMPDIR=" + t.TempDir()}, zvfsBin, "--mount", "mem:/data", "--", "python3", "-c", `
import os, signal, time, errno
open("/data/x", "w").write("before")
for i in range(5):  # enough calls for the connection to carry them through its channel
    os.mkdir("/data/d"); os.rmdir("/data/d")
os.kill(os.getppid(), signal.SIGKILL)
time.sleep(0.3)
for op in (lambda: os.stat("/data/x"), lambda: open("/data/y", "w"), lambda: os.listdir("/data")):
    try:
        op()
        print("ok")
    except OSError as e:
        print(errno.errorcode[e.errno])
print(len(os.listdir("/")) > 0)
`)
	if r.code != 128+9 {
		t.Errorf("zvfs exit %d, want SIGKILL", r.code)
	}
	if got := strings.TrimSpace(r.stdout); got != "EIO\nEIO\nEIO\nTrue" {
		t.Fatalf("after the supervisor died: %q (stderr %q)", got, r.stderr)
	}
}

// TestVFSStartAfterRunEnded: a process that a process of the run starts
// after the run has ended (a background job outliving the program) must
// not run unhooked: it would see the host where the mounts were, and a
// relative path under the run's working directory would land in the
// directory zvfs was started in. It is refused (exit 126, one line), as
// root and as an ordinary user; nothing reaches the host. (The job's exec
// comes 1.7 s after the program ends: time for zvfs to have closed, even
// on a loaded machine.)
func TestVFSStartAfterRunEnded(t *testing.T) {
	requireHook(t)
	need(t, "sh", "sleep")
	asEachUser(t, "zvfs-ended-", func(t *testing.T, user, w, mnt string) {
		script := `cd "$M" || exit 1; (sleep 2; /bin/sh -c 'echo x > rel.txt; echo x > "$M/abs.txt"'; echo "status $?") & sleep 0.3`
		argv, env := asUser(t, user, mnt, "--mount", "mem:"+mnt, "--", "sh", "-c", script)
		r := run(t, w, env, argv...)
		if r.code != 0 || !strings.Contains(r.stdout, "status 126") ||
			!strings.Contains(r.stderr, "zvfs: the run this process belongs to has ended or cannot be reached: not starting it without the run's mounts") {
			t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		for _, d := range []string{w, mnt} {
			ents, err := os.ReadDir(d)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				if e.Name() != "data" {
					t.Errorf("on the host: %s", filepath.Join(d, e.Name()))
				}
			}
		}
	})
}

// overHostDir makes a host directory holding data, where a test mounts a
// file system over that existing directory, and returns both; for nobody,
// the directory is theirs (a test run as root skips it).
func overHostDir(t *testing.T, user, prefix string) (w, mnt string) {
	t.Helper()
	if user == "nobody" && os.Geteuid() != 0 {
		missing(t, "root, to run programs as another user")
	}
	w = hostDir(t, prefix)
	mnt = filepath.Join(w, "data")
	if err := os.Mkdir(mnt, 0o777); err != nil {
		t.Fatal(err)
	}
	if user == "nobody" {
		if err := os.Chown(w, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	return w, mnt
}

// lowerTreeOf makes, in w, an overlay's lower directory holding one file
// f with content (both the user's: nobody's for nobody) and an empty
// directory src to mount the overlay on.
func lowerTreeOf(t *testing.T, w, user, content string) (lower, src, f string) {
	t.Helper()
	lower, src = filepath.Join(w, "lower"), filepath.Join(w, "src")
	for _, d := range []string{lower, src} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	f = filepath.Join(lower, "f")
	if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if user == "nobody" {
		for _, p := range []string{lower, f} {
			if err := os.Chown(p, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}
	}
	return lower, src, f
}

// asEachUser runs test as root and as nobody, in subtests named so, each
// over a fresh host directory w with a mount point mnt in it (overHostDir).
func asEachUser(t *testing.T, prefix string, test func(t *testing.T, user, w, mnt string)) {
	for _, user := range []string{"root", "nobody"} {
		t.Run(user, func(t *testing.T) {
			w, mnt := overHostDir(t, user, prefix)
			test(t, user, w, mnt)
		})
	}
}

// asUser returns the command line and extra environment that run zvfs
// with args as user, root or nobody (through setpriv, a copy of zvfs they
// may run and their own home, userEnv), with M set to m.
func asUser(t *testing.T, user, m string, args ...string) (argv, env []string) {
	t.Helper()
	if user == "nobody" {
		return append(append(append([]string(nil), nobody...), userZvfs(t, userBin(t))), args...), append(userEnv(t, m), "M="+m)
	}
	return append([]string{zvfsBin}, args...), []string{"TMPDIR=" + t.TempDir(), "M=" + m}
}

// TestVFSIOUring: a run with mounts refuses io_uring_setup (ENOSYS), in a
// hooked program and in a static one under the net: a ring's openat runs
// in the kernel, where neither sees its path, and created the file on the
// host behind the mount. The program falls back to open(2), as libuv and
// liburing users do, and the file is in the mount. As root and as nobody.
func TestVFSIOUring(t *testing.T) {
	requireHook(t)
	need(t, "sh", "gcc")
	asEachUser(t, "zvfs-uring-", func(t *testing.T, user, w, mnt string) {
		bin := userBin(t)
		prog := userProg(t, bin, "vfs_uring")
		static := filepath.Join(bin, "vfs_uring_static")
		if b, err := exec.Command("gcc", "-O2", "-static", "-o", static, filepath.Join("testdata", "vfs_uring.c")).CombinedOutput(); err != nil {
			t.Fatalf("gcc -static: %v\n%s", err, b)
		}
		argv, env := asUser(t, user, mnt, "--mount", "mem:"+mnt, "--", "sh", "-c",
			`"$0" "$M/a" && "$1" "$M/b" && ls "$M"`, prog, static)
		r := run(t, w, env, argv...)
		want := "io_uring_setup: ENOSYS\nopen: ok\nio_uring_setup: ENOSYS\nopen: ok\na\nb\n"
		if r.code != 0 || r.stdout != want {
			t.Errorf("exit %d, stdout %q, want %q; stderr %q", r.code, r.stdout, want, r.stderr)
		}
		if ents, _ := os.ReadDir(mnt); len(ents) != 0 {
			t.Errorf("on the host, in the mount's directory: %v", ents)
		}
	})
}

// TestVFSReopenThroughProc: an open of /proc/self/fd/N or /dev/fd/N of a
// read-only descriptor of a file in a mount, under the seccomp net (the
// hooked path runs in the scenarios, testdata/scenarios/reopen.sh and
// testdata/overlay/reopen.sh). The kernel's link leads to the memfd (mode
// 0777) or to the overlay's lower file: opened by the kernel, a user wrote
// their own 0444 file, and a write reached the lower file on the host. Now
// the namespace opens the file: the overlay copies it up, the user is
// refused, root is not, and the lower file keeps its content. As root and
// as nobody.
func TestVFSReopenThroughProc(t *testing.T) {
	requireHook(t)
	need(t, "sh", "cat", "chmod")
	asEachUser(t, "zvfs-reopen-", func(t *testing.T, user, w, mnt string) {
		lower, src, f := lowerTreeOf(t, w, user, "original\n")
		argv, env := asUser(t, user, mnt, "--net", "--mount", "overlay:"+src+"="+lower, "--mount", "mem:"+mnt,
			"--", "sh", "-c", `
exec 3<"$0/f"; echo hacked > /proc/self/fd/3; echo "write lower: $?"; cat "$0/f"
echo ro > "$M/mine"; chmod 0444 "$M/mine"; exec 4<"$M/mine"
(echo x > /proc/self/fd/4) 2>/dev/null; echo "write own 0444 file: $?"
(echo y > /dev/fd/4) 2>/dev/null; echo "through /dev/fd: $?"
cat /dev/fd/4`, src)
		r := run(t, w, env, argv...)
		want := "write lower: 0\nhacked\nwrite own 0444 file: 2\nthrough /dev/fd: 2\nro\n"
		if user == "root" {
			want = "write lower: 0\nhacked\nwrite own 0444 file: 0\nthrough /dev/fd: 0\ny\n"
		}
		if r.code != 0 || r.stdout != want {
			t.Errorf("exit %d, stdout %q, want %q; stderr %q", r.code, r.stdout, want, r.stderr)
		}
		if b, err := os.ReadFile(f); err != nil || string(b) != "original\n" {
			t.Errorf("the lower file on the host: %q, %v", b, err)
		}
	})
}

// TestOverlayLowerReadOnly: a descriptor the supervisor hands out for an
// overlay's lower file is of a read-only copy of the host directory's
// mount (internal/rotree): another process reaching it through
// /proc/PID/fd/N (a subshell's /proc/$$/fd/3, which the stub and the net
// see as another process's path, not their own) can write, truncate or
// chmod nothing of the host file (EROFS), as root and as nobody, under the
// net, where every descriptor comes from the supervisor.
func TestOverlayLowerReadOnly(t *testing.T) {
	requireHook(t)
	need(t, "sh", "cat", "chmod", "truncate")
	asEachUser(t, "zvfs-rolower-", func(t *testing.T, user, w, mnt string) {
		lower, src, _ := lowerTreeOf(t, w, user, "lower\n")
		before := treeState(t, lower)
		argv, env := asUser(t, user, mnt, "--net", "--mount", "overlay:"+src+"="+lower, "--", "sh", "-c", `
exec 3<"$0/f"
( echo x > /proc/$$/fd/3 ) 2>/dev/null; echo "write: $?"
( truncate -s 1 /proc/$$/fd/3 ) 2>/dev/null; echo "truncate: $?"
( chmod 600 /proc/$$/fd/3 ) 2>/dev/null; echo "chmod: $?"
cat "$0/f"`, src)
		r := run(t, w, env, argv...)
		if want := "write: 2\ntruncate: 1\nchmod: 1\nlower\n"; r.code != 0 || r.stdout != want {
			t.Errorf("exit %d, stdout %q, want %q; stderr %q", r.code, r.stdout, want, r.stderr)
		}
		if after := treeState(t, lower); after != before {
			t.Errorf("the lower tree changed:\nbefore:\n%s\nafter:\n%s", before, after)
		}
	})
}

// TestVFSFileFlagIoctls: FS_IOC_SETFLAGS (chattr) through a read-only
// descriptor of an overlay's lower file, and of a mem file, is ENOTTY, as
// on a file system without such flags: the kernel's changed the lower file
// on the host (its owner may, with a descriptor open for reading alone), or
// the memfd. Hooked and under the net, as root and as nobody. Other ioctls
// are the kernel's (TCGETS on a file: ENOTTY, from the kernel).
func TestVFSFileFlagIoctls(t *testing.T) {
	requireHook(t)
	need(t, "python3")
	const script = `
import fcntl, os, struct, sys
GET, SET, NODUMP = 0x80086601, 0x40086602, 0x40
def setflag(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        flags = struct.unpack("l", fcntl.ioctl(fd, GET, struct.pack("l", 0)))[0]
        fcntl.ioctl(fd, SET, struct.pack("l", flags | NODUMP))
        return "set"
    except OSError as e:
        return os.strerror(e.errno)
    finally:
        os.close(fd)
open(os.environ["M"] + "/g", "w").close()
print(setflag(sys.argv[1] + "/f"), setflag(os.environ["M"] + "/g"), os.isatty(os.open(sys.argv[1] + "/f", os.O_RDONLY)))
`
	for _, user := range []string{"root", "nobody"} {
		for _, net := range []bool{false, true} {
			name := user
			if net {
				name += "-net"
			}
			t.Run(name, func(t *testing.T) {
				w, mnt := overHostDir(t, user, "zvfs-ioctl-")
				lower, src, f := lowerTreeOf(t, w, user, "lower\n")
				before := fileFlags(t, f)
				args := []string{"--mount", "overlay:" + src + "=" + lower, "--mount", "mem:" + mnt, "--", "python3", "-c", script, src}
				if net {
					args = append([]string{"--net"}, args...)
				}
				argv, env := asUser(t, user, mnt, args...)
				r := run(t, w, append(env, "PATH=/usr/bin:/bin"), argv...)
				want := "Inappropriate ioctl for device Inappropriate ioctl for device False\n"
				if r.code != 0 || r.stdout != want {
					t.Errorf("exit %d, stdout %q, want %q; stderr %q", r.code, r.stdout, want, r.stderr)
				}
				if after := fileFlags(t, f); after != before {
					t.Errorf("the lower file's flags on the host: %#x, were %#x", after, before)
				}
			})
		}
	}
}

// fileFlags is FS_IOC_GETFLAGS of the host file p (0 where its file
// system has none).
func fileFlags(t *testing.T, p string) int {
	t.Helper()
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	v, err := unix.IoctlGetInt(fd, unix.FS_IOC_GETFLAGS)
	if err != nil {
		return 0
	}
	return v
}

// TestVFSNameToHandle: name_to_handle_at of a path in a mount is
// EOPNOTSUPP, as on a file system that cannot export its files, and
// ENOENT for a name the mount does not have: the kernel's handle was of
// the host's file under the name, hidden by the mount, which
// open_by_handle_at opens. A host path is the kernel's.
func TestVFSNameToHandle(t *testing.T) {
	requireHook(t)
	prog := cprog(t, "vfs_handle")
	w := hostDir(t, "zvfs-handle-")
	mnt := filepath.Join(w, "data")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{filepath.Join(mnt, "hidden"), filepath.Join(w, "host")} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A host path is the kernel's answer, whatever its file system says.
	host := run(t, w, nil, prog, "host").stdout
	r := run(t, w, nil, zvfsBin, "--mount", "mem:"+mnt, "--", "sh", "-c",
		`echo y > "$0/f" && "$1" "$0/f" "$0/hidden" host`, mnt, prog)
	want := mnt + "/f: EOPNOTSUPP\n" + mnt + "/hidden: ENOENT\n" + host
	if r.code != 0 || r.stdout != want {
		t.Errorf("exit %d, stdout %q, want %q; stderr %q", r.code, r.stdout, want, r.stderr)
	}
}

// TestVFSCredentialChange: a process that drops privileges without exec
// (after having used the mount as root) is checked with its new identity.
func TestVFSCredentialChange(t *testing.T) {
	if os.Geteuid() != 0 {
		missing(t, "root, to change credentials")
	}
	requireHook(t)
	need(t, "python3")
	r := run(t, t.TempDir(), nil, zvfsBin, "--mount", "mem:/data", "--", "python3", "-c", `
import os
os.mkdir("/data/priv", 0o700)
open("/data/priv/f", "w").write("secret")
pid = os.fork()
if pid == 0:
    os.stat("/data/priv")
    os.setresgid(65534, 65534, 65534)
    os.setresuid(65534, 65534, 65534)
    try:
        open("/data/priv/f").read()
        print("read as nobody")
    except PermissionError:
        print("EACCES")
    os._exit(0)
os.waitpid(pid, 0)
print(open("/data/priv/f").read())
`)
	if got := strings.TrimSpace(r.stdout); got != "EACCES\nsecret" {
		t.Fatalf("got %q (stderr %q)", got, r.stderr)
	}
}

// TestVFSSignalsDuringCalls: signal handlers that make file calls while the
// interrupted thread is in the middle of one, on several threads.
func TestVFSSignalsDuringCalls(t *testing.T) {
	requireHook(t)
	prog := cprog(t, "vfs_signals")
	r := run(t, t.TempDir(), nil, zvfsBin, "--mount", "mem:/data", "--", prog)
	if r.code != 0 || !strings.Contains(r.stdout, "bad 0") {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
}

// TestVFSLongjmpFromHandler: a handler that interrupts a file call and
// leaves with siglongjmp, many times over.
func TestVFSLongjmpFromHandler(t *testing.T) {
	requireHook(t)
	prog := cprog(t, "vfs_longjmp")
	r := run(t, t.TempDir(), nil, zvfsBin, "--mount", "mem:/data", "--", prog)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "jumps ") {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
}

// TestVFSChannelScribbled: a process that writes garbage into its
// channels to the supervisor (vfs_chanscribble.c) ends only its own
// connections: each next call works, on a fresh one, and so do the run's
// later processes and the run's end. As root and as nobody.
func TestVFSChannelScribbled(t *testing.T) {
	requireHook(t)
	need(t, "sh", "gcc")
	asEachUser(t, "zvfs-chan-", func(t *testing.T, user, w, mnt string) {
		prog := userProg(t, userBin(t), "vfs_chanscribble")
		argv, env := asUser(t, user, mnt, "--mount", "mem:"+mnt, "--", "sh", "-c",
			`"$0" "$M" && mkdir "$M/after" && ls "$M"`, prog)
		r := run(t, w, env, argv...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "rounds ") || !strings.HasSuffix(r.stdout, "\nafter\n") {
			t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}
		if n, _ := strconv.Atoi(strings.Fields(r.stdout)[1]); n < 20 {
			t.Errorf("garbage went into %d channels of 40 rounds: %q", n, r.stdout)
		}
	})
}

// TestVFSStats: --mount works with `zvfs stats`, whose JSON then also counts
// the calls zvfs answered itself.
func TestVFSStats(t *testing.T) {
	requireHook(t)
	js := filepath.Join(t.TempDir(), "stats.json")
	r := run(t, t.TempDir(), nil, zvfsBin, "stats", "--json", js, "--mount", "mem:/data", "--",
		"sh", "-c", "echo hi > /data/x && cat /data/x && ls /data")
	if r.code != 0 || r.stdout != "hi\nx\n" {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	var st supervisor.Stats
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	// ls's listing comes queued with its open (no getdents reaches the
	// supervisor); the opens do.
	if st.FileCalls["openat"] == 0 || st.Processes < 3 {
		t.Fatalf("file calls %v in %d processes", st.FileCalls, st.Processes)
	}
	if !strings.Contains(r.stderr, "answered by zvfs") {
		t.Fatalf("stats output:\n%s", r.stderr)
	}
}

// TestVFSHighFdUser runs the highfd scenario as the ordinary user, under a
// zvfs that user runs (its connections are the user's, at the numbers the
// user's descriptor limit gives), against the same user on tmpfs.
func TestVFSHighFdUser(t *testing.T) {
	if os.Geteuid() != 0 {
		missing(t, "root, to run programs as another user")
	}
	requireHook(t)
	need(t, "setpriv", "sh", "bash")
	script, err := os.ReadFile(filepath.Join("testdata", "scenarios", "highfd.bash"))
	if err != nil {
		t.Fatal(err)
	}
	asUser := strings.Join(nobody, " ")
	native := nativeRun(t, "native", "zvfs-highfd-", []string{"sh", "-c",
		`mkdir "$D/u" && chown 65534:65534 "$D/u" && D="$D/u" exec ` + asUser + ` bash -c "$0"`, string(script)})
	if !strings.Contains(native.stdout, "hi 256") {
		t.Fatalf("the native run did not run the scenario:\n%s%s", native.stdout, native.stderr)
	}
	zvfs := userZvfs(t, userBin(t))
	w := hostDir(t, "zvfs-highfd-cwd-")
	argv := append(append([]string(nil), nobody...), zvfs, "--mount", "mem:"+vfsMount, "--",
		"sh", "-c", `mkdir "$D/u" && D="$D/u" exec bash -c "$0"`, string(script))
	compareOutcomes(t, native, normalise("zvfs", run(t, w, userEnv(t, vfsMount), argv...), vfsMount, w))
}

// TestVFSFullTree: a mem tree keeps a descriptor of the supervisor per
// regular file, so the supervisor's descriptor limit is how many files a
// run can make. Where it may (root with CAP_SYS_RESOURCE), zvfs raises its
// own limit to fs.nr_open; the program still gets the limit zvfs was
// started with. Where it may not, a tree that is full answers a create
// with ENOSPC, as a tmpfs out of inodes does, keeps serving everything
// else (a listing, a removal) and takes files again once some are
// removed. Under a limit of 1 200, as root and as nobody.
func TestVFSFullTree(t *testing.T) {
	requireHook(t)
	need(t, "prlimit", "sh", "ls", "wc")
	const files = 2000
	script := `cd "$M" || exit 1
i=0
while [ $i -lt ` + fmt.Sprint(files) + ` ]; do
	if ! true > f$i 2>/dev/null; then
		echo "full at $i: $( { true > f$i; } 2>&1 )"
		break
	fi
	i=$((i+1))
done
echo "files $(ls | wc -l)"
rm f1 f2 f3 && true > again && echo "again ok"
echo "limit $(ulimit -n) $(ulimit -Hn)"`
	asEachUser(t, "zvfs-full-", func(t *testing.T, user, w, mnt string) {
		argv, env := asUser(t, user, mnt, "--mount", "mem:"+mnt, "--", "sh", "-c", script)
		argv = append([]string{"prlimit", "--nofile=1200:1200"}, argv...)
		r := run(t, w, env, argv...)
		if r.code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		last := lines[len(lines)-1]
		if last != "limit 1200 1200" {
			t.Errorf("the program's descriptor limits: %q, want %q", last, "limit 1200 1200")
		}
		if !strings.Contains(r.stdout, "again ok") {
			t.Errorf("no create after a removal:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		}
		if strings.HasPrefix(lines[0], "full at ") {
			var at int
			fmt.Sscanf(lines[0], "full at %d", &at)
			if !strings.Contains(lines[0], "No space left on device") || at < 1000 {
				t.Errorf("a full tree: %q, want ENOSPC after at least 1 000 files", lines[0])
			}
			if lines[1] != fmt.Sprintf("files %d", at) {
				t.Errorf("listing a full tree: %q, want %d files", lines[1], at)
			}
			return
		}
		if user == "nobody" {
			t.Errorf("nobody made %d files under a limit of 1 200: %q", files, lines[0])
		}
		if lines[0] != fmt.Sprintf("files %d", files) {
			t.Errorf("listing: %q, want %d files", lines[0], files)
		}
	})
}

// TestVFSQuietConnections: calls that reach the supervisor after pauses
// long enough for the thread serving the connection to park (it stops
// waiting on the channel's futex and waits for the socket, and the stub
// wakes it with a datagram) are all served, from two threads at once,
// in a mem mount and in an overlay. As root and as nobody.
func TestVFSQuietConnections(t *testing.T) {
	requireHook(t)
	need(t, "sh", "ls", "wc")
	asEachUser(t, "zvfs-quiet-", func(t *testing.T, user, w, mnt string) {
		prog := userProg(t, userBin(t), "vfs_quiet")
		lower, src, _ := lowerTreeOf(t, w, user, "lower\n")
		argv, env := asUser(t, user, mnt, "--mount", "mem:"+mnt, "--mount", "overlay:"+src+"="+lower,
			"--", "sh", "-c", `"$0" "$M" 20 && ls "$M" | wc -l && "$0" "$1" 12 && ls "$1" | wc -l`, prog, src)
		r := run(t, w, env, argv...)
		if want := "ok\n20\nok\n13\n"; r.code != 0 || r.stdout != want {
			t.Errorf("exit %d, stdout %q, want %q; stderr %q", r.code, r.stdout, want, r.stderr)
		}
	})
}
