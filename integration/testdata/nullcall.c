/* nullcall: call through a NULL function pointer held in %rax — the same
 * `call *%rax` a rewritten site uses — which must die with SIGSEGV. */
#include <stdio.h>

int main(int argc, char **argv)
{
	void (*volatile fn)(void) = 0;
	printf("calling NULL\n");
	fflush(stdout);
	__asm__ volatile("movq %0, %%rax\n call *%%rax\n" : : "m"(fn) : "rax", "memory");
	printf("survived\n");
	return 0;
}
