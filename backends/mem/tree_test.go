// tree_test.go tests the tree as a whole: its invariants under concurrent
// use, CopyFrom, StatFS, views, and use through the afero.Fs interface.

package mem

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// checkTree verifies what every operation must keep true: link counts and
// sizes of directories, ".." pointers, sorted name lists, link counts of
// files against the names that reach them, and the inode count.
func checkTree(t testing.TB, fs *FS) {
	t.Helper()
	fs.t.mu.RLock()
	defer fs.t.mu.RUnlock()
	names := map[*inode]uint32{}
	var walk func(dir *inode, path string)
	walk = func(dir *inode, path string) {
		subdirs := uint32(0)
		sorted := dir.sortedNames()
		if !sort.StringsAreSorted(sorted) || len(sorted) != len(dir.entries) {
			t.Errorf("%s: names %v do not match entries", path, sorted)
		}
		for _, name := range sorted {
			n := dir.entries[name]
			if n == nil {
				t.Errorf("%s: name %q without entry", path, name)
				continue
			}
			if n.isDir() {
				subdirs++
				if n.parent != dir {
					t.Errorf("%s/%s: wrong parent", path, name)
				}
				walk(n, path+"/"+name)
			} else {
				names[n]++
			}
		}
		if dir.nlink != 2+subdirs {
			t.Errorf("%s: nlink %d with %d subdirectories", path, dir.nlink, subdirs)
		}
		if dir.size != int64(2+len(dir.entries))*bogoDirent {
			t.Errorf("%s: size %d with %d entries", path, dir.size, len(dir.entries))
		}
		if dir.dead {
			t.Errorf("%s: reachable but dead", path)
		}
	}
	walk(fs.t.root, "")
	count := uint64(0)
	var dirs func(*inode) uint64
	dirs = func(d *inode) uint64 {
		c := uint64(1)
		for _, n := range d.entries {
			if n.isDir() {
				c += dirs(n)
			}
		}
		return c
	}
	count = dirs(fs.t.root)
	for n, c := range names {
		count++
		if n.nlink != c {
			t.Errorf("inode %d: nlink %d but %d names", n.ino, n.nlink, c)
		}
		if n.isReg() && n.memfd < 0 {
			t.Errorf("inode %d: linked regular file without memfd", n.ino)
		}
	}
	if count != fs.t.inodes {
		t.Errorf("inode count %d, %d reachable", fs.t.inodes, count)
	}
}

func TestConcurrency(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, fs.Mkdir("d", 0777))
	const workers, rounds = 8, 150
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var view afero.Fs = fs
			if w%2 == 1 {
				view = fs.As(linuxvfs.Who{Uid: 1000, Gid: 1000})
			}
			mfs := view.(*FS)
			for i := 0; i < rounds; i++ {
				a := fmt.Sprintf("d/w%d-%d", w, i)
				b := fmt.Sprintf("d/r%d-%d", w, i%10)
				f, err := view.OpenFile(a, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0666)
				if err != nil {
					t.Error(err)
					return
				}
				f.WriteString(a)
				f.Close()
				// Races with other workers are expected to fail cleanly.
				_ = view.Rename(a, b)
				_ = view.Rename(b, "d/shared")
				_ = mfs.Link("d/shared", fmt.Sprintf("d/l%d", w))
				_ = mfs.RenameFlags("d/shared", fmt.Sprintf("d/l%d", (w+1)%workers), unix.RENAME_EXCHANGE)
				_ = view.Mkdir(fmt.Sprintf("d/sub%d", i%5), 0777)
				_ = view.Rename(fmt.Sprintf("d/sub%d", i%5), fmt.Sprintf("d/sub%d", (i+1)%5))
				_ = view.Remove(fmt.Sprintf("d/sub%d", (i+2)%5))
				_, _ = view.Stat("d/shared")
				if dir, err := view.Open("d"); err == nil {
					_, _ = dir.Readdir(-1)
					dir.Close()
				}
				if i%3 == 0 {
					_ = view.Remove(b)
					_ = view.Remove(fmt.Sprintf("d/l%d", w))
				}
			}
		}()
	}
	wg.Wait()
	checkTree(t, fs)
	for _, line := range listMem(t, fs, true) {
		if strings.Contains(line, "ERR") {
			t.Error(line)
		}
	}
}

func TestCopyFrom(t *testing.T) {
	host := t.TempDir()
	w := func(name, data string, mode os.FileMode) {
		p := filepath.Join(host, name)
		must(t, os.WriteFile(p, []byte(data), 0600))
		must(t, os.Chmod(p, mode))
	}
	must(t, os.Mkdir(filepath.Join(host, "dir"), 0750))
	must(t, os.Mkdir(filepath.Join(host, "dir/sub"), 0700))
	w("file", "content", 0640)
	w("dir/sub/deep", "deep", 0600)
	w("empty", "", 0644)
	w("suid", "#!/bin/sh\n", 0755|os.ModeSetuid)
	must(t, unix.Chmod(filepath.Join(host, "suid"), 04755))
	must(t, os.Link(filepath.Join(host, "file"), filepath.Join(host, "dir/hardlink")))
	must(t, os.Symlink("../file", filepath.Join(host, "dir/rel")))
	must(t, os.Symlink("/dir/sub", filepath.Join(host, "abs")))
	must(t, os.Symlink("nowhere", filepath.Join(host, "dangling")))
	if os.Geteuid() == 0 {
		must(t, os.Lchown(filepath.Join(host, "file"), 1234, 5678))
		must(t, os.Lchown(filepath.Join(host, "abs"), 42, 43))
	}
	mtime := time.Date(2001, 2, 3, 4, 5, 6, 7000, time.UTC)
	must(t, os.Chtimes(filepath.Join(host, "dir/sub/deep"), mtime, mtime))
	must(t, os.Chtimes(filepath.Join(host, "dir/sub"), mtime, mtime))

	fs := New()
	defer fs.Close()
	must(t, fs.CopyFrom(host))
	diffLines(t, "copy", listHost(t, host, false), listMem(t, fs, false))
	checkTree(t, fs)
	if st := statOf(t, fs, "dir/sub/deep"); !st.Mtime.Equal(mtime) {
		t.Errorf("file mtime %v, want %v", st.Mtime, mtime)
	}
	if st := statOf(t, fs, "dir/sub"); !st.Mtime.Equal(mtime) {
		t.Errorf("directory mtime %v, want %v", st.Mtime, mtime)
	}
	if a, b := statOf(t, fs, "file"), statOf(t, fs, "dir/hardlink"); a.Ino != b.Ino || a.Nlink != 2 {
		t.Errorf("hard link not kept: inodes %d %d, nlink %d", a.Ino, b.Ino, a.Nlink)
	}
	if b, err := afero.ReadFile(fs, "abs/deep"); err != nil || string(b) != "deep" {
		t.Errorf("through the absolute link: %q %v", b, err)
	}
	// Copying again merges directories but refuses to overwrite files.
	if err := fs.CopyFrom(host); !errors.Is(err, unix.EEXIST) {
		t.Errorf("second copy: %v", err)
	}
	if err := fs.CopyFrom(filepath.Join(host, "file")); !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("copy from a file: %v", err)
	}
}

func TestCopyFromTmpfs(t *testing.T) {
	// On a tmpfs even directory sizes must come out the same.
	host := mountTmpfs(t)
	must(t, os.MkdirAll(filepath.Join(host, "a/b/c"), 0755))
	must(t, os.WriteFile(filepath.Join(host, "a/f"), []byte("x"), 0644))
	must(t, os.Symlink("a/f", filepath.Join(host, "l")))
	fs := New()
	defer fs.Close()
	must(t, fs.CopyFrom(host))
	diffLines(t, "copy", listHost(t, host, true), listMem(t, fs, true))
}

func TestStatFS(t *testing.T) {
	fs := New()
	defer fs.Close()
	blocks, bfree, files, ffree := fs.StatFS()
	if blocks == 0 || bfree != blocks || files == 0 || ffree != files-1 {
		t.Fatalf("empty: %d %d %d %d", blocks, bfree, files, ffree)
	}
	must(t, afero.WriteFile(fs, "big", make([]byte, 1<<20), 0644))
	must(t, fs.Link("big", "big2"))
	must(t, fs.Mkdir("d", 0755))
	_, bfree2, _, ffree2 := fs.StatFS()
	if bfree-bfree2 != 256 || ffree-ffree2 != 2 {
		t.Errorf("after 1 MiB in one file and a directory: %d blocks and %d inodes used", bfree-bfree2, ffree-ffree2)
	}
}

func TestViews(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, fs.Chmod("/", 0777))
	u := fs.As(linuxvfs.Who{Uid: 1000, Gid: 100}).(*FS)
	must(t, u.Mkdir("mine", 0700))
	st := statOf(t, fs, "mine")
	if st.Uid != 1000 || st.Gid != 100 {
		t.Errorf("owner %d:%d", st.Uid, st.Gid)
	}
	other := fs.As(linuxvfs.Who{Uid: 1001, Gid: 100})
	if _, err := other.Create("mine/x"); !errors.Is(err, unix.EACCES) {
		t.Errorf("create in another user's 0700 directory: %v", err)
	}
	if err := other.Chown("mine", 1001, 100); !errors.Is(err, unix.EPERM) {
		t.Errorf("chown by a non-owner: %v", err)
	}
	// Uid 0 views bypass permission checks like root.
	r := fs.As(linuxvfs.Who{Uid: 0, Gid: 5})
	f, err := r.Create("mine/rootfile")
	must(t, err)
	f.Close()
	if st := statOf(t, fs, "mine/rootfile"); st.Uid != 0 || st.Gid != 5 {
		t.Errorf("root view owner %d:%d", st.Uid, st.Gid)
	}
	var pe *os.PathError
	if _, err := other.Stat("mine/rootfile"); !errors.As(err, &pe) || pe.Op != "stat" || pe.Path != "mine/rootfile" {
		t.Errorf("error %#v", err)
	}
	var le *os.LinkError
	if err := other.Rename("mine/rootfile", "yours"); !errors.As(err, &le) || le.Op != "rename" || !errors.Is(err, unix.EACCES) {
		t.Errorf("rename error %#v", err)
	}
}

func TestAferoInterface(t *testing.T) {
	var fs afero.Fs = New()
	defer fs.(*FS).Close()
	must(t, fs.MkdirAll("/a/b/c", 0755))
	must(t, afero.WriteFile(fs, "/a/b/c/file.txt", []byte("afero"), 0644))
	must(t, afero.WriteFile(fs, "a/top.txt", []byte("top"), 0600))
	b, err := afero.ReadFile(fs, "/a/b/c/file.txt")
	if err != nil || string(b) != "afero" {
		t.Fatalf("ReadFile: %q %v", b, err)
	}
	if ok, err := afero.Exists(fs, "/a/top.txt"); !ok || err != nil {
		t.Errorf("Exists: %v %v", ok, err)
	}
	if ok, err := afero.DirExists(fs, "/a/b"); !ok || err != nil {
		t.Errorf("DirExists: %v %v", ok, err)
	}
	sl := fs.(afero.Symlinker)
	must(t, sl.SymlinkIfPossible("b/c/file.txt", "/a/link"))
	var walked []string
	must(t, afero.Walk(fs, "/", func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		walked = append(walked, fmt.Sprintf("%s %v", p, fi.Mode()))
		return nil
	}))
	want := []string{"/ drwxr-xr-x", "/a drwxr-xr-x", "/a/b drwxr-xr-x", "/a/b/c drwxr-xr-x",
		"/a/b/c/file.txt -rw-r--r--", "/a/link Lrwxrwxrwx", "/a/top.txt -rw-------"}
	if strings.Join(walked, "\n") != strings.Join(want, "\n") {
		t.Errorf("Walk:\n%s\nwant:\n%s", strings.Join(walked, "\n"), strings.Join(want, "\n"))
	}
	infos, err := afero.ReadDir(fs, "/a")
	must(t, err)
	if len(infos) != 3 || infos[0].Name() != "b" || !infos[0].IsDir() {
		t.Errorf("ReadDir: %v", infos)
	}
	tf, err := afero.TempFile(fs, "/a", "tmp")
	must(t, err)
	tf.Close()
	must(t, fs.Remove(tf.Name()))
	if target, err := sl.ReadlinkIfPossible("/a/link"); err != nil || target != "b/c/file.txt" {
		t.Errorf("Readlink: %q %v", target, err)
	}
	if _, lstat, err := sl.LstatIfPossible("/a/link"); !lstat || err != nil {
		t.Errorf("LstatIfPossible: %v %v", lstat, err)
	}
	must(t, fs.RemoveAll("/a"))
	if _, err := fs.Stat("/a"); !os.IsNotExist(err) {
		t.Errorf("after RemoveAll: %v", err)
	}
	if fs.Name() != "mem" {
		t.Errorf("Name %q", fs.Name())
	}
	checkTree(t, fs.(*FS))
}

// LstatAll answers as Lstat of each joined path does: attributes where
// asked, errnos (a missing name, a file used as a directory, a symbolic
// link followed inside the path but not at its end, a directory the
// user may not search), and dir's own error for every name.
func TestLstatAll(t *testing.T) {
	fs := New()
	for _, d := range []string{"/d", "/d/sub", "/closed", "/closed/in"} {
		if err := fs.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := afero.WriteFile(fs, "/d/f", []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"/d/l": "sub", "/d/dang": "nowhere", "/ld": "d"} {
		if err := fs.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	if err := fs.Chmod("/closed", 0o700); err != nil {
		t.Fatal(err)
	}
	user := fs.As(linuxvfs.Who{Uid: 1000, Gid: 1000}).(*FS)
	rels := []string{"", "f", "sub", "l", "l/", "dang", "missing", "f/x", "l/x", "sub/../f", "in"}
	for _, c := range []struct {
		fs  *FS
		dir string
	}{{fs, "/d"}, {fs, "/ld"}, {fs, "/"}, {fs, "/d/f"}, {fs, "/missing"}, {fs, "/closed"}, {user, "/closed"}, {user, "/d"}} {
		out := make([]Stat, 4)
		errs := make([]unix.Errno, len(rels))
		c.fs.LstatAll(c.dir, rels, out, errs)
		for i, rel := range rels {
			p := c.dir
			if rel != "" {
				p = strings.TrimSuffix(c.dir, "/") + "/" + rel
			}
			fi, err := c.fs.Lstat(p)
			if want := linuxvfs.ErrnoOf(err); errs[i] != want {
				t.Errorf("LstatAll(%q) %q: errno %v, Lstat of %q says %v", c.dir, rel, errs[i], p, want)
				continue
			}
			if err != nil || i >= len(out) {
				continue
			}
			want := *fi.Sys().(*Stat)
			if want.Mode&unix.S_IFMT == unix.S_IFREG {
				// What only the memfd tells is left out.
				want.Size, want.Blocks = 0, 0
				want.Atime, want.Mtime, want.Ctime = out[i].Atime, out[i].Mtime, out[i].Ctime
			}
			if out[i] != want {
				t.Errorf("LstatAll(%q) %q: %+v, Lstat says %+v", c.dir, rel, out[i], want)
			}
		}
	}
}
