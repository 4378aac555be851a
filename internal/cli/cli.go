// Package cli is the command line of a run: its flags, the mounts and
// snapshots they name, and what is written when the program ends. Command
// zvfs runs programs with it; a hook program (package hook) takes the same
// flags through it.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/zvfs/zvfs/backends"
	"github.com/zvfs/zvfs/internal/fdroom"
	"github.com/zvfs/zvfs/supervisor"
)

// Config is what differs between the programs that take a run's flags.
type Config struct {
	// Name is the program's name in messages and usage errors: "zvfs",
	// "zvfs stats", or a hook program's name. Empty means "zvfs" (or
	// "zvfs stats" with Stats).
	Name string
	// Stats counts system calls per name, prints the counts at the end
	// and adds the --json flag.
	Stats bool
	// Usage is printed on -h and when no program is given; empty: a
	// line naming the program and its flags' defaults.
	Usage string
	// Hooks is passed to supervisor.Options.Hooks; it may be nil.
	Hooks supervisor.Hooks
	// Stderr receives the messages, the usage and the counts.
	Stderr io.Writer
	// Flags, if set, is where the run's flags are defined and parsed, so
	// that a hook program's own flags (defined on it beforehand) are
	// parsed with them. Its output and usage are set to Stderr and Usage.
	Flags *flag.FlagSet
	// End, if set, is called once the program has ended (not when it did
	// not run) with the exit status Run would return, and returns the one
	// it does return.
	End func(code int) int
}

// name is the program's name, defaulted.
func (c *Config) name() string {
	switch {
	case c.Name != "":
		return c.Name
	case c.Stats:
		return "zvfs stats"
	}
	return "zvfs"
}

// prefix is what messages start with: "zvfs" for zvfs and zvfs stats,
// else the program's name.
func (c *Config) prefix() string {
	if n := c.name(); n != "zvfs stats" {
		return n
	}
	return "zvfs"
}

// Run parses args — [--verbose] [--mount SPEC]... [--snapshot
// [TARGET=]FILE]... [--report FILE] (and --json FILE with cfg.Stats)
// [--] PROG [ARGS...] — runs PROG with the mounts, writes the snapshots,
// the report and the counts asked for, and returns the exit status: PROG's,
// 1 if PROG succeeded but something could not be written, 2 for a usage
// error, or the supervisor's when PROG could not be run.
func Run(args []string, cfg Config) int {
	name, prefix, stderr := cfg.name(), cfg.prefix(), cfg.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	fs := cfg.Flags
	if fs == nil {
		fs = flag.NewFlagSet(name, flag.ContinueOnError)
	}
	fs.Init(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		if cfg.Usage != "" {
			fmt.Fprint(stderr, cfg.Usage)
			return
		}
		fmt.Fprintf(stderr, "usage: %s [flags] [--] PROG [ARGS...]\n", name)
		fs.PrintDefaults()
	}
	verbose := fs.Bool("verbose", false, "report patched files and unpatched mappings at the end")
	netOnly := fs.Bool("net", false, "serve the mounts through the seccomp net alone, without the stub (as where address 0 cannot be mapped: slower)")
	ma := MountFlags(fs, backends.ParseSpec, "", "at exit")
	reportPath := fs.String("report", "", "at exit, write what the run read, wrote, created and deleted in each mount to `FILE` (JSON)")
	var jsonPath *string
	if cfg.Stats {
		jsonPath = fs.String("json", "", "also write the counts to `FILE` as JSON")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0 // -h: the usage was asked for
		}
		return 2
	}
	if err := ma.Check(); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prefix, err)
		return 2
	}
	for _, o := range []struct {
		flag string
		path *string
	}{{"--report", reportPath}, {"--json", jsonPath}} {
		if o.path == nil || *o.path == "" {
			continue
		}
		if err := CheckOutput(o.flag, *o.path, ma.Specs); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", prefix, err)
			return 2
		}
	}
	argv := fs.Args()
	if len(argv) == 0 {
		fmt.Fprintf(stderr, "%s: no program given\n", name)
		fs.Usage()
		return 2
	}
	if err := ma.Fetch(context.Background(), prefix, stderr); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prefix, err)
		return 2
	}
	fdroom.Raise() // a mem tree holds a descriptor per file
	mounts, overlays, err := OpenMounts(ma.Specs, prefix, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", prefix, err)
		return 2
	}
	defer CloseMounts(mounts)
	res, err := supervisor.Run(argv, supervisor.Options{Stats: cfg.Stats, Verbose: *verbose, Stderr: stderr,
		Mounts: mounts, Report: *reportPath != "", Hooks: cfg.Hooks, NetOnly: *netOnly})
	if err != nil {
		var ee *supervisor.ExitError
		if errors.As(err, &ee) {
			fmt.Fprintf(stderr, "%s: %s\n", prefix, ee.Msg)
			return ee.Code
		}
		fmt.Fprintf(stderr, "%s: %v\n", prefix, err)
		return 126
	}
	code := res.ExitCode
	fail := func(err error) {
		fmt.Fprintf(stderr, "%s: %v\n", prefix, err)
		if code == 0 {
			code = 1
		}
	}
	// Written whatever the program's fate: a failed build's changes are
	// worth keeping too.
	for _, s := range ma.Snaps {
		done, err := WriteSnapshot(s, overlays)
		if err != nil {
			fail(err)
			continue
		}
		if *verbose || s.Pushes() {
			fmt.Fprintf(stderr, "%s: %s\n", prefix, done)
		}
	}
	if *reportPath != "" {
		if err := writeJSON(*reportPath, res.Report); err != nil {
			fail(err)
		}
	}
	if cfg.Stats {
		printStats(stderr, prefix, res.Stats)
		if *jsonPath != "" {
			if err := writeJSON(*jsonPath, res.Stats); err != nil {
				fail(err)
			}
		}
	}
	if cfg.End != nil {
		code = cfg.End(code)
	}
	return code
}
