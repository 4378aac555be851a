/* conn.c — talking to the supervisor: one short-lived SOCK_SEQPACKET
 * connection per exchange (so the program's file-descriptor table holds none
 * of ours between calls), and the counter reports sent at exit and exec. */
#include "zvfs.h"


struct sockaddr_un_ {
	unsigned short family;
	char path[108];
};

static long connect_to(long fd, const char *path, const char *suffix)
{
	struct sockaddr_un_ a;
	memset(&a, 0, sizeof a);
	a.family = AF_UNIX;
	unsigned long n = zstrlen(path), m = zstrlen(suffix);
	if (n + m >= sizeof a.path)
		return -ENAMETOOLONG;
	memcpy(a.path, path, n);
	memcpy(a.path + n, suffix, m);
	long r;
	do
		r = RAW3(SYS_connect, fd, &a, sizeof a);
	while (r == -EINTR);
	return r;
}

/* conn_open connects to the supervisor: to the socket of the CPU this thread
 * runs on (served by a thread pinned there, so the exchange wakes no other
 * CPU), else to the shared one. */
int conn_open(void)
{
	return conn_open_cpu(cur_cpu());
}

/* conn_open_cpu connects to the socket of CPU cpu (-1: the shared one). */
int conn_open_cpu(long cpu)
{
	long fd = RAW3(SYS_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	char suffix[24] = "";
	if (cpu >= 0) {
		suffix[0] = '.';
		*zutoa(suffix + 1, (unsigned long)cpu) = 0;
	}
	const char *path = zvfs_state.sock + ABI_KEY_PREFIX;
	if ((!suffix[0] || connect_to(fd, path, suffix) < 0) && connect_to(fd, path, "") < 0) {
		RAW1(SYS_close, fd);
		return -1;
	}
	/* The supervisor serves only a connection that starts with the run's key. */
	struct {
		struct abi_header h;
		unsigned char key[ABI_KEY_SIZE];
	} k;
	header_init(&k.h, ABI_MSG_KEY, sizeof k.key);
	memcpy(k.key, zvfs_state.key, sizeof k.key);
	if (conn_send((int)fd, &k, sizeof k) != (long)sizeof k) {
		RAW1(SYS_close, fd);
		return -1;
	}
	return (int)fd;
}

/* header_init fills a message header for a payload of length bytes. */
void header_init(struct abi_header *h, unsigned type, unsigned long length)
{
	h->magic = ABI_MAGIC;
	h->version = ABI_VERSION;
	h->type = (abi_u16)type;
	h->length = (abi_u32)length;
	/* Informational (the kernel tells the supervisor who is calling); file
	 * calls and hooked calls, the frequent ones, skip the system call. */
	h->pid = type == ABI_MSG_CALL || type == ABI_MSG_HOOK || type == ABI_MSG_HOOK_DONE || type == ABI_MSG_KEY ? 0 : (abi_i32)RAW0(SYS_getpid);
}

long conn_send(int fd, const void *buf, unsigned long n)
{
	long r;
	do
		r = RAW6(SYS_sendto, fd, buf, n, MSG_NOSIGNAL, 0, 0);
	while (r == -EINTR);
	return r;
}

long conn_sendmsg(int fd, const struct msghdr_ *mh)
{
	long r;
	do
		r = RAW3(SYS_sendmsg, fd, mh, MSG_NOSIGNAL);
	while (r == -EINTR);
	return r;
}

/* conn_recvfd receives one datagram into iov, with recvmsg's flags; *got
 * is the first descriptor that came with it, or -1. */
long conn_recvfd(int fd, struct iovec_ *iov, unsigned long flags, int *got)
{
	struct cmsg_fds cm;
	memset(&cm, 0, sizeof cm);
	struct msghdr_ mh = {0, 0, iov, 1, &cm, sizeof cm, 0};
	long r;
	do
		r = RAW3(SYS_recvmsg, fd, &mh, flags);
	while (r == -EINTR);
	*got = mh.controllen >= 20 && cm.level == SOL_SOCKET && cm.type == SCM_RIGHTS ? cm.fds[0] : -1;
	return r;
}

long conn_recv(int fd, void *buf, unsigned long n)
{
	long r;
	do
		r = RAW6(SYS_recvfrom, fd, buf, n, 0, 0, 0);
	while (r == -EINTR);
	return r;
}

void conn_close(int fd)
{
	RAW1(SYS_close, fd);
}

static void report_locked(unsigned reason);

/* report_counts sends the counters this process has not reported yet and
 * waits for the supervisor's acknowledgement, so that once the process is
 * gone its counts are in. A vfork child reports only its own block. */
void report_counts(unsigned reason)
{
	/* Threads ending together must not both report the same delta. */
	spin_lock(&zvfs_state.report_lock);
	report_locked(reason);
	spin_unlock(&zvfs_state.report_lock);
}

static void report_locked(unsigned reason)
{
	struct {
		struct abi_header h;
		struct abi_report_fixed r;
		abi_u64 c[ABI_NSLOTS + 1];
	} m;
	struct block *self = cur_block();
	memset(&m, 0, sizeof m);
	if (self && (self->flags & BLKF_VFORK_CHILD)) {
		for (int i = 0; i <= ABI_NSLOTS; i++) {
			m.c[i] = self->counts[i];
			self->counts[i] = 0;
		}
	} else {
		for (struct block *b = __atomic_load_n(&zvfs_state.registry, __ATOMIC_ACQUIRE); b; b = b->next)
			for (int i = 0; i <= ABI_NSLOTS; i++)
				m.c[i] += __atomic_load_n(&b->counts[i], __ATOMIC_RELAXED);
		for (int i = 0; i <= ABI_NSLOTS; i++) {
			unsigned long long total = m.c[i];
			m.c[i] = total - zvfs_state.baseline[i];
			zvfs_state.baseline[i] = total;
		}
	}
	header_init(&m.h, ABI_MSG_REPORT, sizeof m - sizeof m.h);
	m.r.reason = reason;
	m.r.nslots = ABI_NSLOTS;
	int fd = conn_open();
	if (fd < 0)
		return;
	if (conn_send(fd, &m, sizeof m) == (long)sizeof m) {
		char ack[ABI_MAX_MESSAGE < 64 ? ABI_MAX_MESSAGE : 64];
		conn_recv(fd, ack, sizeof ack);
	}
	conn_close(fd);
}
