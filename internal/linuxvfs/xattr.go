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

// XattrList is a listxattr(2) answer: each name followed by a NUL.
func XattrList(names []string) []byte {
	var b []byte
	for _, n := range names {
		b = append(append(b, n...), 0)
	}
	return b
}

// XattrFit is what getxattr(2) and listxattr(2) say of an answer of n
// bytes for a buffer of size bytes: 0 if it fits, or if size is 0 (which
// asks for n); E2BIG if n is past limit, which no buffer can hold; else
// ERANGE.
func XattrFit(n int, size uint64, limit int) unix.Errno {
	switch {
	case size == 0:
		return 0
	case n > limit:
		return unix.E2BIG
	case uint64(n) > size:
		return unix.ERANGE
	}
	return 0
}
