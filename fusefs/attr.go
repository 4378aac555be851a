// attr.go holds Setattr: chmod, chown, truncate and the utime family, on
// the open file when the kernel names one and its type can, else by path.

package fusefs

import (
	"context"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

var _ fs.NodeSetattrer = (*node)(nil)

func (n *node) Setattr(ctx context.Context, fh fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	p, err := n.here()
	if err != nil {
		return errnoOf(err)
	}
	fsys, err := changer(credOf(ctx), "setattr", p)
	if err != nil {
		return errnoOf(err)
	}
	// The node itself: a symbolic link's owner, not its target's.
	t := caps.Node{FS: fsys, Name: p.name()}
	if h, ok := fh.(*handle); ok {
		t.File = h.f
	}
	if err := apply(t, in); err != nil {
		return errnoOf(err)
	}
	return n.Getattr(ctx, fh, out)
}

// apply makes the changes of in, in the order chmod, chown, truncate,
// times.
func apply(t caps.Node, in *fuse.SetAttrIn) error {
	if mode, ok := in.GetMode(); ok {
		if err := t.Chmod(linuxvfs.FileMode(mode & 0o7777)); err != nil {
			return err
		}
	}
	uid, uok := in.GetUID()
	gid, gok := in.GetGID()
	if uok || gok {
		if err := t.Chown(id(uid, uok), id(gid, gok)); err != nil {
			return err
		}
	}
	if size, ok := in.GetSize(); ok {
		if err := t.Truncate(int64(size)); err != nil {
			return err
		}
	}
	if in.Valid&(fuse.FATTR_ATIME|fuse.FATTR_MTIME) == 0 {
		return nil
	}
	// "now" for both is a touch, which needs only write permission.
	const both = fuse.FATTR_ATIME | fuse.FATTR_MTIME | fuse.FATTR_ATIME_NOW | fuse.FATTR_MTIME_NOW
	var at, mt *time.Time
	if a, ok := in.GetATime(); ok {
		at = &a
	}
	if m, ok := in.GetMTime(); ok {
		mt = &m
	}
	return t.Utimens(at, mt, in.Valid&both == both)
}

// id is an owner to set, or -1 for "unchanged".
func id(v uint32, ok bool) int {
	if !ok {
		return -1
	}
	return int(v)
}
