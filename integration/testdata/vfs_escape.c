/* vfs_escape: file calls made where the stub cannot rewrite them must still
 * reach the mounts. Each way makes its calls in $1 (a directory):
 *   redzone: a function that keeps a value in the red zone across its
 *            `syscall` (the analysis leaves such a site as it is);
 *   jit:     code written into anonymous memory mapped executable;
 *   mprotect: code written into memory made executable afterwards.
 * Then plain libc lists what was made, and a shell this process execs (it
 * inherits the net) reads it. The same output natively. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A leaf that keeps a value in the red zone across its system call: the
 * return address a rewritten site pushes would overwrite it, so the site
 * stays as it is. */
__attribute__((noinline)) static long redzone_openat(const char *path, long flags, long mode)
{
	long r, kept;
	__asm__ volatile("movq %2, -8(%%rsp)\n"
			 "movq $-100, %%rdi\n"
			 "movq %2, %%rsi\n"
			 "movq %3, %%rdx\n"
			 "movq %4, %%r10\n"
			 "movl $257, %%eax\n"
			 "syscall\n"
			 "movq -8(%%rsp), %1\n"
			 : "=&a"(r), "=&r"(kept)
			 : "r"(path), "r"(flags), "r"(mode)
			 : "rdi", "rsi", "rdx", "r10", "rcx", "r11", "memory");
	return kept == (long)path ? r : -EFAULT;
}

typedef long (*sysfn)(long nr, long a1, long a2, long a3, long a4);

/* mov %rdi,%rax; mov %rsi,%rdi; mov %rdx,%rsi; mov %rcx,%rdx; mov %r8,%r10; syscall; ret */
static const unsigned char code[] = {0x48, 0x89, 0xf8, 0x48, 0x89, 0xf7, 0x48, 0x89, 0xd6, 0x48, 0x89,
				     0xca, 0x4d, 0x89, 0xc2, 0x0f, 0x05, 0xc3};

static sysfn jit(int later)
{
	void *p = mmap(0, 4096, later ? PROT_READ | PROT_WRITE : PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	memcpy(p, code, sizeof code);
	if (later && mprotect(p, 4096, PROT_READ | PROT_EXEC) != 0) {
		perror("mprotect");
		exit(1);
	}
	return (sysfn)p;
}

static void result(const char *what, long r)
{
	if (r < 0)
		printf("%s: %s\n", what, strerror((int)-r));
	else
		printf("%s: ok\n", what);
}

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		printf("opendir %s: %s\n", dir, strerror(errno));
		return;
	}
	char *names[64];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 64)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof *names, cmp);
	for (int i = 0; i < n; i++) {
		char p[4096];
		struct stat st;
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		if (lstat(p, &st) == 0)
			printf("  %s %s %ld\n", names[i], S_ISDIR(st.st_mode) ? "dir" : "file", S_ISDIR(st.st_mode) ? 0 : (long)st.st_size);
		free(names[i]);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	const char *d = argv[1];
	char p[4096];

	snprintf(p, sizeof p, "%s/rz", d);
	long fd = redzone_openat(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	result("redzone openat", fd);
	if (fd >= 0) {
		write((int)fd, "red", 3);
		close((int)fd);
	}

	sysfn sys = jit(0);
	snprintf(p, sizeof p, "%s/jd", d);
	result("jit mkdir", sys(SYS_mkdir, (long)p, 0755, 0, 0));
	struct stat st;
	snprintf(p, sizeof p, "%s/rz", d);
	long r = sys(SYS_newfstatat, AT_FDCWD, (long)p, (long)&st, 0);
	result("jit stat", r);
	if (r == 0)
		printf("jit stat size %ld\n", (long)st.st_size);

	/* A working directory changed by the stub, then a relative path from
	 * code it never saw. */
	snprintf(p, sizeof p, "%s/jd", d);
	if (chdir(p) != 0)
		printf("chdir: %s\n", strerror(errno));
	sysfn later = jit(1);
	fd = later(SYS_openat, AT_FDCWD, (long)"rel", O_CREAT | O_WRONLY, 0600);
	result("mprotect openat rel", fd);
	if (fd >= 0) {
		write((int)fd, "relative", 8);
		close((int)fd);
	}
	char buf[4096];
	r = later(SYS_getcwd, (long)buf, sizeof buf, 0, 0);
	result("mprotect getcwd", r < 0 ? r : 0);
	if (r > 0)
		printf("cwd is jd: %d\n", strcmp(buf, p) == 0);
	if (chdir("/") != 0)
		printf("chdir /: %s\n", strerror(errno));
	fd = later(SYS_openat, AT_FDCWD, (long)"rel", O_RDONLY, 0);
	result("openat rel from /", fd);

	list(d);
	snprintf(p, sizeof p, "%s/jd", d);
	list(p);
	fflush(stdout);
	execl("/bin/sh", "sh", "-c", "cd \"$0\"/jd && cat rel && echo && ls -A && cd .. && cat rz && echo", d, (char *)0);
	perror("exec");
	return 1;
}
