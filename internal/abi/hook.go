package abi

import (
	"encoding/hex"
	"strings"

	"golang.org/x/sys/unix"
)

// The user-hook half of the contract (package hook): which system calls a
// run routes to the supervisor's Go hooks, and the messages of such a call.
//
// A hooked call's class byte is its usual class with ClassHooked set. The
// entry sends every call whose byte has that bit to the C handler, which
// asks the supervisor (MsgHook) and then answers, or issues the call by its
// usual class. Calls whose byte is 0 never see the difference.

// ClassHooked marks a class byte whose call goes to the user's hooks first.
const ClassHooked Class = 0x80

// EnvHooks carries the hooked call numbers into every process of the run:
// the NSlots-bit set as hexadecimal, bit n of byte n/8 for number n.
const EnvHooks = "ZVFS_HOOKS"

// Hookable says whether calls numbered nr can be sent to hooks. rt_sigreturn
// cannot: it must run on the signal frame exactly as the kernel left it.
func Hookable(nr int) bool {
	return nr >= 0 && nr < NSlots && nr != unix.SYS_RT_SIGRETURN
}

// HookSet is a set of hooked call numbers.
type HookSet [NSlots / 8]byte

// Add puts nr in the set if it is hookable.
func (s *HookSet) Add(nr int) {
	if Hookable(nr) {
		s[nr/8] |= 1 << (nr % 8)
	}
}

// Has says whether nr is in the set.
func (s *HookSet) Has(nr int) bool { return nr >= 0 && nr < NSlots && s[nr/8]&(1<<(nr%8)) != 0 }

// Empty says whether no call is hooked.
func (s *HookSet) Empty() bool { return *s == HookSet{} }

// String is the EnvHooks form of the set.
func (s *HookSet) String() string { return hex.EncodeToString(s[:]) }

// ParseHookSet reads the EnvHooks form; numbers that cannot be hooked are
// dropped (the stub drops them too).
func ParseHookSet(v string) (HookSet, bool) {
	var s, out HookSet
	b, err := hex.DecodeString(strings.TrimSpace(v))
	if err != nil || len(b) != len(s) {
		return out, false
	}
	copy(s[:], b)
	for nr := 0; nr < NSlots; nr++ {
		if s.Has(nr) {
			out.Add(nr)
		}
	}
	return out, true
}

// KeptClasses returns the class table of a run that keeps connections to
// the supervisor open in its processes (hooks without mounts): Classes plus
// the calls that could close, replace or find one of them, which go to the
// C handler only for a descriptor marked in the FdVirtAddr bitmap.
func KeptClasses() [NSlots]Class {
	t := Classes()
	t[unix.SYS_CLOSE] = ClassFd
	t[unix.SYS_FCNTL] = ClassFd
	t[unix.SYS_DUP2] = ClassFd2
	t[unix.SYS_DUP3] = ClassFd2
	t[unix.SYS_CLOSE_RANGE] = ClassPath
	return t
}

// Message types of a hooked call.
const (
	MsgHook     = 7 // stub → supervisor: HookFixed; answered by a MsgReply
	MsgHookDone = 8 // stub → supervisor, after a ReplyAfter: HookDoneFixed; not answered
)

// HookFixed is a MsgHook payload.
type HookFixed struct {
	Nr   uint32
	Tid  int32     // the calling thread, as the stub knows it
	Args [6]uint64 // the registers as the program passed them
}

// HookDoneFixed is a MsgHookDone payload.
type HookDoneFixed struct {
	Token uint64 // ReplyFixed.Ret of the ReplyAfter
	Ret   int64  // the call's result or -errno
}

// Reply actions for hooked calls, besides ReplyDone (Ret is the answer),
// ReplyPass (issue the call) and ReplyFd (the passed descriptor is the
// answer; FdCloexec in ReplyFixed.Fd asks for close-on-exec).
const (
	ReplyAfter   = 5 // issue the call, then send MsgHookDone with Ret as the token
	ReplyRewrite = 6 // issue the call with the arguments of the RewriteFixed in Str1 (and the path in Str2); RewriteAfter in Fd: then as ReplyAfter
)

// RewriteFixed is Str1 of a ReplyRewrite: the arguments to replace before
// the call is issued.
type RewriteFixed struct {
	Mask    uint32    // bit i: Args[i] replaces argument i
	PathArg uint32    // argument that points at the stub's copy of Str2, or NoArg
	Args    [6]uint64 // the new values
}

// RewriteAfter in ReplyFixed.Fd of a ReplyRewrite: report the result as for
// ReplyAfter (ReplyFixed.Ret is the token).
const RewriteAfter = 1 << 3

// Rewrite is a ReplyRewrite's content.
type Rewrite struct {
	Mask    uint32
	PathArg uint32 // NoArg: none
	Args    [6]uint64
	Path    string
}

// Encode returns Str1 and Str2 of the reply.
func (r Rewrite) Encode() (string, string) {
	b := le.AppendUint32(nil, r.Mask&0x3f)
	b = le.AppendUint32(b, r.PathArg)
	for _, a := range r.Args {
		b = le.AppendUint64(b, a)
	}
	return string(b), r.Path
}

// FdCloexec in ReplyFixed.Fd of a hook's ReplyFd: install with close-on-exec.
const FdCloexec = 1 << 2

// Sizes of the hook messages' fixed parts.
const (
	HookFixedSize     = 56
	HookDoneFixedSize = 16
	RewriteFixedSize  = 56
)

// HookCall is a decoded MsgHook.
type HookCall struct {
	Nr   int
	Tid  int
	Args [6]uint64
}

// DecodeHook decodes a MsgHook payload.
func DecodeHook(p []byte) (HookCall, error) {
	if len(p) != HookFixedSize {
		return HookCall{}, bad("hook: %d bytes", len(p))
	}
	c := HookCall{Nr: int(le.Uint32(p)), Tid: int(int32(le.Uint32(p[4:])))}
	for i := range c.Args {
		c.Args[i] = le.Uint64(p[8+8*i:])
	}
	if !Hookable(c.Nr) {
		return c, bad("hook: call %d cannot be hooked", c.Nr)
	}
	return c, nil
}

// EncodeHook builds a whole MsgHook datagram (tests and fuzz seeds).
func EncodeHook(c HookCall) []byte {
	b := AppendHeader(nil, MsgHook, HookFixedSize, 0)
	b = le.AppendUint32(b, uint32(c.Nr))
	b = le.AppendUint32(b, uint32(int32(c.Tid)))
	for _, a := range c.Args {
		b = le.AppendUint64(b, a)
	}
	return b
}

// DecodeHookDone decodes a MsgHookDone payload: the token and the result.
func DecodeHookDone(p []byte) (uint64, int64, error) {
	if len(p) != HookDoneFixedSize {
		return 0, 0, bad("hook done: %d bytes", len(p))
	}
	return le.Uint64(p), int64(le.Uint64(p[8:])), nil
}

// EncodeHookDone builds a whole MsgHookDone datagram.
func EncodeHookDone(token uint64, ret int64) []byte {
	b := AppendHeader(nil, MsgHookDone, HookDoneFixedSize, 0)
	b = le.AppendUint64(b, token)
	return le.AppendUint64(b, uint64(ret))
}
