package linuxvfs

import (
	"io"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Cursor is the position of an open directory listed in name order, as
// the in-memory backends list (tmpfs lists newest first, which no program
// may rely on). Names added behind the position are not returned; once the
// end is reached, nothing more is until a rewind, as on tmpfs.
type Cursor struct {
	after string // every name up to this one has been returned
	begun bool
	atEnd bool
}

// Lseek moves the cursor as lseek(2) on the directory may: rewind (0,
// SeekStart) or tell the position (0, SeekCurrent: 0 before the first
// name, 1 after). Anything else is EINVAL.
func (c *Cursor) Lseek(offset int64, whence int) (int64, unix.Errno) {
	switch {
	case offset == 0 && whence == io.SeekStart:
		*c = Cursor{}
		return 0, 0
	case offset == 0 && whence == io.SeekCurrent:
		if c.begun {
			return 1, 0
		}
		return 0, 0
	}
	return 0, unix.EINVAL
}

// Read calls emit for up to count (all, if count <= 0) of the n sorted
// names (name(i) is the i-th) that come after the position, moves past
// them, and returns how many it emitted.
func (c *Cursor) Read(count, n int, name func(i int) string, emit func(i int)) int {
	i := n
	if !c.atEnd {
		i = 0
		if c.begun {
			i = sort.Search(n, func(k int) bool { return name(k) > c.after })
		}
	}
	emitted := 0
	for ; i < n && (count <= 0 || emitted < count); i++ {
		emit(i)
		c.after, c.begun = name(i), true
		emitted++
	}
	if i == n {
		c.atEnd = true
	}
	return emitted
}

// SplitPath splits a path into its parent and last element exactly as
// os.RemoveAll does: the parent of a bare name is ".", trailing slashes are
// dropped except a lone "/", which becomes the "name" "/" in ".".
func SplitPath(p string) (dir, base string) {
	dir = "."
	for len(p) > 1 && strings.HasPrefix(p, "//") {
		p = p[1:]
	}
	i := len(p) - 1
	for ; i > 0 && p[i] == '/'; i-- {
		p = p[:i]
	}
	base = p
	for i--; i >= 0; i-- {
		if p[i] == '/' {
			dir = p[:max(i, 1)]
			base = p[i+1:]
			break
		}
	}
	return dir, base
}

// Access bits, as the kernel's MAY_*.
const (
	MayExec  = 1
	MayWrite = 2
	MayRead  = 4
)

// OpenAccess is the access an open with flag asks for.
func OpenAccess(flag int) uint32 {
	var acc uint32
	switch flag & unix.O_ACCMODE {
	case unix.O_RDONLY:
		acc = MayRead
	case unix.O_WRONLY:
		acc = MayWrite
	default:
		acc = MayRead | MayWrite
	}
	if flag&unix.O_TRUNC != 0 {
		acc |= MayWrite
	}
	return acc
}

// OpensToWrite tells whether an open with flag may change the file's
// data: write access or O_TRUNC, and not O_PATH (which asks for no access).
func OpensToWrite(flag int) bool {
	return flag&unix.O_PATH == 0 && OpenAccess(flag)&MayWrite != 0
}

// Under tells whether the path p is dir or a path below it ("/a/b" is
// under "/a", "/ab" is not).
func Under(p, dir string) bool {
	return p == dir || len(p) > len(dir) && p[len(dir)] == '/' && p[:len(dir)] == dir
}
