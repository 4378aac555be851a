/* lib.c — the few libc-like helpers the stub needs, written without libc:
 * memory and string primitives, error output, safe reads of the caller's
 * memory, and signal blocking around the stub's critical sections. */
#include "zvfs.h"


/* memcpy and memset use the string instructions, which copy a few kilobytes
 * (site lists, maps text) many times faster than a byte loop. rep movsb
 * moves bytes forward one by one as far as a program can tell, so a copy to
 * a lower, overlapping address is right: callers that compact in place rely
 * on it. The direction flag is clear, as the ABI (and the compiler, which
 * emits these instructions itself) assumes. */
void *memcpy(void *d, const void *s, size_t n)
{
	void *r = d;
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return r;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	if (dp <= sp)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

void *memset(void *d, int c, size_t n)
{
	void *r = d;
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return r;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t zstrlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int zhasprefix(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

/* zputs2 writes "zvfs: " a b "\n" to stderr. */
void zputs2(const char *a, const char *b)
{
	RAW3(SYS_write, 2, "zvfs: ", 6);
	RAW3(SYS_write, 2, a, zstrlen(a));
	if (b)
		RAW3(SYS_write, 2, b, zstrlen(b));
	RAW3(SYS_write, 2, "\n", 1);
}

/* zutoa writes v in decimal at p and returns the end. */
char *zutoa(char *p, unsigned long v)
{
	char t[24];
	int n = 0;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = t[--n];
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* zunhex decodes the 2*n lowercase hexadecimal digits at s into n bytes:
 * 0, or -1 at the first that is not one. */
int zunhex(const char *s, unsigned char *out, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);
		if (lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* self_task names this process for process_vm_readv: the thread id the
 * block records (checked on entry to the slow path) saves a getpid. A vfork
 * child's borrowed block has none; it asks. */
static long self_task(void)
{
	struct block *b = cur_block();
	if (b && !(b->flags & BLKF_VFORK_CHILD) && b->tid)
		return (long)b->tid;
	return RAW0(SYS_getpid);
}

static int page_readable(unsigned long addr);

/* uread copies up to n bytes of the caller's memory at src. It returns the
 * number of bytes readable before the first unmapped byte (so a bad pointer
 * yields 0 instead of a fault in the stub), or a negative errno. A read of
 * a few pages checks each page (page_readable, mostly remembered) and
 * copies with plain loads; process_vm_readv costs more here. */
long uread(void *dst, unsigned long src, unsigned long n)
{
	if (n && n <= 8192 && !stub_page(src) && src + n > src) {
		unsigned long got = 0;
		while (got < n) {
			unsigned long a = src + got, left = 4096 - (a & 4095);
			if (!page_readable(a))
				return (long)got;
			if (left > n - got)
				left = n - got;
			const volatile char *s = (const volatile char *)a;
			char *d = (char *)dst + got;
			for (unsigned long i = 0; i < left; i++)
				d[i] = s[i];
			got += left;
		}
		return (long)got;
	}
	struct uiovec l = {(unsigned long)dst, n}, r = {src, n};
	return RAW6(SYS_process_vm_readv, self_task(), &l, 1, &r, 1, 0);
}

/* Reading and writing the caller's memory. The stub must never fault on a
 * bad pointer the caller passed (the kernel would answer EFAULT), and
 * process_vm_readv/writev, which never fault, cost 0.5-1 us a call. So the
 * kernel is asked, with one cheap call that cannot act, whether a page can
 * be read or written, and then the stub copies with plain loads and
 * stores. (A page another thread unmaps between the two is a race the
 * program lost either way; here it is a fault instead of EFAULT.) */

unsigned long zvfs_vm_gen;
unsigned long zvfs_brk = ~0UL; /* the heap's end as brk last said (entry.S) */

/* A thread remembers the last few pages it found readable (paths come
 * from all over a program's heap), and the last it found writable, with the
 * memory generation of then: the entry counts every call that can take a
 * page away (munmap, mprotect, mremap, brk, madvise, MAP_FIXED...), so while
 * the count stands, the pages are as they were and need no check. */
static int known(const unsigned long *page, const unsigned long *gen, unsigned long p, unsigned long g)
{
	return *page == p && *gen == g;
}

/* page_readable: can the page holding addr be read? A futex wait on it
 * with a zero timeout reads the word (EFAULT if it cannot) and returns at
 * once whatever the word holds. */
static int page_readable(unsigned long addr)
{
	static const struct {
		long sec, nsec;
	} zero = {0, 0};
	struct block *b = cur_block();
	unsigned long page = addr & ~4095UL, gen = __atomic_load_n(&zvfs_vm_gen, __ATOMIC_ACQUIRE);
	if (b && b->rgen == gen)
		for (int i = 0; i < KNOWN_PAGES; i++)
			if (b->rpage[i] == page)
				return 1;
	if (RAW4(SYS_futex, addr & ~3UL, FUTEX_WAIT_PRIVATE, 0x7a76fa11, &zero) == -EFAULT)
		return 0;
	if (b) {
		if (b->rgen != gen) { /* the pages known before may be gone */
			for (int i = 0; i < KNOWN_PAGES; i++)
				b->rpage[i] = 0;
			b->rgen = gen;
		}
		b->rpage[b->rnext++ % KNOWN_PAGES] = page;
	}
	return 1;
}

/* range_writable: can the n bytes (1 <= n <= 4096) at dst be written?
 * getresuid stores to its three pointers in turn: the first and the last
 * four bytes cover both pages the range can touch. What it stores there is
 * overwritten by the caller's copy. A range shorter than that is only known
 * writable if its page is the one found writable last. */
static int range_writable(unsigned long dst, unsigned long n)
{
	struct block *b = cur_block();
	unsigned long page = dst & ~4095UL, gen = __atomic_load_n(&zvfs_vm_gen, __ATOMIC_ACQUIRE);
	int one = ((dst + n - 1) & ~4095UL) == page;
	if (b && one && known(&b->wpage, &b->wgen, page, gen))
		return 1;
	if (n < 4 || RAW3(SYS_getresuid, dst, dst + n - 4, dst + n - 4) != 0)
		return 0;
	if (b && one) {
		b->wpage = page;
		b->wgen = gen;
	}
	return 1;
}

/* uwrite copies n bytes into the caller's memory at dst; it returns the
 * number of bytes written before the first unwritable byte. */
long uwrite(unsigned long dst, const void *src, unsigned long n)
{
	if (n && n <= 4096 && dst + n > dst && !stub_page(dst) && range_writable(dst, n)) {
		volatile char *d = (volatile char *)dst;
		const char *s = src;
		for (unsigned long i = 0; i < n; i++)
			d[i] = s[i];
		return (long)n;
	}
	struct uiovec l = {(unsigned long)src, n}, r = {dst, n};
	return RAW6(SYS_process_vm_writev, self_task(), &l, 1, &r, 1, 0);
}

/* populate faults in n bytes of fresh memory at addr with one call (a
 * fault each costs twice as much here); an old kernel without
 * MADV_POPULATE_WRITE leaves them to fault. */
void populate(unsigned long addr, unsigned long n)
{
	RAW3(SYS_madvise, addr, n, MADV_POPULATE_WRITE);
}

/* spin_lock and spin_unlock guard the stub's few shared tables. Callers
 * hold them only in the slow path, with signals blocked, so a holder is never
 * interrupted by a handler that wants the same lock. */
void spin_lock(int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		__asm__ volatile("pause");
}

void spin_unlock(int *l)
{
	__atomic_store_n(l, 0, __ATOMIC_RELEASE);
}

void block_signals(unsigned long *old)
{
	unsigned long all = ~0UL;
	RAW4(SYS_rt_sigprocmask, SIG_BLOCK, &all, old, 8);
}

void restore_signals(const unsigned long *old)
{
	RAW4(SYS_rt_sigprocmask, SIG_SETMASK, old, 0, 8);
}

/* Reads the NUL-terminated string at user address s into buf (cap bytes).
 * Returns its length, -EFAULT if unreadable, or -1 if longer than cap-1. */
long ustr(unsigned long s, char *buf, unsigned long cap)
{
	unsigned long got = 0;
	while (got < cap) {
		unsigned long a = s + got;
		if (a < s || !page_readable(a))
			return -EFAULT;
		const volatile char *p = (const volatile char *)a;
		unsigned long left = 4096 - (a & 4095);
		if (left > cap - got)
			left = cap - got;
		for (unsigned long i = 0; i < left; i++) {
			char c = p[i];
			buf[got++] = c;
			if (!c)
				return (long)(got - 1);
		}
	}
	return -1;
}
