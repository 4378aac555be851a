// source.go tells how a process may open a regular file of the overlay by
// itself: an upper file through its memfd, an untouched file of the host
// layer by its host path.

package overlay

import (
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
)

// DataSource returns how to open the regular file name without the
// overlay's help (see mem.FS.DataSource); false for anything else. A lower
// file of the host layer is remembered as OpenFile remembers the lower
// files it opens, so that fstat, fchmod and the like through a descriptor
// opened this way reach the overlay's file, not the host's.
func (fs *FS) DataSource(name string) (mem.DataSource, bool) {
	fs.s.mu.RLock()
	defer fs.s.mu.RUnlock()
	n, e := fs.lookup(name, false)
	if e != 0 {
		return mem.DataSource{}, false
	}
	return fs.source(n)
}

// LstatSource is Lstat (LstatMeta with meta) and DataSource of name with
// one lookup (caps.SourceStater).
func (fs *FS) LstatSource(name string, meta bool) (mem.Stat, mem.DataSource, bool, error) {
	fs.s.mu.RLock()
	defer fs.s.mu.RUnlock()
	n, e := fs.lookup(name, false)
	if e != 0 {
		return mem.Stat{}, mem.DataSource{}, false, pathErr("lstat", name, e)
	}
	var st mem.Stat
	if meta {
		st = fs.meta(n)
	} else {
		st = fs.stat(n)
	}
	src, ok := fs.source(n)
	return st, src, ok, nil
}

// source is DataSource of n, found by a lookup under fs.s.mu.
func (fs *FS) source(n *node) (mem.DataSource, bool) {
	if !n.isReg() {
		return mem.DataSource{}, false
	}
	if fs.inUpper(n) {
		return fs.s.upper.DataSource(upath(n.path))
	}
	l := fs.s.layers[n.top().layer]
	if c, ok := l.(*cachedLayer); ok {
		l = c.Layer
	}
	h, ok := l.(*hostDir)
	if !ok {
		return mem.DataSource{}, false
	}
	host := h.path(n.path)
	var st unix.Stat_t
	if unix.Stat(host, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return mem.DataSource{}, false
	}
	key := dataKey{st.Dev, st.Ino}
	fs.s.dataMu.Lock()
	if t := fs.s.data[key]; t == nil || t.gone || t.path != n.path {
		fs.s.data[key] = &tracked{path: n.path}
	}
	fs.s.dataMu.Unlock()
	return mem.DataSource{Fd: -1, Host: host, Dev: st.Dev, Ino: st.Ino}, true
}
