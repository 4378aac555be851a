// path.go holds path resolution: the walk over components with ".", "..",
// repeated and trailing slashes, search permission on every directory,
// symbolic links in intermediate and final components (at most 40 per
// lookup), and the kernel's ENOENT/ENOTDIR/ENAMETOOLONG/ELOOP answers.

package mem

import "golang.org/x/sys/unix"

// lastType is the kind of the last component of a path, as in the kernel.
type lastType int

const (
	lastNorm   lastType = iota // a name
	lastRoot                   // no component at all: "/"
	lastDot                    // "."
	lastDotDot                 // ".."
)

func typeOf(comp string) lastType {
	switch comp {
	case ".":
		return lastDot
	case "..":
		return lastDotDot
	}
	return lastNorm
}

// walker resolves the paths of one operation. It counts the symbolic links
// followed so that a loop ends in ELOOP.
type walker struct {
	fs    *FS
	links int
}

// parent walks all components of p but the last, from start (or from the
// root if p is absolute). It returns the directory that holds the last
// component, that component, its type, and whether p ends in a slash. It
// checks search permission on every directory it looks a name up in,
// including the returned one.
func (w *walker) parent(start *inode, p string) (dir *inode, last string, typ lastType, slash bool, e unix.Errno) {
	cur := start
	if len(p) > 0 && p[0] == '/' {
		cur = w.fs.t.root
	} else if !cur.isDir() {
		return nil, "", 0, false, unix.ENOTDIR // a relative path from a file
	}
	i := 0
	for {
		for i < len(p) && p[i] == '/' {
			i++
		}
		if i == len(p) {
			return cur, "", lastRoot, false, 0
		}
		j := i
		for j < len(p) && p[j] != '/' {
			j++
		}
		k := j
		for k < len(p) && p[k] == '/' {
			k++
		}
		comp := p[i:j]
		if e := w.fs.cred.mayLookup(cur); e != 0 {
			return nil, "", 0, false, e
		}
		if k == len(p) {
			return cur, comp, typeOf(comp), j < len(p), 0
		}
		next, e := w.step(cur, comp, true)
		if e != 0 {
			return nil, "", 0, false, e
		}
		if !next.isDir() {
			return nil, "", 0, false, unix.ENOTDIR
		}
		cur = next
		i = k
	}
}

// step looks comp up in dir (search permission already checked) and follows
// it if it is a symbolic link and follow is set.
func (w *walker) step(dir *inode, comp string, follow bool) (*inode, unix.Errno) {
	switch comp {
	case ".":
		return dir, 0
	case "..":
		return dir.parent, 0
	}
	if len(comp) > nameMax {
		return nil, unix.ENAMETOOLONG
	}
	n := dir.lookup(comp)
	if n == nil {
		return nil, unix.ENOENT
	}
	if follow && n.isLink() {
		return w.follow(dir, n)
	}
	return n, 0
}

// follow resolves the target of link, which lives in dir, to the inode it
// finally names.
func (w *walker) follow(dir, link *inode) (*inode, unix.Errno) {
	w.links++
	if w.links > maxSymlinks {
		return nil, unix.ELOOP
	}
	return w.resolve(dir, link.target, true)
}

// resolve resolves all of p from start.
func (w *walker) resolve(start *inode, p string, follow bool) (*inode, unix.Errno) {
	dir, last, typ, slash, e := w.parent(start, p)
	if e != 0 {
		return nil, e
	}
	return w.last(dir, last, typ, slash, follow)
}

// last resolves the last component found by parent. A trailing slash
// forces a symbolic link to be followed and the result to be a directory.
func (w *walker) last(dir *inode, last string, typ lastType, slash, follow bool) (*inode, unix.Errno) {
	switch typ {
	case lastRoot:
		return w.fs.t.root, 0
	case lastDot:
		return dir, 0
	case lastDotDot:
		return dir.parent, 0
	}
	n, e := w.step(dir, last, follow || slash)
	if e != 0 {
		return nil, e
	}
	if slash && !n.isDir() {
		return nil, unix.ENOTDIR
	}
	return n, 0
}

// createTarget is what the creating calls (mkdir, symlink, link) share,
// the kernel's filename_create: it resolves the parent of p and answers
// EEXIST for ".", ".." and "/" and for an existing name, ENOENT for a
// missing name with a trailing slash (unless dirOK). The caller checks
// the permission to create (it comes after these answers in the kernel).
func (w *walker) createTarget(p string, dirOK bool) (*inode, string, unix.Errno) {
	dir, last, typ, slash, e := w.parent(w.fs.t.root, p)
	if e != 0 {
		return nil, "", e
	}
	if typ != lastNorm {
		return nil, "", unix.EEXIST
	}
	if len(last) > nameMax {
		return nil, "", unix.ENAMETOOLONG
	}
	if dir.lookup(last) != nil {
		return nil, "", unix.EEXIST
	}
	if slash && !dirOK {
		return nil, "", unix.ENOENT
	}
	return dir, last, 0
}
