package vfs

import "testing"

// The log of directory moves takes a working directory where renames
// took it: from the count it was set at, through renames of it and of
// directories above it, exchanges, removals; a count before the log's
// oldest entry replays what the log holds, one from the future nothing.
func TestFollowMoves(t *testing.T) {
	ns := &Namespace{}
	ns.addMoves(move{old: "/m/a", new: "/m/b"})                 // 1
	ns.addMoves(move{old: "/m/b/c", new: "/m/d"})               // 2
	ns.addMoves(move{old: "/m/x", new: "/m/y", exchange: true}) // 3
	ns.addMoves(move{old: "/m/gone"})                           // 4
	for _, c := range []struct {
		p     string
		since uint32
		now   string
		gone  bool
	}{
		{"/m/a/c/e", 0, "/m/d/e", false},
		{"/m/a/c/e", 1, "/m/a/c/e", false}, // set after the first rename: another /m/a
		{"/m/b/c", 1, "/m/d", false},
		{"/m/ab", 0, "/m/ab", false}, // a prefix of the name, not a directory above
		{"/m/x/1", 2, "/m/y/1", false},
		{"/m/y/1", 2, "/m/x/1", false},
		{"/m/gone", 3, "/m/gone", true},
		{"/m/gone/deep", 0, "/m/gone/deep", true},
		{"/m/gone", 4, "/m/gone", false}, // set after the removal: a new one
		{"/m/a", 9, "/m/a", false},
	} {
		now, gone, _ := ns.follow(c.p, c.since)
		if now != c.now || gone != c.gone {
			t.Errorf("follow(%s, %d) = %s, %v; want %s, %v", c.p, c.since, now, gone, c.now, c.gone)
		}
	}
	// Past movesKept, the oldest entries go; the count goes on.
	for i := 0; i < movesKept; i++ {
		ns.addMoves(move{old: "/m/q", new: "/m/r"})
	}
	if now, _, _ := ns.follow("/m/a", 0); now != "/m/a" {
		t.Errorf("a count older than the log followed the dropped entries: %s", now)
	}
	if n := ns.moves.n; n != 4+movesKept || len(ns.moves.log) != movesKept {
		t.Errorf("count %d, log %d", n, len(ns.moves.log))
	}
}
