// data.go holds the way back from a kernel descriptor to the overlay:
// descriptors of lower files handed out by OpenFile are recognised by the
// kernel's identity of the file (st_dev, st_ino), those of upper files by
// the upper mem.FS, so that fstat, fchmod, fchown, futimens and
// linkat(AT_EMPTY_PATH) from a program reach the overlay file.

package overlay

import (
	"os"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// dataKey is the kernel's identity of a file: st_dev and st_ino.
type dataKey struct{ dev, ino uint64 }

// tracked is the overlay path a lower file was opened as, kept up to date
// by renames; gone once the name was removed or replaced.
type tracked struct {
	path string
	gone bool
}

// track records that the open lower file f is the overlay path p, under
// the kernel's identity of its descriptor (what fstat of a copy of it
// gives; for a MemLayer file that is its memfd's, not mem's numbers).
func (fs *FS) track(f afero.File, p string) (dataKey, bool) {
	k, ok := f.(caps.Fder)
	if !ok {
		return dataKey{}, false
	}
	key, ok := fdKey(int(k.Fd()))
	if !ok {
		return dataKey{}, false
	}
	fs.s.dataMu.Lock()
	fs.s.data[key] = &tracked{path: p}
	fs.s.dataMu.Unlock()
	return key, true
}

// trackedPath returns the overlay path of a tracked lower file; false if
// it is unknown or gone.
func (fs *FS) trackedPath(key dataKey) (string, bool) {
	fs.s.dataMu.Lock()
	defer fs.s.dataMu.Unlock()
	t := fs.s.data[key]
	if t == nil || t.gone {
		return "", false
	}
	return t.path, true
}

// HoldsData tells whether the upper layer still holds the data dev, ino
// (caps.DataHolder): the data of every file the overlay hands out for
// writing is the upper layer's.
func (fs *FS) HoldsData(dev, ino uint64) bool { return fs.s.upper.HoldsData(dev, ino) }

// DataPath is where the overlay file a tracked lower file (of kernel
// identity dev, ino) stands for is now (caps.DataPather); false for any
// other file, and once the name is gone.
func (fs *FS) DataPath(dev, ino uint64) (string, bool) {
	return fs.trackedPath(dataKey{dev, ino})
}

// isTracked tells whether key is a lower file handed out by OpenFile.
func (fs *FS) isTracked(key dataKey) bool {
	fs.s.dataMu.Lock()
	defer fs.s.dataMu.Unlock()
	return fs.s.data[key] != nil
}

// trackDir records an open directory at path p; its path follows renames
// until untrackDir.
func (fs *FS) trackDir(p string) *tracked {
	t := &tracked{path: p}
	fs.s.dataMu.Lock()
	fs.s.dirs[t] = struct{}{}
	fs.s.dataMu.Unlock()
	return t
}

func (fs *FS) untrackDir(t *tracked) {
	fs.s.dataMu.Lock()
	delete(fs.s.dirs, t)
	fs.s.dataMu.Unlock()
}

// dirPath is where the open directory t is now: ENOENT once removed.
func (fs *FS) dirPath(t *tracked) (string, unix.Errno) {
	fs.s.dataMu.Lock()
	defer fs.s.dataMu.Unlock()
	if t.gone {
		return "", unix.ENOENT
	}
	return t.path, 0
}

// eachTracked calls f for every tracked lower file and open directory.
// The caller holds dataMu.
func (fs *FS) eachTracked(f func(*tracked)) {
	for _, t := range fs.s.data {
		f(t)
	}
	for t := range fs.s.dirs {
		f(t)
	}
}

// untrack marks the tracked files and directories at path p gone (p was
// removed or replaced). The caller holds the write lock.
func (fs *FS) untrack(p string) {
	fs.s.dataMu.Lock()
	defer fs.s.dataMu.Unlock()
	fs.eachTracked(func(t *tracked) {
		if t.path == p {
			t.gone = true
		}
	})
}

// retrack follows a rename of oldp to newp (and, with exchange, of newp to
// oldp) in the tracked paths at and below them.
func (fs *FS) retrack(oldp, newp string, exchange bool) {
	fs.s.dataMu.Lock()
	defer fs.s.dataMu.Unlock()
	fs.eachTracked(func(t *tracked) {
		if t.gone {
			return
		}
		switch {
		case linuxvfs.Under(t.path, oldp):
			t.path = newp + t.path[len(oldp):]
		case exchange && linuxvfs.Under(t.path, newp):
			t.path = oldp + t.path[len(newp):]
		case t.path == newp:
			t.gone = true
		}
	})
}

// fdKey is the identity of the regular file fd is a descriptor of.
func fdKey(fd int) (dataKey, bool) {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return dataKey{}, false
	}
	return dataKey{uint64(st.Dev), uint64(st.Ino)}, true
}

// trackedStat is the stat of the overlay file a tracked lower file stands
// for; false if its name is gone.
func (fs *FS) trackedStat(key dataKey) (mem.Stat, bool) {
	fs.s.mu.RLock()
	defer fs.s.mu.RUnlock()
	p, ok := fs.trackedPath(key)
	if !ok {
		return mem.Stat{}, false
	}
	n, e := fs.real(p)
	if e != 0 || !n.isReg() {
		return mem.Stat{}, false
	}
	return fs.stat(n), true
}

// OpenDataFile returns a File for the file fd is a descriptor of: a
// descriptor of a lower regular file handed out by OpenFile (recognised by
// its st_dev and st_ino, wherever it went since), or one of the upper
// layer (mem.FS.OpenDataFile). For a lower file the File reads through a
// duplicate of fd, and its Stat, Chmod, Chown, Utimens and Touch act on
// the overlay file it was opened as: the change copies it up and never
// reaches the lower file. Anything else gives an error wrapping EBADF.
func (fs *FS) OpenDataFile(fd int, dev, ino uint64) (afero.File, error) {
	key := dataKey{dev, ino}
	if !fs.isTracked(key) {
		return fs.up.OpenDataFile(fd, dev, ino)
	}
	name := linuxvfs.ProcFD(fd)
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, pathErr("open", name, errnoOf(err))
	}
	return fs.trackedFile(dup, name, key), nil
}

// ReopenData opens again the file fd is a descriptor of, with flag, as an
// open of /proc/self/fd/N does (mem.FS.ReopenData): for a tracked lower
// file, the overlay file it stands for, checked with the attributes of its
// topmost layer. An open that may write (or truncate) copies the file up
// first and opens the copy, as kernel overlayfs does: the lower file is
// never written. A file already copied up opens its copy; one whose name
// is gone opens the lower file again, for reading only. A descriptor of
// the upper layer is mem's; any other gives EBADF.
func (fs *FS) ReopenData(fd, flag int) (afero.File, error) {
	key, ok := fdKey(fd)
	if !ok || !fs.isTracked(key) {
		return fs.up.ReopenData(fd, flag)
	}
	name := linuxvfs.ProcFD(fd)
	writes := linuxvfs.OpensToWrite(flag)
	memfd := -1 // of the upper copy, if it is to be opened
	e := fs.write(func() unix.Errno {
		p, ok := fs.trackedPath(key)
		if !ok {
			if writes {
				return unix.ENOENT
			}
			// The lower file's own attributes (StatData's, which would
			// take the lock held here).
			var ks unix.Stat_t
			if unix.Fstat(fd, &ks) != nil {
				return unix.EBADF
			}
			if st := hostStat(&ks); flag&unix.O_PATH == 0 && !permitted(&fs.cred, &st, linuxvfs.OpenAccess(flag)) {
				return unix.EACCES
			}
			return 0
		}
		n, e := fs.real(p)
		if e == 0 && !n.isReg() {
			e = unix.ENOENT
		}
		if e == 0 && flag&unix.O_PATH == 0 {
			e = fs.mayOpen(n, flag&^(unix.O_CREAT|unix.O_EXCL))
		}
		if e == 0 && writes {
			e = fs.copyUp(n, true)
		}
		if e != 0 || !fs.inUpper(n) {
			return e
		}
		var err error
		memfd, err = fs.s.upper.MemFD(upath(n.path))
		return errnoOf(err)
	})
	if e != 0 {
		return nil, pathErr("open", name, e)
	}
	if memfd >= 0 {
		defer unix.Close(memfd)
		f, err := fs.up.ReopenData(memfd, flag)
		if err != nil {
			return nil, err
		}
		return wrapUpper(f, name), nil
	}
	nfd, err := linuxvfs.Reopen(fd, flag&^(unix.O_CREAT|unix.O_EXCL|unix.O_TRUNC|unix.O_NOCTTY|unix.O_NOFOLLOW))
	if err != nil {
		return nil, pathErr("open", name, errnoOf(err))
	}
	return fs.trackedFile(nfd, name, key), nil
}

// trackedFile is the File of fd, a descriptor of the tracked lower file
// key, named name (/proc/self/fd/N): it follows the overlay file the lower
// file stands for.
func (fs *FS) trackedFile(fd int, name string, key dataKey) *lowerFile {
	return &lowerFile{File: os.NewFile(uintptr(fd), name), fs: fs, name: name, key: key, tracked: true}
}

// StatData is the stat of the file behind fd, as OpenDataFile followed by
// Stat would give it; ok is false if fd is neither a tracked lower file
// nor one of the upper layer's.
func (fs *FS) StatData(fd int) (st mem.Stat, ok bool) {
	key, ok := fdKey(fd)
	if !ok || !fs.isTracked(key) {
		return fs.up.StatData(fd)
	}
	if st, ok := fs.trackedStat(key); ok {
		return st, true
	}
	var ks unix.Stat_t
	if unix.Fstat(fd, &ks) != nil {
		return mem.Stat{}, false
	}
	st = hostStat(&ks)
	st.Nlink = 0
	return st, true
}

// dataChange applies the attribute change c to the overlay file a
// tracked lower file stands for: it copies the file up and changes the
// copy through a File of the view (as fchmod and the like would, with no
// search permission needed). ENOENT once its name is gone.
func (fs *FS) dataChange(name string, key dataKey, c change) error {
	e := fs.write(func() unix.Errno {
		p, ok := fs.trackedPath(key)
		if !ok {
			return unix.ENOENT
		}
		n, e := fs.real(p)
		if e == 0 && !n.isReg() {
			e = unix.ENOENT
		}
		if e == 0 {
			e = c.pre(n)
		}
		if e == 0 {
			e = fs.copyUp(n, true)
		}
		if e != 0 {
			return e
		}
		return fs.onUpperFile(n.path, c.applyF)
	})
	if e != 0 {
		return pathErr(c.op, name, e)
	}
	return nil
}

// onUpperFile runs apply on a File of the upper regular file p, opened
// through the view from its data (no path lookup, no access check).
func (fs *FS) onUpperFile(p string, apply func(*mem.File) error) unix.Errno {
	memfd, err := fs.s.upper.MemFD(upath(p))
	if err != nil {
		return errnoOf(err)
	}
	defer unix.Close(memfd)
	f, err := fs.up.OpenData(memfd)
	if err != nil {
		return errnoOf(err)
	}
	defer f.Close()
	return errnoOf(apply(f))
}

// LinkData gives the file fd is a descriptor of the name newname, as
// linkat(fd, "", AT_FDCWD, newname, AT_EMPTY_PATH): for a tracked lower
// file, Link of the overlay file it stands for (copying it up; ENOENT once
// its name is gone); for a file of the upper layer (an O_TMPFILE file
// among them) mem.FS.LinkData, after the checks of newname in the merged
// tree and a copy-up of its directory. Other descriptors give EBADF.
func (fs *FS) LinkData(fd int, newname string) error {
	old := linuxvfs.ProcFD(fd)
	if e := linuxvfs.CheckPath(newname); e != 0 {
		return linkErr("linkat", old, newname, e)
	}
	var e unix.Errno
	if key, ok := fdKey(fd); ok && fs.isTracked(key) {
		e = fs.write(func() unix.Errno {
			p, ok := fs.trackedPath(key)
			if !ok {
				return unix.ENOENT
			}
			return fs.link(upath(p), newname, true)
		})
	} else if _, ok := fs.up.StatData(fd); !ok {
		e = unix.EBADF
	} else {
		e = fs.write(func() unix.Errno { return fs.linkUpperData(fd, newname) })
	}
	if e != 0 {
		return linkErr("linkat", old, newname, e)
	}
	return nil
}

// linkUpperData names the upper file behind fd newname. The caller holds
// the write lock.
func (fs *FS) linkUpperData(fd int, newname string) unix.Errno {
	dir, last, e := fs.createTarget(newname, false)
	if e != 0 {
		return e
	}
	if err := fs.up.LinkData(fd, upath(join(dir.path, last))); err != nil {
		return errnoOf(err)
	}
	fs.clearWhiteout(dir, last)
	return 0
}
