// names.go holds the operations that add and remove names: Mkdir,
// MkdirAll, Symlink, Link, Unlink, Rmdir, Remove and RemoveAll. New names
// go to the upper layer (replacing a whiteout); removing a name that a
// lower layer shows leaves a whiteout.

package overlay

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Mkdir creates the directory name with the permission bits of perm, as
// mem.FS.Mkdir, in the upper layer. A directory made where a lower one was
// deleted is opaque: the old entries do not come back.
func (fs *FS) Mkdir(name string, perm os.FileMode) error {
	if e := linuxvfs.CheckPath(name); e != 0 {
		return pathErr("mkdir", name, e)
	}
	if e := fs.write(func() unix.Errno { return fs.mkdir(name, perm) }); e != 0 {
		return pathErr("mkdir", name, e)
	}
	return nil
}

func (fs *FS) mkdir(name string, perm os.FileMode) unix.Errno {
	dir, last, e := fs.createTarget(name, true)
	if e != 0 {
		return e
	}
	p := join(dir.path, last)
	if err := fs.up.Mkdir(upath(p), perm); err != nil {
		return errnoOf(err)
	}
	if fs.lowerHas(dir, last) {
		if e := fs.setOpaque(p, true); e != 0 {
			return e
		}
	}
	fs.clearWhiteout(dir, last)
	return 0
}

// MkdirAll creates name and every missing parent, like os.MkdirAll: nil if
// name already is a directory, ENOTDIR if it is something else.
func (fs *FS) MkdirAll(name string, perm os.FileMode) error {
	return linuxvfs.MkdirAll(fs, name, perm)
}

// Symlink makes newname a symbolic link to target, as symlink(2), in the
// upper layer. An absolute target is resolved from the overlay's root.
func (fs *FS) Symlink(target, newname string) error {
	e := linuxvfs.CheckTarget(target)
	if e == 0 {
		e = linuxvfs.CheckPath(newname)
	}
	if e == 0 {
		e = fs.write(func() unix.Errno { return fs.symlink(target, newname) })
	}
	if e != 0 {
		return linkErr("symlink", target, newname, e)
	}
	return nil
}

// SymlinkIfPossible is Symlink (afero.Linker).
func (fs *FS) SymlinkIfPossible(oldname, newname string) error {
	return fs.Symlink(oldname, newname)
}

func (fs *FS) symlink(target, newname string) unix.Errno {
	dir, last, e := fs.createTarget(newname, false)
	if e != 0 {
		return e
	}
	if err := fs.up.Symlink(target, upath(join(dir.path, last))); err != nil {
		return errnoOf(err)
	}
	fs.clearWhiteout(dir, last)
	return 0
}

// Link makes newname a hard link to oldname, as link(2): a final symbolic
// link of oldname is not followed. A lower file is copied up first, and
// the link is made in the upper layer.
func (fs *FS) Link(oldname, newname string) error {
	e := linuxvfs.CheckPath(oldname)
	if e == 0 {
		e = linuxvfs.CheckPath(newname)
	}
	if e == 0 {
		e = fs.write(func() unix.Errno { return fs.link(oldname, newname, false) })
	}
	if e != 0 {
		return linkErr("link", oldname, newname, e)
	}
	return nil
}

// link is Link under the write lock; fromFd: oldname is the path of an
// open file, looked up without search permission.
func (fs *FS) link(oldname, newname string, fromFd bool) unix.Errno {
	w, e := fs.walker(fromFd)
	if e != 0 {
		return e
	}
	n, e := w.Resolve(w.Tree.Root(), oldname, false)
	if e != 0 {
		return e
	}
	if w, e = fs.walker(false); e != 0 {
		return e
	}
	dir, last, e := w.CreateTarget(newname, false)
	switch {
	case e != 0:
	case !mayHardlink(&fs.cred, fs.permSt(n)):
		e = unix.EPERM
	case mayCreate(&fs.cred, dir) != 0:
		e = unix.EACCES
	case n.isDir():
		e = unix.EPERM
	}
	if e == 0 {
		e = fs.copyUp(n, true)
	}
	if e == 0 {
		e = fs.copyUp(dir, true)
	}
	if e != 0 {
		return e
	}
	if err := fs.up.Link(upath(n.path), upath(join(dir.path, last))); err != nil {
		return errnoOf(err)
	}
	fs.clearWhiteout(dir, last)
	return 0
}

// removal is what unlink and rmdir found: the directory, the name and
// the victim.
type removal struct {
	dir  *node
	last string
	n    *node
}

// unlinkTarget resolves the name unlink(2) removes and makes its checks.
func (fs *FS) unlinkTarget(name string) (removal, unix.Errno) {
	if e := linuxvfs.CheckPath(name); e != 0 {
		return removal{}, e
	}
	w, e := fs.walker(false)
	if e != 0 {
		return removal{}, e
	}
	dir, last, typ, slash, e := w.Parent(w.Tree.Root(), name)
	switch {
	case e != 0:
		return removal{}, e
	case typ != linuxvfs.LastNorm:
		return removal{}, unix.EISDIR
	case len(last) > linuxvfs.NameMax:
		return removal{}, unix.ENAMETOOLONG
	}
	n, e := fs.child(dir, last)
	switch {
	case e != 0:
		return removal{}, e
	case slash && n.isDir():
		return removal{}, unix.EISDIR
	case slash:
		return removal{}, unix.ENOTDIR
	}
	return removal{dir, last, n}, mayDelete(&fs.cred, dir, n, false)
}

// unlink is unlink(2) of name under the write lock.
func (fs *FS) unlink(name string) unix.Errno {
	r, e := fs.unlinkTarget(name)
	if e != 0 {
		return e
	}
	return fs.remove(r)
}

// remove takes the name r found away: from the upper layer if it is
// there, and with a whiteout if a lower layer shows it. The whiteout comes
// first, so that a failure leaves the name as it was.
func (fs *FS) remove(r removal) unix.Errno {
	if e := fs.copyUp(r.dir, true); e != 0 {
		return e
	}
	lower := fs.lowerHas(r.dir, r.last)
	if lower {
		if e := fs.whiteout(r.dir, r.last); e != 0 {
			return e
		}
	}
	if fs.inUpper(r.n) {
		p := upath(r.n.path)
		var err error
		if r.n.isDir() {
			if e := fs.stripHidden(r.n.path, false); e != 0 {
				return e
			}
			err = fs.s.upper.Rmdir(p)
		} else {
			err = fs.s.upper.Unlink(p)
		}
		if err != nil {
			return errnoOf(err)
		}
	}
	fs.untrack(r.n.path)
	return 0
}

// rmdirTarget resolves the name rmdir(2) removes and makes its checks.
func (fs *FS) rmdirTarget(name string) (removal, unix.Errno) {
	if e := linuxvfs.CheckPath(name); e != 0 {
		return removal{}, e
	}
	w, e := fs.walker(false)
	if e != 0 {
		return removal{}, e
	}
	dir, last, typ, _, e := w.Parent(w.Tree.Root(), name)
	switch {
	case e != 0:
		return removal{}, e
	case typ == linuxvfs.LastDotDot:
		return removal{}, unix.ENOTEMPTY
	case typ == linuxvfs.LastDot:
		return removal{}, unix.EINVAL
	case typ == linuxvfs.LastRoot:
		return removal{}, unix.EBUSY
	case len(last) > linuxvfs.NameMax:
		return removal{}, unix.ENAMETOOLONG
	}
	n, e := fs.child(dir, last)
	if e == 0 {
		e = mayDelete(&fs.cred, dir, n, true)
	}
	if e != 0 {
		return removal{}, e
	}
	empty, e := fs.empty(n)
	if e == 0 && !empty {
		e = unix.ENOTEMPTY
	}
	if e != 0 {
		return removal{}, e
	}
	return removal{dir, last, n}, 0
}

// rmdir is rmdir(2) of name under the write lock.
func (fs *FS) rmdir(name string) unix.Errno {
	r, e := fs.rmdirTarget(name)
	if e != 0 {
		return e
	}
	return fs.remove(r)
}

// Unlink removes the name of a non-directory, as unlink(2).
func (fs *FS) Unlink(name string) error {
	if e := fs.write(func() unix.Errno { return fs.unlink(name) }); e != 0 {
		return pathErr("unlink", name, e)
	}
	return nil
}

// Rmdir removes a directory that is empty in the merged view, as
// rmdir(2).
func (fs *FS) Rmdir(name string) error {
	if e := fs.write(func() unix.Errno { return fs.rmdir(name) }); e != 0 {
		return pathErr("rmdir", name, e)
	}
	return nil
}

// Remove removes a file or an empty directory. Like os.Remove it tries
// unlink, then rmdir, and reports rmdir's error unless that is ENOTDIR.
func (fs *FS) Remove(name string) error {
	e := fs.write(func() unix.Errno {
		e := fs.unlink(name)
		if e == 0 {
			return 0
		}
		e1 := fs.rmdir(name)
		if e1 == 0 || e1 != unix.ENOTDIR {
			return e1
		}
		return e
	})
	if e != 0 {
		return pathErr("remove", name, e)
	}
	return nil
}

// RemoveAll removes name and everything below it with the algorithm of
// os.RemoveAll (see linuxvfs.RemoveAll): nil if name does not exist,
// EINVAL if it ends in ".". It is not atomic.
func (fs *FS) RemoveAll(name string) error { return linuxvfs.RemoveAll[string](remover{fs}, name) }

// remover walks the merged tree for linuxvfs.RemoveAll by paths.
type remover struct{ fs *FS }

func (r remover) Remove(name string) error { return r.fs.Remove(name) }

func (r remover) OpenParent(parent string) (string, error) {
	d, err := r.fs.Open(parent)
	if err != nil {
		return "", err
	}
	d.Close()
	return parent, nil
}

func (r remover) UnlinkAt(dir, name string) unix.Errno {
	return r.fs.write(func() unix.Errno { return r.fs.unlink(dir + "/" + name) })
}

func (r remover) RmdirAt(dir, name string) unix.Errno {
	return r.fs.write(func() unix.Errno { return r.fs.rmdir(dir + "/" + name) })
}

func (r remover) ListAt(dir, name string) (string, []string, error, error) {
	p := dir + "/" + name
	d, err := r.fs.OpenFile(p, os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return "", nil, err, nil
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	return p, names, nil, err
}

// Mknod makes name a special file (a FIFO, a device, a socket file), as
// mknod(2), in the upper layer (mem.FS.Mknod).
func (fs *FS) Mknod(name string, mode uint32, dev uint64) error {
	e := linuxvfs.CheckPath(name)
	if e == 0 {
		e = fs.write(func() unix.Errno { return fs.mknod(name, mode, dev) })
	}
	if e != 0 {
		return pathErr("mknod", name, e)
	}
	return nil
}

func (fs *FS) mknod(name string, mode uint32, dev uint64) unix.Errno {
	dir, last, e := fs.createTarget(name, false)
	if e != 0 {
		return e
	}
	if err := fs.up.Mknod(upath(join(dir.path, last)), mode, dev); err != nil {
		return errnoOf(err)
	}
	fs.clearWhiteout(dir, last)
	return 0
}

// HostNode gives the host node that opens of the special file name reach
// (caps.HostNoder): the upper layer's, or a lower layer's own: a FIFO of a
// host directory is that FIFO, as in overlayfs, where it is not copied up
// to be opened.
func (fs *FS) HostNode(name string) (string, error) {
	if e := linuxvfs.CheckPath(name); e != 0 {
		return "", pathErr("open", name, e)
	}
	fs.s.mu.RLock()
	w, e := fs.walker(false)
	var n *node
	if e == 0 {
		n, e = w.Resolve(w.Tree.Root(), name, false)
	}
	up := e == 0 && fs.inUpper(n)
	fs.s.mu.RUnlock()
	switch {
	case e != 0:
		return "", pathErr("open", name, e)
	case up:
		return fs.up.HostNode(upath(n.path))
	}
	switch n.typ() {
	case unix.S_IFIFO, unix.S_IFCHR, unix.S_IFBLK, unix.S_IFSOCK:
	default:
		return "", pathErr("open", name, unix.EINVAL)
	}
	if h, ok := fs.s.layers[n.top().layer].(caps.HostNoder); ok {
		return h.HostNode(n.path)
	}
	return "", pathErr("open", name, unix.EOPNOTSUPP) // not one of this package's layers
}

// HostNodes is the upper layer's (caps.HostNodeDirer).
func (fs *FS) HostNodes() string { return fs.s.upper.HostNodes() }
