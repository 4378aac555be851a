/* init.c — the stub's constructor: map the trampoline and its tables at the
 * fixed low addresses, give the main thread its hook block, send the
 * supervisor this process's executable mappings, and rewrite the syscall
 * sites it answers with. Without ZVFS_SOCK in the environment it does nothing. */
#include "zvfs.h"

#define SYS_read 0
#define SYS_write 1
#define SYS_open 2
#define SYS_close 3
#define SYS_mmap 9
#define SYS_mprotect 10
#define SYS_munmap 11
#define SYS_getpid 39
#define SYS_exit_group 231

#define MAP_PRIVATE_ANON 0x22
#define MAP_FIXED_NOREPLACE 0x100000
#define EEXIST 17
#define AT_HWCAP2 26
#define HWCAP2_FSGSBASE 2

#define BUF_BYTES ABI_MAX_MESSAGE

static int is_err(long r) { return r < 0 && r > -4096; }

static const char *getenv_(char **envp, const char *name)
{
	unsigned long n = zstrlen(name);
	for (; *envp; envp++)
		if (zhasprefix(*envp, name) && (*envp)[n] == '=')
			return *envp + n + 1;
	return 0;
}

/* die reports, on one line, why the hook cannot be set up, and exits as a
 * shell does for a program it cannot execute. */
static void die(const char *what, long err, const char *fix)
{
	char line[160], *p = line;
	unsigned long n = zstrlen(what);
	memcpy(p, what, n);
	p += n;
	memcpy(p, " (errno ", 8);
	p = zutoa(p + 8, (unsigned long)-err);
	*p++ = ')';
	n = zstrlen(fix);
	if (n > sizeof line - (unsigned long)(p - line) - 1)
		n = sizeof line - (unsigned long)(p - line) - 1;
	memcpy(p, fix, n);
	p[n] = 0;
	zputs2(line, 0);
	RAW1(SYS_exit_group, 126);
}

/* low hides a fixed low address from the compiler, which would otherwise
 * treat stores near NULL as undefined behaviour. */
static volatile unsigned char *low(unsigned long addr)
{
	__asm__("" : "+r"(addr));
	return (volatile unsigned char *)addr;
}

/* map_low maps the trampoline page and the data page at address 0. */
static long map_low(int fsgsbase)
{
	long r = RAW6(SYS_mmap, 0, 0x2000, 3, MAP_PRIVATE_ANON | MAP_FIXED_NOREPLACE, -1, 0);
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
	volatile unsigned char *t = low(ABI_TRAMPOLINE_ADDR);
	for (unsigned long i = 0; i < 0x1000; i++)
		t[i] = i >= ABI_SLED_SIZE ? 0xf4 /* hlt */ : (i % 8 == 7 ? 0x90 : 0x3e);
	volatile unsigned char *j = low(ABI_TRAMPOLINE_ADDR + ABI_SLED_SIZE);
	unsigned long entry = (unsigned long)&zvfs_entry;
	j[0] = 0x49; /* movabs $entry, %r11 */
	j[1] = 0xbb;
	for (int i = 0; i < 8; i++)
		j[2 + i] = (unsigned char)(entry >> (8 * i));
	j[10] = 0x41; /* jmp *%r11 */
	j[11] = 0xff;
	j[12] = 0xe3;
	*(volatile unsigned long *)low(ABI_FLAGS_ADDR) = fsgsbase ? ABI_DATAFLAG_FSGSBASE : 0;
	volatile unsigned char *ct = low(ABI_CLASS_TABLE_ADDR);
	for (int i = 0; i < ABI_NSLOTS; i++)
		ct[i] = abi_class_table[i];
	return 0;
}

/* exec_lines keeps, in place, only the lines of maps text whose permissions
 * include x: the only ones the supervisor needs, and a process with
 * thousands of data mappings still fits one datagram. Returns the new length. */
static unsigned long exec_lines(char *t, unsigned long n)
{
	unsigned long out = 0, i = 0;
	while (i < n) {
		unsigned long end = i;
		while (end < n && t[end] != '\n')
			end++;
		unsigned long sp = i;
		while (sp < end && t[sp] != ' ')
			sp++;
		if (sp + 3 < end && t[sp + 3] == 'x') {
			unsigned long len = end - i + (end < n);
			memcpy(t + out, t + i, len); /* moves left: never overlaps wrongly */
			out += len;
		}
		i = end + 1;
	}
	return out;
}

/* read_maps reads /proc/self/maps into buf; returns its length or -errno. */
static long read_maps(char *buf, unsigned long cap)
{
	long fd = RAW3(SYS_open, "/proc/self/maps", 0 /* O_RDONLY */ | 02000000, 0);
	if (fd < 0)
		return fd;
	unsigned long n = 0;
	for (;;) {
		long r = RAW3(SYS_read, fd, buf + n, cap - n);
		if (r == -4)
			continue;
		if (r <= 0)
			break;
		n += (unsigned long)r;
		if (n == cap)
			break;
	}
	RAW1(SYS_close, fd);
	return (long)n;
}

static unsigned long site_hash(unsigned long ret)
{
	return (unsigned long)(((unsigned long long)ret * (unsigned long long)(long)(int)ABI_SITE_HASH_MUL) >> 32);
}

/* remap replaces [start, end) with the same range of path, a copy of the
 * mapped file whose sites the supervisor already rewrote: the pages are then
 * shared by every process of the run instead of copied into each. mmap checks
 * everything that can fail before it unmaps the old range. */
static int remap(unsigned long start, unsigned long end, unsigned long off, unsigned prot, const char *path)
{
	long fd = RAW3(SYS_open, path, 0 | 02000000 /* O_CLOEXEC */, 0);
	if (fd < 0)
		return 0;
	long r = RAW6(SYS_mmap, start, end - start, prot, 0x12 /* MAP_PRIVATE|MAP_FIXED */, fd, off);
	RAW1(SYS_close, fd);
	return r == (long)start;
}

/* patch applies the supervisor's answer held in buf (n bytes of consecutive
 * MsgSites datagrams, each prefixed by its length in a u64). */
static void patch(const char *buf, unsigned long n)
{
	unsigned long total = 0;
	for (unsigned long off = 0; off < n;) {
		unsigned long len = *(const unsigned long *)(buf + off);
		const struct abi_sites_fixed *sf = (const void *)(buf + off + 8 + sizeof(struct abi_header));
		total += sf->nsites;
		off += 8 + len;
	}
	unsigned long slots = 1024;
	while (slots < 2 * total)
		slots <<= 1;
	unsigned long bytes = (ABI_SITE_SLOTS_ADDR - ABI_SITE_TABLE_ADDR + slots * 8 + 4095) & ~4095UL;
	if (ABI_SITE_TABLE_ADDR + bytes > ABI_SITE_TABLE_LIMIT) {
		zputs2("too many system-call sites; running unhooked", 0);
		return;
	}
	long r = RAW6(SYS_mmap, ABI_SITE_TABLE_ADDR, bytes, 3, MAP_PRIVATE_ANON | MAP_FIXED_NOREPLACE, -1, 0);
	if (r != ABI_SITE_TABLE_ADDR) {
		zputs2("cannot map the site table; running unhooked", 0);
		return;
	}
	volatile unsigned long *tab = (volatile unsigned long *)low(ABI_SITE_SLOTS_ADDR);
	*(volatile unsigned int *)low(ABI_SITE_TABLE_ADDR) = (unsigned int)(slots - 1);
	unsigned long entry = (unsigned long)&zvfs_entry;

	/* Pass 1: record every site we will rewrite. Pass 2: rewrite. The table
	 * must hold a site before its call can happen. */
	for (int pass = 1; pass <= 2; pass++) {
		for (unsigned long off = 0; off < n;) {
			unsigned long len = *(const unsigned long *)(buf + off);
			const char *p = buf + off + 8 + sizeof(struct abi_header);
			const struct abi_sites_fixed *sf = (const void *)p;
			const struct abi_range *rg = (const void *)(p + sizeof *sf);
			const abi_u64 *sites = (const abi_u64 *)(rg + sf->nranges);
			const char *strs = (const char *)(sites + sf->nsites);
			for (unsigned i = 0; i < sf->nranges; i++) {
				unsigned long start = rg[i].start, end = rg[i].end;
				int ok = start < end && (start & 4095) == 0 && start >= ABI_SITE_TABLE_LIMIT &&
					 !(entry >= start && entry < end);
				if (ok && pass == 2 && rg[i].path_len && (unsigned long)rg[i].path_off + rg[i].path_len < sf->str_len &&
				    strs[rg[i].path_off + rg[i].path_len] == 0 &&
				    remap(start, end, rg[i].file_offset, rg[i].prot, strs + rg[i].path_off)) {
					sites += rg[i].nsites;
					continue;
				}
				if (ok && pass == 2)
					ok = RAW3(SYS_mprotect, start, end - start, rg[i].prot | 2 /* WRITE */) == 0;
				for (unsigned k = 0; ok && k < rg[i].nsites; k++) {
					unsigned long a = sites[k];
					if (a < start || a + 2 > end)
						continue;
					volatile unsigned char *c = (volatile unsigned char *)a;
					if (pass == 1) {
						if (c[0] != 0x0f || c[1] != 0x05)
							continue;
						unsigned long ret = a + 2, h = site_hash(ret) & (slots - 1);
						while (tab[h] && tab[h] != ret)
							h = (h + 1) & (slots - 1);
						tab[h] = ret;
					} else if (c[0] == 0x0f && c[1] == 0x05) {
						*(volatile unsigned short *)a = 0xd0ff; /* call *%rax */
					}
				}
				if (ok && pass == 2)
					RAW3(SYS_mprotect, start, end - start, rg[i].prot);
				sites += rg[i].nsites;
			}
			off += 8 + len;
		}
		if (pass == 1)
			RAW3(SYS_mprotect, ABI_SITE_TABLE_ADDR, bytes, 1 /* READ */);
	}
}

__attribute__((constructor)) static void zvfs_init(int argc, char **argv, char **envp)
{
	(void)argc;
	(void)argv;
	if (!envp)
		return;
	const char *sock = getenv_(envp, ABI_ENV_SOCKET), *lib = getenv_(envp, ABI_ENV_LIB);
	if (!sock || !lib || zstrlen(sock) >= sizeof zvfs_state.sock || zstrlen(lib) >= sizeof zvfs_state.lib)
		return;
	memcpy(zvfs_state.sock, sock, zstrlen(sock) + 1);
	memcpy(zvfs_state.lib, lib, zstrlen(lib) + 1);

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
	zvfs_state.active = 1;

	char *buf = (char *)RAW6(SYS_mmap, 0, BUF_BYTES, 3, MAP_PRIVATE_ANON, -1, 0);
	if (is_err((long)buf))
		goto sealed;
	struct abi_header *h = (struct abi_header *)buf;
	struct abi_hello_fixed *hf = (struct abi_hello_fixed *)(h + 1);
	char *maps = (char *)(hf + 1);
	long mlen = read_maps(maps, BUF_BYTES - (unsigned long)(maps - buf));
	mlen = mlen < 0 ? 0 : (long)exec_lines(maps, (unsigned long)mlen);
	h->magic = ABI_MAGIC;
	h->version = ABI_VERSION;
	h->type = ABI_MSG_HELLO;
	h->length = (abi_u32)(sizeof *hf + (unsigned long)mlen);
	h->pid = (abi_i32)RAW0(SYS_getpid);
	hf->stub_addr = (abi_u64)(unsigned long)&zvfs_entry;
	hf->maps_len = (abi_u32)mlen;
	hf->flags = 0;
	unsigned long got = 0;
	int fd = conn_open();
	if (fd >= 0 && conn_send(fd, buf, sizeof *h + h->length) > 0) {
		/* Receive the answer: datagrams stored back to back, each after
		 * its length, in the same buffer. */
		for (;;) {
			if (BUF_BYTES - got < 8 + 64)
				break;
			long n = conn_recv(fd, buf + got + 8, BUF_BYTES - got - 8);
			if (n < (long)(sizeof(struct abi_header) + sizeof(struct abi_sites_fixed)))
				break;
			struct abi_header *rh = (struct abi_header *)(buf + got + 8);
			const struct abi_sites_fixed *sf = (const void *)(rh + 1);
			unsigned long need = sizeof *rh + sizeof *sf + (unsigned long)sf->nranges * sizeof(struct abi_range) +
					     (unsigned long)sf->nsites * 8 + sf->str_len;
			if (rh->magic != ABI_MAGIC || rh->type != ABI_MSG_SITES || need != (unsigned long)n ||
			    rh->length + sizeof *rh != (unsigned long)n)
				break;
			*(unsigned long *)(buf + got) = (unsigned long)n;
			got += 8 + (unsigned long)n;
			if (sf->flags & ABI_SITES_WANT_REPORTS)
				zvfs_state.want_reports = 1;
			if (!(sf->flags & ABI_SITES_MORE))
				break;
		}
	}
	if (fd >= 0)
		conn_close(fd);
	if (got)
		patch(buf, got);
	RAW2(SYS_munmap, buf, BUF_BYTES);
sealed:
	RAW3(SYS_mprotect, 0, 0x1000, 5 /* READ|EXEC */);
	RAW3(SYS_mprotect, 0x1000, 0x1000, 1 /* READ */);
}
