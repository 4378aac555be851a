// stream.go holds what Read and Diff share: recognising the compression of
// a layer, walking its tar entries while checking that the archive is
// complete, and turning entry names into clean paths relative to the root.

package layer

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Names of the OCI whiteout files.
const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
	reservedPrefix = ".wh..wh." // AUFS metadata; OCI reserves the prefix
)

// ErrTruncated is wrapped by the error for an archive that ends before its
// end-of-archive marker.
var ErrTruncated = errors.New("archive truncated")

// countReader counts the bytes read through it, and how many of the last
// ones are zero (an archive ends with two zero blocks).
type countReader struct {
	r     io.Reader
	n     int64
	zeros int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	for _, b := range p[:n] {
		if b == 0 {
			c.zeros++
		} else {
			c.zeros = 0
		}
	}
	return n, err
}

// stream walks the entries of a layer.
type stream struct {
	cr   *countReader
	tr   *tar.Reader
	gz   *gzip.Reader // nil for a plain tar
	hdr  *tar.Header  // the current entry, nil before the first
	done bool
}

// Magic numbers of the compressions a layer may come in.
var (
	magicGzip  = []byte{0x1f, 0x8b}
	magicZstd  = []byte{0x28, 0xb5, 0x2f, 0xfd}
	magicXz    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicBzip2 = []byte{'B', 'Z', 'h'}
)

// newStream looks at the first bytes of r to tell a gzip stream from a
// plain tar.
func newStream(r io.Reader) (*stream, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(len(magicXz))
	if err != nil && err != io.EOF {
		return nil, err
	}
	s := &stream{}
	var src io.Reader = br
	switch {
	case bytes.HasPrefix(magic, magicGzip):
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		s.gz, src = gz, gz
	case bytes.HasPrefix(magic, magicZstd):
		return nil, errors.New("zstd-compressed layers are not supported")
	case bytes.HasPrefix(magic, magicXz):
		return nil, errors.New("xz-compressed layers are not supported")
	case bytes.HasPrefix(magic, magicBzip2):
		return nil, errors.New("bzip2-compressed layers are not supported")
	}
	s.cr = &countReader{r: src}
	s.tr = tar.NewReader(s.cr)
	return s, nil
}

// next returns the next entry, or io.EOF after the last one. It reads the
// rest of the current entry's data first (but for a sparse entry, whose
// holes would be made of nothing), so that it can tell an archive that
// ends with its two zero blocks from one cut short.
func (s *stream) next() (*tar.Header, error) {
	if s.done {
		return nil, io.EOF
	}
	checkEnd := true
	if s.hdr != nil {
		if isSparse(s.hdr) {
			checkEnd = false // tar.Reader skips its data itself
		} else if _, err := io.Copy(io.Discard, s.tr); err != nil {
			return nil, fmt.Errorf("entry %q: %w", s.hdr.Name, truncated(err))
		}
	}
	before := s.cr.n
	hdr, err := s.tr.Next()
	if err == io.EOF {
		// What Next read: the padding of the last entry's data (less than
		// a block) and, in a complete archive, the two zero blocks.
		if checkEnd && (s.cr.n-before < 2*512 || s.cr.zeros < 2*512) {
			return nil, fmt.Errorf("%w: no end-of-archive marker", ErrTruncated)
		}
		s.done = true
		if s.gz != nil {
			// The gzip stream must be sound to its end (CRC and size).
			if _, err := io.Copy(io.Discard, s.gz); err != nil {
				return nil, fmt.Errorf("gzip: %w", err)
			}
		}
		return nil, io.EOF
	}
	if err != nil {
		err = truncated(err)
		if s.hdr != nil {
			return nil, fmt.Errorf("after entry %q: %w", s.hdr.Name, err)
		}
		return nil, err
	}
	s.hdr = hdr
	return hdr, nil
}

// truncated marks io.ErrUnexpectedEOF as ErrTruncated too.
func truncated(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %w", ErrTruncated, err)
	}
	return err
}

// isSparse tells a GNU sparse entry, old style or PAX.
func isSparse(hdr *tar.Header) bool {
	if hdr.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// cleanName turns the name of an entry into a clean path relative to the
// root: "" for the root itself. It refuses an empty name, an absolute one
// and one that climbs above the root.
func cleanName(name string) (string, error) {
	switch {
	case name == "":
		return "", errors.New("empty name")
	case strings.HasPrefix(name, "/"):
		return "", errors.New("absolute name")
	case strings.IndexByte(name, 0) >= 0:
		return "", errors.New("NUL byte in name")
	}
	p := path.Clean(name)
	switch {
	case p == ".":
		return "", nil
	case p == ".." || strings.HasPrefix(p, "../"):
		return "", errors.New("name escapes the root with \"..\"")
	}
	return p, nil
}
