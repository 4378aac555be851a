package linuxvfs

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// Remover is what RemoveAll needs of a file system. D is its handle of a
// directory (an inode, a path): the walk works relative to it, as
// os.RemoveAll works relative to a descriptor.
type Remover[D any] interface {
	// Remove removes name as the file system's Remove does.
	Remove(name string) error
	// OpenParent opens the directory parent, with the caller's rights.
	OpenParent(parent string) (D, error)
	// UnlinkAt and RmdirAt remove name in dir, taking their own locks.
	UnlinkAt(dir D, name string) unix.Errno
	RmdirAt(dir D, name string) unix.Errno
	// ListAt opens name in dir as a directory, not following a final
	// symbolic link (O_DIRECTORY|O_NOFOLLOW), and reads its names:
	// openErr is the open's error, readErr the reading's.
	ListAt(dir D, name string) (sub D, names []string, openErr, readErr error)
}

// RemoveAll removes name and everything below it in fs with the algorithm
// of os.RemoveAll, so that it gives the same results: nil if name does not
// exist, EINVAL if it ends in "." (but not ".."), a final symbolic link
// removed rather than followed, a trailing slash ignored. It is not atomic:
// each name is removed with the caller's permissions.
func RemoveAll[D any](fs Remover[D], name string) error {
	if name == "" {
		return nil
	}
	if name == "." || len(name) >= 2 && name[len(name)-1] == '.' && name[len(name)-2] == '/' {
		return &os.PathError{Op: "RemoveAll", Path: name, Err: unix.EINVAL}
	}
	err := fs.Remove(name)
	if err == nil || os.IsNotExist(err) {
		return nil
	}
	parent, base := SplitPath(name)
	dir, err := fs.OpenParent(parent)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return removeAllFrom(fs, dir, base)
}

// removeAllFrom removes base, a name in the directory dir, and everything
// below it.
func removeAllFrom[D any](fs Remover[D], dir D, base string) error {
	e := fs.UnlinkAt(dir, base)
	if e == 0 || e == unix.ENOENT {
		return nil
	}
	// EISDIR: a directory to empty first; EPERM and EACCES: no right to
	// remove it, but perhaps a directory whose contents may go.
	if e != unix.EISDIR && e != unix.EPERM && e != unix.EACCES {
		return &os.PathError{Op: "unlinkat", Path: base, Err: e}
	}
	var recurseErr error
	sub, names, openErr, readErr := fs.ListAt(dir, base)
	switch {
	case errors.Is(openErr, unix.ENOENT):
		return nil
	case errors.Is(openErr, unix.ENOTDIR) || errors.Is(openErr, unix.ELOOP):
		return &os.PathError{Op: "unlinkat", Path: base, Err: e}
	case openErr != nil:
		recurseErr = &os.PathError{Op: "openfdat", Path: base, Err: ErrnoOf(openErr)}
	case readErr != nil:
		if errors.Is(readErr, unix.ENOENT) {
			return nil
		}
		return &os.PathError{Op: "readdirnames", Path: base, Err: ErrnoOf(readErr)}
	default:
		for _, name := range names {
			if err := removeAllFrom(fs, sub, name); err != nil && recurseErr == nil {
				recurseErr = err
			}
		}
	}
	e = fs.RmdirAt(dir, base)
	if e == 0 || e == unix.ENOENT {
		return nil
	}
	if recurseErr != nil {
		return recurseErr
	}
	return &os.PathError{Op: "unlinkat", Path: base, Err: e}
}
