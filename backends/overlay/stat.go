// stat.go holds what Stat reports (an os.FileInfo whose Sys is a
// *mem.Stat, for the files of every layer) and the read-only path
// operations: Stat, Lstat and Readlink.

package overlay

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// lookup resolves name for a read-only operation, under the read lock.
func (fs *FS) lookup(name string, follow bool) (*node, unix.Errno) {
	if e := linuxvfs.CheckPath(name); e != 0 {
		return nil, e
	}
	w, e := fs.walker(false)
	if e != 0 {
		return nil, e
	}
	return w.Resolve(w.Tree.Root(), name, follow)
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
	return described(fs, op, name, follow, func(n *node) os.FileInfo {
		return mem.FileInfo(linuxvfs.BaseName(name), fs.stat(n))
	})
}

// LstatMeta is Lstat without asking a layer again for a regular file's
// data (caps.MetaStater): what the lookup found.
func (fs *FS) LstatMeta(name string) (mem.Stat, error) {
	return described(fs, "lstat", name, false, fs.meta)
}

// LstatType is the type of what name leads to, without following a final
// symbolic link (caps.TypeStater): the lookup's, without asking the upper
// layer again for a directory's attributes as LstatMeta does.
func (fs *FS) LstatType(name string) (uint32, error) {
	return described(fs, "lstat", name, false, (*node).typ)
}

// described looks name up under the read lock and gives what describe
// says of its node; a lookup that fails is op's error.
func described[T any](fs *FS, op, name string, follow bool, describe func(*node) T) (T, error) {
	fs.s.mu.RLock()
	defer fs.s.mu.RUnlock()
	n, e := fs.lookup(name, follow)
	if e != 0 {
		var none T
		return none, pathErr(op, name, e)
	}
	return describe(n), nil
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
