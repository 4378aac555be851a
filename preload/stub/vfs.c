/* vfs.c — the stub's half of the virtual file system. When the run has
 * mounts, calls that take a path or a virtual descriptor come here (the entry
 * sends only those: see the VFS classes in abi_gen.h). A call on a host path
 * or descriptor is issued at once, its path made absolute when the working
 * directory is virtual; a call on a virtual one becomes one request to the
 * supervisor. The stub keeps: the mount targets, the virtual working
 * directory (vfs_paths.c), and two descriptor bitmaps at fixed addresses
 * (virtual; served: vfs_fds.c) that the entry tests without leaving the fast
 * path; exec and the state it passes on are in vfs_exec.c. This file runs
 * on the thread's private stack with signals NOT blocked: it holds no lock
 * while it waits, so a handler that makes file calls of its own is safe. */
#include "vfs.h"

struct vfs_state vs;

/* ---- talking to the supervisor -------------------------------------------- */

static int open_cloexec(const struct frame *f);

/* request sends one call and waits for the reply. fds (n of them) travel
 * with it. Any failure to reach the supervisor is EIO. */
long request(unsigned nr, unsigned flags, const struct frame *f, const struct path *p1, const struct path *p2,
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
	m.c.since = flags & ABI_CALL_SINCE ? __atomic_load_n(&vs.cwd_true, __ATOMIC_ACQUIRE) : 0;
	m.c.dir1_len = flags & ABI_CALL_DIR1 ? (abi_u32)p1->dir_len : 0;
	m.c.pad0 = 0;
	m.c.dir1_dev = flags & ABI_CALL_DIR1 ? p1->dir_dev : 0;
	m.c.dir1_ino = flags & ABI_CALL_DIR1 ? p1->dir_ino : 0;
	struct iovec_ iov[3] = {{&m, sizeof m}, {(void *)(p1 ? p1->s : 0), l1}, {(void *)(p2 ? p2->s : 0), l2}};
	struct cmsg_fds cm = {16 + 4 * (unsigned long)n, SOL_SOCKET, SCM_RIGHTS, {n > 0 ? fds[0] : -1, n > 1 ? fds[1] : -1}};
	struct msghdr_ mh = {0, 0, iov, 3, n ? &cm : 0, n ? sizeof cm : 0, 0};
	int want = WANT_NO_FD;
	if (nr == SYS_openat2)
		want = WANT_FD;
	else if (nr == SYS_open || nr == SYS_openat || nr == SYS_creat)
		want = open_cloexec(f) ? WANT_FD : WANT_FD_INHERITED;
	return kept_exchange(&mh, (long)(sizeof m + l1 + l2), rep, 0, want);
}

const char *str2(const struct reply *rep) { return rep->str + rep->r.len1 + 1; }

/* install makes a received descriptor the result of open: at the lowest
 * free number, as open would have chosen, with close-on-exec as asked. On
 * a kept connection it already is; else it is moved there. Moving closes a
 * descriptor of the file, which drops the process's POSIX locks on it, so
 * it happens only on the rare one-off connections. */
long install_fd(const struct reply *rep, int cloexec, int bits)
{
	int fd = rep->fd;
	if (rep->lowest) {
		if (cloexec != rep->cloexec)
			RAW3(SYS_fcntl, fd, F_SETFD, cloexec ? FD_CLOEXEC : 0);
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
static long reseek(long fd, unsigned long pos);

/* fd_call handles a call about descriptor f->rdi (and f->rsi for dup2 and
 * dup3): bookkeeping for close and dup, a request for a virtual one. */
static long fd_call(struct frame *f)
{
	long nr = (long)f->rax, fd = (long)f->rdi, r;
	/* One of our connections: the program has no descriptor there, and
	 * finds none, as it would without zvfs. (A shell that probes a number
	 * before it redirects it, as bash's exec 256>FILE does, would save
	 * ours and put it back over the file; a daemon closing every
	 * descriptor leaves ours open.) */
	if (is_ours(fd))
		return -EBADF;
	/* The program puts a descriptor of its own at the number of one of
	 * ours: let it, and stop using ours. */
	if ((nr == SYS_dup2 || nr == SYS_dup3) && is_ours((long)f->rsi))
		kept_lost((long)f->rsi);
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
			fd_dup(fd, r, bits);
		return r;
	case SYS_dup2:
	case SYS_dup3:
		r = raw_frame(f);
		if (r >= 0 && fd != (long)f->rsi)
			fd_dup(fd, (long)f->rsi, bits);
		return r;
	case SYS_fcntl:
		r = raw_frame(f);
		if (r >= 0 && (f->rsi == F_DUPFD || f->rsi == F_DUPFD_CLOEXEC))
			fd_dup(fd, r, bits);
		return r;
	}
	int served_only = abi_vfs_class_table[nr] == ABI_CLASS_DATA;
	if (!(bits & (served_only ? ABI_FD_SERVED : ABI_FD_VIRT)))
		return raw_frame(f);
	if (nr == SYS_ioctl) {
		/* Changing the file's flags (chattr) would change the memfd, or
		 * an overlay's lower file on the host: the mounts keep no such
		 * flags. Every other ioctl is the kernel's. */
		for (int i = 0; i < ABI_NFILE_FLAG_IOCTLS; i++)
			if ((unsigned)f->rsi == abi_file_flag_ioctls[i])
				return -ENOTTY;
		return raw_frame(f);
	}
	if (bits & ABI_FD_SERVED) {
		/* A directory's listing waits in its placeholder, queued by the
		 * supervisor (it moves with the open file description): getdents
		 * reads it there and asks only when the queue is empty. */
		unsigned long pos = 0;
		if (nr == SYS_getdents64 || nr == SYS_getdents) {
			r = listing_read(fd, f->rsi, f->rdx & 0xffffffffUL, nr == SYS_getdents64, &pos);
			if (r == LISTING_RESEEK) {
				r = reseek(fd, pos);
				if (r < 0)
					return r;
			} else if (r != VIEW_ASK) {
				return r;
			}
		}
		/* lseek empties the queue first; where it held records, the
		 * position is the first one's, not the supervisor's. */
		if (nr == SYS_lseek && listing_drop(fd, &pos) && f->rdx == SEEK_CUR && f->rsi == 0)
			return reseek(fd, pos);
	}
	if (nr == SYS_fstat)
		r = view_fstat(fd, f->rsi, 0);
	else if (nr == SYS_fchmod || nr == SYS_fchown)
		r = view_fsetattr(f, fd);
	else
		r = VIEW_ASK;
	return r != VIEW_ASK ? r : fd_request(f, fd);
}

/* reseek has the supervisor take the served directory fd back to
 * position pos of its listing (after the stub dropped what it queued). */
static long reseek(long fd, unsigned long pos)
{
	struct frame g = {0};
	g.rax = SYS_lseek;
	g.rdi = (unsigned long)fd;
	g.rsi = pos;
	g.rdx = SEEK_SET;
	return fd_request(&g, fd);
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
		cwd_change(rep.str, rep.r.len1, 1);
	return rep.r.ret;
}

static long getcwd_call(struct frame *f)
{
	char buf[PATH_MAX_];
	int virt;
	if (cwd_follow())
		return -ENOENT;
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

/* ABS_MAX bounds a path made absolute by dir_join. */
#define ABS_MAX (PATH_MAX_ * 2)

/* dir_join writes to abs (ABS_MAX bytes) the absolute form of a, a path
 * relative to the directory dirfd, as the view holds that directory: its
 * length, or -1 if the view does not hold it. */
static long dir_join(const struct path *a, long dirfd, char *abs)
{
	long n = view_dir_path(dirfd, abs, PATH_MAX_, 0, 0);
	if (n <= 0 || (unsigned long)n + 1 + (unsigned long)a->len >= ABS_MAX)
		return -1;
	abs[n] = '/';
	memcpy(abs + n + 1, a->s, (unsigned long)a->len + 1);
	return n + 1 + a->len;
}

/* note_dir has the view note fd, a directory the supervisor just opened
 * (inode ino) by the path a: absolute, or relative to the directory dirfd. */
static void note_dir(long fd, const struct path *a, long dirfd, unsigned long ino)
{
	char abs[ABS_MAX];
	long n;
	if (a->kind == P_VIRT)
		fd_note_dir(fd, a->s, (unsigned long)a->len, ino);
	else if (a->kind == P_VIRT_FD && (n = dir_join(a, dirfd, abs)) > 0)
		fd_note_dir(fd, abs, (unsigned long)n, ino);
}

/* The paths of a call, when it is not about a virtual path at all. */
static long host_call(struct frame *f, const struct abi_pathcall *pc, struct path *p1, struct path *p2)
{
	const char *s1 = p1 && p1->kind == P_HOST_ABS ? p1->s : 0;
	const char *s2 = p2 && p2->kind == P_HOST_ABS ? p2->s : 0;
	long r = issue_host(f, pc, s1, s2);
	if (pc->kind == ABI_PATH_CHDIR && r == 0)
		cwd_change(0, 0, 0);
	return r;
}

/* gone_cwd_call answers a call about "." in a removed working directory:
 * the stat family gets the directory as it was (the supervisor kept it),
 * everything else ENOENT. */
static long gone_cwd_call(struct frame *f, const struct path *p)
{
	switch (f->rax) {
	case SYS_stat:
	case SYS_lstat:
	case SYS_newfstatat:
	case SYS_statx: {
		struct reply rep;
		long r = request((unsigned)f->rax, ABI_CALL_SINCE, f, p, 0, 0, 0, &rep);
		if (r < 0)
			return r;
		if (rep.fd >= 0)
			RAW1(SYS_close, rep.fd);
		return rep.r.action == ABI_REPLY_DONE ? rep.r.ret : -ENOENT;
	}
	}
	return -ENOENT;
}

/* exe_readlink answers readlink of /proc/self/exe in an image whose
 * program is stored in a mount: its path (the kernel's link names the
 * memfd it was run from), cut to the buffer's size as readlink does. */
static long exe_readlink(struct frame *f, long nr)
{
	unsigned long buf = nr == SYS_readlink ? f->rsi : f->rdx;
	long size = (long)(nr == SYS_readlink ? f->rdx : f->r10);
	if (size <= 0)
		return -EINVAL;
	unsigned long n = zstrlen(vs.exe);
	if (n > (unsigned long)size)
		n = (unsigned long)size;
	return uwrite(buf, vs.exe, n) == (long)n ? (long)n : -EFAULT;
}

/* follows_link: does call nr (flags flagv) follow a final symbolic link,
 * as opening, stat, access and exec do? */
static int follows_link(const struct frame *f, long nr, long flagv)
{
	switch (nr) {
	case SYS_open:
		return !(f->rsi & O_NOFOLLOW);
	case SYS_openat:
		return !(f->rdx & O_NOFOLLOW);
	case SYS_stat:
	case SYS_access:
	case SYS_faccessat:
	case SYS_execve:
	case SYS_getxattr:
	case SYS_listxattr:
	case SYS_statfs:
		return 1;
	case SYS_newfstatat:
	case SYS_statx:
	case SYS_faccessat2:
	case SYS_execveat:
		return !(flagv & AT_SYMLINK_NOFOLLOW);
	}
	return 0;
}

/* changes_file tells whether call f may change the file its first path
 * names: an open for writing or truncating, truncate, and the calls that
 * change its mode, owner, times or xattrs. */
static int changes_file(const struct frame *f, long nr)
{
	unsigned long fl;
	switch (nr) {
	case SYS_open:
		fl = f->rsi;
		break;
	case SYS_openat:
		fl = f->rdx;
		break;
	case SYS_creat:
	case SYS_openat2: /* its flags are in memory: taken as writing */
	case SYS_truncate:
	case SYS_chmod:
	case SYS_fchmodat:
	case SYS_fchmodat2:
	case SYS_chown:
	case SYS_lchown:
	case SYS_fchownat:
	case SYS_utimensat:
	case SYS_utimes:
	case SYS_utime:
	case SYS_futimesat:
	case SYS_setxattr:
	case SYS_lsetxattr:
	case SYS_removexattr:
	case SYS_lremovexattr:
		return 1;
	default:
		return 0;
	}
	return (fl & O_ACCMODE) != O_RDONLY || (fl & O_TRUNC);
}

/* reads_file tells whether call f reads the attributes of the file its
 * first path names, following a final link: the stat family and the
 * xattr reads. */
static int reads_file(const struct frame *f, long nr, long flagv)
{
	switch (nr) {
	case SYS_stat:
	case SYS_newfstatat:
	case SYS_statx:
	case SYS_getxattr:
	case SYS_listxattr:
		return follows_link(f, nr, flagv);
	}
	return 0;
}

/* view_path_call answers a call on one virtual path from the view, if it
 * can: VIEW_ASK if not. */
static __attribute__((noinline)) long view_path_call(struct frame *f, const struct abi_pathcall *pc, struct path *a, int dirfd)
{
	long r;
	if (a->kind == P_VIRT_FD && a->len == 0)
		return view_fstatat(f, dirfd);
	if (a->kind == P_VIRT_FD) {
		/* Relative to a directory the view holds: its path, then the name. */
		char abs[ABS_MAX];
		long n = dir_join(a, dirfd, abs);
		return n > 0 ? view_call(f, abs, (unsigned long)n) : VIEW_ASK;
	}
	if (a->kind != P_VIRT || a->parent_only)
		return VIEW_ASK;
	r = view_call(f, a->s, (unsigned long)a->len);
	if (r == 0 && pc->kind == ABI_PATH_CHDIR) {
		char c[PATH_MAX_ * 2];
		int through = 0;
		unsigned long n = vfs_clean(a->s, (unsigned long)a->len, c, &through);
		cwd_change(c, n, 1);
	}
	return r;
}

/* ask_path_call has the supervisor answer a path call and carries out its
 * answer. Its own frame: the reply is large, and the calls the stub
 * answers without asking (an exec of a host program above all) need not
 * have it on the stack. */
static __attribute__((noinline)) long ask_path_call(struct frame *f, const unsigned long *mask, int depth,
				   const struct abi_pathcall *pc, unsigned flags, struct path *a, struct path *b,
				   int *fds, int nfds)
{
	long nr = (long)f->rax, r;
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
		r = install_fd(&rep, open_cloexec(f), (int)rep.r.fd);
		if (r >= 0 && (rep.r.fd & ABI_FD_SERVED) && rep.r.ret > 0)
			note_dir(r, a, fds[0], (unsigned long)rep.r.ret);
		return r;
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
			cwd_change(0, 0, 0);
		return r;
	}
	case ABI_REPLY_EXEC:
		return vfs_exec_virtual(f, mask, &rep, depth);
	case ABI_REPLY_AGAIN: /* only ever to an ABI_CALL_DIR1 call */
		if (rep.fd >= 0)
			RAW1(SYS_close, rep.fd);
		return VIEW_ASK;
	default:
		if (rep.fd >= 0)
			RAW1(SYS_close, rep.fd);
		if (pc->kind == ABI_PATH_CHDIR && rep.r.ret == 0 && rep.r.len1)
			cwd_change(rep.str, rep.r.len1, 1);
		return rep.r.ret;
	}
}

/* dir_path_call sends a call whose first path a is relative to the
 * directory fds[0], which the view holds, with that directory's path
 * joined with the name instead of the descriptor (ABI_CALL_DIR1): passing
 * a socket both ways and closing it cost the supervisor more than most
 * calls do. VIEW_ASK, with a as it was, if the view does not hold the
 * directory or the supervisor found it moved meanwhile. */
static __attribute__((noinline)) long dir_path_call(struct frame *f, const unsigned long *mask, int depth,
						    const struct abi_pathcall *pc, unsigned flags, struct path *a,
						    struct path *b, int *fds)
{
	char dir[PATH_MAX_];
	unsigned long dev, ino;
	long n = a->len > 0 ? view_dir_path(fds[0], dir, sizeof dir, &dev, &ino) : VIEW_ASK;
	if (n <= 0 || (unsigned long)n + 1 + (unsigned long)a->len >= sizeof a->s)
		return VIEW_ASK;
	unsigned long name = (unsigned long)a->len;
	memmove(a->s + n + 1, a->s, name + 1);
	memcpy(a->s, dir, (unsigned long)n);
	a->s[n] = '/';
	a->len = n + 1 + (long)name;
	a->kind = P_VIRT;
	a->dir_len = (unsigned long)n;
	a->dir_dev = dev;
	a->dir_ino = ino;
	long r = ask_path_call(f, mask, depth, pc, (flags & ~ABI_CALL_FD1) | ABI_CALL_DIR1, a, b, fds, 0);
	if (r == VIEW_ASK) {
		memmove(a->s, a->s + n + 1, name + 1);
		a->len = (long)name;
		a->kind = P_VIRT_FD;
	}
	return r;
}

long path_call(struct frame *f, const unsigned long *mask, int depth)
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
		r = view_fsetattr(f, fd);
		return r != VIEW_ASK ? r : fd_request(f, fd);
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
		if (p1.gone_cwd)
			return gone_cwd_call(f, &p1);
		a = &p1;
		if (p1.exe_link && p1.kind == P_HOST) {
			/* The program's link: in an image run from a mount, the
			 * kernel's names the memfd, not the program. */
			int rl = nr == SYS_readlink || nr == SYS_readlinkat;
			if (vs.exe[0] && rl)
				return exe_readlink(f, nr);
			if (vs.exe[0] && follows_link(f, nr, flagv)) {
				p1.len = (long)zstrlen(vs.exe);
				memcpy(p1.s, vs.exe, (unsigned long)p1.len + 1);
				p1.kind = P_VIRT;
			} else if (!vs.exe[0] && rl && zvfs_state.net) {
				/* Run from a mount by a process under the net, which
				 * gave no path: the net knows it (Namespace.Executed). */
				return zvfs_netcall(nr, (long)f->rdi, (long)f->rsi, (long)f->rdx, (long)f->r10, (long)f->r8,
						    (long)f->r9);
			}
		}
		if (p1.other_fd && p1.kind <= P_HOST_ABS && (changes_file(f, nr) || reads_file(f, nr, flagv))) {
			/* Another process's /proc/PID/fd/N (a subshell's
			 * /proc/$$/fd/3): the kernel's link leads to a mount file's
			 * memfd (mode 0777, the supervisor's) or to an overlay's
			 * lower file on the host. The supervisor decides with a
			 * descriptor of the same file, O_PATH, which the kernel
			 * gives only to who may follow the link, and passes back
			 * any file not its own. */
			long t = RAW3(SYS_open, p1.s, O_PATH | O_CLOEXEC, 0);
			if (t >= 0) {
				int fd1[1] = {(int)t};
				p1.kind = P_SELF;
				p1.fd = t;
				p1.len = 0;
				p1.s[0] = 0;
				r = ask_path_call(f, mask, depth, pc, ABI_CALL_FD1 | ABI_CALL_SELF1, &p1, 0, fd1, 1);
				RAW1(SYS_close, t);
				return r;
			}
		}
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
	if (v1 && !b && (r = view_path_call(f, pc, a, fds[0])) != VIEW_ASK)
		return r;
	if (p1.kind == P_VIRT_FD && nfds == 1 && pc->kind != ABI_PATH_EXEC &&
	    (r = dir_path_call(f, mask, depth, pc, flags, a, b, fds)) != VIEW_ASK)
		return r;
	return ask_path_call(f, mask, depth, pc, flags, a, b, fds, nfds);
}

/* SUN_PATH is the size of sockaddr_un's sun_path. */
#define SUN_PATH 108

/* bound: the names sockets were bound to in mounts, as the program gave
 * them (a few: servers bind few sockets), for getsockname. A slot is free
 * while ino is 0; the socket's inode tells a reused descriptor number. */
#define BOUND_MAX 32
static struct bound {
	long fd;
	unsigned long ino, len;
	unsigned char addr[2 + SUN_PATH + 1];
} bound[BOUND_MAX];
static int bound_lock;
static unsigned bound_next; /* counts the names noted: 0 while none is */

static unsigned long sock_ino(long fd)
{
	struct kstat st;
	return RAW2(SYS_fstat, fd, &st) < 0 ? 0 : st.ino;
}

/* bound_note records that socket fd was bound to the name addr (len bytes). */
static void bound_note(long fd, const unsigned char *addr, unsigned long len)
{
	unsigned long ino = sock_ino(fd), old;
	if (!ino)
		return;
	block_signals(&old);
	spin_lock(&bound_lock);
	unsigned i = 0;
	while (i < BOUND_MAX && bound[i].ino && bound[i].fd != fd)
		i++;
	if (i == BOUND_MAX)
		i = bound_next % BOUND_MAX; /* full: the oldest goes */
	bound[i].fd = fd;
	bound[i].ino = ino;
	bound[i].len = len;
	memcpy(bound[i].addr, addr, len);
	__atomic_add_fetch(&bound_next, 1, __ATOMIC_RELEASE);
	spin_unlock(&bound_lock);
	restore_signals(&old);
}

/* sockname_call is getsockname: for a socket bound in a mount, the name
 * the program bound it to (cut to the caller's buffer, with the whole
 * length, as the kernel does); for any other, the kernel's answer. */
static long sockname_call(struct frame *f)
{
	long r = raw_frame(f);
	if (r < 0 || !__atomic_load_n(&bound_next, __ATOMIC_ACQUIRE))
		return r; /* most programs bind nothing in a mount */
	struct bound b = {0};
	unsigned long old;
	block_signals(&old);
	spin_lock(&bound_lock);
	for (unsigned i = 0; i < BOUND_MAX; i++)
		if (bound[i].ino && bound[i].fd == (long)f->rdi)
			b = bound[i];
	spin_unlock(&bound_lock);
	restore_signals(&old);
	/* Only a descriptor noted at bind costs an fstat: is it that socket? */
	int room;
	if (!b.ino || sock_ino((long)f->rdi) != b.ino || uread(&room, f->rdx, sizeof room) != (long)sizeof room || room < 0)
		return r;
	unsigned long n = (unsigned long)room < b.len ? (unsigned long)room : b.len;
	unsigned len = (unsigned)b.len;
	if (uwrite(f->rsi, b.addr, n) != (long)n || uwrite(f->rdx, &len, sizeof len) != (long)sizeof len)
		return -EFAULT;
	return 0;
}

/* sock_call handles bind and connect (f->rdi, the socket; f->rsi, its
 * address; f->rdx, the address's length) of a Unix-domain socket by a
 * path: one in a mount goes to the supervisor, which binds or connects a
 * copy of the socket to the host path the mount keeps for the file; a
 * relative one from a virtual working directory that leaves the mounts is
 * made absolute. Other addresses, and abstract names, go to the kernel. */
static long sock_call(struct frame *f)
{
	unsigned long len = f->rdx;
	unsigned char sa[2 + SUN_PATH + 1];
	if ((long)(int)f->rdi < 0 || len <= 2 || len > 2 + SUN_PATH || uread(sa, f->rsi, len) != (long)len)
		return raw_frame(f); /* the kernel's answer, EFAULT included */
	if ((sa[0] | sa[1] << 8) != AF_UNIX || sa[2] == 0)
		return raw_frame(f);
	sa[len] = 0; /* the path ends at its first NUL or at the length */
	struct path p;
	long r = classify(&p, (unsigned long)(sa + 2), AT_FDCWD, 0, 0);
	if (r < 0 || p.parent_only)
		return raw_frame(f);
	if (p.kind == P_HOST_ABS) {
		if (p.len >= SUN_PATH)
			return -ENAMETOOLONG;
		memcpy(sa + 2, p.s, (unsigned long)p.len + 1);
		return RAW3(f->rax, f->rdi, sa, 2 + p.len + 1);
	}
	if (p.kind != P_VIRT)
		return raw_frame(f);
	int fds[1] = {(int)f->rdi};
	struct reply rep;
	r = request((unsigned)f->rax, ABI_CALL_FD1, f, &p, 0, fds, 1, &rep);
	if (r < 0)
		return r;
	if (rep.fd >= 0)
		RAW1(SYS_close, rep.fd);
	switch (rep.r.action) {
	case ABI_REPLY_PASS:
		return raw_frame(f);
	case ABI_REPLY_DONE:
		if (f->rax == SYS_bind && rep.r.ret == 0) {
			/* As the kernel keeps a bound name: the path and its NUL. */
			unsigned long pl = zstrlen((const char *)sa + 2);
			bound_note((long)f->rdi, sa, pl < SUN_PATH ? 2 + pl + 1 : 2 + SUN_PATH);
		}
		return rep.r.ret;
	case ABI_REPLY_HOST: /* the name led out of the mounts: the host's */
		if (rep.r.len1 >= SUN_PATH)
			return -ENAMETOOLONG;
		memcpy(sa + 2, rep.str, rep.r.len1);
		sa[2 + rep.r.len1] = 0;
		return RAW3(f->rax, f->rdi, sa, 2 + rep.r.len1 + 1);
	}
	return rep.r.ret;
}

/* vfs_call runs one call of a VFS class and returns its result. */
long vfs_call(struct frame *f, const unsigned long *mask)
{
	long nr = (long)f->rax;
	if (nr == SYS_getcwd)
		return getcwd_call(f);
	if (nr == SYS_bind || nr == SYS_connect)
		return sock_call(f);
	if (nr == SYS_getsockname)
		return sockname_call(f);
	if (nr == SYS_close_range)
		return close_range_call(f);
	if (nr == ABI_REFUSED_CALL)
		return -ENOSYS;
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
