package supervisor

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/zvfs/zvfs/trampoline"
)

func TestPatchStoreCopy(t *testing.T) {
	libc := findLibc(t)
	orig, err := os.ReadFile(libc)
	if err != nil {
		t.Fatal(err)
	}
	a, err := trampoline.AnalyzeFile(libc)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ps := newPatchStore(filepath.Join(dir, "patched"))
	p := ps.copyFor(libc, a)
	if p == "" {
		t.Fatal("no copy made")
	}
	cp, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(cp) != len(orig) {
		t.Fatalf("copy is %d bytes, original %d", len(cp), len(orig))
	}
	patched := map[uint64]bool{}
	for _, o := range a.PatchOffsets() {
		patched[o] = true
		if !bytes.Equal(cp[o:o+2], []byte{0xff, 0xd0}) {
			t.Errorf("site %#x not rewritten", o)
		}
	}
	for i := range orig {
		if orig[i] != cp[i] && !patched[uint64(i)] && !patched[uint64(i)-1] {
			t.Fatalf("byte %#x differs outside any site", i)
		}
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm()&0o222 != 0 {
		t.Errorf("copy is writable: %v", fi.Mode())
	}
	if again := newPatchStore(filepath.Join(dir, "patched")).copyFor(libc, a); again != p {
		t.Errorf("a new store found %q, want the existing %q", again, p)
	}
	if got := newPatchStore("/dev/null/x").copyFor(libc, a); got != "" {
		t.Errorf("unwritable store returned %q", got)
	}
}

// findLibc returns the path of the C library, where distributions put it.
func findLibc(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/x86_64-linux-gnu/libc.so.6",
		"/lib64/libc.so.6", "/usr/lib64/libc.so.6", "/lib/libc.so.6", "/usr/lib/libc.so.6"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	missing(t, "no libc.so.6 in the usual places")
	return ""
}
