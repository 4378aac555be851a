// open.go holds OpenFile and its shortcuts Open and Create: the open(2)
// rules for O_CREAT, O_EXCL, O_TRUNC, O_NOFOLLOW, O_DIRECTORY and
// O_TMPFILE, creation through dangling symbolic links, and the access
// checks of may_open.

package mem

import (
	"os"
	"runtime"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Create creates or truncates name for reading and writing (mode 0666), like
// os.Create.
func (fs *FS) Create(name string) (afero.File, error) {
	return fs.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0666)
}

// Open opens name for reading, like os.Open.
func (fs *FS) Open(name string) (afero.File, error) {
	return fs.OpenFile(name, os.O_RDONLY, 0)
}

// OpenFile opens name with the open(2) flags flag (os.O_* or unix.O_*);
// perm gives the permission bits of a file it creates. The result is a
// *File. O_PATH is not supported (EINVAL).
//
// With unix.O_TMPFILE (and O_WRONLY or O_RDWR), name is a directory and
// OpenFile creates an unnamed regular file in it, as tmpfs does: link
// count 0, owner, group and mode as for a file created in name, no
// change to the directory. Unless O_EXCL was given too, LinkData can give
// it a name later. EINVAL for O_RDONLY or O_CREAT with O_TMPFILE,
// ENOTDIR if name is not a directory, EACCES without write and search
// permission on it.
//
// A FIFO or a device opens its host node (special.go) with flag, which
// may wait, as on the host, for a FIFO's other end; the result is then an
// *os.File. A socket file is ENXIO.
func (fs *FS) OpenFile(name string, flag int, perm os.FileMode) (afero.File, error) {
	f, err := fs.openFile(fs.t.root, name, flag, perm)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	if isSpecial(f.node.mode) {
		return fs.openSpecial(f.node, name, flag)
	}
	return f, nil
}

// openFile opens name relative to the directory start, as openat(2).
func (fs *FS) openFile(start *inode, name string, flag int, perm os.FileMode) (*File, error) {
	if e := linuxvfs.CheckPath(name); e != 0 {
		return nil, pathErr("open", name, e)
	}
	switch {
	case flag&oTmpfile != 0:
		// build_open_flags: O_TMPFILE needs O_DIRECTORY and no O_CREAT
		// (part of unix.O_TMPFILE, as the kernel spells it), and write
		// access; it is not one of the flags O_PATH allows.
		if flag&(unix.O_TMPFILE|unix.O_CREAT) != unix.O_TMPFILE || flag&unix.O_ACCMODE == unix.O_RDONLY ||
			flag&unix.O_PATH != 0 {
			return nil, pathErr("open", name, unix.EINVAL)
		}
		return fs.openTmpfile(start, name, flag, perm)
	case flag&unix.O_PATH != 0:
		return nil, pathErr("open", name, unix.EINVAL)
	case flag&(unix.O_CREAT|unix.O_DIRECTORY) == unix.O_CREAT|unix.O_DIRECTORY:
		return nil, pathErr("open", name, unix.EINVAL)
	}
	// Creating changes the tree, and so does a truncation by a user, which
	// may take away set-user-ID bits.
	if flag&unix.O_CREAT != 0 || flag&unix.O_TRUNC != 0 && !fs.cred.root() {
		fs.t.mu.lockExact()
		defer fs.t.mu.Unlock()
	} else {
		fs.t.mu.RLock()
		defer fs.t.mu.RUnlock()
	}
	n, created, e := fs.openLookup(start, name, flag, linuxvfs.PermBits(perm))
	if e == 0 {
		e = fs.mayOpen(n, -1, flag, created != nil)
	}
	if e != 0 {
		return nil, pathErr("open", name, e)
	}
	f := &File{fs: fs, name: name, node: n, fd: -1}
	if n.isReg() {
		if flag&unix.O_TRUNC != 0 && created == nil {
			if err := ftruncate(n.memfd, 0); err != nil {
				return nil, pathErr("open", name, err)
			}
			fs.cred.dropPrivs(n, -1)
		}
		var fd int
		var err error
		if created != nil {
			fd, err = created.data.openFor(flag)
		} else {
			fd, err = reopen(n.memfd, flag)
		}
		if err != nil {
			if created != nil {
				// Out of descriptors (EMFILE): the open fails, so the file
				// must not stay behind.
				t := now()
				fs.t.remove(created.dir, created.name)
				created.dir.touch(t)
				fs.t.dropLink(n, t)
			}
			return nil, pathErr("open", name, err)
		}
		return fs.regular(name, n, fd, flag), nil
	}
	return f, nil
}

// regular is the File of an open of the regular file n, with fd its own
// descriptor of the file's data, closed with it (or when it is dropped
// unclosed, as an os.File's would be). flag is the open's: one for
// writing hands fd's holder the right to set n's permission bits on the
// data (see liveMode); -1 for a File that is no new open.
func (fs *FS) regular(name string, n *inode, fd, flag int) *File {
	if flag >= 0 && flag&unix.O_ACCMODE != unix.O_RDONLY && !n.written.Load() {
		n.written.Store(true)
	}
	f := &File{fs: fs, name: name, node: n, fd: fd, regular: true}
	f.cleanup = runtime.AddCleanup(f, closeFd, fd)
	return f
}

// borrowedRegular is the File of the regular file n on fd, a descriptor
// of its data that the caller keeps open while it uses the File.
func (fs *FS) borrowedRegular(name string, n *inode, fd int) *File {
	return &File{fs: fs, name: name, node: n, fd: fd, regular: true, borrowed: true}
}

func closeFd(fd int) { unix.Close(fd) }

// oTmpfile is the kernel's __O_TMPFILE: unix.O_TMPFILE without the
// O_DIRECTORY that is part of it.
const oTmpfile = unix.O_TMPFILE &^ unix.O_DIRECTORY

// openTmpfile is the kernel's do_tmpfile and vfs_tmpfile with tmpfs's
// shmem_tmpfile: it makes an unnamed regular file in the directory name
// (flag has been checked by openFile). The inode gets no memfd of its own
// until LinkData names it: like an unlinked one, it lives as long as
// descriptors of its data do.
func (fs *FS) openTmpfile(start *inode, name string, flag int, perm os.FileMode) (*File, error) {
	fs.t.mu.Lock()
	defer fs.t.mu.Unlock()
	w := fs.walker()
	dir, e := w.Resolve(start, name, flag&unix.O_NOFOLLOW == 0)
	switch {
	case e != 0:
	case !dir.isDir():
		e = unix.ENOTDIR
	case !fs.cred.permitted(dir, mayWrite|mayExec):
		e = unix.EACCES
	}
	if e != 0 {
		return nil, pathErr("open", name, e)
	}
	b, err := makeBlank(-1)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	memfd, key := b.memfd, b.key
	defer unix.Close(memfd)
	fd, err := reopen(memfd, flag&^oTmpfile)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	n := fs.makeInode(dir, unix.S_IFREG|linuxvfs.PermBits(perm)&07777)
	n.nlink = 0
	n.linkable, n.key = flag&unix.O_EXCL == 0, key
	mirror(n, memfd)
	fs.t.nextIno++ // numbered, but not counted among the inodes with a name
	n.ino = fs.t.nextIno
	fs.t.data[key] = n
	fs.t.orphaned(n) // nameless from the start
	return fs.regular(name, n, fd, flag), nil
}

// openLookup finds or creates the inode that open(2) of name with flag
// works on. It follows a final symbolic link unless O_NOFOLLOW (or O_EXCL
// with O_CREAT) is set; with O_CREAT it does so by walking the link's
// target with the same flags, so a dangling link creates its target.
func (fs *FS) openLookup(start *inode, name string, flag int, perm uint32) (n *inode, created *dirent, e unix.Errno) {
	creat := flag&unix.O_CREAT != 0
	excl := creat && flag&unix.O_EXCL != 0
	follow := flag&unix.O_NOFOLLOW == 0 && !excl
	w := fs.walker()
	p := name
	for {
		dir, last, typ, slash, e := w.Parent(start, p)
		if e != 0 {
			return nil, nil, e
		}
		if typ != linuxvfs.LastNorm {
			n, e := w.Last(dir, last, typ, slash, true)
			return n, nil, e
		}
		if !creat {
			n, e := w.Last(dir, last, typ, slash, follow)
			return n, nil, e
		}
		if slash {
			return nil, nil, unix.EISDIR
		}
		if len(last) > linuxvfs.NameMax {
			return nil, nil, unix.ENAMETOOLONG
		}
		n = dir.lookup(last)
		switch {
		case n == nil:
			if e := fs.cred.mayCreate(dir); e != 0 {
				return nil, nil, e
			}
			n, b, err := fs.newFile(dir, last, perm&07777, flag)
			if err != nil {
				return nil, nil, errnoOf(err)
			}
			return n, &dirent{dir, last, b}, 0
		case n.isLink() && follow:
			t, e := w.Target(n)
			if e != 0 {
				return nil, nil, e
			}
			start, p = dir, t
		default:
			return n, nil, 0
		}
	}
}

// mayOpen is the end of the kernel's do_open and may_open: the checks made
// on the inode found. fd is a descriptor of n's data for a file that may
// have no name left (see liveMode), or -1.
func (fs *FS) mayOpen(n *inode, fd, flag int, created bool) unix.Errno {
	if flag&unix.O_CREAT != 0 {
		if flag&unix.O_EXCL != 0 && !created {
			return unix.EEXIST
		}
		if n.isDir() {
			return unix.EISDIR
		}
	}
	if flag&unix.O_DIRECTORY != 0 && !n.isDir() {
		return unix.ENOTDIR
	}
	if created {
		return 0 // no access check on a file one has just created
	}
	acc := linuxvfs.OpenAccess(flag)
	switch {
	case n.isLink():
		return unix.ELOOP
	case n.isDir() && acc&mayWrite != 0:
		return unix.EISDIR
	}
	if !fs.cred.permittedData(n, fd, acc) {
		return unix.EACCES
	}
	if flag&unix.O_NOATIME != 0 && !fs.cred.ownerOrRoot(n) {
		return unix.EPERM
	}
	return 0
}

// dirent names a directory entry: the one an open created, with the
// blank its data came from (whose ready reopens the open may use).
type dirent struct {
	dir  *inode
	name string
	data blank
}

// reopen gives an open of a regular file its own descriptor of the memfd,
// with its own offset and the access mode and status flags asked for, so
// that O_APPEND is done by the kernel.
func reopen(memfd, flag int) (int, error) {
	return linuxvfs.Reopen(memfd, flag&^reopenIgnores)
}

// reopenIgnores is the open flags a reopen of a memfd leaves out: those
// that were the lookup's business, and O_NONBLOCK and O_NOATIME, which
// mean nothing for one.
const reopenIgnores = unix.O_CREAT | unix.O_EXCL | unix.O_TRUNC | unix.O_NOFOLLOW |
	unix.O_DIRECTORY | unix.O_NOCTTY | unix.O_NONBLOCK | unix.O_NOATIME

func ftruncate(fd int, size int64) error {
	for {
		err := unix.Ftruncate(fd, size)
		if err != unix.EINTR {
			return err
		}
	}
}

// errnoOf is linuxvfs.ErrnoOf.
func errnoOf(err error) unix.Errno { return linuxvfs.ErrnoOf(err) }
