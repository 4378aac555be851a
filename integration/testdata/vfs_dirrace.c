/* vfs_dirrace.c — changes relative to a directory descriptor while another
 * process keeps renaming that directory: every create and unlink made
 * through the descriptor lands in the directory, wherever it is at that
 * moment (the kernel's rule). The stub sends such a call by the
 * directory's path as the view gives it; a rename between its reading and
 * the supervisor's answer must send it again with the descriptor. Prints
 * the failures, which the kernel never has. */
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

int main(int argc, char **argv)
{
	char a[4096], b[4096];
	snprintf(a, sizeof a, "%s/ra", argv[1]);
	snprintf(b, sizeof b, "%s/rb", argv[1]);
	mkdir(a, 0755);
	int dfd = open(a, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int go[2];
	if (pipe(go) != 0)
		return 1;
	pid_t mover = fork();
	if (mover == 0) {
		close(go[1]);
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (;;) {
			rename(a, b);
			rename(b, a);
		}
	}
	close(go[0]);
	if (write(go[1], "x", 1) != 1)
		return 1;
	int creates = 0, unlinks = 0, fails = 0;
	for (int i = 0; i < 3000; i++) {
		char name[32];
		snprintf(name, sizeof name, "f%d", i % 7);
		int fd = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
		if (fd < 0) {
			if (fails++ < 5)
				printf("create %s: %s\n", name, strerrorname_np(errno));
			continue;
		}
		creates++;
		close(fd);
		if (unlinkat(dfd, name, 0) != 0) {
			if (fails++ < 5)
				printf("unlink %s: %s\n", name, strerrorname_np(errno));
			continue;
		}
		unlinks++;
	}
	kill(mover, SIGKILL);
	waitpid(mover, 0, 0);
	DIR *d = fdopendir(dfd);
	int left = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			left++;
	printf("creates %d unlinks %d failures %d left %d\n", creates, unlinks, fails, left);
	return 0;
}
