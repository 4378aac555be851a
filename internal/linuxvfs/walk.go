package linuxvfs

import "golang.org/x/sys/unix"

// Tree is what a Walker needs of a file system whose nodes are N.
type Tree[N any] interface {
	// Root is the node of "/".
	Root() N
	// Parent is the directory that holds directory dir: its "..". The
	// root is its own parent.
	Parent(dir N) N
	IsDir(n N) bool
	IsLink(n N) bool
	// MayLookup is the search permission needed on every directory a
	// lookup goes through: 0 or EACCES.
	MayLookup(dir N) unix.Errno
	// Child looks name up in directory dir (search permission already
	// checked): ENOENT if it is not there.
	Child(dir N, name string) (N, unix.Errno)
	// Readlink is the target of the symbolic link link.
	Readlink(link N) (string, unix.Errno)
	// CheckName is the answer of a creating call for a name the file
	// system will not hold whatever is there (0 for any other name).
	CheckName(name string) unix.Errno
}

// Walker resolves the paths of one operation in a Tree. It counts the
// symbolic links followed, so that a loop ends in ELOOP.
type Walker[N any] struct {
	Tree  Tree[N]
	Links int // symbolic links followed so far
}

// Parent walks all components of p but the last, from start (or from the
// root if p is absolute). It returns the directory that holds the last
// component, that component, its type, and whether p ends in a slash. It
// checks search permission on every directory it looks a name up in,
// including the returned one.
func (w *Walker[N]) Parent(start N, p string) (dir N, last string, typ LastType, slash bool, e unix.Errno) {
	var none N
	cur := start
	if len(p) > 0 && p[0] == '/' {
		cur = w.Tree.Root()
	} else if !w.Tree.IsDir(cur) {
		return none, "", 0, false, unix.ENOTDIR // a relative path from a file
	}
	i := 0
	for {
		for i < len(p) && p[i] == '/' {
			i++
		}
		if i == len(p) {
			return cur, "", LastRoot, false, 0
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
		if e := w.Tree.MayLookup(cur); e != 0 {
			return none, "", 0, false, e
		}
		if k == len(p) {
			return cur, comp, TypeOf(comp), j < len(p), 0
		}
		next, e := w.Step(cur, comp, true)
		if e != 0 {
			return none, "", 0, false, e
		}
		if !w.Tree.IsDir(next) {
			return none, "", 0, false, unix.ENOTDIR
		}
		cur = next
		i = k
	}
}

// Step looks comp up in dir (search permission already checked) and
// follows it if it is a symbolic link and follow is set.
func (w *Walker[N]) Step(dir N, comp string, follow bool) (N, unix.Errno) {
	var none N
	switch comp {
	case ".":
		return dir, 0
	case "..":
		return w.Tree.Parent(dir), 0
	}
	if len(comp) > NameMax {
		return none, unix.ENAMETOOLONG
	}
	n, e := w.Tree.Child(dir, comp)
	if e != 0 {
		return none, e
	}
	if follow && w.Tree.IsLink(n) {
		return w.Follow(dir, n)
	}
	return n, 0
}

// Target counts link as followed and returns its target: ELOOP past
// MaxSymlinks links, ENOENT for an empty target.
func (w *Walker[N]) Target(link N) (string, unix.Errno) {
	w.Links++
	if w.Links > MaxSymlinks {
		return "", unix.ELOOP
	}
	target, e := w.Tree.Readlink(link)
	if e != 0 {
		return "", e
	}
	if target == "" {
		return "", unix.ENOENT
	}
	return target, 0
}

// Follow resolves the target of link, which lives in dir, to the node it
// finally names.
func (w *Walker[N]) Follow(dir, link N) (N, unix.Errno) {
	target, e := w.Target(link)
	if e != 0 {
		var none N
		return none, e
	}
	return w.Resolve(dir, target, true)
}

// Resolve resolves all of p from start.
func (w *Walker[N]) Resolve(start N, p string, follow bool) (N, unix.Errno) {
	dir, last, typ, slash, e := w.Parent(start, p)
	if e != 0 {
		var none N
		return none, e
	}
	return w.Last(dir, last, typ, slash, follow)
}

// Last resolves the last component found by Parent. A trailing slash
// forces a symbolic link to be followed and the result to be a directory.
func (w *Walker[N]) Last(dir N, last string, typ LastType, slash, follow bool) (N, unix.Errno) {
	var none N
	switch typ {
	case LastRoot:
		return w.Tree.Root(), 0
	case LastDot:
		return dir, 0
	case LastDotDot:
		return w.Tree.Parent(dir), 0
	}
	n, e := w.Step(dir, last, follow || slash)
	if e != 0 {
		return none, e
	}
	if slash && !w.Tree.IsDir(n) {
		return none, unix.ENOTDIR
	}
	return n, 0
}

// CreateTarget is what the creating calls (mkdir, symlink, link) share,
// the kernel's filename_create: it resolves the parent of p from the root
// and answers EEXIST for ".", ".." and "/" and for an existing name,
// ENAMETOOLONG for a long one, what Tree.CheckName answers, ENOENT for a
// missing name with a trailing slash (unless dirOK). The caller checks
// the permission to create (it comes after these answers in the kernel).
func (w *Walker[N]) CreateTarget(p string, dirOK bool) (dir N, last string, e unix.Errno) {
	var none N
	dir, last, typ, slash, e := w.Parent(w.Tree.Root(), p)
	if e != 0 {
		return none, "", e
	}
	if typ != LastNorm {
		return none, "", unix.EEXIST
	}
	if len(last) > NameMax {
		return none, "", unix.ENAMETOOLONG
	}
	if e := w.Tree.CheckName(last); e != 0 {
		return none, "", e
	}
	switch _, e := w.Tree.Child(dir, last); e {
	case 0:
		return none, "", unix.EEXIST
	case unix.ENOENT:
	default:
		return none, "", e
	}
	if slash && !dirOK {
		return none, "", unix.ENOENT
	}
	return dir, last, 0
}
