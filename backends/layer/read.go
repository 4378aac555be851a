// read.go unpacks a layer tarball into a mem.FS: Read, ReadFile and Open,
// and the SkippedError that reports the entries a mem.FS cannot hold.

package layer

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// ErrSkipped is what a *SkippedError is (errors.Is).
var ErrSkipped = errors.New("entries skipped")

// Skipped is an entry Read left out, and why.
type Skipped struct {
	Name     string // as the archive gives it
	Typeflag byte   // tar type of the entry
	Reason   string
}

// SkippedError is returned by Read, alone, when the rest of the layer was
// read: it lists the entries the mem.FS cannot hold (device nodes, FIFOs,
// sparse files, unknown types).
type SkippedError struct {
	Entries []Skipped
}

func (e *SkippedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d entries skipped:", len(e.Entries))
	for i, s := range e.Entries {
		if i > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, " %q (%s)", s.Name, s.Reason)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrSkipped) true.
func (e *SkippedError) Is(target error) bool { return target == ErrSkipped }

// Read unpacks the layer tarball r (plain or gzip) into fsys, as it is:
// whiteout and opaque marker files become files of the tree. See the
// package documentation for how names, existing files and unsupported
// entries are handled. fsys should be a view acting as root (as New
// gives), or owners and modes cannot all be set.
func Read(r io.Reader, fsys *mem.FS) error {
	if err := read(r, fsys); err != nil {
		return fmt.Errorf("layer: read: %w", err)
	}
	return nil
}

// ReadFile is Read of the file at path.
func ReadFile(path string, fsys *mem.FS) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("layer: read: %w", err)
	}
	defer f.Close()
	if err := read(f, fsys); err != nil {
		return fmt.Errorf("layer: read %s: %w", path, err)
	}
	return nil
}

// Open returns a new mem.FS holding the layer tarball at path. On an error
// other than a *SkippedError the FS is closed and nil is returned; with a
// *SkippedError the FS is returned along with it.
//
// An archive without an entry for its root (most, zvfs's snapshots
// included) gives a root directory that belongs to the user who opens it,
// as a directory tar extracts into would: stacked in an overlay, whose root
// shows its topmost layer's, it does not take the tree away from its user.
func Open(path string) (*mem.FS, error) {
	fsys := mem.New()
	if err := fsys.Chown("/", os.Geteuid(), os.Getegid()); err != nil {
		return nil, fmt.Errorf("open layer %s: %w", path, err)
	}
	if err := ReadFile(path, fsys); err != nil {
		if errors.Is(err, ErrSkipped) {
			return fsys, err
		}
		fsys.Close()
		return nil, err
	}
	return fsys, nil
}

// times are the access and modification times of a directory, set once
// nothing more is added below it.
type times struct{ atime, mtime time.Time }

// reader holds the state of one Read.
type reader struct {
	fs      *mem.FS
	dirs    map[string]times // "" is the root
	skipped []Skipped
}

func read(r io.Reader, fsys *mem.FS) error {
	s, err := newStream(r)
	if err != nil {
		return err
	}
	rd := &reader{fs: fsys, dirs: map[string]times{}}
	for {
		hdr, err := s.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := rd.entry(hdr, s.tr); err != nil {
			return fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
	}
	if err := rd.dirTimes(); err != nil {
		return err
	}
	if len(rd.skipped) > 0 {
		return &SkippedError{Entries: rd.skipped}
	}
	return nil
}

// skip records an entry left out.
func (rd *reader) skip(hdr *tar.Header, reason string) {
	rd.skipped = append(rd.skipped, Skipped{Name: hdr.Name, Typeflag: hdr.Typeflag, Reason: reason})
}

// entry stores one entry of the archive; data is where its content is read.
func (rd *reader) entry(hdr *tar.Header, data io.Reader) error {
	if isSparse(hdr) {
		rd.skip(hdr, "sparse file")
		return nil
	}
	switch hdr.Typeflag {
	case tar.TypeDir, tar.TypeReg, tar.TypeCont, tar.TypeSymlink, tar.TypeLink:
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		if hdr.Devmajor < 0 || hdr.Devmajor > 0xfff || hdr.Devminor < 0 || hdr.Devminor > 0xfffff {
			return fmt.Errorf("device %d:%d out of range", hdr.Devmajor, hdr.Devminor)
		}
	case tar.TypeXGlobalHeader:
		return nil // PAX records for the whole archive: nothing to store
	default:
		rd.skip(hdr, fmt.Sprintf("unsupported entry type %q", hdr.Typeflag))
		return nil
	}

	name, err := cleanName(hdr.Name)
	if err != nil {
		return err
	}
	if hdr.Uid < 0 || hdr.Uid > 0xfffffffe || hdr.Gid < 0 || hdr.Gid > 0xfffffffe {
		return fmt.Errorf("owner %d:%d out of range", hdr.Uid, hdr.Gid)
	}
	mode := fileMode(hdr.Mode)

	if name == "" { // the root
		if hdr.Typeflag != tar.TypeDir {
			return errors.New("the root must be a directory")
		}
		if err := rd.attrs("/", hdr, mode, true); err != nil {
			return err
		}
		rd.dirs[""] = entryTimes(hdr)
		return nil
	}
	if err := rd.parents(name); err != nil {
		return err
	}

	// The linked-to file of a hard link must exist before anything is
	// removed: it may be the very name being replaced.
	var target string
	if hdr.Typeflag == tar.TypeLink {
		if target, err = cleanName(hdr.Linkname); err != nil {
			return fmt.Errorf("hard link target %q: %w", hdr.Linkname, err)
		}
		if target == "" {
			return errors.New("hard link to the root")
		}
		fi, err := rd.fs.Lstat(target)
		if err != nil {
			return fmt.Errorf("hard link target: %w", err)
		}
		if fi.IsDir() {
			return fmt.Errorf("hard link target %q is a directory", target)
		}
		if target == name {
			return nil // already there
		}
	}

	// An existing name is replaced, but a directory stays a directory.
	if fi, err := rd.fs.Lstat(name); err == nil {
		if !(fi.IsDir() && hdr.Typeflag == tar.TypeDir) {
			if err := rd.fs.RemoveAll(name); err != nil {
				return err
			}
			rd.forget(name)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}

	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := rd.fs.Mkdir(name, 0700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := rd.attrs(name, hdr, mode, true); err != nil {
			return err
		}
		if err := rd.xattrs(name, hdr); err != nil {
			return err
		}
		rd.dirs[name] = entryTimes(hdr)
		return nil
	case tar.TypeReg, tar.TypeCont:
		f, err := rd.fs.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, data); err != nil {
			f.Close()
			return truncated(err)
		}
		if err := f.Close(); err != nil {
			return err
		}
	case tar.TypeSymlink:
		if err := rd.fs.Symlink(hdr.Linkname, name); err != nil {
			return err
		}
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		if err := rd.fs.Mknod(name, specialTypes[hdr.Typeflag]|0600, unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor))); err != nil {
			return err
		}
	case tar.TypeLink:
		// The inode keeps the attributes of its first name.
		return rd.fs.Link(target, name)
	}
	if err := rd.attrs(name, hdr, mode, hdr.Typeflag != tar.TypeSymlink); err != nil {
		return err
	}
	if err := rd.xattrs(name, hdr); err != nil {
		return err
	}
	t := entryTimes(hdr)
	return rd.fs.Utimens(name, &t.atime, &t.mtime, false)
}

// specialTypes are the file types of the special entries mem holds.
var specialTypes = map[byte]uint32{tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK, tar.TypeFifo: unix.S_IFIFO}

// xattrs gives name the extended attributes of hdr's PAX records. Those
// of a namespace mem does not keep (system.*: POSIX ACLs) are left out.
func (rd *reader) xattrs(name string, hdr *tar.Header) error {
	keys := make([]string, 0, len(hdr.PAXRecords))
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, xattrKey) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		err := rd.fs.SetXattr(name, k[len(xattrKey):], []byte(hdr.PAXRecords[k]), 0, false)
		if err != nil && !errors.Is(err, unix.EOPNOTSUPP) {
			return err
		}
	}
	return nil
}

// parents makes sure that every directory above name exists and is a
// directory (not a symbolic link to one), creating the missing ones.
func (rd *reader) parents(name string) error {
	for i := 0; i < len(name); i++ {
		if name[i] != '/' {
			continue
		}
		p := name[:i]
		fi, err := rd.fs.Lstat(p)
		switch {
		case err == nil && fi.IsDir():
			continue
		case err == nil:
			return fmt.Errorf("parent %q is not a directory", p)
		case errors.Is(err, fs.ErrNotExist):
			if err := rd.fs.Mkdir(p, 0755); err != nil {
				return err
			}
		default:
			return err
		}
	}
	return nil
}

// forget drops the pending times of name and of everything below it, which
// were just removed.
func (rd *reader) forget(name string) {
	for d := range rd.dirs {
		if d == name || strings.HasPrefix(d, name+"/") {
			delete(rd.dirs, d)
		}
	}
}

// attrs sets the owner and, for anything but a symbolic link, the mode of
// name: chown first, since it may clear the set-user-ID bit.
func (rd *reader) attrs(name string, hdr *tar.Header, mode os.FileMode, chmod bool) error {
	if err := rd.fs.Lchown(name, hdr.Uid, hdr.Gid); err != nil {
		return err
	}
	if chmod {
		return rd.fs.Chmod(name, mode)
	}
	return nil
}

// dirTimes sets the times of the directories, now that nothing more is
// added to them.
func (rd *reader) dirTimes() error {
	names := make([]string, 0, len(rd.dirs))
	for d := range rd.dirs {
		names = append(names, d)
	}
	sort.Strings(names)
	for _, d := range names {
		t := rd.dirs[d]
		p := d
		if p == "" {
			p = "/"
		}
		if err := rd.fs.Utimens(p, &t.atime, &t.mtime, false); err != nil {
			return fmt.Errorf("directory %q: %w", d, err)
		}
	}
	return nil
}

// entryTimes are the times to give an entry: its access time, if the
// archive has one not older than its modification time, else the latter.
func entryTimes(hdr *tar.Header) times {
	t := times{atime: hdr.AccessTime, mtime: hdr.ModTime}
	if t.atime.Before(t.mtime) {
		t.atime = t.mtime
	}
	return t
}

// fileMode turns the mode field of a tar header into the permission bits
// of an os.FileMode.
func fileMode(m int64) os.FileMode { return linuxvfs.FileMode(uint32(m) & 07777) }
