// vfs_bench DIR N: times file operations in DIR and prints one line per
// operation, "NAME NS_PER_OP". Run natively on a tmpfs directory and under
// zvfs on a mem mount by BenchmarkVFS, which reports the ratios.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static char buf[1 << 20];

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	const char *d = argv[1];
	int n = atoi(argv[2]);
	char p[4096], q[4096];
	snprintf(p, sizeof p, "%s/file", d);
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	memset(buf, 'x', sizeof buf);
	if (fd < 0 || write(fd, buf, sizeof buf) != sizeof buf)
		return 1;
	close(fd);
	struct stat st;
	double t = now();
	for (int i = 0; i < n; i++)
		stat(p, &st);
	printf("stat %.0f\n", (now() - t) / n);

	t = now();
	for (int i = 0; i < n; i++)
		close(open(p, O_RDONLY));
	printf("open+close %.0f\n", (now() - t) / n);

	t = now();
	for (int i = 0; i < n; i++) {
		snprintf(q, sizeof q, "%s/new%d", d, i);
		int f = open(q, O_CREAT | O_WRONLY | O_TRUNC, 0644);
		if (write(f, "hello\n", 6) != 6)
			return 1;
		close(f);
	}
	printf("create+write+close %.0f\n", (now() - t) / n);
	for (int i = 0; i < n; i++) {
		snprintf(q, sizeof q, "%s/new%d", d, i);
		unlink(q);
	}

	/* Data on an open descriptor: no round trip under zvfs. */
	fd = open(p, O_RDONLY);
	int reps = n / 20 + 1;
	t = now();
	for (int r = 0; r < reps; r++)
		for (off_t off = 0; off < (off_t)sizeof buf; off += 4096)
			if (pread(fd, buf, 4096, off) != 4096)
				return 1;
	printf("read-1MiB-in-4KiB %.0f\n", (now() - t) / reps);
	t = now();
	for (int i = 0; i < n; i++)
		fstat(fd, &st);
	printf("fstat %.0f\n", (now() - t) / n);
	close(fd);

	snprintf(q, sizeof q, "%s/dir", d);
	mkdir(q, 0755);
	for (int i = 0; i < 1000; i++) {
		char e[4200];
		snprintf(e, sizeof e, "%s/dir/e%d", d, i);
		close(open(e, O_CREAT | O_WRONLY, 0644));
	}
	reps = n / 100 + 1;
	t = now();
	for (int r = 0; r < reps; r++) {
		DIR *dd = opendir(q);
		int c = 0;
		while (readdir(dd))
			c++;
		closedir(dd);
		if (c != 1002)
			return 1;
	}
	printf("getdents-1000 %.0f\n", (now() - t) / reps);

	/* A served round trip: the position of an open directory. */
	int dfd = open(q, O_RDONLY | O_DIRECTORY);
	t = now();
	for (int i = 0; i < n; i++)
		lseek(dfd, 0, SEEK_CUR);
	printf("served-lseek %.0f\n", (now() - t) / n);
	close(dfd);
	return 0;
}
