// vfs_setid prep|root|user DIR: what writes, truncations and changes of
// owner do to the set-user-ID and set-group-ID bits of files in DIR/w
// (pjdfstest chmod/12.t and more). One line per case with the modes that
// fstat and stat report; compared native vs zvfs.
//
//   prep  (as root) makes DIR/w, mode 0777, and in it files owned by root,
//         in group 0 or 65534, with the modes below, for "user" to write.
//   root  (as root) writes to some of them and changes owners.
//   user  (as an ordinary user, uid and gid 65534) creates, chmods, writes
//         and truncates files of its own, and writes to those of "prep".
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned modes[] = {04777, 02777, 06777, 02767, 06767};
#define NMODES (sizeof modes / sizeof modes[0])
// How the file is changed: write or ftruncate on a kernel descriptor,
// truncate by path, open with O_TRUNC.
static const char *const ops[] = {"write", "ftruncate", "truncate", "otrunc"};
#define NOPS (sizeof ops / sizeof ops[0])
static const int groups[] = {0, 65534};

static const char *D;

static const char *en(int e) {
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

static const char *path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *path(const char *fmt, ...) {
	static char p[4096], name[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	snprintf(p, sizeof p, "%s/w/%s", D, name);
	return p;
}

// mode formats the mode of a stat call's result.
static const char *mode(int r, const struct stat *st) {
	static char b[4][16];
	static int i;
	char *s = b[i++ % 4];
	if (r < 0)
		snprintf(s, 16, "%s", en(errno));
	else
		snprintf(s, 16, "%04o", st->st_mode & 07777);
	return s;
}

static const char *pmode(const char *p) {
	struct stat st;
	int r = stat(p, &st);
	return mode(r, &st);
}

static const char *fmode(int fd) {
	struct stat st;
	int r = fstat(fd, &st);
	return mode(r, &st);
}

static const char *res(int r) { return r < 0 ? en(errno) : "ok"; }

// change opens p for writing and changes it as op says, then reports the
// modes seen through the descriptor and the path.
static void change(const char *label, const char *p, const char *op) {
	int otrunc = strcmp(op, "otrunc") == 0;
	int fd = open(p, O_WRONLY | O_CLOEXEC | (otrunc ? O_TRUNC : 0));
	if (fd < 0) {
		printf("%s: open %s\n", label, en(errno));
		return;
	}
	int r = 0;
	if (strcmp(op, "write") == 0)
		r = write(fd, "x", 1);
	else if (strcmp(op, "ftruncate") == 0)
		r = ftruncate(fd, 1);
	else if (strcmp(op, "truncate") == 0)
		r = truncate(p, 1);
	const char *rs = res(r);
	const char *fm = fmode(fd);
	printf("%s: %s %s fstat %s stat %s", label, op, rs, fm, pmode(p));
	close(fd);
	printf(" closed %s\n", pmode(p));
}

static int prep(void) {
	const char *w = path("%s", "");
	if (mkdir(w, 0777) < 0 || chmod(w, 0777) < 0) {
		perror(w);
		return 1;
	}
	for (size_t g = 0; g < 2; g++)
		for (size_t m = 0; m < NMODES; m++)
			for (size_t o = 0; o < NOPS; o++) {
				const char *p = path("r%d-%s-%04o", groups[g], ops[o], modes[m]);
				int fd = open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
				if (fd < 0 || close(fd) < 0 || chown(p, 0, groups[g]) < 0 || chmod(p, modes[m]) < 0) {
					perror(p);
					return 1;
				}
			}
	return 0;
}

static int root(void) {
	// Root (CAP_FSETID) writes: nothing is taken.
	for (size_t m = 0; m < NMODES; m++) {
		const char *p = path("c-%04o", modes[m]);
		int fd = open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
		close(fd);
		printf("root c-%04o: chmod %s", modes[m], res(chmod(p, modes[m])));
		printf(" %s\n", pmode(p));
		change("root", p, "write");
		change("root", p, "ftruncate");
		// A change of owner takes S_ISUID even from root, and S_ISGID
		// if group-executable.
		printf("root c-%04o: chown 65534:65534 %s", modes[m], res(chown(p, 65534, 65534)));
		printf(" %s\n", pmode(p));
		printf("root c-%04o: chmod %s", modes[m], res(chmod(p, modes[m])));
		printf(" %s\n", pmode(p));
	}
	return 0;
}

static int user(void) {
	// Files of the user's own, in its own group.
	for (size_t m = 0; m < NMODES; m++)
		for (size_t o = 0; o < NOPS; o++) {
			const char *p = path("u-%s-%04o", ops[o], modes[m]);
			int fd = open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
			if (fd < 0) {
				printf("u-%s-%04o: create %s\n", ops[o], modes[m], en(errno));
				continue;
			}
			close(fd);
			printf("u-%s-%04o: chmod %s", ops[o], modes[m], res(chmod(p, modes[m])));
			printf(" %s\n", pmode(p));
			char label[64];
			snprintf(label, sizeof label, "u-%s-%04o", ops[o], modes[m]);
			change(label, p, ops[o]);
		}

	// Root's files, in group 0 (not the user's) or 65534 (the user's).
	for (size_t g = 0; g < 2; g++)
		for (size_t m = 0; m < NMODES; m++)
			for (size_t o = 0; o < NOPS; o++) {
				char label[64];
				snprintf(label, sizeof label, "r%d-%s-%04o", groups[g], ops[o], modes[m]);
				const char *p = path("%s", label);
				printf("%s: before %s\n", label, pmode(p));
				change(label, p, ops[o]);
			}

	// Files that root gave to the user (absent without the root step).
	for (size_t m = 0; m < NMODES; m++) {
		char label[64];
		snprintf(label, sizeof label, "c-%04o", modes[m]);
		const char *p = path("%s", label);
		printf("%s: before %s\n", label, pmode(p));
		change(label, p, "write");
	}

	// The bits come back with chmod after a write took them, and go
	// again with the next write; chown to the user's own IDs takes them
	// as the kernel's chown does.
	const char *p = path("seq");
	int fd = open(p, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644);
	printf("seq: create %s\n", res(fd));
	static const char *const steps[] = {"06777", "write", "06777", "06777", "write", "chown", "06777",
					    "chown", "02767", "chown", "write", "06767", "ftruncate", "02777",
					    "ftruncate"};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		const char *s = steps[i];
		int r;
		if (strcmp(s, "write") == 0)
			r = pwrite(fd, "y", 1, 0);
		else if (strcmp(s, "ftruncate") == 0)
			r = ftruncate(fd, 2);
		else if (strcmp(s, "chown") == 0)
			r = chown(p, 65534, 65534);
		else
			r = chmod(p, strtoul(s, NULL, 8));
		const char *rs = res(r);
		const char *fm = fmode(fd);
		printf("seq %s: %s fstat %s stat %s\n", s, rs, fm, pmode(p));
	}
	close(fd);

	// A file without a name.
	fd = open(path("%s", ""), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		printf("tmpfile: %s\n", en(errno));
		return 0;
	}
	printf("tmpfile: fchmod %s", res(fchmod(fd, 06777)));
	printf(" %s", fmode(fd));
	printf(" write %s", res(write(fd, "t", 1)));
	printf(" %s\n", fmode(fd));
	printf("tmpfile: fchmod %s", res(fchmod(fd, 02767)));
	printf(" %s", fmode(fd));
	printf(" ftruncate %s", res(ftruncate(fd, 0)));
	printf(" %s\n", fmode(fd));
	close(fd);
	return 0;
}

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: vfs_setid prep|root|user DIR\n");
		return 2;
	}
	D = argv[2];
	umask(0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "prep") == 0)
		return prep();
	if (strcmp(argv[1], "root") == 0)
		return root();
	if (strcmp(argv[1], "user") == 0)
		return user();
	return 2;
}
