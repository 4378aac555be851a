package vfs

import (
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
)

// The stub's tables fill the lowest addresses of every hooked process;
// to the program they are not memory it has, so a pointer there is bad.
func badPointer(addr uint64, n int) bool {
	return n > 0 && addr < abi.SiteTableLimit
}

// Memory is a calling process's memory. Reads and writes of addresses the
// process cannot access fail with EFAULT, as the kernel's own copies do.
type Memory interface {
	Read(addr uint64, b []byte) error
	Write(addr uint64, b []byte) error
}

// ProcessMemory accesses the memory of process Pid with process_vm_readv
// and process_vm_writev.
type ProcessMemory struct{ Pid int }

func (p ProcessMemory) Read(addr uint64, b []byte) error { return p.copy(addr, b, unix.ProcessVMReadv) }

func (p ProcessMemory) Write(addr uint64, b []byte) error {
	return p.copy(addr, b, unix.ProcessVMWritev)
}

// copy moves b from or to addr, continuing after a short count.
func (p ProcessMemory) copy(addr uint64, b []byte, vm func(int, []unix.Iovec, []unix.RemoteIovec, uint) (int, error)) error {
	if badPointer(addr, len(b)) {
		return unix.EFAULT
	}
	for len(b) > 0 {
		local := []unix.Iovec{{Base: &b[0]}}
		local[0].SetLen(len(b))
		remote := []unix.RemoteIovec{{Base: uintptr(addr), Len: len(b)}}
		n, err := vm(p.Pid, local, remote, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n <= 0 {
			return unix.EFAULT
		}
		b, addr = b[n:], addr+uint64(n)
	}
	return nil
}
