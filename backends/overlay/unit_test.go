// unit_test.go checks the rules one at a time: reads without copy-up,
// merged listings, every copy-up trigger, reserved names, renames of lower
// directories (beyond overlayfs), descriptors handed back, O_TMPFILE,
// StatFS, concurrency and hostile input.

package overlay

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

func TestReadNoCopy(t *testing.T) {
	requireRoot(t)
	fs, lower := newOverlay(t)
	f, err := fs.OpenFile("/d/sub/g", os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := int(f.(interface{ Fd() uintptr }).Fd())
	var viaFd, host unix.Stat_t
	if err := unix.Fstat(fd, &viaFd); err != nil {
		t.Fatal(err)
	}
	if err := unix.Stat(lower+"/d/sub/g", &host); err != nil {
		t.Fatal(err)
	}
	if viaFd.Dev != host.Dev || viaFd.Ino != host.Ino {
		t.Errorf("Fd is not the host file's descriptor")
	}
	buf := make([]byte, 64)
	if n, err := unix.Pread(fd, buf, 0); err != nil || string(buf[:n]) != "deep\n" {
		t.Errorf("pread: %q %v", buf[:n], err)
	}
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*mem.Stat); st.Ino != host.Ino || st.Dev != uint64(host.Dev) {
		t.Errorf("Stat: ino %d dev %d, want the host's %d %d", st.Ino, st.Dev, host.Ino, host.Dev)
	}
	if _, err := f.Write([]byte("x")); err == nil {
		t.Error("write through a read-only lower file succeeded")
	}
	diffLines(t, "upper layer", []string{"/ d"}, listUpper(t, fs.Upper()))
}

func TestListing(t *testing.T) {
	requireRoot(t)
	fs, _ := newOverlay(t)
	for _, p := range []string{"/d/new", "/d/a"} {
		if err := afero.WriteFile(fs, p, nil, 0644); err != nil {
			t.Fatal(err)
		}
	}
	if err := fs.Remove("/d/f"); err != nil {
		t.Fatal(err)
	}
	d, err := fs.Open("/d")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var got []string
	for {
		fis, err := d.Readdir(2)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, fi := range fis {
			got = append(got, fmt.Sprintf("%s:%v:%d", fi.Name(), fi.IsDir(), fi.Sys().(*mem.Stat).Nlink))
		}
	}
	if want := "a:false:1 new:false:1 sub:true:2"; strings.Join(got, " ") != want {
		t.Errorf("Readdir: %v, want %s", got, want)
	}
	if _, err := d.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	ents, err := d.(interface{ Dirents() ([]mem.Dirent, error) }).Dirents()
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range ents {
		types = append(types, fmt.Sprintf("%s:%d", e.Name, e.Type))
	}
	if want := "a:8 new:8 sub:4"; strings.Join(types, " ") != want {
		t.Errorf("Dirents: %v, want %s", types, want)
	}
	if names, err := d.Readdirnames(-1); err != nil || len(names) != 3 {
		t.Errorf("Readdirnames after a rewind: %v %v", names, err)
	}
	if _, err := d.Read(make([]byte, 1)); errName(err) != "EISDIR" {
		t.Errorf("read of a directory: %v", err)
	}
}

// TestCopyUpTriggers makes each change that copies a lower file up and
// checks the copy and its parents.
func TestCopyUpTriggers(t *testing.T) {
	requireRoot(t)
	for _, tc := range []struct {
		name  string
		do    func(fs *FS) error
		data  string // the content the copy must have
		upper string // where the copy is, if not at d/sub/g
		attrs bool   // the change keeps mode and times
	}{
		{"O_WRONLY", func(fs *FS) error { return closeOpen(fs.OpenFile("/d/sub/g", os.O_WRONLY, 0)) }, "deep\n", "", false},
		{"O_RDWR", func(fs *FS) error { return closeOpen(fs.OpenFile("/d/sub/g", os.O_RDWR, 0)) }, "deep\n", "", false},
		{"O_TRUNC", func(fs *FS) error { return closeOpen(fs.OpenFile("/d/sub/g", os.O_RDONLY|os.O_TRUNC, 0)) }, "", "", false},
		{"chmod", func(fs *FS) error { return fs.Chmod("/d/sub/g", 0644) }, "deep\n", "", false},
		{"chown", func(fs *FS) error { return fs.Chown("/d/sub/g", -1, -1) }, "deep\n", "", true},
		{"lchown", func(fs *FS) error { return fs.Lchown("/d/sub/g", 0, 0) }, "deep\n", "", true},
		{"utimens", func(fs *FS) error { return fs.Utimens("/d/sub/g", nil, &baseTime, true) }, "deep\n", "", true},
		{"chtimes", func(fs *FS) error { return fs.Chtimes("/d/sub/g", baseTime, baseTime) }, "deep\n", "", true},
		{"touch", func(fs *FS) error { return fs.Touch("/d/sub/g", true) }, "deep\n", "", false},
		{"truncate", func(fs *FS) error { return fs.Truncate("/d/sub/g", 3) }, "dee", "", false},
		{"link", func(fs *FS) error { return fs.Link("/d/sub/g", "/e/g2") }, "deep\n", "", true},
		{"rename", func(fs *FS) error { return fs.Rename("/d/sub/g", "/e/g2") }, "deep\n", "e/g2", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, lower := newOverlay(t)
			before := snapshot(t, lower)
			if err := tc.do(fs); err != nil {
				t.Fatal(err)
			}
			diffLines(t, "lower tree", before, snapshot(t, lower))
			upper := tc.upper
			if upper == "" {
				upper = "d/sub/g"
			}
			b, err := afero.ReadFile(fs.Upper(), "/"+upper)
			if err != nil || string(b) != tc.data {
				t.Errorf("upper copy: %q %v, want %q", b, err, tc.data)
			}
			parents := []string{"d", "d/sub"}
			if tc.name == "rename" {
				parents = parents[:1] // a name left d/sub: its times changed
			}
			for _, p := range parents {
				checkCopy(t, fs, lower, p, p, false)
			}
			checkCopy(t, fs, lower, "d/sub/g", upper, tc.attrs)
		})
	}
}

func closeOpen(f afero.File, err error) error {
	if err != nil {
		return err
	}
	return f.Close()
}

// checkCopy compares the upper file up with the lower file p: owner, and
// unless the change may have touched them, mode and modification time
// (all of them for directories).
func checkCopy(t *testing.T, fs *FS, lower, p, up string, times bool) {
	t.Helper()
	var host unix.Stat_t
	if err := unix.Lstat(lower+"/"+p, &host); err != nil {
		t.Fatal(err)
	}
	st := lstatOf(t, fs.Upper(), "/"+up)
	if st.Uid != host.Uid || st.Gid != host.Gid || st.Mode&unix.S_IFMT != host.Mode&unix.S_IFMT {
		t.Errorf("%s: upper %o %d:%d, lower %o %d:%d", p, st.Mode, st.Uid, st.Gid, host.Mode, host.Uid, host.Gid)
	}
	dir := host.Mode&unix.S_IFMT == unix.S_IFDIR
	if (dir || times) && (st.Mode != host.Mode || !st.Mtime.Equal(time.Unix(host.Mtim.Unix()))) {
		t.Errorf("%s: upper mode %o mtime %v, lower %o %v", p, st.Mode, st.Mtime, host.Mode, time.Unix(host.Mtim.Unix()))
	}
}

func TestHiddenNames(t *testing.T) {
	requireRoot(t)
	fs, _ := newOverlay(t)
	if err := fs.Remove("/a.txt"); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"create":    closeOpen(fs.OpenFile("/.wh.x", os.O_CREATE|os.O_WRONLY, 0644)),
		"create d/": closeOpen(fs.OpenFile("/d/.wh..wh..opq", os.O_CREATE|os.O_WRONLY, 0644)),
		"mkdir":     fs.Mkdir("/.wh.x", 0755),
		"symlink":   fs.Symlink("a", "/d/.wh.y"),
		"link":      fs.Link("/b.txt", "/.wh.b"),
		"rename":    fs.Rename("/b.txt", "/.wh.b.txt"),
	} {
		if errName(err) != "EINVAL" {
			t.Errorf("%s: %v, want EINVAL", name, err)
		}
	}
	for _, p := range []string{"/.wh.a.txt", "/.wh.x", "/d/.wh..wh..opq"} {
		if _, err := fs.Lstat(p); errName(err) != "ENOENT" {
			t.Errorf("lstat %s: %v, want ENOENT", p, err)
		}
		if err := fs.Remove(p); errName(err) != "ENOENT" {
			t.Errorf("remove %s: %v, want ENOENT", p, err)
		}
	}
	if err := fs.Rename("/.wh.a.txt", "/z"); errName(err) != "ENOENT" {
		t.Errorf("rename of a whiteout: %v, want ENOENT", err)
	}
	if strings.Contains(names(t, fs, "/"), ".wh.") {
		t.Errorf("a whiteout is listed: %s", names(t, fs, "/"))
	}
}

// TestRenameLowerDir checks what overlayfs refuses with EXDEV.
func TestRenameLowerDir(t *testing.T) {
	requireRoot(t)
	fs, lower := newOverlay(t)
	before := snapshot(t, lower)
	f, err := fs.Open("/d/sub/g")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := int(f.(interface{ Fd() uintptr }).Fd())
	if err := fs.Remove("/d/sub/h"); err != nil {
		t.Fatal(err)
	}
	if err := fs.Rename("/d", "/e"); err != nil { // over an empty lower directory
		t.Fatal(err)
	}
	if err := fs.Rename("/pub", "/e/sub"); errName(err) != "ENOTEMPTY" {
		t.Errorf("rename over a non-empty directory: %v", err)
	}
	diffLines(t, "upper layer", []string{
		"/ d", "/.wh.d f ", "/e d", "/e/.wh..wh..opq f ", "/e/f f in d\\n", "/e/sub d", "/e/sub/g f deep\\n",
	}, listUpper(t, fs.Upper()))
	if got := names(t, fs, "/e/sub"); got != "g" {
		t.Errorf("ls /e/sub: %q", got)
	}
	checkNlink(t, fs, "/e", 3)
	// The descriptor handed out before the rename still finds its file.
	if err := fs.Chmod("/e/sub/g", 0600); err != nil {
		t.Fatal(err)
	}
	if st, ok := fs.StatData(fd); !ok || st.Mode&07777 != 0600 {
		t.Errorf("StatData after the rename: %o %v", st.Mode, ok)
	}
	// A renamed directory is an ordinary upper directory: it moves again.
	if err := fs.Rename("/e", "/d"); err != nil {
		t.Fatal(err)
	}
	if got := names(t, fs, "/d"); got != "f sub" {
		t.Errorf("ls /d: %q", got)
	}
	if _, err := fs.Stat("/e"); errName(err) != "ENOENT" {
		t.Errorf("stat /e: %v", err)
	}
	diffLines(t, "lower tree", before, snapshot(t, lower))
}

func TestExchangeDirs(t *testing.T) {
	requireRoot(t)
	fs, _ := newOverlay(t)
	if err := fs.RenameFlags("/d", "/pub", unix.RENAME_EXCHANGE); err != nil {
		t.Fatal(err)
	}
	if got := names(t, fs, "/d"); got != "p" {
		t.Errorf("ls /d: %q", got)
	}
	if got := names(t, fs, "/pub"); got != "f sub" {
		t.Errorf("ls /pub: %q", got)
	}
	checkMode(t, fs, "/d", 0777)
	checkMode(t, fs, "/pub", 0755)
	if err := fs.RenameFlags("/a.txt", "/e", unix.RENAME_EXCHANGE); err != nil {
		t.Fatal(err)
	}
	if err := fs.RenameFlags("/b.txt", "/nosuch", unix.RENAME_EXCHANGE); errName(err) != "ENOENT" {
		t.Errorf("exchange with nothing: %v", err)
	}
	if err := fs.RenameFlags("/b.txt", "/e", unix.RENAME_NOREPLACE|unix.RENAME_EXCHANGE); errName(err) != "EINVAL" {
		t.Errorf("both flags: %v", err)
	}
	diffLines(t, "upper layer", []string{
		"/ d", "/a.txt d", "/d d", "/d/.wh..wh..opq f ", "/d/p f public\\n", "/e f alpha\\n",
		"/pub d", "/pub/.wh..wh..opq f ", "/pub/f f in d\\n", "/pub/sub d", "/pub/sub/g f deep\\n",
		"/pub/sub/h f deep too\\n",
	}, listUpper(t, fs.Upper()))
}

func TestDescriptors(t *testing.T) {
	requireRoot(t)
	fs, lower := newOverlay(t)
	before := snapshot(t, lower)
	fd := descriptorOf(t, fs, "/a.txt")
	df, err := openDataFile(fs, fd)
	if err != nil {
		t.Fatal(err)
	}
	if err := df.(interface{ Chmod(os.FileMode) error }).Chmod(0600); err != nil {
		t.Fatal(err)
	}
	tm := time.Unix(1234567890, 0)
	if err := df.(interface{ Utimens(a, m *time.Time) error }).Utimens(&tm, &tm); err != nil {
		t.Fatal(err)
	}
	if err := df.(interface{ Chown(int, int) error }).Chown(1000, -1); err != nil {
		t.Fatal(err)
	}
	df.Close()
	if st, ok := fs.StatData(fd); !ok || st.Mode&07777 != 0600 || !st.Mtime.Equal(tm) || st.Uid != 1000 {
		t.Errorf("StatData: %o %v %d %v", st.Mode, st.Mtime, st.Uid, ok)
	}
	checkMode(t, fs.Upper(), "/a.txt", 0600)
	diffLines(t, "lower tree", before, snapshot(t, lower))

	if err := fs.LinkData(fd, "/a2"); err != nil {
		t.Fatal(err)
	}
	checkNlink(t, fs, "/a.txt", 2)
	if err := fs.Rename("/a.txt", "/a3"); err != nil {
		t.Fatal(err)
	}
	if st, ok := fs.StatData(fd); !ok || st.Nlink != 2 {
		t.Errorf("StatData after a rename: %+v %v", st, ok)
	}
	for _, p := range []string{"/a3", "/a2"} {
		if err := fs.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	if st, ok := fs.StatData(fd); !ok || st.Nlink != 0 {
		t.Errorf("StatData once the name is gone: %+v %v", st, ok)
	}
	df, err = openDataFile(fs, fd)
	if err != nil {
		t.Fatal(err)
	}
	if err := df.(interface{ Chmod(os.FileMode) error }).Chmod(0644); errName(err) != "ENOENT" {
		t.Errorf("fchmod once the name is gone: %v", err)
	}
	df.Close()
	if err := fs.LinkData(fd, "/a4"); errName(err) != "ENOENT" {
		t.Errorf("LinkData once the name is gone: %v", err)
	}

	// Descriptors the overlay does not know.
	host, err := unix.Open(lower+"/b.txt", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(host)
	if _, ok := fs.StatData(host); ok {
		t.Error("StatData of a host file never handed out")
	}
	if _, err := openDataFile(fs, host); errName(err) != "EBADF" {
		t.Errorf("OpenDataFile of a host file never handed out: %v", err)
	}
	if err := fs.LinkData(host, "/x"); errName(err) != "EBADF" {
		t.Errorf("LinkData of a host file never handed out: %v", err)
	}
	diffLines(t, "lower tree", before, snapshot(t, lower))
}

func TestUpperDescriptors(t *testing.T) {
	requireRoot(t)
	fs, _ := newOverlay(t)
	f, err := fs.OpenFile("/b.txt", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd := int(f.(interface{ Fd() uintptr }).Fd())
	if _, err := f.Write([]byte("B")); err != nil {
		t.Fatal(err)
	}
	if fi, err := f.Stat(); err != nil || fi.Name() != "b.txt" || fi.Size() != 6 {
		t.Errorf("Stat: %v %v", fi, err)
	}
	df, err := openDataFile(fs, fd)
	if err != nil {
		t.Fatal(err)
	}
	defer df.Close()
	if err := df.(interface{ Chmod(os.FileMode) error }).Chmod(0604); err != nil {
		t.Fatal(err)
	}
	if st, ok := fs.StatData(fd); !ok || st.Mode&07777 != 0604 {
		t.Errorf("StatData: %o %v", st.Mode, ok)
	}
	if err := fs.LinkData(fd, "/d/b2"); err != nil {
		t.Fatal(err)
	}
	if b, err := afero.ReadFile(fs, "/d/b2"); err != nil || string(b) != "Bravo\n" {
		t.Errorf("read /d/b2: %q %v", b, err)
	}
}

func TestTmpfile(t *testing.T) {
	requireRoot(t)
	fs, _ := newOverlay(t)
	f, err := fs.OpenFile("/d/sub", unix.O_TMPFILE|os.O_RDWR, 0640)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write([]byte("tmp\n")); err != nil {
		t.Fatal(err)
	}
	if err := fs.Remove("/d/sub/g"); err != nil {
		t.Fatal(err)
	}
	fd := int(f.(interface{ Fd() uintptr }).Fd())
	if err := fs.LinkData(fd, "/d/sub/h"); errName(err) != "EEXIST" {
		t.Errorf("LinkData over a lower file: %v", err)
	}
	if err := fs.LinkData(fd, "/d/sub/g"); err != nil { // over a whiteout
		t.Fatal(err)
	}
	if b, err := afero.ReadFile(fs, "/d/sub/g"); err != nil || string(b) != "tmp\n" {
		t.Errorf("read: %q %v", b, err)
	}
	diffLines(t, "upper layer", []string{"/ d", "/d d", "/d/sub d", "/d/sub/g f tmp\\n"}, listUpper(t, fs.Upper()))
	if _, err := fs.OpenFile("/a.txt", unix.O_TMPFILE|os.O_RDWR, 0600); errName(err) != "ENOTDIR" {
		t.Errorf("O_TMPFILE on a file: %v", err)
	}
	if _, err := fs.OpenFile("/d", unix.O_TMPFILE|os.O_RDONLY, 0600); errName(err) != "EINVAL" {
		t.Errorf("O_TMPFILE read-only: %v", err)
	}
}

func TestStatFS(t *testing.T) {
	fs := New(nil, nil)
	b1, _, f1, _ := fs.StatFS()
	b2, _, f2, _ := fs.Upper().StatFS()
	if b1 != b2 || f1 != f2 {
		t.Errorf("StatFS %d %d, upper %d %d", b1, f1, b2, f2)
	}
	if fs.Name() != "overlay" {
		t.Errorf("Name %q", fs.Name())
	}
}

func TestConcurrent(t *testing.T) {
	requireRoot(t)
	fs, lower := newOverlay(t)
	before := snapshot(t, lower)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				p := fmt.Sprintf("/d/w%d", i)
				afero.WriteFile(fs, p, []byte("x"), 0644)
				fs.Rename(p, p+"r")
				afero.ReadFile(fs, "/d/sub/g")
				names(t, fs, "/d")
				fs.Chmod("/a.txt", os.FileMode(0600+j%2*040))
				fs.Remove(p + "r")
				fs.Mkdir(fmt.Sprintf("/e/%d", i), 0755)
				fs.RemoveAll(fmt.Sprintf("/e/%d", i))
			}
		}(i)
	}
	wg.Wait()
	if got := names(t, fs, "/d"); got != "f sub" {
		t.Errorf("ls /d: %q", got)
	}
	diffLines(t, "lower tree", before, snapshot(t, lower))
}

// TestHostileInput feeds what a program may pass: no panics, the
// kernel's errors.
func TestHostileInput(t *testing.T) {
	requireRoot(t)
	fs, _ := newOverlay(t)
	long := strings.Repeat("n", 256)
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fs.Mkdir("", 0755), "ENOENT"},
		{fs.Mkdir("a\x00b", 0755), "EINVAL"},
		{fs.Mkdir("/"+long, 0755), "ENAMETOOLONG"},
		{fs.Mkdir("/"+strings.Repeat("a/", 4100), 0755), "ENAMETOOLONG"},
		{closeOpen(fs.OpenFile("/"+long, os.O_RDONLY, 0)), "ENAMETOOLONG"},
		{closeOpen(fs.OpenFile("/d", unix.O_PATH, 0)), "EINVAL"},
		{closeOpen(fs.OpenFile("/x", os.O_CREATE|unix.O_DIRECTORY, 0)), "EINVAL"},
		{fs.Rename("/", "/x"), "EBUSY"},
		{fs.Rename("/a.txt", "/"), "EBUSY"},
		{fs.RenameFlags("/a.txt", "/b.txt", 1<<10), "EINVAL"},
		{fs.Rmdir("/"), "EBUSY"},
		{fs.Unlink("/"), "EISDIR"},
		{fs.Link("/a.txt", ""), "ENOENT"},
		{fs.Symlink("", "/s"), "ENOENT"},
		{fs.Chown("/a.txt", -5, 0), "EINVAL"},
		{fs.Truncate("/a.txt", -1), "EINVAL"},
		{fs.LinkData(-1, "/x"), "EBADF"},
	} {
		if errName(tc.err) != tc.want {
			t.Errorf("%v: want %s", tc.err, tc.want)
		}
	}
	if _, err := openDataFile(fs, -1); err == nil {
		t.Error("OpenDataFile(-1) succeeded")
	}
	if _, ok := fs.StatData(-1); ok {
		t.Error("StatData(-1) succeeded")
	}
	// A symbolic link loop.
	if err := fs.Symlink("loop", "/loop"); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Stat("/loop"); errName(err) != "ELOOP" {
		t.Errorf("stat of a loop: %v", err)
	}
	empty := New([]Layer{nil}, nil)
	if _, err := empty.Stat("/"); err != nil {
		t.Errorf("stat / of an empty overlay: %v", err)
	}
}

// TestSpecialFiles checks a FIFO of a lower layer: opened without a
// copy-up and without holding the overlay (a blocking open does not stop
// other calls), copied up as a new FIFO by a chmod, removable.
func TestSpecialFiles(t *testing.T) {
	requireRoot(t)
	t.Setenv("TMPDIR", t.TempDir()) // where the upper layer's host nodes go
	fs, lower := newOverlay(t)
	defer fs.Close()
	if err := unix.Mkfifo(lower+"/fifo", 0666); err != nil {
		t.Fatal(err)
	}
	if err := unix.Chmod(lower+"/fifo", 0666); err != nil {
		t.Fatal(err)
	}
	type opened struct {
		f   afero.File
		err error
	}
	reader := make(chan opened)
	go func() {
		f, err := fs.OpenFile("/fifo", os.O_RDONLY, 0) // blocks until a writer comes
		reader <- opened{f, err}
	}()
	time.Sleep(50 * time.Millisecond)
	if err := fs.Mkdir("/newdir", 0755); err != nil { // takes the write lock
		t.Fatal(err)
	}
	w, err := fs.OpenFile("/fifo", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	r := <-reader
	if r.err != nil {
		t.Fatal(r.err)
	}
	if _, err := w.Write([]byte("through\n")); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if b, err := io.ReadAll(r.f); err != nil || string(b) != "through\n" {
		t.Errorf("read from the FIFO: %q %v", b, err)
	}
	r.f.Close()
	// A change of its attributes copies it up: a FIFO of the upper layer
	// from then on, whose host node is mem's, not the lower one.
	lowerNode, err := fs.HostNode("/fifo")
	if err != nil {
		t.Fatal(err)
	}
	if err := fs.Chmod("/fifo", 0600); err != nil {
		t.Errorf("chmod of a lower FIFO: %v", err)
	}
	checkMode(t, fs, "/fifo", 0600)
	if fi, err := fs.Lstat("/fifo"); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("after copy-up: %v %v", fi, err)
	}
	if upperNode, err := fs.HostNode("/fifo"); err != nil || upperNode == lowerNode {
		t.Errorf("host node after copy-up: %q (lower %q), %v", upperNode, lowerNode, err)
	}
	if err := fs.Remove("/fifo"); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.Lstat("/fifo"); errName(err) != "ENOENT" {
		t.Errorf("lstat after remove: %v", err)
	}
}

// TestReopenData: opening a lower file again through its descriptor (an
// open of /proc/self/fd/N) for writing copies it up and opens the copy,
// the lower file untouched; for reading it opens the file's current data;
// another user is checked against the overlay file's mode; once the name
// is gone, reading still works and writing is ENOENT.
func TestReopenData(t *testing.T) {
	requireRoot(t)
	fs, lower := newOverlay(t)
	before := snapshot(t, lower)
	fd := descriptorOf(t, fs, "/a.txt")
	other := fs.As(linuxvfs.Who{Uid: 1000, Gid: 1000}).(*FS)
	if _, err := other.ReopenData(fd, unix.O_WRONLY); errName(err) != "EACCES" {
		t.Errorf("another user's write of a 0644 root file: %v", err)
	}
	w, err := fs.ReopenData(fd, unix.O_WRONLY|unix.O_TRUNC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("copied\n")); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if b, err := afero.ReadFile(fs, "/a.txt"); err != nil || string(b) != "copied\n" {
		t.Errorf("after the write: %q, %v", b, err)
	}
	r, err := other.ReopenData(fd, unix.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(r); err != nil || string(b) != "copied\n" {
		t.Errorf("reading again after the copy-up: %q, %v", b, err)
	}
	r.Close()
	diffLines(t, "lower tree", before, snapshot(t, lower))

	gfd := descriptorOf(t, fs, "/d/f")
	if err := fs.Remove("/d/f"); err != nil {
		t.Fatal(err)
	}
	if _, err := fs.ReopenData(gfd, unix.O_RDWR); errName(err) != "ENOENT" {
		t.Errorf("writing once the name is gone: %v", err)
	}
	r, err = fs.ReopenData(gfd, unix.O_RDONLY)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(r); err != nil || string(b) != "in d\n" {
		t.Errorf("reading once the name is gone: %q, %v", b, err)
	}
	r.Close()
}

// TestUpperDataSeen: a lookup leaves out what an upper file's data tells
// (mem.FS.LstatAll), and Stat, Readdir and StatData ask for it: a write
// through a descriptor the overlay never sees shows at once in the size
// and modification time, as it would on kernel overlayfs.
func TestUpperDataSeen(t *testing.T) {
	fs, _ := newOverlay(t)
	if err := afero.WriteFile(fs, "d/new", []byte("1"), 0644); err != nil {
		t.Fatal(err)
	}
	if err := afero.WriteFile(fs, "a.txt", []byte("copied"), 0644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"d/new", "a.txt"} {
		fd := descriptorOf(t, fs, name)
		w, err := unix.Open(fmt.Sprintf("/proc/self/fd/%d", fd), unix.O_WRONLY|unix.O_APPEND|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		before, err := fs.Lstat(name) // a lookup that leaves the data out first
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // the kernel's clock is coarse
		if _, err := unix.Write(w, []byte("more data")); err != nil {
			t.Fatal(err)
		}
		unix.Close(w)
		var ks unix.Stat_t
		if err := unix.Fstat(fd, &ks); err != nil {
			t.Fatal(err)
		}
		check := func(how string, st *mem.Stat) {
			t.Helper()
			if st.Size != ks.Size || !st.Mtime.Equal(time.Unix(ks.Mtim.Unix())) {
				t.Errorf("%s %s: size %d mtime %v, the data's %d %v", how, name, st.Size, st.Mtime, ks.Size, time.Unix(ks.Mtim.Unix()))
			}
		}
		if fi, err := fs.Lstat(name); err != nil {
			t.Fatal(err)
		} else {
			check("Lstat", fi.Sys().(*mem.Stat))
			if fi.Size() == before.Size() {
				t.Errorf("Lstat %s: size still %d after the write", name, fi.Size())
			}
		}
		if st, ok := fs.StatData(fd); !ok {
			t.Errorf("StatData %s: not found", name)
		} else {
			check("StatData", &st)
		}
		infos, err := afero.ReadDir(fs, filepath.Dir(name))
		if err != nil {
			t.Fatal(err)
		}
		for _, fi := range infos {
			if fi.Name() == filepath.Base(name) {
				check("Readdir", fi.Sys().(*mem.Stat))
			}
		}
		if st, err := fs.LstatMeta(name); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			t.Errorf("LstatMeta %s: %o %v", name, st.Mode, err)
		}
	}
	if _, err := fs.LstatMeta("d/none"); !errors.Is(err, unix.ENOENT) {
		t.Errorf("LstatMeta of a missing name: %v", err)
	}
}

// TestCopiedUpDirKeepsIdentity: a lower directory copied up (by a create
// in it, and by a chmod of it) keeps its device and inode numbers, as
// overlayfs keeps a copied-up object's st_ino: a process that opened it
// before finds it by them after. A directory made in the upper layer, or
// made again where one was removed, is a new one.
func TestCopiedUpDirKeepsIdentity(t *testing.T) {
	requireRoot(t)
	fs, lower := newOverlay(t)
	ident := func(name string) [2]uint64 {
		t.Helper()
		fi, err := fs.Lstat(name)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*mem.Stat)
		return [2]uint64{st.Dev, st.Ino}
	}
	var host unix.Stat_t
	if err := unix.Stat(lower+"/d/sub", &host); err != nil {
		t.Fatal(err)
	}
	want := [2]uint64{uint64(host.Dev), host.Ino}
	if got := ident("/d/sub"); got != want {
		t.Fatalf("lower directory: %v, want the host's %v", got, want)
	}
	if err := afero.WriteFile(fs, "/d/sub/new", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := ident("/d/sub"); got != want {
		t.Errorf("after a create in it (copied up): %v, want %v", got, want)
	}
	if ident("/d") == want {
		t.Errorf("its parent has its identity")
	}
	e := ident("/e")
	if err := fs.Chmod("/e", 0o700); err != nil {
		t.Fatal(err)
	}
	if got := ident("/e"); got != e {
		t.Errorf("after a chmod (copied up): %v, want %v", got, e)
	}
	if err := fs.Mkdir("/fresh", 0o755); err != nil {
		t.Fatal(err)
	}
	fresh := ident("/fresh")
	if err := fs.Remove("/e"); err != nil {
		t.Fatal(err)
	}
	if err := fs.Mkdir("/e", 0o755); err != nil {
		t.Fatal(err)
	}
	if again := ident("/e"); again == e || again == fresh || again[0] != fresh[0] {
		t.Errorf("a directory made again where one was removed: %v (removed %v, another new one %v)", again, e, fresh)
	}
}
