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
// above it) was removed.
func (ns *Namespace) follow(p string, since uint32) (now string, gone bool) {
	now, removal := ns.replay(p, since)
	return now, removal != nil
}

// removedAs is the removal that ended p, a working directory set when the
// count was since, with what the directory was then; nil if it is not
// gone, or the log no longer knows.
func (ns *Namespace) removedAs(p string, since uint32) *move {
	_, removal := ns.replay(p, since)
	return removal
}

// replay is follow, with the entry that removed p.
func (ns *Namespace) replay(p string, since uint32) (string, *move) {
	ns.moves.mu.Lock()
	defer ns.moves.mu.Unlock()
	l := ns.moves.log
	first := ns.moves.n - uint32(len(l)) // the count before l[0]
	var start int
	switch {
	case since > ns.moves.n:
		return p, nil // not a count this run gave
	case since >= first:
		start = int(since - first)
	} // older than the log: from what it holds
	for i := range l[start:] {
		m := &l[start+i]
		switch {
		case m.new == "" && under(p, m.old):
			if p != m.old {
				return p, &move{old: p} // a directory above it: no attributes
			}
			return p, m
		case m.new == "":
		case under(p, m.old):
			p = m.new + p[len(m.old):]
		case m.exchange && under(p, m.new):
			p = m.old + p[len(m.new):]
		}
	}
	return p, nil
}

// under tells whether p is dir or a path below it.
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir) && len(p) > len(dir) && p[len(dir)] == '/'
}
