/* net.c — the seccomp net: the filter (abi_net_filter) that sends the file
 * calls a process makes without the stub to the supervisor, and lets the
 * stub's own calls, made from the gate in page 0, through. A process
 * installs it where calls would otherwise escape the mounts: before the
 * exec of a statically linked program, which loads no stub, or of a
 * program whose loader may look for libraries in a mount; when it makes
 * memory executable itself (a JIT); before the exec of a program that
 * would run with other credentials (the kernel drops LD_PRELOAD then); when
 * the supervisor found system-call
 * sites it could not rewrite that may make file calls. The new image and
 * all descendants keep it; the filter's listener is handed to the
 * supervisor, which answers the notified calls from then on. */
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

/* privileged: would exec of the file at fd give the process other
 * credentials (a set-user-ID or set-group-ID file of another owner, file
 * capabilities for a user other than root), or does the process have
 * effective IDs other than its real ones? Either way the kernel drops
 * LD_PRELOAD from the new image, which would run without the stub: outside
 * the mounts, where an overlay's host tree is. Under the net, which sets
 * no_new_privs, the program runs with the caller's credentials instead (as
 * on a nosuid mount) and with the mounts. */
static int privileged(long fd)
{
	unsigned ruid, euid, suid, rgid, egid, sgid;
	struct kstat st;
	if (RAW3(SYS_getresuid, &ruid, &euid, &suid) != 0 || RAW3(SYS_getresgid, &rgid, &egid, &sgid) != 0 ||
	    RAW2(SYS_fstat, fd, &st) != 0)
		return 0;
	if (ruid != euid || rgid != egid)
		return 1;
	if ((st.mode & S_ISUID) && st.uid != ruid)
		return 1;
	if ((st.mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) && st.gid != rgid)
		return 1;
	return ruid != 0 && RAW4(SYS_fgetxattr, fd, "security.capability", 0, 0) > 0;
}

/* static_at: does exec of path (relative to dirfd; the descriptor itself
 * with AT_EMPTY_PATH and "") run a static program, directly or as the
 * interpreter of a #! script, or a privileged one? One read of the file's
 * head tells. */
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
		if (fd < 0) {
			/* An execute-only file (a set-user-ID program may be
			 * 4711): its head cannot be read, its mode can. */
			fd = RAW4(SYS_openat, dirfd, path, O_PATH | O_CLOEXEC, 0);
			if (fd < 0)
				return 0;
			int p = privileged(fd);
			RAW1(SYS_close, fd);
			return p;
		}
	}
	unsigned char head[HEAD + 1];
	long n = RAW4(SYS_pread64, fd, head, HEAD, 0);
	int st = privileged(fd);
	if (!st && n > 2 && head[0] == '#' && head[1] == '!') {
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
	} else if (!st) {
		st = elf_static(fd, head, n);
	}
	if (own)
		RAW1(SYS_close, fd);
	return st;
}

/* net_send sends a message about the net (type: ABI_MSG_NET with the
 * listener lfd, ABI_MSG_NET_CWD without one) whose payload is the virtual
 * working directory (empty: the kernel's), and waits for the
 * acknowledgement. */
static long net_send(unsigned type, long lfd)
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
	header_init(&h, type, n);
	struct iovec_ iov[2] = {{&h, sizeof h}, {cwd, n}};
	struct cmsg_fds cm = {16 + 4, SOL_SOCKET, SCM_RIGHTS, {(int)lfd, -1}};
	struct msghdr_ mh = {0, 0, iov, 2, lfd >= 0 ? &cm : 0, lfd >= 0 ? sizeof cm : 0, 0};
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

/* net_install puts the calling process under the net and hands the
 * listener over, with the virtual working directory (the net answers for
 * it from then on). Returns 1 if the process carries it now. */
static int net_install(void)
{
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
	/* From here the process's file calls from outside the gate wait for
	 * the listener's server: if the supervisor does not take it, they
	 * fail (ENOSYS) rather than escape the mounts. */
	net_send(ABI_MSG_NET, lfd);
	RAW1(SYS_close, lfd);
	return 1;
}

/* net_before_exec installs the net, if this process carries none yet,
 * before the exec described by f (execveat when at) of a static or a
 * privileged program, or of any program whose loader may look in a mount
 * (loader). Returns 1 if
 * the process carries it now. */
int net_before_exec(const struct frame *f, int at, int loader)
{
	if (zvfs_state.net)
		return 1;
	if (!vfs_on())
		return 0;
	if (!loader && !static_at(at ? (long)(int)f->rdi : AT_FDCWD, at ? f->rsi : f->rdi, at ? (long)f->r8 : 0, 0))
		return 0;
	/* Not noted in zvfs_state: a vfork child shares it with its parent,
	 * which carries no filter. The new image learns it from EnvNet. */
	return net_install();
}

/* net_here installs the net in this process, for code the stub cannot
 * rewrite. A vfork child does not: it shares zvfs_state with a parent
 * that would not carry it. */
void net_here(void)
{
	if (zvfs_state.net || !vfs_on() || (cur_block()->flags & BLKF_VFORK_CHILD))
		return;
	unsigned long old;
	block_signals(&old); /* a handler that got here too would wait for the lock */
	spin_lock(&zvfs_state.net_lock);
	if (!zvfs_state.net)
		__atomic_store_n(&zvfs_state.net, net_install(), __ATOMIC_RELEASE);
	spin_unlock(&zvfs_state.net_lock);
	restore_signals(&old);
}

/* net_wanted: the process must carry the net. Installed at once, or, if
 * the stub's calls do not leave from the gate yet (during start-up), as
 * soon as they do (net_start). */
void net_wanted(void)
{
	if (zvfs_gate == ABI_GATE_ADDR)
		net_here();
	else
		zvfs_state.net_wanted = 1;
}

/* net_start installs the net wanted during start-up, once the stub's calls
 * leave from the gate. */
void net_start(void)
{
	if (zvfs_state.net_wanted)
		net_here();
}

/* net_cwd tells the supervisor the process's new working directory, which
 * the net resolves relative paths against, if the process carries it. */
void net_cwd(void)
{
	if (zvfs_state.net)
		net_send(ABI_MSG_NET_CWD, -1);
}
