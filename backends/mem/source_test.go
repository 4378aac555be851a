package mem

import (
	"testing"

	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/backends/caps/capstest"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// TestLstatSource: the combined lookup gives what Lstat, LstatMeta and
// DataSource give, for a written file, a directory, a symbolic link and
// missing names; and so it does in a user's view.
func TestLstatSource(t *testing.T) {
	fs := New()
	defer fs.Close()
	must(t, fs.Mkdir("/d", 0o755))
	must(t, afero.WriteFile(fs, "/d/f", []byte("data"), 0o640))
	must(t, fs.SymlinkIfPossible("d/f", "/l"))
	names := []string{"/d/f", "/d", "/l", "/missing", "/d/f/x"}
	capstest.SourceStat(t, fs, names...)
	fs.Chmod("/d", 0o700)
	capstest.SourceStat(t, fs.As(linuxvfs.Who{Uid: 1000, Gid: 1000}).(*FS), names...) // /d/f: EACCES
}
