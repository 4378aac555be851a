// results.go: what a run found — the machine, the contenders and why some
// are absent, and per workload and contender the samples, the median and
// the ratio to native — and the JSON form of it.

package bench

import (
	"bytes"
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// The states of a cell (a workload under a contender) and of a contender.
const (
	StatusOK     = "ok"
	StatusNA     = "n/a"    // the workload does not apply to the contender
	StatusAbsent = "absent" // the contender cannot run here (Reason says why)
	StatusFailed = "failed" // it ran and failed (Reason has the error)
)

// Results is one run of the suite.
type Results struct {
	Date        string       `json:"date"`
	Machine     Machine      `json:"machine"`
	GoVersion   string       `json:"go_version"`
	Quick       bool         `json:"quick"`
	Repetitions int          `json:"repetitions"`
	Scratch     string       `json:"scratch"` // "tmpfs" or "disk": where native and the overlays' layers live
	Contenders  []*Contender `json:"contenders"`
	Workloads   []*Workload  `json:"workloads"`
}

// Machine names the machine the run was on.
type Machine struct {
	Uname string `json:"uname"`
	CPU   string `json:"cpu"`
	NProc int    `json:"nproc"`
}

// Contender is one way of running the workloads.
type Contender struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Status      string `json:"status"` // ok or absent
	Reason      string `json:"reason,omitempty"`
}

// Workload is one row of the table: its figures under each contender.
type Workload struct {
	Row
	Results map[string]*Cell `json:"results"` // by contender name
}

// Cell is one workload under one contender.
type Cell struct {
	Status  string    `json:"status"`
	Reason  string    `json:"reason,omitempty"`
	Samples []float64 `json:"samples,omitempty"`
	Median  float64   `json:"median,omitempty"`
	Ratio   float64   `json:"ratio,omitempty"` // the median of the per-round ratios to native (see pairedRatio)
}

func newResults(opt Options, scratch string) *Results {
	return &Results{
		Date:        time.Now().UTC().Format(time.RFC3339),
		Machine:     machine(),
		GoVersion:   runtime.Version(),
		Quick:       opt.Quick,
		Repetitions: repetitions(opt.Quick),
		Scratch:     scratch,
	}
}

func (r *Results) addContender(name, desc, reason string) {
	c := &Contender{Name: name, Description: desc, Status: StatusOK, Reason: reason}
	if reason != "" {
		c.Status = StatusAbsent
	}
	r.Contenders = append(r.Contenders, c)
}

func (r *Results) contender(name string) *Contender {
	for _, c := range r.Contenders {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (r *Results) addWorkload(row Row) *Workload {
	w := &Workload{Row: row, Results: map[string]*Cell{}}
	r.Workloads = append(r.Workloads, w)
	return w
}

func (r *Results) cell(workload, contender string) *Cell {
	for _, w := range r.Workloads {
		if w.Name == workload {
			return w.Results[contender]
		}
	}
	return nil
}

// finish computes the medians and the ratios to native.
func (r *Results) finish() {
	for _, w := range r.Workloads {
		for _, c := range w.Results {
			if c.Status == StatusOK {
				c.Median = median(c.Samples)
			}
		}
		base := w.Results[Native]
		for _, c := range w.Results {
			c.Ratio = 0
			if c.Status == StatusOK && base != nil && base.Status == StatusOK {
				c.Ratio = pairedRatio(c.Samples, base.Samples)
			}
		}
	}
}

// WriteJSON writes r to path, through a temporary file renamed into place.
func WriteJSON(path string, r *Results) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(path, append(b, '\n'))
}

func writeFile(path string, b []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// machine describes this machine: uname -a's fields, the CPU model, the
// number of CPUs.
func machine() Machine {
	m := Machine{NProc: runtime.NumCPU(), CPU: cpuModel()}
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		var parts []string
		for _, f := range [][65]int8{u.Sysname, u.Nodename, u.Release, u.Version, u.Machine} {
			parts = append(parts, utsString(f))
		}
		m.Uname = strings.Join(parts, " ")
	}
	return m
}

func utsString(f [65]int8) string {
	b := make([]byte, 0, len(f))
	for _, c := range f {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if k, v, ok := strings.Cut(string(line), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
