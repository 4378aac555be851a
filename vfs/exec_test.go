package vfs

import (
	"os"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// loaderOnHost says yes only for a dynamic program that names no library
// path of its own: a host program does; a static one, a library path into
// a mount (the test namespace's /data) or above one, a relative one, one
// with $ORIGIN, and what is not a whole ELF file say no.
func TestLoaderOnHost(t *testing.T) {
	ns := testNS(t)
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	shell, err := os.ReadFile(sh)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
		want bool
	}{
		{"a host program", shell, true},
		{"half of a host program", shell[:len(shell)/2], false},
		{"not an ELF file", []byte("#!/bin/sh\necho hi\n"), false},
		{"nothing", nil, false},
	}
	if cc, err := exec.LookPath("cc"); err == nil {
		dir := t.TempDir()
		src := dir + "/p.c"
		if err := os.WriteFile(src, []byte("int main(void) { return 0; }\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			flag string
			want bool
		}{{"-Wl,-rpath,/usr/lib", true}, {"-Wl,-rpath,/data/lib", false}, {"-Wl,-rpath,/data", false}, {"-Wl,-rpath,/", false},
			{"-Wl,-rpath,$ORIGIN/lib", false}, {"-Wl,-rpath,lib", false}, {"-Wl,--enable-new-dtags,-rpath,/data/lib", false},
			{"-static", false}} {
			out := dir + "/p"
			if b, err := exec.Command(cc, "-o", out, src, c.flag).CombinedOutput(); err != nil {
				if c.flag == "-static" {
					continue // no static C library here
				}
				t.Fatalf("cc: %v: %s", err, b)
			}
			cases = append(cases, struct {
				name string
				data []byte
				want bool
			}{"cc " + c.flag, readAll(t, out), c.want})
		}
	}
	for _, c := range cases {
		fd, err := unix.MemfdCreate("prog", unix.MFD_CLOEXEC)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := unix.Write(fd, c.data); err != nil && len(c.data) > 0 {
			t.Fatal(err)
		}
		if got := ns.loaderOnHost(fd); got != c.want {
			t.Errorf("%s: loaderOnHost = %v, want %v", c.name, got, c.want)
		}
		unix.Close(fd)
	}
}

func readAll(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzLoaderOnHost: a program's ELF headers are the user's data; any
// bytes get an answer, never a panic or a read without end.
func FuzzLoaderOnHost(f *testing.F) {
	if sh, err := exec.LookPath("sh"); err == nil {
		if b, err := os.ReadFile(sh); err == nil {
			f.Add(b[:min(len(b), 16<<10)])
		}
	}
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	ns := testNS(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		fd, err := unix.MemfdCreate("prog", unix.MFD_CLOEXEC)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(fd)
		if len(data) > 0 {
			if _, err := unix.Write(fd, data); err != nil {
				t.Fatal(err)
			}
		}
		ns.loaderOnHost(fd)
	})
}
