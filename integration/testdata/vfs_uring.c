/* vfs_uring PATH: creates PATH through an io_uring (IORING_OP_OPENAT), or,
 * if the kernel (or zvfs) refuses io_uring_setup, with open(2), as libuv
 * and liburing users fall back; says which. The ring's open runs in the
 * kernel, where no hook sees its path. */
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	int ring = (int)syscall(SYS_io_uring_setup, 4, &p);
	if (ring < 0) {
		printf("io_uring_setup: %s\n", errno == ENOSYS ? "ENOSYS" : strerror(errno));
		int fd = open(argv[1], O_CREAT | O_WRONLY, 0644);
		printf("open: %s\n", fd >= 0 ? "ok" : strerror(errno));
		return 0;
	}
	size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	char *sq = mmap(0, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
	char *cq = mmap(0, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
	struct io_uring_sqe *sqes = mmap(0, p.sq_entries * sizeof *sqes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
					 ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return 1;
	unsigned tail = *(unsigned *)(sq + p.sq_off.tail), mask = *(unsigned *)(sq + p.sq_off.ring_mask);
	struct io_uring_sqe *e = &sqes[tail & mask];
	memset(e, 0, sizeof *e);
	e->opcode = IORING_OP_OPENAT;
	e->fd = AT_FDCWD;
	e->addr = (unsigned long)argv[1];
	e->open_flags = O_CREAT | O_WRONLY;
	e->len = 0644;
	((unsigned *)(sq + p.sq_off.array))[tail & mask] = tail & mask;
	__atomic_store_n((unsigned *)(sq + p.sq_off.tail), tail + 1, __ATOMIC_RELEASE);
	if (syscall(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, 0, 0) < 0)
		return 1;
	unsigned head = *(unsigned *)(cq + p.cq_off.head);
	struct io_uring_cqe *c = (struct io_uring_cqe *)(cq + p.cq_off.cqes) + (head & *(unsigned *)(cq + p.cq_off.ring_mask));
	printf("io_uring open: %s\n", c->res >= 0 ? "ok" : strerror(-c->res));
	return 0;
}
