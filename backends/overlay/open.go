// open.go holds OpenFile and its shortcuts Open and Create: the open(2)
// rules for O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW, O_DIRECTORY and
// O_TMPFILE on the merged tree, copy-up on an open for writing, and the
// kernel-backed read-only opens of lower files.

package overlay

import (
	"os"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// oTmpfile is the kernel's __O_TMPFILE: unix.O_TMPFILE without the
// O_DIRECTORY that is part of it.
const oTmpfile = unix.O_TMPFILE &^ unix.O_DIRECTORY

// Create creates or truncates name for reading and writing (mode 0666), like
// os.Create.
func (fs *FS) Create(name string) (afero.File, error) {
	return fs.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0666)
}

// Open opens name for reading, like os.Open.
func (fs *FS) Open(name string) (afero.File, error) {
	return fs.OpenFile(name, os.O_RDONLY, 0)
}

// OpenFile opens name with the open(2) flags flag; perm gives the
// permission bits of a file it creates. O_PATH is not supported (EINVAL).
//
// A regular file of a lower layer opened read-only (no O_WRONLY, O_RDWR
// or O_TRUNC) is not copied up: the File's Fd is a descriptor of the lower
// file itself (a host descriptor for HostDir), and the overlay remembers
// it for OpenDataFile. Opened for writing, the file is copied up first and
// the File is the upper mem.File's. A directory gives a File that lists
// the merged directory. New files, and O_TMPFILE files, are made in the
// upper layer, after a copy-up of the directory they are made in.
func (fs *FS) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	f, e := fs.openFile(name, flag, perm)
	if e != 0 {
		return nil, pathErr("open", name, e)
	}
	return f, nil
}

func (fs *FS) openFile(name string, flag int, perm os.FileMode) (afero.File, unix.Errno) {
	if e := linuxvfs.CheckPath(name); e != 0 {
		return nil, e
	}
	switch {
	case flag&oTmpfile != 0:
		// As mem: O_TMPFILE needs O_DIRECTORY, no O_CREAT, write access.
		if flag&(unix.O_TMPFILE|unix.O_CREAT) != unix.O_TMPFILE || flag&unix.O_ACCMODE == unix.O_RDONLY ||
			flag&unix.O_PATH != 0 {
			return nil, unix.EINVAL
		}
		return fs.openTmpfile(name, flag, perm)
	case flag&unix.O_PATH != 0:
		return nil, unix.EINVAL
	case flag&(unix.O_CREAT|unix.O_DIRECTORY) == unix.O_CREAT|unix.O_DIRECTORY:
		return nil, unix.EINVAL
	}
	f, special, e := fs.openLocked(name, flag, perm)
	if special != nil {
		// A FIFO or a device may block in open: not under the lock.
		return special()
	}
	return f, e
}

// openLocked is OpenFile under the lock. A device or FIFO of a lower
// layer comes back as a function that opens it.
func (fs *FS) openLocked(name string, flag int, perm os.FileMode) (afero.File, func() (afero.File, unix.Errno), unix.Errno) {
	if writes(flag) {
		fs.lock()
		defer fs.unlock()
	} else {
		fs.s.mu.RLock()
		defer fs.s.mu.RUnlock()
	}
	n, f, e := fs.openLookup(name, flag, perm)
	if e != 0 || f != nil {
		return f, nil, e
	}
	if e := fs.mayOpen(n, flag); e != 0 {
		return nil, nil, e
	}
	switch {
	case n.isDir() || n.isReg() || n.isLink():
	case fs.inUpper(n):
		// The upper layer's FIFO or device: mem opens its host node.
		p := upath(n.path)
		return nil, func() (afero.File, unix.Errno) {
			f, err := fs.up.OpenFile(p, flag&^(unix.O_CREAT|unix.O_EXCL|unix.O_TRUNC), 0)
			if err != nil {
				return nil, errnoOf(err)
			}
			return f, 0
		}, 0
	default:
		return nil, func() (afero.File, unix.Errno) { return fs.openLower(name, n, flag) }, 0
	}
	f, e = fs.openNode(name, n, flag)
	return f, nil, e
}

// writes tells whether an open with flag may change the tree: create,
// write or truncate.
func writes(flag int) bool {
	return flag&unix.O_ACCMODE != unix.O_RDONLY || flag&(unix.O_CREAT|unix.O_TRUNC) != 0
}

// openLookup finds the node that open(2) of name with flag works on. It
// follows a final symbolic link unless O_NOFOLLOW (or O_EXCL with
// O_CREAT) is set; with O_CREAT it does so by walking the link's target
// with the same flags, so a dangling link creates its target. A file it
// creates is returned open.
func (fs *FS) openLookup(name string, flag int, perm os.FileMode) (*node, afero.File, unix.Errno) {
	creat := flag&unix.O_CREAT != 0
	follow := flag&unix.O_NOFOLLOW == 0 && !(creat && flag&unix.O_EXCL != 0)
	w, e := fs.walker(false)
	if e != 0 {
		return nil, nil, e
	}
	start, p := w.Tree.Root(), name
	for {
		dir, last, typ, slash, e := w.Parent(start, p)
		if e != 0 {
			return nil, nil, e
		}
		if typ != linuxvfs.LastNorm || !creat {
			n, e := w.Last(dir, last, typ, slash, follow || typ != linuxvfs.LastNorm)
			return n, nil, e
		}
		n, e := fs.createLookup(dir, last, slash)
		switch {
		case e == unix.ENOENT:
			f, e := fs.createFile(name, dir, last, flag, perm)
			return nil, f, e
		case e != 0:
			return nil, nil, e
		case n.isLink() && follow:
			t, e := w.Target(n)
			if e != 0 {
				return nil, nil, e
			}
			start, p = dir, t
		default:
			return n, nil, 0
		}
	}
}

// createLookup is the lookup of the last component of an O_CREAT open:
// EISDIR for a trailing slash, EINVAL for a name reserved for whiteouts,
// ENOENT for a name to create.
func (fs *FS) createLookup(dir *node, last string, slash bool) (*node, unix.Errno) {
	switch {
	case slash:
		return nil, unix.EISDIR
	case len(last) > linuxvfs.NameMax:
		return nil, unix.ENAMETOOLONG
	case hidden(last):
		return nil, unix.EINVAL
	}
	return fs.child(dir, last)
}

// createFile makes the regular file last in dir, in the upper layer, and
// opens it.
func (fs *FS) createFile(name string, dir *node, last string, flag int, perm os.FileMode) (afero.File, unix.Errno) {
	if e := mayCreate(&fs.cred, dir); e != 0 {
		return nil, e
	}
	if e := fs.copyUp(dir, true); e != 0 {
		return nil, e
	}
	f, err := fs.up.OpenFile(upath(join(dir.path, last)), flag, perm)
	if err != nil {
		return nil, errnoOf(err)
	}
	fs.clearWhiteout(dir, last)
	return wrapUpper(f, name), 0
}

// mayOpen is the end of the kernel's do_open and may_open: the checks made
// on the file found, with the attributes of its topmost layer.
func (fs *FS) mayOpen(n *node, flag int) unix.Errno {
	if flag&unix.O_CREAT != 0 {
		if flag&unix.O_EXCL != 0 {
			return unix.EEXIST
		}
		if n.isDir() {
			return unix.EISDIR
		}
	}
	if flag&unix.O_DIRECTORY != 0 && !n.isDir() {
		return unix.ENOTDIR
	}
	acc := linuxvfs.OpenAccess(flag)
	switch {
	case n.isLink():
		return unix.ELOOP
	case n.isDir() && acc&mayWrite != 0:
		return unix.EISDIR
	case !permitted(&fs.cred, fs.permSt(n), acc):
		return unix.EACCES
	case flag&unix.O_NOATIME != 0 && !ownerOrRoot(&fs.cred, n.st()):
		return unix.EPERM
	}
	return 0
}

// openNode opens the existing file n: a merged directory, the upper copy
// (after a copy-up for writing), or the lower file read-only.
func (fs *FS) openNode(name string, n *node, flag int) (afero.File, unix.Errno) {
	if n.isDir() {
		return &dirFile{fs: fs, name: name, at: fs.trackDir(n.path), st: fs.stat(n)}, 0
	}
	if n.isReg() && (flag&unix.O_ACCMODE != unix.O_RDONLY || flag&unix.O_TRUNC != 0) {
		if e := fs.copyUp(n, flag&unix.O_TRUNC == 0); e != 0 {
			return nil, e
		}
	}
	if !fs.inUpper(n) {
		return fs.openLower(name, n, flag)
	}
	f, err := fs.up.OpenFile(upath(n.path), flag&^(unix.O_CREAT|unix.O_EXCL), 0)
	if err != nil {
		return nil, errnoOf(err)
	}
	return wrapUpper(f, name), 0
}

// openLower opens the file n of a lower layer: a regular file read-only
// (and remembered for OpenDataFile), a device or FIFO as asked, without
// a copy-up, as overlayfs does.
func (fs *FS) openLower(name string, n *node, flag int) (afero.File, unix.Errno) {
	lflag := unix.O_RDONLY
	if !n.isReg() {
		lflag = flag & (unix.O_ACCMODE | unix.O_NONBLOCK)
	}
	f, err := fs.s.layers[n.top().layer].Open(n.path, lflag)
	if err != nil {
		return nil, errnoOf(err)
	}
	lf := &lowerFile{File: f, fs: fs, name: name, path: n.path}
	if n.isReg() {
		lf.key, lf.tracked = fs.track(f, n.path)
	}
	return lf, 0
}

// openTmpfile makes an unnamed regular file in the directory name, in the
// upper layer (copying the directory up), as mem.FS.OpenFile does.
func (fs *FS) openTmpfile(name string, flag int, perm os.FileMode) (afero.File, unix.Errno) {
	fs.lock()
	defer fs.unlock()
	w, e := fs.walker(false)
	if e != 0 {
		return nil, e
	}
	dir, e := w.Resolve(w.Tree.Root(), name, flag&unix.O_NOFOLLOW == 0)
	switch {
	case e != 0:
	case !dir.isDir():
		e = unix.ENOTDIR
	case !permitted(&fs.cred, dir.st(), mayWrite|mayExec):
		e = unix.EACCES
	default:
		e = fs.copyUp(dir, true)
	}
	if e != 0 {
		return nil, e
	}
	f, err := fs.up.OpenFile(upath(dir.path), flag, perm)
	if err != nil {
		return nil, errnoOf(err)
	}
	return wrapUpper(f, name), 0
}
