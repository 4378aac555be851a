package caps

import (
	"os"
	"testing"
	"time"

	"github.com/spf13/afero"
)

// A backend with afero's calls alone gets each change through them.
func TestNodeFallbacks(t *testing.T) {
	fs := afero.NewMemMapFs()
	if err := afero.WriteFile(fs, "/f", []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	n := Node{FS: fs, Name: "/f"}
	if err := n.Truncate(2); err != nil {
		t.Fatal(err)
	}
	if err := n.Chmod(0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Unix(1_000_000, 0)
	if err := n.Utimens(&old, &old, false); err != nil {
		t.Fatal(err)
	}
	at := time.Unix(2_000_000, 0)
	if err := n.Utimens(&at, nil, false); err != nil { // the modification time stays
		t.Fatal(err)
	}
	fi, err := Lstat(fs, "/f")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != 2 || fi.Mode().Perm() != 0o600 || !fi.ModTime().Equal(old) {
		t.Errorf("size %d mode %v mtime %v", fi.Size(), fi.Mode(), fi.ModTime())
	}
	if err := n.Utimens(nil, nil, true); err != nil {
		t.Fatal(err)
	}
	if fi, _ := Lstat(fs, "/f"); time.Since(fi.ModTime()) > time.Minute {
		t.Errorf("now gave %v", fi.ModTime())
	}
	if err := (Node{FS: fs, Name: "/missing"}).Truncate(0); !os.IsNotExist(err) {
		t.Errorf("truncate of a missing name: %v", err)
	}
}

// An open file is changed itself, before any call by name.
func TestNodeOpenFile(t *testing.T) {
	fs := afero.NewMemMapFs()
	f, err := fs.Create("/f")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("hello"); err != nil {
		t.Fatal(err)
	}
	// A name that does not exist: only the open file can answer.
	if err := (Node{FS: fs, Name: "/elsewhere", File: f}).Truncate(1); err != nil {
		t.Fatal(err)
	}
	if fi, _ := f.Stat(); fi.Size() != 1 {
		t.Errorf("size %d", fi.Size())
	}
}
