// helpers_test.go holds what the tests share: the root requirement, a
// lower tree built identically in several host directories, listings of
// the merged view (from the overlay and from a kernel mount), and
// snapshots of host trees to prove they were not written.

package overlay

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
)

// requireRoot skips a test that needs root (fails it under CI).
func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("this test must run as root")
	}
	t.Skip("not root")
}

// treeEntry is one file of a test tree: a directory ("d/" path ending in
// a slash), a symbolic link (link set), a hard link of an earlier file
// (hard set) or a regular file with content data.
type treeEntry struct {
	path     string
	mode     uint32
	data     string
	link     string
	hard     string
	uid, gid int
}

// baseTime is the modification time of every file of a test tree.
var baseTime = time.Unix(1600000000, 0)

// lowerTree is the standard lower layer of the tests.
var lowerTree = []treeEntry{
	{path: "a.txt", mode: 0644, data: "alpha\n"},
	{path: "b.txt", mode: 0600, data: "bravo\n"},
	{path: "exec.sh", mode: 0755, data: "#!/bin/sh\necho hi\n"},
	{path: "owned", mode: 0640, data: "owned by 1000\n", uid: 1000, gid: 1000},
	{path: "hl1", mode: 0644, data: "hard\n"},
	{path: "hl2", hard: "hl1"},
	{path: "d/", mode: 0755},
	{path: "d/f", mode: 0644, data: "in d\n"},
	{path: "d/sub/", mode: 0750},
	{path: "d/sub/g", mode: 0644, data: "deep\n"},
	{path: "d/sub/h", mode: 0444, data: "deep too\n"},
	{path: "e/", mode: 0755},
	{path: "pub/", mode: 0777},
	{path: "pub/p", mode: 0666, data: "public\n", uid: 1000, gid: 1000},
	{path: "ro/", mode: 0555},
	{path: "ro/x", mode: 0644, data: "x\n"},
	{path: "tmp/", mode: 01777},
	{path: "tmp/r", mode: 0666, data: "root's\n"},
	{path: "tmp/u", mode: 0644, data: "user's\n", uid: 1000, gid: 1000},
	{path: "grp/", mode: 0770, gid: 1000},
	{path: "grp/f", mode: 0664, data: "group\n", gid: 1000},
	{path: "suid", mode: 04755, data: "setuid\n", uid: 1000, gid: 1000},
	{path: "sym", link: "a.txt"},
	{path: "dsym", link: "d"},
	{path: "broken", link: "nowhere"},
}

// buildTree makes the entries in the host directory dir (which exists),
// with fixed modes, owners and times.
func buildTree(t testing.TB, dir string, entries []treeEntry) {
	t.Helper()
	var dirs []string
	for _, e := range entries {
		p := filepath.Join(dir, strings.TrimSuffix(e.path, "/"))
		var err error
		switch {
		case strings.HasSuffix(e.path, "/"):
			err = os.Mkdir(p, 0700)
			dirs = append(dirs, p)
		case e.link != "":
			err = os.Symlink(e.link, p)
		case e.hard != "":
			err = os.Link(filepath.Join(dir, e.hard), p)
		default:
			err = os.WriteFile(p, []byte(e.data), 0600)
		}
		if err == nil && e.hard == "" {
			err = os.Lchown(p, e.uid, e.gid)
		}
		if err == nil && e.link == "" && e.hard == "" {
			err = unix.Chmod(p, e.mode)
		}
		if err == nil {
			err = lutimes(p, baseTime)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	// Directories last, their times after their entries were made.
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := lutimes(dirs[i], baseTime); err != nil {
			t.Fatal(err)
		}
	}
	if err := lutimes(dir, baseTime); err != nil {
		t.Fatal(err)
	}
}

func lutimes(p string, tm time.Time) error {
	ts := []unix.Timespec{unix.NsecToTimespec(tm.UnixNano()), unix.NsecToTimespec(tm.UnixNano())}
	return unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW)
}

// newLower makes a temporary directory holding entries (as root: they have
// owners of their own).
func newLower(t testing.TB, entries []treeEntry) string {
	t.Helper()
	requireRoot(t)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0755); err != nil {
		t.Fatal(err)
	}
	buildTree(t, dir, entries)
	return dir
}

// describe renders what the differential tests compare of a file: type,
// permission bits, owner, link count (for directories too), and for files
// the size and a hash of the content, for links the target.
func describe(st *mem.Stat, content, target string) string {
	typ := map[uint32]string{unix.S_IFDIR: "d", unix.S_IFREG: "f", unix.S_IFLNK: "l",
		unix.S_IFCHR: "c", unix.S_IFIFO: "p"}[st.Mode&unix.S_IFMT]
	s := fmt.Sprintf("%s %04o %d:%d n%d", typ, st.Mode&07777, st.Uid, st.Gid, st.Nlink)
	switch typ {
	case "f":
		s += fmt.Sprintf(" %d %x", st.Size, sha256.Sum256([]byte(content)))
		s = s[:len(s)-56] // a short hash is enough
	case "l":
		s += " -> " + target
	}
	return s
}

// listHost lists the tree under the host directory root (a kernel
// overlay mount) as lines "path description".
func listHost(t testing.TB, root string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		ms := hostStat(&st)
		var content, target string
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			content = string(b)
		case unix.S_IFLNK:
			target, _ = os.Readlink(p)
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, "/"+strings.TrimPrefix(rel, ".")+" "+describe(&ms, content, target))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// listFS lists the tree of an afero.Fs (the overlay, or a mem.FS) the same
// way, from its own Readdir and Lstat. Hidden names are listed as they
// come (the overlay never shows any).
func listFS(t testing.TB, fs afero.Fs) []string {
	t.Helper()
	var out []string
	var walk func(p string)
	walk = func(p string) {
		fi, _, err := fs.(afero.Lstater).LstatIfPossible(p)
		if err != nil {
			t.Fatalf("lstat %s: %v", p, err)
		}
		st, _ := statOf(fi)
		var content, target string
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			b, err := afero.ReadFile(fs, p)
			if err != nil {
				t.Fatalf("read %s: %v", p, err)
			}
			content = string(b)
		case unix.S_IFLNK:
			target, _ = fs.(afero.LinkReader).ReadlinkIfPossible(p)
		}
		out = append(out, p+" "+describe(&st, content, target))
		if !fi.IsDir() {
			return
		}
		d, err := fs.Open(p)
		if err != nil {
			t.Fatalf("open %s: %v", p, err)
		}
		names, err := d.Readdirnames(-1)
		d.Close()
		if err != nil {
			t.Fatalf("readdir %s: %v", p, err)
		}
		for _, n := range names {
			walk(strings.TrimSuffix(p, "/") + "/" + n)
		}
	}
	walk("/")
	sort.Strings(out)
	return out
}

// diffLines reports the lines that only one side has.
func diffLines(t testing.TB, what string, want, got []string) {
	t.Helper()
	ws := map[string]bool{}
	for _, l := range want {
		ws[l] = true
	}
	gs := map[string]bool{}
	for _, l := range got {
		gs[l] = true
	}
	for _, l := range want {
		if !gs[l] {
			t.Errorf("%s: missing   %s", what, l)
		}
	}
	for _, l := range got {
		if !ws[l] {
			t.Errorf("%s: unexpected %s", what, l)
		}
	}
}

// snapshot records everything of a host tree that the overlay must never
// change: type, mode, owner, size, modification time, content and target
// of every file, and its inode.
func snapshot(t testing.TB, root string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		extra := ""
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			extra = fmt.Sprintf("%x", sha256.Sum256(b))
		case unix.S_IFLNK:
			extra, _ = os.Readlink(p)
		}
		out = append(out, fmt.Sprintf("%s %o %d:%d n%d s%d m%d.%d c%d.%d i%d %s", p, st.Mode, st.Uid, st.Gid,
			st.Nlink, st.Size, st.Mtim.Sec, st.Mtim.Nsec, st.Ctim.Sec, st.Ctim.Nsec, st.Ino, extra))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// errName is the errno name of err ("" for nil), for comparisons.
func errName(err error) string {
	if err == nil {
		return ""
	}
	e := errnoOf(err)
	if name := unix.ErrnoName(e); name != "" {
		return name
	}
	return e.Error()
}

// descriptorOf opens name in fs and returns a duplicate of the File's own
// descriptor (as the supervisor hands it to a program), closed when the
// test ends.
func descriptorOf(t *testing.T, fs *FS, name string) int {
	t.Helper()
	f, err := fs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fd, err := unix.FcntlInt(f.(interface{ Fd() uintptr }).Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// newOverlay makes an overlay of a new copy of lowerTree.
func newOverlay(t testing.TB) (*FS, string) {
	t.Helper()
	lower := newLower(t, lowerTree)
	return New([]Layer{HostDir(lower)}, mem.New()), lower
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
