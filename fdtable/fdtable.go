// Package fdtable holds the open file descriptions the supervisor serves
// itself: directories, O_PATH opens, and files of backends that have no
// kernel descriptor. A hooked process holds each one as a placeholder — its
// end of a SOCK_SEQPACKET pair whose other end stays here — so the kernel tracks the
// descriptor through dup, fork, exec and close, and the table learns of the
// last close when the pair hangs up. A descriptor a process sends back is
// recognised by the kernel identity (device and inode) of its socket, never
// by its number, so a stale or forged number cannot reach another's file.
package fdtable

import (
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// Open is one served open file description.
type Open struct {
	Mu    sync.Mutex // held while a call uses the open file
	Path  string     // absolute virtual path it was opened by
	Flags int        // open flags (O_ACCMODE, O_APPEND, O_PATH, O_DIRECTORY...)
	// Object is the caller's state: the backend file, a directory
	// listing and its position.
	Object any
	// Close releases Object when the last descriptor is gone.
	Close func()

	keep *os.File // our end of the placeholder's socket pair
}

// Push queues msg, as one message, for the process end of the placeholder
// to read: state of the open file description (a directory's listing, see
// abi.ListingChunkHeader) kept in the kernel with it, through dup, fork and
// exec, which the stub reads instead of asking. It never waits: false when
// the queue is full.
func (o *Open) Push(msg []byte) (bool, error) {
	if o.keep == nil {
		return false, os.ErrInvalid
	}
	rc, err := o.keep.SyscallConn()
	if err != nil {
		return false, err
	}
	var serr error
	if err := rc.Write(func(fd uintptr) bool {
		_, serr = unix.SendmsgN(int(fd), msg, nil, nil, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
		return true
	}); err != nil {
		return false, err
	}
	if serr == unix.EAGAIN {
		return false, nil
	}
	return serr == nil, serr
}

// Mark queues the one-byte message that ends a listing
// (abi.ListingMarkSize); unix.EAGAIN when the queue is full.
func (o *Open) Mark() error {
	ok, err := o.Push([]byte{1})
	if err == nil && !ok {
		err = unix.EAGAIN
	}
	return err
}

type key struct{ dev, ino uint64 }

// Table maps placeholder sockets to their open file descriptions.
type Table struct {
	mu    sync.Mutex
	opens map[key]*Open
}

// New returns an empty table.
func New() *Table { return &Table{opens: make(map[key]*Open)} }

// Add makes a placeholder for o and returns the descriptor to hand to the
// process (the caller closes it once sent). When every copy of that
// descriptor is closed, o.Close runs and o leaves the table.
func (t *Table) Add(o *Open) (int, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("served placeholder: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fds[1], &st); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return -1, fmt.Errorf("served placeholder: %w", err)
	}
	k := key{st.Dev, st.Ino}
	t.mu.Lock()
	t.opens[k] = o
	t.mu.Unlock()
	// Our end waits for the hang-up in the runtime's poller, not in a thread.
	unix.SetNonblock(fds[0], true)
	keep := os.NewFile(uintptr(fds[0]), "zvfs-served")
	o.keep = keep
	go func() {
		var b [64]byte
		for {
			if _, err := keep.Read(b[:]); err == nil {
				continue
			}
			// An empty message reads as EOF too: only a hang-up keeps
			// reading as 0 bytes.
			if n, _, err := unix.Recvfrom(int(fds[0]), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT); n > 0 || err == unix.EAGAIN {
				continue
			}
			break
		}
		keep.Close()
		t.mu.Lock()
		delete(t.opens, k)
		t.mu.Unlock()
		o.Mu.Lock()
		if o.Close != nil {
			o.Close()
		}
		o.Mu.Unlock()
	}()
	return fds[1], nil
}

// Lookup returns the open file description behind a descriptor a process
// sent, or nil if it is not one of the table's placeholders.
func (t *Table) Lookup(fd int) *Open {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFSOCK {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.opens[key{st.Dev, st.Ino}]
}

// Len returns the number of open file descriptions served.
func (t *Table) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.opens)
}
