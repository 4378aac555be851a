// path.go holds path resolution: the walk of internal/linuxvfs over the
// inodes of the tree, with search permission checked for the view's user.

package mem

import (
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// walker resolves the paths of one operation.
type walker = linuxvfs.Walker[*inode]

// walker returns a walker over the tree as fs's user sees it.
func (fs *FS) walker() walker { return walker{Tree: (*walkTree)(fs)} }

// walkTree is an FS as a linuxvfs.Tree.
type walkTree FS

func (t *walkTree) Root() *inode                    { return t.t.root }
func (t *walkTree) Parent(dir *inode) *inode        { return dir.parent }
func (t *walkTree) IsDir(n *inode) bool             { return n.isDir() }
func (t *walkTree) IsLink(n *inode) bool            { return n.isLink() }
func (t *walkTree) MayLookup(dir *inode) unix.Errno { return t.cred.mayLookup(dir) }
func (t *walkTree) CheckName(string) unix.Errno     { return 0 }

func (t *walkTree) Child(dir *inode, name string) (*inode, unix.Errno) {
	if n := dir.lookup(name); n != nil {
		return n, 0
	}
	return nil, unix.ENOENT
}

func (t *walkTree) Readlink(link *inode) (string, unix.Errno) { return link.target, 0 }
