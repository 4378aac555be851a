// moves.go keeps the log of directory renames and removals in the mounts,
// by which a process's virtual working directory follows them: the stub
// keeps that directory as a path, with the count of moves (published in
// the view's header) when it was set, and when the count has moved it
// asks where the path leads now (getcwd with abi.CallSince), which the
// log answers by replaying what happened since.

package vfs

import (
	"os"
	"strings"
	"sync"
)

// movesKept is how many moves the log keeps; a working directory set
// before the oldest is taken where its path leads now.
const movesKept = 4096

// move is one entry of the log: old renamed to new (exchanged with it, if
// exchange), or old removed (new ""), then with what it was (fi, in m at
// rel), for stat(".") in it.
type move struct {
	old, new string
	exchange bool
	fi       os.FileInfo
	m        *Mount
	rel      string
}

// moveLog is the log; n counts every move ever made, so the last entry
// is move number n.
type moveLog struct {
	mu  sync.Mutex
	n   uint32
	log []move
}

// add records moves and publishes the new count in the view (if any),
// before the call that made them is answered.
func (ns *Namespace) addMoves(ms ...move) {
	ns.moves.mu.Lock()
	defer ns.moves.mu.Unlock()
	for _, m := range ms {
		ns.moves.n++
		ns.moves.log = append(ns.moves.log, m)
	}
	if over := len(ns.moves.log) - movesKept; over > 0 {
		ns.moves.log = append(ns.moves.log[:0], ns.moves.log[over:]...)
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
	l := ns.moves.log
	first := ns.moves.n - uint32(len(l)) // the count before l[0]
	var start int
	switch {
	case since > ns.moves.n:
		return p, false, move{} // not a count this run gave
	case since >= first:
		start = int(since - first)
	} // older than the log: from what it holds
	for _, m := range l[start:] {
		switch {
		case m.new == "" && under(p, m.old):
			if p != m.old {
				m = move{old: p}
			}
			return p, true, m
		case m.new == "":
		case under(p, m.old):
			p = m.new + p[len(m.old):]
		case m.exchange && under(p, m.new):
			p = m.old + p[len(m.new):]
		}
	}
	return p, false, move{}
}

// under tells whether p is dir or a path below it.
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir) && len(p) > len(dir) && p[len(dir)] == '/'
}
