// orphans.go keeps the data map (data.go) from growing without end: an
// inode that has lost its last name stays in the map only while some
// process may still hold a descriptor of its memfd. Such inodes are noted
// as orphans; when enough have gathered, a sweep looks at the descriptors
// every process holds (/proc/PID/fd) and forgets the orphans no one holds.

package mem

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// orphan is a data map entry whose inode has no name left, since at.
type orphan struct {
	key dataKey
	at  time.Time
}

var (
	// sweepMin is the number of orphans that starts the first sweep;
	// after one, the next waits until their number has doubled, so that a
	// sweep costs a bounded share of the unlinks that made them.
	sweepMin = 8192
	// orphanGrace is how long an orphan is kept whoever holds it: a
	// descriptor handed to a process can be in flight in a socket,
	// in no process's table, for a moment after the supervisor let go.
	orphanGrace = 250 * time.Millisecond
)

// orphaned notes that n (a regular file) has no name left. t.mu is held.
func (t *tree) orphaned(n *inode) {
	if n.key == (dataKey{}) {
		return
	}
	t.orphans = append(t.orphans, orphan{key: n.key, at: time.Now()})
	if t.sweepAt == 0 {
		t.sweepAt = sweepMin
	}
	if len(t.orphans) >= t.sweepAt && !t.sweeping {
		t.sweeping = true
		go t.sweep()
	}
}

// sweep forgets the orphans older than the grace that no process holds a
// descriptor of. If the descriptors of a process of the run could not be
// read, it forgets none.
func (t *tree) sweep() {
	t.spare.closeDoomed() // this process's own must not count
	held, ok := heldMemfds()
	t.mu.lockExact()
	defer t.mu.Unlock()
	t.sweeping = false
	cutoff := time.Now().Add(-orphanGrace)
	keep := t.orphans[:0]
	for _, o := range t.orphans {
		n := t.data[o.key]
		switch {
		case n == nil || n.nlink > 0:
			// Forgotten already, or named again (linkat of a
			// descriptor): no longer an orphan.
		case ok && !held[o.key] && o.at.Before(cutoff):
			delete(t.data, o.key)
		default:
			keep = append(keep, o)
		}
	}
	clear(t.orphans[len(keep):])
	t.orphans = keep
	t.sweepAt = max(sweepMin, 2*len(keep))
}

// memfdLink is how /proc/PID/fd/N reads for a descriptor of one of the
// memfds makeBlank makes.
const memfdLink = "/memfd:zvfs-mem"

// heldMemfds returns the identities of the memfds of this package that
// some process holds a descriptor of. ok is false if the descriptors of
// this process or of one of its descendants could not be read (a child
// that became another user): they may hold any. Other users' processes
// cannot hold one without a descendant's or this process's help, and
// are passed over.
func heldMemfds() (held map[dataKey]bool, ok bool) {
	procs, err := os.ReadDir("/proc")
	if err != nil {
		return nil, false
	}
	held = make(map[dataKey]bool)
	self := os.Getpid()
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		dir := "/proc/" + p.Name() + "/fd/"
		fds, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) || !descends(pid, self) {
				continue // gone, or another user's process
			}
			return nil, false
		}
		for _, fd := range fds {
			if l, err := os.Readlink(dir + fd.Name()); err != nil || !strings.HasPrefix(l, memfdLink) {
				continue
			}
			var st unix.Stat_t
			if unix.Stat(dir+fd.Name(), &st) == nil {
				held[dataKey{st.Dev, st.Ino}] = true
			}
		}
	}
	return held, true
}

// descends reports whether process pid is self or one of its descendants
// (by parent links in /proc/PID/stat; an unreadable one is assumed to).
func descends(pid, self int) bool {
	for hops := 0; hops < 256; hops++ {
		if pid == self {
			return true
		}
		if pid <= 1 {
			return false
		}
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return !errors.Is(err, os.ErrNotExist)
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) < 2 {
			return true
		}
		if pid, err = strconv.Atoi(f[1]); err != nil {
			return true
		}
	}
	return true
}
