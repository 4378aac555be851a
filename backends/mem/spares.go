// spares.go makes the data of new regular files ahead of need and lets go
// of the data of removed ones afterwards, on another thread. memfd_create,
// the reopen a create hands to its caller and the close that frees a
// removed file's memfd cost ~4, ~5 and ~3.5 µs here: together half of the
// supervisor's own work for a create+unlink, done while the process that
// asked waits. A spare thread does them meanwhile, when a CPU is free.

package mem

import (
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/fdroom"
	"github.com/zvfs/zvfs/internal/linuxvfs"
	"github.com/zvfs/zvfs/internal/reap"
)

// A blank is the data of a regular file made ahead of need: the memfd the
// tree keeps, its identity, and a reopen of it with one of the access
// modes creates ask for (-1 if none).
type blank struct {
	memfd int
	key   dataKey
	open  int
}

// noBlank is the blank of a failure: no descriptors.
var noBlank = blank{memfd: -1, open: -1}

// Access modes blanks are made ready for, by their index in spares.ready.
var blankModes = [...]int{unix.O_WRONLY, unix.O_RDWR}

// readyIndex is the index in spares.ready of the blanks an open with flag
// (as reopen takes it) can use, or -1. O_APPEND, the one status flag
// creates commonly add, is set on the reopen by pick.
func readyIndex(flag int) int {
	flag &^= reopenIgnores | unix.O_CLOEXEC | unix.O_LARGEFILE | unix.O_APPEND
	for i, m := range blankModes {
		if flag == m {
			return i
		}
	}
	return -1
}

// pick returns the blank's reopen for an open with flag, which take was
// given, or -1; the blank no longer holds it.
func (b *blank) pick(flag int) int {
	fd := b.open
	if fd < 0 || readyIndex(flag) < 0 {
		return -1
	}
	if flag&unix.O_APPEND != 0 {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, unix.O_APPEND); err != nil {
			return -1
		}
	}
	b.open = -1
	return fd
}

// openFor returns a descriptor of the blank's memfd for an open with flag:
// its reopen, if made for that, else a new one. Either way the blank holds
// no reopen after.
func (b *blank) openFor(flag int) (int, error) {
	fd := b.pick(flag)
	b.closeOpen()
	if fd >= 0 {
		return fd, nil
	}
	return reopen(b.memfd, flag)
}

// closeOpen closes the reopen the blank still holds. Once the blank is a
// file's data this must be done at once, not later: a descriptor open for
// writing makes an exec of the file fail with ETXTBSY.
func (b *blank) closeOpen() {
	if b.open >= 0 {
		unix.Close(b.open)
		b.open = -1
	}
}

// makeBlank makes the data of a new regular file, and a reopen of it with
// the access mode mode, if not -1.
func makeBlank(mode int) (blank, error) {
	b := noBlank
	fd, err := unix.MemfdCreate("zvfs-mem", unix.MFD_CLOEXEC)
	if err != nil {
		return b, err
	}
	if err := unix.Fchmod(fd, dataPerm); err != nil {
		unix.Close(fd)
		return b, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return b, err
	}
	b.memfd, b.key = fd, dataKey{st.Dev, st.Ino}
	if mode >= 0 {
		if b.open, err = linuxvfs.Reopen(fd, mode); err != nil {
			unix.Close(fd)
			return noBlank, err
		}
	}
	top := max(b.memfd, b.open)
	if fdroom.Scarce(top) || mode >= 0 && !fdroom.Ample(top) {
		// The tree is full: the descriptors left are for serving. A
		// blank made ahead (mode set: the refill's) stops earlier.
		b.closeOpen()
		unix.Close(b.memfd)
		return noBlank, unix.ENOSPC
	}
	fdroom.Note(top) // a tree keeps a memfd per file
	if top >= reap.MinFds/2 {
		reap.Prepare() // the tree grows: its end will hand its files over
	}
	return b, nil
}

// spares holds the blanks made ahead, by access mode, and the descriptors
// waiting to be closed, for one tree.
type spares struct {
	mu    sync.Mutex
	ready [len(blankModes)][]blank
	// want is how many blanks of each mode a refill makes: none until a
	// create of that mode finds none ready, then twice as many each time
	// that happens, from sparesFirst to sparesHigh. A build's few dozen
	// creates so make a few dozen blanks, not the 128 (and their 256
	// descriptors, made and then closed on the CPUs the compilers need)
	// that tar x of thousands of files uses.
	want [len(blankModes)]int
	// filling is closed when the goroutine making blanks stops; nil
	// while none is.
	filling chan struct{}
	// full: a create found no descriptor to spare, and no blank is made
	// ahead until files are removed (release).
	full    bool
	doomed  []int // descriptors to close
	closing bool  // a goroutine is closing a batch
	done    bool  // the tree was closed
}

// growWait bounds how long a refill waits for the descriptor table's
// first growth.
const growWait = 100 * time.Millisecond

const (
	// sparesLow of a mode starts a refill (or half of what the mode
	// wants, if less); sparesFirst is what a mode wants once a create
	// found it empty, and sparesHigh the most it ever wants.
	sparesLow, sparesFirst, sparesHigh = 8, 8, 64
	// closeBatch is how many descriptors wait before a goroutine closes
	// them: one wake-up of another thread per batch.
	closeBatch = 32
)

// take returns the data of a new regular file for an open with flag (-1:
// none): a blank made ahead, with its times made now's, or, when none is
// ready, one made here. Out of descriptors, it closes what waits to be
// closed and tries once more, then fails with ENOSPC.
func (s *spares) take(flag int) (blank, error) {
	i := 0 // a file made without an open takes any blank, and closes its open
	if flag >= 0 {
		i = readyIndex(flag)
	}
	s.mu.Lock()
	var b blank
	ok := false
	if i >= 0 {
		if r := s.ready[i]; len(r) > 0 {
			b, ok = r[len(r)-1], true
			s.ready[i] = r[:len(r)-1]
		} else {
			s.want[i] = min(max(2*s.want[i], sparesFirst), sparesHigh)
		}
		if len(s.ready[i]) < min(sparesLow, s.want[i]/2+1) && s.filling == nil && !s.full && !s.done {
			s.filling = make(chan struct{})
			go s.fill()
		}
	}
	s.mu.Unlock()
	if ok {
		// Made a while ago: its times must be the create's.
		ts := [2]unix.Timespec{{Nsec: unix.UTIME_NOW}, {Nsec: unix.UTIME_NOW}}
		if err := utimensat(b.memfd, &ts); err != nil {
			b.closeOpen()
			s.release(b.memfd)
			return noBlank, err
		}
		return b, nil
	}
	b, err := makeBlank(-1)
	if err == unix.EMFILE || err == unix.ENFILE || err == unix.ENOSPC {
		// No more blanks ahead, and none being made: a refill holds
		// descriptors for a moment even when it finds no room, and a
		// create must not fail for those, then the next one succeed.
		s.mu.Lock()
		s.full = true
		filling := s.filling
		s.mu.Unlock()
		if filling != nil {
			<-filling
		}
		s.flush()
		b, err = makeBlank(-1)
	}
	if err == unix.EMFILE || err == unix.ENFILE {
		// The tree is full: it holds a descriptor per file, as a tmpfs
		// runs out of inodes (the caller is not out of descriptors).
		err = unix.ENOSPC
	}
	return b, err
}

// fill makes blanks until every mode has as many ready as it wants, or
// making one fails.
func (s *spares) fill() {
	// Not while the descriptor table grows: the numbers the blanks
	// would take are the ones calls answered meanwhile need.
	fdroom.WaitGrown(growWait)
	for {
		s.mu.Lock()
		i := 0 // the mode furthest from what it wants
		for j := range s.ready {
			if s.want[j]-len(s.ready[j]) > s.want[i]-len(s.ready[i]) {
				i = j
			}
		}
		if s.done || s.full || len(s.ready[i]) >= s.want[i] {
			s.stopFilling()
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		b, err := makeBlank(blankModes[i])
		s.mu.Lock()
		if err != nil || s.done {
			s.stopFilling()
			s.mu.Unlock()
			if err == nil {
				b.closeOpen()
				unix.Close(b.memfd)
			}
			return
		}
		s.ready[i] = append(s.ready[i], b)
		s.mu.Unlock()
	}
}

// stopFilling says that the goroutine making blanks stops. The caller
// holds s.mu.
func (s *spares) stopFilling() {
	close(s.filling)
	s.filling = nil
}

// release closes fds later, in batches, on another goroutine (none of
// them may be open for writing: see closeOpen). After the tree was
// closed, at once.
func (s *spares) release(fds ...int) {
	if len(fds) == 0 {
		return
	}
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		closeAll(fds)
		return
	}
	s.doomed = append(s.doomed, fds...)
	s.full = false // descriptors come back
	var batch []int
	if len(s.doomed) >= closeBatch && !s.closing {
		batch, s.doomed, s.closing = s.doomed, nil, true
	}
	s.mu.Unlock()
	if batch != nil {
		go func() {
			closeAll(batch)
			s.mu.Lock()
			s.closing = false
			s.mu.Unlock()
		}()
	}
}

// closeDoomed closes at once what waits to be closed.
func (s *spares) closeDoomed() {
	s.mu.Lock()
	fds := s.doomed
	s.doomed = nil
	s.mu.Unlock()
	closeAll(fds)
}

// flush closes at once what waits to be closed and the blanks made ahead:
// a process short of descriptors needs them back.
func (s *spares) flush() {
	s.mu.Lock()
	fds := s.held()
	s.mu.Unlock()
	closeAll(fds)
}

// held returns, and forgets, what waits to be closed and the blanks made
// ahead. The caller holds s.mu.
func (s *spares) held() []int {
	fds := s.doomed
	s.doomed = nil
	for i, r := range s.ready {
		for _, b := range r {
			fds = append(fds, b.memfd)
			if b.open >= 0 {
				fds = append(fds, b.open)
			}
		}
		s.ready[i] = nil
	}
	return fds
}

// end returns, for the caller to close, what waits to be closed and the
// blanks made ahead, and from then on closes at once; a blank being made
// is closed when done.
func (s *spares) end() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	return s.held()
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// closeSpread is closeAll on every CPU, for a tree's descriptors at the
// end of a run, where the program's caller waits for zvfs to exit. Those
// of a big tree are no longer the last of their files (internal/reap,
// which says what freeing one costs), but a close still costs ~0.7 µs;
// those of a small tree free their files here.
func closeSpread(fds []int) {
	const least = 256 // fewer are not worth a goroutine
	parts := min(runtime.NumCPU(), len(fds)/least)
	if parts <= 1 {
		closeAll(fds)
		return
	}
	var wg sync.WaitGroup
	for i := range parts {
		part := fds[i*len(fds)/parts : (i+1)*len(fds)/parts]
		wg.Go(func() { closeAll(part) })
	}
	wg.Wait()
}
