/* sites.c — where the system-call sites are, and rewriting them: the
 * exchange with the supervisor (a maps text out, the addresses of the sites
 * back), the hash set of rewritten sites the entry checks every caller
 * against, and the rewrite itself, at start for everything mapped and later
 * for code a program maps itself (dlopen). */
#include "zvfs.h"


#define MIN_SLOTS 2048 /* room for code mapped after start */


/* sites_exchange sends the maps text already at buf+SITES_MAPS_OFFSET
 * (mlen bytes) and stores the supervisor's answer in buf: its datagrams back
 * to back, each after its length in a u64. It returns the answer's length
 * (0: none). */
unsigned long sites_exchange(char *buf, unsigned long cap, unsigned long mlen)
{
	struct abi_header *h = (struct abi_header *)buf;
	struct abi_hello_fixed *hf = (struct abi_hello_fixed *)(h + 1);
	header_init(h, ABI_MSG_HELLO, sizeof *hf + mlen);
	hf->stub_addr = (abi_u64)(unsigned long)&zvfs_entry;
	hf->maps_len = (abi_u32)mlen;
	hf->flags = 0;
	unsigned long got = 0;
	int need_net = 0;
	long c = cur_cpu();
	int fd = conn_open_cpu(c);
	if (fd < 0) {
		zvfs_state.unreachable = 1;
		return 0;
	}
	if (conn_send(fd, buf, sizeof *h + h->length) > 0) {
		for (;;) {
			if (cap - got < 8 + 64)
				break;
			long n = conn_recv(fd, buf + got + 8, cap - got - 8);
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
			if (sf->flags & ABI_SITES_NEED_NET)
				need_net = 1;
			if (!(sf->flags & ABI_SITES_MORE))
				break;
		}
	}
	/* With mounts or hooks, the supervisor keeps serving this
	 * connection: it becomes the thread's connection for this CPU. */
	if (!got || !kept_adopt(fd, c))
		conn_close(fd);
	if (need_net)
		net_wanted(); /* sites left as they are may make file calls */
	return got;
}

/* ---- the process's executable mappings --------------------------------------- */

static char *hex(char *p, unsigned long v, int width)
{
	char t[16];
	int n = 0;
	do {
		t[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n < width)
		t[n++] = '0';
	while (n)
		*p++ = t[--n];
	return p;
}

/* line_head writes the fields of a maps line that come before the path, as
 * the kernel writes them: "start-end perms offset major:minor inode ".
 * They take at most LINE_HEAD bytes. */
#define LINE_HEAD 128
static char *line_head(char *p, unsigned long start, unsigned long end, unsigned prot, int shared,
		       unsigned long off, unsigned long major, unsigned long minor, unsigned long ino)
{
	p = hex(p, start, 1);
	*p++ = '-';
	p = hex(p, end, 1);
	*p++ = ' ';
	*p++ = prot & PROT_READ ? 'r' : '-';
	*p++ = prot & PROT_WRITE ? 'w' : '-';
	*p++ = prot & PROT_EXEC ? 'x' : '-';
	*p++ = shared ? 's' : 'p';
	*p++ = ' ';
	p = hex(p, off, 8);
	*p++ = ' ';
	p = hex(p, major, 2);
	*p++ = ':';
	p = hex(p, minor, 2);
	*p++ = ' ';
	p = zutoa(p, ino);
	*p++ = ' ';
	return p;
}

/* query_maps writes into buf a maps line for each executable mapping of
 * the process, asking the kernel for them one at a time through fd, its
 * /proc/self/maps (the PROCMAP_QUERY ioctl, Linux 6.11): half the cost of
 * having it print every mapping and keeping the executable ones. Each name
 * is received after the room for its line's fields and moved into place.
 * Returns the text's length, or -errno (-ENOTTY before Linux 6.11). */
static long query_maps(long fd, char *buf, unsigned long cap)
{
	unsigned long n = 0, addr = 0;
	for (;;) {
		if (cap - n < LINE_HEAD + 2)
			return -E2BIG;
		char *name = buf + n + LINE_HEAD;
		unsigned long room = cap - n - LINE_HEAD - 1;
		struct procmap_query q = {0};
		q.size = sizeof q;
		q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA | PROCMAP_QUERY_VMA_EXECUTABLE;
		q.query_addr = addr;
		q.vma_name_addr = (unsigned long)name;
		q.vma_name_size = room > 1 << 16 ? 1 << 16 : (unsigned)room;
		long r = RAW3(SYS_ioctl, fd, PROCMAP_QUERY, &q);
		if (r == -ENOENT) /* no mapping at or after addr */
			return (long)n;
		if (r < 0)
			return r;
		/* The query's readable, writable and executable bits are PROT_'s. */
		char *p = line_head(buf + n, q.vma_start, q.vma_end, (unsigned)q.vma_flags & 7,
				    (q.vma_flags & PROCMAP_QUERY_VMA_SHARED) != 0, q.vma_offset, q.dev_major, q.dev_minor,
				    q.inode);
		unsigned long len = q.vma_name_size ? q.vma_name_size - 1 : 0; /* it counts the NUL */
		memcpy(p, name, len); /* moves left: never overlaps wrongly */
		p += len;
		*p++ = '\n';
		n = (unsigned long)(p - buf);
		addr = q.vma_end;
	}
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

/* read_maps reads the text of fd, /proc/self/maps, into buf and keeps its
 * executable lines; returns their length. */
static unsigned long read_maps(long fd, char *buf, unsigned long cap)
{
	unsigned long n = 0;
	for (;;) {
		long r = RAW3(SYS_read, fd, buf + n, cap - n);
		if (r == -EINTR)
			continue;
		if (r <= 0)
			break;
		n += (unsigned long)r;
		if (n == cap)
			break;
	}
	return exec_lines(buf, n);
}

unsigned long sites_maps(char *buf, unsigned long cap)
{
	long fd = RAW3(SYS_open, "/proc/self/maps", O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	long n = query_maps(fd, buf, cap); /* the ioctl leaves the file's offset at 0 */
	if (n < 0)
		n = (long)read_maps(fd, buf, cap);
	RAW1(SYS_close, fd);
	return (unsigned long)n;
}

/* ---- answering from the start table ------------------------------------------ */

/* A line of maps text, parsed. */
struct mapline {
	unsigned long start, end, off, ino, dev; /* dev as stat encodes it */
	const char *perms, *path;
	unsigned long path_len;
};

static const char *scan_hex(const char *p, const char *e, unsigned long *v)
{
	const char *s = p;
	*v = 0;
	for (; p < e; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10 : -1;
		if (d < 0)
			break;
		*v = *v << 4 | (unsigned long)d;
	}
	return p > s ? p : 0;
}

/* parse_line parses one line of maps text, [p, e): "start-end perms offset
 * major:minor inode path". Returns 0, or -1 if it is not one. */
static int parse_line(const char *p, const char *e, struct mapline *m)
{
	unsigned long maj, min;
	if (!(p = scan_hex(p, e, &m->start)) || p >= e || *p++ != '-' || !(p = scan_hex(p, e, &m->end)) ||
	    e - p < 6 || *p++ != ' ')
		return -1;
	m->perms = p;
	p += 4;
	if (*p++ != ' ' || !(p = scan_hex(p, e, &m->off)) || p >= e || *p++ != ' ' || !(p = scan_hex(p, e, &maj)) ||
	    p >= e || *p++ != ':' || !(p = scan_hex(p, e, &min)) || p >= e || *p++ != ' ')
		return -1;
	m->dev = (min & 0xff) | (maj & 0xfff) << 8 | (min & ~0xffUL) << 12 | (maj & ~0xfffUL) << 32;
	m->ino = 0;
	for (; p < e && *p >= '0' && *p <= '9'; p++)
		m->ino = m->ino * 10 + (unsigned long)(*p - '0');
	while (p < e && *p == ' ')
		p++;
	m->path = p;
	m->path_len = (unsigned long)(e - p);
	return 0;
}

/* sites_from_table answers a hello from the view's start table: the maps
 * text at buf+SITES_MAPS_OFFSET (mlen bytes) is left as it is, and the
 * answer, in sites_exchange's form, is built right after it, in as few
 * pages as it needs (a process's first touch of a page is costly): the
 * ranges on the stack, each file's sites copied from the view to their
 * place in the answer. It sets *ans and returns the answer's length, or 0
 * when some mapped file is not in the table (or is not the version there),
 * and the supervisor must be asked. Which mappings count is the
 * supervisor's rule (supervisor.Plan). */
#define TBL_RANGES 64      /* executable file mappings answered from the table */
#define TBL_STRS (4 << 10) /* their copies' paths */
static unsigned long sites_from_table(char *buf, unsigned long cap, unsigned long mlen, char **ans)
{
	unsigned long start = (SITES_MAPS_OFFSET + mlen + 7) & ~7UL;
	/* The sites go where they will stay if every range were used; the
	 * few unused range slots are squeezed out at the end. */
	unsigned long head = 8 + sizeof(struct abi_header) + sizeof(struct abi_sites_fixed) +
			     TBL_RANGES * sizeof(struct abi_range);
	if (start + head + TBL_STRS >= cap)
		return 0;
	char *o = buf + start;
	unsigned long *sites = (unsigned long *)(o + head);
	unsigned long max_sites = (cap - start - head - TBL_STRS) / 8;
	struct abi_range ranges[TBL_RANGES];
	char strs[TBL_STRS], path[PATH_MAX_];
	const char *t = buf + SITES_MAPS_OFFSET, *end = t + mlen;
	unsigned long nranges = 0, nsites = 0, nstrs = 0, entry = (unsigned long)&zvfs_entry;
	while (t < end) {
		const char *e = t;
		while (e < end && *e != '\n')
			e++;
		struct mapline m;
		int ok = parse_line(t, e, &m) == 0;
		t = e + 1;
		if (!ok)
			return 0;
		if (m.perms[2] != 'x' || (entry >= m.start && entry < m.end) || !m.path_len || m.path[0] == '[' ||
		    m.perms[3] != 'p')
			continue; /* the supervisor leaves these alone too */
		if (m.path_len >= sizeof path)
			return 0;
		memcpy(path, m.path, m.path_len);
		path[m.path_len] = 0;
		struct kstat st;
		unsigned n;
		/* A program stored in a mount runs from a memfd, whose path opens
		 * nothing: its own link leads to it (supervisor.mappedFile). */
		if ((RAW2(SYS_stat, path, &st) != 0 || st.dev != m.dev || st.ino != m.ino) &&
		    (RAW2(SYS_stat, "/proc/self/exe", &st) != 0 || st.dev != m.dev || st.ino != m.ino))
			return 0;
		/* The file's site offsets land where its addresses will be. */
		unsigned long *at = sites + nsites;
		long blob = view_start(st.dev, st.ino, st.size, st.mtime * 1000000000 + st.mtime_nsec,
				       st.ctime * 1000000000 + st.ctime_nsec, at, (max_sites - nsites) * 8, &n);
		if (blob < 0)
			return 0;
		struct abi_range r = {m.start, m.end, m.off, 0, 0, 0, 0};
		r.prot = (m.perms[0] == 'r' ? PROT_READ : 0) | (m.perms[1] == 'w' ? PROT_WRITE : 0) | PROT_EXEC;
		unsigned long copy_len = (unsigned long)blob - 8 * (unsigned long)n;
		if (nstrs + copy_len + 1 > TBL_STRS)
			return 0;
		const char *copy = (const char *)(at + n);
		if (copy_len) {
			r.path_off = (abi_u32)nstrs;
			r.path_len = (abi_u32)copy_len;
			memcpy(strs + nstrs, copy, copy_len);
		}
		for (unsigned i = 0; i < n; i++) {
			unsigned long off = at[i];
			if (off >= m.off && off - m.off + 2 <= m.end - m.start)
				at[r.nsites++] = m.start + off - m.off;
		}
		if (!r.nsites)
			continue;
		if (nranges == TBL_RANGES)
			return 0;
		if (copy_len) {
			nstrs += copy_len;
			strs[nstrs++] = 0;
		}
		nsites += r.nsites;
		ranges[nranges++] = r;
	}
	/* One datagram, as the supervisor would send it. */
	unsigned long body = sizeof(struct abi_sites_fixed) + nranges * sizeof *ranges + nsites * 8 + nstrs;
	*(unsigned long *)o = sizeof(struct abi_header) + body;
	struct abi_header *h = (struct abi_header *)(o + 8);
	h->magic = ABI_MAGIC;
	h->version = ABI_VERSION;
	h->type = ABI_MSG_SITES;
	h->length = (abi_u32)body;
	h->pid = 0;
	struct abi_sites_fixed *sf = (struct abi_sites_fixed *)(o + 8 + sizeof(struct abi_header));
	sf->nranges = (abi_u32)nranges;
	sf->nsites = (abi_u32)nsites;
	sf->flags = 0;
	sf->str_len = (abi_u32)nstrs;
	char *p = (char *)(sf + 1);
	memcpy(p, ranges, nranges * sizeof *ranges);
	p += nranges * sizeof *ranges;
	memcpy(p, sites, nsites * 8); /* moves left: never overlaps wrongly */
	p += nsites * 8;
	memcpy(p, strs, nstrs);
	*ans = o;
	return 8 + sizeof(struct abi_header) + body;
}

/* sites_find answers a hello whose maps text (mlen bytes) is at
 * buf+SITES_MAPS_OFFSET: from the start table, in buf (cap bytes), if it
 * can; else the supervisor's answer, in a mapping of ABI_MAX_MESSAGE bytes
 * (room for the largest), which *mapped is set to for the caller to unmap
 * (0: none). It sets *ans to the answer and returns its length (0: none). */
unsigned long sites_find(char *buf, unsigned long cap, unsigned long mlen, char **ans, char **mapped)
{
	*mapped = 0;
	unsigned long got = sites_from_table(buf, cap, mlen, ans);
	if (got)
		return got;
	char *m = (char *)RAW6(SYS_mmap, 0, ABI_MAX_MESSAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (is_err((long)m))
		return 0;
	populate((unsigned long)m, 16 << 10); /* the answer's first pages, faulted in at once */
	memcpy(m + SITES_MAPS_OFFSET, buf + SITES_MAPS_OFFSET, mlen);
	*mapped = *ans = m;
	return sites_exchange(m, ABI_MAX_MESSAGE, mlen);
}

static unsigned long answer_sites(const char *buf, unsigned long n)
{
	unsigned long total = 0;
	for (unsigned long off = 0; off < n;) {
		unsigned long len = *(const unsigned long *)(buf + off);
		const struct abi_sites_fixed *sf = (const void *)(buf + off + 8 + sizeof(struct abi_header));
		total += sf->nsites;
		off += 8 + len;
	}
	return total;
}

/* table_bytes is the size of the site table's mapping. */
static unsigned long table_bytes(void)
{
	return (ABI_SITE_SLOTS_ADDR - ABI_SITE_TABLE_ADDR + zvfs_state.table_slots * 8 + 4095) & ~4095UL;
}

/* sites_table_init maps the site table with room for twice the sites of
 * the first answer (at least MIN_SLOTS; it is never more than half full),
 * so code mapped later fits: libc and ld.so have ~570, a library loaded
 * later a handful. Each page of it costs every process a few µs at
 * start. */
int sites_table_init(const char *answer, unsigned long n)
{
	unsigned long total = answer_sites(answer, n), slots = MIN_SLOTS;
	while (slots < 2 * total)
		slots <<= 1;
	zvfs_state.table_slots = slots;
	unsigned long bytes = table_bytes();
	if (ABI_SITE_TABLE_ADDR + bytes > ABI_SITE_TABLE_LIMIT) {
		zvfs_state.table_slots = 0;
		zputs2("too many system-call sites; running unhooked", 0);
		return -1;
	}
	/* Every page gets sites at once (the hash spreads them): fault them
	 * in with the mapping, at half the cost of one fault each. */
	long r = RAW6(SYS_mmap, ABI_SITE_TABLE_ADDR, bytes, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_POPULATE, -1, 0);
	if (r != ABI_SITE_TABLE_ADDR) {
		zvfs_state.table_slots = 0;
		zputs2("cannot map the site table; running unhooked", 0);
		return -1;
	}
	*(volatile unsigned int *)low(ABI_SITE_TABLE_ADDR) = (unsigned int)(slots - 1);
	zvfs_state.table_writable = 1; /* the first sites_apply seals it */
	return 0;
}

static unsigned long site_hash(unsigned long ret)
{
	return (unsigned long)(((unsigned long long)ret * (unsigned long long)(long)(int)ABI_SITE_HASH_MUL) >> 32);
}

/* table_add records a site's return address; 0 when the table is too full
 * (it stays at most half full, so a probe always ends). Readers on other
 * threads see either an empty slot or the whole address. */
static int table_add(unsigned long ret)
{
	unsigned long slots = zvfs_state.table_slots;
	volatile unsigned long *tab = (volatile unsigned long *)low(ABI_SITE_SLOTS_ADDR);
	unsigned long h = site_hash(ret) & (slots - 1);
	while (tab[h] && tab[h] != ret)
		h = (h + 1) & (slots - 1);
	if (tab[h] == ret)
		return 1;
	if (2 * (zvfs_state.table_used + 1) > slots)
		return 0;
	__atomic_store_n(&tab[h], ret, __ATOMIC_RELEASE);
	zvfs_state.table_used++;
	return 1;
}

/* table_has tells whether the table holds ret. */
static int table_has(unsigned long ret)
{
	unsigned long slots = zvfs_state.table_slots;
	const volatile unsigned long *tab = (const volatile unsigned long *)low(ABI_SITE_SLOTS_ADDR);
	for (unsigned long h = site_hash(ret) & (slots - 1); tab[h]; h = (h + 1) & (slots - 1))
		if (tab[h] == ret)
			return 1;
	return 0;
}

/* remap replaces [start, end) with the same range of path, a copy of the
 * mapped file whose sites the supervisor already rewrote: the pages are then
 * shared by every process of the run instead of copied into each. mmap checks
 * everything that can fail before it unmaps the old range. */
static int remap(unsigned long start, unsigned long end, unsigned long off, unsigned prot, const char *path)
{
	long fd = RAW3(SYS_open, path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	long r = RAW6(SYS_mmap, start, end - start, prot, MAP_PRIVATE | MAP_FIXED, fd, off);
	RAW1(SYS_close, fd);
	return r == (long)start;
}

/* sites_apply applies an answer: pass 1 records every site in the table (a
 * site's call can only happen once it is there), pass 2 rewrites the ranges
 * whose sites all fit, by mapping the supervisor's rewritten copy or in
 * place. A range whose sites do not fit stays as it is: its file calls are
 * the net's then. */
void sites_apply(const char *buf, unsigned long n)
{
	if (!zvfs_state.table_slots)
		return;
	unsigned long entry = (unsigned long)&zvfs_entry;
	int full = 0;
	spin_lock(&zvfs_state.table_lock);
	if (!zvfs_state.table_writable)
		RAW3(SYS_mprotect, ABI_SITE_TABLE_ADDR, table_bytes(), PROT_READ | PROT_WRITE);
	for (int pass = 1; pass <= 2; pass++) {
		for (unsigned long off = 0; off < n;) {
			unsigned long len = *(const unsigned long *)(buf + off);
			const char *p = buf + off + 8 + sizeof(struct abi_header);
			const struct abi_sites_fixed *sf = (const void *)p;
			const struct abi_range *rg = (const void *)(p + sizeof *sf);
			const abi_u64 *sites = (const abi_u64 *)(rg + sf->nranges);
			const char *strs = (const char *)(sites + sf->nsites);
			const abi_u64 *next = sites;
			for (unsigned i = 0; i < sf->nranges; i++) {
				const abi_u64 *sites = next; /* this range's addresses */
				next += rg[i].nsites;
				unsigned long start = rg[i].start, end = rg[i].end;
				if (start >= end || (start & 4095) || start < ABI_SITE_TABLE_LIMIT || (entry >= start && entry < end))
					continue;
				/* A range the supervisor made a rewritten copy of is
				 * replaced whole, so its sites are not read here: reading
				 * them would fault in pages of text about to be unmapped. */
				const char *copy = rg[i].path_len && (unsigned long)rg[i].path_off + rg[i].path_len < sf->str_len &&
							   strs[rg[i].path_off + rg[i].path_len] == 0
						       ? strs + rg[i].path_off
						       : 0;
				int fits = 1;
				for (unsigned k = 0; k < rg[i].nsites; k++) {
					unsigned long a = sites[k];
					volatile unsigned char *c = (volatile unsigned char *)a;
					if (a < start || a + 2 > end || (!copy && (c[0] != 0x0f || c[1] != 0x05)))
						continue;
					fits &= pass == 1 ? table_add(a + 2) : table_has(a + 2);
				}
				if (pass == 2 && !fits)
					full = 1;
				if (pass == 1 || !fits)
					continue; /* a range whose sites did not all fit stays as it is */
				if (copy && remap(start, end, rg[i].file_offset, rg[i].prot, copy))
					continue;
				if (RAW3(SYS_mprotect, start, end - start, rg[i].prot | PROT_WRITE) != 0)
					continue;
				for (unsigned k = 0; k < rg[i].nsites; k++) {
					unsigned long a = sites[k];
					volatile unsigned char *c = (volatile unsigned char *)a;
					if (a >= start && a + 2 <= end && c[0] == 0x0f && c[1] == 0x05)
						*(volatile unsigned short *)a = 0xd0ff; /* call *%rax */
				}
				RAW3(SYS_mprotect, start, end - start, rg[i].prot);
			}
			off += 8 + len;
		}
		if (pass == 1) {
			RAW3(SYS_mprotect, ABI_SITE_TABLE_ADDR, table_bytes(), PROT_READ);
			zvfs_state.table_writable = 0;
		}
	}
	spin_unlock(&zvfs_state.table_lock);
	if (full)
		net_wanted();
}

/* sites_hook_mapping has code that the program just mapped from a file
 * (dlopen) rewritten: it describes the mapping as a maps line, as the
 * kernel would, and applies the supervisor's answer. */
void sites_hook_mapping(unsigned long start, unsigned long len, unsigned long prot, unsigned long flags, long fd,
			unsigned long off)
{
	struct kstat st;
	if (!zvfs_state.table_slots || RAW2(SYS_fstat, fd, &st) != 0)
		return;
	/* The maps line and a start-table answer, on the private stack (the
	 * supervisor's answer gets a mapping of its own: sites_find). */
	char buf[SITES_MAPS_OFFSET + LINE_HEAD + 4096 + (24 << 10)];
	char *line = buf + SITES_MAPS_OFFSET;
	char *p = line_head(line, start, start + ((len + 4095) & ~4095UL), prot, (flags & 3) == 1 /* MAP_SHARED */, off,
			    ((st.dev >> 8) & 0xfff) | ((st.dev >> 32) & ~0xfffUL), (st.dev & 0xff) | ((st.dev >> 12) & ~0xffUL),
			    st.ino);
	char proc[32] = "/proc/self/fd/";
	*zutoa(proc + 14, (unsigned long)fd) = 0;
	long n = RAW3(SYS_readlink, proc, p, 4096);
	if (n <= 0)
		return;
	p += n;
	*p++ = '\n';
	char *ans, *mapped;
	unsigned long got = sites_find(buf, sizeof buf, (unsigned long)(p - line), &ans, &mapped);
	if (got)
		sites_apply(ans, got);
	if (mapped)
		RAW2(SYS_munmap, mapped, ABI_MAX_MESSAGE);
}
