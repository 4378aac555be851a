// lookup.go holds the merged lookup: which layers make up a name (top-down,
// stopped by whiteouts, opaque directories and non-directories), and the
// path walk over merged directories with ".", "..", symbolic links, search
// permission and the kernel's ENOENT/ENOTDIR/ENAMETOOLONG/ELOOP answers.

package overlay

import (
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
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

// stat is what Stat reports for n: the topmost layer's attributes, with a
// link count of 1 for a directory merged from several layers, as overlayfs
// reports it.
func (n *node) stat() mem.Stat {
	st := n.ents[0].st
	if n.isDir() && n.merged() {
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

// opaque tells whether the directory p of layer l hides the layers below.
func opaque(l Layer, p string) bool { return exists(l, join(p, opaqueName)) }

// rootNode makes the node of the root: the root of every layer, down to
// the first opaque one.
func (fs *FS) rootNode() (*node, unix.Errno) {
	n := &node{}
	n.parent = n
	for i := fs.upperIdx(); i >= 0; i-- {
		l := fs.s.layers[i]
		st, err := l.Lstat("")
		if err != nil {
			return nil, errnoOf(err)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR {
			continue
		}
		n.ents = append(n.ents, entry{layer: i, st: st})
		if opaque(l, "") {
			break
		}
	}
	return n, 0
}

// child looks name up in the merged directory dir, without any permission
// check: ENOENT if no layer shows it. Names reserved for whiteouts are
// never found.
func (fs *FS) child(dir *node, name string) (*node, unix.Errno) {
	if hidden(name) {
		return nil, unix.ENOENT
	}
	c := &node{parent: dir, path: join(dir.path, name)}
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
	l := fs.s.layers[i]
	st, err := l.Lstat(c.path)
	if err != nil {
		if e := errnoOf(err); e != unix.ENOENT && e != unix.ENOTDIR {
			return true, e
		}
		return exists(l, join(dir, whPrefix+name)), 0
	}
	if isWhiteoutDev(&st) {
		return true, 0
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		if len(c.ents) == 0 {
			c.ents = append(c.ents, entry{layer: i, st: st})
		}
		return true, 0 // a non-directory hides everything below it
	}
	c.ents = append(c.ents, entry{layer: i, st: st})
	// A whiteout next to the directory in the same layer makes it opaque,
	// as in an OCI layer.
	return opaque(l, c.path) || exists(l, join(dir, whPrefix+name)), 0
}

// lowerHas tells whether a layer below the upper one shows name in dir:
// whether removing or replacing name in the upper layer needs a whiteout.
func (fs *FS) lowerHas(dir *node, name string) bool {
	return fs.lower(dir, name) != nil
}

// lowerDir tells whether a layer below the upper one shows a directory
// name in dir: whether an upper directory there must be opaque.
func (fs *FS) lowerDir(dir *node, name string) bool {
	n := fs.lower(dir, name)
	return n != nil && n.isDir()
}

// lower looks name up in dir without the upper layer; nil if no lower
// layer shows it.
func (fs *FS) lower(dir *node, name string) *node {
	low := &node{parent: dir.parent, path: dir.path}
	for _, d := range dir.ents {
		if d.layer != fs.upperIdx() {
			low.ents = append(low.ents, d)
		}
	}
	if len(low.ents) == 0 {
		return nil
	}
	n, e := fs.child(low, name)
	if e != 0 {
		return nil
	}
	return n
}

// readlink returns the target of the symbolic link n, from its layer.
func (fs *FS) readlink(n *node) (string, unix.Errno) {
	t, err := fs.s.layers[n.top().layer].Readlink(n.path)
	if err != nil {
		return "", errnoOf(err)
	}
	return t, 0
}

// lastType is the kind of the last component of a path, as in the kernel.
type lastType int

const (
	lastNorm   lastType = iota // a name
	lastRoot                   // no component at all: "/"
	lastDot                    // "."
	lastDotDot                 // ".."
)

func typeOf(comp string) lastType {
	switch comp {
	case ".":
		return lastDot
	case "..":
		return lastDotDot
	}
	return lastNorm
}

// walker resolves the paths of one operation, under the lock. It counts
// the symbolic links followed, and checks search permission for the
// view's user unless noPerm is set (for operations on open files).
type walker struct {
	fs     *FS
	root   *node
	noPerm bool
	links  int
}

// walker returns a walker starting at the merged root.
func (fs *FS) walker() (*walker, unix.Errno) {
	root, e := fs.rootNode()
	if e != 0 {
		return nil, e
	}
	return &walker{fs: fs, root: root}, 0
}

// mayLookup is the search permission needed on every directory a lookup
// goes through.
func (w *walker) mayLookup(dir *node) unix.Errno {
	if w.noPerm || permitted(&w.fs.cred, dir.st(), mayExec) {
		return 0
	}
	return unix.EACCES
}

// parent walks all components of p but the last, from start (or from the
// root if p is absolute). It returns the directory that holds the last
// component, that component, its type, and whether p ends in a slash.
func (w *walker) parent(start *node, p string) (dir *node, last string, typ lastType, slash bool, e unix.Errno) {
	cur := start
	if len(p) > 0 && p[0] == '/' {
		cur = w.root
	} else if !cur.isDir() {
		return nil, "", 0, false, unix.ENOTDIR
	}
	i := 0
	for {
		for i < len(p) && p[i] == '/' {
			i++
		}
		if i == len(p) {
			return cur, "", lastRoot, false, 0
		}
		j := i
		for j < len(p) && p[j] != '/' {
			j++
		}
		k := j
		for k < len(p) && p[k] == '/' {
			k++
		}
		comp := p[i:j]
		if e := w.mayLookup(cur); e != 0 {
			return nil, "", 0, false, e
		}
		if k == len(p) {
			return cur, comp, typeOf(comp), j < len(p), 0
		}
		next, e := w.step(cur, comp, true)
		if e != 0 {
			return nil, "", 0, false, e
		}
		if !next.isDir() {
			return nil, "", 0, false, unix.ENOTDIR
		}
		cur = next
		i = k
	}
}

// step looks comp up in dir (search permission already checked) and
// follows it if it is a symbolic link and follow is set.
func (w *walker) step(dir *node, comp string, follow bool) (*node, unix.Errno) {
	switch comp {
	case ".":
		return dir, 0
	case "..":
		return dir.parent, 0
	}
	if len(comp) > nameMax {
		return nil, unix.ENAMETOOLONG
	}
	n, e := w.fs.child(dir, comp)
	if e != 0 {
		return nil, e
	}
	if follow && n.isLink() {
		return w.follow(dir, n)
	}
	return n, 0
}

// follow resolves the target of link, which lives in dir.
func (w *walker) follow(dir, link *node) (*node, unix.Errno) {
	w.links++
	if w.links > maxSymlinks {
		return nil, unix.ELOOP
	}
	target, e := w.fs.readlink(link)
	if e != 0 {
		return nil, e
	}
	if target == "" {
		return nil, unix.ENOENT
	}
	return w.resolve(dir, target, true)
}

// resolve resolves all of p from start.
func (w *walker) resolve(start *node, p string, follow bool) (*node, unix.Errno) {
	dir, last, typ, slash, e := w.parent(start, p)
	if e != 0 {
		return nil, e
	}
	return w.last(dir, last, typ, slash, follow)
}

// last resolves the last component found by parent. A trailing slash
// forces a symbolic link to be followed and the result to be a directory.
func (w *walker) last(dir *node, last string, typ lastType, slash, follow bool) (*node, unix.Errno) {
	switch typ {
	case lastRoot:
		return w.root, 0
	case lastDot:
		return dir, 0
	case lastDotDot:
		return dir.parent, 0
	}
	n, e := w.step(dir, last, follow || slash)
	if e != 0 {
		return nil, e
	}
	if slash && !n.isDir() {
		return nil, unix.ENOTDIR
	}
	return n, 0
}

// createTarget is what the creating calls (mkdir, symlink, link) share,
// the kernel's filename_create: it resolves the parent of p and answers
// EEXIST for ".", ".." and "/" and for an existing name, EINVAL for a name
// reserved for whiteouts, ENOENT for a missing name with a trailing slash
// (unless dirOK). The caller checks the permission to create.
func (w *walker) createTarget(p string, dirOK bool) (*node, string, unix.Errno) {
	dir, last, typ, slash, e := w.parent(w.root, p)
	if e != 0 {
		return nil, "", e
	}
	if typ != lastNorm {
		return nil, "", unix.EEXIST
	}
	if len(last) > nameMax {
		return nil, "", unix.ENAMETOOLONG
	}
	if hidden(last) {
		return nil, "", unix.EINVAL
	}
	switch _, e := w.fs.child(dir, last); e {
	case 0:
		return nil, "", unix.EEXIST
	case unix.ENOENT:
	default:
		return nil, "", e
	}
	if slash && !dirOK {
		return nil, "", unix.ENOENT
	}
	return dir, last, 0
}

// real resolves the real path p (as a node records it) without permission
// checks or symbolic links: the node of an open file.
func (fs *FS) real(p string) (*node, unix.Errno) {
	w, e := fs.walker()
	if e != 0 {
		return nil, e
	}
	w.noPerm = true
	if p == "" {
		return w.root, 0
	}
	return w.resolve(w.root, p, false)
}
