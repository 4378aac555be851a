/* redzone: a leaf function keeps values below rsp (in the red zone) across an
 * inline syscall and must get them back. */
#include <stdio.h>

__attribute__((noinline)) static long leaf(long a, long b)
{
	long r;
	__asm__ volatile(
		"movq %1, -8(%%rsp)\n"
		"movq %2, -16(%%rsp)\n"
		"movl $110, %%eax\n"
		"syscall\n"
		"movq -8(%%rsp), %%rax\n"
		"addq -16(%%rsp), %%rax\n"
		: "=&a"(r)
		: "r"(a), "r"(b)
		: "rcx", "r11", "memory");
	return r;
}

int main(void)
{
	long r = leaf(40, 2);
	printf("red zone %s\n", r == 42 ? "intact" : "CLOBBERED");
	return r == 42 ? 0 : 1;
}
