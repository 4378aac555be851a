// vfs_consistency [-s | -p] [-o] [-n STEPS] [-r READERS] [-S SEED] DIR: a writer
// process changes a few names in DIR through a fixed sequence of STEPS
// calls while READERS reader processes look at them (lstat, stat, access,
// readlink, open+fstat+read, and listings of DIR), and every answer a reader
// gets must be one the file system really was in while the reader's call ran.
//
// Names. a b c d e h hold regular files and (empty) directories or nothing;
// l s t hold symbolic links (whose targets are among a b c d e h, or "zz",
// which never exists) or nothing. So a link never points at a link, and a
// name never changes between a link and anything else.
//
// The writer. Step k is one changing call (create, append, truncate, chmod,
// fchmod through a descriptor open for writing (an open, the fchmod, a
// close: what tar x does to each file, which the stub answers itself),
// rename over a name or to a free one, unlink, mkdir, rmdir, link, symlink;
// and lchown to the current owner before the first change of a file of the
// initial tree, which an overlay copies up there and then, so that the
// copy-up is a state of its own). Around it the writer sets a sequence
// counter in shared memory: 2k-1 (release) before the call, then, after the
// call has returned, it records what lstat and readlink say of every name
// (state k) and sets the counter to 2k. State 0 is the initial tree. The
// writer also keeps a model of the tree (which file each name is, each
// file's bytes, which step wrote them) and checks the recorded states
// against it, so that an operation that "succeeded" without its effect is
// caught too.
//
// The readers read the counter (acquire) before a call (g0) and after it
// (g1). The call ran in states floor(g0/2) .. ceil(g1/2) (lo .. hi), and
// possibly during the steps lo+1 .. hi; its answer must be:
//
//   - that of one recorded state k in [lo, hi] for the name, all fields
//     together: existence or errno, type, mode, owner, size, link count,
//     mtime (seconds and nanoseconds), inode number, link target; or
//   - while step k in [lo+1, hi] changed the name's file in place, a mix,
//     field by field, of states k-1 and k of that file: the kernel's own
//     write() stores the mtime before the size, truncate() the size before
//     the mtime, and sec and nsec separately; and a shrinking truncate()
//     on a tmpfs sets the mtime twice, so a time between the two states'
//     is accepted too; or
//   - while step k in [lo+1, hi] unlinked or replaced the name, the file it
//     named in state k-1 with a link count between its counts in states
//     k-1 and k (0 if gone): the kernel's unlink and rename drop the link
//     count of the victim before they remove its name.
//
// atime and ctime are never compared. stat, access and open follow l, s and
// t as the kernel does, reading the link in one state i and looking its
// target up in a state j with i <= j (each answer as above). open: the file
// opened (known by its inode number, through the writer's model, so that an
// overlay's copy-up of it counts as the same file) must be one the name
// reached in [lo, hi]; its fstat must be a state of that inode in range (or
// the same with link count 0 once it was removed); what read() returns must
// be, length and bytes, the content of some regular file of a state in
// range (contents are made from the step that wrote them, so they are all
// different), or a patchwork of the opened file's states in range, in
// order along the buffer, as the kernel's own read makes when it overlaps
// a truncate to 0 and rewrites (see content_in). Files never shrink except
// to size 0 and are kept within one page, so that a read sees no other
// half-done change. Listings: every name listed must exist in some state
// in [lo, hi] (with that type if d_type says one), and every name that
// exists in all those states must be listed.
//
// Readers check what they saw later, once the writer has recorded the
// states (a queue), so that they never wait for it between calls; the
// writer, after each step, lets the readers make a few calls (or 250 us
// pass) before the next.
//
// Mismatches go to stderr (the first 20 in detail), a summary to stdout,
// last "checks N mismatches M". Exit status 1 if M > 0 or if there were too
// few checks to mean anything.
//
// -s only writes the initial tree into DIR (an overlay's lower directory);
// -p runs on an initial tree that is already there; otherwise the program
// writes the initial tree into the empty DIR itself and runs. -o accepts the
// one documented difference of zvfs overlays that shows here (see
// ino_cands). -n, -r and -S set the number of steps (3000), of readers
// (2) and the seed of the writer's choices.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NNAMES 9
#define NF 6 // names[0..NF) hold regular files and directories, the rest links
static const char *const names[NNAMES] = {"a", "b", "c", "d", "e", "h", "l", "s", "t"};
static const char *const targets[] = {"a", "b", "c", "d", "e", "h", "zz"};
#define NTARGETS 7
#define MAXSIZE 3000 // within one page: see above
#define TGTLEN 8
#define MAXREADERS 8
#define MAXPRINT 20
#define DESCLEN 40

// rec is what lstat (and readlink) said of a name in a state; model is the
// writer's file number for it, hash the hash of the bytes the writer put in
// it and ver the index of a copy of those bytes (regular files).
struct rec {
	int32_t err;
	uint32_t mode, nlink, uid, gid;
	int32_t model, ver;
	int64_t size, msec, mnsec;
	uint64_t ino, hash;
	char target[TGTLEN];
};

enum { K_LSTAT, K_STAT, K_ACCESS_F, K_ACCESS_R, K_READLINK, K_OPEN, K_FSTAT, K_READ, K_LIST, NKINDS };
static const char *const kindname[NKINDS] = {
	"lstat", "stat", "access(F_OK)", "access(R_OK)", "readlink", "open", "fstat", "read", "listing",
};

struct shared {
	_Atomic uint64_t seq;
	atomic_int done, ready, printed;
	atomic_ulong progress, mismatches;
	atomic_ulong checks[MAXREADERS + 1][NKINDS];
};

static struct shared *sh;
static struct rec *recs;         // [(nsteps+1) * NNAMES], in shared memory
static char (*descs)[DESCLEN];   // [nsteps+1]: what step k did
static unsigned char (*vdata)[MAXSIZE]; // [nsteps+16]: contents, by ver
static int nsteps = 3000, nreaders = 2;
static const char *dir;
static char paths[NNAMES][4096];
static uid_t euid;
static int overlay; // -o

static struct rec *rec(int k, int i) { return &recs[(size_t)k * NNAMES + i]; }

static int nameidx(const char *n) {
	for (int i = 0; i < NNAMES; i++)
		if (strcmp(n, names[i]) == 0)
			return i;
	return -1;
}

static uint64_t fnv(const unsigned char *p, size_t n) {
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static const char *typename(uint32_t mode) {
	switch (mode & S_IFMT) {
	case S_IFREG: return "reg";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "lnk";
	}
	return "other";
}

static void describe(char *b, size_t n, const struct rec *r) {
	if (r->err) {
		snprintf(b, n, "%s", strerrorname_np(r->err));
		return;
	}
	snprintf(b, n, "%s %04o ino %llu nlink %u uid %u gid %u size %lld mtime %lld.%09lld model %d%s%s",
	         typename(r->mode), r->mode & 07777, (unsigned long long)r->ino, r->nlink, r->uid, r->gid,
	         (long long)r->size, (long long)r->msec, (long long)r->mnsec, r->model,
	         S_ISLNK(r->mode) ? " -> " : "", S_ISLNK(r->mode) ? r->target : "");
}

static void fromstat(struct rec *r, const struct stat *st) {
	r->err = 0;
	r->mode = st->st_mode;
	r->nlink = st->st_nlink;
	r->uid = st->st_uid;
	r->gid = st->st_gid;
	r->size = st->st_size;
	r->msec = st->st_mtim.tv_sec;
	r->mnsec = st->st_mtim.tv_nsec;
	r->ino = st->st_ino;
	r->model = -1;
	r->ver = -1;
	r->hash = 0;
	r->target[0] = 0;
}

// A mismatch: counted always, printed (in one write) for the first
// MAXPRINT of all processes.
struct msg {
	char b[8192];
	size_t n;
};

static void vadd(struct msg *m, const char *fmt, va_list ap) {
	if (m->n >= sizeof m->b - 1)
		return;
	int w = vsnprintf(m->b + m->n, sizeof m->b - m->n, fmt, ap);
	if (w > 0)
		m->n += (size_t)w < sizeof m->b - m->n ? (size_t)w : sizeof m->b - m->n - 1;
}

static void add(struct msg *m, const char *fmt, ...) {
	va_list ap;
	va_start(ap, fmt);
	vadd(m, fmt, ap);
	va_end(ap);
}

static int mismatch_start(void) {
	atomic_fetch_add(&sh->mismatches, 1);
	return atomic_fetch_add(&sh->printed, 1) < MAXPRINT;
}

static void mismatch_flush(struct msg *m) {
	if (m->n == 0 || m->b[m->n - 1] != '\n')
		add(m, "\n");
	ssize_t off = 0;
	while ((size_t)off < m->n) {
		ssize_t w = write(2, m->b + off, m->n - off);
		if (w <= 0)
			break;
		off += w;
	}
}

// The states lo..hi of name i (and of the targets of its links), and the
// steps between them.
static void add_states(struct msg *m, int i, int lo, int hi) {
	char d[512];
	int shown = 0;
	for (int k = lo; k <= hi; k++) {
		if (k > lo)
			add(m, "    step %d: %s\n", k, descs[k]);
		if (hi - lo > 12 && k > lo + 5 && k < hi - 5) {
			if (!shown++)
				add(m, "    ...\n");
			continue;
		}
		describe(d, sizeof d, rec(k, i));
		add(m, "    state %d: %s: %s\n", k, names[i], d);
		const struct rec *r = rec(k, i);
		if (r->err == 0 && S_ISLNK(r->mode)) {
			int t = nameidx(r->target);
			if (t >= 0) {
				describe(d, sizeof d, rec(k, t));
				add(m, "    state %d:   target %s: %s\n", k, names[t], d);
			}
		}
	}
}

// ---- Candidates: the answers a call in states lo..hi may get. ----

// cand: each compared field is a's or b's; the link count may also be in
// [nlo, nhi] when range is set.
struct cand {
	const struct rec *a, *b;
	int range;
	uint32_t nlo, nhi;
};

typedef int (*cand_fn)(const struct cand *, void *);

static int in2(int64_t v, int64_t x, int64_t y) { return v == x || v == y; }

static int64_t mtime(const struct rec *r) { return r->msec * 1000000000 + r->mnsec; }

// mtime_match: a's or b's mtime; or, while a step changed the file in
// place, its seconds and nanoseconds from either (they are stored one
// after the other), or a time between the two: truncate() on a tmpfs sets
// the mtime twice, in shmem_truncate_range and again in shmem_setattr.
static int mtime_match(const struct rec *ans, const struct rec *a, const struct rec *b) {
	if (in2(ans->msec, a->msec, b->msec) && in2(ans->mnsec, a->mnsec, b->mnsec))
		return 1;
	int64_t t = mtime(ans), x = mtime(a), y = mtime(b);
	return a != b && ((x <= t && t <= y) || (y <= t && t <= x));
}

// attrs_match compares everything lstat says.
static int attrs_match(const struct cand *c, void *ctx) {
	const struct rec *ans = ctx, *a = c->a, *b = c->b;
	if (ans->err || a->err)
		return ans->err == a->err && b->err == a->err;
	if (b->err)
		return 0;
	return in2(ans->mode, a->mode, b->mode) && in2(ans->uid, a->uid, b->uid) && in2(ans->gid, a->gid, b->gid) &&
	       in2(ans->ino, a->ino, b->ino) && in2(ans->size, a->size, b->size) && mtime_match(ans, a, b) &&
	       (in2(ans->nlink, a->nlink, b->nlink) || (c->range && ans->nlink >= c->nlo && ans->nlink <= c->nhi));
}

// nlink_of is the link count of the file with inode number ino in state k,
// 0 if no name has it.
static uint32_t nlink_of(int k, uint64_t ino) {
	for (int j = 0; j < NNAMES; j++) {
		const struct rec *r = rec(k, j);
		if (r->err == 0 && r->ino == ino)
			return r->nlink;
	}
	return 0;
}

// transition visits what step k did to the file a (state k-1) that b
// (state k) shows at the same place.
static int transition(int k, const struct rec *a, const struct rec *b, cand_fn fn, void *ctx) {
	if (a->err)
		return 0;
	struct cand c = {a, a, 0, 0, 0};
	if (b->err == 0 && b->ino == a->ino && (b->mode & S_IFMT) == (a->mode & S_IFMT)) {
		c.b = b; // changed in place
		return fn(&c, ctx);
	}
	uint32_t n = nlink_of(k, a->ino);
	c.range = 1; // unlinked or replaced: the victim's link count drops first
	c.nlo = n < a->nlink ? n : a->nlink;
	c.nhi = n < a->nlink ? a->nlink : n;
	return fn(&c, ctx);
}

// name_cands visits the answers about name i (-1: a name that never
// exists) in states lo..hi, following links if follow.
static int name_cands(int i, int lo, int hi, int follow, cand_fn fn, void *ctx) {
	if (i < 0) {
		static const struct rec enoent = {.err = ENOENT, .model = -1};
		struct cand c = {&enoent, &enoent, 0, 0, 0};
		return fn(&c, ctx);
	}
	for (int k = lo; k <= hi; k++) {
		const struct rec *r = rec(k, i);
		if (follow && r->err == 0 && S_ISLNK(r->mode)) {
			// The link read in state k, its target looked up then or later.
			if (name_cands(nameidx(r->target), k, hi, follow - 1, fn, ctx))
				return 1;
			continue;
		}
		struct cand c = {r, r, 0, 0, 0};
		if (fn(&c, ctx))
			return 1;
	}
	for (int k = lo + 1; k <= hi; k++) {
		const struct rec *a = rec(k - 1, i);
		if (follow && a->err == 0 && S_ISLNK(a->mode))
			continue;
		if (transition(k, a, rec(k, i), fn, ctx))
			return 1;
	}
	return 0;
}

// leaves says whether the file with inode number ino loses a name in one
// of the steps k+1..hi.
static int leaves(uint64_t ino, int k, int hi) {
	for (k++; k <= hi; k++)
		for (int j = 0; j < NNAMES; j++) {
			const struct rec *a = rec(k - 1, j), *b = rec(k, j);
			if (a->err == 0 && a->ino == ino && (b->err || b->ino != ino))
				return 1;
		}
	return 0;
}

// ino_cands visits the states lo..hi of the file with inode number ino,
// whatever its names: the fstat of an open file.
//
// With -o, a directory that loses its name later in range may also answer
// what it was in a state with a link count of 0: a zvfs overlay finds an
// open directory again by its path, and once the name is gone its Stat is
// "what it was, with a link count of 0" (backends/overlay/doc.go, "An open
// directory is found again by its path"), which can be as of the open.
static int ino_cands(uint64_t ino, int lo, int hi, cand_fn fn, void *ctx) {
	for (int k = lo; k <= hi; k++)
		for (int j = 0; j < NNAMES; j++) {
			const struct rec *r = rec(k, j);
			struct cand c = {r, r, 0, 0, 0};
			if (r->err || r->ino != ino)
				continue;
			if (overlay && S_ISDIR(r->mode) && leaves(ino, k, hi))
				c.range = 1; // nlo = nhi = 0
			if (fn(&c, ctx))
				return 1;
		}
	for (int k = lo + 1; k <= hi; k++)
		for (int j = 0; j < NNAMES; j++) {
			const struct rec *a = rec(k - 1, j);
			if (a->err == 0 && a->ino == ino && transition(k, a, rec(k, j), fn, ctx))
				return 1;
		}
	return 0;
}

struct errans {
	int err, readable;
};

static int access_match(const struct cand *c, void *ctx) {
	const struct errans *x = ctx;
	int e = c->a->err;
	if (!e && x->readable && euid != 0 && !(c->a->mode & S_IRUSR))
		e = EACCES;
	return e == x->err;
}

struct rlans {
	int err;
	const char *target;
};

static int readlink_match(const struct cand *c, void *ctx) {
	const struct rlans *x = ctx;
	const struct rec *a = c->a;
	int e = a->err ? a->err : S_ISLNK(a->mode) ? 0 : EINVAL;
	return e == x->err && (e || strcmp(a->target, x->target) == 0);
}

// identity: the file opened (ino, type) is one the name reached, counting
// the writer's model number so that a copied-up file is the same file.
struct ident {
	int models[64], nmodels;
	uint32_t type;
};

static int ident_match(const struct cand *c, void *ctx) {
	const struct ident *x = ctx;
	if (c->a->err || (c->a->mode & S_IFMT) != x->type)
		return 0;
	for (int i = 0; i < x->nmodels; i++)
		if (x->models[i] == c->a->model)
			return 1;
	return 0;
}

// ---- Readers ----
//
// A reader makes its calls and keeps what it saw (an observation) in a
// queue; it checks an observation once the writer has recorded every state
// the call may have seen, so that it never waits for the writer between
// calls.

static int reader_id;

static uint64_t gen(void) { return atomic_load_explicit(&sh->seq, memory_order_acquire); }

static void count(int kind) { atomic_fetch_add_explicit(&sh->checks[reader_id][kind], 1, memory_order_relaxed); }

static int state_lo(uint64_t g) { return (int)(g / 2); }
static int state_hi(uint64_t g) { return (int)((g + 1) / 2); }

#define MAXLISTED 16

struct obs {
	int kind, name;
	uint64_t g0, g1, g2;  // before the call, after it (open: after fstat), after read
	struct rec ans;       // lstat, stat, fstat; err: of the call (access, open, readlink)
	char target[64];      // readlink
	int fstat_err, read_err;
	ssize_t n;            // what read returned
	int nlisted;
	char listed[MAXLISTED][16];
	unsigned char types[MAXLISTED];
	unsigned char data[MAXSIZE * 2 + 1];
};

#define QUEUE 64
static struct obs *queue;
static unsigned qhead, qtail;

static void fail_name(const struct obs *o, int kind, int hi, const char *what, const char *got) {
	if (!mismatch_start())
		return;
	int lo = state_lo(o->g0), i = o->name;
	struct msg m = {.n = 0};
	add(&m, "reader %d: %s(%s) in states %d..%d: %s: got %s\n", reader_id, kindname[kind], names[i], lo, hi, what, got);
	add_states(&m, i, lo, hi);
	mismatch_flush(&m);
}

static void verify_lstat(const struct obs *o) {
	int lo = state_lo(o->g0), hi = state_hi(o->g1), follow = o->kind == K_STAT;
	count(o->kind);
	if (!name_cands(o->name, lo, hi, follow, attrs_match, (void *)&o->ans)) {
		char d[512];
		describe(d, sizeof d, &o->ans);
		fail_name(o, o->kind, hi, "no state in range answers this", d);
	}
}

static void verify_access(const struct obs *o) {
	int lo = state_lo(o->g0), hi = state_hi(o->g1);
	struct errans ans = {o->ans.err, o->kind == K_ACCESS_R};
	count(o->kind);
	if (!name_cands(o->name, lo, hi, 1, access_match, &ans))
		fail_name(o, o->kind, hi, "no state in range answers this", ans.err ? strerrorname_np(ans.err) : "0");
}

static void verify_readlink(const struct obs *o) {
	int lo = state_lo(o->g0), hi = state_hi(o->g1);
	struct rlans ans = {o->ans.err, o->target};
	count(K_READLINK);
	if (!name_cands(o->name, lo, hi, 0, readlink_match, &ans))
		fail_name(o, K_READLINK, hi, "no state in range answers this", ans.err ? strerrorname_np(ans.err) : o->target);
}

// content_in says whether buf is the content of a regular file in some
// state in lo..hi; or else, for one of the files models, a patchwork of
// its states: the kernel's read of a tmpfs file looks the page up, reads
// the size again and copies up to it from the page it holds (which a
// truncate may have taken out of the file since, and writes replaced),
// then, if the file grew meanwhile, goes on from the page of the moment.
// So every byte must be the file's (zero-padded) content in one state,
// these states in order along the buffer, and the length its size in one.
static int content_in(int lo, int hi, const int *models, int nmodels, const unsigned char *buf, int64_t n) {
	uint64_t hash = fnv(buf, n);
	for (int k = lo; k <= hi; k++)
		for (int j = 0; j < NNAMES; j++) {
			const struct rec *r = rec(k, j);
			if (r->err == 0 && S_ISREG(r->mode) && r->size == n && r->hash == hash)
				return 1;
		}
	if (n > MAXSIZE)
		return 0;
	static int vers[MAXSIZE];
	for (int x = 0; x < nmodels; x++) {
		int nv = 0, sized = 0;
		for (int k = lo; k <= hi; k++)
			for (int j = 0; j < NNAMES; j++) {
				const struct rec *r = rec(k, j);
				if (r->err == 0 && S_ISREG(r->mode) && r->model == models[x] && r->ver >= 0) {
					if (nv < MAXSIZE && (nv == 0 || vers[nv - 1] != r->ver))
						vers[nv++] = r->ver;
					sized |= r->size == n;
					break;
				}
			}
		if (!sized)
			continue;
		// Each byte from the earliest state that fits, not before the
		// previous byte's.
		int v = 0;
		int64_t o;
		for (o = 0; o < n; o++) {
			while (v < nv && vdata[vers[v]][o] != buf[o])
				v++;
			if (v == nv)
				break;
		}
		if (o == n)
			return 1;
	}
	return 0;
}

static void verify_open(const struct obs *o) {
	char d[512];
	int lo = state_lo(o->g0), hi = state_hi(o->g1), hr = state_hi(o->g2);
	count(K_OPEN);
	if (o->ans.err) {
		struct errans ans = {o->ans.err, 0};
		if (!name_cands(o->name, lo, hi, 1, access_match, &ans))
			fail_name(o, K_OPEN, hi, "no state in range fails so", strerrorname_np(o->ans.err));
		return;
	}
	count(K_FSTAT);
	if (o->fstat_err) {
		fail_name(o, K_FSTAT, hi, "fstat of the opened file failed", strerrorname_np(o->fstat_err));
		return;
	}
	describe(d, sizeof d, &o->ans);

	// Which file is it? Its models in range.
	struct ident id = {.nmodels = 0, .type = o->ans.mode & S_IFMT};
	for (int k = lo; k <= hi; k++)
		for (int j = 0; j < NNAMES; j++) {
			const struct rec *r = rec(k, j);
			if (r->err || r->ino != o->ans.ino || r->model < 0)
				continue;
			int seen = 0;
			for (int x = 0; x < id.nmodels; x++)
				seen |= id.models[x] == r->model;
			if (!seen && id.nmodels < 64)
				id.models[id.nmodels++] = r->model;
		}
	if (!name_cands(o->name, lo, hi, 1, ident_match, &id))
		fail_name(o, K_OPEN, hi, "opened a file the name did not reach in range", d);

	if (!ino_cands(o->ans.ino, lo, hi, attrs_match, (void *)&o->ans))
		fail_name(o, K_FSTAT, hi, "no state in range of this inode answers this fstat", d);

	count(K_READ);
	if (S_ISDIR(o->ans.mode)) {
		if (o->n >= 0 || o->read_err != EISDIR)
			fail_name(o, K_READ, hr, "read of a directory", o->n >= 0 ? "data" : strerrorname_np(o->read_err));
		return;
	}
	if (o->n < 0) {
		fail_name(o, K_READ, hr, "read failed", strerrorname_np(o->read_err));
		return;
	}
	if (!content_in(lo, hr, id.models, id.nmodels, o->data, o->n)) {
		char got[640];
		snprintf(got, sizeof got, "%zd bytes, hash %016llx (fstat: %s)", o->n,
		         (unsigned long long)fnv(o->data, o->n), d);
		fail_name(o, K_READ, hr, "no regular file in range has this content", got);
	}
}

static void verify_listing(const struct obs *o) {
	int lo = state_lo(o->g0), hi = state_hi(o->g1), nl = o->nlisted;
	count(K_LIST);
	struct msg m = {.n = 0};
	int bad = 0;
	if (o->ans.err)
		bad = 1, add(&m, "listing failed: %s\n", strerrorname_np(o->ans.err));
	for (int x = 0; x < nl; x++) {
		int i = nameidx(o->listed[x]), ok = 0;
		for (int k = lo; i >= 0 && k <= hi; k++) {
			const struct rec *r = rec(k, i);
			if (r->err == 0 && (o->types[x] == DT_UNKNOWN || o->types[x] == IFTODT(r->mode)))
				ok = 1;
		}
		if (!ok)
			bad = 1, add(&m, "listed %s (d_type %d), which no state in range has\n", o->listed[x], o->types[x]);
	}
	for (int i = 0; i < NNAMES; i++) {
		int always = 1, found = 0;
		for (int k = lo; k <= hi; k++)
			always &= rec(k, i)->err == 0;
		for (int x = 0; x < nl; x++)
			found |= strcmp(o->listed[x], names[i]) == 0;
		if (always && !found)
			bad = 1, add(&m, "%s not listed, though it exists in every state in range\n", names[i]);
	}
	if (!bad || !mismatch_start())
		return;
	struct msg out = {.n = 0};
	add(&out, "reader %d: listing in states %d..%d: %.*s    listed:", reader_id, lo, hi, (int)m.n, m.b);
	for (int x = 0; x < nl; x++)
		add(&out, " %s", o->listed[x]);
	add(&out, "\n");
	for (int k = lo; k <= hi && k <= lo + 12; k++) {
		if (k > lo)
			add(&out, "    step %d: %s\n", k, descs[k]);
		add(&out, "    state %d:", k);
		for (int i = 0; i < NNAMES; i++)
			if (rec(k, i)->err == 0)
				add(&out, " %s", names[i]);
		add(&out, "\n");
	}
	mismatch_flush(&out);
}

static void verify(const struct obs *o) {
	switch (o->kind) {
	case K_LSTAT: case K_STAT: verify_lstat(o); break;
	case K_ACCESS_F: case K_ACCESS_R: verify_access(o); break;
	case K_READLINK: verify_readlink(o); break;
	case K_OPEN: verify_open(o); break;
	case K_LIST: verify_listing(o); break;
	}
}

// drain checks the observations whose states are all recorded; with wait,
// it waits until the queue has room.
static void drain(int wait) {
	while (qhead != qtail) {
		const struct obs *o = &queue[qhead % QUEUE];
		uint64_t last = o->kind == K_OPEN && !o->ans.err ? o->g2 : o->g1;
		if (gen() < 2 * (uint64_t)state_hi(last)) {
			if (!wait || qtail - qhead < QUEUE)
				return;
			sched_yield();
			continue;
		}
		verify(o);
		qhead++;
	}
}

static struct obs *next_obs(int kind, int name) {
	drain(1);
	struct obs *o = &queue[qtail % QUEUE];
	o->kind = kind;
	o->name = name;
	o->ans.err = 0;
	return o;
}

static void pushed(void) {
	qtail++;
	atomic_fetch_add_explicit(&sh->progress, 1, memory_order_relaxed);
}

static void observe_stat(int i, int follow) {
	struct obs *o = next_obs(follow ? K_STAT : K_LSTAT, i);
	struct stat st;
	o->g0 = gen();
	int r = follow ? stat(paths[i], &st) : lstat(paths[i], &st);
	int e = errno;
	o->g1 = gen();
	if (r < 0) {
		memset(&o->ans, 0, sizeof o->ans);
		o->ans.err = e;
	} else
		fromstat(&o->ans, &st);
	pushed();
}

static void observe_access(int i, int readable) {
	struct obs *o = next_obs(readable ? K_ACCESS_R : K_ACCESS_F, i);
	o->g0 = gen();
	int r = access(paths[i], readable ? R_OK : F_OK);
	int e = errno;
	o->g1 = gen();
	o->ans.err = r < 0 ? e : 0;
	pushed();
}

static void observe_readlink(int i) {
	struct obs *o = next_obs(K_READLINK, i);
	o->g0 = gen();
	ssize_t n = readlink(paths[i], o->target, sizeof o->target - 1);
	int e = errno;
	o->g1 = gen();
	o->target[n < 0 ? 0 : n] = 0;
	o->ans.err = n < 0 ? e : 0;
	pushed();
}

static void observe_open(int i) {
	struct obs *o = next_obs(K_OPEN, i);
	struct stat st;
	o->g0 = gen();
	int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
	int e = errno;
	if (fd < 0) {
		o->g1 = gen();
		o->ans.err = e;
		pushed();
		return;
	}
	int fr = fstat(fd, &st);
	o->fstat_err = fr < 0 ? errno : 0;
	o->g1 = gen();
	o->n = -1;
	o->read_err = 0;
	if (fr == 0) {
		o->n = read(fd, o->data, sizeof o->data);
		o->read_err = errno;
		fromstat(&o->ans, &st);
	}
	o->g2 = gen();
	close(fd);
	pushed();
}

static void observe_listing(void) {
	struct obs *o = next_obs(K_LIST, -1);
	o->nlisted = 0;
	o->g0 = gen();
	DIR *d = opendir(dir);
	if (!d)
		o->ans.err = errno;
	else {
		struct dirent *de;
		errno = 0;
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (o->nlisted < MAXLISTED) {
				snprintf(o->listed[o->nlisted], sizeof o->listed[0], "%.15s", de->d_name);
				o->types[o->nlisted++] = de->d_type;
			}
		}
		o->ans.err = errno;
		closedir(d);
	}
	o->g1 = gen();
	pushed();
}

static void reader(int id) {
	reader_id = id;
	queue = calloc(QUEUE, sizeof *queue);
	if (!queue)
		_exit(2);
	atomic_fetch_add(&sh->ready, 1);
	while (!atomic_load(&sh->done)) {
		for (int j = 0; j < NNAMES; j++) {
			int i = (j + id * 4) % NNAMES;
			observe_stat(i, 0);
			observe_stat(i, 1);
			observe_access(i, 0);
			observe_access(i, 1);
			observe_readlink(i);
			observe_open(i);
		}
		observe_listing();
	}
	while (qhead != qtail) { // the writer is done: every state is recorded
		drain(0);
		sched_yield();
	}
}

// ---- The writer and its model ----

enum { T_NONE, T_REG, T_DIR, T_LNK };

struct file {
	int type, mode, size, lower, ver; // ver: -1 once the bytes changed
	char target[TGTLEN];
	unsigned char *data;
};

static struct file *files;
static int nfiles, nver;
static int named[NNAMES]; // the file each name is, -1 for none
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n) {
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 0x2545f4914f6cdd1dull) >> 33) % n;
}

static unsigned char byte(unsigned tag, unsigned off) { return (unsigned char)(tag * 151u + off * 7u + (tag >> 5) + 1); }

static int newfile(int type, int mode) {
	struct file *f = &files[nfiles];
	memset(f, 0, sizeof *f);
	f->type = type;
	f->mode = mode;
	f->ver = -1;
	if (type == T_REG)
		f->data = calloc(1, MAXSIZE);
	return nfiles++;
}

static int links(int m) {
	int n = 0;
	for (int i = 0; i < NNAMES; i++)
		n += named[i] == m;
	return n;
}

static void append(int m, unsigned tag, int len) {
	struct file *f = &files[m];
	for (int o = 0; o < len; o++)
		f->data[f->size + o] = byte(tag, f->size + o);
	f->size += len;
	f->ver = -1;
}

static const int filemodes[] = {0644, 0600, 0640, 0664, 0700, 0755, 0604};
static const int dirmodes[] = {0755, 0700, 0750, 0775};

// The initial tree: a b h regular, d a directory, l -> a, s -> zz.
static void initial_model(void) {
	for (int i = 0; i < NNAMES; i++)
		named[i] = -1;
	struct {
		int name, mode, tag, size;
	} regs[] = {{0, 0644, 1, 100}, {1, 0600, 2, 37}, {5, 0640, 3, 10}};
	for (int x = 0; x < 3; x++) {
		int m = newfile(T_REG, regs[x].mode);
		append(m, regs[x].tag, regs[x].size);
		named[regs[x].name] = m;
	}
	named[3] = newfile(T_DIR, 0755);
	named[6] = newfile(T_LNK, 0777);
	strcpy(files[named[6]].target, "a");
	named[7] = newfile(T_LNK, 0777);
	strcpy(files[named[7]].target, "zz");
	for (int m = 0; m < nfiles; m++)
		files[m].lower = 1;
}

static int die(const char *what, const char *name) {
	fprintf(stderr, "%s %s: %s\n", what, name, strerror(errno));
	exit(2);
}

static void write_initial(void) {
	for (int i = 0; i < NNAMES; i++) {
		int m = named[i];
		if (m < 0)
			continue;
		struct file *f = &files[m];
		if (f->type == T_REG) {
			int fd = open(paths[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, f->mode);
			if (fd < 0 || write(fd, f->data, f->size) != f->size || close(fd) < 0)
				die("setup: create", paths[i]);
		} else if (f->type == T_DIR) {
			if (mkdir(paths[i], f->mode) < 0)
				die("setup: mkdir", paths[i]);
		} else if (symlink(f->target, paths[i]) < 0)
			die("setup: symlink", paths[i]);
		if (f->type != T_LNK && chmod(paths[i], f->mode) < 0)
			die("setup: chmod", paths[i]);
	}
}

static int writer_mismatch(int k, const char *fmt, ...) {
	if (!mismatch_start())
		return 0;
	struct msg m = {.n = 0};
	add(&m, "writer: after step %d (%s): ", k, descs[k]);
	va_list ap;
	va_start(ap, fmt);
	vadd(&m, fmt, ap);
	va_end(ap);
	mismatch_flush(&m);
	return 0;
}

// record writes state k: what lstat and readlink say, and the model's file
// numbers and hashes; and compares it with the model.
static void record(int k) {
	for (int i = 0; i < NNAMES; i++) {
		struct rec *r = rec(k, i);
		struct stat st;
		memset(r, 0, sizeof *r);
		if (lstat(paths[i], &st) < 0) {
			r->err = errno;
			r->model = r->ver = -1;
		} else {
			fromstat(r, &st);
			if (S_ISLNK(st.st_mode)) {
				ssize_t n = readlink(paths[i], r->target, sizeof r->target - 1);
				if (n < 0)
					writer_mismatch(k, "readlink %s: %s\n", names[i], strerrorname_np(errno));
				r->target[n < 0 ? 0 : n] = 0;
			}
		}
		int m = named[i];
		char d[512];
		describe(d, sizeof d, r);
		if (m < 0) {
			if (r->err != ENOENT)
				writer_mismatch(k, "%s should not exist: %s\n", names[i], d);
			continue;
		}
		struct file *f = &files[m];
		r->model = m;
		if (f->type == T_REG) {
			if (f->ver < 0) {
				f->ver = nver++;
				memcpy(vdata[f->ver], f->data, MAXSIZE);
			}
			r->ver = f->ver;
			r->hash = fnv(f->data, f->size);
		}
		static const uint32_t fmt[] = {0, S_IFREG, S_IFDIR, S_IFLNK};
		if (r->err || (r->mode & S_IFMT) != fmt[f->type] || (f->type != T_LNK && (int)(r->mode & 07777) != f->mode) ||
		    (f->type == T_REG && (r->size != f->size || (int)r->nlink != links(m))) ||
		    (f->type == T_LNK && strcmp(r->target, f->target) != 0))
			writer_mismatch(k, "%s is %s; should be %s %04o%s%s, size %d, nlink %d\n", names[i], d,
			                typename(fmt[f->type]), f->mode, f->type == T_LNK ? " -> " : "", f->target,
			                f->type == T_REG ? f->size : -1, f->type == T_REG ? links(m) : -1);
	}
}

// Ops of the writer.
enum { OP_CREATE, OP_APPEND, OP_TRUNC0, OP_EXTEND, OP_OTRUNC, OP_CHMOD, OP_RENAME, OP_UNLINK, OP_MKDIR, OP_RMDIR,
       OP_LINK, OP_SYMLINK, OP_UNLINKL, OP_RENAMEL, OP_FCHMOD, NOPS };
static const int weight[NOPS] = {3, 5, 1, 1, 1, 2, 3, 1, 1, 1, 2, 2, 1, 2, 2};

struct op {
	int op, x, y, arg;
};

static int type_of(int i) { return named[i] < 0 ? T_NONE : files[named[i]].type; }

// pick chooses a valid operation.
static struct op pick(void) {
	int total = 0;
	for (int o = 0; o < NOPS; o++)
		total += weight[o];
	for (;;) {
		int w = rnd(total), o = 0;
		while (w >= weight[o])
			w -= weight[o++];
		struct op p = {o, rnd(NF), rnd(NF), 0};
		int tx = type_of(p.x), ty = type_of(p.y);
		struct file *fx = named[p.x] >= 0 ? &files[named[p.x]] : NULL;
		switch (o) {
		case OP_CREATE:
			p.arg = filemodes[rnd(7)];
			if (tx == T_NONE)
				return p;
			break;
		case OP_APPEND:
			if (tx == T_REG && fx->size < MAXSIZE) {
				int room = MAXSIZE - fx->size;
				p.arg = 1 + rnd(room < 200 ? room : 200);
				return p;
			}
			break;
		case OP_TRUNC0:
			if (tx == T_REG && fx->size > 0)
				return p;
			break;
		case OP_EXTEND:
			if (tx == T_REG && fx->size < MAXSIZE) {
				int room = MAXSIZE - fx->size;
				p.arg = fx->size + 1 + rnd(room < 64 ? room : 64);
				return p;
			}
			break;
		case OP_OTRUNC:
			if (tx == T_REG)
				return p;
			break;
		case OP_CHMOD:
			if (tx == T_REG)
				p.arg = filemodes[rnd(7)];
			else if (tx == T_DIR)
				p.arg = dirmodes[rnd(4)];
			else
				break;
			if (p.arg != fx->mode)
				return p;
			break;
		case OP_FCHMOD:
			// Every file mode lets the owner write.
			p.arg = filemodes[rnd(7)];
			if (tx == T_REG && p.arg != fx->mode)
				return p;
			break;
		case OP_RENAME:
			if (tx == T_NONE || p.x == p.y || named[p.x] == named[p.y])
				break;
			if (ty == T_NONE || (tx == T_DIR) == (ty == T_DIR))
				return p;
			break;
		case OP_UNLINK:
			if (tx == T_REG)
				return p;
			break;
		case OP_MKDIR:
			p.arg = dirmodes[rnd(4)];
			if (tx == T_NONE)
				return p;
			break;
		case OP_RMDIR:
			if (tx == T_DIR)
				return p;
			break;
		case OP_LINK:
			if (tx == T_REG && ty == T_NONE)
				return p;
			break;
		case OP_SYMLINK:
			p.x = NF + rnd(NNAMES - NF);
			p.arg = rnd(NTARGETS);
			if (type_of(p.x) == T_NONE)
				return p;
			break;
		case OP_UNLINKL:
			p.x = NF + rnd(NNAMES - NF);
			if (type_of(p.x) == T_LNK)
				return p;
			break;
		case OP_RENAMEL:
			p.x = NF + rnd(NNAMES - NF);
			p.y = NF + rnd(NNAMES - NF);
			if (p.x != p.y && type_of(p.x) == T_LNK)
				return p;
			break;
		}
	}
}

// copyup_of says which name's file, still that of the initial tree, the
// op changes (an overlay copies it up first), or -1.
static int copyup_of(const struct op *p) {
	switch (p->op) {
	case OP_APPEND: case OP_TRUNC0: case OP_EXTEND: case OP_OTRUNC: case OP_CHMOD:
	case OP_FCHMOD: case OP_RENAME: case OP_LINK: case OP_RENAMEL:
		return files[named[p->x]].lower ? p->x : -1;
	}
	return -1;
}

// apply makes the call of step k and updates the model; it returns -1
// (errno set) if the call failed.
static int apply(int k, const struct op *p) {
	const char *x = paths[p->x], *y = paths[p->y];
	const char *nx = names[p->x], *ny = names[p->y];
	int m = named[p->x], fd, r = 0;
	switch (p->op) {
	case OP_CREATE:
		snprintf(descs[k], DESCLEN, "create %s %04o", nx, p->arg);
		if ((fd = open(x, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, p->arg)) < 0)
			return -1;
		close(fd);
		named[p->x] = newfile(T_REG, p->arg);
		break;
	case OP_APPEND:
		snprintf(descs[k], DESCLEN, "append %s +%d", nx, p->arg);
		{
			unsigned char buf[MAXSIZE];
			for (int o = 0; o < p->arg; o++)
				buf[o] = byte(k + 10, files[m].size + o);
			if ((fd = open(x, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
				return -1;
			ssize_t n = write(fd, buf, p->arg);
			int e = errno;
			close(fd);
			if (n != p->arg) {
				errno = n < 0 ? e : EIO;
				return -1;
			}
		}
		append(m, k + 10, p->arg);
		break;
	case OP_TRUNC0:
	case OP_EXTEND:
		snprintf(descs[k], DESCLEN, "truncate %s %d", nx, p->arg);
		if (truncate(x, p->arg) < 0)
			return -1;
		memset(files[m].data + p->arg, 0, p->arg > files[m].size ? 0 : files[m].size - p->arg);
		files[m].size = p->arg;
		files[m].ver = -1;
		break;
	case OP_OTRUNC:
		snprintf(descs[k], DESCLEN, "open %s O_TRUNC", nx);
		if ((fd = open(x, O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0)
			return -1;
		close(fd);
		memset(files[m].data, 0, files[m].size);
		files[m].size = 0;
		files[m].ver = -1;
		break;
	case OP_CHMOD:
		snprintf(descs[k], DESCLEN, "chmod %s %04o", nx, p->arg);
		if (chmod(x, p->arg) < 0)
			return -1;
		files[m].mode = p->arg;
		break;
	case OP_FCHMOD:
		snprintf(descs[k], DESCLEN, "fchmod %s %04o", nx, p->arg);
		if ((fd = open(x, O_WRONLY | O_CLOEXEC)) < 0)
			return -1;
		r = fchmod(fd, p->arg);
		close(fd);
		if (r < 0)
			return -1;
		files[m].mode = p->arg;
		break;
	case OP_RENAME:
	case OP_RENAMEL:
		snprintf(descs[k], DESCLEN, "rename %s %s%s", nx, ny, named[p->y] >= 0 ? " (over)" : "");
		if (rename(x, y) < 0)
			return -1;
		named[p->y] = m;
		named[p->x] = -1;
		break;
	case OP_UNLINK:
	case OP_UNLINKL:
		snprintf(descs[k], DESCLEN, "unlink %s", nx);
		if (unlink(x) < 0)
			return -1;
		named[p->x] = -1;
		break;
	case OP_MKDIR:
		snprintf(descs[k], DESCLEN, "mkdir %s %04o", nx, p->arg);
		if (mkdir(x, p->arg) < 0)
			return -1;
		named[p->x] = newfile(T_DIR, p->arg);
		break;
	case OP_RMDIR:
		snprintf(descs[k], DESCLEN, "rmdir %s", nx);
		if (rmdir(x) < 0)
			return -1;
		named[p->x] = -1;
		break;
	case OP_LINK:
		snprintf(descs[k], DESCLEN, "link %s %s", nx, ny);
		if (link(x, y) < 0)
			return -1;
		named[p->y] = m;
		break;
	case OP_SYMLINK:
		snprintf(descs[k], DESCLEN, "symlink %s -> %s", nx, targets[p->arg]);
		if (symlink(targets[p->arg], x) < 0)
			return -1;
		named[p->x] = newfile(T_LNK, 0777);
		strcpy(files[named[p->x]].target, targets[p->arg]);
		break;
	}
	return r;
}

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void publish(uint64_t v) { atomic_store_explicit(&sh->seq, v, memory_order_release); }

// writer runs the steps and returns how many were made.
static int writer(void) {
	struct op pending;
	int have = 0, k;
	for (k = 1; k <= nsteps; k++) {
		if (!have)
			pending = pick(), have = 1;
		int cu = copyup_of(&pending);
		publish(2 * (uint64_t)k - 1);
		int r, e;
		if (cu >= 0) {
			// First change of a file of the initial tree: copy it up
			// as a step of its own (elsewhere: a change of ctime).
			snprintf(descs[k], DESCLEN, "lchown %s (copy-up)", names[cu]);
			r = lchown(paths[cu], getuid(), getgid());
			e = errno;
			files[named[cu]].lower = 0;
		} else {
			r = apply(k, &pending);
			e = errno;
			have = 0;
		}
		record(k);
		publish(2 * (uint64_t)k);
		if (r < 0) {
			writer_mismatch(k, "the call failed: %s\n", strerrorname_np(e));
			break;
		}
		// Let the readers see this state for a moment (spinning: a
		// yield would give the CPU away for a whole time slice).
		unsigned long p0 = atomic_load(&sh->progress);
		double t0 = now();
		while (atomic_load(&sh->progress) < p0 + 4 && now() - t0 < 250e-6)
			__builtin_ia32_pause();
	}
	return k > nsteps ? nsteps : k;
}

// check_content reads every regular file of state 0 and compares it with
// the model.
static void check_content(void) {
	static unsigned char buf[MAXSIZE * 2];
	for (int i = 0; i < NNAMES; i++) {
		int m = named[i];
		if (m < 0 || files[m].type != T_REG)
			continue;
		int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
		if (fd >= 0)
			close(fd);
		if (n != files[m].size || memcmp(buf, files[m].data, n) != 0)
			writer_mismatch(0, "%s: %zd bytes, not the %d of the initial tree\n", names[i], n, files[m].size);
	}
}

int main(int argc, char **argv) {
	int opt, setup_only = 0, prepopulated = 0;
	while ((opt = getopt(argc, argv, "sopn:r:S:")) != -1) {
		switch (opt) {
		case 'o': overlay = 1; break;
		case 's': setup_only = 1; break;
		case 'p': prepopulated = 1; break;
		case 'n': nsteps = atoi(optarg); break;
		case 'r': nreaders = atoi(optarg); break;
		case 'S': rng = strtoull(optarg, NULL, 0) | 1; break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || nsteps < 1 || nreaders < 1 || nreaders > MAXREADERS || (setup_only && prepopulated)) {
	usage:
		fprintf(stderr, "usage: vfs_consistency [-s | -p] [-o] [-n STEPS] [-r READERS] [-S SEED] DIR\n");
		return 2;
	}
	dir = argv[optind];
	for (int i = 0; i < NNAMES; i++)
		snprintf(paths[i], sizeof paths[i], "%s/%s", dir, names[i]);
	umask(0);
	euid = geteuid();
	files = calloc(nsteps + 16, sizeof *files);
	initial_model();
	if (!prepopulated)
		write_initial();
	if (setup_only)
		return 0;

	size_t size = sizeof(struct shared) + (size_t)(nsteps + 1) * NNAMES * sizeof(struct rec) +
	              (size_t)(nsteps + 1) * DESCLEN + (size_t)(nsteps + 16) * MAXSIZE;
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap", "");
	sh = mem;
	recs = (struct rec *)((char *)mem + sizeof(struct shared));
	descs = (char (*)[DESCLEN])(recs + (size_t)(nsteps + 1) * NNAMES);
	vdata = (unsigned char (*)[MAXSIZE])(descs + nsteps + 1);
	strcpy(descs[0], "initial tree");
	reader_id = MAXREADERS; // the writer's own mismatches
	record(0);
	check_content();
	fflush(stdout);

	pid_t pids[MAXREADERS];
	for (int r = 0; r < nreaders; r++) {
		if ((pids[r] = fork()) < 0)
			die("fork", "");
		if (pids[r] == 0) {
			reader(r);
			_exit(0);
		}
	}
	while (atomic_load(&sh->ready) < nreaders)
		sched_yield();
	double t0 = now();
	int made = writer();
	double dt = now() - t0;
	atomic_store(&sh->done, 1);
	int status, failed = 0;
	for (int r = 0; r < nreaders; r++)
		if (waitpid(pids[r], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1, fprintf(stderr, "reader %d ended badly (status %#x)\n", r, status);

	unsigned long total = 0, kinds[NKINDS] = {0};
	for (int r = 0; r < nreaders; r++)
		for (int x = 0; x < NKINDS; x++)
			kinds[x] += atomic_load(&sh->checks[r][x]);
	printf("steps %d in %.3fs, readers %d\n", made, dt, nreaders);
	int few = made < nsteps || failed;
	for (int x = 0; x < NKINDS; x++) {
		printf("%s %lu\n", kindname[x], kinds[x]);
		total += kinds[x];
		// Each kind must have been checked at least a few times per 100 steps.
		if (kinds[x] < (unsigned long)nsteps / 50)
			few = 1;
	}
	unsigned long mism = atomic_load(&sh->mismatches);
	if (few)
		fprintf(stderr, "too few checks (or steps) to mean anything\n");
	printf("checks %lu mismatches %lu\n", total, mism);
	return mism > 0 || few ? 1 : 0;
}
