// dirpath.go finds where an open directory is now: after a rename of it
// (or of a directory above it), names relative to it are looked up where
// it went, as the kernel looks them up from the directory itself.

package mem

import (
	"golang.org/x/sys/unix"
)

// Path returns the current path of the open directory f in its FS:
// ENOENT once it was removed, ENOTDIR for another kind of file
// (caps.Pather).
func (f *File) Path() (string, error) {
	f.fs.t.mu.RLock()
	defer f.fs.t.mu.RUnlock()
	n := f.node
	switch {
	case !n.isDir():
		return "", pathErr("path", f.name, unix.ENOTDIR)
	case n.dead:
		return "", pathErr("path", f.name, unix.ENOENT)
	}
	p := ""
	for n != f.fs.t.root {
		parent := n.parent
		name := ""
		for k, c := range parent.entries {
			if c == n {
				name = k
				break
			}
		}
		if name == "" || parent == n {
			return "", pathErr("path", f.name, unix.ENOENT)
		}
		p = "/" + name + p
		n = parent
	}
	if p == "" {
		p = "/"
	}
	return p, nil
}
