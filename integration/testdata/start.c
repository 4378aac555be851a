/* start.c — how this process started under zvfs, and that it is hooked.
 * It prints VERSION (set at compile time) with a system call of its own
 * (a site zvfs rewrites in this very file), "asked" if the stub asked the
 * supervisor at start (it then keeps that connection: a socket at a high
 * descriptor) or "table" if it found everything in the start table, and the
 * first line of the file argv[1] names, in a mount. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "one"
#endif

static long raw_write(int fd, const void *buf, unsigned long n)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "0"(1L), "D"((long)fd), "S"(buf), "d"(n) : "rcx", "r11", "memory");
	return ret;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int asked = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char p[64], l[64];
		snprintf(p, sizeof p, "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(p, l, sizeof l - 1);
		if (n > 0 && atoi(e->d_name) >= 64 && strncmp(l, "socket:", 7) == 0)
			asked = 1;
	}
	if (d)
		closedir(d);
	char line[256] = "";
	FILE *f = fopen(argv[1], "r");
	if (!f || !fgets(line, sizeof line, f)) {
		perror(argv[1]);
		return 1;
	}
	line[strcspn(line, "\n")] = 0;
	char out[400];
	int n = snprintf(out, sizeof out, "%s %s %s\n", VERSION, asked ? "asked" : "table", line);
	fflush(stdout);
	return raw_write(1, out, (unsigned long)n) == n ? 0 : 1;
}
