/* dlopen LIB N: loads LIB, whose raw_getppid makes the system call with its
 * own syscall instruction (rawlib.c), and calls it N times.
 * dlopen LIB open FILE: loads LIB (manysites.c), opens FILE with its
 * raw_open, and prints the file's first line and whether the process
 * carries a seccomp filter (the net). */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int open_file(void *h, const char *path)
{
	long (*raw_open)(const char *) = (long (*)(const char *))dlsym(h, "raw_open");
	long fd = raw_open(path);
	char line[256] = "";
	if (fd >= 0) {
		ssize_t n = read((int)fd, line, sizeof line - 1);
		line[n > 0 ? n : 0] = 0;
		line[strcspn(line, "\n")] = 0;
	}
	char status[4096];
	int seccomp = -1;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(status, sizeof status, f))
		if (sscanf(status, "Seccomp: %d", &seccomp) == 1)
			break;
	if (f)
		fclose(f);
	printf("open %s: %s, seccomp %d\n", fd >= 0 ? "ok" : "failed", line, seccomp);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		printf("dlopen: %s\n", dlerror());
		return 1;
	}
	if (strcmp(argv[2], "open") == 0 && argc == 4)
		return open_file(h, argv[3]);
	long (*fn)(void) = (long (*)(void))dlsym(h, "raw_getppid");
	long n = atol(argv[2]), ok = 0;
	for (long i = 0; i < n; i++)
		ok += fn() > 0;
	printf("calls %ld ok %ld\n", n, ok);
	return 0;
}
