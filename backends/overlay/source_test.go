package overlay

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps/capstest"
)

// TestDataSource: an untouched file of the host layer is opened by its
// host path; once written, through its upper copy's memfd; a directory
// has no source.
func TestDataSource(t *testing.T) {
	fs, lower := newOverlay(t)
	host := filepath.Join(lower, "a.txt")
	var st unix.Stat_t
	if err := unix.Stat(host, &st); err != nil {
		t.Fatal(err)
	}
	src, ok := fs.DataSource("/a.txt")
	if !ok || src.Fd != -1 || src.Host != host || src.Dev != st.Dev || src.Ino != st.Ino {
		t.Fatalf("lower file: %+v %v, want host %s", src, ok, host)
	}
	f, err := fs.OpenFile("/a.txt", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("+"))
	f.Close()
	if src, ok := fs.DataSource("/a.txt"); !ok || src.Fd < 0 || src.Host != "" {
		t.Errorf("copied-up file: %+v %v, want its memfd", src, ok)
	}
	if _, ok := fs.DataSource("/d"); ok {
		t.Error("a directory has a data source")
	}
}

// TestLstatSource: the combined lookup gives what Lstat, LstatMeta and
// DataSource give, and LstatType LstatMeta's type, for a lower file, a
// copied-up one, a directory, a symbolic link and a missing name.
func TestLstatSource(t *testing.T) {
	fs, _ := newOverlay(t)
	f, err := fs.OpenFile("/b.txt", os.O_WRONLY|os.O_CREATE, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("upper"))
	f.Close()
	if err := fs.SymlinkIfPossible("a.txt", "/l"); err != nil {
		t.Fatal(err)
	}
	capstest.SourceStat(t, fs, "/a.txt", "/b.txt", "/d", "/l", "/missing", "/a.txt/x")
	capstest.TypeStat(t, fs, "/a.txt", "/b.txt", "/d", "/l", "/missing", "/a.txt/x")
}
