package supervisor

import (
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/trampoline"
	"github.com/zvfs/zvfs/view"
)

// fakeStarts is a start table that keeps what it is told.
type fakeStarts map[[2]uint64]view.Start

func (f fakeStarts) PutStart(s view.Start) bool {
	f[[2]uint64{s.Dev, s.Ino}] = s
	return true
}

// TestStartsAcrossRuns: what a hello put into one run's start table is in
// the next run's before its first process starts, for every file of a
// real process (sleep: the program, libc, the loader); a file changed
// since is left out of the next save.
func TestStartsAcrossRuns(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "starts")
	sleep := exec.Command("sleep", "10")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleep.Wait()
	defer sleep.Process.Kill()
	// The loader maps the program's libraries soon after the exec.
	var maps []byte
	for i := 0; i < 200; i++ {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(sleep.Process.Pid) + "/maps")
		if err != nil {
			t.Fatal(err)
		}
		if maps = b; strings.Contains(string(b), "libc") {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	first := fakeStarts{}
	s := &Server{cache: trampoline.NewCache(""), copies: newPatchStore(filepath.Join(dir, "patched")),
		pids: map[int32]struct{}{}, files: map[string]FileSites{}, skipped: map[string]int{},
		starts: first, startsFile: file, saved: map[[2]uint64]savedStart{}, fresh: map[[2]uint64]bool{}}
	s.answerHello(int32(sleep.Process.Pid), abi.Hello{Maps: maps})
	if len(first) < 2 {
		t.Fatalf("the hello put %d files into the table, want the program and its libraries", len(first))
	}
	s.saveStarts()

	next := fakeStarts{}
	loaded := loadStarts(file, filepath.Join(dir, "patched"), next)
	if len(next) != len(first) {
		t.Fatalf("the next run's table holds %d files, want %d", len(next), len(first))
	}
	for k, want := range first {
		got := next[k]
		if got.Size != want.Size || got.Mtime != want.Mtime || got.Ctime != want.Ctime || got.Copy != want.Copy ||
			!slices.Equal(got.Offsets, want.Offsets) {
			t.Fatalf("the next run's table says of %v: %+v, want %+v", k, got, want)
		}
	}
	if len(loaded) != len(first) {
		t.Fatalf("loaded %d entries, want %d", len(loaded), len(first))
	}

	// A file changed since (its change time moved) is left out.
	f := filepath.Join(dir, "prog")
	if err := os.WriteFile(f, []byte("x"), 0o755); err != nil {
		t.Fatal(err)
	}
	var st savedStart
	st.Path = f
	fi, err := os.Stat(f)
	if err != nil {
		t.Fatal(err)
	}
	sys := fi.Sys().(*syscall.Stat_t)
	st.Dev, st.Ino, st.Size, st.Mtime, st.Ctime = sys.Dev, sys.Ino, sys.Size, sys.Mtim.Nano(), sys.Ctim.Nano()
	st.Offsets = []uint64{7}
	if err := saveStarts(file, []savedStart{st}); err != nil {
		t.Fatal(err)
	}
	if got := loadStarts(file, "", fakeStarts{}); len(got) != 1 {
		t.Fatalf("an unchanged file: loaded %d entries, want 1", len(got))
	}
	// Its copy named anywhere but the patch store: left out.
	st.Copy = filepath.Join(dir, "elsewhere", "copy.so")
	if err := saveStarts(file, []savedStart{st}); err != nil {
		t.Fatal(err)
	}
	if got := loadStarts(file, filepath.Join(dir, "patched"), fakeStarts{}); len(got) != 0 {
		t.Fatalf("a copy outside the patch store: loaded %v, want nothing", got)
	}
	st.Copy = ""
	if err := saveStarts(file, []savedStart{st}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	if err := os.Chmod(f, 0o700); err != nil {
		t.Fatal(err)
	}
	// A changed file's entry is loaded without a look at the file (the
	// table is read by identity, and its identity is no file's now), and
	// the next save leaves it out.
	table := fakeStarts{}
	got := loadStarts(file, "", table)
	if len(got) != 1 || len(table) != 1 {
		t.Fatalf("a changed file: loaded %v into %v, want its entry", got, table)
	}
	s = &Server{starts: fakeStarts{}, startsFile: file, saved: map[[2]uint64]savedStart{}, fresh: map[[2]uint64]bool{}}
	s.saved[[2]uint64{st.Dev, st.Ino}] = got[0]
	other := savedStart{Path: "/usr/bin/other", Start: view.Start{Dev: 1, Ino: 2, Offsets: []uint64{}}}
	s.saved[[2]uint64{1, 2}], s.fresh[[2]uint64{1, 2}] = other, true
	s.saveStarts()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeStarts(b); !reflect.DeepEqual(got, []savedStart{other}) {
		t.Fatalf("saved after a change: %+v, want only the new entry", got)
	}
}

// TestStartsFileDamaged: a starts file cut short or with bytes changed
// anywhere gives whole entries or none, never a panic; one of another
// version gives none.
func TestStartsFileDamaged(t *testing.T) {
	entries := []savedStart{
		{Path: "/usr/lib/a.so", Start: view.Start{Dev: 1, Ino: 2, Size: 3, Mtime: 4, Ctime: 5, Offsets: []uint64{10, 20}, Copy: "/c/a"}},
		{Path: "/usr/bin/b", Start: view.Start{Dev: 6, Ino: 7, Size: 8, Mtime: 9, Ctime: 10, Offsets: []uint64{}}},
	}
	b := encodeStarts(entries)
	if got := decodeStarts(b); !reflect.DeepEqual(got, entries) {
		t.Fatalf("decode(encode) = %+v, want %+v", got, entries)
	}
	for n := 0; n < len(b); n++ {
		if got := decodeStarts(b[:n]); got != nil {
			t.Fatalf("cut to %d bytes: %+v, want nothing", n, got)
		}
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 20000; i++ {
		c := append([]byte(nil), b...)
		for k := 0; k < 1+rng.Intn(3); k++ {
			c[rng.Intn(len(c))] ^= byte(1 + rng.Intn(255))
		}
		for _, e := range decodeStarts(c) {
			if !persistable(e.Path) {
				t.Fatalf("decoded a path a hello never saves: %q", e.Path)
			}
		}
	}
	other := append([]byte(nil), b...)
	other[len(startsMagic)]++
	if got := decodeStarts(other); got != nil {
		t.Fatalf("another version: %+v, want nothing", got)
	}
}
