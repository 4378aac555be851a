/* net.c — the seccomp net before exec: a statically linked program loads
 * no stub, so before the exec of one the process installs the net's filter
 * (abi_net_filter), which the new image and all its descendants keep, and
 * hands the filter's listener to the supervisor, which answers their file
 * calls from then on. */
#include "vfs.h"

static unsigned long le(const unsigned char *p, int n)
{
	unsigned long v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#define PHDR_SIZE 56
#define MAX_PHDRS 64
#define HEAD 1024 /* bytes read first: the ELF header and, almost always, its program headers; or a #! line */

/* elf_static: is the ELF program whose first n bytes are head (the file at
 * fd) one without an interpreter (static, or static-pie)? 0 for anything
 * else. */
static int elf_static(long fd, const unsigned char *head, long n)
{
	if (n < 64 || memcmp(head, "\177ELF", 4) != 0 || head[4] != 2)
		return 0;
	unsigned long type = le(head + 16, 2), phoff = le(head + 32, 8);
	unsigned long phentsize = le(head + 54, 2), phnum = le(head + 56, 2);
	if ((type != ET_EXEC && type != ET_DYN) || phentsize != PHDR_SIZE || phnum == 0 || phnum > MAX_PHDRS)
		return 0;
	const unsigned char *ph = head + phoff;
	unsigned char more[MAX_PHDRS * PHDR_SIZE];
	if (phoff > (unsigned long)n || phnum * PHDR_SIZE > (unsigned long)n - phoff) {
		if (RAW4(SYS_pread64, fd, more, phnum * PHDR_SIZE, phoff) != (long)(phnum * PHDR_SIZE))
			return 0;
		ph = more;
	}
	for (unsigned long i = 0; i < phnum; i++)
		if (le(ph + i * PHDR_SIZE, 4) == PT_INTERP)
			return 0;
	return 1;
}

/* static_at: does exec of path (relative to dirfd; the descriptor itself
 * with AT_EMPTY_PATH and "") run a static program, directly or as the
 * interpreter of a #! script? One read of the file's head tells. */
static int static_at(long dirfd, unsigned long path, long flags, int depth)
{
	char first;
	long fd;
	int own = 1;
	if ((flags & AT_EMPTY_PATH) && uread(&first, path, 1) == 1 && first == 0) {
		fd = dirfd;
		own = 0;
	} else {
		fd = RAW4(SYS_openat, dirfd, path, O_RDONLY | O_CLOEXEC, 0);
		if (fd < 0)
			return 0;
	}
	unsigned char head[HEAD + 1];
	long n = RAW4(SYS_pread64, fd, head, HEAD, 0);
	int st = 0;
	if (n > 2 && head[0] == '#' && head[1] == '!') {
		if (depth == 0) {
			head[n] = 0;
			char *p = (char *)head + 2;
			while (*p == ' ' || *p == '\t')
				p++;
			char *e = p;
			while (*e && *e != ' ' && *e != '\t' && *e != '\n')
				e++;
			*e = 0;
			if (*p == '/')
				st = static_at(AT_FDCWD, (unsigned long)p, 0, 1);
		}
	} else {
		st = elf_static(fd, head, n);
	}
	if (own)
		RAW1(SYS_close, fd);
	return st;
}

/* hand_over sends the listener to the supervisor, with the virtual
 * working directory the new image starts in (the net answers for it from
 * then on), and waits for its acknowledgement. */
static long hand_over(long lfd)
{
	int s = conn_open();
	if (s < 0)
		return -EIO;
	char cwd[PATH_MAX_];
	int virt = 0;
	unsigned long n = cwd_copy(cwd, &virt);
	if (!virt)
		n = 0;
	struct abi_header h;
	header_init(&h, ABI_MSG_NET, n);
	struct iovec_ iov[2] = {{&h, sizeof h}, {cwd, n}};
	struct cmsg_fds cm = {16 + 4, SOL_SOCKET, SCM_RIGHTS, {(int)lfd, -1}};
	struct msghdr_ mh = {0, 0, iov, 2, &cm, sizeof cm, 0};
	long r;
	do
		r = RAW3(SYS_sendmsg, s, &mh, MSG_NOSIGNAL);
	while (r == -EINTR);
	if (r == (long)(sizeof h + n)) {
		char ack[64];
		r = conn_recv(s, ack, sizeof ack);
		r = r >= (long)(sizeof(struct abi_header) + sizeof(struct abi_ack_fixed)) ? 0 : -EIO;
	} else {
		r = -EIO;
	}
	conn_close(s);
	return r;
}

/* net_before_exec installs the net if the exec described by f (execveat
 * when at) runs a static program and this process carries none yet.
 * Returns 1 if the process carries it now. */
int net_before_exec(const struct frame *f, int at)
{
	if (zvfs_state.net)
		return 1;
	if (!vfs_on() || !static_at(at ? (long)(int)f->rdi : AT_FDCWD, at ? f->rsi : f->rdi, at ? (long)f->r8 : 0, 0))
		return 0;
	if (RAW6(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0) < 0)
		return 0;
	struct {
		unsigned short len;
		const struct abi_sock_filter *filter;
	} prog = {ABI_NET_FILTER_LEN, abi_net_filter};
	long lfd = RAW3(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog);
	if (lfd == -EINVAL)
		lfd = RAW3(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (lfd < 0)
		return 0;
	/* From here the process's file calls wait for the listener's server:
	 * if the supervisor does not take it, they fail (ENOSYS) rather than
	 * escape the mounts. */
	hand_over(lfd);
	RAW1(SYS_close, lfd);
	/* Not noted in zvfs_state: a vfork child shares it with its parent,
	 * which carries no filter. The new image learns it from EnvNet. */
	return 1;
}
