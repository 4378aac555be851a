// writermode_test.go tests the permission bits a writer leaves on a file's
// data (caps.ModeXattr, the stub's fchmod of a file it is writing): read
// back while the file has had a writer, ignored for a file that never had
// one, replaced by a chmod of the tree's own, and settable only by the
// data's owner.

package mem

import (
	"encoding/binary"
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// leaveMode sets the writer's bits on the data behind fd, as the stub does.
func leaveMode(fd int, mode uint32) error {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], mode)
	return unix.Fsetxattr(fd, caps.ModeXattr, b[:], 0)
}

// openFd creates name in a new tree with flag and perm and returns the
// tree and the kernel descriptor of the File, both closed at the test's end.
func openFd(t *testing.T, name string, flag int, perm os.FileMode) (*FS, int) {
	t.Helper()
	fs := New()
	t.Cleanup(func() { fs.Close() })
	f, err := fs.OpenFile(name, flag, perm)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return fs, int(f.(*File).Fd())
}

func permOf(t *testing.T, fs *FS, name string) uint32 {
	t.Helper()
	fi, err := fs.Lstat(name)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*Stat).Mode & 07777
}

func TestWriterMode(t *testing.T) {
	fs, fd := openFd(t, "/w", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)

	if err := leaveMode(fd, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := permOf(t, fs, "/w"); got != 0o644 {
		t.Fatalf("after a writer's 0644: mode %o", got)
	}
	// Set-ID bits are never taken from there; the sticky bit is.
	if err := leaveMode(fd, 0o6000|0o1751); err != nil {
		t.Fatal(err)
	}
	if got := permOf(t, fs, "/w"); got != 0o1751 {
		t.Fatalf("after a writer's 07751: mode %o, want 1751", got)
	}
	// The tree's own chmod comes after it, and puts its bits in their
	// place (a stub reads them there, with an entry of before the chmod).
	if err := fs.Chmod("/w", 0o640); err != nil {
		t.Fatal(err)
	}
	if got := permOf(t, fs, "/w"); got != 0o640 {
		t.Fatalf("after chmod 0640: mode %o", got)
	}
	b := make([]byte, 4)
	if n, err := unix.Fgetxattr(fd, caps.ModeXattr, b); err != nil || n != 4 || binary.LittleEndian.Uint32(b) != 0o640 {
		t.Fatalf("the data's bits after chmod 0640: %v %v, want 0640", b, err)
	}
	// Permission checks judge the writer's bits: 0 lets an ordinary user
	// open nothing.
	if err := leaveMode(fd, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Open("/w"); err != nil {
		t.Fatalf("root opening a 0000 file: %v", err)
	}
	if err := fs.Chown("/w", 4321, 4321); err != nil {
		t.Fatal(err)
	}
	other := fs.As(linuxvfs.Who{Uid: 4321, Gid: 4321})
	if _, err := other.Open("/w"); !errors.Is(err, unix.EACCES) {
		t.Fatalf("the owner opening a file a writer made 0000: %v, want EACCES", err)
	}
	// A value of the wrong size is no mode.
	if err := unix.Fsetxattr(fd, caps.ModeXattr, []byte{0o4, 0o4}, 0); err != nil {
		t.Fatal(err)
	}
	if got := permOf(t, fs, "/w"); got != 0o640 {
		t.Fatalf("after a 2-byte value: mode %o, want the tree's 0640", got)
	}
}

// TestWriterModeNeedsWriter: the bits of a file no one was handed for
// writing are the tree's, whatever its data carries.
func TestWriterModeNeedsWriter(t *testing.T) {
	fs, fd := openFd(t, "/r", os.O_RDONLY|os.O_CREATE, 0o600)
	if err := leaveMode(fd, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := permOf(t, fs, "/r"); got != 0o600 {
		t.Fatalf("mode %o, want the tree's 0600", got)
	}
}

// TestDataOwnerOnly: the data's inode is writable by its owner alone, so
// no other user can leave bits on it.
func TestDataOwnerOnly(t *testing.T) {
	fs, fd := openFd(t, "/o", os.O_RDWR|os.O_CREATE, 0o666)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		t.Fatal(err)
	}
	if st.Mode&07777 != dataPerm {
		t.Fatalf("memfd mode %o, want %o", st.Mode&07777, dataPerm)
	}
	err := asUser(Cred{Uid: 65534, Gid: 65534}, func() error { return leaveMode(fd, 0o777) })
	if !errors.Is(err, unix.EACCES) && !errors.Is(err, unix.EPERM) {
		t.Fatalf("another user leaving bits: %v, want EACCES", err)
	}
	if got := permOf(t, fs, "/o"); got != 0o666 {
		t.Fatalf("mode %o after another user's try", got)
	}
}
