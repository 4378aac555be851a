// write.go serializes a mem.FS as a layer tarball: Write, and WriteFile,
// which replaces a host file atomically.

package layer

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
)

// Options tune Write.
type Options struct {
	// SourceDateEpoch, if set, is the latest modification time written:
	// later ones are clamped to it (see reproducible-builds.org's
	// SOURCE_DATE_EPOCH).
	SourceDateEpoch *time.Time
	// Modified, if set, says which entries (by path relative to the root,
	// "a/b") replace a file the lower layers had: they get the PAX record
	// comment=zvfs:modified, which Diff reads to tell M from A. POSIX has
	// readers ignore comments, so other tools (GNU tar) say nothing.
	Modified func(path string) bool
}

// The PAX record that marks an entry replacing a lower file.
const (
	modifiedKey   = "comment"
	modifiedValue = "zvfs:modified"
)

// Write writes the whole tree of fsys to w as an uncompressed layer
// tarball, in the format the package documentation describes. It does not
// close w. fsys should act as root (as New gives), or unreadable files
// cannot be written.
func Write(w io.Writer, fsys *mem.FS, opt Options) error {
	if err := write(w, fsys, opt); err != nil {
		return fmt.Errorf("layer: write: %w", err)
	}
	return nil
}

// WriteFile writes the layer tarball of fsys to the host file path: to a
// temporary file in the same directory first, synced to disk and then
// renamed over path, so that path is never seen half written. On error the
// temporary file is removed and path is left as it was. The file has mode
// 0644.
func WriteFile(path string, fsys *mem.FS, opt Options) error {
	err := atomicWrite(path, func(w io.Writer) error {
		return write(w, fsys, opt)
	})
	if err != nil {
		return fmt.Errorf("layer: write %s: %w", path, err)
	}
	return nil
}

// atomicWrite calls fill with a temporary file next to path and, if fill
// succeeds, syncs it and renames it to path.
func atomicWrite(path string, fill func(io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close() // a second Close only reports os.ErrClosed
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := fill(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Chmod(0644); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	// Make the rename itself durable; a failure here changes nothing the
	// caller could act on, the file is in place.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// writer holds the state of one Write.
type writer struct {
	fs       *mem.FS
	tw       *tar.Writer
	epoch    *time.Time
	modified func(string) bool
	links    map[uint64]string // inode → first name written, for nlink > 1
}

func write(w io.Writer, fsys *mem.FS, opt Options) error {
	wr := &writer{fs: fsys, tw: tar.NewWriter(w), epoch: opt.SourceDateEpoch, modified: opt.Modified, links: map[uint64]string{}}
	if err := wr.dir(""); err != nil {
		return err
	}
	return wr.tw.Close()
}

// dir writes the entries below the directory dir ("" for the root),
// depth-first, in byte order of their names.
func (wr *writer) dir(dir string) error {
	p := dir
	if p == "" {
		p = "/"
	}
	f, err := wr.fs.Open(p)
	if err != nil {
		return err
	}
	infos, err := f.Readdir(-1)
	f.Close()
	if err != nil {
		return err
	}
	slices.SortFunc(infos, func(a, b os.FileInfo) int { return strings.Compare(a.Name(), b.Name()) })
	for _, fi := range infos {
		name := fi.Name()
		if dir != "" {
			name = dir + "/" + name
		}
		st, ok := fi.Sys().(*mem.Stat)
		if !ok {
			return fmt.Errorf("%q: no mem.Stat", name)
		}
		if err := wr.entry(name, st); err != nil {
			return fmt.Errorf("%q: %w", name, err)
		}
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			if err := wr.dir(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// xattrKey starts the PAX record of an extended attribute, as GNU tar,
// bsdtar and the OCI image tools write them.
const xattrKey = "SCHILY.xattr."

// xattrs puts name's extended attributes in hdr's PAX records.
func (wr *writer) xattrs(name string, hdr *tar.Header) error {
	attrs, err := wr.fs.ListXattr(name, false)
	if err != nil || len(attrs) == 0 {
		return err
	}
	if hdr.PAXRecords == nil {
		hdr.PAXRecords = map[string]string{}
	}
	for _, a := range attrs {
		v, err := wr.fs.GetXattr(name, a, false)
		if err != nil {
			return err
		}
		hdr.PAXRecords[xattrKey+a] = string(v)
	}
	return nil
}

// entry writes the header of name, whose stat is st, and its data.
func (wr *writer) entry(name string, st *mem.Stat) error {
	mtime := st.Mtime
	if wr.epoch != nil && mtime.After(*wr.epoch) {
		mtime = *wr.epoch
	}
	hdr := &tar.Header{
		Name:    name,
		Mode:    int64(st.Mode & 07777),
		Uid:     int(st.Uid),
		Gid:     int(st.Gid),
		ModTime: mtime, // sub-second parts travel in a PAX record: make compares nanoseconds
		Format:  tar.FormatPAX,
	}
	if wr.modified != nil && wr.modified(strings.TrimSuffix(name, "/")) {
		hdr.PAXRecords = map[string]string{modifiedKey: modifiedValue}
	}
	if err := wr.xattrs(name, hdr); err != nil {
		return err
	}
	typ := st.Mode & unix.S_IFMT
	if typ != unix.S_IFDIR && st.Nlink > 1 {
		if first, ok := wr.links[st.Ino]; ok {
			hdr.Typeflag = tar.TypeLink
			hdr.Linkname = first
			return wr.tw.WriteHeader(hdr)
		}
		wr.links[st.Ino] = name
	}
	switch typ {
	case unix.S_IFDIR:
		hdr.Typeflag = tar.TypeDir
		hdr.Name += "/"
		return wr.tw.WriteHeader(hdr)
	case unix.S_IFLNK:
		target, err := wr.fs.Readlink(name)
		if err != nil {
			return err
		}
		hdr.Typeflag = tar.TypeSymlink
		hdr.Linkname = target
		return wr.tw.WriteHeader(hdr)
	case unix.S_IFREG:
		f, err := wr.fs.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		// The size of the open file, in case it changed since the listing.
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		hdr.Typeflag = tar.TypeReg
		hdr.Size = fi.Size()
		if err := wr.tw.WriteHeader(hdr); err != nil {
			return err
		}
		n, err := io.CopyN(wr.tw, f, hdr.Size)
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("file shrank while being written: %d of %d bytes", n, hdr.Size)
		}
		return err
	case unix.S_IFIFO:
		hdr.Typeflag = tar.TypeFifo
		return wr.tw.WriteHeader(hdr)
	case unix.S_IFCHR, unix.S_IFBLK:
		hdr.Typeflag = tar.TypeChar
		if typ == unix.S_IFBLK {
			hdr.Typeflag = tar.TypeBlock
		}
		hdr.Devmajor, hdr.Devminor = int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
		return wr.tw.WriteHeader(hdr)
	case unix.S_IFSOCK:
		return nil // a socket is not archived, as tar does not
	default:
		return fmt.Errorf("unsupported file type %#o", typ)
	}
}
