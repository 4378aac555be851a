// inode.go holds the inode (the record behind every name: directory, regular
// file, symbolic link or special file), the directory entry bookkeeping that keeps link
// counts and sizes like tmpfs, and the clock the tree uses.

package mem

import (
	"encoding/binary"
	"sort"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
)

// tmpfs gives every directory a size of two bogus entries plus one per name.
const bogoDirent = 20

type inode struct {
	ino   uint64
	mode  uint32 // S_IFMT type bits and the 07777 permission bits
	uid   uint32
	gid   uint32
	nlink uint32

	// Times. For a regular file atime and mtime are read from its memfd
	// and ctime is the later of this one and the memfd's (writes go through
	// the kernel and move the memfd's times only).
	atime, mtime, ctime time.Time

	// Directories.
	parent  *inode            // ".."; the root is its own parent
	entries map[string]*inode // names in this directory
	// names caches the same names, sorted, for listings; nil when a name
	// was added or removed since. Readers build it under the tree's read
	// lock, hence the atomic pointer.
	names atomic.Pointer[[]string]
	// dirents caches the listing getdents renders from names, with each
	// entry's inode number and type; nil when an entry changed.
	dirents atomic.Pointer[[]Dirent]
	size    int64 // 40 + 20 per entry, like tmpfs
	dead    bool  // removed; reading it gives ENOENT

	// Symbolic links.
	target string

	// Special files (special.go): a device's number, and the host node
	// opens reach, once made.
	rdev uint64
	host string

	// Extended attributes (xattr.go), by name.
	xattrs map[string][]byte

	// Regular files: the memfd holding the data, -1 once the last name
	// is gone and for an O_TMPFILE file that has not been linked yet
	// (open Files keep their own descriptors).
	memfd int
	// key is the memfd's kernel identity (what fstat of any descriptor of
	// its data gives), set when the data is made.
	key dataKey
	// dmode is the mode the memfd was last given by mirror, which keeps
	// the file's set-ID bits on it for the kernel to take away; 0 while
	// it has the dataPerm of a new memfd.
	dmode uint32

	// written marks a regular file of which a descriptor open for writing
	// has been handed out: its holders may have left new permission bits
	// on its data (caps.ModeXattr), which liveMode reads. Set under the
	// read lock too, hence atomic.
	written atomic.Bool

	// linkable marks an O_TMPFILE file opened without O_EXCL that has
	// not had a name yet: LinkData may give it one although its link
	// count is 0 (the kernel's I_LINKABLE).
	linkable bool
}

func (n *inode) typ() uint32  { return n.mode & unix.S_IFMT }
func (n *inode) isDir() bool  { return n.typ() == unix.S_IFDIR }
func (n *inode) isReg() bool  { return n.typ() == unix.S_IFREG }
func (n *inode) isLink() bool { return n.typ() == unix.S_IFLNK }
func (n *inode) empty() bool  { return len(n.entries) == 0 }
func (n *inode) perm() uint32 { return n.mode & 07777 }

// liveMode is n's mode, with the permission bits a writer of n's data has
// left on it (caps.ModeXattr) if there are any: fd is a descriptor of the
// data for a file with no memfd left, or -1 (see dataFD). The set-ID bits
// are always n.mode's: a writer sets only files without them.
func (n *inode) liveMode(fd int) uint32 {
	if !n.written.Load() {
		return n.mode
	}
	if fd = dataFD(n, fd); fd < 0 {
		return n.mode
	}
	var b [4]byte
	if sz, err := unix.Fgetxattr(fd, caps.ModeXattr, b[:]); err != nil || sz != len(b) {
		return n.mode
	}
	const bits = 0777 | unix.S_ISVTX
	return n.mode&^bits | binary.LittleEndian.Uint32(b[:])&bits
}

// settleMode puts n.mode's permission bits, just set (fd is as for
// liveMode), in place of those a writer left on n's data, if it left any. A
// writer that sets them again afterwards comes after this change. Replaced,
// not removed: a stub that has read the file's entry of before the change
// (whose mode a writer's bits may have made stale) and reads the data's
// bits after it must find the new ones, not fall back to that entry's.
// The caller holds the write lock.
func (n *inode) settleMode(fd int) {
	if fd = dataFD(n, fd); fd >= 0 && n.written.Load() {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], n.mode&(0777|unix.S_ISVTX))
		unix.Fsetxattr(fd, caps.ModeXattr, b[:], unix.XATTR_REPLACE)
	}
}
func (n *inode) touch(t time.Time) {
	n.mtime = t
	n.ctime = t
}

// sortedNames returns the names of directory n in order. A directory with
// many names is listed much less often than it changes (a build creating
// files), so the order is made when a listing needs it, not at each change.
func (n *inode) sortedNames() []string {
	if p := n.names.Load(); p != nil {
		return *p
	}
	s := make([]string, 0, len(n.entries))
	for name := range n.entries {
		s = append(s, name)
	}
	sort.Strings(s)
	n.names.Store(&s)
	return s
}

// listing returns the entries of directory n of t in name order, as
// getdents reports them, on t's device. The slice is shared: callers do
// not change it. Readers build it under the tree's read lock, like
// sortedNames.
func (t *tree) listing(n *inode) []Dirent {
	if p := n.dirents.Load(); p != nil {
		return *p
	}
	names := n.sortedNames()
	out := make([]Dirent, 0, len(names))
	for _, name := range names {
		c := n.entries[name]
		out = append(out, Dirent{Name: name, Ino: c.ino, Dev: t.dev, Type: uint8(c.typ() >> 12)})
	}
	n.dirents.Store(&out)
	return out
}

// changed drops the cached listings of directory n.
func (n *inode) changed() {
	n.names.Store(nil)
	n.dirents.Store(nil)
}

// lookup returns the entry called name, or nil.
func (n *inode) lookup(name string) *inode {
	if n.entries == nil {
		return nil
	}
	return n.entries[name]
}

// add links child into directory dir under name, which must be free. It
// keeps the link counts and the bogus size the way tmpfs does.
func (t *tree) add(dir *inode, name string, child *inode) {
	t.mu.entry(dir, name)
	if dir.entries == nil {
		dir.entries = make(map[string]*inode)
	}
	dir.entries[name] = child
	dir.changed()
	dir.size += bogoDirent
	if child.isDir() {
		child.parent = dir
		dir.nlink++
	}
}

// remove unlinks name from directory dir. It drops dir's own link count
// for a subdirectory but leaves the child's link count to the caller.
func (t *tree) remove(dir *inode, name string) {
	t.mu.entry(dir, name)
	child := dir.entries[name]
	delete(dir.entries, name)
	dir.changed()
	dir.size -= bogoDirent
	if child != nil && child.isDir() {
		dir.nlink--
	}
}

// replace puts child in place of the entry name of dir without touching
// counts: the caller fixes them (rename exchange).
func (t *tree) replace(dir *inode, name string, child *inode) {
	t.mu.entry(dir, name)
	dir.entries[name] = child
	dir.dirents.Store(nil)
	if child.isDir() {
		child.parent = dir
	}
}

// childTowards returns the child of a that is d or an ancestor of d, or nil
// if a is not a proper ancestor of d (the kernel's lock_rename "trap").
func childTowards(a, d *inode) *inode {
	for d.parent != nil && d.parent != d {
		if d.parent == a {
			return d
		}
		d = d.parent
	}
	return nil
}

// now returns the coarse clock the kernel stamps inodes with, so that times
// set here and times set by writes through a memfd agree in order. Reading
// it is a system call (the vDSO's coarse clock is out of Go's reach), so a
// reading is reused for stampReuse of the monotonic clock (time.Now, which
// is the vDSO's): a stamp at most that much older, never newer, than the
// kernel's, so the order still holds.
func now() time.Time {
	m := time.Now()
	if s := lastStamp.Load(); s != nil {
		if d := m.Sub(s.mono); d >= 0 && d < stampReuse {
			return s.t
		}
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_REALTIME_COARSE, &ts); err != nil {
		return m
	}
	t := time.Unix(ts.Unix())
	lastStamp.Store(&stamp{m, t})
	return t
}

type stamp struct{ mono, t time.Time }

var lastStamp atomic.Pointer[stamp]

const stampReuse = 200 * time.Microsecond

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
