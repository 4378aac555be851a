package hook

import (
	"os"
	"testing"
	"unsafe"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/supervisor"
	"github.com/zvfs/zvfs/vfs"
)

// FuzzHook feeds arbitrary calls to the dispatcher, as a hostile or broken
// stub could send them: every typed method's argument decoding (paths,
// exec arrays, socket addresses) reads the memory of this process, where
// an argument equal to 1 points at the fuzzer's bytes. No call may panic,
// and each must get an answer the stub understands.
func FuzzHook(f *testing.F) {
	f.Add(uint16(257), int64(-100), uint64(1), uint64(0), uint64(0), []byte("/etc/passwd\x00"))
	f.Add(uint16(59), int64(1), uint64(1), uint64(1), uint64(0), []byte("\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add(uint16(42), int64(3), uint64(1), uint64(16), uint64(0), []byte{2, 0, 0, 80, 127, 0, 0, 1})
	f.Add(uint16(49), int64(3), uint64(1), uint64(200), uint64(0), []byte{1, 0})
	f.Add(uint16(2), int64(1), uint64(0), uint64(0), uint64(0), []byte("relative\x00"))
	f.Add(uint16(500), int64(0), uint64(0), uint64(0), uint64(0), []byte{})
	d := newDispatcher(Default{})
	for nr := range abi.NSlots {
		d.set.Add(nr)
	}
	f.Fuzz(func(t *testing.T, nr uint16, a0 int64, a1, a2, a3 uint64, mem []byte) {
		mem = append(mem, 0) // a pointer into it always has a byte to read
		base := uint64(uintptr(unsafe.Pointer(&mem[0])))
		args := [6]uint64{uint64(a0), a1, a2, a3, 1, 0}
		for i := range args {
			if args[i] == 1 {
				args[i] = base
			}
		}
		if !abi.Hookable(int(nr)) {
			return // the decoder refuses these
		}
		r := &supervisor.HookRequest{HookCall: abi.HookCall{Nr: int(nr), Tid: os.Getpid(), Args: args},
			Pid: os.Getpid(), Mem: vfs.ProcessMemory{Pid: os.Getpid()}}
		a := d.Hook(r)
		switch a.Action {
		case supervisor.HookContinue:
		case supervisor.HookReturn:
			if a.Ret >= 0 || a.Ret < -4095 {
				t.Fatalf("call %d: answered %d without a hook", nr, a.Ret)
			}
		default:
			t.Fatalf("call %d: action %d", nr, a.Action)
		}
	})
}
