/* calls.c: makes the calls hook_test.go hooks, one step per argument, and
 * prints what each returned (errno names for failures), so the test can
 * compare with what its hooks answered. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, r);
}

static void *spin(void *arg)
{
	for (int i = 0; i < 500; i++)
		if (syscall(SYS_getppid) != 7)
			return (void *)1;
	return arg;
}

static void onalarm(int sig) { (void)sig; }

static volatile long in_handler = -1;
static void onalarm_call(int sig)
{
	(void)sig;
	in_handler = syscall(SYS_getppid);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *step = argv[i];
		char buf[64] = {0};
		if (!strncmp(step, "loop:", 5)) {
			/* loop:N — N raw getppid calls; the nanoseconds per call */
			long n = atol(step + 5);
			struct timespec a, b;
			clock_gettime(CLOCK_MONOTONIC, &a);
			for (long k = 0; k < n; k++)
				syscall(SYS_getppid);
			clock_gettime(CLOCK_MONOTONIC, &b);
			printf("%.2f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / (double)n);
		} else if (!strcmp(step, "getppid")) {
			show("getppid", syscall(SYS_getppid));
		} else if (!strcmp(step, "readbytes")) {
			long r = syscall(SYS_read, 0, buf, sizeof buf - 1);
			printf("read: %ld %s\n", r, buf);
		} else if (!strcmp(step, "readfault")) {
			show("read to a bad buffer", syscall(SYS_read, 0, (void *)8, 8));
		} else if (!strcmp(step, "openfile")) {
			int fd = open("/zvfs-hook-test/file", O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				show("open", fd);
				continue;
			}
			struct stat st;
			fstat(fd, &st);
			long n = read(fd, buf, sizeof buf - 1);
			printf("open: size %ld read %ld %s cloexec %d\n", (long)st.st_size, n, buf,
			       (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
			int fd2 = open("/zvfs-hook-test/file", O_RDONLY);
			n = read(fd2, buf, 4);
			buf[n > 0 ? n : 0] = 0;
			printf("again: fd %d read %ld %s cloexec %d\n", fd2 - fd, n, buf, (fcntl(fd2, F_GETFD) & FD_CLOEXEC) != 0);
			close(fd);
			close(fd2);
		} else if (!strcmp(step, "rewrite")) {
			int fd = open("/zvfs-hook-test/redirect", O_RDONLY);
			long n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
			printf("redirected: fd %d read %ld %s\n", fd >= 0, n, n > 0 ? buf : strerrorname_np(errno));
			fflush(stdout);
			show("\nshortened write", write(1, "rewritten-arg\n", 14));
			close(fd);
		} else if (!strcmp(step, "deny")) {
			show("open denied", open("/zvfs-hook-test/denied", O_RDONLY));
		} else if (!strcmp(step, "badpath")) {
			show("open of a bad pointer", syscall(SYS_open, (char *)16, O_RDONLY));
			show("openat of unmapped memory", syscall(SYS_openat, AT_FDCWD, (char *)0x7ff000000000, O_RDONLY));
		} else if (!strcmp(step, "write")) {
			show("write", write(1, "0123456789\n", 11));
		} else if (!strcmp(step, "uname")) {
			struct utsname u;
			show("uname", uname(&u));
			printf("nodename: %s\n", u.nodename);
		} else if (!strcmp(step, "threads")) {
			pthread_t t[4];
			for (int k = 0; k < 4; k++)
				pthread_create(&t[k], 0, spin, 0);
			long bad = 0;
			for (int k = 0; k < 4; k++) {
				void *r;
				pthread_join(t[k], &r);
				bad += r != 0;
			}
			printf("threads: %ld wrong\n", bad);
		} else if (!strcmp(step, "fork")) {
			pid_t p = fork();
			if (p == 0) {
				printf("child getppid: %ld\n", syscall(SYS_getppid));
				fflush(stdout);
				_exit(3);
			}
			int st;
			waitpid(p, &st, 0);
			printf("child exit: %d\n", WEXITSTATUS(st));
		} else if (!strcmp(step, "spawn")) {
			/* posix_spawn: clone(CLONE_VM|CLONE_VFORK) on a new stack */
			fflush(stdout);
			int st = system("echo spawned");
			printf("system: %d\n", WEXITSTATUS(st));
		} else if (!strcmp(step, "vfork")) {
			fflush(stdout);
			pid_t p = vfork();
			if (p == 0)
				_exit(5);
			int st;
			waitpid(p, &st, 0);
			printf("vfork child exit: %d\n", WEXITSTATUS(st));
		} else if (!strcmp(step, "eintr")) {
			int p[2];
			pipe(p);
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = onalarm; /* no SA_RESTART */
			sigaction(SIGALRM, &sa, 0);
			alarm(1);
			show("blocked read", read(p[0], buf, 1));
		} else if (!strcmp(step, "nested")) {
			/* A signal handler's hooked call while the thread waits for
			 * the answer to its own (the hook takes 300 ms when asked
			 * with argument 1), and while it blocks in a hooked read. */
			struct sigaction sa;
			memset(&sa, 0, sizeof sa);
			sa.sa_handler = onalarm_call;
			sigaction(SIGALRM, &sa, 0);
			ualarm(100000, 0);
			long r = syscall(SYS_getppid, 1);
			printf("nested: main %ld handler %ld\n", r, in_handler);
			in_handler = -1;
			int p[2];
			pipe(p);
			ualarm(100000, 0);
			r = read(p[0], buf, 1);
			printf("nested read: %s handler %ld\n", r < 0 ? strerrorname_np(errno) : "data", in_handler);
		} else if (!strcmp(step, "exit")) {
			fflush(stdout);
			syscall(SYS_exit_group, 9);
		}
		fflush(stdout);
	}
	return 0;
}
