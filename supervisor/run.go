package supervisor

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/fdroom"
	"github.com/zvfs/zvfs/mtab"
	"github.com/zvfs/zvfs/preload"
	"github.com/zvfs/zvfs/seccompnet"
	"github.com/zvfs/zvfs/trampoline"
	"github.com/zvfs/zvfs/vfs"
	"github.com/zvfs/zvfs/view"
)

// Options control one run.
type Options struct {
	Stats   bool      // gather per-syscall counters
	Verbose bool      // report patched files and skipped mappings at the end
	Stderr  io.Writer // zvfs's own messages
	// Mounts are the virtual mounts every process of the run sees.
	Mounts []*mtab.Mount
	// Report records what the run did to its mounts (Result.Report).
	Report bool
	// NetOnly serves the mounts through the seccomp net alone, with no
	// stub in any process, as a run does where address 0 cannot be mapped.
	// No hooks or counters then.
	NetOnly bool
	// Hooks, when set, answer the calls of Hooks.Set in every process.
	Hooks Hooks
	// Stdin and Stdout are the program's; nil: zvfs's own. (Its standard
	// error is always zvfs's.)
	Stdin  io.Reader
	Stdout io.Writer
}

// Result is the outcome of a run.
type Result struct {
	ExitCode int
	Stats    Stats
	Report   *vfs.Report // with Options.Report
}

// ExitError is a failure before the program ran, with the exit status a
// shell would give (2 usage, 126 cannot execute, 127 not found).
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string { return e.Msg }

// Run runs argv under zvfs and waits for it.
func Run(argv []string, opts Options) (Result, error) {
	if opts.Stderr == nil {
		opts.Stderr = os.Stderr
	}
	if len(argv) == 0 {
		return Result{}, &ExitError{2, "no program given"}
	}
	var ns *vfs.Namespace
	var err error
	if len(opts.Mounts) > 0 {
		if ns, err = vfs.New(opts.Mounts); err != nil {
			return Result{}, &ExitError{2, err.Error()}
		}
	}
	prog, err := lookProgram(argv[0])
	if err != nil {
		if ns == nil || !inMounts(argv[0], ns) {
			return Result{}, err
		}
		// Only the run sees the program: a hooked shell finds it there
		// and execs it, as argv[0], and says why if it cannot.
		prog, argv = "/bin/sh", append([]string{"sh", "-c", `exec "$0" "$@"`}, argv...)
	}
	// Without address 0 no stub can hook anything: the seccomp net alone
	// serves the mounts, for every process (netOnly).
	netOnly, err := chooseMode(opts)
	if err != nil {
		return Result{}, err
	}
	static := isStatic(prog)
	if static && (opts.Stats || opts.Hooks != nil) {
		fmt.Fprintf(opts.Stderr, "zvfs: %s is statically linked: its system calls are not counted or hooked (its file calls still see the mounts)\n", argv[0])
	}
	stub := ""
	if !netOnly {
		if stub, err = preload.Install(""); err != nil {
			return Result{}, &ExitError{126, err.Error()}
		}
	}
	// Site analyses and rewritten copies live in the user cache directory;
	// without one, they are kept in memory and rewritten in place.
	var sitesDir, patchDir, startsFile string
	if c, err := os.UserCacheDir(); err == nil {
		sitesDir, patchDir = filepath.Join(c, "zvfs", "sites"), filepath.Join(c, "zvfs", "patched")
		// --verbose lists each file a hello answered for: every program's
		// first start in the run asks, as without the file.
		if !opts.Verbose {
			startsFile = filepath.Join(c, "zvfs", "starts")
		}
	}
	// The view: the mounts' names and the start table, which lets a
	// process whose mapped files are all in it start without a hello,
	// with mounts or without (a run for its hooks or its counts).
	var viewEnv string
	var starts StartTable
	switch {
	case ns != nil && opts.Report:
		ns.Record()
	case netOnly:
		// No stub reads a view.
	default:
		// Without a view every lookup and every start asks: slower, the
		// same answers.
		if v, err := view.New(viewEntries()); err == nil {
			defer v.Close()
			if ns != nil {
				ns.Publish(v)
			}
			if opts.Stats {
				v.WantReports() // processes that send no hello report all the same
			}
			viewEnv = abi.EnvView + "=" + v.Env()
			starts = v
		}
	}
	logf := func(f string, a ...any) { fmt.Fprintf(opts.Stderr, f+"\n", a...) }
	// A statically linked program loads no stub: the seccomp net sends its
	// file calls, and those of every process it starts, to the namespace.
	var net *seccompnet.Server
	if ns != nil {
		if net, err = seccompnet.New(ns, logf); err != nil {
			return Result{}, &ExitError{126, err.Error()}
		}
		defer net.Close()
	}
	srv, err := NewServer(Config{
		StubPath: stub, Cache: trampoline.NewCache(sitesDir), PatchDir: patchDir, WantReports: opts.Stats,
		Logf:      logf,
		Namespace: ns, Hooks: opts.Hooks, Starts: starts, StartsFile: startsFile, Net: net,
	})
	if err != nil {
		return Result{}, &ExitError{126, err.Error()}
	}
	defer srv.Close()

	cmd := exec.Command(prog, argv[1:]...)
	cmd.Args = argv
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if opts.Stdin != nil {
		cmd.Stdin = opts.Stdin
	}
	if opts.Stdout != nil {
		cmd.Stdout = opts.Stdout
	}
	if netOnly {
		cmd.Env = withoutOurs(os.Environ())
	} else {
		cmd.Env = childEnv(os.Environ(), stub, srv.SocketEnv())
	}
	if !netOnly && ns != nil {
		cmd.Env = append(cmd.Env, abi.EnvMounts+"="+strings.Join(ns.Targets(), ":"))
	}
	if viewEnv != "" {
		cmd.Env = append(cmd.Env, viewEnv)
	}
	if opts.Hooks != nil {
		if set := opts.Hooks.Set(); !set.Empty() {
			cmd.Env = append(cmd.Env, abi.EnvHooks+"="+set.String())
		}
	}

	// The program stays in our process group, so a terminal's ^C reaches it
	// directly; signals sent to zvfs alone are passed on (sigrelay.go tells
	// them apart for SIGINT and SIGQUIT). A signal zvfs was
	// started with ignored (nohup) stays ignored, so the program inherits that.
	// Go's runtime keeps an inherited SIG_IGN for SIGHUP and SIGINT only:
	// it takes SIGQUIT over (its goroutine dump), and the program would
	// start with it at the default. A shell starts a background job with
	// both SIGINT and SIGQUIT ignored, so a SIGINT ignored says SIGQUIT
	// was too.
	if signal.Ignored(syscall.SIGINT) {
		signal.Ignore(syscall.SIGQUIT)
	}
	// All four go through the relay, not os/signal's Notify, whose first
	// use starts a thread of its own and a goroutine (0.4–0.9 ms of every
	// run's start here).
	sigs := make(chan syscall.Signal, 8)
	var relayed []syscall.Signal
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT} {
		if !signal.Ignored(sig) {
			relayed = append(relayed, sig)
		}
	}
	if len(relayed) > 0 {
		stop, err := relaySignals(relayed, func(sig syscall.Signal) {
			select {
			case sigs <- sig:
			default: // eight waiting already
			}
		})
		if err != nil {
			return Result{}, &ExitError{126, fmt.Sprintf("signal handlers: %v", err)}
		}
		defer stop()
	}
	caught := (static || netOnly) && net != nil
	if caught {
		cmd.Env = append(cmd.Env, abi.EnvNet+"=1")
	}
	// The program gets the descriptor limit zvfs was started with.
	if err := fdroom.Lowered(func() error { return start(cmd, caught, net) }); err != nil {
		code := 126
		if errors.Is(err, os.ErrNotExist) {
			code = 127
		}
		return Result{}, &ExitError{code, fmt.Sprintf("%s: %v", argv[0], unwrapPathError(err))}
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				cmd.Process.Signal(sig)
			case <-done:
				return
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	res := Result{ExitCode: exitCode(cmd.ProcessState)}
	if err != nil && cmd.ProcessState == nil {
		return res, err
	}
	srv.Close()
	res.Stats = srv.Stats()
	if net != nil {
		net.Close()
		res.Stats.NetCalls = net.Calls()
	}
	if ns != nil {
		res.Report = ns.Report()
	}
	if opts.Verbose {
		srv.WriteVerbose(opts.Stderr)
	}
	return res, nil
}

// start starts cmd; one to be caught through the net helper (netstart.go).
func start(cmd *exec.Cmd, caught bool, net *seccompnet.Server) error {
	if !caught {
		return cmd.Start()
	}
	return startCaught(cmd, net)
}

// viewEntries is how many names the namespace view may hold:
// ZVFS_VIEW_ENTRIES if set (for tests of a full view), else the most.
func viewEntries() int {
	n, _ := strconv.Atoi(os.Getenv("ZVFS_VIEW_ENTRIES"))
	return n
}

func exitCode(ps *os.ProcessState) int {
	if ps == nil {
		return 1
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

func lookProgram(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err == nil {
		return p, nil
	}
	if errors.Is(err, exec.ErrDot) {
		return p, nil
	}
	// As a shell says: a file that is there but may not be run (or in a
	// directory that may not be searched) is 126, one that is not, 127.
	denied := &ExitError{126, fmt.Sprintf("%s: permission denied", name)}
	if strings.Contains(name, "/") {
		if _, serr := os.Stat(name); serr == nil || errors.Is(serr, fs.ErrPermission) {
			return "", denied
		}
		return "", &ExitError{127, fmt.Sprintf("%s: no such file or directory", name)}
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if fi, serr := os.Stat(filepath.Join(dir, name)); serr == nil && !fi.IsDir() {
			denied.Msg = fmt.Sprintf("%s: permission denied", filepath.Join(dir, name))
			return "", denied
		}
	}
	return "", &ExitError{127, fmt.Sprintf("%s: command not found", name)}
}

// inMounts says whether a program that the host does not have could be
// in one of ns's mounts: its path, or with no slash a directory of PATH,
// is one the namespace looks up.
func inMounts(name string, ns *vfs.Namespace) bool {
	dirs := []string{name}
	if !strings.Contains(name, "/") {
		dirs = filepath.SplitList(os.Getenv("PATH"))
	}
	for _, d := range dirs {
		if abs, err := filepath.Abs(d); err == nil && ns.Concerns(abs, false) {
			return true
		}
	}
	return false
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func isStatic(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

// chooseMode says whether the run must do without the stub (address 0
// cannot be mapped here: a user without root, a container without
// CAP_SYS_RAWIO), and tells the user so. Without it only mounts can be
// served, through the seccomp net; hooks and counters cannot.
func chooseMode(opts Options) (netOnly bool, err error) {
	if opts.NetOnly {
		if opts.Stats || opts.Hooks != nil || len(opts.Mounts) == 0 {
			return false, &ExitError{2, "--net serves mounts only: give one, and no hooks or counters"}
		}
		if err := seccompnet.Available(); err != nil {
			return false, &ExitError{126, err.Error()}
		}
		return true, nil
	}
	addrErr := CheckAddressZero()
	if addrErr == nil {
		return false, nil
	}
	if opts.Stats || opts.Hooks != nil || len(opts.Mounts) == 0 {
		return false, &ExitError{126, addrErr.Error()}
	}
	if err := seccompnet.Available(); err != nil {
		return false, &ExitError{126, fmt.Sprintf("%v, and %v", addrErr, err)}
	}
	v, _ := MmapMinAddr()
	fmt.Fprintf(opts.Stderr, "zvfs: address 0 cannot be mapped here (vm.mmap_min_addr=%s): every file call goes through "+
		"the supervisor (correct, slower); for the fast path, as root: %s\n", v, MinAddrFix)
	return true, nil
}

// withoutOurs returns env without variables of an outer run.
func withoutOurs(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "ZVFS_") {
			out = append(out, kv)
		}
	}
	return out
}

// childEnv returns env with the stub first in LD_PRELOAD (the user's list
// kept after it) and the supervisor's key and socket (sockEnv).
func childEnv(env []string, stub, sockEnv string) []string {
	// Ours are set below, never inherited from an outer run.
	kept := withoutOurs(env) // a fresh slice: filtered in place
	out := kept[:0]
	preloadVal := stub
	for _, kv := range kept {
		if v, ok := strings.CutPrefix(kv, "LD_PRELOAD="); !ok {
			out = append(out, kv)
		} else if v != "" {
			preloadVal = stub + ":" + v
		}
	}
	return append(out, "LD_PRELOAD="+preloadVal, abi.EnvSocket+"="+sockEnv, abi.EnvLib+"="+stub)
}
