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
	"strings"

	"github.com/zvfs/zvfs/fdtable"
	"github.com/zvfs/zvfs/mtab"
)

// Namespace is the mount table of a run and the state shared by every
// process of it.
type Namespace struct {
	tab     *mtab.Table
	served  *fdtable.Table
	rec     *recorder  // nil unless Record was called
	pub     *publisher // nil unless Publish was called
	moves   moveLog    // directory renames and removals (moves.go)
	moving  dirMoving  // directory renames and removals under way (moves.go)
	execs   programs   // the programs processes were given to run from mounts (exec.go)
	handing handing    // descriptors answers handed out, not yet released (handle.go)
}

// New returns a namespace over mounts (mtab.New's rules; a run cannot
// mount over "/").
func New(mounts []*mtab.Mount) (*Namespace, error) {
	for _, m := range mounts {
		if m.Target == "/" {
			return nil, fmt.Errorf("mount %s: a run cannot mount over /", m.Target)
		}
	}
	tab, err := mtab.New(mounts)
	if err != nil {
		return nil, err
	}
	return &Namespace{tab: tab, served: fdtable.New()}, nil
}

// Targets returns the mount targets, longest first.
func (ns *Namespace) Targets() []string { return ns.tab.Targets() }

// Served returns the number of open files the namespace serves now.
func (ns *Namespace) Served() int { return ns.served.Len() }

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
		if m, _ := ns.tab.Lookup(b.String()); m != nil {
			return true
		}
	}
	clean := b.String()
	if clean == "" {
		clean = "/"
	}
	return opens && len(ns.tab.In(clean)) > 0
}
