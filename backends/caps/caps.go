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
	"syscall"
	"time"

	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Stat is what a backend's os.FileInfo.Sys returns: the fields of struct
// stat as the kernel would fill them (mem and overlay give one).
type Stat struct {
	Dev     uint64    // the same for every file of one FS
	Ino     uint64    // inode number, unique within the FS
	Nlink   uint64    // hard links: files 1 + links, directories 2 + subdirectories
	Mode    uint32    // st_mode: S_IFMT type bits and permission bits
	Uid     uint32    // owner
	Gid     uint32    // group
	Rdev    uint64    // a device's number; 0 for other files
	Size    int64     // bytes; target length for symlinks; 40 + 20 per entry for directories (tmpfs's)
	Blksize int64     // preferred I/O size, 4096
	Blocks  int64     // 512-byte blocks allocated
	Atime   time.Time // last access
	Mtime   time.Time // last modification of the data
	Ctime   time.Time // last change of the inode
}

// Dirent is a directory entry as getdents(2) reports it.
type Dirent struct {
	Name string
	Ino  uint64
	// Dev is the device Ino is numbered on, as stat gives it for the same
	// file: a backend's files may come from several (an overlay's layers).
	Dev  uint64
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

// Mknoder makes special files (mknod(2)): mode holds the type (S_IFIFO,
// S_IFCHR, S_IFBLK, S_IFSOCK) and the permission bits, dev a device's
// number.
type Mknoder interface {
	Mknod(name string, mode uint32, dev uint64) error
}

// Xattrer keeps extended attributes (setxattr(2) and the rest): name's
// own, or its symbolic link's target's with follow. flags are XATTR_CREATE
// and XATTR_REPLACE; ListXattr gives the names the user may see.
type Xattrer interface {
	SetXattr(name, attr string, value []byte, flags int, follow bool) error
	GetXattr(name, attr string, follow bool) ([]byte, error)
	ListXattr(name string, follow bool) ([]string, error)
	RemoveXattr(name, attr string, follow bool) error
}

// FileXattrer keeps the extended attributes of an open file's inode
// (fsetxattr(2) and the rest).
type FileXattrer interface {
	SetXattr(attr string, value []byte, flags int) error
	GetXattr(attr string) ([]byte, error)
	ListXattr() ([]string, error)
	RemoveXattr(attr string) error
}

// Pather gives the current path of an open directory, wherever renames
// took it (ENOENT once removed), so that names relative to it are looked
// up where it is, as the kernel looks them up from the directory itself.
type Pather interface {
	Path() (string, error)
}

// HostNodeDirer names the host directory of a file system's host nodes
// ("" if it has none yet): the path getsockname gives for a socket bound in
// it is there, and a connect to such a path goes to the host.
type HostNodeDirer interface {
	HostNodes() string
}

// HostNoder gives the host node that the opens of a special file (a FIFO,
// a device; name not followed if a symbolic link) must reach, so that the
// kernel does them: with a FIFO's blocking opens, or a device's driver; for
// a socket file, the host path a socket serving it is bound to. The caller
// has checked the opener's permission on the file.
type HostNoder interface {
	HostNode(name string) (string, error)
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

// MetaStater describes a file as Lstat would, with the same errors, but
// for what only a regular file's data tells: its size and blocks may be
// zero, its times and set-ID bits as the file system last set them rather
// than as writes through descriptors moved them. Cheaper than Lstat where
// those are a kernel descriptor's to tell (a mem file's memfd); a path
// walk, a permission check or an entry that says "ask" need no more.
type MetaStater interface {
	LstatMeta(name string) (Stat, error)
}

// TypeStater tells the type of a file (the S_IFMT bits of its mode) as
// Lstat would, with the same errors, and nothing else: what a path walk
// asks of each directory it goes through. Cheaper than LstatMeta where
// the rest takes more work (an overlay's directory of the upper layer,
// whose times and link count it asks that layer for again).
type TypeStater interface {
	LstatType(name string) (uint32, error)
}

// DataSource is how to open a regular file without the file system's help:
// reopen Fd, a descriptor of the supervisor (through /proc/PID/fd/Fd), or
// open the host file Host. Dev and Ino are what fstat(2) of such an open
// gives, so that the opener can check it reached the file it meant.
type DataSource struct {
	Fd       int // -1 when Host is set
	Host     string
	Dev, Ino uint64
}

// ModeXattr is the user extended attribute of a file's data (a
// DataSource's Fd) in which a process that has the file open for writing
// leaves the permission bits a fchmod gave it, without asking the file
// system (the stub's answer to tar's fchmod of each file it writes). Its
// value is 4 bytes, the bits little-endian, set-ID bits excluded. A
// backend whose DataSource has an Fd reads it back as the file's mode
// for as long as the file may have such a writer, and puts its own bits
// in it, where it has one, when it sets the mode itself (a reader that
// found the file's entry of before that change must not find it gone).
// Only who may write the data's inode (its owner, the supervisor's user,
// or root) can set it.
const ModeXattr = "user.zvfs.mode"

// DataSourcer tells how a process may open the regular file name by itself
// (a final symbolic link is not followed); false for anything else.
type DataSourcer interface {
	DataSource(name string) (DataSource, bool)
}

// SourceStater describes name and tells how to open it with one lookup:
// what the namespace view's publisher asks of every regular file it
// describes, where Lstat (or LstatMeta, with meta) and DataSource would
// each walk the path. st and err are Lstat's (LstatMeta's); src and ok
// are DataSource's.
type SourceStater interface {
	LstatSource(name string, meta bool) (st Stat, src DataSource, ok bool, err error)
}

// DataOpener has regular files backed by kernel descriptors, and finds the
// file behind a descriptor it handed out (File.Fd), for fstat, fchmod and
// the like within one call: the File may use fd itself, so the caller
// keeps fd open until it has closed the File (whose Close leaves fd open).
// dev and ino are what fstat(2) of fd gave the caller, a regular file's.
type DataOpener interface {
	OpenDataFile(fd int, dev, ino uint64) (afero.File, error)
}

// DataReopener opens again the file behind such a descriptor, as an open
// of /proc/self/fd/N does: access checked on the file alone, for the view's
// credentials, and a kernel-backed File of its own.
type DataReopener interface {
	ReopenData(fd, flag int) (afero.File, error)
}

// DataPather names the file behind such a descriptor, known by the device
// and inode its fstat gives, where the backend follows it by name (an
// overlay's lower file, whose descriptor keeps the lower file's identity
// after a copy-up): its path from the file system's root, without the
// leading slash.
type DataPather interface {
	DataPath(dev, ino uint64) (string, bool)
}

// DataHolder tells whether the backend still has the data known by the
// identity dev, ino that fstat(2) of a descriptor it handed out gave: a
// file's with a name, or one a process may still hold a descriptor of. Once
// it has not, nothing can change that data or give it a name again.
type DataHolder interface {
	HoldsData(dev, ino uint64) bool
}

// DataStater gives the stat of the file behind such a descriptor without
// opening it (the fstat fast path).
type DataStater interface {
	StatData(fd int) (Stat, bool)
}

// Fder is an open file backed by a kernel descriptor (its Fd is not
// ^uintptr(0)): the kernel can do its reads and writes itself.
type Fder interface {
	Fd() uintptr
}

// DataFder is an open regular file whose kernel descriptor holds the
// file's data itself for as long as the file exists (a mem file's memfd),
// so that other opens of the same file may read and write through it too
// (FUSE passthrough). An overlay's lower file is not one: its first writer
// gets a copy.
type DataFder interface {
	DataFd() (int, bool)
}

// DataIDer is an open regular file that knows the kernel's identity of
// its data, what fstat(2) of its descriptor gives as st_dev and st_ino,
// without asking the kernel; ok is false for any other file.
type DataIDer interface {
	DataID() (dev, ino uint64, ok bool)
}

// Viewer has a view of itself per user (w's IDs and groups): a view
// checks permissions as the kernel would for a process with them and no
// capabilities, and owns what it creates by them. Uid 0 needs no view: the
// file system itself acts as root.
type Viewer interface {
	As(w linuxvfs.Who) afero.Fs
}

// FS is a file system with every capability above afero.Fs's; mem and
// overlay are.
type FS interface {
	afero.Fs
	Viewer
	Linker
	Mknoder
	HostNoder
	Xattrer
	DataLinker
	Unlinker
	FlagRenamer
	Lchowner
	Truncater
	Toucher
	Utimenser
	StatFSer
	DataSourcer
	SourceStater
	DataOpener
	DataReopener
	DataStater
}

// File is an open file with every capability above afero.File's but a
// listing (Direnter: directories only).
type File interface {
	afero.File
	FileChmoder
	FileChowner
	FileToucher
	FileUtimenser
	FileXattrer
	Fder
}

// StatOf describes fi, a file of a backend, as the kernel's struct stat
// would: from the caps.Stat of this package's backends or the
// syscall.Stat_t of a host file as they are; for a backend that has neither
// (afero's own), from fi's mode, size and time, with the device and inode
// number fallback gives, one link (two for a directory) and root's
// ownership.
func StatOf(fi os.FileInfo, fallback func() (dev, ino uint64)) Stat {
	switch st := fi.Sys().(type) {
	case *Stat:
		return *st
	case *syscall.Stat_t:
		return Stat{Dev: st.Dev, Ino: st.Ino, Nlink: st.Nlink, Mode: st.Mode, Uid: st.Uid, Gid: st.Gid,
			Rdev: st.Rdev, Size: st.Size, Blksize: st.Blksize, Blocks: st.Blocks, Atime: time.Unix(st.Atim.Unix()),
			Mtime: time.Unix(st.Mtim.Unix()), Ctime: time.Unix(st.Ctim.Unix())}
	}
	dev, ino := fallback()
	t := fi.ModTime()
	st := Stat{Dev: dev, Ino: ino, Nlink: 1, Mode: linuxvfs.Mode(fi.Mode()), Size: fi.Size(), Blksize: 4096,
		Atime: t, Mtime: t, Ctime: t}
	if fi.IsDir() {
		st.Nlink = 2
	}
	st.Blocks = (st.Size + 511) / 512
	return st
}
