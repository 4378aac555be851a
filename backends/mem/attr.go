// attr.go holds the operations that change an inode's attributes: Chmod,
// Chown, Lchown, Chtimes, Utimens, Touch and Truncate, their File forms
// (fchmod, fchown, futimens), and the kernel's setattr_prepare rules for
// who may do what. The path and File forms share one implementation that
// works on the inode.

package mem

import (
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Chmod sets the permission bits of the file name refers to (following
// symbolic links) and keeps its type. Only the owner (or root) may; the
// set-group-ID bit is dropped if the caller is not in the file's group.
func (fs *FS) Chmod(name string, mode os.FileMode) error {
	fs.t.mu.lockExact()
	defer fs.t.mu.Unlock()
	n, e := fs.lookup(name, true)
	if e == 0 {
		e = fs.setMode(n, -1, mode)
	}
	if e != 0 {
		return pathErr("chmod", name, e)
	}
	return nil
}

// setMode is chmod(2) on n. fd is a descriptor of n's data for when it has
// no memfd left, or -1. The caller holds the write lock.
func (fs *FS) setMode(n *inode, fd int, mode os.FileMode) unix.Errno {
	if !fs.cred.ownerOrRoot(n) {
		return unix.EPERM
	}
	m := linuxvfs.PermBits(mode)
	if !fs.cred.inGroupOrRoot(n.gid) {
		m &^= unix.S_ISGID
	}
	n.mode = n.typ() | m
	n.ctime = now()
	fs.t.mu.attrs(n)
	mirror(n, fd)
	n.settleMode(fd)
	return 0
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

func (fs *FS) chown(op, name string, uid, gid int, follow bool) error {
	if !validIDs(uid, gid) {
		return pathErr(op, name, unix.EINVAL)
	}
	fs.t.mu.lockExact()
	defer fs.t.mu.Unlock()
	n, e := fs.lookup(name, follow)
	if e == 0 {
		e = fs.setOwner(n, -1, uid, gid)
	}
	if e != 0 {
		return pathErr(op, name, e)
	}
	return nil
}

// validIDs tells whether uid and gid are IDs chown(2) accepts: -1 or a
// 32-bit ID other than (uid_t)-1.
func validIDs(uid, gid int) bool {
	return int64(uid) >= -1 && int64(uid) <= 0xfffffffe && int64(gid) >= -1 && int64(gid) <= 0xfffffffe
}

// setOwner is chown(2) on n, following chown_common and setattr_prepare:
// root may set anything; the owner may only "change" the owner to itself
// and the group to one it belongs to. A non-directory loses its
// set-user-ID bit, and its set-group-ID bit if group-executable, even when
// root changes nothing. fd is as for setMode. The caller holds the write
// lock and has checked the IDs with validIDs.
func (fs *FS) setOwner(n *inode, fd, uid, gid int) unix.Errno {
	c := &fs.cred
	fold(n, fd)
	newGid := n.gid
	if gid != -1 {
		newGid = uint32(gid)
	}
	if uid != -1 && !c.root() && !(n.uid == c.Uid && uint32(uid) == n.uid) {
		return unix.EPERM
	}
	if gid != -1 && !c.root() && !(n.uid == c.Uid && (newGid == n.gid || c.inGroup(newGid))) {
		return unix.EPERM
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
			return unix.EPERM
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
	fs.t.mu.attrs(n)
	mirror(n, fd)
	return 0
}

// Chtimes sets the access and modification times of the file name refers
// to, like os.Chtimes: a zero time.Time leaves that time unchanged.
func (fs *FS) Chtimes(name string, atime, mtime time.Time) error {
	return linuxvfs.Chtimes(fs.Utimens, name, atime, mtime)
}

// Utimens sets the access and modification times of name (following a
// final symbolic link if follow is set), as utimensat(2) with explicit
// times: nil leaves a time unchanged (UTIME_OMIT), and only the owner or
// root may (EPERM). Touch is utimensat(2) with UTIME_NOW for both.
func (fs *FS) Utimens(name string, atime, mtime *time.Time, follow bool) error {
	if atime == nil && mtime == nil {
		return nil // utimensat does not even look the path up
	}
	fs.t.mu.lockExact()
	defer fs.t.mu.Unlock()
	n, e := fs.lookup(name, follow)
	if e != 0 {
		return pathErr("utimens", name, e)
	}
	if err := fs.setTimes(n, -1, atime, mtime); err != nil {
		return pathErr("utimens", name, err)
	}
	return nil
}

// Touch sets the access and modification times of name (following a final
// symbolic link if follow is set) to the current time, as utimensat(2)
// with UTIME_NOW for both (or with no times): allowed to the owner, root
// and any user with write permission, EACCES for others.
func (fs *FS) Touch(name string, follow bool) error {
	fs.t.mu.lockExact()
	defer fs.t.mu.Unlock()
	n, e := fs.lookup(name, follow)
	if e != 0 {
		return pathErr("utimens", name, e)
	}
	if err := fs.touchNow(n, -1); err != nil {
		return pathErr("utimens", name, err)
	}
	return nil
}

// dataFD is the descriptor to change the times of n's data through: its
// memfd, or fd (a File's own descriptor, -1 if none) once the memfd is
// gone; -1 if n is not a regular file.
func dataFD(n *inode, fd int) int {
	switch {
	case !n.isReg():
		return -1
	case n.memfd >= 0:
		return n.memfd
	}
	return fd
}

// setTimes is utimensat(2) on n with explicit times (nil is UTIME_OMIT).
// fd is a descriptor of n's data for when it has no memfd left, or -1. The
// caller holds the write lock.
func (fs *FS) setTimes(n *inode, fd int, atime, mtime *time.Time) error {
	if atime == nil && mtime == nil {
		return nil
	}
	if !fs.cred.ownerOrRoot(n) {
		return unix.EPERM
	}
	if fd := dataFD(n, fd); fd >= 0 {
		if err := futimens(fd, atime, mtime); err != nil {
			return err
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

// touchNow is utimensat(2) on n with UTIME_NOW for both times (setattr's
// ATTR_TOUCH): the owner, root or a user with write permission may. fd is
// as for setTimes. The caller holds the write lock.
func (fs *FS) touchNow(n *inode, fd int) error {
	if !fs.cred.ownerOrRoot(n) && !fs.cred.permitted(n, mayWrite) {
		return unix.EACCES
	}
	if fd := dataFD(n, fd); fd >= 0 {
		ts := [2]unix.Timespec{{Nsec: unix.UTIME_NOW}, {Nsec: unix.UTIME_NOW}}
		if err := utimensat(fd, &ts); err != nil {
			return err
		}
	}
	t := now()
	n.atime, n.mtime, n.ctime = t, t, t
	return nil
}

// futimens sets the times of a descriptor; nil is UTIME_OMIT.
func futimens(fd int, atime, mtime *time.Time) error {
	ts := [2]unix.Timespec{{Nsec: unix.UTIME_OMIT}, {Nsec: unix.UTIME_OMIT}}
	if atime != nil {
		ts[0] = unix.Timespec{Sec: atime.Unix(), Nsec: int64(atime.Nanosecond())} // UnixNano overflows past 2262
	}
	if mtime != nil {
		ts[1] = unix.Timespec{Sec: mtime.Unix(), Nsec: int64(mtime.Nanosecond())}
	}
	return utimensat(fd, &ts)
}

// utimensat is utimensat(fd, NULL, ts, 0), which x/sys/unix has no
// wrapper for: it changes the times of the file fd refers to.
func utimensat(fd int, ts *[2]unix.Timespec) error {
	_, _, e := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// Chmod is fchmod(2): Chmod of the open file, which may have lost its last
// name, judged with the credentials of the view the File came from.
func (f *File) Chmod(mode os.FileMode) error {
	return f.setattr("chmod", func(n *inode, fd int) error {
		return errOrNil(f.fs.setMode(n, fd, mode))
	})
}

// Chown is fchown(2): Chown of the open file; -1 leaves an ID unchanged.
func (f *File) Chown(uid, gid int) error {
	if !validIDs(uid, gid) {
		return pathErr("chown", f.name, unix.EINVAL)
	}
	return f.setattr("chown", func(n *inode, fd int) error {
		return errOrNil(f.fs.setOwner(n, fd, uid, gid))
	})
}

// Utimens is futimens(2) with explicit times: Utimens of the open file.
// nil leaves a time unchanged; with both nil it does nothing at all, as
// the kernel does not even look at the descriptor then.
func (f *File) Utimens(atime, mtime *time.Time) error {
	if atime == nil && mtime == nil {
		return nil
	}
	return f.setattr("utimens", func(n *inode, fd int) error {
		return f.fs.setTimes(n, fd, atime, mtime)
	})
}

// Touch is futimens(2) with UTIME_NOW for both times: Touch of the open
// file.
func (f *File) Touch() error {
	return f.setattr("utimens", func(n *inode, fd int) error {
		return f.fs.touchNow(n, fd)
	})
}

// setattr runs set on the File's inode under the write lock, with the
// File's own descriptor of a regular file's data (-1 for a directory). It
// fails with os.ErrClosed once the File is closed.
func (f *File) setattr(op string, set func(n *inode, fd int) error) error {
	var err error
	do := func(fd int) {
		f.fs.t.mu.Lock()
		defer f.fs.t.mu.Unlock()
		err = set(f.node, fd)
	}
	if !f.regular {
		if err := f.checkOpen(op); err != nil {
			return err
		}
		do(-1)
	} else if err := f.withFd(op, do); err != nil {
		return err
	}
	if err != nil {
		return pathErr(op, f.name, err)
	}
	return nil
}

// errOrNil turns an errno into an error, nil for 0.
func errOrNil(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// Truncate sets the size of the regular file name refers to, as
// truncate(2): EISDIR for a directory, EINVAL for a negative size or
// another type, and the caller needs write permission.
func (fs *FS) Truncate(name string, size int64) error {
	if size < 0 {
		return pathErr("truncate", name, unix.EINVAL)
	}
	fs.t.mu.lockExact()
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
	fs.cred.dropPrivs(n, -1)
	return nil
}
