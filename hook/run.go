package hook

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends"
	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/internal/cli"
	"github.com/zvfs/zvfs/supervisor"
)

// Set implements supervisor.Hooks.
func (d *dispatcher) Set() abi.HookSet { return d.set }

// Hook implements supervisor.Hooks: it calls the method of r's call.
func (d *dispatcher) Hook(r *supervisor.HookRequest) (a supervisor.HookAnswer) {
	c := &Call{Nr: r.Nr, Args: r.Args, Pid: r.Pid, Tid: r.Tid, Uid: r.Cred.Uid, Gid: r.Cred.Gid, mem: r.Mem}
	name := "Syscall"
	if r.Nr >= 0 && r.Nr < abi.NSlots && d.byNr[r.Nr] != nil {
		name = d.names[r.Nr]
	}
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(os.Stderr, "hook: panic in %s (pid %d): %v\n%s", name, c.Pid, v, debug.Stack())
			a = supervisor.HookAnswer{Action: supervisor.HookReturn, Ret: -int64(unix.EIO)}
		}
	}()
	var res Result
	if name == "Syscall" {
		res = d.h.Syscall(c)
	} else {
		res = d.byNr[r.Nr](d.h, c)
	}
	return supervisor.HookAnswer{Action: res.action, Ret: res.ret, Fd: res.fd, Cloexec: res.cloexec, After: res.after,
		Rewrite: res.rewrite}
}

// Main runs the command line args — zvfs's run flags, the flags defined on
// flag.CommandLine by the hook program, then [--] PROG [ARGS...] — with h's
// hooks, and returns the exit status for os.Exit: PROG's, or 2 for a usage
// error, 126 or 127 when PROG cannot be run.
//
//	prog [--mount TYPE:TARGET[=SOURCE][,OPTION...]]... [--snapshot [TARGET=]FILE]
//	     [--report FILE] [--verbose] [own flags] [--] PROG [ARGS...]
//
// If h is an Ender, its End runs once the program has ended.
func Main(h Hooks, args []string) int {
	cfg := cli.Config{Name: filepath.Base(os.Args[0]), Hooks: newDispatcher(h), Flags: flag.CommandLine}
	if e, ok := h.(Ender); ok {
		cfg.End = e.End
	}
	return cli.Run(args, cfg)
}

// Ender is implemented by Hooks that act when the run is over (print a
// summary, write a file). Main calls End with the exit status it would
// return once the program has ended, not when it did not run, and returns
// what End returns.
type Ender interface {
	End(code int) int
}

// Options are the settings of Run.
type Options struct {
	// Mounts are zvfs mount specs (TYPE:TARGET[=SOURCE][,OPTION...]) every
	// process of the run sees, as with zvfs --mount.
	Mounts []string
	// The program's standard input and output; nil: this process's.
	Stdin  io.Reader
	Stdout io.Writer
	// Stderr gets zvfs's messages; nil: os.Stderr. The program's
	// standard error is this process's.
	Stderr io.Writer
}

// Run runs argv with h's hooks and waits for it. It returns the program's
// exit status (128+N if signal N ended it), or an error if it could not be
// run.
func Run(h Hooks, argv []string, opts Options) (int, error) {
	stderr := opts.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	ma := &cli.MountArgs{}
	for _, m := range opts.Mounts {
		sp, err := backends.ParseSpec(m)
		if err != nil {
			return 0, err
		}
		ma.Specs = append(ma.Specs, sp)
	}
	// oci:// layers and tar sources: pulled into the layer cache, as the
	// zvfs command does.
	if err := ma.Fetch(context.Background(), "hook", stderr); err != nil {
		return 0, err
	}
	mounts, _, err := cli.OpenMounts(ma.Specs, "hook", stderr)
	if err != nil {
		return 0, err
	}
	defer cli.CloseMounts(mounts)
	res, err := supervisor.Run(argv, supervisor.Options{Stderr: stderr, Mounts: mounts, Hooks: newDispatcher(h),
		Stdin: opts.Stdin, Stdout: opts.Stdout})
	if err != nil {
		return 0, err
	}
	return res.ExitCode, nil
}
