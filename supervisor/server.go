// Package supervisor is the Go half of zvfs: it launches the program with the
// stub preloaded, answers every hooked process of the run over a Unix
// socket (where its syscall sites are; later, file-system requests), gathers
// their counters, and propagates the program's exit status.
package supervisor

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/sysnum"
	"github.com/zvfs/zvfs/trampoline"
	"github.com/zvfs/zvfs/vfs"
	"github.com/zvfs/zvfs/view"
)

// maxSitesPerMessage keeps each answer datagram well under the socket's
// send buffer.
const maxSitesPerMessage = 8192

// Server answers the stubs of one run. Each connection carries one request
// and its answer. A few goroutines block in accept on a raw socket and each
// serves what it accepts on its own thread: a stub's connection wakes that
// thread directly, with no trip through the network poller or hand-off to
// another goroutine (each wake-up of another CPU costs tens of µs here).
type Server struct {
	socks       []listener // [0] is the shared socket, then one per CPU
	dir, path   string
	stubDev     uint64
	stubIno     uint64
	cache       *trampoline.Cache
	copies      *patchStore // nil: stubs rewrite their own pages
	wantReports bool
	logf        func(format string, args ...any) // protocol errors; nil: silent
	ns          *vfs.Namespace                   // the mounts; nil: none
	hooks       Hooks                            // the user's hooks; nil: none
	starts      StartTable                       // nil: every process start asks

	mu     sync.Mutex
	conns  map[int]struct{}
	closed bool
	counts [abi.NSlots + 1]uint64
	// fileCalls counts the file calls answered, by number (atomic).
	fileCalls [abi.NSlots]uint64
	pids      map[int32]struct{}
	files     map[string]FileSites // by path, for --verbose
	skipped   map[string]int       // mappings not patched, by reason
	published map[startKey]bool    // files in the start table
	protoErr  int
	wg        sync.WaitGroup
}

// FileSites summarises what was patched in one file.
type FileSites struct {
	Sites, Patched, Skipped int
}

// Config configures a Server.
type Config struct {
	StubPath    string // the installed stub, never patched
	Cache       *trampoline.Cache
	PatchDir    string // where rewritten copies of ELF files are kept; "" for none
	WantReports bool   // ask stubs for counters at exit and exec
	Logf        func(string, ...any)
	Namespace   *vfs.Namespace // answers file calls on mounted paths; nil: no mounts
	Hooks       Hooks          // answers hooked calls; nil: none
	// Starts, if set, is told what each hello answered for each file, so
	// that later processes mapping the same files start without asking.
	// Not used with WantReports (a hello counts the process).
	Starts StartTable
}

// StartTable is where the answers of hellos are kept for later processes
// to read: the view's start table.
type StartTable interface {
	PutStart(view.Start) bool
}

// NewServer listens on a fresh socket in a private temporary directory.
func NewServer(cfg Config) (*Server, error) {
	dir, err := os.MkdirTemp("", "zvfs-")
	if err == nil {
		err = os.Chmod(dir, 0o711) // reachable, not listable
	}
	if err != nil {
		return nil, fmt.Errorf("supervisor socket: %w", err)
	}
	path := filepath.Join(dir, "sock")
	socks, err := listenAll(path)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s := &Server{
		socks: socks, dir: dir, path: path, cache: cfg.Cache, copies: newPatchStore(cfg.PatchDir),
		wantReports: cfg.WantReports, logf: cfg.Logf, ns: cfg.Namespace, hooks: cfg.Hooks,
		conns: map[int]struct{}{}, pids: map[int32]struct{}{}, files: map[string]FileSites{}, skipped: map[string]int{},
		published: map[startKey]bool{},
	}
	if !cfg.WantReports {
		s.starts = cfg.Starts
	}
	if s.cache == nil {
		s.cache = trampoline.NewCache("")
	}
	var st unix.Stat_t
	if cfg.StubPath != "" && unix.Stat(cfg.StubPath, &st) == nil {
		s.stubDev, s.stubIno = st.Dev, st.Ino
	}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// A listener is one listening socket and how its acceptors run: cpu >= 0
// pins them to that CPU.
type listener struct {
	fd, cpu, acceptors int
	path               string
	waiting            *atomic.Int32 // goroutines blocked in accept on it
}

// maxCPUSockets bounds the per-CPU sockets (and pinned threads).
const maxCPUSockets = 64

// listenAll opens the shared socket at path and one socket per CPU this
// process may run on, at path.N. A stub connects to the socket of the CPU it
// runs on: the acceptors pinned there answer without waking another CPU (a
// cross-CPU wake-up costs ~60 µs on this VM kind, the whole exchange on one
// CPU a few µs). The shared socket is the fallback.
func listenAll(path string) ([]listener, error) {
	fd, err := listen(path)
	if err != nil {
		return nil, fmt.Errorf("supervisor socket %s: %w", path, err)
	}
	ls := []listener{{fd: fd, cpu: -1, acceptors: 2, path: path, waiting: new(atomic.Int32)}}
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) == nil {
		for cpu := 0; cpu < maxCPUSockets; cpu++ {
			if !set.IsSet(cpu) {
				continue
			}
			p := fmt.Sprintf("%s.%d", path, cpu)
			fd, err := listen(p)
			if err != nil {
				break // the shared socket still serves
			}
			ls = append(ls, listener{fd: fd, cpu: cpu, acceptors: 2, path: p, waiting: new(atomic.Int32)})
		}
	}
	return ls, nil
}

func listen(path string) (int, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	// Processes of the run that change to another user must still reach
	// us; what they may do is decided by their credentials (SO_PEERCRED).
	if err := unix.Chmod(path, 0o666); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.Listen(fd, 1024); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// SocketPath is the path the stubs connect to.
func (s *Server) SocketPath() string { return s.path }

// Close stops accepting, ends the connections still open (processes that
// outlive the run get EOF), and removes the socket directory. It is safe to
// call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	for fd := range s.conns {
		unix.Shutdown(fd, unix.SHUT_RDWR)
	}
	s.mu.Unlock()
	// Wake every blocked accept: on a socket shut down, accept fails
	// (however many acceptors there are now).
	for _, l := range s.socks {
		unix.Shutdown(l.fd, unix.SHUT_RDWR)
	}
	s.wg.Wait()
	for _, l := range s.socks {
		unix.Close(l.fd)
	}
	return os.RemoveAll(s.dir)
}

// requestTimeout bounds how long a connection may hold an acceptor without
// sending its request (a process stopped between connect and send).
const requestTimeout = time.Second

// serve runs each socket's acceptors. An acceptor serves the connection it
// accepts itself: a connection carries one request (a hello, or a report)
// and its answer, so handling it on the accepting thread saves a wake-up of
// another thread per process start.
func (s *Server) serve() {
	defer s.wg.Done()
	for _, l := range s.socks {
		for range l.acceptors {
			s.wg.Add(1)
			go s.acceptor(l)
		}
	}
}

// acceptor accepts connections on l's socket, on a thread pinned to l's
// CPU, and serves each itself: a hello or a report is one request; a
// thread's file-call connection stays open and is served here until it
// closes, while another acceptor takes this one's place in accept. So the
// calls of a connection are always answered on the CPU it was made on,
// with no hand-off to another thread (which cost 100–500 µs here).
func (s *Server) acceptor(l listener) {
	defer s.wg.Done()
	if l.cpu >= 0 {
		runtime.LockOSThread() // this thread stays pinned; it ends with the goroutine
		var set unix.CPUSet
		set.Set(l.cpu)
		unix.SchedSetaffinity(0, &set)
	}
	tv := unix.NsecToTimeval(requestTimeout.Nanoseconds())
	for {
		l.waiting.Add(1)
		fd, _, err := unix.Accept4(l.fd, unix.SOCK_CLOEXEC)
		l.waiting.Add(-1)
		if err == unix.EINTR || err == unix.ECONNABORTED {
			continue
		}
		s.mu.Lock()
		closed := s.closed
		if err == nil && !closed {
			s.conns[fd] = struct{}{}
		}
		s.mu.Unlock()
		if err != nil || closed {
			if err == nil {
				unix.Close(fd)
			}
			if closed || err != unix.EMFILE && err != unix.ENFILE {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
		var p peer
		if !s.handle(fd, &p) {
			s.endConn(fd)
			continue
		}
		// A thread's file-call connection: serve it here for its life.
		if l.waiting.Load() < int32(l.acceptors) {
			s.wg.Add(1)
			go s.acceptor(l)
		}
		var none unix.Timeval
		unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &none)
		for s.handle(fd, &p) {
		}
		s.endConn(fd)
		if l.waiting.Load() >= maxIdleAcceptors {
			return // enough others wait in accept: this thread ends
		}
	}
}

// maxIdleAcceptors bounds the threads waiting in accept on one socket. A
// build starts processes all the time, each making a connection that
// keeps an acceptor busy for its life: keeping a few spare threads saves
// creating and ending one per process (~0.1 ms of CPU each).
const maxIdleAcceptors = 8

func (s *Server) endConn(fd int) {
	s.mu.Lock()
	delete(s.conns, fd)
	s.mu.Unlock()
	unix.Close(fd)
}

// Most datagrams (a hello carries the maps text, a few KiB) fit a pooled
// buffer; a larger one gets a buffer of its own size.
const pooledBuf = 64 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, pooledBuf); return &b }}

// datagramLen returns the length of the next datagram without consuming it.
func datagramLen(fd int) (int, error) {
	var one [1]byte
	for {
		n, _, err := unix.Recvfrom(fd, one[:], unix.MSG_PEEK|unix.MSG_TRUNC)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// handle serves one request of a connection. It returns true if the
// connection carries file calls and stays open for more.
func (s *Server) handle(fd int, p *peer) bool {
	if !p.known {
		// The kernel fixes a connection's credentials when it is made.
		if u, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED); err == nil {
			p.pid = u.Pid
			p.cred.Uid, p.cred.Gid = u.Uid, u.Gid
			if u.Uid != 0 {
				p.cred.Groups = peerGroups(fd)
			}
		}
		p.known = true
	}
	pid, cred := p.pid, p.cred
	size := 0
	if !p.calls {
		// The first datagram may be a hello of any size; file calls fit
		// the pooled buffer, so later ones need no peek.
		var err error
		if size, err = datagramLen(fd); err != nil || size == 0 {
			return false
		}
		if size > abi.MaxMessage {
			s.protocolError(pid, fmt.Errorf("%w: datagram of %d bytes", abi.ErrMessage, size))
			return false
		}
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	if size > len(buf) {
		buf = make([]byte, size)
	}
	n, fds, trunc, err := recvDatagram(fd, buf)
	defer closeAll(fds)
	if err != nil || n == 0 {
		return false
	}
	if trunc {
		s.protocolError(pid, fmt.Errorf("%w: datagram longer than %d bytes", abi.ErrMessage, len(buf)))
		return false
	}
	h, payload, err := abi.DecodeHeader(buf[:n])
	if err != nil {
		s.protocolError(pid, err)
		return false
	}
	if pid == 0 {
		pid = h.Pid
	}
	var answer [][]byte
	switch h.Type {
	case abi.MsgHello:
		hello, err := abi.DecodeHello(payload)
		if err != nil {
			s.protocolError(pid, err)
			return false
		}
		answer = s.answerHello(pid, hello)
		if s.ns != nil && s.ns.Recording() {
			// For --report: the program this process runs (one in a
			// mount shows as a memfd; the exec call recorded its path).
			if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid)); err == nil && !strings.HasPrefix(exe, "/memfd:") {
				s.ns.NoteProgram(exe)
			}
		}
	case abi.MsgReport:
		r, err := abi.DecodeReport(payload)
		if err != nil {
			s.protocolError(pid, err)
			return false
		}
		s.addReport(pid, r)
		answer = [][]byte{abi.EncodeAck(0)}
	case abi.MsgCall:
		c, err := abi.DecodeCall(payload)
		if err != nil || s.ns == nil {
			if err == nil {
				err = fmt.Errorf("%w: file call but no mounts", abi.ErrMessage)
			}
			s.protocolError(pid, err)
			return false
		}
		p.calls = true
		if c.Nr < abi.NSlots {
			atomic.AddUint64(&s.fileCalls[c.Nr], 1)
		}
		a := s.ns.Handle(&vfs.Request{Call: c, Fds: fds, Cred: cred, Mem: vfs.ProcessMemory{Pid: int(pid)}})
		var rights []byte
		if a.Fd >= 0 {
			rights = unix.UnixRights(a.Fd)
			if a.Release != nil {
				defer a.Release()
			} else {
				defer unix.Close(a.Fd)
			}
		}
		return sendDatagram(fd, abi.EncodeReply(a.Reply), rights) == nil
	case abi.MsgHook:
		c, err := abi.DecodeHook(payload)
		if err == nil && s.hooks == nil {
			err = fmt.Errorf("%w: hooked call but no hooks", abi.ErrMessage)
		}
		if err != nil {
			s.protocolError(pid, err)
			return false
		}
		p.calls = true
		return s.answerHook(fd, p, c) == nil
	case abi.MsgHookDone:
		token, ret, err := abi.DecodeHookDone(payload)
		if err != nil {
			s.protocolError(pid, err)
			return false
		}
		// A token this connection did not give (the stub's connection was
		// replaced meanwhile) is dropped.
		if fn := p.after[token]; fn != nil {
			delete(p.after, token)
			fn(ret)
		}
		return true
	default:
		s.protocolError(pid, fmt.Errorf("%w: message type %d", abi.ErrMessage, h.Type))
		return false
	}
	for _, m := range answer {
		if err := sendDatagram(fd, m, nil); err != nil {
			return false
		}
	}
	if h.Type == abi.MsgHello && (s.ns != nil || s.hooks != nil) {
		// With mounts or hooks the stub keeps this connection for its
		// requests.
		p.calls = true
		return true
	}
	return false
}

// recvDatagram reads one datagram and the descriptors that came with it
// (at most two).
func recvDatagram(fd int, buf []byte) (int, []int, bool, error) {
	var oobBuf [64]byte
	oob := oobBuf[:unix.CmsgSpace(2*4)]
	for {
		n, oobn, flags, _, err := unix.Recvmsg(fd, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		var fds []int
		if err == nil && oobn > 0 {
			if msgs, perr := unix.ParseSocketControlMessage(oob[:oobn]); perr == nil {
				for _, m := range msgs {
					if got, perr := unix.ParseUnixRights(&m); perr == nil {
						fds = append(fds, got...)
					}
				}
			}
		}
		return n, fds, flags&unix.MSG_TRUNC != 0, err
	}
}

// peer is what the server knows of a connection's other end.
type peer struct {
	known bool // pid and cred are filled in
	pid   int32
	cred  vfs.Cred
	calls bool // it carries file calls (kept open, datagrams of bounded size)
	// after holds the functions of hooked calls waiting for their result,
	// by the token the stub will send it with.
	after     map[uint64]func(int64)
	nextToken uint64
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// peerGroups returns the supplementary groups of the connection's peer.
func peerGroups(fd int) []uint32 {
	buf := make([]uint32, 256)
	n := uint32(len(buf) * 4)
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_PEERGROUPS,
		uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0)
	if e != 0 {
		return nil
	}
	return buf[:n/4]
}

// sendDatagram sends m, with the descriptors in rights (or nil).
func sendDatagram(fd int, m, rights []byte) error {
	for {
		_, err := unix.SendmsgN(fd, m, rights, nil, unix.MSG_NOSIGNAL)
		if err != unix.EINTR {
			return err
		}
	}
}

func (s *Server) protocolError(pid int32, err error) {
	s.mu.Lock()
	s.protoErr++
	s.mu.Unlock()
	if s.logf != nil {
		s.logf("zvfs: process %d: %v", pid, err)
	}
}

// answerHello plans the rewriting for one process and encodes the answer.
func (s *Server) answerHello(pid int32, h abi.Hello) [][]byte {
	s.mu.Lock()
	s.pids[pid] = struct{}{}
	s.mu.Unlock()
	flags := uint32(0)
	if s.wantReports {
		flags |= abi.SitesWantReports
	}
	maps, err := ParseMaps(h.Maps)
	if err != nil {
		s.protocolError(pid, fmt.Errorf("%w: %v", abi.ErrMessage, err))
		return abi.EncodeSites(nil, flags, maxSitesPerMessage)
	}
	ranges := s.Plan(pid, maps, h.StubAddr)
	return abi.EncodeSites(ranges, flags, maxSitesPerMessage)
}

// Plan computes the sites to rewrite in a process from its mappings. Every
// executable mapping it leaves alone is counted under a reason.
func (s *Server) Plan(pid int32, maps []Mapping, stubAddr uint64) []abi.PatchRange {
	var out []abi.PatchRange
	for _, m := range maps {
		if !m.Exec() {
			continue
		}
		switch {
		case stubAddr >= m.Start && stubAddr < m.End:
			continue
		case m.Path == "":
			s.skip("anonymous executable memory (JIT code)")
			continue
		case m.Path == "[vdso]":
			s.skip("vDSO (its system calls are fallbacks)")
			continue
		case m.Path == "[vsyscall]":
			continue // legacy page, emulated by the kernel
		case strings.HasPrefix(m.Path, "["):
			s.skip("special mapping " + m.Path)
			continue
		case !m.Private():
			s.skip("shared executable mapping")
			continue
		}
		file, fi, ok := s.mappedFile(pid, m)
		if !ok {
			s.skip("file replaced since it was mapped")
			continue
		}
		a, err := s.cache.LookupStat(file, fi)
		if err != nil {
			s.skip("not analysable: " + err.Error())
			continue
		}
		s.noteFile(m.Path, a)
		r := abi.PatchRange{Start: m.Start, End: m.End, FileOffset: m.Offset, Prot: m.Prot()}
		size := m.End - m.Start
		for _, site := range a.Sites {
			if off := site.Offset; site.Patch && off >= m.Offset && off-m.Offset+2 <= size {
				r.Sites = append(r.Sites, m.Start+off-m.Offset)
			}
		}
		copyPath := s.copies.copyFor(file, a)
		if len(r.Sites) > 0 {
			r.Path = copyPath
			out = append(out, r)
		}
		s.publishStart(fi, a, copyPath)
	}
	return out
}

// startKey is a version of a file in the start table.
type startKey struct {
	dev, ino           uint64
	size, mtime, ctime int64
	copy               string
}

// publishStart puts what the hello answers for a file into the start
// table, once per version of the file.
func (s *Server) publishStart(fi os.FileInfo, a *trampoline.Analysis, copyPath string) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if s.starts == nil || !ok {
		return
	}
	key := startKey{st.Dev, st.Ino, st.Size, st.Mtim.Nano(), st.Ctim.Nano(), copyPath}
	s.mu.Lock()
	done := s.published[key]
	s.published[key] = true
	s.mu.Unlock()
	if !done {
		s.starts.PutStart(view.Start{Dev: key.dev, Ino: key.ino, Size: key.size, Mtime: key.mtime, Ctime: key.ctime,
			Offsets: a.PatchOffsets(), Copy: copyPath})
	}
}

// mappedFile names a file that is the one mapped, with its stat: its path if
// the path still leads to the same inode, else the kernel's map_files link.
func (s *Server) mappedFile(pid int32, m Mapping) (string, os.FileInfo, bool) {
	dev := unix.Mkdev(m.Major, m.Minor)
	if s.stubIno != 0 && m.Inode == s.stubIno && dev == s.stubDev {
		return "", nil, false
	}
	for _, path := range []string{m.Path, fmt.Sprintf("/proc/%d/map_files/%x-%x", pid, m.Start, m.End)} {
		fi, err := os.Stat(path)
		if err != nil {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Ino == m.Inode && st.Dev == dev {
			return path, fi, true
		}
	}
	return "", nil, false
}

func (s *Server) skip(reason string) {
	s.mu.Lock()
	s.skipped[reason]++
	s.mu.Unlock()
}

func (s *Server) noteFile(path string, a *trampoline.Analysis) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.files[path]; ok {
		return
	}
	s.files[path] = FileSites{Sites: len(a.Sites), Patched: a.Patched(), Skipped: a.Skipped()}
}

func (s *Server) addReport(pid int32, r abi.Report) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pids[pid] = struct{}{}
	for i, c := range r.Counts {
		s.counts[i] += c
	}
}

// Stats is what `zvfs stats` prints.
type Stats struct {
	Processes int               `json:"processes"`
	Total     uint64            `json:"total"`
	Syscalls  map[string]uint64 `json:"syscalls"`
	// FileCalls are the calls on virtual paths and descriptors that the
	// supervisor answered, by name (the rest of Syscalls the kernel did).
	FileCalls map[string]uint64 `json:"file_calls,omitempty"`
}

// Stats returns the counters gathered so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Stats{Processes: len(s.pids), Syscalls: map[string]uint64{}}
	for i := range s.fileCalls {
		if c := atomic.LoadUint64(&s.fileCalls[i]); c != 0 {
			if st.FileCalls == nil {
				st.FileCalls = map[string]uint64{}
			}
			st.FileCalls[sysnum.Name(i)] = c
		}
	}
	for i, c := range s.counts {
		if c == 0 {
			continue
		}
		n := "other"
		if i < abi.NSlots {
			n = sysnum.Name(i)
		}
		st.Syscalls[n] += c
		st.Total += c
	}
	return st
}

// WriteVerbose prints which files were patched and what was left alone.
func (s *Server) WriteVerbose(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	paths := make([]string, 0, len(s.files))
	for p := range s.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	fmt.Fprintf(w, "zvfs: syscall sites by file (sites, patched, skipped):\n")
	for _, p := range paths {
		f := s.files[p]
		fmt.Fprintf(w, "  %6d %6d %6d  %s\n", f.Sites, f.Patched, f.Skipped, p)
	}
	if len(s.skipped) > 0 {
		reasons := make([]string, 0, len(s.skipped))
		for r := range s.skipped {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		fmt.Fprintf(w, "zvfs: executable mappings left unpatched:\n")
		for _, r := range reasons {
			fmt.Fprintf(w, "  %6d  %s\n", s.skipped[r], r)
		}
	}
	if s.protoErr > 0 {
		fmt.Fprintf(w, "zvfs: %d malformed messages from stubs\n", s.protoErr)
	}
}
