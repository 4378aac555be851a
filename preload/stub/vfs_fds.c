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
 * not change the parent's bitmaps, nor what the view noted of them. What it
 * passes on at exec is fixed up by the new image, which checks every
 * descriptor it is told about. */
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
	view_forget_dir(fd);
	if (bits)
		fd_noted(fd);
	bit_set(&v[w], m, bits & ABI_FD_VIRT);
	bit_set(&s[w], m, bits & ABI_FD_SERVED);
}

void fd_dup(long fd, long to, int bits)
{
	if (!may_track())
		return;
	fd_set(to, bits);
	view_copy_dir(fd, to);
}

void fd_note_dir(long fd, const char *path, unsigned long n, unsigned long ino)
{
	if (may_track())
		view_note_dir(fd, path, n, ino);
}

/* ---- listings queued in a served directory's placeholder ------------------ */

/* listing_peek looks at the next message the supervisor queued in the
 * placeholder fd (abi.ListingChunkHeader): its records go to buf (up to
 * room bytes), its position to *pos. It returns the message's length, or
 * -errno (-EAGAIN: nothing queued). */
static long listing_peek(long fd, unsigned long buf, unsigned long room, unsigned long *pos)
{
	struct iovec_ iov[2] = {{pos, ABI_LISTING_CHUNK_HEADER}, {(void *)buf, room}};
	struct msghdr_ mh = {0, 0, iov, room ? 2 : 1, 0, 0, 0};
	return RAW3(SYS_recvmsg, fd, &mh, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
}

/* listing_next drops the message listing_peek saw. */
static void listing_next(long fd) { RAW6(SYS_recvfrom, fd, 0, 0, MSG_DONTWAIT | MSG_TRUNC, 0, 0); }

long listing_drop(long fd, unsigned long *pos)
{
	unsigned long first = 0, p;
	long n = listing_peek(fd, 0, 0, &first), queued = n > ABI_LISTING_CHUNK_HEADER;
	while (n > 0) {
		listing_next(fd);
		n = listing_peek(fd, 0, 0, &p);
	}
	if (queued)
		*pos = first;
	return queued;
}

long listing_read(long fd, unsigned long buf, unsigned long count, int is64, unsigned long *pos)
{
	if (count == 0)
		return VIEW_ASK; /* EINVAL, if anything is left: the supervisor's to say */
	if (stub_page(buf) || buf + count < buf)
		return -EFAULT;
	unsigned long done = 0;
	for (;;) {
		unsigned long at = 0;
		long n = listing_peek(fd, buf + done, count - done, &at);
		if (n == ABI_LISTING_MARK_SIZE || (done && n < 0))
			return (long)done; /* the end (0 if nothing came before) */
		if (n == -EFAULT)
			return -EFAULT;
		if (n <= ABI_LISTING_CHUNK_HEADER)
			return VIEW_ASK; /* nothing queued: the supervisor answers */
		unsigned long len = (unsigned long)n - ABI_LISTING_CHUNK_HEADER;
		if (is64 && len <= count - done) {
			listing_next(fd);
			done += len;
			continue;
		}
		if (done)
			return (long)done;
		/* It does not fit this call (or is not its format): drop the
		 * queue; the caller has the supervisor go back to the chunk. */
		listing_drop(fd, pos);
		return LISTING_RESEEK;
	}
}
