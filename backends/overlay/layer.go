// layer.go holds the read-only lower layers: the Layer interface and its two
// implementations, a host directory (HostDir) and an unpacked OCI layer held
// in a mem.FS (MemLayer).

package overlay

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/rotree"
)

// Layer is a read-only lower layer of an overlay. Paths are clean and
// relative to the layer's root, "" naming the root itself; the overlay
// only asks for a path whose parents are directories in that layer.
// Errors wrap a unix.Errno (ENOENT for a missing file).
//
// A layer holds its deletions the way OCI image layers do: an entry
// ".wh.X" in a directory hides X of the layers below, and an entry
// ".wh..wh..opq" hides every entry of the layers below in that directory.
// A character device 0/0 (an overlayfs whiteout) hides its own name too.
// ReadDir reports those entries like any other; the overlay interprets
// them.
type Layer interface {
	// Lstat describes the file at p without following a final symbolic
	// link.
	Lstat(p string) (mem.Stat, error)
	// ReadDir lists the directory p in any order, without "." and "..".
	// The slice may be the layer's own: callers do not change it.
	ReadDir(p string) ([]mem.Dirent, error)
	// Readlink returns the target of the symbolic link p.
	Readlink(p string) (string, error)
	// Open opens the file p, never following a final symbolic link. flag
	// is O_RDONLY for regular files and directories; for other files
	// (devices, FIFOs) it is the access mode and O_NONBLOCK the caller
	// asked for.
	Open(p string, flag int) (afero.File, error)
}

// hostDir is a Layer read from a directory of the host.
type hostDir struct {
	root string
	// view is a descriptor of a read-only copy of root's mount
	// (rotree), through which files are looked up and opened: a
	// descriptor handed out for a file of this layer can never change
	// the host file (EROFS). -1 where none could be had: host paths.
	view int

	// Listings read before, sorted by name, each kept with what lstat
	// said of its directory then: a listing is read again only when the
	// directory's identity, times, size or link count moved.
	mu       sync.Mutex
	listings map[string]listing
	held     int // entries in listings
}

type listing struct {
	key  dirKey
	ents []mem.Dirent
}

type dirKey struct {
	dev, ino, size, nlink uint64
	mtime, ctime          unix.Timespec
}

// maxHeld bounds the entries a layer keeps listed (about 64 bytes each).
const maxHeld = 1 << 18

// HostDir returns the host directory dir as a layer. Its files are read
// with lstat(2), readlink(2) and getdents(2), and the regular files it
// opens are real host descriptors (opened O_RDONLY|O_NOATIME where the
// kernel allows it). The directory must not change while the overlay
// uses it, as for a kernel overlayfs.
//
// Files are looked up and opened through a read-only copy of the
// directory's mount (rotree.Open) where one can be had: the descriptors
// the overlay hands out for its lower files then cannot write, truncate or
// change the host files, whatever a program does with them.
func HostDir(dir string) Layer {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	h := &hostDir{root: filepath.Clean(dir), view: -1}
	if fd, err := rotree.Open(h.root); err == nil {
		h.view = fd
	}
	return h
}

// path is p's host path.
func (h *hostDir) path(p string) string {
	if p == "" {
		return h.root
	}
	return h.root + "/" + p
}

// at is where the *at calls find p: the read-only view and p in it, or
// the host path.
func (h *hostDir) at(p string) (int, string) {
	switch {
	case h.view < 0:
		return unix.AT_FDCWD, h.path(p)
	case p == "":
		return h.view, "."
	}
	return h.view, p
}

func (h *hostDir) Lstat(p string) (mem.Stat, error) {
	var st unix.Stat_t
	dir, name := h.at(p)
	if err := unix.Fstatat(dir, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return mem.Stat{}, pathErr("lstat", p, errnoOf(err))
	}
	return hostStat(&st), nil
}

func (h *hostDir) Readlink(p string) (string, error) {
	dir, name := h.at(p)
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dir, name, buf)
		if err != nil {
			return "", pathErr("readlink", p, errnoOf(err))
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}

// ReadDir lists p sorted by name. The slice may be shared with later
// calls: callers must not change it.
func (h *hostDir) ReadDir(p string) ([]mem.Dirent, error) {
	var st unix.Stat_t
	dir, name := h.at(p)
	if err := unix.Fstatat(dir, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return nil, pathErr("lstat", p, errnoOf(err))
	}
	key := dirKey{st.Dev, st.Ino, uint64(st.Size), uint64(st.Nlink), st.Mtim, st.Ctim}
	h.mu.Lock()
	l, ok := h.listings[p]
	h.mu.Unlock()
	if ok && l.key == key {
		return l.ents, nil
	}
	ents, err := h.read(p, st.Dev)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ents, func(a, b mem.Dirent) int { return strings.Compare(a.Name, b.Name) })
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.listings == nil || h.held+len(ents) > maxHeld {
		h.listings, h.held = map[string]listing{}, 0
	}
	h.held += len(ents) - len(h.listings[p].ents)
	h.listings[p] = listing{key, ents}
	return ents, nil
}

// read lists the layer's directory p, on device dev, with getdents.
func (h *hostDir) read(p string, dev uint64) ([]mem.Dirent, error) {
	dir, name := h.at(p)
	fd, err := openHost(dir, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW)
	if err != nil {
		return nil, pathErr("open", p, errnoOf(err))
	}
	defer unix.Close(fd)
	var out []mem.Dirent
	buf := make([]byte, 32<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, pathErr("getdents", p, errnoOf(err))
		}
		if n <= 0 {
			return out, nil
		}
		out = parseDirents(buf[:n], dev, out)
	}
}

// parseDirents appends the entries of a getdents64(2) buffer of a
// directory on device dev to out, leaving out "." and "..".
func parseDirents(buf []byte, dev uint64, out []mem.Dirent) []mem.Dirent {
	const head = 19 // d_ino, d_off, d_reclen, d_type
	for len(buf) >= head {
		reclen := int(binary.NativeEndian.Uint16(buf[16:18]))
		if reclen < head || reclen > len(buf) {
			break
		}
		name := buf[head:reclen]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		if s := string(name); s != "." && s != ".." {
			out = append(out, mem.Dirent{Name: s, Ino: binary.NativeEndian.Uint64(buf[0:8]), Dev: dev, Type: buf[18]})
		}
		buf = buf[reclen:]
	}
	return out
}

func (h *hostDir) Open(p string, flag int) (afero.File, error) {
	dir, name := h.at(p)
	fd, err := openHost(dir, name, flag|unix.O_NOFOLLOW|unix.O_NOCTTY)
	if err != nil {
		return nil, pathErr("open", p, errnoOf(err))
	}
	return os.NewFile(uintptr(fd), h.path(p)), nil
}

// openHost opens a host file (name in dir, as openat(2)) close-on-exec,
// and without updating its access time where the kernel allows that (the
// owner or CAP_FOWNER).
func openHost(dir int, name string, flag int) (int, error) {
	fd, err := openRetry(dir, name, flag|unix.O_CLOEXEC|unix.O_NOATIME)
	if err == unix.EPERM {
		fd, err = openRetry(dir, name, flag|unix.O_CLOEXEC)
	}
	return fd, err
}

func openRetry(dir int, name string, flag int) (int, error) {
	for {
		fd, err := unix.Openat(dir, name, flag, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// hostStat turns the kernel's stat into the mem.Stat the overlay reports.
func hostStat(st *unix.Stat_t) mem.Stat {
	return mem.Stat{
		Dev: uint64(st.Dev), Ino: uint64(st.Ino), Nlink: uint64(st.Nlink), Mode: st.Mode, Uid: st.Uid,
		Gid: st.Gid, Rdev: uint64(st.Rdev), Size: st.Size, Blksize: int64(st.Blksize), Blocks: st.Blocks,
		Atime: time.Unix(st.Atim.Unix()), Mtime: time.Unix(st.Mtim.Unix()), Ctime: time.Unix(st.Ctim.Unix()),
	}
}

// statOf extracts a mem.Stat from a FileInfo of a layer or of the host.
func statOf(fi os.FileInfo) (mem.Stat, bool) {
	switch st := fi.Sys().(type) {
	case *mem.Stat:
		return *st, true
	case *syscall.Stat_t:
		return mem.Stat{
			Dev: uint64(st.Dev), Ino: uint64(st.Ino), Nlink: uint64(st.Nlink), Mode: st.Mode, Uid: st.Uid,
			Gid: st.Gid, Rdev: uint64(st.Rdev), Size: st.Size, Blksize: int64(st.Blksize), Blocks: st.Blocks,
			Atime: time.Unix(st.Atim.Unix()), Mtime: time.Unix(st.Mtim.Unix()), Ctime: time.Unix(st.Ctim.Unix()),
		}, true
	}
	return mem.Stat{}, false
}

// memLayer is a Layer read from a mem.FS.
type memLayer struct{ fs *mem.FS }

// MemLayer returns fs, which holds an unpacked OCI layer (whiteouts
// included, as regular files named ".wh.X" and ".wh..wh..opq"), as a
// layer. The whiteouts apply to the layers below it. Its regular files
// are kernel-backed (memfds), so their descriptors are real too. fs must
// not change while the overlay uses it.
func MemLayer(fs *mem.FS) Layer { return memLayer{fs: fs} }

func (m memLayer) Lstat(p string) (mem.Stat, error) {
	fi, err := m.fs.Lstat("/" + p)
	if err != nil {
		return mem.Stat{}, pathErr("lstat", p, errnoOf(err))
	}
	st, _ := statOf(fi)
	return st, nil
}

// probe asks the tree for the name, its whiteout and its opaque marker
// with one walk of dir.
func (m memLayer) probe(dir, name string) probe {
	var p probe
	var out [1]mem.Stat
	var errs [3]unix.Errno
	if name == "" {
		rels := [2]string{"", opaqueName}
		m.fs.LstatAll(upath(dir), rels[:], out[:], errs[:2])
		p.st, p.e, p.opaque = out[0], errs[0], errs[1] == 0
		return p
	}
	rels := [3]string{name, whPrefix + name, name + "/" + opaqueName}
	m.fs.LstatAll(upath(dir), rels[:], out[:], errs[:])
	p.st, p.e, p.whiteout = out[0], errs[0], errs[1] == 0
	if p.e == 0 && p.st.Mode&unix.S_IFMT == unix.S_IFDIR {
		p.opaque = errs[2] == 0 || p.whiteout
	}
	return p
}

func (m memLayer) Readlink(p string) (string, error) {
	t, err := m.fs.Readlink("/" + p)
	if err != nil {
		return "", pathErr("readlink", p, errnoOf(err))
	}
	return t, nil
}

func (m memLayer) ReadDir(p string) ([]mem.Dirent, error) {
	f, err := m.fs.OpenFile("/"+p, os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, pathErr("open", p, errnoOf(err))
	}
	defer f.Close()
	d, ok := f.(caps.Direnter)
	if !ok {
		return nil, pathErr("getdents", p, unix.ENOTDIR)
	}
	ents, err := d.Dirents()
	if err != nil {
		return nil, pathErr("getdents", p, errnoOf(err))
	}
	return ents, nil
}

func (m memLayer) Open(p string, flag int) (afero.File, error) {
	f, err := m.fs.OpenFile("/"+p, flag|unix.O_NOFOLLOW, 0)
	if err != nil {
		return nil, pathErr("open", p, errnoOf(err))
	}
	return f, nil
}

// HostNode is the special file p of the host directory itself
// (caps.HostNoder).
func (h *hostDir) HostNode(p string) (string, error) { return h.path(p), nil }

// HostNode is the host node of the layer's special file p
// (caps.HostNoder).
func (m memLayer) HostNode(p string) (string, error) { return m.fs.HostNode("/" + p) }
