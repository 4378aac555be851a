// Package linuxvfs holds what the in-memory file systems of zvfs
// (backends/mem and backends/overlay) must do exactly as the Linux VFS
// does, whatever their nodes are: the limits of a lookup, the checks the
// kernel's getname makes on a path, the kinds of a path's last component,
// the path walk itself (Walker: ".", "..", repeated and trailing slashes,
// search permission, symbolic links, and the kernel's ENOENT, ENOTDIR,
// ENAMETOOLONG, ELOOP and EEXIST answers), and the conversions between
// st_mode bits and os.FileMode; also the permission test
// (generic_permission), the access an open asks for, the position of a
// directory listed in name order, and os.RemoveAll's way of splitting a path.
package linuxvfs

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Limits of the Linux VFS.
const (
	NameMax     = 255  // longest component
	PathMax     = 4096 // longest path a program passes, counting the terminating NUL
	MaxSymlinks = 40   // symbolic links followed in one lookup
	// MaxLookup bounds a path a file system is asked to look up. The
	// kernel's PATH_MAX bounds what a program passes; a name relative to
	// a working directory reaches deeper, and a file system behind zvfs is
	// given the two joined.
	MaxLookup = 2 * PathMax
)

// CheckPath rejects what can name no file: an empty path, one with a NUL
// (which cannot be passed to the kernel at all; Go's os package answers
// EINVAL, and so does this), and one of MaxLookup bytes or more.
func CheckPath(p string) unix.Errno { return check(p, MaxLookup) }

// CheckTarget rejects what symlink(2) rejects as a link's content, and
// getname as a path a program passes: empty, a NUL, PathMax bytes or more.
func CheckTarget(p string) unix.Errno { return check(p, PathMax) }

func check(p string, limit int) unix.Errno {
	switch {
	case p == "":
		return unix.ENOENT
	case len(p) >= limit:
		return unix.ENAMETOOLONG
	case strings.IndexByte(p, 0) >= 0:
		return unix.EINVAL
	}
	return 0
}

// LastType is the kind of the last component of a path, as in the kernel.
type LastType int

const (
	LastNorm   LastType = iota // a name
	LastRoot                   // no component at all: "/"
	LastDot                    // "."
	LastDotDot                 // ".."
)

// TypeOf is the kind of the component comp.
func TypeOf(comp string) LastType {
	switch comp {
	case ".":
		return LastDot
	case "..":
		return LastDotDot
	}
	return LastNorm
}

// BaseName is the name os.Stat would give a file reached by path p.
func BaseName(p string) string {
	for len(p) > 1 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			if i == len(p)-1 {
				return "/"
			}
			return p[i+1:]
		}
	}
	return p
}

// ErrnoOf finds the errno behind an error of the kernel, of a backend (an
// *os.PathError wrapping an errno) or of any afero.Fs (fs.ErrNotExist and
// the like); EIO if there is none.
func ErrnoOf(err error) unix.Errno {
	// The usual shapes first: errors.As walks the chain by reflection,
	// and a lookup that misses asks this on every call.
	switch err := err.(type) {
	case nil:
		return 0
	case unix.Errno:
		return err
	case *os.PathError:
		if e, ok := err.Err.(unix.Errno); ok {
			return e
		}
	case *os.LinkError:
		if e, ok := err.Err.(unix.Errno); ok {
			return e
		}
	}
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return unix.ENOENT
	case errors.Is(err, fs.ErrExist):
		return unix.EEXIST
	case errors.Is(err, fs.ErrPermission):
		return unix.EACCES
	case errors.Is(err, fs.ErrClosed):
		return unix.EBADF
	case errors.Is(err, fs.ErrInvalid):
		return unix.EINVAL
	}
	return unix.EIO
}
