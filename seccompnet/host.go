package seccompnet

import (
	"os"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/sysnum"
)

// Some calls reach host files by names the kernel would resolve otherwise
// in the caller (a relative name from a virtual working directory; a name
// in a bind mount, which the namespace turns into the host's): the stub
// issues those itself with the names replaced, and here the supervisor
// does, with the caller's file-system credentials, copying the buffers
// the call reads and writes.

// buffer is a pointer argument other than a path: its index, and its size
// (a fixed one, or the index of the argument that gives it).
type buffer struct {
	arg     int
	size    int
	sizeArg int // -1: size is fixed
	out     bool
	// result: the call's result is how many bytes it wrote (readlink).
	result bool
	str    bool // a NUL-terminated string read from the caller (an attribute's name)
}

const statSize, statxSize, statfsSize = 144, 256, 120

// atFdcwd is AT_FDCWD as a register holds it.
var atFdcwd = func() uint64 { v := int64(unix.AT_FDCWD); return uint64(v) }()

// hostBuffers lists the buffers of the calls hostCall can issue; a call
// that is not here cannot be issued for a caller (ENOSYS).
var hostBuffers = map[int][]buffer{
	unix.SYS_OPEN: nil, unix.SYS_OPENAT: nil, unix.SYS_CREAT: nil,
	unix.SYS_OPENAT2:    {{arg: 2, sizeArg: 3}},
	unix.SYS_STAT:       {{arg: 1, size: statSize, sizeArg: -1, out: true}},
	unix.SYS_LSTAT:      {{arg: 1, size: statSize, sizeArg: -1, out: true}},
	unix.SYS_NEWFSTATAT: {{arg: 2, size: statSize, sizeArg: -1, out: true}},
	unix.SYS_STATX:      {{arg: 4, size: statxSize, sizeArg: -1, out: true}},
	unix.SYS_STATFS:     {{arg: 1, size: statfsSize, sizeArg: -1, out: true}},
	unix.SYS_READLINK:   {{arg: 1, sizeArg: 2, out: true, result: true}},
	unix.SYS_READLINKAT: {{arg: 2, sizeArg: 3, out: true, result: true}},
	unix.SYS_ACCESS:     nil, unix.SYS_FACCESSAT: nil, unix.SYS_FACCESSAT2: nil,
	unix.SYS_MKDIR: nil, unix.SYS_MKDIRAT: nil, unix.SYS_MKNOD: nil, unix.SYS_MKNODAT: nil,
	unix.SYS_RMDIR: nil, unix.SYS_UNLINK: nil, unix.SYS_UNLINKAT: nil,
	unix.SYS_RENAME: nil, unix.SYS_RENAMEAT: nil, unix.SYS_RENAMEAT2: nil,
	unix.SYS_LINK: nil, unix.SYS_LINKAT: nil, unix.SYS_SYMLINK: nil, unix.SYS_SYMLINKAT: nil,
	unix.SYS_CHMOD: nil, unix.SYS_FCHMODAT: nil, unix.SYS_FCHMODAT2: nil,
	unix.SYS_CHOWN: nil, unix.SYS_LCHOWN: nil, unix.SYS_FCHOWNAT: nil, unix.SYS_TRUNCATE: nil,
	unix.SYS_UTIMENSAT:    {{arg: 2, size: 32, sizeArg: -1}},
	unix.SYS_UTIMES:       {{arg: 1, size: 32, sizeArg: -1}},
	unix.SYS_FUTIMESAT:    {{arg: 2, size: 32, sizeArg: -1}},
	unix.SYS_UTIME:        {{arg: 1, size: 16, sizeArg: -1}},
	unix.SYS_GETXATTR:     {{arg: 1, str: true}, {arg: 2, sizeArg: 3, out: true, result: true}},
	unix.SYS_LGETXATTR:    {{arg: 1, str: true}, {arg: 2, sizeArg: 3, out: true, result: true}},
	unix.SYS_LISTXATTR:    {{arg: 1, sizeArg: 2, out: true, result: true}},
	unix.SYS_LLISTXATTR:   {{arg: 1, sizeArg: 2, out: true, result: true}},
	unix.SYS_SETXATTR:     {{arg: 1, str: true}, {arg: 2, sizeArg: 3}},
	unix.SYS_LSETXATTR:    {{arg: 1, str: true}, {arg: 2, sizeArg: 3}},
	unix.SYS_REMOVEXATTR:  {{arg: 1, str: true}},
	unix.SYS_LREMOVEXATTR: {{arg: 1, str: true}},
}

// hostCall issues call n on the host with the paths replaced by paths
// (absolute, or a symbolic link's content), as the caller.
func (s *Server) hostCall(c *caller, n *notif, pc abi.PathCall, paths [2]string) outcome {
	nr := int(n.nr)
	bufs, ok := hostBuffers[nr]
	if !ok {
		s.logf("zvfs: seccomp net: pid %d: %s of a host path named from a mount is not supported", n.pid, sysnum.Name(nr))
		return errno(unix.ENOSYS)
	}
	args := n.args
	var keep [][]byte
	for k, arg := range [2][2]uint8{{pc.Dir1, pc.Path1}, {pc.Dir2, pc.Path2}} {
		if arg[1] == abi.NoArg {
			continue
		}
		b := append([]byte(paths[k]), 0)
		keep = append(keep, b)
		args[arg[1]] = uint64(uintptr(unsafe.Pointer(&b[0])))
		if arg[0] != abi.NoArg && (k != 0 || pc.Kind != abi.PathSymlink) {
			args[arg[0]] = atFdcwd
		}
	}
	type copyBack struct {
		addr uint64
		b    []byte
		all  bool // the whole buffer, else the result's length
	}
	var back []copyBack
	for _, bf := range bufs {
		addr := args[bf.arg]
		if addr == 0 {
			continue // NULL: the call's own meaning (utimensat: now)
		}
		if bf.str {
			name, e := readPath(c.mem, addr)
			if e != 0 {
				return errno(e)
			}
			b := append([]byte(name), 0)
			keep = append(keep, b)
			args[bf.arg] = uint64(uintptr(unsafe.Pointer(&b[0])))
			continue
		}
		size := bf.size
		if bf.sizeArg >= 0 {
			size = int(min(args[bf.sizeArg], 1<<20))
		}
		b := make([]byte, max(size, 1))
		if !bf.out {
			if err := c.mem.Read(addr, b[:size]); err != nil {
				return errno(unix.EFAULT)
			}
		} else {
			back = append(back, copyBack{addr, b[:size], !bf.result})
		}
		keep = append(keep, b)
		args[bf.arg] = uint64(uintptr(unsafe.Pointer(&b[0])))
	}
	st, err := c.status()
	if err != nil || !valid(c.lfd, c.id) {
		return gone
	}
	r, e := asCaller(&st, func() (uintptr, unix.Errno) {
		r, _, e := unix.Syscall6(uintptr(nr), uintptr(args[0]), uintptr(args[1]), uintptr(args[2]),
			uintptr(args[3]), uintptr(args[4]), uintptr(args[5]))
		return r, e
	})
	runtime.KeepAlive(keep)
	if e != 0 {
		return errno(e)
	}
	for _, cb := range back {
		b := cb.b
		if !cb.all {
			b = b[:min(int(r), len(b))]
		}
		if err := c.mem.Write(cb.addr, b); err != nil {
			return errno(unix.EFAULT)
		}
	}
	switch nr {
	case unix.SYS_OPEN, unix.SYS_OPENAT, unix.SYS_CREAT, unix.SYS_OPENAT2:
		return outcome{fd: int(r), cloexec: openFlags(nr, n.args, c.mem)&unix.O_CLOEXEC != 0}
	}
	return result(int64(r))
}

// asCaller runs fn on a thread of its own with the caller's file-system
// user and group IDs and groups, when they are not ours (and we may take
// them: a supervisor that is not root serves its own user's processes).
func asCaller(st *procStatus, fn func() (uintptr, unix.Errno)) (uintptr, unix.Errno) {
	if os.Geteuid() != 0 || st.cred.Uid == 0 && st.cred.Gid == uint32(os.Getegid()) {
		return fn()
	}
	type res struct {
		r uintptr
		e unix.Errno
	}
	done := make(chan res, 1)
	go func() {
		// The thread's credentials change, so it never runs anything
		// else: it ends with this goroutine, still locked.
		runtime.LockOSThread()
		groups := st.cred.Groups
		var gp unsafe.Pointer
		if len(groups) > 0 {
			gp = unsafe.Pointer(&groups[0])
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(groups)), uintptr(gp), 0); e != 0 {
			done <- res{0, e}
			return
		}
		unix.RawSyscall(unix.SYS_SETFSGID, uintptr(st.cred.Gid), 0, 0)
		unix.RawSyscall(unix.SYS_SETFSUID, uintptr(st.cred.Uid), 0, 0)
		r, e := fn()
		done <- res{r, e}
	}()
	x := <-done
	return x.r, x.e
}
