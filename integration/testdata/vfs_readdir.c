/* vfs_readdir.c — directory streams and the position they share: reading
 * to the end and past it, rewinddir, telldir/seekdir, a descriptor
 * duplicated (one position for both), a forked child reading to the end
 * (the parent's stream is then at the end too), and names added after the
 * end was reached and the stream rewound. Prints counts and sorted names,
 * so the output is the same on every file system. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
	return 0;
}
