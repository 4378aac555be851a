// dir.go holds merged directory listings and dirFile, the File of an open
// directory: every name once, whiteouts and opaque markers hidden, sorted
// by name like mem.

package overlay

import (
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// list returns the merged entries of directory n, sorted by name, a slice
// the caller does not change (it may be a layer's own: one layer whose
// listing holds nothing to interpret and is in order already, as a host
// layer's cached one is). A whiteout in a layer hides its name in the
// layers below only, so the last layer records neither names nor
// whiteouts, and a directory of one layer needs no set of them.
func (fs *FS) list(n *node) ([]mem.Dirent, unix.Errno) {
	var seen, gone map[string]bool
	if len(n.ents) > 1 {
		seen, gone = map[string]bool{}, map[string]bool{}
	}
	var out []mem.Dirent
	for i, d := range n.ents {
		l := fs.s.layers[d.layer]
		ents, err := l.ReadDir(n.path)
		if err != nil {
			return nil, errnoOf(err)
		}
		if len(n.ents) == 1 && plain(ents) {
			return ents, 0
		}
		if out == nil {
			out = make([]mem.Dirent, 0, len(ents))
		}
		last := i == len(n.ents)-1
		var whiteouts []string
		for _, de := range ents {
			name, wh := fs.classify(l, n.path, de)
			switch {
			case wh:
				if !last {
					whiteouts = append(whiteouts, name)
				}
			case name == "" || seen[name] || gone[name]:
			default:
				if !last {
					seen[name] = true
				}
				out = append(out, de)
			}
		}
		for _, name := range whiteouts {
			gone[name] = true
		}
	}
	slices.SortFunc(out, func(a, b mem.Dirent) int { return strings.Compare(a.Name, b.Name) })
	return out, 0
}

// plain tells whether a layer's listing is sorted by name and holds no
// entry classify would look at twice (opaque markers, whiteouts, devices,
// unknown types).
func plain(ents []mem.Dirent) bool {
	for i, de := range ents {
		if de.Type == unix.DT_CHR || de.Type == unix.DT_UNKNOWN || de.Name == opaqueName || hidden(de.Name) ||
			i > 0 && ents[i-1].Name >= de.Name {
			return false
		}
	}
	return true
}

// classify tells what the entry de of directory dir in layer l means: a
// name to show, or (wh set) a whiteout of that name; name is empty for the
// opaque marker. An entry of unknown type gets its type from Lstat.
func (fs *FS) classify(l Layer, dir string, de mem.Dirent) (name string, wh bool) {
	switch {
	case de.Name == opaqueName:
		return "", false
	case hidden(de.Name):
		return de.Name[len(whPrefix):], true
	}
	if de.Type == unix.DT_CHR || de.Type == unix.DT_UNKNOWN {
		st, err := l.Lstat(join(dir, de.Name))
		if err == nil && isWhiteoutDev(&st) {
			return de.Name, true
		}
	}
	return de.Name, false
}

// empty tells whether the merged directory n shows no entry.
func (fs *FS) empty(n *node) (bool, unix.Errno) {
	ents, e := fs.list(n)
	return len(ents) == 0, e
}

// dirFile is an open merged directory. It finds the directory again by
// its real path at each call, so a listing is always the current one; the
// path follows renames of the directory and of those above it, and leads
// nowhere once the directory is removed, as the kernel's descriptor of it
// would (caps.Pather).
type dirFile struct {
	fs   *FS // the view it was opened from
	name string
	at   *tracked // its path, kept by the FS
	st   mem.Stat // at the open, for Stat once the directory is gone

	mu     sync.Mutex
	closed bool
	cur    linuxvfs.Cursor
}

func (f *dirFile) Name() string { return f.name }

// Fd is ^uintptr(0): a directory has no kernel descriptor.
func (f *dirFile) Fd() uintptr { return ^uintptr(0) }

// check fails once the File is closed.
func (f *dirFile) check(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return &os.PathError{Op: op, Path: f.name, Err: os.ErrClosed}
	}
	return nil
}

func (f *dirFile) errOr(op string, e unix.Errno) error {
	if err := f.check(op); err != nil {
		return err
	}
	return pathErr(op, f.name, e)
}

func (f *dirFile) Read([]byte) (int, error)           { return 0, f.errOr("read", unix.EISDIR) }
func (f *dirFile) ReadAt([]byte, int64) (int, error)  { return 0, f.errOr("read", unix.EISDIR) }
func (f *dirFile) Write([]byte) (int, error)          { return 0, f.errOr("write", unix.EBADF) }
func (f *dirFile) WriteAt([]byte, int64) (int, error) { return 0, f.errOr("write", unix.EBADF) }
func (f *dirFile) WriteString(string) (int, error)    { return 0, f.errOr("write", unix.EBADF) }
func (f *dirFile) Truncate(int64) error               { return f.errOr("truncate", unix.EINVAL) }
func (f *dirFile) Sync() error                        { return f.check("sync") }

func (f *dirFile) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return &os.PathError{Op: "close", Path: f.name, Err: os.ErrClosed}
	}
	f.closed = true
	f.fs.untrackDir(f.at)
	return nil
}

// Path is where the directory is now, "/" for the root: ENOENT once it
// was removed (caps.Pather).
func (f *dirFile) Path() (string, error) {
	return f.where("path")
}

// where is Path for the calls that act on the directory, op among them:
// what check says of the open file first, then where it is now.
func (f *dirFile) where(op string) (string, error) {
	if err := f.check(op); err != nil {
		return "", err
	}
	p, e := f.fs.dirPath(f.at)
	if e != 0 {
		return "", pathErr(op, f.name, e)
	}
	return upath(p), nil
}

// Seek can only rewind (0, io.SeekStart) or tell the offset (0,
// io.SeekCurrent: 0 before Readdir, 1 after), as mem's directories.
func (f *dirFile) Seek(offset int64, whence int) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, &os.PathError{Op: "seek", Path: f.name, Err: os.ErrClosed}
	}
	off, e := f.cur.Lseek(offset, whence)
	if e != 0 {
		return 0, pathErr("seek", f.name, e)
	}
	return off, nil
}

// node finds the directory again, under the lock: ENOENT once its path
// no longer leads to a directory.
func (f *dirFile) node() (*node, unix.Errno) {
	p, e := f.fs.dirPath(f.at)
	if e != 0 {
		return nil, e
	}
	n, e := f.fs.real(p)
	if e == 0 && !n.isDir() {
		e = unix.ENOENT
	}
	return n, e
}

// Stat returns the FileInfo of the directory; once it is gone, what it
// was at the open with a link count of 0.
func (f *dirFile) Stat() (os.FileInfo, error) {
	if err := f.check("stat"); err != nil {
		return nil, err
	}
	f.fs.s.mu.RLock()
	defer f.fs.s.mu.RUnlock()
	n, e := f.node()
	if e != 0 {
		st := f.st
		st.Nlink = 0
		return mem.FileInfo(linuxvfs.BaseName(f.name), st), nil
	}
	return mem.FileInfo(linuxvfs.BaseName(f.name), f.fs.stat(n)), nil
}

// Readdir returns the FileInfo (as Lstat gives it) of up to n entries,
// sorted by name, continuing where the last call stopped, with the rules
// of mem.File.Readdir.
func (f *dirFile) Readdir(count int) ([]os.FileInfo, error) {
	var infos []os.FileInfo
	err := f.readdir(count, "readdir", func(dir *node, de mem.Dirent) {
		if c, e := f.fs.child(dir, de.Name); e == 0 {
			infos = append(infos, mem.FileInfo(de.Name, f.fs.stat(c)))
		}
	})
	return infos, err
}

// Readdirnames is Readdir returning only names.
func (f *dirFile) Readdirnames(count int) ([]string, error) {
	var names []string
	err := f.readdir(count, "readdirnames", func(_ *node, de mem.Dirent) {
		names = append(names, de.Name)
	})
	return names, err
}

func (f *dirFile) readdir(count int, op string, emit func(*node, mem.Dirent)) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return &os.PathError{Op: op, Path: f.name, Err: os.ErrClosed}
	}
	f.fs.s.mu.RLock()
	defer f.fs.s.mu.RUnlock()
	dir, ents, e := f.entries()
	if e != 0 {
		return pathErr(op, f.name, e)
	}
	emitted := f.cur.Read(count, len(ents), func(i int) string { return ents[i].Name },
		func(i int) { emit(dir, ents[i]) })
	if count > 0 && emitted == 0 {
		return io.EOF
	}
	return nil
}

// Dirents returns every entry of the directory, sorted by name, whatever
// the position of Readdir (as mem.File.Dirents).
func (f *dirFile) Dirents() ([]mem.Dirent, error) {
	if err := f.check("getdents"); err != nil {
		return nil, err
	}
	f.fs.s.mu.RLock()
	defer f.fs.s.mu.RUnlock()
	_, ents, e := f.entries()
	if e != 0 {
		return nil, pathErr("getdents", f.name, e)
	}
	return ents, nil
}

// entries returns the directory's node and its merged entries, sorted by
// name. The caller holds the read lock.
func (f *dirFile) entries() (*node, []mem.Dirent, unix.Errno) {
	dir, e := f.node()
	if e != 0 {
		return nil, nil, e
	}
	ents, e := f.fs.list(dir)
	return dir, ents, e
}

// Chmod is fchmod(2) on the directory: Chmod of its path, copying it up.
func (f *dirFile) Chmod(mode os.FileMode) error {
	p, err := f.where("chmod")
	if err != nil {
		return err
	}
	return f.fs.chmod("chmod", p, mode, true)
}

// Chown is fchown(2) on the directory.
func (f *dirFile) Chown(uid, gid int) error {
	p, err := f.where("chown")
	if err != nil {
		return err
	}
	return f.fs.chown("chown", p, uid, gid, false, true)
}

// Utimens is futimens(2) with explicit times on the directory.
func (f *dirFile) Utimens(atime, mtime *time.Time) error {
	p, err := f.where("utimens")
	if err != nil {
		return err
	}
	return f.fs.utimens(p, atime, mtime, false, true)
}

// Touch is futimens(2) with UTIME_NOW on the directory.
func (f *dirFile) Touch() error {
	p, err := f.where("utimens")
	if err != nil {
		return err
	}
	return f.fs.touch(p, false, true)
}
