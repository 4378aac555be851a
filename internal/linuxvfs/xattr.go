// This file holds the rules of extended attributes that a file system
// checks before it looks at its own: names, namespaces, sizes and who may
// read or change what (the kernel's xattr_permission, with tmpfs's
// handlers: the user, trusted and security namespaces).

package linuxvfs

import (
	"strings"

	"golang.org/x/sys/unix"
)

// Limits of extended attributes.
const (
	XattrNameMax = 255      // XATTR_NAME_MAX
	XattrSizeMax = 64 << 10 // XATTR_SIZE_MAX: one value
	XattrListMax = 64 << 10 // XATTR_LIST_MAX: a listing
	XattrCreate  = 0x1      // XATTR_CREATE: fail if it exists
	XattrReplace = 0x2      // XATTR_REPLACE: fail if it does not
	xattrFlags   = XattrCreate | XattrReplace
)

// CheckXattrName rejects a name the kernel refuses before any file system
// sees it (empty or too long: ERANGE), one of a namespace tmpfs does not
// keep (EOPNOTSUPP), and a namespace prefix alone (EINVAL).
func CheckXattrName(name string) unix.Errno {
	if name == "" || len(name) > XattrNameMax {
		return unix.ERANGE
	}
	for _, ns := range []string{"user.", "trusted.", "security."} {
		if strings.HasPrefix(name, ns) {
			if len(name) == len(ns) {
				return unix.EINVAL
			}
			return 0
		}
	}
	return unix.EOPNOTSUPP
}

// CheckXattrSet rejects what setxattr refuses whatever the file: a bad
// name (CheckXattrName), unknown flags (EINVAL), a value over XattrSizeMax
// (E2BIG).
func CheckXattrSet(name string, size, flags int) unix.Errno {
	if e := CheckXattrName(name); e != 0 {
		return e
	}
	switch {
	case flags&^xattrFlags != 0:
		return unix.EINVAL
	case size > XattrSizeMax:
		return unix.E2BIG
	}
	return 0
}

// XattrPermission is xattr_permission (and the capability checks of
// security.*) for w, on a file of the given mode and owner: write says
// whether the attribute is to be set or removed, else read. root stands
// for CAP_SYS_ADMIN, CAP_FOWNER and CAP_DAC_OVERRIDE.
func (w Who) XattrPermission(mode, uid, gid uint32, name string, write bool) unix.Errno {
	root := w.Uid == 0
	denied := unix.ENODATA // a read of what one may not read is "no such attribute"
	if write {
		denied = unix.EPERM
	}
	switch {
	case strings.HasPrefix(name, "trusted."):
		if !root {
			return denied
		}
		return 0
	case strings.HasPrefix(name, "security."):
		if write && !root {
			return unix.EPERM
		}
		return 0
	}
	// user.*: only regular files and directories hold them; in a sticky
	// directory, only its owner may change them.
	typ := mode & unix.S_IFMT
	if typ != unix.S_IFREG && typ != unix.S_IFDIR {
		return denied
	}
	if write && typ == unix.S_IFDIR && mode&unix.S_ISVTX != 0 && !root && uid != w.Uid {
		return unix.EPERM
	}
	mask := uint32(MayRead)
	if write {
		mask = MayWrite
	}
	if !w.Permitted(mode, uid, gid, mask) {
		return unix.EACCES
	}
	return 0
}

// XattrListed says whether w sees name in a listing: trusted.* only root.
func (w Who) XattrListed(name string) bool {
	return w.Uid == 0 || !strings.HasPrefix(name, "trusted.")
}
