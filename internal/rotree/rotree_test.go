package rotree_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/rotree"
	"github.com/zvfs/zvfs/internal/testenv"
)

// TestReadOnly: files beneath the view are the directory's own and read as
// such; every way to change one through a descriptor of it, its reopen
// through /proc included, is EROFS, and the file stays as it was.
func TestReadOnly(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	if err := os.WriteFile(f, []byte("host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root, err := rotree.Open(dir)
	if err != nil {
		testenv.Missing(t, "a read-only view (open_tree, Linux 5.12, and user namespaces): %v", err)
	}
	defer unix.Close(root)
	fd, err := unix.Openat(root, "f", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var a, b unix.Stat_t
	if err := unix.Fstat(fd, &a); err != nil {
		t.Fatal(err)
	}
	if err := unix.Stat(f, &b); err != nil {
		t.Fatal(err)
	}
	if a.Dev != b.Dev || a.Ino != b.Ino {
		t.Errorf("beneath the view %d:%d, on the host %d:%d", a.Dev, a.Ino, b.Dev, b.Ino)
	}
	buf := make([]byte, 16)
	if n, err := unix.Read(fd, buf); err != nil || string(buf[:n]) != "host\n" {
		t.Errorf("read %q, %v", buf[:n], err)
	}
	link := "/proc/self/fd/" + strconv.Itoa(fd)
	for name, change := range map[string]func() error{
		"openat for writing": func() error {
			w, err := unix.Openat(root, "f", unix.O_WRONLY|unix.O_CLOEXEC, 0)
			if err == nil {
				unix.Close(w)
			}
			return err
		},
		"reopen for writing": func() error {
			w, err := unix.Open(link, unix.O_WRONLY|unix.O_TRUNC|unix.O_CLOEXEC, 0)
			if err == nil {
				unix.Close(w)
			}
			return err
		},
		"fchmod":    func() error { return unix.Fchmod(fd, 0o600) },
		"futimens":  func() error { return unix.UtimesNanoAt(fd, "", []unix.Timespec{{}, {}}, unix.AT_EMPTY_PATH) },
		"fsetxattr": func() error { return unix.Fsetxattr(fd, "user.k", []byte("v"), 0) },
		"create":    func() error { return unix.Mkdirat(root, "d", 0o755) },
	} {
		if err := change(); !errors.Is(err, unix.EROFS) {
			t.Errorf("%s: %v, want EROFS", name, err)
		}
	}
	if b, err := os.ReadFile(f); err != nil || string(b) != "host\n" {
		t.Errorf("the host file: %q, %v", b, err)
	}
}
