/* vfs_quiet DIR N: N rounds of calls the supervisor serves, each after a
 * pause longer than the supervisor thread's wait on the channel's futex
 * (supervisor.chanHotWait, 5 ms), so that the thread has parked and the stub must
 * wake it with a datagram (abi.MsgWake): create, write, fchmod, rename,
 * stat, unlink. Two threads do it at once, each on its own connection.
 * Prints "ok" and the files' count at the end, or the first call that
 * went wrong. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *dir;
static int rounds;

static void pause_us(long us)
{
	struct timespec ts = {0, us * 1000};
	nanosleep(&ts, 0);
}

static void *worker(void *arg)
{
	long id = (long)arg;
	char a[4096], b[4096];
	for (int i = 0; i < rounds; i++) {
		snprintf(a, sizeof a, "%s/t%ld-%d", dir, id, i);
		snprintf(b, sizeof b, "%s/u%ld-%d", dir, id, i);
		pause_us(6000 + 300 * (i % 5));
		int fd = open(a, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0) {
			printf("open %s: %s\n", a, strerror(errno));
			exit(1);
		}
		pause_us(6000);
		if (write(fd, "quiet\n", 6) != 6 || fchmod(fd, 0600) != 0 || close(fd) != 0) {
			printf("write/fchmod/close %s: %s\n", a, strerror(errno));
			exit(1);
		}
		pause_us(6000);
		if (rename(a, b) != 0) {
			printf("rename %s: %s\n", a, strerror(errno));
			exit(1);
		}
		pause_us(6000);
		struct stat st;
		if (stat(b, &st) != 0 || st.st_size != 6 || (st.st_mode & 07777) != 0600) {
			printf("stat %s: %s size %ld mode %o\n", b, strerror(errno), (long)st.st_size, st.st_mode & 07777);
			exit(1);
		}
		if (i % 2 && unlink(b) != 0) {
			printf("unlink %s: %s\n", b, strerror(errno));
			exit(1);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	dir = argv[1];
	rounds = atoi(argv[2]);
	pthread_t t[2];
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], 0, worker, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], 0);
	printf("ok\n");
	return 0;
}
