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

// verify checks that the file at path hashes to d.
func verify(path string, d v1.Hash) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	if got := (v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}); got != d {
		return &errCorrupt{what: "cached blob " + path, want: d, got: got}
	}
	return nil
}

// store copies r into the cache as the blob of digest d, checking the
// digest on the way: a temporary file renamed into place once it is
// whole and right, so that the cache never holds a partial or wrong blob
// under a digest.
func (c *Client) store(r io.Reader, d v1.Hash, from string) (string, error) {
	if d.Algorithm != "sha256" {
		return "", fmt.Errorf("%s: digest algorithm %s not supported", from, d.Algorithm)
	}
	path := c.blobPath(d)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", fmt.Errorf("layer cache: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".part-")
	if err != nil {
		return "", fmt.Errorf("layer cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(tmp, h), r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", from, err)
	}
	if got := (v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}); got != d {
		return "", &errCorrupt{what: from, want: d, got: got}
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("layer cache: %w", err)
	}
	return path, nil
}
