// special.go holds the special files: FIFOs, character and block devices
// and socket files, made with Mknod. The tree keeps their names and
// attributes like any inode's; what an open reaches is a node of the same
// kind on the host (HostNode), made when first asked for, in a directory
// of the FS's own that only its owner may list, so that the kernel gives a
// FIFO its blocking opens and pipe buffer, and a device its driver.

package mem

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// isSpecial says whether mode is that of a FIFO, a device or a socket.
func isSpecial(mode uint32) bool {
	switch mode & unix.S_IFMT {
	case unix.S_IFIFO, unix.S_IFCHR, unix.S_IFBLK, unix.S_IFSOCK:
		return true
	}
	return false
}

// Mknod makes name a special file, as mknod(2): mode holds the type
// (S_IFIFO, S_IFCHR, S_IFBLK or S_IFSOCK) and the permission bits (no umask
// is applied), dev the device number of a device. EEXIST if name exists;
// EPERM for a device unless the FS acts as root (CAP_MKNOD).
func (fs *FS) Mknod(name string, mode uint32, dev uint64) error {
	if e := fs.mknod(name, mode, dev); e != 0 {
		return pathErr("mknod", name, e)
	}
	return nil
}

func (fs *FS) mknod(name string, mode uint32, dev uint64) unix.Errno {
	if e := linuxvfs.CheckPath(name); e != 0 {
		return e
	}
	if !isSpecial(mode) {
		return unix.EINVAL
	}
	typ := mode & unix.S_IFMT
	if (typ == unix.S_IFCHR || typ == unix.S_IFBLK) && fs.cred.Uid != 0 {
		return unix.EPERM
	}
	fs.t.mu.lockExact()
	defer fs.t.mu.Unlock()
	w := fs.walker()
	dir, last, e := w.CreateTarget(name, false)
	if e != 0 {
		return e
	}
	if e := fs.cred.mayCreate(dir); e != 0 {
		return e
	}
	n, err := fs.newInode(dir, last, typ|mode&07777)
	if err != nil {
		return errnoOf(err)
	}
	if typ == unix.S_IFCHR || typ == unix.S_IFBLK {
		n.rdev = dev
	}
	return 0
}

// HostNode returns the host node that opens of the special file name (a
// FIFO or a device; not followed if a symbolic link) reach, making it the
// first time: every open of the same inode reaches the same node, whatever
// name it was opened by. It checks nothing about the caller: the node is
// mode 0666 in a directory others cannot list, and who may open the file
// is decided by its mode here. For a socket file it is the path a socket
// is bound to to serve it (the bind makes it); EINVAL for any other kind
// of file.
func (fs *FS) HostNode(name string) (string, error) {
	fs.t.mu.Lock()
	defer fs.t.mu.Unlock()
	n, e := fs.lookup(name, false)
	if e != 0 {
		return "", pathErr("open", name, e)
	}
	p, e := fs.t.hostNode(n)
	if e != 0 {
		return "", pathErr("open", name, e)
	}
	return p, nil
}

// hostNode is HostNode for the inode n, under the tree's write lock.
func (t *tree) hostNode(n *inode) (string, unix.Errno) {
	if !isSpecial(n.mode) {
		return "", unix.EINVAL
	}
	if n.host != "" {
		return n.host, 0
	}
	if t.nodes == "" {
		dir, err := os.MkdirTemp("", "zvfs-nodes-")
		if err != nil {
			return "", errnoOf(err)
		}
		if err := os.Chmod(dir, 0o711); err != nil {
			os.Remove(dir)
			return "", errnoOf(err)
		}
		t.nodes = dir
	}
	var r [8]byte
	rand.Read(r[:])
	p := filepath.Join(t.nodes, fmt.Sprintf("%d-%s", n.ino, hex.EncodeToString(r[:])))
	if n.typ() != unix.S_IFSOCK { // a socket's node is made by the bind to it
		if err := unix.Mknod(p, n.typ()|0o600, int(n.rdev)); err != nil {
			return "", errnoOf(err)
		}
		if err := unix.Chmod(p, 0o666); err != nil {
			os.Remove(p)
			return "", errnoOf(err)
		}
	}
	n.host = p
	return p, 0
}

// openSpecial opens the host node of the special file n, which an open
// by fs's user was found allowed to, with flag: outside the tree's lock,
// since the open of a FIFO waits for the other end.
func (fs *FS) openSpecial(n *inode, name string, flag int) (afero.File, error) {
	if n.typ() == unix.S_IFSOCK {
		return nil, pathErr("open", name, unix.ENXIO)
	}
	fs.t.mu.Lock()
	p, e := fs.t.hostNode(n)
	fs.t.mu.Unlock()
	if e != 0 {
		return nil, pathErr("open", name, e)
	}
	flag &= unix.O_ACCMODE | unix.O_NONBLOCK | unix.O_NOCTTY | unix.O_SYNC | unix.O_DSYNC
	for {
		fd, err := unix.Open(p, flag|unix.O_CLOEXEC, 0)
		switch err {
		case nil:
			return os.NewFile(uintptr(fd), name), nil
		case unix.EINTR:
			continue
		}
		return nil, pathErr("open", name, errnoOf(err))
	}
}

// dropHost removes n's host node, once n has no name left. Opens of it
// made before keep working, as for a FIFO unlinked on the host.
func (n *inode) dropHost() {
	if n.host != "" {
		os.Remove(n.host)
		n.host = ""
	}
}

// HostNodes returns the host directory of the FS's host nodes ("" before
// the first): a socket bound in the FS reports a path there to
// getsockname, which a peer may then connect to (caps.HostNodeDirer).
func (fs *FS) HostNodes() string {
	fs.t.mu.RLock()
	defer fs.t.mu.RUnlock()
	return fs.t.nodes
}
