// attrs.go answers the calls that change or read attributes: truncate,
// chmod, chown, the utime family and statfs.

package vfs

import (
	"encoding/binary"
	"os"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/mtab"
)

func (h *handler) truncate(size int64) (Answer, error) {
	if size < 0 {
		return Answer{}, unix.EINVAL
	}
	l, err := h.mutate(noteWritten)(h.path1(true))
	if err != nil {
		return Answer{}, err
	}
	return okAnswer.withErr(caps.Node{FS: h.c.fs(l.m), Name: l.name()}.Truncate(size))
}

// ioctl answers the ioctls that change a file (abi.FileFlagIoctls, the
// only ones the net sends) on a descriptor of a mount: ENOTTY, as the stub
// does, for the mounts keep no such flags; the kernel's would change the
// memfd, or an overlay's lower file on the host.
func (h *handler) ioctl(cmd uint32) (Answer, error) {
	if !abi.IsFileFlagIoctl(cmd) {
		return Answer{}, errPass
	}
	f, err := h.fdOf()
	if err != nil {
		return Answer{}, err
	}
	f.release()
	return Answer{}, unix.ENOTTY
}

func (h *handler) chmod(mode uint32, flags int) (Answer, error) {
	l, err := h.mutate(noteWritten)(h.path1(flags&unix.AT_SYMLINK_NOFOLLOW == 0))
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
	return h.fchange(func(n caps.Node) error { return n.Chmod(fileMode(mode)) })
}

// opathFd tells whether the call's descriptor is an O_PATH one, which
// fchmod, fchown and futimens refuse (EBADF), as the kernel's fdget does.
func (h *handler) opathFd() bool {
	if len(h.r.Fds) == 0 {
		return false
	}
	if o := h.lookupServed(h.r.Fds[0]); o != nil {
		return o.Flags&unix.O_PATH != 0
	}
	fl := h.fd1Flags()
	return fl >= 0 && fl&unix.O_PATH != 0
}

// fd1Flags returns the file status flags (F_GETFL) of the call's first
// descriptor, read once per call; -1 if it has none.
func (h *handler) fd1Flags() int {
	if !h.fl1Read {
		h.fl1Read, h.fl1 = true, -1
		if len(h.r.Fds) > 0 {
			if fl, err := unix.FcntlInt(uintptr(h.r.Fds[0]), unix.F_GETFL, 0); err == nil {
				h.fl1 = fl
			}
		}
	}
	return h.fl1
}

// fchange runs change on the file of the call's descriptor (fchmod,
// fchown, futimens): through the open file if its type can, else by its
// path.
func (h *handler) fchange(change func(caps.Node) error) (Answer, error) {
	f, err := h.changeableFd()
	if err != nil {
		return Answer{}, err
	}
	defer f.release()
	return okAnswer.withErr(change(caps.Node{FS: h.c.fs(f.m), Name: "/" + f.rel(), File: f.file(), Follow: true}))
}

// changeableFd returns the file of the call's descriptor for a change of
// its attributes: EPERM for one zvfs only holds a host path of, EROFS on
// a read-only mount. The caller releases it.
func (h *handler) changeableFd() (*fdFile, error) {
	f, err := h.fdOf()
	if err != nil {
		return nil, err
	}
	switch {
	case f.hostOnly():
		err = unix.EPERM
	case f.m.ReadOnly:
		err = unix.EROFS
	}
	if err != nil {
		f.release()
		return nil, err
	}
	return f, nil
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
	l, err := h.mutate(noteWritten)(h.path1(!nofollow))
	if err != nil {
		return Answer{}, err
	}
	return okAnswer.withErr(caps.Node{FS: h.c.fs(l.m), Name: l.name(), Follow: !nofollow}.Chown(uid, gid))
}

func (h *handler) fchown(uid, gid int) (Answer, error) {
	return h.fchange(func(n caps.Node) error { return n.Chown(uid, gid) })
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
		return h.fchange(func(n caps.Node) error { return n.Utimens(at, mt, now) })
	}
	follow := flags&unix.AT_SYMLINK_NOFOLLOW == 0
	l, err := h.mutate(noteWritten)(h.path1(follow))
	if err != nil {
		return Answer{}, err
	}
	return okAnswer.withErr(caps.Node{FS: h.c.fs(l.m), Name: l.name(), Follow: follow}.Utimens(at, mt, now))
}

// okAnswer is a plain success.
var okAnswer = Answer{Fd: -1}

// futimens is utimensat(fd, NULL, times, flags), about the descriptor
// itself: after reading the times, the kernel refuses any flag (EINVAL)
// and an O_PATH descriptor (EBADF).
func (h *handler) futimens(addr uint64, flags int) (Answer, error) {
	if flags != 0 || h.opathFd() {
		if _, _, _, err := h.readTimes(addr, timesNs); err == unix.EFAULT {
			return Answer{}, err
		}
		if flags != 0 {
			return Answer{}, unix.EINVAL
		}
		return Answer{}, unix.EBADF
	}
	return h.utimens(addr, 0, timesNs)
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

func (h *handler) writeStatfs(buf uint64, m *mtab.Mount) (Answer, error) {
	var blocks, bfree, files, ffree uint64 = 1 << 20, 1 << 20, 1 << 20, 1 << 20
	if m == nil {
		return Answer{}, unix.ENOSYS
	}
	if s, ok := m.FS.(caps.StatFSer); ok {
		blocks, bfree, files, ffree = s.StatFS()
	}
	if err := h.r.Mem.Write(buf, statfsBytes(blocks, bfree, files, ffree)); err != nil {
		return Answer{}, err
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
