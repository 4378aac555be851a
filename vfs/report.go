// report.go records, when asked (--report), what a run did to each mount:
// the paths it read, wrote, created and deleted, and the programs it ran.

package vfs

import (
	"path"
	"sort"
	"sync"

	"github.com/zvfs/zvfs/mtab"
)

// Report is what a run did to its mounts: for each mount target, the paths
// (absolute, as the run saw them) by what was done to them, and the
// programs the run executed. A path created and then written is listed as
// created; one created and deleted in the run is in both lists. For bind
// mounts the kernel does the work, so a call is recorded when zvfs hands it
// over, whether or not it then succeeds.
type Report struct {
	Mounts   map[string]*MountReport `json:"mounts"`
	Programs []string                `json:"programs"`
}

// MountReport lists the paths of one mount by what the run did to them.
type MountReport struct {
	Read    []string `json:"read"`
	Written []string `json:"written"`
	Created []string `json:"created"`
	Deleted []string `json:"deleted"`
}

// What can be done to a path.
const (
	noteRead = iota
	noteWritten
	noteCreated
	noteDeleted
	noteKinds
)

type note struct {
	kind int
	m    *mtab.Mount
	path string
}

// recorder gathers notes while a report is wanted.
type recorder struct {
	mu       sync.Mutex
	paths    map[*mtab.Mount]*[noteKinds]map[string]bool
	programs map[string]bool
}

// Record turns recording on. Call it before the run starts.
func (ns *Namespace) Record() {
	ns.rec = &recorder{paths: map[*mtab.Mount]*[noteKinds]map[string]bool{}, programs: map[string]bool{}}
}

// Recording says whether Record was called.
func (ns *Namespace) Recording() bool { return ns.rec != nil }

// NoteProgram records a program the run executed.
func (ns *Namespace) NoteProgram(p string) {
	if ns.rec == nil || p == "" {
		return
	}
	ns.rec.mu.Lock()
	ns.rec.programs[p] = true
	ns.rec.mu.Unlock()
}

// note records that the call did kind to l, if a report is wanted.
func (h *handler) note(kind int, l loc) {
	if h.ns.rec == nil || l.m == nil {
		return
	}
	p := l.virt
	if l.dot != "" {
		p = path.Join(p, l.dot)
	}
	h.notes = append(h.notes, note{kind, l.m, p})
}

// flush adds the call's notes to the report.
func (h *handler) flush() {
	r := h.ns.rec
	if r == nil || len(h.notes) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range h.notes {
		sets := r.paths[n.m]
		if sets == nil {
			sets = &[noteKinds]map[string]bool{}
			for i := range sets {
				sets[i] = map[string]bool{}
			}
			r.paths[n.m] = sets
		}
		if n.kind == noteWritten && sets[noteCreated][n.path] {
			continue
		}
		sets[n.kind][n.path] = true
	}
}

// Report returns what was recorded so far (nil if recording is off).
func (ns *Namespace) Report() *Report {
	r := ns.rec
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := &Report{Mounts: map[string]*MountReport{}, Programs: sorted(r.programs)}
	for _, m := range ns.tab.Mounts() {
		mr := &MountReport{Read: []string{}, Written: []string{}, Created: []string{}, Deleted: []string{}}
		if sets := r.paths[m]; sets != nil {
			mr.Read, mr.Written = sorted(sets[noteRead]), sorted(sets[noteWritten])
			mr.Created, mr.Deleted = sorted(sets[noteCreated]), sorted(sets[noteDeleted])
		}
		out.Mounts[m.Target] = mr
	}
	return out
}

func sorted(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// mutate is writable (changes refused on read-only mounts, host paths
// handed over) that also records kind for the report.
func (h *handler) mutate(kind int) func(loc, error) (loc, error) {
	return func(l loc, err error) (loc, error) {
		if err == nil && (l.m == nil || !l.m.ReadOnly) {
			h.note(kind, l)
			if kind == noteWritten {
				h.changeOwn(l) // chmod, chown, the utime family, truncate, xattrs
			} else {
				h.change(l)
			}
		}
		return writable(l, err)
	}
}

// noteTwo records rename (the old name deleted, kind1) or link (-1: the
// old name untouched): the new name is created.
func (h *handler) noteTwo(kind1 int, l1, l2 loc, err error) {
	if _, host := err.(hostAnswer); err != nil && !host {
		return
	}
	if kind1 >= 0 {
		h.note(kind1, l1)
	}
	h.note(noteCreated, l2)
	h.change(l1) // a link's old name has one more link
	h.change(l2)
}
