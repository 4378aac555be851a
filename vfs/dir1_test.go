package vfs

import (
	"testing"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/caps"
	"github.com/zvfs/zvfs/internal/abi"
)

// TestCallDir1: a call whose path the stub made from a directory's path as
// the view gave it (abi.CallDir1) runs where that path leads while it
// still is that directory; once a rename moved it (or for a directory the
// stub misnamed) the answer is ReplyAgain, and nothing is done.
func TestCallDir1(t *testing.T) {
	ns := testNS(t)
	m := &fakeMemory{base: 0x10000, b: make([]byte, 64)}
	mnt, _ := ns.tab.Lookup("/data/a")
	fs := mnt.FS
	st, err := caps.LstatMeta(fs, "/a/b")
	if err != nil {
		t.Fatal(err)
	}
	creat := func(path string, dirLen int, dev, ino uint64) Answer {
		c := abi.Call{Nr: unix.SYS_OPENAT, Flags: abi.CallPath1 | abi.CallDir1, Path1: path, Dir1Len: uint32(dirLen),
			Dir1Dev: dev, Dir1Ino: ino, Args: [6]uint64{0, 0, unix.O_CREAT | unix.O_WRONLY | unix.O_EXCL, 0644}}
		a := ns.Handle(&Request{Call: c, Mem: m})
		if a.Release != nil {
			a.Release()
		} else if a.Fd >= 0 {
			unix.Close(a.Fd)
		}
		return a
	}
	if a := creat("/data/a/b/new", len("/data/a/b"), st.Dev, st.Ino); a.Action != abi.ReplyFd {
		t.Fatalf("create by the directory's path: %+v", a.Reply)
	}
	if _, err := caps.LstatMeta(fs, "/a/b/new"); err != nil {
		t.Errorf("not created: %v", err)
	}
	// Another directory at the path, or none: again, nothing made.
	other, _ := caps.LstatMeta(fs, "/sub")
	for _, c := range []struct {
		path     string
		dev, ino uint64
	}{{"/data/sub/x", other.Dev, st.Ino}, {"/data/sub/x", st.Dev + 1, other.Ino}, {"/data/gone/x", st.Dev, st.Ino}} {
		a := creat(c.path, len(c.path)-2, c.dev, c.ino)
		if a.Action != abi.ReplyAgain {
			t.Errorf("%s with identity %d/%d: %+v, want ReplyAgain", c.path, c.dev, c.ino, a.Reply)
		}
	}
	if _, err := caps.LstatMeta(fs, "/sub/x"); err == nil {
		t.Error("created under the wrong directory")
	}
	// Moved: the old path is the wrong one now.
	if err := fs.Rename("/a/b", "/a/c"); err != nil {
		t.Fatal(err)
	}
	if a := creat("/data/a/b/late", len("/data/a/b"), st.Dev, st.Ino); a.Action != abi.ReplyAgain {
		t.Errorf("after the rename: %+v, want ReplyAgain", a.Reply)
	}
	if a := creat("/data/a/c/late", len("/data/a/c"), st.Dev, st.Ino); a.Action != abi.ReplyFd {
		t.Errorf("at the new path: %+v", a.Reply)
	}
	// The name is looked up from the directory: ".." in it leads to the
	// directory's parent, as the kernel's openat does.
	if a := creat("/data/a/c/../up", len("/data/a/c"), st.Dev, st.Ino); a.Action != abi.ReplyFd {
		t.Errorf("a name with ..: %+v", a.Reply)
	}
	if _, err := caps.LstatMeta(fs, "/a/up"); err != nil {
		t.Errorf("a name with ..: not created in the parent: %v", err)
	}
	// A symbolic link to the directory where it was is not the directory
	// (the view names directories by their own paths): again.
	if err := fs.Rename("/a/c", "/a/b"); err != nil {
		t.Fatal(err)
	}
	if err := fs.(interface{ SymlinkIfPossible(string, string) error }).SymlinkIfPossible("b", "/a/c"); err != nil {
		t.Fatal(err)
	}
	if a := creat("/data/a/c/viaLink", len("/data/a/c"), st.Dev, st.Ino); a.Action != abi.ReplyAgain {
		t.Errorf("through a symbolic link to the directory: %+v, want ReplyAgain", a.Reply)
	}
}
