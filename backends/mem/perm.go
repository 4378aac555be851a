// perm.go holds the permission checks of the Linux VFS (generic_permission,
// may_delete, may_create, the sticky bit, owner and group tests) for the
// credentials of an FS or of a view made by As.

package mem

import (
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Access bits, as in the kernel's MAY_*.
const (
	mayExec  = linuxvfs.MayExec
	mayWrite = linuxvfs.MayWrite
	mayRead  = linuxvfs.MayRead
)

func (c *Cred) root() bool { return c.Uid == 0 }

// who is c as linuxvfs's permission checks take it.
func (c *Cred) who() linuxvfs.Who { return linuxvfs.Who(*c) }

// inGroup reports whether gid is c's group or one of its supplementary
// groups.
func (c *Cred) inGroup(gid uint32) bool { return c.who().InGroup(gid) }

// ownerOrRoot is the kernel's inode_owner_or_capable.
func (c *Cred) ownerOrRoot(n *inode) bool { return c.root() || n.uid == c.Uid }

// inGroupOrRoot is the kernel's in_group_or_capable.
func (c *Cred) inGroupOrRoot(gid uint32) bool { return c.root() || c.inGroup(gid) }

// permitted is generic_permission: the owner, group or other bits decide,
// and root may do anything but execute a file without any execute bit.
func (c *Cred) permitted(n *inode, mask uint32) bool { return c.permittedData(n, -1, mask) }

// permittedData is permitted with fd, a descriptor of n's data for a file
// that may have no name left (see liveMode), or -1.
func (c *Cred) permittedData(n *inode, fd int, mask uint32) bool {
	return c.who().Permitted(n.liveMode(fd), n.uid, n.gid, mask)
}

// mayLookup is the search permission needed on every directory a lookup
// goes through.
func (c *Cred) mayLookup(dir *inode) unix.Errno {
	if !c.permitted(dir, mayExec) {
		return unix.EACCES
	}
	return 0
}

// mayCreate is the permission to add a name to dir.
func (c *Cred) mayCreate(dir *inode) unix.Errno {
	if dir.dead {
		return unix.ENOENT
	}
	if !c.permitted(dir, mayWrite|mayExec) {
		return unix.EACCES
	}
	return 0
}

// sticky reports whether the sticky bit of dir forbids c to remove or
// replace victim.
func (c *Cred) sticky(dir, victim *inode) bool {
	if dir.mode&unix.S_ISVTX == 0 || victim.uid == c.Uid || dir.uid == c.Uid {
		return false
	}
	return !c.root()
}

// mayDelete is the kernel's may_delete: c wants to remove victim from dir,
// and isDir says whether the operation is one on directories (rmdir, or
// rename of a directory).
func (c *Cred) mayDelete(dir, victim *inode, isDir bool) unix.Errno {
	if !c.permitted(dir, mayWrite|mayExec) {
		return unix.EACCES
	}
	if c.sticky(dir, victim) {
		return unix.EPERM
	}
	if isDir {
		if !victim.isDir() {
			return unix.ENOTDIR
		}
	} else if victim.isDir() {
		return unix.EISDIR
	}
	if dir.dead {
		return unix.ENOENT
	}
	return 0
}

// newOwner returns the owner, group and mode of an inode c creates in dir
// with the requested mode (type bits included), applying the set-group-ID
// rules of inode_init_owner and mode_strip_sgid.
func (c *Cred) newOwner(dir *inode, mode uint32) (uid, gid, m uint32) {
	uid, gid, m = c.Uid, c.Gid, mode
	if dir.mode&unix.S_ISGID == 0 {
		return
	}
	gid = dir.gid
	if m&unix.S_IFMT == unix.S_IFDIR {
		m |= unix.S_ISGID
	} else if m&(unix.S_ISGID|unix.S_IXGRP) == unix.S_ISGID|unix.S_IXGRP && !c.inGroupOrRoot(dir.gid) {
		m &^= unix.S_ISGID
	}
	return
}

// mayHardlink tells whether c may hard-link n. As with
// fs.protected_hardlinks=1 (the setting of systemd-based systems), a user
// who does not own n may link it only if it is a regular file that is
// neither set-user-ID nor set-group-ID-and-group-executable, and that the
// user may read and write.
func (c *Cred) mayHardlink(n *inode) bool {
	if c.ownerOrRoot(n) {
		return true
	}
	if !n.isReg() || n.mode&unix.S_ISUID != 0 {
		return false
	}
	if n.mode&(unix.S_ISGID|unix.S_IXGRP) == unix.S_ISGID|unix.S_IXGRP {
		return false
	}
	return c.permitted(n, mayRead|mayWrite)
}

// dropPrivs is file_remove_privs: a write or truncation of a regular file
// by a user without CAP_FSETID takes away its set-user-ID bit, and its
// set-group-ID bit if group-executable or if the user is not in the group.
// (Writes and truncations through the kernel descriptors handed to
// programs are judged by the kernel; see mirror.) fd is a descriptor of n's
// data for when it has no memfd left, or -1. The caller holds the write
// lock.
func (c *Cred) dropPrivs(n *inode, fd int) {
	fold(n, fd)
	if !c.hasPrivsToDrop(n) {
		return
	}
	n.mode &^= unix.S_ISUID
	if n.mode&unix.S_IXGRP != 0 || !c.inGroup(n.gid) {
		n.mode &^= unix.S_ISGID
	}
	n.ctime = now()
	mirror(n, fd)
}

// hasPrivsToDrop tells whether dropPrivs would change n. The caller holds
// the lock; under the read lock, n.mode may still have bits that the
// kernel has taken from the memfd (fold), so a true answer is to be
// checked again under the write lock.
func (c *Cred) hasPrivsToDrop(n *inode) bool {
	if c.root() || !n.isReg() {
		return false
	}
	return n.mode&unix.S_ISUID != 0 ||
		n.mode&unix.S_ISGID != 0 && (n.mode&unix.S_IXGRP != 0 || !c.inGroup(n.gid))
}
