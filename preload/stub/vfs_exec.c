/* vfs_exec.c — exec, and what crosses it: a program in a mount is run
 * through the descriptor the supervisor sends (a #! script by its
 * interpreter); the mounts, the virtual working directory and the virtual
 * descriptors go to the new image in its environment, which vfs_init reads
 * back. */
#include "vfs.h"

static const char env_mounts[] = ABI_ENV_MOUNTS "=";
static const char env_cwd[] = ABI_ENV_CWD "=";
static const char env_fds[] = ABI_ENV_FDS "=";
static const char env_exe[] = ABI_ENV_EXE "=";

/* vfs_exec_host execs a host program, at path s when it changed. */
long vfs_exec_host(struct frame *f, const unsigned long *mask, const char *s)
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
	return exec_hooked(&g, at, mask, 0, 0);
}

/* vfs_exec_virtual execs a program that lives in a mount: an ELF file
 * through the descriptor the supervisor passed, a #! script by running its
 * interpreter (which may be virtual too) on the script's path, as the kernel
 * would. */
long vfs_exec_virtual(struct frame *f, const unsigned long *mask, struct reply *rep, int depth)
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
		/* The program's path (links resolved; the reply's first string)
		 * stands for the memfd in the new image's /proc/self/exe. */
		long r = exec_hooked(&g, 1, mask, rep->str, !(rep->r.ret & ABI_EXEC_HOST_LOADER));
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

static void net_inherit(void);

/* vfs_init sets the VFS up from the environment, before the class table is
 * sealed: ZVFS_MOUNTS turns it on. */
void vfs_init(const char *mounts, const char *cwd, const char *fds, const char *exe)
{
	if (!mounts || !*mounts)
		return;
	if (exe && exe[0] == '/' && zstrlen(exe) < sizeof vs.exe)
		memcpy(vs.exe, exe, zstrlen(exe) + 1);
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
	if (zvfs_state.net) {
		net_inherit();
		return;
	}
	long moves = cwd && *cwd >= '0' && *cwd <= '9' ? parse_num(&cwd) : -1;
	if (moves >= 0 && cwd[0] == ':')
		cwd++;
	if (cwd && cwd[0] == '/' && zstrlen(cwd) < PATH_MAX_)
		cwd_set(cwd, zstrlen(cwd), 1);
	else
		cwd_set(0, 0, 0);
	/* The view is not mapped yet: the count comes with the path, or is
	 * the view's once mapped (cwd_view_ready). */
	vs.cwd_moves = vs.cwd_true = moves >= 0 ? (unsigned)moves : CWD_MOVES_UNSET;
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

/* NET_INHERIT_FDS: how many descriptors net_inherit checks. */
#define NET_INHERIT_FDS 256

/* net_inherit sets the working directory and descriptors up in a process
 * that carries the net. The variables of the environment may be stale: a
 * static program before this image changed both without a stub. The net
 * knows: the stub's calls during start-up do not leave from the gate yet,
 * so the net answers this getcwd with the virtual working directory, if
 * there is one. Every open descriptor may be virtual: the supervisor
 * checks each on its first call (one round trip), as for a stale bit. */
static void net_inherit(void)
{
	cwd_set(0, 0, 0);
	unsigned long n = zstrlen(vs.hcwd);
	if (n && under_mount(vs.hcwd, n))
		cwd_set(vs.hcwd, n, 1);
	vs.cwd_moves = CWD_MOVES_UNSET;
	for (long fd = 0; fd < NET_INHERIT_FDS; fd++)
		if (RAW2(SYS_fcntl, fd, F_GETFD) >= 0)
			fd_set(fd, ABI_FD_VIRT | ABI_FD_SERVED);
}

/* vfs_env writes the VFS variables for a new image into buf (cap bytes) as
 * consecutive NUL-terminated strings, storing pointers in out: with exe,
 * the path of its program, stored in a mount. Returns the number of
 * variables. */
int vfs_env(char *buf, unsigned long cap, unsigned long *out, const char *exe)
{
	if (!vs.on || cap < 4 * PATH_MAX_ + 64)
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
	cwd_follow();
	unsigned long n = cwd_copy(cwd, &virt);
	if (virt) {
		/* MOVES:PATH, the count it is true at (cwd_follow). */
		out[k++] = (unsigned long)s;
		memcpy(s, env_cwd, sizeof env_cwd - 1);
		s += sizeof env_cwd - 1;
		s = zutoa(s, __atomic_load_n(&vs.cwd_true, __ATOMIC_ACQUIRE));
		*s++ = ':';
		memcpy(s, cwd, n + 1);
		s += n + 1;
	}
	out[k++] = (unsigned long)s;
	memcpy(s, env_fds, sizeof env_fds - 1);
	s += sizeof env_fds - 1;
	volatile unsigned long *v = fdmap(ABI_FD_VIRT_ADDR);
	int first = 1;
	unsigned long words = (zvfs_state.fd_high ? ABI_MAX_FD : FD_LOW) / 64;
	for (unsigned long w = 0; w < words; w++) {
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
	unsigned long en = exe ? zstrlen(exe) : 0;
	if (en && en < PATH_MAX_ && (unsigned long)(end - s) > sizeof env_exe + en + 64) {
		out[k++] = (unsigned long)s;
		memcpy(s, env_exe, sizeof env_exe - 1);
		s += sizeof env_exe - 1;
		memcpy(s, exe, en + 1);
		s += en + 1;
	}
	return k;
}

int vfs_on(void) { return vs.on; }
