// vfs_fattr DIR: what futimens, fchmod and fchown on a descriptor do to a
// file, the way tar, cp -p and install call them on a file they have just
// written: explicit times, the time now, a mode or owner set to what it
// already is, and real changes. After each step another process stats
// the file by its name, and this one fstats the descriptor; ctimes are
// printed only as whether they moved; the other process also tries
// access and an open for reading, which judge the mode a fchmod left.
// Run natively and under zvfs, as root and as an ordinary user, and
// compared.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *D;
static struct timespec ctime0;

static const char *rc(long r)
{
	static char b[64];
	if (r >= 0)
		return "0";
	const char *n = strerrorname_np(errno);
	snprintf(b, sizeof b, "%s", n ? n : "E?");
	return b;
}

static int later(struct timespec a, struct timespec b)
{
	return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

static void show(const char *how, const struct stat *st)
{
	printf("  %s: mode %o uid %s gid %s size %lld atime %lld.%09ld mtime %lld.%09ld ctime %s\n", how,
	       st->st_mode, st->st_uid == getuid() ? "me" : st->st_uid == 0 ? "0" : "other",
	       st->st_gid == getgid() ? "mine" : st->st_gid == 0 ? "0" : "other", (long long)st->st_size,
	       st->st_atim.tv_sec > 1500000000 ? 0LL : (long long)st->st_atim.tv_sec,
	       st->st_atim.tv_sec > 1500000000 ? 0L : st->st_atim.tv_nsec,
	       st->st_mtim.tv_sec > 1500000000 ? 0LL : (long long)st->st_mtim.tv_sec,
	       st->st_mtim.tv_sec > 1500000000 ? 0L : st->st_mtim.tv_nsec,
	       later(st->st_ctim, ctime0) ? "moved" : "same");
}

// look prints fd's fstat (fd < 0: none), then what another process sees of
// name: an open for reading, access, then stat (in that order: a call the
// supervisor answers may re-describe the file in the view, and the view
// must be right before that too). It takes the ctime seen as the next
// step's baseline.
static void look(const char *step, long r, const char *name, int fd)
{
	printf("%s: %s\n", step, rc(r));
	struct stat fst;
	int fr = fd >= 0 ? fstat(fd, &fst) : 0;
	if (fd >= 0 && fr < 0)
		printf("  fstat: %s\n", rc(-1));
	else if (fd >= 0)
		show("fstat", &fst);
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		struct stat st;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", D, name);
		int o = open(path, O_RDONLY);
		int oe = errno;
		int ar = access(path, R_OK), are = errno;
		int aw = access(path, W_OK), awe = errno;
		int ax = access(path, X_OK), axe = errno;
		if (stat(path, &st) < 0)
			printf("  stat: %s\n", rc(-1));
		else
			show("stat", &st);
		errno = oe;
		printf("  open %s", rc(o));
		errno = are;
		printf(" access r %s", rc(ar));
		errno = awe;
		printf(" w %s", rc(aw));
		errno = axe;
		printf(" x %s\n", rc(ax));
		fflush(stdout);
		_exit(0);
	}
	waitpid(p, 0, 0);
	if (fd >= 0 && fr == 0)
		ctime0 = fst.st_ctim;
	fflush(stdout);
	// A tick, so that a change made now has a later ctime.
	struct timespec t = {0, 12 * 1000 * 1000};
	nanosleep(&t, 0);
}

static int create(const char *name, unsigned mode)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", D, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
	if (fd < 0 || write(fd, "hello", 5) != 5) {
		perror(path);
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: vfs_fattr DIR\n");
		return 2;
	}
	D = argv[1];
	umask(022);
	struct timespec ts[2] = {{1000000000, 500}, {1200000000, 250000000}};
	struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
	struct timespec bad[2] = {{0, 1000000000}, {0, 0}};

	// As tar x: create 0600, write, times, owner as it is, mode.
	int fd = create("f", 0600);
	look("created", 0, "f", fd);
	look("futimens explicit", futimens(fd, ts), "f", fd);
	look("fchown -1 -1", fchown(fd, -1, -1), "f", fd);
	look("fchown same", fchown(fd, getuid(), getgid()), "f", fd);
	look("fchmod same", fchmod(fd, 0600), "f", fd);
	look("fchmod same with type bits", fchmod(fd, S_IFREG | 0600), "f", fd);
	look("fchmod 0644", fchmod(fd, 0644), "f", fd);
	look("fchmod 0640", fchmod(fd, 0640), "f", fd);
	look("fchmod 0", fchmod(fd, 0), "f", fd);
	look("fchmod 01711", fchmod(fd, 01711), "f", fd);
	look("fchmod 0604", fchmod(fd, 0604), "f", fd);
	look("fchmod 0644 again", fchmod(fd, 0644), "f", fd);
	look("futimens omit", futimens(fd, omit), "f", fd);
	look("futimens now", futimens(fd, 0), "f", fd);
	look("futimens explicit again", futimens(fd, ts), "f", fd);
	look("futimens bad nsec", futimens(fd, bad), "f", fd);
	look("utimensat bad pointer", syscall(SYS_utimensat, fd, 0, (void *)8, 0), "f", fd);
	look("utimensat nofollow", syscall(SYS_utimensat, fd, 0, ts, AT_SYMLINK_NOFOLLOW), "f", fd);
	look("fchown to 1234", fchown(fd, 1234, -1), "f", fd);
	look("fchmod same after chown", fchmod(fd, 0644), "f", fd);
	look("fchown same gid", fchown(fd, -1, getgid()), "f", fd);
	look("futimens after chown", futimens(fd, ts), "f", fd);
	look("fchown back", fchown(fd, getuid(), -1), "f", fd);
	close(fd);
	look("closed", 0, "f", -1);

	// Read-only and O_PATH descriptors of the same file.
	char path[4096];
	snprintf(path, sizeof path, "%s/f", D);
	int ro = open(path, O_RDONLY);
	look("read-only futimens", futimens(ro, ts), "f", ro);
	look("read-only fchmod same", fchmod(ro, 0644), "f", ro);
	look("read-only fchmod 0640", fchmod(ro, 0640), "f", ro);
	close(ro);
	int op = open(path, O_PATH);
	look("O_PATH fchmod", fchmod(op, 0640), "f", -1);
	look("O_PATH fchown", fchown(op, -1, -1), "f", -1);
	look("O_PATH futimens", futimens(op, ts), "f", -1);
	close(op);

	// A set-user-ID file: a chown takes the bit away, even one that
	// changes nothing.
	fd = create("s", 0600);
	look("fchmod 04755", fchmod(fd, 04755), "s", fd);
	look("set-ID fchmod same", fchmod(fd, 04755), "s", fd);
	look("set-ID futimens", futimens(fd, ts), "s", fd);
	look("set-ID fchown -1 -1", fchown(fd, -1, -1), "s", fd);
	close(fd);

	// A file with two names: both see the change.
	fd = create("l", 0644);
	char other[4096];
	snprintf(other, sizeof other, "%s/l2", D);
	snprintf(path, sizeof path, "%s/l", D);
	look("link", link(path, other), "l2", fd);
	look("linked futimens", futimens(fd, ts), "l2", fd);
	look("linked fchmod same", fchmod(fd, 0644), "l2", fd);
	close(fd);

	// Two descriptors open for writing: the change through one while the
	// other stays, then through the other alone.
	fd = create("w", 0644);
	snprintf(path, sizeof path, "%s/w", D);
	int w2 = open(path, O_WRONLY);
	look("second writer futimens", futimens(fd, ts), "w", fd);
	close(fd);
	look("first closed, second writer fchmod same", fchmod(w2, 0644), "w", w2);
	look("second writer fchmod 0600", fchmod(w2, 0600), "w", w2);
	close(w2);
	look("all closed", 0, "w", -1);
	look("chmod by name after a writer's fchmod", chmod(path, 0640), "w", -1);

	// A writer's mode, then a chmod by name while it is still open, then
	// the writer's again: the last one counts.
	fd = create("m", 0600);
	snprintf(path, sizeof path, "%s/m", D);
	look("writer fchmod 0644", fchmod(fd, 0644), "m", fd);
	look("chmod by name 0604", chmod(path, 0604), "m", fd);
	look("writer fchmod 0640", fchmod(fd, 0640), "m", fd);
	look("writer fchmod 02750", fchmod(fd, 02750), "m", fd);
	look("writer fchmod 0700", fchmod(fd, 0700), "m", fd);
	look("unlinked", unlink(path), "m", fd);
	look("unlinked fchmod 0604", fchmod(fd, 0604), "m", fd);
	close(fd);
	return 0;
}
