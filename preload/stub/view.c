/* view.c — answers from the namespace view: the supervisor publishes the
 * names of its mounts in a region of shared memory (internal/abi/view.go)
 * that this process maps read-only; stat, access, readlink and read-only
 * opens of a name found there are answered without a message. Anything the
 * view cannot answer exactly (a name it does not hold, a file being
 * written, a caller whose rights it cannot judge) returns VIEW_ASK and
 * takes the round trip, so the view only ever makes calls faster. */
#include "zvfs.h"

/* struct statx as the kernel lays it out on x86-64. */
struct kstatx_ts {
	long sec;
	unsigned nsec;
	int pad;
};
struct kstatx {
	unsigned mask, blksize;
	unsigned long attributes;
	unsigned nlink, uid, gid;
	unsigned short mode, pad0;
	unsigned long ino, size, blocks, attributes_mask;
	struct kstatx_ts atime, btime, ctime, mtime;
	unsigned rdev_major, rdev_minor, dev_major, dev_minor;
	unsigned long spare[14];
};
_Static_assert(sizeof(struct kstatx) == 256, "struct statx");

/* Who the caller is, for permission checks: read once, forgotten at any
 * change of credentials (view_creds_changed). */
enum { CRED_UNREAD, CRED_PLAIN, CRED_PRIV, CRED_UNKNOWN };
struct creds {
	int state;
	unsigned ruid, euid, fsuid, rgid, egid, fsgid;
	int ngroups;
	unsigned groups[64];
};

static struct {
	const unsigned char *base; /* the mapping; 0: no view */
	char fds[32];              /* the supervisor's "/proc/PID/fd/", where its memfds are reopened */
	unsigned long fds_len;
	long fd_dir;               /* 1 + that directory kept open (kept_hold); 0: none yet */
	char spec[40];             /* ZVFS_VIEW, passed on at exec */
	struct creds cr;
	int cred_lock;
} vw;

static const char env_view[] = ABI_ENV_VIEW "=";

void view_init(const char *spec)
{
	if (!spec)
		return;
	unsigned long n = zstrlen(spec);
	if (n >= sizeof vw.spec)
		return;
	char path[64] = "/proc/", *p = path + 6;
	const char *s = spec;
	while (*s >= '0' && *s <= '9' && p < path + 20)
		*p++ = *s++;
	if (*s++ != ':' || p == path + 6)
		return;
	memcpy(p, "/fd/", 4);
	p += 4;
	vw.fds_len = (unsigned long)(p - path);
	memcpy(vw.fds, path, vw.fds_len);
	while (*s >= '0' && *s <= '9' && p < path + 60)
		*p++ = *s++;
	*p = 0;
	if (*s)
		return;
	/* A process that cannot reach the supervisor's /proc entries (it
	 * changed its user) has no view: every call asks. */
	long fd = RAW3(SYS_open, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	long m = RAW6(SYS_mmap, 0, ABI_VIEW_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	RAW1(SYS_close, fd);
	if (is_err(m))
		return;
	if (((const struct abi_view_header *)m)->magic != ABI_VIEW_MAGIC) {
		RAW2(SYS_munmap, m, ABI_VIEW_SIZE);
		return;
	}
	memcpy(vw.spec, spec, n + 1);
	vw.base = (const unsigned char *)m;
	/* A process that starts from the start table hears no hello's
	 * answer: the view asks for its counters instead. */
	if (((const struct abi_view_header *)m)->flags & ABI_VIEW_HEADER_WANT_REPORTS)
		zvfs_state.want_reports = 1;
}

unsigned view_moves(void)
{
	if (!vw.base)
		return 0;
	return __atomic_load_n(&((const struct abi_view_header *)vw.base)->moves, __ATOMIC_ACQUIRE);
}

int view_env(char *buf, unsigned long cap)
{
	unsigned long n = zstrlen(vw.spec);
	if (!vw.base || cap < sizeof env_view + n)
		return 0;
	memcpy(buf, env_view, sizeof env_view - 1);
	memcpy(buf + sizeof env_view - 1, vw.spec, n + 1);
	return 1;
}

/* ---- reading the view ------------------------------------------------------ */

static unsigned view_hash(const char *p, unsigned long n)
{
	unsigned h = ABI_VIEW_HASH_SEED;
	for (unsigned long i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= ABI_VIEW_HASH_MUL;
	}
	return h;
}

static unsigned seq_load(void)
{
	return __atomic_load_n(&((const struct abi_view_header *)vw.base)->seq, __ATOMIC_ACQUIRE);
}

/* A reader copies what it needs between read_begin and read_end, and tries
 * again (at most READ_TRIES times) while the supervisor was changing the
 * view: read_begin fails while a change is under way, read_end if one
 * happened since read_begin. */
#define READ_TRIES 100

static int read_begin(unsigned *s)
{
	*s = seq_load();
	if (*s & 1)
		__asm__ volatile("pause");
	return !(*s & 1);
}

static int read_end(unsigned s)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return seq_load() == s;
}

/* entry_find looks p (n bytes) up in the view as it is now; it may read a
 * half-changed view, so it checks every index and offset, and the caller
 * checks the sequence counter afterwards. */
static const struct abi_view_entry *entry_find(const char *p, unsigned long n)
{
	unsigned h = view_hash(p, n);
	const unsigned *buckets = (const unsigned *)(vw.base + ABI_VIEW_BUCKETS_OFF);
	const struct abi_view_entry *ents = (const struct abi_view_entry *)(vw.base + ABI_VIEW_ENTRIES_OFF);
	const char *heap = (const char *)(vw.base + ABI_VIEW_HEAP_OFF);
	unsigned idx = __atomic_load_n(&buckets[h & (ABI_VIEW_BUCKETS - 1)], __ATOMIC_RELAXED);
	for (int steps = 0; idx && steps < 4096; steps++) {
		if (idx > ABI_VIEW_ENTRIES)
			return 0;
		const struct abi_view_entry *e = &ents[idx - 1];
		unsigned off = e->path_off, len = e->path_len;
		if (e->hash == h && len == n && (unsigned long)off + n <= ABI_VIEW_HEAP_SIZE &&
		    memcmp(heap + off, p, n) == 0)
			return e;
		idx = __atomic_load_n(&e->next, __ATOMIC_RELAXED);
	}
	return 0;
}

/* What a lookup found, copied out of the view. */
struct found {
	int hit;                   /* 1: e is p's entry; 0: p does not exist; -1: ask */
	unsigned slot;             /* for a hit: the entry's index + 1 */
	struct abi_view_entry e;
	char target[PATH_MAX_];    /* a link's target or the host file, NUL-terminated */
};

/* view_lookup finds p (a clean absolute path, n bytes) in one consistent
 * state of the view: its entry, or that it does not exist (its directory is
 * complete and searchable for the caller, anyone's or, if priv, root's,
 * and p is not in it). */
static void view_lookup(const char *p, unsigned long n, int priv, struct found *out)
{
	for (int tries = 0; tries < READ_TRIES; tries++) {
		unsigned s1;
		if (!read_begin(&s1))
			continue;
		int hit = -1;
		const struct abi_view_entry *e = entry_find(p, n);
		if (e) {
			memcpy(&out->e, (const void *)e, sizeof out->e);
			out->slot = (unsigned)(e - (const struct abi_view_entry *)(vw.base + ABI_VIEW_ENTRIES_OFF)) + 1;
			hit = 1;
			unsigned tl = out->e.target_len, to = out->e.target_off;
			if (tl >= PATH_MAX_ || (unsigned long)to + tl > ABI_VIEW_HEAP_SIZE)
				hit = -1;
			else {
				memcpy(out->target, vw.base + ABI_VIEW_HEAP_OFF + to, tl);
				out->target[tl] = 0;
			}
		} else {
			/* p does not exist if the deepest directory above it
			 * that the view holds is complete (so the next name down
			 * is not in it) and the caller may search it, with no
			 * mount's root on the way (a mount's names are not its
			 * parent's). */
			unsigned long d = n;
			while (d > 1 && !vfs_is_mount(p, d)) {
				while (d > 0 && p[d - 1] != '/')
					d--;
				if (d > 1)
					d--;
				const struct abi_view_entry *pe = entry_find(p, d);
				if (!pe)
					continue;
				unsigned f = pe->flags, mode = pe->mode;
				if ((f & ABI_VIEW_COMPLETE) && (mode & S_IFMT) == S_IFDIR &&
				    (priv || ((f & ABI_VIEW_SEARCH) && (mode & 0111) == 0111)))
					hit = 0;
				break;
			}
		}
		if (read_end(s1)) {
			out->hit = hit;
			return;
		}
	}
	out->hit = -1;
}

/* data_hash is abi.ViewDataHash. */
static unsigned data_hash(unsigned long dev, unsigned long ino)
{
	unsigned h = ABI_VIEW_HASH_SEED;
	unsigned long key[2] = {dev, ino};
	const unsigned char *k = (const unsigned char *)key;
	for (int i = 0; i < 16; i++) {
		h ^= k[i];
		h *= ABI_VIEW_HASH_MUL;
	}
	return h;
}

/* data_find looks up the entry of a regular file by its data's kernel
 * identity in the view as it is now (the caller checks the counter). */
static const struct abi_view_entry *data_find(unsigned long dev, unsigned long ino)
{
	unsigned h = data_hash(dev, ino);
	const unsigned *buckets = (const unsigned *)(vw.base + ABI_VIEW_DATA_OFF);
	const struct abi_view_entry *ents = (const struct abi_view_entry *)(vw.base + ABI_VIEW_ENTRIES_OFF);
	unsigned idx = __atomic_load_n(&buckets[h & (ABI_VIEW_BUCKETS - 1)], __ATOMIC_RELAXED);
	for (int steps = 0; idx && idx <= ABI_VIEW_ENTRIES && steps < 4096; steps++) {
		const struct abi_view_entry *e = &ents[idx - 1];
		if (e->data_dev == dev && e->data_ino == ino)
			return e;
		idx = __atomic_load_n(&e->data_next, __ATOMIC_RELAXED);
	}
	return 0;
}

/* view_start copies what the start table says of the file dev, ino with
 * this size, mtime and ctime (nanoseconds): its blob, the site offsets and
 * then the copy's path, into out (cap bytes), and the number of sites into
 * *nsites. Returns the blob's length, or -1 when the table does not say. */
long view_start(unsigned long dev, unsigned long ino, long size, long mtime, long ctime, void *out, unsigned long cap,
		unsigned *nsites)
{
	if (!vw.base)
		return -1;
	const struct abi_view_start *tab = (const struct abi_view_start *)(vw.base + ABI_VIEW_STARTS_OFF);
	for (int tries = 0; tries < READ_TRIES; tries++) {
		unsigned s1;
		if (!read_begin(&s1))
			continue;
		long got = -1;
		unsigned h = data_hash(dev, ino);
		for (unsigned k = 0; k < ABI_VIEW_STARTS; k++) {
			struct abi_view_start v;
			memcpy(&v, (const void *)&tab[(h + k) & (ABI_VIEW_STARTS - 1)], sizeof v);
			if (!(v.flags & ABI_VIEW_USED))
				break;
			if (v.dev != dev || v.ino != ino)
				continue;
			unsigned long len = 8 * (unsigned long)v.nsites + v.copy_len;
			if (v.size == size && v.mtime == mtime && v.ctime == ctime && len <= cap &&
			    (unsigned long)v.blob_off + len <= ABI_VIEW_HEAP_SIZE) {
				memcpy(out, vw.base + ABI_VIEW_HEAP_OFF + v.blob_off, len);
				*nsites = v.nsites;
				got = (long)len;
			}
			break;
		}
		if (read_end(s1))
			return got;
	}
	return -1;
}

/* ---- who asks ---------------------------------------------------------------- */

void view_creds_changed(void)
{
	__atomic_store_n(&vw.cr.state, CRED_UNREAD, __ATOMIC_RELEASE);
}

struct capdata {
	unsigned effective, permitted, inheritable;
};

static const struct creds *creds(void)
{
	if (__atomic_load_n(&vw.cr.state, __ATOMIC_ACQUIRE) != CRED_UNREAD)
		return &vw.cr;
	unsigned long old;
	block_signals(&old);
	spin_lock(&vw.cred_lock);
	struct creds c;
	c.state = CRED_PLAIN;
	unsigned suid;
	RAW3(SYS_getresuid, &c.ruid, &c.euid, &suid);
	RAW3(SYS_getresgid, &c.rgid, &c.egid, &suid);
	c.fsuid = (unsigned)RAW1(SYS_setfsuid, -1);
	c.fsgid = (unsigned)RAW1(SYS_setfsgid, -1);
	long ng = RAW2(SYS_getgroups, 64, c.groups);
	c.ngroups = ng < 0 ? 0 : (int)ng;
	if (ng < 0)
		c.state = CRED_UNKNOWN;
	struct {
		unsigned version;
		int pid;
	} hdr = {LINUX_CAPABILITY_VERSION_3, 0};
	struct capdata cd[2];
	unsigned long dac = (1UL << CAP_DAC_OVERRIDE) | (1UL << CAP_DAC_READ_SEARCH);
	if (RAW2(SYS_capget, &hdr, cd) < 0)
		c.state = CRED_UNKNOWN;
	else if (c.fsuid == 0)
		c.state = (cd[0].effective & dac) == dac && c.state == CRED_PLAIN ? CRED_PRIV : CRED_UNKNOWN;
	else if (cd[0].effective & dac)
		c.state = CRED_UNKNOWN;
	vw.cr = c;
	spin_unlock(&vw.cred_lock);
	restore_signals(&old);
	return &vw.cr;
}

static int in_group(const struct creds *c, unsigned gid, unsigned g)
{
	if (g == gid)
		return 1;
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == g)
			return 1;
	return 0;
}

/* permitted: may uid/gid (with c's groups) do mask (R_OK, W_OK, X_OK) on
 * e? As the kernel's generic_permission decides for a caller without
 * capabilities, or with CAP_DAC_OVERRIDE when c is privileged. */
static int permitted(const struct creds *c, unsigned uid, unsigned gid, const struct abi_view_entry *e, unsigned mask)
{
	unsigned mode = e->mode;
	if (c->state == CRED_PRIV)
		return !(mask & X_OK) || (mode & S_IFMT) == S_IFDIR || (mode & 0111);
	unsigned bits;
	if (uid == e->uid)
		bits = mode >> 6;
	else if (in_group(c, gid, e->gid))
		bits = mode >> 3;
	else
		bits = mode;
	return (bits & mask) == mask;
}

/* searchable: may the caller reach e at all? */
static int searchable(const struct creds *c, const struct abi_view_entry *e)
{
	return (e->flags & ABI_VIEW_SEARCH) || c->state == CRED_PRIV;
}

/* ---- the calls --------------------------------------------------------------- */

/* path_has_dots: does the path p (n bytes) hold a ".." component? */
static int path_has_dots(const char *p, unsigned long n)
{
	for (unsigned long i = 0; i + 1 < n; i++)
		if (p[i] == '.' && p[i + 1] == '.' && (i == 0 || p[i - 1] == '/') && (i + 2 == n || p[i + 2] == '/'))
			return 1;
	return 0;
}

/* names_fit: is every name of p (n bytes) at most NAME_MAX long? (A longer
 * one is ENAMETOOLONG, whatever the view holds.) */
static int names_fit(const char *p, unsigned long n)
{
	unsigned long len = 0;
	for (unsigned long i = 0; i < n; i++) {
		len = p[i] == '/' ? 0 : len + 1;
		if (len > 255)
			return 0;
	}
	return 1;
}

/* resolve looks the clean path p up, following a final symbolic link if
 * follow is set (within mounts, without "..": anything else asks). */
static void resolve(const char *p, unsigned long n, int follow, int priv, struct found *fd)
{
	char c[PATH_MAX_];
	memcpy(c, p, n);
	for (int links = 0;; links++) {
		view_lookup(c, n, priv, fd);
		if (fd->hit != 1 || !follow || (fd->e.mode & S_IFMT) != S_IFLNK)
			return;
		unsigned long tl = fd->e.target_len;
		if (links >= 8 || tl == 0 || path_has_dots(fd->target, tl)) {
			fd->hit = -1;
			return;
		}
		/* The link's directory, then its target. */
		char next[PATH_MAX_];
		unsigned long k = 0;
		if (fd->target[0] != '/') {
			k = n;
			while (k > 0 && c[k - 1] != '/')
				k--;
		}
		if (k + tl >= PATH_MAX_) {
			fd->hit = -1;
			return;
		}
		memcpy(next, c, k);
		memcpy(next + k, fd->target, tl);
		int through = 0;
		char out[PATH_MAX_ * 2];
		n = vfs_clean(next, k + tl, out, &through);
		if (!through || n >= PATH_MAX_ || !names_fit(out, n)) {
			fd->hit = -1;
			return;
		}
		memcpy(c, out, n);
	}
}

static long put_user(unsigned long dst, const void *src, unsigned long n)
{
	return uwrite(dst, src, n) == (long)n ? 0 : -EFAULT;
}

static long do_stat(const struct found *fd, unsigned long buf, int statx)
{
	const struct abi_view_entry *e = &fd->e;
	if (statx) {
		struct kstatx x;
		memset(&x, 0, sizeof x);
		x.mask = STATX_BASIC_STATS;
		x.blksize = 4096;
		x.nlink = (unsigned)e->nlink;
		x.uid = e->uid;
		x.gid = e->gid;
		x.mode = (unsigned short)e->mode;
		x.ino = e->ino;
		x.size = (unsigned long)e->size;
		x.blocks = (unsigned long)e->blocks;
		x.atime.sec = e->atime;
		x.atime.nsec = e->atime_nsec;
		x.ctime.sec = e->ctime;
		x.ctime.nsec = e->ctime_nsec;
		x.mtime.sec = e->mtime;
		x.mtime.nsec = e->mtime_nsec;
		x.dev_major = (unsigned)(((e->dev >> 32) & 0xfffff000) | ((e->dev >> 8) & 0xfff));
		x.dev_minor = (unsigned)(((e->dev >> 12) & 0xffffff00) | (e->dev & 0xff));
		return put_user(buf, &x, sizeof x);
	}
	struct kstat s;
	memset(&s, 0, sizeof s);
	s.dev = e->dev;
	s.ino = e->ino;
	s.nlink = e->nlink;
	s.mode = e->mode;
	s.uid = e->uid;
	s.gid = e->gid;
	s.size = e->size;
	s.blksize = 4096;
	s.blocks = e->blocks;
	s.atime = e->atime;
	s.atime_nsec = e->atime_nsec;
	s.mtime = e->mtime;
	s.mtime_nsec = e->mtime_nsec;
	s.ctime = e->ctime;
	s.ctime_nsec = e->ctime_nsec;
	return put_user(buf, &s, sizeof s);
}

/* proc_fds returns the supervisor's /proc/PID/fd, opened once (O_PATH) and
 * kept: a reopen through it walks one name, not four (~1 µs here). The
 * kernel still checks the caller's right to it at every reopen. -1 if it
 * cannot be kept. */
static long proc_fds(void)
{
	long cur = __atomic_load_n(&vw.fd_dir, __ATOMIC_ACQUIRE);
	if (cur > 0 && is_ours(cur - 1))
		return cur - 1; /* else the program closed it, or this is a forked child */
	long fd = RAW3(SYS_open, vw.fds, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	long hi = kept_hold(fd);
	if (hi < 0)
		return -1;
	if (!__atomic_compare_exchange_n(&vw.fd_dir, &cur, hi + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		kept_release(hi); /* another thread kept one first */
		return cur > 0 && is_ours(cur - 1) ? cur - 1 : -1;
	}
	return hi;
}

/* writer_mode puts into *mode the permission bits a writer has left on the
 * data fd is open on (view_fsetattr), if there are any: it matters for an
 * entry that says a writer may be out (no ABI_VIEW_STAT). 0, or -1 when
 * they cannot be read. */
static int writer_mode(long fd, unsigned *mode)
{
	unsigned m;
	long r = RAW4(SYS_fgetxattr, fd, ABI_MODE_XATTR, &m, sizeof m);
	if (r == -ENODATA)
		return 0;
	if (r != sizeof m)
		return -1;
	*mode = (*mode & ~01777u) | (m & 01777);
	return 0;
}

/* do_open opens the file of e for the caller itself (whose credentials
 * are cr): a mem file by reopening the supervisor's memfd, a host file by
 * its path; then checks it reached that file (a descriptor number may have
 * been reused since). */
static long do_open(const struct found *fd, long flags, const struct creds *cr)
{
	const struct abi_view_entry *e = &fd->e;
	char path[64], *p = path;
	long dir = AT_FDCWD;
	const char *target = path;
	if (e->flags & ABI_VIEW_OPEN_DATA) {
		if ((dir = proc_fds()) < 0) {
			dir = AT_FDCWD;
			memcpy(p, vw.fds, vw.fds_len);
			p += vw.fds_len;
		}
		*zutoa(p, (unsigned long)(unsigned)e->data_fd) = 0;
		flags &= ~(long)O_NOFOLLOW; /* the /proc entry is a link */
	} else if (e->flags & ABI_VIEW_OPEN_HOST) {
		target = fd->target;
		flags |= O_NOFOLLOW;
	} else {
		return VIEW_ASK;
	}
	long r = RAW4(SYS_openat, dir, target, flags, 0);
	if (r < 0)
		return r == -EMFILE || r == -ENFILE ? r : VIEW_ASK;
	struct kstat st;
	if (RAW2(SYS_fstat, r, &st) < 0 || st.dev != e->data_dev || st.ino != e->data_ino) {
		RAW1(SYS_close, r);
		return VIEW_ASK;
	}
	/* The caller's right was judged on the entry's mode: a writer may
	 * have changed it since. */
	if (!(e->flags & ABI_VIEW_STAT)) {
		struct abi_view_entry w = *e;
		if (writer_mode(r, &w.mode) < 0 || !permitted(cr, cr->fsuid, cr->fsgid, &w, R_OK)) {
			RAW1(SYS_close, r);
			return VIEW_ASK;
		}
	}
	vfs_mark(r);
	return r;
}

static long dir_fstat(long fd, unsigned long buf, int statx);

/* fd_entry copies the view's entry of the kernel-backed file fd into *e,
 * and its fstat into *ks, both as they were at one moment. 0, or VIEW_ASK
 * when fd is not a regular file the view holds. */
static long fd_entry(long fd, struct kstat *ks, struct abi_view_entry *e)
{
	for (int tries = 0; tries < READ_TRIES; tries++) {
		/* The kernel's half between two reads of an unmoved counter, the
		 * entry's after it: both held together at the moment of the
		 * fstat. */
		unsigned s1;
		if (!read_begin(&s1))
			continue;
		if (RAW2(SYS_fstat, fd, ks) < 0 || (ks->mode & S_IFMT) != S_IFREG)
			return VIEW_ASK;
		const struct abi_view_entry *v = data_find(ks->dev, ks->ino);
		if (v)
			memcpy(e, (const void *)v, sizeof *e);
		if (!read_end(s1))
			continue;
		return v ? 0 : VIEW_ASK;
	}
	return VIEW_ASK;
}

/* view_fstat answers fstat (or statx, for statx set) of fd, a virtual
 * descriptor, if it is a served directory (dir_fstat) or a kernel-backed
 * file the view holds: its size,
 * blocks and times are the kernel's (exact even while it is written), the
 * rest the entry's. A file with other names or set-ID bits (a write by
 * someone else may clear them) asks. */
long view_fstat(long fd, unsigned long buf, int statx)
{
	if (!vw.base)
		return VIEW_ASK;
	if (fd_bits(fd) & ABI_FD_SERVED)
		return dir_fstat(fd, buf, statx);
	struct kstat ks;
	struct found fd_;
	struct abi_view_entry *e = &fd_.e;
	if (fd_entry(fd, &ks, e) == VIEW_ASK)
		return VIEW_ASK;
	if (e->nlink != 1 || (e->mode & 06000) || (e->mode & S_IFMT) != S_IFREG)
		return VIEW_ASK;
	if (!(e->flags & ABI_VIEW_STAT)) {
		/* A writer's mode, the same before an fstat and after it: the
		 * mode and the ctime of one moment. */
		unsigned before = e->mode, after = e->mode;
		if (writer_mode(fd, &before) < 0 || RAW2(SYS_fstat, fd, &ks) < 0 || writer_mode(fd, &after) < 0 ||
		    before != after)
			return VIEW_ASK;
		e->mode = after;
	}
	e->size = ks.size;
	e->blocks = ks.blocks;
	e->atime = ks.atime;
	e->atime_nsec = (unsigned)ks.atime_nsec;
	e->mtime = ks.mtime;
	e->mtime_nsec = (unsigned)ks.mtime_nsec;
	if (ks.ctime > e->ctime || (ks.ctime == e->ctime && (unsigned)ks.ctime_nsec > e->ctime_nsec)) {
		e->ctime = ks.ctime;
		e->ctime_nsec = (unsigned)ks.ctime_nsec;
	}
	return do_stat(&fd_, buf, statx);
}

/* view_fsetattr answers what a program does to a file it has just written
 * (tar, cp -p, install): futimens, fchmod to a mode without set-ID bits,
 * and fchown that leaves the owner as it is, on fd, a kernel-backed
 * descriptor open for writing of a file whose data is the supervisor's
 * memfd. Its times are the memfd's, so futimens goes to it; a fchmod
 * leaves the permission bits on the memfd (ABI_MODE_XATTR, which moves
 * its ctime), where the supervisor reads them back; a change to the same
 * owner only moves the ctime, which a chown(-1, -1) of the memfd does
 * (stat reports the later of the entry's ctime and the memfd's).
 *
 * Every other process sees it at once: while a writable descriptor of the
 * file is open, its entry sends stat and access to the supervisor, which
 * reads the memfd (publish.go), and opens and fstat through the view
 * read the bits too (writer_mode); this descriptor is open. Only for a
 * caller who may: the file's owner, or root, who is also the memfd's
 * owner (so the kernel decides as it would for the file, and lets no one
 * else set the attribute); and only for a file without set-ID bits, which
 * a chown may take away and a chmod's rules depend on. Anything else
 * asks. */
long view_fsetattr(struct frame *f, long fd)
{
	if (!vw.base || (fd_bits(fd) & ABI_FD_SERVED))
		return VIEW_ASK;
	struct kstat ks;
	struct abi_view_entry e;
	if (fd_entry(fd, &ks, &e) == VIEW_ASK)
		return VIEW_ASK;
	if (!(e.flags & ABI_VIEW_OPEN_DATA) || (e.flags & ABI_VIEW_STAT) || (e.mode & S_IFMT) != S_IFREG ||
	    ((e.mode | ks.mode) & 06000))
		return VIEW_ASK;
	const struct creds *c = creds();
	if (c->state == CRED_UNKNOWN || c->fsuid != ks.uid || (c->fsuid != e.uid && c->state != CRED_PRIV))
		return VIEW_ASK;
	/* The call itself, last: a change of owner asks anyway. */
	if ((f->rax == SYS_fchmod && (f->rsi & 06000)) ||
	    (f->rax == SYS_fchown && (((unsigned)f->rsi != ~0u && (unsigned)f->rsi != e.uid) ||
				      ((unsigned)f->rdx != ~0u && (unsigned)f->rdx != e.gid))))
		return VIEW_ASK;
	long fl = RAW2(SYS_fcntl, fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) /* O_PATH has no access mode */
		return VIEW_ASK;
	switch (f->rax) {
	case SYS_utimensat:
		if (f->r10)
			return VIEW_ASK; /* EINVAL, the supervisor's to say */
		if (f->rdx && stub_page(f->rdx))
			return -EFAULT;
		return RAW4(SYS_utimensat, fd, 0, f->rdx, 0);
	case SYS_fchmod: {
		unsigned m = (unsigned)f->rsi & 01777;
		return RAW6(SYS_fsetxattr, fd, ABI_MODE_XATTR, &m, sizeof m, 0, 0) < 0 ? VIEW_ASK : 0;
	}
	case SYS_fchown:
		return RAW3(SYS_fchown, fd, -1, -1);
	}
	return VIEW_ASK;
}

/* Served directories: for a directory the supervisor opened, the entry of
 * the view it is, so that its fstat, and lookups relative to it (fstatat,
 * openat, faccessat, readlinkat of dirfd and a name: find, fts, rm -r,
 * Python's scandir), need no round trip. A slot is the entry's index + 1,
 * with the directory's identity; 0 when fd is not such a directory. fd_set
 * forgets a descriptor's whenever its number changes hands. */
#define DIR_FDS 4096
static struct {
	unsigned slot;
	unsigned long dev, ino;
} dirs[DIR_FDS];

void view_forget_dir(long fd)
{
	/* Only if set: a write would copy a page a forked child shares
	 * with its parent, or fault in a fresh one. */
	if ((unsigned long)fd < DIR_FDS && __atomic_load_n(&dirs[fd].slot, __ATOMIC_ACQUIRE))
		__atomic_store_n(&dirs[fd].slot, 0, __ATOMIC_RELEASE);
}

void view_copy_dir(long fd, long to)
{
	if ((unsigned long)fd >= DIR_FDS || (unsigned long)to >= DIR_FDS)
		return;
	unsigned slot = __atomic_load_n(&dirs[fd].slot, __ATOMIC_ACQUIRE);
	if (!slot)
		return;
	dirs[to].dev = dirs[fd].dev;
	dirs[to].ino = dirs[fd].ino;
	__atomic_store_n(&dirs[to].slot, slot, __ATOMIC_RELEASE);
}

void view_note_dir(long fd, const char *path, unsigned long pn, unsigned long ino)
{
	char c[PATH_MAX_ * 2];
	int through = 0;
	if (!vw.base || (unsigned long)fd >= DIR_FDS || pn >= PATH_MAX_ || path_has_dots(path, pn))
		return;
	unsigned long n = vfs_clean(path, pn, c, &through);
	if (!through || n >= PATH_MAX_ || !names_fit(c, n))
		return;
	struct found fd_;
	resolve(c, n, 1, 1, &fd_);
	/* The path may name another directory by now: keep the entry only if
	 * it is the one the supervisor opened (its inode is ino). */
	if (fd_.hit != 1 || (fd_.e.mode & S_IFMT) != S_IFDIR || fd_.e.ino != ino)
		return;
	dirs[fd].dev = fd_.e.dev;
	dirs[fd].ino = ino;
	__atomic_store_n(&dirs[fd].slot, fd_.slot, __ATOMIC_RELEASE);
}

/* dir_entry copies the entry of the served directory fd that
 * view_note_dir noted, and its path (cap bytes at most, NUL-terminated)
 * if path is set, if that entry still is the same directory. Returns the
 * path's length (0 without path), or VIEW_ASK. */
static long dir_entry(long fd, struct found *out, char *path, unsigned long cap)
{
	if (!vw.base || (unsigned long)fd >= DIR_FDS)
		return VIEW_ASK;
	unsigned slot = __atomic_load_n(&dirs[fd].slot, __ATOMIC_ACQUIRE);
	unsigned long dev = dirs[fd].dev, ino = dirs[fd].ino;
	if (!slot || slot > ABI_VIEW_ENTRIES || __atomic_load_n(&dirs[fd].slot, __ATOMIC_ACQUIRE) != slot)
		return VIEW_ASK;
	const struct abi_view_entry *v = (const struct abi_view_entry *)(vw.base + ABI_VIEW_ENTRIES_OFF) + (slot - 1);
	const struct abi_view_entry *e = &out->e;
	long n = 0;
	for (int tries = 0;; tries++) {
		unsigned s1;
		if (tries == READ_TRIES)
			return VIEW_ASK;
		if (!read_begin(&s1))
			continue;
		memcpy(&out->e, (const void *)v, sizeof out->e);
		unsigned off = e->path_off, len = e->path_len;
		if (path) {
			if (len >= cap || (unsigned long)off + len > ABI_VIEW_HEAP_SIZE)
				n = VIEW_ASK;
			else {
				memcpy(path, vw.base + ABI_VIEW_HEAP_OFF + off, len);
				path[len] = 0;
				n = len;
			}
		}
		if (read_end(s1))
			break;
	}
	if (!(e->flags & ABI_VIEW_USED) || (e->mode & S_IFMT) != S_IFDIR || e->dev != dev || e->ino != ino)
		return VIEW_ASK;
	return n;
}

/* dir_fstat answers fstat of a served directory view_note_dir noted, from
 * its entry if that still is the same directory. */
static long dir_fstat(long fd, unsigned long buf, int statx)
{
	struct found fd_;
	if (dir_entry(fd, &fd_, 0, 0) < 0)
		return VIEW_ASK;
	return do_stat(&fd_, buf, statx);
}

long view_dir_path(long fd, char *path, unsigned long cap, unsigned long *dev, unsigned long *ino)
{
	struct found fd_;
	long n = dir_entry(fd, &fd_, path, cap);
	if (n >= 0 && dev && ino) {
		*dev = fd_.e.dev;
		*ino = fd_.e.ino;
	}
	return n;
}

/* stat_args finds where a call of the stat family wants its answer, whether
 * it follows a final link and whether it is statx; -1 for flags the view
 * leaves to the supervisor to judge (EINVAL and the like). */
static int stat_args(const struct frame *f, unsigned long *buf, int *follow, int *statx)
{
	*statx = 0;
	switch (f->rax) {
	case SYS_stat:
	case SYS_lstat:
		*buf = f->rsi, *follow = f->rax == SYS_stat;
		return 0;
	case SYS_newfstatat:
		if (f->r10 & ~(unsigned long)(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH))
			return -1;
		*buf = f->rdx, *follow = !(f->r10 & AT_SYMLINK_NOFOLLOW);
		return 0;
	case SYS_statx:
		if ((f->rdx & ~(unsigned long)(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) ||
		    (f->rdx & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (f->r10 & STATX__RESERVED))
			return -1;
		*buf = f->r8, *follow = !(f->rdx & AT_SYMLINK_NOFOLLOW), *statx = 1;
		return 0;
	}
	return -1;
}

/* view_fstatat answers fstatat(fd, "", AT_EMPTY_PATH) and its statx form,
 * the way glibc makes fstat, for fd a virtual descriptor (view_fstat). */
long view_fstatat(struct frame *f, long fd)
{
	unsigned long buf;
	int follow, statx;
	if ((f->rax != SYS_newfstatat && f->rax != SYS_statx) || stat_args(f, &buf, &follow, &statx) < 0)
		return VIEW_ASK;
	return view_fstat(fd, buf, statx);
}

/* view_exists says whether the clean path c (n bytes) names something, as
 * getcwd's check of a working directory in a mount needs: 0 if it does,
 * -ENOENT if not, VIEW_ASK if the view cannot tell. */
long view_exists(const char *c, unsigned long n)
{
	if (!vw.base || n >= PATH_MAX_ || !names_fit(c, n))
		return VIEW_ASK;
	struct found fd;
	resolve(c, n, 1, 1, &fd);
	return fd.hit < 0 ? VIEW_ASK : fd.hit ? 0 : -ENOENT;
}

/* view_call answers f from the view if it can; c is its clean path (n
 * bytes). VIEW_ASK: take the round trip. A chdir it answers 0 for is the
 * caller's to make: the clean path becomes the working directory. */
long view_call(struct frame *f, const char *path, unsigned long pn)
{
	char c[PATH_MAX_];
	int through = 0;
	if (!vw.base || pn >= PATH_MAX_ || path_has_dots(path, pn))
		return VIEW_ASK;
	/* Without "..", the clean form names the same file, but a final "."
	 * or slash also asks for a directory, reached through a final link. */
	unsigned long n = vfs_clean(path, pn, c, &through);
	int dir_only = pn > 1 && (path[pn - 1] == '/' || (path[pn - 1] == '.' && path[pn - 2] == '/'));
	if (!names_fit(c, n))
		return VIEW_ASK;
	long nr = (long)f->rax;
	unsigned long buf = 0;
	long flags = 0, mode = 0, size = 0;
	int follow = 1, statx = 0;
	enum { K_STAT, K_ACCESS, K_READLINK, K_OPEN, K_CHDIR } kind;
	switch (nr) {
	case SYS_stat:
	case SYS_lstat:
	case SYS_newfstatat:
	case SYS_statx:
		if (stat_args(f, &buf, &follow, &statx) < 0)
			return VIEW_ASK;
		kind = K_STAT;
		break;
	case SYS_access:
		kind = K_ACCESS, mode = (long)f->rsi;
		break;
	case SYS_faccessat:
		kind = K_ACCESS, mode = (long)f->rdx;
		break;
	case SYS_faccessat2:
		if (f->r10 & ~(unsigned long)(AT_SYMLINK_NOFOLLOW | AT_EACCESS))
			return VIEW_ASK;
		kind = K_ACCESS, mode = (long)f->rdx, follow = !(f->r10 & AT_SYMLINK_NOFOLLOW);
		flags = (long)f->r10;
		break;
	case SYS_readlink:
		kind = K_READLINK, buf = f->rsi, size = (long)f->rdx, follow = 0;
		break;
	case SYS_readlinkat:
		kind = K_READLINK, buf = f->rdx, size = (long)f->r10, follow = 0;
		break;
	case SYS_open:
		kind = K_OPEN, flags = (long)f->rsi;
		break;
	case SYS_openat:
		kind = K_OPEN, flags = (long)f->rdx;
		break;
	case SYS_chdir:
		kind = K_CHDIR, follow = 0; /* through a final link: ask (the new path is the target's) */
		break;
	default:
		return VIEW_ASK;
	}
	if (kind == K_ACCESS && (mode & ~7L))
		return VIEW_ASK;
	if (kind == K_READLINK && size <= 0)
		return VIEW_ASK;
	if (kind == K_OPEN) {
		if ((flags & O_ACCMODE) != O_RDONLY ||
		    (flags & ~(long)(O_ACCMODE | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | O_LARGEFILE | O_NOFOLLOW)))
			return VIEW_ASK;
		follow = !(flags & O_NOFOLLOW);
	}
	if (dir_only) {
		if (kind != K_STAT && kind != K_ACCESS && kind != K_CHDIR)
			return VIEW_ASK;
		follow = 1;
	}
	const struct creds *cr = creds();
	if (cr->state == CRED_UNKNOWN)
		return VIEW_ASK;
	struct found fd;
	resolve(c, n, follow, cr->state == CRED_PRIV, &fd);
	if (fd.hit < 0)
		return VIEW_ASK;
	if (fd.hit == 0)
		return -ENOENT;
	const struct abi_view_entry *e = &fd.e;
	if (!searchable(cr, e))
		return VIEW_ASK;
	unsigned typ = e->mode & S_IFMT;
	/* A file with other names changes through them too (chmod, chown of
	 * another name), which re-describes only that name: ask. */
	if (e->nlink != 1 && typ != S_IFDIR)
		return VIEW_ASK;
	if (dir_only && typ != S_IFDIR)
		return VIEW_ASK; /* ENOTDIR, or a link the view cannot follow */
	switch (kind) {
	case K_STAT:
		if (!(e->flags & ABI_VIEW_STAT))
			return VIEW_ASK;
		return do_stat(&fd, buf, statx);
	case K_ACCESS: {
		/* A file being written may have a new mode (view_fsetattr). */
		if (!(e->flags & ABI_VIEW_STAT) && typ != S_IFDIR)
			return VIEW_ASK;
		unsigned uid = cr->ruid, gid = cr->rgid;
		if (flags & AT_EACCESS)
			uid = cr->fsuid, gid = cr->fsgid;
		else if (cr->ruid != cr->fsuid || cr->rgid != cr->fsgid)
			return VIEW_ASK;
		if ((mode & W_OK) && (e->flags & ABI_VIEW_RDONLY))
			return -EROFS;
		return permitted(cr, uid, gid, e, (unsigned)mode) ? 0 : -EACCES;
	}
	case K_READLINK: {
		if (typ != S_IFLNK)
			return -EINVAL;
		unsigned long l = e->target_len;
		if (l > (unsigned long)size)
			l = (unsigned long)size;
		long r = put_user(buf, fd.target, l);
		return r < 0 ? r : (long)l;
	}
	case K_OPEN:
		if (typ != S_IFREG || !permitted(cr, cr->fsuid, cr->fsgid, e, R_OK))
			return VIEW_ASK;
		return do_open(&fd, flags, cr);
	case K_CHDIR:
		/* The caller makes the clean path its working directory. */
		if (typ != S_IFDIR)
			return VIEW_ASK; /* ENOTDIR, or a link to follow */
		return permitted(cr, cr->fsuid, cr->fsgid, e, X_OK) ? 0 : -EACCES;
	}
	return VIEW_ASK;
}
