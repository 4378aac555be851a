/* dlopen LIB N: loads LIB, whose raw_getppid makes the system call with its
 * own syscall instruction, and calls it N times. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	void *h = dlopen(argv[1], RTLD_NOW);
	if (!h) {
		printf("dlopen: %s\n", dlerror());
		return 1;
	}
	long (*fn)(void) = (long (*)(void))dlsym(h, "raw_getppid");
	long n = atol(argv[2]), ok = 0;
	for (long i = 0; i < n; i++)
		ok += fn() > 0;
	printf("calls %ld ok %ld\n", n, ok);
	return 0;
}
