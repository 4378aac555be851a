package seccompnet

import (
	"encoding/binary"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/sysnum"
	"github.com/zvfs/zvfs/vfs"
)

// Server answers the notifications of a run's filters with its namespace.
type Server struct {
	ns    *vfs.Namespace
	logf  func(format string, args ...any)
	cwds  cwdTable
	procs procCache
	calls [abi.NSlots]atomic.Uint64 // notifications taken, by system call number
	stop  int                       // an eventfd: readable once Close was called
	wg    sync.WaitGroup
	once  sync.Once
}

// New returns a server for ns; logf (or nil) hears of calls it cannot
// serve.
func New(ns *vfs.Namespace, logf func(string, ...any)) (*Server, error) {
	stop, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("seccomp net: eventfd: %w", err)
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Server{ns: ns, logf: logf, cwds: cwdTable{dirs: map[int]string{}},
		procs: procCache{byTid: map[int]*proc{}, volatile: map[int]bool{}}, stop: stop}, nil
}

// Calls returns how many calls took the net, by system call name.
func (s *Server) Calls() map[string]uint64 {
	var m map[string]uint64
	for nr := range s.calls {
		if n := s.calls[nr].Load(); n != 0 {
			if m == nil {
				m = map[string]uint64{}
			}
			m[sysnum.Name(nr)] = n
		}
	}
	return m
}

// Serve answers the notifications of the listener lfd, which it owns,
// until no process carries its filter any more or Close is called.
func (s *Server) Serve(lfd int) {
	// The caller's thread hands its CPU to ours and back (kernel 6.6; an
	// older one wakes them as it would).
	syncWake(lfd)
	l := &listener{fd: lfd}
	s.wg.Add(1)
	l.users.Add(1)
	go func() {
		l.users.Wait()
		unix.Close(lfd)
		s.wg.Done()
	}()
	go s.poll(l)
}

// A listener is one filter's notification descriptor and the goroutines
// using it.
type listener struct {
	fd    int
	users sync.WaitGroup
}

// handOver is how long a call is answered before another goroutine starts
// polling for the next one.
const handOver = 200 * time.Microsecond

// poll waits for the listener's next notification and answers it, then
// the next. One goroutine polls a listener at a time and answers the calls
// it takes itself, on its own thread: starting another goroutine for each
// would wake another thread per call (+25 µs on this machine kind). A call
// that takes longer than handOver (one that waits: an open of a FIFO, a
// lock) has another goroutine take over the polling, so no call waits for
// another to end.
func (s *Server) poll(l *listener) {
	defer l.users.Done()
	for {
		fds := []unix.PollFd{{Fd: int32(l.fd), Events: unix.POLLIN}, {Fd: int32(s.stop), Events: unix.POLLIN}}
		if _, err := unix.Poll(fds, -1); err != nil {
			if err == unix.EINTR {
				continue
			}
			return
		}
		if fds[1].Revents != 0 || fds[0].Revents&unix.POLLIN == 0 {
			return // Close, or hung up: every process that carried the filter is gone
		}
		var n notif
		if err := recv(l.fd, &n); err != nil {
			if err == unix.ENOENT {
				continue // the caller went away before we took its call
			}
			return
		}
		if uint32(n.nr) < abi.NSlots {
			s.calls[n.nr].Add(1)
		}
		l.users.Add(1) // for the poller the timer may start
		t := time.AfterFunc(handOver, func() { go s.poll(l) })
		s.answer(l.fd, &n)
		if !t.Stop() {
			return // another goroutine polls now
		}
		l.users.Done()
	}
}

// Close stops serving and waits for the calls being answered.
func (s *Server) Close() {
	s.once.Do(func() {
		var one = [8]byte{1}
		unix.Write(s.stop, one[:])
		s.wg.Wait()
		unix.Close(s.stop)
	})
}

// An outcome is how a notification is answered.
type outcome struct {
	proceed bool  // the kernel runs the call as it was made
	renamed bool  // with proceed: with the path execData wrote, which is not to be looked up again
	ret     int64 // else the result, or -errno
	fd      int   // >= 0: install this descriptor of ours and answer with its number
	cloexec bool
	release func() // for fd: how to let go of it; nil: close(2)
}

var (
	proceeding = outcome{proceed: true, fd: -1}
	gone       = outcome{ret: -int64(unix.EINTR), fd: -1} // the caller no longer waits; the answer is dropped
)

func result(ret int64) outcome { return outcome{ret: ret, fd: -1} }

func errno(e unix.Errno) outcome { return result(-int64(e)) }

// answer decides one notification and sends its answer.
func (s *Server) answer(lfd int, n *notif) {
	c := &caller{tid: int(n.pid), mem: vfs.ProcessMemory{Pid: int(n.pid)}, lfd: lfd, id: n.id, procs: &s.procs}
	defer c.close()
	o := s.decide(c, n)
	var err error
	switch {
	case o.proceed:
		err = proceed(lfd, n.id)
	case o.fd >= 0:
		err = install(lfd, n.id, o.fd, o.cloexec)
		if o.release != nil {
			o.release()
		} else {
			unix.Close(o.fd)
		}
		if err != nil && err != unix.ENOENT {
			// No room in the caller's table (EMFILE), or the like: the
			// call still needs its answer.
			err = reply(lfd, n.id, -int64(errnoOf(err)))
		}
	default:
		err = reply(lfd, n.id, o.ret)
	}
	if err != nil && err != unix.ENOENT {
		s.logf("zvfs: seccomp net: answer %s of pid %d: %v", sysnum.Name(int(n.nr)), n.pid, err)
	}
}

var pathCalls = abi.PathCalls()

var credCalls = func() map[int]bool {
	m := map[int]bool{}
	for _, nr := range abi.CredCalls {
		m[nr] = true
	}
	return m
}()

// decide works out a notification's outcome.
func (s *Server) decide(c *caller, n *notif) outcome {
	nr := int(n.nr)
	switch {
	case nr == unix.SYS_GETCWD:
		return s.getcwd(c, n)
	case nr == unix.SYS_UMASK:
		if st, err := c.status(); err == nil {
			s.procs.umask(st.tgid, uint32(n.args[0]&0o777))
		}
		return proceeding
	case credCalls[nr]:
		if st, err := c.status(); err == nil {
			s.procs.credsChange(st.tgid)
		}
		return proceeding
	}
	if pc, ok := pathCalls[nr]; ok {
		return s.pathCall(c, n, pc)
	}
	if nr == unix.SYS_BIND || nr == unix.SYS_CONNECT {
		return s.sockCall(c, n)
	}
	return s.fdCall(c, n)
}

// sockCall decodes bind and connect as the stub's sock_call does: a
// Unix-domain address whose path (made absolute against the working
// directory) is in a mount goes to the namespace with a copy of the
// socket; any other address continues to the kernel.
func (s *Server) sockCall(c *caller, n *notif) outcome {
	fd, addr, size := int(int32(n.args[0])), n.args[1], n.args[2]
	if fd < 0 || size <= 2 || size > 2+108 {
		return proceeding
	}
	sa := make([]byte, size)
	if c.mem.Read(addr, sa) != nil || binary.LittleEndian.Uint16(sa) != unix.AF_UNIX || sa[2] == 0 {
		return proceeding // the kernel's answer, EFAULT included
	}
	p := string(sa[2:])
	if i := strings.IndexByte(p, 0); i >= 0 {
		p = p[:i]
	}
	if p[0] != '/' {
		cwd, virt := s.cwds.get(c)
		if !virt {
			return proceeding // the kernel's working directory is the caller's
		}
		p = join(cwd, p)
	}
	if !s.ns.Concerns(p, false) || s.ns.IsHostNode(p) && sa[2] == '/' {
		return proceeding // a host path as the program gave it (getsockname's, say)
	}
	dup, err := c.getfd(fd)
	if err != nil {
		return proceeding // EBADF from the kernel
	}
	st, err := c.status()
	if err != nil {
		return gone
	}
	call := abi.Call{Nr: uint32(n.nr), Flags: abi.CallFd1 | abi.CallPath1, Args: n.args, Path1: p, Umask: st.umask}
	return s.handle(c, n, call, dup)
}

// getcwd answers from a virtual working directory; the kernel knows any
// other.
func (s *Server) getcwd(c *caller, n *notif) outcome {
	dir, virt := s.cwds.get(c)
	if !virt {
		return proceeding
	}
	// The namespace says whether it still exists.
	if o := s.handle(c, n, abi.Call{Nr: unix.SYS_GETCWD, Flags: abi.CallPath1, Args: n.args, Path1: dir}); o.proceed || o.ret < 0 {
		return o
	}
	b := append([]byte(dir), 0)
	if uint64(len(b)) > n.args[1] {
		return errno(unix.ERANGE)
	}
	if c.mem.Write(n.args[0], b) != nil {
		return errno(unix.EFAULT)
	}
	return result(int64(len(b)))
}

// fdCall sends a call about a descriptor to the namespace, which passes
// back those that are not its own.
func (s *Server) fdCall(c *caller, n *notif) outcome {
	fd := int(int32(n.args[0]))
	if fd < 0 {
		return proceeding
	}
	dup, err := c.getfd(fd)
	if err != nil {
		return proceeding // the kernel says EBADF
	}
	o := s.handle(c, n, abi.Call{Nr: uint32(n.nr), Flags: abi.CallFd1, Args: n.args}, dup)
	if int(n.nr) == unix.SYS_FCHDIR && o.proceed {
		// To a directory of the host: the kernel's working directory again.
		if isDir(fmt.Sprintf("/proc/self/fd/%d", dup)) {
			s.cwds.set(c, "")
		}
	}
	return o
}

// pathCall reads and resolves a path call's paths, as the stub's classify
// does, and sends it to the namespace if one of them may be virtual.
func (s *Server) pathCall(c *caller, n *notif, pc abi.PathCall) outcome {
	nr := int(n.nr)
	call := abi.Call{Nr: uint32(nr), Args: n.args}
	if pc.Kind == abi.PathNullFd && n.args[pc.Path1] == 0 {
		return s.fdCall(c, &notif{id: n.id, pid: n.pid, nr: n.nr, args: shift(n.args, int(pc.Dir1))})
	}
	var fds []int
	virtual, fromCwd := false, false
	var paths [2]string
	empty := pc.Flags != abi.NoArg && n.args[pc.Flags]&unix.AT_EMPTY_PATH != 0
	opens := nr == unix.SYS_OPEN || nr == unix.SYS_OPENAT || nr == unix.SYS_OPENAT2
	for k, arg := range [2][2]uint8{{pc.Dir1, pc.Path1}, {pc.Dir2, pc.Path2}} {
		dirArg, pathArg := arg[0], arg[1]
		if pathArg == abi.NoArg {
			continue
		}
		raw, e := readPath(c.mem, n.args[pathArg])
		if e != 0 {
			return errno(e)
		}
		call.Flags |= abi.CallPath1 << k
		if k == 0 && pc.Kind == abi.PathSymlink {
			paths[0] = raw // a link's content, not a path
			continue
		}
		dir := unix.AT_FDCWD
		if dirArg != abi.NoArg {
			dir = int(int32(n.args[dirArg]))
		}
		var p string
		switch {
		case raw == "":
			if !(empty && k == 0 && dir != unix.AT_FDCWD) {
				break // the kernel says ENOENT
			}
			dup, err := c.getfd(dir)
			if err != nil {
				return proceeding
			}
			// The descriptor itself: the namespace passes back one of
			// the host's.
			fds = append(fds, dup)
			call.Flags |= abi.CallFd1 << k
			virtual = true
		case raw[0] == '/':
			p = raw
			own, ok := c.ownProc(raw)
			if fd, self := selfFd(raw, own, ok); self && k == 0 {
				// /proc/self/fd/N, /dev/fd/N: the kernel's link leads to
				// the file the descriptor holds, for one of the
				// namespace's files a memfd (mode 0777) or an overlay's
				// lower file, where it would check nothing the file's own
				// owner and mode say, and write the lower file. The
				// namespace answers for its descriptors (the stub's
				// P_SELF) and passes back any other.
				dup, err := c.getfd(fd)
				if err != nil {
					return proceeding // the kernel says EBADF
				}
				fds = append(fds, dup)
				call.Flags |= abi.CallFd1 | abi.CallSelf1
				paths[0], virtual = "", true
				continue
			}
			if !ok {
				break
			}
			if own == "/exe" && (nr == unix.SYS_READLINK || nr == unix.SYS_READLINKAT) {
				if o, ok := s.exeLink(c, n, pathArg); ok {
					return o
				}
			} else if rest, ofCwd, ok := selfLink(own); ok {
				// Through the working directory's link, which leads to
				// the host directory the process last had, not to a
				// virtual one; or through the root's, which is "/": the
				// path after it is the one to look at.
				if !ofCwd {
					p = rest
				} else if cwd, virt := s.cwds.get(c); virt {
					p, fromCwd = cwd+rest, true
					if len(p) >= abi.MaxSentPath {
						return errno(unix.ENAMETOOLONG)
					}
				}
			}
		case dir == unix.AT_FDCWD:
			cwd, virt := s.cwds.get(c)
			if !virt {
				var err error
				if cwd, err = os.Readlink(fmt.Sprintf("/proc/%d/cwd", c.tid)); err != nil {
					return proceeding
				}
			}
			p, fromCwd = join(cwd, raw), fromCwd || virt
			if len(p) >= abi.MaxSentPath {
				return errno(unix.ENAMETOOLONG)
			}
		default:
			dup, err := c.getfd(dir)
			if err != nil {
				return proceeding // EBADF from the kernel
			}
			if s.ns.Serves(dup) {
				fds = append(fds, dup)
				call.Flags |= abi.CallFd1 << k
				p, virtual = raw, true
				paths[k] = p
				continue
			}
			base, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", c.tid, dir))
			if err != nil || base == "" || base[0] != '/' {
				return proceeding // not a directory of a path (a socket, a pipe): the kernel says ENOTDIR
			}
			p = join(base, raw)
		}
		if p != "" && s.ns.Concerns(p, opens && k == 0) {
			virtual = true
		}
		paths[k] = p
	}
	if !virtual {
		switch {
		case !fromCwd:
			if nr == unix.SYS_CHDIR {
				s.chdirHost(c, paths[0])
			}
			return proceeding
		case nr == unix.SYS_CHDIR:
			// A relative name from a virtual working directory that
			// leaves the mounts: a host directory, which only the
			// namespace's own resolution may make the working directory.
		default:
			return s.hostCall(c, n, pc, paths)
		}
	}
	call.Path1, call.Path2 = paths[0], paths[1]
	if creates(nr, n.args) {
		st, err := c.status()
		if err != nil {
			return gone
		}
		call.Umask = st.umask
	}
	o := s.handle(c, n, call, fds...)
	if o.proceed && fromCwd && !o.renamed {
		// Not the namespace's after all, but named from a virtual
		// working directory: the kernel would resolve it elsewhere.
		return s.hostCall(c, n, pc, paths)
	}
	return o
}

// chdirHost notes that the caller's working directory is the kernel's
// again, if dir is a directory it will reach.
func (s *Server) chdirHost(c *caller, dir string) {
	if isDir(dir) {
		s.cwds.set(c, "")
	}
}

// handle sends call, with copies of the caller's descriptors fds (which
// the caller closes), to the namespace and turns its answer into an
// outcome.
func (s *Server) handle(c *caller, n *notif, call abi.Call, fds ...int) outcome {
	st, err := c.status()
	if err != nil || !valid(c.lfd, c.id) {
		return gone
	}
	a := s.ns.Handle(&vfs.Request{Call: call, Fds: fds, Cred: st.cred, Mem: c.mem, Direct: true, Proc: st.tgid})
	nr := int(n.nr)
	switch a.Action {
	case abi.ReplyPass:
		if a.Fd >= 0 {
			releaseAnswer(a)
		}
		return proceeding
	case abi.ReplyFd:
		return outcome{fd: a.Fd, release: a.Release, cloexec: openFlags(nr, n.args, c.mem)&unix.O_CLOEXEC != 0}
	case abi.ReplyHost:
		if nr == unix.SYS_EXECVE || nr == unix.SYS_EXECVEAT {
			return s.execHost(c, n, readExec(c, n), a.Str1)
		}
		if nr == unix.SYS_CHDIR {
			// A directory of a bind mount: the working directory is its
			// virtual path, so names from it are looked up again.
			if !isDir(a.Str1) {
				return errno(unix.ENOTDIR)
			}
			s.cwds.set(c, path.Clean(call.Path1))
			return result(0)
		}
		p := [2]string{call.Path1, call.Path2}
		if a.Str1 != "" {
			p[0] = a.Str1
		}
		if a.Str2 != "" {
			p[1] = a.Str2
		}
		return s.hostCall(c, n, pathCalls[nr], p)
	case abi.ReplyExec:
		x := readExec(c, n)
		if a.Fd < 0 {
			return s.execScript(c, n, x, a.Str1, a.Str2)
		}
		defer releaseAnswer(a)
		return s.execData(c, n, x, a.Fd, -1)
	}
	if a.Fd >= 0 {
		releaseAnswer(a)
	}
	if a.Ret == 0 && (nr == unix.SYS_CHDIR || nr == unix.SYS_FCHDIR) && a.Str1 != "" {
		s.cwds.set(c, a.Str1)
	}
	return result(a.Ret)
}

func releaseAnswer(a vfs.Answer) {
	if a.Release != nil {
		a.Release()
	} else {
		unix.Close(a.Fd)
	}
}

// shift moves argument i of args to the front (a call about Dir1 itself
// is a descriptor call on it).
func shift(args [6]uint64, i int) [6]uint64 {
	out := args
	out[0] = args[i]
	return out
}

// creates says whether a call may create a file, so takes the umask.
func creates(nr int, args [6]uint64) bool {
	switch nr {
	case unix.SYS_CREAT, unix.SYS_MKDIR, unix.SYS_MKDIRAT, unix.SYS_MKNOD, unix.SYS_MKNODAT, unix.SYS_OPENAT2:
		return true
	case unix.SYS_OPEN:
		return args[1]&(unix.O_CREAT|unix.O_TMPFILE) != 0
	case unix.SYS_OPENAT:
		return args[2]&(unix.O_CREAT|unix.O_TMPFILE) != 0
	}
	return false
}

// openFlags returns an open call's flags.
func openFlags(nr int, args [6]uint64, mem vfs.Memory) int {
	switch nr {
	case unix.SYS_OPEN:
		return int(args[1])
	case unix.SYS_OPENAT:
		return int(args[2])
	case unix.SYS_OPENAT2:
		var how [8]byte
		if mem.Read(args[2], how[:]) == nil {
			return int(binary.LittleEndian.Uint64(how[:]))
		}
	}
	return 0
}

// isDir says whether p is a directory (following links), as we see it.
func isDir(p string) bool {
	var st unix.Stat_t
	return unix.Stat(p, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR
}

func errnoOf(err error) unix.Errno {
	if e, ok := err.(unix.Errno); ok {
		return e
	}
	return unix.EIO
}

// execData has the caller execute the program whose data fd (ours) holds:
// one stored in a mount, which the kernel would look for on the host. The
// net cannot give the kernel another file to run, so it gives it another
// name: the program goes to the caller's lowest free descriptor N
// (close-on-exec: the new image does not keep it), "/dev/fd/N" is written
// over the caller's path (through /proc/PID/mem, which writes read-only
// pages too; the image that holds it is about to be replaced), and the
// kernel runs the call. The new image's /proc/self/exe names the memfd.
// EACCES, as before this existed, where that cannot be done: a path too
// short for the name, AT_SYMLINK_NOFOLLOW (the name is a link), or memory
// the supervisor may not write. plan, if not -1, is a descriptor to add
// after the program's, kept across exec (see script.go).
func (s *Server) execData(c *caller, n *notif, x execCall, fd, plan int) outcome {
	if x.e != 0 || len(x.path) <= len("/dev/fd/") || x.flags&unix.AT_SYMLINK_NOFOLLOW != 0 {
		s.logf("zvfs: seccomp net: pid %d: cannot execute %q, stored in a mount, from under the net", n.pid, x.path)
		return errno(unix.EACCES)
	}
	nfd, err := addfd(c.lfd, c.id, fd, true)
	if err != nil {
		return errno(errnoOf(err))
	}
	name := "/dev/fd/" + strconv.Itoa(nfd)
	if len(name) > len(x.path) {
		// The copy stays at nfd until the caller's next exec (it is
		// close-on-exec); the call fails as it did before.
		err = fmt.Errorf("the path is shorter than %s", name)
	} else if plan >= 0 {
		_, err = addfd(c.lfd, c.id, plan, false)
	}
	if err == nil {
		err = c.rename(x, name)
	}
	if err != nil {
		s.logf("zvfs: seccomp net: pid %d: cannot execute %q, stored in a mount, from under the net: %v", n.pid, x.path, err)
		return errno(unix.EACCES)
	}
	return outcome{proceed: true, renamed: true, fd: -1}
}

// An execCall is an execve or execveat call the net answers: where it
// keeps its path, its argv and its flags (none for execve), and the path
// as the caller's memory holds it, read once (or why it could not be).
type execCall struct {
	addr, argv, flags uint64
	path              string
	e                 unix.Errno
}

// readExec reads the caller's exec call n.
func readExec(c *caller, n *notif) execCall {
	x := execCall{addr: n.args[0], argv: n.args[1]}
	if n.nr == unix.SYS_EXECVEAT {
		x.addr, x.argv, x.flags = n.args[1], n.args[2], n.args[4]
	}
	x.path, x.e = readPath(c.mem, x.addr)
	return x
}

// execHost has the caller execute host, the host's program a name in a
// mount leads to (a link to a host path: a Python venv's bin/python3):
// host is written over the caller's path if it fits, else the program is
// given as /dev/fd/N (execData), and the kernel runs the call.
func (s *Server) execHost(c *caller, n *notif, x execCall, host string) outcome {
	if x.e != 0 {
		return errno(x.e)
	}
	if len(host) <= len(x.path) && x.flags&unix.AT_EMPTY_PATH == 0 {
		if err := c.rename(x, host); err != nil {
			s.logf("zvfs: seccomp net: pid %d: cannot execute %q (%s) from under the net: %v", n.pid, x.path, host, err)
			return errno(unix.EACCES)
		}
		return outcome{proceed: true, renamed: true, fd: -1}
	}
	fd, err := unix.Open(host, unix.O_RDONLY|unix.O_CLOEXEC, 0) // not O_PATH: ADDFD takes no O_PATH descriptor
	if err != nil {
		return errno(errnoOf(err))
	}
	defer unix.Close(fd)
	return s.execData(c, n, x, fd, -1)
}

// rename writes name over the path of the caller's exec call x,
// through /proc/PID/mem, which writes read-only pages too. If argv[0] is
// that very string (dash passes its argv[0] as the path), argv[0] first
// gets a copy of it, below the caller's stack pointer (the caller waits in
// execve, whose argv the kernel copies into the new image), so that the
// program still sees the name it was run by.
func (c *caller) rename(x execCall, name string) error {
	mem, err := os.OpenFile(fmt.Sprintf("/proc/%d/mem", c.tid), os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer mem.Close()
	var slot [8]byte
	if x.argv != 0 && c.mem.Read(x.argv, slot[:]) == nil && binary.LittleEndian.Uint64(slot[:]) == x.addr {
		sp, err := c.stackPointer()
		if err != nil {
			return err
		}
		// Below the red zone of the function that made the call.
		at := (sp - 256 - uint64(len(x.path)) - 1) &^ 15
		if _, err := mem.WriteAt(append([]byte(x.path), 0), int64(at)); err != nil {
			return err
		}
		binary.LittleEndian.PutUint64(slot[:], at)
		if _, err := mem.WriteAt(slot[:], int64(x.argv)); err != nil {
			return err
		}
	}
	_, err = mem.WriteAt(append([]byte(name), 0), int64(x.addr))
	return err
}

// stackPointer is the caller's stack pointer, as /proc/TID/syscall shows
// it for a thread waiting in a system call.
func (c *caller) stackPointer() (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", c.tid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) != 9 {
		return 0, fmt.Errorf("/proc/%d/syscall: %q", c.tid, b)
	}
	return strconv.ParseUint(strings.TrimPrefix(f[7], "0x"), 16, 64)
}

// execScript has the caller run a #! script stored in a mount, whose
// interpreter and its argument the namespace read, through the helper
// (script.go): execData gives the kernel this binary, with the plan.
func (s *Server) execScript(c *caller, n *notif, x execCall, interp, arg string) outcome {
	if x.e != 0 {
		return errno(x.e)
	}
	script := x.path
	if n.nr == unix.SYS_EXECVEAT && !strings.HasPrefix(script, "/") && int32(n.args[0]) != unix.AT_FDCWD {
		// The interpreter would look for it from the working directory.
		s.logf("zvfs: seccomp net: pid %d: cannot run the #! script %q, stored in a mount, relative to a descriptor", n.pid, script)
		return errno(unix.EACCES)
	}
	self, err := unix.Open("/proc/self/exe", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		s.logf("zvfs: seccomp net: pid %d: run the #! script %q: %v", n.pid, script, err)
		return errno(unix.EACCES)
	}
	defer unix.Close(self)
	plan, err := newPlan(interp, arg, script)
	if err != nil {
		s.logf("zvfs: seccomp net: pid %d: run the #! script %q: %v", n.pid, script, err)
		return errno(unix.EACCES)
	}
	defer unix.Close(plan)
	return s.execData(c, n, x, self, plan)
}

// exeLink answers readlink (its path at argument arg) of the caller's
// /proc/self/exe while it runs a program from a mount: the program's path,
// where the kernel's link names the memfd it runs from (Go's
// os.Executable, and so the go tool's GOROOT, come from it). ok is false
// if it runs no such program.
func (s *Server) exeLink(c *caller, n *notif, arg uint8) (outcome, bool) {
	st, err := c.status()
	if err != nil {
		return outcome{}, false
	}
	p, ok := s.ns.Executed(st.tgid)
	if !ok {
		return outcome{}, false
	}
	buf, size := n.args[arg+1], int64(n.args[arg+2])
	if size <= 0 {
		return errno(unix.EINVAL), true
	}
	b := []byte(p)[:min(int64(len(p)), size)]
	if c.mem.Write(buf, b) != nil {
		return errno(unix.EFAULT), true
	}
	return result(int64(len(b))), true
}

// ownProc returns what follows the caller's own /proc directory in p
// ("/cwd/x", "/exe"): /proc/self, /proc/thread-self, or /proc/PID of its
// process (the stub's proc_self).
func (c *caller) ownProc(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "/proc/")
	if !ok {
		return "", false
	}
	switch {
	case strings.HasPrefix(rest, "self/"):
		return rest[len("self"):], true
	case strings.HasPrefix(rest, "thread-self/"):
		return rest[len("thread-self"):], true
	case rest != "" && rest[0] >= '0' && rest[0] <= '9':
		st, err := c.status()
		if err != nil {
			return "", false
		}
		if rest, ok = strings.CutPrefix(rest, strconv.Itoa(st.tgid)); ok && strings.HasPrefix(rest, "/") {
			return rest, true
		}
	}
	return "", false
}

// selfFd returns N if p is /dev/fd/N or own (what follows the caller's
// /proc directory, if isOwn) is /fd/N, and 0, 1 or 2 for /dev/stdin,
// /dev/stdout and /dev/stderr (the stub's self_fd).
func selfFd(p, own string, isOwn bool) (int, bool) {
	switch p {
	case "/dev/stdin":
		return 0, true
	case "/dev/stdout":
		return 1, true
	case "/dev/stderr":
		return 2, true
	}
	n, ok := strings.CutPrefix(p, "/dev/fd/")
	if !ok && isOwn {
		n, ok = strings.CutPrefix(own, "/fd/")
	}
	if !ok || n == "" || n[0] < '0' || n[0] > '9' {
		return 0, false
	}
	fd, err := strconv.Atoi(n)
	return fd, err == nil && fd < abi.MaxFd
}

// selfLink returns the rest of own (what follows the caller's /proc
// directory) if it is a path through the working directory's or root's
// link ("/cwd/x", "/root/x"), and whether it is the working directory's
// (the stub's self_link).
func selfLink(own string) (rest string, cwd, ok bool) {
	if rest, ok = strings.CutPrefix(own, "/cwd"); ok && strings.HasPrefix(rest, "/") {
		return rest, true, true
	}
	if rest, ok = strings.CutPrefix(own, "/root"); ok && strings.HasPrefix(rest, "/") {
		return rest, false, true
	}
	return "", false, false
}

// join puts a relative name after a directory without cleaning it: "d/."
// and "link/" mean more than "d" and "link".
func join(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}
