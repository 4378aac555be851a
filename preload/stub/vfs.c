/* vfs.c — the stub's half of the virtual file system. When the run has
 * mounts, calls that take a path or a virtual descriptor come here (the entry
 * sends only those: see the VFS classes in abi_gen.h). A call on a host path
 * or descriptor is issued at once, its path made absolute when the working
 * directory is virtual; a call on a virtual one becomes one request to the
 * supervisor. The stub keeps: the mount targets, the virtual working
 * directory, and two descriptor bitmaps at fixed addresses (virtual; served)
 * that the entry tests without leaving the fast path. This file runs on the
 * thread's private stack with signals NOT blocked: it holds no lock while it
 * waits, so a handler that makes file calls of its own is safe. */
#include "zvfs.h"

#define MAX_MOUNTS 64

struct vfs_state {
	int on;
	unsigned umask;
	int nmounts;
	unsigned short mlen[MAX_MOUNTS];
	unsigned short moff[MAX_MOUNTS];
	char mounts[PATH_MAX_];
	/* Working directory: vcwd when virtual (vcwd[0] == '/'), else the host
	 * one as getcwd gave it, to join relative paths with. cwd_seq is odd
	 * while a writer changes them. */
	unsigned cwd_seq;
	int cwd_lock;
	char vcwd[PATH_MAX_];
	char hcwd[PATH_MAX_];
};
static struct vfs_state vs;

static const char env_mounts[] = ABI_ENV_MOUNTS "=";
static const char env_cwd[] = ABI_ENV_CWD "=";
static const char env_fds[] = ABI_ENV_FDS "=";

/* ---- descriptor bitmaps ------------------------------------------------ */

static int fd_bits(long fd)
{
	if (!vs.on || (unsigned long)fd >= ABI_MAX_FD || is_ours(fd))
		return 0;
	unsigned long w = (unsigned long)fd / 64, m = 1UL << ((unsigned long)fd % 64);
	int b = 0;
	if (fdmap(ABI_FD_VIRT_ADDR)[w] & m)
		b |= ABI_FD_VIRT;
	if (fdmap(ABI_FD_SERVED_ADDR)[w] & m)
		b |= ABI_FD_SERVED;
	return b;
}

/* A vfork child shares its parent's memory but not its descriptors: it must
 * not change the parent's bitmaps. What it passes on at exec is fixed up by
 * the new image, which checks every descriptor it is told about. */
static int may_track(void)
{
	struct block *b = cur_block();
	return vs.on && !(b && (b->flags & BLKF_VFORK_CHILD));
}

static void fd_set(long fd, int bits);

/* vfs_mark records fd as a virtual, kernel-backed descriptor (view.c's opens). */
void vfs_mark(long fd) { fd_set(fd, ABI_FD_VIRT); }

static void fd_set(long fd, int bits)
{
	if (!may_track() || (unsigned long)fd >= ABI_MAX_FD)
		return;
	unsigned long w = (unsigned long)fd / 64, m = 1UL << ((unsigned long)fd % 64);
	volatile unsigned long *v = fdmap(ABI_FD_VIRT_ADDR), *s = fdmap(ABI_FD_SERVED_ADDR);
	if (bits & ABI_FD_VIRT)
		__atomic_or_fetch(&v[w], m, __ATOMIC_RELAXED);
	else
		__atomic_and_fetch(&v[w], ~m, __ATOMIC_RELAXED);
	if (bits & ABI_FD_SERVED)
		__atomic_or_fetch(&s[w], m, __ATOMIC_RELAXED);
	else
		__atomic_and_fetch(&s[w], ~m, __ATOMIC_RELAXED);
}

/* ---- paths --------------------------------------------------------------- */

static int under_mount(const char *c, unsigned long n);

/* clean writes the lexical form of the absolute path p (n bytes) into out:
 * no "." or empty components, ".." removed with its parent. *through is
 * set if some prefix of the path lies in a mount ("/data/.." must be
 * resolved by the supervisor: /data is not the host's). */
static unsigned long clean(const char *p, unsigned long n, char *out, int *through)
{
	unsigned long o = 0, i = 0;
	while (i < n) {
		while (i < n && p[i] == '/')
			i++;
		unsigned long s = i;
		while (i < n && p[i] != '/')
			i++;
		unsigned long len = i - s;
		if (len == 0 || (len == 1 && p[s] == '.'))
			continue;
		if (len == 2 && p[s] == '.' && p[s + 1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
			continue;
		}
		out[o++] = '/';
		memcpy(out + o, p + s, len);
		o += len;
		if (!*through && under_mount(out, o))
			*through = 1;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	return o;
}

/* vfs_clean is clean for the other files of the stub. */
unsigned long vfs_clean(const char *p, unsigned long n, char *out, int *through)
{
	return clean(p, n, out, through);
}

/* under_mount: is the clean absolute path c inside a mount? */
static int under_mount(const char *c, unsigned long n)
{
	for (int i = 0; i < vs.nmounts; i++) {
		unsigned long l = vs.mlen[i];
		const char *m = vs.mounts + vs.moff[i];
		if (n >= l && memcmp(c, m, l) == 0 && (n == l || c[l] == '/'))
			return 1;
	}
	return 0;
}

/* vfs_is_mount: is the clean absolute path c (n bytes) a mount's target? */
int vfs_is_mount(const char *c, unsigned long n)
{
	for (int i = 0; i < vs.nmounts; i++)
		if (vs.mlen[i] == n && memcmp(c, vs.mounts + vs.moff[i], n) == 0)
			return 1;
	return 0;
}

/* mount_parent: is the clean absolute path c the directory a mount point
 * is in? Opening it must list the mount point. */
static int mount_parent(const char *c, unsigned long n)
{
	for (int i = 0; i < vs.nmounts; i++) {
		const char *m = vs.mounts + vs.moff[i];
		unsigned long d = vs.mlen[i];
		while (d > 0 && m[d - 1] != '/')
			d--;
		if (d > 1)
			d--; /* the slash ends the parent unless the parent is "/" */
		if (d == n && memcmp(c, m, n) == 0)
			return 1;
	}
	return 0;
}

/* cwd_copy copies the working directory: returns its length and whether
 * it is virtual. */
static unsigned long cwd_copy(char *out, int *virt)
{
	unsigned seq;
	unsigned long n;
	do {
		seq = __atomic_load_n(&vs.cwd_seq, __ATOMIC_ACQUIRE);
		const char *src = vs.vcwd[0] == '/' ? vs.vcwd : vs.hcwd;
		*virt = vs.vcwd[0] == '/';
		n = zstrlen(src);
		if (n >= PATH_MAX_)
			n = PATH_MAX_ - 1;
		memcpy(out, src, n);
		out[n] = 0;
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
	} while ((seq & 1) || seq != __atomic_load_n(&vs.cwd_seq, __ATOMIC_ACQUIRE));
	return n;
}

/* cwd_set makes dir (n bytes) the working directory: virtual, or the
 * host's when virt is 0 (then dir may be 0: ask the kernel). */
static void cwd_set(const char *dir, unsigned long n, int virt)
{
	unsigned long old;
	block_signals(&old);
	spin_lock(&vs.cwd_lock);
	__atomic_add_fetch(&vs.cwd_seq, 1, __ATOMIC_ACQ_REL);
	if (virt) {
		memcpy(vs.vcwd, dir, n);
		vs.vcwd[n] = 0;
	} else {
		vs.vcwd[0] = 0;
		long r = RAW2(SYS_getcwd, vs.hcwd, sizeof vs.hcwd);
		if (r < 0)
			vs.hcwd[0] = 0;
	}
	__atomic_add_fetch(&vs.cwd_seq, 1, __ATOMIC_ACQ_REL);
	spin_unlock(&vs.cwd_lock);
	restore_signals(&old);
}

/* One path argument as the stub sees it. */
enum { P_HOST, P_HOST_ABS, P_VIRT, P_VIRT_FD, P_SELF };
struct path {
	int kind;
	long fd;              /* P_SELF: the descriptor the path names */
	int parent_only;      /* virtual only to list mount points in a host directory */
	long len;             /* of s */
	char s[PATH_MAX_ * 2]; /* the path as sent: absolute, or relative to a virtual dirfd */
	int viewable;         /* P_VIRT: the view may answer for s (view_call checks its form) */
};

/* upath reads a path argument. The stub's own tables fill the lowest
 * pages, which the kernel would read as if they were the caller's; a
 * pointer there is a bad pointer, as it is without zvfs. */
static long upath(unsigned long u, char *raw)
{
	if (u < ABI_SITE_TABLE_LIMIT)
		return -EFAULT;
	return ustr(u, raw, PATH_MAX_);
}

/* self_fd returns N if p is /proc/self/fd/N, /proc/thread-self/fd/N,
 * /dev/fd/N or /proc/PID/fd/N of this process, else -1. */
static long self_fd(const char *p)
{
	static const char *const pre[] = {"/proc/self/fd/", "/proc/thread-self/fd/", "/dev/fd/"};
	const char *q = 0;
	for (unsigned i = 0; i < sizeof pre / sizeof pre[0] && !q; i++)
		if (zhasprefix(p, pre[i]))
			q = p + zstrlen(pre[i]);
	if (!q && zhasprefix(p, "/proc/") && p[6] >= '0' && p[6] <= '9') {
		char pid[24];
		*zutoa(pid, (unsigned long)RAW0(SYS_getpid)) = 0;
		unsigned long n = zstrlen(pid);
		if (memcmp(p + 6, pid, n) == 0 && zhasprefix(p + 6 + n, "/fd/"))
			q = p + 6 + n + 4;
	}
	if (!q || *q < '0' || *q > '9')
		return -1;
	long v = 0;
	for (; *q >= '0' && *q <= '9'; q++)
		if ((v = v * 10 + (*q - '0')) >= ABI_MAX_FD)
			return -1;
	return *q ? -1 : v;
}

/* classify reads the path at user address u, relative to dirfd, and says
 * where it lives. Returns 0 or -errno (EFAULT, ENAMETOOLONG). */
static long classify(struct path *p, unsigned long u, long dirfd, int empty_ok, int opens)
{
	char raw[PATH_MAX_];
	long n = upath(u, raw);
	if (n == -EFAULT)
		return -EFAULT;
	if (n < 0)
		return -ENAMETOOLONG;
	p->kind = P_HOST;
	p->parent_only = 0;
	if (n == 0) {
		/* "" names dirfd itself with AT_EMPTY_PATH, else ENOENT (kernel). */
		if (empty_ok && dirfd != AT_FDCWD && (fd_bits(dirfd) & ABI_FD_VIRT))
			p->kind = P_VIRT_FD;
		p->len = 0;
		p->s[0] = 0;
		return 0;
	}
	char c[PATH_MAX_ * 2];
	long self = self_fd(raw);
	if (self >= 0 && (fd_bits(self) & ABI_FD_VIRT)) {
		/* /proc/self/fd/N of a virtual descriptor: the kernel's link
		 * would lead to our placeholder or memfd, not the file. */
		p->kind = P_SELF;
		p->fd = self;
		p->len = 0;
		p->s[0] = 0;
		return 0;
	}
	if (raw[0] == '/') {
		memcpy(p->s, raw, (unsigned long)n + 1);
		p->len = n;
	} else if (dirfd == AT_FDCWD) {
		int virt;
		unsigned long k = cwd_copy(p->s, &virt);
		if (k > 1)
			p->s[k++] = '/';
		else
			k = 1;
		memcpy(p->s + k, raw, (unsigned long)n + 1);
		p->len = (long)k + n;
		if (virt)
			p->kind = P_HOST_ABS; /* unless it is virtual, below */
	} else {
		if (fd_bits(dirfd) & ABI_FD_VIRT) {
			memcpy(p->s, raw, (unsigned long)n + 1);
			p->len = n;
			p->kind = P_VIRT_FD;
		}
		return 0;
	}
	int through = 0;
	unsigned long cn = clean(p->s, (unsigned long)p->len, c, &through);
	p->viewable = 0;
	if (through) {
		p->kind = P_VIRT;
		/* The view holds paths free of symbolic links: a ".." (which
		 * would go back up a link) is for the supervisor to judge. */
		p->viewable = 1;
	} else if (opens && mount_parent(c, cn)) {
		p->kind = P_VIRT;
		p->parent_only = 1;
	}
	return 0;
}

/* ---- talking to the supervisor -------------------------------------------- */

/* request sends one call and waits for the reply. fds (n of them) travel
 * with it. Any failure to reach the supervisor is EIO. */
static long request(unsigned nr, unsigned flags, const struct frame *f, const struct path *p1, const struct path *p2,
		    const int *fds, int n, struct reply *rep)
{
	struct {
		struct abi_header h;
		struct abi_call_fixed c;
	} m;
	unsigned long l1 = p1 ? (unsigned long)p1->len : 0, l2 = p2 ? (unsigned long)p2->len : 0;
	header_init(&m.h, ABI_MSG_CALL, sizeof m.c + l1 + l2);
	m.c.nr = nr;
	m.c.flags = flags | (p1 ? ABI_CALL_PATH1 : 0) | (p2 ? ABI_CALL_PATH2 : 0);
	frame_args(f, m.c.args);
	m.c.path1_len = (abi_u32)l1;
	m.c.path2_len = (abi_u32)l2;
	m.c.umask = vs.umask;
	struct iovec_ iov[3] = {{&m, sizeof m}, {(void *)(p1 ? p1->s : 0), l1}, {(void *)(p2 ? p2->s : 0), l2}};
	struct cmsg_fds cm = {16 + 4 * (unsigned long)n, SOL_SOCKET, SCM_RIGHTS, {n > 0 ? fds[0] : -1, n > 1 ? fds[1] : -1}};
	struct msghdr_ mh = {0, 0, iov, 3, n ? &cm : 0, n ? sizeof cm : 0, 0};
	int opens = nr == SYS_open || nr == SYS_openat || nr == SYS_openat2 || nr == SYS_creat;
	return kept_exchange(&mh, (long)(sizeof m + l1 + l2), rep, 0, opens);
}

static const char *str2(const struct reply *rep) { return rep->str + rep->r.len1 + 1; }

/* install makes a received descriptor the result of open: at the lowest
 * free number, as open would have chosen, with close-on-exec as asked. On
 * a kept connection it already is; else it is moved there. Moving closes a
 * descriptor of the file, which drops the process's POSIX locks on it, so
 * it happens only on the rare one-off connections. */
long install_fd(int fd, int cloexec, int bits, int lowest)
{
	if (lowest) {
		if (!cloexec)
			RAW3(SYS_fcntl, fd, F_SETFD, 0);
		fd_set(fd, bits);
		return fd;
	}
	long l = RAW3(SYS_fcntl, fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, 0);
	if (l >= 0 && l < fd) {
		RAW1(SYS_close, fd);
	} else {
		if (l >= 0)
			RAW1(SYS_close, l);
		l = fd;
		RAW3(SYS_fcntl, fd, F_SETFD, cloexec ? FD_CLOEXEC : 0);
	}
	fd_set(l, bits);
	return l;
}

/* ---- the calls ------------------------------------------------------------ */

static long fd_request(struct frame *f, long fd);

/* fd_call handles a call about descriptor f->rdi (and f->rsi for dup2 and
 * dup3): bookkeeping for close and dup, a request for a virtual one. */
static long fd_call(struct frame *f)
{
	long nr = (long)f->rax, fd = (long)f->rdi, r;
	/* The program closes or replaces one of our connections (as a daemon
	 * closing every descriptor does): let it, and stop using it. */
	if ((nr == SYS_dup2 || nr == SYS_dup3) && is_ours((long)f->rsi))
		kept_lost((long)f->rsi);
	if (is_ours(fd)) {
		if (nr == SYS_close)
			kept_lost(fd);
		return raw_frame(f);
	}
	int bits = fd_bits(fd);
	switch (nr) {
	case SYS_close:
		/* Forget it first: once closed, its number may be another
		 * thread's new virtual descriptor, whose bits must stay. */
		fd_set(fd, 0);
		return raw_frame(f);
	case SYS_dup:
		r = raw_frame(f);
		if (r >= 0)
			fd_set(r, bits);
		return r;
	case SYS_dup2:
	case SYS_dup3:
		r = raw_frame(f);
		if (r >= 0 && fd != (long)f->rsi)
			fd_set((long)f->rsi, bits);
		return r;
	case SYS_fcntl:
		r = raw_frame(f);
		if (r >= 0 && (f->rsi == F_DUPFD || f->rsi == F_DUPFD_CLOEXEC))
			fd_set(r, bits);
		return r;
	}
	int served_only = abi_vfs_class_table[nr] == ABI_CLASS_DATA;
	if (!(bits & (served_only ? ABI_FD_SERVED : ABI_FD_VIRT)))
		return raw_frame(f);
	if (bits & ABI_FD_SERVED) {
		/* Once a listing is all read, the supervisor leaves a byte in the
		 * placeholder (it moves with the open file description): the
		 * next getdents is 0 without asking. An lseek takes it back. */
		char mark[16];
		if ((nr == SYS_getdents64 || nr == SYS_getdents) &&
		    RAW6(SYS_recvfrom, fd, mark, 1, MSG_PEEK | MSG_DONTWAIT, 0, 0) == 1)
			return 0;
		if (nr == SYS_lseek)
			while (RAW6(SYS_recvfrom, fd, mark, sizeof mark, MSG_DONTWAIT, 0, 0) > 0)
				;
	}
	if (nr == SYS_fstat && !(bits & ABI_FD_SERVED)) {
		r = view_fstat(fd, f->rsi, 0);
		if (r != VIEW_ASK)
			return r;
	}
	return fd_request(f, fd);
}

/* fd_request asks the supervisor to answer f, a call about the virtual
 * descriptor fd. If fd turns out not to be its, fd is the kernel's from
 * now on and the call is issued. */
static long fd_request(struct frame *f, long fd)
{
	struct reply rep;
	int fds[1] = {(int)fd};
	long r = request((unsigned)f->rax, ABI_CALL_FD1, f, 0, 0, fds, 1, &rep);
	if (r < 0)
		return r;
	if (rep.fd >= 0)
		RAW1(SYS_close, rep.fd);
	if (rep.r.action == ABI_REPLY_PASS) {
		fd_set(fd, 0);
		return raw_frame(f);
	}
	if (rep.r.ret == 0 && f->rax == SYS_fchdir && rep.r.len1)
		cwd_set(rep.str, rep.r.len1, 1);
	return rep.r.ret;
}

static long getcwd_call(struct frame *f)
{
	char buf[PATH_MAX_];
	int virt;
	unsigned long n = cwd_copy(buf, &virt);
	if (!virt)
		return raw_frame(f);
	/* The directory may have been removed since: then ENOENT. */
	long r = view_exists(buf, n);
	if (r == VIEW_ASK) {
		struct path p;
		memcpy(p.s, buf, n + 1);
		p.len = (long)n;
		struct reply rep;
		r = request(SYS_getcwd, 0, f, &p, 0, 0, 0, &rep);
		if (r < 0)
			return r;
		if (rep.fd >= 0)
			RAW1(SYS_close, rep.fd);
		r = rep.r.ret;
	}
	if (r < 0)
		return r;
	if (f->rsi < n + 1)
		return -ERANGE;
	if (uwrite(f->rdi, buf, n + 1) != (long)(n + 1))
		return -EFAULT;
	return (long)(n + 1);
}

static long close_range_call(struct frame *f)
{
	struct block *b = cur_block();
	if (!(f->rdx & CLOSE_RANGE_CLOEXEC) && f->rdi <= f->rsi && !(b && (b->flags & BLKF_VFORK_CHILD))) {
		unsigned long last = f->rsi < ABI_MAX_FD ? f->rsi : ABI_MAX_FD - 1;
		for (unsigned long fd = f->rdi; fd <= last; fd++) {
			if (is_ours((long)fd))
				kept_lost((long)fd);
			else if (fd_bits((long)fd))
				fd_set((long)fd, 0);
		}
	}
	return raw_frame(f);
}

/* issue_host issues f on the host with the paths that changed (s1, s2)
 * in place of the caller's, relative to no directory descriptor. */
static long issue_host(struct frame *f, const struct abi_pathcall *pc, const char *s1, const char *s2)
{
	struct frame g = *f;
	if (s1 && pc->path1 != ABI_NOARG) {
		*frame_arg(&g, pc->path1) = (unsigned long)s1;
		if (pc->dir1 != ABI_NOARG)
			*frame_arg(&g, pc->dir1) = (unsigned long)AT_FDCWD;
	}
	if (s2 && pc->path2 != ABI_NOARG) {
		*frame_arg(&g, pc->path2) = (unsigned long)s2;
		if (pc->dir2 != ABI_NOARG)
			*frame_arg(&g, pc->dir2) = (unsigned long)AT_FDCWD;
	}
	return raw_frame(&g);
}

static int open_cloexec(const struct frame *f)
{
	switch (f->rax) {
	case SYS_open:
		return (f->rsi & O_CLOEXEC) != 0;
	case SYS_openat:
		return (f->rdx & O_CLOEXEC) != 0;
	case SYS_openat2: {
		unsigned long long how;
		return uread(&how, f->rdx, 8) == 8 && (how & O_CLOEXEC);
	}
	}
	return 0;
}

/* The paths of a call, when it is not about a virtual path at all. */
static long host_call(struct frame *f, const struct abi_pathcall *pc, struct path *p1, struct path *p2)
{
	const char *s1 = p1 && p1->kind == P_HOST_ABS ? p1->s : 0;
	const char *s2 = p2 && p2->kind == P_HOST_ABS ? p2->s : 0;
	long r = issue_host(f, pc, s1, s2);
	if (pc->kind == ABI_PATH_CHDIR && r == 0)
		cwd_set(0, 0, 0);
	return r;
}

static long path_call(struct frame *f, const unsigned long *mask, int depth);

/* vfs_exec_host execs a host program, at path s when it changed. */
static long vfs_exec_host(struct frame *f, const unsigned long *mask, const char *s)
{
	struct frame g = *f;
	int at = f->rax == SYS_execveat;
	if (s) {
		if (at) {
			g.rdi = (unsigned long)AT_FDCWD;
			g.rsi = (unsigned long)s;
		} else {
			g.rdi = (unsigned long)s;
		}
	}
	return exec_hooked(&g, at, mask);
}

/* vfs_exec_virtual execs a program that lives in a mount: an ELF file
 * through the descriptor the supervisor passed, a #! script by running its
 * interpreter (which may be virtual too) on the script's path, as the kernel
 * would. */
static long vfs_exec_virtual(struct frame *f, const unsigned long *mask, struct reply *rep, int depth)
{
	int at = f->rax == SYS_execveat;
	unsigned long uargv = at ? f->rdx : f->rsi, uenv = at ? f->r10 : f->rdx;
	unsigned long upath = at ? f->rsi : f->rdi;
	static const char empty[1] = "";
	if (rep->fd >= 0) {
		struct frame g = *f;
		g.rax = SYS_execveat;
		g.rdi = (unsigned long)rep->fd;
		g.rsi = (unsigned long)empty;
		g.rdx = uargv;
		g.r10 = uenv;
		g.r8 = AT_EMPTY_PATH;
		long r = exec_hooked(&g, 1, mask);
		RAW1(SYS_close, rep->fd);
		return r;
	}
	if (depth >= 4)
		return -ELOOP;
	/* argv of the interpreter: interp [arg] path argv[1:] */
	unsigned long argv[1024];
	long n = 0;
	if (uargv) {
		n = uptrs(uargv, argv + 2, 1024 - 4);
		if (n == -E2BIG)
			return -E2BIG;
		if (n < 0)
			return n;
	}
	char interp[PATH_MAX_], optarg[PATH_MAX_];
	memcpy(interp, rep->str, rep->r.len1 + 1);
	memcpy(optarg, str2(rep), rep->r.len2 + 1);
	unsigned long *v = argv + 2;
	/* v[0] is the caller's argv[0], replaced by the script's path. */
	if (n == 0)
		v[n++] = 0; /* room for the path */
	v[0] = upath;
	if (rep->r.len2)
		*--v = (unsigned long)optarg;
	*--v = (unsigned long)interp;
	v[n + (rep->r.len2 ? 2 : 1)] = 0;
	struct frame g = *f;
	g.rax = SYS_execve;
	g.rdi = (unsigned long)interp;
	g.rsi = (unsigned long)v;
	g.rdx = uenv;
	return path_call(&g, mask, depth + 1);
}

static long path_call(struct frame *f, const unsigned long *mask, int depth)
{
	long nr = (long)f->rax, r;
	const struct abi_pathcall *pc = &abi_pathcalls[nr];
	struct path p1, p2;
	struct path *a = 0, *b = 0;
	int fds[2], nfds = 0;
	unsigned flags = 0;
	long flagv = pc->flags != ABI_NOARG ? (long)*frame_arg(f, pc->flags) : 0;
	int empty_ok = (flagv & AT_EMPTY_PATH) != 0;
	if (pc->kind == ABI_PATH_NULLFD && *frame_arg(f, pc->path1) == 0) {
		/* utimensat(fd, NULL, ...): about the descriptor itself. */
		long fd = (long)*frame_arg(f, pc->dir1);
		if (!(fd_bits(fd) & ABI_FD_VIRT))
			return raw_frame(f);
		return fd_request(f, fd);
	}
	if (pc->kind == ABI_PATH_SYMLINK) {
		/* The link's content is any string: send it as it is. */
		long n = upath(*frame_arg(f, pc->path1), p1.s);
		if (n == -EFAULT)
			return -EFAULT;
		if (n < 0)
			return -ENAMETOOLONG;
		p1.len = n;
		p1.kind = P_HOST;
		a = &p1;
	} else if (pc->path1 != ABI_NOARG) {
		long d = pc->dir1 != ABI_NOARG ? (long)(int)*frame_arg(f, pc->dir1) : AT_FDCWD;
		int opens = nr == SYS_open || nr == SYS_openat || nr == SYS_openat2;
		r = classify(&p1, *frame_arg(f, pc->path1), d, empty_ok, opens);
		if (r < 0)
			return r;
		a = &p1;
		if (p1.kind == P_VIRT_FD) {
			fds[nfds++] = (int)d;
			flags |= ABI_CALL_FD1;
		} else if (p1.kind == P_SELF) {
			fds[nfds++] = (int)p1.fd;
			flags |= ABI_CALL_FD1 | ABI_CALL_SELF1;
		}
	}
	if (pc->path2 != ABI_NOARG) {
		long d = pc->dir2 != ABI_NOARG ? (long)(int)*frame_arg(f, pc->dir2) : AT_FDCWD;
		r = classify(&p2, *frame_arg(f, pc->path2), d, 0, 0);
		if (r < 0)
			return r;
		b = &p2;
		if (p2.kind == P_VIRT_FD || p2.kind == P_SELF) {
			fds[nfds++] = (int)(p2.kind == P_SELF ? p2.fd : d);
			flags |= ABI_CALL_FD2;
		}
	}
	int v1 = a && pc->kind != ABI_PATH_SYMLINK && a->kind >= P_VIRT;
	int v2 = b && b->kind >= P_VIRT;
	if (!v1 && !v2) {
		if (pc->kind == ABI_PATH_EXEC)
			return vfs_exec_host(f, mask, a && a->kind == P_HOST_ABS ? a->s : 0);
		return host_call(f, pc, pc->kind == ABI_PATH_SYMLINK ? 0 : a, b);
	}
	if (pc->kind == ABI_PATH_TWO && v1 != v2)
		return -EXDEV;
	if (v1 && !b && a->kind == P_VIRT_FD && a->len == 0 && !(fd_bits(fds[0]) & ABI_FD_SERVED)) {
		r = view_fstatat(f, fds[0]);
		if (r != VIEW_ASK)
			return r;
	}
	if (v1 && !b && a->kind == P_VIRT && !a->parent_only && a->viewable) {
		r = view_call(f, a->s, (unsigned long)a->len);
		if (r != VIEW_ASK)
			return r;
	}
	struct reply rep;
	r = request((unsigned)nr, flags, f, a, b, fds, nfds, &rep);
	if (r < 0 && a && a->parent_only) {
		/* No supervisor: the host directory, without its mount points. */
		a->kind = a->s[0] == '/' && pc->path1 != ABI_NOARG ? P_HOST_ABS : P_HOST;
		return host_call(f, pc, a, 0);
	}
	if (r < 0)
		return r;
	switch (rep.r.action) {
	case ABI_REPLY_FD:
		if (rep.fd < 0)
			return -EIO;
		return install_fd(rep.fd, open_cloexec(f), (int)rep.r.fd, rep.lowest);
	case ABI_REPLY_PASS:
		if (rep.fd >= 0)
			RAW1(SYS_close, rep.fd);
		if (pc->kind == ABI_PATH_EXEC)
			return vfs_exec_host(f, mask, 0);
		return host_call(f, pc, a && a->kind == P_HOST_ABS ? a : 0, b && b->kind == P_HOST_ABS ? b : 0);
	case ABI_REPLY_HOST: {
		if (rep.fd >= 0)
			RAW1(SYS_close, rep.fd);
		const char *s1 = rep.r.len1 ? rep.str : 0, *s2 = rep.r.len2 ? str2(&rep) : 0;
		if (pc->kind == ABI_PATH_EXEC)
			return vfs_exec_host(f, mask, s1);
		if (pc->kind == ABI_PATH_SYMLINK)
			s1 = 0; /* the content stays */
		r = issue_host(f, pc, s1, s2);
		if (pc->kind == ABI_PATH_CHDIR && r == 0)
			cwd_set(0, 0, 0);
		return r;
	}
	case ABI_REPLY_EXEC:
		return vfs_exec_virtual(f, mask, &rep, depth);
	default:
		if (rep.fd >= 0)
			RAW1(SYS_close, rep.fd);
		if (pc->kind == ABI_PATH_CHDIR && rep.r.ret == 0 && rep.r.len1)
			cwd_set(rep.str, rep.r.len1, 1);
		return rep.r.ret;
	}
}

/* vfs_call runs one call of a VFS class and returns its result. */
long vfs_call(struct frame *f, const unsigned long *mask)
{
	long nr = (long)f->rax;
	if (nr == SYS_getcwd)
		return getcwd_call(f);
	if (nr == SYS_close_range)
		return close_range_call(f);
	if (abi_cred_calls[nr]) {
		/* New credentials: the supervisor must see them, and it reads
		 * them from the connection, so every thread reconnects. */
		long r = raw_frame(f);
		if (r >= 0 || nr == SYS_setfsuid || nr == SYS_setfsgid) {
			kept_renew();
			view_creds_changed();
		}
		return r;
	}
	if (nr == SYS_umask) {
		long r = raw_frame(f);
		__atomic_store_n(&vs.umask, (unsigned)f->rdi & 0777, __ATOMIC_RELAXED);
		return r;
	}
	switch (abi_vfs_class_table[nr]) {
	case ABI_CLASS_FD:
	case ABI_CLASS_FD2:
	case ABI_CLASS_DATA:
		return fd_call(f);
	}
	return path_call(f, mask, 0);
}

/* ---- set-up and exec ------------------------------------------------------ */

static long parse_num(const char **p)
{
	long v = 0;
	int any = 0;
	while (**p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		(*p)++;
		any = 1;
	}
	return any ? v : -1;
}

/* vfs_init sets the VFS up from the environment, before the class table is
 * sealed: ZVFS_MOUNTS turns it on. */
void vfs_init(const char *mounts, const char *cwd, const char *fds)
{
	if (!mounts || !*mounts)
		return;
	unsigned long n = zstrlen(mounts);
	if (n >= sizeof vs.mounts)
		return;
	if (kept_init() < 0)
		return;
	memcpy(vs.mounts, mounts, n + 1);
	unsigned long s = 0;
	for (unsigned long i = 0; i <= n && vs.nmounts < MAX_MOUNTS; i++) {
		if (vs.mounts[i] == ':' || vs.mounts[i] == 0) {
			vs.mounts[i] = 0;
			if (i > s + 1 && vs.mounts[s] == '/') {
				vs.moff[vs.nmounts] = (unsigned short)s;
				vs.mlen[vs.nmounts] = (unsigned short)(i - s);
				vs.nmounts++;
			}
			s = i + 1;
		}
	}
	vs.umask = (unsigned)RAW1(SYS_umask, 022);
	RAW1(SYS_umask, vs.umask);
	vs.on = 1;
	class_table_set(abi_vfs_class_table);
	if (cwd && cwd[0] == '/' && zstrlen(cwd) < PATH_MAX_)
		cwd_set(cwd, zstrlen(cwd), 1);
	else
		cwd_set(0, 0, 0);
	/* Descriptors the previous image had as virtual: keep those still
	 * open (close-on-exec ones are gone). The supervisor checks each one
	 * it is sent, so a stale bit costs one round trip, never a wrong answer. */
	const char *p = fds;
	while (p && *p) {
		long fd = parse_num(&p);
		if (fd < 0)
			break;
		int bits = ABI_FD_VIRT;
		if (*p == 's') {
			bits |= ABI_FD_SERVED;
			p++;
		}
		if (RAW2(SYS_fcntl, fd, F_GETFD) >= 0)
			fd_set(fd, bits);
		if (*p == ',')
			p++;
	}
}

/* vfs_env writes the VFS variables for a new image into buf (cap bytes) as
 * consecutive NUL-terminated strings, storing pointers in out. Returns the
 * number of variables. */
int vfs_env(char *buf, unsigned long cap, unsigned long *out)
{
	if (!vs.on || cap < 3 * PATH_MAX_ + 64)
		return 0;
	int k = 0;
	char *s = buf, *end = buf + cap;
	out[k++] = (unsigned long)s;
	memcpy(s, env_mounts, sizeof env_mounts - 1);
	s += sizeof env_mounts - 1;
	for (int i = 0; i < vs.nmounts; i++) {
		if (i)
			*s++ = ':';
		memcpy(s, vs.mounts + vs.moff[i], vs.mlen[i]);
		s += vs.mlen[i];
	}
	*s++ = 0;
	char cwd[PATH_MAX_];
	int virt;
	unsigned long n = cwd_copy(cwd, &virt);
	if (virt) {
		out[k++] = (unsigned long)s;
		memcpy(s, env_cwd, sizeof env_cwd - 1);
		s += sizeof env_cwd - 1;
		memcpy(s, cwd, n + 1);
		s += n + 1;
	}
	out[k++] = (unsigned long)s;
	memcpy(s, env_fds, sizeof env_fds - 1);
	s += sizeof env_fds - 1;
	volatile unsigned long *v = fdmap(ABI_FD_VIRT_ADDR);
	int first = 1;
	for (unsigned long w = 0; w < ABI_MAX_FD / 64; w++) {
		if (!v[w])
			continue;
		for (unsigned long bit = 0; bit < 64; bit++) {
			if (!(v[w] & (1UL << bit)) || is_ours((long)(w * 64 + bit)))
				continue;
			if (end - s < 16)
				break;
			long fd = (long)(w * 64 + bit);
			if (!first)
				*s++ = ',';
			first = 0;
			s = zutoa(s, (unsigned long)fd);
			if (fd_bits(fd) & ABI_FD_SERVED)
				*s++ = 's';
		}
	}
	*s++ = 0;
	if (end - s > 64 && view_env(s, (unsigned long)(end - s))) {
		out[k++] = (unsigned long)s;
		s += zstrlen(s) + 1;
	}
	return k;
}

int vfs_on(void) { return vs.on; }
