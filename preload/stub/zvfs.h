/* zvfs.h — what the stub's C files and its assembly entry share: the layout of
 * the per-thread hook block reached through %gs, the slow-path frame, and the
 * declarations of the raw system-call helper and the small libc-free helpers.
 * Constants shared with the supervisor come from abi_gen.h (generated). */
#ifndef ZVFS_H
#define ZVFS_H

#include "abi_gen.h"

/* Per-thread hook block. %gs points at its base; a thread whose %gs base is 0
 * reads ABI_ZERO_ADDR where others read BLK_SELF, which is how the entry knows
 * it has no block yet. */
#define BLK_COUNTS      0x0000 /* u64[ABI_NSLOTS + 1] per-syscall counters */
#define BLK_OTHER       (ABI_NSLOTS * 8)
#define BLK_SELF        0x1800 /* the block's own address; must equal ABI_ZERO_ADDR */
#define BLK_CUR         0x1808 /* where the next slow-path frame starts on the private stack */
#define BLK_LO          0x1810 /* private stack bounds */
#define BLK_HI          0x1818
#define BLK_CHILD       0x1820 /* block lent to this thread's vfork children */
#define BLK_VFORK_R     0x1828 /* vfork parent's return address (its stack slot is the child's to clobber) */
#define BLK_SAVE_RDI    0x1830 /* clone3 parent's %rdi while the copied arguments are in use */
#define BLK_FLAGS       0x1838
#define BLK_NEXT        0x1840 /* registry link */
#define BLK_TID         0x1848 /* owner thread; a thread that inherited another's %gs gets its own block */
#define BLK_FSBASE      0x1860 /* owner thread's %fs base (its TLS): a cheaper ownership test than gettid */
#define BLK_CONNS       0x1a00 /* the thread's file-call connections, one per CPU (vfs.c) */
#define BLK_NCONNS      256
#define BLK_SCRATCH     0x1900 /* 256 bytes: clone3 argument copy */
#define BLK_HDR_SIZE    0x2000
#define BLK_STACK_SIZE  0x40000
#define BLK_GUARD       0x1000
#define BLK_SPAN        (BLK_GUARD + BLK_STACK_SIZE + BLK_HDR_SIZE)
#define STACK_RESERVE   0x10000 /* room one slow-path level may use before a nested one starts */
#define BLKF_VFORK_CHILD 1
#define BLKF_EXITING 2 /* its thread called exit: reusable once the thread is gone */


#ifndef __ASSEMBLER__
#include <stddef.h>

#define KNOWN_PAGES 15 /* readable pages a thread remembers (lib.c); as many as the block header holds */
struct block {
	unsigned long long counts[ABI_NSLOTS + 1];
	char pad0[BLK_SELF - (ABI_NSLOTS + 1) * 8];
	struct block *self;
	unsigned long cur, lo, hi;
	struct block *child;
	unsigned long vfork_r, save_rdi, flags;
	struct block *next;
	unsigned long tid;
	unsigned long conn_gen;  /* vfs generation the connections were made in */
	unsigned long conn_busy; /* a request is on one (a signal handler must not use them) */
	unsigned long fsbase;
	/* The pages of the caller's memory last found readable, and the one
	 * last found writable, with the memory generation then (lib.c). */
	unsigned long rpage[KNOWN_PAGES], rgen, wpage, wgen;
	unsigned rnext;
	char pad1[BLK_SCRATCH - BLK_TID - 60 - 8 * KNOWN_PAGES];
	unsigned char scratch[256];
	int conns[BLK_NCONNS]; /* descriptor + 1 of the connection to the supervisor's socket for each CPU; 0: none */
	char pad2[BLK_HDR_SIZE - BLK_CONNS - 4 * BLK_NCONNS];
};
_Static_assert(BLK_SELF == ABI_ZERO_ADDR, "block self must mirror the zero qword");
_Static_assert(offsetof(struct block, self) == BLK_SELF, "self");
_Static_assert(offsetof(struct block, cur) == BLK_CUR, "cur");
_Static_assert(offsetof(struct block, child) == BLK_CHILD, "child");
_Static_assert(offsetof(struct block, save_rdi) == BLK_SAVE_RDI, "save_rdi");
_Static_assert(offsetof(struct block, next) == BLK_NEXT, "next");
_Static_assert(offsetof(struct block, tid) == BLK_TID, "tid");
_Static_assert(offsetof(struct block, conns) == BLK_CONNS, "conns");
_Static_assert(offsetof(struct block, fsbase) == BLK_FSBASE, "fsbase");
_Static_assert(offsetof(struct block, scratch) == BLK_SCRATCH, "scratch");
_Static_assert(sizeof(struct block) == BLK_HDR_SIZE, "block size");

/* The registers the entry saved for the slow path, lowest address first. */
struct frame {
	unsigned long rax, rdi, rsi, rdx, r10, r8, r9;
	unsigned long r12, r13, r14, r15, rbx, rbp, pad;
	unsigned long user_rsp; /* points at the return address the site's call pushed */
	unsigned long old_cur;
};

/* entry.S */
long zvfs_raw(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
extern unsigned long zvfs_gate; /* where zvfs_raw and the entry issue calls: ABI_GATE_ADDR once mapped */
long zvfs_netcall(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
void zvfs_entry(void);

/* frame_args copies the call's six arguments, in order. */
static inline void frame_args(const struct frame *f, unsigned long long *out)
{
	out[0] = f->rdi;
	out[1] = f->rsi;
	out[2] = f->rdx;
	out[3] = f->r10;
	out[4] = f->r8;
	out[5] = f->r9;
}

/* frame_arg is the register of argument i (0-5). */
static inline unsigned long *frame_arg(struct frame *f, int i)
{
	switch (i) {
	case 0: return &f->rdi;
	case 1: return &f->rsi;
	case 2: return &f->rdx;
	case 3: return &f->r10;
	case 4: return &f->r8;
	default: return &f->r9;
	}
}

/* raw_frame issues the call in f as the program made it. */
static inline long raw_frame(const struct frame *f)
{
	return zvfs_raw((long)f->rax, (long)f->rdi, (long)f->rsi, (long)f->rdx, (long)f->r10, (long)f->r8, (long)f->r9);
}

static inline struct block *cur_block(void)
{
	struct block *b;
	__asm__ volatile("movq %%gs:0x1800, %0" : "=r"(b));
	return b;
}

/* low hides a fixed low address from the compiler, which would otherwise
 * treat stores near NULL as undefined behaviour. */
static inline volatile unsigned char *low(unsigned long addr)
{
	__asm__("" : "+r"(addr));
	return (volatile unsigned char *)addr;
}

/* class_table_set installs t as the class table the entry reads (before
 * the page is sealed read-only at the end of start-up). */
static inline void class_table_set(const unsigned char *t)
{
	volatile unsigned char *ct = low(ABI_CLASS_TABLE_ADDR);
	for (int i = 0; i < ABI_NSLOTS; i++)
		ct[i] = t[i];
}

/* bit_set sets (on) or clears the bits m of *w, writing only if one of
 * them changes: every write to a page a forked child still shares with
 * its parent copies it (a fault of a few µs), and most children only
 * close, dup2 and exec. Threads may change other bits of *w meanwhile.
 * It returns whether it changed one of them. */
static inline int bit_set(volatile unsigned long *w, unsigned long m, int on)
{
	unsigned long v = __atomic_load_n(w, __ATOMIC_RELAXED);
	if (on && (v & m) != m)
		return (__atomic_fetch_or(w, m, __ATOMIC_RELAXED) & m) != m;
	if (!on && (v & m))
		return (__atomic_fetch_and(w, ~m, __ATOMIC_RELAXED) & m) != 0;
	return 0;
}

/* is_err tells a raw call's error (-4095..-1) from a result. */
static inline int is_err(long r) { return r < 0 && r > -4096; }

#define RAW0(nr) zvfs_raw((nr), 0, 0, 0, 0, 0, 0)
#define RAW1(nr, a) zvfs_raw((nr), (long)(a), 0, 0, 0, 0, 0)
#define RAW2(nr, a, b) zvfs_raw((nr), (long)(a), (long)(b), 0, 0, 0, 0)
#define RAW3(nr, a, b, c) zvfs_raw((nr), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define RAW4(nr, a, b, c, d) zvfs_raw((nr), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define RAW6(nr, a, b, c, d, e, f) zvfs_raw((nr), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

/* lib.c */
extern unsigned long zvfs_vm_gen; /* counts munmap, mprotect... (entry.S) */
extern unsigned long zvfs_brk;    /* the heap's end as brk last said (entry.S) */
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t zstrlen(const char *s);
int zhasprefix(const char *s, const char *prefix);
void zputs2(const char *a, const char *b);
char *zutoa(char *p, unsigned long v);
int zunhex(const char *s, unsigned char *out, unsigned long n);
struct uiovec {
	unsigned long base, len;
};
/* stub_page: does the caller's pointer u lie in the lowest pages, which
 * hold the stub's own trampoline and tables? The kernel would read them as
 * the caller's; for the caller they are a bad pointer, as without zvfs. */
static inline int stub_page(unsigned long u)
{
	return u < ABI_SITE_TABLE_LIMIT;
}
long uread(void *dst, unsigned long src, unsigned long n);
long uwrite(unsigned long dst, const void *src, unsigned long n);
long ustr(unsigned long s, char *buf, unsigned long cap);
void block_signals(unsigned long *old);
void populate(unsigned long addr, unsigned long n);
void spin_lock(int *l);
void spin_unlock(int *l);
void restore_signals(const unsigned long *old);

/* state.c */
struct stub_state {
	int want_reports;     /* supervisor asked for counters at exit and exec */
	int net;              /* the process carries the seccomp net (EnvNet was set at start, or net_here) */
	int net_lock;         /* held while net_here installs it */
	int net_wanted;       /* the supervisor asked for it during start-up (net_start) */
	int report_lock;      /* held while a report is built and sent */
	int table_lock;       /* held while sites are added to the site table */
	unsigned long table_slots, table_used; /* 0 slots: no table */
	int table_writable;   /* mapped, not yet sealed read-only (before the first sites_apply) */
	int unreachable;      /* a hello found no supervisor to ask: the run has ended */
	int fd_high;          /* a descriptor bit was set on the bitmaps' second page (fd_noted) */
	struct block *registry;
	/* Every process reads the fields above, the strings and the start of
	 * lib: they share a page (each page of the stub's data a process
	 * touches is a fault of a few µs at its start). */
	char sock[ABI_KEY_PREFIX + 108]; /* EnvSocket's value: the run's key in hex, '@', the socket path */
	unsigned char key[ABI_KEY_SIZE];  /* the key, sent first on every connection */
	char lib[4096];
	unsigned long long baseline[ABI_NSLOTS + 1]; /* counts already reported */
};
extern struct stub_state zvfs_state;

/* fd_noted notes that a descriptor's bits are being set: one on the
 * bitmaps' second page (descriptors from FD_LOW up) sets
 * zvfs_state.fd_high; without it a scan stops below FD_LOW. That page is,
 * in most processes, never touched, and reading it in a forked child about
 * to exec is a fault. */
#define FD_LOW (4096 * 8)
static inline void fd_noted(long fd)
{
	if (fd >= FD_LOW && !__atomic_load_n(&zvfs_state.fd_high, __ATOMIC_RELAXED))
		__atomic_store_n(&zvfs_state.fd_high, 1, __ATOMIC_RELAXED);
}
int zvfs_attach(void);
void zvfs_own(struct block *b);
int zvfs_last_thread(struct block *self);
void zvfs_after_fork_child(void);

/* conn.c */
void header_init(struct abi_header *h, unsigned type, unsigned long length);
int conn_open(void);
int conn_open_cpu(long cpu);

/* cur_cpu is the CPU this thread runs on, as the vDSO's getcpu reads it
 * (the limit of the kernel's per-CPU segment): no system call. */
static inline unsigned cur_cpu(void)
{
	unsigned p = 0;
	__asm__ volatile("lsl %1, %0" : "=r"(p) : "r"(0x7bU));
	return p & 0xfff;
}
long conn_send(int fd, const void *buf, unsigned long n);
long conn_recv(int fd, void *buf, unsigned long n);
void conn_close(int fd);
void report_counts(unsigned reason);

/* net.c */
int net_before_exec(const struct frame *f, int at, int loader);
void net_here(void);
void net_wanted(void);
void net_start(void);
void net_cwd(void);

/* sites.c */
#define SITES_MAPS_OFFSET (sizeof(struct abi_header) + sizeof(struct abi_hello_fixed))
/* sites_maps writes into buf the lines of /proc/self/maps text of the
 * executable mappings (what a hello sends); returns their length. */
unsigned long sites_maps(char *buf, unsigned long cap);
unsigned long sites_exchange(char *buf, unsigned long cap, unsigned long mlen);
unsigned long sites_find(char *buf, unsigned long cap, unsigned long mlen, char **answer, char **mapped);
int sites_table_init(const char *answer, unsigned long n);
void sites_apply(const char *answer, unsigned long n);
void sites_hook_mapping(unsigned long start, unsigned long len, unsigned long prot, unsigned long flags, long fd,
			unsigned long off);

/* slow.c */
int zvfs_slow(struct frame *f);
long uptrs(unsigned long u, unsigned long *out, unsigned long cap);
/* exec_hooked issues exec f in the new image's environment. exe is the
 * path of a program stored in a mount (f runs it from its descriptor),
 * loader whether that program's loader may look in a mount. */
long exec_hooked(struct frame *f, int at, const unsigned long *mask, const char *exe, int loader);

/* kept.c */
#define PATH_MAX_ 4096
struct iovec_ {
	void *base;
	unsigned long len;
};
struct msghdr_ {
	void *name;
	unsigned name_len;
	struct iovec_ *iov;
	unsigned long iovlen;
	void *control;
	unsigned long controllen;
	int flags;
};
struct cmsg_fds {
	unsigned long len;
	int level, type;
	int fds[2];
};
/* conn.c: a datagram with its descriptors, either way. */
long conn_sendmsg(int fd, const struct msghdr_ *mh);
long conn_recvfd(int fd, struct iovec_ *iov, unsigned long flags, int *got);
/* A MsgReply as received. */
struct reply {
	struct abi_header h;
	struct abi_reply_fixed r;
	char str[PATH_MAX_ * 2 + 2];
	int fd;     /* received descriptor, or -1 */
	int lowest; /* it came on a kept connection (a high descriptor), so it is the lowest free number */
	int cloexec; /* it came with close-on-exec set */
};
/* The connection an exchange went on, for a message that follows it. */
struct conn_use {
	int s;
	int kept;
};
volatile unsigned long *fdmap(unsigned long addr);
int kept_init(void);
int kept_on(void);
int is_ours(long fd);
void kept_lost(long fd);
void kept_renew(void);
int kept_adopt(int fd, long cpu);
void kept_abandoned(struct block *b);
void kept_after_fork_child(void);
/* kept_exchange's want_fd: no descriptor; one, close-on-exec; one, inherited across exec. */
enum { WANT_NO_FD, WANT_FD, WANT_FD_INHERITED };
long kept_exchange(const struct msghdr_ *mh, long n, struct reply *rep, struct conn_use *use, int want_fd);
long kept_hold(long fd);
void kept_release(long fd);
void kept_notify(struct conn_use *use, const void *msg, unsigned long n);

/* chan.c */
struct abi_chan_header *chan_for(int s);
struct abi_chan_header *chan_of(int s);
void chan_drop(long s);
long chan_send(struct abi_chan_header *c, int s, const struct msghdr_ *mh, long n);
long chan_wait(struct abi_chan_header *c, int s);

/* vfs.c */
void vfs_init(const char *mounts, const char *cwd, const char *fds, const char *exe);
long vfs_call(struct frame *f, const unsigned long *mask);
int vfs_env(char *buf, unsigned long cap, unsigned long *out, const char *exe);
int paths_in_mount(const char *s, unsigned long n);
int vfs_on(void);
/* cwd_view_ready gives a working directory set before the view was mapped
 * (without the count it is true at) the view's count of moves. */
void cwd_view_ready(void);
long install_fd(const struct reply *rep, int cloexec, int bits);

/* struct stat as the kernel lays it out on x86-64. */
struct kstat {
	unsigned long dev, ino, nlink;
	unsigned mode, uid, gid, pad0;
	unsigned long rdev;
	long size, blksize, blocks;
	long atime, atime_nsec, mtime, mtime_nsec, ctime, ctime_nsec;
	long unused[3];
};
_Static_assert(sizeof(struct kstat) == 144, "struct stat");

/* struct procmap_query: the argument of the PROCMAP_QUERY ioctl on
 * /proc/PID/maps (linux/fs.h). */
struct procmap_query {
	unsigned long size, query_flags, query_addr;
	unsigned long vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	unsigned dev_major, dev_minor, vma_name_size, build_id_size;
	unsigned long vma_name_addr, build_id_addr;
};
_Static_assert(sizeof(struct procmap_query) == 104, "struct procmap_query");

int vfs_is_mount(const char *c, unsigned long n);
unsigned long vfs_clean(const char *p, unsigned long n, char *out, int *through);
void vfs_mark(long fd);

/* view.c */
#define VIEW_ASK (-100000L) /* the view cannot answer: ask the supervisor */
void view_init(const char *spec);
int view_env(char *buf, unsigned long cap);
/* view_moves is the view's count of directory moves (abi.ViewHeader.Moves):
 * 0 without a view. */
unsigned view_moves(void);
void view_creds_changed(void);
long view_start(unsigned long dev, unsigned long ino, long size, long mtime, long ctime, void *out, unsigned long cap,
		unsigned *nsites);
long view_call(struct frame *f, const char *c, unsigned long n);
long view_exists(const char *c, unsigned long n);
long view_fstat(long fd, unsigned long buf, int statx);
long view_fstatat(struct frame *f, long fd);
long view_fsetattr(struct frame *f, long fd);
int fd_bits(long fd); /* vfs_fds.c: ABI_FD_VIRT, ABI_FD_SERVED */
void view_note_dir(long fd, const char *path, unsigned long n, unsigned long ino);
void view_forget_dir(long fd);
void view_copy_dir(long fd, long to); /* to is a duplicate of fd */
/* view_dir_path puts the current path of the served directory fd, as the
 * view holds it, in path, and its identity in *dev and *ino (if set): its
 * length, or VIEW_ASK. */
long view_dir_path(long fd, char *path, unsigned long cap, unsigned long *dev, unsigned long *ino);

/* hook.c */
void hook_init(const char *set);
int hook_on(void);
int hook_env(char *buf, unsigned long cap, unsigned long *out);
#define HOOK_DONE 0     /* f->rax is the answer */
#define HOOK_CONTINUE 1 /* issue the call by its usual class */
struct hook_after {
	int want; /* send the result with this token */
	unsigned long token;
	struct conn_use use;
	char path[PATH_MAX_ + 1]; /* a path argument the hooks replaced, pointed at by the frame */
};
int hook_before(struct frame *f, struct hook_after *after);
void hook_done(struct hook_after *after, long ret);
#endif

#endif
