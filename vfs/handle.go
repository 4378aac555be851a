package vfs

import (
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/fdtable"
	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Request is one call from a hooked process.
type Request struct {
	Call abi.Call
	// Fds are the descriptors the call named, in the order of the
	// CallFd flags. They belong to the caller, who closes them.
	Fds  []int
	Cred linuxvfs.Who
	Mem  Memory
	// Proc is the caller's process ID (its thread group's), 0 if not known.
	Proc int
	// Direct: the caller reads nothing queued in placeholders (the
	// seccomp net answers for a program without a stub), so every answer
	// comes in the reply.
	Direct bool
}

// Answer is the reply to send and, if Fd is not -1, a descriptor to pass
// with it, which the caller closes once sent: with Release if set, else
// with close(2).
type Answer struct {
	abi.Reply
	Fd      int
	Release func()
	// Writes names the data Fd is a writer of, when the namespace view
	// marked it so (its entries say to ask while a writer may be out):
	// the caller gives it to Recheck once the process is done with it.
	Writes DataID
}

// DataID is a regular file's data as fstat(2) of a descriptor of it
// knows it: st_dev and st_ino. The zero DataID is none.
type DataID struct{ Dev, Ino uint64 }

// handing counts the descriptors answers have handed out that their
// transport has not released yet (the supervisor's copy, closed just after
// the answer is sent). A writable one keeps its file from being executed
// for that moment (ETXTBSY), and a thread descheduled between the send and
// the close stretches the moment: `cp prog /m/p && /m/p` failed so once.
// An exec of a program from a mount waits for them (settle).
type handing struct{ n atomic.Int64 }

// track counts a's descriptor until its transport releases it.
func (h *handing) track(a Answer) Answer {
	if a.Fd < 0 {
		return a
	}
	h.n.Add(1)
	fd, release := a.Fd, a.Release
	a.Release = func() {
		if release != nil {
			release()
		} else {
			unix.Close(fd)
		}
		h.n.Add(-1)
	}
	return a
}

// settle waits, at most 0.1 s, until no descriptor is in flight.
func (h *handing) settle() {
	for i := 0; i < 100 && h.n.Load() > 0; i++ {
		if i < 10 {
			runtime.Gosched()
		} else {
			time.Sleep(time.Millisecond)
		}
	}
}

// errPass: the descriptor is not one of ours; the stub issues the call.
var errPass = errors.New("not virtual")

// errAgain: the directory a CallDir1 path was made from is no longer at
// that path; the stub sends the call again with its descriptor.
var errAgain = errors.New("directory moved")

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
	// notes are what the call did, for the report; kept only if it
	// succeeds (or is handed to the host).
	notes []note
	// changed are the names the call may have changed (their entries and
	// their directories'), changedOwn those whose own attributes alone it
	// may have changed, visited the one it looked up, opened the one it
	// opened to write or truncate, for the view (publish.go).
	changed    []loc
	changedOwn []loc
	visited    *loc
	opened     *loc
	// openWrites: the open of opened asked for write access.
	openWrites bool
	// handed is the identity of the data of the file the call's answer
	// hands out, when its backend knew it (caps.DataIDer): publish need
	// not fstat the descriptor. nil if it did not.
	handed *DataID
	// held is what the call holds of ns.moving for its run (dirMoving).
	held dirHold
	// writes is the data the answer hands out a writer of, as the view
	// marked it (publish), for Answer.Writes.
	writes DataID
	// fl1 and st1 are the status flags and the fstat of the call's first
	// descriptor, once read (fd1Flags, fd1Stat).
	fl1     int
	fl1Read bool
	st1     unix.Stat_t
	st1Err  error
	st1Read bool
}

// fd1Stat returns the fstat of the call's first descriptor, taken once
// per call.
func (h *handler) fd1Stat() (*unix.Stat_t, error) {
	if !h.st1Read {
		h.st1Read = true
		h.st1Err = unix.EBADF
		if len(h.r.Fds) > 0 {
			h.st1Err = unix.Fstat(h.r.Fds[0], &h.st1)
		}
	}
	return &h.st1, h.st1Err
}

// fdStat returns the fstat of fd, one of the call's descriptors: the
// first one's taken once per call (fd1Stat).
func (h *handler) fdStat(fd int) (*unix.Stat_t, error) {
	if len(h.r.Fds) > 0 && fd == h.r.Fds[0] {
		return h.fd1Stat()
	}
	st := &unix.Stat_t{}
	return st, unix.Fstat(fd, st)
}

// lookupServed is served.Lookup, with fdStat's fstat.
func (h *handler) lookupServed(fd int) *fdtable.Open {
	st, err := h.fdStat(fd)
	if err != nil {
		return nil
	}
	return h.ns.served.LookupStat(st)
}

// Handle answers one call.
func (ns *Namespace) Handle(r *Request) Answer {
	h := &handler{ns: ns, c: ctx{ns: ns, cred: r.Cred}, r: r, a: r.Call.Args}
	h.held = ns.moving.hold(&r.Call)
	ans, err := h.dispatch()
	ns.moving.release(h.held)
	if ns.pub != nil {
		h.publish(ans, err)
	}
	switch e := err.(type) {
	case nil:
		if ans.Action != abi.ReplyPass && ans.Ret >= 0 {
			h.flush()
		}
		ans.Writes = h.writes
		return ns.handing.track(ans)
	case hostAnswer:
		h.flush()
		return Answer{Reply: abi.Reply{Action: abi.ReplyHost, Str1: e.p1, Str2: e.p2}, Fd: -1}
	}
	switch {
	case err == errPass:
		return Answer{Reply: abi.Reply{Action: abi.ReplyPass}, Fd: -1}
	case errors.Is(err, errAgain):
		return Answer{Reply: abi.Reply{Action: abi.ReplyAgain}, Fd: -1}
	}
	return Answer{Reply: abi.Reply{Ret: -int64(errnoOf(err))}, Fd: -1}
}

// relativeToDir tells whether c has a path relative to a directory
// descriptor (sent, or found by its path with abi.CallDir1). A socket
// call's descriptor is the socket, and its path absolute.
func relativeToDir(c *abi.Call) bool {
	rel := func(p string) bool { return !strings.HasPrefix(p, "/") }
	return c.Flags&abi.CallDir1 != 0 || c.Flags&abi.CallSelf1 == 0 &&
		(c.Flags&abi.CallFd1 != 0 && c.Flags&abi.CallPath1 != 0 && rel(c.Path1) ||
			c.Flags&abi.CallFd2 != 0 && c.Flags&abi.CallPath2 != 0 && rel(c.Path2))
}

func done(ret int64) (Answer, error) { return Answer{Reply: abi.Reply{Ret: ret}, Fd: -1}, nil }

// openHow reads openat2's struct open_how: its flags and mode.
// EOPNOTSUPP for RESOLVE_* flags, which mounts do not support.
func (h *handler) openHow() (flags int, mode uint32, err error) {
	if h.a[3] < 24 {
		return 0, 0, unix.EINVAL
	}
	var how [24]byte
	if err := h.r.Mem.Read(h.a[2], how[:]); err != nil {
		return 0, 0, err
	}
	if binary.LittleEndian.Uint64(how[16:]) != 0 {
		return 0, 0, unix.EOPNOTSUPP
	}
	return int(binary.LittleEndian.Uint64(how[:])), uint32(binary.LittleEndian.Uint64(how[8:])), nil
}

func (h *handler) dispatch() (Answer, error) {
	a := h.a
	if h.r.Call.Flags&abi.CallSelf1 != 0 && len(h.r.Fds) > 0 && h.lookupServed(h.r.Fds[0]) == nil {
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
		flags, mode, err := h.openHow()
		if err != nil {
			return Answer{}, err
		}
		return h.open(flags, mode)
	case unix.SYS_STAT:
		return h.stat(a[1], 0, false)
	case unix.SYS_LSTAT:
		return h.stat(a[1], unix.AT_SYMLINK_NOFOLLOW, false)
	case unix.SYS_NEWFSTATAT:
		if a[3]&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH|unix.AT_NO_AUTOMOUNT) != 0 {
			return Answer{}, unix.EINVAL
		}
		return h.stat(a[2], int(a[3]), false)
	case unix.SYS_STATX:
		if a[2]&^(unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH|unix.AT_NO_AUTOMOUNT|atStatxSyncType) != 0 ||
			a[2]&atStatxSyncType == atStatxSyncType || a[3]&unix.STATX__RESERVED != 0 {
			return Answer{}, unix.EINVAL
		}
		return h.stat(a[4], int(a[2]), true)
	case unix.SYS_GETCWD:
		if h.r.Call.Flags&abi.CallSince != 0 {
			return h.cwdSince(h.r.Call.Since)
		}
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
		return h.mknod(uint32(a[1]), uint64(uint32(a[2])))
	case unix.SYS_MKNODAT:
		return h.mknod(uint32(a[2]), uint64(uint32(a[3])))
	case unix.SYS_BIND:
		return h.bind()
	case unix.SYS_CONNECT:
		return h.connect()
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
		if h.opathFd() {
			return Answer{}, unix.EBADF
		}
		return h.fchmod(uint32(a[1]))
	case unix.SYS_CHOWN:
		return h.chown(int(int32(a[1])), int(int32(a[2])), 0)
	case unix.SYS_LCHOWN:
		return h.chown(int(int32(a[1])), int(int32(a[2])), unix.AT_SYMLINK_NOFOLLOW)
	case unix.SYS_FCHOWNAT:
		return h.chown(int(int32(a[2])), int(int32(a[3])), int(a[4]))
	case unix.SYS_FCHOWN:
		if h.opathFd() {
			return Answer{}, unix.EBADF
		}
		return h.fchown(int(int32(a[1])), int(int32(a[2])))
	case unix.SYS_UTIMENSAT:
		if h.r.Call.Flags&abi.CallPath1 == 0 {
			return h.futimens(a[2], int(a[3]))
		}
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
	case unix.SYS_IOCTL:
		return h.ioctl(uint32(a[1]))
	case unix.SYS_FSTATFS:
		return h.fstatfs(a[1])
	case unix.SYS_EXECVE, unix.SYS_EXECVEAT:
		return h.exec()
	case unix.SYS_GETXATTR, unix.SYS_LGETXATTR, unix.SYS_FGETXATTR,
		unix.SYS_SETXATTR, unix.SYS_LSETXATTR, unix.SYS_FSETXATTR,
		unix.SYS_LISTXATTR, unix.SYS_LLISTXATTR, unix.SYS_FLISTXATTR,
		unix.SYS_REMOVEXATTR, unix.SYS_LREMOVEXATTR, unix.SYS_FREMOVEXATTR:
		return h.xattr()
	case unix.SYS_INOTIFY_ADD_WATCH:
		if _, err := h.existing(h.path1(true)); err != nil {
			return Answer{}, err
		}
		return Answer{}, unix.EOPNOTSUPP
	case unix.SYS_NAME_TO_HANDLE_AT:
		// As a file system that cannot export its files says: the
		// kernel's handle would be of the host's file under the name,
		// which open_by_handle_at would open past the mount.
		if _, err := h.existing(h.path1(a[4]&unix.AT_SYMLINK_FOLLOW != 0)); err != nil {
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
