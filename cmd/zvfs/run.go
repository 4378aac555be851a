// run.go is `zvfs [stats] [flags] -- PROG`: the flags of a run, the mounts
// they name, and what is written when the program ends (snapshots, the
// report, the counters).

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/backends"
	"github.com/zvfs/zvfs/backends/layer"
	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/supervisor"
	"github.com/zvfs/zvfs/vfs"
)

// snapshot is one --snapshot [TARGET=]FILE.
type snapshot struct {
	target, file string
}

// overlayMount is what a snapshot is taken of: the layer of the run's
// changes, and a test of what the lower layers had.
type overlayMount struct {
	upper   *mem.FS
	inLower func(path string) bool
}

func runProgram(args []string, stats bool, stderr io.Writer) int {
	name := "zvfs"
	if stats {
		name = "zvfs stats"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	verbose := fs.Bool("verbose", false, "report patched files and unpatched mappings at the end")
	ma := mountFlags(fs, backends.ParseSpec, "", "at exit")
	reportPath := fs.String("report", "", "at exit, write what the run read, wrote, created and deleted in each mount to `FILE` (JSON)")
	var jsonPath *string
	if stats {
		jsonPath = fs.String("json", "", "also write the counts to `FILE` as JSON")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := ma.check(); err != nil {
		fmt.Fprintf(stderr, "zvfs: %v\n", err)
		return 2
	}
	specs, snaps := ma.specs, ma.snaps
	argv := fs.Args()
	if len(argv) == 0 {
		fmt.Fprintf(stderr, "%s: no program given\n", name)
		fmt.Fprint(stderr, usage)
		return 2
	}
	mounts, uppers, err := openMounts(specs, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "zvfs: %v\n", err)
		return 2
	}
	res, err := supervisor.Run(argv, supervisor.Options{Stats: stats, Verbose: *verbose, Stderr: stderr,
		Mounts: mounts, Report: *reportPath != ""})
	if err != nil {
		var ee *supervisor.ExitError
		if errors.As(err, &ee) {
			fmt.Fprintf(stderr, "zvfs: %s\n", ee.Msg)
			return ee.Code
		}
		fmt.Fprintf(stderr, "zvfs: %v\n", err)
		return 126
	}
	code := res.ExitCode
	fail := func(err error) {
		fmt.Fprintf(stderr, "zvfs: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	// Written whatever the program's fate: a failed build's changes are
	// worth keeping too.
	for _, s := range snaps {
		if err := writeSnapshot(s, uppers, *verbose, stderr); err != nil {
			fail(err)
		}
	}
	if *reportPath != "" {
		if err := writeJSON(*reportPath, res.Report); err != nil {
			fail(err)
		}
	}
	if stats {
		printStats(stderr, res.Stats)
		if *jsonPath != "" {
			if err := writeJSON(*jsonPath, res.Stats); err != nil {
				fail(err)
			}
		}
	}
	return code
}

// parseSnapshot parses --snapshot [TARGET=]FILE.
func parseSnapshot(v string) (snapshot, error) {
	s := snapshot{file: v}
	if t, f, ok := strings.Cut(v, "="); ok && strings.HasPrefix(t, "/") {
		s.target, s.file = filepath.Clean(t), f
	}
	if s.file == "" {
		return s, fmt.Errorf("--snapshot %q: no file", v)
	}
	return s, nil
}

// mountArgs are the --mount and --snapshot flags of a command.
type mountArgs struct {
	specs   []backends.Spec
	snaps   []snapshot
	specErr error // the first bad --mount
}

// mountFlags defines --mount (parsed with parse) and --snapshot on fs;
// where and when say where mounts appear and when snapshots are written.
func mountFlags(fs *flag.FlagSet, parse func(string) (backends.Spec, error), where, when string) *mountArgs {
	ma := &mountArgs{}
	fs.Func("mount", "mount `TYPE:TARGET[=SOURCE][,OPTION...]`"+where+" (repeatable)", func(v string) error {
		sp, err := parse(v)
		if err != nil && ma.specErr == nil {
			ma.specErr = err
		}
		ma.specs = append(ma.specs, sp)
		return nil
	})
	fs.Func("snapshot", when+", write the overlay's changes to `[TARGET=]FILE` as an OCI layer tarball", func(v string) error {
		s, err := parseSnapshot(v)
		ma.snaps = append(ma.snaps, s)
		return err
	})
	return ma
}

// check reports the first bad --mount, or a --snapshot without its overlay.
func (ma *mountArgs) check() error {
	if ma.specErr != nil {
		return ma.specErr
	}
	return checkSnapshots(ma.snaps, ma.specs)
}

// checkSnapshots gives each --snapshot its overlay: the one named, or the
// only overlay of the run.
func checkSnapshots(snaps []snapshot, specs []backends.Spec) error {
	var overlays []string
	for _, sp := range specs {
		if sp.Type == "overlay" {
			overlays = append(overlays, sp.Target)
		}
	}
	for i := range snaps {
		s := &snaps[i]
		switch {
		case len(overlays) == 0:
			return fmt.Errorf("--snapshot %s: no overlay mount to take it of (--mount overlay:TARGET=DIR)", s.file)
		case s.target == "" && len(overlays) > 1:
			return fmt.Errorf("--snapshot %s: %d overlays; name one: --snapshot %s=%s", s.file, len(overlays), overlays[0], s.file)
		case s.target == "":
			s.target = overlays[0]
		}
		found := false
		for _, o := range overlays {
			found = found || o == s.target
		}
		if !found {
			return fmt.Errorf("--snapshot %s=%s: %s is not an overlay mount", s.target, s.file, s.target)
		}
	}
	return nil
}

func writeSnapshot(s snapshot, overlays map[string]overlayMount, verbose bool, stderr io.Writer) error {
	opt := layer.Options{}
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		sec, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH=%q: not a number of seconds", v)
		}
		t := time.Unix(sec, 0)
		opt.SourceDateEpoch = &t
	}
	ov := overlays[s.target]
	if ov.inLower != nil {
		opt.Modified = func(p string) bool { return ov.inLower("/" + p) }
	}
	start := time.Now()
	if err := layer.WriteFile(s.file, ov.upper, opt); err != nil {
		return fmt.Errorf("snapshot of %s: %w", s.target, err)
	}
	if verbose {
		if fi, err := os.Stat(s.file); err == nil {
			fmt.Fprintf(stderr, "zvfs: snapshot of %s: %s, %d bytes in %v\n", s.target, s.file, fi.Size(), time.Since(start).Round(time.Microsecond))
		}
	}
	return nil
}

// openMounts builds the backends of the specs, in order, and returns the
// upper layers of the overlays by target.
func openMounts(specs []backends.Spec, stderr io.Writer) ([]*vfs.Mount, map[string]overlayMount, error) {
	var out []*vfs.Mount
	uppers := map[string]overlayMount{}
	seen := map[string]bool{}
	for _, sp := range specs {
		if seen[sp.Target] {
			return nil, nil, fmt.Errorf("--mount: %s is mounted twice", sp.Target)
		}
		seen[sp.Target] = true
		b, err := sp.Open()
		if err != nil {
			return nil, nil, err
		}
		if b.Warning != "" {
			fmt.Fprintf(stderr, "zvfs: warning: %s\n", b.Warning)
		}
		m := &vfs.Mount{Target: sp.Target, FS: b.FS, HostDir: b.HostDir, ReadOnly: sp.ReadOnly}
		if b.View != nil {
			view := b.View
			m.View = func(c vfs.Cred) afero.Fs { return view(c.Uid, c.Gid, c.Groups) }
		}
		if b.Upper != nil {
			om := overlayMount{upper: b.Upper}
			if l, ok := b.FS.(interface{ InLower(string) bool }); ok {
				om.inLower = l.InLower
			}
			uppers[sp.Target] = om
		}
		out = append(out, m)
	}
	return out, uppers, nil
}
