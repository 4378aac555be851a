// layer_test.go tests Write and Read against each other: round trips,
// byte-for-byte determinism, SOURCE_DATE_EPOCH, the order and fields of
// the entries, gzip input, replacing existing names, and WriteFile.

package layer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// roundTrip reads layer into a new FS.
func roundTrip(t testing.TB, layer []byte) *mem.FS {
	t.Helper()
	fs := mem.New()
	t.Cleanup(func() { fs.Close() })
	must(t, Read(bytes.NewReader(layer), fs))
	return fs
}

func TestRoundTrip(t *testing.T) {
	fs := sampleTree(t, false)
	want := describe(memEntries(t, fs))
	got := describe(memEntries(t, roundTrip(t, layerOf(t, fs, Options{}))))
	sameLines(t, "round trip", want, got)

	// Spot checks of what describe covers, so that a broken describe
	// cannot hide a broken round trip.
	back := roundTrip(t, layerOf(t, fs, Options{}))
	a, _ := back.Lstat("bin/a")
	c, _ := back.Lstat("etc/c")
	if a.Sys().(*mem.Stat).Ino != c.Sys().(*mem.Stat).Ino || a.Sys().(*mem.Stat).Nlink != 3 {
		t.Errorf("bin/a and etc/c are not one inode with 3 links")
	}
	if fi, _ := back.Lstat("bin/su"); fi.Mode()&os.ModeSetuid == 0 {
		t.Errorf("bin/su lost its set-user-ID bit: %v", fi.Mode())
	}
	if fi, _ := back.Lstat("tmp"); fi.Mode()&os.ModeSticky == 0 {
		t.Errorf("tmp lost its sticky bit: %v", fi.Mode())
	}
	if fi, _ := back.Lstat("var/cache/.wh..wh..opq"); fi == nil || !fi.Mode().IsRegular() || fi.Size() != 0 {
		t.Errorf("opaque marker not kept as an empty file: %v", fi)
	}
	if target, _ := back.Readlink("long/link"); target != longTarget {
		t.Errorf("long/link -> %q", target)
	}
	if fi, _ := back.Lstat("tmp/future"); !fi.ModTime().Equal(time.Date(2250, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("tmp/future mtime %v", fi.ModTime())
	}
}

func TestDeterministic(t *testing.T) {
	one := layerOf(t, sampleTree(t, false), Options{})
	two := layerOf(t, sampleTree(t, true), Options{})
	if !bytes.Equal(one, two) {
		t.Fatalf("two identical trees give different layers (%d and %d bytes)", len(one), len(two))
	}
	// And the same tree written again, after Read.
	if again := layerOf(t, roundTrip(t, one), Options{}); !bytes.Equal(one, again) {
		t.Fatalf("Write(Read(layer)) differs from layer")
	}
}

// entries lists the headers of a tar.
func entries(t testing.TB, layer []byte) []*tar.Header {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(layer))
	var hdrs []*tar.Header
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return hdrs
		}
		must(t, err)
		hdrs = append(hdrs, hdr)
	}
}

func TestHeaders(t *testing.T) {
	fs := sampleTree(t, false)
	// Sub-second times are truncated, not rounded.
	mt := base.Add(1900 * time.Millisecond)
	must(t, fs.Utimens("etc/passwd", nil, &mt, false))
	layer := layerOf(t, fs, Options{})

	var names []string
	for _, hdr := range entries(t, layer) {
		names = append(names, hdr.Name)
		if hdr.Uname != "" || hdr.Gname != "" || !hdr.AccessTime.IsZero() || !hdr.ChangeTime.IsZero() {
			t.Errorf("%s: uname %q gname %q atime %v ctime %v", hdr.Name, hdr.Uname, hdr.Gname, hdr.AccessTime, hdr.ChangeTime)
		}
		if hdr.Name == "etc/passwd" && !hdr.ModTime.Equal(base.Add(1900*time.Millisecond)) {
			t.Errorf("etc/passwd: mtime %v, want %v", hdr.ModTime, base.Add(1900*time.Millisecond))
		}
		for k := range hdr.PAXRecords {
			switch k {
			case "path", "linkpath", "uid", "gid", "mtime":
			default:
				t.Errorf("%s: PAX record %q", hdr.Name, k)
			}
		}
		switch hdr.Name {
		case "bin/b", "etc/c":
			if hdr.Typeflag != tar.TypeLink || hdr.Linkname != "bin/a" {
				t.Errorf("%s: type %c link %q, want hard link to bin/a", hdr.Name, hdr.Typeflag, hdr.Linkname)
			}
		case "lib2":
			if hdr.Typeflag != tar.TypeLink || hdr.Linkname != "lib" {
				t.Errorf("%s: type %c link %q, want hard link to lib", hdr.Name, hdr.Typeflag, hdr.Linkname)
			}
		case "bin/su":
			if hdr.Mode != 04755 {
				t.Errorf("bin/su: mode %#o", hdr.Mode)
			}
		case "srv/":
			if hdr.Mode != 02775 || hdr.Gid != 50 {
				t.Errorf("srv/: mode %#o gid %d", hdr.Mode, hdr.Gid)
			}
		case "ids":
			if hdr.Uid != 3000000 || hdr.Gid != 4000000 {
				t.Errorf("ids: %d:%d", hdr.Uid, hdr.Gid)
			}
		}
	}
	want := []string{
		"a/", "a/x/", "a/x/y", "a.b/", "a.b/z", "abs", "big.bin",
		"bin/", "bin/a", "bin/b", "bin/sh", "bin/su", "bin/wall",
		"données/", "données/é.txt",
		"etc/", "etc/.wh.shadow", "etc/c", "etc/empty", "etc/passwd",
		"home/", "home/user/", "home/user/notes", "ids", "lib", "lib2",
		"long/", longDir + "/", longFile, "long/link",
		"srv/", "tmp/", "tmp/future", "tmp/old",
		"var/", "var/.wh.log", "var/cache/", "var/cache/.wh..wh..opq", "var/cache/apt/",
	}
	if strings.Join(names, "\n") != strings.Join(want, "\n") {
		t.Errorf("entries:\n%s\nwant:\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
	}
}

func TestSourceDateEpoch(t *testing.T) {
	fs := sampleTree(t, false)
	epoch := base.Add(5*time.Second + 300*time.Millisecond)
	layer := layerOf(t, fs, Options{SourceDateEpoch: &epoch})
	orig := memEntries(t, fs)
	clamped := 0
	for _, hdr := range entries(t, layer) {
		name := strings.TrimSuffix(hdr.Name, "/")
		mt := orig[name].mtime
		want := mt
		if mt.After(epoch) {
			want = epoch
			clamped++
		}
		if !hdr.ModTime.Equal(want) {
			t.Errorf("%s: mtime %v, want %v (was %v)", name, hdr.ModTime, want, mt)
		}
	}
	if clamped < 10 {
		t.Errorf("only %d mtimes clamped", clamped)
	}
	// The tree is not changed, and the output is as deterministic.
	sameLines(t, "tree after Write", describe(orig), describe(memEntries(t, fs)))
	if again := layerOf(t, sampleTree(t, true), Options{SourceDateEpoch: &epoch}); !bytes.Equal(layer, again) {
		t.Errorf("clamped layers differ")
	}
}

func TestReadGzip(t *testing.T) {
	fs := sampleTree(t, false)
	layer := layerOf(t, fs, Options{})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err := zw.Write(layer)
	must(t, err)
	must(t, zw.Close())
	sameLines(t, "gzip round trip", describe(memEntries(t, fs)), describe(memEntries(t, roundTrip(t, gz.Bytes()))))

	// A gzip stream cut short is an error, wherever it is cut.
	for _, n := range []int{10, gz.Len() / 2, gz.Len() - 4} {
		back := mem.New()
		err := Read(bytes.NewReader(gz.Bytes()[:n]), back)
		back.Close()
		if err == nil {
			t.Errorf("gzip cut at %d of %d: no error", n, gz.Len())
		}
	}
}

func TestOpenAndWriteFile(t *testing.T) {
	dir := t.TempDir()
	fs := sampleTree(t, false)
	p := filepath.Join(dir, "layer.tar")
	must(t, os.WriteFile(p, []byte("old"), 0600))
	must(t, WriteFile(p, fs, Options{}))
	got, err := os.ReadFile(p)
	must(t, err)
	if !bytes.Equal(got, layerOf(t, fs, Options{})) {
		t.Errorf("WriteFile wrote other bytes than Write")
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0644 {
		t.Errorf("mode %v", fi.Mode())
	}
	onlyFile(t, dir, "layer.tar")

	back, err := Open(p)
	must(t, err)
	defer back.Close()
	sameLines(t, "Open", describe(memEntries(t, fs)), describe(memEntries(t, back)))

	if _, err := Open(filepath.Join(dir, "missing.tar")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open of a missing file: %v", err)
	}
}

// onlyFile checks that dir holds nothing but name.
func onlyFile(t testing.TB, dir, name string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	must(t, err)
	if len(ents) != 1 || ents[0].Name() != name {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("%s holds %q, want only %q", dir, names, name)
	}
}

func TestWriteFileFails(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "layer.tar")
	must(t, os.WriteFile(p, []byte("old"), 0600))

	// A writer that fails after writing part of the file.
	boom := errors.New("boom")
	err := atomicWrite(p, func(w io.Writer) error {
		w.Write(bytes.Repeat([]byte("x"), 200000))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("atomicWrite: %v", err)
	}
	onlyFile(t, dir, "layer.tar")
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Errorf("the old file was changed: %d bytes", len(got))
	}

	// A real Write that fails half-way: a view of another user cannot
	// read a file of mode 0600.
	fs := sampleTree(t, false)
	view := fs.As(linuxvfs.Who{Uid: 1234, Gid: 1234}).(*mem.FS)
	err = WriteFile(p, view, Options{})
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "a/x: permission denied") {
		t.Errorf("WriteFile as another user: %v", err)
	}
	onlyFile(t, dir, "layer.tar")
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Errorf("the old file was changed: %d bytes", len(got))
	}

	// No directory to write in: nothing is created.
	if err := WriteFile(filepath.Join(dir, "no", "layer.tar"), fs, Options{}); err == nil {
		t.Errorf("WriteFile into a missing directory: no error")
	}
	onlyFile(t, dir, "layer.tar")
}

// tarOf builds a tar from headers, with data for the regular files.
func tarOf(t testing.TB, hdrs ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range hdrs {
		must(t, tw.WriteHeader(h))
		if h.Typeflag == tar.TypeReg {
			_, err := tw.Write(bytes.Repeat([]byte{'d'}, int(h.Size)))
			must(t, err)
		}
	}
	must(t, tw.Close())
	return buf.Bytes()
}

func TestReadReplaces(t *testing.T) {
	mt := time.Unix(1e9, 0)
	layer := tarOf(t,
		&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0700, Uid: 5, ModTime: mt},
		&tar.Header{Name: "./d/f", Typeflag: tar.TypeReg, Mode: 0644, Size: 3, ModTime: mt},
		&tar.Header{Name: "d", Typeflag: tar.TypeReg, Mode: 0600, Size: 1, ModTime: mt},        // replaces the directory
		&tar.Header{Name: "e/", Typeflag: tar.TypeDir, Mode: 0755, ModTime: mt},                // new
		&tar.Header{Name: "e//", Typeflag: tar.TypeDir, Mode: 0711, Gid: 9, ModTime: mt},       // same directory: new attributes
		&tar.Header{Name: "e/l", Typeflag: tar.TypeSymlink, Linkname: "../d", ModTime: mt},     // symlink
		&tar.Header{Name: "e/l", Typeflag: tar.TypeLink, Linkname: "./d", ModTime: mt},         // replaced by a hard link
		&tar.Header{Name: "e/l", Typeflag: tar.TypeLink, Linkname: "e/l", ModTime: mt},         // itself: nothing to do
		&tar.Header{Name: "x/y/../z", Typeflag: tar.TypeReg, Mode: 0644, Size: 2, ModTime: mt}, // parent x made
	)
	fs := roundTrip(t, layer)
	got := describe(memEntries(t, fs))
	lines := []string{
		"d f 0600 0:0 2001-09-09T01:46:40Z 1 18ac3e7343f01689",
		"e d 0711 0:9 2001-09-09T01:46:40Z 0 e3b0c44298fc1c14",
		"e/l f 0600 0:0 2001-09-09T01:46:40Z 1 18ac3e7343f01689 =d",
		"x d 0755 0:0 " + statOf(t, fs, "x").Mtime.UTC().Format(time.RFC3339Nano) + " 0 e3b0c44298fc1c14",
		"x/z f 0644 0:0 2001-09-09T01:46:40Z 2 9b7ecc6eeb83abf9",
	}
	sameLines(t, "replacing", lines, got)
	if st := statOf(t, fs, "/"); st.Mode&07777 != 0700 || st.Uid != 5 || !st.Mtime.Equal(mt) {
		t.Errorf("root: mode %#o uid %d mtime %v", st.Mode&07777, st.Uid, st.Mtime)
	}
}

func statOf(t testing.TB, fs *mem.FS, name string) *mem.Stat {
	t.Helper()
	fi, err := fs.Lstat(name)
	must(t, err)
	return fi.Sys().(*mem.Stat)
}

// Devices and FIFOs are kept (as mem's special files); what mem cannot
// hold is skipped and reported.
func TestReadSpecialAndSkips(t *testing.T) {
	mt := time.Unix(1e9, 0)
	layer := tarOf(t,
		&tar.Header{Name: "dev/", Typeflag: tar.TypeDir, Mode: 0755, ModTime: mt},
		&tar.Header{Name: "dev/null", Typeflag: tar.TypeChar, Mode: 0666, Devmajor: 1, Devminor: 3, ModTime: mt},
		&tar.Header{Name: "dev/sda", Typeflag: tar.TypeBlock, Mode: 0660, Devmajor: 8, ModTime: mt},
		&tar.Header{Name: "fifo", Typeflag: tar.TypeFifo, Mode: 0644, ModTime: mt},
		&tar.Header{Name: "odd", Typeflag: 'Z', Mode: 0644, ModTime: mt},
		&tar.Header{Name: "f", Typeflag: tar.TypeReg, Mode: 0644, Size: 5, ModTime: mt},
	)
	fs := mem.New()
	defer fs.Close()
	err := Read(bytes.NewReader(layer), fs)
	var se *SkippedError
	if !errors.Is(err, ErrSkipped) || !errors.As(err, &se) || len(se.Entries) != 1 || se.Entries[0].Name != "odd" {
		t.Fatalf("Read: %v", err)
	}
	if !strings.Contains(err.Error(), "unsupported entry type") {
		t.Errorf("message: %v", err)
	}
	sameLines(t, "after reading", []string{
		"dev d 0755 0:0 2001-09-09T01:46:40Z 0 e3b0c44298fc1c14",
		"dev/null c 0666 0:0 2001-09-09T01:46:40Z 3 1:3",
		"dev/sda b 0660 0:0 2001-09-09T01:46:40Z 3 8:0",
		"f f 0644 0:0 2001-09-09T01:46:40Z 5 af4764571f217a9b",
		"fifo p 0644 0:0 2001-09-09T01:46:40Z 0 e3b0c44298fc1c14",
	}, describe(memEntries(t, fs)))
}

// TestDiffModified: entries the writer marks as replacing a lower file are
// M in Diff, the others A; GNU tar ignores the mark (a PAX comment).
func TestDiffModified(t *testing.T) {
	fs := mem.New()
	defer fs.Close()
	must(t, afero.WriteFile(fs, "/old", []byte("x"), 0o644))
	must(t, afero.WriteFile(fs, "/new", []byte("y"), 0o644))
	layer := layerOf(t, fs, Options{Modified: func(p string) bool { return p == "old" }})
	ch, err := Diff(bytes.NewReader(layer))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range ch {
		got = append(got, string(c.Kind)+" "+c.Path)
	}
	if strings.Join(got, ",") != "A /new,M /old" {
		t.Fatalf("diff %v", got)
	}
}

// FIFOs and devices travel through a layer (sockets are not archived, as
// tar does not archive them).
func TestRoundTripSpecial(t *testing.T) {
	fs := mem.New()
	defer fs.Close()
	must(t, fs.Mkdir("dev", 0755))
	must(t, fs.Mknod("dev/null", unix.S_IFCHR|0666, unix.Mkdev(1, 3)))
	must(t, fs.Mknod("dev/loop0", unix.S_IFBLK|0660, unix.Mkdev(7, 0)))
	must(t, fs.Mknod("fifo", unix.S_IFIFO|0640, 0))
	must(t, fs.Link("fifo", "fifo2"))
	must(t, fs.Mknod("sock", unix.S_IFSOCK|0600, 0))
	want := describe(memEntries(t, roundTrip(t, layerOf(t, fs, Options{}))))
	must(t, fs.Remove("sock"))
	sameLines(t, "special files", describe(memEntries(t, fs)), want)
}

// Extended attributes travel as SCHILY.xattr. PAX records, as GNU tar
// writes them, and come back.
func TestRoundTripXattrs(t *testing.T) {
	fs := mem.New()
	defer fs.Close()
	must(t, afero.WriteFile(fs, "/f", []byte("data"), 0o644))
	must(t, fs.Mkdir("/d", 0o755))
	must(t, fs.SetXattr("/f", "user.one", []byte("1"), 0, false))
	must(t, fs.SetXattr("/f", "security.capability", []byte{1, 0, 0, 2}, 0, false))
	must(t, fs.SetXattr("/d", "trusted.x", []byte("dir"), 0, false))
	layer := layerOf(t, fs, Options{})
	tr := tar.NewReader(bytes.NewReader(layer))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		must(t, err)
		if hdr.Name == "f" && hdr.PAXRecords["SCHILY.xattr.user.one"] != "1" {
			t.Errorf("f's records: %v", hdr.PAXRecords)
		}
	}
	back := roundTrip(t, layer)
	for _, c := range []struct{ name, attr, want string }{
		{"/f", "user.one", "1"}, {"/f", "security.capability", "\x01\x00\x00\x02"}, {"/d", "trusted.x", "dir"},
	} {
		if v, err := back.GetXattr(c.name, c.attr, false); err != nil || string(v) != c.want {
			t.Errorf("%s %s: %q %v, want %q", c.name, c.attr, v, err, c.want)
		}
	}
}
