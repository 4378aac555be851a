// statfs.go holds the whole-file-system operations: StatFS, which answers
// statfs(2) with tmpfs-like numbers, and Close.

package mem

import (
	"os"

	"golang.org/x/sys/unix"
)

// BlockSize is the block size the numbers of StatFS count in (f_bsize).
const BlockSize = 4096

// StatFS returns numbers for statfs(2) as a tmpfs mounted with default
// options would: blocks and files are half the machine's memory in pages,
// bfree subtracts the pages the files' data take, ffree the inodes in use.
// Blocks are BlockSize bytes. It costs one fstat per regular file.
func (fs *FS) StatFS() (blocks, bfree, files, ffree uint64) {
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		blocks = uint64(si.Totalram) * uint64(si.Unit) / BlockSize / 2
	}
	if blocks == 0 {
		blocks = 1 << 20
	}
	files = blocks
	fs.t.mu.RLock()
	defer fs.t.mu.RUnlock()
	var used uint64
	seen := make(map[*inode]bool)
	var walk func(*inode)
	walk = func(dir *inode) {
		for _, n := range dir.entries {
			switch {
			case n.isDir():
				walk(n)
			case n.isReg() && !seen[n]:
				seen[n] = true
				var ks unix.Stat_t
				if n.memfd >= 0 && unix.Fstat(n.memfd, &ks) == nil {
					used += uint64(ks.Blocks) * 512 / BlockSize
				}
			}
		}
	}
	walk(fs.t.root)
	bfree = blocks - min(used, blocks)
	ffree = files - min(fs.t.inodes, files)
	return
}

// Close gives back the memfds of all files. Files still open keep working
// (they hold descriptors of their own); the FS and its views must not be
// used afterwards.
func (fs *FS) Close() error {
	fs.t.mu.Lock()
	defer fs.t.mu.Unlock()
	var walk func(*inode)
	walk = func(dir *inode) {
		for _, n := range dir.entries {
			switch {
			case n.isDir():
				walk(n)
			case n.memfd >= 0:
				unix.Close(n.memfd)
				n.memfd = -1
			}
		}
	}
	walk(fs.t.root)
	if fs.t.nodes != "" {
		os.RemoveAll(fs.t.nodes)
		fs.t.nodes = ""
	}
	return nil
}
