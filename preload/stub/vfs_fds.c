/* vfs_fds.c — the descriptor bitmaps at fixed addresses that say which of
 * the process's descriptors are virtual (the entry sends calls on them
 * here) and which of those are served by the supervisor. */
#include "vfs.h"

/* ---- descriptor bitmaps ------------------------------------------------ */

int fd_bits(long fd)
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
int may_track(void)
{
	struct block *b = cur_block();
	return vs.on && !(b && (b->flags & BLKF_VFORK_CHILD));
}

/* vfs_mark records fd as a virtual, kernel-backed descriptor (view.c's opens). */
void vfs_mark(long fd) { fd_set(fd, ABI_FD_VIRT); }

void fd_set(long fd, int bits)
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
