package vfs

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/view"
)

// BenchmarkCreateUnlink: the supervisor's own work for a create (open
// O_CREAT, handing out the file's descriptor) and an unlink on a mem mount,
// with the view on and off: what a create+unlink costs beyond the two
// exchanges.
func BenchmarkCreateUnlink(b *testing.B) {
	for _, withView := range []bool{false, true} {
		name := "noview"
		if withView {
			name = "view"
		}
		b.Run(name, func(b *testing.B) {
			ns := testNS(b)
			if withView {
				v, err := view.New(0)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { v.Close() })
				ns.Publish(v)
			}
			creat := abi.Call{Nr: unix.SYS_OPENAT, Flags: abi.CallPath1, Args: [6]uint64{0, 0, unix.O_CREAT | unix.O_WRONLY | unix.O_TRUNC, 0644}, Path1: "/data/a/x"}
			unlink := abi.Call{Nr: unix.SYS_UNLINK, Flags: abi.CallPath1, Path1: "/data/a/x"}
			m := &fakeMemory{base: 0x10000, b: make([]byte, 64)}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				a := ns.Handle(&Request{Call: creat, Mem: m})
				if a.Fd < 0 {
					b.Fatalf("create: %+v", a.Reply)
				}
				if a.Release != nil {
					a.Release()
				} else {
					unix.Close(a.Fd)
				}
				if a := ns.Handle(&Request{Call: unlink, Mem: m}); a.Ret != 0 {
					b.Fatalf("unlink: %+v", a.Reply)
				}
			}
		})
	}
}
