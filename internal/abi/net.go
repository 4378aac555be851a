package abi

import (
	"slices"

	"golang.org/x/sys/unix"
)

// The seccomp net: the filter that sends the file calls of a process
// without a stub (a statically linked program, and whatever it starts) to
// the supervisor as user notifications. The supervisor installs it on a
// static program it starts itself; the stub installs it before it execs
// one, and hands the listener over in a MsgNet.

const (
	// MsgNet: stub → supervisor: the listener of the filter the process
	// just installed, as SCM_RIGHTS; the payload is the virtual working
	// directory the program it execs starts in (empty: the kernel's).
	// Answered by MsgAck.
	MsgNet = 10
	// MsgNetCwd: stub → supervisor, from a process that carries the net:
	// its working directory changed; the payload is the new one if it is
	// virtual (empty: the kernel's). Answered by MsgAck.
	MsgNetCwd = 11
	// EnvNet is set ("1") in the environment of a process that carries the
	// net, so that its descendants do not install another.
	EnvNet = "ZVFS_NET"
)

// auditArchX8664 is AUDIT_ARCH_X86_64, what seccomp_data.arch says for a
// 64-bit system call.
const auditArchX8664 = 0xc000003e

// x32Bit marks the x32 ABI's system call numbers.
const x32Bit = 0x40000000

// NetCalls returns the system calls the net sends to the supervisor,
// sorted: those that take a path (bind and connect too, whose path is in
// their address), those about one descriptor that may be
// virtual (close, dup and fcntl excepted: the kernel tracks placeholders
// through them by itself), getcwd, which a virtual working directory
// answers, lseek, which rewinds a served directory's listing, and the
// calls that change what the supervisor keeps of a process (umask, the
// credential calls). The other
// data calls (read, write...) stay off the list: every process carrying the
// net makes them all the time, and on a served directory's placeholder the
// kernel answers them close enough (a read gives 0 where a directory gives
// EISDIR).
func NetCalls() []int {
	set := map[int]bool{unix.SYS_GETCWD: true, unix.SYS_LSEEK: true, unix.SYS_UMASK: true}
	for _, nr := range CredCalls {
		set[nr] = true // the supervisor keeps a caller's credentials until one of these
	}
	for nr := range PathCalls() {
		set[nr] = true
	}
	for _, nr := range SockCalls {
		set[nr] = true // a connect costs a round trip, TCP's too
	}
	for _, nr := range FdCalls {
		if nr != unix.SYS_CLOSE && nr != unix.SYS_DUP && nr != unix.SYS_FCNTL {
			set[nr] = true
		}
	}
	calls := make([]int, 0, len(set))
	for nr := range set {
		calls = append(calls, nr)
	}
	slices.Sort(calls)
	return calls
}

// IsNetCall reports whether the net sends system call nr to the supervisor.
func IsNetCall(nr int) bool {
	_, found := slices.BinarySearch(netCalls, nr)
	return found
}

var netCalls = NetCalls()

// NetFilter is the net's BPF program: calls of another architecture or of
// the x32 ABI fail with ENOSYS (they would name files by other numbers), as
// does RefusedCall,
// every call not in NetCalls runs (an ioctl unless it is one of
// FileFlagIoctls), and a NetCall notifies the listener unless it was made
// from the stub's gate (GateAddr). The number is looked
// at first and the instruction pointer only for a NetCall, so that the
// kernel's per-filter cache (which notes the numbers a filter allows
// whatever else the call holds) lets every other call through without
// running the filter at all.
func NetFilter() []unix.SockFilter {
	calls := NetCalls()
	n := len(calls)
	// seccomp_data: nr at 0, arch at 4, instruction_pointer at 8 (low
	// word) and 12 (high word). The kernel reports the address after the
	// syscall instruction.
	const cmpAt = 6          // the first comparison with a call, after RefusedCall's and ioctl's
	ioctlAt := cmpAt + n + 1 // after the comparisons and the allow they fall through to
	gate := ioctlAt + 1 + len(FileFlagIoctls) + 1
	allowGate, notify, enosys := gate+4, gate+5, gate+6
	jump := func(from, to int) uint8 { return uint8(to - from - 1) }
	stmt := func(code uint16, k uint32) unix.SockFilter { return unix.SockFilter{Code: code, K: k} }
	jeq := func(at int, k uint32, jt, jf int) unix.SockFilter {
		return unix.SockFilter{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, K: k, Jt: jump(at, jt), Jf: jump(at, jf)}
	}
	p := []unix.SockFilter{
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, 4), // arch
		jeq(1, auditArchX8664, 2, enosys),
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, 0), // nr
		{Code: unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K, K: x32Bit, Jt: jump(3, enosys)},
		jeq(4, RefusedCall, enosys, 5),
		jeq(5, unix.SYS_IOCTL, ioctlAt, cmpAt),
	}
	for i, nr := range calls {
		p = append(p, jeq(cmpAt+i, uint32(nr), gate, cmpAt+i+1))
	}
	p = append(p, stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ALLOW))
	// ioctl: only FileFlagIoctls, by the low word of its second argument
	// (seccomp_data.args[1] at 24; the kernel compares 32 bits of cmd).
	p = append(p, stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, 24))
	for i, cmd := range FileFlagIoctls {
		p = append(p, jeq(ioctlAt+1+i, cmd, gate, ioctlAt+2+i))
	}
	return append(p,
		stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ALLOW),
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, 12), // instruction_pointer, high word
		jeq(gate+1, 0, gate+2, notify),
		stmt(unix.BPF_LD|unix.BPF_W|unix.BPF_ABS, 8), // low word
		jeq(gate+3, GateAddr+2, allowGate, notify),
		stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ALLOW),
		stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_USER_NOTIF),
		stmt(unix.BPF_RET|unix.BPF_K, unix.SECCOMP_RET_ERRNO|uint32(unix.ENOSYS)))
}
