/* chan.c — a kept connection's channel (abi.MsgChan in internal/abi): a
 * few pages shared with the supervisor thread that serves the connection,
 * which carry its requests and answers in place of datagrams. Each side
 * wakes the other with a futex, ~12 µs cheaper per round trip than a
 * datagram each way. A connection asks for its channel once it has carried
 * CHAN_AFTER requests, so that a process making one or two calls does not
 * pay for it. A message with descriptors, or too long for the channel,
 * still goes as a datagram; the channel then only rings. A supervisor
 * thread that has waited a while parks (abi.ChanHeader.Parked), and is
 * woken by a datagram instead. */
#include "zvfs.h"

#define CHAN_FDS 1024  /* connections at higher descriptors keep datagrams */
#define CHAN_AFTER 2   /* requests a connection carries before it asks */
#define CHAN_CHECK_NS 100000000 /* how long a wait goes before it looks whether the supervisor is gone */

static struct abi_chan_header *chans[CHAN_FDS];
static unsigned char uses[CHAN_FDS];

/* chan_ask asks the supervisor for connection s's channel and maps it. */
static struct abi_chan_header *chan_ask(int s)
{
	struct abi_header h;
	header_init(&h, ABI_MSG_CHAN, 0);
	if (conn_send(s, &h, sizeof h) != (long)sizeof h)
		return 0;
	struct {
		struct abi_header h;
		struct abi_reply_fixed r;
	} rep;
	struct iovec_ iov = {&rep, sizeof rep};
	int fd;
	long r = conn_recvfd(s, &iov, MSG_CMSG_CLOEXEC, &fd);
	if (r != (long)sizeof rep || rep.h.magic != ABI_MAGIC || rep.h.type != ABI_MSG_REPLY || fd < 0) {
		if (fd >= 0)
			RAW1(SYS_close, fd);
		return 0;
	}
	long m = RAW6(SYS_mmap, 0, ABI_CHAN_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	RAW1(SYS_close, fd);
	if (is_err(m))
		return 0;
	/* A forked child never sees it: the parent's thread still uses it. */
	RAW3(SYS_madvise, m, ABI_CHAN_SIZE, MADV_DONTFORK);
	return (struct abi_chan_header *)m;
}

/* chan_for returns kept connection s's channel, asking for it when s has
 * carried enough requests; 0: s goes on with datagrams (for now, or for
 * good if the supervisor gave none). The caller holds s (conn_busy). */
struct abi_chan_header *chan_for(int s)
{
	if (s < 0 || s >= CHAN_FDS)
		return 0;
	if (chans[s] || uses[s] > CHAN_AFTER)
		return chans[s];
	if (uses[s]++ < CHAN_AFTER)
		return 0;
	chans[s] = chan_ask(s);
	return chans[s];
}

/* chan_of returns kept connection s's channel, or 0 if it has none. */
struct abi_chan_header *chan_of(int s) { return s >= 0 && s < CHAN_FDS ? chans[s] : 0; }

/* chan_drop forgets connection s's channel (s is closed, or is no longer
 * ours), and unmaps it. */
void chan_drop(long s)
{
	if (s < 0 || s >= CHAN_FDS)
		return;
	if (chans[s])
		RAW2(SYS_munmap, chans[s], ABI_CHAN_SIZE);
	if (chans[s] || uses[s]) {
		chans[s] = 0;
		uses[s] = 0;
	}
}

/* chan_send puts the request mh (n bytes) in c, or sends it on s when it
 * carries descriptors or does not fit, and wakes the supervisor's thread.
 * Returns n, or what sending the datagram gave (-EPIPE: the supervisor
 * ended the connection, and nothing was sent). */
long chan_send(struct abi_chan_header *c, int s, const struct msghdr_ *mh, long n)
{
	unsigned len = ABI_CHAN_ON_SOCKET;
	if (__atomic_load_n(&c->gone, __ATOMIC_ACQUIRE))
		return -EPIPE;
	if (mh->controllen || n > ABI_CHAN_ROOM) {
		long r = conn_sendmsg(s, mh);
		if (r != n)
			return r;
	} else {
		char *room = (char *)(c + 1);
		for (unsigned long i = 0, at = 0; i < mh->iovlen; at += mh->iov[i].len, i++)
			memcpy(room + at, mh->iov[i].base, mh->iov[i].len);
		len = (unsigned)n;
	}
	__atomic_store_n(&c->req_len, len, __ATOMIC_RELAXED);
	/* Raised before parked is read (both sequentially consistent): a
	 * supervisor thread that parks after this reads the raise. */
	__atomic_store_n(&c->req, c->req + 1, __ATOMIC_SEQ_CST);
	if (len != ABI_CHAN_ON_SOCKET && __atomic_load_n(&c->parked, __ATOMIC_SEQ_CST)) {
		/* It waits on the socket, which a request in the channel
		 * leaves quiet (abi.MsgWake). */
		struct abi_header h;
		header_init(&h, ABI_MSG_WAKE, 0);
		conn_send(s, &h, sizeof h);
	} else {
		RAW6(SYS_futex, &c->req, FUTEX_WAKE, 1, 0, 0, 0);
	}
	return n;
}

/* chan_wait waits for the answer to the request chan_send put in c, and
 * returns its length in the channel, ABI_CHAN_ON_SOCKET if it is s's next
 * datagram, or -EIO if the supervisor ended the connection or is gone
 * (killed: then s reached its end, which a wait looks at every
 * CHAN_CHECK_NS). */
long chan_wait(struct abi_chan_header *c, int s)
{
	unsigned want = __atomic_load_n(&c->req, __ATOMIC_RELAXED);
	struct {
		long sec, nsec;
	} ts = {0, CHAN_CHECK_NS};
	for (;;) {
		unsigned got = __atomic_load_n(&c->rep, __ATOMIC_ACQUIRE);
		if (got == want)
			return __atomic_load_n(&c->rep_len, __ATOMIC_RELAXED);
		if (__atomic_load_n(&c->gone, __ATOMIC_ACQUIRE))
			return -EIO;
		long r = RAW6(SYS_futex, &c->rep, FUTEX_WAIT, got, &ts, 0, 0);
		if (r == -ETIMEDOUT) {
			char one;
			r = RAW6(SYS_recvfrom, s, &one, 1, MSG_PEEK | MSG_DONTWAIT, 0, 0);
			if (r == 0 || (r < 0 && r != -EAGAIN && r != -EINTR))
				return -EIO;
		}
	}
}
