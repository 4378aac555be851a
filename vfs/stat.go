package vfs

import (
	"hash/fnv"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
	"github.com/zvfs/zvfs/mtab"
)

// attr is what stat reports about a file, with its renderings.
type attr caps.Stat

// sameFile tells whether fa, found at a, and fb, found at b, are one file
// (their device and inode numbers; a backend's FileInfo is no
// os.SameFile's).
func sameFile(a loc, fa os.FileInfo, b loc, fb os.FileInfo) bool {
	x, y := attrOf(a.m, a.rel, fa), attrOf(b.m, b.rel, fb)
	return x.Dev == y.Dev && x.Ino == y.Ino
}

// attrOf describes fi, a file of m at rel (caps.StatOf). A backend without
// inode numbers gets a hash of the path for them.
func attrOf(m *mtab.Mount, rel string, fi os.FileInfo) attr {
	st := caps.StatOf(fi, func() (uint64, uint64) {
		h := fnv.New64a()
		h.Write([]byte(rel))
		var dev uint64
		if m != nil {
			dev = devOf(m)
		}
		return dev, h.Sum64() | 1
	})
	return attr(st)
}

// devOf is the device number reported for the files of m when its
// backend gives none.
func devOf(m *mtab.Mount) uint64 { return uint64(0x7b00 + m.Index()) }

func ts(t time.Time) unix.Timespec {
	return unix.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())} // UnixNano overflows past 2262
}

// stat renders a as the kernel's struct stat.
func (a attr) stat() []byte {
	st := unix.Stat_t{Dev: a.Dev, Ino: a.Ino, Nlink: a.Nlink, Mode: a.Mode, Uid: a.Uid, Gid: a.Gid, Rdev: a.Rdev,
		Size: a.Size, Blksize: 4096, Blocks: a.Blocks, Atim: ts(a.Atime), Mtim: ts(a.Mtime), Ctim: ts(a.Ctime)}
	b := make([]byte, unsafe.Sizeof(st))
	copy(b, unsafe.Slice((*byte)(unsafe.Pointer(&st)), len(b)))
	return b
}

func sts(t time.Time) unix.StatxTimestamp {
	return unix.StatxTimestamp{Sec: t.Unix(), Nsec: uint32(t.Nanosecond())}
}

// statx renders a as the kernel's struct statx.
func (a attr) statx() []byte {
	st := unix.Statx_t{
		Mask:    unix.STATX_BASIC_STATS,
		Blksize: 4096, Nlink: uint32(a.Nlink), Uid: a.Uid, Gid: a.Gid, Mode: uint16(a.Mode),
		Ino: a.Ino, Size: uint64(a.Size), Blocks: uint64(a.Blocks),
		Atime: sts(a.Atime), Ctime: sts(a.Ctime), Mtime: sts(a.Mtime),
		Dev_major: unix.Major(a.Dev), Dev_minor: unix.Minor(a.Dev),
		Rdev_major: unix.Major(a.Rdev), Rdev_minor: unix.Minor(a.Rdev),
	}
	b := make([]byte, unsafe.Sizeof(st))
	copy(b, unsafe.Slice((*byte)(unsafe.Pointer(&st)), len(b)))
	return b
}

// statfs renders the numbers of a tmpfs-like file system.
func statfsBytes(blocks, bfree, files, ffree uint64) []byte {
	st := unix.Statfs_t{Type: unix.TMPFS_MAGIC, Bsize: 4096, Blocks: blocks, Bfree: bfree, Bavail: bfree,
		Files: files, Ffree: ffree, Namelen: nameMax, Frsize: 4096, Flags: unix.ST_RELATIME}
	b := make([]byte, unsafe.Sizeof(st))
	copy(b, unsafe.Slice((*byte)(unsafe.Pointer(&st)), len(b)))
	return b
}

// errnoOf is linuxvfs.ErrnoOf.
func errnoOf(err error) unix.Errno { return linuxvfs.ErrnoOf(err) }
