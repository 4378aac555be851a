// vfs_signals: 4 threads create, write, fstat and remove files in /data while
// a 2 kHz SIGALRM handler stats a file there too, so that file calls run
// inside file calls. Exits 0 if every call gave the right answer.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
static volatile long hits, bad;
static void on_alarm(int s) { struct stat st; if (stat("/data/f", &st) == 0 && st.st_size == 5) hits++; else bad++; }
static void *work(void *a) {
	char p[64]; snprintf(p, sizeof p, "/data/t%ld", (long)a);
	for (int i = 0; i < 3000; i++) {
		int fd = open(p, O_CREAT | O_RDWR | O_TRUNC, 0644);
		if (fd < 0 || write(fd, "abc", 3) != 3) { bad++; }
		struct stat st; if (fstat(fd, &st) != 0 || st.st_size != 3) bad++;
		close(fd);
		if (unlink(p) != 0) bad++;
	}
	return 0;
}
int main() {
	int fd = open("/data/f", O_CREAT | O_WRONLY, 0644); write(fd, "hello", 5); close(fd);
	struct sigaction sa = {0}; sa.sa_handler = on_alarm; sa.sa_flags = SA_RESTART; sigaction(SIGALRM, &sa, 0);
	struct itimerval it = {{0, 500}, {0, 500}}; setitimer(ITIMER_REAL, &it, 0);
	pthread_t t[4]; for (long i = 0; i < 4; i++) pthread_create(&t[i], 0, work, (void *)i);
	for (int i = 0; i < 4; i++) pthread_join(t[i], 0);
	it.it_value.tv_usec = 0; it.it_interval.tv_usec = 0; setitimer(ITIMER_REAL, &it, 0);
	printf("handler stats %ld, bad %ld\n", hits, bad);
	return bad != 0;
}
