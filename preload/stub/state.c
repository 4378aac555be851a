/* state.c — the stub's process-wide state and the per-thread hook blocks:
 * making a block for a thread, finding all of them, and resetting them in a
 * forked child. */
#include "zvfs.h"


struct stub_state zvfs_state;

void zvfs_setgs(void); /* entry.S: takes its argument in %rcx */

static void set_gs(struct block *b)
{
	__asm__ volatile("call zvfs_setgs" : : "c"(b) : "r11", "memory");
}

static void init_block(struct block *b, unsigned long lo, unsigned long flags)
{
	b->self = b;
	b->lo = lo;
	b->hi = (unsigned long)b;
	b->cur = b->hi;
	b->flags = flags;
}

/* gone reports whether thread tid of process pid has left the kernel. */
static int gone(long pid, unsigned long tid)
{
	return RAW3(SYS_tgkill, pid, tid, 0) == -ESRCH;
}

/* reuse claims the block of a thread that has exited, if there is one.
 * Its counters stay: they are reported with the process's. */
static struct block *reuse(void)
{
	long pid = -1;
	for (struct block *b = __atomic_load_n(&zvfs_state.registry, __ATOMIC_ACQUIRE); b; b = b->next) {
		unsigned long f = __atomic_load_n(&b->flags, __ATOMIC_ACQUIRE);
		if (!(f & BLKF_EXITING))
			continue;
		if (pid < 0)
			pid = RAW0(SYS_getpid);
		if (!gone(pid, b->tid))
			continue; /* still running its last instructions */
		if (__atomic_compare_exchange_n(&b->flags, &f, f & ~(unsigned long)BLKF_EXITING, 0, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			return b;
	}
	return 0;
}

/* zvfs_last_thread reports whether no thread but the caller (whose block is
 * self) is still running in this process. */
int zvfs_last_thread(struct block *self)
{
	long pid = RAW0(SYS_getpid);
	for (struct block *b = __atomic_load_n(&zvfs_state.registry, __ATOMIC_ACQUIRE); b; b = b->next) {
		if (b == self || (__atomic_load_n(&b->flags, __ATOMIC_ACQUIRE) & BLKF_EXITING))
			continue;
		if (!gone(pid, b->tid))
			return 0;
	}
	return 1;
}

/* zvfs_own records the calling thread as b's owner: its id, and its %fs
 * base, which the entry compares without a system call. */
void zvfs_own(struct block *b)
{
	b->tid = (unsigned long)RAW0(SYS_gettid);
	unsigned long fs;
	if (*(volatile unsigned long *)low(ABI_FLAGS_ADDR) & ABI_DATAFLAG_FSGSBASE)
		__asm__ volatile("rdfsbase %0" : "=r"(fs));
	else
		__asm__ volatile("movq %%fs:0, %0" : "=r"(fs)); /* the TLS block's pointer to itself */
	b->fsbase = fs;
}

/* guard makes the page at addr fault on any access, below a private stack.
 * A guard region (Linux 6.13) leaves the mapping whole, where mprotect
 * splits it in three: a few µs less at every start, and fewer mappings for
 * every fork and exit to walk. */
static void guard(unsigned long addr)
{
	if (RAW3(SYS_madvise, addr, BLK_GUARD, MADV_GUARD_INSTALL) != 0)
		RAW3(SYS_mprotect, addr, BLK_GUARD, 0);
}

/* STACK_TOP_USED is how much of a private stack nearly every process uses. */
#define STACK_TOP_USED 0x2000

/* zvfs_attach gives the calling thread a hook block (and a spare one for its
 * vfork children) and points %gs at it, reusing the block of a thread that
 * has exited when it can. It runs on the caller's stack. */
int zvfs_attach(void)
{
	struct block *old = reuse();
	if (old) {
		zvfs_own(old);
		old->cur = old->hi;
		set_gs(old);
		return 0;
	}
	long m = RAW6(SYS_mmap, 0, 2 * BLK_SPAN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (is_err(m))
		return -1;
	unsigned long base = (unsigned long)m;
	struct block *b = (struct block *)(base + BLK_GUARD + BLK_STACK_SIZE);
	struct block *c = (struct block *)(base + BLK_SPAN + BLK_GUARD + BLK_STACK_SIZE);
	guard(base);
	guard(base + BLK_SPAN);
	/* The headers, and the top of the private stack, are written at once. */
	populate((unsigned long)b - STACK_TOP_USED, STACK_TOP_USED + BLK_HDR_SIZE);
	populate((unsigned long)c, BLK_HDR_SIZE);
	init_block(b, base + BLK_GUARD, 0);
	init_block(c, base + BLK_SPAN + BLK_GUARD, BLKF_VFORK_CHILD);
	b->child = c;
	zvfs_own(b);
	/* Lock-free push: blocks are never removed, so there is no ABA. */
	struct block *head = __atomic_load_n(&zvfs_state.registry, __ATOMIC_ACQUIRE);
	do
		b->next = head;
	while (!__atomic_compare_exchange_n(&zvfs_state.registry, &head, b, 1, __ATOMIC_RELEASE,
					    __ATOMIC_ACQUIRE));
	set_gs(b);
	return 0;
}

/* In a forked child every counter copied from the parent is the parent's to
 * report: start from zero. */
void zvfs_after_fork_child(void)
{
	struct block *self = cur_block();
	/* Zeroing copies pages the child shares with its parent (a fault of
	 * a few µs each, most children exec at once): only when counters are
	 * reported at all. */
	int zero = zvfs_state.want_reports;
	for (struct block *b = zvfs_state.registry; b; b = b->next) {
		if (zero) {
			memset(b->counts, 0, sizeof b->counts);
			if (b->child)
				memset(b->child->counts, 0, sizeof b->child->counts);
		}
		if (b != self) /* the parent's other threads do not exist here */
			b->flags |= BLKF_EXITING;
	}
	if (zero)
		memset(zvfs_state.baseline, 0, sizeof zvfs_state.baseline);
	/* Another thread of the parent may have held a lock at the fork
	 * (cleared only then: a write copies the page). */
	if (zvfs_state.report_lock)
		zvfs_state.report_lock = 0;
	if (zvfs_state.table_lock)
		zvfs_state.table_lock = 0;
	if (self && !(self->flags & BLKF_VFORK_CHILD))
		zvfs_own(self);
	kept_after_fork_child();
}
