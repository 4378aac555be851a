// whiteout.go keeps the upper layer in the form of an OCI image layer:
// a deleted lower name X of directory D is an empty regular file D/.wh.X,
// and a directory that replaces a lower one whole holds an empty file
// .wh..wh..opq.

package overlay

import (
	"os"

	"golang.org/x/sys/unix"
)

// newEmpty creates the empty regular file p in the upper layer (an
// existing one is kept).
func (fs *FS) newEmpty(p string) unix.Errno {
	f, err := fs.s.upper.OpenFile(upath(p), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0)
	if err != nil {
		if e := errnoOf(err); e != unix.EEXIST {
			return e
		}
		return 0
	}
	f.Close()
	return 0
}

// whiteout hides name of the lower layers in dir, which is in the upper
// layer.
func (fs *FS) whiteout(dir *node, name string) unix.Errno {
	return fs.newEmpty(join(dir.path, whPrefix+name))
}

// clearWhiteout removes the whiteout of name in dir, if there is one,
// once the upper layer holds name itself.
func (fs *FS) clearWhiteout(dir *node, name string) {
	p := upath(join(dir.path, whPrefix+name))
	if _, err := fs.s.upper.Lstat(p); err == nil {
		fs.s.upper.Unlink(p)
	}
}

// setOpaque marks the upper directory p opaque (hiding the lower
// directories at its path) or not, keeping its times.
func (fs *FS) setOpaque(p string, on bool) unix.Errno {
	marker := join(p, opaqueName)
	_, err := fs.s.upper.Lstat(upath(marker))
	if (err == nil) == on {
		return 0
	}
	restore := fs.keepTimes(p)
	defer restore()
	if on {
		return fs.newEmpty(marker)
	}
	return errnoOf(fs.s.upper.Unlink(upath(marker)))
}

// upperNames lists the upper directory p, hidden names included.
func (fs *FS) upperNames(p string) ([]string, unix.Errno) {
	f, err := fs.s.upper.Open(upath(p))
	if err != nil {
		return nil, errnoOf(err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, errnoOf(err)
	}
	return names, 0
}

// stripHidden removes the whiteouts and the opaque marker of the upper
// directory p, and of every directory below it if deep is set, keeping
// their times: for a directory that no lower layer shows through any more.
func (fs *FS) stripHidden(p string, deep bool) unix.Errno {
	names, e := fs.upperNames(p)
	if e != 0 {
		return e
	}
	restore := fs.keepTimes(p)
	defer restore()
	for _, name := range names {
		c := join(p, name)
		if hidden(name) {
			if err := fs.s.upper.Unlink(upath(c)); err != nil {
				return errnoOf(err)
			}
			continue
		}
		if st, ok := fs.upperLstat(c); ok && deep && st.Mode&unix.S_IFMT == unix.S_IFDIR {
			if e := fs.stripHidden(c, true); e != 0 {
				return e
			}
		}
	}
	return 0
}
