// cache.go holds cachedLayer, which remembers the Lstat answers of a lower
// layer. Lower layers do not change while the overlay uses them (as for
// overlayfs), and every lookup of a merged path asks each layer for the
// name, its whiteout and its opaque marker at every component, so most
// questions are asked again and again.

package overlay

import (
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/backends/mem"
)

// cacheMax bounds the answers a layer keeps; when full it starts over.
const cacheMax = 1 << 16

// cachedLayer is a Layer whose Lstat answers (failures included) are
// remembered. A name asked for in a directory is looked for in the
// directory's listing, read once: one missing there is ENOENT without
// asking the layer (creating asks every layer for a name none has, and
// its whiteout: tar x, thousands of times; for a host directory that is a
// system call each).
type cachedLayer struct {
	Layer
	mu    sync.RWMutex
	stats map[string]statAnswer
	names map[string]map[string]struct{} // by directory; nil: not read whole (too big, unreadable)
	held  int                            // names held, all directories together
}

// listMax bounds the directories read whole for names: a bigger one is
// asked name by name, as before.
const listMax = 4096

type statAnswer struct {
	st  mem.Stat
	err error
}

func newCached(l Layer) *cachedLayer {
	return &cachedLayer{Layer: l, stats: make(map[string]statAnswer), names: make(map[string]map[string]struct{})}
}

func (c *cachedLayer) Lstat(p string) (mem.Stat, error) {
	c.mu.RLock()
	a, ok := c.stats[p]
	c.mu.RUnlock()
	if ok {
		return a.st, a.err
	}
	var st mem.Stat
	var err error
	if c.missing(p) {
		err = pathErr("lstat", p, unix.ENOENT)
	} else {
		st, err = c.Layer.Lstat(p)
	}
	c.mu.Lock()
	if len(c.stats) >= cacheMax {
		c.stats = make(map[string]statAnswer)
	}
	c.stats[p] = statAnswer{st, err}
	c.mu.Unlock()
	return st, err
}

// missing says whether p's directory is one (its own Lstat, cached) whose
// listing lacks p's name: then the layer would say ENOENT.
func (c *cachedLayer) missing(p string) bool {
	// Layer paths are relative, "" the root: "a" is in "".
	dir, name := "", p
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		dir, name = p[:i], p[i+1:]
	}
	if name == "" || name == "." || name == ".." {
		return false
	}
	if st, err := c.Lstat(dir); err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return false
	}
	c.mu.RLock()
	set, read := c.names[dir]
	c.mu.RUnlock()
	if !read {
		set = nil
		if ents, err := c.Layer.ReadDir(dir); err == nil && len(ents) <= listMax {
			set = make(map[string]struct{}, len(ents))
			for _, e := range ents {
				set[e.Name] = struct{}{}
			}
		}
		c.mu.Lock()
		if c.held+len(set) > cacheMax {
			c.names, c.held = make(map[string]map[string]struct{}), 0
		}
		c.names[dir] = set
		c.held += len(set) + 1
		c.mu.Unlock()
	}
	if set == nil {
		return false
	}
	_, there := set[name]
	return !there
}

// HostNode is the wrapped layer's (caps.HostNoder), EOPNOTSUPP if it has
// none.
func (c *cachedLayer) HostNode(p string) (string, error) {
	if h, ok := c.Layer.(caps.HostNoder); ok {
		return h.HostNode(p)
	}
	return "", pathErr("open", p, unix.EOPNOTSUPP)
}
