package vfs

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/backends/overlay"
	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/mtab"
	"github.com/zvfs/zvfs/view"
)

// BenchmarkCreateUnlink: the supervisor's own work for a create (open
// O_CREAT, handing out the file's descriptor) and an unlink, on a mem
// mount and on an overlay of a host directory, with the view on and off:
// what a create+unlink costs beyond the two exchanges.
func BenchmarkCreateUnlink(b *testing.B) {
	for _, backend := range []string{"mem", "overlay"} {
		for _, withView := range []bool{false, true} {
			name := backend + "/noview"
			if withView {
				name = backend + "/view"
			}
			b.Run(name, func(b *testing.B) {
				benchCreateUnlink(b, benchNS(b, backend, withView))
			})
		}
	}
}

// benchNS is the namespace of a benchmark: testNS's mem mount, or (backend
// "overlay") an overlay at /data of a host directory holding a, with the
// view on if withView.
func benchNS(b *testing.B, backend string, withView bool) *Namespace {
	ns := testNS(b)
	if backend == "overlay" {
		lower := b.TempDir()
		if err := os.Mkdir(filepath.Join(lower, "a"), 0o755); err != nil {
			b.Fatal(err)
		}
		fs := overlay.New([]overlay.Layer{overlay.HostDir(lower)}, mem.New())
		b.Cleanup(func() { fs.Close() })
		var err error
		if ns, err = New([]*mtab.Mount{{Target: "/data", FS: fs}}); err != nil {
			b.Fatal(err)
		}
	}
	if withView {
		v, err := view.New(0)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { v.Close() })
		ns.Publish(v)
	}
	return ns
}

// letGo checks that a create handed out a descriptor, and lets it go as
// the transport does once the answer is sent.
func letGo(b *testing.B, a Answer) {
	if a.Fd < 0 {
		b.Fatalf("create: %+v", a.Reply)
	}
	if a.Release != nil {
		a.Release()
	} else {
		unix.Close(a.Fd)
	}
}

func benchCreateUnlink(b *testing.B, ns *Namespace) {
	creat := abi.Call{Nr: unix.SYS_OPENAT, Flags: abi.CallPath1, Args: [6]uint64{0, 0, unix.O_CREAT | unix.O_WRONLY | unix.O_TRUNC, 0644}, Path1: "/data/a/x"}
	unlink := abi.Call{Nr: unix.SYS_UNLINK, Flags: abi.CallPath1, Path1: "/data/a/x"}
	m := &fakeMemory{base: 0x10000, b: make([]byte, 64)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		letGo(b, ns.Handle(&Request{Call: creat, Mem: m}))
		if a := ns.Handle(&Request{Call: unlink, Mem: m}); a.Ret != 0 {
			b.Fatalf("unlink: %+v", a.Reply)
		}
	}
}

// BenchmarkListing: the supervisor's own work for opening a 1 000-entry
// directory of a mem mount and reading it with 32 KiB getdents64 calls,
// as readdir does.
func BenchmarkListing(b *testing.B) {
	ns := testNS(b)
	for i := 0; i < 1000; i++ {
		a := ns.Handle(&Request{Call: abi.Call{Nr: unix.SYS_OPENAT, Flags: abi.CallPath1,
			Args: [6]uint64{0, 0, unix.O_CREAT | unix.O_WRONLY, 0644}, Path1: fmt.Sprintf("/data/a/f%04d", i)}})
		if a.Release != nil {
			a.Release()
		} else if a.Fd >= 0 {
			unix.Close(a.Fd)
		}
	}
	const base = 0x10000
	m := &fakeMemory{base: base, b: make([]byte, 32<<10)}
	open := abi.Call{Nr: unix.SYS_OPENAT, Flags: abi.CallPath1, Args: [6]uint64{0, 0, unix.O_RDONLY | unix.O_DIRECTORY}, Path1: "/data/a"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a := ns.Handle(&Request{Call: open, Mem: m})
		if a.Fd < 0 {
			b.Fatalf("open: %+v", a.Reply)
		}
		n := 0
		for {
			g := ns.Handle(&Request{Call: abi.Call{Nr: unix.SYS_GETDENTS64, Flags: abi.CallFd1, Args: [6]uint64{0, base, 32 << 10}},
				Fds: []int{a.Fd}, Mem: m})
			if g.Ret <= 0 {
				break
			}
			n++
		}
		unix.Close(a.Fd)
		if n == 0 {
			b.Fatal("no entries")
		}
	}
}

// BenchmarkCreate: the supervisor's own work for a create of a new name
// (open O_CREAT|O_EXCL, handing out the file's descriptor), as tar x makes
// each of its files, with the view on. The names are removed, untimed,
// every 1 000 creates.
func BenchmarkCreate(b *testing.B) {
	for _, backend := range []string{"mem", "overlay"} {
		b.Run(backend, func(b *testing.B) {
			ns := benchNS(b, backend, true)
			const batch = 1000
			m := &fakeMemory{base: 0x10000, b: make([]byte, 64)}
			call := func(nr uint32, args [6]uint64, p string) Answer {
				return ns.Handle(&Request{Call: abi.Call{Nr: nr, Flags: abi.CallPath1, Args: args, Path1: p}, Mem: m})
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				letGo(b, call(unix.SYS_OPENAT, [6]uint64{0, 0, unix.O_CREAT | unix.O_EXCL | unix.O_WRONLY, 0644}, fmt.Sprintf("/data/a/f%d", i%batch)))
				if i%batch == batch-1 || i == b.N-1 {
					b.StopTimer()
					for j := 0; j <= i%batch; j++ {
						if a := call(unix.SYS_UNLINK, [6]uint64{}, fmt.Sprintf("/data/a/f%d", j)); a.Ret != 0 {
							b.Fatalf("unlink: %+v", a.Reply)
						}
					}
					b.StartTimer()
				}
			}
		})
	}
}

// BenchmarkCreateAt: BenchmarkCreate as tar x makes its creates, by a
// name relative to a directory descriptor (openat: abi.CallDir1, the
// directory's path as the view gave it and its identity).
func BenchmarkCreateAt(b *testing.B) {
	for _, backend := range []string{"mem", "overlay"} {
		b.Run(backend, func(b *testing.B) {
			ns := benchNS(b, backend, true)
			mnt, _ := ns.tab.Lookup("/data/a")
			// The overlay's directory, copied up (a new identity) by
			// the first create in it, as tar's first file does.
			if err := afero.WriteFile(mnt.FS, "/a/first", nil, 0o644); err != nil {
				b.Fatal(err)
			}
			st, err := caps.LstatMeta(mnt.FS, "/a")
			if err != nil {
				b.Fatal(err)
			}
			const batch = 1000
			m := &fakeMemory{base: 0x10000, b: make([]byte, 64)}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c := abi.Call{Nr: unix.SYS_OPENAT, Flags: abi.CallPath1 | abi.CallDir1, Path1: fmt.Sprintf("/data/a/f%d", i%batch),
					Dir1Len: uint32(len("/data/a")), Dir1Dev: st.Dev, Dir1Ino: st.Ino,
					Args: [6]uint64{0, 0, unix.O_CREAT | unix.O_EXCL | unix.O_WRONLY, 0644}}
				letGo(b, ns.Handle(&Request{Call: c, Mem: m}))
				if i%batch == batch-1 || i == b.N-1 {
					b.StopTimer()
					for j := 0; j <= i%batch; j++ {
						c := abi.Call{Nr: unix.SYS_UNLINK, Flags: abi.CallPath1, Path1: fmt.Sprintf("/data/a/f%d", j)}
						if a := ns.Handle(&Request{Call: c, Mem: m}); a.Ret != 0 {
							b.Fatalf("unlink: %+v", a.Reply)
						}
					}
					b.StartTimer()
				}
			}
		})
	}
}

// BenchmarkChmod: the supervisor's own work for a chmod of a mem file,
// with the view on: a call that changes one name's own attributes.
func BenchmarkChmod(b *testing.B) {
	ns := benchNS(b, "mem", true)
	m := &fakeMemory{base: 0x10000, b: make([]byte, 64)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mode := uint64(0o644)
		if i%2 == 1 {
			mode = 0o600
		}
		a := ns.Handle(&Request{Call: abi.Call{Nr: unix.SYS_CHMOD, Flags: abi.CallPath1, Args: [6]uint64{0, mode}, Path1: "/data/a/b/f"}, Mem: m})
		if a.Ret != 0 {
			b.Fatalf("chmod: %+v", a.Reply)
		}
	}
}
