// layer_test.go checks the layers: a MemLayer holding an OCI layer (with
// whiteouts and an opaque directory) above a host directory, an
// overlayfs-style whiteout device in a host layer, and the lookup rules
// across several lower layers.

package overlay

import (
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
)

// ociLayer makes a mem.FS holding an OCI layer meant for lowerTree.
func ociLayer(t *testing.T) *mem.FS {
	t.Helper()
	l := mem.New()
	files := map[string]string{
		"/.wh.a.txt":              "",
		"/d/.wh.f":                "",
		"/d/sub/.wh..wh..opq":     "",
		"/d/sub/z":                "zed\n",
		"/new.txt":                "new\n",
		"/ro":                     "a file over a directory\n",
		"/e/.wh..wh..opq":         "",
		"/tmp/.wh.r":              "",
		"/tmp/r2":                 "r2\n",
		"/exec.sh/.wh.impossible": "", // a directory over a file
	}
	for p, data := range files {
		if err := l.MkdirAll(parentOf(p)+"/", 0755); err != nil {
			t.Fatal(err)
		}
		if err := afero.WriteFile(l, p, []byte(data), 0644); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func TestMemLayer(t *testing.T) {
	requireRoot(t)
	lower := newLower(t, lowerTree)
	fs := New([]Layer{HostDir(lower), MemLayer(ociLayer(t))}, nil)
	for p, want := range map[string]string{
		"/a.txt": "ENOENT", "/d/f": "ENOENT", "/d/sub/g": "ENOENT", "/tmp/r": "ENOENT",
		"/.wh.a.txt": "ENOENT", "/d/.wh.f": "ENOENT", "/d/sub/.wh..wh..opq": "ENOENT",
		"/new.txt": "", "/d/sub/z": "", "/b.txt": "", "/tmp/u": "", "/tmp/r2": "", "/ro/x": "ENOTDIR",
	} {
		if _, err := fs.Lstat(p); errName(err) != want {
			t.Errorf("lstat %s: %v, want %s", p, err, want)
		}
	}
	for p, want := range map[string]string{
		"/":  "b.txt broken d dsym e exec.sh grp hl1 hl2 new.txt owned pub ro suid sym tmp",
		"/d": "sub", "/d/sub": "z", "/e": "", "/tmp": "r2 u",
	} {
		if got := names(t, fs, p); got != want {
			t.Errorf("ls %s: %q, want %q", p, got, want)
		}
	}
	checkMode(t, fs, "/ro", 0644)      // the layer's file hides the lower directory
	checkMode(t, fs, "/exec.sh", 0755) // the layer's directory hides the lower file
	checkNlink(t, fs, "/d", 1)         // merged from two layers
	checkNlink(t, fs, "/d/sub", 2)     // opaque: the layer's own directory
	checkNlink(t, fs, "/b.txt", 1)

	// Changes over the layer: the upper layer records them against it.
	if err := afero.WriteFile(fs, "/a.txt", []byte("back\n"), 0644); err != nil {
		t.Fatal(err)
	}
	if err := fs.Remove("/new.txt"); err != nil {
		t.Fatal(err)
	}
	if err := fs.Remove("/d/sub/z"); err != nil {
		t.Fatal(err)
	}
	diffLines(t, "upper layer", []string{
		"/ d", "/a.txt f back\\n", "/.wh.new.txt f ", "/d d", "/d/sub d", "/d/sub/.wh.z f ",
	}, listUpper(t, fs.Upper()))
	if got := names(t, fs, "/d/sub"); got != "" {
		t.Errorf("ls /d/sub: %q, want nothing", got)
	}
}

func TestHostWhiteoutDevice(t *testing.T) {
	requireRoot(t)
	lower := newLower(t, lowerTree)
	top := t.TempDir()
	if err := unix.Mknod(top+"/a.txt", unix.S_IFCHR|0600, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(top+"/b.txt", []byte("top\n"), 0644); err != nil {
		t.Fatal(err)
	}
	fs := New([]Layer{HostDir(lower), HostDir(top)}, nil)
	if _, err := fs.Stat("/a.txt"); errName(err) != "ENOENT" {
		t.Errorf("stat /a.txt: %v, want ENOENT", err)
	}
	if b, err := afero.ReadFile(fs, "/b.txt"); err != nil || string(b) != "top\n" {
		t.Errorf("read /b.txt: %q %v", b, err)
	}
	if got := names(t, fs, "/"); got != "b.txt broken d dsym e exec.sh grp hl1 hl2 owned pub ro suid sym tmp" {
		t.Errorf("ls /: %q", got)
	}
}

// names lists the directory p of fs, space-separated.
func names(t *testing.T, fs afero.Fs, p string) string {
	t.Helper()
	d, err := fs.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	ns, err := d.Readdirnames(-1)
	if err != nil {
		t.Fatal(err)
	}
	s := ""
	for i, n := range ns {
		if i > 0 {
			s += " "
		}
		s += n
	}
	return s
}

func lstatOf(t *testing.T, fs afero.Fs, p string) mem.Stat {
	t.Helper()
	fi, _, err := fs.(afero.Lstater).LstatIfPossible(p)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := statOf(fi)
	if !ok {
		t.Fatalf("%s: Sys is %T", p, fi.Sys())
	}
	return st
}

func checkMode(t *testing.T, fs afero.Fs, p string, perm uint32) {
	t.Helper()
	if st := lstatOf(t, fs, p); st.Mode&07777 != perm {
		t.Errorf("%s: mode %o, want %o", p, st.Mode, perm)
	}
}

func checkNlink(t *testing.T, fs afero.Fs, p string, n uint64) {
	t.Helper()
	if st := lstatOf(t, fs, p); st.Nlink != n {
		t.Errorf("%s: link count %d, want %d", p, st.Nlink, n)
	}
}

// TestMemLayerDescriptors checks that a descriptor of a MemLayer file
// (a memfd) is recognised like a host one, and that changes through it
// copy the file up and leave the layer alone.
func TestMemLayerDescriptors(t *testing.T) {
	requireRoot(t)
	layer := ociLayer(t)
	fs := New([]Layer{HostDir(newLower(t, lowerTree)), MemLayer(layer)}, nil)
	f, err := fs.Open("/new.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := int(f.(interface{ Fd() uintptr }).Fd())
	if fd < 0 {
		t.Fatal("a MemLayer file has no descriptor")
	}
	df, err := openDataFile(fs, fd)
	if err != nil {
		t.Fatal(err)
	}
	defer df.Close()
	if err := df.(interface{ Chmod(os.FileMode) error }).Chmod(0600); err != nil {
		t.Fatal(err)
	}
	if st, ok := fs.StatData(fd); !ok || st.Mode&07777 != 0600 {
		t.Errorf("StatData: %o %v", st.Mode, ok)
	}
	checkMode(t, layer, "/new.txt", 0644)
	checkMode(t, fs.Upper(), "/new.txt", 0600)
}

// TestHostListingFollowsChanges: a host layer keeps the listings it read,
// and reads a directory again as soon as it changes (a name added,
// removed or renamed within it), each change made right after a listing.
func TestHostListingFollowsChanges(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b", "a", "c"} {
		if err := os.WriteFile(dir+"/"+n, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l := HostDir(dir)
	names := func() []string {
		t.Helper()
		ents, err := l.ReadDir("")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range ents {
			out = append(out, e.Name)
		}
		return out
	}
	check := func(want ...string) {
		t.Helper()
		if got := names(); !slices.Equal(got, want) {
			t.Fatalf("listing %q, want %q", got, want)
		}
		if got := names(); !slices.Equal(got, want) { // from the cache
			t.Fatalf("second listing %q, want %q", got, want)
		}
	}
	check("a", "b", "c")
	for i := 0; i < 50; i++ { // many changes, each right after a listing
		n := fmt.Sprintf("n%02d", i)
		if err := os.WriteFile(dir+"/"+n, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		check("a", "b", "c", n)
		if err := os.Rename(dir+"/"+n, dir+"/z"+n); err != nil {
			t.Fatal(err)
		}
		check("a", "b", "c", "z"+n)
		if err := os.Remove(dir + "/z" + n); err != nil {
			t.Fatal(err)
		}
		check("a", "b", "c")
	}
}
