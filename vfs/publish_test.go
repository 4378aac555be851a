package vfs

import (
	"fmt"
	"testing"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/mtab"
	"github.com/zvfs/zvfs/view"
)

// publishedNS is a namespace over a mount at /data holding dirs
// directories of files files each, publishing into a fresh view: a mem
// file system, or for a large tree (every mem file holds a memfd, more
// than a process may have here) afero's MemMapFs.
func publishedNS(t testing.TB, dirs, files int) (*Namespace, *mtab.Mount, *view.Region) {
	t.Helper()
	var fs afero.Fs = mem.New()
	if dirs*files > 10000 {
		fs = afero.NewMemMapFs()
	}
	for d := 0; d < dirs; d++ {
		dir := fmt.Sprintf("/src/d%03d", d)
		if err := fs.MkdirAll(dir, 0755); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < files; i++ {
			if err := afero.WriteFile(fs, fmt.Sprintf("%s/file%04d.c", dir, i), []byte("x"), 0644); err != nil {
				t.Fatal(err)
			}
		}
	}
	m := &mtab.Mount{Target: "/data", FS: fs}
	ns, err := New([]*mtab.Mount{m})
	if err != nil {
		t.Fatal(err)
	}
	v, err := view.New(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	ns.Publish(v)
	return ns, m, v
}

// TestPublishFollowsChanges: what the publisher puts in the view matches
// the backend after a visit, a create, a chmod and a removal.
func TestPublishFollowsChanges(t *testing.T) {
	ns, m, v := publishedNS(t, 2, 3)
	p := ns.pub
	p.visit(loc{m: m, rel: "src/d000/file0000.c"})
	v.Begin()
	f, ok := v.Flags("/data/src/d000")
	v.End()
	if !ok || f&abi.ViewComplete == 0 || f&abi.ViewSearch == 0 {
		t.Fatalf("visited directory: flags %#x %v", f, ok)
	}
	if v.Len() != 6 { // /data, /data/src, d000 and its three files
		t.Errorf("%d entries after one visit, want 6", v.Len())
	}
	if err := m.FS.Chmod("/src/d000/file0001.c", 0600); err != nil {
		t.Fatal(err)
	}
	p.refresh(m, "src/d000/file0001.c")
	afero.WriteFile(m.FS, "/src/d000/new.c", nil, 0644)
	p.refresh(m, "src/d000/new.c")
	m.FS.Remove("/src/d000/file0002.c")
	p.refresh(m, "src/d000/file0002.c")
	v.Begin()
	defer v.End()
	if mode := v.Mode("/data/src/d000/file0001.c"); mode != 0100600 {
		t.Errorf("after chmod: mode %o", mode)
	}
	if _, ok := v.Flags("/data/src/d000/new.c"); !ok {
		t.Error("created file missing from a complete directory")
	}
	if _, ok := v.Flags("/data/src/d000/file0002.c"); ok {
		t.Error("removed file still in the view")
	}
	// A directory whose mode changes loses what was published below it.
	v.End()
	m.FS.Chmod("/src/d000", 0700)
	p.refresh(m, "src/d000")
	v.Begin()
	if f, _ := v.Flags("/data/src/d000"); f&abi.ViewComplete != 0 {
		t.Error("directory still complete after its mode changed")
	}
	if _, ok := v.Flags("/data/src/d000/new.c"); ok {
		t.Error("names below a re-moded directory kept")
	}
}

// TestPublishRenameAbove: renaming a directory takes away everything
// published below it, also names reached without listing the directories
// on the way (only the last one was listed).
func TestPublishRenameAbove(t *testing.T) {
	ns, m, v := publishedNS(t, 2, 3)
	ns.pub.visit(loc{m: m, rel: "src/d001/file0000.c"})
	v.Begin()
	_, ok := v.Flags("/data/src/d001/file0000.c")
	v.End()
	if !ok {
		t.Fatal("visited file not published")
	}
	if err := m.FS.Rename("/src", "/moved"); err != nil {
		t.Fatal(err)
	}
	ns.pub.refresh(m, "src")
	ns.pub.refresh(m, "moved")
	v.Begin()
	defer v.End()
	for _, p := range []string{"/data/src", "/data/src/d001", "/data/src/d001/file0000.c"} {
		if _, ok := v.Flags(p); ok {
			t.Errorf("%s still in the view after its tree was renamed", p)
		}
	}
}

// TestPublishRenameOver: a directory renamed over an empty one that was
// listed (complete, with no names) brings its names: none of them may
// read as missing.
func TestPublishRenameOver(t *testing.T) {
	ns, m, v := publishedNS(t, 1, 3)
	if err := m.FS.Mkdir("/src/empty", 0755); err != nil {
		t.Fatal(err)
	}
	ns.pub.visit(loc{m: m, rel: "src/empty/x"})
	ns.pub.visit(loc{m: m, rel: "src/d000/file0000.c"})
	if err := m.FS.Rename("/src/d000", "/src/empty"); err != nil {
		t.Fatal(err)
	}
	h := &handler{ns: ns, r: &Request{Call: abi.Call{Nr: unix.SYS_RENAME}}}
	h.changed = []loc{{m: m, rel: "src/d000"}, {m: m, rel: "src/empty"}}
	h.publish(Answer{}, nil)
	v.Begin()
	defer v.End()
	f, _ := v.Flags("/data/src/empty")
	_, has := v.Flags("/data/src/empty/file0000.c")
	if f&abi.ViewComplete != 0 && !has {
		t.Error("the renamed directory's names read as missing (the empty directory's listing was kept)")
	}
}

// BenchmarkPublishTree publishes a tree of 100 000 files (100 directories
// of 1 000, in a MemMapFs) and reports the view's memory per file and the
// time per file.
func BenchmarkPublishTree(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ns, m, v := publishedNS(b, 100, 1000)
		b.StartTimer()
		for d := 0; d < 100; d++ {
			ns.pub.visit(loc{m: m, rel: fmt.Sprintf("src/d%03d/file0000.c", d)})
		}
		b.StopTimer()
		b.ReportMetric(float64(v.Len()), "entries")
		b.ReportMetric(float64(v.Bytes())/float64(v.Len()), "view-bytes/entry")
		b.ReportMetric(float64(v.Bytes())/(1<<20), "view-MiB")
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e5, "ns/file")
	}
}

// BenchmarkRefresh is the view's share of a change: re-describing a file
// and its directory, as after a create, chmod or unlink.
func BenchmarkRefresh(b *testing.B) {
	ns, m, _ := publishedNS(b, 1, 1000)
	ns.pub.visit(loc{m: m, rel: "src/d000/file0000.c"})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ns.pub.refresh(m, fmt.Sprintf("src/d000/file%04d.c", i%1000))
	}
}

// TestPublishListingKeepsComplete: listing a directory re-describes its
// subdirectories; one whose own listing is published stays complete. A
// lookup below a missing directory lists the deepest one that exists.
func TestPublishListingKeepsComplete(t *testing.T) {
	ns, m, v := publishedNS(t, 2, 3)
	p := ns.pub
	p.visit(loc{m: m, rel: "src/d000/file0000.c"}) // lists d000
	p.visit(loc{m: m, rel: "src/d001"})            // lists src, re-describing d000
	p.visit(loc{m: m, rel: "nope/deeper"})         // nope is missing: lists the root
	v.Begin()
	defer v.End()
	for _, d := range []string{"/data/src/d000", "/data/src", "/data"} {
		if f, ok := v.Flags(d); !ok || f&abi.ViewComplete == 0 {
			t.Errorf("%s: flags %#x %v, want complete", d, f, ok)
		}
	}
}

// TestPublishForgetsGoneWriters: the publisher's marks of data handed out
// for writing go once no backend holds the data (caps.DataHolder), and
// stay for data that still has a file: a run that creates and removes
// files without end does not keep a mark for each.
func TestPublishForgetsGoneWriters(t *testing.T) {
	ns, _, _ := publishedNS(t, 1, 1)
	m := &fakeMemory{base: 0x10000, b: make([]byte, 64)}
	c := abi.Call{Nr: unix.SYS_OPENAT, Flags: abi.CallPath1, Path1: "/data/src/d000/new",
		Args: [6]uint64{0, 0, unix.O_CREAT | unix.O_WRONLY, 0644}}
	a := ns.Handle(&Request{Call: c, Mem: m})
	if a.Fd < 0 {
		t.Fatalf("create: %+v", a.Reply)
	}
	var st unix.Stat_t
	err := unix.Fstat(a.Fd, &st)
	if a.Release != nil {
		a.Release()
	} else {
		unix.Close(a.Fd)
	}
	if err != nil {
		t.Fatal(err)
	}
	p := ns.pub
	live := DataID{st.Dev, st.Ino}
	if !p.written[live] {
		t.Fatal("a file handed out for writing is not marked")
	}
	gone := DataID{st.Dev, st.Ino + 1<<40} // no memfd has it
	p.written[gone] = true
	p.pruneWritten()
	if !p.written[live] || p.written[gone] {
		t.Errorf("after pruning: %v, want only %v", p.written, live)
	}
	if p.pruneAt < writtenMin {
		t.Errorf("next pruning at %d marks, want at least %d", p.pruneAt, writtenMin)
	}
}
