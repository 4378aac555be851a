// dircache.go holds dirCache, which remembers the merged directories that
// lookups found, and the names they found missing, and forgets what each
// change of the upper layer touched. Every path an operation is given is
// walked from the root, and one call walks its path several times (the
// namespace's own resolution, the operation, the view's re-description):
// with the directories remembered, a walk asks the layers only about the
// components it has not seen; with the missing names, a create asks them
// once whether its name is free, not at every walk.

package overlay

import (
	"strings"
	"sync"

	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// dirCache holds merged directory nodes by path, as a tree: a node is kept
// only below its own parent node, so that forgetting a directory forgets
// everything found through it (whose ".." is that node). A name no layer
// shows is kept too, as a leaf without a node, below the directory it is
// missing from.
//
// The lower layers never change; the upper layer logs each change (see
// mem.FS.ChangesSince). When its change count has moved, the cache reads
// the log and forgets the directories a change touched: the directory of
// an entry added, removed or replaced (whiteouts included) below the
// entry's name, and one whose permissions, owner or attributes were set,
// with all below it. A change the log cannot tell (or too many since)
// forgets everything. A missing name goes with its directory, or with an
// entry change of that name or of its whiteout: nothing else can make a
// name appear. What an entry change does to the directory holding
// it (its times, size and link count) is not kept: stat and meta read a
// directory of the upper layer from it each time.
//
// Nodes are shared by the lookups that find them. An operation under the
// write lock (shared.writing) reads the cache but never fills it: it
// changes nodes it found (copy-up adds the upper layer to a node and its
// parents, addUpper), which no reader sees meanwhile, and the log then
// drops them (the copy made each one's name in an upper directory).
type dirCache struct {
	mu    sync.Mutex
	gen   uint64
	nodes map[string]*cached
	// upper holds the nodes whose top layer is the upper one, by the
	// number of their upper directory, which the log names.
	upper map[uint64]*cached
}

// cached is a remembered directory node and the remembered names below it:
// directories, and names found missing (n is nil).
type cached struct {
	n    *node   // nil: no layer shows the name
	path string  // its key in dirCache.nodes
	up   *cached // nil for the root
	name string  // its name in up
	kids map[string]*cached
}

// dirCacheMax bounds the names remembered; a full cache starts over.
const dirCacheMax = 1 << 14

// cacheGen returns the upper layer's change count, and whether the cache
// may be used at it: not while a change of the upper layer is under way
// (an odd count).
func (fs *FS) cacheGen() (uint64, bool) {
	g := fs.s.upper.Gen()
	return g, g%2 == 0
}

// cacheGet returns what the cache holds at path, as found at count gen:
// the directory, or a nil node for a name no layer shows;
// ok is false if it holds nothing there.
func (fs *FS) cacheGet(gen uint64, path string) (n *node, ok bool) {
	c := &fs.s.found
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.catchUp(fs.s.upper, gen) {
		return nil, false
	}
	if e := c.nodes[path]; e != nil {
		return e.n, true
	}
	return nil, false
}

// cachePut remembers what a lookup of path in the directory parent found
// at count gen: the directory n, or (n nil) that no layer shows the name;
// only if parent is the node remembered at its path (for the root, n
// itself, with parent nil).
func (fs *FS) cachePut(gen uint64, parent *node, path string, n *node) {
	c := &fs.s.found
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.catchUp(fs.s.upper, gen) {
		return
	}
	if c.nodes == nil || len(c.nodes) >= dirCacheMax {
		c.nodes = make(map[string]*cached)
		c.upper = make(map[uint64]*cached)
	}
	if c.nodes[path] != nil {
		return // found by another lookup meanwhile, as good
	}
	e := &cached{n: n, path: path}
	if parent != nil {
		e.up = c.nodes[parent.path]
		if e.up == nil || e.up.n != parent {
			return
		}
		e.name = linuxvfs.BaseName(path)
		if e.up.kids == nil {
			e.up.kids = make(map[string]*cached)
		}
		e.up.kids[e.name] = e
	}
	c.nodes[path] = e
	if n == nil {
		return
	}
	if top := n.ents[0]; top.layer == fs.upperIdx() {
		if old := c.upper[top.st.Ino]; old != nil {
			c.drop(old) // cannot be: one directory has one path
		}
		c.upper[top.st.Ino] = e
	}
}

// catchUp brings the cache to count gen of the upper layer: nothing to do
// at its own count, what the log says between its count and gen, or
// everything forgotten. It returns false for a count older than the
// cache's: a lookup that read it before a change must not use the cache.
func (c *dirCache) catchUp(upper *mem.FS, gen uint64) bool {
	switch {
	case gen == c.gen:
		return true
	case gen < c.gen:
		return false
	}
	if len(c.nodes) > 0 && !upper.ChangesSince(c.gen, gen, c.forget) {
		clear(c.nodes)
		clear(c.upper)
	}
	c.gen = gen
	return true
}

// forget drops what the change ch of the upper layer touched.
func (c *dirCache) forget(ch mem.Change) {
	e := c.upper[ch.Dir]
	switch {
	case e == nil:
		// Not remembered, or not a directory: nothing found through it
		// either.
	case ch.Name == "" || ch.Name == opaqueName:
		// (The opaque marker comes and goes with a rename or mkdir that
		// changes e's own entry as well; it is not left to that.)
		c.drop(e)
	default:
		c.dropKid(e, ch.Name)
		if rest, ok := strings.CutPrefix(ch.Name, whPrefix); ok {
			c.dropKid(e, rest)
		}
	}
}

// dropKid drops the kid of e called name, if remembered.
func (c *dirCache) dropKid(e *cached, name string) {
	if k := e.kids[name]; k != nil {
		c.drop(k)
	}
}

// drop forgets e and everything below it.
func (c *dirCache) drop(e *cached) {
	for _, k := range e.kids {
		k.up = nil // already being dropped: no need to unlink it from e
		c.drop(k)
	}
	delete(c.nodes, e.path)
	// Indexed by its upper directory's number, if it has one (copy-up
	// may have given it one since: then it is not indexed by it).
	if e.n != nil {
		if ino := e.n.ents[0].st.Ino; c.upper[ino] == e {
			delete(c.upper, ino)
		}
	}
	if e.up != nil {
		delete(e.up.kids, e.name)
	}
}
