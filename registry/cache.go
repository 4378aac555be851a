package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// blobPath is where the cache keeps the blob of digest d.
func (c *Client) blobPath(d v1.Hash) string {
	return filepath.Join(c.Cache, "blobs", d.Algorithm, d.Hex)
}

// errCorrupt is a blob whose content is not what its digest says.
type errCorrupt struct {
	what      string
	want, got v1.Hash
}

func (e *errCorrupt) Error() string {
	return fmt.Sprintf("%s does not match its digest: %s, content %s", e.what, e.want, e.got)
}

// verify checks that the file at path hashes to d, and returns its size.
func verify(path string, d v1.Hash) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	got, size, err := v1.SHA256(f)
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", path, err)
	}
	if got != d {
		return 0, &errCorrupt{what: "cached blob " + path, want: d, got: got}
	}
	return size, nil
}

// store copies r into the cache as the blob of digest d, checking the
// digest on the way.
func (c *Client) store(r io.Reader, d v1.Hash, from string) (string, error) {
	if d.Algorithm != "sha256" {
		return "", fmt.Errorf("%s: digest algorithm %s not supported", from, d.Algorithm)
	}
	path, _, _, err := c.writeBlob(from, &d, func(w io.Writer) error {
		_, err := io.Copy(w, r)
		return err
	})
	return path, err
}

// writeBlob puts the bytes write writes into the cache under their
// digest: a temporary file, renamed into place once it is whole (and, if
// want is set, matches it), so that the cache never holds a partial or
// wrong blob under a digest. It returns the blob's path, digest and size.
func (c *Client) writeBlob(from string, want *v1.Hash, write func(io.Writer) error) (string, v1.Hash, int64, error) {
	dir := filepath.Join(c.Cache, "blobs", "sha256")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", v1.Hash{}, 0, fmt.Errorf("layer cache: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".part-")
	if err != nil {
		return "", v1.Hash{}, 0, fmt.Errorf("layer cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	counted := &countWriter{w: io.MultiWriter(tmp, h)}
	err = write(counted)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", v1.Hash{}, 0, fmt.Errorf("%s: %w", from, err)
	}
	got := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}
	if want != nil && got != *want {
		return "", got, 0, &errCorrupt{what: from, want: *want, got: got}
	}
	path := c.blobPath(got)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", got, 0, fmt.Errorf("layer cache: %w", err)
	}
	return path, got, counted.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
