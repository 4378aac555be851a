package vfs

import (
	"hash/fnv"
	"os"
	"syscall"
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

// attrOf describes fi, a file of m at rel. Files of the mem backend carry
// their own numbers; for any other backend the inode number is a hash of
// the path and the owner is root.
func attrOf(m *Mount, rel string, fi os.FileInfo) attr {
	if st, ok := fi.Sys().(*caps.Stat); ok {
		return attr{dev: st.Dev, ino: st.Ino, nlink: st.Nlink, mode: st.Mode, uid: st.Uid, gid: st.Gid,
			size: st.Size, blocks: st.Blocks, atime: st.Atime, mtime: st.Mtime, ctime: st.Ctime}
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return attr{dev: st.Dev, ino: st.Ino, nlink: st.Nlink, mode: st.Mode, uid: st.Uid, gid: st.Gid,
			size: st.Size, blocks: st.Blocks, atime: time.Unix(st.Atim.Unix()), mtime: time.Unix(st.Mtim.Unix()),
			ctime: time.Unix(st.Ctim.Unix())}
	}
	h := fnv.New64a()
	h.Write([]byte(rel))
	a := attr{dev: m.dev, ino: h.Sum64() | 1, nlink: 1, mode: linuxvfs.Mode(fi.Mode()), size: fi.Size(),
		atime: fi.ModTime(), mtime: fi.ModTime(), ctime: fi.ModTime()}
	if fi.IsDir() {
		a.nlink = 2
	}
	a.blocks = (a.size + 511) / 512
	return a
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
