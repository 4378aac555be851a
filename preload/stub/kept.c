/* kept.c — the connections a thread keeps open to the supervisor for its
 * requests (file calls on mounts, calls sent to the user's hooks). Each
 * thread keeps one connection per CPU it runs on, at high descriptors, and
 * uses the one of the CPU it is on: the supervisor thread pinned to that CPU
 * answers it without waking another CPU. The connections carry the
 * virtual bit, so the program's calls on their numbers come to the C
 * handler: close and fcntl of one find nothing there (EBADF, as without
 * zvfs); a dup2 onto one, or a close_range over it, gives the program the
 * number, and every thread starts afresh. */
#include "zvfs.h"

struct kept_state {
	int on;
	long conn_min; /* connections live at or above this descriptor */
	/* A generation that moves when the program closes or replaces one of
	 * our connections (or changes credentials), which makes every thread
	 * open fresh ones; and their descriptors. The generation comes first,
	 * on the page of the low descriptors' bits: a forked child writes both
	 * (each write to a page it shares with its parent copies the page). */
	unsigned long gen;
	long nours; /* connections marked in ours: none, nothing to drop at a fork */
	unsigned long ours[ABI_MAX_FD / 64];
};
static struct kept_state ks;

#define CONN_MIN 256 /* the lowest descriptor a connection takes, at most */

volatile unsigned long *fdmap(unsigned long addr) { return (volatile unsigned long *)low(addr); }

/* kept_init maps the descriptor bitmaps, installs the class table that
 * sends the program's close, fcntl, dup2, dup3 and close_range of a
 * connection of ours to the C handler, and turns kept connections on.
 * Returns 0, or -1 if the bitmaps cannot be mapped (then requests use a
 * connection each). */
int kept_init(void)
{
	if (ks.on)
		return 0;
	long r = RAW6(SYS_mmap, ABI_FD_VIRT_ADDR, ABI_FD_MAP_END - ABI_FD_VIRT_ADDR, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (r != ABI_FD_VIRT_ADDR)
		return -1;
	/* Kept connections sit out of the way of lowest-number allocation,
	 * but not far: a fork copies the descriptor table up to the highest
	 * open descriptor, and a table past 512 entries is no longer one
	 * page (at 10 000, under a limit of 20 000, every fork and exit paid
	 * ~0.1 ms for it). From half the descriptor limit, at most CONN_MIN. */
	unsigned long lim[2] = {1024, 1024};
	RAW4(SYS_prlimit64, 0, 7 /* RLIMIT_NOFILE */, 0, lim);
	ks.conn_min = (long)(lim[0] / 2 < CONN_MIN ? lim[0] / 2 : CONN_MIN);
	if (ks.conn_min < 64)
		ks.conn_min = 64;
	class_table_set(abi_kept_class_table);
	ks.on = 1;
	return 0;
}

int kept_on(void) { return ks.on; }

int is_ours(long fd)
{
	return (unsigned long)fd < ABI_MAX_FD &&
	       (__atomic_load_n(&ks.ours[(unsigned long)fd / 64], __ATOMIC_RELAXED) & (1UL << ((unsigned long)fd % 64)));
}

/* set_ours marks fd as one of our connections (or no longer): the virtual
 * bit makes the entry send the program's close and dup2 of it here. */
static void set_ours(long fd, int on)
{
	unsigned long w = (unsigned long)fd / 64, m = 1UL << ((unsigned long)fd % 64);
	volatile unsigned long *v = fdmap(ABI_FD_VIRT_ADDR), *s = fdmap(ABI_FD_SERVED_ADDR);
	if (on)
		fd_noted(fd);
	else
		chan_drop(fd);
	if (bit_set(&ks.ours[w], m, on))
		__atomic_add_fetch(&ks.nours, on ? 1 : -1, __ATOMIC_RELAXED);
	bit_set(&v[w], m, on);
	bit_set(&s[w], m, 0);
}

/* kept_lost: the program closed or replaced connection fd (it may reuse the
 * number): no thread may use its connection any more. */
void kept_lost(long fd)
{
	set_ours(fd, 0);
	kept_renew();
}

/* move_high moves fd to a high number marked ours (the program's close or
 * dup2 of it comes to kept_lost) and returns that number; -1, with fd
 * left as it is, if there is no room up there. */
static long move_high(long fd)
{
	long hi = RAW3(SYS_fcntl, fd, F_DUPFD_CLOEXEC, ks.conn_min);
	if (hi < 0 || hi >= ABI_MAX_FD) {
		if (hi >= 0)
			RAW1(SYS_close, hi);
		return -1;
	}
	RAW1(SYS_close, fd);
	set_ours(hi, 1);
	return hi;
}

/* kept_hold keeps fd, a descriptor the stub opened for itself, as its
 * connections are kept (move_high), and returns its number, or -1. fd is
 * closed either way; a forked child starts without it. */
long kept_hold(long fd)
{
	long hi = ks.on ? move_high(fd) : -1;
	if (hi < 0)
		RAW1(SYS_close, fd);
	return hi;
}

/* kept_release closes a descriptor kept_hold gave. */
void kept_release(long fd)
{
	set_ours(fd, 0);
	RAW1(SYS_close, fd);
}

/* kept_renew makes every thread open fresh connections before its next
 * request (after a change of credentials, which the supervisor reads from
 * the connection). */
void kept_renew(void) { __atomic_add_fetch(&ks.gen, 1, __ATOMIC_RELEASE); }

/* conn_get returns a connection for one request, and the slot it is kept
 * in (else the caller closes it). A vfork child, a signal handler
 * interrupting a request, or a process short of descriptors makes a
 * connection for the one exchange. */
static int conn_get(int **kept)
{
	struct block *b = cur_block();
	*kept = 0;
	unsigned cpu = cur_cpu();
	if (!ks.on || !b || (b->flags & BLKF_VFORK_CHILD) || b->conn_busy || cpu >= BLK_NCONNS)
		return conn_open_cpu(cpu);
	unsigned long gen = __atomic_load_n(&ks.gen, __ATOMIC_ACQUIRE);
	if (b->conn_gen != gen) {
		/* The program closed one of ours (that one is no longer marked
		 * ours, and its number may be the program's now), or changed
		 * credentials: start afresh, closing what is still ours. */
		for (unsigned i = 0; i < BLK_NCONNS; i++)
			if (b->conns[i] && is_ours(b->conns[i] - 1)) {
				set_ours(b->conns[i] - 1, 0);
				RAW1(SYS_close, b->conns[i] - 1);
			}
		memset(b->conns, 0, sizeof b->conns);
		b->conn_gen = gen;
	}
	int *slot = &b->conns[cpu];
	if (*slot && is_ours(*slot - 1)) {
		b->conn_busy = 1;
		*kept = slot;
		return *slot - 1;
	}
	*slot = 0;
	int s = conn_open_cpu(cpu);
	if (s < 0) {
		/* No descriptor for a new one (a full table): one this thread
		 * keeps for another CPU still answers, a wake-up slower. */
		for (unsigned i = 0; i < BLK_NCONNS; i++)
			if (b->conns[i] && is_ours(b->conns[i] - 1)) {
				b->conn_busy = 1;
				*kept = &b->conns[i];
				return b->conns[i] - 1;
			}
		return s;
	}
	long hi = move_high(s);
	if (hi < 0)
		return s; /* no room up there: use it once */
	*slot = (int)hi + 1;
	b->conn_busy = 1;
	*kept = slot;
	return (int)hi;
}

/* kept_adopt keeps fd, the start-up connection to the socket of cpu, as
 * the thread's connection for that CPU. Returns 1 if kept. */
int kept_adopt(int fd, long cpu)
{
	struct block *b = cur_block();
	if (!ks.on || !b || cpu < 0 || cpu >= BLK_NCONNS)
		return 0;
	long hi = move_high(fd);
	if (hi < 0)
		return 0;
	b->conn_gen = __atomic_load_n(&ks.gen, __ATOMIC_ACQUIRE);
	b->conns[cpu] = (int)hi + 1;
	return 1;
}

static void conn_put(int s, int *kept, int ok)
{
	if (!kept) {
		conn_close(s);
		return;
	}
	cur_block()->conn_busy = 0;
	if (!ok) { /* broken: never use it again */
		*kept = 0;
		if (is_ours(s)) {
			set_ours(s, 0);
			conn_close(s);
		}
	}
}

/* kept_abandoned forgets the kept connections of block b after a request
 * on it was abandoned by a longjmp out of a signal handler. */
void kept_abandoned(struct block *b)
{
	if (!ks.on || !b->conn_busy)
		return;
	for (unsigned i = 0; i < BLK_NCONNS; i++)
		if (b->conns[i] && is_ours(b->conns[i] - 1)) {
			set_ours(b->conns[i] - 1, 0);
			RAW1(SYS_close, b->conns[i] - 1);
		}
	memset(b->conns, 0, sizeof b->conns);
	b->conn_busy = 0;
}

/* kept_after_fork_child drops the parent's connections in a forked child:
 * the parent's threads are still using them. A process that never made
 * one (most) has nothing to drop, and writes nothing: the scan would read
 * the 8 KiB of ours, pages it may never have touched. */
void kept_after_fork_child(void)
{
	if (!ks.on || !__atomic_load_n(&ks.nours, __ATOMIC_RELAXED))
		return;
	for (unsigned long w = 0; w < ABI_MAX_FD / 64; w++)
		for (unsigned long bit = 0; ks.ours[w] && bit < 64; bit++)
			if (ks.ours[w] & (1UL << bit)) {
				set_ours((long)(w * 64 + bit), 0);
				RAW1(SYS_close, w * 64 + bit);
			}
	/* The new generation makes each block forget its slots when it next
	 * asks (conn_get): no page shared with the parent is written here
	 * that need not be (each write copies one, a fault of a few µs). */
	for (struct block *b = zvfs_state.registry; b; b = b->next)
		if (b->conn_busy)
			b->conn_busy = 0;
	kept_renew();
}

/* kept_exchange sends the request mh (n bytes, and descriptors if its
 * control part has them) and receives the MsgReply into rep, with the
 * descriptor that came with it. With use, the connection stays open after
 * a one-off exchange, for kept_notify. With want_fd (WANT_FD or
 * WANT_FD_INHERITED), the answer may be a descriptor, and a full
 * descriptor table is -EMFILE before anything is asked. A descriptor
 * arrives with close-on-exec set, but for WANT_FD_INHERITED: an open
 * without O_CLOEXEC, whose result needs no fcntl then (native opens race
 * another thread's exec the same way). Any failure to reach the supervisor
 * is -EIO. */
long kept_exchange(const struct msghdr_ *mh, long n, struct reply *rep, struct conn_use *use, int want_fd)
{
	int *kept;
	int s = conn_get(&kept);
	if (s < 0)
		return -EIO;
	/* The kernel finds a free descriptor before it creates or truncates
	 * anything; the supervisor would do both, then fail to hand the
	 * descriptor over. So a slot is held (a duplicate of the
	 * connection: cheaper than a new file) while the request is sent,
	 * and freed for the answer to arrive in. */
	long slot = want_fd ? RAW3(SYS_fcntl, s, F_DUPFD_CLOEXEC, 0) : -1;
	if (slot == -EMFILE || slot == -ENFILE) {
		conn_put(s, kept, 1);
		return slot;
	}
	struct abi_chan_header *c = kept ? chan_for(s) : 0;
	long r = c ? chan_send(c, s, mh, n) : conn_sendmsg(s, mh);
	if (r != n && kept) {
		/* The kept connection broke (the supervisor ended it): once
		 * more on a fresh one; nothing was sent. */
		conn_put(s, kept, 0);
		s = conn_get(&kept);
		c = 0;
		if (s >= 0)
			r = conn_sendmsg(s, mh);
	}
	if (slot >= 0)
		RAW1(SYS_close, slot);
	if (s < 0)
		return -EIO;
	if (r != n) {
		conn_put(s, kept, 0);
		return -EIO;
	}
	struct iovec_ riov = {rep, sizeof *rep - sizeof rep->fd - sizeof rep->lowest};
	unsigned long rflags = want_fd == WANT_FD_INHERITED ? 0 : MSG_CMSG_CLOEXEC;
	int got = -1;
	r = c ? chan_wait(c, s) : ABI_CHAN_ON_SOCKET;
	if (r > 0) { /* the answer is in the channel */
		if ((unsigned long)r > riov.len)
			r = -EIO;
		else
			memcpy(rep, c + 1, (unsigned long)r);
	} else if (r == ABI_CHAN_ON_SOCKET) {
		r = conn_recvfd(s, &riov, rflags, &got);
	}
	rep->fd = got;
	rep->lowest = kept != 0;
	rep->cloexec = rflags != 0;
	int ok = r >= (long)(sizeof rep->h + sizeof rep->r) && rep->h.magic == ABI_MAGIC &&
		 rep->h.type == ABI_MSG_REPLY && rep->r.len1 <= PATH_MAX_ && rep->r.len2 <= PATH_MAX_ &&
		 (unsigned long)r == sizeof rep->h + sizeof rep->r + rep->r.len1 + rep->r.len2;
	if (use && ok) {
		use->s = s;
		use->kept = kept != 0;
		if (kept)
			conn_put(s, kept, 1);
	} else {
		conn_put(s, kept, ok);
	}
	if (!ok) {
		if (rep->fd >= 0)
			RAW1(SYS_close, rep->fd);
		return -EIO;
	}
	/* NUL-terminate the two strings in place: str1 \0 str2 \0. */
	char *s2 = rep->str + rep->r.len1;
	for (long i = (long)rep->r.len2 - 1; i >= 0; i--)
		s2[i + 1] = s2[i];
	s2[0] = 0;
	s2[rep->r.len2 + 1] = 0;
	return 0;
}

/* kept_notify sends msg (n bytes, not answered) on the connection of an
 * earlier exchange, if it is still ours, and closes a one-off one. */
void kept_notify(struct conn_use *use, const void *msg, unsigned long n)
{
	struct abi_chan_header *c = use->kept && is_ours(use->s) ? chan_of(use->s) : 0;
	if (c) {
		struct block *b = cur_block();
		/* Through the channel every message is answered: wait until it
		 * is read. A signal handler's requests meanwhile go on another
		 * connection. One that interrupts a request on this one cannot
		 * send it: the message is dropped. */
		if (!b || b->conn_busy)
			return;
		b->conn_busy = 1;
		struct iovec_ iov = {(void *)msg, n};
		struct msghdr_ mh = {0, 0, &iov, 1, 0, 0, 0};
		if (chan_send(c, use->s, &mh, (long)n) == (long)n)
			chan_wait(c, use->s);
		b->conn_busy = 0;
		return;
	}
	if (!use->kept || is_ours(use->s))
		conn_send(use->s, msg, n);
	if (!use->kept)
		conn_close(use->s);
}
