// perm.go holds the permission checks of the Linux VFS (generic_permission,
// may_delete, may_create, the sticky bit, owner and group tests), made on
// the attributes of the topmost layer's file as overlayfs makes them.

package overlay

import (
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Access bits, as in the kernel's MAY_*.
const (
	mayExec  = linuxvfs.MayExec
	mayWrite = linuxvfs.MayWrite
	mayRead  = linuxvfs.MayRead
)

func isRoot(c *mem.Cred) bool { return c.Uid == 0 }

// who is c as linuxvfs's permission checks take it.
func who(c *mem.Cred) linuxvfs.Who { return linuxvfs.Who(*c) }

// inGroup reports whether gid is c's group or one of its supplementary
// groups.
func inGroup(c *mem.Cred, gid uint32) bool { return who(c).InGroup(gid) }

// ownerOrRoot is the kernel's inode_owner_or_capable.
func ownerOrRoot(c *mem.Cred, st *mem.Stat) bool { return isRoot(c) || st.Uid == c.Uid }

// permitted is generic_permission: the owner, group or other bits decide,
// and root may do anything but execute a file without any execute bit.
func permitted(c *mem.Cred, st *mem.Stat, mask uint32) bool {
	return who(c).Permitted(st.Mode, st.Uid, st.Gid, mask)
}

// mayCreate is the permission to add a name to dir.
func mayCreate(c *mem.Cred, dir *node) unix.Errno {
	if !permitted(c, dir.st(), mayWrite|mayExec) {
		return unix.EACCES
	}
	return 0
}

// sticky reports whether the sticky bit of dir forbids c to remove or
// replace victim.
func sticky(c *mem.Cred, dir, victim *node) bool {
	if dir.st().Mode&unix.S_ISVTX == 0 || victim.st().Uid == c.Uid || dir.st().Uid == c.Uid {
		return false
	}
	return !isRoot(c)
}

// mayDelete is the kernel's may_delete: c wants to remove victim from dir,
// and isDir says whether the operation is one on directories (rmdir, or
// rename of a directory).
func mayDelete(c *mem.Cred, dir, victim *node, isDir bool) unix.Errno {
	if !permitted(c, dir.st(), mayWrite|mayExec) {
		return unix.EACCES
	}
	if sticky(c, dir, victim) {
		return unix.EPERM
	}
	if isDir {
		if !victim.isDir() {
			return unix.ENOTDIR
		}
	} else if victim.isDir() {
		return unix.EISDIR
	}
	return 0
}

// mayHardlink tells whether c may hard-link the file st describes, as
// with fs.protected_hardlinks=1 (see mem).
func mayHardlink(c *mem.Cred, st *mem.Stat) bool {
	if ownerOrRoot(c, st) {
		return true
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Mode&unix.S_ISUID != 0 {
		return false
	}
	if st.Mode&(unix.S_ISGID|unix.S_IXGRP) == unix.S_ISGID|unix.S_IXGRP {
		return false
	}
	return permitted(c, st, mayRead|mayWrite)
}

// mayChown is the part of chown(2)'s checks (chown_common,
// setattr_prepare) that can be made before a copy-up: root may set
// anything; the owner may only "change" the owner to itself and the group
// to one it belongs to. mem makes the rest on the copy.
func mayChown(c *mem.Cred, st *mem.Stat, uid, gid int) unix.Errno {
	if isRoot(c) {
		return 0
	}
	if uid != -1 && !(st.Uid == c.Uid && uint32(uid) == st.Uid) {
		return unix.EPERM
	}
	if gid != -1 && !(st.Uid == c.Uid && (uint32(gid) == st.Gid || inGroup(c, uint32(gid)))) {
		return unix.EPERM
	}
	return 0
}

// validIDs tells whether uid and gid are IDs chown(2) accepts: -1 or a
// 32-bit ID other than (uid_t)-1.
func validIDs(uid, gid int) bool {
	return int64(uid) >= -1 && int64(uid) <= 0xfffffffe && int64(gid) >= -1 && int64(gid) <= 0xfffffffe
}
