// Package fusefs serves zvfs's mount table through FUSE, for programs that
// zvfs does not start: the backends a run gives its hooked processes (mem,
// overlay, tar, bind) appear under one kernel mount point, each at its
// target below it, and every process on the machine can use them. It is
// the front end of `zvfs fuse`.
//
// Nodes are path-based: each FUSE operation finds its file by the node's
// path in the go-fuse tree, asks the backend by that path, and answers
// with the backend's errno. Calls run with the caller's credentials (the
// uid and gid of the FUSE request, and the supplementary groups of its
// process) in the backend's per-user view, so the permission checks are
// the backend's own, as under a run; the kernel's default_permissions is
// not used. Bind mounts have no per-user view: they are served with the
// server's credentials.
package fusefs

import (
	"fmt"
	"os"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"

	"github.com/zvfs/zvfs/mtab"
)

// Options change how the file system is mounted.
type Options struct {
	// AllowOther lets users other than the one mounting use the mount
	// (the FUSE allow_other option; only root may set it freely).
	AllowOther bool
	// Debug logs every FUSE request.
	Debug bool
	// Cache lets the kernel keep names and attributes that long. Zero, the
	// default, sends every lookup and stat to the backend, so permission
	// checks are always the caller's; with a cache, a name or attributes
	// another user looked up recently are reused without them (there is
	// no default_permissions), in exchange for stat at kernel speed.
	Cache time.Duration
}

// Mount mounts mounts at dir and serves them until the returned server is
// unmounted. A mount whose target is "/" is the root itself.
func Mount(dir string, mounts []*mtab.Mount, opt Options) (*fuse.Server, error) {
	t, err := newTree(mounts)
	if err != nil {
		return nil, err
	}
	root := &node{t: t}
	stable := t.rootAttr()
	zero, cache := time.Duration(0), opt.Cache
	o := &fs.Options{
		// By default no caching of names or attributes: every stat
		// reaches the backend, as every call of a run does.
		EntryTimeout: &cache, AttrTimeout: &cache, NegativeTimeout: &zero,
		NullPermissions: true, // mode 000 is a mode, not "unset"
		RootStableAttr:  &stable,
		MountOptions: fuse.MountOptions{
			AllowOther:  opt.AllowOther,
			FsName:      "zvfs",
			Name:        "zvfs",
			Debug:       opt.Debug,
			DirectMount: true,
			MaxWrite:    1 << 20,
			// The backend clears set-id bits on an unprivileged write,
			// truncate or O_TRUNC open (as for the hook), so the kernel
			// leaves that to the door and marks its inodes S_NOSEC
			// instead of asking GETXATTR security.capability before
			// every write.
			ExtraCapabilities: fuse.CAP_HANDLE_KILLPRIV_V2,
		},
	}
	if os.Geteuid() == 0 {
		// Device files open, as on a tmpfs (a FUSE mount is nodev
		// unless asked; only root may ask, and only root makes them).
		o.MountOptions.Options = append(o.MountOptions.Options, "dev")
	}
	srv, err := fs.Mount(dir, root, o)
	if err != nil {
		return nil, fmt.Errorf("mount %s: %w", dir, err)
	}
	return srv, nil
}

// tree is the mount table, with each mount's backend in FUSE's form.
type tree struct {
	tab      *mtab.Table
	backends map[*mtab.Mount]*backend
	start    time.Time // the times of synthetic directories
}

func newTree(mounts []*mtab.Mount) (*tree, error) {
	tab, err := mtab.New(mounts)
	if err != nil {
		return nil, err
	}
	t := &tree{tab: tab, backends: map[*mtab.Mount]*backend{}, start: time.Now()}
	for _, m := range tab.Mounts() {
		t.backends[m] = newBackend(m)
	}
	return t, nil
}

// locate returns the backend that clean absolute path p lies in and p's
// path inside it ("" for its root); nil if none.
func (t *tree) locate(p string) (*backend, string) {
	m, rel := t.tab.Lookup(p)
	if m == nil {
		return nil, ""
	}
	return t.backends[m], rel
}

// rootAttr is the root's identity: its backend's root inode, or a
// synthetic one.
func (t *tree) rootAttr() fs.StableAttr {
	if b, _ := t.locate("/"); b != nil {
		if fi, err := b.fs.Stat("/"); err == nil {
			return fs.StableAttr{Mode: fuse.S_IFDIR, Ino: b.attr("", fi).Ino}
		}
	}
	return fs.StableAttr{Mode: fuse.S_IFDIR, Ino: syntheticIno("/")}
}
