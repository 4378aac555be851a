/* getppid_loop N [THREADS]: THREADS threads each make N raw getppid calls;
 * prints the nanoseconds per call measured around the loops. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long n;

static void *loop(void *arg)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return arg;
}

int main(int argc, char **argv)
{
	n = argc > 1 ? atol(argv[1]) : 1000000;
	int threads = argc > 2 ? atoi(argv[2]) : 1;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (threads <= 1) {
		loop(NULL);
	} else {
		pthread_t t[64];
		for (int i = 0; i < threads; i++)
			pthread_create(&t[i], NULL, loop, NULL);
		for (int i = 0; i < threads; i++)
			pthread_join(t[i], NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
	printf("%.2f\n", ns / ((double)n * (threads > 1 ? threads : 1)));
	return 0;
}
