// Package supervisor is the Go half of zvfs: it launches the program with the
// stub preloaded (run.go), answers every hooked process of the run over Unix
// sockets (transport.go): where its system-call sites are (hello.go), its
// file calls on mounts (package vfs) and its hooked calls (hooks.go); it
// gathers their counters and propagates the program's exit status.
package supervisor

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/sysnum"
	"github.com/zvfs/zvfs/seccompnet"
	"github.com/zvfs/zvfs/trampoline"
	"github.com/zvfs/zvfs/vfs"
	"github.com/zvfs/zvfs/view"
)

// Server answers the stubs of one run. Each connection carries one request
// and its answer. A few goroutines block in accept on a raw socket and each
// serves what it accepts on its own thread: a stub's connection wakes that
// thread directly, with no trip through the network poller or hand-off to
// another goroutine (each wake-up of another CPU costs tens of µs here).
type Server struct {
	socks       []listener // [0] is the shared socket, then one per CPU
	dir, path   string
	key         [abi.KeySize]byte // the run's key: see abi.MsgKey
	stubDev     uint64
	stubIno     uint64
	cache       *trampoline.Cache
	copies      *patchStore // nil: stubs rewrite their own pages
	wantReports bool
	logf        func(format string, args ...any) // protocol errors; nil: silent
	ns          *vfs.Namespace                   // the mounts; nil: none
	hooks       Hooks                            // the user's hooks; nil: none
	starts      StartTable                       // nil: every process start asks
	startsFile  string                           // where starts is kept between runs; "": nowhere
	net         *seccompnet.Server               // nil: no mounts, so no net

	mu     sync.Mutex
	conns  map[int]*channel // open connections, with their channels
	closed atomic.Bool      // set under mu; read without it by threads waiting at a channel
	counts [abi.NSlots + 1]uint64
	// fileCalls counts the file calls answered, by number (atomic).
	fileCalls [abi.NSlots]uint64
	pids      map[int32]struct{}
	hellos    int                  // hellos answered (WriteVerbose)
	files     map[string]FileSites // by path, for --verbose
	skipped   map[string]int       // mappings not patched, by reason
	// saved are the entries of starts to keep for the next run, by file
	// identity: those loaded at start, and those this run's hellos put,
	// which fresh marks (written first, and only if there is one).
	saved    map[[2]uint64]savedStart
	fresh    map[[2]uint64]bool
	protoErr int
	wg       sync.WaitGroup
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
	// With WantReports, the table must tell them to report (as the view
	// does once told: view.Region.WantReports): their reports count
	// them.
	Starts StartTable
	// StartsFile, if set, is where Starts is kept between runs
	// (starts.go): loaded into it now, written when the server closes.
	StartsFile string
	// Net, if set, serves the listeners of the seccomp filters stubs
	// install before they exec a static program (abi.MsgNet).
	Net *seccompnet.Server
}

// StartTable is where the answers of hellos are kept for later processes
// to read: the view's start table.
type StartTable interface {
	PutStart(view.Start) bool
}

// NewServer listens on a fresh socket in a private temporary directory
// (see socketParent) that every user may enter but not list. Processes of
// the run that change their uid must still reach it, so it is not in
// $XDG_RUNTIME_DIR (which only its owner may enter), and the socket is not
// what keeps others out: only connections that present the run's key
// (abi.MsgKey) are served.
func NewServer(cfg Config) (*Server, error) {
	var key [abi.KeySize]byte
	// getrandom itself: crypto/rand's first use sets up its generator
	// (~0.1 ms of every run's start here) for these 16 bytes.
	if n, err := unix.Getrandom(key[:], 0); err != nil || n != len(key) {
		return nil, fmt.Errorf("supervisor key: getrandom: %d bytes, %v", n, err)
	}
	dir, err := os.MkdirTemp(socketParent(), "zvfs-")
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
		socks: socks, dir: dir, path: path, key: key, cache: cfg.Cache, copies: newPatchStore(cfg.PatchDir),
		wantReports: cfg.WantReports, logf: cfg.Logf, ns: cfg.Namespace, hooks: cfg.Hooks, net: cfg.Net,
		conns: map[int]*channel{}, pids: map[int32]struct{}{}, files: map[string]FileSites{}, skipped: map[string]int{},
	}
	s.starts = cfg.Starts
	if s.starts != nil && cfg.StartsFile != "" {
		s.startsFile, s.saved, s.fresh = cfg.StartsFile, map[[2]uint64]savedStart{}, map[[2]uint64]bool{}
		for _, e := range loadStarts(cfg.StartsFile, cfg.PatchDir, s.starts) {
			s.saved[[2]uint64{e.Dev, e.Ino}] = e
		}
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

// socketParent is where the socket directory is made: $TMPDIR if set,
// else /dev/shm when it is a tmpfs anyone may write to (making the
// directory and binding the sockets in it took ~1 ms more on a disk file
// system here, at every start), else /tmp.
func socketParent() string {
	if os.Getenv("TMPDIR") != "" {
		return ""
	}
	var fs unix.Statfs_t
	var st unix.Stat_t
	if unix.Statfs("/dev/shm", &fs) == nil && fs.Type == unix.TMPFS_MAGIC &&
		unix.Stat("/dev/shm", &st) == nil && st.Mode&(unix.S_IFMT|0o1777) == unix.S_IFDIR|0o1777 {
		return "/dev/shm"
	}
	return ""
}

// SocketEnv is the value of abi.EnvSocket for the run's processes: the
// run's key and the path the stubs connect to.
func (s *Server) SocketEnv() string { return abi.SocketEnv(s.key, s.path) }

// keyed reads a connection's first datagram, which must be the run's key.
func (s *Server) keyed(cn *conn) bool {
	var buf [abi.HeaderSize + abi.KeySize + 1]byte
	n, fds, trunc, err := cn.recv(buf[:], true)
	closeAll(fds)
	if err != nil || trunc || n != abi.HeaderSize+abi.KeySize {
		return false
	}
	h, payload, err := abi.DecodeHeader(buf[:n])
	return err == nil && h.Type == abi.MsgKey && subtle.ConstantTimeCompare(payload, s.key[:]) == 1
}

// Close stops accepting, ends the connections still open (processes that
// outlive the run get EOF), and removes the socket directory. It is safe to
// call more than once.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return nil
	}
	s.closed.Store(true)
	for fd, ch := range s.conns {
		unix.Shutdown(fd, unix.SHUT_RDWR)
		if ch != nil {
			ch.wake()
		}
	}
	s.mu.Unlock()
	// Wake every acceptor waiting for a connection: the poller ends
	// their waits on a closed file, and the descriptor is closed once the
	// last has left (however many acceptors there are now).
	for _, l := range s.socks {
		l.file.Close()
	}
	s.wg.Wait()
	s.saveStarts()
	return s.removeDir()
}

// removeDir removes the socket directory, which holds the listening
// sockets and nothing else (two system calls each, where os.RemoveAll
// reads the directory first).
func (s *Server) removeDir() error {
	for _, l := range s.socks {
		if err := os.Remove(l.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.Remove(s.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return os.RemoveAll(s.dir) // something else in it
	}
	return nil
}

// saveStarts writes the start table's entries for the next run, if a
// hello added one: the new ones first, then those loaded from the last
// run whose paths still lead to the versions they describe. Like the
// other caches of the directory, a failure to write (a read-only home) is
// silent: it costs the next run its hellos.
func (s *Server) saveStarts() {
	s.mu.Lock()
	var entries, old []savedStart
	if len(s.fresh) > 0 {
		for k, e := range s.saved {
			if s.fresh[k] {
				entries = append(entries, e)
			} else {
				old = append(old, e)
			}
		}
	}
	s.mu.Unlock()
	if entries == nil {
		return
	}
	for _, e := range old {
		if e.current() {
			entries = append(entries, e)
		}
	}
	saveStarts(s.startsFile, entries)
}

// handle serves one request of a connection. It returns true if the
// connection carries file calls and stays open for more.
func (s *Server) handle(l *link, p *peer) bool {
	fd := l.conn.fd
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
		if !s.keyed(l.conn) {
			return false // not a process of the run: nothing is served
		}
	}
	pid, cred := p.pid, p.cred
	size := 0
	if !p.calls {
		// The first datagram may be a hello of any size; file calls fit
		// the pooled buffer, so later ones need no peek.
		var err error
		if size, err = l.conn.datagramLen(); err != nil || size == 0 {
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
	n, fds, trunc, err := l.recv(buf)
	defer closeAll(fds)
	if err != nil || n == 0 {
		if errors.Is(err, abi.ErrMessage) {
			s.protocolError(pid, err)
		}
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
	case abi.MsgNet, abi.MsgNetCwd:
		cwd := string(payload)
		want := 1
		if h.Type == abi.MsgNetCwd {
			want = 0
		}
		if len(fds) != want || s.net == nil || cwd != "" && (cwd[0] != '/' || len(cwd) >= unix.PathMax || strings.IndexByte(cwd, 0) >= 0) {
			s.protocolError(pid, fmt.Errorf("%w: net message with %d bytes and %d descriptors", abi.ErrMessage, len(payload), len(fds)))
			return false
		}
		if h.Type == abi.MsgNetCwd {
			s.net.SetCwd(int(pid), cwd)
			answer = [][]byte{abi.EncodeAck(0)}
			break
		}
		lfd, err := unix.FcntlInt(uintptr(fds[0]), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return false
		}
		if cwd != "" {
			s.net.SetCwd(int(pid), cwd)
		}
		s.net.Serve(lfd)
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
		a := s.ns.Handle(&vfs.Request{Call: c, Fds: fds, Cred: cred, Mem: vfs.ProcessMemory{Pid: int(pid)}, Proc: int(pid)})
		p.wrote(a.Writes)
		var rights []byte
		if a.Fd >= 0 {
			rights = unix.UnixRights(a.Fd)
			if a.Release != nil {
				defer a.Release()
			} else {
				defer unix.Close(a.Fd)
			}
		}
		return l.send(abi.EncodeReply(a.Reply), rights) == nil
	case abi.MsgChan:
		if !p.calls || len(payload) != 0 {
			s.protocolError(pid, fmt.Errorf("%w: a channel asked for with %d bytes, or first on its connection", abi.ErrMessage, len(payload)))
			return false
		}
		return s.giveChannel(l, pid)
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
		return s.answerHook(l, p, c) == nil
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
		if err := l.send(m, nil); err != nil {
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

// giveChannel answers a MsgChan: the connection's channel, whose memfd
// goes to the stub; from then on its requests come through it. A
// connection asks once; a failure to make one is an answer without a
// descriptor, and the connection goes on with datagrams.
func (s *Server) giveChannel(l *link, pid int32) bool {
	if l.ch != nil {
		s.protocolError(pid, fmt.Errorf("%w: a second channel asked for", abi.ErrMessage))
		return false
	}
	ch, memfd, err := newChannel()
	if err != nil {
		if s.logf != nil {
			s.logf("zvfs: process %d: %v", pid, err)
		}
		return l.send(abi.EncodeReply(abi.Reply{Ret: -int64(unix.ENOMEM)}), nil) == nil
	}
	err = l.send(abi.EncodeReply(abi.Reply{}), unix.UnixRights(memfd))
	unix.Close(memfd)
	if err != nil {
		ch.end()
		return false
	}
	s.mu.Lock()
	if _, open := s.conns[l.conn.fd]; open && !s.closed.Load() {
		s.conns[l.conn.fd] = ch
		l.ch = ch
	}
	s.mu.Unlock()
	if l.ch == nil {
		ch.end()
		return false
	}
	return true
}

func (s *Server) protocolError(pid int32, err error) {
	s.mu.Lock()
	s.protoErr++
	s.mu.Unlock()
	if s.logf != nil {
		s.logf("zvfs: process %d: %v", pid, err)
	}
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
	// NetCalls are the file calls the seccomp net sent to the supervisor
	// (those of processes without a stub: statically linked programs, or
	// every process where address 0 cannot be mapped), by name.
	NetCalls map[string]uint64 `json:"net_calls,omitempty"`
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
	fmt.Fprintf(w, "zvfs: %d hellos (starts not answered by the start table, and libraries loaded later)\n", s.hellos)
	if s.protoErr > 0 {
		fmt.Fprintf(w, "zvfs: %d malformed messages from stubs\n", s.protoErr)
	}
}

// maxRecheck bounds the data a connection's end rechecks: a compiler or a
// linker writes one or two files, tar x thousands, whose entries the
// first stat through the supervisor re-describes as before.
const maxRecheck = 8

// wrote notes that an answer on the connection handed out a writer of d.
func (p *peer) wrote(d vfs.DataID) {
	if d == (vfs.DataID{}) || slices.Contains(p.writes, d) {
		return
	}
	if len(p.writes) == maxRecheck {
		p.writes = append(p.writes[:0], p.writes[1:]...)
	}
	p.writes = append(p.writes, d)
}

// recheck has the namespace view re-describe what the ended connection's
// process was handed writers of (vfs.Namespace.Recheck): where it left
// none, the entries answer stat in the stub again, so that a parent's stat
// of what its child wrote (make's, of each target) takes no round trip.
func (s *Server) recheck(p *peer) {
	if s.ns != nil && len(p.writes) > 0 {
		s.ns.Recheck(p.writes)
	}
}
