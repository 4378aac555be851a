package supervisor

// sigrelay.go passes on to the program the signals sent to zvfs, and
// tells a terminal's interrupt from one sent to zvfs alone.
// The program stays in zvfs's process group, so ^C and ^\ reach it
// directly from the terminal, and zvfs must not pass them on a second
// time; a `kill -INT` aimed at zvfs reaches zvfs alone and must be passed
// on. Only the signal's si_code tells them apart (SI_KERNEL from the
// terminal, SI_USER from kill), and Go's os/signal does not give it, so
// zvfs installs a small handler of its own (sigrelay_amd64.s) that writes
// the signal and its si_code to a pipe. SIGTERM and SIGHUP take the same
// way, whatever sent them: os/signal's first Notify starts a thread and a
// goroutine of its own, which every run would wait for.

import (
	"encoding/binary"
	"io"
	"os"
	"slices"
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
// want it (hook programs may run several at once), each with its pass and
// the signals it asked for: a signal's handler is installed while some run
// wants it.
var relay struct {
	sync.Mutex
	r      *os.File                           // the read end; relayFd is the write end
	old    map[syscall.Signal]kernelSigaction // the handlers replaced, by signal
	passes map[int]relayPass
	next   int
}

type relayPass struct {
	sigs []syscall.Signal
	pass func(syscall.Signal)
}

// relaySignals calls pass, from a goroutine, with each of sigs that zvfs
// receives and that did not come from the terminal, installing the
// handler for those no run has asked for yet. The returned stop ends
// that, putting back the handlers no other run still wants.
func relaySignals(sigs []syscall.Signal, pass func(syscall.Signal)) (stop func(), err error) {
	relay.Lock()
	defer relay.Unlock()
	if relay.passes == nil {
		if err := openRelay(); err != nil {
			return nil, err
		}
		relay.passes, relay.old = map[int]relayPass{}, map[syscall.Signal]kernelSigaction{}
	}
	id := relay.next
	relay.next++
	relay.passes[id] = relayPass{sigs, pass}
	handler, restorer := relayAddrs()
	act := kernelSigaction{handler: handler, flags: saSigInfo | saOnStack | saRestorer | saRestart,
		restorer: restorer, mask: ^uint64(0)}
	for _, sig := range sigs {
		if _, done := relay.old[sig]; done {
			continue
		}
		var old kernelSigaction
		if err := sigaction(sig, &act, &old); err != nil {
			dropPass(id)
			return nil, err
		}
		relay.old[sig] = old
	}
	return func() {
		relay.Lock()
		defer relay.Unlock()
		dropPass(id)
	}, nil
}

// dropPass forgets pass id, puts back the handlers of the signals no pass
// wants any more, and closes the relay after the last pass. The caller
// holds relay's lock.
func dropPass(id int) {
	delete(relay.passes, id)
	for sig, old := range relay.old {
		if !wanted(sig) {
			sigaction(sig, &old, nil)
			delete(relay.old, sig)
		}
	}
	if len(relay.passes) == 0 {
		relay.passes, relay.old = nil, nil
		closeRelay()
	}
}

// wanted tells whether some pass asks for sig. The caller holds relay's
// lock.
func wanted(sig syscall.Signal) bool {
	for _, p := range relay.passes {
		if slices.Contains(p.sigs, sig) {
			return true
		}
	}
	return false
}

// openRelay makes the pipe the handler writes to and starts the goroutine
// that reads it. The caller holds relay's lock.
func openRelay() error {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return err
	}
	r := os.NewFile(uintptr(p[0]), "signal relay")
	relay.r = r
	relayFd = int64(p[1])
	go func() {
		var rec [16]byte
		for {
			if _, err := io.ReadFull(r, rec[:]); err != nil {
				return
			}
			sig := syscall.Signal(binary.LittleEndian.Uint32(rec[0:]))
			if int32(binary.LittleEndian.Uint32(rec[4:])) == siKernel && fromTerminal(sig) {
				continue
			}
			relay.Lock()
			for _, p := range relay.passes {
				if slices.Contains(p.sigs, sig) {
					p.pass(sig)
				}
			}
			relay.Unlock()
		}
	}()
	return nil
}

// fromTerminal tells whether the kernel sends sig to the terminal's
// foreground process group, the program's too (^C, ^\): then it is not
// passed on. A hang-up's SIGHUP may reach zvfs alone (a session leader
// whose group is not in the foreground): it is passed on like any other.
func fromTerminal(sig syscall.Signal) bool {
	return sig == syscall.SIGINT || sig == syscall.SIGQUIT
}

// closeRelay closes the relay's pipe, which ends its goroutine. The
// caller holds relay's lock.
func closeRelay() {
	w := int(relayFd)
	relayFd = -1
	unix.Close(w)
	relay.r.Close()
}
