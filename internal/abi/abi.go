// Package abi is the contract between the supervisor (Go) and the stub that
// runs inside every hooked process (freestanding C): the fixed low addresses
// the stub maps, the per-syscall class table its hook entry consults, and the
// layout of the messages they exchange. The C side never restates any of it:
// `go generate ./preload` writes preload/stub/abi_gen.h from this package.
package abi

import "golang.org/x/sys/unix"

// Fixed virtual addresses mapped by the stub in every hooked process. They sit
// below the lowest address a normal ELF is loaded at (0x400000), which is why
// vm.mmap_min_addr must be 0.
const (
	// TrampolineAddr is where `call *%rax` lands: a NOP sled, one byte per
	// system call number, then a jump to the hook entry.
	TrampolineAddr = 0x0
	// SledSize is the sled's length in bytes; syscall numbers below it slide
	// into the entry. It is NSlots so that the slide is as short as it can be.
	SledSize = NSlots
	// GateAddr holds `syscall; ret`, the one system-call instruction the
	// stub issues its calls through once the trampoline is mapped. Its
	// fixed address is how the seccomp net (NetFilter) tells the stub's
	// calls, which it lets through, from calls made anywhere else in a
	// process, in every image a process execs. It follows the sled's jump
	// to the entry (13 bytes).
	GateAddr = TrampolineAddr + SledSize + 16
	// DataAddr is a read-only page the entry reads with absolute addresses.
	DataAddr = 0x1000
	// FlagsAddr holds DataFlag* bits.
	FlagsAddr = 0x1000
	// ClassTableAddr holds one Class byte per syscall number below NSlots.
	ClassTableAddr = 0x1200
	// ZeroAddr is a qword that is always zero: a thread whose %gs base is 0
	// reads it where a thread with a hook block reads its block's address.
	ZeroAddr = 0x1800
	// SiteTableAddr is the hash set of rewritten sites' return addresses:
	// a uint32 mask at SiteTableAddr, slots of uint64 from SiteSlotsAddr.
	SiteTableAddr = 0x10000
	SiteSlotsAddr = 0x10008
	// SiteTableLimit bounds the site table's mapping.
	SiteTableLimit = 0x400000
	// SiteHashMul is the multiplier of the site hash: slot = (ret*mul)>>32 & mask.
	SiteHashMul = 0x2545f491
)

// DataFlag bits at FlagsAddr.
const (
	DataFlagFSGSBase = 1 << 0 // wrgsbase is usable
)

// NSlots is the number of per-syscall counters; numbers at or above it are
// counted in one extra "other" slot (index NSlots).
const NSlots = 512

// Class says what the hook entry does with a system call number.
type Class uint8

const (
	ClassPass      Class = 0 // issue it at once
	ClassSlow      Class = 1 // run the stub's C handler on the thread's private stack
	ClassSigreturn Class = 2 // rt_sigreturn: issue with the caller's stack untouched
	ClassClone     Class = 3 // clone: new stacks and shared memory need the assembly path
	ClassVfork     Class = 4 // vfork: the child borrows the parent's stack
	ClassClone3    Class = 5 // clone3: the C handler prepares, the assembly path issues
	ClassMmap      Class = 6 // mmap: a file mapped executable (dlopen) goes to the C handler to be rewritten
	// ClassVM changes what memory is mapped or how (munmap, mprotect...):
	// the entry counts it in the stub's memory generation before issuing
	// it, which tells the stub's checks of the caller's pointers that a
	// page found readable or writable may no longer be (lib.c).
	ClassVM Class = 11
)

// Classes returns the class table, indexed by system call number.
func Classes() [NSlots]Class {
	var t [NSlots]Class
	t[unix.SYS_RT_SIGRETURN] = ClassSigreturn
	t[unix.SYS_CLONE] = ClassClone
	t[unix.SYS_VFORK] = ClassVfork
	t[unix.SYS_CLONE3] = ClassClone3
	t[unix.SYS_MMAP] = ClassMmap
	for _, nr := range []int{unix.SYS_EXECVE, unix.SYS_EXECVEAT, unix.SYS_EXIT_GROUP, unix.SYS_EXIT, unix.SYS_FORK} {
		t[nr] = ClassSlow
	}
	for _, nr := range VMCalls {
		t[nr] = ClassVM
	}
	return t
}

// VMCalls unmap memory or change its protection (an mmap with MAP_FIXED
// does too: the entry counts that one in its mmap class).
var VMCalls = []int{unix.SYS_MUNMAP, unix.SYS_MPROTECT, unix.SYS_PKEY_MPROTECT, unix.SYS_MREMAP, unix.SYS_BRK,
	unix.SYS_MADVISE, unix.SYS_PROCESS_MADVISE, unix.SYS_SHMDT}

// Environment variables the supervisor sets and the stub re-injects at exec.
const (
	EnvSocket = "ZVFS_SOCK" // the run's key and the supervisor's socket path (SocketEnv)
	EnvLib    = "ZVFS_LIB"  // path of the stub library
)
