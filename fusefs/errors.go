// errors.go turns backend errors into the errno FUSE answers, and wraps
// the errors of this package with the operation and path.

package fusefs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// opError is e wrapped with op and path, or nil for no errno.
func opError(op, path string, e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return &os.PathError{Op: op, Path: path, Err: e}
}

// wrap adds op and path to a backend error that lacks them.
func wrap(op, path string, err error) error {
	if err == nil {
		return nil
	}
	var pe *os.PathError
	var le *os.LinkError
	if errors.As(err, &pe) || errors.As(err, &le) {
		return err
	}
	return fmt.Errorf("%s %s: %w", op, path, err)
}

// errnoOf finds the errno behind err; backends wrap theirs in
// *os.PathError or *os.LinkError.
func errnoOf(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return syscall.ENOENT
	case errors.Is(err, fs.ErrExist):
		return syscall.EEXIST
	case errors.Is(err, fs.ErrPermission):
		return syscall.EACCES
	case errors.Is(err, fs.ErrClosed):
		return syscall.EBADF
	case errors.Is(err, fs.ErrInvalid):
		return syscall.EINVAL
	}
	return syscall.EIO
}
