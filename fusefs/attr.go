// attr.go holds Setattr: chmod, chown, truncate and the utime family, on
// the open file when the kernel names one and its type can, else by path.

package fusefs

import (
	"context"
	"os"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

var _ fs.NodeSetattrer = (*node)(nil)

// target is what one Setattr changes: a path of a backend, and the open
// file if the kernel sent one.
type target struct {
	fsys afero.Fs
	name string
	file afero.File // nil: by path
}

func (n *node) Setattr(ctx context.Context, fh fs.FileHandle, in *fuse.SetAttrIn, out *fuse.AttrOut) syscall.Errno {
	p, err := n.here()
	if err != nil {
		return errnoOf(err)
	}
	fsys, err := changer(credOf(ctx), "setattr", p)
	if err != nil {
		return errnoOf(err)
	}
	t := target{fsys: fsys, name: p.name()}
	if h, ok := fh.(*handle); ok {
		t.file = h.f
	}
	if err := t.apply(in); err != nil {
		return errnoOf(err)
	}
	return n.Getattr(ctx, fh, out)
}

// apply makes the changes of in, in the order chmod, chown, truncate,
// times.
func (t target) apply(in *fuse.SetAttrIn) error {
	if mode, ok := in.GetMode(); ok {
		if err := t.chmod(mode); err != nil {
			return err
		}
	}
	uid, uok := in.GetUID()
	gid, gok := in.GetGID()
	if uok || gok {
		if err := t.chown(id(uid, uok), id(gid, gok)); err != nil {
			return err
		}
	}
	if size, ok := in.GetSize(); ok {
		if err := t.truncate(int64(size)); err != nil {
			return err
		}
	}
	if in.Valid&(fuse.FATTR_ATIME|fuse.FATTR_MTIME) != 0 {
		return t.utimens(in)
	}
	return nil
}

// id is an owner to set, or -1 for "unchanged".
func id(v uint32, ok bool) int {
	if !ok {
		return -1
	}
	return int(v)
}

func (t target) chmod(mode uint32) error {
	fm := linuxvfs.FileMode(mode & 0o7777)
	if c, ok := t.file.(caps.FileChmoder); ok {
		return c.Chmod(fm)
	}
	return t.fsys.Chmod(t.name, fm)
}

// chown changes the node itself: a symbolic link, not what it points to.
func (t target) chown(uid, gid int) error {
	if c, ok := t.file.(caps.FileChowner); ok {
		return c.Chown(uid, gid)
	}
	if l, ok := t.fsys.(caps.Lchowner); ok {
		return l.Lchown(t.name, uid, gid)
	}
	return t.fsys.Chown(t.name, uid, gid)
}

func (t target) truncate(size int64) error {
	if t.file != nil {
		return t.file.Truncate(size)
	}
	if tr, ok := t.fsys.(caps.Truncater); ok {
		return tr.Truncate(t.name, size)
	}
	f, err := t.fsys.OpenFile(t.name, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Truncate(size)
}

// utimens sets the times: "now" for both is a touch, which needs only
// write permission; explicit times need ownership.
func (t target) utimens(in *fuse.SetAttrIn) error {
	const both = fuse.FATTR_ATIME | fuse.FATTR_MTIME | fuse.FATTR_ATIME_NOW | fuse.FATTR_MTIME_NOW
	if in.Valid&both == both {
		return t.touch()
	}
	var at, mt *time.Time
	if a, ok := in.GetATime(); ok {
		at = &a
	}
	if m, ok := in.GetMTime(); ok {
		mt = &m
	}
	if u, ok := t.file.(caps.FileUtimenser); ok {
		return u.Utimens(at, mt)
	}
	if u, ok := t.fsys.(caps.Utimenser); ok {
		return u.Utimens(t.name, at, mt, false)
	}
	return t.chtimes(at, mt)
}

func (t target) touch() error {
	if tf, ok := t.file.(caps.FileToucher); ok {
		return tf.Touch()
	}
	if tf, ok := t.fsys.(caps.Toucher); ok {
		return tf.Touch(t.name, false)
	}
	now := time.Now()
	return t.chtimes(&now, &now)
}

// chtimes is the fallback for backends with only afero's Chtimes.
func (t target) chtimes(at, mt *time.Time) error {
	fi, err := lstatFS(t.fsys, t.name)
	if err != nil {
		return err
	}
	a, m := fi.ModTime(), fi.ModTime()
	if at != nil {
		a = *at
	}
	if mt != nil {
		m = *mt
	}
	return t.fsys.Chtimes(t.name, a, m)
}
