// xattr.go holds extended attributes (caps.Xattrer): those of the topmost
// layer that has the file; a change copies the file up first, and a
// copy-up takes its attributes along, as overlayfs does.

package overlay

import (
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// xattrLayer is a layer's extended attributes: every layer the overlay
// holds has them (a wrapped Layer without any lists none).
type xattrLayer interface {
	ListXattr(p string) ([]string, error)
	GetXattr(p, attr string) ([]byte, error)
}

var (
	_ xattrLayer = (*cachedLayer)(nil)
	_ xattrLayer = memLayer{}
)

// SetXattr sets attr of name (after a copy-up), as setxattr(2).
func (fs *FS) SetXattr(name, attr string, value []byte, flags int, follow bool) error {
	if e := linuxvfs.CheckXattrSet(attr, len(value), flags); e != 0 {
		return pathErr("setxattr", name, e)
	}
	return fs.setattr(name, change{op: "setxattr", follow: follow, data: true,
		pre:   fs.mayXattr(attr, true),
		apply: func(p string) error { return fs.up.SetXattr(p, attr, value, flags, false) }})
}

// RemoveXattr removes attr of name (after a copy-up), as removexattr(2).
func (fs *FS) RemoveXattr(name, attr string, follow bool) error {
	if e := linuxvfs.CheckXattrName(attr); e != 0 {
		return pathErr("removexattr", name, e)
	}
	return fs.setattr(name, change{op: "removexattr", follow: follow, data: true,
		pre:   fs.mayXattr(attr, true),
		apply: func(p string) error { return fs.up.RemoveXattr(p, attr, false) }})
}

// mayXattr checks that the view's user may read or change attr of a node.
func (fs *FS) mayXattr(attr string, write bool) func(*node) unix.Errno {
	return func(n *node) unix.Errno {
		st := fs.permSt(n)
		return who(&fs.cred).XattrPermission(st.Mode, st.Uid, st.Gid, attr, write)
	}
}

// GetXattr returns attr of name, as getxattr(2).
func (fs *FS) GetXattr(name, attr string, follow bool) ([]byte, error) {
	if e := linuxvfs.CheckXattrName(attr); e != 0 {
		return nil, pathErr("getxattr", name, e)
	}
	var v []byte
	e := fs.readXattrs(name, follow, func(n *node, l xattrLayer, up bool) (e unix.Errno) {
		if e := fs.mayXattr(attr, false)(n); e != 0 {
			return e
		}
		var err error
		if up {
			v, err = fs.up.GetXattr(upath(n.path), attr, false)
		} else {
			v, err = l.GetXattr(n.path, attr)
		}
		return errnoOf(err)
	})
	if e != 0 {
		return nil, pathErr("getxattr", name, e)
	}
	return v, nil
}

// ListXattr returns the names of name's attributes the user may see.
func (fs *FS) ListXattr(name string, follow bool) ([]string, error) {
	var names []string
	e := fs.readXattrs(name, follow, func(n *node, l xattrLayer, up bool) unix.Errno {
		if up {
			var err error
			names, err = fs.up.ListXattr(upath(n.path), false)
			return errnoOf(err)
		}
		all, err := l.ListXattr(n.path)
		for _, a := range all {
			if who(&fs.cred).XattrListed(a) {
				names = append(names, a)
			}
		}
		return errnoOf(err)
	})
	if e != 0 {
		return nil, pathErr("listxattr", name, e)
	}
	return names, nil
}

// readXattrs resolves name and calls read with its node and the layer
// that has it (up: the upper one, read through the view's mem.FS).
func (fs *FS) readXattrs(name string, follow bool, read func(n *node, l xattrLayer, up bool) unix.Errno) unix.Errno {
	if e := linuxvfs.CheckPath(name); e != 0 {
		return e
	}
	fs.s.mu.RLock()
	defer fs.s.mu.RUnlock()
	w, e := fs.walker(false)
	if e != 0 {
		return e
	}
	n, e := w.Resolve(w.Tree.Root(), name, follow)
	if e != 0 {
		return e
	}
	if fs.inUpper(n) {
		return read(n, nil, true)
	}
	return read(n, fs.s.layers[n.top().layer].(xattrLayer), false)
}

// copyXattrs gives the upper copy of n the attributes of its lower file.
func (fs *FS) copyXattrs(n *node) unix.Errno {
	l := fs.s.layers[n.top().layer].(xattrLayer)
	names, err := l.ListXattr(n.path)
	if err != nil {
		return 0 // a layer that cannot list them has none to give
	}
	for _, a := range names {
		v, err := l.GetXattr(n.path, a)
		if err != nil {
			continue
		}
		if err := fs.s.upper.SetXattr(upath(n.path), a, v, 0, false); err != nil && errnoOf(err) != unix.EOPNOTSUPP {
			return errnoOf(err)
		}
	}
	return 0
}

// The layers' attributes.

func (h *hostDir) ListXattr(p string) ([]string, error) {
	buf := make([]byte, linuxvfs.XattrListMax)
	n, err := unix.Llistxattr(h.path(p), buf)
	if err != nil {
		return nil, pathErr("listxattr", p, errnoOf(err))
	}
	var names []string
	for _, a := range splitNul(buf[:n]) {
		if linuxvfs.CheckXattrName(a) == 0 {
			names = append(names, a)
		}
	}
	return names, nil
}

func (h *hostDir) GetXattr(p, attr string) ([]byte, error) {
	buf := make([]byte, linuxvfs.XattrSizeMax)
	n, err := unix.Lgetxattr(h.path(p), attr, buf)
	if err != nil {
		return nil, pathErr("getxattr", p, errnoOf(err))
	}
	return buf[:n], nil
}

func (m memLayer) ListXattr(p string) ([]string, error) { return m.fs.ListXattr("/"+p, false) }

func (m memLayer) GetXattr(p, attr string) ([]byte, error) { return m.fs.GetXattr("/"+p, attr, false) }

func (c *cachedLayer) ListXattr(p string) ([]string, error) {
	if l, ok := c.Layer.(xattrLayer); ok {
		return l.ListXattr(p)
	}
	return nil, nil
}

func (c *cachedLayer) GetXattr(p, attr string) ([]byte, error) {
	if l, ok := c.Layer.(xattrLayer); ok {
		return l.GetXattr(p, attr)
	}
	return nil, pathErr("getxattr", p, unix.ENODATA)
}

// splitNul splits a listxattr(2) buffer into names.
func splitNul(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != 0 {
			i++
		}
		if i > 0 {
			out = append(out, string(b[:i]))
		}
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	return out
}

// The attributes of an open file are those of the overlay file it stands
// for, where that is now (caps.FileXattrer): a directory where renames
// took it, a lower file where its name or its copy is. A located is such
// an open file.
type located interface {
	where(op string) (string, error)
}

func (fs *FS) setXattrOf(f located, attr string, value []byte, flags int) error {
	p, err := f.where("setxattr")
	if err != nil {
		return err
	}
	return fs.SetXattr(p, attr, value, flags, false)
}

func (fs *FS) getXattrOf(f located, attr string) ([]byte, error) {
	p, err := f.where("getxattr")
	if err != nil {
		return nil, err
	}
	return fs.GetXattr(p, attr, false)
}

func (fs *FS) listXattrOf(f located) ([]string, error) {
	p, err := f.where("listxattr")
	if err != nil {
		return nil, err
	}
	return fs.ListXattr(p, false)
}

func (fs *FS) removeXattrOf(f located, attr string) error {
	p, err := f.where("removexattr")
	if err != nil {
		return err
	}
	return fs.RemoveXattr(p, attr, false)
}

func (f *dirFile) SetXattr(attr string, value []byte, flags int) error {
	return f.fs.setXattrOf(f, attr, value, flags)
}
func (f *dirFile) GetXattr(attr string) ([]byte, error) { return f.fs.getXattrOf(f, attr) }
func (f *dirFile) ListXattr() ([]string, error)         { return f.fs.listXattrOf(f) }
func (f *dirFile) RemoveXattr(attr string) error        { return f.fs.removeXattrOf(f, attr) }

// where is the overlay path of the file f stands for, for operation op:
// where a tracked file is now (ENOENT once its name is gone), else the
// name it was opened by. (A File of OpenDataFile is named
// /proc/self/fd/N.) dirFile.where is a directory's.
func (f *lowerFile) where(op string) (string, error) {
	if !f.tracked {
		return f.name, nil
	}
	p, ok := f.fs.trackedPath(f.key)
	if !ok {
		return "", pathErr(op, f.name, unix.ENOENT)
	}
	return p, nil
}

func (f *lowerFile) SetXattr(attr string, value []byte, flags int) error {
	return f.fs.setXattrOf(f, attr, value, flags)
}
func (f *lowerFile) GetXattr(attr string) ([]byte, error) { return f.fs.getXattrOf(f, attr) }
func (f *lowerFile) ListXattr() ([]string, error)         { return f.fs.listXattrOf(f) }
func (f *lowerFile) RemoveXattr(attr string) error        { return f.fs.removeXattrOf(f, attr) }
