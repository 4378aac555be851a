// vfs_longjmp: a SIGALRM handler leaves by siglongjmp 4 000 times while the
// program makes file calls, on host paths and in /data: the hook must not
// lose its private stack to the abandoned frames. Prints "jumps N".
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
static sigjmp_buf jb;
static void on_alarm(int s) { siglongjmp(jb, 1); }
int main() {
	struct sigaction sa = {0}; sa.sa_handler = on_alarm; sigaction(SIGALRM, &sa, 0);
	struct itimerval it = {{0, 200}, {0, 200}}; setitimer(ITIMER_REAL, &it, 0);
	long jumps = 0;
	for (int k = 0; k < 4000; k++) {
		if (sigsetjmp(jb, 1)) { jumps++; continue; }
		struct stat st;
		for (int i = 0; i < 50; i++) { stat("/usr/bin/env", &st); stat("/data/x", &st); }
	}
	/* Stop the timer before anything that is not async-signal-safe: a
	 * jump out of printf's malloc would leave its lock held. */
	struct itimerval off = {{0, 0}, {0, 0}};
	sigsetjmp(jb, 1); /* an alarm during setitimer comes back here */
	setitimer(ITIMER_REAL, &off, 0);
	printf("jumps %ld\n", jumps);
}
