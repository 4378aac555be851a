/* dlopenfile LIB FILE: loads LIB (manysites.c), opens FILE with its
 * raw_open, and prints the file's first line and whether the process
 * carries a seccomp filter (the net). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		printf("dlopen: %s\n", dlerror());
		return 1;
	}
	long (*raw_open)(const char *) = (long (*)(const char *))dlsym(h, "raw_open");
	long fd = raw_open(argv[2]);
	char line[256] = "";
	if (fd >= 0) {
		ssize_t n = read((int)fd, line, sizeof line - 1);
		line[n > 0 ? n : 0] = 0;
		line[strcspn(line, "\n")] = 0;
	}
	char status[4096] = "";
	FILE *f = fopen("/proc/self/status", "r");
	int seccomp = -1;
	while (f && fgets(status, sizeof status, f))
		if (sscanf(status, "Seccomp: %d", &seccomp) == 1)
			break;
	if (f)
		fclose(f);
	printf("open %s: %s, seccomp %d\n", fd >= 0 ? "ok" : "failed", line, seccomp);
	return 0;
}
