// node.go makes the calls that read or change one file's attributes
// through the capabilities above, falling back to afero's calls for a
// backend that lacks them, so that package vfs and package fusefs make them
// the same way.

package caps

import (
	"os"
	"syscall"
	"time"

	"github.com/spf13/afero"
)

// Lstat describes name without following a final symbolic link, where fs
// can (afero.Lstater); otherwise it follows it, as afero's Stat does.
func Lstat(fs afero.Fs, name string) (os.FileInfo, error) {
	if l, ok := fs.(afero.Lstater); ok {
		fi, _, err := l.LstatIfPossible(name)
		return fi, err
	}
	return fs.Stat(name)
}

// LstatType tells name's type as TypeStater does: fs's own answer where
// it has one, else LstatMeta's.
func LstatType(fs afero.Fs, name string) (uint32, error) {
	if t, ok := fs.(TypeStater); ok {
		return t.LstatType(name)
	}
	st, err := LstatMeta(fs, name)
	return st.Mode & syscall.S_IFMT, err
}

// LstatMeta describes name as MetaStater does: fs's own answer where it
// has one, else its Lstat's.
func LstatMeta(fs afero.Fs, name string) (Stat, error) {
	if m, ok := fs.(MetaStater); ok {
		return m.LstatMeta(name)
	}
	fi, err := Lstat(fs, name)
	if err != nil {
		return Stat{}, err
	}
	return StatOf(fi, func() (uint64, uint64) { return 0, 0 }), nil
}

// Node is one file whose attributes a call changes: Name in FS, and File
// when the call names an open file (fchmod, ftruncate...), which is then
// changed itself where its type can. Follow says whether a final symbolic
// link of Name is followed.
type Node struct {
	FS     afero.Fs
	Name   string
	File   afero.File // nil: by name
	Follow bool
}

// Chmod sets the permission bits (chmod(2)).
func (n Node) Chmod(mode os.FileMode) error {
	if c, ok := n.File.(FileChmoder); ok {
		return c.Chmod(mode)
	}
	return n.FS.Chmod(n.Name, mode)
}

// Chown sets the owner and group; -1 leaves one as it is (chown(2),
// lchown(2) when not Follow).
func (n Node) Chown(uid, gid int) error {
	if c, ok := n.File.(FileChowner); ok {
		return c.Chown(uid, gid)
	}
	if l, ok := n.FS.(Lchowner); ok && !n.Follow {
		return l.Lchown(n.Name, uid, gid)
	}
	return n.FS.Chown(n.Name, uid, gid)
}

// Truncate sets the size (truncate(2)): by the open file, else by name,
// else by opening the name for writing.
func (n Node) Truncate(size int64) error {
	if n.File != nil {
		return n.File.Truncate(size)
	}
	if t, ok := n.FS.(Truncater); ok {
		return t.Truncate(n.Name, size)
	}
	f, err := n.FS.OpenFile(n.Name, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Truncate(size)
}

// Utimens sets the access and modification times; a nil one is left as it
// is. now sets both to the current time, which needs only write permission
// where explicit times need ownership (utimensat(2) with UTIME_NOW).
func (n Node) Utimens(atime, mtime *time.Time, now bool) error {
	if now {
		if t, ok := n.File.(FileToucher); ok {
			return t.Touch()
		}
		if t, ok := n.FS.(Toucher); ok {
			return t.Touch(n.Name, n.Follow)
		}
		t := time.Now()
		atime, mtime = &t, &t
	} else if u, ok := n.File.(FileUtimenser); ok {
		return u.Utimens(atime, mtime)
	}
	if u, ok := n.FS.(Utimenser); ok {
		return u.Utimens(n.Name, atime, mtime, n.Follow)
	}
	// afero's Chtimes sets both: an omitted one keeps the modification
	// time, the only one afero reports.
	fi, err := Lstat(n.FS, n.Name)
	if err != nil {
		return err
	}
	a, m := fi.ModTime(), fi.ModTime()
	if atime != nil {
		a = *atime
	}
	if mtime != nil {
		m = *mtime
	}
	return n.FS.Chtimes(n.Name, a, m)
}
