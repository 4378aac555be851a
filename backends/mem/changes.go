// changes.go holds the tree's change log: for each of the last changes
// (each section under the write lock, numbered by Gen), which names of
// which directories it added, removed or replaced, and which inodes' own
// permissions, owners or extended attributes it set. A layered file system
// that remembers what it found in the tree (the overlay's directory cache)
// reads it to forget only what a change touched instead of everything.

package mem

import "sync"

// A Change is one thing a change of the tree touched: the entry Name of
// the directory numbered Dir (added, removed or replaced), or with Name ""
// the inode numbered Dir itself (its permission bits, owner or extended
// attributes; times, sizes and link counts are not logged, nor the
// set-ID bits a write or truncation takes from a regular file).
type Change struct {
	Dir  uint64
	Name string
}

// logSections is how many of the last changes the log holds; a reader
// further behind starts over.
const logSections = 64

// logChangesMax bounds what one change logs; one that touches more is
// logged as touching everything.
const logChangesMax = 16

// section is one change as logged: the count Gen moved to at its end, and
// what it touched; all says it was not logged name by name (any change
// whose lock was not taken with lockExact, or one that touched too much).
type section struct {
	end     uint64
	all     bool
	changes []Change
}

// changeLog is the ring of the last logged changes. The change under way
// collects into cur under the tree's write lock; Unlock files it before
// moving Gen, so a reader that has seen a count finds every change up to
// it. The ring has its own lock: readers of it do not hold the tree's.
type changeLog struct {
	cur section

	mu   sync.Mutex
	ring [logSections]section
}

// begin starts the log of a change; unless it was begun by lockExact, it
// is logged as touching everything.
func (l *treeLock) begin() {
	l.log.cur.all = true
	l.log.cur.changes = l.log.cur.changes[:0]
}

// lockExact is Lock for a change that logs all it touches (entries
// through tree.add, remove and replace, and attrs).
func (l *treeLock) lockExact() {
	l.Lock()
	l.log.cur.all = false
}

// entry logs a change of the entry name of directory dir.
func (l *treeLock) entry(dir *inode, name string) {
	c := &l.log.cur
	if len(c.changes) == logChangesMax {
		c.all = true
		return
	}
	c.changes = append(c.changes, Change{Dir: dir.ino, Name: name})
}

// attrs logs a change of n's permission bits, owner or extended attributes.
func (l *treeLock) attrs(n *inode) { l.entry(n, "") }

// file stores the change under way as the one ending at count end.
func (l *changeLog) file(end uint64) {
	l.mu.Lock()
	s := &l.ring[end/2%logSections]
	s.end, s.all = end, l.cur.all
	s.changes = append(s.changes[:0], l.cur.changes...)
	l.mu.Unlock()
}

// ChangesSince calls fn with what each change of the tree between the
// counts from and to (values of Gen, both even: no change under way)
// touched, in order, and returns true; or returns false, having called fn
// for some of them or none, when the log cannot tell: it no longer holds
// them all, or one was not logged name by name. fn runs under the log's
// lock and must not call the tree.
func (fs *FS) ChangesSince(from, to uint64, fn func(Change)) bool {
	if from%2 != 0 || to%2 != 0 || to < from || (to-from)/2 > logSections {
		return false
	}
	l := &fs.t.mu.log
	l.mu.Lock()
	defer l.mu.Unlock()
	for end := from + 2; end <= to; end += 2 {
		s := &l.ring[end/2%logSections]
		if s.end != end || s.all {
			return false
		}
		for _, c := range s.changes {
			fn(c)
		}
	}
	return true
}
