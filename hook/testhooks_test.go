package hook

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/testenv"
)

// testHooks answers the steps of testdata/calls.c.
type testHooks struct {
	Default
	file       string // what /zvfs-hook-test/file opens
	getppids   atomic.Int64
	opens      atomic.Int64
	writes     atomic.Int64
	written    atomic.Int64
	eintr      atomic.Int64
	clones     atomic.Int64
	forks      atomic.Int64
	vforks     atomic.Int64
	exitStatus atomic.Int64
	exitCalls  atomic.Int64
	redirected atomic.Int64
}

func (h *testHooks) SyscallNumbers() []int { return []int{unix.SYS_GETPPID, unix.SYS_UNAME} }

func (h *testHooks) Syscall(c *Call) Result {
	switch c.Nr {
	case unix.SYS_GETPPID:
		h.getppids.Add(1)
		if c.Args[0] == 1 {
			time.Sleep(300 * time.Millisecond) // a slow hook: see calls.c's nested step
		}
		return c.Return(7)
	case unix.SYS_UNAME:
		var u unix.Utsname
		if err := unix.Uname(&u); err != nil {
			return c.Continue()
		}
		copy(u.Nodename[:], "hooked\x00")
		b := unsafe.Slice((*byte)(unsafe.Pointer(&u)), unsafe.Sizeof(u))
		return c.ReturnBytes(c.Args[0], b, 0)
	}
	return c.Continue()
}

func (h *testHooks) Read(c *Call, fd int, buf, count uint64) Result {
	if fd == 0 {
		return c.ReturnBytes(buf, []byte("from the hook"), 13)
	}
	return c.After(func(ret int64) {
		if ret == -int64(unix.EINTR) {
			h.eintr.Add(1)
		}
	})
}

func (h *testHooks) Write(c *Call, fd int, buf, count uint64) Result {
	h.writes.Add(1)
	if count == 14 {
		if b := make([]byte, 14); c.ReadMemory(buf, b) == nil && string(b) == "rewritten-arg\n" {
			return c.Continue().Arg(2, 9) // "rewritten"
		}
	}
	return c.After(func(ret int64) {
		if ret > 0 {
			h.written.Add(ret)
		}
	})
}

func (h *testHooks) Openat(c *Call, dirfd int, path string, flags int, mode uint32) Result {
	return h.Open(c, path, flags, mode)
}

func (h *testHooks) Open(c *Call, path string, flags int, mode uint32) Result {
	h.opens.Add(1)
	switch path {
	case "/zvfs-hook-test/file":
		f, err := os.Open(h.file) // a description of its own for each open
		if err != nil {
			return c.Errno(unix.EIO)
		}
		defer f.Close()
		return c.ReturnFile(f)
	case "/zvfs-hook-test/denied":
		return c.Errno(unix.EACCES)
	case "/zvfs-hook-test/redirect":
		i := 0
		if c.Nr == unix.SYS_OPENAT {
			i = 1
		}
		return c.After(func(ret int64) { h.redirected.Store(ret) }).Path(i, h.file)
	}
	return c.Continue()
}

func (h *testHooks) Clone(c *Call, flags, stack, ptid, ctid, tls uint64) Result {
	h.clones.Add(1)
	return c.Continue()
}

func (h *testHooks) Clone3(c *Call, args, size uint64) Result {
	h.clones.Add(1)
	return c.Continue()
}

func (h *testHooks) Fork(c *Call) Result  { h.forks.Add(1); return c.Continue() }
func (h *testHooks) Vfork(c *Call) Result { h.vforks.Add(1); return c.Continue() }

func (h *testHooks) ExitGroup(c *Call, status int) Result {
	h.exitCalls.Add(1)
	h.exitStatus.Store(int64(status))
	return c.Continue()
}

var callsBin string

func callsProgram(t testing.TB) string {
	t.Helper()
	testenv.RequireHook(t)
	testenv.Need(t, "gcc")
	if callsBin == "" {
		out := filepath.Join(os.TempDir(), "zvfs-hook-calls-"+strconv.Itoa(os.Getpid()))
		if b, err := exec.Command("gcc", "-O2", "-pthread", "-o", out, "testdata/calls.c").CombinedOutput(); err != nil {
			t.Fatalf("gcc: %v\n%s", err, b)
		}
		callsBin = out
		t.Cleanup(func() { os.Remove(out); callsBin = "" })
	}
	return callsBin
}

// runCalls runs calls.c with the steps under h and returns its output.
func runCalls(t *testing.T, h Hooks, steps ...string) (string, int) {
	t.Helper()
	testenv.RequireHook(t)
	prog := callsProgram(t)
	var out bytes.Buffer
	code, err := Run(h, append([]string{prog}, steps...), Options{Stdout: &out, Stderr: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

func newTestHooks(t *testing.T) *testHooks {
	p := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(p, []byte("mocked contents"), 0o644); err != nil {
		t.Fatal(err)
	}
	return &testHooks{file: p}
}

// TestResults: each kind of Result, as a real program sees it.
func TestResults(t *testing.T) {
	h := newTestHooks(t)
	out, code := runCalls(t, h, "getppid", "readbytes", "readfault", "openfile", "rewrite", "deny", "badpath", "write", "uname", "exit")
	want := []string{
		"getppid: 7",                                      // Return
		"read: 13 from the hook",                          // ReturnBytes
		"read to a bad buffer: EFAULT",                    // ReturnBytes to memory the process lacks
		"open: size 15 read 15 mocked contents cloexec 1", // ReturnFile, close-on-exec as asked
		"again: fd 1 read 4 mock cloexec 0",               // at the lowest free number
		"redirected: fd 1 read 15 mocked contents",        // Continue().Path: the open goes elsewhere
		"rewritten", // Continue().Arg: the write is shorter
		"shortened write: 9",
		"open denied: EACCES",               // Errno
		"open of a bad pointer: EFAULT",     // the hook cannot read the path: EFAULT without calling it
		"openat of unmapped memory: EFAULT", // not hooked: the kernel's EFAULT
		"0123456789",
		"write: 11", // After
		"uname: 0",
		"nodename: hooked",
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	if code != 9 {
		t.Errorf("exit status %d, want 9 (exit_group(9) after an ExitGroup hook that continues)", code)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
	if n := h.opens.Load(); n != 4 {
		t.Errorf("Open called %d times, want 4 (not for the unreadable path)", n)
	}
	if fd := h.redirected.Load(); fd < 3 {
		t.Errorf("After of the redirected open saw %d", fd)
	}
	if h.written.Load() < 11 || h.writes.Load() < 1 {
		t.Errorf("After saw %d bytes in %d writes", h.written.Load(), h.writes.Load())
	}
	if h.exitCalls.Load() != 1 || h.exitStatus.Load() != 9 {
		t.Errorf("ExitGroup: %d calls, status %d", h.exitCalls.Load(), h.exitStatus.Load())
	}
}

// TestProcesses: hooks across threads, fork, vfork, posix_spawn and exec,
// and a hooked call that blocks and is interrupted.
func TestProcesses(t *testing.T) {
	h := newTestHooks(t)
	out, code := runCalls(t, h, "threads", "fork", "spawn", "vfork", "eintr", "nested")
	want := []string{
		"threads: 0 wrong",
		"child getppid: 7",
		"child exit: 3",
		"spawned",
		"system: 0",
		"vfork child exit: 5",
		"blocked read: EINTR",
		"nested: main 7 handler 7",
		"nested read: EINTR handler 7",
	}
	if code != 0 || strings.TrimSpace(out) != strings.Join(want, "\n") {
		t.Errorf("status %d, output:\n%s\nwant:\n%s", code, out, strings.Join(want, "\n"))
	}
	// (the shell system() runs asks for its parent too)
	if n := h.getppids.Load(); n < 4*500+1 {
		t.Errorf("%d getppid calls answered, want at least %d", n, 4*500+1)
	}
	// fork is a clone in glibc, posix_spawn a clone or a clone3.
	if h.forks.Load()+h.clones.Load() < 2 || h.vforks.Load() < 1 {
		t.Errorf("fork %d, clone %d, vfork %d", h.forks.Load(), h.clones.Load(), h.vforks.Load())
	}
	if h.eintr.Load() != 2 {
		t.Errorf("After saw EINTR %d times, want 2", h.eintr.Load())
	}
}

// openLog records the paths of opens.
type openLog struct {
	Default
	mu    sync.Mutex
	paths []string
}

func (o *openLog) Openat(c *Call, dirfd int, path string, flags int, mode uint32) Result {
	o.mu.Lock()
	o.paths = append(o.paths, c.Abs(dirfd, path))
	o.mu.Unlock()
	if path == "/zvfs-hook-test/into-mount" {
		return c.Continue().Path(1, "/data/x") // a rewritten path reaches the mount too
	}
	return c.Continue()
}

// TestWithMounts: hooks see the calls on mounted paths first, and what
// they let through reaches the mount.
func TestWithMounts(t *testing.T) {
	testenv.RequireHook(t)
	h := &openLog{}
	var out bytes.Buffer
	code, err := Run(h, []string{"sh", "-c", "echo hi > /data/x && cat /zvfs-hook-test/into-mount && cat /data/x > /data/y && ls /data"},
		Options{Mounts: []string{"mem:/data"}, Stdout: &out})
	if err != nil || code != 0 {
		t.Fatalf("status %d, %v", code, err)
	}
	if out.String() != "hi\nx\ny\n" {
		t.Errorf("output %q", out.String())
	}
	seen := map[string]bool{}
	for _, p := range h.paths {
		seen[p] = true
	}
	for _, p := range []string{"/data/x", "/data/y", "/data"} {
		if !seen[p] {
			t.Errorf("no open of %s among %q", p, h.paths)
		}
	}
	if _, err := os.Stat("/data/x"); err == nil {
		t.Error("/data/x exists on the host")
	}
}

func TestBadMountSpec(t *testing.T) {
	if _, err := Run(Default{}, []string{"true"}, Options{Mounts: []string{"nope:/x"}}); err == nil {
		t.Error("a bad mount spec ran")
	}
}

// everything sends every call it can to the supervisor, asking for the
// result of each.
type everything struct {
	Default
	n atomic.Int64
}

func (e *everything) see(c *Call) Result { e.n.Add(1); return c.After(func(int64) {}) }

func (e *everything) Syscall(c *Call) Result                    { return e.see(c) }
func (e *everything) Read(c *Call, fd int, b, n uint64) Result  { return e.see(c) }
func (e *everything) Write(c *Call, fd int, b, n uint64) Result { return e.see(c) }
func (e *everything) Openat(c *Call, d int, p string, f int, m uint32) Result {
	return e.see(c)
}
func (e *everything) Close(c *Call, fd int) Result { return e.see(c) }
func (e *everything) Mmap(c *Call, a, l uint64, p, f, fd int, o int64) Result {
	return e.see(c)
}
func (e *everything) Munmap(c *Call, a, l uint64) Result             { return e.see(c) }
func (e *everything) Mprotect(c *Call, a, l uint64, p int) Result    { return e.see(c) }
func (e *everything) Brk(c *Call, a uint64) Result                   { return e.see(c) }
func (e *everything) Clone(c *Call, f, s, p, ct, t uint64) Result    { return e.see(c) }
func (e *everything) Clone3(c *Call, a, s uint64) Result             { return e.see(c) }
func (e *everything) Vfork(c *Call) Result                           { return e.see(c) }
func (e *everything) Fork(c *Call) Result                            { return e.see(c) }
func (e *everything) Execve(c *Call, p string, a, v []string) Result { return e.see(c) }
func (e *everything) Exit(c *Call, s int) Result                     { return e.see(c) }
func (e *everything) ExitGroup(c *Call, s int) Result                { return e.see(c) }
func (e *everything) Dup2(c *Call, o, n int) Result                  { return e.see(c) }
func (e *everything) Pipe2(c *Call, f uint64, fl int) Result         { return e.see(c) }
func (e *everything) Fstat(c *Call, fd int, b uint64) Result         { return e.see(c) }
func (e *everything) Ioctl(c *Call, fd int, r, a uint64) Result      { return e.see(c) }
func (e *everything) Lseek(c *Call, fd int, o int64, w int) Result   { return e.see(c) }
func (e *everything) Newfstatat(c *Call, d int, p string, b uint64, f int) Result {
	return e.see(c)
}

// TestEverythingHooked: with every hookable call going through the
// supervisor, real programs — python3 with threads and subprocesses, a
// shell pipeline, gcc — give the output they give natively.
func TestEverythingHooked(t *testing.T) {
	testenv.RequireHook(t)
	testenv.Need(t, "python3", "gcc")
	dir := t.TempDir()
	script := `cd ` + dir + ` && printf 'int main(void){return 3;}' > a.c && gcc a.c -o a; ./a; echo "a: $?"
python3 -c 'import sys, threading, subprocess
ts = [threading.Thread(target=lambda i: sys.stdout.write("thread %d\n" % i), args=(i,)) for i in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]
print(subprocess.run(["sh", "-c", "seq 1 1000 | sort -r | head -2"], capture_output=True, text=True).stdout)' | sort`
	native := testenv.Run(t, "sh", "-c", script)
	h := &everything{}
	var out bytes.Buffer
	code, err := Run(h, []string{"sh", "-c", script}, Options{Stdout: &out})
	if err != nil || code != native.Code || out.String() != native.Stdout {
		t.Errorf("status %d (%v), output:\n%s\nnative %d:\n%s", code, err, out.String(), native.Code, native.Stdout)
	}
	if h.n.Load() < 1000 {
		t.Errorf("only %d calls hooked", h.n.Load())
	}
}
