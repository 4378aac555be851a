// backend.go holds one mount of the table as the FUSE door serves it: its
// file system as each user sees it, the attributes it reports in FUSE's
// form, and the host directory of a bind mount seen as an afero.Fs.

package fusefs

import (
	"hash/fnv"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fuse"
	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
	"github.com/zvfs/zvfs/mtab"
)

// backend is one mount.
type backend struct {
	*mtab.Mount
	fs afero.Fs // the backend as root sees it; a bind mount's host directory
}

func newBackend(m *mtab.Mount) *backend {
	b := &backend{Mount: m, fs: m.FS}
	if m.FS == nil {
		b.fs = hostFS{afero.NewBasePathFs(afero.NewOsFs(), m.HostDir).(*afero.BasePathFs), m.HostDir}
	}
	return b
}

// as returns the backend as c sees it: a bind mount has no per-user view.
func (b *backend) as(c linuxvfs.Who) afero.Fs {
	if b.Mount.FS == nil {
		return b.fs
	}
	return b.Mount.As(c)
}

// ino is the FUSE inode number of a backend's file numbered raw on device
// dev. FUSE has one device for the whole mount, and the kernel takes two
// files with one number for hard links of one inode (their names share
// the page cache), so the number holds the device too, as go-fuse's
// loopback does: a backend's files may come from several (an overlay's
// lower files are the host's, its upper ones mem's, both numbered from
// small counters on a fresh tmpfs). The mount's index goes above: the
// first mount's numbers on device 0 are their own.
func (b *backend) ino(dev, raw uint64) uint64 {
	return raw ^ (dev<<32 | dev>>32) ^ uint64(b.Index())<<48
}

// attr describes fi, the file at rel, in FUSE's form (caps.StatOf).
func (b *backend) attr(rel string, fi os.FileInfo) fuse.Attr {
	st := caps.StatOf(fi, func() (uint64, uint64) { return 0, hashIno(b.Target + "/" + rel) })
	a := fuse.Attr{Ino: b.ino(st.Dev, st.Ino), Size: uint64(st.Size), Blocks: uint64(st.Blocks), Mode: st.Mode,
		Nlink: uint32(st.Nlink), Owner: fuse.Owner{Uid: st.Uid, Gid: st.Gid}, Rdev: uint32(st.Rdev), Blksize: 4096}
	a.SetTimes(&st.Atime, &st.Mtime, &st.Ctime)
	return a
}

// hashIno numbers a file of a backend that has no inode numbers.
func hashIno(p string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(p))
	return h.Sum64()>>2 | 1<<61
}

// syntheticIno numbers a directory that only leads to mount targets.
func syntheticIno(p string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(p))
	return h.Sum64()>>2 | 1<<62
}

// syntheticAttr describes a directory that only leads to mount targets.
func syntheticAttr(p string, start time.Time) fuse.Attr {
	a := fuse.Attr{Ino: syntheticIno(p), Mode: syscall.S_IFDIR | 0o755, Nlink: 2, Size: 4096, Blksize: 4096}
	a.SetTimes(&start, &start, &start)
	return a
}

// hostFS is the host directory of a bind mount. afero's BasePathFs would
// rewrite a symbolic link's target as a path under the directory; this
// keeps it as given, and adds the calls BasePathFs lacks.
type hostFS struct {
	*afero.BasePathFs
	dir string
}

func (h hostFS) real(name string) string { return filepath.Join(h.dir, filepath.Clean("/"+name)) }

func (h hostFS) SymlinkIfPossible(target, name string) error {
	return os.Symlink(target, h.real(name))
}

func (h hostFS) Link(oldname, newname string) error { return os.Link(h.real(oldname), h.real(newname)) }

func (h hostFS) Mknod(name string, mode uint32, dev uint64) error {
	return opError("mknod", name, ignoreNil(syscall.Mknod(h.real(name), mode, int(dev))))
}

func (h hostFS) Lchown(name string, uid, gid int) error { return os.Lchown(h.real(name), uid, gid) }

func (h hostFS) Unlink(name string) error {
	return opError("unlink", name, ignoreNil(syscall.Unlink(h.real(name))))
}

func (h hostFS) Rmdir(name string) error {
	return opError("rmdir", name, ignoreNil(syscall.Rmdir(h.real(name))))
}

func ignoreNil(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	if e, ok := err.(syscall.Errno); ok {
		return e
	}
	return syscall.EIO
}
