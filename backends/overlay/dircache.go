// dircache.go holds dirCache, which remembers the merged directories that
// lookups found until the upper layer changes. Every path an operation is
// given is walked from the root, and one call walks its path several times
// (the namespace's own resolution, the operation, the view's
// re-description): with the directories remembered, a walk asks the layers
// only about the components it has not seen.

package overlay

import "sync"

// dirCache holds merged directory nodes by path, valid while the upper
// layer's change count (mem.FS.Gen) is the one they were found at: the
// lower layers never change, and every change of the upper layer's names
// or directories moves it. Only directories are kept: a regular file's
// size and times change through descriptors without the tree knowing.
//
// Nodes are shared by the lookups that find them and never changed but by
// an operation under the write lock, which neither reads nor fills the
// cache (shared.writing); what it changes in the upper layer moves the
// count, which drops what the cache held.
type dirCache struct {
	mu    sync.Mutex
	gen   uint64
	nodes map[string]*node
}

// dirCacheMax bounds the directories remembered; a full cache starts over.
const dirCacheMax = 1 << 13

func (c *dirCache) get(gen uint64, path string) *node {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return nil
	}
	return c.nodes[path]
}

func (c *dirCache) put(gen uint64, n *node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.nodes == nil:
		c.nodes = make(map[string]*node)
	case c.gen != gen || len(c.nodes) >= dirCacheMax:
		clear(c.nodes)
	}
	c.gen = gen
	c.nodes[n.path] = n
}

// cacheGen returns the upper layer's change count, and whether the cache
// may be used at it: not while a change is under way, in the upper layer
// (an odd count) or in an operation under the write lock.
func (fs *FS) cacheGen() (uint64, bool) {
	g := fs.s.upper.Gen()
	return g, g%2 == 0 && !fs.s.writing
}
