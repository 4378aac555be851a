package mem

import (
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// readySpares waits until fs has blanks made ahead (a create starts the
// making).
func readySpares(t *testing.T, fs *FS) {
	t.Helper()
	f, err := fs.OpenFile("/warm", os.O_CREATE|os.O_RDWR, 0o644)
	must(t, err)
	must(t, f.Close())
	for deadline := time.Now().Add(5 * time.Second); ; {
		fs.t.spare.mu.Lock()
		n := min(len(fs.t.spare.ready[0]), len(fs.t.spare.ready[1]))
		fs.t.spare.mu.Unlock()
		if n >= sparesLow {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no blanks made ahead")
		}
		time.Sleep(time.Millisecond)
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
