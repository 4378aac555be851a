// attr.go holds the operations that change an inode's attributes: Chmod,
// Chown, Lchown, Chtimes, Utimens and Truncate, with the kernel's
// setattr_prepare rules for who may do what.

package mem

import (
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Chmod sets the permission bits of the file name refers to (following
// symbolic links) and keeps its type. Only the owner (or root) may; the
// set-group-ID bit is dropped if the caller is not in the file's group.
func (fs *FS) Chmod(name string, mode os.FileMode) error {
	fs.t.mu.Lock()
	defer fs.t.mu.Unlock()
	n, e := fs.lookup(name, true)
	if e == 0 && !fs.cred.ownerOrRoot(n) {
		e = unix.EPERM
	}
	if e != 0 {
		return pathErr("chmod", name, e)
	}
	m := modeBits(mode)
	if !fs.cred.inGroupOrRoot(n.gid) {
		m &^= unix.S_ISGID
	}
	n.mode = n.typ() | m
	n.ctime = now()
	return nil
}

// Chown sets the owner and group of the file name refers to, following
// symbolic links; -1 leaves one unchanged.
func (fs *FS) Chown(name string, uid, gid int) error {
	return fs.chown("chown", name, uid, gid, true)
}

// Lchown is Chown on a symbolic link itself.
func (fs *FS) Lchown(name string, uid, gid int) error {
	return fs.chown("lchown", name, uid, gid, false)
}

// chown follows chown_common and setattr_prepare: root may set anything;
// the owner may only "change" the owner to itself and the group to one it
// belongs to. A non-directory loses its set-user-ID bit, and its
// set-group-ID bit if group-executable, even when root changes nothing.
func (fs *FS) chown(op, name string, uid, gid int, follow bool) error {
	if int64(uid) < -1 || int64(uid) > 0xfffffffe || int64(gid) < -1 || int64(gid) > 0xfffffffe {
		return pathErr(op, name, unix.EINVAL)
	}
	fs.t.mu.Lock()
	defer fs.t.mu.Unlock()
	n, e := fs.lookup(name, follow)
	if e != 0 {
		return pathErr(op, name, e)
	}
	c := &fs.cred
	newGid := n.gid
	if gid != -1 {
		newGid = uint32(gid)
	}
	if uid != -1 && !c.root() && !(n.uid == c.Uid && uint32(uid) == n.uid) {
		return pathErr(op, name, unix.EPERM)
	}
	if gid != -1 && !c.root() && !(n.uid == c.Uid && (newGid == n.gid || c.inGroup(newGid))) {
		return pathErr(op, name, unix.EPERM)
	}
	mode := n.mode
	if !n.isDir() {
		mode &^= unix.S_ISUID
		if n.mode&unix.S_ISGID != 0 && (n.mode&unix.S_IXGRP != 0 || !c.inGroupOrRoot(n.gid)) {
			mode &^= unix.S_ISGID
		}
	}
	if mode != n.mode {
		// The kernel turns the dropped bits into a chmod, with its check.
		if !c.ownerOrRoot(n) {
			return pathErr(op, name, unix.EPERM)
		}
		if !c.inGroupOrRoot(newGid) {
			mode &^= unix.S_ISGID
		}
	}
	if uid != -1 {
		n.uid = uint32(uid)
	}
	n.gid = newGid
	n.mode = mode
	n.ctime = now()
	return nil
}

// Chtimes sets the access and modification times of the file name refers
// to, like os.Chtimes: a zero time.Time leaves that time unchanged.
func (fs *FS) Chtimes(name string, atime, mtime time.Time) error {
	var a, m *time.Time
	if !atime.IsZero() {
		a = &atime
	}
	if !mtime.IsZero() {
		m = &mtime
	}
	if err := fs.Utimens(name, a, m, true); err != nil {
		err.(*os.PathError).Op = "chtimes"
		return err
	}
	return nil
}

// Utimens sets the access and modification times of name (following a
// final symbolic link if follow is set), as utimensat(2) with explicit
// times: nil leaves a time unchanged (UTIME_OMIT), and only the owner or
// root may. Setting the current time is the caller's business (pass
// time.Now()); note that utimensat(UTIME_NOW) would also allow any user
// with write permission, which this does not.
func (fs *FS) Utimens(name string, atime, mtime *time.Time, follow bool) error {
	if atime == nil && mtime == nil {
		return nil // utimensat does not even look the path up
	}
	fs.t.mu.Lock()
	defer fs.t.mu.Unlock()
	n, e := fs.lookup(name, follow)
	if e == 0 && !fs.cred.ownerOrRoot(n) {
		e = unix.EPERM
	}
	if e != 0 {
		return pathErr("utimens", name, e)
	}
	if n.isReg() && n.memfd >= 0 {
		if err := futimens(n.memfd, atime, mtime); err != nil {
			return pathErr("utimens", name, err)
		}
	}
	if atime != nil {
		n.atime = *atime
	}
	if mtime != nil {
		n.mtime = *mtime
	}
	n.ctime = now()
	return nil
}

// futimens sets the times of a descriptor; nil is UTIME_OMIT.
func futimens(fd int, atime, mtime *time.Time) error {
	ts := [2]unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_OMIT}}
	if atime != nil {
		ts[0] = unix.NsecToTimespec(atime.UnixNano())
	}
	if mtime != nil {
		ts[1] = unix.NsecToTimespec(mtime.UnixNano())
	}
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// Truncate sets the size of the regular file name refers to, as
// truncate(2): EISDIR for a directory, EINVAL for a negative size or
// another type, and the caller needs write permission.
func (fs *FS) Truncate(name string, size int64) error {
	if size < 0 {
		return pathErr("truncate", name, unix.EINVAL)
	}
	fs.t.mu.Lock()
	defer fs.t.mu.Unlock()
	n, e := fs.lookup(name, true)
	if e == 0 {
		e = regular(n)
	}
	if e == 0 && !fs.cred.permitted(n, mayWrite) {
		e = unix.EACCES
	}
	if e != 0 {
		return pathErr("truncate", name, e)
	}
	var ks unix.Stat_t
	if err := unix.Fstat(n.memfd, &ks); err != nil || ks.Size != size {
		// tmpfs changes no time when the size stays.
		if err := ftruncate(n.memfd, size); err != nil {
			return pathErr("truncate", name, err)
		}
	}
	fs.cred.dropPrivs(n)
	return nil
}
