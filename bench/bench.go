// Package bench is `zvfs bench`: it runs file-system workloads natively and
// under each contender — zvfs's hook with a mem or an overlay mount, zvfs's
// FUSE front end over the same backends, fuse-overlayfs, proot -b and the
// kernel's overlayfs — interleaved and repeated in one process run, and
// reports medians and ratios to native as a table, JSON and an SVG chart.
// A contender that cannot run here is reported absent with the reason; one
// that fails is reported failed with the error.
package bench

// bench.go runs the suite: the scratch directory, the repetitions, and the
// loop over jobs and contenders.

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

// Options says how to run the suite.
type Options struct {
	Zvfs  string    // the zvfs binary the contenders run
	Quick bool      // one repetition and shorter loops
	Log   io.Writer // progress lines; nil for none
}

// target is where the hook contenders and proot show the workload's tree.
const target = "/zvfs-bench"

// suite is one run: its scratch directory and what it built there.
type suite struct {
	opt     Options
	ctx     context.Context
	work    string            // scratch directory (a tmpfs when root)
	scratch string            // "tmpfs" or "disk"
	bins    map[string]string // compiled C programs by name
	seq     int               // counter for fresh directory names
}

// Run runs every job under every contender and returns the results.
func Run(opt Options) (*Results, error) {
	if opt.Log == nil {
		opt.Log = io.Discard
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := newSuite(ctx, opt)
	if err != nil {
		return nil, err
	}
	defer s.close()
	cs, js := contenders(), s.jobs()
	res := newResults(opt, s.scratch)
	s.probe(res, cs)
	s.prepare(res, js, cs)
	reps := repetitions(opt.Quick)
	for rep := 0; rep < reps && ctx.Err() == nil; rep++ {
		for _, j := range js {
			s.runJob(res, j, cs, rep, reps)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted")
	}
	res.finish()
	return res, nil
}

// runJob runs j under every contender, j.runs times in turn; the first
// contender changes with each run, so that no one always runs first.
func (s *suite) runJob(res *Results, j *job, cs []contender, rep, reps int) {
	for run := 0; run < max(j.runs, 1); run++ {
		for k := range cs {
			s.runOne(res, j, cs[(k+rep+run)%len(cs)], rep, reps)
		}
	}
}

func repetitions(quick bool) int {
	if quick {
		return 1
	}
	return 3
}

// newSuite makes the scratch directory, a tmpfs if it can mount one.
func newSuite(ctx context.Context, opt Options) (*suite, error) {
	work, err := os.MkdirTemp("", "zvfs-bench-")
	if err != nil {
		return nil, err
	}
	s := &suite{opt: opt, ctx: ctx, work: work, scratch: "disk", bins: map[string]string{}}
	if syscall.Mount("tmpfs", work, "tmpfs", 0, "mode=0755") == nil {
		s.scratch = "tmpfs"
	}
	return s, nil
}

// close unmounts the scratch tmpfs and removes the scratch directory.
func (s *suite) close() {
	if s.scratch == "tmpfs" {
		if syscall.Unmount(s.work, 0) != nil {
			syscall.Unmount(s.work, syscall.MNT_DETACH)
		}
	}
	os.RemoveAll(s.work)
}

// fresh returns a new empty directory in the scratch directory.
func (s *suite) fresh(prefix string) (string, error) {
	s.seq++
	d := filepath.Join(s.work, fmt.Sprintf("%s-%d", prefix, s.seq))
	return d, os.MkdirAll(d, 0o755)
}

func (s *suite) logf(format string, a ...any) {
	fmt.Fprintf(s.opt.Log, "zvfs bench: "+format+"\n", a...)
}

// probe records which contenders can run here, and why not.
func (s *suite) probe(res *Results, cs []contender) {
	for _, c := range cs {
		reason := ""
		if c.probe != nil {
			reason = c.probe(s)
		}
		res.addContender(c.name, c.desc, reason)
		if reason != "" {
			s.logf("%s: absent (%s)", c.name, reason)
		}
	}
}

// prepare builds each job's fixtures and marks the cells that cannot run.
func (s *suite) prepare(res *Results, js []*job, cs []contender) {
	for _, j := range js {
		reason := s.prepareJob(j)
		if reason != "" {
			s.logf("%s: %s", j.name, reason)
		}
		for _, r := range j.rows {
			w := res.addWorkload(r)
			for _, c := range cs {
				w.Results[c.name] = initialCell(res.contender(c.name), j, c.name, reason)
			}
		}
	}
}

// prepareJob checks the programs a job needs and writes its fixtures; it
// returns why the job cannot run, or "".
func (s *suite) prepareJob(j *job) string {
	for _, p := range j.need {
		if _, err := lookPath(p); err != nil {
			return fmt.Sprintf("needs %s: not installed", p)
		}
	}
	if j.prepare == nil {
		return ""
	}
	seed, err := j.prepare()
	if err != nil {
		return "preparing: " + err.Error()
	}
	j.seed = seed
	return ""
}

// initialCell is a cell before any run: n/a, absent, failed, or ok with no
// samples yet.
func initialCell(c *Contender, j *job, name, jobReason string) *Cell {
	switch {
	case !j.applies(name):
		return &Cell{Status: StatusNA}
	case c.Status == StatusAbsent:
		return &Cell{Status: StatusAbsent, Reason: c.Reason}
	case jobReason != "":
		return &Cell{Status: StatusFailed, Reason: jobReason}
	}
	return &Cell{Status: StatusOK}
}

// runOne runs job j once under contender c and records its samples, or
// its failure.
func (s *suite) runOne(res *Results, j *job, c contender, rep, reps int) {
	if s.ctx.Err() != nil || res.cell(j.rows[0].Name, c.name).Status != StatusOK {
		return
	}
	vals, err := s.measure(j, c)
	if err != nil {
		s.logf("%s under %s: failed: %v", j.name, c.name, err)
		for _, r := range j.rows {
			cl := res.cell(r.Name, c.name)
			cl.Status, cl.Reason, cl.Samples = StatusFailed, err.Error(), nil
		}
		return
	}
	for _, r := range j.rows {
		v, ok := vals[r.Name]
		cl := res.cell(r.Name, c.name)
		if !ok {
			cl.Status, cl.Reason, cl.Samples = StatusFailed, "no figure for "+r.Name, nil
			continue
		}
		cl.Samples = append(cl.Samples, v)
	}
	s.logf("%d/%d %-9s %-15s %s", rep+1, reps, j.name, c.name, formatVals(j, vals))
}

// measure sets up c's environment for j, runs j in it and undoes it.
func (s *suite) measure(j *job, c contender) (map[string]float64, error) {
	e, err := c.setup(s, j.seed)
	if e != nil {
		defer e.close()
	}
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	return j.run(s, e)
}

func formatVals(j *job, vals map[string]float64) string {
	out := ""
	for _, r := range j.rows {
		out += fmt.Sprintf(" %s=%s%s", r.Name, formatNum(vals[r.Name]), r.Unit)
	}
	return out
}
