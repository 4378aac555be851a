package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Statically linked programs load no stub: the seccomp net sends their
// file calls to the supervisor. These tests run real static programs —
// busybox, a CGO_ENABLED=0 Go program, the go tool — in mounts.

// TestStaticScenarios runs every shell scenario with static busybox's sh
// (and its applets, and the dynamic programs it starts), natively on a
// tmpfs and under zvfs in a mem mount, and compares.
func TestStaticScenarios(t *testing.T) {
	need(t, "busybox")
	vfsScenarios(t, map[string]string{".sh": "busybox sh"}, map[string]string{
		// Not comparable, natively either: busybox's sed -i names its
		// temporary file at random and prints it; busybox's tar lacks
		// GNU options, and its two usage messages interleave by chance.
		"sortsed.sh": "random names",
		"tar.sh":     "GNU tar options",
	})
}

// staticGo builds testdata/staticprog with CGO_ENABLED=0 into a directory
// every user may reach.
func staticGo(t *testing.T) string {
	t.Helper()
	need(t, "go")
	dir := hostDir(t, "zvfs-static-")
	src, err := os.ReadFile(filepath.Join("testdata", "staticprog", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module staticprog\n\ngo 1.26\n"), 0o644)
	bin := filepath.Join(dir, "staticprog")
	if r := run(t, dir, []string{"CGO_ENABLED=0", "GOFLAGS=-mod=mod"}, "go", "build", "-o", bin, "."); r.code != 0 {
		t.Fatalf("go build: %s", r.stderr)
	}
	os.Remove(filepath.Join(dir, "main.go"))
	os.Remove(filepath.Join(dir, "go.mod"))
	return bin
}

// TestStaticGoProgram: a CGO_ENABLED=0 Go program (threads, a virtual
// working directory, listings, renames, exec of itself and of a dynamic
// program) gives the same results on a mem mount as on a tmpfs, started
// by zvfs itself and started by a hooked shell; as root and as an
// ordinary user.
func TestStaticGoProgram(t *testing.T) {
	requireHook(t)
	bin := staticGo(t)
	differential(t, bin, "$D")
	differential(t, "sh", "-c", `cd / && "$0" "$1"`, bin, "$D")
	if os.Geteuid() == 0 {
		zvfs := userZvfs(t, userBin(t))
		sameAsNobody(t, zvfs, bin)
	}
}

// TestStaticGoBuild: the go tool, itself static, builds a module inside an
// overlay: the binary lands in the overlay and runs, the host tree stays
// as it was.
func TestStaticGoBuild(t *testing.T) {
	requireHook(t)
	need(t, "go")
	src := hostDir(t, "zvfs-gobuild-")
	os.WriteFile(filepath.Join(src, "go.mod"), []byte("module hello\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(src, "main.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"built in the overlay\") }\n"), 0o644)
	r := run(t, "/", []string{"GOFLAGS=-mod=mod"}, zvfsBin, "--mount", "overlay:/src="+src, "--", "sh", "-c",
		"cd /src && go build -o hello . && ./hello && ls /src")
	if r.code != 0 || r.stdout != "built in the overlay\ngo.mod\nhello\nmain.go\n" {
		t.Errorf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	ents, _ := os.ReadDir(src)
	if len(ents) != 2 {
		t.Errorf("the host tree changed: %v", ents)
	}
}

// TestStaticCPrograms: the C test programs of the fast path, linked
// statically, give the same results through the net as natively on a tmpfs
// (raw calls and their errors, listings, names relative to directory
// descriptors, bad pointers); and file calls made by four threads while a
// signal handler makes more keep their answers.
func TestStaticCPrograms(t *testing.T) {
	requireHook(t)
	for _, name := range []string{"vfs_errno", "vfs_readdir", "vfs_dirfd", "vfs_efault"} {
		t.Run(name, func(t *testing.T) {
			// A read of a directory's placeholder gives 0, not EISDIR:
			// the net leaves reads to the kernel (ARCHITECTURE.md).
			t.Setenv("VFS_ERRNO_NO_DIR_DATA", "1")
			differential(t, cprog(t, name, "-static"), "$D")
		})
	}
	t.Run("vfs_threads", func(t *testing.T) {
		// Calls answered at once from many threads: the net answers
		// several together, and Go's preemption signals reach its threads
		// while they install descriptors.
		wantOutcome(t, inVFS(t, "sh", "-c", `mkdir "$D/t" && "$0" "$D/t" 16 300 && ls -A "$D/t" | wc -l`, cprog(t, "vfs_threads", "-static")),
			"threads 16 iterations 300 errors 0\n0\n")
	})
	t.Run("procs", func(t *testing.T) {
		// fork, vfork (+exec), posix_spawn, system, clone3 and clone
		// from a static program whose working directory is in a mount.
		differential(t, "sh", "-c", `cd "$0" && "$1" && pwd`, "$D", cprog(t, "procs", "-static"))
	})
	t.Run("killed mid-call", func(t *testing.T) {
		// Processes killed while their calls wait for an answer, or
		// are being answered: the run goes on, the supervisor serves
		// the next ones. (No file call of the shell's while its
		// children die: its SIGCHLD handler, which busybox installs
		// without SA_RESTART, can interrupt a call the supervisor has
		// not taken yet, which then fails with EINTR — ARCHITECTURE.md,
		// known gaps.)
		need(t, "busybox")
		wantOutcome(t, inVFS(t, "busybox", "sh", "-c", `mkdir "$D/k" && touch "$D/k/a" "$D/k/b" &&
for i in 1 2 3 4; do (while :; do read x < "$D/k/a"; [ -e "$D/k/b" ]; done) & done
sleep 0.5; kill -9 $(jobs -p); wait; ls "$D/k"`), "a\nb\n")
	})
	t.Run("vfs_signals", func(t *testing.T) {
		r := run(t, t.TempDir(), nil, zvfsBin, "--mount", "mem:/data", "--", cprog(t, "vfs_signals", "-static"))
		if r.code != 0 || !strings.Contains(r.stdout, "bad 0") {
			t.Errorf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
		}
	})
}

// TestStaticThenDynamic: a dynamic program started by a static one that
// changed its working directory and opened a directory of a mount, after a
// hooked shell had set another: the dynamic program works in the static
// one's directory (not the one the shell's environment named) and lists
// the directory it inherited.
func TestStaticThenDynamic(t *testing.T) {
	requireHook(t)
	need(t, "busybox", "python3")
	differential(t, "sh", "-c", `mkdir -p "$0/x" "$0/y" && touch "$0/x/inx" "$0/y/iny" && cd "$0/x" &&
busybox sh -c 'cd "$0/y" && /bin/ls && /bin/pwd && exec 3< "$0" && python3 -c "import os; print(sorted(os.listdir(3)), os.getcwd())"' "$0"`, "$D")
}

// TestLoaderInMount: the dynamic loader finds libraries in a mount before
// the stub is installed — a library built in the mount, found through
// LD_LIBRARY_PATH (absolute, and relative to a working directory in the
// mount), through the RUNPATH of a program in the mount, and preloaded —
// because the stub puts the net on an exec whose loader may look there.
func TestLoaderInMount(t *testing.T) {
	requireHook(t)
	need(t, "gcc")
	differential(t, "sh", "-c", `d="$0"
printf 'int xval(void) { return 42; }\n' > "$d/libx.c" &&
printf '#include <stdio.h>\nint xval(void);\nint main(void) { printf("x=%%d\\n", xval()); return 0; }\n' > "$d/px.c" &&
gcc -shared -fPIC -o "$d/libx.so" "$d/libx.c" && gcc -o "$d/px" "$d/px.c" -L"$d" -lx && gcc -o px-host "$d/px.c" -L"$d" -lx &&
gcc -o "$d/rp" "$d/px.c" -L"$d" -lx -Wl,-rpath,"$d" && gcc -o "$d/ro" "$d/px.c" -L"$d" -lx -Wl,-rpath,'$ORIGIN' || exit 1
LD_LIBRARY_PATH="$d" "$d/px"; LD_LIBRARY_PATH="$d" ./px-host; "$d/rp"; "$d/ro"
(cd "$d" && LD_LIBRARY_PATH=. "$OLDPWD/px-host")
LD_PRELOAD="$d/libx.so" /bin/true && echo preloaded
"$d/px" 2>/dev/null || echo "not found without a path, as natively"
rm -f px-host`, "$D")
}

// TestMountProgramUnfiltered: a program stored in a mount whose loader
// looks for its libraries on the host only (no library path of its own)
// starts without the seccomp net, and so do the processes it starts: the
// net taxes every system call and each start (+0.7 ms an exec here), and
// no process can shed a filter once it has one.
func TestMountProgramUnfiltered(t *testing.T) {
	requireHook(t)
	need(t, "gcc")
	differential(t, "sh", "-c", `d="$0"
printf '#include <stdlib.h>\nint main(void) { return system("grep Seccomp: /proc/self/status"); }\n' > "$d/sc.c" &&
gcc -o "$d/sc" "$d/sc.c" || exit 1
"$d/sc"; cd "$d" && ./sc`, "$D")
}

// TestEscapesCaught: file calls a dynamic program makes where the stub
// cannot rewrite them (a site that keeps a value in the red zone across its
// syscall; code written into memory mapped executable, or made executable
// with mprotect) reach the mounts through the seccomp net, which the
// process puts on itself; relative paths follow the working directory the
// stub keeps, and a program it execs keeps both. As root and as nobody.
func TestEscapesCaught(t *testing.T) {
	requireHook(t)
	bin := cprog(t, "vfs_escape")
	differential(t, bin, "$D")
	// Stored in the mount, it starts without the net (its loader looks on
	// the host only), and its unpatched site must still bring it.
	differential(t, "sh", "-c", `mkdir "$0/bin" && cp "$1" "$0/bin/esc" && "$0/bin/esc" "$0"`, "$D", bin)
	if os.Geteuid() == 0 {
		zvfs := userZvfs(t, userBin(t))
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		bin = filepath.Join(filepath.Dir(zvfs), "vfs_escape") // where nobody may run it
		if err := os.WriteFile(bin, data, 0o755); err != nil {
			t.Fatal(err)
		}
		sameAsNobody(t, zvfs, bin)
		// From the mount, where the supervisor, without map_files,
		// finds the program through /proc/PID/exe.
		script := filepath.Join(filepath.Dir(zvfs), "escape-in-mount.sh")
		body := "#!/bin/sh\n" + `d=$1; mkdir "$d/bin" && cp ` + bin + ` "$d/bin/esc" && "$d/bin/esc" "$d"` + "\n"
		if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
		sameAsNobody(t, zvfs, script)
	}
}

// sameAsNobody runs bin on a mem mount at /data under zvfs (a copy uid
// 65534 may run) as uid 65534, and wants what bin prints natively on a
// tmpfs.
func sameAsNobody(t *testing.T, zvfs, bin string) {
	t.Helper()
	r := run(t, "/", []string{"HOME=/nonexistent"}, append(append([]string{}, nobody...),
		zvfs, "--mount", "mem:/data", "--", bin, "/data")...)
	native := nativeRun(t, "native", "zvfs-vfs-", []string{bin, "$D"})
	if got := strings.ReplaceAll(r.stdout, "/data", "$D"); got != native.stdout || r.code != 0 {
		t.Errorf("as nobody: exit %d\n%s\nstderr: %s\nnative:\n%s", r.code, got, r.stderr, native.stdout)
	}
}

// TestStaticExecInMount: a program under the net executes a program or a
// #! script stored in a mount (both were EACCES): static busybox runs
// them, the go tool runs the program `go run` builds in its work
// directory, in a mount, and so does an ordinary user's shell with --net.
// The net gives the kernel "/dev/fd/N" for the path, so a path shorter
// than that is still EACCES, with a line from zvfs.
func TestStaticExecInMount(t *testing.T) {
	requireHook(t)
	need(t, "busybox", "go", "python3")
	// A #! script too, through the helper (seccompnet/script.go), and
	// from a virtual working directory.
	script := `cp /bin/echo /data/echo-program && /data/echo-program hello
cp /bin/true /data/t && /data/t; echo "short $?"
printf '#!/bin/sh\necho "$0: $*" in "$(dirname "$0")"\n' > /data/script.sh && chmod +x /data/script.sh
/data/script.sh a 'b c'
cd /data && ./script.sh d && ./echo-program relative
printf '#!/nonexistent/interpreter\n' > /data/bad-interp.sh && chmod +x /data/bad-interp.sh
/data/bad-interp.sh; echo "missing interpreter $?"
cp /usr/bin/busybox /data/busybox-copy && ln -s busybox-copy /data/basename && /data/basename /x/argv0-kept
python3 -m venv --without-pip /data/venv && /data/venv/bin/python -c 'import sys; print(sys.prefix)'`
	want := "hello\nshort 126\n/data/script.sh: a b c in /data\n./script.sh: d in .\nrelative\nmissing interpreter 127\n" +
		"argv0-kept\n/data/venv\n"
	r := run(t, t.TempDir(), []string{"TMPDIR=" + t.TempDir()}, zvfsBin, "--mount", "mem:/data", "--", "busybox", "sh", "-c", script)
	if r.stdout != want || !strings.Contains(r.stderr, `cannot execute "/data/t", stored in a mount, from under the net`) {
		t.Errorf("busybox: exit %d, stdout %q, want %q; stderr %q", r.code, r.stdout, want, r.stderr)
	}
	dir := t.TempDir()
	for name, src := range map[string]string{
		"go.mod":  "module hi\n\ngo 1.22\n",
		"main.go": "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hi from go run\") }\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r = run(t, dir, []string{"GOTMPDIR=/data", "GOFLAGS=-mod=mod"}, zvfsBin, "--mount", "mem:/data", "--", "go", "run", ".")
	if r.code != 0 || r.stdout != "hi from go run\n" {
		t.Errorf("go run: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	// A static program from a mount finds itself (os.Executable reads
	// /proc/self/exe, which names the memfd it runs from), run by a
	// hooked shell and by static busybox.
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\n"+
		"func main() { p, err := os.Executable(); fmt.Println(p, err) }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	self := filepath.Join(dir, "self")
	if r = run(t, dir, []string{"CGO_ENABLED=0", "GOFLAGS=-mod=mod"}, "go", "build", "-o", self, "."); r.code != 0 {
		t.Fatalf("go build: %s", r.stderr)
	}
	for _, sh := range []string{"sh", "busybox"} {
		argv := []string{zvfsBin, "--mount", "mem:/data", "--", sh, "-c", `cp "$0" /data/self-program && /data/self-program`, self}
		if sh == "busybox" {
			argv = append(argv[:4:4], append([]string{"busybox", "sh"}, argv[5:]...)...)
		}
		if r = run(t, dir, nil, argv...); r.stdout != "/data/self-program <nil>\n" {
			t.Errorf("os.Executable under %s: exit %d, stdout %q, stderr %q", sh, r.code, r.stdout, r.stderr)
		}
	}
	// An ordinary user where address 0 cannot be mapped has every process
	// under the net (--net does the same).
	if os.Geteuid() != 0 {
		missing(t, "root, to run programs as another user")
	}
	argv := append(append([]string(nil), nobody...), userZvfs(t, userBin(t)), "--net", "--mount", "mem:/data", "--", "sh", "-c", script)
	if r = run(t, "/", userEnv(t, "/data"), argv...); r.stdout != want {
		t.Errorf("as nobody with --net: exit %d, stdout %q, want %q; stderr %q", r.code, r.stdout, want, r.stderr)
	}
}

// TestStaticSupervisorGone: when zvfs is killed, a static program's file
// calls fail (the listener is gone: ENOSYS) instead of waiting forever.
func TestStaticSupervisorGone(t *testing.T) {
	requireHook(t)
	need(t, "busybox")
	r := run(t, t.TempDir(), []string{"TMPDIR=" + t.TempDir()}, zvfsBin, "--mount", "mem:/d", "--", "busybox", "sh", "-c",
		`echo x > /d/x; kill -9 $PPID; sleep 0.2 2>/dev/null; cat /d/x 2>/dev/null; echo "cat $?"`)
	if r.code != 128+9 {
		t.Errorf("zvfs exit %d, want SIGKILL", r.code)
	}
	if !strings.Contains(r.stdout, "cat 1") {
		t.Errorf("the program did not get an error: stdout %q stderr %q", r.stdout, r.stderr)
	}
}

// TestManagerInTmp: Python's multiprocessing Manager with /tmp a mem mount.
// Its server binds a socket in /tmp and hands the address getsockname
// gives it (the socket's host path, inside the mounted /tmp) to its
// clients, which connect to it; its children load the stub, whose file
// is under the mounted /tmp too.
func TestManagerInTmp(t *testing.T) {
	requireHook(t)
	need(t, "python3")
	r := run(t, "/", nil, zvfsBin, "--mount", "mem:/tmp", "--", "python3", "-c",
		"from multiprocessing import Manager\nwith Manager() as m:\n    d = m.dict(); d['a'] = 1; print(dict(d))")
	if r.code != 0 || r.stdout != "{'a': 1}\n" || r.stderr != "" {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
