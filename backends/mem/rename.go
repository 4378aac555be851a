// rename.go holds Rename and RenameFlags: renameat2(2) with its checks in
// the kernel's order (do_renameat2, vfs_rename, shmem_rename2), plain
// replacement, RENAME_NOREPLACE and RENAME_EXCHANGE.

package mem

import (
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Rename renames oldname to newname, replacing newname if it exists, as
// rename(2).
func (fs *FS) Rename(oldname, newname string) error {
	return fs.RenameFlags(oldname, newname, 0)
}

// RenameFlags is renameat2(2): flags is 0, unix.RENAME_NOREPLACE (EEXIST if
// newname exists) or unix.RENAME_EXCHANGE (swap two existing names).
// RENAME_WHITEOUT is not supported (EINVAL).
func (fs *FS) RenameFlags(oldname, newname string, flags uint) error {
	if e := linuxvfs.CheckPath(oldname); e != 0 {
		return linkErr("rename", oldname, newname, e)
	}
	if e := linuxvfs.CheckPath(newname); e != 0 {
		return linkErr("rename", oldname, newname, e)
	}
	if flags&^(unix.RENAME_NOREPLACE|unix.RENAME_EXCHANGE) != 0 ||
		flags&unix.RENAME_NOREPLACE != 0 && flags&unix.RENAME_EXCHANGE != 0 {
		return linkErr("rename", oldname, newname, unix.EINVAL)
	}
	fs.t.mu.lockExact()
	defer fs.t.mu.Unlock()
	if e := fs.rename(oldname, newname, flags); e != 0 {
		return linkErr("rename", oldname, newname, e)
	}
	return nil
}

func (fs *FS) rename(oldname, newname string, flags uint) unix.Errno {
	noreplace := flags&unix.RENAME_NOREPLACE != 0
	exchange := flags&unix.RENAME_EXCHANGE != 0

	w := fs.walker()
	oldDir, oldLast, oldTyp, oldSlash, e := w.Parent(fs.t.root, oldname)
	if e != 0 {
		return e
	}
	w = fs.walker()
	newDir, newLast, newTyp, newSlash, e := w.Parent(fs.t.root, newname)
	if e != 0 {
		return e
	}
	if oldTyp != linuxvfs.LastNorm {
		return unix.EBUSY
	}
	if newTyp != linuxvfs.LastNorm {
		if noreplace {
			return unix.EEXIST
		}
		return unix.EBUSY
	}
	if len(oldLast) > linuxvfs.NameMax {
		return unix.ENAMETOOLONG
	}
	src := oldDir.lookup(oldLast)
	if src == nil {
		return unix.ENOENT
	}
	if len(newLast) > linuxvfs.NameMax {
		return unix.ENAMETOOLONG
	}
	dst := newDir.lookup(newLast)
	if noreplace && dst != nil {
		return unix.EEXIST
	}
	if exchange {
		if dst == nil {
			return unix.ENOENT
		}
		if !dst.isDir() && newSlash {
			return unix.ENOTDIR
		}
	}
	if !src.isDir() && (oldSlash || !exchange && newSlash) {
		return unix.ENOTDIR
	}
	// The kernel's lock_rename "trap": the child of one parent that is an
	// ancestor of the other parent.
	var trap *inode
	if oldDir != newDir {
		if trap = childTowards(oldDir, newDir); trap == nil {
			trap = childTowards(newDir, oldDir)
		}
	}
	if trap != nil && src == trap {
		return unix.EINVAL
	}
	if trap != nil && dst == trap {
		if exchange {
			return unix.EINVAL
		}
		return unix.ENOTEMPTY
	}

	// vfs_rename.
	if src == dst {
		return 0
	}
	isDir := src.isDir()
	if e := fs.cred.mayDelete(oldDir, src, isDir); e != 0 {
		return e
	}
	switch {
	case dst == nil:
		e = fs.cred.mayCreate(newDir)
	case exchange:
		e = fs.cred.mayDelete(newDir, dst, dst.isDir())
	default:
		e = fs.cred.mayDelete(newDir, dst, isDir)
	}
	if e != 0 {
		return e
	}
	if oldDir != newDir {
		// Moving a directory rewrites its "..".
		if isDir && !fs.cred.permitted(src, mayWrite) {
			return unix.EACCES
		}
		if exchange && dst.isDir() && !fs.cred.permitted(dst, mayWrite) {
			return unix.EACCES
		}
	}

	// shmem_rename2.
	t := now()
	if exchange {
		fs.t.replace(oldDir, oldLast, dst)
		fs.t.replace(newDir, newLast, src)
		if oldDir != newDir && isDir != dst.isDir() {
			if isDir {
				oldDir.nlink--
				newDir.nlink++
			} else {
				newDir.nlink--
				oldDir.nlink++
			}
		}
		src.ctime, dst.ctime = t, t
		oldDir.touch(t)
		newDir.touch(t)
		return 0
	}
	if dst != nil && !dst.empty() {
		return unix.ENOTEMPTY
	}
	if dst != nil {
		fs.t.remove(newDir, newLast)
		fs.t.dropLink(dst, t)
	}
	fs.t.remove(oldDir, oldLast)
	fs.t.add(newDir, newLast, src)
	src.ctime = t
	oldDir.touch(t)
	newDir.touch(t)
	return 0
}
