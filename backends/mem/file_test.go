// file_test.go tests open files: times, O_APPEND, files used after their
// last name is gone, MemFD and the per-open descriptor.

package mem

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func statOf(t testing.TB, fs *FS, name string) *Stat {
	t.Helper()
	fi, err := fs.Lstat(name)
	must(t, err)
	return fi.Sys().(*Stat)
}

// tick waits long enough for the kernel's coarse clock to move.
func tick() { time.Sleep(25 * time.Millisecond) }

func TestTimes(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, fs.Mkdir("d", 0755))
	d0 := statOf(t, fs, "d")
	tick()

	f, err := fs.Create("d/f")
	must(t, err)
	defer f.Close()
	d1 := statOf(t, fs, "d")
	if !d1.Mtime.After(d0.Mtime) || !d1.Ctime.After(d0.Ctime) {
		t.Errorf("create did not move the parent's mtime/ctime: %v %v -> %v %v", d0.Mtime, d0.Ctime, d1.Mtime, d1.Ctime)
	}
	f0 := statOf(t, fs, "d/f")
	tick()

	_, err = f.Write([]byte("data"))
	must(t, err)
	f1 := statOf(t, fs, "d/f")
	if !f1.Mtime.After(f0.Mtime) || !f1.Ctime.After(f0.Ctime) || f1.Size != 4 {
		t.Errorf("write: mtime %v -> %v, ctime %v -> %v, size %d", f0.Mtime, f1.Mtime, f0.Ctime, f1.Ctime, f1.Size)
	}
	if d := statOf(t, fs, "d"); !d.Mtime.Equal(d1.Mtime) {
		t.Errorf("a write moved the parent's mtime")
	}
	tick()

	must(t, fs.Chmod("d/f", 0600))
	f2 := statOf(t, fs, "d/f")
	if !f2.Ctime.After(f1.Ctime) || !f2.Mtime.Equal(f1.Mtime) {
		t.Errorf("chmod: ctime %v -> %v, mtime %v -> %v", f1.Ctime, f2.Ctime, f1.Mtime, f2.Mtime)
	}
	tick()

	must(t, fs.Link("d/f", "d/g"))
	f3 := statOf(t, fs, "d/f")
	d3 := statOf(t, fs, "d")
	if !f3.Ctime.After(f2.Ctime) || !d3.Mtime.After(d1.Mtime) {
		t.Errorf("link: file ctime %v -> %v, dir mtime %v -> %v", f2.Ctime, f3.Ctime, d1.Mtime, d3.Mtime)
	}
	tick()

	must(t, fs.Rename("d/g", "h"))
	f4 := statOf(t, fs, "h")
	d4 := statOf(t, fs, "d")
	if !f4.Ctime.After(f3.Ctime) || !d4.Mtime.After(d3.Mtime) || !statOf(t, fs, "/").Mtime.After(d3.Mtime) {
		t.Errorf("rename did not move the ctime of the inode or the mtimes of both parents")
	}
	tick()

	must(t, fs.Remove("h"))
	if f5 := statOf(t, fs, "d/f"); !f5.Ctime.After(f4.Ctime) || f5.Nlink != 1 {
		t.Errorf("unlink: ctime %v -> %v, nlink %d", f4.Ctime, f5.Ctime, f5.Nlink)
	}
	tick()

	must(t, fs.Truncate("d/f", 1))
	f6 := statOf(t, fs, "d/f")
	if !f6.Mtime.After(f4.Mtime) || f6.Size != 1 {
		t.Errorf("truncate: mtime %v -> %v, size %d", f4.Mtime, f6.Mtime, f6.Size)
	}

	at, mt := time.Unix(100, 7), time.Unix(200, 9)
	must(t, fs.Utimens("d/f", &at, &mt, true))
	f7 := statOf(t, fs, "d/f")
	if !f7.Atime.Equal(at) || !f7.Mtime.Equal(mt) || !f7.Ctime.After(f6.Ctime) {
		t.Errorf("utimens: atime %v mtime %v ctime %v", f7.Atime, f7.Mtime, f7.Ctime)
	}
	mt2 := time.Unix(300, 0)
	must(t, fs.Utimens("d/f", nil, &mt2, true))
	if f8 := statOf(t, fs, "d/f"); !f8.Atime.Equal(at) || !f8.Mtime.Equal(mt2) {
		t.Errorf("utimens with nil atime: atime %v mtime %v", f8.Atime, f8.Mtime)
	}
	must(t, fs.Chtimes("d", time.Time{}, mt))
	if d := statOf(t, fs, "d"); !d.Mtime.Equal(mt) || d.Atime.Equal(mt) {
		t.Errorf("chtimes on a directory: atime %v mtime %v", d.Atime, d.Mtime)
	}
	must(t, fs.Symlink("d/f", "l"))
	must(t, fs.Utimens("l", &at, &at, false))
	if l := statOf(t, fs, "l"); !l.Mtime.Equal(at) {
		t.Errorf("utimens without follow: link mtime %v", l.Mtime)
	}
	if st := statOf(t, fs, "d/f"); !st.Mtime.Equal(mt2) {
		t.Errorf("utimens without follow changed the target")
	}
}

func TestAppendAlternating(t *testing.T) {
	fs := New()
	defer fs.Close()
	flags := os.O_WRONLY | os.O_CREATE | os.O_APPEND
	a, err := fs.OpenFile("log", flags, 0644)
	must(t, err)
	b, err := fs.OpenFile("log", flags, 0644)
	must(t, err)
	var want bytes.Buffer
	for i := 0; i < 50; i++ {
		for j, f := range []afero.File{a, b} {
			s := fmt.Sprintf("%c%02d;", 'a'+j, i)
			_, err := f.WriteString(s)
			must(t, err)
			want.WriteString(s)
		}
	}
	must(t, a.Close())
	must(t, b.Close())
	got, err := afero.ReadFile(fs, "log")
	must(t, err)
	if !bytes.Equal(got, want.Bytes()) {
		t.Errorf("content:\n%s\nwant:\n%s", got, want.Bytes())
	}
}

func TestAppendConcurrent(t *testing.T) {
	fs := New()
	defer fs.Close()
	const writers, records = 4, 500
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		f, err := fs.OpenFile("log", os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0644)
		must(t, err)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer f.Close()
			rec := []byte(fmt.Sprintf("writer %d record\n", w))
			for i := 0; i < records; i++ {
				if _, err := f.Write(rec); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	got, err := afero.ReadFile(fs, "log")
	must(t, err)
	counts := map[string]int{}
	for _, line := range bytes.SplitAfter(got, []byte("\n")) {
		if len(line) > 0 {
			counts[string(line)]++
		}
	}
	for w := 0; w < writers; w++ {
		if n := counts[fmt.Sprintf("writer %d record\n", w)]; n != records {
			t.Errorf("writer %d: %d intact records, want %d", w, n, records)
		}
	}
	if len(counts) != writers {
		t.Errorf("%d kinds of records: writes were mixed", len(counts))
	}
}

func TestUnlinkedButOpen(t *testing.T) {
	fs := New()
	defer fs.Close()
	f, err := fs.OpenFile("f", os.O_RDWR|os.O_CREATE, 0600)
	must(t, err)
	defer f.Close()
	_, err = f.WriteString("before ")
	must(t, err)
	must(t, fs.Remove("f"))
	if _, err := fs.Stat("f"); !errors.Is(err, unix.ENOENT) {
		t.Fatalf("stat after remove: %v", err)
	}
	_, err = f.WriteString("after")
	must(t, err)
	buf := make([]byte, 64)
	n, err := f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	if string(buf[:n]) != "before after" {
		t.Errorf("read back %q", buf[:n])
	}
	fi, err := f.Stat()
	must(t, err)
	if st := fi.Sys().(*Stat); st.Nlink != 0 || st.Size != 12 {
		t.Errorf("stat of the unlinked file: nlink %d size %d", st.Nlink, st.Size)
	}
	// A new file of the same name is another inode.
	must(t, afero.WriteFile(fs, "f", []byte("new"), 0644))
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(f)
	must(t, err)
	if string(b) != "before after" {
		t.Errorf("old file now reads %q", b)
	}
	if _, err := f.Stat(); err != nil {
		t.Fatal(err)
	}
	must(t, f.Close())
	if _, err := f.Stat(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("stat of a closed file: %v", err)
	}
	if err := f.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second close: %v", err)
	}
}

func TestMemFD(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, afero.WriteFile(fs, "f", []byte("hello memfd"), 0644))
	must(t, fs.Symlink("f", "l"))
	fd, err := fs.MemFD("l")
	must(t, err)
	defer unix.Close(fd)
	buf := make([]byte, 5)
	if n, err := unix.Pread(fd, buf, 6); err != nil || string(buf[:n]) != "memfd" {
		t.Fatalf("pread: %q %v", buf[:n], err)
	}
	if _, err := unix.Pwrite(fd, []byte("HELLO"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := unix.Pwrite(fd, []byte("!"), 11); err != nil {
		t.Fatal(err)
	}
	got, err := afero.ReadFile(fs, "f")
	must(t, err)
	if string(got) != "HELLO memfd!" {
		t.Errorf("after writes through the memfd: %q", got)
	}
	if st := statOf(t, fs, "f"); st.Size != 12 {
		t.Errorf("size %d", st.Size)
	}

	// A reopen of the memfd has its own offset, as the supervisor uses it.
	fd2, err := unix.Open(linuxvfs.ProcFD(fd), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	must(t, err)
	defer unix.Close(fd2)
	if _, err := unix.Seek(fd, 3, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if n, err := unix.Read(fd2, buf); err != nil || string(buf[:n]) != "HELLO" {
		t.Errorf("read of the reopened memfd: %q %v", buf[:n], err)
	}

	must(t, fs.Mkdir("d", 0755))
	if _, err := fs.MemFD("d"); !errors.Is(err, unix.EISDIR) {
		t.Errorf("MemFD of a directory: %v", err)
	}
	must(t, fs.Symlink("nowhere", "dangling"))
	if _, err := fs.MemFD("dangling"); !errors.Is(err, unix.ENOENT) {
		t.Errorf("MemFD of a dangling link: %v", err)
	}
	// The File's own descriptor is a separate open of the same data.
	f, err := fs.OpenFile("f", os.O_RDONLY, 0)
	must(t, err)
	defer f.Close()
	ff := f.(*File)
	if n, err := unix.Pread(int(ff.Fd()), buf, 0); err != nil || string(buf[:n]) != "HELLO" {
		t.Errorf("pread on File.Fd: %q %v", buf[:n], err)
	}
	if _, err := unix.Write(int(ff.Fd()), []byte("x")); err != unix.EBADF {
		t.Errorf("write on a read-only File's fd: %v", err)
	}
}

func TestDirectoryFile(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, fs.Mkdir("d", 0755))
	for _, n := range []string{"c", "a", "b", "e", "d"} {
		must(t, afero.WriteFile(fs, "d/"+n, nil, 0644))
	}
	f, err := fs.Open("d")
	must(t, err)
	defer f.Close()
	var got []string
	for {
		infos, err := f.Readdir(2)
		if err == io.EOF {
			break
		}
		must(t, err)
		for _, fi := range infos {
			got = append(got, fi.Name())
		}
		if len(got) == 2 {
			// Entries added or removed meanwhile keep the name order.
			must(t, fs.Remove("d/c"))
			must(t, afero.WriteFile(fs, "d/aa", nil, 0644))
			must(t, afero.WriteFile(fs, "d/z", nil, 0644))
		}
	}
	if want := "a b d e z"; fmt.Sprint(got) != "["+want+"]" {
		t.Errorf("Readdir(2) loop: %v, want [%s]", got, want)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	names, err := f.Readdirnames(-1)
	must(t, err)
	if fmt.Sprint(names) != "[a aa b d e z]" {
		t.Errorf("Readdirnames after rewind: %v", names)
	}
	if names, err := f.Readdirnames(-1); err != nil || len(names) != 0 {
		t.Errorf("Readdirnames at the end: %v %v", names, err)
	}
	if _, err := f.Read(make([]byte, 1)); !errors.Is(err, unix.EISDIR) {
		t.Errorf("read on a directory: %v", err)
	}
	reg, err := fs.Open("d/a")
	must(t, err)
	defer reg.Close()
	if _, err := reg.Readdir(-1); !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("Readdir on a file: %v", err)
	}
}

// TestLstatMeta: LstatMeta answers what Lstat does, with Lstat's errors
// (a view's search permission included), but for a regular file's size,
// blocks and times, which it does not ask the memfd for.
func TestLstatMeta(t *testing.T) {
	root := New()
	defer root.Close()
	must(t, root.MkdirAll("d/sub", 0755))
	must(t, afero.WriteFile(root, "d/f", []byte("x"), 0644))
	must(t, root.SymlinkIfPossible("f", "d/l"))
	must(t, root.Mkdir("closed", 0700))
	must(t, afero.WriteFile(root, "closed/f", nil, 0644))
	user := root.As(linuxvfs.Who{Uid: 1000, Gid: 1000}).(*FS)
	for _, fs := range []*FS{root, user} {
		for _, name := range []string{"/", "d", "d/sub", "d/f", "d/l", "d/l/", "d/f/x", "d/none", "closed/f", "closed/none", ""} {
			st, err := fs.LstatMeta(name)
			fi, lerr := fs.Lstat(name)
			if (err == nil) != (lerr == nil) || err != nil && errnoOf(err) != errnoOf(lerr) {
				t.Errorf("%s as %d: LstatMeta error %v, Lstat's %v", name, fs.cred.Uid, err, lerr)
				continue
			}
			if err != nil {
				continue
			}
			want := *fi.Sys().(*Stat)
			if want.Mode&unix.S_IFMT == unix.S_IFREG {
				want.Size, want.Blocks = 0, 0
				want.Atime, want.Mtime, want.Ctime = st.Atime, st.Mtime, st.Ctime
			}
			if st != want {
				t.Errorf("%s: LstatMeta %+v, Lstat %+v", name, st, want)
			}
		}
	}
}
