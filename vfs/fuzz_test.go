package vfs

import (
	"encoding/binary"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/linuxvfs"
	"github.com/zvfs/zvfs/view"
)

// fakeMemory is a caller's memory for unit tests: one buffer at base;
// everything else is EFAULT.
type fakeMemory struct {
	base uint64
	b    []byte
}

func (m *fakeMemory) Read(addr uint64, b []byte) error {
	if addr < m.base || addr-m.base+uint64(len(b)) > uint64(len(m.b)) || addr+uint64(len(b)) < addr {
		return unix.EFAULT
	}
	copy(b, m.b[addr-m.base:])
	return nil
}

func (m *fakeMemory) Write(addr uint64, b []byte) error {
	if addr < m.base || addr-m.base+uint64(len(b)) > uint64(len(m.b)) || addr+uint64(len(b)) < addr {
		return unix.EFAULT
	}
	copy(m.b[addr-m.base:], b)
	return nil
}

// FuzzHandle sends arbitrary calls, as a hostile or broken stub could, to
// a namespace with a mem mount: the supervisor must answer each one
// (an errno, a host redirect, a descriptor) and never panic.
func FuzzHandle(f *testing.F) {
	const base = 0x7f0000000000
	seeds := []struct {
		nr    int
		flags uint32
		args  [6]uint64
		p1    string
		p2    string
	}{
		{unix.SYS_OPENAT, abi.CallPath1, [6]uint64{0, 0, unix.O_CREAT | unix.O_RDWR, 0644}, "/data/a/x", ""},
		{unix.SYS_NEWFSTATAT, abi.CallPath1, [6]uint64{0, 0, base, 0}, "/data/rel/f", ""},
		{unix.SYS_STATX, abi.CallPath1, [6]uint64{0, 0, 0, 0x7ff, base}, "/data/a", ""},
		{unix.SYS_RENAMEAT2, abi.CallPath1 | abi.CallPath2, [6]uint64{0, 0, 0, 0, 1}, "/data/a/b/f", "/data/z"},
		{unix.SYS_READLINK, abi.CallPath1, [6]uint64{0, base, 64}, "/data/rel", ""},
		{unix.SYS_UTIMENSAT, abi.CallPath1, [6]uint64{0, 0, base, 0}, "/data/a", ""},
		{unix.SYS_GETDENTS64, abi.CallFd1, [6]uint64{0, base, 4096}, "", ""},
		{unix.SYS_EXECVE, abi.CallPath1, [6]uint64{}, "/data/a/b/f", ""},
		{unix.SYS_SYMLINK, abi.CallPath1 | abi.CallPath2, [6]uint64{}, "target", "/data/l"},
		{unix.SYS_OPENAT2, abi.CallPath1, [6]uint64{0, 0, base, 24}, "/data/a", ""},
		{unix.SYS_WRITEV, abi.CallFd1, [6]uint64{0, base, 3}, "", ""},
	}
	for _, s := range seeds {
		f.Add(uint32(s.nr), s.flags, s.args[0], s.args[1], s.args[2], s.args[3], s.args[4], s.p1, s.p2, []byte{1, 2, 3})
	}
	ns := testNS(f)
	// With the view on, so that what publishes is fuzzed too.
	v, err := view.New(64)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { v.Close() })
	ns.Publish(v)
	f.Fuzz(func(t *testing.T, nr, flags uint32, a0, a1, a2, a3, a4 uint64, p1, p2 string, mem []byte) {
		if len(p1) >= abi.MaxSentPath || len(p2) >= abi.MaxSentPath {
			return // the decoder refuses these
		}
		m := &fakeMemory{base: base, b: make([]byte, 8192)}
		copy(m.b, mem)
		// Keep iovec counts and sizes small so the fuzzer does not allocate
		// gigabytes; the handler bounds them itself too.
		binary.LittleEndian.PutUint64(m.b[8:], uint64(len(mem)%4096))
		c := abi.Call{Nr: nr % 512, Flags: flags & (abi.CallPath1 | abi.CallPath2 | abi.CallSelf1), Args: [6]uint64{a0, a1, a2, a3, a4, 0}, Path1: p1, Path2: p2}
		a := ns.Handle(&Request{Call: c, Cred: linuxvfs.Who{Uid: uint32(a4 % 3 * 500)}, Mem: m})
		if a.Release != nil {
			a.Release()
		} else if a.Fd >= 0 {
			unix.Close(a.Fd)
		}
		if a.Action > abi.ReplyExec {
			t.Fatalf("action %d", a.Action)
		}
	})
}
