// Package mtab is the mount table of a run: which backend answers for
// which absolute path, and how a user sees it. The system-call handlers
// (package vfs), the FUSE door (package fusefs) and the view that vfs
// publishes all find a path's mount here, so the rules of targets (clean,
// absolute, distinct; the longest match wins) are written once.
package mtab

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Mount is one entry of the table.
type Mount struct {
	// Target is the absolute, clean path the mount is seen at.
	Target string
	// FS is the backend. Nil for a bind mount. One that is a caps.Viewer
	// is seen by each user other than root through its view for them;
	// another is the same for everyone.
	FS afero.Fs
	// HostDir is the host directory of a bind mount: paths under Target
	// are that directory's, and the kernel answers for them.
	HostDir string
	// ReadOnly makes every change fail with EROFS.
	ReadOnly bool

	index int // position in the list New was given
}

// As returns m's backend as w sees it.
func (m *Mount) As(w linuxvfs.Who) afero.Fs {
	if v, ok := m.FS.(caps.Viewer); ok && w.Uid != 0 {
		return v.As(w)
	}
	return m.FS
}

// Index is m's position in the list the table was made from (the command
// line's order): what tells its files apart from other mounts' where a
// number must (device numbers, inode numbers across mounts).
func (m *Mount) Index() int { return m.index }

// Table is the mount table. It does not change once made.
type Table struct {
	mounts []*Mount // longest target first
}

// New makes a table of mounts. Targets must be clean, absolute and
// distinct, and each mount needs exactly one of a backend and a host
// directory.
func New(mounts []*Mount) (*Table, error) {
	t := &Table{}
	seen := map[string]bool{}
	for i, m := range mounts {
		if !path.IsAbs(m.Target) || path.Clean(m.Target) != m.Target {
			return nil, fmt.Errorf("mount %s: target must be a clean absolute path", m.Target)
		}
		if seen[m.Target] {
			return nil, fmt.Errorf("mount %s: mounted twice", m.Target)
		}
		if (m.FS == nil) == (m.HostDir == "") {
			return nil, fmt.Errorf("mount %s: needs exactly one of a backend and a host directory", m.Target)
		}
		seen[m.Target] = true
		m.index = i
		t.mounts = append(t.mounts, m)
	}
	sort.SliceStable(t.mounts, func(i, j int) bool { return len(t.mounts[i].Target) > len(t.mounts[j].Target) })
	return t, nil
}

// Mounts returns the mounts, longest target first. Callers do not change
// the slice.
func (t *Table) Mounts() []*Mount { return t.mounts }

// Targets returns the mount targets, longest first.
func (t *Table) Targets() []string {
	targets := make([]string, len(t.mounts))
	for i, m := range t.mounts {
		targets[i] = m.Target
	}
	return targets
}

// Lookup returns the mount that the clean absolute path p lies in, and
// p's path inside it ("" for its root); nil if none.
func (t *Table) Lookup(p string) (*Mount, string) {
	for _, m := range t.mounts {
		switch {
		case p == m.Target:
			return m, ""
		case m.Target == "/":
			return m, p[1:]
		case strings.HasPrefix(p, m.Target) && p[len(m.Target)] == '/':
			return m, p[len(m.Target)+1:]
		}
	}
	return nil, ""
}

// In returns the names, in the clean absolute directory dir, of the
// mounts whose targets are directly inside it: the names a listing of dir
// shows beside its own.
func (t *Table) In(dir string) []string {
	var names []string
	for _, m := range t.mounts {
		if m.Target != "/" && path.Dir(m.Target) == dir {
			names = append(names, path.Base(m.Target))
		}
	}
	return names
}

// Leading returns the names in the clean absolute directory dir that lead
// to mount targets at any depth, each once: the names of a tree made of
// the mounts alone, where a directory that only leads to targets exists
// too (zvfs fuse's).
func (t *Table) Leading(dir string) []string {
	prefix := strings.TrimSuffix(dir, "/") + "/"
	var names []string
	seen := map[string]bool{}
	for _, m := range t.mounts {
		if m.Target == "/" || !strings.HasPrefix(m.Target, prefix) {
			continue
		}
		name, _, _ := strings.Cut(m.Target[len(prefix):], "/")
		if !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names
}

// Holds says whether some mount target is the clean absolute directory
// dir or lies below it.
func (t *Table) Holds(dir string) bool {
	for _, m := range t.mounts {
		if m.Target == dir || dir == "/" || strings.HasPrefix(m.Target, dir+"/") {
			return true
		}
	}
	return false
}
