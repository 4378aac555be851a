// link.go holds the operations that add a name for something: Link (hard
// links) and Symlink.

package mem

import (
	"golang.org/x/sys/unix"
)

// Link makes newname a hard link to oldname, as link(2): a final symbolic
// link of oldname is not followed. EPERM for a directory, EEXIST if newname
// exists, ENOENT if oldname does not.
func (fs *FS) Link(oldname, newname string) error {
	if e := checkPath(oldname); e != 0 {
		return linkErr("link", oldname, newname, e)
	}
	if e := checkPath(newname); e != 0 {
		return linkErr("link", oldname, newname, e)
	}
	fs.t.mu.Lock()
	defer fs.t.mu.Unlock()
	if e := fs.link(oldname, newname); e != 0 {
		return linkErr("link", oldname, newname, e)
	}
	return nil
}

func (fs *FS) link(oldname, newname string) unix.Errno {
	w := walker{fs: fs}
	n, e := w.resolve(fs.t.root, oldname, false)
	if e != 0 {
		return e
	}
	w = walker{fs: fs}
	dir, last, e := w.createTarget(newname, false)
	if e != 0 {
		return e
	}
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
		return unix.ENOENT
	}
	t := now()
	n.nlink++
	n.ctime = t
	dir.add(last, n)
	dir.touch(t)
	return 0
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
	if e := checkPath(target); e != 0 {
		return e
	}
	if e := checkPath(newname); e != 0 {
		return e
	}
	fs.t.mu.Lock()
	defer fs.t.mu.Unlock()
	w := walker{fs: fs}
	dir, last, e := w.createTarget(newname, false)
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
