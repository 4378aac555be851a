// workloads.go: the jobs of the suite. A job is one program run per
// contender and repetition; it yields one figure per row (a metadata run
// times stat, open+close, create+unlink and a listing at once).

package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Row describes one workload: one line of the table, one bar group.
type Row struct {
	Name        string `json:"name"`
	Unit        string `json:"unit"`
	Description string `json:"description"`
}

// job is a program run that yields the figures of its rows.
type job struct {
	name    string
	rows    []Row
	only    []string                        // the contenders it applies to; nil: all
	need    []string                        // programs it needs
	prepare func() (seed string, err error) // compiles, writes fixtures
	seed    string                          // the tree the workload starts with
	runs    int                             // runs per repetition (0: one)
	run     func(s *suite, e *env) (map[string]float64, error)
}

func (j *job) applies(contender string) bool {
	if j.only == nil {
		return true
	}
	for _, c := range j.only {
		if c == contender {
			return true
		}
	}
	return false
}

// hookOnly: workloads of no file system, where only the hook (or the
// net's filter) adds cost.
var hookOnly = []string{Native, ZvfsMem, ZvfsOverlay, ZvfsNet}

// execers: contenders that change how programs start.
var execers = []string{Native, ZvfsMem, ZvfsOverlay, ZvfsNet, Proot}

// sizes are the loop counts, smaller with --quick.
type sizes struct {
	getppid, trues, bashes, pythons, meta, data int
	// outside is the loop count of the host-path lookups: at ~1–3 µs a
	// call, a loop of meta's length lasts a few ms, short enough for one
	// scheduling hiccup of a noisy machine to move its ratio by 0.2.
	outside  int
	wallRuns int // runs per repetition of the jobs timed from outside
}

func (s *suite) sizes() sizes {
	if s.opt.Quick {
		return sizes{getppid: 500000, trues: 100, bashes: 50, pythons: 10, meta: 1000, data: 30, outside: 5000, wallRuns: 1}
	}
	return sizes{getppid: 2000000, trues: 300, bashes: 150, pythons: 40, meta: 3000, data: 100, outside: 50000, wallRuns: 3}
}

func (s *suite) jobs() []*job {
	n := s.sizes()
	return []*job{
		{
			name:    "syscall",
			rows:    []Row{{"getppid pass-through", "ns/call", fmt.Sprintf("raw getppid loop (%d calls), a call zvfs passes to the kernel", n.getppid)}},
			only:    hookOnly,
			need:    []string{"gcc"},
			prepare: s.emptySeed("getppid_loop"),
			run:     s.cprogRun("getppid_loop", "getppid pass-through", strconv.Itoa(n.getppid)),
		},
		{
			name: "outside",
			rows: []Row{
				{"stat outside mounts", "ns/op", fmt.Sprintf("stat of a host file while a mount exists elsewhere (the path is classified, then passed to the kernel), %d in a row", n.outside)},
				{"open+close outside", "ns/op", fmt.Sprintf("open and close of a host file while a mount exists elsewhere, %d in a row", n.outside)},
			},
			only:    hookOnly,
			need:    []string{"gcc"},
			prepare: s.emptySeed("meta_bench"),
			run:     s.outside(strconv.Itoa(n.outside)),
		},
		s.execJob("exec /bin/true", "true", n.trues, "/bin/true"),
		s.execJob("exec bash -c true", "bash", n.bashes, "bash", "-c", "true"),
		s.execJob("exec python3 -c pass", "python3", n.pythons, "python3", "-c", "pass"),
		{
			name:    "exec-tree",
			rows:    []Row{{"exec from the tree", "µs/exec", fmt.Sprintf("fork, exec and wait of a copy of /bin/true stored in the tree (a program a build made), %d times in a row", n.trues)}},
			need:    []string{"gcc"},
			prepare: s.programSeed,
			run: func(s *suite, e *env) (map[string]float64, error) {
				return oneFigure("exec from the tree")(s.output(e.argv(s.bins["spawn_loop"], strconv.Itoa(n.trues), filepath.Join(e.dir, "true"))))
			},
		},
		{
			name: "metadata",
			rows: []Row{
				{"stat", "ns/op", "stat of a file in the tree"},
				{"open+close", "ns/op", "open O_RDONLY and close"},
				{"create+unlink", "ns/op", "open O_CREAT|O_EXCL, close, unlink"},
				{"getdents-1000", "µs/listing", "opendir, readdir of a 1000-entry directory, closedir"},
			},
			need:    []string{"gcc"},
			prepare: s.emptySeed("meta_bench"),
			run:     s.cprogDir("meta_bench", strconv.Itoa(n.meta)),
		},
		{
			name: "data",
			rows: []Row{
				{"read-4KiB", "µs/MiB", "sequential pread of 1 MiB in 4 KiB calls"},
				{"read-1MiB", "µs/MiB", "one pread of 1 MiB"},
				{"write-4KiB", "µs/MiB", "truncate, sequential pwrite of 1 MiB in 4 KiB calls"},
				{"write-1MiB", "µs/MiB", "truncate, one pwrite of 1 MiB"},
			},
			need:    []string{"gcc"},
			prepare: s.emptySeed("data_bench"),
			run:     s.cprogDir("data_bench", strconv.Itoa(n.data)),
		},
		{
			name:    "build",
			runs:    n.wallRuns,
			rows:    []Row{{"make -j2 build", "ms", fmt.Sprintf("hermetic C build from clean: %d units, a header tree, make -j2", buildUnits)}},
			need:    []string{"make", "gcc"},
			prepare: s.buildSeed,
			run:     s.wallRun("make -j2 build", "make", "-s", "-j2", "-C", "{dir}"),
		},
		{
			name:    "tar",
			runs:    n.wallRuns,
			rows:    []Row{{"tar x 5000 files", "ms", fmt.Sprintf("tar -xf of a %d-file archive (from the host) into the tree", tarFiles)}},
			need:    []string{"tar"},
			prepare: s.tarSeed,
			run:     s.wallRun("tar x 5000 files", "tar", "-xf", "{archive}", "-C", "{dir}"),
		},
		{
			name:    "git",
			runs:    n.wallRuns,
			rows:    []Row{{"git status", "ms", fmt.Sprintf("git status of a clean %d-file repository (a copy of it, or an overlay over it), after one untimed status that refreshes the index", gitFiles)}},
			need:    []string{"gcc", "git"},
			prepare: s.gitSeed,
			run:     s.gitStatus,
		},
	}
}

// execJob times PROG ARGS run n times in a row by spawn_loop.
func (s *suite) execJob(rowName, short string, n int, prog string, args ...string) *job {
	return &job{
		name:    "exec-" + short,
		rows:    []Row{{rowName, "µs/exec", fmt.Sprintf("fork, exec and wait of %s, %d times in a row", strings.Join(append([]string{prog}, args...), " "), n)}},
		only:    execers,
		need:    []string{"gcc", prog},
		prepare: s.emptySeed("spawn_loop"),
		run: func(s *suite, e *env) (map[string]float64, error) {
			path, err := lookPath(prog)
			if err != nil {
				return nil, err
			}
			a := append([]string{s.bins["spawn_loop"], strconv.Itoa(n), path}, args...)
			return oneFigure(rowName)(s.output(e.argv(a...)))
		},
	}
}

// gitStatus times the second of two git status runs in the tree (the
// first refreshes the index for the tree's inode numbers and times).
func (s *suite) gitStatus(_ *suite, e *env) (map[string]float64, error) {
	git, err := lookPath("git")
	if err != nil {
		return nil, err
	}
	m, err := oneFigure("git status")(s.output(e.argv(s.bins["spawn_loop"], "1", git, "-c", "safe.directory=*", "-C", e.dir, "status", "--porcelain")))
	if err != nil {
		return nil, err
	}
	m["git status"] /= 1000
	return m, nil
}

// outside runs meta_bench in a host directory, outside the env's tree.
func (s *suite) outside(n string) func(*suite, *env) (map[string]float64, error) {
	return func(s *suite, e *env) (map[string]float64, error) {
		d, err := s.fresh("host")
		if err != nil {
			return nil, err
		}
		e.undo = append(e.undo, func() { os.RemoveAll(d) })
		out, err := s.output(e.argv(s.bins["meta_bench"], d, n, "lookups"))
		if err != nil {
			return nil, err
		}
		m, err := parseFigures(out)
		return map[string]float64{"stat outside mounts": m["stat"], "open+close outside": m["open+close"]}, err
	}
}

// cprogRun runs a compiled C program that prints one figure.
func (s *suite) cprogRun(prog, row string, args ...string) func(*suite, *env) (map[string]float64, error) {
	return func(s *suite, e *env) (map[string]float64, error) {
		return oneFigure(row)(s.output(e.argv(append([]string{s.bins[prog]}, args...)...)))
	}
}

// cprogDir runs a compiled C program on the env's directory; it prints
// "NAME VALUE" lines.
func (s *suite) cprogDir(prog string, args ...string) func(*suite, *env) (map[string]float64, error) {
	return func(s *suite, e *env) (map[string]float64, error) {
		out, err := s.output(e.argv(append([]string{s.bins[prog], e.dir}, args...)...))
		if err != nil {
			return nil, err
		}
		return parseFigures(out)
	}
}

// wallRun times a command; {dir} in it is the env's directory and
// {archive} the tar job's archive.
func (s *suite) wallRun(row string, argv ...string) func(*suite, *env) (map[string]float64, error) {
	return func(s *suite, e *env) (map[string]float64, error) {
		a := make([]string, len(argv))
		for i, v := range argv {
			a[i] = strings.NewReplacer("{dir}", e.dir, "{archive}", s.archive()).Replace(v)
		}
		start := time.Now()
		if _, err := s.output(e.argv(a...)); err != nil {
			return nil, err
		}
		return map[string]float64{row: float64(time.Since(start).Microseconds()) / 1000}, nil
	}
}

// runTimeout bounds one program run.
const runTimeout = 5 * time.Minute

// command is exec.CommandContext, but a run that ctx ends (an interrupted
// bench, a timeout) gets SIGTERM first and SIGKILL only if it is still
// there stopDelay later: a zvfs run ended by SIGKILL cannot remove its
// socket directory, and one ended by SIGTERM stops its program and does.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = stopDelay
	return cmd
}

// stopDelay is how long a run ended by the bench has to exit after SIGTERM.
const stopDelay = 10 * time.Second

// output runs argv and returns its standard output; a non-zero exit is an
// error carrying the first line of its standard error.
func (s *suite) output(argv []string) (string, error) {
	ctx, cancel := context.WithTimeout(s.ctx, runTimeout)
	defer cancel()
	cmd := command(ctx, argv[0], argv[1:]...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: %v: %s", argv[0], err, firstLine(stderr.Bytes()))
	}
	return stdout.String(), nil
}

// oneFigure parses a program's output that is one number.
func oneFigure(row string) func(string, error) (map[string]float64, error) {
	return func(out string, err error) (map[string]float64, error) {
		if err != nil {
			return nil, err
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(out), 64)
		if err != nil {
			return nil, fmt.Errorf("output %q: %v", out, err)
		}
		return map[string]float64{row: v}, nil
	}
}

// parseFigures parses "NAME VALUE" lines.
func parseFigures(out string) (map[string]float64, error) {
	m := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("output line %q", line)
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return nil, fmt.Errorf("output line %q: %v", line, err)
		}
		m[f[0]] = v
	}
	return m, nil
}
