package mem

import (
	"os"
	"slices"
	"testing"
	"time"
)

// The change log names what each change touched, in order: the directory
// entries added, removed or replaced, and the inodes whose permissions,
// owner or extended attributes were set. A change that does not log
// itself, or a count the log no longer reaches, says it cannot tell.
func TestChangesSince(t *testing.T) {
	fs := New()
	ino := func(p string) uint64 {
		t.Helper()
		st, err := fs.LstatMeta(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Ino
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	root := ino("/")
	must(fs.Mkdir("/d", 0o755))
	d := ino("/d")
	must(fs.Mkdir("/e", 0o755))
	e := ino("/e")
	steps := []struct {
		name string
		do   func() error
		want []Change // nil: the log cannot tell
	}{
		{"create", func() error { return createEmpty(fs, "/d/f") }, []Change{{d, "f"}}},
		{"a failed create", func() error {
			_, err := fs.OpenFile("/d/f", os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
			if err == nil {
				return os.ErrInvalid
			}
			return nil
		}, []Change{}},
		{"rename", func() error { return fs.Rename("/d/f", "/e/g") }, []Change{{d, "f"}, {e, "g"}}},
		{"link", func() error { return fs.Link("/e/g", "/d/h") }, []Change{{d, "h"}}},
		{"symlink", func() error { return fs.Symlink("x", "/s") }, []Change{{root, "s"}}},
		{"unlink", func() error { return fs.Remove("/s") }, []Change{{root, "s"}}},
		{"chmod", func() error { return fs.Chmod("/d", 0o700) }, []Change{{d, ""}}},
		{"chown", func() error { return fs.Lchown("/e", 1, 1) }, []Change{{e, ""}}},
		{"setxattr", func() error { return fs.SetXattr("/d", "user.k", []byte("v"), 0, false) }, []Change{{d, ""}}},
		{"times", func() error { return fs.Chtimes("/d", time.Unix(1, 0), time.Unix(1, 0)) }, []Change{}},
		{"rmdir", func() error { return fs.Remove("/e/g") }, []Change{{e, "g"}}},
		{"chmod through a file", func() error {
			f, err := fs.Open("/d")
			if err != nil {
				return err
			}
			defer f.Close()
			return f.(*File).Chmod(0o755)
		}, nil},
	}
	for _, s := range steps {
		from := fs.Gen()
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		var got []Change
		ok := fs.ChangesSince(from, fs.Gen(), func(c Change) { got = append(got, c) })
		switch {
		case s.want == nil && ok:
			t.Errorf("%s: the log tells %v, for a change it does not log", s.name, got)
		case s.want != nil && (!ok || !slices.Equal(got, s.want) && !(len(got) == 0 && len(s.want) == 0)):
			t.Errorf("%s: the log tells %v (%v), want %v", s.name, got, ok, s.want)
		}
	}
	// Too far back, or a count under way.
	from := fs.Gen()
	for range logSections + 1 {
		must(fs.Chmod("/d", 0o700))
	}
	if fs.ChangesSince(from, fs.Gen(), func(Change) {}) {
		t.Errorf("the log tells %d changes back, holding %d", logSections+1, logSections)
	}
	if fs.ChangesSince(fs.Gen()-1, fs.Gen(), func(Change) {}) {
		t.Errorf("the log tells from an odd count")
	}
}

func createEmpty(fs *FS, p string) error {
	f, err := fs.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}
