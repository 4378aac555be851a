// fuzz_test.go holds FuzzPaths, which throws arbitrary paths at every
// path-taking operation and checks that nothing panics, that errors are
// wrapped errnos, and that the tree stays consistent; and the benchmarks.

package mem

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

// seedTree fills fs with a little of everything for the fuzzer to hit.
func seedTree(t testing.TB, fs *FS) {
	must(t, fs.MkdirAll("a/b/c", 0755))
	must(t, fs.Mkdir("locked", 0))
	must(t, fs.Mkdir("sticky", 01777))
	f, err := fs.Create("a/file")
	must(t, err)
	f.Close()
	for _, l := range [][2]string{{"a/b", "lb"}, {"/a/file", "a/b/abs"}, {"loop", "loop"},
		{"nowhere/x", "dangling"}, {"..", "a/up"}} {
		must(t, fs.Symlink(l[0], l[1]))
	}
}

// checkErr fails unless err is nil or a PathError/LinkError around an errno.
func checkErr(t *testing.T, what string, err error) {
	if err == nil {
		return
	}
	var pe *os.PathError
	var le *os.LinkError
	if !errors.As(err, &pe) && !errors.As(err, &le) {
		t.Fatalf("%s: unwrapped error %#v", what, err)
	}
	var e syscall.Errno
	if !errors.As(err, &e) {
		t.Fatalf("%s: error without errno: %v", what, err)
	}
}

func FuzzPaths(f *testing.F) {
	for _, s := range [][2]string{
		{"a/b/c", "x"}, {"/", "/"}, {".", ".."}, {"a/b/..", "a//b/"}, {"lb/c/../../file", "a/up/a/file/"},
		{"loop/x", "loop"}, {"dangling", "a/b/new"}, {"", "a"}, {"a\x00b", "b"}, {"a/file/", "sticky/x"},
		{string(make([]byte, 300)), "locked/x"}, {"a/b/abs", "a/b/c/d"},
	} {
		f.Add(s[0], s[1], uint16(0))
	}
	f.Fuzz(func(t *testing.T, p, q string, flags uint16) {
		fs := New()
		defer fs.Close()
		seedTree(t, fs)
		u := fs.As(linuxvfs.Who{Uid: 1000, Gid: 1000}).(*FS)
		for _, v := range []*FS{fs, u} {
			_, err := v.Stat(p)
			checkErr(t, "stat", err)
			_, err = v.Lstat(p)
			checkErr(t, "lstat", err)
			_, err = v.Readlink(p)
			checkErr(t, "readlink", err)
			oflags := int(flags&0x3) | int(flags>>2&0x7)<<6 | int(flags>>5&1)<<9 | int(flags>>6&1)<<10 |
				int(flags>>7&1)<<16 | int(flags>>8&1)<<17
			if fl, err := v.OpenFile(p, oflags, os.FileMode(flags>>4)); err == nil {
				fl.Write([]byte("x"))
				fl.Readdirnames(-1)
				if _, err := fl.Stat(); err != nil {
					t.Fatal(err)
				}
				ff := fl.(*File)
				checkErr(t, "fchmod", ff.Chmod(os.FileMode(flags)))
				checkErr(t, "fchown", ff.Chown(int(flags)-1, -1))
				checkErr(t, "ftouch", ff.Touch())
				if od, err := v.OpenData(int(ff.Fd())); err == nil {
					checkErr(t, "futimens", od.Utimens(nil, &time.Time{}))
					od.Close()
				} else {
					checkErr(t, "opendata", err)
				}
				fl.Close()
			} else {
				checkErr(t, "open", err)
			}
			checkErr(t, "mkdir", v.Mkdir(p, 0755))
			checkErr(t, "mkdirall", v.MkdirAll(q, 0755))
			checkErr(t, "symlink", v.Symlink(q, p))
			checkErr(t, "link", v.Link(p, q))
			checkErr(t, "rename", v.RenameFlags(p, q, uint(flags&3)))
			checkErr(t, "chmod", v.Chmod(q, os.FileMode(flags)))
			checkErr(t, "chown", v.Lchown(q, int(flags)-1, -1))
			checkErr(t, "truncate", v.Truncate(q, int64(flags)-1))
			now := time.Now()
			checkErr(t, "utimens", v.Utimens(p, &now, nil, flags&1 == 0))
			checkErr(t, "touch", v.Touch(q, flags&2 == 0))
			if fd, err := v.MemFD(q); err == nil {
				unix.Close(fd)
			} else {
				checkErr(t, "memfd", err)
			}
			checkErr(t, "remove", v.Remove(q))
			checkErr(t, "removeall", v.RemoveAll(p))
		}
		checkTree(t, fs)
	})
}

func BenchmarkCreateWriteClose(b *testing.B) {
	fs := New()
	defer fs.Close()
	must(b, fs.Mkdir("d", 0755))
	data := make([]byte, 4096)
	b.SetBytes(int64(len(data)))
	for i := 0; b.Loop(); i++ {
		if i%1000 == 999 {
			// Give the memfds back now and then, outside the timing.
			b.StopTimer()
			must(b, fs.RemoveAll("d"))
			must(b, fs.Mkdir("d", 0755))
			b.StartTimer()
		}
		f, err := fs.OpenFile(fmt.Sprintf("d/f%d", i), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0644)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(data); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

func BenchmarkStat(b *testing.B) {
	fs := New()
	defer fs.Close()
	must(b, fs.MkdirAll("a/b/c/d", 0755))
	f, err := fs.Create("a/b/c/d/file")
	must(b, err)
	f.Close()
	for b.Loop() {
		if _, err := fs.Stat("/a/b/c/d/file"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenClose(b *testing.B) {
	fs := New()
	defer fs.Close()
	must(b, fs.MkdirAll("a/b", 0755))
	f, err := fs.Create("a/b/file")
	must(b, err)
	f.Close()
	for b.Loop() {
		f, err := fs.OpenFile("a/b/file", os.O_RDWR, 0)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

// BenchmarkStatView is BenchmarkStat through a view that checks permissions.
func BenchmarkStatView(b *testing.B) {
	fs := New()
	defer fs.Close()
	must(b, fs.MkdirAll("a/b/c/d", 0755))
	f, err := fs.Create("a/b/c/d/file")
	must(b, err)
	f.Close()
	v := fs.As(linuxvfs.Who{Uid: 1000, Gid: 1000})
	for b.Loop() {
		if _, err := v.Stat("/a/b/c/d/file"); err != nil {
			b.Fatal(err)
		}
	}
}
