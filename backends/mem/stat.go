// stat.go holds what Stat reports: the Stat record returned by
// os.FileInfo.Sys, the os.FileInfo itself, and the conversions between
// os.FileMode and st_mode bits.

package mem

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Stat is what os.FileInfo.Sys returns for files of this package: the fields
// of struct stat as the kernel would fill them for a tmpfs file.
type Stat struct {
	Dev     uint64    // the same for every file of one FS
	Ino     uint64    // inode number, unique within the FS
	Nlink   uint64    // hard links: files 1 + links, directories 2 + subdirectories
	Mode    uint32    // st_mode: S_IFMT type bits and permission bits
	Uid     uint32    // owner
	Gid     uint32    // group
	Rdev    uint64    // always 0
	Size    int64     // bytes; target length for symlinks; 40 + 20 per entry for directories
	Blksize int64     // preferred I/O size, 4096
	Blocks  int64     // 512-byte blocks allocated
	Atime   time.Time // last access
	Mtime   time.Time // last modification of the data
	Ctime   time.Time // last change of the inode
}

// stat fills a Stat for n. fd, if not negative, is a descriptor of n's data
// to fstat instead of n's memfd (a File of an unlinked inode has only that).
// The caller holds the tree lock.
func (t *tree) stat(n *inode, fd int) Stat {
	st := Stat{
		Dev:     t.dev,
		Ino:     n.ino,
		Nlink:   uint64(n.nlink),
		Mode:    n.mode,
		Uid:     n.uid,
		Gid:     n.gid,
		Blksize: 4096,
		Atime:   n.atime,
		Mtime:   n.mtime,
		Ctime:   n.ctime,
	}
	switch n.typ() {
	case unix.S_IFDIR:
		st.Size = n.size
	case unix.S_IFLNK:
		st.Size = int64(len(n.target))
		if len(n.target) > shortSymlink {
			st.Blocks = 8 // tmpfs keeps long targets in a page of their own
		}
	case unix.S_IFREG:
		if fd < 0 {
			fd = n.memfd
		}
		var ks unix.Stat_t
		if fd >= 0 && unix.Fstat(fd, &ks) == nil {
			st.Size = ks.Size
			st.Blocks = ks.Blocks
			st.Atime = time.Unix(ks.Atim.Unix())
			st.Mtime = time.Unix(ks.Mtim.Unix())
			st.Ctime = later(n.ctime, time.Unix(ks.Ctim.Unix()))
		}
	}
	return st
}

// tmpfs stores symlink targets up to this length inside the inode.
const shortSymlink = 127

// fileInfo is the os.FileInfo of this package.
type fileInfo struct {
	name string
	st   Stat
}

// The methods of os.FileInfo.

func (fi *fileInfo) Name() string       { return fi.name }
func (fi *fileInfo) Size() int64        { return fi.st.Size }
func (fi *fileInfo) Mode() os.FileMode  { return fileMode(fi.st.Mode) }
func (fi *fileInfo) ModTime() time.Time { return fi.st.Mtime }
func (fi *fileInfo) IsDir() bool        { return fi.st.Mode&unix.S_IFMT == unix.S_IFDIR }
func (fi *fileInfo) Sys() any           { return &fi.st }

// fileMode turns st_mode bits into an os.FileMode.
func fileMode(m uint32) os.FileMode {
	fm := os.FileMode(m & 0777)
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		fm |= os.ModeDir
	case unix.S_IFLNK:
		fm |= os.ModeSymlink
	case unix.S_IFIFO:
		fm |= os.ModeNamedPipe
	case unix.S_IFSOCK:
		fm |= os.ModeSocket
	case unix.S_IFCHR:
		fm |= os.ModeDevice | os.ModeCharDevice
	case unix.S_IFBLK:
		fm |= os.ModeDevice
	}
	if m&unix.S_ISUID != 0 {
		fm |= os.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		fm |= os.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		fm |= os.ModeSticky
	}
	return fm
}

// modeBits turns an os.FileMode into the 07777 bits of st_mode. The
// set-user-ID, set-group-ID and sticky bits may be given either as Go's
// ModeSetuid, ModeSetgid and ModeSticky or as the raw 04000, 02000 and 01000
// bits (os.FileMode leaves those bits unused), so a caller holding a mode_t
// can pass os.FileMode(mode) as it is.
func modeBits(fm os.FileMode) uint32 {
	m := uint32(fm) & 07777
	if fm&os.ModeSetuid != 0 {
		m |= unix.S_ISUID
	}
	if fm&os.ModeSetgid != 0 {
		m |= unix.S_ISGID
	}
	if fm&os.ModeSticky != 0 {
		m |= unix.S_ISVTX
	}
	return m
}

// baseName is the name os.Stat would give a file reached by path p.
func baseName(p string) string {
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
