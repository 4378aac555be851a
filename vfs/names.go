// names.go answers the calls that work on names: access, mkdir, mknod,
// unlink, rmdir, rename, link, symlink, readlink, chdir.

package vfs

import (
	"os"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/linuxvfs"
	"github.com/zvfs/zvfs/mtab"
)

func permitted(c linuxvfs.Who, a attr, mask uint32) bool {
	return linuxvfs.Who{Uid: c.Uid, Gid: c.Gid, Groups: c.Groups}.Permitted(a.Mode, a.Uid, a.Gid, mask)
}

func (h *handler) access(mode uint32, flags int) (Answer, error) {
	if mode&^7 != 0 {
		return Answer{}, unix.EINVAL
	}
	l, fi, err := h.described(flags&unix.AT_SYMLINK_NOFOLLOW == 0)
	if err != nil {
		return Answer{}, err
	}
	if mode&2 != 0 && l.m.ReadOnly {
		return Answer{}, unix.EROFS
	}
	if !permitted(h.c.cred, attrOf(l.m, l.rel, fi), mode) {
		return Answer{}, unix.EACCES
	}
	return done(0)
}

func (h *handler) mkdir(mode uint32) (Answer, error) {
	l, err := h.mutate(noteCreated)(h.path1(false))
	if err != nil {
		return Answer{}, err
	}
	if l.rel == "" {
		return Answer{}, unix.EEXIST
	}
	if err := h.c.fs(l.m).Mkdir(l.name(), fileMode(mode&07777&^h.r.Call.Umask)); err != nil {
		return Answer{}, err
	}
	return done(0)
}

func (h *handler) mknod(mode uint32, dev uint64) (Answer, error) {
	l, err := h.mutate(noteCreated)(h.path1(false))
	if err != nil {
		return Answer{}, err
	}
	perm := mode & 07777 &^ h.r.Call.Umask
	switch typ := mode & unix.S_IFMT; typ {
	case 0, unix.S_IFREG:
	case unix.S_IFIFO, unix.S_IFSOCK, unix.S_IFCHR, unix.S_IFBLK:
		// Special files: the backend keeps them, and opens of a FIFO or
		// a device reach a host node of its kind (open.go).
		mk, ok := h.c.fs(l.m).(caps.Mknoder)
		if !ok {
			return Answer{}, unix.EPERM
		}
		if (typ == unix.S_IFCHR || typ == unix.S_IFBLK) && h.c.cred.Uid != 0 {
			return Answer{}, unix.EPERM // CAP_MKNOD
		}
		if err := mk.Mknod(l.name(), typ|perm, dev); err != nil {
			return Answer{}, err
		}
		return done(0)
	default:
		return Answer{}, unix.EINVAL
	}
	f, err := h.c.fs(l.m).OpenFile(l.name(), os.O_CREATE|os.O_EXCL|os.O_WRONLY, fileMode(perm))
	if err != nil {
		return Answer{}, err
	}
	f.Close()
	return done(0)
}

func (h *handler) remove(dir bool) (Answer, error) {
	l, err := h.mutate(noteDeleted)(h.path1(false))
	if err != nil {
		return Answer{}, err
	}
	if l.rel == "" && l.dot == "" {
		return Answer{}, unix.EBUSY
	}
	// For the working directories that were in it (moves.go).
	moves := dir && h.ns.movesAsked()
	var was os.FileInfo
	if moves {
		was, _ = h.c.lstatName(l)
	}
	if dir {
		defer h.movingDir()()
	}
	ans, err := h.removeName(l, dir)
	if err == nil && moves {
		h.ns.addMoves(move{old: vpath(l.m, l.rel), fi: was})
	}
	return ans, err
}

// removeName is unlink or rmdir of l.
func (h *handler) removeName(l loc, dir bool) (Answer, error) {
	fs := h.c.fs(l.m)
	if u, ok := fs.(caps.Unlinker); ok {
		var err error
		if dir {
			err = u.Rmdir(l.name())
		} else {
			err = u.Unlink(l.name())
		}
		if err != nil {
			return Answer{}, err
		}
		return done(0)
	}
	fi, err := h.c.lstatName(l)
	if err != nil {
		return Answer{}, err
	}
	switch {
	case dir && !fi.IsDir():
		return Answer{}, unix.ENOTDIR
	case !dir && fi.IsDir():
		return Answer{}, unix.EISDIR
	}
	if dir {
		if d, err := fs.Open(l.name()); err == nil {
			names, _ := d.Readdirnames(1)
			d.Close()
			if len(names) > 0 {
				return Answer{}, unix.ENOTEMPTY
			}
		}
	}
	if err := fs.Remove(l.name()); err != nil {
		return Answer{}, err
	}
	return done(0)
}

// two resolves both paths of rename or link: both in one backend, or both
// on the host, or EXDEV.
func (h *handler) two(follow1 bool) (loc, loc, error) {
	l1, err := h.path1(follow1)
	if err != nil {
		return l1, loc{}, err
	}
	l2, err := h.path2(false)
	if err != nil {
		return l1, l2, err
	}
	if l1.onHost() && l2.onHost() {
		if (l1.m != nil && l1.m.ReadOnly) || (l2.m != nil && l2.m.ReadOnly) {
			return l1, l2, unix.EROFS
		}
		return l1, l2, hostAnswer{p1: l1.host, p2: l2.host}
	}
	if l1.m != l2.m {
		return l1, l2, unix.EXDEV
	}
	if l1.m.ReadOnly {
		return l1, l2, unix.EROFS
	}
	return l1, l2, nil
}

func (h *handler) rename(flags uint) (Answer, error) {
	l1, l2, err := h.two(false)
	h.noteTwo(noteDeleted, l1, l2, err)
	if err != nil {
		return Answer{}, err
	}
	if (l1.rel == "" && l1.dot == "") || (l2.rel == "" && l2.dot == "") {
		return Answer{}, unix.EBUSY
	}
	fs := h.c.fs(l1.m)
	// What the rename does to directories: none may move under a call
	// relative to one (dirMoving), and the working directories in them
	// follow them (moves.go). A file's rename moves none: its type is all
	// that is looked at.
	typ, err := caps.LstatType(fs, l1.name())
	srcDir := err == nil && typ == unix.S_IFDIR
	dirs := srcDir || flags&unix.RENAME_EXCHANGE != 0
	if dirs {
		defer h.movingDir()()
	}
	var dstDir bool
	var dst os.FileInfo
	moves := h.ns.movesAsked() && dirs
	if moves {
		src, _ := h.c.lstatName(l1)
		dst, _ = h.c.lstatName(l2)
		if src != nil && dst != nil && sameFile(l1, src, l2, dst) {
			moves = false // onto itself: the kernel does nothing
		}
		dstDir = dst != nil && dst.IsDir()
	}
	if r, ok := fs.(caps.FlagRenamer); ok {
		err = r.RenameFlags(l1.name(), l2.name(), flags)
	} else if flags != 0 {
		err = unix.EINVAL
	} else {
		err = fs.Rename(l1.name(), l2.name())
	}
	if err != nil {
		return Answer{}, err
	}
	if !moves {
		return done(0)
	}
	p1, p2 := vpath(l1.m, l1.rel), vpath(l2.m, l2.rel)
	switch {
	case flags&unix.RENAME_EXCHANGE != 0 && (srcDir || dst != nil && dst.IsDir()):
		h.ns.addMoves(move{old: p1, new: p2, exchange: true})
	case srcDir && dstDir:
		h.ns.addMoves(move{old: p2, fi: dst}, move{old: p1, new: p2})
	case srcDir:
		h.ns.addMoves(move{old: p1, new: p2})
	}
	return done(0)
}

// linkData names the file of the call's first descriptor (a data
// descriptor: an O_TMPFILE file, or any open regular file).
func (h *handler) linkData() (Answer, error) {
	fd, ok := h.nextFd()
	if !ok {
		return Answer{}, unix.EBADF
	}
	if o := h.lookupServed(fd); o != nil {
		if s := o.Object.(*served); s.dir {
			return Answer{}, unix.EPERM
		}
		return Answer{}, unix.EXDEV // served files have no inode to link
	}
	l, err := h.path2(false)
	if err != nil {
		return Answer{}, err
	}
	if l.onHost() {
		return Answer{}, unix.EXDEV
	}
	if l.m.ReadOnly {
		return Answer{}, unix.EROFS
	}
	h.change(l)
	dl, ok := h.c.fs(l.m).(caps.DataLinker)
	if !ok {
		return Answer{}, unix.EXDEV
	}
	if err := dl.LinkData(fd, l.name()); err != nil {
		if errnoOf(err) == unix.EBADF {
			return Answer{}, unix.EXDEV // another mount's file
		}
		return Answer{}, err
	}
	return okAnswer, nil
}

func (h *handler) link(flags int) (Answer, error) {
	if flags&^(unix.AT_SYMLINK_FOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return Answer{}, unix.EINVAL
	}
	if h.r.Call.Path1 == "" && flags&unix.AT_EMPTY_PATH != 0 && h.r.Call.Flags&abi.CallFd1 != 0 {
		return h.linkData()
	}
	l1, l2, err := h.two(flags&unix.AT_SYMLINK_FOLLOW != 0)
	h.noteTwo(-1, l1, l2, err)
	if err != nil {
		return Answer{}, err
	}
	l, ok := h.c.fs(l1.m).(caps.Linker)
	if !ok {
		return Answer{}, unix.EPERM
	}
	if err := l.Link(l1.name(), l2.name()); err != nil {
		return Answer{}, err
	}
	return done(0)
}

func (h *handler) symlink() (Answer, error) {
	l, err := h.path2(false)
	if err != nil {
		return Answer{}, err
	}
	if l.m != nil && l.m.ReadOnly {
		return Answer{}, unix.EROFS
	}
	h.note(noteCreated, l)
	h.change(l)
	if l.onHost() {
		return Answer{}, hostAnswer{p2: l.host}
	}
	if h.r.Call.Path1 == "" {
		return Answer{}, unix.ENOENT
	}
	s, ok := h.c.fs(l.m).(afero.Linker)
	if !ok {
		return Answer{}, unix.EPERM
	}
	if err := s.SymlinkIfPossible(h.r.Call.Path1, l.name()); err != nil {
		return Answer{}, err
	}
	return done(0)
}

func (h *handler) readlink(buf uint64, size int64) (Answer, error) {
	if size <= 0 {
		return Answer{}, unix.EINVAL
	}
	l, err := virtual(h.path1(false))
	if err != nil {
		return Answer{}, err
	}
	h.visit(l)
	t, err := h.c.readlink(l.m, l.rel)
	if err != nil {
		return Answer{}, err
	}
	b := []byte(t)
	if int64(len(b)) > size {
		b = b[:size]
	}
	if err := h.r.Mem.Write(buf, b); err != nil {
		return Answer{}, err
	}
	return done(int64(len(b)))
}

// cd checks that l is a directory c may enter and answers with its path.
func (h *handler) cd(fi os.FileInfo, m *mtab.Mount, rel, virt string) (Answer, error) {
	if !fi.IsDir() {
		return Answer{}, unix.ENOTDIR
	}
	if !permitted(h.c.cred, attrOf(m, rel, fi), 1) {
		return Answer{}, unix.EACCES
	}
	return Answer{Reply: abi.Reply{Str1: virt}, Fd: -1}, nil
}

// cwdSince answers where a virtual working directory, Path1 when the
// moves count was since, is now (moves.go): the path, or ENOENT if it
// was removed since.
func (h *handler) cwdSince(since uint32) (Answer, error) {
	now, gone, _ := h.ns.follow(h.r.Call.Path1, since)
	if gone {
		return Answer{}, unix.ENOENT
	}
	return Answer{Reply: abi.Reply{Str1: now}, Fd: -1}, nil
}

func (h *handler) chdir() (Answer, error) {
	l, err := h.path1(true)
	if err != nil {
		return Answer{}, err
	}
	if l.m == nil {
		return Answer{}, hostAnswer{p1: l.host}
	}
	var fi os.FileInfo
	if l.m.FS == nil {
		fi, err = os.Stat(l.host)
	} else {
		fi, err = h.c.lstatName(l)
	}
	if err != nil {
		return Answer{}, errnoOf(err)
	}
	return h.cd(fi, l.m, l.rel, l.virt)
}

func (h *handler) fchdir() (Answer, error) {
	f, err := h.fdOf()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	if f.open == nil {
		return Answer{}, unix.ENOTDIR
	}
	fi, err := f.stat(&h.c)
	if err != nil {
		return Answer{}, err
	}
	return h.cd(fi, f.m, f.s.rel, f.open.Path)
}
