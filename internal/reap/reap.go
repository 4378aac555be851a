// Package reap lets zvfs end without waiting for the kernel to free what it
// holds. Closing the last descriptor of a memfd frees its file, ~6 µs of
// kernel time each on the VMs zvfs is measured on, so the 5 000 files of a
// mem tree took 16–30 ms at the end of a run: after the program had exited,
// while its caller waited for zvfs. Hand gives such descriptors over a
// socket to a helper, a process of zvfs's own binary started detached for
// the purpose (Prepare), which holds them and exits once zvfs has: the
// kernel frees the files then, while the caller already has zvfs's exit
// status. zvfs's own closes are then cheap, its copies not being the
// last.
//
// Only a binary whose main calls Serve first may start helpers (Enable):
// the helper is that binary, run again with ZVFS_REAP_HELPER set.
package reap

import (
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// envHelper, set to "1", makes Serve the process's whole life.
const envHelper = "ZVFS_REAP_HELPER"

// name is a helper's name in ps and /proc/PID/comm, NUL-terminated.
var name = []byte("zvfs-reap\x00")

// MinFds is the fewest descriptors worth handing: fewer are closed in
// ~1.5 ms on two CPUs.
const MinFds = 512

// batch is how many descriptors one message carries (the kernel's
// SCM_MAX_FD).
const batch = 253

var (
	enabled atomic.Bool
	// preparing is set by the first Prepare; ready is closed once its
	// helper is started (sock >= 0) or could not be (sock < 0).
	preparing atomic.Bool
	ready     = make(chan struct{})
	sock      = -1
	pid       int // the helper's, for tests
)

// Enable lets Prepare and Hand start helpers. Call it only from a binary
// whose main calls Serve before anything else.
func Enable() { enabled.Store(true) }

// Prepare starts the helper in the background, once, ahead of Hand. A
// process starting another copies its descriptor table, and the exec
// closes the copies: ~0.5 µs a descriptor, paid while the starting thread
// waits. Started while the caller holds few descriptors, the helper costs
// it nothing at the end. It waits, reading nothing, until Hand's
// descriptors come or zvfs exits.
func Prepare() {
	if !enabled.Load() || !preparing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		sock = start()
		close(ready)
	}()
}

// Serve returns at once unless this process was started as a helper. A
// helper waits until the other end of descriptor 3 is closed (zvfs has
// exited), then exits 0. It never reads: the descriptors sent stay in the
// socket, in flight, and go with it. (Taking them into its table made it
// grow the table a dozen times, each a wait for an RCU grace period in a
// process of several threads: 1–2 s for 5 000.)
func Serve() {
	if os.Getenv(envHelper) != "1" {
		return
	}
	unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&name[0])), 0, 0, 0) // "exe" otherwise, from /proc/self/exe
	fds := []unix.PollFd{{Fd: 3, Events: unix.POLLRDHUP}}
	for {
		if _, err := unix.Poll(fds, -1); err != unix.EINTR {
			break
		}
	}
	os.Exit(0)
}

// Hand gives the files of fds, descriptors the caller is about to close,
// to the helper, which holds them until after zvfs has exited, and reports
// whether it did: the caller's closes are then cheap (its copies are not
// the last). The caller closes fds either way. Nothing is handed if
// helpers are not enabled, fds are fewer than MinFds, or no helper could
// be started; fds past a failed send (too many descriptors in flight for
// an ordinary user) are freed by the caller's closes, as without a helper.
func Hand(fds []int) bool {
	if !enabled.Load() || len(fds) < MinFds {
		return false
	}
	Prepare() // now, if not done before: it costs the copies then
	<-ready
	if sock < 0 {
		return false
	}
	send(sock, fds)
	return true
}

// start starts a helper and returns the socket to it, or -1. The helper
// reads its end until zvfs's closes: at zvfs's exit.
func start() int {
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	theirs := os.NewFile(uintptr(sp[1]), "reap")
	defer theirs.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		unix.Close(sp[0])
		return -1
	}
	defer null.Close()
	// Nothing of the caller's: not its standard streams (a caller
	// reading zvfs's output to its end must not wait for the helper),
	// not its directory, not its session.
	p, err := os.StartProcess("/proc/self/exe", []string{"zvfs-reap"}, &os.ProcAttr{
		Dir:   "/",
		Env:   []string{envHelper + "=1"},
		Files: []*os.File{null, null, null, theirs},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		unix.Close(sp[0])
		return -1
	}
	pid = p.Pid
	p.Release() // not waited for: it outlives us
	return sp[0]
}

// send writes fds to the socket s, batch by batch, and stops at the first
// error.
func send(s int, fds []int) {
	one := []byte{0}
	for sent := 0; sent < len(fds); {
		n := min(batch, len(fds)-sent)
		err := unix.Sendmsg(s, one, unix.UnixRights(fds[sent:sent+n]...), nil, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return
		}
		sent += n
	}
}
