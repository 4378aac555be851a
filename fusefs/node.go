// node.go holds the FUSE node, how it finds its path and backend, and the
// operations that only read: Lookup, Getattr, Access, Opendir, Readdir,
// Readlink, Statfs.

package fusefs

import (
	"context"
	"path"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// node is a file or directory of the mount; it knows only its place in
// the go-fuse tree, and finds its backend by its path at each call.
type node struct {
	fs.Inode
	t *tree
	// cachedOpens counts the open files of the node that the kernel
	// serves through FUSE requests rather than by passthrough, and
	// passOpens those it serves by passthrough (file.go).
	cachedOpens, passOpens atomic.Int32
}

var (
	_ fs.NodeLookuper   = (*node)(nil)
	_ fs.NodeGetattrer  = (*node)(nil)
	_ fs.NodeAccesser   = (*node)(nil)
	_ fs.NodeOpendirer  = (*node)(nil)
	_ fs.NodeReaddirer  = (*node)(nil)
	_ fs.NodeReadlinker = (*node)(nil)
	_ fs.NodeStatfser   = (*node)(nil)
)

// place is where a path of the mount leads.
type place struct {
	b    *backend // nil: no backend has it (a directory leading to targets)
	rel  string   // the path inside b: "" for its root
	virt string   // the path in the mount table, "/" for the mount point
}

// name is the path as the backend takes it.
func (p place) name() string { return "/" + p.rel }

// vpath is n's path in the mount table; ENOENT once n has no name left.
func (n *node) vpath() (string, error) {
	var parts []string
	in := n.EmbeddedInode()
	for !in.IsRoot() {
		name, parent := in.Parent()
		if parent == nil {
			return "", opError("path", "(deleted)", syscall.ENOENT)
		}
		parts = append(parts, name)
		in = parent
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return "/" + strings.Join(parts, "/"), nil
}

// here is n's place.
func (n *node) here() (place, error) {
	v, err := n.vpath()
	if err != nil {
		return place{}, err
	}
	return n.t.placeOf(v), nil
}

// child is the place of name in directory n.
func (n *node) child(name string) (place, error) {
	v, err := n.vpath()
	if err != nil {
		return place{}, err
	}
	return n.t.placeOf(path.Join(v, name)), nil
}

func (t *tree) placeOf(virt string) place {
	b, rel := t.locate(virt)
	return place{b: b, rel: rel, virt: virt}
}

// lstat returns the attributes of the file at p as c sees it; a directory
// that only leads to mount targets is synthetic.
func (t *tree) lstat(c linuxvfs.Who, p place) (fuse.Attr, error) {
	if p.b != nil {
		fi, err := caps.Lstat(p.b.as(c), p.name())
		if err == nil {
			return p.b.attr(p.rel, fi), nil
		}
		if errnoOf(err) != syscall.ENOENT || !t.tab.Holds(p.virt) {
			return fuse.Attr{}, err
		}
	} else if !t.tab.Holds(p.virt) {
		return fuse.Attr{}, opError("lstat", p.virt, syscall.ENOENT)
	}
	return syntheticAttr(p.virt, t.start), nil
}

// newChild makes (or finds, for a hard link) the node of a file whose
// attributes are a.
func (n *node) newChild(ctx context.Context, a fuse.Attr) *fs.Inode {
	return n.NewInode(ctx, &node{t: n.t}, fs.StableAttr{Mode: a.Mode & syscall.S_IFMT, Ino: a.Ino})
}

func (n *node) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	p, err := n.child(name)
	if err != nil {
		return nil, errnoOf(err)
	}
	a, err := n.t.lstat(credOf(ctx), p)
	if err != nil {
		return nil, errnoOf(err)
	}
	out.Attr = a
	return n.newChild(ctx, a), 0
}

func (n *node) Getattr(ctx context.Context, fh fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	if h, ok := fh.(*handle); ok {
		fi, err := h.f.Stat()
		if err != nil {
			return errnoOf(err)
		}
		out.Attr = h.b.attr(h.rel, fi)
		return 0
	}
	p, err := n.here()
	if err != nil {
		return errnoOf(err)
	}
	a, err := n.t.lstat(credOf(ctx), p)
	if err != nil {
		return errnoOf(err)
	}
	out.Attr = a
	return 0
}

// Access answers access(2) and chdir: the kernel asks only for those when
// default_permissions is off.
func (n *node) Access(ctx context.Context, mask uint32) syscall.Errno {
	p, err := n.here()
	if err != nil {
		return errnoOf(err)
	}
	c := credOf(ctx)
	a, err := n.t.lstat(c, p)
	if err != nil {
		return errnoOf(err)
	}
	if mask&2 != 0 && p.b != nil && p.b.ReadOnly {
		return syscall.EROFS
	}
	if !permitted(c, a, mask&7) {
		return syscall.EACCES
	}
	return 0
}

// permitted: may c do mask (R_OK 4, W_OK 2, X_OK 1) on a file with a?
func permitted(c linuxvfs.Who, a fuse.Attr, mask uint32) bool {
	return c.Permitted(a.Mode, a.Uid, a.Gid, mask)
}

// Opendir checks that the caller may list the directory: the backend
// refuses at open, as the kernel does, not at the first read.
func (n *node) Opendir(ctx context.Context) syscall.Errno {
	p, err := n.here()
	if err != nil {
		return errnoOf(err)
	}
	if p.b == nil {
		return 0
	}
	f, err := p.b.as(credOf(ctx)).Open(p.name())
	if err != nil {
		if errnoOf(err) == syscall.ENOENT && n.t.tab.Holds(p.virt) {
			return 0
		}
		return errnoOf(err)
	}
	f.Close()
	return 0
}

func (n *node) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	p, err := n.here()
	if err != nil {
		return nil, errnoOf(err)
	}
	ents, err := n.t.list(credOf(ctx), p)
	if err != nil {
		return nil, errnoOf(err)
	}
	return fs.NewListDirStream(append(n.dots(), ents...)), 0
}

// dots are the entries "." and "..".
func (n *node) dots() []fuse.DirEntry {
	self := n.StableAttr().Ino
	parent := self
	if _, p := n.Parent(); p != nil {
		parent = p.StableAttr().Ino
	}
	return []fuse.DirEntry{{Name: ".", Ino: self, Mode: syscall.S_IFDIR}, {Name: "..", Ino: parent, Mode: syscall.S_IFDIR}}
}

// list returns the entries of directory p and the mount targets in it.
func (t *tree) list(c linuxvfs.Who, p place) ([]fuse.DirEntry, error) {
	var ents []fuse.DirEntry
	if p.b != nil {
		var err error
		ents, err = p.b.list(p.b.as(c), p.rel)
		if err != nil && (errnoOf(err) != syscall.ENOENT || !t.tab.Holds(p.virt)) {
			return nil, err
		}
	}
	have := map[string]bool{}
	for _, e := range ents {
		have[e.Name] = true
	}
	for _, name := range t.tab.Leading(p.virt) {
		if !have[name] {
			a, err := t.lstat(c, t.placeOf(path.Join(p.virt, name)))
			if err == nil {
				ents = append(ents, fuse.DirEntry{Name: name, Ino: a.Ino, Mode: a.Mode & syscall.S_IFMT})
			}
		}
	}
	return ents, nil
}

// list reads directory rel of the backend.
func (b *backend) list(fsys afero.Fs, rel string) ([]fuse.DirEntry, error) {
	f, err := fsys.Open("/" + rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ents []fuse.DirEntry
	if d, ok := f.(caps.Direnter); ok {
		des, err := d.Dirents()
		if err != nil {
			return nil, wrap("readdir", rel, err)
		}
		for _, e := range des {
			ents = append(ents, fuse.DirEntry{Name: e.Name, Ino: b.ino(e.Dev, e.Ino), Mode: uint32(e.Type) << 12})
		}
		return ents, nil
	}
	fis, err := f.Readdir(-1)
	if err != nil {
		return nil, wrap("readdir", rel, err)
	}
	for _, fi := range fis {
		a := b.attr(path.Join(rel, fi.Name()), fi)
		ents = append(ents, fuse.DirEntry{Name: fi.Name(), Ino: a.Ino, Mode: a.Mode & syscall.S_IFMT})
	}
	return ents, nil
}

func (n *node) Readlink(ctx context.Context) ([]byte, syscall.Errno) {
	p, err := n.here()
	if err != nil {
		return nil, errnoOf(err)
	}
	if p.b == nil {
		return nil, syscall.EINVAL
	}
	r, ok := p.b.as(credOf(ctx)).(afero.LinkReader)
	if !ok {
		return nil, syscall.EINVAL
	}
	t, err := r.ReadlinkIfPossible(p.name())
	if err != nil {
		return nil, errnoOf(err)
	}
	return []byte(t), 0
}

func (n *node) Statfs(ctx context.Context, out *fuse.StatfsOut) syscall.Errno {
	var blocks, bfree, files, ffree uint64 = 1 << 20, 1 << 20, 1 << 20, 1 << 20
	if p, err := n.here(); err == nil && p.b != nil {
		if s, ok := p.b.fs.(caps.StatFSer); ok {
			blocks, bfree, files, ffree = s.StatFS()
		}
	}
	*out = fuse.StatfsOut{Blocks: blocks, Bfree: bfree, Bavail: bfree, Files: files, Ffree: ffree,
		Bsize: 4096, Frsize: 4096, NameLen: 255}
	return 0
}
