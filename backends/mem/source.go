// source.go tells how a process may open a regular file by itself, without
// asking the supervisor: by reopening the file's memfd through /proc.

package mem

// DataSource is how to open a regular file without the file system's help:
// reopen Fd, a descriptor of this process (through /proc/PID/fd/Fd), or
// open the host file Host. Dev and Ino are what fstat(2) of such an open
// gives, so that the opener can check it reached the file it meant.
type DataSource struct {
	Fd       int // -1 when Host is set
	Host     string
	Dev, Ino uint64
}

// DataSource returns how to open the regular file name (a final symbolic
// link is not followed); false for anything else. Fd is the file's own
// memfd, valid until the file's last name is removed: a caller that keeps
// it must check the identity of what it opens.
func (fs *FS) DataSource(name string) (DataSource, bool) {
	fs.t.mu.RLock()
	defer fs.t.mu.RUnlock()
	n, e := fs.lookup(name, false)
	if e != 0 || !n.isReg() || n.memfd < 0 {
		return DataSource{}, false
	}
	return DataSource{Fd: n.memfd, Dev: n.key.dev, Ino: n.key.ino}, true
}
