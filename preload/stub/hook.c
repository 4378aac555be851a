/* hook.c — the stub's half of the Go hook API (package hook). A call whose
 * class byte has ABI_CLASS_HOOKED comes here before anything else: it
 * becomes one MsgHook request to the supervisor, whose answer says to return
 * a value (the hook may have written into the caller's memory), to install
 * a descriptor as the result, or to go on with the call as usual, reporting
 * its result afterwards if the hook asked for it. Which numbers are hooked
 * comes from ZVFS_HOOKS and is passed on at exec. Runs on the thread's
 * private stack with signals open, as file calls do: a hook may take long. */
#include "zvfs.h"

static struct {
	int on;
	unsigned char set[ABI_NSLOTS / 8];
} hs;

static const char env_hooks[] = ABI_ENV_HOOKS "=";

/* hook_init reads the hooked set (ABI_ENV_HOOKS's value) and marks those
 * calls in the class table, before it is sealed. */
void hook_init(const char *set)
{
	if (!set || zstrlen(set) != 2 * sizeof hs.set)
		return;
	if (zunhex(set, hs.set, sizeof hs.set) < 0)
		return;
	int any = 0;
	for (unsigned long i = 0; i < sizeof hs.set; i++)
		any |= hs.set[i];
	hs.set[SYS_rt_sigreturn / 8] &= (unsigned char)~(1u << (SYS_rt_sigreturn % 8)); /* never: see abi.Hookable */
	if (!any || kept_init() < 0)
		return;
	/* The table is the kept (or VFS) one now: mark the hooked calls. */
	volatile unsigned char *ct = low(ABI_CLASS_TABLE_ADDR);
	for (int i = 0; i < ABI_NSLOTS; i++)
		if (hs.set[i / 8] & (1u << (i % 8)))
			ct[i] |= ABI_CLASS_HOOKED;
	hs.on = 1;
}

int hook_on(void) { return hs.on; }

/* hook_env writes ZVFS_HOOKS=... for a new image into buf, storing its
 * pointer in out. Returns the number of variables (0 or 1). */
int hook_env(char *buf, unsigned long cap, unsigned long *out)
{
	if (!hs.on || cap < sizeof env_hooks + 2 * sizeof hs.set)
		return 0;
	static const char digits[] = "0123456789abcdef";
	char *s = buf;
	memcpy(s, env_hooks, sizeof env_hooks - 1);
	s += sizeof env_hooks - 1;
	for (unsigned long i = 0; i < sizeof hs.set; i++) {
		*s++ = digits[hs.set[i] >> 4];
		*s++ = digits[hs.set[i] & 15];
	}
	*s = 0;
	out[0] = (unsigned long)buf;
	return 1;
}

/* rewrite replaces the arguments of f the reply names. A replaced path is
 * copied to after->path, which lives until the call is issued. */
static int rewrite(struct frame *f, struct hook_after *after, const struct reply *rep)
{
	struct abi_rewrite_fixed rw;
	if (rep->r.len1 != sizeof rw)
		return -1;
	memcpy(&rw, rep->str, sizeof rw);
	if ((rw.mask & ~0x3fu) || (rw.path_arg != ABI_NOARG && rw.path_arg > 5))
		return -1;
	for (int i = 0; i < 6; i++)
		if (rw.mask & (1u << i))
			*frame_arg(f, i) = rw.args[i];
	if (rw.path_arg != ABI_NOARG) {
		memcpy(after->path, rep->str + rep->r.len1 + 1, rep->r.len2 + 1);
		*frame_arg(f, (int)rw.path_arg) = (unsigned long)after->path;
	}
	return 0;
}

/* hook_before asks the hooks about call f. HOOK_DONE: f->rax is the
 * answer. HOOK_CONTINUE: issue the call; if after->want, then hand its
 * result to hook_done. */
int hook_before(struct frame *f, struct hook_after *after)
{
	struct {
		struct abi_header h;
		struct abi_hook_fixed c;
	} m;
	struct block *b = cur_block();
	header_init(&m.h, ABI_MSG_HOOK, sizeof m.c);
	m.c.nr = (abi_u32)f->rax;
	m.c.tid = (abi_i32)(b && !(b->flags & BLKF_VFORK_CHILD) ? (long)b->tid : RAW0(SYS_gettid));
	frame_args(f, m.c.args);
	struct iovec_ iov = {&m, sizeof m};
	struct msghdr_ mh = {0, 0, &iov, 1, 0, 0, 0};
	struct reply rep;
	after->want = 0;
	if (kept_exchange(&mh, sizeof m, &rep, &after->use, WANT_NO_FD) < 0) {
		/* No supervisor: the hooks cannot answer, so the call fails as
		 * a file call would, except an exit, which must not. */
		if (f->rax == SYS_exit || f->rax == SYS_exit_group)
			return HOOK_CONTINUE;
		f->rax = (unsigned long)-EIO;
		return HOOK_DONE;
	}
	int action = HOOK_DONE;
	switch (rep.r.action) {
	case ABI_REPLY_DONE:
		f->rax = (unsigned long)rep.r.ret;
		break;
	case ABI_REPLY_PASS:
		action = HOOK_CONTINUE;
		break;
	case ABI_REPLY_AFTER:
		after->want = 1;
		after->token = (unsigned long)rep.r.ret;
		action = HOOK_CONTINUE;
		break;
	case ABI_REPLY_REWRITE:
		if (rewrite(f, after, &rep) < 0) {
			f->rax = (unsigned long)-EIO;
			break;
		}
		if (rep.r.fd & ABI_REWRITE_AFTER) {
			after->want = 1;
			after->token = (unsigned long)rep.r.ret;
		}
		action = HOOK_CONTINUE;
		break;
	case ABI_REPLY_FD:
		if (rep.fd >= 0) {
			f->rax = (unsigned long)install_fd(&rep, (rep.r.fd & ABI_FD_CLOEXEC) != 0, 0);
			rep.fd = -1;
		} else {
			f->rax = (unsigned long)-EIO;
		}
		break;
	default:
		f->rax = (unsigned long)-EIO;
	}
	if (rep.fd >= 0)
		RAW1(SYS_close, rep.fd);
	if (!after->want && !after->use.kept)
		conn_close(after->use.s);
	return action;
}

/* hook_done reports the result of a call the hooks let through and asked
 * to see the result of. */
void hook_done(struct hook_after *after, long ret)
{
	if (!after->want)
		return;
	after->want = 0;
	struct {
		struct abi_header h;
		struct abi_hook_done_fixed d;
	} m;
	header_init(&m.h, ABI_MSG_HOOK_DONE, sizeof m.d);
	m.d.token = after->token;
	m.d.ret = ret;
	kept_notify(&after->use, &m, sizeof m);
}
