/* meta_bench DIR N [lookups]: metadata calls in DIR. Prints "NAME VALUE"
 * lines: stat, open+close and create+unlink in nanoseconds per operation
 * (N of each), and getdents-1000 in microseconds per listing of a
 * 1000-entry directory (opendir, readdir to the end, closedir). With
 * "lookups", only stat and open+close. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 3 && argc != 4)
		return 2;
	int lookups_only = argc == 4;
	const char *d = argv[1];
	int n = atoi(argv[2]);
	char p[4096], q[4200];
	struct stat st;
	snprintf(p, sizeof p, "%s/file", d);
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "hello\n", 6) != 6)
		return 1;
	close(fd);

	double t = now();
	for (int i = 0; i < n; i++)
		if (stat(p, &st) != 0)
			return 1;
	printf("stat %.0f\n", (now() - t) / n);

	t = now();
	for (int i = 0; i < n; i++) {
		int f = open(p, O_RDONLY);
		if (f < 0)
			return 1;
		close(f);
	}
	printf("open+close %.0f\n", (now() - t) / n);
	if (lookups_only)
		return 0;

	t = now();
	for (int i = 0; i < n; i++) {
		snprintf(q, sizeof q, "%s/new%d", d, i);
		int f = open(q, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (f < 0)
			return 1;
		close(f);
		if (unlink(q) != 0)
			return 1;
	}
	printf("create+unlink %.0f\n", (now() - t) / n);

	snprintf(p, sizeof p, "%s/dir", d);
	if (mkdir(p, 0755) != 0)
		return 1;
	for (int i = 0; i < 1000; i++) {
		snprintf(q, sizeof q, "%s/e%d", p, i);
		int f = open(q, O_CREAT | O_WRONLY, 0644);
		if (f < 0)
			return 1;
		close(f);
	}
	int reps = n / 100 + 1;
	t = now();
	for (int r = 0; r < reps; r++) {
		DIR *dd = opendir(p);
		if (!dd)
			return 1;
		int c = 0;
		while (readdir(dd))
			c++;
		closedir(dd);
		if (c != 1002)
			return 1;
	}
	printf("getdents-1000 %.1f\n", (now() - t) / reps / 1e3);
	return 0;
}
