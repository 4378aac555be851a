package overlay

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
)

// countingLayer counts the Lstat calls that reach the layer under it.
type countingLayer struct {
	Layer
	lstats int
}

func (c *countingLayer) Lstat(p string) (mem.Stat, error) {
	c.lstats++
	return c.Layer.Lstat(p)
}

// TestCachedLayerMissingNames: a name missing from a directory the cache
// has listed is ENOENT without asking the layer; names that are there, and
// names under something that is not a directory, get the layer's own
// answers.
func TestCachedLayerMissingNames(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"d/a", "f"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	under := &countingLayer{Layer: HostDir(dir)}
	c := newCached(under)
	// Layer paths are relative, "" the root.
	if _, err := c.Lstat("d/a"); err != nil {
		t.Fatalf("lstat d/a: %v", err)
	}
	if under.lstats != 3 { // "", d, d/a
		t.Fatalf("lstat d/a asked the layer %d times, want 3", under.lstats)
	}
	asked := under.lstats
	for _, p := range []string{"d/new", "d/.wh.new", "d/other", "new", ".wh.d"} {
		_, err := c.Lstat(p)
		if !errors.Is(err, unix.ENOENT) {
			t.Fatalf("lstat %s: %v, want ENOENT", p, err)
		}
		if under.lstats != asked {
			t.Fatalf("lstat %s asked the layer (%d calls, %d before)", p, under.lstats, asked)
		}
	}
	if _, err := c.Lstat("f/x"); !errors.Is(err, unix.ENOTDIR) {
		t.Fatalf("lstat f/x: %v, want ENOTDIR", err)
	}
	if st, err := c.Lstat("f"); err != nil || st.Size != 1 {
		t.Fatalf("lstat f: %+v, %v", st, err)
	}
}
