package abi

import (
	"testing"

	"golang.org/x/sys/unix"
)

// runFilter interprets the classic BPF the net's filter is made of, on a
// seccomp_data with the given arch, nr and instruction pointer (and, for an
// ioctl, cmd as the low word of its second argument).
func runFilter(t *testing.T, prog []unix.SockFilter, arch uint32, nr int32, ip uint64, cmd ...uint32) uint32 {
	t.Helper()
	var acc uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		switch in.Code {
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			switch in.K {
			case 0:
				acc = uint32(nr)
			case 4:
				acc = arch
			case 8:
				acc = uint32(ip)
			case 12:
				acc = uint32(ip >> 32)
			case 24:
				acc = 0
				if len(cmd) > 0 {
					acc = cmd[0]
				}
			default:
				t.Fatalf("load of seccomp_data offset %d", in.K)
			}
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K:
			if acc == in.K {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K:
			if acc&in.K != 0 {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case unix.BPF_RET | unix.BPF_K:
			return in.K
		default:
			t.Fatalf("instruction %d: code %#x", pc, in.Code)
		}
	}
	t.Fatal("ran off the end of the filter")
	return 0
}

// The net's filter notifies exactly its calls, lets every other x86-64
// call run, and refuses other ABIs.
func TestNetFilter(t *testing.T) {
	prog := NetFilter()
	if len(prog) > 255 {
		t.Fatalf("%d instructions: the jumps no longer fit a byte", len(prog))
	}
	want := map[int]bool{}
	for _, nr := range NetCalls() {
		want[nr] = true
	}
	for _, nr := range []int{unix.SYS_OPENAT, unix.SYS_NEWFSTATAT, unix.SYS_GETDENTS64, unix.SYS_EXECVE, unix.SYS_GETCWD, unix.SYS_FSTAT} {
		if !want[nr] {
			t.Errorf("%d is not a net call", nr)
		}
	}
	for _, nr := range []int{unix.SYS_READ, unix.SYS_WRITE, unix.SYS_PREAD64, unix.SYS_CLOSE, unix.SYS_FCNTL, unix.SYS_GETPID, unix.SYS_MMAP} {
		if want[nr] {
			t.Errorf("%d is a net call: every process carrying the net would pay a round trip for it", nr)
		}
	}
	enosys := uint32(unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS))
	for nr := 0; nr < NSlots; nr++ {
		got := runFilter(t, prog, auditArchX8664, int32(nr), 0x7f0000001234)
		exp, fromGate := uint32(unix.SECCOMP_RET_ALLOW), uint32(unix.SECCOMP_RET_ALLOW)
		if want[nr] {
			exp = unix.SECCOMP_RET_USER_NOTIF
		}
		if nr == RefusedCall {
			exp, fromGate = enosys, enosys // the stub never makes it
		}
		if got != exp {
			t.Errorf("call %d: action %#x, want %#x", nr, got, exp)
		}
		// From the stub's gate every other call runs; from a
		// neighbouring address, or the gate's address plus 4 GiB, it
		// does not.
		if got := runFilter(t, prog, auditArchX8664, int32(nr), GateAddr+2); got != fromGate {
			t.Errorf("call %d from the gate: action %#x", nr, got)
		}
		for _, ip := range []uint64{GateAddr, GateAddr + 4, 1<<32 | (GateAddr + 2)} {
			if got := runFilter(t, prog, auditArchX8664, int32(nr), ip); got != exp {
				t.Errorf("call %d from %#x: action %#x, want %#x", nr, ip, got, exp)
			}
		}
	}
	// ioctl: FileFlagIoctls alone, and from the gate none.
	for _, cmd := range append([]uint32{unix.TCGETS, 0x541b /* FIONREAD */, unix.FS_IOC_GETFLAGS}, FileFlagIoctls...) {
		exp := uint32(unix.SECCOMP_RET_ALLOW)
		if IsFileFlagIoctl(cmd) {
			exp = unix.SECCOMP_RET_USER_NOTIF
		}
		if got := runFilter(t, prog, auditArchX8664, unix.SYS_IOCTL, 0x7f0000001234, cmd); got != exp {
			t.Errorf("ioctl %#x: action %#x, want %#x", cmd, got, exp)
		}
		if got := runFilter(t, prog, auditArchX8664, unix.SYS_IOCTL, GateAddr+2, cmd); got != unix.SECCOMP_RET_ALLOW {
			t.Errorf("ioctl %#x from the gate: action %#x", cmd, got)
		}
	}
	if got := runFilter(t, prog, 0x40000003 /* AUDIT_ARCH_I386 */, 5, GateAddr+2); got != enosys {
		t.Errorf("i386 open: %#x, want ENOSYS", got)
	}
	if got := runFilter(t, prog, auditArchX8664, x32Bit|unix.SYS_OPENAT, GateAddr+2); got != enosys {
		t.Errorf("x32 openat: %#x, want ENOSYS", got)
	}
}

// The hook entry issues calls of class Pass, and numbers at or above
// NSlots, with its own syscall instruction, not the gate's: none of them
// may be a call the net catches, or a process carrying the net would send
// the stub's own calls to the supervisor.
func TestPassIsNeverNet(t *testing.T) {
	classes := VFSClasses()
	for _, nr := range NetCalls() {
		if nr >= NSlots {
			t.Errorf("net call %d is above the class table", nr)
		} else if classes[nr] == ClassPass {
			t.Errorf("net call %d is of class Pass with mounts", nr)
		}
	}
}
