// tmpfile_test.go tests O_TMPFILE and LinkData beyond what the differential
// scenarios can see: the descriptors and errors of the API, the memfd a
// named tmpfile gets, the inode count, and descriptors handed back by a
// program.

package mem

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

func openTmp(t *testing.T, fs *FS, dir string, flag int, perm os.FileMode) *File {
	t.Helper()
	f, err := fs.OpenFile(dir, unix.O_TMPFILE|flag, perm)
	must(t, err)
	t.Cleanup(func() { f.Close() })
	return f.(*File)
}

func wantErrno(t *testing.T, what string, err error, e unix.Errno) {
	t.Helper()
	if !errors.Is(err, e) {
		t.Errorf("%s: %v, want %v", what, err, e)
	}
}

func TestTmpfileDescriptor(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, fs.Mkdir("d", 0755))
	d0 := statOf(t, fs, "d")
	tick()

	f := openTmp(t, fs, "d", unix.O_WRONLY|unix.O_APPEND, 0640)
	fl, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	must(t, err)
	if fl&unix.O_ACCMODE != unix.O_WRONLY || fl&unix.O_APPEND == 0 || fl&oTmpfile != 0 {
		t.Errorf("flags of File.Fd: %#x", fl)
	}
	if fd, err := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0); err != nil || fd&unix.FD_CLOEXEC == 0 {
		t.Errorf("File.Fd not close-on-exec: %#x %v", fd, err)
	}
	if f.Name() != "d" {
		t.Errorf("Name %q", f.Name())
	}
	_, err = f.Write([]byte("abc"))
	must(t, err)
	st := fstatOf(t, f)
	if st.Nlink != 0 || st.Mode != unix.S_IFREG|0640 || st.Size != 3 || st.Uid != 0 || st.Gid != 0 {
		t.Errorf("fstat of the tmpfile: %+v", st)
	}
	if d := statOf(t, fs, "d"); *d != *d0 {
		t.Errorf("O_TMPFILE changed the directory: %+v -> %+v", d0, d)
	}
	if names, err := afero.ReadDir(fs, "d"); err != nil || len(names) != 0 {
		t.Errorf("directory lists %v %v", names, err)
	}
	if _, _, files, ffree := fs.StatFS(); ffree != files-2 {
		t.Errorf("an unnamed file is counted: %d of %d free", ffree, files)
	}

	// OpenData finds it from its descriptor, or from a program's reopen.
	g, err := fs.OpenData(int(f.Fd()))
	must(t, err)
	defer g.Close()
	if g.node != f.node {
		t.Error("OpenData of File.Fd found another inode")
	}
	prog, err := unix.Open(linuxvfs.ProcFD(int(f.Fd())), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	must(t, err)
	defer unix.Close(prog)
	h, err := fs.OpenData(prog)
	must(t, err)
	defer h.Close()
	if h.node != f.node || fstatOf(t, h).Nlink != 0 {
		t.Error("OpenData of a reopen found another inode")
	}
	must(t, g.Chmod(0600))

	// A read-only descriptor is enough to name it; the tree gets a
	// read-write memfd of its own.
	before := statOf(t, fs, "d")
	tick()
	must(t, fs.LinkData(prog, "d/f"))
	st = statOf(t, fs, "d/f")
	if st.Nlink != 1 || st.Mode != unix.S_IFREG|0600 || st.Size != 3 || st.Ino != fstatOf(t, f).Ino {
		t.Errorf("stat after LinkData: %+v", st)
	}
	if d := statOf(t, fs, "d"); !d.Mtime.After(before.Mtime) || d.Size != before.Size+bogoDirent {
		t.Errorf("directory after LinkData: %+v", d)
	}
	_, err = f.Write([]byte("de"))
	must(t, err)
	must(t, f.Close())
	must(t, g.Close())
	must(t, h.Close())
	if b, err := afero.ReadFile(fs, "d/f"); err != nil || string(b) != "abcde" {
		t.Errorf("content: %q %v", b, err)
	}
	must(t, fs.Truncate("d/f", 1))
	memfd, err := fs.MemFD("d/f")
	must(t, err)
	unix.Close(memfd)
	if _, _, files, ffree := fs.StatFS(); ffree != files-3 {
		t.Errorf("a named tmpfile is not counted: %d of %d free", ffree, files)
	}
	// Linked once, it is an ordinary file: more names, and none once
	// unlinked.
	must(t, fs.LinkData(prog, "d/f2"))
	if st := statOf(t, fs, "d/f"); st.Nlink != 2 {
		t.Errorf("nlink after a second LinkData: %d", st.Nlink)
	}
	must(t, fs.Remove("d/f"))
	must(t, fs.Remove("d/f2"))
	err = fs.LinkData(prog, "d/f3")
	var le *os.LinkError
	if !errors.Is(err, unix.ENOENT) || !errors.As(err, &le) || le.New != "d/f3" || le.Old != linuxvfs.ProcFD(prog) {
		t.Errorf("LinkData of a tmpfile that lost its names: %#v", err)
	}
	checkTree(t, fs)
}

func TestTmpfileErrors(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, afero.WriteFile(fs, "f", []byte("x"), 0644))
	for _, c := range []struct {
		name string
		flag int
		e    unix.Errno
	}{
		{".", unix.O_TMPFILE | unix.O_RDONLY, unix.EINVAL},
		{".", unix.O_TMPFILE | unix.O_RDWR | unix.O_CREAT, unix.EINVAL},
		{".", oTmpfile | unix.O_RDWR, unix.EINVAL},
		{".", unix.O_TMPFILE | unix.O_RDWR | unix.O_PATH, unix.EINVAL},
		{"nope", unix.O_TMPFILE | unix.O_RDONLY, unix.EINVAL},
		{"nope", unix.O_TMPFILE | unix.O_RDWR, unix.ENOENT},
		{"f", unix.O_TMPFILE | unix.O_WRONLY, unix.ENOTDIR},
		{"", unix.O_TMPFILE | unix.O_WRONLY, unix.ENOENT},
	} {
		f, err := fs.OpenFile(c.name, c.flag, 0600)
		var pe *os.PathError
		if f != nil || !errors.Is(err, c.e) || !errors.As(err, &pe) {
			t.Errorf("OpenFile(%q, %#x): %v %v, want %v", c.name, c.flag, f, err, c.e)
		}
	}

	// The kinds of descriptors LinkData does not take.
	host, err := os.Create(filepath.Join(t.TempDir(), "host"))
	must(t, err)
	defer host.Close()
	other := New()
	defer other.Close()
	of, err := other.OpenFile("/", unix.O_TMPFILE|unix.O_RDWR, 0600)
	must(t, err)
	defer of.Close()
	d, err := fs.Open("/")
	must(t, err)
	defer d.Close()
	for what, fd := range map[string]int{
		"a host file": int(host.Fd()), "a tmpfile of another FS": int(of.(*File).Fd()),
		"-1": -1, "a directory File": int(d.(*File).Fd()),
	} {
		err := fs.LinkData(fd, "new")
		var le *os.LinkError
		if !errors.Is(err, unix.EBADF) || !errors.As(err, &le) {
			t.Errorf("LinkData of %s: %v", what, err)
		}
	}
	must(t, other.LinkData(int(of.(*File).Fd()), "mine"))
	if st := statOf(t, other, "mine"); st.Nlink != 1 {
		t.Errorf("other FS: nlink %d", st.Nlink)
	}

	x := openTmp(t, fs, "/", unix.O_RDWR|unix.O_EXCL, 0600)
	wantErrno(t, "LinkData of an O_EXCL tmpfile", fs.LinkData(int(x.Fd()), "x"), unix.ENOENT)
	tf := openTmp(t, fs, "/", unix.O_RDWR, 0600)
	wantErrno(t, "LinkData over a file", fs.LinkData(int(tf.Fd()), "f"), unix.EEXIST)
	wantErrno(t, "LinkData to an empty name", fs.LinkData(int(tf.Fd()), ""), unix.ENOENT)
	wantErrno(t, "LinkData under a file", fs.LinkData(int(tf.Fd()), "f/x"), unix.ENOTDIR)
	wantErrno(t, "LinkData in a missing directory", fs.LinkData(int(tf.Fd()), "no/x"), unix.ENOENT)
	if st := fstatOf(t, tf); st.Nlink != 0 {
		t.Errorf("failed links changed nlink to %d", st.Nlink)
	}
	must(t, fs.LinkData(int(tf.Fd()), "t"))

	// A file unlinked after it was created by name.
	f, err := fs.Open("f")
	must(t, err)
	defer f.Close()
	must(t, fs.Remove("f"))
	wantErrno(t, "LinkData of an unlinked file", fs.LinkData(int(f.(*File).Fd()), "f"), unix.ENOENT)
	checkTree(t, fs)
}

func TestTmpfileViews(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, fs.Mkdir("u", 0755))
	must(t, fs.Chown("u", 1000, 1000))
	must(t, fs.Mkdir("sg", 02777))
	must(t, fs.Chown("sg", 0, 70))
	must(t, fs.Chmod("sg", 02777))
	must(t, afero.WriteFile(fs, "secret", []byte("s"), 0600))
	must(t, afero.WriteFile(fs, "shared", []byte("s"), 0666))
	v := fs.As(linuxvfs.Who{Uid: 1000, Gid: 1000}).(*FS)

	_, err := v.OpenFile("/", unix.O_TMPFILE|unix.O_RDWR, 0600)
	wantErrno(t, "O_TMPFILE in a root directory", err, unix.EACCES)
	f := openTmp(t, v, "u", unix.O_RDWR, 0644)
	if st := fstatOf(t, f); st.Uid != 1000 || st.Gid != 1000 || st.Nlink != 0 {
		t.Errorf("owner of the user's tmpfile: %+v", st)
	}
	wantErrno(t, "LinkData into a root directory", v.LinkData(int(f.Fd()), "t"), unix.EACCES)
	must(t, v.LinkData(int(f.Fd()), "u/t"))

	s := openTmp(t, v, "sg", unix.O_WRONLY, 02755)
	if st := fstatOf(t, s); st.Gid != 70 || st.Mode != unix.S_IFREG|0755 {
		t.Errorf("tmpfile in a set-group-ID directory of another group: %+v", st)
	}

	// protected_hardlinks: root's descriptors, handed to the user.
	sec, err := fs.Open("secret")
	must(t, err)
	defer sec.Close()
	wantErrno(t, "LinkData of another user's private file", v.LinkData(int(sec.(*File).Fd()), "u/s"), unix.EPERM)
	sh, err := fs.Open("shared")
	must(t, err)
	defer sh.Close()
	must(t, v.LinkData(int(sh.(*File).Fd()), "u/sh"))
	rt := openTmp(t, fs, "/", unix.O_RDWR, 0600)
	wantErrno(t, "LinkData of root's private tmpfile", v.LinkData(int(rt.Fd()), "u/rt"), unix.EPERM)
	checkTree(t, fs)
}
