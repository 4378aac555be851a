// diff_test.go tests Diff and DiffAgainst.

package layer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zvfs/zvfs/backends/mem"
)

// rawEntry is the header of an empty file, or of a directory if name ends
// in "/".
func rawEntry(name string) *tar.Header {
	if strings.HasSuffix(name, "/") {
		return &tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0755}
	}
	return &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0644}
}

// diffLayer is a layer that adds, replaces and deletes.
func diffLayer(t testing.TB) []byte {
	fs := mem.New()
	defer fs.Close()
	for _, d := range []string{"a", "b", "c", "d", "l", "a.b"} {
		must(t, fs.Mkdir(d, 0755))
	}
	for _, name := range []string{
		"a/.wh..wh..opq", "a/new", // a made opaque, with a new file
		"b/.wh.gone",       // a deletion in b
		"c/.wh.c2", "c/c2", // c2 deleted and made again
		".wh.top",        // a deletion at the top
		"d/.wh..wh.plnk", // AUFS metadata
		"e", "l/x", "a.b/y",
	} {
		f, err := fs.Create(name)
		must(t, err)
		f.Close()
	}
	must(t, fs.Symlink("e", "s"))
	must(t, fs.Link("e", "h"))
	return layerOf(t, fs, Options{})
}

func TestDiff(t *testing.T) {
	layer := diffLayer(t)
	ch, err := Diff(bytes.NewReader(layer))
	must(t, err)
	want := "[M /a A /a/new A /a.b A /a.b/y A /b D /b/gone A /c M /c/c2 A /d A /e A /h A /l A /l/x A /s D /top]"
	if got := fmt.Sprint(ch); got != want {
		t.Errorf("Diff:\n%s\nwant:\n%s", got, want)
	}

	// The same from gzip.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(layer)
	zw.Close()
	ch, err = Diff(&gz)
	must(t, err)
	if got := fmt.Sprint(ch); got != want {
		t.Errorf("Diff of gzip: %s", got)
	}

	// An opaque directory that is not an entry itself, and the root.
	layer = tarOf(t, rawEntry("x/.wh..wh..opq"), rawEntry(".wh..wh..opq"), rawEntry("./"))
	ch, err = Diff(bytes.NewReader(layer))
	must(t, err)
	if got := fmt.Sprint(ch); got != "[M / M /x]" {
		t.Errorf("Diff of opaque markers: %s", got)
	}
}

func TestDiffAgainst(t *testing.T) {
	lower := t.TempDir()
	for _, d := range []string{"a", "b", "c", "real"} {
		must(t, os.Mkdir(filepath.Join(lower, d), 0755))
	}
	for _, f := range []string{"a/old", "b/gone", "e", "real/x"} {
		must(t, os.WriteFile(filepath.Join(lower, f), nil, 0644))
	}
	must(t, os.Symlink("b", filepath.Join(lower, "d")))
	// l is a symbolic link to a directory that has x: overlayfs does not
	// look through it, so l/x is new.
	must(t, os.Symlink("real", filepath.Join(lower, "l")))

	ch, err := DiffAgainst(bytes.NewReader(diffLayer(t)), lower)
	must(t, err)
	want := "[M /a A /a/new A /a.b A /a.b/y M /b D /b/gone M /c A /c/c2 M /d M /e A /h M /l A /l/x A /s]"
	if got := fmt.Sprint(ch); got != want {
		t.Errorf("DiffAgainst:\n%s\nwant:\n%s", got, want)
	}

	for _, bad := range []string{filepath.Join(lower, "missing"), filepath.Join(lower, "e")} {
		_, err := DiffAgainst(bytes.NewReader(diffLayer(t)), bad)
		if err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("DiffAgainst %s: %v", bad, err)
		}
	}
}

func TestDiffInvalidWhiteout(t *testing.T) {
	for _, name := range []string{".wh.", "d/.wh..", "d/.wh..."} {
		_, err := Diff(bytes.NewReader(tarOf(t, rawEntry(name))))
		if err == nil || !strings.Contains(err.Error(), "invalid whiteout") {
			t.Errorf("Diff of %q: %v", name, err)
		}
	}
}
