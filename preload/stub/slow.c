/* slow.c — the C half of the hook for the few calls that need more than a
 * pass-through: exec (re-inject the hook into the new image), exit_group
 * (report counters), fork-like clones (reset the child's counters) and
 * clone3 (prepare the child's stack for the assembly path). It runs on the
 * thread's private stack with all signals blocked. */
#include "zvfs.h"



static const char env_preload[] = "LD_PRELOAD=";
static const char env_libpath[] = "LD_LIBRARY_PATH=";
static const char env_sock[] = ABI_ENV_SOCKET "=";
static const char env_lib[] = ABI_ENV_LIB "=";
static const char env_ours[] = "ZVFS_"; /* every variable of ours starts so */

/* uptrs reads the caller's NULL-terminated pointer array at u into out (cap
 * entries, the NULL included), a page at a time. It returns the number of
 * pointers before the NULL, -EFAULT, or -E2BIG when they do not fit. */
long uptrs(unsigned long u, unsigned long *out, unsigned long cap)
{
	unsigned long n = 0;
	while (n < cap) {
		unsigned long want = cap - n < 512 ? cap - n : 512;
		long r = uread(out + n, u + n * 8, want * 8);
		if (r < 8)
			return -EFAULT;
		for (unsigned long i = 0; i < (unsigned long)r / 8; i++)
			if (!out[n + i])
				return (long)(n + i);
		if ((unsigned long)r < want * 8)
			return -EFAULT;
		n += want;
	}
	return -E2BIG;
}

/* Room for the rebuilt environment: the private stack when it fits (a vfork
 * child must not leave mappings behind in its parent), mmap otherwise. */
#define ENV_STACK_PTRS 2048
#define ENV_OURS 12 /* room for our variables: LD_PRELOAD, socket, library, VFS (4), view, hooks, net, NULL */
#define HEAD 16 /* bytes of each variable read to recognise it */
#define VAL_MAX 4096 /* the longest LD_PRELOAD or LD_LIBRARY_PATH value read */
/* The strings: LD_PRELOAD (ours and the caller's list), the socket and
 * library variables, the VFS's (vfs_env), the hooks' and a value being
 * read. */
#define ENV_STR_BYTES (sizeof env_preload + sizeof zvfs_state.lib + 1 + VAL_MAX + sizeof env_sock + \
		       sizeof zvfs_state.sock + sizeof env_lib + sizeof zvfs_state.lib + 5 * 4096 + 256 + VAL_MAX)

/* put copies the n bytes at v to s, returning the end of the copy. */
static char *put(char *s, const void *v, unsigned long n)
{
	memcpy(s, v, n);
	return s + n;
}

long exec_hooked(struct frame *f, int at, const unsigned long *mask, const char *exe, int loader)
{
	/* A program that is not there (a PATH search tries several places):
	 * the kernel's answer without building an environment for it. An
	 * unreadable path, or any other error, is left to the execve. */
	if (!at) {
		long e = RAW4(SYS_faccessat, AT_FDCWD, f->rdi, 0 /* F_OK */, 0);
		if (e == -ENOENT || e == -ENOTDIR)
			return e;
	}
	/* The new image's loader finds and maps its libraries before its stub
	 * is installed: if it may look in a mount (a program stored in one
	 * whose library paths the supervisor did not find all on the host,
	 * loader, or LD_LIBRARY_PATH or LD_PRELOAD names one), the net must
	 * catch its calls. */
	unsigned long uenv = at ? f->r10 : f->rdx;
	/* One buffer, filled from its start: the pointers, then the strings
	 * right after them. A forked child pays for every page of its private
	 * stack it writes before the exec (a copy or a fresh page, a few µs
	 * each): the little it writes lies together. */
	unsigned long arena[ENV_STACK_PTRS + (ENV_STR_BYTES + 7) / 8];
	unsigned long *env = arena, cap = ENV_STACK_PTRS, mapped = 0;
	long n = 0;
	if (uenv) { /* NULL envp is an empty environment */
		n = uptrs(uenv, env, cap - ENV_OURS);
		if (n == -E2BIG) {
			/* A huge environment: count it a stack buffer at a time,
			 * then read it into a mapping. */
			long total = 0;
			while ((n = uptrs(uenv + (unsigned long)total * 8, arena, ENV_STACK_PTRS)) == -E2BIG)
				total += ENV_STACK_PTRS;
			if (n < 0)
				return n;
			cap = (unsigned long)(total + n) + ENV_OURS + 1;
			long m = RAW6(SYS_mmap, 0, cap * 8, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (is_err(m))
				return m;
			env = (unsigned long *)m;
			mapped = cap * 8;
			n = uptrs(uenv, env, cap - ENV_OURS);
		}
		if (n < 0)
			goto out;
	}
	char *str = env == arena ? (char *)(arena + n + ENV_OURS) : (char *)arena;
	char *str_end = str + ENV_STR_BYTES, *val = str_end - VAL_MAX;
	/* LD_PRELOAD=<stub>[:<the caller's own list>]: the caller's value is
	 * read to its place after the stub's path. */
	unsigned long libn = zstrlen(zvfs_state.lib), sockn = zstrlen(zvfs_state.sock);
	char *s = put(put(str, env_preload, sizeof env_preload - 1), zvfs_state.lib, libn);
	char *rest = s + 1;
	/* Drop our variables and the caller's LD_PRELOAD (kept for below),
	 * compacting env in place. */
	long plen = -2; /* no LD_PRELOAD in the caller's environment */
	unsigned long k = 0;
	for (long i = 0; i < n; i++) {
		/* The variables lie on a page or two as a rule: each page is
		 * checked once (ustr), not each variable (process_vm_readv takes
		 * ~0.4 µs a piece here). An unreadable one is the caller's EFAULT. */
		char head[HEAD + 1];
		unsigned long p = env[i];
		if (ustr(p, head, HEAD) == -EFAULT) {
			n = -EFAULT;
			goto out;
		}
		head[HEAD] = 0;
		if (zhasprefix(head, env_ours))
			continue; /* ours are added below */
		if (!loader && zhasprefix(head, env_libpath)) {
			long vl = ustr(p + sizeof env_libpath - 1, val, VAL_MAX);
			loader = vl > 0 && paths_in_mount(val, (unsigned long)vl);
		}
		if (plen == -2 && zhasprefix(head, env_preload)) {
			plen = ustr(p + sizeof env_preload - 1, rest, VAL_MAX);
			if (plen >= 0)
				continue;
			plen = -2; /* unreadable or huge: keep it as it is */
		}
		env[k++] = p;
	}
	unsigned long restn = plen > 0 ? (unsigned long)plen : 0;
	if (restn) {
		/* The caller's list, without the stub if it comes first. */
		unsigned long first = 0;
		while (first < restn && rest[first] != ':' && rest[first] != ' ')
			first++;
		unsigned long skip = 0;
		if (first == libn && memcmp(rest, zvfs_state.lib, libn) == 0)
			for (skip = first; skip < restn && (rest[skip] == ':' || rest[skip] == ' ');)
				skip++;
		memcpy(rest, rest + skip, restn - skip); /* moves left: never overlaps wrongly */
		restn -= skip;
	}
	if (restn) {
		*s = ':';
		s = rest + restn;
	}
	*s++ = 0;
	unsigned long *nenv = env;
	nenv[k++] = (unsigned long)str;
	nenv[k++] = (unsigned long)s;
	s = put(put(s, env_sock, sizeof env_sock - 1), zvfs_state.sock, sockn + 1);
	nenv[k++] = (unsigned long)s;
	s = put(put(s, env_lib, sizeof env_lib - 1), zvfs_state.lib, libn + 1);
	int nv = vfs_env(s, (unsigned long)(str_end - s), nenv + k, exe);
	if (nv) {
		const char *last = (const char *)nenv[k + (unsigned long)nv - 1];
		s = (char *)last + zstrlen(last) + 1;
		k += (unsigned long)nv;
	}
	if (view_env(s, (unsigned long)(str_end - s))) {
		nenv[k++] = (unsigned long)s;
		s += zstrlen(s) + 1;
	}
	k += (unsigned long)hook_env(s, (unsigned long)(str_end - s), nenv + k);
	static const char env_net[] = ABI_ENV_NET "=1";
	if (restn && !loader)
		loader = paths_in_mount(rest, restn); /* the stub itself is the host's, whatever is mounted over it */
	if (net_before_exec(f, at, loader))
		nenv[k++] = (unsigned long)env_net;
	nenv[k] = 0;

	if (zvfs_state.want_reports)
		report_counts(ABI_REPORT_EXEC);
	restore_signals(mask); /* the new image starts with the caller's mask */
	if (at)
		n = RAW6(SYS_execveat, f->rdi, f->rsi, f->rdx, nenv, f->r8, 0);
	else
		n = RAW3(SYS_execve, f->rdi, f->rsi, nenv);
out:
	if (mapped)
		RAW2(SYS_munmap, env, mapped);
	return n;
}

/* clone3_tail_zero checks that bytes [from, to) of the caller's clone_args
 * are zero: 0, -E2BIG as the kernel answers otherwise, or -EFAULT. */
static long clone3_tail_zero(unsigned long args, unsigned long from, unsigned long to)
{
	unsigned char buf[256];
	while (from < to) {
		unsigned long n = to - from < sizeof buf ? to - from : sizeof buf;
		if (uread(buf, args + from, n) != (long)n)
			return -EFAULT;
		for (unsigned long i = 0; i < n; i++)
			if (buf[i])
				return -E2BIG;
		from += n;
	}
	return 0;
}

/* clone3 needing the assembly path: copy the arguments to the block's
 * scratch area and push, at the top of the child's stack, the child's %gs
 * base, the caller's %rdi and the return address. Returns 1 to have the entry
 * issue the call, or 0 with f->rax set to an error. */
static int clone3_prepare(struct frame *f, unsigned long long *args, unsigned long size)
{
	struct block *b = cur_block();
	unsigned long long flags = args[0], stack = args[5], stack_size = args[6];
	if (stack_size < 24) {
		f->rax = (unsigned long)-EINVAL;
		return 0;
	}
	unsigned long top = stack + stack_size;
	struct block *child = 0;
	if (flags & CLONE_VFORK) {
		child = b->child;
		if (child)
			child->cur = child->hi;
	}
	unsigned long w[3] = {(unsigned long)child, f->rdi, *(unsigned long *)f->user_rsp};
	if (uwrite(top - 24, w, sizeof w) != (long)sizeof w) {
		f->rax = (unsigned long)-EFAULT; /* no stack to start the child on */
		return 0;
	}
	args[6] = stack_size - 24;
	memcpy(b->scratch, args, size);
	return 1;
}

/* abandoned checks, on entry from outside the private stack, that no
 * frame is live on it. One is when a signal handler running on an
 * alternate stack interrupted a slow path; otherwise a handler that ran on
 * the private stack left by longjmp, and its frames are abandoned: their
 * space is taken back (else each such jump would lose 64 KiB of the stack),
 * and the thread's kept connections, which may hold an unread answer,
 * closed. File calls run with signals open, so this happens. */
static void abandoned(struct frame *f)
{
	struct block *b = cur_block();
	if (!b || f->old_cur == b->hi || (f->user_rsp >= b->lo && f->user_rsp < b->hi))
		return;
	struct {
		unsigned long sp;
		int flags;
		unsigned long size;
	} ss;
	if (RAW2(SYS_sigaltstack, 0, &ss) == 0 && (ss.flags & 1 /* SS_ONSTACK */))
		return;
	/* Take the space back now, not when this call returns: a handler may
	 * leave this call by longjmp too, and the next call would start below
	 * it again. The nested entries of a handler running on this frame
	 * start below their interrupted stack pointer, never at cur. */
	f->old_cur = b->hi;
	b->cur = b->hi;
	kept_abandoned(b);
}

/* Actions the entry takes when zvfs_slow returns. */
#define ACTION_RET 0    /* return f->rax */
#define ACTION_CLONE3 1 /* issue clone3 on the arguments prepared in the block */
#define ACTION_ISSUE 2  /* issue the clone or vfork as the entry would have */

static int run_call(struct frame *f, unsigned cls);

/* hooked runs a call the user's hooks asked to see: asks them, then issues
 * it as usual unless they answered it. Kept out of zvfs_slow so that the
 * path copy in after costs only hooked calls stack. */
static __attribute__((noinline)) int hooked(struct frame *f, unsigned cls)
{
	struct hook_after after;
	if (hook_before(f, &after) == HOOK_DONE)
		return ACTION_RET;
	cls &= ~(unsigned)ABI_CLASS_HOOKED;
	/* A clone onto a new stack or sharing memory, and vfork, are the
	 * entry's to issue; their results are never reported to hooks. */
	if (cls == ABI_CLASS_VFORK || (cls == ABI_CLASS_CLONE && (f->rsi || (f->rdi & CLONE_VM))))
		return ACTION_ISSUE;
	int action = run_call(f, cls);
	if (action == ACTION_RET)
		hook_done(&after, (long)f->rax);
	return action;
}

int zvfs_slow(struct frame *f)
{
	abandoned(f);
	unsigned cls = f->rax < ABI_NSLOTS ? low(ABI_CLASS_TABLE_ADDR)[f->rax] : 0;
	return cls & ABI_CLASS_HOOKED ? hooked(f, cls) : run_call(f, cls);
}

/* run_call issues call f, of class cls, as the entry sent it here. */
static int run_call(struct frame *f, unsigned cls)
{
	unsigned long old;
	if (cls == ABI_CLASS_VM || (f->rax == SYS_mmap && (f->r10 & MAP_FIXED)))
		__atomic_add_fetch(&zvfs_vm_gen, 1, __ATOMIC_SEQ_CST); /* as the entry does */
	if (cls == ABI_CLASS_VM) {
		if ((f->rax == SYS_mprotect || f->rax == SYS_pkey_mprotect) && (f->rdx & PROT_EXEC))
			net_here(); /* memory made executable: a JIT's code */
		f->rax = (unsigned long)raw_frame(f);
		return ACTION_RET;
	}
	if (cls >= ABI_CLASS_PATH && kept_on()) {
		/* File calls run with signals open: see vfs.c. */
		f->rax = (unsigned long)vfs_call(f, 0);
		return ACTION_RET;
	}
	if (cls == ABI_CLASS_PASS) {
		/* A hooked call of the fast path: it may block, so as it is. */
		f->rax = (unsigned long)raw_frame(f);
		return ACTION_RET;
	}
	block_signals(&old);
	long r;
	int action = 0;
	switch (f->rax) {
	case SYS_execve:
	case SYS_execveat:
		if (vfs_on())
			f->rax = (unsigned long)vfs_call(f, &old);
		else
			f->rax = (unsigned long)exec_hooked(f, f->rax == SYS_execveat, &old, 0, 0);
		break;
	case SYS_exit: {
		/* The thread ends: its block (counters kept) may serve a new thread
		 * once the kernel has really removed this one. */
		struct block *b = cur_block();
		if (!(b->flags & BLKF_VFORK_CHILD))
			__atomic_or_fetch(&b->flags, BLKF_EXITING, __ATOMIC_RELEASE);
		if (zvfs_state.want_reports && zvfs_last_thread(b))
			report_counts(ABI_REPORT_EXIT); /* the process ends with this thread */
		RAW1(SYS_exit, f->rdi);
		break;
	}
	case SYS_mmap:
		r = zvfs_raw(SYS_mmap, (long)f->rdi, (long)f->rsi, (long)f->rdx, (long)f->r10, (long)f->r8, (long)f->r9);
		if (r >= 0 && (f->rdx & PROT_EXEC) && !(f->r10 & MAP_ANONYMOUS) && (long)(int)f->r8 >= 0)
			/* a file was mapped executable: rewrite its code */
			sites_hook_mapping((unsigned long)r, f->rsi, f->rdx, f->r10, (long)(int)f->r8, f->r9);
		else if (r >= 0 && (f->rdx & PROT_EXEC))
			net_here(); /* code no file holds: a JIT's */
		f->rax = (unsigned long)r;
		break;
	case SYS_exit_group:
		if (zvfs_state.want_reports)
			report_counts(ABI_REPORT_EXIT);
		RAW1(SYS_exit_group, f->rdi);
		break;
	case SYS_fork:
	case SYS_clone:
		r = zvfs_raw((long)f->rax, (long)f->rdi, (long)f->rsi, (long)f->rdx, (long)f->r10, (long)f->r8, 0);
		if (r == 0)
			zvfs_after_fork_child();
		f->rax = (unsigned long)r;
		break;
	case SYS_clone3: {
		unsigned long long args[32];
		unsigned long size = f->rsi;
		if (size < 64) {
			/* Too small: the kernel refuses it without making a child. */
			size = 0;
		} else if (size > sizeof args) {
			/* A larger struct is valid only if the bytes we do not know
			 * are zero; then our shorter copy means the same. */
			long e = clone3_tail_zero(f->rdi, sizeof args, size);
			if (e) {
				f->rax = (unsigned long)e;
				break;
			}
			size = sizeof args;
		}
		if (size && uread(args, f->rdi, size) != (long)size) {
			f->rax = (unsigned long)-EFAULT;
			break;
		}
		if (size && ((args[0] & CLONE_VM) || args[5])) {
			action = clone3_prepare(f, args, size);
			break;
		}
		r = zvfs_raw((long)f->rax, (long)f->rdi, (long)f->rsi, 0, 0, 0, 0);
		if (r == 0)
			zvfs_after_fork_child();
		f->rax = (unsigned long)r;
		break;
	}
	default:
		f->rax = (unsigned long)zvfs_raw((long)f->rax, (long)f->rdi, (long)f->rsi, (long)f->rdx,
						 (long)f->r10, (long)f->r8, (long)f->r9);
	}
	restore_signals(&old);
	return action;
}
