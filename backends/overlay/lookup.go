// lookup.go holds the merged lookup: which layers make up a name (top-down,
// stopped by whiteouts, opaque directories and non-directories), and the
// merged tree as internal/linuxvfs walks it (".", "..", symbolic links,
// search permission and the kernel's ENOENT/ENOTDIR/ENAMETOOLONG/ELOOP
// answers).

package overlay

import (
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// entry is what one layer holds at a path.
type entry struct {
	layer int
	st    mem.Stat
}

// node is a name of the merged tree, found by one operation: its real path
// (no symbolic links, "" for the root), the directory it was found in, and
// the layers that make it up, topmost first. A non-directory has one
// entry; a directory has one per layer holding a directory there, down to
// the first opaque one.
type node struct {
	parent *node // the root is its own parent
	path   string
	ents   []entry
	// inline holds ents for an overlay of one lower layer, the common
	// case: a node is then one allocation, and a lookup makes one per
	// component.
	inline [2]entry
}

// newNode returns a node of path in parent with room for n entries.
func newNode(parent *node, path string, n int) *node {
	c := &node{parent: parent, path: path}
	if n <= len(c.inline) {
		c.ents = c.inline[:0]
	} else {
		c.ents = make([]entry, 0, n)
	}
	return c
}

func (n *node) top() *entry         { return &n.ents[0] }
func (n *node) typ() uint32         { return n.ents[0].st.Mode & unix.S_IFMT }
func (n *node) isDir() bool         { return n.typ() == unix.S_IFDIR }
func (n *node) isLink() bool        { return n.typ() == unix.S_IFLNK }
func (n *node) isReg() bool         { return n.typ() == unix.S_IFREG }
func (n *node) st() *mem.Stat       { return &n.ents[0].st }
func (n *node) merged() bool        { return len(n.ents) > 1 }
func (n *node) isRoot() bool        { return n.parent == n }
func (fs *FS) inUpper(n *node) bool { return n.ents[0].layer == fs.upperIdx() }

// permSt is what permission checks of n judge: n.st(), but for a regular
// file of the upper layer its stat, whose permission bits are the ones a
// writer may have left on its data since the lookup (mem's LstatAll leaves
// them out). A lower layer's file has no writer: it is copied up first.
func (fs *FS) permSt(n *node) *mem.Stat {
	if !n.isReg() || !fs.inUpper(n) {
		return n.st()
	}
	st := fs.stat(n)
	return &st
}

// stat is what Stat reports for n: the topmost layer's attributes, with a
// link count of 1 for a directory merged from several layers, as overlayfs
// reports it. A regular file found by a layer's probe is asked from the
// layer again: the probe leaves out what its data tells (the size and
// times of a memfd, which mem.FS.LstatAll does not ask the kernel for: a
// lookup needs only the type, the owner and the permissions).
func (fs *FS) stat(n *node) mem.Stat {
	top := n.ents[0]
	if _, probed := fs.s.layers[top.layer].(prober); probed && n.isReg() {
		if full, err := fs.s.layers[top.layer].Lstat(n.path); err == nil {
			return full // a regular file: never merged
		}
	}
	return fs.meta(n)
}

// meta is stat without asking again for what a regular file's data tells
// (caps.MetaStater). A directory of the upper layer is asked from it
// again: the directory cache keeps a node while names come and go in it,
// which moves its times, size and link count.
func (fs *FS) meta(n *node) mem.Stat {
	st := n.ents[0].st
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return st
	}
	if fs.inUpper(n) {
		if cur, err := fs.s.layers[fs.upperIdx()].Lstat(n.path); err == nil && cur.Ino == st.Ino {
			st = cur
		}
		if n.merged() {
			// Copied up: it keeps the identity it had (its topmost
			// lower layer's), as overlayfs keeps a copied-up object's
			// st_ino. A process holding it open knows it by that, and
			// the stub finds it in the view by its identity.
			st.Dev, st.Ino = n.ents[1].st.Dev, n.ents[1].st.Ino
		}
	}
	if n.merged() {
		st.Nlink = 1
	}
	return st
}

// isWhiteoutDev tells whether st is an overlayfs whiteout: a character
// device 0/0.
func isWhiteoutDev(st *mem.Stat) bool {
	return st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0
}

// exists tells whether layer l has something at p.
func exists(l Layer, p string) bool {
	_, err := l.Lstat(p)
	return err == nil
}

// rootNode makes the node of the root: the root of every layer, down to
// the first opaque one.
func (fs *FS) rootNode() (*node, unix.Errno) {
	return fs.remembered(nil, "", fs.findRoot)
}

// findRoot is rootNode without the cache.
func (fs *FS) findRoot() (*node, unix.Errno) {
	n := newNode(nil, "", len(fs.s.layers))
	n.parent = n
	for i := fs.upperIdx(); i >= 0; i-- {
		p := probeLayer(fs.s.layers[i], "", "")
		if p.e != 0 {
			return nil, p.e
		}
		if p.st.Mode&unix.S_IFMT != unix.S_IFDIR {
			continue
		}
		n.ents = append(n.ents, entry{layer: i, st: p.st})
		if p.opaque {
			break
		}
	}
	return n, 0
}

// remembered returns what the directory cache holds at p, found in the
// directory parent (nil for the root): a directory, or ENOENT for a name
// found missing; else what find gives, kept there if it is a directory or
// ENOENT.
func (fs *FS) remembered(parent *node, p string, find func() (*node, unix.Errno)) (*node, unix.Errno) {
	gen, cache := fs.cacheGen()
	if cache {
		if n, ok := fs.cacheGet(gen, p); ok {
			if n == nil {
				return nil, unix.ENOENT
			}
			return n, 0
		}
	}
	n, e := find()
	if cache && !fs.s.writing && (e == 0 && n.isDir() || e == unix.ENOENT && parent != nil) {
		fs.cachePut(gen, parent, p, n)
	}
	return n, e
}

// A probe is what one layer holds at a name of a directory, as a merged
// lookup asks at each component: the name's attributes (or errno),
// whether a whiteout beside it (".wh.NAME") hides the name in the layers
// below, and whether the name is a directory that hides theirs whole
// (opaque).
type probe struct {
	st       mem.Stat
	e        unix.Errno
	whiteout bool
	opaque   bool
}

// A prober is a layer that answers a probe in one call (memLayer, whose
// tree is walked once for the three names instead of once each; the
// upper layer is one).
type prober interface {
	probe(dir, name string) probe
}

// probeLayer asks layer l about name in its directory dir ("" and "" for
// the root).
func probeLayer(l Layer, dir, name string) probe {
	if pr, ok := l.(prober); ok {
		return pr.probe(dir, name)
	}
	var p probe
	c := join(dir, name)
	st, err := l.Lstat(c)
	if err != nil {
		p.e = errnoOf(err)
		p.whiteout = name != "" && exists(l, join(dir, whPrefix+name))
		return p
	}
	p.st = st
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		p.opaque = exists(l, join(c, opaqueName)) || name != "" && exists(l, join(dir, whPrefix+name))
	}
	return p
}

// child looks name up in the merged directory dir, without any permission
// check: ENOENT if no layer shows it. Names reserved for whiteouts are
// never found.
func (fs *FS) child(dir *node, name string) (*node, unix.Errno) {
	if hidden(name) {
		return nil, unix.ENOENT
	}
	p := join(dir.path, name)
	return fs.remembered(dir, p, func() (*node, unix.Errno) { return fs.findChild(dir, p, name) })
}

// findChild is child without the cache: it asks the layers of dir about
// name, whose path is p.
func (fs *FS) findChild(dir *node, p, name string) (*node, unix.Errno) {
	c := newNode(dir, p, len(dir.ents))
	for _, d := range dir.ents {
		stop, e := fs.layerChild(c, d.layer, dir.path, name)
		if e != 0 {
			return nil, e
		}
		if stop {
			break
		}
	}
	if len(c.ents) == 0 {
		return nil, unix.ENOENT
	}
	return c, 0
}

// layerChild adds what layer i holds at c.path (name in directory dir) to
// c, and tells whether the layers below are hidden.
func (fs *FS) layerChild(c *node, i int, dir, name string) (stop bool, e unix.Errno) {
	p := probeLayer(fs.s.layers[i], dir, name)
	if p.e != 0 {
		if p.e != unix.ENOENT && p.e != unix.ENOTDIR {
			return true, p.e
		}
		return p.whiteout, 0
	}
	if isWhiteoutDev(&p.st) {
		return true, 0
	}
	if p.st.Mode&unix.S_IFMT != unix.S_IFDIR {
		if len(c.ents) == 0 {
			c.ents = append(c.ents, entry{layer: i, st: p.st})
		}
		return true, 0 // a non-directory hides everything below it
	}
	c.ents = append(c.ents, entry{layer: i, st: p.st})
	// A whiteout next to the directory in the same layer makes it opaque,
	// as in an OCI layer.
	return p.opaque, 0
}

// lowerHas tells whether a layer below the upper one shows name in dir:
// whether removing or replacing name in the upper layer needs a whiteout.
func (fs *FS) lowerHas(dir *node, name string) bool {
	_, ok := fs.lowerType(dir, name)
	return ok
}

// lowerDir tells whether a layer below the upper one shows a directory
// name in dir: whether an upper directory there must be opaque.
func (fs *FS) lowerDir(dir *node, name string) bool {
	typ, ok := fs.lowerType(dir, name)
	return ok && typ == unix.S_IFDIR
}

// lowerType looks name up in dir as findChild does, without the upper
// layer, and tells the type of what the topmost lower layer showing it
// has there; ok is false if none does. It makes no node: every removal
// and replacement in the upper layer asks it.
func (fs *FS) lowerType(dir *node, name string) (typ uint32, ok bool) {
	if hidden(name) {
		return 0, false
	}
	for _, d := range dir.ents {
		if d.layer == fs.upperIdx() {
			continue
		}
		p := probeLayer(fs.s.layers[d.layer], dir.path, name)
		if p.e != 0 {
			if p.whiteout || p.e != unix.ENOENT && p.e != unix.ENOTDIR {
				return 0, false
			}
			continue
		}
		if isWhiteoutDev(&p.st) {
			return 0, false
		}
		return p.st.Mode & unix.S_IFMT, true
	}
	return 0, false
}

// readlink returns the target of the symbolic link n, from its layer.
func (fs *FS) readlink(n *node) (string, unix.Errno) {
	t, err := fs.s.layers[n.top().layer].Readlink(n.path)
	if err != nil {
		return "", errnoOf(err)
	}
	return t, 0
}

// walker resolves the paths of one operation in the merged tree, under
// the lock.
type walker = linuxvfs.Walker[*node]

// walker returns a walker starting at the merged root. It checks search
// permission for the view's user unless noPerm is set (for operations on
// open files).
func (fs *FS) walker(noPerm bool) (*walker, unix.Errno) {
	root, e := fs.rootNode()
	if e != 0 {
		return nil, e
	}
	m := &merged{fs: fs, root: root, noPerm: noPerm}
	m.w.Tree = m
	return &m.w, 0
}

// merged is the merged tree as the linuxvfs.Tree of one walk. It holds
// the walker too, so that fs.walker allocates once.
type merged struct {
	w      walker
	fs     *FS
	root   *node
	noPerm bool
}

func (m *merged) Root() *node            { return m.root }
func (m *merged) Parent(dir *node) *node { return dir.parent }
func (m *merged) IsDir(n *node) bool     { return n.isDir() }
func (m *merged) IsLink(n *node) bool    { return n.isLink() }

// MayLookup is the search permission needed on every directory a lookup
// goes through.
func (m *merged) MayLookup(dir *node) unix.Errno {
	if m.noPerm || permitted(&m.fs.cred, dir.st(), mayExec) {
		return 0
	}
	return unix.EACCES
}

func (m *merged) Child(dir *node, name string) (*node, unix.Errno) { return m.fs.child(dir, name) }
func (m *merged) Readlink(link *node) (string, unix.Errno)         { return m.fs.readlink(link) }

// CheckName answers EINVAL for a name reserved for whiteouts: it cannot
// be created.
func (m *merged) CheckName(name string) unix.Errno {
	if hidden(name) {
		return unix.EINVAL
	}
	return 0
}

// createTarget is where a creating call (mkdir, symlink, link) makes
// name: the directory and the last component that linuxvfs's CreateTarget
// finds, once the permission to create there is checked and the directory
// is copied up.
func (fs *FS) createTarget(name string, dirOK bool) (*node, string, unix.Errno) {
	w, e := fs.walker(false)
	if e != 0 {
		return nil, "", e
	}
	dir, last, e := w.CreateTarget(name, dirOK)
	if e == 0 {
		e = mayCreate(&fs.cred, dir)
	}
	if e == 0 {
		e = fs.copyUp(dir, true)
	}
	if e != 0 {
		return nil, "", e
	}
	return dir, last, 0
}

// real resolves the real path p (as a node records it) without permission
// checks or symbolic links: the node of an open file.
func (fs *FS) real(p string) (*node, unix.Errno) {
	w, e := fs.walker(true)
	if e != 0 {
		return nil, e
	}
	root := w.Tree.Root()
	if p == "" {
		return root, 0
	}
	return w.Resolve(root, p, false)
}
