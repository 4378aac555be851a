package mem

import (
	"fmt"
	"testing"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"
)

// dataEntries is the size of fs's data map after any sweep under way.
func dataEntries(fs *FS) int {
	for {
		fs.t.mu.RLock()
		n, busy := len(fs.t.data), fs.t.sweeping
		fs.t.mu.RUnlock()
		if !busy {
			return n
		}
		time.Sleep(time.Millisecond)
	}
}

// TestOrphansSwept: create and rename-over churn (the FUSE server's
// pattern) and O_TMPFILE files leave the data map bounded, while a
// descriptor a process still holds keeps its unlinked file's entry: fstat
// of it still finds the inode, with a link count of 0.
func TestOrphansSwept(t *testing.T) {
	defer func(m int, g time.Duration) { sweepMin, orphanGrace = m, g }(sweepMin, orphanGrace)
	sweepMin, orphanGrace = 64, 0

	fs := New()
	must(t, afero.WriteFile(fs, "/kept", []byte("data"), 0644))
	held := reopenData(t, fs, "/kept", unix.O_RDONLY)
	must(t, fs.Remove("/kept"))

	for i := 0; i < 5000; i++ {
		name := fmt.Sprintf("/a%d", i%10)
		must(t, afero.WriteFile(fs, name, []byte("x"), 0644))
		must(t, fs.Rename(name, fmt.Sprintf("/b%d", i%7)))
		if i%3 == 0 {
			f, err := fs.OpenFile("/", unix.O_TMPFILE|unix.O_RDWR, 0600)
			must(t, err)
			must(t, f.Close())
		}
	}
	// The sweeps the churn started kept the map far below the ~6 700
	// files it orphaned. (How far depends on the machine's load: an
	// orphan whose memfd this process had not closed yet when a sweep read
	// its descriptors is kept for the next one.)
	if n := dataEntries(fs); n > 2000 {
		t.Errorf("data map holds %d entries after the churn, want far fewer than the 6 700 orphans", n)
	}
	// Once the churn stops, a sweep leaves the held file and the names.
	fs.t.mu.Lock()
	fs.t.sweeping = true
	fs.t.mu.Unlock()
	fs.t.sweep()
	if n := dataEntries(fs); n > 4*sweepMin {
		t.Errorf("data map holds %d entries after a sweep with no churn, want at most %d", n, 4*sweepMin)
	}
	f, err := fs.OpenData(held)
	if err != nil {
		t.Fatalf("OpenData of a held descriptor after sweeps: %v", err)
	}
	defer f.Close()
	if st := fstatOf(t, f); st.Nlink != 0 {
		t.Errorf("nlink of the unlinked file = %d, want 0", st.Nlink)
	}
}
