// file.go holds File, the afero.File of this package. A regular file's I/O
// goes through its own kernel descriptor of the inode's memfd; a directory's
// listing is read from the tree, sorted by name.

package mem

import (
	"io"
	"os"
	"runtime"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// File is an open file of an FS, returned by Open, OpenFile, Create and
// OpenData. For a regular file it wraps a descriptor of its own, opened on
// the file's memfd with the flags of the open, so reads, writes, seeks and
// O_APPEND are the kernel's. For a directory it lists the entries sorted by
// name. Its Chmod, Chown, Utimens and Touch are the f* forms of the FS's
// path operations, judged with the credentials of the view it came from.
type File struct {
	fs   *FS
	name string
	node *inode

	// Regular files (regular is set): fd is the File's descriptor of the
	// data, its own, or one it borrows (borrowed: the caller keeps fd open
	// while it uses the File, and Close leaves it open). os wraps a
	// descriptor of the data for reads, writes and seeks, made by the first
	// of them: most Files of the supervisor only hand fd to a process, and
	// os.NewFile costs a system call. fdMu keeps fd from being closed
	// while a call uses it; fdClosed is set by Close.
	regular  bool
	borrowed bool
	fd       int
	fdMu     sync.Mutex
	fdClosed bool
	os       *os.File
	cleanup  runtime.Cleanup

	// Directories.
	mu     sync.Mutex
	closed bool
	cur    linuxvfs.Cursor
}

// Name returns the name the file was opened with.
func (f *File) Name() string { return f.name }

// Fd returns the file's own descriptor of the memfd for a regular file, and
// ^uintptr(0) for a directory. It stays owned by the File and is valid
// until Close.
func (f *File) Fd() uintptr {
	if !f.regular {
		return ^uintptr(0)
	}
	return uintptr(f.fd)
}

// osFile returns the os.File of a regular File, made at the first call:
// on fd itself, which it then owns, or on a duplicate of a borrowed one.
func (f *File) osFile(op string) (*os.File, error) {
	f.fdMu.Lock()
	defer f.fdMu.Unlock()
	if f.fdClosed {
		return nil, pathErr(op, f.name, os.ErrClosed)
	}
	if f.os == nil {
		fd := f.fd
		if f.borrowed {
			d, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
			if err != nil {
				return nil, pathErr(op, f.name, err)
			}
			fd = d
		} else {
			f.cleanup.Stop() // the os.File closes fd from now on
		}
		f.os = os.NewFile(uintptr(fd), f.name)
	}
	return f.os, nil
}

// withFd runs call with a descriptor of the regular File's data, kept
// from being closed meanwhile; os.ErrClosed once the File is closed.
func (f *File) withFd(op string, call func(fd int)) error {
	f.fdMu.Lock()
	if f.fdClosed {
		f.fdMu.Unlock()
		return pathErr(op, f.name, os.ErrClosed)
	}
	if o := f.os; o != nil {
		f.fdMu.Unlock()
		rc, err := o.SyscallConn()
		if err != nil {
			return pathErr(op, f.name, err)
		}
		if err := rc.Control(func(fd uintptr) { call(int(fd)) }); err != nil {
			return pathErr(op, f.name, os.ErrClosed)
		}
		return nil
	}
	defer f.fdMu.Unlock()
	call(f.fd)
	return nil
}

// DataFd returns Fd for a regular file whose data is its memfd (false
// for a directory): every open of the file shares that data.
func (f *File) DataFd() (int, bool) {
	if !f.regular {
		return -1, false
	}
	return f.fd, true
}

// DataID is the kernel's identity of a regular file's data, its memfd's
// (caps.DataIDer).
func (f *File) DataID() (dev, ino uint64, ok bool) {
	if !f.regular {
		return 0, 0, false
	}
	return f.node.key.dev, f.node.key.ino, true
}

// dirErr is the error of a data operation on a directory.
func (f *File) dirErr(op string, e unix.Errno) error {
	f.mu.Lock()
	closed := f.closed
	f.mu.Unlock()
	if closed {
		return pathErr(op, f.name, os.ErrClosed)
	}
	return pathErr(op, f.name, e)
}

// Read reads up to len(b) bytes; EISDIR on a directory.
func (f *File) Read(b []byte) (int, error) {
	if !f.regular {
		return 0, f.dirErr("read", unix.EISDIR)
	}
	if len(b) == 0 {
		return 0, f.empty("read", func(fd int) error { _, err := unix.Read(fd, nil); return err })
	}
	o, err := f.osFile("read")
	if err != nil {
		return 0, err
	}
	return o.Read(b)
}

// empty makes a zero-length transfer reach the kernel, which still checks
// the descriptor (EBADF on a file not open for it), where os.File would
// answer without asking.
func (f *File) empty(op string, call func(fd int) error) error {
	var cerr error
	if err := f.withFd(op, func(fd int) { cerr = call(fd) }); err != nil {
		return err
	}
	if cerr != nil {
		return pathErr(op, f.name, cerr)
	}
	return nil
}

// ReadAt reads len(b) bytes at offset off, like os.File.ReadAt.
func (f *File) ReadAt(b []byte, off int64) (int, error) {
	if !f.regular {
		return 0, f.dirErr("read", unix.EISDIR)
	}
	if len(b) == 0 && off >= 0 {
		return 0, f.empty("read", func(fd int) error { _, err := unix.Pread(fd, nil, off); return err })
	}
	o, err := f.osFile("read")
	if err != nil {
		return 0, err
	}
	return o.ReadAt(b, off)
}

// Write writes b; on a file opened with O_APPEND each write goes to the end
// atomically. EBADF on a directory (always open read-only).
func (f *File) Write(b []byte) (int, error) {
	if !f.regular {
		return 0, f.dirErr("write", unix.EBADF)
	}
	o, err := f.osFile("write")
	if err != nil {
		return 0, err
	}
	n, err := o.Write(b)
	if n > 0 {
		f.wrote()
	}
	return n, err
}

// wrote takes the set-user-ID bits away after a write or truncation by a
// user (see dropPrivs): the kernel judges the File's writes by the
// privileges of this process, not the view's. Writes through other
// descriptors of the memfd do not come here; the kernel judges those (see
// mirror).
func (f *File) wrote() {
	c := &f.fs.cred
	if c.root() {
		return
	}
	t := f.fs.t
	t.mu.RLock()
	drop := c.hasPrivsToDrop(f.node)
	t.mu.RUnlock()
	if drop {
		// setattr keeps the descriptor from being closed meanwhile.
		f.setattr("write", func(n *inode, fd int) error {
			c.dropPrivs(n, fd)
			return nil
		})
	}
}

// WriteAt writes b at offset off with pwrite(2). As in Linux (and unlike
// os.File, which refuses), on a file opened with O_APPEND the data goes to
// the end of the file whatever off says.
func (f *File) WriteAt(b []byte, off int64) (int, error) {
	if !f.regular {
		return 0, f.dirErr("write", unix.EBADF)
	}
	if off < 0 {
		return 0, pathErr("write", f.name, unix.EINVAL)
	}
	o, err := f.osFile("write")
	if err != nil {
		return 0, err
	}
	rc, err := o.SyscallConn()
	if err != nil {
		return 0, pathErr("write", f.name, err)
	}
	n := 0
	var werr error
	cerr := rc.Write(func(fd uintptr) bool {
		for len(b) > 0 {
			m, e := unix.Pwrite(int(fd), b, off)
			switch {
			case e == unix.EINTR:
				continue
			case e != nil:
				werr = e
				return true
			case m == 0:
				werr = io.ErrShortWrite
				return true
			}
			n += m
			b = b[m:]
			off += int64(m)
		}
		return true
	})
	if n > 0 {
		f.wrote()
	}
	if cerr != nil {
		return n, pathErr("write", f.name, os.ErrClosed)
	}
	if werr != nil {
		return n, pathErr("write", f.name, werr)
	}
	return n, nil
}

// WriteString writes s.
func (f *File) WriteString(s string) (int, error) {
	return f.Write([]byte(s))
}

// Seek sets the offset for the next Read or Write. A directory can only be
// rewound (Seek(0, io.SeekStart)) or asked for its offset (0, io.SeekCurrent
// gives 0 before Readdir and 1 after).
func (f *File) Seek(offset int64, whence int) (int64, error) {
	if f.regular {
		o, err := f.osFile("seek")
		if err != nil {
			return 0, err
		}
		return o.Seek(offset, whence)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, pathErr("seek", f.name, os.ErrClosed)
	}
	off, e := f.cur.Lseek(offset, whence)
	if e != 0 {
		return 0, pathErr("seek", f.name, e)
	}
	return off, nil
}

// Sync does nothing but report a closed file: the data is in memory.
func (f *File) Sync() error {
	if f.regular {
		o, err := f.osFile("sync")
		if err != nil {
			return err
		}
		return o.Sync()
	}
	return f.checkOpen("sync")
}

// Truncate changes the size of a regular file opened for writing (EINVAL
// otherwise, as ftruncate(2)).
func (f *File) Truncate(size int64) error {
	if f.regular {
		o, err := f.osFile("truncate")
		if err != nil {
			return err
		}
		err = o.Truncate(size)
		if err == nil {
			f.wrote()
		}
		return err
	}
	return f.dirErr("truncate", unix.EINVAL)
}

// Close closes the file. Closing twice gives an error wrapping
// os.ErrClosed.
func (f *File) Close() error {
	if f.regular {
		f.fdMu.Lock()
		if f.fdClosed {
			f.fdMu.Unlock()
			return pathErr("close", f.name, os.ErrClosed)
		}
		f.fdClosed = true
		o := f.os
		f.fdMu.Unlock()
		switch {
		case o != nil:
			return o.Close()
		case f.borrowed:
			return nil
		}
		f.cleanup.Stop()
		if err := unix.Close(f.fd); err != nil {
			return pathErr("close", f.name, err)
		}
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return pathErr("close", f.name, os.ErrClosed)
	}
	f.closed = true
	return nil
}

func (f *File) checkOpen(op string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return pathErr(op, f.name, os.ErrClosed)
	}
	return nil
}

// Stat returns the FileInfo of the open file, even after its last name was
// removed (Nlink is then 0). Its Sys method returns a *Stat.
func (f *File) Stat() (os.FileInfo, error) {
	if !f.regular {
		if err := f.checkOpen("stat"); err != nil {
			return nil, err
		}
		return f.stat(-1), nil
	}
	var fi os.FileInfo
	if err := f.withFd("stat", func(fd int) { fi = f.stat(fd) }); err != nil {
		return nil, err
	}
	return fi, nil
}

func (f *File) stat(fd int) os.FileInfo {
	f.fs.t.mu.RLock()
	defer f.fs.t.mu.RUnlock()
	return &fileInfo{name: linuxvfs.BaseName(f.name), st: f.fs.t.stat(f.node, fd)}
}

// Readdir returns the FileInfo (as Lstat would give) of up to n entries of
// a directory, sorted by name, continuing where the last call stopped.
// Names added behind the position are not seen; once the end is reached,
// nothing more is returned until Seek(0, io.SeekStart), as on tmpfs. With
// n <= 0 it returns all remaining entries and a nil error; with n > 0 it
// returns io.EOF at the end. A directory removed since the open gives
// ENOENT, as getdents(2) does.
func (f *File) Readdir(n int) ([]os.FileInfo, error) {
	var infos []os.FileInfo
	err := f.readdir(n, "readdir", func(name string, node *inode) {
		infos = append(infos, &fileInfo{name: name, st: f.fs.t.stat(node, -1)})
	})
	return infos, err
}

// Readdirnames is Readdir returning only names.
func (f *File) Readdirnames(n int) ([]string, error) {
	var names []string
	err := f.readdir(n, "readdirnames", func(name string, _ *inode) {
		names = append(names, name)
	})
	return names, err
}

func (f *File) readdir(n int, op string, emit func(string, *inode)) error {
	if f.regular {
		return pathErr(op, f.name, unix.ENOTDIR)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return pathErr(op, f.name, os.ErrClosed)
	}
	f.fs.t.mu.RLock()
	defer f.fs.t.mu.RUnlock()
	dir := f.node
	if dir.dead {
		return pathErr(op, f.name, unix.ENOENT)
	}
	names := dir.sortedNames()
	count := f.cur.Read(n, len(names), func(i int) string { return names[i] },
		func(i int) { emit(names[i], dir.entries[names[i]]) })
	if n > 0 && count == 0 {
		return io.EOF
	}
	return nil
}

// Dirent is a directory entry as getdents(2) reports it.
type Dirent = caps.Dirent

// Dirents returns every entry of the open directory f, sorted by name,
// without "." and "..", whatever the position of Readdir. It reads the tree
// only (no fstat of the files' data), which makes it much cheaper than
// Readdir for a listing that needs no sizes. The slice is the directory's
// cached listing, shared until the directory changes: callers do not
// change it.
func (f *File) Dirents() ([]Dirent, error) {
	if f.regular {
		return nil, pathErr("getdents", f.name, unix.ENOTDIR)
	}
	f.mu.Lock()
	closed := f.closed
	f.mu.Unlock()
	if closed {
		return nil, pathErr("getdents", f.name, os.ErrClosed)
	}
	f.fs.t.mu.RLock()
	defer f.fs.t.mu.RUnlock()
	dir := f.node
	if dir.dead {
		return nil, pathErr("getdents", f.name, unix.ENOENT)
	}
	return f.fs.t.listing(dir), nil
}
