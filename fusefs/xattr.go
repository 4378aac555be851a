// xattr.go serves extended attributes (getxattr, setxattr, listxattr,
// removexattr, and their l and f forms, which the kernel turns into
// requests on the node) from the backend's caps.Xattrer, for the caller's
// credentials. The node is the file itself: the kernel has already
// followed, or not, a final symbolic link.

package fusefs

import (
	"cmp"
	"context"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

var (
	_ fs.NodeGetxattrer    = (*node)(nil)
	_ fs.NodeListxattrer   = (*node)(nil)
	_ fs.NodeSetxattrer    = (*node)(nil)
	_ fs.NodeRemovexattrer = (*node)(nil)
)

// xattrs returns n's place and the attribute store of its backend for
// the caller, nil for a backend that keeps none (or a directory that only
// leads to mount targets); with write, EROFS on a read-only mount.
func (n *node) xattrs(ctx context.Context, write bool) (place, caps.Xattrer, syscall.Errno) {
	p, err := n.here()
	switch {
	case err != nil:
		return p, nil, errnoOf(err)
	case p.b == nil:
		return p, nil, 0
	case write && p.b.ReadOnly:
		return p, nil, syscall.EROFS
	}
	x, _ := p.b.as(credOf(ctx)).(caps.Xattrer)
	return p, x, 0
}

func (n *node) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	p, x, e := n.xattrs(ctx, false)
	if e != 0 || x == nil {
		return 0, cmp.Or(e, syscall.ENODATA)
	}
	v, err := x.GetXattr(p.name(), attr, false)
	if err != nil {
		return 0, errnoOf(err)
	}
	return fill(dest, v, linuxvfs.XattrSizeMax)
}

func (n *node) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	p, x, e := n.xattrs(ctx, false)
	if e != 0 || x == nil {
		return 0, e // none: an empty list
	}
	names, err := x.ListXattr(p.name(), false)
	if err != nil {
		return 0, errnoOf(err)
	}
	return fill(dest, linuxvfs.XattrList(names), linuxvfs.XattrListMax)
}

func (n *node) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	p, x, e := n.xattrs(ctx, true)
	if e != 0 || x == nil {
		return cmp.Or(e, syscall.EOPNOTSUPP)
	}
	return errnoOf(x.SetXattr(p.name(), attr, data, int(flags), false))
}

func (n *node) Removexattr(ctx context.Context, attr string) syscall.Errno {
	p, x, e := n.xattrs(ctx, true)
	if e != 0 || x == nil {
		return cmp.Or(e, syscall.ENODATA)
	}
	if attr == capabilityAttr {
		// The kernel removing a file's capabilities for an unprivileged
		// writer (killpriv), with the writer's credentials: as the server,
		// for a caller who may write the file (who removes them by writing
		// anyway).
		c := credOf(ctx)
		if a, err := n.t.lstat(c, p); err == nil && c.Uid != 0 && permitted(c, a, 2) {
			if root, ok := p.b.as(linuxvfs.Who{}).(caps.Xattrer); ok {
				x = root
			}
		}
	}
	return errnoOf(x.RemoveXattr(p.name(), attr, false))
}

// capabilityAttr holds a file's capabilities (vfs_cap_data).
const capabilityAttr = "security.capability"

// fill copies v to dest, as the kernel's buffer rules have it
// (linuxvfs.XattrFit): with an empty dest the size alone.
func fill(dest, v []byte, limit int) (uint32, syscall.Errno) {
	if e := linuxvfs.XattrFit(len(v), uint64(len(dest)), limit); e != 0 {
		return uint32(len(v)), e
	}
	copy(dest, v) // nothing with an empty dest: it asks for the size
	return uint32(len(v)), 0
}
