// moves.go keeps the log of directory renames and removals in the mounts,
// by which a process's virtual working directory follows them: the stub
// keeps that directory as a path, with the count of moves (published in
// the view's header) when it was set, and when the count has moved it
// asks where the path leads now (getcwd with abi.CallSince), which the
// log answers by replaying what happened since.

package vfs

import (
	"os"
	"sync"
	"sync/atomic"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// movesKept is how many moves the log keeps; a working directory set
// before the oldest is taken where its path leads now.
const movesKept = 4096

// move is one entry of the log: old renamed to new (exchanged with it, if
// exchange), or old removed (new ""), then with what it was (fi), for
// stat(".") in it.
type move struct {
	old, new string
	exchange bool
	fi       os.FileInfo
}

// moveLog is the log: a ring of the last movesKept moves, log[head] the
// oldest once it is full; n counts every move ever made, so the newest
// entry is move number n.
type moveLog struct {
	mu   sync.Mutex
	n    uint32
	log  []move
	head int
}

// at is the i-th oldest entry the log holds.
func (l *moveLog) at(i int) *move { return &l.log[(l.head+i)%len(l.log)] }

// dirMoving tells calls made relative to a directory whether one moved
// while they ran. Such a call finds the directory by its path (the path a
// descriptor's directory has now, or the one the stub sent with
// abi.CallDir1) and then walks that path: a rename in between leaves the
// walk with nothing there (ENOENT), where the kernel, which holds the
// directory itself, never fails. Handle then runs the call again with no
// directory moving meanwhile (mu).
type dirMoving struct {
	mu   sync.RWMutex  // held by a move, and shared by calls run again
	busy atomic.Int32  // renames and removals of directories under way
	done atomic.Uint64 // ever finished
}

// movingDir marks a rename or removal of a directory under way, until
// the function it returns is called. A call run again because one moved
// (h.pinned) holds mu already, and moves nothing else meanwhile.
func (h *handler) movingDir() func() {
	m := &h.ns.moving
	if !h.pinned {
		m.mu.Lock()
	}
	m.busy.Add(1)
	return func() {
		m.done.Add(1)
		m.busy.Add(-1)
		if !h.pinned {
			m.mu.Unlock()
		}
	}
}

// mark returns a mark of the moves finished, and whether one is under way.
func (m *dirMoving) mark() (uint64, bool) { return m.done.Load(), m.busy.Load() > 0 }

// movedSince tells whether a directory may have moved since mark (taken
// with busy).
func (m *dirMoving) movedSince(mark uint64, busy bool) bool {
	return busy || m.busy.Load() > 0 || m.done.Load() != mark
}

// movesAsked tells whether a process can ask where its working directory
// went: only one that sees the count of moves, which the view publishes.
// Without a view the log would never be read.
func (ns *Namespace) movesAsked() bool { return ns.pub != nil }

// add records moves and publishes the new count in the view (if any),
// before the call that made them is answered.
func (ns *Namespace) addMoves(ms ...move) {
	ns.moves.mu.Lock()
	defer ns.moves.mu.Unlock()
	l := &ns.moves
	for _, m := range ms {
		l.n++
		if len(l.log) < movesKept {
			l.log = append(l.log, m)
		} else { // full: the oldest goes
			l.log[l.head] = m
			l.head = (l.head + 1) % movesKept
		}
	}
	if ns.pub != nil {
		ns.pub.v.SetMoves(ns.moves.n)
	}
}

// follow replays on p, a working directory set when the count was since,
// the moves made after: where p is now, or gone if it (or a directory
// above it) was removed since; then removal is the entry that removed it,
// with what the directory was (no attributes for one above it, or when
// the log no longer reaches back to since).
func (ns *Namespace) follow(p string, since uint32) (now string, gone bool, removal move) {
	ns.moves.mu.Lock()
	defer ns.moves.mu.Unlock()
	l := &ns.moves
	first := l.n - uint32(len(l.log)) // the count before the oldest entry
	var start int
	switch {
	case since > l.n:
		return p, false, move{} // not a count this run gave
	case since >= first:
		start = int(since - first)
	} // older than the log: from what it holds
	for i := start; i < len(l.log); i++ {
		m := *l.at(i)
		switch {
		case m.new == "" && linuxvfs.Under(p, m.old):
			if p != m.old {
				m = move{old: p}
			}
			return p, true, m
		case m.new == "":
		case linuxvfs.Under(p, m.old):
			p = m.new + p[len(m.old):]
		case m.exchange && linuxvfs.Under(p, m.new):
			p = m.old + p[len(m.new):]
		}
	}
	return p, false, move{}
}
