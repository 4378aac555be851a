/* signals: a SIGALRM handler (no SA_ONSTACK) that makes system calls while
 * the main loop makes system calls; SA_RESTART against EINTR on a blocking
 * read; sigwaitinfo with the signal blocked. Prints only deterministic lines. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

static volatile long handled;

static void on_alarm(int sig)
{
	int saved = errno;
	syscall(SYS_getppid);
	getpid();
	handled++;
	errno = saved;
}

static void nop(int sig) {}

static int blocking_read(int restart)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = nop;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	pid_t child = fork();
	if (child == 0) {
		usleep(300000);
		write(p[1], "x", 1);
		_exit(0);
	}
	struct itimerval it = {{0, 0}, {0, 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
	char c;
	ssize_t n = read(p[0], &c, 1);
	int e = errno;
	close(p[0]);
	close(p[1]);
	if (n < 0)
		printf("read: %s\n", strerror(e));
	else
		printf("read: %zd byte\n", n);
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 200}, {0, 200}};
	setitimer(ITIMER_REAL, &it, NULL);
	for (long i = 0; i < 2000000 && handled < 500; i++)
		syscall(SYS_getppid);
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	printf("handler ran: %s\n", handled > 0 ? "yes" : "no");

	blocking_read(1);
	blocking_read(0);

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGUSR1);
	siginfo_t si;
	int s = sigwaitinfo(&set, &si);
	printf("sigwaitinfo: %s from self: %s\n", s == SIGUSR1 ? "SIGUSR1" : "other",
	       si.si_pid == getpid() ? "yes" : "no");
	return 0;
}
