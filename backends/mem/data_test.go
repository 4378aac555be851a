// data_test.go tests OpenData, the way from a descriptor of a memfd back to
// its inode, and the attribute methods of File (Chmod, Chown, Utimens,
// Touch) with their permission rules.

package mem

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// reopenData gives a descriptor of name's data as the supervisor hands it
// to a program: a reopen through /proc of a duplicate of the memfd.
func reopenData(t *testing.T, fs *FS, name string, flag int) int {
	t.Helper()
	memfd, err := fs.MemFD(name)
	must(t, err)
	defer unix.Close(memfd)
	fd, err := unix.Open(linuxvfs.ProcFD(memfd), flag|unix.O_CLOEXEC, 0)
	must(t, err)
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

func fstatOf(t *testing.T, f *File) *Stat {
	t.Helper()
	fi, err := f.Stat()
	must(t, err)
	return fi.Sys().(*Stat)
}

// TestOpenDataFileBorrows: the File of OpenDataFile uses the caller's
// descriptor itself (one fstat, no duplicate), works as OpenData's does,
// and its Close leaves the descriptor open; a write through it goes
// through a duplicate sharing the descriptor's offset.
func TestOpenDataFileBorrows(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, afero.WriteFile(fs, "f", []byte("hello"), 0640))
	fd := reopenData(t, fs, "f", unix.O_RDWR)
	af, err := openDataFile(fs, fd)
	must(t, err)
	f := af.(*File)
	if int(f.Fd()) != fd {
		t.Errorf("Fd %d, want the caller's %d", f.Fd(), fd)
	}
	must(t, f.Chmod(0600))
	if m := statOf(t, fs, "f").Mode & 07777; m != 0600 {
		t.Errorf("mode after Chmod through the File: %o", m)
	}
	if _, err := f.Write([]byte("HE")); err != nil {
		t.Fatal(err)
	}
	must(t, f.Close())
	if err := f.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second Close: %v", err)
	}
	if _, err := f.Stat(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Stat after Close: %v", err)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		t.Fatalf("the caller's descriptor after Close: %v", err)
	}
	buf := make([]byte, 8)
	if n, err := unix.Read(fd, buf); err != nil || string(buf[:n]) != "llo" {
		t.Errorf("read after the File's write: %q %v (the offset is shared)", buf[:n], err)
	}
	if _, err := openDataFile(fs, int(^uint32(0)>>1)); !errors.Is(err, unix.EBADF) {
		t.Errorf("OpenDataFile of a bad descriptor: %v", err)
	}
}

// TestFileCloses: a File's own descriptor is closed by Close, whether or
// not a read made its os.File.
func TestFileCloses(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, afero.WriteFile(fs, "f", []byte("hello"), 0640))
	for _, read := range []bool{false, true} {
		af, err := fs.Open("f")
		must(t, err)
		f := af.(*File)
		if read {
			if _, err := f.Read(make([]byte, 2)); err != nil {
				t.Fatal(err)
			}
		}
		var before, after unix.Stat_t
		must(t, unix.Fstat(int(f.Fd()), &before))
		must(t, f.Close())
		// The number may be reused at once: it must not be this file's.
		if unix.Fstat(int(f.Fd()), &after) == nil && after.Ino == before.Ino && after.Dev == before.Dev {
			t.Errorf("read %v: the File's descriptor is still open after Close", read)
		}
		if _, err := f.Read(make([]byte, 2)); !errors.Is(err, os.ErrClosed) {
			t.Errorf("read %v: Read after Close: %v", read, err)
		}
	}
}

func TestOpenDataAfterRename(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, fs.Mkdir("d", 0755))
	must(t, afero.WriteFile(fs, "d/f", []byte("hello"), 0640))
	must(t, fs.Chown("d/f", 7, 8))
	fd := reopenData(t, fs, "d/f", unix.O_RDWR)
	must(t, fs.Rename("d/f", "g"))

	f, err := fs.OpenData(fd)
	must(t, err)
	defer f.Close()
	if got, want := *fstatOf(t, f), *statOf(t, fs, "g"); got != want {
		t.Errorf("OpenData Stat %+v, path Stat %+v", got, want)
	}
	if f.Name() != linuxvfs.ProcFD(fd) {
		t.Errorf("Name %q", f.Name())
	}
	// The File shares fd's open file description, offset included.
	buf := make([]byte, 3)
	if n, err := f.Read(buf); err != nil || string(buf[:n]) != "hel" {
		t.Errorf("read through OpenData: %q %v", buf[:n], err)
	}
	if n, err := unix.Read(fd, buf); err != nil || string(buf[:n]) != "lo" {
		t.Errorf("read through fd after it: %q %v", buf[:n], err)
	}
	if int(f.Fd()) == fd {
		t.Errorf("File.Fd is the caller's fd %d", fd)
	}

	// A File's own descriptor, and a dup of the memfd, lead to the same
	// inode.
	of, err := fs.Open("g")
	must(t, err)
	defer of.Close()
	f2, err := fs.OpenData(int(of.(*File).Fd()))
	must(t, err)
	if f2.node != f.node {
		t.Error("OpenData of File.Fd found another inode")
	}
	must(t, f2.Close())
	memfd, err := fs.MemFD("g")
	must(t, err)
	f3, err := fs.OpenData(memfd)
	must(t, err)
	unix.Close(memfd)
	if f3.node != f.node {
		t.Error("OpenData of MemFD found another inode")
	}
	// Closing the File leaves the caller's descriptor alone, and the other
	// way round.
	must(t, f3.Close())
	var st unix.Stat_t
	must(t, unix.Fstat(fd, &st))

	// Changes through the File show on the path.
	must(t, f.Chmod(0600))
	if st := statOf(t, fs, "g"); st.Mode != unix.S_IFREG|0600 {
		t.Errorf("mode after File.Chmod: %o", st.Mode)
	}
	must(t, f.Truncate(2))
	if b, err := afero.ReadFile(fs, "g"); err != nil || string(b) != "he" {
		t.Errorf("after Truncate: %q %v", b, err)
	}
	must(t, f.Sync())
}

func TestOpenDataUnlinked(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, afero.WriteFile(fs, "f", []byte("still here"), 0644))
	fd := reopenData(t, fs, "f", unix.O_RDWR)
	ino := statOf(t, fs, "f").Ino
	must(t, fs.Remove("f"))
	// A new file of the same name must not be taken for it.
	must(t, afero.WriteFile(fs, "f", []byte("new"), 0644))

	f, err := fs.OpenData(fd)
	must(t, err)
	defer f.Close()
	st := fstatOf(t, f)
	if st.Ino != ino || st.Nlink != 0 || st.Size != 10 || st.Mode != unix.S_IFREG|0644 {
		t.Errorf("stat of the unlinked file: %+v (ino was %d)", st, ino)
	}
	buf := make([]byte, 32)
	if n, err := unix.Pread(fd, buf, 0); err != nil || string(buf[:n]) != "still here" {
		t.Errorf("data through fd: %q %v", buf[:n], err)
	}
	if n, err := f.ReadAt(buf, 0); (err != nil && err != io.EOF) || string(buf[:n]) != "still here" {
		t.Errorf("data through the File: %q %v", buf[:n], err)
	}
	// A write through the program's descriptor shows in Stat.
	if _, err := unix.Pwrite(fd, []byte("!"), 10); err != nil {
		t.Fatal(err)
	}
	if st := fstatOf(t, f); st.Size != 11 {
		t.Errorf("size after a write through fd: %d", st.Size)
	}

	c0 := fstatOf(t, f).Ctime
	tick()
	must(t, f.Chmod(0600))
	must(t, f.Chown(5, 6))
	st = fstatOf(t, f)
	if st.Mode != unix.S_IFREG|0600 || st.Uid != 5 || st.Gid != 6 || !st.Ctime.After(c0) {
		t.Errorf("after Chmod and Chown: %+v (ctime was %v)", st, c0)
	}
	at, mt := time.Unix(1000, 0), time.Unix(2000, 500)
	must(t, f.Utimens(&at, &mt))
	st = fstatOf(t, f)
	if !st.Atime.Equal(at) || !st.Mtime.Equal(mt) {
		t.Errorf("times after Utimens: %v %v", st.Atime, st.Mtime)
	}
	must(t, f.Utimens(nil, &at))
	if st := fstatOf(t, f); !st.Atime.Equal(at) || !st.Mtime.Equal(at) {
		t.Errorf("times after Utimens(nil, at): %v %v", st.Atime, st.Mtime)
	}
	c1 := fstatOf(t, f).Ctime
	tick()
	before := now()
	must(t, f.Touch())
	st = fstatOf(t, f)
	if st.Atime.Before(before) || st.Mtime.Before(before) || !st.Ctime.After(c1) {
		t.Errorf("times after Touch: %v %v %v (before %v)", st.Atime, st.Mtime, st.Ctime, before)
	}
	must(t, f.Truncate(5))
	if st := fstatOf(t, f); st.Size != 5 {
		t.Errorf("size after Truncate: %d", st.Size)
	}
	// The new file of the old name was left alone.
	if st := statOf(t, fs, "f"); st.Ino == ino || st.Size != 3 || st.Mode != unix.S_IFREG|0644 {
		t.Errorf("the new f: %+v", st)
	}
	checkTree(t, fs)

	must(t, f.Close())
	for _, err := range []error{f.Chmod(0644), f.Chown(-1, -1), f.Touch(), f.Utimens(&at, nil)} {
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("attribute change on a closed File: %v", err)
		}
	}
	if err := f.Utimens(nil, nil); err != nil {
		t.Errorf("Utimens(nil, nil) on a closed File: %v", err)
	}
	// The caller's descriptor still works.
	if n, err := unix.Pread(fd, buf, 0); err != nil || string(buf[:n]) != "still" {
		t.Errorf("fd after Close of the File: %q %v", buf[:n], err)
	}
	// It can be opened again, even now that it has no memfd in the tree.
	f, err = fs.OpenData(fd)
	must(t, err)
	if st := fstatOf(t, f); st.Ino != ino || st.Size != 5 || st.Uid != 5 {
		t.Errorf("second OpenData: %+v", st)
	}
	must(t, f.Close())
}

func TestOpenDataOPath(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, afero.WriteFile(fs, "f", []byte("x"), 0644))
	fd := reopenData(t, fs, "f", unix.O_PATH)
	f, err := fs.OpenData(fd)
	must(t, err)
	defer f.Close()
	if got, want := *fstatOf(t, f), *statOf(t, fs, "f"); got != want {
		t.Errorf("OpenData Stat %+v, path Stat %+v", got, want)
	}
	must(t, f.Chmod(0600))
	must(t, f.Touch())
	if err := f.Truncate(0); !errors.Is(err, unix.EBADF) {
		t.Errorf("Truncate through an O_PATH descriptor: %v", err)
	}
}

func TestOpenDataForeign(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, afero.WriteFile(fs, "f", []byte("x"), 0644))
	wantEBADF := func(what string, fd int) {
		t.Helper()
		f, err := fs.OpenData(fd)
		if f != nil {
			f.Close()
		}
		var pe *os.PathError
		if !errors.Is(err, unix.EBADF) || !errors.As(err, &pe) {
			t.Errorf("OpenData of %s: %v", what, err)
		}
	}

	host, err := os.Create(filepath.Join(t.TempDir(), "host"))
	must(t, err)
	defer host.Close()
	wantEBADF("a host file", int(host.Fd()))
	dir, err := os.Open(t.TempDir())
	must(t, err)
	defer dir.Close()
	wantEBADF("a host directory", int(dir.Fd()))

	other := New()
	defer other.Close()
	must(t, afero.WriteFile(other, "f", []byte("x"), 0644))
	ofd, err := other.MemFD("f")
	must(t, err)
	defer unix.Close(ofd)
	wantEBADF("a memfd of another FS", ofd)
	if f, err := other.OpenData(ofd); err != nil {
		t.Errorf("OpenData of its own memfd by the other FS: %v", err)
	} else {
		f.Close()
	}

	mfd, err := unix.MemfdCreate("stranger", unix.MFD_CLOEXEC)
	must(t, err)
	defer unix.Close(mfd)
	wantEBADF("a memfd of nobody", mfd)

	wantEBADF("-1", -1)
	p, err := unix.Dup(mfd)
	must(t, err)
	unix.Close(p)
	wantEBADF("a closed descriptor", p)
}

func TestOpenDataCopyFrom(t *testing.T) {
	host := t.TempDir()
	must(t, os.WriteFile(filepath.Join(host, "a"), []byte("copied"), 0640))
	must(t, os.Link(filepath.Join(host, "a"), filepath.Join(host, "b")))
	fs := New()
	defer fs.Close()
	must(t, fs.CopyFrom(host))
	fd := reopenData(t, fs, "b", unix.O_RDONLY)
	f, err := fs.OpenData(fd)
	must(t, err)
	defer f.Close()
	if got, want := *fstatOf(t, f), *statOf(t, fs, "a"); got != want || got.Nlink != 2 || got.Size != 6 {
		t.Errorf("OpenData Stat %+v, path Stat %+v", got, want)
	}
}

func TestFileAttrPermissions(t *testing.T) {
	root := New()
	defer root.Close()
	user := root.As(linuxvfs.Who{Uid: 1000, Gid: 1000}).(*FS)
	must(t, afero.WriteFile(root, "own", []byte("o"), 0644))
	must(t, root.Chown("own", 1000, 1000))
	must(t, afero.WriteFile(root, "other", []byte("x"), 0644))
	must(t, afero.WriteFile(root, "w", []byte("w"), 0666))
	must(t, afero.WriteFile(root, "sg", []byte("s"), 0755))
	must(t, root.Chown("sg", 1000, 70))
	must(t, root.Mkdir("rd", 0755))
	must(t, root.Mkdir("wd", 0777))
	must(t, root.Symlink("other", "l"))

	open := func(fs *FS, name string) *File {
		t.Helper()
		f, err := fs.Open(name)
		must(t, err)
		t.Cleanup(func() { f.Close() })
		return f.(*File)
	}
	want := func(what string, err error, errno unix.Errno) {
		t.Helper()
		var pe *os.PathError
		switch {
		case errno == 0 && err != nil:
			t.Errorf("%s: %v, want success", what, err)
		case errno != 0 && (!errors.Is(err, errno) || !errors.As(err, &pe)):
			t.Errorf("%s: %v, want %v", what, err, errno)
		}
	}
	at := time.Unix(1234, 0)

	// Owner: everything but giving the file away.
	f := open(user, "own")
	c0 := fstatOf(t, f).Ctime
	tick()
	want("owner Chmod", f.Chmod(0600), 0)
	want("owner Utimens", f.Utimens(&at, &at), 0)
	want("owner Touch", f.Touch(), 0)
	want("owner Chown to itself", f.Chown(1000, 1000), 0)
	want("owner Chown to root", f.Chown(0, -1), unix.EPERM)
	want("owner Chown to a foreign group", f.Chown(-1, 50), unix.EPERM)
	if st := fstatOf(t, f); st.Mode != unix.S_IFREG|0600 || !st.Ctime.After(c0) {
		t.Errorf("owner's file: mode %o, ctime %v (was %v)", st.Mode, st.Ctime, c0)
	}

	// Non-owner without write permission.
	f = open(user, "other")
	st0 := *fstatOf(t, f)
	want("non-owner Chmod", f.Chmod(0777), unix.EPERM)
	want("non-owner Chown", f.Chown(1000, -1), unix.EPERM)
	want("non-owner Chown of nothing", f.Chown(-1, -1), 0)
	want("non-owner Utimens", f.Utimens(&at, nil), unix.EPERM)
	want("non-owner Touch", f.Touch(), unix.EACCES)
	want("non-owner path Touch", user.Touch("other", true), unix.EACCES)
	want("non-owner path Touch through a link", user.Touch("l", true), unix.EACCES)
	if st := fstatOf(t, f); st.Mode != st0.Mode || !st.Mtime.Equal(st0.Mtime) {
		t.Errorf("refused changes changed the file: %+v -> %+v", st0, *st)
	}
	// The link itself is mode 0777: anyone may touch it.
	l0 := statOf(t, root, "l").Ctime
	tick()
	want("non-owner path Touch of a link", user.Touch("l", false), 0)
	if l1 := statOf(t, root, "l").Ctime; !l1.After(l0) {
		t.Errorf("Touch of a link: ctime %v -> %v", l0, l1)
	}
	// The same rules through OpenData, with the view's credentials.
	fd, err := root.MemFD("other")
	must(t, err)
	od, err := user.OpenData(fd)
	unix.Close(fd)
	must(t, err)
	defer od.Close()
	want("non-owner Chmod through OpenData", od.Chmod(0777), unix.EPERM)
	want("non-owner Touch through OpenData", od.Touch(), unix.EACCES)
	od2, err := root.OpenData(int(od.Fd()))
	must(t, err)
	defer od2.Close()
	want("root Chmod through OpenData", od2.Chmod(0640), 0)

	// Non-owner with write permission: Touch but not explicit times.
	f = open(user, "w")
	c0 = fstatOf(t, f).Ctime
	tick()
	before := now()
	want("writer Touch", f.Touch(), 0)
	st := fstatOf(t, f)
	if !st.Ctime.After(c0) || st.Mtime.Before(before) || st.Atime.Before(before) {
		t.Errorf("writer Touch: %+v (ctime was %v, now %v)", st, c0, before)
	}
	want("writer Utimens", f.Utimens(&at, &at), unix.EPERM)
	want("writer Chmod", f.Chmod(0600), unix.EPERM)
	want("writer path Touch", user.Touch("w", true), 0)
	want("writer path Utimens", user.Utimens("w", &at, nil, true), unix.EPERM)

	// Set-group-ID: dropped by a chmod of a user outside the group.
	f = open(user, "sg")
	want("owner Chmod 02755 outside the group", f.Chmod(02755), 0)
	if st := fstatOf(t, f); st.Mode != unix.S_IFREG|0755 {
		t.Errorf("mode after Chmod 02755 by a non-member: %o", st.Mode)
	}
	must(t, open(root, "sg").Chmod(02755))
	if st := fstatOf(t, f); st.Mode != unix.S_IFREG|02755 {
		t.Errorf("mode after Chmod 02755 by root: %o", st.Mode)
	}
	want("owner Chown of nothing", f.Chown(-1, -1), 0)
	if st := fstatOf(t, f); st.Mode != unix.S_IFREG|0755 {
		t.Errorf("mode after Chown(-1, -1) of a group-executable set-group-ID file: %o", st.Mode)
	}

	// Directories.
	d := open(user, "rd")
	want("non-owner directory Chmod", d.Chmod(0777), unix.EPERM)
	want("non-owner directory Touch", d.Touch(), unix.EACCES)
	wd := open(user, "wd")
	c0 = statOf(t, root, "wd").Ctime
	tick()
	want("writer directory Touch", wd.Touch(), 0)
	if c1 := statOf(t, root, "wd").Ctime; !c1.After(c0) {
		t.Errorf("directory Touch: ctime %v -> %v", c0, c1)
	}
	rd := open(root, "rd")
	want("root directory Chmod", rd.Chmod(01777), 0)
	want("root directory Chown", rd.Chown(1000, 50), 0)
	want("root directory Utimens", rd.Utimens(nil, &at), 0)
	if st := statOf(t, root, "rd"); st.Mode != unix.S_IFDIR|01777 || st.Uid != 1000 || st.Gid != 50 || !st.Mtime.Equal(at) {
		t.Errorf("directory after root's changes: %+v", st)
	}
	// Now the user owns it.
	want("owner directory Chmod", d.Chmod(0700), 0)
	want("bad IDs", d.Chown(-2, 0), unix.EINVAL)
	must(t, d.Close())
	if err := d.Chmod(0755); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Chmod of a closed directory: %v", err)
	}
	checkTree(t, root)
}

func TestTouchPath(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, afero.WriteFile(fs, "f", []byte("x"), 0644))
	must(t, fs.Symlink("f", "l"))
	at := time.Unix(5, 0)
	must(t, fs.Utimens("f", &at, &at, true))
	must(t, fs.Utimens("l", &at, &at, false))
	c0 := statOf(t, fs, "f").Ctime
	tick()
	before := now()
	must(t, fs.Touch("l", true))
	st := statOf(t, fs, "f")
	if st.Atime.Before(before) || st.Mtime.Before(before) || !st.Ctime.After(c0) {
		t.Errorf("Touch through a link: %+v", st)
	}
	if lst := statOf(t, fs, "l"); !lst.Mtime.Equal(at) {
		t.Errorf("Touch with follow changed the link: %v", lst.Mtime)
	}
	must(t, fs.Touch("l", false))
	if lst := statOf(t, fs, "l"); lst.Mtime.Before(before) || lst.Atime.Before(before) {
		t.Errorf("Touch of the link: %+v", lst)
	}
	if err := fs.Touch("nope", true); !errors.Is(err, unix.ENOENT) {
		t.Errorf("Touch of a missing file: %v", err)
	}
}

// TestReopenData: an open of /proc/self/fd/N of a read-only descriptor is
// checked against the file's owner and mode for the view's user, as the
// kernel's link is, truncates with O_TRUNC (a user's truncation takes the
// set-user-ID bit), needs no access with O_PATH, and works for a file with
// no name left.
func TestReopenData(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, afero.WriteFile(fs, "f", []byte("secret"), 0644))
	fd := reopenData(t, fs, "f", unix.O_RDONLY)
	other := fs.As(linuxvfs.Who{Uid: 1000, Gid: 1000}).(*FS)
	if _, err := other.ReopenData(fd, unix.O_WRONLY); !errors.Is(err, unix.EACCES) {
		t.Errorf("another user's write: %v, want EACCES", err)
	}
	if _, err := other.ReopenData(fd, unix.O_RDONLY|unix.O_TRUNC); !errors.Is(err, unix.EACCES) {
		t.Errorf("another user's O_TRUNC: %v, want EACCES", err)
	}
	r, err := other.ReopenData(fd, unix.O_RDONLY)
	must(t, err)
	if b, err := io.ReadAll(r); err != nil || string(b) != "secret" {
		t.Errorf("another user's read: %q, %v", b, err)
	}
	r.Close()
	if _, err := fs.As(linuxvfs.Who{Uid: 1000, Gid: 1000}).(*FS).ReopenData(fd, unix.O_PATH); err != nil {
		t.Errorf("O_PATH: %v", err)
	}

	// The owner's write truncates the file and drops set-user-ID.
	must(t, fs.Chown("f", 1000, 1000))
	must(t, fs.Chmod("f", 04755))
	w, err := other.ReopenData(fd, unix.O_WRONLY|unix.O_TRUNC)
	must(t, err)
	if _, err := w.Write([]byte("new")); err != nil {
		t.Fatal(err)
	}
	w.Close()
	st := statOf(t, fs, "f")
	if st.Size != 3 || st.Mode&07777 != 0755 {
		t.Errorf("after the owner's O_TRUNC and write: size %d, mode %o; want 3, 755", st.Size, st.Mode&07777)
	}

	// Unlinked: the descriptor still reopens, for reading.
	must(t, fs.Remove("f"))
	r, err = fs.ReopenData(fd, unix.O_RDONLY)
	must(t, err)
	if b, err := io.ReadAll(r); err != nil || string(b) != "new" {
		t.Errorf("unlinked file's read: %q, %v", b, err)
	}
	r.Close()
}

// openDataFile is OpenDataFile of fd as the supervisor calls it, with
// what fstat(2) of fd gives (zeros if it fails).
func openDataFile(fs interface {
	OpenDataFile(fd int, dev, ino uint64) (afero.File, error)
}, fd int) (afero.File, error) {
	var st unix.Stat_t
	unix.Fstat(fd, &st)
	return fs.OpenDataFile(fd, st.Dev, st.Ino)
}
