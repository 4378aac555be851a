package overlay

import (
	"os"
	"testing"
	"time"

	"github.com/zvfs/zvfs/backends/mem"
)

// Directories remembered by lookups follow every change: after each step
// (done through the overlay, then through an upper file's descriptor, and
// one to the upper tree itself), every path answers as it does from an
// overlay made anew over the same layers, which remembers nothing yet.
func TestDirCacheFollowsChanges(t *testing.T) {
	lower := newLower(t, lowerTree)
	upper := mem.New()
	fs := New([]Layer{HostDir(lower)}, upper)
	paths := []string{"/", "/d", "/d/sub", "/d/sub/g", "/d/x", "/d/x/g", "/e", "/e/n", "/e/n/m", "/d/f", "/ro", "/ro/x"}
	check := func(step string) {
		t.Helper()
		fresh := New([]Layer{HostDir(lower)}, upper)
		for _, p := range paths {
			want, werr := fresh.Lstat(p)
			got, gerr := fs.Lstat(p)
			if errName(werr) != errName(gerr) {
				t.Fatalf("%s: lstat %s: %v, a fresh overlay says %v", step, p, gerr, werr)
			}
			if werr == nil && *got.Sys().(*mem.Stat) != *want.Sys().(*mem.Stat) {
				t.Fatalf("%s: lstat %s: %+v, a fresh overlay says %+v", step, p, *got.Sys().(*mem.Stat), *want.Sys().(*mem.Stat))
			}
		}
	}
	check("start")
	steps := []struct {
		name string
		do   func() error
	}{
		{"chmod of a lower directory", func() error { return fs.Chmod("/d/sub", 0o700) }},
		{"times of a directory", func() error {
			tm := time.Unix(1e9, 0)
			return fs.Chtimes("/d", tm, tm)
		}},
		{"rename of a directory", func() error { return fs.Rename("/d/sub", "/d/x") }},
		{"mkdir where one was", func() error { return fs.Mkdir("/d/sub", 0o755) }},
		{"mkdir below", func() error { return fs.MkdirAll("/e/n/m", 0o755) }},
		{"remove of a tree", func() error { return fs.RemoveAll("/e/n") }},
		{"create in a directory", func() error { return writeNew(fs, "/e/n", "new") }},
		{"chmod through an upper file's descriptor", func() error {
			f, err := fs.OpenFile("/e/n", os.O_RDWR, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			return f.(interface{ Chmod(os.FileMode) error }).Chmod(0o600)
		}},
		{"a change of the upper tree itself", func() error { return upper.Chmod("/d", 0o711) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		check(s.name)
	}
}

func writeNew(fs *FS, name, data string) error {
	f, err := fs.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
