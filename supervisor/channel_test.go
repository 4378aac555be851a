package supervisor

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
)

// A channel's memfd cannot change size: a stub that could shrink it would
// make the supervisor's next access to its mapping fault.
func TestChannelSealed(t *testing.T) {
	ch, fd, err := newChannel()
	if err != nil {
		t.Fatal(err)
	}
	defer ch.end()
	defer unix.Close(fd)
	for _, size := range []int64{0, abi.ChanSize / 2, abi.ChanSize * 2} {
		if err := unix.Ftruncate(fd, size); err != unix.EPERM {
			t.Errorf("ftruncate to %d: %v, want EPERM", size, err)
		}
	}
	seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_SEAL; seals&want != want {
		t.Errorf("seals %#x, want %#x", seals, want)
	}
}

// fakeStub is the stub's end of a connection with a channel: its own
// mapping of the memfd and the other end of the socket pair.
type fakeStub struct {
	t   *testing.T
	mem []byte
	fd  int
}

func (s *fakeStub) word(off uintptr) *uint32 { return (*uint32)(unsafe.Pointer(&s.mem[off])) }

// ring puts a request of n bytes (the first of them msg) in the channel,
// or says it is on the socket (msg nil), and wakes the supervisor's side
// as the stub does: the futex, or a MsgWake if it is parked and the
// request is in the channel.
func (s *fakeStub) ring(msg []byte, n uint32) {
	copy(s.mem[abi.ChanHeaderSize:], msg)
	atomic.StoreUint32(s.word(unsafe.Offsetof(abi.ChanHeader{}.ReqLen)), n)
	req := s.word(unsafe.Offsetof(abi.ChanHeader{}.Req))
	atomic.AddUint32(req, 1)
	if n != abi.ChanOnSocket && s.parked() {
		s.wake()
	} else {
		futex(req, abi.FutexWake, 1, nil)
	}
}

func (s *fakeStub) parked() bool {
	return atomic.LoadUint32(s.word(unsafe.Offsetof(abi.ChanHeader{}.Parked))) != 0
}

// wake sends a MsgWake.
func (s *fakeStub) wake() {
	if err := unix.Sendmsg(s.fd, abi.AppendHeader(nil, abi.MsgWake, 0, 0), nil, nil, 0); err != nil {
		s.t.Fatal(err)
	}
}

// waitParked waits until the supervisor's side has parked.
func (s *fakeStub) waitParked() {
	s.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !s.parked(); time.Sleep(100 * time.Microsecond) {
		if time.Now().After(deadline) {
			s.t.Fatal("not parked after 5 s")
		}
	}
}

// answer waits for the answer to the last request and returns its length
// in the channel.
func (s *fakeStub) answer() uint32 {
	s.t.Helper()
	want := atomic.LoadUint32(s.word(unsafe.Offsetof(abi.ChanHeader{}.Req)))
	rep := s.word(unsafe.Offsetof(abi.ChanHeader{}.Rep))
	deadline := time.Now().Add(5 * time.Second)
	for atomic.LoadUint32(rep) != want {
		if time.Now().After(deadline) {
			s.t.Fatal("no answer")
		}
		time.Sleep(time.Millisecond)
	}
	return atomic.LoadUint32(s.word(unsafe.Offsetof(abi.ChanHeader{}.RepLen)))
}

// channelPair returns a link with a channel, as the supervisor has it
// after a MsgChan, and the stub's end.
func channelPair(t *testing.T) (*link, *fakeStub, *atomic.Bool) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ch, memfd, err := newChannel()
	if err != nil {
		t.Fatal(err)
	}
	mem, err := unix.Mmap(memfd, 0, abi.ChanSize, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	unix.Close(memfd)
	if err != nil {
		t.Fatal(err)
	}
	stop := new(atomic.Bool)
	if err := unix.SetNonblock(fds[0], true); err != nil {
		t.Fatal(err)
	}
	cn := &conn{fd: fds[0]}
	l := &link{conn: cn, ch: ch, stop: stop}
	s := &fakeStub{t: t, mem: mem, fd: fds[1]}
	t.Cleanup(func() {
		ch.end()
		unix.Munmap(mem)
		cn.close()
		unix.Close(fds[1])
	})
	return l, s, stop
}

// The supervisor's side of a channel: requests in place or on the socket,
// answers in place or on the socket, a request that has no answer, and
// lengths a stub made up.
func TestChannelLink(t *testing.T) {
	l, s, _ := channelPair(t)
	buf := make([]byte, pooledBuf)

	s.ring([]byte("hello"), 5)
	n, fds, trunc, err := l.recv(buf)
	if err != nil || trunc || len(fds) != 0 || string(buf[:n]) != "hello" {
		t.Fatalf("in place: %q %v %v %v", buf[:n], fds, trunc, err)
	}
	if err := l.send([]byte("answer"), nil); err != nil {
		t.Fatal(err)
	}
	if got := s.answer(); got != 6 || string(s.mem[abi.ChanHeaderSize:][:6]) != "answer" {
		t.Fatalf("answer in place: %d bytes", got)
	}

	// A request on the socket, with a descriptor; the answer carries one
	// too, so it goes on the socket as well.
	p, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Sendmsg(s.fd, []byte("datagram"), unix.UnixRights(p), nil, 0); err != nil {
		t.Fatal(err)
	}
	unix.Close(p)
	s.ring(nil, abi.ChanOnSocket)
	n, fds, _, err = l.recv(buf)
	closeAll(fds)
	if err != nil || string(buf[:n]) != "datagram" || len(fds) != 1 {
		t.Fatalf("on the socket: %q, %d descriptors, %v", buf[:n], len(fds), err)
	}
	if err := l.send([]byte("with fd"), unix.UnixRights(0)); err != nil {
		t.Fatal(err)
	}
	if got := s.answer(); got != abi.ChanOnSocket {
		t.Fatalf("answer with a descriptor: %d bytes in the channel", got)
	}
	oob := make([]byte, unix.CmsgSpace(4))
	m, oobn, _, _, err := unix.Recvmsg(s.fd, buf, oob, unix.MSG_DONTWAIT|unix.MSG_CMSG_CLOEXEC)
	if err != nil || string(buf[:m]) != "with fd" || oobn == 0 {
		t.Fatalf("answer's datagram: %q, %d control bytes, %v", buf[:m], oobn, err)
	}
	if msgs, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil {
		for _, c := range msgs {
			if got, err := unix.ParseUnixRights(&c); err == nil {
				closeAll(got)
			}
		}
	}

	// A message without an answer still rings.
	s.ring([]byte("done"), 4)
	if _, _, _, err := l.recv(buf); err != nil {
		t.Fatal(err)
	}
	l.done()
	if got := s.answer(); got != abi.ChanOnSocket {
		t.Fatalf("no answer: %d bytes in the channel", got)
	}

	// Made-up lengths: past the room is a malformed message; on the
	// socket with nothing there fails at once, never waits.
	s.ring(nil, abi.ChanRoom+1)
	if _, _, _, err := l.recv(buf); !errors.Is(err, abi.ErrMessage) {
		t.Errorf("length past the room: %v, want a malformed message", err)
	}
	s.ring(nil, abi.ChanOnSocket)
	if _, _, _, err := l.recv(buf); err != unix.EAGAIN {
		t.Errorf("on the socket but not sent: %v, want EAGAIN", err)
	}
	// Longer than the caller's buffer: truncated, as a datagram would be.
	s.ring(make([]byte, 100), 100)
	if n, _, trunc, err := l.recv(buf[:10]); err != nil || !trunc || n != 10 {
		t.Errorf("longer than the buffer: %d bytes, truncated %v, %v", n, trunc, err)
	}
}

// A thread waiting at a channel returns when the stub's end of the
// connection closes, and when the server stops; a stub waiting for an
// answer sees Gone once the supervisor ends the connection.
func TestChannelEnds(t *testing.T) {
	l, s, _ := channelPair(t)
	buf := make([]byte, 64)
	got := make(chan error, 1)
	go func() { _, _, _, err := l.recv(buf); got <- err }()
	time.Sleep(10 * time.Millisecond)
	unix.Shutdown(s.fd, unix.SHUT_RDWR)
	recvEnds(t, got, "the stub's end closed")

	// Stopped as Server.Close stops it, waiting on the futex and parked.
	for _, park := range []bool{false, true} {
		l2, s2, stop2 := channelPair(t)
		go func() { _, _, _, err := l2.recv(buf); got <- err }()
		if park {
			s2.waitParked()
		}
		stop2.Store(true)
		unix.Shutdown(l2.conn.fd, unix.SHUT_RDWR)
		l2.ch.wake()
		recvEnds(t, got, fmt.Sprintf("the server stopped (parked %v)", park))
	}

	l2, s2, _ := channelPair(t)
	gone := s2.word(unsafe.Offsetof(abi.ChanHeader{}.Gone))
	if atomic.LoadUint32(gone) != 0 {
		t.Fatal("gone before the end")
	}
	// end unmaps the supervisor's side; the stub's mapping still shows it.
	l2.ch.end()
	if atomic.LoadUint32(gone) != 1 {
		t.Fatal("Gone not set by end")
	}
}

// recvEnds checks that the recv whose error comes on got fails soon after
// what.
func recvEnds(t *testing.T, got <-chan error, what string) {
	t.Helper()
	select {
	case err := <-got:
		if err == nil {
			t.Fatalf("a request after %s", what)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("still waiting 5 s after %s", what)
	}
}

// A thread that has waited a while parks, and a request still reaches it:
// in the channel with a MsgWake, or on the socket, after a MsgWake left
// over from the race the two sides' words settle; and the end of the
// stub's side ends a parked wait.
func TestChannelParked(t *testing.T) {
	l, s, _ := channelPair(t)
	buf := make([]byte, 64)
	type got struct {
		msg string
		fds []int
		err error
	}
	recv := func() <-chan got {
		c := make(chan got, 1)
		go func() {
			n, fds, _, err := l.recv(buf)
			c <- got{string(buf[:n]), fds, err}
		}()
		return c
	}
	want := func(c <-chan got, msg string) {
		t.Helper()
		select {
		case g := <-c:
			closeAll(g.fds)
			if g.err != nil || g.msg != msg {
				t.Fatalf("got %q, %v; want %q", g.msg, g.err, msg)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no request 5 s after %q", msg)
		}
		if err := l.send([]byte("ok"), nil); err != nil {
			t.Fatal(err)
		}
		s.answer()
	}

	c := recv()
	s.waitParked()
	s.ring([]byte("in the channel"), 14)
	want(c, "in the channel")
	if s.parked() {
		t.Error("still parked while a request is served")
	}

	// A MsgWake sent for a request the thread read before it parked
	// (the race), then a request on the socket.
	c = recv()
	s.waitParked()
	s.wake()
	time.Sleep(time.Millisecond) // read and skipped; still parked
	if !s.parked() {
		t.Fatal("a MsgWake alone ended the wait")
	}
	p, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	s.wake()
	if err := unix.Sendmsg(s.fd, []byte("on the socket"), unix.UnixRights(p), nil, 0); err != nil {
		t.Fatal(err)
	}
	unix.Close(p)
	time.Sleep(time.Millisecond) // the datagram first, its raise of Req later
	s.ring(nil, abi.ChanOnSocket)
	want(c, "on the socket")

	// A stub stopped between its datagram and the raise (a SIGSTOP):
	// the connection is not ended, and the request is served once the
	// raise comes.
	c = recv()
	s.waitParked()
	if err := unix.Sendmsg(s.fd, []byte("stopped"), nil, nil, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	s.ring(nil, abi.ChanOnSocket)
	want(c, "stopped")

	c = recv()
	s.waitParked()
	unix.Shutdown(s.fd, unix.SHUT_RDWR)
	select {
	case g := <-c:
		if g.err == nil {
			t.Fatalf("a request %q after the stub's end closed", g.msg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("still parked 5 s after the stub's end closed")
	}
}

// A thread with no descriptor to spare for the poller's duplicate of its
// socket still waits, in the kernel, and still gets the next request.
func TestChannelParkedNoDescriptors(t *testing.T) {
	l, s, _ := channelPair(t)
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	// The lowest free descriptor becomes the limit: nothing more opens.
	free, err := unix.Dup(0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(free)
	lim := old
	lim.Cur = uint64(free)
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	defer unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
	if fd, err := unix.Dup(0); err == nil {
		unix.Close(fd)
		t.Fatal("a descriptor could still be made")
	}

	buf := make([]byte, 64)
	got := make(chan string, 1)
	go func() {
		n, fds, _, err := l.recv(buf)
		closeAll(fds)
		if err != nil {
			got <- err.Error()
			return
		}
		got <- string(buf[:n])
	}()
	s.waitParked()
	s.ring([]byte("no room"), 7)
	select {
	case g := <-got:
		if g != "no room" {
			t.Fatalf("got %q", g)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no request 5 s after it was sent")
	}
}
