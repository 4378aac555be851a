package mem

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestCreateOutOfDescriptors: every regular file holds a memfd, so a
// process short of descriptors cannot create more (ENOSPC: the tree is
// full); the failed create must leave no file behind (it once left a name
// that rmdir then tripped on).
func TestCreateOutOfDescriptors(t *testing.T) {
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	fs := New()
	defer fs.Close()
	if err := fs.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	// Room for a few dozen descriptors only.
	low := unix.Rlimit{Cur: 64, Max: old.Max}
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	defer unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
	var failed string
	for i := 0; i < 200; i++ {
		name := fmt.Sprintf("/d/f%d", i)
		f, err := fs.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o644)
		if err != nil {
			// ENOSPC making the file's data (the tree is full), EMFILE
			// opening the File's own descriptor.
			if !errors.Is(err, syscall.ENOSPC) && !errors.Is(err, syscall.EMFILE) {
				t.Fatalf("%s: %v, want ENOSPC or EMFILE", name, err)
			}
			failed = name
			break
		}
		defer f.Close()
	}
	if failed == "" {
		t.Fatal("never ran out of descriptors")
	}
	unix.Setrlimit(unix.RLIMIT_NOFILE, &old)
	if _, err := fs.Lstat(failed); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("after a failed create, lstat %s: %v, want ENOENT", failed, err)
	}
}
