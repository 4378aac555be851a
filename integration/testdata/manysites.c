/* manysites: a shared library with more system-call instructions than the
 * stub's site table has room for once a process has started (1 500 of them
 * in many_sites, which never makes one), and raw_open, which opens a file
 * with an instruction of its own. */
#define S1 __asm__ volatile("syscall" : "+a"(r) : : "rcx", "r11", "memory");
#define S10 S1 S1 S1 S1 S1 S1 S1 S1 S1 S1
#define S100 S10 S10 S10 S10 S10 S10 S10 S10 S10 S10
#define S500 S100 S100 S100 S100 S100

long many_sites(long r)
{
	if (r == 123456789) {
		S500 S500 S500
	}
	return r;
}

long raw_open(const char *path)
{
	long r = 2; /* open(path, O_RDONLY) */
	__asm__ volatile("syscall" : "+a"(r) : "D"(path), "S"(0L) : "rcx", "r11", "memory");
	return r;
}
