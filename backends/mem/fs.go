// fs.go holds the FS type, its constructor, the per-user views made by As,
// and the small afero.Fs methods that only look a path up.

package mem

import (
	"os"
	"sync"
	"sync/atomic"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// devCounter hands out device numbers, one per FS.
var devCounter atomic.Uint32

// treeLock is the tree's lock. Taking it for writing moves the tree's
// change count (Gen) before and after the change, and logs what the
// change touched (changes.go).
type treeLock struct {
	sync.RWMutex
	gen atomic.Uint64
	log changeLog
}

func (l *treeLock) Lock() {
	l.RWMutex.Lock()
	l.gen.Add(1)
	l.begin()
}

func (l *treeLock) Unlock() {
	l.log.file(l.gen.Load() + 1)
	l.gen.Add(1)
	l.RWMutex.Unlock()
}

// tree is the state shared by an FS and all its views.
type tree struct {
	mu      treeLock
	root    *inode
	dev     uint64
	nextIno uint64
	inodes  uint64 // inodes with at least one name

	// data finds the inode behind a memfd from the kernel's identity of
	// it (see OpenData). Entries stay after the inode has lost its last
	// name while a process may still hold a descriptor of its memfd.
	data map[dataKey]*inode
	// orphans are the entries of data whose inodes have no name left,
	// oldest first; a sweep (orphans.go) forgets those no process holds
	// once there are sweepAt of them.
	orphans  []orphan
	sweepAt  int
	sweeping bool

	// spare makes new files' memfds ahead and closes removed ones'
	// later (spares.go).
	spare spares

	// nodes is the host directory of the special files' host nodes
	// (special.go), made with the first; removed by Close.
	nodes string
}

// FS is a POSIX in-memory file system that behaves like a Linux tmpfs. It
// implements afero.Fs, afero.Lstater and afero.Symlinker. All methods are
// safe for concurrent use.
//
// The FS returned by New acts as root; As returns views of the same tree
// that check permissions for another user.
type FS struct {
	t    *tree
	cred Cred
}

// Cred is the identity a view acts as (a linuxvfs.Who: file system user
// and group IDs and supplementary groups), with the permission checks of
// this package as its methods. Uid 0 is root and bypasses permission checks
// the way CAP_DAC_OVERRIDE, CAP_FOWNER and CAP_CHOWN do.
type Cred linuxvfs.Who

var (
	_ afero.Fs        = (*FS)(nil)
	_ afero.Lstater   = (*FS)(nil)
	_ afero.Symlinker = (*FS)(nil)
	_ afero.File      = (*File)(nil)
)

// New returns an empty file system: a root directory of mode 0755 owned by
// 0:0.
func New() *FS {
	t := &tree{dev: unix.Mkdev(0x7a, devCounter.Add(1)), data: make(map[dataKey]*inode)}
	now := now()
	root := &inode{mode: unix.S_IFDIR | 0755, nlink: 2, size: 2 * bogoDirent, memfd: -1,
		atime: now, mtime: now, ctime: now}
	root.parent = root
	t.root = root
	t.newIno(root)
	return &FS{t: t}
}

// newIno numbers a new inode and counts it. The caller holds the write lock
// (or is New).
func (t *tree) newIno(n *inode) {
	t.nextIno++
	n.ino = t.nextIno
	t.inodes++
}

// As returns a view of the same tree that acts as user w: it checks
// permissions as the kernel would for a process with these IDs and no
// capabilities (unless w.Uid is 0), and new files and directories are owned
// by w.Uid and w.Gid (or inherit the group of a set-group-ID directory).
// The view is an *FS, so the extensions of FS (Link, RenameFlags, ...) are
// there too, after a type assertion.
func (fs *FS) As(w linuxvfs.Who) afero.Fs {
	c := Cred(w)
	c.Groups = append([]uint32(nil), c.Groups...)
	return &FS{t: fs.t, cred: c}
}

// Name returns the name of this file system type, "mem".
func (fs *FS) Name() string { return "mem" }

func pathErr(op, path string, err error) error {
	return &os.PathError{Op: op, Path: path, Err: err}
}

func linkErr(op, oldname, newname string, err error) error {
	return &os.LinkError{Op: op, Old: oldname, New: newname, Err: err}
}

// lookup resolves name for a read-only operation, following a final
// symbolic link if follow is set. The caller holds the lock.
func (fs *FS) lookup(name string, follow bool) (*inode, unix.Errno) {
	if e := linuxvfs.CheckPath(name); e != 0 {
		return nil, e
	}
	w := fs.walker()
	return w.Resolve(fs.t.root, name, follow)
}

// Stat returns the FileInfo of the file name refers to, following symbolic
// links. Its Sys method returns a *Stat.
func (fs *FS) Stat(name string) (os.FileInfo, error) {
	return fs.statOp("stat", name, true)
}

// Lstat is Stat that does not follow a final symbolic link.
func (fs *FS) Lstat(name string) (os.FileInfo, error) {
	return fs.statOp("lstat", name, false)
}

// LstatIfPossible is Lstat; the boolean is always true (afero.Lstater).
func (fs *FS) LstatIfPossible(name string) (os.FileInfo, bool, error) {
	fi, err := fs.Lstat(name)
	return fi, true, err
}

// LstatMeta is Lstat without the fstat(2) of a regular file's memfd
// that Lstat makes for its size and times (caps.MetaStater; see
// LstatAll for what is left out).
func (fs *FS) LstatMeta(name string) (Stat, error) {
	fs.t.mu.RLock()
	defer fs.t.mu.RUnlock()
	n, e := fs.lookup(name, false)
	if e != 0 {
		return Stat{}, pathErr("lstat", name, e)
	}
	return fs.t.meta(n), nil
}

func (fs *FS) statOp(op, name string, follow bool) (os.FileInfo, error) {
	fs.t.mu.RLock()
	defer fs.t.mu.RUnlock()
	n, e := fs.lookup(name, follow)
	if e != 0 {
		return nil, pathErr(op, name, e)
	}
	return &fileInfo{name: linuxvfs.BaseName(name), st: fs.t.stat(n, -1)}, nil
}

// Readlink returns the target of the symbolic link name; EINVAL if name is
// not a symbolic link.
func (fs *FS) Readlink(name string) (string, error) {
	fs.t.mu.RLock()
	defer fs.t.mu.RUnlock()
	n, e := fs.lookup(name, false)
	if e == 0 && !n.isLink() {
		e = unix.EINVAL
	}
	if e != 0 {
		return "", pathErr("readlink", name, e)
	}
	return n.target, nil
}

// ReadlinkIfPossible is Readlink (afero.LinkReader).
func (fs *FS) ReadlinkIfPossible(name string) (string, error) {
	return fs.Readlink(name)
}

// regular answers whether n is a regular file with data: 0, EISDIR for a
// directory, EINVAL for any other type.
func regular(n *inode) unix.Errno {
	switch {
	case n.isDir():
		return unix.EISDIR
	case !n.isReg() || n.memfd < 0:
		return unix.EINVAL
	}
	return 0
}

// MemFD returns a duplicate of the memfd that holds the data of the regular
// file name refers to (following symbolic links). The caller owns and
// closes it. Reopening /proc/self/fd/N of it gives a descriptor with its own
// offset and flags. EISDIR for a directory.
func (fs *FS) MemFD(name string) (int, error) {
	fs.t.mu.RLock()
	defer fs.t.mu.RUnlock()
	n, e := fs.lookup(name, true)
	if e == 0 {
		e = regular(n)
	}
	if e != 0 {
		return -1, pathErr("memfd", name, e)
	}
	fd, err := unix.FcntlInt(uintptr(n.memfd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return -1, pathErr("memfd", name, err)
	}
	return fd, nil
}

// Gen is the tree's change count: it moves before and after every change
// of a name, a directory or an inode's attributes (not of the data of
// regular files, which programs change through their descriptors), so an
// even count read before and again after looking something up says that
// nothing changed in between. A layered file system keeps what it found
// in the tree while the count stands.
func (fs *FS) Gen() uint64 { return fs.t.mu.gen.Load() }

// LstatAll is Lstat of dir joined with each of rels ("" naming dir
// itself), with dir looked up once, nothing allocated and no system call:
// a layered file system asks a layer for a name and the markers beside it
// this way at every component of every lookup. errs[i] is rels[i]'s
// errno, 0 if it exists; out[i], for the first len(out) rels, its
// attributes then, but for a regular file without what its data would
// tell Lstat (an fstat(2) of its memfd): its size and blocks are zero,
// its times are as the tree last set them (not as writes moved them), and
// set-user-ID and set-group-ID bits that a write took away may still show.
// Lstat tells those. errs must be as long as rels.
func (fs *FS) LstatAll(dir string, rels []string, out []Stat, errs []unix.Errno) {
	fs.t.mu.RLock()
	defer fs.t.mu.RUnlock()
	var d, through *inode // dir itself, and what a path below it goes through
	e := linuxvfs.CheckPath(dir)
	if e == 0 {
		w := fs.walker()
		d, e = w.Resolve(fs.t.root, dir, false)
	}
	throughErr := e
	if e == 0 {
		through = d
		if d.isLink() {
			w := fs.walker()
			through, throughErr = w.Resolve(fs.t.root, dir, true)
		}
	}
	for i, rel := range rels {
		n := d
		switch {
		case rel == "":
			errs[i] = e
		case throughErr != 0:
			errs[i] = throughErr
		default:
			w := fs.walker()
			n, errs[i] = w.Resolve(through, rel, false)
		}
		if errs[i] == 0 && i < len(out) {
			out[i] = fs.t.meta(n)
		}
	}
}
