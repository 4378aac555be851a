/* vfs_readdir.c — directory streams and the position they share: reading
 * to the end and past it, rewinddir, telldir/seekdir, a descriptor
 * duplicated (one position for both), a forked child reading to the end
 * (the parent's stream is then at the end too), and names added after the
 * end was reached and the stream rewound. Then raw getdents64 and getdents
 * on a directory opened as opendir opens it (zvfs queues its listing with
 * the open): buffers of every size, one too small for a record, the
 * position asked for midway, a directory too big to queue at once, and
 * fstat of such a descriptor after renames and removal. Prints counts and
 * comparisons, so the output is the same on every file system. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* raw lists fd with getdents64 (or getdents) buffers of size bytes to the
 * end; it returns the names other than . and .., or -errno. */
static int raw(int fd, int size, int is64)
{
	char buf[65536];
	int n = 0;
	for (;;) {
		long r = syscall(is64 ? SYS_getdents64 : SYS_getdents, fd, buf, size);
		if (r < 0)
			return -errno;
		if (r == 0)
			return n;
		for (long off = 0; off < r;) {
			unsigned short reclen;
			const char *name;
			if (is64) {
				memcpy(&reclen, buf + off + 16, 2);
				name = buf + off + 19;
			} else {
				memcpy(&reclen, buf + off + 16, 2);
				name = buf + off + 18;
			}
			if (strcmp(name, ".") && strcmp(name, ".."))
				n++;
			off += reclen;
		}
	}
}

static int opendir_fd(const char *dir)
{
	return open(dir, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
}

static const char *same(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_mode == b->st_mode &&
			       a->st_nlink == b->st_nlink && a->st_mtime == b->st_mtime
		       ? "same"
		       : "different";
}

static int count(DIR *d)
{
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	char dir[4096], p[4200];
	snprintf(dir, sizeof dir, "%s/rd", argv[1]);
	if (mkdir(dir, 0755) != 0) {
		perror("mkdir");
		return 1;
	}
	for (int i = 0; i < 300; i++) {
		snprintf(p, sizeof p, "%s/file-with-a-longish-name-%03d", dir, i);
		close(open(p, O_CREAT | O_WRONLY, 0644));
	}
	DIR *d = opendir(dir);
	printf("first pass %d\n", count(d));
	printf("past the end %s\n", readdir(d) ? "entry" : "none");
	rewinddir(d);
	printf("after rewinddir %d\n", count(d));
	rewinddir(d);
	for (int i = 0; i < 100; i++)
		readdir(d);
	long where = telldir(d);
	int rest = count(d);
	seekdir(d, where);
	printf("seekdir back: %s\n", count(d) == rest ? "same rest" : "different rest");

	/* A duplicate shares the position: one stream at the end leaves the
	 * other at the end. */
	rewinddir(d);
	int fd2 = dup(dirfd(d));
	DIR *d2 = fdopendir(fd2);
	printf("dup pass %d\n", count(d2));
	printf("original after dup's pass %s\n", readdir(d) ? "entry" : "none");
	lseek(fd2, 0, SEEK_SET);
	rewinddir(d2);
	printf("after lseek on the dup %d\n", count(d));
	closedir(d2);

	/* A child reads to the end: the parent's shared position is there. */
	rewinddir(d);
	pid_t pid = fork();
	if (pid == 0)
		_exit(count(d) == 300 ? 0 : 1);
	int st;
	waitpid(pid, &st, 0);
	printf("child pass %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "bad");
	printf("parent after child %s\n", readdir(d) ? "entry" : "none");

	/* A name added after the end, then a rewind: it is listed. */
	snprintf(p, sizeof p, "%s/late", dir);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	rewinddir(d);
	printf("after adding and rewinding %d\n", count(d));
	closedir(d);

	/* A fresh stream on an empty directory: nothing but . and .. */
	snprintf(p, sizeof p, "%s/empty", dir);
	mkdir(p, 0755);
	DIR *e = opendir(p);
	int n = count(e);
	printf("empty %d, again %s\n", n, readdir(e) ? "entry" : "none");
	closedir(e);

	/* Raw listings of a directory opened as opendir does. */
	int sizes[] = {65536, 32768, 8192, 4096, 1024, 100, 48};
	for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		int fd = opendir_fd(dir);
		printf("getdents64 %5d: %d\n", sizes[i], raw(fd, sizes[i], 1));
		close(fd);
	}
	int fd = opendir_fd(dir);
	printf("getdents64 too small: %d\n", raw(fd, 10, 1));
	long none = syscall(SYS_getdents64, fd, (void *)0, 0);
	printf("getdents64 of nothing: %ld %s\n", none, none < 0 ? strerror(errno) : "");
	printf("getdents64 after: %d\n", raw(fd, 4096, 1));
	close(fd);
	fd = opendir_fd(dir);
	printf("getdents: %d\n", raw(fd, 32768, 0));
	close(fd);
	/* Midway: the position, then back to it, gives the same rest. */
	fd = opendir_fd(dir);
	char buf[2048];
	long got = syscall(SYS_getdents64, fd, buf, sizeof buf);
	off_t at = lseek(fd, 0, SEEK_CUR);
	int rest2 = raw(fd, 32768, 1);
	lseek(fd, at, SEEK_SET);
	printf("midway: %s, rest %s\n", got > 0 ? "read" : "none", raw(fd, 32768, 1) == rest2 ? "same" : "different");
	lseek(fd, 0, SEEK_SET);
	printf("rewound: %d\n", raw(fd, 32768, 1));
	close(fd);

	/* fstat of the descriptor: the directory, renamed or not. */
	struct stat a, b;
	fd = opendir_fd(dir);
	fstat(fd, &a);
	stat(dir, &b);
	printf("fstat: %s\n", same(&a, &b));
	int dup_fd = dup(fd);
	fstat(dup_fd, &a);
	printf("fstat of a dup: %s\n", same(&a, &b));
	close(dup_fd);
	snprintf(p, sizeof p, "%s-renamed", dir);
	rename(dir, p);
	fstat(fd, &a);
	stat(p, &b);
	printf("fstat after rename: %s\n", same(&a, &b));
	mkdir(dir, 0700);
	fstat(fd, &a);
	printf("fstat after another took the name: %s\n", same(&a, &b));
	close(fd);
	rmdir(dir);
	rename(p, dir);
	snprintf(p, sizeof p, "%s/empty", dir);
	fd = opendir_fd(p);
	rmdir(p);
	fstat(fd, &a);
	printf("fstat after rmdir: nlink %lu\n", (unsigned long)a.st_nlink);
	close(fd);

	/* More names than the placeholder's queue holds at once. */
	snprintf(p, sizeof p, "%s/big", dir);
	mkdir(p, 0755);
	for (int i = 0; i < 6000; i++) {
		char q[4400];
		snprintf(q, sizeof q, "%s/a-rather-long-name-so-that-the-listing-is-large-%05d", p, i);
		close(open(q, O_CREAT | O_WRONLY, 0644));
	}
	DIR *big = opendir(p);
	printf("big: %d\n", count(big));
	closedir(big);
	int sz[] = {32768, 8192, 2048};
	for (unsigned i = 0; i < 3; i++) {
		fd = opendir_fd(p);
		printf("big getdents64 %d: %d\n", sz[i], raw(fd, sz[i], 1));
		close(fd);
	}
	return 0;
}
