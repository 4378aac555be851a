package mem

import (
	"os"
	"testing"

	"github.com/zvfs/zvfs/backends/caps/capstest"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// TestLstatSource: the combined lookup gives what Lstat, LstatMeta and
// DataSource give, for a written file, a directory, a symbolic link and
// missing names; and so it does in a user's view.
func TestLstatSource(t *testing.T) {
	fs := New()
	defer fs.Close()
	if err := fs.Mkdir("/d", 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := fs.OpenFile("/d/f", os.O_WRONLY|os.O_CREATE, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("data"))
	f.Close()
	if err := fs.SymlinkIfPossible("d/f", "/l"); err != nil {
		t.Fatal(err)
	}
	names := []string{"/d/f", "/d", "/l", "/missing", "/d/f/x"}
	capstest.SourceStat(t, fs, names...)
	fs.Chmod("/d", 0o700)
	capstest.SourceStat(t, fs.As(linuxvfs.Who{Uid: 1000, Gid: 1000}).(*FS), names...) // /d/f: EACCES
}
