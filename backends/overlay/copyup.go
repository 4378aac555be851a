// copyup.go holds copy-up: before the first change of a file or directory
// of a lower layer, it is copied into the upper layer (data, mode, owner,
// access and modification times, symbolic link target), after its missing
// parent directories, as overlayfs does. Lower layers are never written.

package overlay

import (
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
)

// upperLstat describes what the upper layer holds at p, if anything.
func (fs *FS) upperLstat(p string) (mem.Stat, bool) {
	fi, err := fs.s.upper.Lstat(upath(p))
	if err != nil {
		return mem.Stat{}, false
	}
	return statOf(fi)
}

// addUpper records that the upper layer now holds n, described by st.
func (fs *FS) addUpper(n *node, st mem.Stat) {
	top := entry{layer: fs.upperIdx(), st: st}
	if n.isDir() {
		n.ents = append([]entry{top}, n.ents...)
	} else {
		n.ents = []entry{top}
	}
}

// copyUp makes n exist in the upper layer, copying its parents first.
// With data unset a regular file's content is not copied (it is about to
// be truncated). The upper parent keeps its times, as in overlayfs.
func (fs *FS) copyUp(n *node, data bool) unix.Errno {
	if n.isRoot() || fs.inUpper(n) {
		return 0
	}
	if st, ok := fs.upperLstat(n.path); ok {
		// Copied up by an earlier step of the same operation.
		fs.addUpper(n, st)
		return 0
	}
	if e := fs.copyUp(n.parent, true); e != 0 {
		return e
	}
	restore := fs.keepTimes(n.parent.path)
	defer restore()
	if e := fs.copyOne(n, data); e != 0 {
		return e
	}
	st, ok := fs.upperLstat(n.path)
	if !ok {
		return unix.EIO
	}
	fs.addUpper(n, st)
	return 0
}

// copyOne copies the file n itself into the upper layer, whose parent
// directory exists.
func (fs *FS) copyOne(n *node, data bool) unix.Errno {
	up := fs.s.upper
	p := upath(n.path)
	var err error
	switch n.typ() {
	case unix.S_IFDIR:
		err = up.Mkdir(p, 0700)
	case unix.S_IFREG:
		err = fs.copyData(n, data)
	case unix.S_IFLNK:
		t, e := fs.readlink(n)
		if e != 0 {
			return e
		}
		err = up.Symlink(t, p)
	default: // a FIFO, a device, a socket file: a new one of its kind
		err = up.Mknod(p, n.typ()|0600, n.st().Rdev)
	}
	if err != nil {
		return errnoOf(err)
	}
	if e := fs.copyXattrs(n); e != 0 {
		return e
	}
	return fs.setAttrs(n.path, fs.stat(n))
}

// copyData creates the regular file n in the upper layer with the content
// of its lower file (none unless data is set).
func (fs *FS) copyData(n *node, data bool) error {
	p := upath(n.path)
	dst, err := fs.s.upper.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0600)
	if err != nil {
		return err
	}
	defer dst.Close()
	if !data {
		return nil
	}
	src, err := fs.s.layers[n.top().layer].Open(n.path, os.O_RDONLY)
	if err == nil {
		_, err = io.Copy(dst, src)
		src.Close()
	}
	if err != nil {
		fs.s.upper.Unlink(p)
	}
	return err
}

// setAttrs gives the upper file p the owner, mode and times of st. The
// owner goes first: a change of owner drops the set-user-ID bit.
func (fs *FS) setAttrs(p string, st mem.Stat) unix.Errno {
	up := fs.s.upper
	if err := up.Lchown(upath(p), int(st.Uid), int(st.Gid)); err != nil {
		return errnoOf(err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK {
		if err := up.Chmod(upath(p), os.FileMode(st.Mode&07777)); err != nil {
			return errnoOf(err)
		}
	}
	if err := up.Utimens(upath(p), &st.Atime, &st.Mtime, false); err != nil {
		return errnoOf(err)
	}
	return 0
}

// keepTimes returns a function that gives the upper directory p back the
// access and modification times it has now.
func (fs *FS) keepTimes(p string) func() {
	st, ok := fs.upperLstat(p)
	return func() {
		if ok {
			fs.s.upper.Utimens(upath(p), &st.Atime, &st.Mtime, false)
		}
	}
}

// copyUpTree copies n up with everything the merged view shows below it,
// so that the upper copy alone holds the whole tree (before a rename).
func (fs *FS) copyUpTree(n *node) unix.Errno {
	if e := fs.copyUp(n, true); e != 0 {
		return e
	}
	if !n.isDir() || !n.merged() {
		return 0
	}
	ents, e := fs.list(n)
	if e != 0 {
		return e
	}
	for _, d := range ents {
		c, e := fs.child(n, d.Name)
		if e == 0 {
			e = fs.copyUpTree(c)
		}
		if e != 0 {
			return e
		}
	}
	return 0
}
