// stat.go holds what Stat reports: the Stat record returned by
// os.FileInfo.Sys and the os.FileInfo itself.

package mem

import (
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Stat is what os.FileInfo.Sys returns for files of this package: the
// fields of struct stat as the kernel would fill them for a tmpfs file.
type Stat = caps.Stat

// stat fills a Stat for n. fd, if not negative, is a descriptor of n's data
// to fstat instead of n's memfd (a File of an unlinked inode has only that).
// The caller holds the tree lock.
func (t *tree) stat(n *inode, fd int) Stat {
	st := t.meta(n)
	if n.typ() == unix.S_IFREG {
		if fd < 0 {
			fd = n.memfd
		}
		var ks unix.Stat_t
		st.Mode = n.liveMode(fd)
		if fd >= 0 && unix.Fstat(fd, &ks) == nil {
			// Writes and truncations by programs go to the kernel,
			// which may have taken set-ID bits away (see mirror).
			st.Mode &^= lostPrivs(n, &ks)
			st.Size = ks.Size
			st.Blocks = ks.Blocks
			st.Atime = time.Unix(ks.Atim.Unix())
			st.Mtime = time.Unix(ks.Mtim.Unix())
			st.Ctime = later(n.ctime, time.Unix(ks.Ctim.Unix()))
		}
	}
	return st
}

// meta is stat without asking the kernel about a regular file's data: the
// size and blocks are zero and the times the tree's own (as of the last
// change it made), set-ID bits a write took may still show, and so may
// the permission bits a writer changed on the data (liveMode): a lookup
// needs the type, and permission checks read the bits themselves. The
// caller holds the tree lock.
func (t *tree) meta(n *inode) Stat {
	st := Stat{
		Dev:     t.dev,
		Ino:     n.ino,
		Nlink:   uint64(n.nlink),
		Mode:    n.mode,
		Uid:     n.uid,
		Gid:     n.gid,
		Rdev:    n.rdev,
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
	}
	return st
}

// tmpfs stores symlink targets up to this length inside the inode.
const shortSymlink = 127

// FileInfo returns the os.FileInfo of a file named name with attributes
// st; its Sys method returns a *Stat. (Backends built on this one, like
// the overlay, give theirs so.)
func FileInfo(name string, st Stat) os.FileInfo { return &fileInfo{name: name, st: st} }

// fileInfo is the os.FileInfo of this package.
type fileInfo struct {
	name string
	st   Stat
}

// The methods of os.FileInfo.

func (fi *fileInfo) Name() string       { return fi.name }
func (fi *fileInfo) Size() int64        { return fi.st.Size }
func (fi *fileInfo) Mode() os.FileMode  { return linuxvfs.FileMode(fi.st.Mode) }
func (fi *fileInfo) ModTime() time.Time { return fi.st.Mtime }
func (fi *fileInfo) IsDir() bool        { return fi.st.Mode&unix.S_IFMT == unix.S_IFDIR }
func (fi *fileInfo) Sys() any           { return &fi.st }
