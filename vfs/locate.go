// locate.go finds what a call is about: its paths (made absolute against
// the virtual directory a descriptor names, or /proc/self/fd/N of one) and
// its descriptors.

package vfs

import (
	"os"
	"strings"

	"github.com/spf13/afero"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/linuxvfs"
	"github.com/zvfs/zvfs/mtab"
)

// nextFd takes the next descriptor the call sent.
func (h *handler) nextFd() (int, bool) {
	if h.fdi >= len(h.r.Fds) {
		return -1, false
	}
	fd := h.r.Fds[h.fdi]
	h.fdi++
	return fd, true
}

// base returns the virtual directory a relative path of the call is
// relative to, when the stub sent one with flag.
func (h *handler) base(flag uint32) (string, error) {
	if h.r.Call.Flags&flag == 0 {
		return "/", nil
	}
	fd, ok := h.nextFd()
	if !ok {
		return "", unix.EBADF
	}
	if o := h.lookupServed(fd); o != nil {
		s, ok := o.Object.(*served)
		if ok && s.file != nil && !s.dir {
			return "", unix.ENOTDIR
		}
		if ok && s.m != nil {
			if p, is := s.file.(caps.Pather); is {
				// Where the directory is now, after any rename.
				rel, err := p.Path()
				if err != nil {
					return "", err
				}
				return vpath(s.m, strings.TrimPrefix(rel, "/")), nil
			}
		}
		return o.Path, nil
	}
	if f := h.dataFile(fd); f != nil {
		f.Close()
		return "", unix.ENOTDIR
	}
	return "", errPass
}

// selfData answers a path call whose path was /proc/self/fd/N of a
// kernel-backed descriptor: the call is about that descriptor's file.
func (h *handler) selfData() (Answer, error) {
	f, m := h.dataFileOf(h.r.Fds[0])
	if f == nil {
		return Answer{}, errPass
	}
	f.Close()
	a := h.a
	switch int(h.r.Call.Nr) {
	case unix.SYS_STAT, unix.SYS_LSTAT:
		return h.fstat(a[1], false)
	case unix.SYS_NEWFSTATAT:
		return h.fstat(a[2], false)
	case unix.SYS_STATX:
		return h.fstat(a[4], true)
	case unix.SYS_CHMOD:
		return h.fchmod(uint32(a[1]))
	case unix.SYS_FCHMODAT, unix.SYS_FCHMODAT2:
		return h.fchmod(uint32(a[2]))
	case unix.SYS_CHOWN, unix.SYS_LCHOWN:
		return h.fchown(int(int32(a[1])), int(int32(a[2])))
	case unix.SYS_FCHOWNAT:
		return h.fchown(int(int32(a[2])), int(int32(a[3])))
	case unix.SYS_UTIMENSAT:
		h.r.Call.Flags &^= abi.CallPath1
		return h.utimens(a[2], 0, timesNs)
	case unix.SYS_LINKAT:
		return h.linkData()
	case unix.SYS_TRUNCATE:
		return h.truncateData(m, int64(a[1]))
	case unix.SYS_OPENAT2:
		flags, _, err := h.openHow()
		if err != nil {
			return Answer{}, err
		}
		return h.reopenData(m, flags)
	case unix.SYS_GETXATTR, unix.SYS_LGETXATTR, unix.SYS_SETXATTR, unix.SYS_LSETXATTR,
		unix.SYS_LISTXATTR, unix.SYS_LLISTXATTR, unix.SYS_REMOVEXATTR, unix.SYS_LREMOVEXATTR:
		// The descriptor's file: what fgetxattr and the like do.
		return h.xattrOf(true)
	case unix.SYS_OPEN, unix.SYS_OPENAT, unix.SYS_CREAT:
		flags := int(a[1])
		if h.r.Call.Nr == unix.SYS_OPENAT {
			flags = int(a[2])
		} else if h.r.Call.Nr == unix.SYS_CREAT {
			flags = unix.O_WRONLY | unix.O_TRUNC
		}
		return h.reopenData(m, flags)
	}
	return Answer{}, errPass
}

// truncateData answers truncate(2) of /proc/self/fd/N of a kernel-backed
// descriptor: the file opened again for writing (reopenData's checks, an
// overlay's copy-up), then truncated as ftruncate on it would be.
func (h *handler) truncateData(m *mtab.Mount, size int64) (Answer, error) {
	if size < 0 {
		return Answer{}, unix.EINVAL
	}
	f, err := h.reopenedData(m, unix.O_WRONLY)
	if err != nil {
		return Answer{}, err
	}
	defer f.Close()
	return okAnswer.withErr(f.Truncate(size))
}

// reopenData answers an open of /proc/self/fd/N of a kernel-backed
// descriptor: its backend opens the file again for the caller, checking the
// caller's access to the file as the kernel's magic link does, and copying
// an overlay's lower file up before it may be written. (The supervisor's
// own reopen of the descriptor would check nothing, and would write the
// lower file.) Flags that only concern a name (O_CREAT, O_EXCL,
// O_NOFOLLOW) do not apply: the link names an open file.
func (h *handler) reopenData(m *mtab.Mount, flags int) (Answer, error) {
	nf, err := h.reopenedData(m, flags&^(unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NOCTTY))
	if err != nil {
		return Answer{}, err
	}
	k, ok := nf.(caps.Fder)
	if !ok || k.Fd() == ^uintptr(0) {
		nf.Close()
		return Answer{}, unix.EIO
	}
	return Answer{Reply: abi.Reply{Action: abi.ReplyFd, Fd: abi.FdVirt}, Fd: int(k.Fd()), Release: func() { nf.Close() }}, nil
}

// reopenedData opens the file of the call's kernel-backed descriptor, of
// mount m, again with flags, through its backend (caps.DataReopener).
func (h *handler) reopenedData(m *mtab.Mount, flags int) (afero.File, error) {
	if m.ReadOnly && linuxvfs.OpensToWrite(flags) {
		return nil, unix.EROFS
	}
	r, ok := h.c.fs(m).(caps.DataReopener)
	if !ok {
		return nil, unix.EOPNOTSUPP
	}
	return r.ReopenData(h.r.Fds[0], flags)
}

func (h *handler) pathN(flag uint32, p string, follow bool) (loc, error) {
	if flag == abi.CallFd1 && h.r.Call.Flags&abi.CallSelf1 != 0 {
		fd, ok := h.nextFd()
		if !ok {
			return loc{}, unix.EBADF
		}
		o := h.lookupServed(fd)
		if o == nil {
			return loc{}, errPass
		}
		s := o.Object.(*served)
		return loc{m: s.m, rel: s.rel, virt: o.Path}, nil
	}
	if flag == abi.CallFd1 && h.r.Call.Flags&abi.CallDir1 != 0 {
		// p is absolute, made from the directory's path as the view
		// gave it: still that directory's? Then the rest of p is looked
		// up from there, not from the root again.
		dir, err := h.dir1Here()
		if err != nil {
			return loc{}, err
		}
		if n := int(h.r.Call.Dir1Len); n+1 < len(p) && p[n] == '/' {
			return h.c.resolveIn(dir.virt, p[n+1:], len(p), follow)
		}
		return h.c.resolve(p, follow)
	}
	b, err := h.base(flag)
	if err != nil {
		return loc{}, err
	}
	return h.c.resolve(join(b, p), follow)
}

// dir1Here checks that the first Dir1Len bytes of a CallDir1 call's path
// still lead to the directory Dir1Dev/Dir1Ino, and returns where: errAgain
// if not. That path is the directory's as the view holds it, with no
// symbolic link in it: its last name is looked up once, by the check
// itself (one that is a symbolic link now is not the directory).
func (h *handler) dir1Here() (loc, error) {
	c := &h.r.Call
	l, err := h.c.resolve(c.Path1[:c.Dir1Len], false)
	if err != nil || l.onHost() || l.dot != "" || l.slash {
		return loc{}, errAgain
	}
	st, err := caps.LstatMeta(h.c.fs(l.m), l.name())
	if err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR || st.Dev != c.Dir1Dev || st.Ino != c.Dir1Ino {
		return loc{}, errAgain
	}
	return l, nil
}

func (h *handler) path1(follow bool) (loc, error) {
	return h.pathN(abi.CallFd1, h.r.Call.Path1, follow)
}

func (h *handler) path2(follow bool) (loc, error) {
	return h.pathN(abi.CallFd2, h.r.Call.Path2, follow)
}

// virtual returns l if it is in a backend, or hands the call to the host.
func virtual(l loc, err error) (loc, error) {
	if err != nil {
		return l, err
	}
	if l.onHost() {
		return l, hostAnswer{p1: l.host}
	}
	return l, nil
}

// writable refuses changes on read-only mounts; for host paths it hands
// the call to the host.
func writable(l loc, err error) (loc, error) {
	if err != nil {
		return l, err
	}
	if l.m != nil && l.m.ReadOnly {
		return l, unix.EROFS
	}
	return virtual(l, nil)
}

// described resolves the call's first path, following a final symbolic
// link if follow is set, and describes the file it leads to. A link made
// between the walk and the description (the walk found no such name, the
// description found the new link) is walked again: a lookup that follows
// links never answers a link, as the kernel's never does.
func (h *handler) described(follow bool) (loc, os.FileInfo, error) {
	fdi := h.fdi
	for i := 0; ; i++ {
		h.fdi = fdi // the walk takes the call's directory descriptor again
		l, err := virtual(h.path1(follow))
		if err == unix.ENOENT && l.m != nil {
			h.visit(l) // a directory on the way is missing
		}
		if err != nil {
			return l, nil, err
		}
		h.visit(l)
		fi, err := h.c.lstatName(l)
		if err != nil || !follow || l.dot != "" || fi.Mode()&os.ModeSymlink == 0 {
			return l, fi, err
		}
		if i == maxSymlinks {
			return l, nil, unix.ELOOP
		}
	}
}

// existing returns the file at l.
func (h *handler) existing(l loc, err error) (os.FileInfo, error) {
	if l, err = virtual(l, err); err != nil {
		return nil, err
	}
	return h.c.lstatName(l)
}

func (c *ctx) lstatName(l loc) (os.FileInfo, error) {
	return caps.Lstat(c.fs(l.m), l.name())
}
