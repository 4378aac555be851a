// hostile_test.go feeds Read and Diff archives that are malformed or try
// to write outside the tree, and checks that they fail cleanly, plus the
// FuzzRead fuzz test.

package layer

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zvfs/zvfs/backends/mem"
)

// rawHeader is a USTAR header block made by hand, for what tar.Writer
// refuses to write. size is put as is in the size field (octal digits, or
// a base-256 number if it starts with 0x80).
func rawHeader(name string, typ byte, size string) []byte {
	b := make([]byte, 512)
	copy(b[0:100], name)
	copy(b[100:108], "0000644\x00")
	copy(b[108:116], "0000000\x00")
	copy(b[116:124], "0000000\x00")
	copy(b[124:136], size)
	copy(b[136:148], "00000000000\x00")
	b[156] = typ
	copy(b[257:265], "ustar\x0000")
	copy(b[148:156], "        ")
	sum := 0
	for _, c := range b {
		sum += int(c)
	}
	copy(b[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return b
}

// hostile are archives Read must refuse, with a piece of the message.
func hostile(t testing.TB) map[string]struct {
	layer []byte
	want  string
} {
	mt := time.Unix(1e9, 0)
	reg := func(name string) *tar.Header {
		return &tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0644, ModTime: mt}
	}
	link := func(name, target string, typ byte) *tar.Header {
		return &tar.Header{Name: name, Typeflag: typ, Linkname: target, Mode: 0777, ModTime: mt}
	}
	dir := func(name string) *tar.Header {
		return &tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0755, ModTime: mt}
	}
	huge := append(rawHeader("big", tar.TypeReg, "77777777777\x00"), make([]byte, 4096)...)
	base256 := append(rawHeader("big", tar.TypeReg, "\x80\x00\x00\x00\x40\x00\x00\x00\x00\x00\x00\x00"), make([]byte, 1024)...)
	bigPAX := append(rawHeader("PaxHeaders/x", tar.TypeXHeader, fmt.Sprintf("%011o\x00", 2<<20)), make([]byte, 2<<20)...)
	bigPAX = append(bigPAX, make([]byte, 1024)...)
	longName := append(rawHeader("././@LongLink", tar.TypeGNULongName, fmt.Sprintf("%011o\x00", 2<<20)),
		bytes.Repeat([]byte{'a'}, 2<<20)...)
	longName = append(longName, make([]byte, 1024)...)
	badSum := rawHeader("x", tar.TypeReg, "00000000000\x00")
	badSum[0] = 'y'
	badSum = append(badSum, make([]byte, 1024)...)
	return map[string]struct {
		layer []byte
		want  string
	}{
		"absolute":           {tarOf(t, reg("/etc/passwd")), "absolute name"},
		"dotdot":             {tarOf(t, reg("../x")), "escapes the root"},
		"dotdot inside":      {tarOf(t, reg("a/b/../../../x")), "escapes the root"},
		"only dotdot":        {tarOf(t, dir("../")), "escapes the root"},
		"link out":           {tarOf(t, reg("a"), link("b", "../a", tar.TypeLink)), "escapes the root"},
		"link absolute":      {tarOf(t, reg("a"), link("b", "/a", tar.TypeLink)), "absolute name"},
		"link missing":       {tarOf(t, link("b", "a", tar.TypeLink)), "no such file"},
		"link to directory":  {tarOf(t, dir("d"), link("b", "d", tar.TypeLink)), "is a directory"},
		"link to root":       {tarOf(t, link("b", "./", tar.TypeLink)), "hard link to the root"},
		"through symlink":    {tarOf(t, link("l", "/", tar.TypeSymlink), reg("l/x")), `parent "l" is not a directory`},
		"through file":       {tarOf(t, reg("f"), reg("f/x")), `parent "f" is not a directory`},
		"root not directory": {append(rawHeader("./", tar.TypeReg, "00000000000\x00"), make([]byte, 1024)...), "the root must be a directory"},
		"empty name":         {tarOf(t, reg("")), "empty name"},
		"uid":                {tarOf(t, &tar.Header{Name: "u", Typeflag: tar.TypeReg, Uid: 1 << 33, ModTime: mt}), "out of range"},
		"name too long":      {tarOf(t, reg(strings.Repeat("n", 300))), "file name too long"},
		"huge size":          {huge, "truncated"},
		"base-256 size":      {base256, "truncated"},
		"huge PAX header":    {bigPAX, "too long"},
		"huge GNU long name": {longName, "too long"},
		"bad checksum":       {badSum, "invalid tar header"},
		"empty input":        {nil, "truncated"},
		"zero block":         {make([]byte, 512), "truncated"},
		"zstd":               {[]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0}, "zstd"},
		"bad gzip":           {[]byte{0x1f, 0x8b, 8, 0, 0}, "gzip"},
	}
}

func TestReadHostile(t *testing.T) {
	for name, c := range hostile(t) {
		t.Run(name, func(t *testing.T) {
			fs := mem.New()
			defer fs.Close()
			err := Read(bytes.NewReader(c.layer), fs)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "layer: read: ") {
				t.Errorf("Read: %v, want an error with %q", err, c.want)
			}
		})
	}
}

func TestDiffHostile(t *testing.T) {
	for name, c := range hostile(t) {
		// Diff does not create files: only errors of the archive and of
		// names are its business.
		switch name {
		case "link missing", "link to directory", "link to root", "through symlink", "through file",
			"root not directory", "uid", "name too long", "link out", "link absolute":
			continue
		}
		t.Run(name, func(t *testing.T) {
			_, err := Diff(bytes.NewReader(c.layer))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Diff: %v, want an error with %q", err, c.want)
			}
		})
	}
}

// smallLayer is a layer with a bit of everything and small files.
func smallLayer(t testing.TB) []byte {
	fs := mem.New()
	defer fs.Close()
	must(t, fs.MkdirAll("d/e", 0755))
	for _, name := range []string{"d/f", "d/.wh.g", "d/e/.wh..wh..opq"} {
		f, err := fs.Create(name)
		must(t, err)
		f.Write([]byte(name))
		f.Close()
	}
	must(t, fs.Chmod("d/f", 04711))
	must(t, fs.Symlink("f", "d/s"))
	must(t, fs.Link("d/f", "h"))
	return layerOf(t, fs, Options{})
}

func TestReadTruncated(t *testing.T) {
	layer := smallLayer(t)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(layer)
	zw.Close()
	for _, l := range [][]byte{layer, gz.Bytes()} {
		for n := 0; n < len(l); n++ {
			if l[0] == 0x1f && n%7 != 0 {
				continue
			}
			if l[0] != 0x1f && n%512 != 0 && n%97 != 0 {
				continue
			}
			fs := mem.New()
			err := Read(bytes.NewReader(l[:n]), fs)
			fs.Close()
			if err == nil {
				t.Errorf("cut at %d of %d: no error", n, len(l))
			} else if l[0] != 0x1f && !errors.Is(err, ErrTruncated) {
				t.Errorf("cut at %d of %d: %v, want ErrTruncated", n, len(l), err)
			}
			if _, err := Diff(bytes.NewReader(l[:n])); err == nil {
				t.Errorf("Diff cut at %d of %d: no error", n, len(l))
			}
		}
	}
	// Data after the end-of-archive marker is ignored.
	fs := mem.New()
	defer fs.Close()
	must(t, Read(bytes.NewReader(append(layer, "trailing junk"...)), fs))
}

func FuzzRead(f *testing.F) {
	f.Add(smallLayer(f))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(smallLayer(f))
	zw.Close()
	f.Add(gz.Bytes())
	for _, c := range hostile(f) {
		if len(c.layer) < 10000 {
			f.Add(c.layer)
		}
	}
	mt := time.Unix(1e9, 0)
	f.Add(tarOf(f,
		&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0700, ModTime: mt},
		&tar.Header{Name: "a", Typeflag: tar.TypeReg, Mode: 0644, Size: 3, ModTime: mt},
		&tar.Header{Name: "a", Typeflag: tar.TypeDir, Mode: 0755, ModTime: mt},
		&tar.Header{Name: "a/b", Typeflag: tar.TypeLink, Linkname: "c", ModTime: mt},
		&tar.Header{Name: "c", Typeflag: tar.TypeFifo, ModTime: mt},
	))
	f.Fuzz(func(t *testing.T, data []byte) {
		Diff(bytes.NewReader(data))
		fs := mem.New()
		defer fs.Close()
		if err := Read(bytes.NewReader(data), fs); err != nil && !errors.Is(err, ErrSkipped) {
			return
		}
		// What Read took, Write writes, and the result is stable.
		var one bytes.Buffer
		if err := Write(&one, fs, Options{}); err != nil {
			t.Fatalf("Write after Read: %v", err)
		}
		back := mem.New()
		defer back.Close()
		if err := Read(bytes.NewReader(one.Bytes()), back); err != nil {
			t.Fatalf("Read of Write: %v", err)
		}
		var two bytes.Buffer
		if err := Write(&two, back, Options{}); err != nil {
			t.Fatalf("second Write: %v", err)
		}
		if !bytes.Equal(one.Bytes(), two.Bytes()) {
			t.Fatalf("Write(Read(Write(Read(x)))) differs from Write(Read(x))")
		}
		if _, err := Diff(bytes.NewReader(one.Bytes())); err != nil {
			t.Fatalf("Diff of Write: %v", err)
		}
	})
}
