package posix

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hanwen/go-fuse/v2/posixtest"
)

// TestPosix runs every test of posixtest.All, in name order, each in a fresh
// subdirectory DIR/NAME, DIR being the argument after the flags
// (`posix.test -test.v DIR`). DIR must exist: a binary the hook did not
// reach would otherwise make the mount's path on the host. NAME may exist
// already if it is empty (an overlay's lower directory). With -test.v each
// test ends in a line "--- PASS: TestPosix/NAME", "--- FAIL: …" or
// "--- SKIP: …".
func TestPosix(t *testing.T) {
	if flag.NArg() != 1 {
		t.Fatalf("usage: posix.test [-test.v] DIR (got %q)", flag.Args())
	}
	dir := flag.Arg(0)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("%s is not a directory (%v): not run under zvfs?", dir, err)
	}
	if !Cgo() {
		t.Fatal("not linked with cgo")
	}
	names := make([]string, 0, len(posixtest.All))
	for name := range posixtest.All {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fn := posixtest.All[name]
		t.Run(name, func(t *testing.T) {
			sub := filepath.Join(dir, name)
			if err := os.Mkdir(sub, 0o755); errors.Is(err, fs.ErrExist) {
				if entries, err := os.ReadDir(sub); err != nil || len(entries) != 0 {
					t.Fatalf("%s exists and is not an empty directory (%v)", sub, err)
				}
			} else if err != nil {
				t.Fatalf("Mkdir: %v", err)
			}
			fn(t, sub)
		})
	}
}
