package hook

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/supervisor"
	"github.com/zvfs/zvfs/vfs"
)

// Call is one system call of a hooked process, as its thread made it. The
// thread waits until the hook returns a Result.
type Call struct {
	Nr       int       // the system call number (golang.org/x/sys/unix.SYS_*)
	Args     [6]uint64 // the registers as the program passed them
	Pid      int       // the calling process
	Tid      int       // the calling thread
	Uid, Gid uint32    // the process's credentials when it last connected to the supervisor

	mem vfs.ProcessMemory
}

// Result is a hook's answer to a call; the Call's methods make one. The
// zero Result is Continue.
type Result struct {
	action  supervisor.HookAction
	ret     int64
	fd      int
	cloexec bool
	after   func(int64)
	rewrite *abi.Rewrite
}

// Continue issues the call in the process as it was made.
func (c *Call) Continue() Result { return Result{} }

// After issues the call in the process, then calls fn with its result
// (a value, or -errno) before the process goes on. fn runs on the
// supervisor thread that answered the call. For calls that do not return
// to their caller in the usual way — fork, vfork, clone, clone3, execve,
// execveat, exit and exit_group — fn is never called.
func (c *Call) After(fn func(ret int64)) Result { return Result{after: fn} }

// Return answers the call with v without issuing it. For an error use
// Errno.
func (c *Call) Return(v int64) Result { return Result{action: supervisor.HookReturn, ret: v} }

// Errno answers the call with the error e without issuing it.
func (c *Call) Errno(e syscall.Errno) Result {
	return Result{action: supervisor.HookReturn, ret: -int64(e)}
}

// ReturnBytes writes b into the caller's memory at addr, then answers the
// call with v without issuing it; EFAULT if addr cannot take b.
func (c *Call) ReturnBytes(addr uint64, b []byte, v int64) Result {
	if err := c.WriteMemory(addr, b); err != nil {
		return c.Errno(unix.EFAULT)
	}
	return c.Return(v)
}

// ReturnFile answers the call with a new descriptor in the caller for f's
// open file, at the lowest free number, without issuing the call. It is a
// duplicate: it shares f's offset and status flags, as dup's would, so give
// each call its own file when offsets must be independent. f stays the
// hook's to close. The descriptor is close-on-exec if the call asked for it
// (O_CLOEXEC of open, openat and openat2; SOCK_CLOEXEC of socket and
// accept4; O_CLOEXEC of dup3).
func (c *Call) ReturnFile(f *os.File) Result {
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return c.Errno(unix.EMFILE)
	}
	return Result{action: supervisor.HookFd, fd: fd, cloexec: c.wantsCloexec()}
}

func (c *Call) wantsCloexec() bool {
	switch c.Nr {
	case unix.SYS_OPEN, unix.SYS_SOCKET:
		return c.Args[1]&unix.O_CLOEXEC != 0
	case unix.SYS_OPENAT, unix.SYS_DUP3:
		return c.Args[2]&unix.O_CLOEXEC != 0
	case unix.SYS_ACCEPT4:
		return c.Args[3]&unix.SOCK_CLOEXEC != 0
	case unix.SYS_OPENAT2:
		var how [8]byte
		return c.ReadMemory(c.Args[2], how[:]) == nil && binary.LittleEndian.Uint64(how[:])&unix.O_CLOEXEC != 0
	}
	return false
}

// Arg returns r, a Continue or After result, with argument i (0-5)
// replaced by v when the call is issued: the call runs as if the program
// had passed v. Other results are returned unchanged.
func (r Result) Arg(i int, v uint64) Result {
	if r.action != supervisor.HookContinue || i < 0 || i > 5 {
		return r
	}
	r.rewrite = r.edit()
	r.rewrite.Mask |= 1 << i
	r.rewrite.Args[i] = v
	return r
}

// Path returns r, a Continue or After result, with argument i pointing at
// path when the call is issued (the stub holds the copy for the call): a
// path hook can send an open elsewhere. A path with a NUL byte gives
// EINVAL, one longer than PATH_MAX ENAMETOOLONG, instead of the call.
func (r Result) Path(i int, path string) Result {
	if r.action != supervisor.HookContinue || i < 0 || i > 5 {
		return r
	}
	switch {
	case strings.IndexByte(path, 0) >= 0:
		return Result{action: supervisor.HookReturn, ret: -int64(unix.EINVAL)}
	case len(path) > pathMax:
		return Result{action: supervisor.HookReturn, ret: -int64(unix.ENAMETOOLONG)}
	}
	r.rewrite = r.edit()
	r.rewrite.Mask &^= 1 << i
	r.rewrite.PathArg = uint32(i)
	r.rewrite.Path = path
	return r
}

// edit returns a copy of r's rewrite to change (results are values).
func (r Result) edit() *abi.Rewrite {
	if r.rewrite == nil {
		return &abi.Rewrite{PathArg: abi.NoArg}
	}
	w := *r.rewrite
	return &w
}

// ReadMemory fills b from the caller's memory at addr: EFAULT if the
// process does not have all of it.
func (c *Call) ReadMemory(addr uint64, b []byte) error { return c.mem.Read(addr, b) }

// WriteMemory writes b into the caller's memory at addr: EFAULT if the
// process cannot take all of it.
func (c *Call) WriteMemory(addr uint64, b []byte) error { return c.mem.Write(addr, b) }

// ReadString reads the NUL-terminated string at addr, of at most max bytes
// before the NUL: EFAULT if it cannot be read, ENAMETOOLONG if it is longer.
func (c *Call) ReadString(addr uint64, max int) (string, error) {
	var out []byte
	buf := make([]byte, 256)
	for len(out) <= max {
		// Up to the end of the page, so a string that ends just before
		// unmapped memory still reads.
		n := 4096 - int(addr%4096)
		if n > len(buf) {
			n = len(buf)
		}
		if err := c.mem.Read(addr, buf[:n]); err != nil {
			return "", err
		}
		if i := bytes.IndexByte(buf[:n], 0); i >= 0 {
			out = append(out, buf[:i]...)
			if len(out) > max {
				break
			}
			return string(out), nil
		}
		out = append(out, buf[:n]...)
		addr += uint64(n)
	}
	return "", unix.ENAMETOOLONG
}

// Bounds of the argv and envp arrays read for exec: what the kernel takes
// with an 8 MiB stack limit (a quarter of it for the strings) is less.
const (
	maxStrings     = 1 << 20
	maxStringBytes = 8 << 20
)

// ReadStrings reads a NULL-terminated array of string pointers at addr, as
// execve's argv and envp; a NULL addr is an empty array. E2BIG if they are
// more than exec could take.
func (c *Call) ReadStrings(addr uint64) ([]string, error) {
	var out []string
	var ptr [8]byte
	total := 0
	for addr != 0 {
		if len(out) >= maxStrings || total > maxStringBytes {
			return nil, unix.E2BIG
		}
		if err := c.mem.Read(addr, ptr[:]); err != nil {
			return nil, err
		}
		p := binary.LittleEndian.Uint64(ptr[:])
		if p == 0 {
			break
		}
		s, err := c.ReadString(p, 128<<10) // the kernel's MAX_ARG_STRLEN
		if err == unix.ENAMETOOLONG {
			return nil, unix.E2BIG
		}
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		total += len(s) + 1
		addr += 8
	}
	return out, nil
}

// Abs returns path made absolute the way the calling thread's kernel view
// would: against its working directory, or the directory dirfd names. It
// reads the process's /proc links, so in a run with mounts a working
// directory inside a mount shows as the host directory the process is in.
func (c *Call) Abs(dirfd int, path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	link := fmt.Sprintf("/proc/%d/task/%d/cwd", c.Pid, c.Tid)
	if dirfd != unix.AT_FDCWD {
		link = fmt.Sprintf("/proc/%d/fd/%d", c.Pid, dirfd)
	}
	dir, err := os.Readlink(link)
	if err != nil {
		return path
	}
	return filepath.Join(dir, path)
}
