// open.go opens files for a process: kernel-backed descriptors of a
// backend's own files, placeholders for served ones; and the stat family.

package vfs

import (
	"os"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/fdtable"
	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/linuxvfs"
	"github.com/zvfs/zvfs/mtab"
)

// served is a file description the supervisor serves.
type served struct {
	m       *mtab.Mount
	rel     string
	hostDir string     // a host directory that holds mount points (m is nil)
	extra   []string   // those mount points' names
	file    afero.File // nil for O_PATH
	dir     bool
	ents    *entries // a directory's listing, read at the open or the first getdents
	pos     int
	marked  bool // the placeholder holds the end-of-listing mark (fdtable.Open.Mark)
}

// fileMode is the os.FileMode of a call's mode argument: its 07777 bits,
// as the kernel takes them.
func fileMode(mode uint32) os.FileMode { return linuxvfs.FileMode(mode & 07777) }

func (h *handler) open(flags int, mode uint32) (Answer, error) {
	creat := flags&unix.O_CREAT != 0
	follow := flags&unix.O_NOFOLLOW == 0 && !(creat && flags&unix.O_EXCL != 0)
	l, err := h.path1(follow)
	if err != nil {
		return Answer{}, err
	}
	writes := flags&unix.O_ACCMODE != unix.O_RDONLY || creat || flags&unix.O_TRUNC != 0
	if flags&unix.O_PATH == 0 {
		h.noteOpen(l, writes)
	}
	if l.m == nil && !writes && flags&unix.O_PATH == 0 {
		if names := h.ns.tab.In(l.virt); len(names) > 0 {
			// A host directory holding mount points: serve its listing
			// with the mount points in it, as a kernel mount shows them.
			var st unix.Stat_t
			if err := unix.Stat(l.host, &st); err != nil {
				return Answer{}, err
			}
			if st.Mode&unix.S_IFMT == unix.S_IFDIR {
				return h.serve(l, &served{hostDir: l.virt, extra: names, dir: true}, flags)
			}
		}
	}
	// A special file's open goes to its host node. An exclusive create
	// (tar x's) or O_TMPFILE never opens an existing file: no lookup.
	if l.m != nil && flags&unix.O_PATH == 0 && flags&(unix.O_CREAT|unix.O_EXCL) != unix.O_CREAT|unix.O_EXCL &&
		flags&unix.O_TMPFILE != unix.O_TMPFILE {
		if ans, ok, err := h.openSpecial(l, flags); ok {
			return ans, err
		}
	}
	if writes && flags&unix.O_PATH == 0 {
		l, err = writable(l, nil)
		if err == nil {
			h.change(l)
			h.openedFor(l, flags)
		}
	} else {
		l, err = virtual(l, nil)
		if err == nil && flags&unix.O_PATH == 0 {
			h.visit(l)
		}
	}
	if err != nil {
		return Answer{}, err
	}
	if flags&unix.O_PATH != 0 {
		fi, err := h.c.lstatName(l)
		if err != nil {
			return Answer{}, err
		}
		if flags&unix.O_DIRECTORY != 0 && !fi.IsDir() {
			return Answer{}, unix.ENOTDIR
		}
		return h.serve(l, &served{m: l.m, rel: l.rel, dir: fi.IsDir()}, flags)
	}
	if flags&unix.O_TMPFILE == unix.O_TMPFILE {
		if _, ok := h.c.fs(l.m).(caps.DataLinker); !ok {
			// Checked as the kernel does: access mode, the directory, then
			// whether the file system can make unnamed files.
			if flags&unix.O_ACCMODE == unix.O_RDONLY {
				return Answer{}, unix.EINVAL
			}
			fi, err := h.c.lstatName(l)
			if err != nil {
				return Answer{}, err
			}
			if !fi.IsDir() {
				return Answer{}, unix.ENOTDIR
			}
			return Answer{}, unix.EOPNOTSUPP
		}
	}
	fs := h.c.fs(l.m)
	f, err := fs.OpenFile(l.name(), flags&^(unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_LARGEFILE), fileMode(mode&^h.r.Call.Umask))
	if err != nil {
		return Answer{}, err
	}
	// A regular file whose descriptor holds its data (a mem file) needs
	// no Stat to say so.
	reg := false
	if d, ok := f.(caps.DataFder); ok {
		_, reg = d.DataFd()
	}
	dir := false
	if !reg {
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return Answer{}, err
		}
		dir = fi.IsDir()
	}
	if !dir {
		if k, ok := f.(caps.Fder); ok && k.Fd() != ^uintptr(0) {
			// Kernel-backed: the process gets its own descriptor of the
			// file's data, and reads and writes never come back here. The
			// file's descriptor is sent as is, then closed (no copy: a
			// supervisor short of descriptors would fail after creating).
			if d, ok := f.(caps.DataIDer); ok {
				if dev, ino, ok := d.DataID(); ok {
					h.handed = &DataID{dev, ino}
				}
			}
			return Answer{Reply: abi.Reply{Action: abi.ReplyFd, Fd: abi.FdVirt}, Fd: int(k.Fd()),
				Release: func() { f.Close() }}, nil
		}
	}
	return h.serve(l, &served{m: l.m, rel: l.rel, file: f, dir: dir}, flags)
}

// openSpecial sends the open of a FIFO or a device in a mount to the host
// node the backend keeps for it (caps.HostNoder), for the caller's kernel
// to open with the caller's flags: it waits as a FIFO's open does, and the
// device's driver answers. A socket file is ENXIO, as the kernel says. ok
// is false for any other file, and for a name that does not exist (an
// open that creates it goes on).
func (h *handler) openSpecial(l loc, flags int) (ans Answer, ok bool, err error) {
	hn, is := h.c.fs(l.m).(caps.HostNoder)
	if !is {
		return Answer{}, false, nil
	}
	// The type first (every open asks), then, for a special file, its
	// permissions, without asking a regular file's data.
	switch typ, err := caps.LstatType(h.c.fs(l.m), l.name()); {
	case err != nil:
		return Answer{}, false, nil
	case typ != unix.S_IFIFO && typ != unix.S_IFCHR && typ != unix.S_IFBLK && typ != unix.S_IFSOCK:
		return Answer{}, false, nil
	}
	st, err := caps.LstatMeta(h.c.fs(l.m), l.name())
	if err != nil {
		return Answer{}, false, nil
	}
	a := attr(st)
	switch {
	case flags&unix.O_DIRECTORY != 0:
		return Answer{}, true, unix.ENOTDIR
	case !permitted(h.c.cred, a, linuxvfs.OpenAccess(flags)):
		return Answer{}, true, unix.EACCES
	case a.Mode&unix.S_IFMT == unix.S_IFSOCK:
		return Answer{}, true, unix.ENXIO
	}
	p, err := hn.HostNode(l.name())
	if err != nil {
		return Answer{}, true, err
	}
	return Answer{}, true, hostAnswer{p1: p}
}

// noteOpen records an open for the report: a new file is created, an
// existing one written or read (directories are not recorded).
func (h *handler) noteOpen(l loc, writes bool) {
	if h.ns.rec == nil || l.m == nil {
		return
	}
	var fi os.FileInfo
	var err error
	if l.onHost() {
		fi, err = os.Lstat(l.host)
	} else {
		fi, err = h.c.lstatName(l)
	}
	switch {
	case err != nil:
		h.note(noteCreated, l)
	case fi.IsDir():
	case writes:
		h.note(noteWritten, l)
	default:
		h.note(noteRead, l)
	}
}

// opendirFlags are the flags glibc's opendir opens a directory with (and
// few others do): the open is followed by a listing.
const opendirFlags = unix.O_DIRECTORY | unix.O_NONBLOCK

// serve hands out a placeholder descriptor for s.
func (h *handler) serve(l loc, s *served, flags int) (Answer, error) {
	o := &fdtable.Open{Path: l.virt, Flags: flags, Object: s, Close: func() {
		if s.file != nil {
			s.file.Close()
		}
	}}
	fd, err := h.ns.served.Add(o)
	if err != nil {
		o.Close()
		return Answer{}, unix.ENFILE
	}
	if h.r.Direct {
		o.NoData() // a read gives 0 at once, never waits (best effort)
	}
	var ino int64
	if s.dir {
		f := &fdFile{open: o, s: s, m: s.m}
		if flags&opendirFlags == opendirFlags && flags&unix.O_PATH == 0 && !h.r.Direct {
			// glibc's opendir: readdir follows at once. Queue the
			// listing now, and the stub reads it without asking again.
			if h.listing(f) == nil {
				s.push(o, abi.ListingChunkMax)
				ino = int64(s.ents.dots[0].Ino)
			}
		} else if s.m != nil {
			if fi, err := f.stat(&h.c); err == nil {
				ino = int64(attrOf(s.m, s.rel, fi).Ino)
			}
		}
	}
	// The directory's inode lets the stub find it in the view, for calls
	// relative to the descriptor.
	return Answer{Reply: abi.Reply{Ret: ino, Action: abi.ReplyFd, Fd: abi.FdVirt | abi.FdServed}, Fd: fd}, nil
}

// fdFile is the file behind a virtual descriptor: served, or a
// kernel-backed file of a backend.
type fdFile struct {
	open *fdtable.Open
	s    *served
	data afero.File // kernel-backed: opened by OpenData, closed by release
	m    *mtab.Mount
}

// hostOnly refuses changes through a served host directory.
func (f *fdFile) hostOnly() bool { return f.m == nil }

func (f *fdFile) release() {
	if f.data != nil {
		f.data.Close()
	}
	if f.open != nil {
		f.open.Mu.Unlock()
	}
}

func (h *handler) dataFile(fd int) afero.File {
	f, _ := h.dataFileOf(fd)
	return f
}

// dataFileOf finds the backend file behind a kernel-backed descriptor,
// and its mount.
func (h *handler) dataFileOf(fd int) (afero.File, *mtab.Mount) {
	st, err := h.fdStat(fd)
	if err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, nil
	}
	for _, m := range h.ns.tab.Mounts() {
		if m.FS == nil {
			continue
		}
		if d, ok := h.c.fs(m).(caps.DataOpener); ok {
			if f, err := d.OpenDataFile(fd, st.Dev, st.Ino); err == nil {
				return f, m
			}
		}
	}
	return nil, nil
}

// fdOf finds the file behind the call's descriptor; the caller releases it.
func (h *handler) fdOf() (*fdFile, error) {
	fd, ok := h.nextFd()
	if !ok {
		return nil, unix.EBADF
	}
	if o := h.lookupServed(fd); o != nil {
		o.Mu.Lock()
		s := o.Object.(*served)
		return &fdFile{open: o, s: s, m: s.m}, nil
	}
	if f, m := h.dataFileOf(fd); f != nil {
		return &fdFile{data: f, m: m}, nil
	}
	return nil, errPass
}

// stat of the open file.
func (f *fdFile) stat(c *ctx) (os.FileInfo, error) {
	switch {
	case f.s != nil && f.s.hostDir != "":
		return os.Stat(f.s.hostDir)
	case f.data != nil:
		return f.data.Stat()
	case f.s.file != nil:
		return f.s.file.Stat()
	}
	return c.lstatName(loc{m: f.m, rel: f.s.rel})
}

func (f *fdFile) rel() string {
	if f.s != nil {
		return f.s.rel
	}
	return ""
}

func (h *handler) writeStat(buf uint64, fi os.FileInfo, m *mtab.Mount, rel string, statx bool) (Answer, error) {
	return h.writeAttr(buf, attrOf(m, rel, fi), statx)
}

// writeAttr gives the caller a as stat or statx lays it out.
func (h *handler) writeAttr(buf uint64, a attr, statx bool) (Answer, error) {
	b := a.stat()
	if statx {
		b = a.statx()
	}
	if err := h.r.Mem.Write(buf, b); err != nil {
		return Answer{}, err
	}
	return done(0)
}

func (h *handler) stat(buf uint64, flags int, statx bool) (Answer, error) {
	if h.r.Call.Path1 == "" && flags&unix.AT_EMPTY_PATH != 0 && h.r.Call.Flags&abi.CallFd1 != 0 {
		return h.fstat(buf, statx)
	}
	if h.r.Call.Flags&abi.CallSince != 0 {
		// stat(".") in a working directory removed since (moves.go): the
		// directory as it was, with no link left.
		_, removed, gone := h.ns.follow(h.r.Call.Path1, h.r.Call.Since)
		if !removed || gone.fi == nil {
			return Answer{}, unix.ENOENT
		}
		m, rel := h.ns.tab.Lookup(gone.old)
		a := attrOf(m, rel, gone.fi)
		a.Nlink = 0
		return h.writeAttr(buf, a, statx)
	}
	l, fi, err := h.described(flags&unix.AT_SYMLINK_NOFOLLOW == 0)
	if err != nil {
		return Answer{}, err
	}
	return h.writeStat(buf, fi, l.m, l.rel, statx)
}

func (h *handler) fstat(buf uint64, statx bool) (Answer, error) {
	if h.fdi < len(h.r.Fds) && h.lookupServed(h.r.Fds[h.fdi]) == nil {
		// A kernel-backed file of mem: its stat without opening it.
		for _, m := range h.ns.tab.Mounts() {
			if sd, ok := m.FS.(caps.DataStater); ok {
				if st, ok := sd.StatData(h.r.Fds[h.fdi]); ok {
					return h.writeAttr(buf, attr(st), statx)
				}
			}
		}
	}
	f, err := h.fdOf()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	fi, err := f.stat(&h.c)
	if err != nil {
		return Answer{}, err
	}
	return h.writeStat(buf, fi, f.m, f.rel(), statx)
}

// permitted: may c do mask (R_OK 4, W_OK 2, X_OK 1) on a file with attr a?
