// spares.go makes the data of new regular files ahead of need and lets go
// of the data of removed ones afterwards, on another thread. memfd_create,
// the reopen a create hands to its caller and the close that frees a
// removed file's memfd cost ~4, ~5 and ~3.5 µs here: together half of the
// supervisor's own work for a create+unlink, done while the process that
// asked waits. A spare thread does them meanwhile, when a CPU is free.

package mem

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// A blank is the data of a regular file made ahead of need: the memfd the
// tree keeps, its identity, and reopens of it for the two access modes
// creates ask for (-1 where none was made).
type blank struct {
	memfd        int
	key          dataKey
	rdwr, wronly int
}

// noBlank is the blank of a failure: no descriptors.
var noBlank = blank{memfd: -1, rdwr: -1, wronly: -1}

// pick returns the ready reopen for an open with flag (as reopen takes it),
// or -1; the blank no longer holds it. O_APPEND, the one status flag
// creates commonly add, is set on it.
func (b *blank) pick(flag int) int {
	flag &^= reopenIgnores | unix.O_CLOEXEC | unix.O_LARGEFILE
	var fd *int
	switch flag &^ unix.O_APPEND {
	case unix.O_RDWR:
		fd = &b.rdwr
	case unix.O_WRONLY:
		fd = &b.wronly
	default:
		return -1
	}
	got := *fd
	if got < 0 {
		return -1
	}
	if flag&unix.O_APPEND != 0 {
		if _, err := unix.FcntlInt(uintptr(got), unix.F_SETFL, unix.O_APPEND); err != nil {
			return -1
		}
	}
	*fd = -1
	return got
}

// opens returns the reopens the blank still holds. Once the blank is a
// file's data they must be closed at once, not later: a descriptor open
// for writing makes an exec of the file fail with ETXTBSY.
func (b *blank) opens() []int {
	var fds []int
	for _, fd := range []int{b.rdwr, b.wronly} {
		if fd >= 0 {
			fds = append(fds, fd)
		}
	}
	return fds
}

// makeBlank makes the data of a new regular file; with opens, the two
// reopens too.
func makeBlank(opens bool) (blank, error) {
	b := noBlank
	fd, err := unix.MemfdCreate("zvfs-mem", unix.MFD_CLOEXEC)
	if err != nil {
		return b, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return b, err
	}
	b.memfd, b.key = fd, dataKey{st.Dev, st.Ino}
	if opens {
		if b.rdwr, err = linuxvfs.Reopen(fd, unix.O_RDWR); err == nil {
			b.wronly, err = linuxvfs.Reopen(fd, unix.O_WRONLY)
		}
		if err != nil {
			closeAll(append(b.opens(), b.memfd))
			return noBlank, err
		}
	}
	return b, nil
}

// spares holds the blanks made ahead and the descriptors waiting to be
// closed, for one tree.
type spares struct {
	mu      sync.Mutex
	ready   []blank
	filling bool  // a goroutine is making blanks
	doomed  []int // descriptors to close
	closing bool  // a goroutine is closing a batch
	done    bool  // the tree was closed
}

const (
	// sparesLow starts a refill; sparesHigh is where it stops.
	sparesLow, sparesHigh = 8, 24
	// closeBatch is how many descriptors wait before a goroutine closes
	// them: one wake-up of another thread per batch.
	closeBatch = 32
)

// take returns the data of a new regular file: a blank made ahead, with
// its times made now's, or, when none is ready, one made here (without
// reopens). Out of descriptors, it closes what waits to be closed and
// tries once more.
func (s *spares) take() (blank, error) {
	s.mu.Lock()
	var b blank
	ok := len(s.ready) > 0
	if ok {
		b = s.ready[len(s.ready)-1]
		s.ready = s.ready[:len(s.ready)-1]
	}
	if len(s.ready) < sparesLow && !s.filling && !s.done {
		s.filling = true
		go s.fill()
	}
	s.mu.Unlock()
	if ok {
		// Made a while ago: its times must be the create's.
		ts := [2]unix.Timespec{{Nsec: unix.UTIME_NOW}, {Nsec: unix.UTIME_NOW}}
		if err := utimensat(b.memfd, &ts); err != nil {
			s.discard(b)
			return noBlank, err
		}
		return b, nil
	}
	b, err := makeBlank(false)
	if err == unix.EMFILE || err == unix.ENFILE {
		s.flush()
		b, err = makeBlank(false)
	}
	return b, err
}

// fill makes blanks until sparesHigh are ready, or making one fails.
func (s *spares) fill() {
	for {
		b, err := makeBlank(true)
		s.mu.Lock()
		if err != nil || s.done || len(s.ready) >= sparesHigh {
			s.filling = false
			s.mu.Unlock()
			if err == nil {
				s.discard(b)
			}
			return
		}
		s.ready = append(s.ready, b)
		s.mu.Unlock()
	}
}

// discard gives up a blank's descriptors.
func (s *spares) discard(b blank) {
	s.release(append(b.opens(), b.memfd)...)
}

// release closes fds later, in batches, on another goroutine. After the
// tree was closed, at once.
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

// flush closes at once what waits to be closed and the blanks made ahead:
// a process short of descriptors needs them back.
func (s *spares) flush() {
	s.mu.Lock()
	fds := s.doomed
	s.doomed = nil
	for _, b := range s.ready {
		fds = append(fds, b.memfd)
		fds = append(fds, b.opens()...)
	}
	s.ready = nil
	s.mu.Unlock()
	closeAll(fds)
}

// closeDoomed closes at once what waits to be closed.
func (s *spares) closeDoomed() {
	s.mu.Lock()
	fds := s.doomed
	s.doomed = nil
	s.mu.Unlock()
	closeAll(fds)
}

// close flushes, and from then on closes at once; blanks being made are
// closed when done.
func (s *spares) close() {
	s.mu.Lock()
	s.done = true
	s.mu.Unlock()
	s.flush()
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
