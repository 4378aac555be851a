// gnutar_test.go checks the layers against GNU tar: tar lists and extracts
// what Write produces as expected, and Read takes what tar creates (PAX and
// GNU formats, gzip, sparse files).

package layer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"

	"github.com/zvfs/zvfs/internal/testenv"
)

// gnuTar runs GNU tar with args, in UTC, and returns its output.
func gnuTar(t testing.TB, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("tar")
	if err != nil {
		testenv.Missing(t, "tar not installed")
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tar %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if !strings.Contains(string(mustOutput(t, path, "--version")), "GNU tar") {
		testenv.Missing(t, "tar is not GNU tar")
	}
	return string(out)
}

func mustOutput(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	must(t, err)
	return out
}

// lsMode is the mode column of ls -l and tar -tv.
func lsMode(typ byte, perm uint32) string {
	b := []byte("?rwxrwxrwx")
	b[0] = typ
	for i := 0; i < 9; i++ {
		if perm&(1<<(8-i)) == 0 {
			b[i+1] = '-'
		}
	}
	special := func(i int, bit uint32, set, unset byte) {
		if perm&bit != 0 {
			if b[i] == 'x' {
				b[i] = set
			} else {
				b[i] = unset
			}
		}
	}
	special(3, unix.S_ISUID, 's', 'S')
	special(6, unix.S_ISGID, 's', 'S')
	special(9, unix.S_ISVTX, 't', 'T')
	return string(b)
}

func TestGNUTarLists(t *testing.T) {
	fs := sampleTree(t, false)
	p := filepath.Join(t.TempDir(), "layer.tar")
	must(t, WriteFile(p, fs, Options{}))
	out := gnuTar(t, "--numeric-owner", "--full-time", "--quoting-style=literal", "-tvf", p)

	// What tar should list, in Write's order.
	var want []string
	first := map[uint64]string{}
	walkMem(t, fs, "", func(name string, st *mem.Stat) {
		perm := st.Mode & 07777
		typ, size, suffix := byte('-'), st.Size, ""
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFDIR:
			typ, size, name = 'd', 0, name+"/"
		case unix.S_IFLNK:
			target, err := fs.Readlink(name)
			must(t, err)
			typ, size, suffix = 'l', 0, " -> "+target
		}
		if typ != 'd' && st.Nlink > 1 {
			if f, ok := first[st.Ino]; ok {
				typ, size, suffix = 'h', 0, " link to "+f
			} else {
				first[st.Ino] = name
			}
		}
		want = append(want, fmt.Sprintf("%s %d/%d %d %s %s%s", lsMode(typ, perm), st.Uid, st.Gid, size,
			st.Mtime.UTC().Format("2006-01-02 15:04:05"), name, suffix))
	})

	line := regexp.MustCompile(`^(\S+) (\S+)\s+(\d+) (\S+ \S+) (.*)$`)
	var got []string
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("unexpected line %q", l)
			continue
		}
		got = append(got, strings.Join(m[1:], " "))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		sameLines(t, "tar -tv", want, got)
		t.Errorf("tar -tv:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// extract writes fs as a layer and extracts it with GNU tar.
func extract(t testing.TB, fs *mem.FS) string {
	t.Helper()
	tmp := t.TempDir()
	p := filepath.Join(tmp, "layer.tar")
	must(t, WriteFile(p, fs, Options{}))
	dir := filepath.Join(tmp, "root")
	must(t, os.Mkdir(dir, 0755))
	gnuTar(t, "--numeric-owner", "--same-owner", "-xpf", p, "-C", dir)
	return dir
}

func TestGNUTarExtracts(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root, to give files their owners")
	}
	fs := sampleTree(t, false)
	dir := extract(t, fs)
	sameLines(t, "tar -x", describe(memEntries(t, fs)), describe(hostEntries(t, dir)))
}

func TestReadGNUTar(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Missing(t, "root, to give files their owners")
	}
	fs := sampleTree(t, false)
	want := describe(memEntries(t, fs))
	dir := extract(t, fs)
	for _, c := range []struct{ format, flag string }{
		{"pax", ""}, {"pax", "-z"}, {"gnu", ""}, {"gnu", "-z"},
	} {
		t.Run(c.format+c.flag, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "layer.tar")
			args := []string{"--format=" + c.format, "--numeric-owner", "-cf", p, "-C", dir, "."}
			if c.flag != "" {
				args = append([]string{c.flag}, args...)
			}
			gnuTar(t, args...)
			back, err := Open(p)
			must(t, err)
			defer back.Close()
			sameLines(t, "Read of GNU tar", want, describe(memEntries(t, back)))
			// The entry "./" gave the root the attributes of dir.
			var hst unix.Stat_t
			must(t, unix.Stat(dir, &hst))
			mt := time.Unix(hst.Mtim.Unix())
			if c.format == "gnu" {
				mt = mt.Truncate(time.Second) // no sub-second times in the GNU format
			}
			if st := statOf(t, back, "/"); st.Mode != hst.Mode || !st.Mtime.Equal(mt) {
				t.Errorf("root: mode %#o mtime %v, want %#o %v", st.Mode, st.Mtime, hst.Mode, mt)
			}
		})
	}
}

func TestReadSparse(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	must(t, os.Mkdir(src, 0755))
	f, err := os.Create(filepath.Join(src, "sparse"))
	must(t, err)
	_, err = f.WriteAt([]byte("end"), 1<<30)
	must(t, err)
	must(t, f.Close())
	must(t, os.WriteFile(filepath.Join(src, "plain"), []byte("plain"), 0644))
	for _, format := range []string{"gnu", "pax", "posix"} {
		t.Run(format, func(t *testing.T) {
			p := filepath.Join(dir, format+".tar")
			args := []string{"--format=" + format, "--sparse", "-cf", p, "-C", src, "sparse", "plain"}
			if format == "posix" {
				// PAX sparse format 1.0: the map is in the data.
				args = append([]string{"--sparse-version=1.0"}, args...)
			}
			gnuTar(t, args...)
			fs, err := Open(p)
			var se *SkippedError
			if !errors.As(err, &se) || len(se.Entries) != 1 || se.Entries[0].Reason != "sparse file" {
				t.Fatalf("Open: %v", err)
			}
			defer fs.Close()
			if _, err := fs.Lstat("sparse"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("sparse file stored: %v", err)
			}
			if st := statOf(t, fs, "plain"); st.Size != 5 {
				t.Errorf("plain: size %d", st.Size)
			}
			// And Diff sees both.
			r, err := os.Open(p)
			must(t, err)
			defer r.Close()
			ch, err := Diff(r)
			must(t, err)
			if fmt.Sprint(ch) != "[A /plain A /sparse]" {
				t.Errorf("Diff: %v", ch)
			}
		})
	}
}
