// source.go tells how a process may open a regular file by itself, without
// asking the supervisor: by reopening the file's memfd through /proc.

package mem

import "github.com/zvfs/zvfs/backends/caps"

// DataSource is how to open a regular file without the file system's help.
type DataSource = caps.DataSource

// DataSource returns how to open the regular file name (a final symbolic
// link is not followed); false for anything else. Fd is the file's own
// memfd, valid until the file's last name is removed: a caller that keeps
// it must check the identity of what it opens.
func (fs *FS) DataSource(name string) (DataSource, bool) {
	fs.t.mu.RLock()
	defer fs.t.mu.RUnlock()
	n, e := fs.lookup(name, false)
	if e != 0 {
		return DataSource{}, false
	}
	return n.source()
}

// LstatSource is Lstat (LstatMeta with meta) and DataSource of name with
// one lookup (caps.SourceStater).
func (fs *FS) LstatSource(name string, meta bool) (Stat, DataSource, bool, error) {
	fs.t.mu.RLock()
	defer fs.t.mu.RUnlock()
	n, e := fs.lookup(name, false)
	if e != 0 {
		return Stat{}, DataSource{}, false, pathErr("lstat", name, e)
	}
	var st Stat
	if meta {
		st = fs.t.meta(n)
	} else {
		st = fs.t.stat(n, -1)
	}
	src, ok := n.source()
	return st, src, ok, nil
}

// source is DataSource of n.
func (n *inode) source() (DataSource, bool) {
	if !n.isReg() || n.memfd < 0 {
		return DataSource{}, false
	}
	return DataSource{Fd: n.memfd, Dev: n.key.dev, Ino: n.key.ino}, true
}
