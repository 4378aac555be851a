/* state.c — the stub's process-wide state and the per-thread hook blocks:
 * making a block for a thread, finding all of them, and resetting them in a
 * forked child. */
#include "zvfs.h"

#define SYS_mmap 9
#define SYS_mprotect 10
#define SYS_gettid 186

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

/* zvfs_attach gives the calling thread a hook block (and a spare one for its
 * vfork children) and points %gs at it. It runs on the caller's stack. */
int zvfs_attach(void)
{
	long m = RAW6(SYS_mmap, 0, 2 * BLK_SPAN, 3 /* RW */, 0x22 /* PRIVATE|ANON */, -1, 0);
	if (m < 0 && m > -4096)
		return -1;
	unsigned long base = (unsigned long)m;
	struct block *b = (struct block *)(base + BLK_GUARD + BLK_STACK_SIZE);
	struct block *c = (struct block *)(base + BLK_SPAN + BLK_GUARD + BLK_STACK_SIZE);
	RAW3(SYS_mprotect, base, BLK_GUARD, 0);
	RAW3(SYS_mprotect, base + BLK_SPAN, BLK_GUARD, 0);
	init_block(b, base + BLK_GUARD, 0);
	init_block(c, base + BLK_SPAN + BLK_GUARD, BLKF_VFORK_CHILD);
	b->child = c;
	b->tid = (unsigned long)RAW0(SYS_gettid);
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
	for (struct block *b = zvfs_state.registry; b; b = b->next) {
		memset(b->counts, 0, sizeof b->counts);
		if (b->child)
			memset(b->child->counts, 0, sizeof b->child->counts);
	}
	memset(zvfs_state.baseline, 0, sizeof zvfs_state.baseline);
	struct block *self = cur_block();
	if (self && !(self->flags & BLKF_VFORK_CHILD))
		self->tid = (unsigned long)RAW0(SYS_gettid);
}
