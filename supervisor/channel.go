// channel.go is a kept connection's channel (abi.MsgChan): shared memory
// that carries its requests and answers in place of datagrams, with a
// futex for each direction's wake-up, and the link that reads and writes a
// connection's messages whichever way they travel.

package supervisor

import (
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
)

// A channel is the supervisor's mapping of one connection's channel.
type channel struct {
	mem  []byte
	last uint32 // the request count last answered
}

// newChannel makes a channel and returns it with its memfd, which the
// caller sends to the stub and then closes. The memfd is sealed at its
// size: a stub that could shrink it would make the supervisor's next
// access to it fault.
func newChannel() (*channel, int, error) {
	fd, err := unix.MemfdCreate("zvfs-channel", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, -1, fmt.Errorf("channel: memfd_create: %w", err)
	}
	if err := unix.Ftruncate(fd, abi.ChanSize); err != nil {
		unix.Close(fd)
		return nil, -1, fmt.Errorf("channel: ftruncate: %w", err)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_SEAL); err != nil {
		unix.Close(fd)
		return nil, -1, fmt.Errorf("channel: seal: %w", err)
	}
	mem, err := unix.Mmap(fd, 0, abi.ChanSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		unix.Close(fd)
		return nil, -1, fmt.Errorf("channel: mmap: %w", err)
	}
	return &channel{mem: mem}, fd, nil
}

// end tells the stub that nothing more is read from the channel, wakes
// it if it waits for an answer, and unmaps the channel. Only the first
// call does anything.
func (c *channel) end() {
	if c.mem == nil {
		return
	}
	atomic.StoreUint32(c.gone(), 1)
	futex(c.rep(), abi.FutexWake, 1, nil)
	unix.Munmap(c.mem)
	c.mem = nil
}

// The header's words, as the stub sees them too.
func (c *channel) word(off uintptr) *uint32 { return (*uint32)(unsafe.Pointer(&c.mem[off])) }
func (c *channel) req() *uint32             { return c.word(unsafe.Offsetof(abi.ChanHeader{}.Req)) }
func (c *channel) rep() *uint32             { return c.word(unsafe.Offsetof(abi.ChanHeader{}.Rep)) }
func (c *channel) reqLen() *uint32          { return c.word(unsafe.Offsetof(abi.ChanHeader{}.ReqLen)) }
func (c *channel) repLen() *uint32          { return c.word(unsafe.Offsetof(abi.ChanHeader{}.RepLen)) }
func (c *channel) gone() *uint32            { return c.word(unsafe.Offsetof(abi.ChanHeader{}.Gone)) }
func (c *channel) parked() *uint32          { return c.word(unsafe.Offsetof(abi.ChanHeader{}.Parked)) }
func (c *channel) room() []byte             { return c.mem[abi.ChanHeaderSize:] }

func futex(addr *uint32, op int, val uint32, ts *unix.Timespec) unix.Errno {
	_, _, e := unix.Syscall6(unix.SYS_FUTEX, uintptr(unsafe.Pointer(addr)), uintptr(op), uintptr(val),
		uintptr(unsafe.Pointer(ts)), 0, 0)
	return e
}

// chanHotWait is how long a thread waits on its channel's futex before it
// parks. A connection with a channel carries a stream of calls, and a
// parked thread's wake-up can be slow: it goes through the runtime's
// poller, which no thread may be watching while the supervisor's others
// are busy (then the monitor's look, up to 10 ms later, finds it). With
// 200 µs, tar x of 5 000 files into mem took 250 ms instead of 214 (its
// connection on the CPU it had left parked, and its next call there
// waited). 5 ms stays below the 10 ms after which the monitor takes a P
// from a thread in a system call.
const chanHotWait = 5 * time.Millisecond

// waitRequest waits until the stub raises the request count, and returns
// false if the connection's other end is gone or stop is set first. It
// waits on the futex for up to chanHotWait, then parks: it sets Parked and
// waits in the poller for the socket (a MsgWake, a request's datagram, or
// the connection's end), so that a quiet connection keeps no thread in the
// kernel (see conn).
func (c *channel) waitRequest(cn *conn, stop *atomic.Bool) bool {
	if c.waitFor(stop, chanHotWait) {
		return true
	}
	atomic.StoreUint32(c.parked(), 1) // before Req is read: see abi.MsgWake
	defer atomic.StoreUint32(c.parked(), 0)
	early := chanHotWait // how long to wait for a datagram's raise of Req
	for {
		if c.raised() {
			return true
		}
		if stop.Load() {
			return false
		}
		switch cn.await() {
		case awaitEnd:
			return false
		case awaitDatagram:
			if c.raised() {
				return true
			}
			// A request's datagram, which the stub sends before it
			// raises Req (and then wakes the futex), or one left by a
			// stub that is gone, or stopped in between: each wait for
			// it is twice as long as the last, up to peerCheckMax.
			if cn.gone() {
				return false
			}
			if c.waitFor(stop, early) {
				return true
			}
			early = min(2*early, peerCheckMax)
		}
	}
}

// peerCheckMax bounds the waits for a raise of Req that a datagram
// announced.
const peerCheckMax = time.Second

// waitFor waits on the futex for up to d for the stub to raise the request
// count, and returns whether it did.
func (c *channel) waitFor(stop *atomic.Bool, d time.Duration) bool {
	ts := unix.NsecToTimespec(int64(d))
	for {
		if c.raised() {
			return true
		}
		if stop.Load() || futex(c.req(), abi.FutexWait, c.last, &ts) == unix.ETIMEDOUT {
			return c.raised()
		}
	}
}

// raised reports whether the stub raised the request count since the
// last request, and takes it as read.
func (c *channel) raised() bool {
	if n := atomic.LoadUint32(c.req()); n != c.last {
		c.last = n
		return true
	}
	return false
}

// wake wakes the thread waiting at the channel (Server.Close).
func (c *channel) wake() { futex(c.req(), abi.FutexWake, 1, nil) }

// answered tells the stub the request is answered, its answer n bytes in
// the channel (abi.ChanOnSocket: a datagram sent before).
func (c *channel) answered(n uint32) {
	atomic.StoreUint32(c.repLen(), n)
	atomic.StoreUint32(c.rep(), c.last)
	futex(c.rep(), abi.FutexWake, 1, nil)
}

// A link reads and writes one connection's messages: as datagrams, or
// through its channel once it has one.
type link struct {
	conn     *conn
	ch       *channel
	stop     *atomic.Bool // the server is closing
	answered bool         // this request's answer is sent
}

// recv waits for the next message and reads it into buf, with the
// descriptors that came with it.
func (l *link) recv(buf []byte) (int, []int, bool, error) {
	if l.ch == nil {
		return l.conn.recv(buf, true)
	}
	l.answered = false
	if !l.ch.waitRequest(l.conn, l.stop) {
		return 0, nil, false, unix.ECONNRESET
	}
	n := atomic.LoadUint32(l.ch.reqLen())
	if n == abi.ChanOnSocket {
		// The stub sent the datagram before it rang: it is there,
		// maybe behind a MsgWake left over.
		for {
			n, fds, trunc, err := l.conn.recv(buf, false)
			if err != nil || len(fds) > 0 || !isWake(buf[:n], n) {
				return n, fds, trunc, err
			}
		}
	}
	if n > abi.ChanRoom {
		return 0, nil, false, fmt.Errorf("%w: channel request of %d bytes", abi.ErrMessage, n)
	}
	// Copied out before any of it is read: the stub can write the channel
	// at any time.
	got := copy(buf, l.ch.room()[:n])
	return got, nil, got < int(n), nil
}

// send sends the answer m, with the descriptors in rights (or nil).
func (l *link) send(m, rights []byte) error {
	if l.ch == nil {
		return l.conn.send(m, rights)
	}
	l.answered = true
	if rights != nil || len(m) > abi.ChanRoom || len(m) == 0 {
		if err := l.conn.send(m, rights); err != nil {
			return err
		}
		l.ch.answered(abi.ChanOnSocket)
		return nil
	}
	copy(l.ch.room(), m)
	l.ch.answered(uint32(len(m)))
	return nil
}

// done ends a request that has no answer (abi.MsgHookDone): through a
// channel the stub still waits to hear that it was read.
func (l *link) done() {
	if l.ch != nil && !l.answered {
		l.answered = true
		l.ch.answered(abi.ChanOnSocket)
	}
}
