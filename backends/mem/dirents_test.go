package mem

import (
	"fmt"
	"testing"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"
)

// TestDirentsFollowChanges: the cached listing Dirents returns changes with
// every call that changes the directory, an exchange of a file and a
// directory (same names, other inodes and types) included.
func TestDirentsFollowChanges(t *testing.T) {
	fs := New()
	if err := fs.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := fs.Mkdir("/d/sub", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := afero.WriteFile(fs, "/d/f", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	list := func() string {
		t.Helper()
		f, err := fs.Open("/d")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		ents, err := f.(*File).Dirents()
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for _, e := range ents {
			s += fmt.Sprintf("%s:%d ", e.Name, e.Type)
		}
		return s
	}
	check := func(want string) {
		t.Helper()
		for i := 0; i < 2; i++ {
			if got := list(); got != want {
				t.Fatalf("listing %q, want %q", got, want)
			}
		}
	}
	check(fmt.Sprintf("f:%d sub:%d ", unix.DT_REG, unix.DT_DIR))
	if err := fs.RenameFlags("/d/f", "/d/sub", unix.RENAME_EXCHANGE); err != nil {
		t.Fatal(err)
	}
	check(fmt.Sprintf("f:%d sub:%d ", unix.DT_DIR, unix.DT_REG))
	if err := fs.Rename("/d/sub", "/d/a"); err != nil {
		t.Fatal(err)
	}
	check(fmt.Sprintf("a:%d f:%d ", unix.DT_REG, unix.DT_DIR))
	if err := fs.Remove("/d/a"); err != nil {
		t.Fatal(err)
	}
	check(fmt.Sprintf("f:%d ", unix.DT_DIR))
}
