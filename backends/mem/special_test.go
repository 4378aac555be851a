package mem

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Special files: made by Mknod, described by Lstat, and opened through a
// host node of their kind that every name of the inode shares and that
// goes away with the inode's last name, and with the FS.
func TestSpecialFiles(t *testing.T) {
	fs := New()
	must(t, fs.Mknod("/p", unix.S_IFIFO|0640, 0))
	must(t, fs.Mknod("/null", unix.S_IFCHR|0666, unix.Mkdev(1, 3)))
	must(t, fs.Mknod("/s", unix.S_IFSOCK|0600, 0))
	must(t, fs.Link("/p", "/p2"))
	for _, c := range []struct {
		name string
		mode uint32
		rdev uint64
	}{{"/p", unix.S_IFIFO | 0640, 0}, {"/null", unix.S_IFCHR | 0666, unix.Mkdev(1, 3)}, {"/s", unix.S_IFSOCK | 0600, 0}} {
		fi, err := fs.Lstat(c.name)
		must(t, err)
		if st := fi.Sys().(*Stat); st.Mode != c.mode || st.Rdev != c.rdev {
			t.Errorf("%s: mode %#o rdev %#x, want %#o %#x", c.name, st.Mode, st.Rdev, c.mode, c.rdev)
		}
	}
	for _, c := range []struct {
		err  error
		want unix.Errno
	}{
		{fs.Mknod("/p", unix.S_IFIFO|0600, 0), unix.EEXIST},
		{fs.Mknod("/r", unix.S_IFREG|0600, 0), unix.EINVAL},
		{fs.As(linuxvfs.Who{Uid: 1000, Gid: 1000}).(*FS).Mknod("/d", unix.S_IFCHR|0600, 0), unix.EPERM},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%v, want %v", c.err, c.want)
		}
	}
	if p, err := fs.HostNode("/s"); err != nil || filepath.Dir(p) == "." {
		t.Errorf("host path of a socket: %q %v", p, err)
	} else if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a socket's host path exists before a bind: %v", err)
	}
	if _, err := fs.OpenFile("/s", os.O_RDONLY, 0); !errors.Is(err, unix.ENXIO) {
		t.Errorf("open of a socket: %v", err)
	}

	host, err := fs.HostNode("/p")
	must(t, err)
	if again, err := fs.HostNode("/p2"); err != nil || again != host {
		t.Errorf("the other name's node: %q %v, want %q", again, err, host)
	}
	var st unix.Stat_t
	if err := unix.Stat(host, &st); err != nil || st.Mode != unix.S_IFIFO|0666 {
		t.Errorf("host node %s: mode %#o %v", host, st.Mode, err)
	}
	dir := filepath.Dir(host)
	if err := unix.Stat(dir, &st); err != nil || st.Mode&0777 != 0711 {
		t.Errorf("host nodes' directory: mode %#o %v", st.Mode&0777, err)
	}
	r, err := fs.OpenFile("/p", os.O_RDONLY|unix.O_NONBLOCK, 0)
	must(t, err)
	w, err := fs.OpenFile("/p2", os.O_WRONLY, 0)
	must(t, err)
	w.Write([]byte("fifo"))
	w.Close()
	b := make([]byte, 8)
	if n, err := r.Read(b); err != nil || string(b[:n]) != "fifo" {
		t.Errorf("read %q %v", b[:n], err)
	}
	r.Close()
	if _, err := fs.OpenFile("/p", os.O_WRONLY|unix.O_NONBLOCK, 0); !errors.Is(err, unix.ENXIO) {
		t.Errorf("write-only non-blocking open without a reader: %v, want ENXIO", err)
	}

	must(t, fs.Remove("/p"))
	if _, err := os.Lstat(host); err != nil {
		t.Errorf("host node gone with a name left: %v", err)
	}
	must(t, fs.Remove("/p2"))
	if _, err := os.Lstat(host); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("host node after the last name: %v", err)
	}
	must(t, fs.Close())
	if _, err := os.Lstat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("host nodes' directory after Close: %v", err)
	}
}
