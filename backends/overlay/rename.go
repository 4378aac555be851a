// rename.go holds Rename and RenameFlags: renameat2(2) on the merged tree,
// with the kernel's checks in its order (as mem), plain replacement,
// RENAME_NOREPLACE and RENAME_EXCHANGE. What is renamed is copied up
// first: a file alone, a directory that a lower layer shows with its whole
// merged tree, so that directories of lower layers can be renamed too.

package overlay

import (
	"strings"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Rename renames oldname to newname, replacing newname if it exists, as
// rename(2).
func (fs *FS) Rename(oldname, newname string) error {
	return fs.RenameFlags(oldname, newname, 0)
}

// RenameFlags is renameat2(2): flags is 0, unix.RENAME_NOREPLACE (EEXIST if
// newname exists) or unix.RENAME_EXCHANGE (swap two existing names).
// RENAME_WHITEOUT is not supported (EINVAL). Unlike overlayfs without
// redirect_dir, which answers EXDEV, a directory that a lower layer shows
// can be renamed: its merged tree is copied up, the copy renamed and made
// opaque if a lower layer shows the new name, and a whiteout left at the
// old name.
func (fs *FS) RenameFlags(oldname, newname string, flags uint) error {
	e := linuxvfs.CheckPath(oldname)
	if e == 0 {
		e = linuxvfs.CheckPath(newname)
	}
	if e == 0 && (flags&^(unix.RENAME_NOREPLACE|unix.RENAME_EXCHANGE) != 0 ||
		flags&unix.RENAME_NOREPLACE != 0 && flags&unix.RENAME_EXCHANGE != 0) {
		e = unix.EINVAL
	}
	if e == 0 {
		e = fs.write(func() unix.Errno { return fs.rename(oldname, newname, flags) })
	}
	if e != 0 {
		return linkErr("rename", oldname, newname, e)
	}
	return nil
}

// renaming is a rename found and checked: the directories, last
// components and files of both names (dst nil if newname is free).
type renaming struct {
	oldDir, newDir   *node
	oldLast, newLast string
	src, dst         *node
	exchange         bool
}

func (fs *FS) rename(oldname, newname string, flags uint) unix.Errno {
	r, e := fs.renameTarget(oldname, newname, flags)
	switch {
	case e != 0:
		return e
	case r == nil:
		return 0 // both names are the same file
	case r.exchange:
		return fs.exchange(r)
	}
	return fs.move(r)
}

// renameNames resolves the parents of both names and the source, with the
// kernel's first answers (do_renameat2).
func (fs *FS) renameNames(oldname, newname string, noreplace bool) (*renaming, bool, bool, unix.Errno) {
	w, e := fs.walker(false)
	if e != 0 {
		return nil, false, false, e
	}
	oldDir, oldLast, oldTyp, oldSlash, e := w.Parent(w.Tree.Root(), oldname)
	if e != 0 {
		return nil, false, false, e
	}
	if w, e = fs.walker(false); e != 0 {
		return nil, false, false, e
	}
	newDir, newLast, newTyp, newSlash, e := w.Parent(w.Tree.Root(), newname)
	switch {
	case e != 0:
		return nil, false, false, e
	case oldTyp != linuxvfs.LastNorm:
		return nil, false, false, unix.EBUSY
	case newTyp != linuxvfs.LastNorm && noreplace:
		return nil, false, false, unix.EEXIST
	case newTyp != linuxvfs.LastNorm:
		return nil, false, false, unix.EBUSY
	case len(oldLast) > linuxvfs.NameMax:
		return nil, false, false, unix.ENAMETOOLONG
	}
	r := &renaming{oldDir: oldDir, newDir: newDir, oldLast: oldLast, newLast: newLast}
	r.src, e = fs.child(oldDir, oldLast)
	switch {
	case e != 0:
		return nil, false, false, e
	case len(newLast) > linuxvfs.NameMax:
		return nil, false, false, unix.ENAMETOOLONG
	case hidden(newLast):
		return nil, false, false, unix.EINVAL
	}
	r.dst, e = fs.child(newDir, newLast)
	if e == unix.ENOENT {
		r.dst, e = nil, 0
	}
	return r, oldSlash, newSlash, e
}

// renameTarget finds and checks a rename (vfs_rename); nil and no error
// if both names are the same file.
func (fs *FS) renameTarget(oldname, newname string, flags uint) (*renaming, unix.Errno) {
	noreplace := flags&unix.RENAME_NOREPLACE != 0
	r, oldSlash, newSlash, e := fs.renameNames(oldname, newname, noreplace)
	if e != 0 {
		return nil, e
	}
	r.exchange = flags&unix.RENAME_EXCHANGE != 0
	src, dst := r.src, r.dst
	switch {
	case noreplace && dst != nil:
		return nil, unix.EEXIST
	case r.exchange && dst == nil:
		return nil, unix.ENOENT
	case r.exchange && !dst.isDir() && newSlash:
		return nil, unix.ENOTDIR
	case !src.isDir() && (oldSlash || !r.exchange && newSlash):
		return nil, unix.ENOTDIR
	}
	if e := r.trap(); e != 0 {
		return nil, e
	}
	if fs.sameFile(src, dst) {
		return nil, 0
	}
	if e := fs.mayRename(r); e != 0 {
		return nil, e
	}
	if !r.exchange && dst != nil && dst.isDir() {
		empty, e := fs.empty(dst)
		if e == 0 && !empty {
			e = unix.ENOTEMPTY
		}
		if e != 0 {
			return nil, e
		}
	}
	return r, 0
}

// trap is the kernel's lock_rename check: the child of one parent that is
// an ancestor of the other parent may be neither the source (EINVAL) nor
// the target (ENOTEMPTY, or EINVAL for an exchange).
func (r *renaming) trap() unix.Errno {
	if r.oldDir.path == r.newDir.path {
		return 0
	}
	trap := childTowards(r.oldDir.path, r.newDir.path)
	if trap == "" {
		trap = childTowards(r.newDir.path, r.oldDir.path)
	}
	switch {
	case trap == "":
	case r.src.path == trap:
		return unix.EINVAL
	case r.dst != nil && r.dst.path == trap && r.exchange:
		return unix.EINVAL
	case r.dst != nil && r.dst.path == trap:
		return unix.ENOTEMPTY
	}
	return 0
}

// childTowards returns the path of the child of directory a that is d or
// an ancestor of d, or "" if a is not a proper ancestor of d.
func childTowards(a, d string) string {
	rest := d
	if a != "" {
		if !strings.HasPrefix(d, a+"/") {
			return ""
		}
		rest = d[len(a)+1:]
	}
	if rest == "" {
		return ""
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	return join(a, rest)
}

// sameFile tells whether src and dst are one file: one path, or two hard
// links of one upper file. Lower hard links are different files, as for
// overlayfs without an index.
func (fs *FS) sameFile(src, dst *node) bool {
	if dst == nil {
		return false
	}
	if src.path == dst.path {
		return true
	}
	return fs.inUpper(src) && fs.inUpper(dst) && src.st().Ino == dst.st().Ino
}

// mayRename makes the permission checks of vfs_rename.
func (fs *FS) mayRename(r *renaming) unix.Errno {
	c := &fs.cred
	isDir := r.src.isDir()
	if e := mayDelete(c, r.oldDir, r.src, isDir); e != 0 {
		return e
	}
	var e unix.Errno
	switch {
	case r.dst == nil:
		e = mayCreate(c, r.newDir)
	case r.exchange:
		e = mayDelete(c, r.newDir, r.dst, r.dst.isDir())
	default:
		e = mayDelete(c, r.newDir, r.dst, isDir)
	}
	if e != 0 || r.oldDir.path == r.newDir.path {
		return e
	}
	// Moving a directory rewrites its "..".
	if isDir && !permitted(c, r.src.st(), mayWrite) {
		return unix.EACCES
	}
	if r.exchange && r.dst.isDir() && !permitted(c, r.dst.st(), mayWrite) {
		return unix.EACCES
	}
	return 0
}

// withLower tells whether n is a directory that a lower layer shows, whose
// whole tree must be copied up before it moves.
func (fs *FS) withLower(n *node) bool {
	return n.isDir() && (n.merged() || !fs.inUpper(n))
}

// copyUpFor copies n up for a rename: with its tree if tree is set.
func (fs *FS) copyUpFor(n *node, tree bool) unix.Errno {
	if tree {
		return fs.copyUpTree(n)
	}
	return fs.copyUp(n, true)
}

// move is a rename that replaces newname or makes it.
func (fs *FS) move(r *renaming) unix.Errno {
	tree := fs.withLower(r.src)
	e := fs.copyUpFor(r.src, tree)
	if e == 0 {
		e = fs.copyUp(r.newDir, true)
	}
	if e == 0 && r.dst != nil && r.dst.isDir() && fs.inUpper(r.dst) {
		e = fs.stripHidden(r.dst.path, false) // empty in the merged view
	}
	if e != 0 {
		return e
	}
	newLower := fs.lowerDir(r.newDir, r.newLast)
	if fs.lowerHas(r.oldDir, r.oldLast) {
		if e := fs.whiteout(r.oldDir, r.oldLast); e != 0 {
			return e
		}
	}
	newp := join(r.newDir.path, r.newLast)
	if err := fs.s.upper.Rename(upath(r.src.path), upath(newp)); err != nil {
		return errnoOf(err)
	}
	if r.src.isDir() {
		if e := fs.settle(newp, tree, newLower); e != 0 {
			return e
		}
	}
	fs.clearWhiteout(r.newDir, r.newLast)
	fs.retrack(r.src.path, newp, false)
	return 0
}

// settle fixes the upper directory p after it moved there: a copied tree
// loses its whiteouts and opaque markers (nothing shows through it any
// more), and p is opaque if a lower layer shows a directory there.
func (fs *FS) settle(p string, tree, lower bool) unix.Errno {
	if tree {
		if e := fs.stripHidden(p, true); e != 0 {
			return e
		}
	}
	return fs.setOpaque(p, lower)
}

// exchange swaps two existing names (RENAME_EXCHANGE), both copied up.
func (fs *FS) exchange(r *renaming) unix.Errno {
	srcTree, dstTree := fs.withLower(r.src), fs.withLower(r.dst)
	e := fs.copyUpFor(r.src, srcTree)
	if e == 0 {
		e = fs.copyUpFor(r.dst, dstTree)
	}
	if e != 0 {
		return e
	}
	oldLower := fs.lowerDir(r.oldDir, r.oldLast)
	newLower := fs.lowerDir(r.newDir, r.newLast)
	oldp, newp := r.src.path, r.dst.path
	if err := fs.s.upper.RenameFlags(upath(oldp), upath(newp), unix.RENAME_EXCHANGE); err != nil {
		return errnoOf(err)
	}
	if r.src.isDir() {
		if e := fs.settle(newp, srcTree, newLower); e != 0 {
			return e
		}
	}
	if r.dst.isDir() {
		if e := fs.settle(oldp, dstTree, oldLower); e != 0 {
			return e
		}
	}
	fs.retrack(oldp, newp, true)
	return 0
}
