// Package vfs is zvfs's namespace: the mount table, path resolution (the
// working directory, directory descriptors, "..", symbolic links and mount
// crossings) and the handlers that turn a hooked file-system call into calls
// on a backend.
//
// A call reaches Handle as the stub sent it: the system call number, its
// six arguments, its paths already made absolute against the process's
// working directory (or relative to a virtual directory descriptor, which
// travels with the call), and the descriptors it names. Handle resolves the
// paths component by component, so symbolic links inside a mount are
// followed with the namespace's root (an absolute target "/data/x" means
// the mount's x, and a target leading out of the mount lands on the host);
// it then answers from the backend, reading and writing the caller's memory
// for buffers, or tells the stub to issue the call on the host after all.
package vfs

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/fdtable"
)

// Cred is who makes a call: the effective user and group IDs and the
// supplementary groups, as the kernel reported them for the connection.
type Cred struct {
	Uid, Gid uint32
	Groups   []uint32
}

// Mount is one entry of the mount table.
type Mount struct {
	// Target is the absolute, clean path the mount is seen at.
	Target string
	// FS is the backend. Nil for a bind mount.
	FS afero.Fs
	// View, if set, returns the backend as seen by one user, with its
	// permission checks; otherwise FS is used for everyone.
	View func(Cred) afero.Fs
	// HostDir is the host directory of a bind mount: paths under Target
	// are that directory's, and the kernel answers for them.
	HostDir string
	// ReadOnly makes every change fail with EROFS.
	ReadOnly bool

	dev uint64 // device number reported for files of backends that have none
}

// Namespace is the mount table of a run and the state shared by every
// process of it.
type Namespace struct {
	mounts []*Mount // longest target first
	served *fdtable.Table
	rec    *recorder  // nil unless Record was called
	pub    *publisher // nil unless Publish was called
	moves  moveLog    // directory renames and removals (moves.go)
}

// New returns a namespace over mounts. Targets must be absolute and
// distinct.
func New(mounts []*Mount) (*Namespace, error) {
	ns := &Namespace{served: fdtable.New()}
	seen := map[string]bool{}
	for i, m := range mounts {
		if !path.IsAbs(m.Target) || path.Clean(m.Target) != m.Target || m.Target == "/" {
			return nil, fmt.Errorf("mount %s: target must be a clean absolute path other than /", m.Target)
		}
		if seen[m.Target] {
			return nil, fmt.Errorf("mount %s: mounted twice", m.Target)
		}
		if (m.FS == nil) == (m.HostDir == "") {
			return nil, fmt.Errorf("mount %s: needs exactly one of a backend and a host directory", m.Target)
		}
		seen[m.Target] = true
		m.dev = uint64(0x7b00 + i)
		ns.mounts = append(ns.mounts, m)
	}
	sort.SliceStable(ns.mounts, func(i, j int) bool { return len(ns.mounts[i].Target) > len(ns.mounts[j].Target) })
	return ns, nil
}

// Targets returns the mount targets, longest first.
func (ns *Namespace) Targets() []string {
	t := make([]string, len(ns.mounts))
	for i, m := range ns.mounts {
		t[i] = m.Target
	}
	return t
}

// Served returns the number of open files the namespace serves now.
func (ns *Namespace) Served() int { return ns.served.Len() }

// mountOf returns the mount that clean absolute path p lies in, and p's
// path inside it ("" for its root).
func (ns *Namespace) mountOf(p string) (*Mount, string) {
	for _, m := range ns.mounts {
		if p == m.Target {
			return m, ""
		}
		if strings.HasPrefix(p, m.Target) && p[len(m.Target)] == '/' {
			return m, p[len(m.Target)+1:]
		}
	}
	return nil, ""
}

// mountsIn returns the names, in directory dir, of the mounts whose
// targets are directly inside it.
func (ns *Namespace) mountsIn(dir string) []string {
	var names []string
	for _, m := range ns.mounts {
		if path.Dir(m.Target) == dir {
			names = append(names, path.Base(m.Target))
		}
	}
	return names
}

// fs returns m's backend as c sees it.
func (m *Mount) fs(c Cred) afero.Fs {
	if m.View != nil {
		return m.View(c)
	}
	return m.FS
}

// Serves says whether fd, a descriptor of ours (a copy of a process's),
// is the placeholder of an open file the namespace serves.
func (ns *Namespace) Serves(fd int) bool { return ns.served.Lookup(fd) != nil }

// Concerns says whether the absolute path p must be looked up in the
// namespace rather than by the kernel, as the stub decides for a path it
// is given: some prefix of its lexical form lies in a mount ("/data/.."
// too: /data is not the host's), or, for an open, it is the directory a
// mount point is in (its listing shows the mount point).
func (ns *Namespace) Concerns(p string, opens bool) bool {
	var b strings.Builder
	for _, c := range strings.Split(p, "/") {
		switch c {
		case "", ".":
			continue
		case "..":
			s := b.String()
			b.Reset()
			b.WriteString(s[:max(strings.LastIndexByte(s, '/'), 0)])
			continue
		}
		b.WriteByte('/')
		b.WriteString(c)
		if m, _ := ns.mountOf(b.String()); m != nil {
			return true
		}
	}
	clean := b.String()
	if clean == "" {
		clean = "/"
	}
	return opens && len(ns.mountsIn(clean)) > 0
}
