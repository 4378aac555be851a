/* vfs_dirrace.c — changes relative to a directory descriptor while another
 * process keeps renaming that directory: every create and unlink made
 * through the descriptor lands in the directory, wherever it is at that
 * moment (the kernel's rule). The stub sends such a call by the
 * directory's path as the view gives it; a rename between its reading and
 * the supervisor's answer must send it again with the descriptor. Then
 * the same while another process swaps the directory with a second one
 * (through a third name), so that the directory's path leads to the other
 * one now and then: a call must never land there. Prints the failures,
 * which the kernel never has, and what was left in each directory. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* entries counts the names in the directory fd, but . and .. */
static int entries(int fd)
{
	int d = dup(fd);
	DIR *dir = fdopendir(d);
	if (!dir)
		return -1;
	rewinddir(dir);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/* race makes and removes files through dfd, 3000 times, while mover runs
 * in a child; it prints what failed and what is left in dfd. */
static void race(const char *what, int dfd, void (*mover)(void))
{
	int go[2];
	if (pipe(go) != 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		close(go[1]);
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		mover();
		_exit(0);
	}
	close(go[0]);
	if (write(go[1], "x", 1) != 1)
		return;
	int creates = 0, unlinks = 0, fails = 0;
	for (int i = 0; i < 3000; i++) {
		char name[32];
		snprintf(name, sizeof name, "f%d", i % 7);
		int fd = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0) {
			if (fails++ < 5)
				printf("%s: create %s: %s\n", what, name, strerrorname_np(errno));
			continue;
		}
		creates++;
		close(fd);
		if (unlinkat(dfd, name, 0) != 0) {
			if (fails++ < 5)
				printf("%s: unlink %s: %s\n", what, name, strerrorname_np(errno));
			continue;
		}
		unlinks++;
	}
	kill(pid, SIGKILL);
	waitpid(pid, 0, 0);
	printf("%s: creates %d unlinks %d failures %d left %d\n", what, creates, unlinks, fails, entries(dfd));
}

static char a[4096], b[4096], c[4096];

static void rename_back_and_forth(void)
{
	for (;;) {
		rename(a, b);
		rename(b, a);
	}
}

static void swap_through_third(void)
{
	for (;;) {
		rename(a, c);
		rename(b, a);
		rename(c, b);
	}
}

int main(int argc, char **argv)
{
	snprintf(a, sizeof a, "%s/ra", argv[1]);
	snprintf(b, sizeof b, "%s/rb", argv[1]);
	snprintf(c, sizeof c, "%s/rc", argv[1]);
	mkdir(a, 0755);
	int dfd = open(a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	race("moved", dfd, rename_back_and_forth);
	/* dfd's directory is at a again (the mover stops between its renames
	 * at any point: put it back by whichever name it has). */
	if (rename(b, a) != 0 && errno != ENOENT)
		return 1;
	mkdir(b, 0755);
	int other = open(b, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	race("swapped", dfd, swap_through_third);
	printf("swapped: left in the other directory %d\n", entries(other));
	return 0;
}
