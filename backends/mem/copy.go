// copy.go holds CopyFrom, which seeds an FS with a copy of a host directory
// tree: contents, modes, owners, times, symbolic links and hard links.

package mem

import (
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// CopyFrom copies the tree under the host directory hostDir into the root of
// the FS: hostDir's own mode, owner and times go to the root, its entries
// become the root's entries. Modes, owners, access and modification times
// and symbolic link targets are kept, and regular files that are hard
// links of each other in the host tree are hard links here too. Existing
// directories are merged; an existing non-directory name gives EEXIST.
// Devices, FIFOs and sockets are skipped. CopyFrom acts as root whatever
// the view, and holds the write lock for the whole copy.
func (fs *FS) CopyFrom(hostDir string) error {
	fs.t.mu.Lock()
	defer fs.t.mu.Unlock()
	c := copier{fs: fs, links: make(map[[2]uint64]*inode)}
	var st unix.Stat_t
	if err := unix.Stat(hostDir, &st); err != nil {
		return pathErr("copy", hostDir, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return pathErr("copy", hostDir, unix.ENOTDIR)
	}
	if err := c.dir(hostDir, fs.t.root); err != nil {
		return err
	}
	c.setAttrs(fs.t.root, &st)
	return nil
}

type copier struct {
	fs    *FS
	links map[[2]uint64]*inode // host (dev, ino) of files with several links
}

// dir copies the entries of the host directory path into dir.
func (c *copier) dir(path string, dir *inode) error {
	entries, err := os.ReadDir(path)
	if err != nil {
		return pathErr("copy", path, errOf(err))
	}
	for _, ent := range entries {
		name := ent.Name()
		hp := filepath.Join(path, name)
		var st unix.Stat_t
		if err := unix.Lstat(hp, &st); err != nil {
			return pathErr("copy", hp, err)
		}
		if err := c.entry(hp, dir, name, &st); err != nil {
			return err
		}
	}
	return nil
}

// entry copies one host file hp with status st into dir as name.
func (c *copier) entry(hp string, dir *inode, name string, st *unix.Stat_t) error {
	t := c.fs.t
	old := dir.lookup(name)
	typ := st.Mode & unix.S_IFMT
	if old != nil && !(old.isDir() && typ == unix.S_IFDIR) {
		return pathErr("copy", hp, unix.EEXIST)
	}
	key := [2]uint64{st.Dev, st.Ino}
	switch typ {
	case unix.S_IFDIR:
		n := old
		if n == nil {
			var err error
			if n, err = c.fs.newInode(dir, name, unix.S_IFDIR|0700); err != nil {
				return pathErr("copy", hp, err)
			}
		}
		if err := c.dir(hp, n); err != nil {
			return err
		}
		c.setAttrs(n, st)
	case unix.S_IFLNK:
		target, err := os.Readlink(hp)
		if err != nil {
			return pathErr("copy", hp, errOf(err))
		}
		n, err := c.fs.newInode(dir, name, unix.S_IFLNK|0777)
		if err != nil {
			return pathErr("copy", hp, err)
		}
		n.target = target
		c.setAttrs(n, st)
	case unix.S_IFREG:
		if n := c.links[key]; n != nil {
			n.nlink++
			t.add(dir, name, n)
			return nil
		}
		n, err := c.fs.newInode(dir, name, unix.S_IFREG|0600)
		if err != nil {
			return pathErr("copy", hp, err)
		}
		if err := copyData(hp, n.memfd); err != nil {
			t.remove(dir, name)
			t.dropLink(n, now())
			return pathErr("copy", hp, errOf(err))
		}
		c.setAttrs(n, st)
		if st.Nlink > 1 {
			c.links[key] = n
		}
	}
	return nil
}

// setAttrs gives n the mode bits, owner and times of the host file.
func (c *copier) setAttrs(n *inode, st *unix.Stat_t) {
	n.mode = n.typ() | st.Mode&07777
	n.uid, n.gid = st.Uid, st.Gid
	mirror(n, -1)
	n.atime = time.Unix(st.Atim.Unix())
	n.mtime = time.Unix(st.Mtim.Unix())
	if n.memfd >= 0 {
		futimens(n.memfd, &n.atime, &n.mtime)
	}
}

// copyData copies the content of the host file hp into memfd.
func copyData(hp string, memfd int) error {
	src, err := os.Open(hp)
	if err != nil {
		return err
	}
	defer src.Close()
	// A reopen, not a dup: the memfd's own offset stays at 0 for the
	// descriptors MemFD hands out.
	fd, err := reopen(memfd, unix.O_WRONLY)
	if err != nil {
		return err
	}
	dst := os.NewFile(uintptr(fd), "memfd")
	defer dst.Close()
	_, err = io.Copy(dst, src)
	return err
}

// errOf unwraps the errno of an os error, so it is not wrapped twice.
func errOf(err error) error {
	switch e := err.(type) {
	case *os.PathError:
		return e.Err
	case *os.LinkError:
		return e.Err
	}
	return err
}
