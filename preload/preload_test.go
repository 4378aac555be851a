package preload

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/preload/internal/stubbuild"
)

// TestCommittedStubIsFresh rebuilds the stub from its sources and fails when
// the committed library or generated header differ: run `go generate ./preload`.
func TestCommittedStubIsFresh(t *testing.T) {
	if _, err := exec.LookPath("cc"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("cc is needed to check the committed stub")
		}
		t.Skip("no C compiler")
	}
	hdr, err := os.ReadFile(filepath.Join("stub", stubbuild.HeaderName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(hdr, abi.CHeader()) {
		t.Fatalf("stub/%s is stale: run go generate ./preload", stubbuild.HeaderName)
	}
	out := filepath.Join(t.TempDir(), "libzvfs.so")
	if err := stubbuild.Build("stub", out, false); err != nil {
		t.Fatal(err)
	}
	built, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(built, Library()) {
		t.Fatal("the committed libzvfs.so does not match its sources: run go generate ./preload and commit the result")
	}
	named, err := os.ReadFile("libname_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(named, stubbuild.NameFile("preload", Library())) {
		t.Fatal("libname_gen.go does not name the committed libzvfs.so: run go generate ./preload and commit the result")
	}
}

func TestInstallIsContentAddressedAndReadOnly(t *testing.T) {
	dir := t.TempDir()
	p1, err := Install(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p1)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm()&0o222 != 0 {
		t.Errorf("%s is writable: %v", p1, st.Mode())
	}
	p2, err := Install(dir)
	if err != nil || p2 != p1 {
		t.Fatalf("second install: %q %v, want %q", p2, err, p1)
	}
	b, _ := os.ReadFile(p1)
	if !bytes.Equal(b, Library()) {
		t.Fatal("installed content differs")
	}
}
