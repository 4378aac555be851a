// xattr.go holds extended attributes, kept in the inode as tmpfs keeps
// them: the user, trusted and security namespaces, with the kernel's
// rules on who may read and change them (linuxvfs.XattrPermission).

package mem

import (
	"sort"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// SetXattr sets the extended attribute attr of name (of the symbolic link
// itself unless follow) to value, as setxattr(2) with flags XATTR_CREATE
// (EEXIST if it is there) or XATTR_REPLACE (ENODATA if it is not).
func (fs *FS) SetXattr(name, attr string, value []byte, flags int, follow bool) error {
	e := linuxvfs.CheckXattrSet(attr, len(value), flags)
	if e == 0 {
		e = fs.changeXattr(name, attr, follow, setXattr(attr, value, flags))
	}
	if e != 0 {
		return pathErr("setxattr", name, e)
	}
	return nil
}

// setXattr is the change of SetXattr.
func setXattr(attr string, value []byte, flags int) func(*inode) unix.Errno {
	return func(n *inode) unix.Errno {
		_, there := n.xattrs[attr]
		switch {
		case there && flags&linuxvfs.XattrCreate != 0:
			return unix.EEXIST
		case !there && flags&linuxvfs.XattrReplace != 0:
			return unix.ENODATA
		}
		if n.xattrs == nil {
			n.xattrs = map[string][]byte{}
		}
		n.xattrs[attr] = append([]byte(nil), value...)
		return 0
	}
}

// removeXattr is the change of RemoveXattr.
func removeXattr(attr string) func(*inode) unix.Errno {
	return func(n *inode) unix.Errno {
		if _, there := n.xattrs[attr]; !there {
			return unix.ENODATA
		}
		delete(n.xattrs, attr)
		return 0
	}
}

// RemoveXattr removes the extended attribute attr of name, as
// removexattr(2): ENODATA if it is not there.
func (fs *FS) RemoveXattr(name, attr string, follow bool) error {
	e := linuxvfs.CheckXattrName(attr)
	if e == 0 {
		e = fs.changeXattr(name, attr, follow, removeXattr(attr))
	}
	if e != 0 {
		return pathErr("removexattr", name, e)
	}
	return nil
}

// changeXattr finds name's inode, checks that fs's user may change attr
// of it, and applies change, which stamps the inode's ctime if it succeeds.
func (fs *FS) changeXattr(name, attr string, follow bool, change func(*inode) unix.Errno) unix.Errno {
	fs.t.mu.lockExact()
	defer fs.t.mu.Unlock()
	n, e := fs.lookup(name, follow)
	if e != 0 {
		return e
	}
	return fs.changeNodeXattr(n, attr, change)
}

// changeNodeXattr is changeXattr for the inode n, under the write lock.
func (fs *FS) changeNodeXattr(n *inode, attr string, change func(*inode) unix.Errno) unix.Errno {
	if e := fs.cred.who().XattrPermission(n.liveMode(-1), n.uid, n.gid, attr, true); e != 0 {
		return e
	}
	if e := change(n); e != 0 {
		return e
	}
	n.ctime = now()
	fs.t.mu.attrs(n)
	return 0
}

// GetXattr returns the value of the extended attribute attr of name, as
// getxattr(2): ENODATA if it is not there (or fs's user may not see it).
func (fs *FS) GetXattr(name, attr string, follow bool) ([]byte, error) {
	if e := linuxvfs.CheckXattrName(attr); e != 0 {
		return nil, pathErr("getxattr", name, e)
	}
	var v []byte
	e := fs.readXattrs(name, follow, func(n *inode) (e unix.Errno) {
		v, e = fs.getXattr(n, attr)
		return e
	})
	if e != 0 {
		return nil, pathErr("getxattr", name, e)
	}
	return v, nil
}

// getXattr is GetXattr of the inode n, under the read lock.
func (fs *FS) getXattr(n *inode, attr string) ([]byte, unix.Errno) {
	if e := fs.cred.who().XattrPermission(n.liveMode(-1), n.uid, n.gid, attr, false); e != 0 {
		return nil, e
	}
	val, there := n.xattrs[attr]
	if !there {
		return nil, unix.ENODATA
	}
	return append([]byte(nil), val...), 0
}

// listXattr is ListXattr of the inode n, under the read lock.
func (fs *FS) listXattr(n *inode) []string {
	var names []string
	for a := range n.xattrs {
		if fs.cred.who().XattrListed(a) {
			names = append(names, a)
		}
	}
	sort.Strings(names)
	return names
}

// ListXattr returns the names of name's extended attributes that fs's
// user may see, sorted, as listxattr(2).
func (fs *FS) ListXattr(name string, follow bool) ([]string, error) {
	var names []string
	e := fs.readXattrs(name, follow, func(n *inode) unix.Errno {
		names = fs.listXattr(n)
		return 0
	})
	if e != 0 {
		return nil, pathErr("listxattr", name, e)
	}
	return names, nil
}

// The attributes of an open File's inode (caps.FileXattrer), named or not.

func (f *File) SetXattr(attr string, value []byte, flags int) error {
	e := linuxvfs.CheckXattrSet(attr, len(value), flags)
	if e == 0 {
		f.fs.t.mu.Lock()
		e = f.fs.changeNodeXattr(f.node, attr, setXattr(attr, value, flags))
		f.fs.t.mu.Unlock()
	}
	if e != 0 {
		return pathErr("fsetxattr", f.name, e)
	}
	return nil
}

func (f *File) RemoveXattr(attr string) error {
	e := linuxvfs.CheckXattrName(attr)
	if e == 0 {
		f.fs.t.mu.Lock()
		e = f.fs.changeNodeXattr(f.node, attr, removeXattr(attr))
		f.fs.t.mu.Unlock()
	}
	if e != 0 {
		return pathErr("fremovexattr", f.name, e)
	}
	return nil
}

func (f *File) GetXattr(attr string) ([]byte, error) {
	e := linuxvfs.CheckXattrName(attr)
	var v []byte
	if e == 0 {
		f.fs.t.mu.RLock()
		v, e = f.fs.getXattr(f.node, attr)
		f.fs.t.mu.RUnlock()
	}
	if e != 0 {
		return nil, pathErr("fgetxattr", f.name, e)
	}
	return v, nil
}

func (f *File) ListXattr() ([]string, error) {
	f.fs.t.mu.RLock()
	defer f.fs.t.mu.RUnlock()
	return f.fs.listXattr(f.node), nil
}

func (fs *FS) readXattrs(name string, follow bool, read func(*inode) unix.Errno) unix.Errno {
	fs.t.mu.RLock()
	defer fs.t.mu.RUnlock()
	n, e := fs.lookup(name, follow)
	if e != 0 {
		return e
	}
	return read(n)
}
