// vfs_lifetime DIR: descriptors on files in DIR outlive fork and exec. A
// child shell writes through an inherited descriptor and the parent reads
// the result; the same through a file already unlinked; and a close-on-exec
// descriptor must not reach the child.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *dir;

static int child(int fd, const char *text) {
	char cmd[256];
	snprintf(cmd, sizeof cmd, "echo %s 2>/dev/null >&%d", text, fd);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	int status;
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void show(const char *label, int fd) {
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof buf, 0);
	printf("%s: ", label);
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\n')
			printf("\\n");
		else
			putchar(buf[i]);
}

static char *path(const char *name) {
	static char p[4096];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	return p;
}

int main(int argc, char **argv) {
	if (argc != 2) {
		fprintf(stderr, "usage: vfs_lifetime DIR\n");
		return 2;
	}
	dir = argv[1];
	int fd = open(path("f"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		printf("open f: %s\n", strerrorname_np(errno));
		return 1;
	}
	write(fd, "parent\n", 7);
	int st = child(fd, "hi");
	if (st != 0)
		printf("child status %d\n", st);
	write(fd, "after\n", 6);
	show("shared", fd);
	printf("\n");
	printf("offset: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
	close(fd);

	fd = open(path("g"), O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || unlink(path("g")) < 0) {
		printf("open/unlink g: %s\n", strerrorname_np(errno));
		return 1;
	}
	st = child(fd, "ghost");
	if (st != 0)
		printf("child status %d\n", st);
	struct stat s;
	fstat(fd, &s);
	show("unlinked", fd);
	printf(" nlink %lu\n", (unsigned long)s.st_nlink);
	printf("unlinked name: %s\n", access(path("g"), F_OK) == 0 ? "exists" : strerrorname_np(errno));
	close(fd);

	fd = open(path("h"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	st = child(fd, "leak");
	fstat(fd, &s);
	printf("cloexec: child status %d, size %lld\n", st, (long long)s.st_size);
	close(fd);

	fflush(stdout);
	printf("listing: ");
	fflush(stdout);
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "cd '%s' && echo $(ls)", dir);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	return 127;
}
