// data.go holds the way back from a kernel descriptor to the tree: the
// memfds of regular files are recorded by the kernel's identity of them,
// so that OpenData (and LinkData) can find the inode behind a descriptor
// that a process hands back.

package mem

import (
	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// dataKey is the kernel's identity of a memfd: the st_dev and st_ino that
// fstat(2) gives for any descriptor of it, a reopen through /proc included.
type dataKey struct{ dev, ino uint64 }

// OpenData returns a File for the regular file whose data fd is a
// descriptor of: a duplicate of a descriptor from MemFD or File.Fd, or a
// reopen of one through /proc, however it reached the caller. The file may
// have been renamed since, or have lost its last name (its Stat then
// reports Nlink 0, and its size and times come from fd).
//
// The File keeps a duplicate of fd (F_DUPFD_CLOEXEC), never fd itself, and
// Close releases only that. The duplicate shares fd's open file
// description: its access mode decides what Read, Write and Truncate may
// do, and its offset moves with theirs. Stat, Chmod, Chown, Utimens and
// Touch act on the inode as fstat(2), fchmod(2), fchown(2) and futimens(2)
// would, with the credentials of fs (which may be a view made by As).
// Name returns "/proc/self/fd/N" for the fd given.
//
// A descriptor of anything but one of this tree's memfds gives an error
// wrapping EBADF, as does an invalid one.
func (fs *FS) OpenData(fd int) (*File, error) {
	name := linuxvfs.ProcFD(fd)
	dup, key, err := dataDup(fd)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	fs.t.mu.RLock()
	n := fs.t.data[key]
	fs.t.mu.RUnlock()
	if n == nil {
		unix.Close(dup)
		return nil, pathErr("open", name, unix.EBADF)
	}
	return fs.regular(name, n, dup, -1), nil
}

// HoldsData tells whether the data map still holds the data dev, ino: an
// inode with a name, or one whose memfd a process may still hold (see
// orphans.go) (caps.DataHolder).
func (fs *FS) HoldsData(dev, ino uint64) bool {
	fs.t.mu.RLock()
	defer fs.t.mu.RUnlock()
	return fs.t.data[dataKey{dev, ino}] != nil
}

// dataDup duplicates fd (F_DUPFD_CLOEXEC), so that it cannot be closed and
// reused under the caller, and returns the duplicate with the key of the
// data map it would be found under: the zero key, found under no inode, if
// it is not a regular file.
func dataDup(fd int) (int, dataKey, error) {
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return -1, dataKey{}, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(dup, &st); err != nil {
		unix.Close(dup)
		return -1, dataKey{}, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return dup, dataKey{}, nil
	}
	return dup, dataKey{st.Dev, st.Ino}, nil
}

// StatData is OpenData followed by Stat, without making a File: the stat
// of the regular file whose data descriptor fd is (see OpenData). ok is
// false if fd is not one of this tree's.
func (fs *FS) StatData(fd int) (st Stat, ok bool) {
	var ks unix.Stat_t
	if unix.Fstat(fd, &ks) != nil || ks.Mode&unix.S_IFMT != unix.S_IFREG {
		return Stat{}, false
	}
	fs.t.mu.RLock()
	defer fs.t.mu.RUnlock()
	n := fs.t.data[dataKey{ks.Dev, ks.Ino}]
	if n == nil {
		return Stat{}, false
	}
	return fs.t.stat(n, fd), true
}

// ReopenData opens again the regular file fd is a descriptor of, with flag,
// as an open of /proc/self/fd/N does (the kernel's magic link): access is
// checked on the file alone, for the credentials of fs (no directory is
// searched), O_TRUNC truncates it (taking set-ID bits from a user's file
// as a truncation does), and the File has a descriptor of its own, with
// flag's access mode and status flags. O_PATH checks nothing. A
// descriptor of anything but one of this tree's files gives EBADF; a file
// with no name left (unlinked, or O_TMPFILE) opens as well.
func (fs *FS) ReopenData(fd, flag int) (afero.File, error) {
	name := linuxvfs.ProcFD(fd)
	dup, key, err := dataDup(fd)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	defer unix.Close(dup)
	trunc := flag&unix.O_TRUNC != 0 && flag&unix.O_PATH == 0
	if trunc && !fs.cred.root() { // may take set-ID bits away
		fs.t.mu.Lock()
		defer fs.t.mu.Unlock()
	} else {
		fs.t.mu.RLock()
		defer fs.t.mu.RUnlock()
	}
	n := fs.t.data[key]
	if n == nil {
		return nil, pathErr("open", name, unix.EBADF)
	}
	e := fs.mayOpen(n, dup, flag&^(unix.O_CREAT|unix.O_EXCL), false)
	if flag&unix.O_PATH != 0 && flag&unix.O_DIRECTORY == 0 {
		e = 0 // O_PATH asks for no access
	}
	if e != 0 {
		return nil, pathErr("open", name, e)
	}
	// The source: the file's memfd (read-write), or for a file with no
	// name the caller's descriptor of it.
	src := n.memfd
	if src < 0 {
		src = dup
	}
	if trunc {
		if n.memfd < 0 {
			// The caller's descriptor may be read-only: truncate
			// through a read-write one of the same file.
			rw, err := linuxvfs.Reopen(dup, unix.O_RDWR)
			if err != nil {
				return nil, pathErr("open", name, err)
			}
			defer unix.Close(rw)
			src = rw
		}
		if err := ftruncate(src, 0); err != nil {
			return nil, pathErr("open", name, err)
		}
		data := -1 // the memfd, which dropPrivs finds itself
		if n.memfd < 0 {
			data = src
		}
		fs.cred.dropPrivs(n, data)
	}
	nfd, err := reopen(src, flag)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	return fs.regular(name, n, nfd, flag), nil
}

// OpenDataFile is OpenData for the length of a call (caps.DataOpener):
// the File uses fd itself, which the caller keeps open until it has
// closed the File, and its Close leaves fd open. It asks the kernel
// nothing where OpenData makes four system calls. dev and ino are fd's, as
// fstat(2) gave them to the caller.
func (fs *FS) OpenDataFile(fd int, dev, ino uint64) (afero.File, error) {
	name := linuxvfs.ProcFD(fd)
	fs.t.mu.RLock()
	n := fs.t.data[dataKey{dev, ino}]
	fs.t.mu.RUnlock()
	if n == nil {
		return nil, pathErr("open", name, unix.EBADF)
	}
	return fs.borrowedRegular(name, n, fd), nil
}
