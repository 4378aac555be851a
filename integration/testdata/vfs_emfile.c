/* vfs_emfile DIR: opens in DIR with a full descriptor table. The kernel
 * answers EMFILE before it creates or truncates anything; so must zvfs,
 * which answers opens in its supervisor and hands the descriptor over. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	char a[4096], b[4096];
	snprintf(a, sizeof a, "%s/a", argv[1]);
	snprintf(b, sizeof b, "%s/b", argv[1]);
	int fd = open(a, O_CREAT | O_RDWR, 0600);
	if (fd < 0 || write(fd, "data", 4) != 4)
		return 1;
	close(fd);
	struct rlimit r = {64, 64};
	if (setrlimit(RLIMIT_NOFILE, &r) != 0)
		return 1;
	while (open("/dev/null", O_RDONLY) >= 0)
		;
	printf("table full: %s\n", strerrorname_np(errno));
	struct stat st;
	int e;
	fd = open(b, O_CREAT | O_RDWR, 0600);
	e = errno;
	printf("create: %d %s; ", fd, fd < 0 ? strerrorname_np(e) : "");
	printf("exists: %d\n", stat(b, &st) == 0);
	fd = open(a, O_RDONLY | O_TRUNC);
	e = errno;
	printf("open O_TRUNC: %d %s; ", fd, fd < 0 ? strerrorname_np(e) : "");
	printf("size: %ld\n", stat(a, &st) == 0 ? (long)st.st_size : -1L);
	fd = openat(AT_FDCWD, b, O_CREAT | O_EXCL | O_WRONLY, 0600);
	e = errno;
	printf("openat O_EXCL: %d %s; ", fd, fd < 0 ? strerrorname_np(e) : "");
	printf("exists: %d\n", stat(b, &st) == 0);
	return 0;
}
