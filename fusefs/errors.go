// errors.go turns backend errors into the errno FUSE answers, and wraps
// the errors of this package with the operation and path.

package fusefs

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/zvfs/zvfs/internal/linuxvfs"
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

// errnoOf is linuxvfs.ErrnoOf.
func errnoOf(err error) syscall.Errno { return linuxvfs.ErrnoOf(err) }
