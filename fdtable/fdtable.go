// Package fdtable holds the open file descriptions the supervisor serves
// itself: directories, O_PATH opens, and files of backends that have no
// kernel descriptor. A hooked process holds each one as a placeholder — its
// end of a SOCK_SEQPACKET pair whose other end stays here — so the kernel
// tracks the descriptor through dup, fork, exec and close, and the table
// learns of the last close when the pair hangs up. A descriptor a process
// sends back is recognised by the kernel identity (device and inode) of its
// socket, never by its number, so a stale or forged number cannot reach
// another's file.
package fdtable

import (
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/fdroom"
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

	keep int // our end of the placeholder's socket pair; -1 once released
	key  key
}

// Push queues msg, as one message, for the process end of the placeholder
// to read: state of the open file description (a directory's listing, see
// abi.ListingChunkHeader) kept in the kernel with it, through dup, fork and
// exec, which the stub reads instead of asking. It never waits: false when
// the queue is full. The caller holds o.Mu, or has not handed the
// placeholder out yet.
func (o *Open) Push(msg []byte) (bool, error) {
	if o.keep < 0 {
		return false, os.ErrClosed
	}
	for {
		_, err := unix.SendmsgN(o.keep, msg, nil, nil, unix.MSG_DONTWAIT|unix.MSG_NOSIGNAL)
		switch err {
		case nil:
			return true, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false, nil
		}
		return false, err
	}
}

// NoData makes a read of the placeholder end at once (0, end of file)
// instead of waiting for a message: for a process that has no stub to
// answer its reads (the seccomp net), nothing will ever be queued.
func (o *Open) NoData() error {
	if o.keep < 0 {
		return os.ErrClosed
	}
	return unix.Shutdown(o.keep, unix.SHUT_WR)
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

// Table maps placeholder sockets to their open file descriptions. One
// goroutine waits, in epoll, for the hang-ups of all of them.
type Table struct {
	mu    sync.Mutex
	opens map[key]*Open
	ours  map[int32]*Open // by our end's descriptor
	ep    int             // the epoll instance; 0 until the first Add
	epf   *os.File        // ep, for the Go runtime's poller (waiter)
	err   error           // why there is none
}

// New returns an empty table.
func New() *Table { return &Table{opens: make(map[key]*Open), ours: make(map[int32]*Open)} }

// Add makes a placeholder for o and returns the descriptor to hand to the
// process (the caller closes it once sent). When every copy of that
// descriptor is closed, o.Close runs and o leaves the table.
func (t *Table) Add(o *Open) (int, error) {
	if err := t.watching(); err != nil {
		return -1, err
	}
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
	o.keep, o.key = fds[0], key{st.Dev, st.Ino}
	fdroom.Note(fds[1])
	t.mu.Lock()
	t.opens[o.key] = o
	t.ours[int32(fds[0])] = o
	t.mu.Unlock()
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(fds[0])}
	if err := unix.EpollCtl(t.ep, unix.EPOLL_CTL_ADD, fds[0], &ev); err != nil {
		t.forget(o)
		unix.Close(fds[0])
		unix.Close(fds[1])
		return -1, fmt.Errorf("served placeholder: epoll: %w", err)
	}
	return fds[1], nil
}

// watching starts the watcher at the first Add.
func (t *Table) watching() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ep == 0 && t.err == nil {
		t.ep, t.err = unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if t.err != nil {
			t.err = fmt.Errorf("served placeholders: epoll: %w", t.err)
		} else {
			go t.watch()
		}
	}
	return t.err
}

// watch releases each open file description whose placeholder hung up (its
// last copy in any process was closed), and drops anything a process wrote
// into one.
func (t *Table) watch() {
	evs := make([]unix.EpollEvent, 64)
	var junk [64]byte
	wait := t.waiter()
	for {
		n, err := wait(evs)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return
		}
		for _, ev := range evs[:n] {
			t.mu.Lock()
			o := t.ours[ev.Fd]
			t.mu.Unlock()
			if o == nil {
				continue
			}
			if ev.Events&(unix.EPOLLHUP|unix.EPOLLRDHUP|unix.EPOLLERR) != 0 {
				t.release(o)
				continue
			}
			// (An empty message, or a hang-up since, stops the drain; epoll
			// reports what is left.)
			for {
				n, _, err := unix.Recvfrom(int(ev.Fd), junk[:], unix.MSG_DONTWAIT)
				if err != unix.EINTR && (err != nil || n == 0) {
					break
				}
			}
		}
	}
}

// waiter returns how watch waits for events: parked in the Go runtime's
// poller until the epoll instance is readable, holding no P. A goroutine
// blocked in epoll_wait itself keeps its P until the runtime's monitor
// takes it back, up to 10 ms later when the monitor sleeps: on a machine
// with two Ps, a connection's server that yielded its P to this goroutine
// waited that long for it (a directory listing of 0.15 ms took 10–18 ms,
// once in a few thousand). Where the instance cannot be polled, it waits in
// epoll_wait.
func (t *Table) waiter() func([]unix.EpollEvent) (int, error) {
	block := func(evs []unix.EpollEvent) (int, error) { return unix.EpollWait(t.ep, evs, -1) }
	if unix.SetNonblock(t.ep, true) != nil {
		return block
	}
	t.epf = os.NewFile(uintptr(t.ep), "epoll") // kept: its finalizer would close t.ep
	rc, err := t.epf.SyscallConn()
	if err != nil {
		return block
	}
	return func(evs []unix.EpollEvent) (int, error) {
		var n int
		var werr error
		err := rc.Read(func(fd uintptr) bool {
			n, werr = unix.EpollWait(int(fd), evs, 0)
			return n != 0 || werr != nil && werr != unix.EINTR
		})
		if err != nil {
			return block(evs) // not pollable after all
		}
		return n, werr
	}
}

func (t *Table) forget(o *Open) {
	t.mu.Lock()
	delete(t.opens, o.key)
	delete(t.ours, int32(o.keep))
	t.mu.Unlock()
}

// release ends o: out of the table, our end closed, o.Close run. The
// last two wait for a call still using o, on a goroutine of their own so
// that the watcher does not wait with them.
func (t *Table) release(o *Open) {
	t.forget(o)
	unix.EpollCtl(t.ep, unix.EPOLL_CTL_DEL, o.keep, nil)
	go func() {
		o.Mu.Lock()
		defer o.Mu.Unlock()
		unix.Close(o.keep)
		o.keep = -1
		if o.Close != nil {
			o.Close()
		}
	}()
}

// Lookup returns the open file description behind a descriptor a process
// sent, or nil if it is not one of the table's placeholders.
func (t *Table) Lookup(fd int) *Open {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return nil
	}
	return t.LookupStat(&st)
}

// LookupStat is Lookup of the descriptor whose fstat st is.
func (t *Table) LookupStat(st *unix.Stat_t) *Open {
	if st.Mode&unix.S_IFMT != unix.S_IFSOCK {
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
