// names.go holds the operations that add, remove and move names: Mkdir,
// Create, Mknod, Symlink, Link, Unlink, Rmdir, Rename.

package fusefs

import (
	"context"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

var (
	_ fs.NodeMkdirer   = (*node)(nil)
	_ fs.NodeCreater   = (*node)(nil)
	_ fs.NodeMknoder   = (*node)(nil)
	_ fs.NodeSymlinker = (*node)(nil)
	_ fs.NodeLinker    = (*node)(nil)
	_ fs.NodeUnlinker  = (*node)(nil)
	_ fs.NodeRmdirer   = (*node)(nil)
	_ fs.NodeRenamer   = (*node)(nil)
)

// changer returns the file system a change at p goes to, as c sees it:
// EROFS in a read-only mount and in the directories that only lead to
// mount targets.
func changer(c linuxvfs.Who, op string, p place) (afero.Fs, error) {
	if p.b == nil || p.b.ReadOnly {
		return nil, opError(op, p.virt, syscall.EROFS)
	}
	return p.b.as(c), nil
}

// childChanger is changer for a new or removed name in n; a mount's own
// root cannot be removed or replaced (EBUSY).
func (n *node) childChanger(ctx context.Context, op, name string) (afero.Fs, place, error) {
	p, err := n.child(name)
	if err != nil {
		return nil, p, err
	}
	if p.b != nil && p.rel == "" {
		return nil, p, opError(op, p.virt, syscall.EBUSY)
	}
	fsys, err := changer(credOf(ctx), op, p)
	return fsys, p, err
}

// entry fills out for the new name p and returns its node.
func (n *node) entry(ctx context.Context, p place, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	a, err := n.t.lstat(credOf(ctx), p)
	if err != nil {
		return nil, errnoOf(err)
	}
	out.Attr = a
	return n.newChild(ctx, a), 0
}

func (n *node) Mkdir(ctx context.Context, name string, mode uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	fsys, p, err := n.childChanger(ctx, "mkdir", name)
	if err == nil {
		err = fsys.Mkdir(p.name(), linuxvfs.FileMode(mode&0o7777))
	}
	if err != nil {
		return nil, errnoOf(err)
	}
	return n.entry(ctx, p, out)
}

func (n *node) Create(ctx context.Context, name string, flags uint32, mode uint32, out *fuse.EntryOut) (*fs.Inode, fs.FileHandle, uint32, syscall.Errno) {
	fsys, p, err := n.childChanger(ctx, "create", name)
	if err != nil {
		return nil, nil, 0, errnoOf(err)
	}
	f, err := fsys.OpenFile(p.name(), backendFlags(flags)|syscall.O_CREAT, linuxvfs.FileMode(mode&0o7777))
	if err != nil {
		return nil, nil, 0, errnoOf(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, 0, errnoOf(err)
	}
	out.Attr = p.b.attr(p.rel, fi)
	child := n.newChild(ctx, out.Attr)
	return child, newHandle(child.Operations().(*node), f, p), 0, 0
}

// Mknod makes a special file (FIFO, device, socket file) where the
// backend has them (caps.Mknoder; EPERM otherwise). The kernel gives the
// FUSE inode its semantics: a FIFO's opens and data never come here.
func (n *node) Mknod(ctx context.Context, name string, mode uint32, dev uint32, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	fsys, p, err := n.childChanger(ctx, "mknod", name)
	if err != nil {
		return nil, errnoOf(err)
	}
	mk, ok := fsys.(caps.Mknoder)
	if !ok {
		return nil, syscall.EPERM
	}
	if err := mk.Mknod(p.name(), mode, uint64(dev)); err != nil {
		return nil, errnoOf(err)
	}
	return n.entry(ctx, p, out)
}

func (n *node) Symlink(ctx context.Context, target, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	fsys, p, err := n.childChanger(ctx, "symlink", name)
	if err != nil {
		return nil, errnoOf(err)
	}
	l, ok := fsys.(afero.Linker)
	if !ok {
		return nil, syscall.EPERM
	}
	if err := l.SymlinkIfPossible(target, p.name()); err != nil {
		return nil, errnoOf(err)
	}
	return n.entry(ctx, p, out)
}

// Link makes name a hard link to target, where the backend has them
// (EPERM otherwise, as link(2) on a file system without them).
func (n *node) Link(ctx context.Context, target fs.InodeEmbedder, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	old, ok := target.(*node)
	if !ok {
		return nil, syscall.EXDEV
	}
	from, err := old.here()
	if err != nil {
		return nil, errnoOf(err)
	}
	fsys, p, err := n.childChanger(ctx, "link", name)
	if err != nil {
		return nil, errnoOf(err)
	}
	if from.b != p.b {
		return nil, syscall.EXDEV
	}
	l, ok := fsys.(caps.Linker)
	if !ok {
		return nil, syscall.EPERM
	}
	if err := l.Link(from.name(), p.name()); err != nil {
		return nil, errnoOf(err)
	}
	return n.entry(ctx, p, out)
}

func (n *node) Unlink(ctx context.Context, name string) syscall.Errno {
	return errnoOf(n.remove(ctx, "unlink", name))
}

func (n *node) Rmdir(ctx context.Context, name string) syscall.Errno {
	return errnoOf(n.remove(ctx, "rmdir", name))
}

// remove is unlink or rmdir (op) of name in n.
func (n *node) remove(ctx context.Context, op, name string) error {
	fsys, p, err := n.childChanger(ctx, op, name)
	if err != nil {
		return err
	}
	if u, ok := fsys.(caps.Unlinker); ok {
		if op == "rmdir" {
			return u.Rmdir(p.name())
		}
		return u.Unlink(p.name())
	}
	fi, err := caps.Lstat(fsys, p.name())
	switch {
	case err != nil:
		return err
	case op == "rmdir" && !fi.IsDir():
		return opError(op, p.virt, syscall.ENOTDIR)
	case op == "unlink" && fi.IsDir():
		return opError(op, p.virt, syscall.EISDIR)
	}
	return fsys.Remove(p.name())
}

func (n *node) Rename(ctx context.Context, name string, newParent fs.InodeEmbedder, newName string, flags uint32) syscall.Errno {
	np, ok := newParent.(*node)
	if !ok {
		return syscall.EXDEV
	}
	fsys, from, err := n.childChanger(ctx, "rename", name)
	if err != nil {
		return errnoOf(err)
	}
	_, to, err := np.childChanger(ctx, "rename", newName)
	if err != nil {
		return errnoOf(err)
	}
	if from.b != to.b {
		return syscall.EXDEV
	}
	return errnoOf(renameFS(fsys, from.name(), to.name(), uint(flags)))
}

func renameFS(fsys afero.Fs, from, to string, flags uint) error {
	if r, ok := fsys.(caps.FlagRenamer); ok {
		return r.RenameFlags(from, to, flags)
	}
	if flags != 0 {
		return opError("rename", from, syscall.EINVAL)
	}
	return fsys.Rename(from, to)
}
