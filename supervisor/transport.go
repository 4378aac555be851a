// transport.go is how the supervisor talks to the stubs: the listening
// sockets (one per CPU and a shared one), the acceptor threads pinned to
// their CPU that serve each connection they accept, and reading and
// writing datagrams with the descriptors they carry.

package supervisor

import (
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/fdroom"
	"github.com/zvfs/zvfs/internal/linuxvfs"
	"github.com/zvfs/zvfs/vfs"
)

// A listener is one listening socket and how its acceptors run: cpu >= 0
// pins them to that CPU.
type listener struct {
	fd, cpu, acceptors int
	path               string
	waiting            *atomic.Int32 // goroutines blocked in accept on it
	// file is fd in the runtime's poller: acceptors wait there, holding
	// no P (see accept).
	file *os.File
}

// maxCPUSockets bounds the per-CPU sockets (and pinned threads).
const maxCPUSockets = 64

// listenAll opens the shared socket at path and one socket per CPU this
// process may run on, at path.N. A stub connects to the socket of the CPU it
// runs on: the acceptors pinned there answer without waking another CPU (a
// cross-CPU wake-up costs ~60 µs on this VM kind, the whole exchange on one
// CPU a few µs). The shared socket is the fallback.
func listenAll(path string) ([]listener, error) {
	fd, err := listen(path)
	if err != nil {
		return nil, fmt.Errorf("supervisor socket %s: %w", path, err)
	}
	ls := []listener{{fd: fd, cpu: -1, acceptors: 2, path: path, waiting: new(atomic.Int32), file: os.NewFile(uintptr(fd), path)}}
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) == nil {
		for cpu := 0; cpu < maxCPUSockets; cpu++ {
			if !set.IsSet(cpu) {
				continue
			}
			p := fmt.Sprintf("%s.%d", path, cpu)
			fd, err := listen(p)
			if err != nil {
				break // the shared socket still serves
			}
			ls = append(ls, listener{fd: fd, cpu: cpu, acceptors: 2, path: p, waiting: new(atomic.Int32), file: os.NewFile(uintptr(fd), p)})
		}
	}
	return ls, nil
}

func listen(path string) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	// Processes of the run that change to another user must still reach
	// us; what they may do is decided by their credentials (SO_PEERCRED).
	if err := unix.Chmod(path, 0o666); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.Listen(fd, 1024); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// requestTimeout bounds how long a connection may hold an acceptor without
// sending its request (a process stopped between connect and send).
const requestTimeout = time.Second

// serve runs each socket's acceptors. An acceptor serves the connection it
// accepts itself: a connection carries one request (a hello, or a report)
// and its answer, so handling it on the accepting thread saves a wake-up of
// another thread per process start.
func (s *Server) serve() {
	defer s.wg.Done()
	moreProcs()
	for _, l := range s.socks {
		for range l.acceptors {
			s.wg.Add(1)
			go s.acceptor(l)
		}
	}
}

// acceptor accepts connections on l's socket, on a thread pinned to l's
// CPU, and serves each itself: a hello or a report is one request; a
// thread's file-call connection stays open and is served here until it
// closes, while another acceptor takes this one's place in accept. So the
// calls of a connection are always answered on the CPU it was made on,
// with no hand-off to another thread (which cost 100–500 µs here).
func (s *Server) acceptor(l listener) {
	defer s.wg.Done()
	if l.cpu >= 0 {
		runtime.LockOSThread() // this thread stays pinned; it ends with the goroutine
		var set unix.CPUSet
		set.Set(l.cpu)
		unix.SchedSetaffinity(0, &set)
	}
	for {
		l.waiting.Add(1)
		fd, err := l.accept()
		l.waiting.Add(-1)
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		s.mu.Lock()
		closed := s.closed.Load()
		if err == nil && !closed {
			s.conns[fd] = nil
		}
		s.mu.Unlock()
		if err != nil || closed {
			if err == nil {
				unix.Close(fd)
			}
			if closed || err != unix.EMFILE && err != unix.ENFILE {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		fdroom.Note(fd) // a process's connection may stay for its life
		cn := &conn{fd: fd, deadline: time.Now().Add(requestTimeout)}
		var p peer
		c := link{conn: cn, stop: &s.closed}
		if !s.handle(&c, &p) {
			s.endConn(cn, &p)
			continue
		}
		// A thread's file-call connection: serve it here for its life.
		if l.waiting.Load() < int32(l.acceptors) {
			s.wg.Add(1)
			go s.acceptor(l)
		}
		cn.deadline = time.Time{}
		yielded := time.Now()
		for s.handle(&c, &p) {
			c.done()
			if now := time.Now(); now.Sub(yielded) > yieldEvery {
				yielded = now
				runtime.Gosched()
			}
		}
		s.endConn(cn, &p)
		if l.waiting.Load() >= maxIdleAcceptors {
			return // enough others wait in accept: this thread ends
		}
	}
}

// accept waits for the next connection on l in the runtime's poller and
// accepts it. A goroutine blocked in accept4 itself would hold its P until
// the runtime's monitor (sysmon) took it back, and every such take, and
// every return from a wait the monitor had slept through, sets it polling
// every 20 µs again: ~15 µs of CPU each time on this VM kind.
func (l *listener) accept() (int, error) {
	rc, err := l.file.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd, aerr := -1, error(nil)
	err = rc.Read(func(lfd uintptr) bool {
		fd, _, aerr = unix.Accept4(int(lfd), unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
		return aerr != unix.EAGAIN
	})
	if err != nil {
		return -1, err
	}
	return fd, aerr
}

// yieldEvery is how often an acceptor serving a connection yields to the
// scheduler. A goroutine that has not been rescheduled for 10 ms is
// preempted by the runtime's monitor (sysmon), which, finding it in a
// system call, takes its P away; every such take keeps the monitor polling
// every 20 µs, and the thread must win a P back when its call returns. An
// acceptor that loops on its connection is never rescheduled otherwise:
// serving a stream of calls, it paid that all the time (an exchange took
// 30 µs instead of 22, mkdir+rmdir 55 µs instead of 37).
const yieldEvery = 2 * time.Millisecond

// procsOnce raises GOMAXPROCS once per process (moreProcs).
var procsOnce sync.Once

// moreProcs gives the Go scheduler two Ps per CPU, unless GOMAXPROCS is
// set in the environment. A thread waiting for its connection's next
// request in the kernel keeps its P meanwhile (for up to hotWait, or
// chanHotWait, since 2026-12-08; before, until the runtime took it back,
// up to 10 ms later):
// with one P per CPU, the threads serving a process that moves between
// the two CPUs here held both, and a goroutine they started (the mem
// backend making files ahead, the descriptor table growing) or the
// collector waited to run. A create loop spent a quarter of its time in
// such waits; tar x of 5 000 files into mem went from ~370 to ~320 ms
// with four Ps (3 and 8 were no better).
func moreProcs() { procsOnce.Do(raiseProcs) }

// raiseProcs is moreProcs's change, made each time it is called.
func raiseProcs() {
	if os.Getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) < 2*runtime.NumCPU() {
		runtime.GOMAXPROCS(2 * runtime.NumCPU())
	}
}

// maxIdleAcceptors bounds the threads waiting in accept on one socket. A
// build starts processes all the time, each making a connection that
// keeps an acceptor busy for its life: keeping a few spare threads saves
// creating and ending one per process (~0.1 ms of CPU each).
const maxIdleAcceptors = 8

// endConn ends connection cn, whose peer is p: its channel, its socket,
// and what its process was handed to write is looked at again (recheck).
func (s *Server) endConn(cn *conn, p *peer) {
	s.mu.Lock()
	ch := s.conns[cn.fd]
	delete(s.conns, cn.fd)
	s.mu.Unlock()
	if ch != nil {
		ch.end() // first: a stub about to send sees it and makes a fresh connection
	}
	cn.close()
	s.recheck(p)
}

// Most datagrams (a hello carries the maps text, a few KiB) fit a pooled
// buffer; a larger one gets a buffer of its own size.
const pooledBuf = 64 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, pooledBuf); return &b }}

// A conn is an accepted connection's socket, non-blocking. A thread
// waiting for the connection's next message waits in the kernel for up to
// hotWait (a process making calls one after another sends the next well
// within it), then parks: it waits in the runtime's poller, holding no P
// (see accept). The socket is in the poller only while a thread is parked
// on it: the poller also hears each time the socket can be written again,
// which is after every answer the stub reads, and every such event wakes
// a thread for nothing.
type conn struct {
	fd int
	// deadline, if set, ends the waits for a message (os.ErrDeadlineExceeded).
	deadline time.Time
}

// hotWait is how long a thread waits in the kernel for the next message
// of a connection without a channel (a process's first calls) before it
// parks. The monitor polls while a thread waits in the kernel, and sleeps
// once none does. A connection with a channel waits longer (chanHotWait).
const hotWait = 200 * time.Microsecond

func (c *conn) close() { unix.Close(c.fd) }

// readable waits up to d (d < 0: with no limit) in the kernel for the
// socket to have a datagram (or its end) to read, and reports whether it
// has.
func (c *conn) readable(d time.Duration) bool {
	var ts *unix.Timespec
	if d >= 0 {
		t := unix.NsecToTimespec(int64(d))
		ts = &t
	}
	p := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLIN | unix.POLLRDHUP}}
	n, err := unix.Ppoll(p, ts, nil)
	return err == nil && n > 0
}

// gone reports whether the other end closed the connection.
func (c *conn) gone() bool {
	p := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLRDHUP}}
	n, err := unix.Poll(p, 0)
	return err == nil && n > 0 && p[0].Revents&(unix.POLLRDHUP|unix.POLLHUP|unix.POLLERR) != 0
}

// park waits in the poller until the socket has a datagram (or its end)
// to read, or the deadline passes. The poller takes a duplicate of the
// socket, and lets it go after; with no descriptor to spare for it, the
// wait stays in the kernel.
func (c *conn) park() error {
	dup, err := unix.FcntlInt(uintptr(c.fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		d := time.Duration(-1)
		if !c.deadline.IsZero() {
			d = max(time.Until(c.deadline), 0)
		}
		c.readable(d)
		if !c.deadline.IsZero() && time.Now().After(c.deadline) {
			return os.ErrDeadlineExceeded
		}
		return nil
	}
	f := os.NewFile(uintptr(dup), "connection")
	defer f.Close()
	if !c.deadline.IsZero() {
		f.SetReadDeadline(c.deadline)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Read(func(uintptr) bool { return c.readable(0) })
}

// until calls try, which is false while the call it makes would block,
// until it is done: waiting in the kernel for up to hot first, then
// parked.
func (c *conn) until(hot time.Duration, try func() bool) error {
	if try() {
		return nil
	}
	if hot > 0 && c.readable(hot) && try() {
		return nil
	}
	for {
		if err := c.park(); err != nil {
			return err
		}
		if try() {
			return nil
		}
	}
}

// datagramLen returns the length of the next datagram without consuming
// it, waiting for one.
func (c *conn) datagramLen() (int, error) {
	var one [1]byte
	n, rerr := 0, error(nil)
	err := c.until(hotWait, func() bool {
		for {
			n, _, rerr = unix.Recvfrom(c.fd, one[:], unix.MSG_PEEK|unix.MSG_TRUNC|unix.MSG_DONTWAIT)
			if rerr != unix.EINTR {
				return rerr != unix.EAGAIN
			}
		}
	})
	if err != nil {
		return 0, err
	}
	return n, rerr
}

// recv reads one datagram and the descriptors that came with it (at most
// two). If wait, it waits for one; else it fails with EAGAIN if none is
// there.
func (c *conn) recv(buf []byte, wait bool) (int, []int, bool, error) {
	var oobBuf [64]byte
	oob := oobBuf[:unix.CmsgSpace(2*4)]
	var n, oobn, flags int
	var rerr error
	try := func() bool {
		for {
			n, oobn, flags, _, rerr = unix.Recvmsg(c.fd, buf, oob, unix.MSG_CMSG_CLOEXEC|unix.MSG_DONTWAIT)
			if rerr != unix.EINTR {
				return rerr != unix.EAGAIN || !wait
			}
		}
	}
	if err := c.until(hotWait, try); err != nil {
		return 0, nil, false, err
	}
	var fds []int
	if rerr == nil && oobn > 0 {
		if msgs, perr := unix.ParseSocketControlMessage(oob[:oobn]); perr == nil {
			for _, m := range msgs {
				if got, perr := unix.ParseUnixRights(&m); perr == nil {
					fds = append(fds, got...)
				}
			}
		}
	}
	return n, fds, flags&unix.MSG_TRUNC != 0, rerr
}

// What await found.
const (
	awaitEnd      = iota // the connection's end
	awaitWake            // a MsgWake, now consumed
	awaitDatagram        // another datagram, still there to read
)

// await parks until the socket has a datagram, or its end. Its caller
// has waited in the kernel already (chanHotWait).
func (c *conn) await() int {
	var hdr [abi.HeaderSize]byte
	found := awaitEnd
	err := c.until(0, func() bool {
		for {
			n, _, err := unix.Recvfrom(c.fd, hdr[:], unix.MSG_PEEK|unix.MSG_TRUNC|unix.MSG_DONTWAIT)
			switch {
			case err == unix.EINTR:
				continue
			case err == unix.EAGAIN:
				return false
			case err != nil || n == 0:
				found = awaitEnd
			case isWake(hdr[:min(n, len(hdr))], n):
				_, fds, _, _ := c.recv(hdr[:], false)
				closeAll(fds)
				found = awaitWake
			default:
				found = awaitDatagram
			}
			return true
		}
	})
	if err != nil {
		return awaitEnd
	}
	return found
}

// isWake reports whether a datagram of n bytes starting with b is a
// MsgWake.
func isWake(b []byte, n int) bool {
	if n != abi.HeaderSize {
		return false
	}
	h, _, err := abi.DecodeHeader(b)
	return err == nil && h.Type == abi.MsgWake
}

// send sends m, with the descriptors in rights (or nil). A stub that
// does not read its answers for requestTimeout gets no more.
func (c *conn) send(m, rights []byte) error {
	for waited := false; ; {
		_, err := unix.SendmsgN(c.fd, m, rights, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
		switch {
		case err == unix.EINTR:
		case err != unix.EAGAIN || waited:
			return err
		default:
			ts := unix.NsecToTimespec(requestTimeout.Nanoseconds())
			unix.Ppoll([]unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLOUT}}, &ts, nil)
			waited = true
		}
	}
}

// peer is what the server knows of a connection's other end.
type peer struct {
	known bool // pid and cred are filled in
	pid   int32
	cred  linuxvfs.Who
	calls bool // it carries file calls (kept open, datagrams of bounded size)
	// after holds the functions of hooked calls waiting for their result,
	// by the token the stub will send it with.
	after     map[uint64]func(int64)
	nextToken uint64
	// writes are the last data its answers handed out writers of
	// (vfs.Answer.Writes), at most maxRecheck, rechecked at its end.
	writes []vfs.DataID
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// peerGroups returns the supplementary groups of the connection's peer.
func peerGroups(fd int) []uint32 {
	buf := make([]uint32, 256)
	n := uint32(len(buf) * 4)
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_PEERGROUPS,
		uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0)
	if e != 0 {
		return nil
	}
	return buf[:n/4]
}
