// link.go holds the operations that add a name for something: Link (hard
// links), LinkData (linkat(2) of a descriptor, which names O_TMPFILE
// files) and Symlink.

package mem

import (
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/fdroom"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Link makes newname a hard link to oldname, as link(2): a final symbolic
// link of oldname is not followed. EPERM for a directory, EEXIST if newname
// exists, ENOENT if oldname does not.
func (fs *FS) Link(oldname, newname string) error {
	if e := linuxvfs.CheckPath(oldname); e != 0 {
		return linkErr("link", oldname, newname, e)
	}
	if e := linuxvfs.CheckPath(newname); e != 0 {
		return linkErr("link", oldname, newname, e)
	}
	fs.t.mu.lockExact()
	defer fs.t.mu.Unlock()
	if e := fs.link(oldname, newname); e != 0 {
		return linkErr("link", oldname, newname, e)
	}
	return nil
}

func (fs *FS) link(oldname, newname string) unix.Errno {
	w := fs.walker()
	n, e := w.Resolve(fs.t.root, oldname, false)
	if e != 0 {
		return e
	}
	return fs.linkInode(n, newname, -1)
}

// linkInode gives n the name newname: the kernel's do_linkat once the old
// name is resolved, then may_linkat and vfs_link. fd is a descriptor of n's
// data (-1 if none), from which an O_TMPFILE file gets the memfd it lacks.
// The caller holds the write lock.
func (fs *FS) linkInode(n *inode, newname string, fd int) unix.Errno {
	w := fs.walker()
	dir, last, e := w.CreateTarget(newname, false)
	if e != 0 {
		return e
	}
	fold(n, fd)
	if !fs.cred.mayHardlink(n) {
		return unix.EPERM
	}
	if e := fs.cred.mayCreate(dir); e != 0 {
		return e
	}
	if n.isDir() {
		return unix.EPERM
	}
	if n.nlink == 0 {
		// Only an O_TMPFILE file that never had a name may get one.
		if !n.linkable || fd < 0 {
			return unix.ENOENT
		}
		memfd, err := reopen(fd, unix.O_RDWR)
		if err != nil {
			return errnoOf(err)
		}
		n.memfd = memfd
		fdroom.Note(memfd)
		n.linkable = false
		fs.t.inodes++
	}
	t := now()
	n.nlink++
	n.ctime = t
	fs.t.add(dir, last, n)
	dir.touch(t)
	return 0
}

// LinkData gives the regular file whose data fd is a descriptor of (as for
// OpenData) the name newname, as linkat(fd, "", AT_FDCWD, newname,
// AT_EMPTY_PATH) does on Linux for a descriptor opened by the caller.
//
// A file made by OpenFile with O_TMPFILE and without O_EXCL gets its first
// name this way (its link count goes from 0 to 1); once it has had a name,
// it is an ordinary file. Any other file with no name left (unlinked since,
// or made with O_TMPFILE|O_EXCL) gives ENOENT. A file that has names gets
// one more, with the rules of Link: EEXIST if newname exists, ENOENT or
// ENOTDIR if its parent does not, EACCES without write and search
// permission on the parent, and for a view of another user than root EPERM
// if fs.protected_hardlinks=1 forbids the link. A descriptor of anything
// but a regular file of this tree gives EBADF.
func (fs *FS) LinkData(fd int, newname string) error {
	old := linuxvfs.ProcFD(fd)
	if e := linuxvfs.CheckPath(newname); e != 0 {
		return linkErr("linkat", old, newname, e)
	}
	dup, key, err := dataDup(fd)
	if err != nil {
		return linkErr("linkat", old, newname, err)
	}
	defer unix.Close(dup)
	fs.t.mu.lockExact()
	defer fs.t.mu.Unlock()
	n := fs.t.data[key]
	if n == nil {
		return linkErr("linkat", old, newname, unix.EBADF)
	}
	if e := fs.linkInode(n, newname, dup); e != 0 {
		return linkErr("linkat", old, newname, e)
	}
	return nil
}

// Symlink makes newname a symbolic link to target, as symlink(2). The target
// is stored as given; an absolute target is resolved from this FS's root.
func (fs *FS) Symlink(target, newname string) error {
	if e := fs.symlink(target, newname); e != 0 {
		return linkErr("symlink", target, newname, e)
	}
	return nil
}

// SymlinkIfPossible is Symlink (afero.Linker).
func (fs *FS) SymlinkIfPossible(oldname, newname string) error {
	return fs.Symlink(oldname, newname)
}

func (fs *FS) symlink(target, newname string) unix.Errno {
	if e := linuxvfs.CheckTarget(target); e != 0 {
		return e
	}
	if e := linuxvfs.CheckPath(newname); e != 0 {
		return e
	}
	fs.t.mu.lockExact()
	defer fs.t.mu.Unlock()
	w := fs.walker()
	dir, last, e := w.CreateTarget(newname, false)
	if e != 0 {
		return e
	}
	if e := fs.cred.mayCreate(dir); e != 0 {
		return e
	}
	n, err := fs.newInode(dir, last, unix.S_IFLNK|0777)
	if err != nil {
		return errnoOf(err)
	}
	n.target = target
	return 0
}
