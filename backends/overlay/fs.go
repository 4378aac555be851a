// fs.go holds the FS type, its constructor, the per-user views made by As,
// and the helpers every operation shares: locking, paths and errors.

package overlay

import (
	"os"
	"strings"
	"sync"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// shared is the state of an FS and all its views.
type shared struct {
	mu     sync.RWMutex
	layers []Layer // bottom first; the last is the upper layer
	upper  *mem.FS

	// data finds the overlay path of a lower file from the kernel's
	// identity of a descriptor handed out for it (see OpenDataFile).
	dataMu sync.Mutex
	data   map[dataKey]*tracked
	// dirs are the paths of open directories (dirFile), under dataMu and
	// kept up to date the same way.
	dirs map[*tracked]struct{}

	// found holds merged directories lookups found (dircache.go);
	// writing is set while an operation holds the write lock.
	found   dirCache
	writing bool

	// lower is the overlay of the lower layers alone (InLower).
	lowerOnce sync.Once
	lower     *FS
}

// newShared is the state of an overlay of lowers (bottom first) under
// upper.
func newShared(lowers []Layer, upper *mem.FS) *shared {
	s := &shared{upper: upper, data: make(map[dataKey]*tracked), dirs: make(map[*tracked]struct{})}
	s.layers = append(append(s.layers, lowers...), memLayer{fs: upper})
	return s
}

// FS is a copy-on-write overlay of read-only lower layers under a mem.FS
// upper layer. It implements afero.Fs, afero.Lstater and afero.Symlinker;
// all methods are safe for concurrent use. The FS returned by New acts as
// root; As returns views that check permissions for another user.
type FS struct {
	s    *shared
	cred mem.Cred
	up   *mem.FS // the upper layer as the view's user sees it
}

var (
	_ afero.Fs        = (*FS)(nil)
	_ afero.Lstater   = (*FS)(nil)
	_ afero.Symlinker = (*FS)(nil)
)

// New returns the overlay of lowers (lowers[0] at the bottom, each later
// one above it) under upper, which holds the changes: what it holds when
// New is called is taken as earlier changes (an OCI layer unpacked into
// it, say). A nil upper is a new mem.FS. If upper is empty, its root
// directory gets the mode, owner and times of the topmost lower layer's
// root, so that the merged root looks like the tree it overlays (kernel
// overlayfs shows the upper directory's own attributes there).
func New(lowers []Layer, upper *mem.FS) *FS {
	if upper == nil {
		upper = mem.New()
	}
	var cached []Layer
	for _, l := range lowers {
		if l != nil {
			cached = append(cached, newCached(l))
		}
	}
	s := newShared(cached, upper)
	fs := &FS{s: s, up: upper}
	fs.initRoot()
	return fs
}

// initRoot gives an empty upper root the attributes of the topmost lower
// root.
func (fs *FS) initRoot() {
	if len(fs.s.layers) < 2 {
		return
	}
	up := fs.s.upper
	if f, err := up.Open("/"); err == nil {
		names, _ := f.Readdirnames(1)
		f.Close()
		if len(names) > 0 {
			return
		}
	}
	st, err := fs.s.layers[len(fs.s.layers)-2].Lstat("")
	if err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return
	}
	fs.setAttrs("", st)
}

// Upper returns the upper layer: the changes made through the overlay,
// deletions as OCI whiteouts. It must not be changed directly while the
// overlay is in use.
func (fs *FS) Upper() *mem.FS { return fs.s.upper }

// As returns a view of the same overlay that acts as user w: permissions
// are checked as the kernel would for a process with these IDs and no
// capabilities (unless w.Uid is 0), on the attributes of the topmost
// layer's file, and new files are owned by w. Changes go to the upper
// layer through Upper().As(w). The view is an *FS.
func (fs *FS) As(w linuxvfs.Who) afero.Fs {
	c := mem.Cred(w)
	c.Groups = append([]uint32(nil), c.Groups...)
	up, ok := fs.s.upper.As(w).(*mem.FS)
	if !ok {
		up = fs.s.upper
	}
	return &FS{s: fs.s, cred: c, up: up}
}

// Name returns the name of this file system type, "overlay".
func (fs *FS) Name() string { return "overlay" }

// StatFS returns the upper layer's numbers for statfs(2) (see
// mem.FS.StatFS).
func (fs *FS) StatFS() (blocks, bfree, files, ffree uint64) {
	return fs.s.upper.StatFS()
}

// upperIdx is the index of the upper layer in s.layers.
func (fs *FS) upperIdx() int { return len(fs.s.layers) - 1 }

// The names of OCI whiteouts.
const (
	whPrefix   = ".wh."
	opaqueName = ".wh..wh..opq"
)

// hidden tells whether name is reserved for whiteouts: such names are
// never visible, and cannot be created (EINVAL).
func hidden(name string) bool { return strings.HasPrefix(name, whPrefix) }

// join appends name to the relative path dir.
func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// upath is the name of the relative path p in the upper mem.FS.
func upath(p string) string { return "/" + p }

func pathErr(op, path string, e unix.Errno) error {
	return &os.PathError{Op: op, Path: path, Err: e}
}

func linkErr(op, oldname, newname string, e unix.Errno) error {
	return &os.LinkError{Op: op, Old: oldname, New: newname, Err: e}
}

// errnoOf is linuxvfs.ErrnoOf.
func errnoOf(err error) unix.Errno { return linuxvfs.ErrnoOf(err) }

// write runs f under the write lock.
func (fs *FS) write(f func() unix.Errno) unix.Errno {
	fs.lock()
	defer fs.unlock()
	return f()
}

// lock takes the write lock for an operation that changes the overlay;
// unlock releases it. Lookups under it read the directory cache but do
// not fill it.
func (fs *FS) lock() {
	fs.s.mu.Lock()
	fs.s.writing = true
}

func (fs *FS) unlock() {
	fs.s.writing = false
	fs.s.mu.Unlock()
}

// InLower says whether path p exists in the lower layers alone, as if the
// run had changed nothing: the snapshot marks such names as modified
// rather than added (zvfs diff).
func (fs *FS) InLower(p string) bool {
	fs.s.lowerOnce.Do(func() {
		lowers := fs.s.layers[:len(fs.s.layers)-1]
		v := newShared(lowers, mem.New())
		fs.s.lower = &FS{s: v, up: v.upper}
	})
	_, err := fs.s.lower.Lstat(p)
	return err == nil
}

// Close closes the upper layer and the lower layers held in memory (the
// mem.FS of each: their memfds, the host nodes of their special files).
// Descriptors handed out stay valid; the FS and its views must not be used
// afterwards.
func (fs *FS) Close() error {
	for _, l := range fs.s.layers {
		if c, ok := l.(*cachedLayer); ok {
			l = c.Layer
		}
		if m, ok := l.(memLayer); ok {
			m.fs.Close()
		}
	}
	return nil
}
