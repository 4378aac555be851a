package vfs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/fdtable"
	"github.com/zvfs/zvfs/internal/abi"
)

// Request is one call from a hooked process.
type Request struct {
	Call abi.Call
	// Fds are the descriptors the call named, in the order of the
	// CallFd flags. They belong to the caller, who closes them.
	Fds  []int
	Cred Cred
	Mem  Memory
}

// Answer is the reply to send and, if Fd is not -1, a descriptor to pass
// with it, which the caller closes once sent.
type Answer struct {
	abi.Reply
	Fd int
}

// errPass: the descriptor is not one of ours; the stub issues the call.
var errPass = errors.New("not virtual")

// hostAnswer is an error carrying host paths: the stub issues the call on
// the host with them.
type hostAnswer struct{ p1, p2 string }

func (hostAnswer) Error() string { return "host" }

type handler struct {
	ns  *Namespace
	c   ctx
	r   *Request
	a   [6]uint64
	fdi int // next descriptor of r.Fds to take
}

// Handle answers one call.
func (ns *Namespace) Handle(r *Request) Answer {
	h := &handler{ns: ns, c: ctx{ns: ns, cred: r.Cred}, r: r, a: r.Call.Args}
	ans, err := h.dispatch()
	switch e := err.(type) {
	case nil:
		return ans
	case hostAnswer:
		return Answer{Reply: abi.Reply{Action: abi.ReplyHost, Str1: e.p1, Str2: e.p2}, Fd: -1}
	}
	if err == errPass {
		return Answer{Reply: abi.Reply{Action: abi.ReplyPass}, Fd: -1}
	}
	return Answer{Reply: abi.Reply{Ret: -int64(errnoOf(err))}, Fd: -1}
}

func done(ret int64) (Answer, error) { return Answer{Reply: abi.Reply{Ret: ret}, Fd: -1}, nil }

func (h *handler) dispatch() (Answer, error) {
	a := h.a
	if h.r.Call.Flags&abi.CallSelf1 != 0 && len(h.r.Fds) > 0 && h.ns.served.Lookup(h.r.Fds[0]) == nil {
		return h.selfData()
	}
	switch int(h.r.Call.Nr) {
	case unix.SYS_OPEN:
		return h.open(int(a[1]), uint32(a[2]))
	case unix.SYS_CREAT:
		return h.open(unix.O_CREAT|unix.O_WRONLY|unix.O_TRUNC, uint32(a[1]))
	case unix.SYS_OPENAT:
		return h.open(int(a[2]), uint32(a[3]))
	case unix.SYS_OPENAT2:
		if a[3] < 24 {
			return Answer{}, unix.EINVAL
		}
		var how [24]byte
		if err := h.r.Mem.Read(a[2], how[:]); err != nil {
			return Answer{}, err
		}
		if binary.LittleEndian.Uint64(how[16:]) != 0 {
			return Answer{}, unix.EOPNOTSUPP // RESOLVE_* flags are not supported in mounts
		}
		return h.open(int(binary.LittleEndian.Uint64(how[:])), uint32(binary.LittleEndian.Uint64(how[8:])))
	case unix.SYS_STAT:
		return h.stat(a[1], 0, true, false)
	case unix.SYS_LSTAT:
		return h.stat(a[1], unix.AT_SYMLINK_NOFOLLOW, true, false)
	case unix.SYS_NEWFSTATAT:
		if a[3]&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH|unix.AT_NO_AUTOMOUNT) != 0 {
			return Answer{}, unix.EINVAL
		}
		return h.stat(a[2], int(a[3]), true, false)
	case unix.SYS_STATX:
		if a[2]&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH|unix.AT_NO_AUTOMOUNT|atStatxSyncType) != 0 ||
			a[2]&atStatxSyncType == atStatxSyncType || a[3]&unix.STATX__RESERVED != 0 {
			return Answer{}, unix.EINVAL
		}
		return h.stat(a[4], int(a[2]), false, true)
	case unix.SYS_GETCWD:
		l, err := h.c.resolve(h.r.Call.Path1, true)
		if err == nil && l.onHost() {
			_, err = os.Stat(l.host)
		} else if err == nil {
			_, err = h.c.lstatName(l)
		}
		if err != nil {
			return Answer{}, unix.ENOENT
		}
		return okAnswer, nil
	case unix.SYS_FSTAT:
		return h.fstat(a[1], false)
	case unix.SYS_ACCESS:
		return h.access(uint32(a[1]), 0)
	case unix.SYS_FACCESSAT:
		return h.access(uint32(a[2]), 0)
	case unix.SYS_FACCESSAT2:
		return h.access(uint32(a[2]), int(a[3]))
	case unix.SYS_MKDIR:
		return h.mkdir(uint32(a[1]))
	case unix.SYS_MKDIRAT:
		return h.mkdir(uint32(a[2]))
	case unix.SYS_MKNOD:
		return h.mknod(uint32(a[1]))
	case unix.SYS_MKNODAT:
		return h.mknod(uint32(a[2]))
	case unix.SYS_RMDIR:
		return h.remove(true)
	case unix.SYS_UNLINK:
		return h.remove(false)
	case unix.SYS_UNLINKAT:
		if a[2]&^unix.AT_REMOVEDIR != 0 {
			return Answer{}, unix.EINVAL
		}
		return h.remove(a[2]&unix.AT_REMOVEDIR != 0)
	case unix.SYS_RENAME, unix.SYS_RENAMEAT:
		return h.rename(0)
	case unix.SYS_RENAMEAT2:
		return h.rename(uint(a[4]))
	case unix.SYS_LINK:
		return h.link(0)
	case unix.SYS_LINKAT:
		return h.link(int(a[4]))
	case unix.SYS_SYMLINK, unix.SYS_SYMLINKAT:
		return h.symlink()
	case unix.SYS_READLINK:
		return h.readlink(a[1], int64(a[2]))
	case unix.SYS_READLINKAT:
		return h.readlink(a[2], int64(a[3]))
	case unix.SYS_CHDIR:
		return h.chdir()
	case unix.SYS_FCHDIR:
		return h.fchdir()
	case unix.SYS_TRUNCATE:
		return h.truncate(int64(a[1]))
	case unix.SYS_CHMOD:
		return h.chmod(uint32(a[1]), 0)
	case unix.SYS_FCHMODAT:
		return h.chmod(uint32(a[2]), 0)
	case unix.SYS_FCHMODAT2:
		return h.chmod(uint32(a[2]), int(a[3]))
	case unix.SYS_FCHMOD:
		return h.fchmod(uint32(a[1]))
	case unix.SYS_CHOWN:
		return h.chown(int(int32(a[1])), int(int32(a[2])), 0)
	case unix.SYS_LCHOWN:
		return h.chown(int(int32(a[1])), int(int32(a[2])), unix.AT_SYMLINK_NOFOLLOW)
	case unix.SYS_FCHOWNAT:
		return h.chown(int(int32(a[2])), int(int32(a[3])), int(a[4]))
	case unix.SYS_FCHOWN:
		return h.fchown(int(int32(a[1])), int(int32(a[2])))
	case unix.SYS_UTIMENSAT:
		return h.utimens(a[2], int(a[3]), timesNs)
	case unix.SYS_UTIMES, unix.SYS_FUTIMESAT:
		i := 1
		if h.r.Call.Nr == unix.SYS_FUTIMESAT {
			i = 2
		}
		return h.utimens(a[i], 0, timesUs)
	case unix.SYS_UTIME:
		return h.utimens(a[1], 0, timesSec)
	case unix.SYS_STATFS:
		return h.statfs(a[1])
	case unix.SYS_FSTATFS:
		return h.fstatfs(a[1])
	case unix.SYS_EXECVE, unix.SYS_EXECVEAT:
		return h.exec()
	case unix.SYS_GETXATTR, unix.SYS_LGETXATTR, unix.SYS_REMOVEXATTR, unix.SYS_LREMOVEXATTR:
		return h.xattr(unix.ENODATA)
	case unix.SYS_LISTXATTR, unix.SYS_LLISTXATTR:
		return h.xattr(0)
	case unix.SYS_SETXATTR, unix.SYS_LSETXATTR:
		return h.xattr(unix.EOPNOTSUPP)
	case unix.SYS_FGETXATTR, unix.SYS_FREMOVEXATTR:
		return h.fxattr(unix.ENODATA)
	case unix.SYS_FLISTXATTR:
		return h.fxattr(0)
	case unix.SYS_FSETXATTR:
		return h.fxattr(unix.EOPNOTSUPP)
	case unix.SYS_INOTIFY_ADD_WATCH:
		if _, err := h.existing(h.path1(true)); err != nil {
			return Answer{}, err
		}
		return Answer{}, unix.EOPNOTSUPP
	case unix.SYS_GETDENTS64, unix.SYS_GETDENTS:
		return h.getdents(h.r.Call.Nr == unix.SYS_GETDENTS64)
	case unix.SYS_READ, unix.SYS_PREAD64, unix.SYS_READV, unix.SYS_PREADV, unix.SYS_PREADV2,
		unix.SYS_WRITE, unix.SYS_PWRITE64, unix.SYS_WRITEV, unix.SYS_PWRITEV, unix.SYS_PWRITEV2:
		return h.io()
	case unix.SYS_LSEEK:
		return h.lseek(int64(a[1]), int(a[2]))
	case unix.SYS_FSYNC, unix.SYS_FDATASYNC:
		return h.fsync()
	case unix.SYS_FTRUNCATE:
		return h.ftruncate(int64(a[1]))
	case unix.SYS_FALLOCATE:
		return Answer{}, unix.EOPNOTSUPP
	}
	return Answer{}, unix.ENOSYS
}

// ---- locating paths ----------------------------------------------------

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
	if o := h.ns.served.Lookup(fd); o != nil {
		if s, ok := o.Object.(*served); ok && s.file != nil && !s.dir {
			return "", unix.ENOTDIR
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
	f := h.dataFile(h.r.Fds[0])
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
	case unix.SYS_OPEN, unix.SYS_OPENAT, unix.SYS_CREAT:
		flags := int(a[1])
		if h.r.Call.Nr == unix.SYS_OPENAT {
			flags = int(a[2])
		} else if h.r.Call.Nr == unix.SYS_CREAT {
			flags = unix.O_WRONLY | unix.O_TRUNC
		}
		flags &^= unix.O_CREAT | unix.O_EXCL | unix.O_NOFOLLOW | unix.O_CLOEXEC | unix.O_NOCTTY
		fd, err := unix.Open(fmt.Sprintf("/proc/self/fd/%d", h.r.Fds[0]), flags|unix.O_CLOEXEC, 0)
		if err != nil {
			return Answer{}, err
		}
		return Answer{Reply: abi.Reply{Action: abi.ReplyFd, Fd: abi.FdVirt}, Fd: fd}, nil
	}
	return Answer{}, errPass
}

func (h *handler) pathN(flag uint32, p string, follow bool) (loc, error) {
	if flag == abi.CallFd1 && h.r.Call.Flags&abi.CallSelf1 != 0 {
		fd, ok := h.nextFd()
		if !ok {
			return loc{}, unix.EBADF
		}
		o := h.ns.served.Lookup(fd)
		if o == nil {
			return loc{}, errPass
		}
		s := o.Object.(*served)
		return loc{m: s.m, rel: s.rel, virt: o.Path}, nil
	}
	b, err := h.base(flag)
	if err != nil {
		return loc{}, err
	}
	return h.c.resolve(join(b, p), follow)
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

// existing returns the file at l.
func (h *handler) existing(l loc, err error) (os.FileInfo, error) {
	if l, err = virtual(l, err); err != nil {
		return nil, err
	}
	return h.c.lstatName(l)
}

func (c *ctx) lstatName(l loc) (os.FileInfo, error) {
	fs := c.fs(l.m)
	if ls, ok := fs.(afero.Lstater); ok {
		fi, _, err := ls.LstatIfPossible(l.name())
		return fi, err
	}
	return fs.Stat(l.name())
}

// ---- files ---------------------------------------------------------------

// served is a file description the supervisor serves.
type served struct {
	m       *Mount
	rel     string
	hostDir string     // a host directory that holds mount points (m is nil)
	extra   []string   // those mount points' names
	file    afero.File // nil for O_PATH
	dir     bool
	ents    []dirent // a directory's listing, read at the first getdents
	pos     int
}

func fileMode(mode uint32) os.FileMode {
	fm := os.FileMode(mode & 0777)
	if mode&unix.S_ISUID != 0 {
		fm |= os.ModeSetuid
	}
	if mode&unix.S_ISGID != 0 {
		fm |= os.ModeSetgid
	}
	if mode&unix.S_ISVTX != 0 {
		fm |= os.ModeSticky
	}
	return fm
}

func (h *handler) open(flags int, mode uint32) (Answer, error) {
	creat := flags&unix.O_CREAT != 0
	follow := flags&unix.O_NOFOLLOW == 0 && !(creat && flags&unix.O_EXCL != 0)
	l, err := h.path1(follow)
	if err != nil {
		return Answer{}, err
	}
	writes := flags&unix.O_ACCMODE != unix.O_RDONLY || creat || flags&unix.O_TRUNC != 0
	if l.m == nil && !writes && flags&unix.O_PATH == 0 {
		if names := h.ns.mountsIn(l.virt); len(names) > 0 {
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
	if writes && flags&unix.O_PATH == 0 {
		l, err = writable(l, nil)
	} else {
		l, err = virtual(l, nil)
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
		if _, ok := h.c.fs(l.m).(dataLinker); !ok {
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
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return Answer{}, err
	}
	if !fi.IsDir() {
		if k, ok := f.(interface{ Fd() uintptr }); ok && k.Fd() != ^uintptr(0) {
			// Kernel-backed: the process gets its own descriptor of the
			// file's data, and reads and writes never come back here.
			fd, err := unix.FcntlInt(k.Fd(), unix.F_DUPFD_CLOEXEC, 0)
			f.Close()
			if err != nil {
				return Answer{}, err
			}
			return Answer{Reply: abi.Reply{Action: abi.ReplyFd, Fd: abi.FdVirt}, Fd: fd}, nil
		}
	}
	return h.serve(l, &served{m: l.m, rel: l.rel, file: f, dir: fi.IsDir()}, flags)
}

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
	return Answer{Reply: abi.Reply{Action: abi.ReplyFd, Fd: abi.FdVirt | abi.FdServed}, Fd: fd}, nil
}

// fdFile is the file behind a virtual descriptor: served, or a
// kernel-backed file of a backend.
type fdFile struct {
	open *fdtable.Open
	s    *served
	data afero.File // kernel-backed: opened by OpenData, closed by release
	m    *Mount
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

// dataOpener is a backend that can find the file behind a descriptor it
// handed out (mem.FS).
type dataOpener interface {
	OpenData(fd int) (*mem.File, error)
}

func (h *handler) dataFile(fd int) *mem.File {
	for _, m := range h.ns.mounts {
		if m.FS == nil {
			continue
		}
		if d, ok := h.c.fs(m).(dataOpener); ok {
			if f, err := d.OpenData(fd); err == nil {
				return f
			}
		}
	}
	return nil
}

// fdOf finds the file behind the call's descriptor; the caller releases it.
func (h *handler) fdOf() (*fdFile, error) {
	fd, ok := h.nextFd()
	if !ok {
		return nil, unix.EBADF
	}
	if o := h.ns.served.Lookup(fd); o != nil {
		o.Mu.Lock()
		s := o.Object.(*served)
		return &fdFile{open: o, s: s, m: s.m}, nil
	}
	for _, m := range h.ns.mounts {
		if m.FS == nil {
			continue
		}
		if d, ok := h.c.fs(m).(dataOpener); ok {
			if f, err := d.OpenData(fd); err == nil {
				return &fdFile{data: f, m: m}, nil
			}
		}
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

func (h *handler) writeStat(buf uint64, fi os.FileInfo, m *Mount, rel string, statx bool) (Answer, error) {
	a := attrOf(m, rel, fi)
	b := a.stat()
	if statx {
		b = a.statx()
	}
	if err := h.r.Mem.Write(buf, b); err != nil {
		return Answer{}, err
	}
	return done(0)
}

func (h *handler) stat(buf uint64, flags int, _ bool, statx bool) (Answer, error) {
	if h.r.Call.Path1 == "" && flags&unix.AT_EMPTY_PATH != 0 && h.r.Call.Flags&abi.CallFd1 != 0 {
		return h.fstat(buf, statx)
	}
	l, err := virtual(h.path1(flags&unix.AT_SYMLINK_NOFOLLOW == 0))
	if err != nil {
		return Answer{}, err
	}
	fi, err := h.c.lstatName(l)
	if err != nil {
		return Answer{}, err
	}
	return h.writeStat(buf, fi, l.m, l.rel, statx)
}

func (h *handler) fstat(buf uint64, statx bool) (Answer, error) {
	if h.fdi < len(h.r.Fds) && h.ns.served.Lookup(h.r.Fds[h.fdi]) == nil {
		// A kernel-backed file of mem: its stat without opening it.
		for _, m := range h.ns.mounts {
			if sd, ok := m.FS.(interface{ StatData(int) (mem.Stat, bool) }); ok {
				if st, ok := sd.StatData(h.r.Fds[h.fdi]); ok {
					a := attr{dev: st.Dev, ino: st.Ino, nlink: st.Nlink, mode: st.Mode, uid: st.Uid, gid: st.Gid,
						size: st.Size, blocks: st.Blocks, atime: st.Atime, mtime: st.Mtime, ctime: st.Ctime}
					b := a.stat()
					if statx {
						b = a.statx()
					}
					if err := h.r.Mem.Write(buf, b); err != nil {
						return Answer{}, err
					}
					return okAnswer, nil
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
func permitted(c Cred, a attr, mask uint32) bool {
	if c.Uid == 0 {
		if mask&1 != 0 && a.mode&unix.S_IFMT != unix.S_IFDIR && a.mode&0111 == 0 {
			return false
		}
		return true
	}
	perm := a.mode & 07
	switch {
	case a.uid == c.Uid:
		perm = a.mode >> 6 & 07
	case inGroup(c, a.gid):
		perm = a.mode >> 3 & 07
	}
	return perm&mask == mask
}

func inGroup(c Cred, gid uint32) bool {
	if c.Gid == gid {
		return true
	}
	for _, g := range c.Groups {
		if g == gid {
			return true
		}
	}
	return false
}

func (h *handler) access(mode uint32, flags int) (Answer, error) {
	if mode&^7 != 0 {
		return Answer{}, unix.EINVAL
	}
	l, err := h.path1(flags&unix.AT_SYMLINK_NOFOLLOW == 0)
	if err != nil {
		return Answer{}, err
	}
	fi, err := h.existing(l, nil)
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
	l, err := writable(h.path1(false))
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

func (h *handler) mknod(mode uint32) (Answer, error) {
	l, err := writable(h.path1(false))
	if err != nil {
		return Answer{}, err
	}
	switch mode & unix.S_IFMT {
	case 0, unix.S_IFREG:
	case unix.S_IFDIR:
		return Answer{}, unix.EINVAL
	default:
		return Answer{}, unix.EPERM // no device nodes, FIFOs or sockets in mounts
	}
	f, err := h.c.fs(l.m).OpenFile(l.name(), os.O_CREATE|os.O_EXCL|os.O_WRONLY, fileMode(mode&07777&^h.r.Call.Umask))
	if err != nil {
		return Answer{}, err
	}
	f.Close()
	return done(0)
}

type unlinker interface {
	Unlink(name string) error
	Rmdir(name string) error
}

func (h *handler) remove(dir bool) (Answer, error) {
	l, err := writable(h.path1(false))
	if err != nil {
		return Answer{}, err
	}
	if l.rel == "" && l.dot == "" {
		return Answer{}, unix.EBUSY
	}
	fs := h.c.fs(l.m)
	if u, ok := fs.(unlinker); ok {
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
	if err != nil {
		return Answer{}, err
	}
	if (l1.rel == "" && l1.dot == "") || (l2.rel == "" && l2.dot == "") {
		return Answer{}, unix.EBUSY
	}
	fs := h.c.fs(l1.m)
	if r, ok := fs.(interface {
		RenameFlags(o, n string, flags uint) error
	}); ok {
		err = r.RenameFlags(l1.name(), l2.name(), flags)
	} else if flags != 0 {
		err = unix.EINVAL
	} else {
		err = fs.Rename(l1.name(), l2.name())
	}
	if err != nil {
		return Answer{}, err
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
	if o := h.ns.served.Lookup(fd); o != nil {
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
	dl, ok := h.c.fs(l.m).(dataLinker)
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

// dataLinker is a backend that can name a file it knows only by a
// descriptor: linkat(fd, "", dir, name, AT_EMPTY_PATH), as for O_TMPFILE.
type dataLinker interface {
	LinkData(fd int, newname string) error
}

func (h *handler) link(flags int) (Answer, error) {
	if flags&^(unix.AT_SYMLINK_FOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return Answer{}, unix.EINVAL
	}
	if h.r.Call.Path1 == "" && flags&unix.AT_EMPTY_PATH != 0 && h.r.Call.Flags&abi.CallFd1 != 0 {
		return h.linkData()
	}
	l1, l2, err := h.two(flags&unix.AT_SYMLINK_FOLLOW != 0)
	if err != nil {
		return Answer{}, err
	}
	l, ok := h.c.fs(l1.m).(interface{ Link(o, n string) error })
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
func (h *handler) cd(fi os.FileInfo, m *Mount, rel, virt string) (Answer, error) {
	if !fi.IsDir() {
		return Answer{}, unix.ENOTDIR
	}
	if !permitted(h.c.cred, attrOf(m, rel, fi), 1) {
		return Answer{}, unix.EACCES
	}
	return Answer{Reply: abi.Reply{Str1: virt}, Fd: -1}, nil
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

func (h *handler) truncate(size int64) (Answer, error) {
	if size < 0 {
		return Answer{}, unix.EINVAL
	}
	l, err := writable(h.path1(true))
	if err != nil {
		return Answer{}, err
	}
	fs := h.c.fs(l.m)
	if t, ok := fs.(interface{ Truncate(string, int64) error }); ok {
		if err := t.Truncate(l.name(), size); err != nil {
			return Answer{}, err
		}
		return done(0)
	}
	f, err := fs.OpenFile(l.name(), os.O_WRONLY, 0)
	if err != nil {
		return Answer{}, err
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return Answer{}, err
	}
	return done(0)
}

func (h *handler) chmod(mode uint32, flags int) (Answer, error) {
	l, err := writable(h.path1(flags&unix.AT_SYMLINK_NOFOLLOW == 0))
	if err != nil {
		return Answer{}, err
	}
	if flags&unix.AT_SYMLINK_NOFOLLOW != 0 {
		if fi, err := h.c.lstatName(l); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			return Answer{}, unix.EOPNOTSUPP
		}
	}
	if err := h.c.fs(l.m).Chmod(l.name(), fileMode(mode)); err != nil {
		return Answer{}, err
	}
	return done(0)
}

func (h *handler) fchmod(mode uint32) (Answer, error) {
	f, err := h.fdOf()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	if f.hostOnly() {
		return Answer{}, unix.EPERM
	}
	if f.m.ReadOnly {
		return Answer{}, unix.EROFS
	}
	if c, ok := f.file().(interface{ Chmod(os.FileMode) error }); ok {
		if err := c.Chmod(fileMode(mode)); err != nil {
			return Answer{}, err
		}
		return done(0)
	}
	if err := h.c.fs(f.m).Chmod("/"+f.rel(), fileMode(mode)); err != nil {
		return Answer{}, err
	}
	return done(0)
}

func (f *fdFile) file() afero.File {
	if f.data != nil {
		return f.data
	}
	return f.s.file
}

func (h *handler) chown(uid, gid, flags int) (Answer, error) {
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return Answer{}, unix.EINVAL
	}
	if h.r.Call.Path1 == "" && flags&unix.AT_EMPTY_PATH != 0 && h.r.Call.Flags&abi.CallFd1 != 0 {
		return h.fchown(uid, gid)
	}
	nofollow := flags&unix.AT_SYMLINK_NOFOLLOW != 0
	l, err := writable(h.path1(!nofollow))
	if err != nil {
		return Answer{}, err
	}
	fs := h.c.fs(l.m)
	if nofollow {
		if lc, ok := fs.(interface{ Lchown(string, int, int) error }); ok {
			err = lc.Lchown(l.name(), uid, gid)
		} else {
			err = fs.Chown(l.name(), uid, gid)
		}
	} else {
		err = fs.Chown(l.name(), uid, gid)
	}
	if err != nil {
		return Answer{}, err
	}
	return done(0)
}

func (h *handler) fchown(uid, gid int) (Answer, error) {
	f, err := h.fdOf()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	if f.hostOnly() {
		return Answer{}, unix.EPERM
	}
	if f.m.ReadOnly {
		return Answer{}, unix.EROFS
	}
	if c, ok := f.file().(interface{ Chown(int, int) error }); ok {
		if err := c.Chown(uid, gid); err != nil {
			return Answer{}, err
		}
		return done(0)
	}
	if err := h.c.fs(f.m).Chown("/"+f.rel(), uid, gid); err != nil {
		return Answer{}, err
	}
	return done(0)
}

// How the times of utimensat, utimes and utime are laid out.
type timesKind int

const (
	timesNs  timesKind = iota // struct timespec[2]
	timesUs                   // struct timeval[2]
	timesSec                  // struct utimbuf
)

const (
	utimeNow  = (1 << 30) - 1
	utimeOmit = (1 << 30) - 2
)

// readTimes reads the caller's times: nil pointers mean "omit"; now is
// set when both are "now" (a NULL times pointer).
func (h *handler) readTimes(addr uint64, kind timesKind) (at, mt *time.Time, now bool, err error) {
	if addr == 0 {
		return nil, nil, true, nil
	}
	var b [32]byte
	n := map[timesKind]int{timesNs: 32, timesUs: 32, timesSec: 16}[kind]
	if err := h.r.Mem.Read(addr, b[:n]); err != nil {
		return nil, nil, false, err
	}
	le := binary.LittleEndian
	var out [2]*time.Time
	nows := 0
	for i := 0; i < 2; i++ {
		var t time.Time
		switch kind {
		case timesNs:
			sec, ns := int64(le.Uint64(b[16*i:])), int64(le.Uint64(b[16*i+8:]))
			switch {
			case ns == utimeOmit:
				continue
			case ns == utimeNow:
				nows++
				t = time.Now()
			case ns < 0 || ns >= 1e9:
				return nil, nil, false, unix.EINVAL
			default:
				t = time.Unix(sec, ns)
			}
		case timesUs:
			sec, us := int64(le.Uint64(b[16*i:])), int64(le.Uint64(b[16*i+8:]))
			if us < 0 || us >= 1e6 {
				return nil, nil, false, unix.EINVAL
			}
			t = time.Unix(sec, us*1000)
		case timesSec:
			t = time.Unix(int64(le.Uint64(b[8*i:])), 0)
		}
		out[i] = &t
	}
	if nows == 2 {
		return nil, nil, true, nil
	}
	return out[0], out[1], false, nil
}

func (h *handler) utimens(addr uint64, flags int, kind timesKind) (Answer, error) {
	if flags&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return Answer{}, unix.EINVAL
	}
	at, mt, now, err := h.readTimes(addr, kind)
	if err != nil {
		return Answer{}, err
	}
	if h.r.Call.Flags&abi.CallPath1 == 0 || (h.r.Call.Path1 == "" && flags&unix.AT_EMPTY_PATH != 0) {
		f, err := h.fdOf()
		if err != nil {
			return Answer{}, err
		}
		defer f.release()
		if f.hostOnly() {
			return Answer{}, unix.EPERM
		}
		if f.m.ReadOnly {
			return Answer{}, unix.EROFS
		}
		file := f.file()
		if now {
			if t, ok := file.(interface{ Touch() error }); ok {
				return okAnswer.withErr(t.Touch())
			}
		} else if u, ok := file.(interface{ Utimens(a, m *time.Time) error }); ok {
			return okAnswer.withErr(u.Utimens(at, mt))
		}
		return h.utimensPath(loc{m: f.m, rel: f.rel()}, at, mt, now, true)
	}
	l, err := writable(h.path1(flags&unix.AT_SYMLINK_NOFOLLOW == 0))
	if err != nil {
		return Answer{}, err
	}
	return h.utimensPath(l, at, mt, now, flags&unix.AT_SYMLINK_NOFOLLOW == 0)
}

// okAnswer is a plain success.
var okAnswer = Answer{Fd: -1}

func (h *handler) utimensPath(l loc, at, mt *time.Time, now, follow bool) (Answer, error) {
	fs := h.c.fs(l.m)
	if now {
		if t, ok := fs.(interface{ Touch(string, bool) error }); ok {
			return okAnswer.withErr(t.Touch(l.name(), follow))
		}
		n := time.Now()
		at, mt = &n, &n
	}
	if u, ok := fs.(interface {
		Utimens(string, *time.Time, *time.Time, bool) error
	}); ok {
		return okAnswer.withErr(u.Utimens(l.name(), at, mt, follow))
	}
	fi, err := h.c.lstatName(l)
	if err != nil {
		return Answer{}, err
	}
	a, m := fi.ModTime(), fi.ModTime()
	if at != nil {
		a = *at
	}
	if mt != nil {
		m = *mt
	}
	return okAnswer.withErr(fs.Chtimes(l.name(), a, m))
}

func (h *handler) statfs(buf uint64) (Answer, error) {
	l, err := h.path1(true)
	if _, err := h.existing(l, err); err != nil {
		return Answer{}, err
	}
	return h.writeStatfs(buf, l.m)
}

func (h *handler) fstatfs(buf uint64) (Answer, error) {
	f, err := h.fdOf()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	return h.writeStatfs(buf, f.m)
}

func (h *handler) writeStatfs(buf uint64, m *Mount) (Answer, error) {
	var blocks, bfree, files, ffree uint64 = 1 << 20, 1 << 20, 1 << 20, 1 << 20
	if m == nil {
		return Answer{}, unix.ENOSYS
	}
	if s, ok := m.FS.(interface {
		StatFS() (uint64, uint64, uint64, uint64)
	}); ok {
		blocks, bfree, files, ffree = s.StatFS()
	}
	if err := h.r.Mem.Write(buf, statfsBytes(blocks, bfree, files, ffree)); err != nil {
		return Answer{}, err
	}
	return done(0)
}

func (h *handler) xattr(e unix.Errno) (Answer, error) {
	nr := h.r.Call.Nr
	follow := nr == unix.SYS_GETXATTR || nr == unix.SYS_LISTXATTR || nr == unix.SYS_SETXATTR || nr == unix.SYS_REMOVEXATTR
	l, err := h.path1(follow)
	if _, err := h.existing(l, err); err != nil {
		return Answer{}, err
	}
	if e != 0 {
		return Answer{}, e
	}
	return done(0)
}

func (h *handler) fxattr(e unix.Errno) (Answer, error) {
	f, err := h.fdOf()
	if err != nil {
		return Answer{}, err
	}
	f.release()
	if e != 0 {
		return Answer{}, e
	}
	return done(0)
}

// withErr turns a backend error into the answer.
func (a Answer) withErr(err error) (Answer, error) {
	if err != nil {
		return Answer{}, err
	}
	return a, nil
}

// ---- exec ---------------------------------------------------------------

func (h *handler) exec() (Answer, error) {
	flags := 0
	if h.r.Call.Nr == unix.SYS_EXECVEAT {
		flags = int(h.a[4])
	}
	var l loc
	var err error
	if h.r.Call.Path1 == "" && flags&unix.AT_EMPTY_PATH != 0 {
		return Answer{}, errPass
	}
	l, err = virtual(h.path1(flags&unix.AT_SYMLINK_NOFOLLOW == 0))
	if err != nil {
		return Answer{}, err
	}
	fi, err := h.c.lstatName(l)
	if err != nil {
		return Answer{}, err
	}
	if fi.Mode()&os.ModeSymlink != 0 {
		return Answer{}, unix.ELOOP
	}
	a := attrOf(l.m, l.rel, fi)
	if a.mode&unix.S_IFMT != unix.S_IFREG || !permitted(h.c.cred, a, 1) || a.mode&0111 == 0 {
		return Answer{}, unix.EACCES
	}
	f, err := h.c.fs(l.m).OpenFile(l.name(), os.O_RDONLY, 0)
	if err != nil {
		return Answer{}, err
	}
	defer f.Close()
	head := make([]byte, 256)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if len(head) >= 2 && head[0] == '#' && head[1] == '!' {
		interp, arg, ok := shebang(head[2:])
		if !ok {
			return Answer{}, unix.ENOEXEC
		}
		return Answer{Reply: abi.Reply{Action: abi.ReplyExec, Str1: interp, Str2: arg}, Fd: -1}, nil
	}
	var fd int
	if k, ok := f.(interface{ Fd() uintptr }); ok && k.Fd() != ^uintptr(0) {
		fd, err = unix.FcntlInt(k.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	} else {
		fd, err = copyToMemfd(f)
	}
	if err != nil {
		return Answer{}, err
	}
	return Answer{Reply: abi.Reply{Action: abi.ReplyExec}, Fd: fd}, nil
}

// shebang parses what follows "#!": the interpreter and its one optional
// argument, as the kernel splits them.
func shebang(b []byte) (interp, arg string, ok bool) {
	end := len(b)
	for i, c := range b {
		if c == '\n' {
			end = i
			break
		}
	}
	if end == len(b) && len(b) >= 254 {
		// The kernel reads at most 256 bytes of the line.
	}
	line := b[:end]
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	j := i
	for j < len(line) && line[j] != ' ' && line[j] != '\t' {
		j++
	}
	interp = string(line[i:j])
	for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
		j++
	}
	k := len(line)
	for k > j && (line[k-1] == ' ' || line[k-1] == '\t' || line[k-1] == '\r') {
		k--
	}
	arg = string(line[j:k])
	return interp, arg, interp != ""
}

func copyToMemfd(f afero.File) (int, error) {
	fd, err := unix.MemfdCreate("zvfs-exec", unix.MFD_CLOEXEC)
	if err != nil {
		return -1, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		unix.Close(fd)
		return -1, err
	}
	out := os.NewFile(uintptr(fd), "zvfs-exec")
	if _, err := io.Copy(out, f); err != nil {
		out.Close()
		return -1, unix.EIO
	}
	fd2, err := unix.FcntlInt(out.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	out.Close()
	return fd2, err
}

// ---- served descriptors: directories and files without a kernel fd ------

type dirent struct {
	ino  uint64
	typ  uint8
	name string
}

func (h *handler) listing(f *fdFile) error {
	s := f.s
	if s.hostDir != "" {
		return s.hostListing()
	}
	fi, err := f.stat(&h.c)
	if err != nil {
		return err
	}
	self := attrOf(f.m, s.rel, fi)
	parent := self.ino
	if s.rel != "" {
		prel := ""
		if i := lastSlash(s.rel); i >= 0 {
			prel = s.rel[:i]
		}
		if pfi, err := h.c.lstat(f.m, prel); err == nil {
			parent = attrOf(f.m, prel, pfi).ino
		}
	}
	s.ents = []dirent{{self.ino, unix.DT_DIR, "."}, {parent, unix.DT_DIR, ".."}}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		// Some backends cannot rewind a directory: reopen it.
		nf, err := h.c.fs(f.m).Open("/" + s.rel)
		if err != nil {
			return err
		}
		s.file.Close()
		s.file = nf
	}
	if d, ok := s.file.(interface{ Dirents() ([]mem.Dirent, error) }); ok {
		ents, err := d.Dirents()
		if err != nil {
			return err
		}
		for _, e := range ents {
			s.ents = append(s.ents, dirent{e.Ino, e.Type, e.Name})
		}
		return nil
	}
	fis, err := s.file.Readdir(-1)
	if err != nil && err != io.EOF {
		return err
	}
	for _, e := range fis {
		rel := e.Name()
		if s.rel != "" {
			rel = s.rel + "/" + rel
		}
		a := attrOf(f.m, rel, e)
		s.ents = append(s.ents, dirent{a.ino, uint8(a.mode & unix.S_IFMT >> 12), e.Name()})
	}
	return nil
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

func (h *handler) getdents(is64 bool) (Answer, error) {
	f, err := h.fdOf()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	if f.open == nil || !f.s.dir {
		return Answer{}, unix.ENOTDIR
	}
	if f.s.file == nil && f.s.hostDir == "" {
		return Answer{}, unix.EBADF
	}
	if f.s.ents == nil {
		if err := h.listing(f); err != nil {
			return Answer{}, err
		}
	}
	size := int(h.a[2])
	if size < 0 {
		return Answer{}, unix.EINVAL
	}
	var out []byte
	le := binary.LittleEndian
	for f.s.pos < len(f.s.ents) {
		e := f.s.ents[f.s.pos]
		var rec []byte
		if is64 {
			reclen := (19 + len(e.name) + 1 + 7) &^ 7
			rec = make([]byte, reclen)
			le.PutUint64(rec, e.ino)
			le.PutUint64(rec[8:], uint64(f.s.pos+1))
			le.PutUint16(rec[16:], uint16(reclen))
			rec[18] = e.typ
			copy(rec[19:], e.name)
		} else {
			reclen := (18 + len(e.name) + 2 + 7) &^ 7
			rec = make([]byte, reclen)
			le.PutUint64(rec, e.ino)
			le.PutUint64(rec[8:], uint64(f.s.pos+1))
			le.PutUint16(rec[16:], uint16(reclen))
			copy(rec[18:], e.name)
			rec[reclen-1] = e.typ
		}
		if len(out)+len(rec) > size {
			if len(out) == 0 {
				return Answer{}, unix.EINVAL
			}
			break
		}
		out = append(out, rec...)
		f.s.pos++
	}
	if len(out) > 0 {
		if err := h.r.Mem.Write(h.a[1], out); err != nil {
			return Answer{}, err
		}
	}
	return done(int64(len(out)))
}

// maxIO bounds one served read or write: a short count, as a pipe gives.
const maxIO = 1 << 20

func (h *handler) io() (Answer, error) {
	f, err := h.fdOf()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	if f.open == nil {
		return Answer{}, errPass // kernel-backed: the kernel answers
	}
	nr := h.r.Call.Nr
	write := nr == unix.SYS_WRITE || nr == unix.SYS_PWRITE64 || nr == unix.SYS_WRITEV || nr == unix.SYS_PWRITEV || nr == unix.SYS_PWRITEV2
	acc := f.open.Flags & unix.O_ACCMODE
	switch {
	case f.s.file == nil:
		return Answer{}, unix.EBADF
	case f.s.dir && !write:
		return Answer{}, unix.EISDIR
	case write && acc == unix.O_RDONLY, !write && acc == unix.O_WRONLY, f.s.dir:
		return Answer{}, unix.EBADF
	}
	// The caller's buffers.
	var iov [][2]uint64
	off := int64(-1)
	a := h.a
	switch nr {
	case unix.SYS_READ, unix.SYS_WRITE:
		iov = [][2]uint64{{a[1], a[2]}}
	case unix.SYS_PREAD64, unix.SYS_PWRITE64:
		iov = [][2]uint64{{a[1], a[2]}}
		off = int64(a[3])
	default:
		cnt := int(a[2])
		if cnt < 0 || cnt > 1024 {
			return Answer{}, unix.EINVAL
		}
		raw := make([]byte, 16*cnt)
		if err := h.r.Mem.Read(a[1], raw); err != nil {
			return Answer{}, err
		}
		for i := 0; i < cnt; i++ {
			iov = append(iov, [2]uint64{binary.LittleEndian.Uint64(raw[16*i:]), binary.LittleEndian.Uint64(raw[16*i+8:])})
		}
		if nr != unix.SYS_READV && nr != unix.SYS_WRITEV {
			off = int64(a[3])
			if (nr == unix.SYS_PREADV2 || nr == unix.SYS_PWRITEV2) && off == -1 {
				off = -1
			}
		}
	}
	if off < -1 {
		return Answer{}, unix.EINVAL
	}
	file := f.s.file
	if write && f.open.Flags&unix.O_APPEND != 0 {
		if _, err := file.Seek(0, io.SeekEnd); err != nil {
			return Answer{}, err
		}
		off = -1
	}
	total := int64(0)
	for _, v := range iov {
		n := v[1]
		if n > maxIO-uint64(total) {
			n = maxIO - uint64(total)
		}
		if n == 0 {
			continue
		}
		buf := make([]byte, n)
		var got int
		if write {
			if err := h.r.Mem.Read(v[0], buf); err != nil {
				return h.partial(total, err)
			}
			if off >= 0 {
				got, err = file.WriteAt(buf, off+total)
			} else {
				got, err = file.Write(buf)
			}
		} else {
			if off >= 0 {
				got, err = file.ReadAt(buf, off+total)
			} else {
				got, err = file.Read(buf)
			}
			if got > 0 {
				if werr := h.r.Mem.Write(v[0], buf[:got]); werr != nil {
					return h.partial(total, werr)
				}
			}
		}
		total += int64(got)
		if err != nil && err != io.EOF {
			return h.partial(total, err)
		}
		if got < int(n) || total >= maxIO {
			break
		}
	}
	return done(total)
}

func (h *handler) partial(total int64, err error) (Answer, error) {
	if total > 0 {
		return done(total)
	}
	return Answer{}, err
}

func (h *handler) lseek(off int64, whence int) (Answer, error) {
	f, err := h.fdOf()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	if f.open == nil {
		return Answer{}, errPass
	}
	if f.s.file == nil {
		return Answer{}, unix.EBADF
	}
	if f.s.dir {
		switch {
		case whence == io.SeekStart && off >= 0:
			if off == 0 {
				f.s.ents = nil
			}
			f.s.pos = int(off)
			return done(off)
		case whence == io.SeekCurrent && off == 0:
			return done(int64(f.s.pos))
		}
		return Answer{}, unix.EINVAL
	}
	if whence > io.SeekEnd {
		return Answer{}, unix.EINVAL
	}
	n, err := f.s.file.Seek(off, whence)
	if err != nil {
		return Answer{}, unix.EINVAL
	}
	return done(n)
}

func (h *handler) fsync() (Answer, error) {
	f, err := h.fdOf()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	if f.open == nil {
		return Answer{}, errPass
	}
	return done(0)
}

func (h *handler) ftruncate(size int64) (Answer, error) {
	f, err := h.fdOf()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	if f.open == nil {
		return Answer{}, errPass
	}
	if f.s.file == nil || f.s.dir || f.open.Flags&unix.O_ACCMODE == unix.O_RDONLY {
		if f.s.dir {
			return Answer{}, unix.EINVAL
		}
		return Answer{}, unix.EBADF
	}
	if size < 0 {
		return Answer{}, unix.EINVAL
	}
	return okAnswer.withErr(f.s.file.Truncate(size))
}

// hostListing lists a host directory that holds mount points: its own
// entries, and the mount points it does not already have.
func (s *served) hostListing() error {
	fd, err := unix.Open(s.hostDir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	have := map[string]bool{}
	buf := make([]byte, 32<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if err != nil {
			return err
		}
		if n <= 0 {
			break
		}
		for b := buf[:n]; len(b) >= 19; {
			reclen := int(binary.LittleEndian.Uint16(b[16:]))
			if reclen < 19 || reclen > len(b) {
				break
			}
			name := b[19:reclen]
			for i, c := range name {
				if c == 0 {
					name = name[:i]
					break
				}
			}
			s.ents = append(s.ents, dirent{binary.LittleEndian.Uint64(b), b[18], string(name)})
			have[string(name)] = true
			b = b[reclen:]
		}
	}
	for i, name := range s.extra {
		if !have[name] {
			s.ents = append(s.ents, dirent{uint64(0x7a000 + i), unix.DT_DIR, name})
		}
	}
	return nil
}

// atStatxSyncType is AT_STATX_SYNC_TYPE (linux/fcntl.h), not in x/sys.
const atStatxSyncType = 0x6000
