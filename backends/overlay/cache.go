// cache.go holds cachedLayer, which remembers the Lstat answers of a lower
// layer. Lower layers do not change while the overlay uses them (as for
// overlayfs), and every lookup of a merged path asks each layer for the
// name, its whiteout and its opaque marker at every component, so most
// questions are asked again and again.

package overlay

import (
	"sync"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/backends/mem"
)

// cacheMax bounds the answers a layer keeps; when full it starts over.
const cacheMax = 1 << 16

// cachedLayer is a Layer whose Lstat answers (failures included) are
// remembered.
type cachedLayer struct {
	Layer
	mu    sync.RWMutex
	stats map[string]statAnswer
}

type statAnswer struct {
	st  mem.Stat
	err error
}

func newCached(l Layer) *cachedLayer {
	return &cachedLayer{Layer: l, stats: make(map[string]statAnswer)}
}

func (c *cachedLayer) Lstat(p string) (mem.Stat, error) {
	c.mu.RLock()
	a, ok := c.stats[p]
	c.mu.RUnlock()
	if ok {
		return a.st, a.err
	}
	st, err := c.Layer.Lstat(p)
	c.mu.Lock()
	if len(c.stats) >= cacheMax {
		c.stats = make(map[string]statAnswer)
	}
	c.stats[p] = statAnswer{st, err}
	c.mu.Unlock()
	return st, err
}

// HostNode is the wrapped layer's (caps.HostNoder), EOPNOTSUPP if it has
// none.
func (c *cachedLayer) HostNode(p string) (string, error) {
	if h, ok := c.Layer.(caps.HostNoder); ok {
		return h.HostNode(p)
	}
	return "", pathErr("open", p, unix.EOPNOTSUPP)
}
