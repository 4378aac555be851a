// dir.go holds the operations that add and remove names: creating inodes,
// Mkdir, MkdirAll, Unlink, Rmdir, Remove and RemoveAll.

package mem

import (
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// newInode creates an inode of the given mode (type bits included) for the
// caller, links it into dir as name and stamps the times of both. The
// caller holds the write lock and has checked that name is free.
func (fs *FS) newInode(dir *inode, name string, mode uint32) (*inode, error) {
	if mode&unix.S_IFMT == unix.S_IFREG {
		n, b, err := fs.newFile(dir, name, mode&07777, -1)
		b.closeOpen()
		return n, err
	}
	n := fs.makeInode(dir, mode)
	if n.isDir() {
		n.nlink = 2
		n.size = 2 * bogoDirent
	}
	fs.linkNew(dir, name, n)
	return n, nil
}

// newFile is newInode for a regular file with permission bits perm, made
// by an open with flag (-1 for none). It returns the blank its data came
// from, whose reopen (see pick) is now the caller's to use or close.
func (fs *FS) newFile(dir *inode, name string, perm uint32, flag int) (*inode, blank, error) {
	b, err := fs.t.spare.take(flag)
	if err != nil {
		return nil, b, err
	}
	n := fs.makeInode(dir, unix.S_IFREG|perm)
	n.memfd, n.key = b.memfd, b.key
	fs.t.data[b.key] = n
	mirror(n, -1)
	fs.linkNew(dir, name, n)
	return n, b, nil
}

// makeInode returns an unnumbered inode of mode, owned as the caller's new
// files in dir are, with its times now.
func (fs *FS) makeInode(dir *inode, mode uint32) *inode {
	uid, gid, mode := fs.cred.newOwner(dir, mode)
	t := now()
	return &inode{mode: mode, uid: uid, gid: gid, nlink: 1, memfd: -1, atime: t, mtime: t, ctime: t}
}

// linkNew numbers the new inode n and links it into dir as name.
func (fs *FS) linkNew(dir *inode, name string, n *inode) {
	fs.t.newIno(n)
	fs.t.add(dir, name, n)
	dir.touch(n.ctime)
}

// dropLink takes one name away from n (already removed from its directory)
// at time t. A directory loses both its links; an inode with no name left
// gives its memfd back (open Files hold their own descriptors).
func (t *tree) dropLink(n *inode, at time.Time) {
	n.ctime = at
	if n.isDir() {
		n.nlink = 0
		n.dead = true
	} else if n.nlink > 0 {
		n.nlink--
	}
	if n.nlink == 0 {
		t.inodes--
		if n.memfd >= 0 {
			t.spare.release(n.memfd) // freeing the memory is not the caller's wait
			n.memfd = -1
		}
		if n.isReg() {
			t.orphaned(n)
		}
		n.dropHost()
	}
}

// Mkdir creates the directory name with the permission bits of perm (the
// set-user-ID and set-group-ID bits are ignored as Linux does; the sticky
// bit is kept). The umask is the caller's business.
func (fs *FS) Mkdir(name string, perm os.FileMode) error {
	if e := linuxvfs.CheckPath(name); e != 0 {
		return pathErr("mkdir", name, e)
	}
	fs.t.mu.lockExact()
	defer fs.t.mu.Unlock()
	w := fs.walker()
	dir, last, e := w.CreateTarget(name, true)
	if e == 0 {
		e = fs.cred.mayCreate(dir)
	}
	if e != 0 {
		return pathErr("mkdir", name, e)
	}
	if _, err := fs.newInode(dir, last, unix.S_IFDIR|linuxvfs.PermBits(perm)&01777); err != nil {
		return pathErr("mkdir", name, err)
	}
	return nil
}

// MkdirAll creates name and every missing parent, like os.MkdirAll: nil if
// name already is a directory, ENOTDIR if it is something else.
func (fs *FS) MkdirAll(name string, perm os.FileMode) error {
	return linuxvfs.MkdirAll(fs, name, perm)
}

// unlink is unlinkat(2) of name relative to the directory start, under the
// write lock.
func (fs *FS) unlink(start *inode, name string) unix.Errno {
	if e := linuxvfs.CheckPath(name); e != 0 {
		return e
	}
	w := fs.walker()
	dir, last, typ, slash, e := w.Parent(start, name)
	if e != 0 {
		return e
	}
	if typ != linuxvfs.LastNorm {
		return unix.EISDIR
	}
	if len(last) > linuxvfs.NameMax {
		return unix.ENAMETOOLONG
	}
	n := dir.lookup(last)
	switch {
	case n == nil:
		return unix.ENOENT
	case slash && n.isDir():
		return unix.EISDIR
	case slash:
		return unix.ENOTDIR
	}
	if e := fs.cred.mayDelete(dir, n, false); e != 0 {
		return e
	}
	t := now()
	fs.t.remove(dir, last)
	dir.touch(t)
	fs.t.dropLink(n, t)
	return 0
}

// rmdir is unlinkat(2) with AT_REMOVEDIR of name relative to the directory
// start, under the write lock.
func (fs *FS) rmdir(start *inode, name string) unix.Errno {
	if e := linuxvfs.CheckPath(name); e != 0 {
		return e
	}
	w := fs.walker()
	dir, last, typ, _, e := w.Parent(start, name)
	if e != 0 {
		return e
	}
	switch typ {
	case linuxvfs.LastDotDot:
		return unix.ENOTEMPTY
	case linuxvfs.LastDot:
		return unix.EINVAL
	case linuxvfs.LastRoot:
		return unix.EBUSY
	}
	if len(last) > linuxvfs.NameMax {
		return unix.ENAMETOOLONG
	}
	n := dir.lookup(last)
	if n == nil {
		return unix.ENOENT
	}
	if e := fs.cred.mayDelete(dir, n, true); e != 0 {
		return e
	}
	if !n.empty() {
		return unix.ENOTEMPTY
	}
	t := now()
	fs.t.remove(dir, last)
	dir.touch(t)
	fs.t.dropLink(n, t)
	return 0
}

// Unlink removes the name of a non-directory, as unlink(2).
func (fs *FS) Unlink(name string) error {
	fs.t.mu.lockExact()
	defer fs.t.mu.Unlock()
	if e := fs.unlink(fs.t.root, name); e != 0 {
		return pathErr("unlink", name, e)
	}
	return nil
}

// Rmdir removes an empty directory, as rmdir(2).
func (fs *FS) Rmdir(name string) error {
	fs.t.mu.lockExact()
	defer fs.t.mu.Unlock()
	if e := fs.rmdir(fs.t.root, name); e != 0 {
		return pathErr("rmdir", name, e)
	}
	return nil
}

// Remove removes a file or an empty directory. Like os.Remove it tries
// unlink, then rmdir, and reports rmdir's error unless that is ENOTDIR.
func (fs *FS) Remove(name string) error {
	fs.t.mu.lockExact()
	defer fs.t.mu.Unlock()
	e := fs.unlink(fs.t.root, name)
	if e == 0 {
		return nil
	}
	e1 := fs.rmdir(fs.t.root, name)
	if e1 == 0 {
		return nil
	}
	if e1 != unix.ENOTDIR {
		e = e1
	}
	return pathErr("remove", name, e)
}

// RemoveAll removes name and everything below it with the algorithm of
// os.RemoveAll, so that it gives the same results (see
// linuxvfs.RemoveAll). It is not atomic: each name is removed with the
// caller's permissions.
func (fs *FS) RemoveAll(name string) error { return linuxvfs.RemoveAll[*inode](remover{fs}, name) }

// remover walks a tree for linuxvfs.RemoveAll relative to directory inodes.
type remover struct{ fs *FS }

func (r remover) Remove(name string) error { return r.fs.Remove(name) }

func (r remover) OpenParent(parent string) (*inode, error) {
	d, err := r.fs.openFile(r.fs.t.root, parent, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	d.Close()
	return d.node, nil
}

func (r remover) UnlinkAt(dir *inode, name string) unix.Errno {
	r.fs.t.mu.lockExact()
	defer r.fs.t.mu.Unlock()
	return r.fs.unlink(dir, name)
}

func (r remover) RmdirAt(dir *inode, name string) unix.Errno {
	r.fs.t.mu.lockExact()
	defer r.fs.t.mu.Unlock()
	return r.fs.rmdir(dir, name)
}

func (r remover) ListAt(dir *inode, name string) (*inode, []string, error, error) {
	d, err := r.fs.openFile(dir, name, os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, nil, err, nil
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	return d.node, names, nil, err
}
