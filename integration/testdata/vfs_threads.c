// vfs_threads DIR THREADS ITERATIONS: every thread creates, writes, stats,
// reads back and unlinks its own files in DIR, while one more thread lists
// DIR over and over. Prints a summary and every error.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *dir;
static int iterations;
static atomic_int errors, running;
static pthread_mutex_t outmu = PTHREAD_MUTEX_INITIALIZER;

static void fail(int t, int i, const char *op, int e) {
	atomic_fetch_add(&errors, 1);
	pthread_mutex_lock(&outmu);
	if (errors > 20)
		;
	else if (t < 0)
		printf("lister round %d: %s: %s\n", i, op, e ? strerrorname_np(e) : "wrong result");
	else
		printf("thread %d iteration %d: %s: %s\n", t, i, op, e ? strerrorname_np(e) : "wrong result");
	pthread_mutex_unlock(&outmu);
}

static void *worker(void *arg) {
	int t = (int)(long)arg;
	char path[4096], data[100], back[101];
	for (int i = 0; i < iterations; i++) {
		snprintf(path, sizeof path, "%s/thread%d-%d", dir, t, i);
		memset(data, 'A' + t, sizeof data);
		snprintf(data, sizeof data, "%d %d", t, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			fail(t, i, "open", errno);
			continue;
		}
		if (write(fd, data, sizeof data) != sizeof data)
			fail(t, i, "write", errno);
		struct stat st;
		if (fstat(fd, &st) < 0)
			fail(t, i, "fstat", errno);
		else if (st.st_size != sizeof data || st.st_nlink != 1 || !S_ISREG(st.st_mode)) {
			char what[128];
			snprintf(what, sizeof what, "fstat: size %lld nlink %lu mode 0%o, want size %zu nlink 1 regular",
			         (long long)st.st_size, (unsigned long)st.st_nlink, st.st_mode, sizeof data);
			fail(t, i, what, 0);
		}
		if (close(fd) < 0)
			fail(t, i, "close", errno);
		if (stat(path, &st) < 0)
			fail(t, i, "stat", errno);
		else if (st.st_size != sizeof data) {
			char what[64];
			snprintf(what, sizeof what, "stat: size %lld", (long long)st.st_size);
			fail(t, i, what, 0);
		}
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fail(t, i, "reopen", errno);
		} else {
			ssize_t n = read(fd, back, sizeof back);
			if (n != sizeof data || memcmp(back, data, sizeof data) != 0)
				fail(t, i, "read back", n < 0 ? errno : 0);
			close(fd);
		}
		if (unlink(path) < 0)
			fail(t, i, "unlink", errno);
		if (stat(path, &st) == 0 || errno != ENOENT)
			fail(t, i, "stat after unlink", errno == ENOENT ? 0 : errno);
	}
	atomic_fetch_sub(&running, 1);
	return NULL;
}

static void *lister(void *arg) {
	(void)arg;
	int rounds = 0;
	while (atomic_load(&running) > 0 || rounds == 0) {
		DIR *d = opendir(dir);
		if (!d) {
			fail(-1, rounds, "opendir", errno);
			break;
		}
		struct dirent *e;
		errno = 0;
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strncmp(e->d_name, "thread", 6))
				fail(-1, rounds, "readdir name", 0);
		}
		if (errno)
			fail(-1, rounds, "readdir", errno);
		closedir(d);
		rounds++;
	}
	return NULL;
}

int main(int argc, char **argv) {
	if (argc != 4) {
		fprintf(stderr, "usage: vfs_threads DIR THREADS ITERATIONS\n");
		return 2;
	}
	dir = argv[1];
	int n = atoi(argv[2]);
	iterations = atoi(argv[3]);
	pthread_t th[64], lt;
	if (n < 1 || n > 64)
		return 2;
	atomic_store(&running, n);
	for (int t = 0; t < n; t++)
		pthread_create(&th[t], NULL, worker, (void *)(long)t);
	pthread_create(&lt, NULL, lister, NULL);
	for (int t = 0; t < n; t++)
		pthread_join(th[t], NULL);
	pthread_join(lt, NULL);
	printf("threads %d iterations %d errors %d\n", n, iterations, atomic_load(&errors));
	return atomic_load(&errors) != 0;
}
