package overlay

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// Directories remembered by lookups follow every change: after each step
// (done through the overlay, then through an upper file's descriptor, and
// one to the upper tree itself), every path answers as it does from an
// overlay made anew over the same layers, which remembers nothing yet.
func TestDirCacheFollowsChanges(t *testing.T) {
	lower := newLower(t, lowerTree)
	upper := mem.New()
	fs := New([]Layer{HostDir(lower)}, upper)
	paths := []string{"/", "/d", "/d/sub", "/d/sub/g", "/d/x", "/d/x/g", "/e", "/e/n", "/e/n/m", "/d/f", "/ro", "/ro/x"}
	check := func(step string) {
		t.Helper()
		fresh := New([]Layer{HostDir(lower)}, upper)
		for _, p := range paths {
			want, werr := fresh.Lstat(p)
			got, gerr := fs.Lstat(p)
			if errName(werr) != errName(gerr) {
				t.Fatalf("%s: lstat %s: %v, a fresh overlay says %v", step, p, gerr, werr)
			}
			if werr == nil && *got.Sys().(*mem.Stat) != *want.Sys().(*mem.Stat) {
				t.Fatalf("%s: lstat %s: %+v, a fresh overlay says %+v", step, p, *got.Sys().(*mem.Stat), *want.Sys().(*mem.Stat))
			}
		}
	}
	check("start")
	steps := []struct {
		name string
		do   func() error
	}{
		{"removal of a lower directory never copied up", func() error { return fs.Remove("/e") }},
		{"mkdir over its whiteout", func() error { return fs.Mkdir("/e", 0o755) }},
		{"chmod of a lower directory", func() error { return fs.Chmod("/d/sub", 0o700) }},
		{"times of a directory", func() error {
			tm := time.Unix(1e9, 0)
			return fs.Chtimes("/d", tm, tm)
		}},
		{"rename of a directory", func() error { return fs.Rename("/d/sub", "/d/x") }},
		{"mkdir where one was", func() error { return fs.Mkdir("/d/sub", 0o755) }},
		{"mkdir below", func() error { return fs.MkdirAll("/e/n/m", 0o755) }},
		{"remove of a tree", func() error { return fs.RemoveAll("/e/n") }},
		{"create in a directory", func() error { return writeNew(fs, "/e/n", "new") }},
		{"chmod through an upper file's descriptor", func() error {
			f, err := fs.OpenFile("/e/n", os.O_RDWR, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			return f.(interface{ Chmod(os.FileMode) error }).Chmod(0o600)
		}},
		{"a change of the upper tree itself", func() error { return upper.Chmod("/d", 0o711) }},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		check(s.name)
	}
}

func writeNew(fs *FS, name, data string) error {
	f, err := fs.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// The cache forgets exactly what changes touch: after each of a long run
// of random changes through one overlay (as root and as a user, whose
// lookups fill the same cache), every path, with ".." after it and
// through a symbolic link, answers lstat as an overlay made anew over the
// same layers does, which remembers nothing, for both users.
func TestDirCacheRandomChanges(t *testing.T) {
	lower := newLower(t, lowerTree)
	upper := mem.New()
	fs := New([]Layer{HostDir(lower)}, upper)
	user := linuxvfs.Who{Uid: 1000, Gid: 1000}
	dirs := []string{"", "d", "d/sub", "d/x", "e", "e/n", "e/n/m", "pub", "tmp", "grp", "n"}
	names := []string{"f", "g", "sub", "x", "n", "m", "h"}
	var paths []string
	for _, d := range dirs {
		paths = append(paths, "/"+d)
		for _, n := range names {
			paths = append(paths, "/"+join(d, n))
		}
	}
	var probes []string
	for _, p := range paths {
		probes = append(probes, p, p+"/..", p+"/sub/..")
	}
	probes = append(probes, "/dsym", "/dsym/sub", "/dsym/x/..")

	// Names of the lower layer, removed or renamed before anything is made
	// in them, leave whiteouts only.
	lowers := []string{"/d", "/d/sub", "/d/f", "/e", "/pub", "/tmp", "/grp", "/d/sub/g", "/d/sub/h", "/ro/x"}
	rnd := rand.New(rand.NewPCG(1, 2))
	pick := func() string {
		if rnd.IntN(4) == 0 {
			return lowers[rnd.IntN(len(lowers))]
		}
		return paths[rnd.IntN(len(paths))]
	}
	modes := []os.FileMode{0o755, 0o700, 0o711, 0o500, 0o777}
	ops := []struct {
		name string
		do   func(fs afero.Fs, p, q string) error
	}{
		{"mkdir", func(fs afero.Fs, p, q string) error { return fs.Mkdir(p, 0o755) }},
		{"create", func(fs afero.Fs, p, q string) error {
			f, err := fs.OpenFile(p, os.O_WRONLY|os.O_CREATE, 0o644)
			if err == nil {
				err = f.Close()
			}
			return err
		}},
		{"remove", func(fs afero.Fs, p, q string) error { return fs.Remove(p) }},
		{"remove all", func(fs afero.Fs, p, q string) error { return fs.RemoveAll(p) }},
		{"rename", func(fs afero.Fs, p, q string) error { return fs.Rename(p, q) }},
		{"exchange", func(fs afero.Fs, p, q string) error {
			return fs.(*FS).RenameFlags(p, q, unix.RENAME_EXCHANGE)
		}},
		{"chmod", func(fs afero.Fs, p, q string) error { return fs.Chmod(p, modes[rnd.IntN(len(modes))]) }},
		{"chown", func(fs afero.Fs, p, q string) error { return fs.Chown(p, 1000, 1000) }},
		{"chtimes", func(fs afero.Fs, p, q string) error {
			tm := time.Unix(int64(1e9+rnd.IntN(1000)), 0)
			return fs.Chtimes(p, tm, tm)
		}},
		{"symlink", func(fs afero.Fs, p, q string) error { return fs.(*FS).Symlink("d", p) }},
		{"setxattr", func(fs afero.Fs, p, q string) error {
			return fs.(*FS).SetXattr(p, "user.k", []byte("v"), 0, false)
		}},
	}
	check := func(step string) {
		t.Helper()
		fresh := New([]Layer{HostDir(lower)}, upper)
		for _, pair := range [][2]afero.Fs{{fs, fresh}, {fs.As(user), fresh.As(user)}} {
			for _, p := range probes {
				want, werr := pair[1].(*FS).Lstat(p)
				got, gerr := pair[0].(*FS).Lstat(p)
				if errName(werr) != errName(gerr) {
					t.Fatalf("%s: lstat %s: %v, a fresh overlay says %v", step, p, gerr, werr)
				}
				if werr == nil && *got.Sys().(*mem.Stat) != *want.Sys().(*mem.Stat) {
					t.Fatalf("%s: lstat %s: %+v, a fresh overlay says %+v", step, p,
						*got.Sys().(*mem.Stat), *want.Sys().(*mem.Stat))
				}
			}
		}
	}
	check("start")
	for i := range 1500 {
		op := ops[rnd.IntN(len(ops))]
		p, q := pick(), pick()
		by := afero.Fs(fs)
		if rnd.IntN(3) == 0 {
			by = fs.As(user)
		}
		err := op.do(by, p, q)
		check(fmt.Sprintf("step %d: %s %s %s (%v)", i, op.name, p, q, err))
	}
}

// Lookups that fill and read the cache run while changes drop from it
// (run with -race): each answer is one of the states the path had.
func TestDirCacheConcurrent(t *testing.T) {
	fs, _ := newOverlay(t)
	done := make(chan struct{})
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				for _, p := range []string{"/d/sub/g", "/d/x/g", "/d/sub/..", "/e/n"} {
					fi, err := fs.Lstat(p)
					if err != nil && !os.IsNotExist(err) {
						errs <- err
						return
					}
					if err == nil && p == "/d/sub/.." && !fi.IsDir() {
						errs <- fmt.Errorf("%s is not a directory", p)
						return
					}
				}
			}
		}()
	}
	for i := range 300 {
		fs.Rename("/d/sub", "/d/x")
		writeNew(fs, "/e/n", "x")
		fs.Remove("/e/n")
		fs.Chmod("/d", os.FileMode(0o700+i%2*0o55))
		fs.Rename("/d/x", "/d/sub")
	}
	close(done)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
