// vfs_efault: bad pointers to path and result buffers are EFAULT, also for
// pages that were good a moment ago (unmapped, made inaccessible or
// read-only since, or given back with brk), for a file in DIR and for a
// host file. Prints one line
// per call with its result; run natively and under zvfs, the output must
// be the same.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerrorname_np(errno) : "ok");
}

static char *page(void)
{
	return mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void paths(const char *tag, const char *path, const char *link)
{
	struct stat st;
	char line[64], buf[64];
	char *p = page();
	strcpy(p, path);
	snprintf(line, sizeof line, "%s stat", tag);
	show(line, stat(p, &st));
	munmap(p, 8192); /* the page the stub last found readable */
	snprintf(line, sizeof line, "%s stat unmapped path", tag);
	show(line, stat(p, &st));
	p = page();
	strcpy(p, path);
	snprintf(line, sizeof line, "%s stat remapped path", tag);
	show(line, stat(p, &st)); /* a new page at the same address, maybe */
	mprotect(p, 8192, PROT_NONE);
	snprintf(line, sizeof line, "%s stat PROT_NONE path", tag);
	show(line, stat(p, &st));
	snprintf(line, sizeof line, "%s open PROT_NONE path", tag);
	show(line, open(p, O_RDONLY));
	snprintf(line, sizeof line, "%s access PROT_NONE path", tag);
	show(line, access(p, R_OK));
	mprotect(p, 8192, PROT_READ | PROT_WRITE);
	/* A path running into an inaccessible page before its end. */
	char *q = p + 4096 - 3;
	memcpy(q, path, 3);
	mprotect(p + 4096, 4096, PROT_NONE);
	snprintf(line, sizeof line, "%s stat path into PROT_NONE", tag);
	show(line, stat(q, &st));
	munmap(p, 8192);

	char *out = page();
	snprintf(line, sizeof line, "%s stat into good buffer", tag);
	show(line, stat(path, (struct stat *)out));
	mprotect(out, 8192, PROT_READ);
	snprintf(line, sizeof line, "%s stat into read-only buffer", tag);
	show(line, stat(path, (struct stat *)out));
	snprintf(line, sizeof line, "%s statx into read-only buffer", tag);
	show(line, statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, (struct statx *)out));
	snprintf(line, sizeof line, "%s readlink into read-only buffer", tag);
	show(line, readlink(link, out, 64));
	mprotect(out, 8192, PROT_READ | PROT_WRITE);
	snprintf(line, sizeof line, "%s readlink into good buffer", tag);
	show(line, readlink(link, out, 64));
	munmap(out, 8192);
	snprintf(line, sizeof line, "%s stat into unmapped buffer", tag);
	show(line, stat(path, (struct stat *)out));
	snprintf(line, sizeof line, "%s readlink into unmapped buffer", tag);
	show(line, readlink(link, out, 1));
	snprintf(line, sizeof line, "%s readlink small good buffer", tag);
	show(line, readlink(link, buf, 1));
}

/* heap puts the path in pages the heap grows into, then gives them back. */
static void heap(const char *tag, const char *path)
{
	struct stat st;
	char line[64];
	char *cur = sbrk(0);
	char *start = (char *)(((unsigned long)cur + 4095) & ~4095UL);
	char *p = start + 3 * 4096 - 4; /* a path across two pages */
	if (sbrk(start - cur + 4 * 4096) == (void *)-1)
		return;
	strcpy(p, path);
	snprintf(line, sizeof line, "%s stat path in the heap", tag);
	show(line, stat(p, &st));
	sbrk(0); /* asks where the heap ends: takes nothing away */
	snprintf(line, sizeof line, "%s stat path in the heap again", tag);
	show(line, stat(p, &st));
	brk(start + 3 * 4096);
	snprintf(line, sizeof line, "%s stat path half given back", tag);
	show(line, stat(p, &st));
	brk(cur);
	snprintf(line, sizeof line, "%s stat path given back", tag);
	show(line, stat(p, &st));
}

int main(int argc, char **argv)
{
	char f[256], l[256];
	snprintf(f, sizeof f, "%s/f", argv[1]);
	snprintf(l, sizeof l, "%s/l", argv[1]);
	close(open(f, O_CREAT | O_WRONLY, 0644));
	symlink("f", l);
	paths("mount", f, l);
	paths("host", "/etc/hostname", "/proc/self/exe");
	heap("mount", f);
	heap("host", "/etc/hostname");
	unlink(l);
	unlink(f);
	return 0;
}
