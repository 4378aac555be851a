// Package registry moves snapshot layers to and from OCI registries (the
// distribution protocol, through go-containerregistry): Push makes a
// snapshot layer a one-layer image and uploads it, Pull fetches an image's
// layers into a cache on disk, addressed and verified by digest, so that
// the mount code reads them as local layer files. References are written
// oci://HOST/REPO[:TAG|@sha256:HEX] wherever the command line takes a
// layer or snapshot file.
package registry

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Scheme starts every registry reference on the command line.
const Scheme = "oci://"

// IsRef reports whether s names an image in a registry rather than a
// local file.
func IsRef(s string) bool { return strings.HasPrefix(s, Scheme) }

// Ref is a parsed oci:// reference.
type Ref struct {
	raw string
	ref name.Reference
}

// String is the reference as the user wrote it.
func (r Ref) String() string { return r.raw }

// ParseRef parses oci://HOST/REPO[:TAG|@sha256:HEX]; a reference without
// a tag or digest means :latest. With insecure the registry is spoken to
// in plain HTTP (as it always is on localhost).
func ParseRef(s string, insecure bool) (Ref, error) {
	body, ok := strings.CutPrefix(s, Scheme)
	if !ok {
		return Ref{}, fmt.Errorf("%s: not a registry reference (want %sHOST/REPO:TAG)", s, Scheme)
	}
	if !strings.Contains(body, "/") {
		return Ref{}, fmt.Errorf("%s: want %sHOST/REPO[:TAG|@sha256:DIGEST]", s, Scheme)
	}
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	ref, err := name.ParseReference(body, opts...)
	if err != nil {
		return Ref{}, fmt.Errorf("%s: %w", s, err)
	}
	return Ref{raw: s, ref: ref}, nil
}

// SplitList splits a ':'-separated list of layers (an overlay's layers=)
// into its items, keeping each oci:// reference whole: its host may carry
// a port, and its tag or digest follows the repository after a ':' or an
// '@'. After a reference's repository, the next ':' starts its tag, so
// that oci://h:5000/r:v1:b.tar is the reference h:5000/r:v1 and b.tar.
func SplitList(v string) []string {
	var out []string
	for v != "" {
		if !IsRef(v) {
			item, rest, _ := strings.Cut(v, ":")
			out = append(out, item)
			v = rest
			continue
		}
		n := refLen(v)
		out = append(out, v[:n])
		v = strings.TrimPrefix(v[n:], ":")
	}
	return out
}

// refLen is the length of the oci:// reference at the start of v.
func refLen(v string) int {
	i := len(Scheme)
	slash := strings.IndexByte(v[i:], '/')
	if slash < 0 {
		if c := strings.IndexByte(v[i:], ':'); c >= 0 {
			return i + c // a malformed one; ParseRef says why
		}
		return len(v)
	}
	i += slash
	// After the host, the first ':' starts the tag or is the digest's own
	// (@ALGO:HEX); the reference ends at the next ':', or at v's end.
	colon := strings.IndexByte(v[i:], ':')
	if colon < 0 {
		return len(v)
	}
	j := i + colon + 1
	if k := strings.IndexByte(v[j:], ':'); k >= 0 {
		return j + k
	}
	return len(v)
}
