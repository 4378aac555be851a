package registry

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// CheckPush tells, before a run, whether a push to ref can work: the
// registry answers, and the credentials the keychain has for it may start
// an upload to the repository (which is then cancelled).
func (c *Client) CheckPush(ctx context.Context, ref Ref) error {
	if err := remote.CheckPushPermission(ref.ref, c.keychain(), c.transport()); err != nil {
		return fmt.Errorf("push %s: %s", ref, oneLine(err))
	}
	return nil
}

// Pushed is what Push uploaded.
type Pushed struct {
	Layer    v1.Hash // the gzip layer blob
	Manifest v1.Hash // the image manifest ref now names
	Size     int64   // of the layer blob
}

// Push makes the layer tarball at tarPath (uncompressed, as package
// layer writes it) a one-layer OCI image for linux/amd64 created at
// created, and pushes it to ref. The layer is gzip-compressed the same
// way every time, so the same tarball gives the same blob and digest on
// every machine; the blob is kept in the cache (a later Pull of it
// downloads nothing), and a blob the registry already has is not
// uploaded again.
func (c *Client) Push(ctx context.Context, ref Ref, tarPath string, created time.Time) (Pushed, error) {
	l, err := c.compress(tarPath)
	if err != nil {
		return Pushed{}, fmt.Errorf("push %s: %w", ref, err)
	}
	layer, err := partial.CompressedToLayer(l)
	if err != nil {
		return Pushed{}, fmt.Errorf("push %s: %w", ref, err)
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	base, err = mutate.ConfigFile(base, &v1.ConfigFile{
		Architecture: "amd64", OS: "linux",
		Created: v1.Time{Time: created.UTC()},
		RootFS:  v1.RootFS{Type: "layers"},
	})
	if err != nil {
		return Pushed{}, fmt.Errorf("push %s: %w", ref, err)
	}
	img, err := mutate.Append(base, mutate.Addendum{Layer: layer, MediaType: types.OCILayer,
		History: v1.History{Created: v1.Time{Time: created.UTC()}, CreatedBy: "zvfs --snapshot", Comment: "the changes of a zvfs run"}})
	if err != nil {
		return Pushed{}, fmt.Errorf("push %s: %w", ref, err)
	}
	if err := remote.Write(ref.ref, img, c.options(ctx)...); err != nil {
		return Pushed{}, fmt.Errorf("push %s: %s", ref, oneLine(err))
	}
	m, err := img.Digest()
	if err != nil {
		return Pushed{}, fmt.Errorf("push %s: %w", ref, err)
	}
	return Pushed{Layer: l.digest, Manifest: m, Size: l.size}, nil
}

// blobLayer is a gzip layer blob in the cache, with the digests of its
// compressed and uncompressed bytes taken while it was written.
type blobLayer struct {
	path           string
	digest, diffID v1.Hash
	size           int64
}

func (l *blobLayer) Digest() (v1.Hash, error)            { return l.digest, nil }
func (l *blobLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *blobLayer) Size() (int64, error)                { return l.size, nil }
func (l *blobLayer) MediaType() (types.MediaType, error) { return types.OCILayer, nil }
func (l *blobLayer) Compressed() (io.ReadCloser, error)  { return os.Open(l.path) }

// compress gzips the tarball at tarPath into the cache. The gzip header
// carries no name or time, and the level is fixed: the bytes depend on
// the tarball alone. A tarball compressed before (the cache notes each
// blob under its uncompressed digest) is not compressed again.
func (c *Client) compress(tarPath string) (*blobLayer, error) {
	in, err := os.Open(tarPath)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	var magic [2]byte
	if n, _ := in.ReadAt(magic[:], 0); n == 2 && magic == [2]byte{0x1f, 0x8b} {
		return nil, fmt.Errorf("%s is gzip-compressed: push takes the plain layer tarball (gunzip it first)", tarPath)
	}
	diffID, _, err := v1.SHA256(in)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", tarPath, err)
	}
	if l := c.compressed(diffID); l != nil {
		return l, nil
	}
	if _, err := in.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("read %s: %w", tarPath, err)
	}
	path, digest, size, err := c.writeBlob("compress "+tarPath, nil, func(w io.Writer) error {
		zw, _ := gzip.NewWriterLevel(w, gzip.DefaultCompression)
		_, err := io.Copy(zw, in)
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	c.noteCompressed(diffID, digest)
	return &blobLayer{path: path, digest: digest, diffID: diffID, size: size}, nil
}

// compressedPath is where the cache notes the digest of the gzip blob
// made from the tarball of digest diffID.
func (c *Client) compressedPath(diffID v1.Hash) string {
	return filepath.Join(c.Cache, "diffids", diffID.Algorithm, diffID.Hex)
}

// compressed is the cached blob made from the tarball of digest diffID,
// if the cache has it whole; nil if not.
func (c *Client) compressed(diffID v1.Hash) *blobLayer {
	b, err := os.ReadFile(c.compressedPath(diffID))
	if err != nil {
		return nil
	}
	d, err := v1.NewHash(strings.TrimSpace(string(b)))
	if err != nil {
		return nil
	}
	size, err := verify(c.blobPath(d), d)
	if err != nil {
		return nil
	}
	return &blobLayer{path: c.blobPath(d), digest: d, diffID: diffID, size: size}
}

// noteCompressed notes that blob d is the gzip of the tarball diffID;
// best effort (without the note the next push compresses again).
func (c *Client) noteCompressed(diffID, d v1.Hash) {
	path := c.compressedPath(diffID)
	if os.MkdirAll(filepath.Dir(path), 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".part-")
	if err != nil {
		return
	}
	_, err = tmp.WriteString(d.String() + "\n")
	if cerr := tmp.Close(); err == nil && cerr == nil {
		os.Rename(tmp.Name(), path)
	}
	os.Remove(tmp.Name())
}
