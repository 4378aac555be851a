// oci_test.go checks that the upper layer is an OCI layer snapshot of the
// changes: exactly the new and changed files, .wh. whiteouts and
// .wh..wh..opq markers, copied-up parents with the lower attributes; that
// the host tree is untouched; and that the upper layer, reused as an
// upper layer or stacked as a MemLayer, gives the same merged tree.

package overlay

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
)

// ociChanges makes changes of every kind through fs.
func ociChanges(t *testing.T, fs *FS) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f, err := fs.OpenFile("/a.txt", os.O_WRONLY|os.O_APPEND, 0)
	must(err)
	_, err = f.Write([]byte("more\n"))
	must(err)
	must(f.Close())
	must(fs.Remove("/b.txt"))
	must(fs.RemoveAll("/d"))
	must(fs.Mkdir("/d", 0700))
	must(afero.WriteFile(fs, "/d/new", []byte("new\n"), 0644))
	must(fs.Rename("/e", "/e2"))
	must(fs.Chmod("/ro/x", 0600))
	must(fs.Rmdir("/tmp/../e2"))
	must(afero.WriteFile(fs, "/n.txt", []byte("n\n"), 0644))
	must(fs.Symlink("n.txt", "/ln"))
	must(fs.Link("/hl1", "/hl3"))
	must(fs.Remove("/tmp/r"))
	must(fs.Rename("/tmp/u", "/tmp/r"))
	must(fs.Remove("/sym"))
	must(fs.Mkdir("/sym", 0755))
}

// wantUpper is the upper layer ociChanges leaves: path, type and content.
var wantUpper = []string{
	"/ d",
	"/.wh.b.txt f ",
	"/.wh.e f ",
	"/a.txt f alpha\\nmore\\n",
	"/d d",
	"/d/.wh..wh..opq f ",
	"/d/new f new\\n",
	"/hl1 f hard\\n",
	"/hl3 f hard\\n",
	"/ln l n.txt",
	"/n.txt f n\\n",
	"/ro d",
	"/ro/x f x\\n",
	"/sym d",
	"/sym/.wh..wh..opq f ",
	"/tmp d",
	"/tmp/r f user's\\n",
	"/tmp/.wh.u f ",
}

// listUpper lists a mem.FS as "path type content".
func listUpper(t *testing.T, fs *mem.FS) []string {
	t.Helper()
	var out []string
	var walk func(p string)
	walk = func(p string) {
		fi, err := fs.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case fi.IsDir():
			out = append(out, p+" d")
			names, err := afero.ReadDir(fs, p)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				walk(strings.TrimSuffix(p, "/") + "/" + n.Name())
			}
		case fi.Mode()&os.ModeSymlink != 0:
			target, _ := fs.Readlink(p)
			out = append(out, p+" l "+target)
		default:
			b, err := afero.ReadFile(fs, p)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p+" f "+strings.ReplaceAll(string(b), "\n", "\\n"))
		}
	}
	walk("/")
	return out
}

func TestOCIRepresentation(t *testing.T) {
	requireRoot(t)
	fs, lower := newOverlay(t)
	before := snapshot(t, lower)
	ociChanges(t, fs)
	diffLines(t, "upper layer", wantUpper, listUpper(t, fs.Upper()))
	diffLines(t, "lower tree", before, snapshot(t, lower))

	// Copied-up files and parents carry the lower attributes.
	for _, p := range []string{"ro", "ro/x", "tmp", "hl1"} {
		var host unix.Stat_t
		if err := unix.Lstat(lower+"/"+p, &host); err != nil {
			t.Fatal(err)
		}
		fi, err := fs.Upper().Lstat("/" + p)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := statOf(fi)
		want := host.Mode
		if p == "ro/x" {
			want = want&^07777 | 0600 // chmod'ed
		}
		if st.Mode != want || st.Uid != host.Uid || st.Gid != host.Gid {
			t.Errorf("%s: upper %o %d:%d, lower %o %d:%d", p, st.Mode, st.Uid, st.Gid, host.Mode, host.Uid, host.Gid)
		}
		if p == "ro" || p == "ro/x" || p == "hl1" {
			if !st.Mtime.Equal(baseTime) {
				t.Errorf("%s: upper mtime %v, lower %v", p, st.Mtime, baseTime)
			}
		}
	}
}

// TestUpperIsSnapshot reuses the upper layer of one overlay in two ways
// and expects the same merged tree: as the upper layer of a new overlay,
// and as a MemLayer (an OCI layer) under a fresh upper layer.
func TestUpperIsSnapshot(t *testing.T) {
	requireRoot(t)
	fs, lower := newOverlay(t)
	ociChanges(t, fs)
	want := listFS(t, fs)
	again := New([]Layer{HostDir(lower)}, fs.Upper())
	diffLines(t, "upper reused", want, listFS(t, again))
	stacked := New([]Layer{HostDir(lower), MemLayer(fs.Upper())}, nil)
	got := listFS(t, stacked)
	// The root's attributes come from the topmost lower root, here the
	// upper layer's; and merged directories count differently: compare
	// without the root line and link counts of directories.
	diffLines(t, "upper as a layer", dirNlinkless(want), dirNlinkless(got))
}

// dirNlinkless drops the root and the link counts of directories.
func dirNlinkless(lines []string) []string {
	var out []string
	for _, l := range lines {
		f := strings.Fields(l)
		if f[0] == "/" {
			continue
		}
		if f[1] == "d" {
			l = strings.Join(f[:4], " ")
		}
		out = append(out, l)
	}
	return out
}

// TestCopyUpKeepsTimes checks that a copy-up keeps the file's times and
// its upper parent's.
func TestCopyUpKeepsTimes(t *testing.T) {
	requireRoot(t)
	fs, _ := newOverlay(t)
	if err := fs.Chmod("/d/sub/g", 0600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/d", "/d/sub", "/d/sub/g"} {
		fi, err := fs.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*mem.Stat)
		if !st.Mtime.Equal(baseTime) || !st.Atime.Before(time.Now().Add(-time.Hour)) {
			t.Errorf("%s: times %v %v after a copy-up, want %v", p, st.Atime, st.Mtime, baseTime)
		}
	}
}
