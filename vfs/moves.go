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

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
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

// dirMoving keeps directories from moving under a call made relative to
// a directory. Such a call finds the directory by a path (the one a
// descriptor's directory has now, or the one the stub sent with
// abi.CallDir1, checked to lead there still) and then walks that path,
// where the kernel holds the directory itself: a rename or removal of a
// directory in between would make it find nothing (ENOENT), or act in
// another directory that took the path. So such a call holds mu shared
// for its whole run, and a call that may move or remove a directory holds
// it alone while it does: before it starts, if it is itself relative to a
// directory (hold), else from when it knows it moves one (movingDir).
type dirMoving struct {
	mu sync.RWMutex
}

// A dirHold is what a call holds of dirMoving.mu.
type dirHold int

const (
	holdNone      dirHold = iota // not relative to a directory: movingDir locks if needed
	holdShared                   // relative to a directory; moves none
	holdExclusive                // relative to a directory, and may move one
)

// hold takes what call c needs of m for its run; release gives it back.
func (m *dirMoving) hold(c *abi.Call) dirHold {
	switch {
	case !relativeToDir(c):
		return holdNone
	case movesDirs(c):
		m.mu.Lock()
		return holdExclusive
	}
	m.mu.RLock()
	return holdShared
}

func (m *dirMoving) release(h dirHold) {
	switch h {
	case holdExclusive:
		m.mu.Unlock()
	case holdShared:
		m.mu.RUnlock()
	}
}

// movesDirs tells whether c may rename or remove a directory: the calls
// whose handlers call movingDir.
func movesDirs(c *abi.Call) bool {
	switch int(c.Nr) {
	case unix.SYS_RMDIR, unix.SYS_RENAME, unix.SYS_RENAMEAT, unix.SYS_RENAMEAT2:
		return true
	case unix.SYS_UNLINKAT:
		return c.Args[2]&unix.AT_REMOVEDIR != 0
	}
	return false
}

// movingDir marks a rename or removal of a directory under way, until
// the function it returns is called: no call relative to a directory runs
// meanwhile. A call that holds the lock already (hold) takes nothing more.
func (h *handler) movingDir() func() {
	m := &h.ns.moving
	if h.held != holdNone {
		return func() {}
	}
	m.mu.Lock()
	return m.mu.Unlock
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
