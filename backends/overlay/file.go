// file.go holds the Files of regular files (and other non-directories):
// upperFile, an upper mem.File under the name it was opened with, and
// lowerFile, an open file of a lower layer whose attribute changes copy
// it up.

package overlay

import (
	"os"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// upperFile is a File of the upper layer. Everything is mem.File's (Fd,
// Chmod, Chown, Utimens, Touch, Truncate...) but the name.
type upperFile struct {
	*mem.File
	name string
}

// wrapUpper gives an upper File the name it was opened with.
func wrapUpper(f afero.File, name string) afero.File {
	if mf, ok := f.(*mem.File); ok {
		return &upperFile{File: mf, name: name}
	}
	return f
}

func (f *upperFile) Name() string { return f.name }

// Stat is mem.File's Stat under the name the file was opened with.
func (f *upperFile) Stat() (os.FileInfo, error) {
	fi, err := f.File.Stat()
	if err != nil {
		return nil, err
	}
	st, _ := statOf(fi)
	return mem.FileInfo(linuxvfs.BaseName(f.name), st), nil
}

// lowerFile is an open file of a lower layer, or a descriptor of one
// handed back to OpenDataFile. Reads are the layer's (the kernel's, for a
// host file); it is open read-only, so writes fail as on any such
// descriptor. Chmod, Chown, Utimens and Touch act on the overlay file it
// was opened as, copying it up; the lower file is never changed.
type lowerFile struct {
	afero.File
	fs      *FS
	name    string
	path    string  // real path at the open
	key     dataKey // the kernel's identity of a regular file's data
	tracked bool    // key is in the data map (regular files)
}

func (f *lowerFile) Name() string { return f.name }

// Fd returns the layer file's own descriptor (a host descriptor for
// HostDir), valid until Close; ^uintptr(0) if it has none.
func (f *lowerFile) Fd() uintptr {
	if k, ok := f.File.(caps.Fder); ok {
		return k.Fd()
	}
	return ^uintptr(0)
}

// Stat returns the FileInfo of the overlay file the descriptor stands
// for: the lower file's until a copy-up, the upper copy's after. Once its
// overlay name is gone, it is the lower file's with a link count of 0.
func (f *lowerFile) Stat() (os.FileInfo, error) {
	if f.tracked {
		if st, ok := f.fs.trackedStat(f.key); ok {
			return mem.FileInfo(linuxvfs.BaseName(f.name), st), nil
		}
	}
	fi, err := f.File.Stat()
	if err != nil {
		return nil, err
	}
	st, _ := statOf(fi)
	if f.tracked {
		st.Nlink = 0
	}
	return mem.FileInfo(linuxvfs.BaseName(f.name), st), nil
}

// Chmod is fchmod(2): Chmod of the overlay file, judged with the
// credentials of the view the File came from.
func (f *lowerFile) Chmod(mode os.FileMode) error {
	return f.change(f.fs.chmodChange(mode))
}

// Chown is fchown(2); -1 leaves an ID unchanged.
func (f *lowerFile) Chown(uid, gid int) error {
	if !validIDs(uid, gid) {
		return pathErr("chown", f.name, unix.EINVAL)
	}
	return f.change(f.fs.chownChange(uid, gid))
}

// Utimens is futimens(2) with explicit times; nil leaves a time as it is.
func (f *lowerFile) Utimens(atime, mtime *time.Time) error {
	if atime == nil && mtime == nil {
		return nil
	}
	return f.change(f.fs.utimensChange(atime, mtime))
}

// Touch is futimens(2) with UTIME_NOW for both times.
func (f *lowerFile) Touch() error {
	return f.change(f.fs.touchChange())
}

// change applies c to the overlay file: through the data map for a
// regular file, by path for another type.
func (f *lowerFile) change(c change) error {
	if f.tracked {
		return f.fs.dataChange(f.name, f.key, c)
	}
	c.fromFd = true
	if err := f.fs.setattr(upath(f.path), c); err != nil {
		return pathErr(c.op, f.name, errnoOf(err))
	}
	return nil
}
