/* vfs_dirfd.c — lookups relative to directory descriptors (fstatat,
 * openat, faccessat, readlinkat of a descriptor and a name), which zvfs
 * answers from its namespace view for a directory it opened: through
 * descriptors opened every way (opendir, open, openat relative to another,
 * dup, dup2, F_DUPFD), and after the names change under them (chmod, a
 * rename, an unlink, a new file, a hard link changed through its other
 * name, a child directory replaced); and changes made relative to them
 * (create, mkdir, chmod, symlink, link, rename, unlink) after the
 * directory itself was renamed, which the stub sends by the directory's
 * path as the view gives it. Prints what each lookup saw. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void look(const char *tag, int dfd, const char *name)
{
	struct stat st;
	char buf[64];
	printf("%s %s:", tag, name);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		printf(" %o nlink=%lu size=%lld uid=%u", st.st_mode, (unsigned long)st.st_nlink, (long long)st.st_size,
		       st.st_uid);
	else
		printf(" %s", strerrorname_np(errno));
	printf(" access=%s", faccessat(dfd, name, R_OK, 0) == 0 ? "ok" : strerrorname_np(errno));
	ssize_t n = readlinkat(dfd, name, buf, sizeof buf - 1);
	if (n >= 0)
		printf(" -> %.*s", (int)n, buf);
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof buf - 1);
		printf(" reads %.*s", n > 0 ? (int)n - 1 : 0, buf);
		close(fd);
	} else {
		printf(" open %s", strerrorname_np(errno));
	}
	printf("\n");
}

static void put(const char *dir, const char *name, const char *text)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	fprintf(f, "%s\n", text);
	fclose(f);
}

int main(int argc, char **argv)
{
	char d[4096], p[4200], q[4200];
	snprintf(d, sizeof d, "%s/dd", argv[1]);
	mkdir(d, 0755);
	snprintf(p, sizeof p, "%s/sub", d);
	mkdir(p, 0755);
	put(d, "a", "alpha");
	put(p, "s", "sigma");
	snprintf(p, sizeof p, "%s/l", d);
	symlink("a", p);

	DIR *dir = opendir(d);
	int fds[6];
	fds[0] = dirfd(dir);
	fds[1] = open(d, O_RDONLY | O_DIRECTORY);
	int parent = open(argv[1], O_RDONLY | O_DIRECTORY);
	fds[2] = openat(parent, "dd", O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	fds[3] = dup(fds[1]);
	fds[4] = fcntl(fds[1], F_DUPFD_CLOEXEC, 20);
	fds[5] = dup2(fds[2], 30);
	const char *how[] = {"opendir", "open", "openat", "dup", "F_DUPFD", "dup2"};
	for (int i = 0; i < 6; i++) {
		look(how[i], fds[i], "a");
		look(how[i], fds[i], "l");
		look(how[i], fds[i], "sub");
		look(how[i], fds[i], "sub/s");
		look(how[i], fds[i], "nope");
		look(how[i], fds[i], "sub/../a");
	}
	int sub = openat(fds[1], "sub", O_RDONLY | O_DIRECTORY);
	look("sub", sub, "s");

	snprintf(p, sizeof p, "%s/a", d);
	chmod(p, 0600);
	look("chmod", fds[1], "a");
	snprintf(q, sizeof q, "%s/b", d);
	rename(p, q);
	look("renamed", fds[1], "a");
	look("renamed", fds[1], "b");
	put(d, "a", "again");
	look("recreated", fds[1], "a");
	snprintf(p, sizeof p, "%s/h", d);
	link(q, p);
	look("linked", fds[1], "h");
	chmod(q, 0640);
	look("chmod other name", fds[1], "h");
	look("chmod other name", fds[1], "b");
	unlink(q);
	look("unlinked", fds[1], "b");
	look("unlinked", fds[1], "h");
	snprintf(p, sizeof p, "%s/sub/s", d);
	unlink(p);
	snprintf(p, sizeof p, "%s/sub", d);
	rmdir(p);
	look("rmdir", fds[3], "sub");
	look("rmdir", sub, "s");
	mkdir(p, 0700);
	put(p, "t", "tau");
	look("new sub", fds[4], "sub");
	look("new sub", fds[4], "sub/t");
	close(fds[1]);
	look("after close of the original", fds[3], "a");
	look("after close of the original", fds[5], "sub/t");

	/* The directory moves; changes through its descriptors follow it. */
	snprintf(q, sizeof q, "%s/moved", argv[1]);
	rename(d, q);
	int m = fds[3];
	int fd = openat(m, "made", O_CREAT | O_WRONLY | O_EXCL | O_CLOEXEC, 0644);
	printf("create in the moved directory: %s\n", fd >= 0 ? "ok" : strerrorname_np(errno));
	if (fd >= 0) {
		if (write(fd, "made\n", 5) != 5)
			printf("write failed\n");
		close(fd);
	}
	printf("mkdirat: %s\n", mkdirat(m, "mk", 0700) == 0 ? "ok" : strerrorname_np(errno));
	printf("fchmodat: %s\n", fchmodat(m, "made", 0600, 0) == 0 ? "ok" : strerrorname_np(errno));
	printf("symlinkat: %s\n", symlinkat("made", m, "sl") == 0 ? "ok" : strerrorname_np(errno));
	printf("linkat: %s\n", linkat(m, "made", m, "hard", 0) == 0 ? "ok" : strerrorname_np(errno));
	printf("renameat: %s\n", renameat(m, "hard", m, "hard2") == 0 ? "ok" : strerrorname_np(errno));
	snprintf(p, sizeof p, "%s/abs", argv[1]);
	put(argv[1], "abs", "absolute");
	printf("renameat to it: %s\n", renameat(AT_FDCWD, p, m, "abs") == 0 ? "ok" : strerrorname_np(errno));
	printf("unlinkat: %s\n", unlinkat(m, "hard2", 0) == 0 ? "ok" : strerrorname_np(errno));
	printf("unlinkat of a missing name: %s\n", unlinkat(m, "hard2", 0) == 0 ? "ok" : strerrorname_np(errno));
	printf("create below a file: %s\n",
	       openat(m, "made/x", O_CREAT | O_WRONLY, 0644) >= 0 ? "ok" : strerrorname_np(errno));
	look("moved", m, "made");
	look("moved", m, "mk");
	look("moved", m, "sl");
	look("moved", m, "abs");
	snprintf(p, sizeof p, "%s/made", q);
	struct stat st;
	printf("by path: %s\n", stat(p, &st) == 0 ? "there" : strerrorname_np(errno));
	snprintf(p, sizeof p, "%s/made", d);
	printf("at the old path: %s\n", stat(p, &st) == 0 ? "there" : strerrorname_np(errno));
	/* Moved again, and removed: the descriptor's directory is gone. */
	snprintf(p, sizeof p, "%s/moved2", argv[1]);
	rename(q, p);
	printf("create after a second move: %s\n",
	       (fd = openat(m, "again", O_CREAT | O_WRONLY | O_CLOEXEC, 0644)) >= 0 ? "ok" : strerrorname_np(errno));
	if (fd >= 0)
		close(fd);
	look("moved twice", m, "again");
	closedir(dir);
	return 0;
}
