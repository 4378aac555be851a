// list_test.go holds the tree listings the differential and copy tests
// compare: one line per file with type, mode, links, size, owner, and the
// target or content.

package mem

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// listHost describes the tree under root, one line per file, sorted.
func listHost(t testing.TB, root string, dirSizes bool) []string {
	t.Helper()
	var lines []string
	var walk func(rel string)
	walk = func(rel string) {
		full := filepath.Join(root, rel)
		var st unix.Stat_t
		if err := unix.Lstat(full, &st); err != nil {
			t.Fatalf("lstat %s: %v", full, err)
		}
		line := rel + " " + describeHost(&st)
		if !dirSizes && st.Mode&unix.S_IFMT == unix.S_IFDIR {
			line = rel + " " + describe(st.Mode, st.Nlink, 0, st.Uid, st.Gid)
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFLNK:
			target, _ := os.Readlink(full)
			line += " -> " + target
		case unix.S_IFREG:
			b, err := os.ReadFile(full)
			if err != nil {
				t.Fatalf("read %s: %v", full, err)
			}
			line += " " + strconv.Quote(string(b))
		}
		lines = append(lines, line)
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			ents, err := os.ReadDir(full)
			if err != nil {
				t.Fatalf("readdir %s: %v", full, err)
			}
			for _, e := range ents {
				walk(filepath.Join(rel, e.Name()))
			}
		}
	}
	walk("/")
	return lines
}

// listMem describes the tree of fs like listHost.
func listMem(t testing.TB, fs *FS, dirSizes bool) []string {
	t.Helper()
	var lines []string
	var walk func(rel string)
	walk = func(rel string) {
		fi, err := fs.Lstat(rel)
		if err != nil {
			t.Fatalf("lstat %s: %v", rel, err)
		}
		st := fi.Sys().(*Stat)
		line := rel + " " + describeMem(fi)
		if !dirSizes && fi.IsDir() {
			line = rel + " " + describe(st.Mode, st.Nlink, 0, st.Uid, st.Gid)
		}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFLNK:
			target, _ := fs.Readlink(rel)
			line += " -> " + target
		case unix.S_IFREG:
			f, err := fs.Open(rel)
			if err != nil {
				t.Fatalf("open %s: %v", rel, err)
			}
			b, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				t.Fatalf("read %s: %v", rel, err)
			}
			line += " " + strconv.Quote(string(b))
		}
		lines = append(lines, line)
		if fi.IsDir() {
			f, err := fs.Open(rel)
			if err != nil {
				t.Fatalf("open %s: %v", rel, err)
			}
			names, err := f.Readdirnames(-1)
			f.Close()
			if err != nil {
				t.Fatalf("readdir %s: %v", rel, err)
			}
			for _, n := range names {
				walk(filepath.Join(rel, n))
			}
		}
	}
	walk("/")
	return lines
}

// diffLines reports the lines that differ between two listings.
func diffLines(t testing.TB, what string, host, mem []string) {
	t.Helper()
	if strings.Join(host, "\n") == strings.Join(mem, "\n") {
		return
	}
	t.Errorf("%s differs:\n--- tmpfs\n%s\n--- mem\n%s", what, strings.Join(host, "\n"), strings.Join(mem, "\n"))
}
