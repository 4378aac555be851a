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
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// relayFd is the pipe sigRelay writes to.
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

// relay is the relay of some signals, while installed.
type relay struct {
	r    *os.File
	w    int
	sigs []syscall.Signal
	old  []kernelSigaction
}

// relaySignals installs the handler for sigs and calls pass, from a
// goroutine, with each one that did not come from the terminal. Stop
// puts the handlers back as they were.
func relaySignals(sigs []syscall.Signal, pass func(syscall.Signal)) (*relay, error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, err
	}
	rl := &relay{r: os.NewFile(uintptr(p[0]), "signal relay"), w: p[1]}
	relayFd = int64(p[1])
	handler, restorer := relayAddrs()
	act := kernelSigaction{handler: handler, flags: saSigInfo | saOnStack | saRestorer | saRestart,
		restorer: restorer, mask: ^uint64(0)}
	for _, sig := range sigs {
		var old kernelSigaction
		if err := sigaction(sig, &act, &old); err != nil {
			rl.Stop()
			return nil, err
		}
		rl.sigs, rl.old = append(rl.sigs, sig), append(rl.old, old)
	}
	go func() {
		var rec [16]byte
		for {
			if _, err := io.ReadFull(rl.r, rec[:]); err != nil {
				return
			}
			sig := syscall.Signal(binary.LittleEndian.Uint32(rec[0:]))
			if int32(binary.LittleEndian.Uint32(rec[4:])) != siKernel {
				pass(sig)
			}
		}
	}()
	return rl, nil
}

// Stop restores the handlers the relay replaced and closes its pipe.
func (rl *relay) Stop() {
	for i, sig := range rl.sigs {
		sigaction(sig, &rl.old[i], nil)
	}
	relayFd = -1
	unix.Close(rl.w)
	rl.r.Close()
}
