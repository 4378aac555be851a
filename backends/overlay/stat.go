// stat.go holds what Stat reports (an os.FileInfo whose Sys is a
// *mem.Stat, for the files of every layer) and the read-only path
// operations: Stat, Lstat and Readlink.

package overlay

import (
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
)

// fileInfo is the os.FileInfo of this package.
type fileInfo struct {
	name string
	st   mem.Stat
}

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

// lookup resolves name for a read-only operation, under the read lock.
func (fs *FS) lookup(name string, follow bool) (*node, unix.Errno) {
	if e := checkPath(name); e != 0 {
		return nil, e
	}
	w, e := fs.walker()
	if e != 0 {
		return nil, e
	}
	return w.resolve(w.root, name, follow)
}

// Stat returns the FileInfo of the file name refers to, following symbolic
// links: the topmost layer's attributes (see the package documentation
// for the link count of directories). Its Sys method returns a *mem.Stat.
func (fs *FS) Stat(name string) (os.FileInfo, error) {
	return fs.statOp("stat", name, true)
}

// Lstat is Stat that does not follow a final symbolic link.
func (fs *FS) Lstat(name string) (os.FileInfo, error) {
	return fs.statOp("lstat", name, false)
}

// LstatIfPossible is Lstat; the boolean is always true (afero.Lstater).
func (fs *FS) LstatIfPossible(name string) (os.FileInfo, bool, error) {
	fi, err := fs.Lstat(name)
	return fi, true, err
}

func (fs *FS) statOp(op, name string, follow bool) (os.FileInfo, error) {
	fs.s.mu.RLock()
	defer fs.s.mu.RUnlock()
	n, e := fs.lookup(name, follow)
	if e != 0 {
		return nil, pathErr(op, name, e)
	}
	return &fileInfo{name: baseName(name), st: n.stat()}, nil
}

// Readlink returns the target of the symbolic link name, from the topmost
// layer; EINVAL if name is not a symbolic link.
func (fs *FS) Readlink(name string) (string, error) {
	fs.s.mu.RLock()
	defer fs.s.mu.RUnlock()
	n, e := fs.lookup(name, false)
	if e == 0 && !n.isLink() {
		e = unix.EINVAL
	}
	var t string
	if e == 0 {
		t, e = fs.readlink(n)
	}
	if e != 0 {
		return "", pathErr("readlink", name, e)
	}
	return t, nil
}

// ReadlinkIfPossible is Readlink (afero.LinkReader).
func (fs *FS) ReadlinkIfPossible(name string) (string, error) {
	return fs.Readlink(name)
}
