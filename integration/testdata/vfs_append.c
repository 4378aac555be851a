// vfs_append FILE separate|shared: four processes append 2500 records of 64
// bytes each to FILE with O_APPEND (each through its own open file
// description, or all through one opened before fork), then the parent
// checks that every record arrived whole and in order per writer.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { WRITERS = 4, RECORDS = 2500, RECSIZE = 64 };

static void record(char *rec, int w, int i) {
	int n = snprintf(rec, RECSIZE + 1, "writer %d record %05d ", w, i);
	memset(rec + n, 'a' + w, RECSIZE - 1 - n);
	rec[RECSIZE - 1] = '\n';
}

static int writer(const char *path, int fd, int w) {
	if (fd < 0)
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		printf("writer %d: open: %s\n", w, strerrorname_np(errno));
		return 1;
	}
	char rec[RECSIZE + 1];
	for (int i = 0; i < RECORDS; i++) {
		record(rec, w, i);
		ssize_t n = write(fd, rec, RECSIZE);
		if (n != RECSIZE) {
			printf("writer %d record %d: write returned %zd (%s)\n", w, i, n, n < 0 ? strerrorname_np(errno) : "short");
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv) {
	if (argc != 3 || (strcmp(argv[2], "separate") && strcmp(argv[2], "shared"))) {
		fprintf(stderr, "usage: vfs_append FILE separate|shared\n");
		return 2;
	}
	const char *path = argv[1];
	int shared = -1;
	if (!strcmp(argv[2], "shared")) {
		shared = open(path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (shared < 0) {
			printf("open: %s\n", strerrorname_np(errno));
			return 1;
		}
	}
	fflush(stdout);
	pid_t pids[WRITERS];
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		if (pids[w] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[w] == 0) {
			int r = writer(path, shared, w);
			fflush(stdout);
			_exit(r);
		}
	}
	int bad = 0;
	for (int w = 0; w < WRITERS; w++) {
		int status;
		if (waitpid(pids[w], &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			printf("writer %d failed (status 0x%x)\n", w, status);
			bad = 1;
		}
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		printf("reopen: %s\n", strerrorname_np(errno));
		return 1;
	}
	printf("size %lld\n", (long long)st.st_size);
	char *buf = malloc(st.st_size + 1);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);
		if (n <= 0) {
			printf("read: %s\n", n < 0 ? strerrorname_np(errno) : "early EOF");
			return 1;
		}
		got += n;
	}
	int count[WRITERS] = {0}, lines = 0, errors = 0;
	char want[RECSIZE + 1];
	for (size_t off = 0; off < got;) {
		char *nl = memchr(buf + off, '\n', got - off);
		size_t len = nl ? (size_t)(nl - (buf + off)) + 1 : got - off;
		int w = -1;
		if (len == RECSIZE && sscanf(buf + off, "writer %d ", &w) == 1 && w >= 0 && w < WRITERS) {
			record(want, w, count[w]);
			if (memcmp(want, buf + off, RECSIZE) != 0)
				w = -1;
		} else {
			w = -1;
		}
		if (w < 0) {
			if (errors++ < 5)
				printf("bad line %d at offset %zu: %.*s\n", lines, off, (int)(len > 80 ? 80 : len), buf + off);
		} else {
			count[w]++;
		}
		lines++;
		off += len;
	}
	printf("lines %d\n", lines);
	for (int w = 0; w < WRITERS; w++)
		printf("writer %d: %d\n", w, count[w]);
	if (errors)
		printf("%d bad lines\n", errors);
	return bad || errors;
}
