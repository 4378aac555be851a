package abi

// A channel: shared memory that carries a kept connection's requests and
// answers in place of its datagrams. A socket exchange costs two wake-ups
// through the socket layer; a channel's, two futex wake-ups, ~12 µs less
// per round trip on the machines we measured (18 against 6 µs, both ends
// on one CPU).
//
// A stub asks for one with a MsgChan datagram on a kept connection that has
// carried a few requests; the supervisor answers with a MsgReply whose
// descriptor is a memfd of ChanSize bytes, sealed so that neither side can
// shrink it. From then on each request on the connection goes through the
// channel: the stub writes the message into Buf and its length into
// ReqLen, raises Req and wakes the futex at Req; the supervisor copies the
// message out before it reads any of it, writes the answer into Buf and its
// length into RepLen, sets Rep to Req and wakes the futex at Rep. A
// message that carries descriptors, or does not fit, goes as the
// connection's next datagram instead, and its length in the channel is
// ChanOnSocket. Every request is answered, even one that has no answer on
// a socket (MsgHookDone): the stub waits for Rep either way.
//
// A supervisor thread that has waited a while for the next request parks:
// it sets Parked and waits in its runtime's poller for the connection's
// socket instead of on the futex (a thread blocked in the kernel keeps
// the Go scheduler's monitor polling). A stub that raised Req for a
// request in the channel and then finds Parked set sends a MsgWake
// datagram instead of waking the futex; a request on the socket wakes
// the parked thread by itself. Each side writes its word before it reads
// the other's, so at least one of them sees the other's. A MsgWake left
// over from that race is skipped wherever a datagram is read.
//
// When the supervisor ends the connection it sets Gone and wakes the futex
// at Rep: a stub waiting there returns at once, and one about to send
// makes a fresh connection instead, as it does when a datagram cannot be
// sent.
//
// Neither side trusts the other's writes beyond this: the supervisor takes
// any change of Req as a request and bounds ReqLen; a stub that scribbles
// on its channel gets protocol errors, as with a bad datagram.
const (
	MsgChan = 12 // stub → supervisor, on a kept connection: Header only; answered by a MsgReply with the channel's memfd
	MsgWake = 13 // stub → supervisor, on a connection whose channel is Parked: Header only; not answered

	ChanSize       = 16 << 10
	ChanHeaderSize = 64
	// ChanRoom is the room for one message, either way.
	ChanRoom = ChanSize - ChanHeaderSize
	// ChanOnSocket as a ReqLen or RepLen: the message is a datagram.
	ChanOnSocket = 0

	// The futex operations on Req and Rep (linux/futex.h; not in
	// x/sys/unix): shared, not FUTEX_PRIVATE_FLAG, since the two sides
	// are two processes.
	FutexWait = 0
	FutexWake = 1
)

// ChanHeader starts a channel; ChanRoom bytes of message follow it.
type ChanHeader struct {
	Req    uint32 // futex: the stub's count of requests
	Rep    uint32 // futex: the count of the request last answered
	ReqLen uint32
	RepLen uint32
	Gone   uint32 // the supervisor ended the connection: no request is read any more
	Parked uint32 // the supervisor's thread waits on the socket: wake it with a MsgWake
	_      [5]uint64
}
