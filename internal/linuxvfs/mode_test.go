package linuxvfs

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func TestModeConversions(t *testing.T) {
	for _, c := range []struct {
		st uint32
		fm os.FileMode
	}{
		{unix.S_IFREG | 0644, 0644},
		{unix.S_IFDIR | 01777, os.ModeDir | os.ModeSticky | 0777},
		{unix.S_IFLNK | 0777, os.ModeSymlink | 0777},
		{unix.S_IFIFO | 0600, os.ModeNamedPipe | 0600},
		{unix.S_IFSOCK | 0755, os.ModeSocket | 0755},
		{unix.S_IFCHR | 0666, os.ModeDevice | os.ModeCharDevice | 0666},
		{unix.S_IFBLK | 0660, os.ModeDevice | 0660},
		{unix.S_IFREG | 06755, os.ModeSetuid | os.ModeSetgid | 0755},
	} {
		if got := FileMode(c.st); got != c.fm {
			t.Errorf("FileMode(%#o) = %v, want %v", c.st, got, c.fm)
		}
		if got := Mode(c.fm); got != c.st {
			t.Errorf("Mode(%v) = %#o, want %#o", c.fm, got, c.st)
		}
		if got, want := PermBits(c.fm), c.st&07777; got != want {
			t.Errorf("PermBits(%v) = %#o, want %#o", c.fm, got, want)
		}
	}
	// Raw set-ID and sticky bits count for PermBits, not for Mode.
	if got := PermBits(07755); got != 07755 {
		t.Errorf("PermBits(07755) = %#o", got)
	}
	if got := Mode(07755); got != unix.S_IFREG|0755 {
		t.Errorf("Mode(07755) = %#o", got)
	}
	// A character device may be given without ModeDevice.
	if got := Mode(os.ModeCharDevice | 0600); got != unix.S_IFCHR|0600 {
		t.Errorf("Mode(ModeCharDevice|0600) = %#o", got)
	}
}
