// helpers_test.go builds the sample trees the tests use and describes a
// tree (in a mem.FS or on the host) as lines that two trees can be compared
// by.

package layer

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// base is the mtime most files of the sample tree get, plus a few seconds.
var base = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

// Names of the sample tree that do not fit a USTAR header as they are.
var (
	longDir    = "long/" + strings.Repeat("d", 120)
	longFile   = longDir + "/" + strings.Repeat("f", 120)
	longTarget = strings.Repeat("../t", 60)
)

// sampleTree builds a tree with every kind of thing a layer may hold:
// special mode bits, owners beyond USTAR's range, long and non-ASCII names,
// symbolic links (dangling, absolute, long), hard links (across
// directories, and to a symbolic link), whiteout and opaque marker files,
// empty and large files, times before 1970 and after 2242. shuffle makes
// the same tree with other inode numbers and in another creation order.
func sampleTree(t testing.TB, shuffle bool) *mem.FS {
	t.Helper()
	fs := mem.New()
	t.Cleanup(func() { fs.Close() })
	if shuffle {
		for i := range 7 {
			name := fmt.Sprintf("junk%d", i)
			must(t, fs.Mkdir(name, 0755))
			must(t, fs.Remove(name))
		}
	}
	type dir struct {
		name     string
		mode     os.FileMode
		uid, gid int
	}
	dirs := []dir{
		{"bin", 0755, 0, 0},
		{"etc", 0755, 0, 0},
		{"tmp", 0777 | os.ModeSticky, 0, 0},
		{"srv", 0775 | os.ModeSetgid, 0, 50},
		{"home", 0755, 0, 0},
		{"home/user", 0700, 1000, 1000},
		{"var", 0755, 0, 0},
		{"var/cache", 0755, 0, 0},
		{"var/cache/apt", 0755, 0, 0},
		{"long", 0755, 0, 0},
		{longDir, 0750, 0, 0},
		{"données", 0755, 0, 0},
		{"a", 0755, 0, 0},
		{"a.b", 0755, 0, 0},
		{"a/x", 0, 0, 0},
	}
	if shuffle {
		// Parents first still, but siblings in reverse.
		sort.SliceStable(dirs, func(i, j int) bool {
			return strings.Count(dirs[i].name, "/") < strings.Count(dirs[j].name, "/")
		})
		for i, j := 0, len(dirs)-1; i < j; i, j = i+1, j-1 {
			dirs[i], dirs[j] = dirs[j], dirs[i]
		}
		sort.SliceStable(dirs, func(i, j int) bool {
			return strings.Count(dirs[i].name, "/") < strings.Count(dirs[j].name, "/")
		})
	}
	for _, d := range dirs {
		must(t, fs.Mkdir(d.name, 0700))
		must(t, fs.Chown(d.name, d.uid, d.gid))
		must(t, fs.Chmod(d.name, d.mode))
	}

	big := make([]byte, 1<<20+17)
	rand.New(rand.NewSource(1)).Read(big)
	type file struct {
		name     string
		mode     os.FileMode
		uid, gid int
		data     []byte
	}
	files := []file{
		{"bin/su", 0755 | os.ModeSetuid, 0, 0, []byte("#!su\n")},
		{"bin/wall", 0755 | os.ModeSetgid, 0, 5, []byte("#!wall\n")},
		{"bin/a", 0755, 0, 0, []byte("linked three times\n")},
		{"etc/passwd", 0644, 0, 0, []byte("root:x:0:0::/root:/bin/sh\n")},
		{"etc/empty", 0600, 0, 0, nil},
		{"etc/.wh.shadow", 0644, 0, 0, nil},
		{"var/cache/.wh..wh..opq", 0644, 0, 0, nil},
		{"var/.wh.log", 0, 0, 0, nil},
		{"big.bin", 0640, 2, 3, big},
		{"home/user/notes", 0600, 1000, 1000, []byte("mine")},
		{"ids", 0444, 3000000, 4000000, []byte("large ids")},
		{longFile, 0644, 0, 0, []byte("long")},
		{"données/é.txt", 0644, 0, 0, []byte("é")},
		{"a/x/y", 0644, 0, 0, []byte("y")},
		{"a.b/z", 0644, 0, 0, []byte("z")},
		{"tmp/old", 0644, 0, 0, []byte("old")},
		{"tmp/future", 0644, 0, 0, []byte("future")},
	}
	if shuffle {
		for i, j := 0, len(files)-1; i < j; i, j = i+1, j-1 {
			files[i], files[j] = files[j], files[i]
		}
	}
	for _, f := range files {
		fh, err := fs.OpenFile(f.name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0600)
		must(t, err)
		_, err = fh.Write(f.data)
		must(t, err)
		must(t, fh.Close())
		must(t, fs.Chown(f.name, f.uid, f.gid))
		must(t, fs.Chmod(f.name, f.mode))
	}

	must(t, fs.Symlink("bash", "bin/sh"))
	must(t, fs.Symlink("/etc/passwd", "abs"))
	must(t, fs.Symlink("var/cache", "lib"))
	must(t, fs.Symlink(longTarget, "long/link"))
	must(t, fs.Lchown("lib", 7, 8))
	must(t, fs.Link("bin/a", "bin/b"))
	must(t, fs.Link("bin/a", "etc/c"))
	must(t, fs.Link("lib", "lib2"))

	// Times: every file gets base plus a few seconds that depend on its
	// name, directories last and deepest first.
	var names []string
	walkMem(t, fs, "", func(name string, st *mem.Stat) { names = append(names, name) })
	sort.Slice(names, func(i, j int) bool { return strings.Count(names[i], "/") > strings.Count(names[j], "/") })
	for _, name := range names {
		mt := base.Add(time.Duration(len(name)%17) * time.Second)
		switch name {
		case "tmp/old":
			mt = time.Date(1960, 5, 6, 7, 8, 9, 0, time.UTC)
		case "tmp/future":
			// After 2242, beyond USTAR's 11 octal digits. (Not after
			// 2262: mem keeps the times of regular files as int64
			// nanoseconds.)
			mt = time.Date(2250, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		must(t, fs.Utimens(name, &mt, &mt, false))
	}
	return fs
}

// walkMem calls fn for every name below dir in fs, parents first.
func walkMem(t testing.TB, fs *mem.FS, dir string, fn func(name string, st *mem.Stat)) {
	t.Helper()
	p := dir
	if p == "" {
		p = "/"
	}
	f, err := fs.Open(p)
	must(t, err)
	infos, err := f.Readdir(-1)
	f.Close()
	must(t, err)
	for _, fi := range infos {
		name := fi.Name()
		if dir != "" {
			name = dir + "/" + name
		}
		st := fi.Sys().(*mem.Stat)
		fn(name, st)
		if fi.IsDir() {
			walkMem(t, fs, name, fn)
		}
	}
}

// entry is what the tests compare of one name.
type entry struct {
	typ      byte // d, f, l
	perm     uint32
	uid, gid uint32
	mtime    time.Time
	data     []byte // content, or link target
	ino      uint64 // the tree's own number, to group hard links
}

// describe turns the entries of a tree into sorted lines; hard links are
// shown by naming the first name (in sorted order) of the same inode.
func describe(entries map[string]entry) []string {
	names := make([]string, 0, len(entries))
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	first := map[uint64]string{}
	var lines []string
	for _, n := range names {
		e := entries[n]
		link := ""
		if e.typ != 'd' {
			if f, ok := first[e.ino]; ok {
				link = " =" + f
			} else {
				first[e.ino] = n
			}
		}
		data := fmt.Sprintf("%x", sha256.Sum256(e.data))[:16]
		switch e.typ {
		case 'l':
			data = "->" + string(e.data)
		case 'c', 'b':
			data = string(e.data)
		}
		lines = append(lines, fmt.Sprintf("%s %c %#o %d:%d %s %d %s%s",
			n, e.typ, e.perm, e.uid, e.gid, e.mtime.UTC().Format(time.RFC3339Nano), len(e.data), data, link))
	}
	return lines
}

// special describes a FIFO (p) or a device (c, b; its numbers as data).
func special(t testing.TB, name string, mode uint32, rdev uint64) (byte, []byte) {
	switch mode & unix.S_IFMT {
	case unix.S_IFIFO:
		return 'p', nil
	case unix.S_IFCHR:
		return 'c', fmt.Appendf(nil, "%d:%d", unix.Major(rdev), unix.Minor(rdev))
	case unix.S_IFBLK:
		return 'b', fmt.Appendf(nil, "%d:%d", unix.Major(rdev), unix.Minor(rdev))
	}
	t.Fatalf("%s: mode %#o", name, mode)
	return 0, nil
}

// memEntries reads every entry of fs.
func memEntries(t testing.TB, fs *mem.FS) map[string]entry {
	t.Helper()
	m := map[string]entry{}
	walkMem(t, fs, "", func(name string, st *mem.Stat) {
		e := entry{perm: st.Mode & 07777, uid: st.Uid, gid: st.Gid, mtime: st.Mtime, ino: st.Ino}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			e.typ = 'd'
		case unix.S_IFLNK:
			e.typ = 'l'
			target, err := fs.Readlink(name)
			must(t, err)
			e.data = []byte(target)
		case unix.S_IFREG:
			e.typ = 'f'
			f, err := fs.Open(name)
			must(t, err)
			e.data, err = io.ReadAll(f)
			f.Close()
			must(t, err)
		default:
			e.typ, e.data = special(t, name, st.Mode, st.Rdev)
		}
		m[name] = e
	})
	return m
}

// hostEntries reads every entry below the host directory root.
func hostEntries(t testing.TB, root string) map[string]entry {
	t.Helper()
	m := map[string]entry{}
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == root {
			return err
		}
		name, _ := filepath.Rel(root, p)
		st := fi.Sys().(*syscall.Stat_t)
		e := entry{perm: st.Mode & 07777, uid: st.Uid, gid: st.Gid, mtime: time.Unix(st.Mtim.Unix()), ino: st.Ino}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			e.typ = 'd'
		case unix.S_IFLNK:
			e.typ = 'l'
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			e.data = []byte(target)
		case unix.S_IFREG:
			e.typ = 'f'
			if e.data, err = os.ReadFile(p); err != nil {
				return err
			}
		default:
			e.typ, e.data = special(t, name, st.Mode, st.Rdev)
		}
		m[filepath.ToSlash(name)] = e
		return nil
	})
	must(t, err)
	return m
}

// sameLines reports the lines that differ between two descriptions.
func sameLines(t testing.TB, what string, want, got []string) {
	t.Helper()
	w := strings.Join(want, "\n")
	g := strings.Join(got, "\n")
	if w == g {
		return
	}
	wm := map[string]bool{}
	for _, l := range want {
		wm[l] = true
	}
	gm := map[string]bool{}
	for _, l := range got {
		gm[l] = true
	}
	for _, l := range want {
		if !gm[l] {
			t.Errorf("%s: missing  %s", what, l)
		}
	}
	for _, l := range got {
		if !wm[l] {
			t.Errorf("%s: unwanted %s", what, l)
		}
	}
}

// layerOf is Write of fs into memory.
func layerOf(t testing.TB, fs *mem.FS, opt Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	must(t, Write(&buf, fs, opt))
	return buf.Bytes()
}
