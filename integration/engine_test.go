package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestExitStatus(t *testing.T) {
	requireHook(t)
	for _, c := range []struct {
		script string
		code   int
	}{
		{"exit 0", 0}, {"exit 7", 7}, {"kill -TERM $$", 143}, {"kill -SEGV $$", 139},
	} {
		r := underZvfs(t, t.TempDir(), "sh", "-c", c.script)
		if r.code != c.code {
			t.Errorf("sh -c %q: exit %d, want %d (stderr %q)", c.script, r.code, c.code, r.stderr)
		}
	}
	if r := underZvfs(t, t.TempDir(), "/bin/true"); r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Errorf("/bin/true: %+v", r)
	}
}

func TestBadInvocations(t *testing.T) {
	dir := t.TempDir()
	noexec := filepath.Join(dir, "script")
	os.WriteFile(noexec, []byte("#!/bin/sh\necho hi\n"), 0o644)
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "usage"},
		{[]string{"--"}, 2, "no program"},
		{[]string{"stats"}, 2, "no program"},
		{[]string{"--", "no-such-program-zvfs"}, 127, "no-such-program-zvfs"},
		{[]string{"--", "/no/such/file"}, 127, "/no/such/file"},
		{[]string{"--", noexec}, 126, noexec},
	} {
		r := run(t, dir, nil, append([]string{zvfsBin}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("zvfs %v: exit %d stderr %q; want exit %d mentioning %q", c.args, r.code, r.stderr, c.code, c.msg)
		}
		if c.code != 2 && strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("zvfs %v: want a one-line message, got %q", c.args, r.stderr)
		}
	}
}

// TestExecErrors: as a shell says it, for an ordinary user — a program in
// a directory they may not search, and a command whose only match in PATH
// may not be executed, are 126 "permission denied"; nothing runs.
func TestExecErrors(t *testing.T) {
	requireRoot(t)
	zvfs := userZvfs(t, userBin(t))
	base := hostDir(t, "zvfs-execerr-")
	locked := filepath.Join(base, "locked")
	os.Mkdir(locked, 0o700)
	os.WriteFile(filepath.Join(locked, "prog"), []byte("#!/bin/sh\necho ran\n"), 0o755)
	os.WriteFile(filepath.Join(base, "notexec"), []byte("#!/bin/sh\necho ran\n"), 0o644)
	for _, c := range []struct {
		env  []string
		prog string
		want string
	}{
		{nil, filepath.Join(locked, "prog"), filepath.Join(locked, "prog") + ": permission denied"},
		{[]string{"PATH=" + base + ":/usr/bin:/bin"}, "notexec", filepath.Join(base, "notexec") + ": permission denied"},
	} {
		r := run(t, "/", c.env, append(append([]string{}, nobody...), zvfs, "--", c.prog)...)
		if r.code != 126 || strings.TrimSpace(r.stderr) != "zvfs: "+c.want || r.stdout != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 126, %q", c.prog, r.code, r.stdout, r.stderr, c.want)
		}
	}
}

// TestProgramInMount: the program zvfs runs may be one only the run sees —
// by its path in a mount, or by name from a PATH directory in one — with
// its arguments and argv[0] as given; one missing there is 127.
func TestProgramInMount(t *testing.T) {
	requireHook(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "args")
	os.WriteFile(script, []byte("#!/bin/sh\necho \"$0|$*\"\n"), 0o755)
	archive := filepath.Join(dir, "bin.tar")
	if out, err := exec.Command("tar", "-C", dir, "-cf", archive, "args").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	mount := []string{zvfsBin, "--mount", "tar:/zvfs-bin=" + archive, "--"}
	for _, c := range []struct {
		env  []string
		args []string
		code int
		out  string
	}{
		{nil, []string{"/zvfs-bin/args", "a b", "c"}, 0, "/zvfs-bin/args|a b c\n"},
		{[]string{"PATH=/zvfs-bin:/usr/bin:/bin"}, []string{"args", "x"}, 0, "/zvfs-bin/args|x\n"},
		{nil, []string{"/zvfs-bin/nope"}, 127, ""},
	} {
		r := run(t, dir, c.env, append(append([]string{}, mount...), c.args...)...)
		if r.code != c.code || r.stdout != c.out {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d, %q", c.args, r.code, r.stdout, r.stderr, c.code, c.out)
		}
	}
}

// TestVersion: zvfs --version names zvfs, its build and the Go release,
// on one line, and runs nothing.
func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		r := run(t, t.TempDir(), nil, zvfsBin, arg)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "zvfs ") || !strings.Contains(r.stdout, " go1.") ||
			strings.Count(r.stdout, "\n") != 1 || r.stderr != "" {
			t.Errorf("zvfs %s: exit %d, stdout %q, stderr %q", arg, r.code, r.stdout, r.stderr)
		}
	}
}

// TestBackgroundJob: started as a shell's background job, the program
// ignores SIGINT and SIGQUIT, as it does without zvfs.
func TestBackgroundJob(t *testing.T) {
	requireHook(t)
	script := `%s sh -c 'grep SigIgn /proc/self/status' & wait`
	native := run(t, t.TempDir(), nil, "sh", "-c", fmt.Sprintf(script, ""))
	under := run(t, t.TempDir(), nil, "sh", "-c", fmt.Sprintf(script, zvfsBin+" --"))
	if native.stdout == "" || under.stdout != native.stdout || under.code != 0 {
		t.Errorf("native %q, under zvfs %q (exit %d, stderr %q)", native.stdout, under.stdout, under.code, under.stderr)
	}
}

func TestSignalForwarding(t *testing.T) {
	requireHook(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP} {
		cmd := execCommand(zvfsBin, "--", "sh", "-c",
			`trap 'echo got $0; exit 3' `+sigName(sig)+`; echo ready; while :; do sleep 0.05; done`)
		out := &lockedBuffer{}
		cmd.Stdout = out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(out.String(), "ready") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		if code := exitStatus(cmd.ProcessState); code != 3 || !strings.Contains(out.String(), "got") {
			t.Errorf("%v: exit %d (%v), output %q", sig, code, err, out.String())
		}
	}
}

// TestThreads: 8 threads × 100 000 raw getppid calls, counted exactly.
func TestThreads(t *testing.T) {
	requireHook(t)
	st, r := stats(t, t.TempDir(), cprog(t, "getppid_loop"), "100000", "8")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got := st.Syscalls["getppid"]; got != 800000 {
		t.Errorf("getppid counted %d times, want 800000", got)
	}
	if st.Syscalls["clone3"] != 8 {
		t.Errorf("clone3 counted %d times, want 8 (pthread_create)", st.Syscalls["clone3"])
	}
	if st.Processes != 1 {
		t.Errorf("%d processes, want 1", st.Processes)
	}
}

// TestThreadChurn: thousands of short-lived threads reuse the hook blocks
// of threads that have exited, so memory stays flat, and no count is lost.
func TestThreadChurn(t *testing.T) {
	requireHook(t)
	prog := cprog(t, "threadchurn")
	r := same(t, prog, "3000")
	if !strings.Contains(r.stdout, "under 4 MiB: yes") {
		t.Errorf("output %q, stderr %q", r.stdout, r.stderr)
	}
	st, _ := stats(t, t.TempDir(), prog, "3000")
	if st.Syscalls["getppid"] != 3050 || st.Syscalls["exit"] != 3050 {
		t.Errorf("getppid %d, exit %d; want 3050 each", st.Syscalls["getppid"], st.Syscalls["exit"])
	}
}

// TestProcesses: fork, vfork, vfork+exec, posix_spawn, system(), clone3
// (fork-like; with CLONE_VM|CLONE_VFORK and a new stack; oversized argument
// struct) and clone(CLONE_VM) behave as natively, and the children are hooked.
func TestProcesses(t *testing.T) {
	requireHook(t)
	prog := cprog(t, "procs")
	same(t, prog)
	st, _ := stats(t, t.TempDir(), prog)
	for name, want := range map[string]uint64{"vfork": 2, "clone3": 3, "execve": 3} {
		if st.Syscalls[name] < want {
			t.Errorf("%s counted %d times, want at least %d", name, st.Syscalls[name], want)
		}
	}
	// main, fork child, 2 vfork children, spawned echo, sh, clone3 child,
	// the CLONE_VM child and the CLONE_VM|CLONE_VFORK clone3 child (both end
	// with exit, not exit_group).
	if st.Processes != 9 {
		t.Errorf("%d processes, want 9", st.Processes)
	}
}

func TestShells(t *testing.T) {
	requireHook(t)
	need(t, "bash", "sh")
	script := `x=$(echo sub | tr a-z A-Z); echo "$x"; (echo in subshell; exit 3); echo "status $?"
echo one two three | tr ' ' '\n' | sort -r | head -2
for i in 1 2 3; do echo "$i" & wait; done
{ echo grouped; } | cat
f() { echo "func $1"; }; f arg
echo $(( 6 * 7 ))`
	for _, sh := range []string{"sh", "bash"} {
		r := same(t, sh, "-c", script)
		if !strings.Contains(r.stdout, "42") {
			t.Errorf("%s: output %q", sh, r.stdout)
		}
	}
}

// TestExecFollows: every exec'd program is hooked, also when the environment
// was cleared or LD_PRELOAD removed on the way.
func TestExecFollows(t *testing.T) {
	requireHook(t)
	loop := cprog(t, "getppid_loop")
	execenv := cprog(t, "execenv")
	// Each case runs with N = 0 and N = 1000 getppid calls in the last
	// program; the difference must be exactly 1000 (shells call getppid too).
	for name, argv := range map[string]func(n string) []string{
		"direct":        func(n string) []string { return []string{loop, n} },
		"env -i":        func(n string) []string { return []string{"env", "-i", loop, n} },
		"env -u":        func(n string) []string { return []string{"env", "-u", "LD_PRELOAD", loop, n} },
		"sh grandchild": func(n string) []string { return []string{"sh", "-c", "env -i sh -c '" + loop + " " + n + "'"} },
		"empty envp":    func(n string) []string { return []string{execenv, "empty", loop, n} },
		"NULL envp":     func(n string) []string { return []string{execenv, "null", loop, n} },
	} {
		base, r0 := stats(t, t.TempDir(), argv("0")...)
		st, r := stats(t, t.TempDir(), argv("1000")...)
		if r.code != 0 || r0.code != 0 {
			t.Errorf("%s: exit %d/%d: %s", name, r0.code, r.code, r.stderr)
			continue
		}
		if got := st.Syscalls["getppid"] - base.Syscalls["getppid"]; got != 1000 {
			t.Errorf("%s: the exec'd program's getppid counted %d times, want 1000", name, got)
		}
	}
}

// TestExecBadEnvironment: an exec whose envp or one of its strings is a bad
// pointer fails with EFAULT, as natively, instead of crashing in the hook;
// so does one of a missing program, with the kernel's errno; an
// environment too large for the stub's stack goes through a mapping.
func TestExecBadEnvironment(t *testing.T) {
	requireHook(t)
	execenv := cprog(t, "execenv")
	for _, mode := range []string{"badarray", "badstring"} {
		r := same(t, execenv, mode, "/bin/true")
		if !strings.Contains(r.stdout, "EFAULT") {
			t.Errorf("%s: %q", mode, r.stdout)
		}
	}
	// A path that is not there, or not a directory where one is needed,
	// gets the kernel's answer (the stub asks before it builds the new
	// environment); one pointing nowhere stays EFAULT.
	for _, c := range [][2]string{{"empty", "/nonexistent/prog"}, {"empty", "/bin/true/prog"}, {"badpath", "/bin/true"}} {
		r := same(t, execenv, c[0], c[1])
		if !strings.HasPrefix(r.stdout, "execve: ") {
			t.Errorf("%s %s: %q", c[0], c[1], r.stdout)
		}
	}
	r := same(t, "sh", "-c", `i=0; while [ $i -lt 3000 ]; do export V$i=value$i; i=$((i+1)); done; env | grep -c '^V'; sh -c 'echo $V2999'`)
	if !strings.Contains(r.stdout, "3000\nvalue2999") {
		t.Errorf("large environment: %q", r.stdout)
	}
}

// TestDlopen: code a program maps later (a library it dlopens) is rewritten
// too: the library's own syscall instruction goes through the hook.
func TestDlopen(t *testing.T) {
	requireHook(t)
	lib := sharedLib(t, "rawlib")
	prog := cprog(t, "dlopen", "-ldl")
	same(t, prog, lib, "1000")
	st, r := stats(t, t.TempDir(), prog, lib, "1000")
	if r.code != 0 || st.Syscalls["getppid"] != 1000 {
		t.Errorf("exit %d, getppid counted %d times, want 1000", r.code, st.Syscalls["getppid"])
	}
}

// TestDlopenTableFull: a library loaded later whose sites do not fit the
// site table (testdata/manysites.c has 1 500, the table room for ~450 after
// libc and ld.so) is left as it is, and the process takes the seccomp net:
// a file call on a mount from one of its own instructions still reaches
// the mount.
func TestDlopenTableFull(t *testing.T) {
	requireHook(t)
	lib, prog := sharedLib(t, "manysites"), cprog(t, "dlopen", "-ldl")
	r := run(t, t.TempDir(), nil, zvfsBin, "--mount", "mem:/data", "--", "sh", "-c",
		`echo in the mount > /data/f && "$0" "$1" open /data/f`, prog, lib)
	if want := "open ok: in the mount, seccomp 2\n"; r.code != 0 || r.stdout != want {
		t.Errorf("exit %d, stdout %q, want %q; stderr %q", r.code, r.stdout, want, r.stderr)
	}
}

// sharedLib compiles testdata/NAME.c into a shared library and returns
// its path.
func sharedLib(t *testing.T, name string) string {
	t.Helper()
	lib := filepath.Join(t.TempDir(), "lib"+name+".so")
	src, _ := filepath.Abs(filepath.Join("testdata", name+".c"))
	if r := run(t, t.TempDir(), nil, "gcc", "-O1", "-shared", "-fPIC", "-o", lib, src); r.code != 0 {
		t.Fatal(r.stderr)
	}
	return lib
}

func TestSignals(t *testing.T) {
	requireHook(t)
	same(t, cprog(t, "signals"))
	start := time.Now()
	r := underZvfs(t, t.TempDir(), "timeout", "1", "sleep", "10")
	if r.code != 124 {
		t.Errorf("timeout 1 sleep 10: exit %d, want 124", r.code)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("timeout 1 sleep 10 took %v", d)
	}
}

func TestRegisters(t *testing.T) {
	requireHook(t)
	st, r := stats(t, t.TempDir(), cprog(t, "regs", "-mavx2"))
	if r.code != 0 || !strings.Contains(r.stdout, "registers intact") {
		t.Fatalf("exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	if st.Syscalls["getppid"] != 1 {
		t.Errorf("the test's raw syscall was not hooked (getppid count %d)", st.Syscalls["getppid"])
	}
}

func TestRedZone(t *testing.T) {
	requireHook(t)
	r := same(t, cprog(t, "redzone"))
	if !strings.Contains(r.stdout, "intact") {
		t.Errorf("output %q", r.stdout)
	}
}

func TestNullFunctionPointer(t *testing.T) {
	requireHook(t)
	r := same(t, cprog(t, "nullcall"))
	if r.code != 128+int(syscall.SIGSEGV) {
		t.Errorf("exit %d, want SIGSEGV (139)", r.code)
	}
}

func TestGoProgram(t *testing.T) {
	requireHook(t)
	need(t, "go", "gcc")
	dir := t.TempDir()
	src, _ := os.ReadFile(filepath.Join("testdata", "goprog", "main.go"))
	os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module goprog\n\ngo 1.26\n"), 0o644)
	bin := filepath.Join(dir, "goprog")
	if r := run(t, dir, []string{"CGO_ENABLED=1", "GOFLAGS=-mod=mod"}, "go", "build", "-o", bin, "."); r.code != 0 {
		t.Fatalf("go build: %s", r.stderr)
	}
	r := same(t, bin)
	if !strings.Contains(r.stdout, "cgo 42") {
		t.Errorf("output %q", r.stdout)
	}
	st, _ := stats(t, t.TempDir(), bin)
	if st.Syscalls["epoll_pwait"]+st.Syscalls["futex"]+st.Syscalls["nanosleep"] == 0 {
		t.Errorf("the Go runtime's own syscalls were not counted: %v", st.Syscalls)
	}
}

// TestSupervisorGone: when zvfs itself is killed, the program goes on and
// what it starts afterwards runs (unhooked) instead of hanging.
func TestSupervisorGone(t *testing.T) {
	requireHook(t)
	// A killed zvfs cannot remove its socket directory: keep it in the
	// test's temporary directory.
	r := run(t, t.TempDir(), []string{"TMPDIR=" + t.TempDir()}, zvfsBin, "stats", "--", "sh", "-c",
		`kill -9 $PPID; sleep 0.2; /bin/echo after; sh -c 'exit 3'; echo "status $?"`)
	if r.code != 128+9 {
		t.Errorf("zvfs exit %d, want SIGKILL", r.code)
	}
	if !strings.Contains(r.stdout, "after\nstatus 3") {
		t.Errorf("program did not carry on: stdout %q stderr %q", r.stdout, r.stderr)
	}
}

// TestIgnoredSignalsInherited: nohup's ignored SIGHUP reaches the program.
func TestIgnoredSignalsInherited(t *testing.T) {
	requireHook(t)
	need(t, "nohup")
	r := run(t, t.TempDir(), nil, "nohup", zvfsBin, "--", "sh", "-c", "kill -HUP $$; echo survived")
	if r.code != 0 || !strings.Contains(r.stdout, "survived") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestCwdMovesAsNobody: the working directory follows renames and
// removals for an ordinary user as for root (scenario cwdmoves.py), the
// same as the kernel's for that user on a directory of theirs.
func TestCwdMovesAsNobody(t *testing.T) {
	requireRoot(t)
	need(t, "python3")
	python := "/usr/bin/python3" // not a shim in root's home
	zvfs := userZvfs(t, userBin(t))
	script, err := os.ReadFile(filepath.Join("testdata", "scenarios", "cwdmoves.py"))
	if err != nil {
		t.Fatal(err)
	}
	dir := hostDir(t, "zvfs-cwdmoves-")
	if err := os.Chown(dir, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	native := run(t, "/", []string{"D=" + dir, "HOME=/nonexistent"}, append(append([]string{}, nobody...),
		python, "-c", string(script))...)
	under := run(t, "/", []string{"D=/data", "HOME=/nonexistent"}, append(append([]string{}, nobody...),
		zvfs, "--mount", "mem:/data", "--", python, "-c", string(script))...)
	if native.code != 0 || under.code != 0 || under.stdout != native.stdout {
		t.Errorf("as nobody: native exit %d, zvfs exit %d\nnative:\n%s%s\nzvfs:\n%s%s",
			native.code, under.code, native.stdout, native.stderr, under.stdout, under.stderr)
	}
}
