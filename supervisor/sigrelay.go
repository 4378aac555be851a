package supervisor

// sigrelay.go tells a terminal's interrupt from one sent to zvfs alone.
// The program stays in zvfs's process group, so ^C and ^\ reach it
// directly from the terminal, and zvfs must not pass them on a second
// time; a `kill -INT` aimed at zvfs reaches zvfs alone and must be passed
// on. Only the signal's si_code tells them apart (SI_KERNEL from the
// terminal, SI_USER from kill), and Go's os/signal does not give it, so
// for SIGINT and SIGQUIT zvfs installs a small handler of its own
// (sigrelay_amd64.s) that writes the signal and its si_code to a pipe.

import (
	"encoding/binary"
	"io"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// relayFd is the pipe sigRelay writes to (the relay's write end).
var relayFd int64 = -1

func sigRelay()
func sigRestorer()
func relayAddrs() (handler, restorer uintptr)

// kernelSigaction is the x86-64 kernel's struct sigaction.
type kernelSigaction struct {
	handler  uintptr
	flags    uint64
	restorer uintptr
	mask     uint64
}

const (
	saSigInfo  = 0x4
	saOnStack  = 0x08000000
	saRestorer = 0x04000000
	saRestart  = 0x10000000
	siKernel   = 0x80 // si_code of a signal the kernel sent: a terminal's
)

func sigaction(sig syscall.Signal, act, old *kernelSigaction) error {
	_, _, e := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(act)),
		uintptr(unsafe.Pointer(old)), 8, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// relay is the installed relay, shared by the runs of this process that
// want it (hook programs may run several at once), each with its pass.
var relay struct {
	sync.Mutex
	r      *os.File // the read end; relayFd is the write end
	sigs   []syscall.Signal
	old    []kernelSigaction
	passes map[int]func(syscall.Signal)
	next   int
}

// relaySignals calls pass, from a goroutine, with each of sigs that zvfs
// receives and that did not come from the terminal, installing the
// handler if no run has yet. The returned stop ends that; the last one
// puts the handlers back as they were.
func relaySignals(sigs []syscall.Signal, pass func(syscall.Signal)) (stop func(), err error) {
	relay.Lock()
	defer relay.Unlock()
	if relay.passes == nil {
		if err := installRelay(sigs); err != nil {
			return nil, err
		}
		relay.passes = map[int]func(syscall.Signal){}
	}
	id := relay.next
	relay.next++
	relay.passes[id] = pass
	return func() {
		relay.Lock()
		defer relay.Unlock()
		delete(relay.passes, id)
		if len(relay.passes) == 0 {
			relay.passes = nil
			uninstallRelay()
		}
	}, nil
}

// installRelay makes a pipe, points the handler at it for sigs, and starts
// the goroutine that reads it. The caller holds relay's lock.
func installRelay(sigs []syscall.Signal) error {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return err
	}
	r := os.NewFile(uintptr(p[0]), "signal relay")
	relay.r = r
	relayFd = int64(p[1])
	handler, restorer := relayAddrs()
	act := kernelSigaction{handler: handler, flags: saSigInfo | saOnStack | saRestorer | saRestart,
		restorer: restorer, mask: ^uint64(0)}
	for _, sig := range sigs {
		var old kernelSigaction
		if err := sigaction(sig, &act, &old); err != nil {
			uninstallRelay()
			return err
		}
		relay.sigs, relay.old = append(relay.sigs, sig), append(relay.old, old)
	}
	go func() {
		var rec [16]byte
		for {
			if _, err := io.ReadFull(r, rec[:]); err != nil {
				return
			}
			if int32(binary.LittleEndian.Uint32(rec[4:])) == siKernel {
				continue
			}
			sig := syscall.Signal(binary.LittleEndian.Uint32(rec[0:]))
			relay.Lock()
			for _, pass := range relay.passes {
				pass(sig)
			}
			relay.Unlock()
		}
	}()
	return nil
}

// uninstallRelay restores the handlers the relay replaced and closes its
// pipe (which ends its goroutine). The caller holds relay's lock.
func uninstallRelay() {
	for i, sig := range relay.sigs {
		sigaction(sig, &relay.old[i], nil)
	}
	relay.sigs, relay.old = nil, nil
	w := int(relayFd)
	relayFd = -1
	unix.Close(w)
	relay.r.Close()
}
