package rotree

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// TestHelper: the copy made by the helper (this test binary run again in
// new user and mount namespaces, as for an ordinary user) is usable here
// and read-only.
func TestHelper(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/f", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := fromHelper(dir)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	defer unix.Close(root)
	fd, err := unix.Openat(root, "f", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	unix.Close(fd)
	if _, err := unix.Openat(root, "f", unix.O_RDWR|unix.O_CLOEXEC, 0); err != unix.EROFS {
		t.Errorf("open for writing: %v, want EROFS", err)
	}
}
