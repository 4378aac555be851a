// statfs.go holds the whole-file-system operations: StatFS, which answers
// statfs(2) with tmpfs-like numbers, and Close.

package mem

import (
	"os"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/reap"
)

// BlockSize is the block size the numbers of StatFS count in (f_bsize).
const BlockSize = 4096

// StatFS returns numbers for statfs(2) as a tmpfs mounted with default
// options would: blocks and files are half the machine's memory in pages,
// bfree subtracts the pages the named files' data take, ffree the inodes in
// use. Blocks are BlockSize bytes. It costs one fstat per regular file
// (their data changes through descriptors the supervisor never sees),
// made after the tree's lock is released: a statfs of a large tree does not
// hold up the calls that change it.
func (fs *FS) StatFS() (blocks, bfree, files, ffree uint64) {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		blocks = uint64(si.Totalram) * uint64(si.Unit) / BlockSize / 2
	}
	if blocks == 0 {
		blocks = 1 << 20
	}
	files = blocks
	type keyed struct {
		fd  int
		key dataKey
	}
	fs.t.mu.RLock()
	memfds := make([]keyed, 0, len(fs.t.data))
	for key, n := range fs.t.data { // one entry per inode, however many names it has
		if n.memfd >= 0 {
			memfds = append(memfds, keyed{n.memfd, key})
		}
	}
	inodes := fs.t.inodes
	fs.t.mu.RUnlock()
	var used uint64
	for _, m := range memfds {
		// A file removed meanwhile has closed its memfd, whose number
		// may be another file's now: only the identity noted counts.
		var ks unix.Stat_t
		if unix.Fstat(m.fd, &ks) == nil && ks.Dev == m.key.dev && ks.Ino == m.key.ino {
			used += uint64(ks.Blocks) * 512 / BlockSize
		}
	}
	bfree = blocks - min(used, blocks)
	ffree = files - min(inodes, files)
	return
}

// Close gives back the memfds of all files. Files still open keep working
// (they hold descriptors of their own); the FS and its views must not be
// used afterwards.
func (fs *FS) Close() error {
	fs.t.mu.Lock()
	defer fs.t.mu.Unlock()
	var fds []int
	var walk func(*inode)
	walk = func(dir *inode) {
		for _, n := range dir.entries {
			switch {
			case n.isDir():
				walk(n)
			case n.memfd >= 0:
				fds = append(fds, n.memfd)
				n.memfd = -1
			}
		}
	}
	walk(fs.t.root)
	fds = append(fds, fs.t.spare.end()...)
	// Many, their files go to a helper that frees them after zvfs has
	// exited (internal/reap), and closing them here is then cheap.
	reap.Hand(fds)
	closeSpread(fds)
	if fs.t.nodes != "" {
		os.RemoveAll(fs.t.nodes)
		fs.t.nodes = ""
	}
	return nil
}
