// layers_kernel_test.go holds the differential test of several lower
// layers: the kernel gets a second lower directory with overlayfs's own
// whiteouts (character devices 0/0) and opaque directories (the
// trusted.overlay.opaque xattr); the overlay gets the same layer as an
// OCI layer in a mem.FS (MemLayer, .wh. files).

package overlay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
)

// layerSpec is the second layer: "path" a file with that content, "path/"
// a directory, "-path" a whiteout, "path/!" an opaque directory.
var layerSpec = []string{
	"-a.txt", "d/", "-d/f", "d/sub/!", "d/sub/z=zed", "new.txt=new", "ro=file over a directory",
	"e/!", "e/y=why", "tmp/", "-tmp/r", "tmp/r2=r2", "pub/", "pub/sub/", "pub/sub/s=s",
}

// hostLayer builds layerSpec in the kernel's form.
func hostLayer(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, s := range layerSpec {
		p := filepath.Join(dir, strings.TrimPrefix(strings.TrimSuffix(strings.SplitN(s, "=", 2)[0], "!"), "-"))
		var err error
		switch {
		case strings.HasPrefix(s, "-"):
			err = unix.Mknod(p, unix.S_IFCHR, 0)
		case strings.HasSuffix(s, "!"):
			if err = os.MkdirAll(p, 0755); err == nil {
				err = unix.Setxattr(p, "trusted.overlay.opaque", []byte("y"), 0)
			}
		case strings.HasSuffix(s, "/"):
			err = os.MkdirAll(p, 0755)
		default:
			err = os.WriteFile(p, []byte(strings.SplitN(s, "=", 2)[1]), 0644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	chmodDirs(t, dir)
	return dir
}

// chmodDirs makes every directory under dir 0755, whatever the umask.
func chmodDirs(t *testing.T, dir string) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() {
			err = os.Chmod(p, 0755)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// memLayerOf builds layerSpec as an OCI layer.
func memLayerOf(t *testing.T) *mem.FS {
	t.Helper()
	l := mem.New()
	for _, s := range layerSpec {
		name, data, _ := strings.Cut(s, "=")
		var err error
		switch {
		case strings.HasPrefix(name, "-"):
			p := "/" + strings.TrimPrefix(name, "-")
			err = afero.WriteFile(l, parentOf(p)+"/.wh."+filepath.Base(p), nil, 0644)
		case strings.HasSuffix(name, "!"):
			p := "/" + strings.TrimSuffix(name, "/!")
			if err = l.MkdirAll(p, 0755); err == nil {
				err = afero.WriteFile(l, p+"/.wh..wh..opq", nil, 0644)
			}
		case strings.HasSuffix(name, "/"):
			err = l.MkdirAll("/"+name, 0755)
		default:
			err = afero.WriteFile(l, "/"+name, []byte(data), 0644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func TestKernelLayers(t *testing.T) {
	requireRoot(t)
	old := unix.Umask(0)
	defer unix.Umask(old)
	top, bottom := hostLayer(t), newLower(t, lowerTree)
	mnt := mountOverlay(t, top+":"+bottom)
	ours := newLower(t, lowerTree)
	before := snapshot(t, ours)
	fs := New([]Layer{HostDir(ours), MemLayer(memLayerOf(t))}, nil)
	k, o := kernelRunner{root: mnt}, overlayRunner{fs: fs}
	diffLines(t, "initial tree", listHost(t, mnt), listFS(t, fs))
	for _, line := range []string{
		"ls /", "ls d", "ls d/sub", "ls e", "ls tmp", "ls pub", "ls pub/sub", "stat d", "stat d/sub", "stat pub",
		"read ro", "stat a.txt =ENOENT", "read d/sub/z",
		"unlink new.txt", "put a.txt back", "unlink d/sub/z", "rmdir d/sub", "ls d", "mkdir d/sub 0755", "rmdir d =ENOTEMPTY", "rmdir d/sub", "rmdir d", "mkdir d 0711", "ls d",
		"unlink d/sub =ENOENT", "mkdir d/sub 0700", "ls d/sub", "stat d", "put tmp/r again", "ls tmp",
		"unlink pub/sub/s", "rmdir pub/sub", "unlink pub/p", "rmdir pub", "mkdir pub 0755", "ls pub",
		"rename tmp/r2 e/y", "ls e", "read e/y", "chmod e 0700", "stat e", "ls /",
	} {
		s := parseStep(line)
		ko, oo := k.run(s), o.run(s)
		if s.want != "" && ko.err != strings.TrimPrefix(s.want, "ok") {
			t.Errorf("%q: the kernel says %q (the scenario expects %s)", line, ko.err, s.want)
		}
		if ko != oo {
			t.Errorf("%q: kernel %+v, overlay %+v", line, ko, oo)
		}
		diffLines(t, "tree after "+line, listHost(t, mnt), listFS(t, fs))
		if t.Failed() {
			return
		}
	}
	diffLines(t, "lower tree", before, snapshot(t, ours))
}
