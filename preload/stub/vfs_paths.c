/* vfs_paths.c — path arguments as the stub sees them: read from the
 * caller, made absolute against the working directory (virtual after a
 * chdir into a mount), cleaned lexically, and classified as host, virtual
 * or relative to a virtual descriptor. */
#include "vfs.h"

/* ---- paths --------------------------------------------------------------- */

/* vfs_clean writes the lexical form of the absolute path p (n bytes) into out:
 * no "." or empty components, ".." removed with its parent. *through is
 * set if some prefix of the path lies in a mount ("/data/.." must be
 * resolved by the supervisor: /data is not the host's). */
unsigned long vfs_clean(const char *p, unsigned long n, char *out, int *through)
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

/* under_mount: is the clean absolute path c inside a mount? */
int under_mount(const char *c, unsigned long n)
{
	for (int i = 0; i < vs.nmounts; i++) {
		unsigned long l = vs.mlen[i];
		const char *m = vs.mounts + vs.moff[i];
		if (n >= l && memcmp(c, m, l) == 0 && (n == l || c[l] == '/'))
			return 1;
	}
	return 0;
}

/* paths_in_mount: does a list of paths (separated by ':' or ' ', as in
 * LD_LIBRARY_PATH and LD_PRELOAD) name one inside a mount? A relative one
 * does if the working directory is virtual. */
int paths_in_mount(const char *s, unsigned long n)
{
	if (!vs.on)
		return 0;
	for (unsigned long i = 0, e; i < n; i = e + 1) {
		for (e = i; e < n && s[e] != ':' && s[e] != ' '; e++)
			;
		if (e == i)
			continue;
		if (s[i] != '/') {
			char c[PATH_MAX_];
			int virt = 0;
			cwd_copy(c, &virt);
			if (virt)
				return 1;
			continue;
		}
		char c[PATH_MAX_ * 2];
		int through = 0;
		if (e - i < PATH_MAX_ && under_mount(c, vfs_clean(s + i, e - i, c, &through)))
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
int mount_parent(const char *c, unsigned long n)
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
unsigned long cwd_copy(char *out, int *virt)
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

/* cwd_change is cwd_set for a change the program made (chdir, fchdir):
 * if the process carries the net, the supervisor learns it too, so that
 * relative paths of calls the net answers resolve as the stub's do. */
void cwd_change(const char *dir, unsigned long n, int virt)
{
	int was = vs.vcwd[0] == '/';
	cwd_set(dir, n, virt);
	if (virt || was)
		net_cwd();
}

/* cwd_set makes dir (n bytes) the working directory: virtual, or the
 * host's when virt is 0 (then dir may be 0: ask the kernel). */
void cwd_set(const char *dir, unsigned long n, int virt)
{
	unsigned long old;
	block_signals(&old);
	spin_lock(&vs.cwd_lock);
	__atomic_add_fetch(&vs.cwd_seq, 1, __ATOMIC_ACQ_REL);
	vs.cwd_moves = vs.cwd_true = view_moves();
	vs.cwd_gone = 0;
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

void cwd_view_ready(void)
{
	if (vs.cwd_moves == CWD_MOVES_UNSET)
		vs.cwd_moves = vs.cwd_true = view_moves();
}

int cwd_follow(void)
{
	int gone = __atomic_load_n(&vs.cwd_gone, __ATOMIC_RELAXED);
	if (gone || vs.vcwd[0] != '/')
		return gone; /* a host one follows by itself */
	unsigned now = view_moves(), since = __atomic_load_n(&vs.cwd_moves, __ATOMIC_ACQUIRE);
	if (now == since)
		return 0;
	struct path p;
	int virt;
	p.len = (long)cwd_copy(p.s, &virt);
	p.kind = P_VIRT;
	if (!virt)
		return 0;
	struct frame g;
	memset(&g, 0, sizeof g);
	g.rax = SYS_getcwd;
	struct reply rep;
	if (request(SYS_getcwd, ABI_CALL_SINCE, &g, &p, 0, 0, 0, &rep) < 0)
		return 0; /* no supervisor: the path as it was */
	if (rep.fd >= 0)
		RAW1(SYS_close, rep.fd);
	if (rep.r.ret == 0 && rep.r.len1 > 0 && rep.r.len1 < PATH_MAX_ && rep.str[0] == '/') {
		cwd_change(rep.str, rep.r.len1, 1);
		/* True at now (the answer saw every move up to it, at least). */
		__atomic_store_n(&vs.cwd_true, now, __ATOMIC_RELEASE);
	} else if (rep.r.ret == -ENOENT) {
		__atomic_store_n(&vs.cwd_gone, 1, __ATOMIC_RELAXED);
	}
	__atomic_store_n(&vs.cwd_moves, now, __ATOMIC_RELEASE);
	return __atomic_load_n(&vs.cwd_gone, __ATOMIC_RELAXED);
}

/* upath reads a path argument: EFAULT for one in the stub's own pages
 * (stub_page). */
long upath(unsigned long u, char *raw)
{
	if (stub_page(u))
		return -EFAULT;
	return ustr(u, raw, PATH_MAX_);
}

/* proc_dir returns what follows a process's /proc directory in p ("fd/3",
 * "cwd/x", "exe"): /proc/self/, /proc/thread-self/ or /proc/PID/, and sets
 * *own to whether it is this process's; else 0. */
static const char *proc_dir(const char *p, int *own)
{
	*own = 0;
	if (!zhasprefix(p, "/proc/"))
		return 0;
	p += 6;
	if (zhasprefix(p, "self/") || zhasprefix(p, "thread-self/")) {
		*own = 1;
		return p + (p[0] == 's' ? 5 : 12);
	}
	const char *q = p;
	while (*q >= '0' && *q <= '9')
		q++;
	if (q == p || *q != '/')
		return 0;
	char pid[24];
	unsigned long n = (unsigned long)(zutoa(pid, (unsigned long)RAW0(SYS_getpid)) - pid);
	*own = (unsigned long)(q - p) == n && memcmp(p, pid, n) == 0;
	return q + 1;
}

/* fd_number returns the descriptor number q spells, digits to its end,
 * else -1. */
static long fd_number(const char *q)
{
	if (*q < '0' || *q > '9')
		return -1;
	long v = 0;
	for (; *q >= '0' && *q <= '9'; q++)
		if ((v = v * 10 + (*q - '0')) >= ABI_MAX_FD)
			return -1;
	return *q ? -1 : v;
}

/* self_fd returns N if p is /dev/fd/N, or own (what follows this process's
 * /proc directory in p) is fd/N, and 0, 1 or 2 for /dev/stdin, /dev/stdout
 * and /dev/stderr (links to /proc/self/fd/0...); else -1. */
static long self_fd(const char *p, const char *own)
{
	static const char *const std[3] = {"stdin", "stdout", "stderr"};
	if (zhasprefix(p, "/dev/")) {
		p += 5;
		for (long i = 0; i < 3; i++)
			if (zhasprefix(p, std[i]) && !p[zstrlen(std[i])])
				return i;
		return zhasprefix(p, "fd/") ? fd_number(p + 3) : -1;
	}
	return own && zhasprefix(own, "fd/") ? fd_number(own + 3) : -1;
}

/* self_link returns the rest of own (what follows this process's /proc
 * directory in a path: "/x", or "/" for "cwd/") if it goes through the
 * working directory's or the root's link, and sets *cwd to whether it is
 * the working directory's; else 0. */
static const char *self_link(const char *own, int *cwd)
{
	*cwd = zhasprefix(own, "cwd/");
	if (!*cwd && !zhasprefix(own, "root/"))
		return 0;
	return own + (*cwd ? 3 : 4);
}

/* only_dots: is the relative path s "." in any spelling ("./", ".//.")? */
static int only_dots(const char *s)
{
	for (; *s; s++)
		if (*s != '/' && !(*s == '.' && (s[1] == '/' || !s[1])))
			return 0;
	return 1;
}

/* plain: is the absolute path s (n bytes, NUL-terminated) clean as it is:
 * no empty, "." or ".." component, no final slash? Most paths are. */
static int plain(const char *s, unsigned long n)
{
	if (n < 2 || s[n - 1] == '/')
		return 0;
	for (unsigned long i = 0; i < n; i++)
		if (s[i] == '/' && (s[i + 1] == '/' ||
				    (s[i + 1] == '.' && (s[i + 2] == '/' || !s[i + 2] ||
							 (s[i + 2] == '.' && (s[i + 3] == '/' || !s[i + 3]))))))
			return 0;
	return 1;
}

/* classify reads the path at user address u, relative to dirfd, and says
 * where it lives. Returns 0 or -errno (EFAULT, ENAMETOOLONG). */
long classify(struct path *p, unsigned long u, long dirfd, int empty_ok, int opens)
{
	char raw[PATH_MAX_];
	long n = upath(u, raw);
	if (n == -EFAULT)
		return -EFAULT;
	if (n < 0)
		return -ENAMETOOLONG;
	p->kind = P_HOST;
	p->parent_only = 0;
	p->gone_cwd = 0;
	p->exe_link = 0;
	p->other_fd = 0;
	if (n == 0) {
		/* "" names dirfd itself with AT_EMPTY_PATH, else ENOENT (kernel). */
		if (empty_ok && dirfd != AT_FDCWD && (fd_bits(dirfd) & ABI_FD_VIRT))
			p->kind = P_VIRT_FD;
		p->len = 0;
		p->s[0] = 0;
		return 0;
	}
	char c[PATH_MAX_ * 2];
	int mine;
	const char *in_proc = proc_dir(raw, &mine), *own = mine ? in_proc : 0;
	long self = self_fd(raw, own);
	if (self >= 0 && (fd_bits(self) & ABI_FD_VIRT)) {
		/* /proc/self/fd/N of a virtual descriptor: the kernel's link
		 * would lead to our placeholder or memfd, not the file. */
		p->kind = P_SELF;
		p->fd = self;
		p->len = 0;
		p->s[0] = 0;
		return 0;
	}
	/* Another process's /proc/PID/fd/N: the kernel's link leads to a
	 * mount file's memfd or to an overlay's lower file (path_call). */
	p->other_fd = in_proc && !mine && zhasprefix(in_proc, "fd/") && fd_number(in_proc + 3) >= 0;
	int cwd;
	const char *rest = own ? self_link(own, &cwd) : 0;
	p->exe_link = own && own[0] == 'e' && own[1] == 'x' && own[2] == 'e' && !own[3];
	if (rest) {
		/* A path through the working directory's link, which leads to
		 * the host directory the process last had, not to a virtual
		 * one; or through the root's, which is "/": the path after it
		 * is the one to look at (it may be in a mount). */
		int virt = 0;
		unsigned long k = cwd ? cwd_copy(c, &virt) : 0, r = zstrlen(rest);
		if (virt || !cwd) {
			if (k + r >= PATH_MAX_)
				return -ENAMETOOLONG;
			memcpy(c + k, rest, r + 1);
			memcpy(raw, c, k + r + 1);
			n = (long)(k + r);
		}
	}
	if (raw[0] == '/') {
		memcpy(p->s, raw, (unsigned long)n + 1);
		p->len = n;
		if (plain(raw, (unsigned long)n)) {
			/* Its own clean form: in a mount if it starts with one
			 * (every prefix of it is one of its starts), without
			 * vfs_clean's pass. */
			if (under_mount(raw, (unsigned long)n)) {
				p->kind = P_VIRT;
			} else if (opens && mount_parent(raw, (unsigned long)n)) {
				p->kind = P_VIRT;
				p->parent_only = 1;
			}
			return 0;
		}
	} else if (dirfd == AT_FDCWD) {
		/* In a removed working directory only ".." still leads
		 * somewhere (the kernel keeps the directory's parent), and "."
		 * is the directory as it was. */
		if (cwd_follow() && !(raw[0] == '.' && raw[1] == '.' && (raw[2] == '/' || !raw[2]))) {
			if (!only_dots(raw))
				return -ENOENT;
			p->kind = P_VIRT;
			p->gone_cwd = 1;
			p->len = (long)cwd_copy(p->s, &(int){0});
			return 0;
		}
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
	unsigned long cn = vfs_clean(p->s, (unsigned long)p->len, c, &through);
	if (through) {
		p->kind = P_VIRT;
	} else if (opens && mount_parent(c, cn)) {
		p->kind = P_VIRT;
		p->parent_only = 1;
	}
	return 0;
}
