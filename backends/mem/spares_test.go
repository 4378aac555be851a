package mem

import (
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// readySpares waits until fs has blanks made ahead for both modes (a
// create of each starts the making).
func readySpares(t *testing.T, fs *FS) {
	t.Helper()
	for i, flag := range []int{os.O_WRONLY, os.O_RDWR} {
		f, err := fs.OpenFile(fmt.Sprintf("/warm%d", i), os.O_CREATE|flag, 0o644)
		must(t, err)
		must(t, f.Close())
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		if n := min(readyOf(fs, 0), readyOf(fs, 1)); n >= sparesFirst {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no blanks made ahead")
		}
		time.Sleep(time.Millisecond)
	}
}

// readyOf is how many blanks of mode i fs has ready.
func readyOf(fs *FS, i int) int {
	fs.t.spare.mu.Lock()
	defer fs.t.spare.mu.Unlock()
	return len(fs.t.spare.ready[i])
}

// TestSparesFollowDemand: no blank is made before a create asks for its
// mode; a few creates make a few blanks, of their mode only; many creates
// in a row make more ahead, up to sparesHigh.
func TestSparesFollowDemand(t *testing.T) {
	fs := New()
	defer fs.Close()
	settle := func() {
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
			fs.t.spare.mu.Lock()
			idle := fs.t.spare.filling == nil
			fs.t.spare.mu.Unlock()
			if idle {
				return
			}
		}
		t.Fatal("blanks still being made after 5 s")
	}
	must(t, fs.Mkdir("/d", 0o755))
	settle()
	if n := readyOf(fs, 0) + readyOf(fs, 1); n != 0 {
		t.Fatalf("%d blanks made before any create", n)
	}
	create := func(name string) {
		f, err := fs.OpenFile(name, os.O_CREATE|os.O_WRONLY, 0o644)
		must(t, err)
		must(t, f.Close())
	}
	create("/d/first")
	settle()
	if w, rw := readyOf(fs, 0), readyOf(fs, 1); w != sparesFirst || rw != 0 {
		t.Fatalf("after one O_WRONLY create: %d O_WRONLY and %d O_RDWR blanks ready, want %d and 0", w, rw, sparesFirst)
	}
	for i := 0; i < 4*sparesHigh; i++ {
		create(fmt.Sprintf("/d/f%d", i))
	}
	settle()
	fs.t.spare.mu.Lock()
	want := fs.t.spare.want[0]
	fs.t.spare.mu.Unlock()
	if want != sparesHigh {
		t.Errorf("after %d creates in a row the mode wants %d blanks, want %d", 4*sparesHigh, want, sparesHigh)
	}
	if n := readyOf(fs, 1); n != 0 {
		t.Errorf("%d O_RDWR blanks made, though no create asked for one", n)
	}
}

// TestSpareCreates: a file created from data made ahead has its create's
// times, not those of when the data was made, and the descriptor it opens
// with has the access mode and O_APPEND asked for, as a reopen of its own
// would; once it is closed, nothing holds the file open for writing.
func TestSpareCreates(t *testing.T) {
	fs := New()
	defer fs.Close()
	readySpares(t, fs)
	time.Sleep(20 * time.Millisecond) // the blanks are older than the creates

	for i, flag := range []int{os.O_WRONLY, os.O_RDWR, os.O_WRONLY | os.O_APPEND, os.O_RDWR | os.O_APPEND,
		os.O_RDONLY, os.O_WRONLY | unix.O_SYNC} {
		name := fmt.Sprintf("/f%d", i)
		// A kernel file made just before: the create's times are no older.
		ref, err := unix.MemfdCreate("ref", unix.MFD_CLOEXEC)
		must(t, err)
		var rst unix.Stat_t
		must(t, unix.Fstat(ref, &rst))
		unix.Close(ref)

		f, err := fs.openFile(fs.t.root, name, flag|os.O_CREATE|os.O_EXCL, 0o644)
		must(t, err)
		st := fstatOf(t, f)
		if st.Mtime.Before(time.Unix(rst.Mtim.Unix())) || st.Ctime.Before(time.Unix(rst.Ctim.Unix())) {
			t.Errorf("%s: mtime %v ctime %v, older than a file made before it (%v)", name, st.Mtime, st.Ctime,
				time.Unix(rst.Mtim.Unix()))
		}
		got, err := unix.FcntlInt(uintptr(f.fd), unix.F_GETFL, 0)
		must(t, err)
		want := flag & (unix.O_ACCMODE | unix.O_APPEND | unix.O_SYNC)
		if got&(unix.O_ACCMODE|unix.O_APPEND|unix.O_SYNC) != want {
			t.Errorf("%s: descriptor flags %#o, want %#o", name, got, want)
		}
		if flag&unix.O_ACCMODE != os.O_RDONLY {
			if _, err := f.Write([]byte("data")); err != nil {
				t.Errorf("%s: write: %v", name, err)
			}
		}
		var b [4]byte
		if _, err := unix.Pread(f.fd, b[:], 0); (err == nil) != (flag&unix.O_ACCMODE != os.O_WRONLY) {
			t.Errorf("%s: pread: %v", name, err)
		}
		must(t, f.Close())
		// No writer left behind, which would make an exec ETXTBSY: a
		// read lease is granted only then.
		memfd, err := fs.MemFD(name)
		must(t, err)
		rd := reopenData(t, fs, name, unix.O_RDONLY)
		unix.Close(memfd)
		if _, err := unix.FcntlInt(uintptr(rd), unix.F_SETLEASE, unix.F_RDLCK); err != nil {
			t.Errorf("%s: read lease after close: %v (a descriptor open for writing is left)", name, err)
		}
		unix.FcntlInt(uintptr(rd), unix.F_SETLEASE, unix.F_UNLCK)
	}
}

// TestSparesClosed: descriptors released after Close are closed at once,
// and Close leaves no blank behind.
func TestSparesClosed(t *testing.T) {
	fs := New()
	readySpares(t, fs)
	must(t, fs.Close())
	fs.t.spare.mu.Lock()
	defer fs.t.spare.mu.Unlock()
	if n := len(fs.t.spare.ready[0]) + len(fs.t.spare.ready[1]); n != 0 || len(fs.t.spare.doomed) != 0 {
		t.Errorf("after Close: %d blanks and %d descriptors kept", n, len(fs.t.spare.doomed))
	}
}
