package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Layer is one layer of a pulled image, as a file of the cache.
type Layer struct {
	Digest v1.Hash // of the blob, as the manifest names it
	Path   string  // the blob, checked against Digest
}

// Pull returns the layers of the image ref names, bottom first, each a
// blob of the cache whose content was checked against its digest on this
// call. A blob already in the cache is not downloaded again; one whose
// content no longer matches its digest is refused, said so to warn, and
// downloaded again. Errors are one line.
//
// A digest reference whose manifest and layers are all in the cache is
// answered from it, without the network; a tag is always resolved by the
// registry, since it may have moved.
func (c *Client) Pull(ctx context.Context, ref Ref, warn func(string)) ([]Layer, error) {
	if layers, ok := c.cached(ref); ok {
		return layers, nil
	}
	img, err := remote.Image(ref.ref, c.options(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %s", ref, oneLine(err))
	}
	// The manifest is kept by its digest, for later pulls by that digest.
	if raw, err := img.RawManifest(); err == nil {
		if d, err := img.Digest(); err == nil {
			c.store(bytes.NewReader(raw), d, "manifest "+d.String())
		}
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("pull %s: %s", ref, oneLine(err))
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("pull %s: the image has no layers", ref)
	}
	var out []Layer
	for i, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return nil, fmt.Errorf("pull %s: layer %d: %s", ref, i, oneLine(err))
		}
		if mt, err := l.MediaType(); err == nil && !readable(mt) {
			return nil, fmt.Errorf("pull %s: layer %s is %s; zvfs reads plain and gzip tar layers", ref, d, mt)
		}
		path := c.blobPath(d)
		_, err = verify(path, d)
		var bad *errCorrupt
		switch {
		case err == nil:
			out = append(out, Layer{Digest: d, Path: path})
			continue
		case errors.As(err, &bad):
			warn(fmt.Sprintf("%v; fetching it again", err))
			os.Remove(path)
		case !errors.Is(err, os.ErrNotExist):
			return nil, fmt.Errorf("pull %s: %v", ref, err)
		}
		if path, err = c.download(l, d, ref); err != nil {
			return nil, err
		}
		out = append(out, Layer{Digest: d, Path: path})
	}
	return out, nil
}

// cached answers a digest reference from the cache: its manifest and
// every layer there and verified. Anything missing or wrong is left to
// the network path, which says what (and fetches a corrupt blob again).
func (c *Client) cached(ref Ref) ([]Layer, bool) {
	dr, ok := ref.ref.(name.Digest)
	if !ok {
		return nil, false
	}
	d, err := v1.NewHash(dr.DigestStr())
	if err != nil {
		return nil, false
	}
	// The manifest is read once, and checked against its digest in memory.
	raw, err := os.ReadFile(c.blobPath(d))
	if err != nil {
		return nil, false
	}
	if got, _, err := v1.SHA256(bytes.NewReader(raw)); err != nil || got != d {
		return nil, false
	}
	m, err := v1.ParseManifest(bytes.NewReader(raw))
	if err != nil || !m.MediaType.IsImage() || len(m.Layers) == 0 {
		return nil, false
	}
	var out []Layer
	for _, l := range m.Layers {
		if !readable(l.MediaType) {
			return nil, false
		}
		if _, err := verify(c.blobPath(l.Digest), l.Digest); err != nil {
			return nil, false
		}
		out = append(out, Layer{Digest: l.Digest, Path: c.blobPath(l.Digest)})
	}
	return out, true
}

// download fetches layer l (digest d) into the cache.
func (c *Client) download(l v1.Layer, d v1.Hash, ref Ref) (string, error) {
	rc, err := l.Compressed()
	if err != nil {
		return "", fmt.Errorf("pull %s: layer %s: %s", ref, d, oneLine(err))
	}
	defer rc.Close()
	path, err := c.store(rc, d, fmt.Sprintf("layer %s from %s", d, ref))
	if err != nil {
		return "", fmt.Errorf("pull %s: %s", ref, oneLine(err))
	}
	return path, nil
}

// readable tells the layer media types package layer reads.
func readable(mt types.MediaType) bool {
	switch mt {
	case types.OCILayer, types.DockerLayer, types.OCIUncompressedLayer, types.DockerUncompressedLayer,
		types.OCIRestrictedLayer, types.DockerForeignLayer, types.OCIUncompressedRestrictedLayer:
		return true
	}
	return false
}

// oneLine keeps an error to one line, and says what a registry's
// answer means before its details: a missing image, a refusal, an
// unreachable host.
func oneLine(err error) string {
	detail := strings.Join(strings.Fields(err.Error()), " ")
	var te *transport.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &te) && te.StatusCode == http.StatusNotFound:
		return "not found (no such repository, tag or digest): " + detail
	case errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden):
		return "denied (check the credentials in ~/.docker/config.json or its helper): " + detail
	case errors.As(err, &oe):
		return "registry unreachable: " + detail
	}
	return detail
}
