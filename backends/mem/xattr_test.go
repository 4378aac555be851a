package mem

import (
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Extended attributes by path and by open File, with the kernel's rules:
// namespaces, flags, limits, who may read and change them.
func TestXattrs(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, afero.WriteFile(fs, "/f", []byte("x"), 0o644))
	must(t, fs.Symlink("f", "/l"))
	must(t, fs.SetXattr("/l", "user.a", []byte("1"), 0, true)) // through the link
	must(t, fs.SetXattr("/f", "trusted.t", []byte("2"), 0, false))
	if v, err := fs.GetXattr("/f", "user.a", false); err != nil || string(v) != "1" {
		t.Errorf("user.a: %q %v", v, err)
	}
	user := fs.As(linuxvfs.Who{Uid: 1000, Gid: 1000}).(*FS)
	if names, _ := user.ListXattr("/f", false); !reflect.DeepEqual(names, []string{"user.a"}) {
		t.Errorf("a user lists %v (trusted.* is root's)", names)
	}
	for _, c := range []struct {
		err  error
		want unix.Errno
	}{
		{fs.SetXattr("/f", "user.a", nil, 1, false), unix.EEXIST},
		{fs.SetXattr("/f", "user.b", nil, 2, false), unix.ENODATA},
		{fs.SetXattr("/f", "user.b", nil, 4, false), unix.EINVAL},
		{fs.SetXattr("/f", "other.b", nil, 0, false), unix.EOPNOTSUPP},
		{fs.SetXattr("/f", "user.", nil, 0, false), unix.EINVAL},
		{fs.SetXattr("/f", "", nil, 0, false), unix.ERANGE},
		{fs.SetXattr("/f", "user.big", make([]byte, 64<<10+1), 0, false), unix.E2BIG},
		{fs.SetXattr("/l", "user.x", nil, 0, false), unix.EPERM}, // user.* on a symbolic link
		{fs.RemoveXattr("/f", "user.none", false), unix.ENODATA},
		{user.SetXattr("/f", "user.c", nil, 0, false), unix.EACCES},
		{user.SetXattr("/f", "security.s", nil, 0, false), unix.EPERM},
		{getErr(user.GetXattr("/f", "trusted.t", false)), unix.ENODATA},
		{getErr(fs.GetXattr("/none", "user.a", false)), unix.ENOENT},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%v, want %v", c.err, c.want)
		}
	}
	f, err := fs.OpenFile("/f", os.O_RDONLY, 0)
	must(t, err)
	defer f.Close()
	fx := f.(*File)
	must(t, fx.SetXattr("user.fd", []byte("by fd"), 0))
	must(t, fs.Remove("/f")) // an open file's attributes outlive its name
	if names, _ := fx.ListXattr(); !reflect.DeepEqual(names, []string{"trusted.t", "user.a", "user.fd"}) {
		t.Errorf("by fd, after unlink: %v", names)
	}
	must(t, fx.RemoveXattr("user.a"))
	if _, err := fx.GetXattr("user.a"); !errors.Is(err, unix.ENODATA) {
		t.Errorf("removed: %v", err)
	}
}

func getErr(_ []byte, err error) error { return err }
