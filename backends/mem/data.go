// data.go holds the way back from a kernel descriptor to the tree: the
// memfds of regular files are recorded by the kernel's identity of them,
// so that OpenData (and LinkData) can find the inode behind a descriptor
// that a process hands back.

package mem

import (
	"os"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// dataKey is the kernel's identity of a memfd: the st_dev and st_ino that
// fstat(2) gives for any descriptor of it, a reopen through /proc included.
type dataKey struct{ dev, ino uint64 }

// newMemfd creates the memfd of a new regular file and returns it with its
// identity.
func newMemfd() (int, dataKey, error) {
	fd, err := unix.MemfdCreate("zvfs-mem", unix.MFD_CLOEXEC)
	if err != nil {
		return -1, dataKey{}, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, dataKey{}, err
	}
	return fd, dataKey{st.Dev, st.Ino}, nil
}

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
	return &File{fs: fs, name: name, node: n, fd: dup, os: os.NewFile(uintptr(dup), name)}, nil
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

// OpenDataFile is OpenData as an afero.File, the form the vfs package takes
// from any backend whose files are kernel-backed.
func (fs *FS) OpenDataFile(fd int) (afero.File, error) {
	f, err := fs.OpenData(fd)
	if err != nil {
		return nil, err
	}
	return f, nil
}
