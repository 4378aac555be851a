/* init.c — the stub's constructor: map the trampoline and its tables at the
 * fixed low addresses, give the main thread its hook block, and have the
 * executable mappings of the process rewritten (sites.c). Without ZVFS_SOCK
 * in the environment it does nothing. */
#include "zvfs.h"



#define SCRATCH_BYTES (BLK_STACK_SIZE / 2)


static const char *getenv_(char **envp, const char *name)
{
	unsigned long n = zstrlen(name);
	for (; *envp; envp++)
		if (zhasprefix(*envp, name) && (*envp)[n] == '=')
			return *envp + n + 1;
	return 0;
}

/* die reports, on one line, why the hook cannot be set up (and the errno,
 * if err is one), and exits as a shell does for a program it cannot
 * execute. */
static void die(const char *what, long err, const char *fix)
{
	char line[200], *p = line;
	unsigned long n = zstrlen(what);
	memcpy(p, what, n);
	p += n;
	if (err) {
		memcpy(p, " (errno ", 8);
		p = zutoa(p + 8, (unsigned long)-err);
		*p++ = ')';
	}
	n = zstrlen(fix);
	if (n > sizeof line - (unsigned long)(p - line) - 1)
		n = sizeof line - (unsigned long)(p - line) - 1;
	memcpy(p, fix, n);
	p[n] = 0;
	zputs2(line, 0);
	RAW1(SYS_exit_group, 126);
}

/* map_low maps the trampoline page and the data page at address 0. */
static long map_low(int fsgsbase)
{
	long r = RAW6(SYS_mmap, 0, 0x2000, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_POPULATE, -1, 0);
	if (is_err(r))
		return r;
	if (r != 0) { /* an old kernel took the address as a hint */
		RAW2(SYS_munmap, r, 0x2000);
		return -EEXIST;
	}
	/* The sled is made of 8-byte NOPs, seven ignored DS prefixes (0x3e) and a
	 * 0x90: wherever a call lands, the bytes up to the next 0x90 decode as one
	 * NOP, and the slide to the entry takes an eighth of the instructions a
	 * sled of one-byte NOPs would (3 ns instead of 20 for the longest). */
	_Static_assert(ABI_SLED_SIZE % 8 == 0 && ABI_TRAMPOLINE_ADDR % 8 == 0, "the sled is written 8 bytes at a time");
	volatile unsigned long *t = (volatile unsigned long *)low(ABI_TRAMPOLINE_ADDR);
	for (unsigned long i = 0; i < 0x1000 / 8; i++)
		t[i] = i < ABI_SLED_SIZE / 8 ? 0x903e3e3e3e3e3e3eUL : 0xf4f4f4f4f4f4f4f4UL /* hlt */;
	volatile unsigned char *j = low(ABI_TRAMPOLINE_ADDR + ABI_SLED_SIZE);
	unsigned long entry = (unsigned long)&zvfs_entry;
	j[0] = 0x49; /* movabs $entry, %r11 */
	j[1] = 0xbb;
	for (int i = 0; i < 8; i++)
		j[2 + i] = (unsigned char)(entry >> (8 * i));
	j[10] = 0x41; /* jmp *%r11 */
	j[11] = 0xff;
	j[12] = 0xe3;
	volatile unsigned char *g = low(ABI_GATE_ADDR);
	g[0] = 0x0f; /* syscall */
	g[1] = 0x05;
	g[2] = 0xc3; /* ret */
	*(volatile unsigned long *)low(ABI_FLAGS_ADDR) = fsgsbase ? ABI_DATAFLAG_FSGSBASE : 0;
	class_table_set(abi_class_table);
	return 0;
}

/* parse_key reads the run's key from the start of EnvSocket's value
 * (hexadecimal, then '@'): 1 if it is there. */
static int parse_key(const char *sock, unsigned char *key)
{
	return zunhex(sock, key, ABI_KEY_SIZE) == 0 && sock[ABI_KEY_PREFIX - 1] == '@';
}

__attribute__((constructor)) static void zvfs_init(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	if (!envp)
		return;
	const char *sock = getenv_(envp, ABI_ENV_SOCKET), *lib = getenv_(envp, ABI_ENV_LIB);
	if (!sock || !lib || zstrlen(sock) >= sizeof zvfs_state.sock || zstrlen(lib) >= sizeof zvfs_state.lib ||
	    !parse_key(sock, zvfs_state.key))
		return;
	memcpy(zvfs_state.sock, sock, zstrlen(sock) + 1);
	memcpy(zvfs_state.lib, lib, zstrlen(lib) + 1);
	const char *net = getenv_(envp, ABI_ENV_NET);
	zvfs_state.net = net && net[0] == '1';

	char **e = envp;
	while (*e)
		e++;
	int fsgsbase = 0;
	for (unsigned long *av = (unsigned long *)(e + 1); av[0]; av += 2)
		if (av[0] == AT_HWCAP2 && (av[1] & HWCAP2_FSGSBASE))
			fsgsbase = 1;

	long r = map_low(fsgsbase);
	if (r == -EEXIST)
		return; /* something (another copy of the stub?) owns address 0 */
	if (r < 0)
		die("cannot map the system-call trampoline at address 0", r, "; fix: sysctl -w vm.mmap_min_addr=0");
	if (zvfs_attach() < 0)
		die("cannot allocate the hook block", -12, "");
	vfs_init(getenv_(envp, ABI_ENV_MOUNTS), getenv_(envp, ABI_ENV_CWD), getenv_(envp, ABI_ENV_FDS),
		 getenv_(envp, ABI_ENV_EXE));
	/* The view holds the start table (sites_find) as well as the
	 * mounts' names. */
	view_init(getenv_(envp, ABI_ENV_VIEW));
	if (vfs_on())
		cwd_view_ready();
	hook_init(getenv_(envp, ABI_ENV_HOOKS));

	/* The maps text and the start table's answer after it go to the
	 * bottom of the block's private stack, which nothing uses before the
	 * program runs: no mapping to make and unmap at every start. */
	char *scratch = (char *)cur_block()->lo, *ans, *mapped;
	unsigned long mlen = sites_maps(scratch + SITES_MAPS_OFFSET, SCRATCH_BYTES - SITES_MAPS_OFFSET);
	unsigned long got = sites_find(scratch, SCRATCH_BYTES, mlen, &ans, &mapped);
	if (!got && zvfs_state.unreachable && (vfs_on() || hook_on()))
		/* A process started after its run ended (a background job's,
		 * a daemon's), or one that cannot see the run's socket: run
		 * unhooked, it would see the host where the mounts are, and a
		 * relative path would reach the directory zvfs started in. */
		die("the run this process belongs to has ended or cannot be reached", 0,
		    vfs_on() ? ": not starting it without the run's mounts" : ": not starting it without the run's hooks");
	if (got && sites_table_init(ans, got) == 0)
		sites_apply(ans, got);
	if (mapped)
		RAW2(SYS_munmap, mapped, ABI_MAX_MESSAGE);
	RAW3(SYS_mprotect, 0, 0x1000, PROT_READ | PROT_EXEC);
	RAW3(SYS_mprotect, 0x1000, 0x1000, PROT_READ);
	zvfs_gate = ABI_GATE_ADDR; /* the stub's calls leave from the trampoline's gate from now on */
	net_start();
}
