package vfs

import (
	"hash/fnv"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// attr is what stat reports about a file.
type attr struct {
	dev, ino, nlink     uint64
	mode, uid, gid      uint32
	size, blocks        int64
	atime, mtime, ctime time.Time
}

// attrOf describes fi, a file of m at rel (caps.StatOf). A backend without
// inode numbers gets a hash of the path for them.
func attrOf(m *Mount, rel string, fi os.FileInfo) attr {
	st := caps.StatOf(fi, func() (uint64, uint64) {
		h := fnv.New64a()
		h.Write([]byte(rel))
		var dev uint64
		if m != nil {
			dev = m.dev
		}
		return dev, h.Sum64() | 1
	})
	return attr{dev: st.Dev, ino: st.Ino, nlink: st.Nlink, mode: st.Mode, uid: st.Uid, gid: st.Gid,
		size: st.Size, blocks: st.Blocks, atime: st.Atime, mtime: st.Mtime, ctime: st.Ctime}
}

func ts(t time.Time) unix.Timespec {
	return unix.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())} // UnixNano overflows past 2262
}

// stat renders a as the kernel's struct stat.
func (a attr) stat() []byte {
	st := unix.Stat_t{Dev: a.dev, Ino: a.ino, Nlink: a.nlink, Mode: a.mode, Uid: a.uid, Gid: a.gid,
		Size: a.size, Blksize: 4096, Blocks: a.blocks, Atim: ts(a.atime), Mtim: ts(a.mtime), Ctim: ts(a.ctime)}
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
		Blksize: 4096, Nlink: uint32(a.nlink), Uid: a.uid, Gid: a.gid, Mode: uint16(a.mode),
		Ino: a.ino, Size: uint64(a.size), Blocks: uint64(a.blocks),
		Atime: sts(a.atime), Ctime: sts(a.ctime), Mtime: sts(a.mtime),
		Dev_major: unix.Major(a.dev), Dev_minor: unix.Minor(a.dev),
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
