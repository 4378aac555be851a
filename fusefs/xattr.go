// xattr.go serves extended attributes (getxattr, setxattr, listxattr,
// removexattr, and their l and f forms, which the kernel turns into
// requests on the node) from the backend's caps.Xattrer, for the caller's
// credentials. The node is the file itself: the kernel has already
// followed, or not, a final symbolic link.

package fusefs

import (
	"bytes"
	"context"
	"syscall"

	"github.com/hanwen/go-fuse/v2/fs"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
	"github.com/zvfs/zvfs/vfs"
)

var (
	_ fs.NodeGetxattrer    = (*node)(nil)
	_ fs.NodeListxattrer   = (*node)(nil)
	_ fs.NodeSetxattrer    = (*node)(nil)
	_ fs.NodeRemovexattrer = (*node)(nil)
)

// xattrs returns n's place and the attribute store of its backend for
// the caller; ok is false for a backend that keeps none (or a directory
// that only leads to mount targets).
func (n *node) xattrs(ctx context.Context) (p place, x caps.Xattrer, ok bool, e syscall.Errno) {
	p, err := n.here()
	if err != nil {
		return p, nil, false, errnoOf(err)
	}
	if p.b == nil {
		return p, nil, false, 0
	}
	x, ok = p.b.as(credOf(ctx)).(caps.Xattrer)
	return p, x, ok, 0
}

func (n *node) Getxattr(ctx context.Context, attr string, dest []byte) (uint32, syscall.Errno) {
	p, x, ok, e := n.xattrs(ctx)
	switch {
	case e != 0:
		return 0, e
	case !ok:
		return 0, syscall.ENODATA
	}
	v, err := x.GetXattr(p.name(), attr, false)
	if err != nil {
		return 0, errnoOf(err)
	}
	return fill(dest, v, linuxvfs.XattrSizeMax)
}

func (n *node) Listxattr(ctx context.Context, dest []byte) (uint32, syscall.Errno) {
	p, x, ok, e := n.xattrs(ctx)
	switch {
	case e != 0:
		return 0, e
	case !ok:
		return 0, 0
	}
	names, err := x.ListXattr(p.name(), false)
	if err != nil {
		return 0, errnoOf(err)
	}
	var b bytes.Buffer
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(0)
	}
	return fill(dest, b.Bytes(), linuxvfs.XattrListMax)
}

func (n *node) Setxattr(ctx context.Context, attr string, data []byte, flags uint32) syscall.Errno {
	p, x, ok, e := n.xattrs(ctx)
	switch {
	case e != 0:
		return e
	case p.b != nil && p.b.readOnly:
		return syscall.EROFS
	case !ok:
		return syscall.EOPNOTSUPP
	}
	return errnoOf(x.SetXattr(p.name(), attr, data, int(flags), false))
}

func (n *node) Removexattr(ctx context.Context, attr string) syscall.Errno {
	p, x, ok, e := n.xattrs(ctx)
	switch {
	case e != 0:
		return e
	case p.b != nil && p.b.readOnly:
		return syscall.EROFS
	case !ok:
		return syscall.ENODATA
	}
	if attr == capabilityAttr {
		// The kernel removing a file's capabilities for an unprivileged
		// writer (killpriv), with the writer's credentials: as the server,
		// for a caller who may write the file (who removes them by writing
		// anyway).
		c := credOf(ctx)
		if a, err := n.t.lstat(c, p); err == nil && c.Uid != 0 && permitted(c, a, 2) {
			if root, ok := p.b.as(vfs.Cred{}).(caps.Xattrer); ok {
				x = root
			}
		}
	}
	return errnoOf(x.RemoveXattr(p.name(), attr, false))
}

// capabilityAttr holds a file's capabilities (vfs_cap_data).
const capabilityAttr = "security.capability"

// fill copies v to dest, as the kernel's buffer rules have it: with an
// empty dest the size alone, ERANGE with the size if it does not fit
// (E2BIG past limit, which no buffer holds).
func fill(dest, v []byte, limit int) (uint32, syscall.Errno) {
	switch {
	case len(v) > limit:
		return 0, syscall.E2BIG
	case len(dest) == 0:
		return uint32(len(v)), 0
	case len(v) > len(dest):
		return uint32(len(v)), syscall.ERANGE
	}
	return uint32(copy(dest, v)), 0
}
