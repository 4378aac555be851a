// attr.go holds the operations that change attributes: Chmod, Chown,
// Lchown, Chtimes, Utimens, Touch and Truncate. Each checks what the
// kernel checks before overlayfs copies up, copies the file up, and makes
// the change on the upper copy through the view's mem.FS, which judges
// the rest exactly as on tmpfs.

package overlay

import (
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// change describes one attribute change.
type change struct {
	op     string
	follow bool // follow a final symbolic link
	fromFd bool // the path of an open file: no search permission needed
	data   bool // copy a regular file's data up (not for a truncation to 0)
	pre    func(n *node) unix.Errno
	apply  func(p string) error    // on the upper copy's path
	applyF func(f *mem.File) error // on an open File of the upper copy
}

// setattr resolves name, checks, copies up and applies c.
func (fs *FS) setattr(name string, c change) error {
	if e := linuxvfs.CheckPath(name); e != 0 {
		return pathErr(c.op, name, e)
	}
	e := fs.write(func() unix.Errno {
		w, e := fs.walker(c.fromFd)
		if e != 0 {
			return e
		}
		n, e := w.Resolve(w.Tree.Root(), name, c.follow)
		if e == 0 {
			e = c.pre(n)
		}
		if e == 0 {
			e = fs.copyUp(n, c.data)
		}
		if e == 0 {
			e = errnoOf(c.apply(upath(n.path)))
		}
		return e
	})
	if e != 0 {
		return pathErr(c.op, name, e)
	}
	return nil
}

// Chmod sets the permission bits of the file name refers to (following
// symbolic links). Only the owner (or root) may.
func (fs *FS) Chmod(name string, mode os.FileMode) error {
	return fs.chmod("chmod", name, mode, false)
}

func (fs *FS) chmod(op, name string, mode os.FileMode, fromFd bool) error {
	c := fs.chmodChange(mode)
	c.op, c.fromFd = op, fromFd
	return fs.setattr(name, c)
}

func (fs *FS) chmodChange(mode os.FileMode) change {
	return change{op: "chmod", follow: true, data: true,
		pre:    fs.mustOwn(unix.EPERM),
		apply:  func(p string) error { return fs.up.Chmod(p, mode) },
		applyF: func(f *mem.File) error { return f.Chmod(mode) }}
}

// mustOwn is the check of chmod and utimes with times: the owner or root,
// else e.
func (fs *FS) mustOwn(e unix.Errno) func(*node) unix.Errno {
	return func(n *node) unix.Errno {
		if ownerOrRoot(&fs.cred, n.st()) {
			return 0
		}
		return e
	}
}

// Chown sets the owner and group of the file name refers to, following
// symbolic links; -1 leaves one unchanged.
func (fs *FS) Chown(name string, uid, gid int) error {
	return fs.chown("chown", name, uid, gid, true, false)
}

// Lchown is Chown on a symbolic link itself.
func (fs *FS) Lchown(name string, uid, gid int) error {
	return fs.chown("lchown", name, uid, gid, false, false)
}

func (fs *FS) chown(op, name string, uid, gid int, follow, fromFd bool) error {
	if !validIDs(uid, gid) {
		return pathErr(op, name, unix.EINVAL)
	}
	c := fs.chownChange(uid, gid)
	c.op, c.follow, c.fromFd = op, follow, fromFd
	return fs.setattr(name, c)
}

func (fs *FS) chownChange(uid, gid int) change {
	return change{op: "chown", data: true,
		pre:    func(n *node) unix.Errno { return mayChown(&fs.cred, n.st(), uid, gid) },
		apply:  func(p string) error { return fs.up.Lchown(p, uid, gid) },
		applyF: func(f *mem.File) error { return f.Chown(uid, gid) }}
}

// Chtimes sets the access and modification times of the file name refers
// to, like os.Chtimes: a zero time.Time leaves that time unchanged.
func (fs *FS) Chtimes(name string, atime, mtime time.Time) error {
	return linuxvfs.Chtimes(fs.Utimens, name, atime, mtime)
}

// Utimens sets the access and modification times of name (following a
// final symbolic link if follow is set), as utimensat(2) with explicit
// times: nil leaves a time unchanged, and only the owner or root may
// (EPERM).
func (fs *FS) Utimens(name string, atime, mtime *time.Time, follow bool) error {
	return fs.utimens(name, atime, mtime, follow, false)
}

func (fs *FS) utimens(name string, atime, mtime *time.Time, follow, fromFd bool) error {
	if atime == nil && mtime == nil {
		return nil // utimensat does not even look the path up
	}
	c := fs.utimensChange(atime, mtime)
	c.follow, c.fromFd = follow, fromFd
	return fs.setattr(name, c)
}

func (fs *FS) utimensChange(atime, mtime *time.Time) change {
	return change{op: "utimens", data: true,
		pre:    fs.mustOwn(unix.EPERM),
		apply:  func(p string) error { return fs.up.Utimens(p, atime, mtime, false) },
		applyF: func(f *mem.File) error { return f.Utimens(atime, mtime) }}
}

// Touch sets the access and modification times of name (following a final
// symbolic link if follow is set) to the current time, as utimensat(2)
// with UTIME_NOW: allowed to the owner, root and any user with write
// permission, EACCES for others.
func (fs *FS) Touch(name string, follow bool) error {
	return fs.touch(name, follow, false)
}

func (fs *FS) touch(name string, follow, fromFd bool) error {
	c := fs.touchChange()
	c.follow, c.fromFd = follow, fromFd
	return fs.setattr(name, c)
}

func (fs *FS) touchChange() change {
	return change{op: "utimens", data: true,
		pre: func(n *node) unix.Errno {
			if ownerOrRoot(&fs.cred, n.st()) || permitted(&fs.cred, fs.permSt(n), mayWrite) {
				return 0
			}
			return unix.EACCES
		},
		apply:  func(p string) error { return fs.up.Touch(p, false) },
		applyF: func(f *mem.File) error { return f.Touch() }}
}

// Truncate sets the size of the regular file name refers to, as
// truncate(2): EISDIR for a directory, EINVAL for a negative size or
// another type, EACCES without write permission. A lower file is copied
// up first (without its data for a size of 0).
func (fs *FS) Truncate(name string, size int64) error {
	if size < 0 {
		return pathErr("truncate", name, unix.EINVAL)
	}
	return fs.setattr(name, change{op: "truncate", follow: true, data: size != 0,
		pre:   fs.mayTruncate,
		apply: func(p string) error { return fs.up.Truncate(p, size) }})
}

func (fs *FS) mayTruncate(n *node) unix.Errno {
	switch {
	case n.isDir():
		return unix.EISDIR
	case !n.isReg():
		return unix.EINVAL
	case !permitted(&fs.cred, fs.permSt(n), mayWrite):
		return unix.EACCES
	}
	return 0
}
