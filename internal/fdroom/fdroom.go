// Package fdroom keeps this process's descriptor table larger than the
// descriptors it holds, so that getting a descriptor never waits for the
// table to grow, and its descriptor limit as high as it may be (Raise).
//
// The kernel grows a descriptor table by copying it into one twice as
// large (or more), and in a process of more than one thread, which every
// Go program is, it first waits for an RCU grace period (expand_fdtable's
// synchronize_rcu): 8–16 ms on the 2-vCPU VMs zvfs is measured on, during
// which the thread that asked for the descriptor waits. The supervisor
// holds a descriptor for every mem file, so a run that made 5 000 files
// paid that at 128, 256, … 8 192 descriptors, each time in the middle of
// somebody's call (a quarter of a create loop's time). Note, called where
// descriptors that stay open are made, has the table grown on a goroutine
// of its own once half of it is in use, to four times what is in use:
// other threads wait only if they need a number past the table's end
// before it is done, and numbers below it are handed out meanwhile.
package fdroom

import (
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// minRoom is the smallest table fdroom grows to: 1 024 descriptors cost
// the kernel 8 KiB of pointers.
const minRoom = 1024

var (
	// mark is the descriptor number from which Note grows the table:
	// half of the kernel's first table (64) until fdroom grew it, then
	// half of what it grew it to, MaxInt64 once the limit is reached.
	mark atomic.Int64
	// growing is set while a goroutine grows the table.
	growing atomic.Bool
	// pending is the highest number startGrow was asked to grow for
	// that no growth has taken yet (0: none).
	pending atomic.Int64
)

// limit is the soft descriptor limit, as Raise left it.
var limit atomic.Int64

func init() {
	mark.Store(32)
	readLimit()
}

func readLimit() {
	var l unix.Rlimit
	if prlimit(nil, &l) == nil {
		limit.Store(int64(min(l.Cur, math.MaxInt64)))
	}
}

// Scarce tells whether descriptor fd, just made for something the process
// keeps, leaves less than a sixteenth of the limit (at least 64
// descriptors) for the rest of its work: a mem tree, which keeps a
// descriptor per file, makes no more files past it, so that serving calls
// and listing directories still get descriptors.
func Scarce(fd int) bool {
	l := limit.Load()
	return int64(fd) >= l-reserve(l)
}

// reserve is what Scarce leaves under the limit l.
func reserve(l int64) int64 { return max(l/16, 64) }

// Ample tells whether descriptor fd, just made for something made ahead
// of need (a mem tree's blanks), leaves twice Scarce's reserve: nearer the
// limit, the descriptors left go to what calls ask for, not to guesses.
func Ample(fd int) bool {
	l := limit.Load()
	return int64(fd) < l-2*reserve(l)
}

// Note tells fdroom that the process got descriptor fd and keeps it. It
// costs one atomic load unless fd is past the mark; then the table is
// grown in the background.
func Note(fd int) {
	if int64(fd) >= mark.Load() {
		startGrow(fd)
	}
}

// startGrow has the table grown for fd on a goroutine of its own. If one
// is already at it, that one grows the table again for fd once done, if
// fd is still past the mark then: a number noted meanwhile (a create
// while the first growth, for a quarter of minRoom, waits for the kernel)
// is not forgotten.
func startGrow(fd int) {
	for p := pending.Load(); int64(fd) > p && !pending.CompareAndSwap(p, int64(fd)); p = pending.Load() {
	}
	if !growing.CompareAndSwap(false, true) {
		return
	}
	go func() {
		for {
			grow(int(pending.Swap(0)))
			growing.Store(false)
			if p := pending.Load(); p == 0 || p < mark.Load() || !growing.CompareAndSwap(false, true) {
				return
			}
		}
	}()
}

// first is closed once the table has been grown the first time (or
// cannot be).
var (
	first     = make(chan struct{})
	firstOnce sync.Once
)

func firstDone() { firstOnce.Do(func() { close(first) }) }

// WaitGrown has the table grown to its first size (minRoom), as Note does
// once a quarter of that is in use, if it has not grown yet, and waits
// for that at most d. Something that takes descriptors by the hundred
// ahead of need (mem's files made ahead) waits for it: a thread that
// needs a number past the table while it grows waits for the kernel too,
// 6–22 ms here (an RCU grace period), and the first call a run's program
// made after its first create often did. Once the table has grown, it
// returns at once.
func WaitGrown(d time.Duration) {
	if mark.Load() >= minRoom/2 {
		firstDone()
		return
	}
	startGrow(minRoom / 4)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-first:
	case <-t.C:
	}
}

// grow makes the table hold at least four times fd descriptors (a power
// of two, at least minRoom, at most the descriptor limit) and moves the
// mark to half of that, or past every number once the table holds the
// limit. It waits for the kernel: Note calls it on a
// goroutine of its own.
func grow(fd int) {
	defer firstDone()
	room := int64(minRoom)
	for room < 4*int64(fd) {
		room *= 2
	}
	next := room / 2
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_NOFILE, &lim) == nil && lim.Cur <= uint64(room) {
		// The limit: once the table holds it, there is nothing to grow to.
		room, next = int64(lim.Cur), math.MaxInt64
	}
	if room <= int64(fd)+1 {
		mark.Store(math.MaxInt64)
		return
	}
	// The kernel grows the table to hold the lowest free number at or
	// above room-1 (F_DUPFD), which is then closed again.
	base, err := unix.Open("/", unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	if d, err := unix.FcntlInt(uintptr(base), unix.F_DUPFD_CLOEXEC, int(room-1)); err == nil {
		unix.Close(d)
	}
	unix.Close(base)
	mark.Store(next)
}

// saved is the descriptor limit as it was before Raise lifted it; nil if
// it did not.
var saved atomic.Pointer[unix.Rlimit]

// Raise lifts this process's descriptor limit, soft and hard, to the most
// the kernel allows a process (fs.nr_open), if the process may
// (CAP_SYS_RESOURCE): a mem tree holds a descriptor for every regular
// file, so the limit is how many files it can hold (often 20 000 or less
// without it). It leaves the limit alone otherwise. Programs started with
// Lowered get the limit as it was.
//
// The changes are made with a raw prlimit, which Go's runtime does not
// see: where it raised the soft limit at start, it gives the programs it
// starts the soft limit they would have had without it.
func Raise() {
	var cur unix.Rlimit
	if prlimit(nil, &cur) != nil {
		return
	}
	b, err := os.ReadFile("/proc/sys/fs/nr_open")
	if err != nil {
		return
	}
	most, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || most <= cur.Max {
		return
	}
	if prlimit(&unix.Rlimit{Cur: most, Max: most}, nil) == nil {
		saved.Store(&cur)
		readLimit()
	}
}

// Lowered runs start, which starts a program, with the limit Raise
// lifted put back, so that the program and what it starts get it; then
// lifts it again. Descriptors the process holds past the lower limit stay
// valid; only new ones made while start runs must fit under it.
func Lowered(start func() error) error {
	orig := saved.Load()
	if orig == nil {
		return start()
	}
	var raised unix.Rlimit
	if prlimit(orig, &raised) != nil {
		return start()
	}
	defer prlimit(&raised, nil)
	return start()
}

func prlimit(set, old *unix.Rlimit) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PRLIMIT64, 0, unix.RLIMIT_NOFILE,
		uintptr(unsafe.Pointer(set)), uintptr(unsafe.Pointer(old)), 0, 0)
	if e != 0 {
		return e
	}
	return nil
}
