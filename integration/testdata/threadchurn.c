/* threadchurn N: creates and joins N threads, one after another, each making
 * a system call; prints how much the resident set grew (KiB, rounded to
 * MiB) so a test can check that per-thread state is reused. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			v = atol(line + 6);
	if (f)
		fclose(f);
	return v;
}

static void *work(void *arg)
{
	syscall(SYS_getppid);
	return arg;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	for (int i = 0; i < 50; i++) { /* warm up glibc's stack cache */
		pthread_t t;
		pthread_create(&t, NULL, work, NULL);
		pthread_join(t, NULL);
	}
	long before = rss_kib();
	for (int i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, work, NULL) != 0)
			return 1;
		pthread_join(t, NULL);
	}
	long grew = rss_kib() - before;
	printf("threads %d rss grew under 4 MiB: %s\n", n, grew < 4096 ? "yes" : "no");
	fprintf(stderr, "rss grew %ld KiB\n", grew);
	return 0;
}
