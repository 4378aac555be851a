/* data_bench DIR REPS: sequential I/O on DIR/data. Each repetition writes
 * 1 MiB from an empty file (truncated first), or reads it back, in 4 KiB or
 * 1 MiB calls. Prints "NAME VALUE" lines, microseconds per MiB. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MIB (1 << 20)

static char buf[MIB];

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int writes(int fd, int chunk)
{
	if (ftruncate(fd, 0) != 0)
		return -1;
	for (off_t off = 0; off < MIB; off += chunk)
		if (pwrite(fd, buf, chunk, off) != chunk)
			return -1;
	return 0;
}

static int reads(int fd, int chunk)
{
	for (off_t off = 0; off < MIB; off += chunk)
		if (pread(fd, buf, chunk, off) != chunk)
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	char p[4096];
	snprintf(p, sizeof p, "%s/data", argv[1]);
	int reps = atoi(argv[2]);
	memset(buf, 'x', sizeof buf);
	int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0644);
	if (fd < 0)
		return 1;
	static const struct {
		const char *name;
		int (*op)(int, int);
		int chunk;
	} ops[] = {
		{"write-4KiB", writes, 4096},
		{"write-1MiB", writes, MIB},
		{"read-4KiB", reads, 4096},
		{"read-1MiB", reads, MIB},
	};
	for (unsigned k = 0; k < sizeof ops / sizeof ops[0]; k++) {
		double t = now();
		for (int r = 0; r < reps; r++)
			if (ops[k].op(fd, ops[k].chunk) != 0)
				return 1;
		printf("%s %.1f\n", ops[k].name, (now() - t) / reps);
	}
	close(fd);
	return 0;
}
