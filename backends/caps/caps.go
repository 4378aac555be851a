// Package caps names the capabilities a backend may have beyond afero's
// interfaces: the calls of the kernel's file systems that afero.Fs and
// afero.File leave out (hard links, lchown, renameat2's flags, utimensat's
// "now" and no-follow, listings with inode numbers...). Package vfs and
// package fusefs ask a backend for them by these names, and fall back to
// afero's calls (or an error) when it has none; the backends (mem,
// overlay) assert at compile time that they have them. One small
// interface per capability, as go-fuse's fs package and afero do.
package caps

import (
	"os"
	"time"
)

// Dirent is a directory entry as getdents(2) reports it.
type Dirent struct {
	Name string
	Ino  uint64
	Type uint8 // DT_DIR, DT_REG, DT_LNK...
}

// Direnter is an open directory that lists its entries sorted by name,
// without "." and "..", with inode numbers and types and no stat of each.
// The slice may be the backend's own: callers do not change it.
type Direnter interface {
	Dirents() ([]Dirent, error)
}

// Linker makes hard links (link(2)).
type Linker interface {
	Link(oldname, newname string) error
}

// DataLinker names a file it knows only by a descriptor it handed out:
// linkat(fd, "", dir, name, AT_EMPTY_PATH), as for O_TMPFILE.
type DataLinker interface {
	LinkData(fd int, newname string) error
}

// Unlinker removes a name the way unlink(2) and rmdir(2) do, each refusing
// the other's kind of file (afero's Remove takes either).
type Unlinker interface {
	Unlink(name string) error
	Rmdir(name string) error
}

// FlagRenamer renames with renameat2(2)'s flags (RENAME_NOREPLACE,
// RENAME_EXCHANGE).
type FlagRenamer interface {
	RenameFlags(oldname, newname string, flags uint) error
}

// Lchowner changes the owner of a name without following a final
// symbolic link.
type Lchowner interface {
	Lchown(name string, uid, gid int) error
}

// Truncater truncates a file by name (truncate(2)).
type Truncater interface {
	Truncate(name string, size int64) error
}

// Toucher sets a name's times to now (utimensat with UTIME_NOW for both),
// which needs only write permission; follow says whether a final symbolic
// link is followed.
type Toucher interface {
	Touch(name string, follow bool) error
}

// Utimenser sets a name's times; a nil time is left as it is (UTIME_OMIT).
type Utimenser interface {
	Utimens(name string, atime, mtime *time.Time, follow bool) error
}

// StatFSer reports the file system's size for statfs(2): blocks of 4 KiB
// in all and free, and inodes in all and free.
type StatFSer interface {
	StatFS() (blocks, bfree, files, ffree uint64)
}

// FileChmoder changes the mode of an open file (fchmod(2)).
type FileChmoder interface {
	Chmod(mode os.FileMode) error
}

// FileChowner changes the owner of an open file (fchown(2)).
type FileChowner interface {
	Chown(uid, gid int) error
}

// FileToucher sets an open file's times to now (futimens with UTIME_NOW).
type FileToucher interface {
	Touch() error
}

// FileUtimenser sets an open file's times; a nil time is left as it is.
type FileUtimenser interface {
	Utimens(atime, mtime *time.Time) error
}

// Fder is an open file backed by a kernel descriptor (its Fd is not
// ^uintptr(0)): the kernel can do its reads and writes itself.
type Fder interface {
	Fd() uintptr
}
