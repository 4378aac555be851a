/* rawlib: a shared library with a system call instruction of its own. */
long raw_getppid(void)
{
	long r = 110;
	__asm__ volatile("syscall" : "+a"(r) : : "rcx", "r11", "memory");
	return r;
}
