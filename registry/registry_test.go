package registry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	ggcr "github.com/google/go-containerregistry/pkg/registry"
)

func TestSplitList(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"a.tar", []string{"a.tar"}},
		{"a.tar:b.tar", []string{"a.tar", "b.tar"}},
		{"oci://h:5000/r:v1", []string{"oci://h:5000/r:v1"}},
		{"oci://h:5000/r:v1:b.tar", []string{"oci://h:5000/r:v1", "b.tar"}},
		{"a.tar:oci://h/r/s:latest:oci://h:1/x", []string{"a.tar", "oci://h/r/s:latest", "oci://h:1/x"}},
		{"oci://h/r@sha256:0123abcd:c.tar", []string{"oci://h/r@sha256:0123abcd", "c.tar"}},
		{"oci://h:5000/r", []string{"oci://h:5000/r"}},
	} {
		if got := SplitList(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("SplitList(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestParseRef(t *testing.T) {
	for _, bad := range []string{"oci://", "oci://noslash", "oci://h/R:UPPER repo", "h/r:t", "oci://h/r:bad tag"} {
		if _, err := ParseRef(bad, false); err == nil {
			t.Errorf("ParseRef(%q) took it", bad)
		}
	}
	if _, err := ParseRef("oci://localhost:5000/team/build:main", false); err != nil {
		t.Error(err)
	}
}

// testRegistry is an in-process registry, counting the requests that
// move blobs.
type testRegistry struct {
	srv              *httptest.Server
	blobGets, upload atomic.Int32
	host             string
}

func newRegistry(t *testing.T, wrap func(http.Handler) http.Handler) *testRegistry {
	r := &testRegistry{}
	h := ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)))
	if wrap != nil {
		h = wrap(h)
	}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if strings.Contains(req.URL.Path, "/blobs/") && req.Method == http.MethodGet {
			r.blobGets.Add(1)
		}
		if strings.Contains(req.URL.Path, "/blobs/uploads") && req.Method == http.MethodPost {
			r.upload.Add(1)
		}
		h.ServeHTTP(w, req)
	}))
	t.Cleanup(r.srv.Close)
	r.host = strings.TrimPrefix(r.srv.URL, "http://")
	return r
}

func (r *testRegistry) ref(t *testing.T, repo string) Ref {
	ref, err := ParseRef(Scheme+r.host+"/"+repo, false)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// client is a Client with a fresh cache and no credentials.
func client(t *testing.T) *Client {
	return &Client{Cache: t.TempDir(), Keychain: authn.NewMultiKeychain()}
}

// layerTar writes a small layer tarball and returns its path.
func layerTar(t *testing.T, content string) string {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: "f", Mode: 0o644, Size: int64(len(content)), ModTime: time.Unix(1, 0)})
	tw.Write([]byte(content))
	tw.Close()
	p := filepath.Join(t.TempDir(), "layer.tar")
	if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gunzip(t *testing.T, path string) []byte {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func noWarn(t *testing.T) func(string) {
	return func(s string) { t.Errorf("unexpected warning: %s", s) }
}

// TestPushPull: a pushed layer pulls back as the same bytes into a fresh
// cache; a second push of the same tarball gives the same digests and
// uploads nothing; a second pull downloads nothing.
func TestPushPull(t *testing.T) {
	reg := newRegistry(t, nil)
	ctx := context.Background()
	tarPath := layerTar(t, "hello")
	want, _ := os.ReadFile(tarPath)
	created := time.Unix(1700000000, 0)

	a := client(t)
	if err := a.CheckPush(ctx, reg.ref(t, "team/build:main")); err != nil {
		t.Fatal(err)
	}
	p1, err := a.Push(ctx, reg.ref(t, "team/build:main"), tarPath, created)
	if err != nil {
		t.Fatal(err)
	}
	uploads := reg.upload.Load()
	p2, err := client(t).Push(ctx, reg.ref(t, "team/build:again"), tarPath, created)
	if err != nil {
		t.Fatal(err)
	}
	if p1 != p2 {
		t.Errorf("two pushes of the same tarball: %+v and %+v", p1, p2)
	}
	if n := reg.upload.Load() - uploads; n != 0 {
		t.Errorf("the second push started %d uploads; the registry had every blob", n)
	}

	// The same client pushing the same tarball again takes the blob it
	// compressed before; if that blob went bad, it compresses again.
	ino := func() uint64 {
		fi, err := os.Stat(a.blobPath(p1.Layer))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Sys().(*syscall.Stat_t).Ino
	}
	before := ino()
	if p3, err := a.Push(ctx, reg.ref(t, "team/build:third"), tarPath, created); err != nil || p3 != p1 {
		t.Fatalf("third push: %+v, %v", p3, err)
	}
	if ino() != before {
		t.Errorf("the tarball was compressed again")
	}
	os.WriteFile(a.blobPath(p1.Layer), []byte("bad"), 0o644)
	if p4, err := a.Push(ctx, reg.ref(t, "team/build:fourth"), tarPath, created); err != nil || p4 != p1 {
		t.Fatalf("push over a corrupt cached blob: %+v, %v", p4, err)
	}
	if _, err := verify(a.blobPath(p1.Layer), p1.Layer); err != nil {
		t.Error(err)
	}

	b := client(t)
	for _, tag := range []string{"main", "again", "main"} {
		before := reg.blobGets.Load()
		layers, err := b.Pull(ctx, reg.ref(t, "team/build:"+tag), noWarn(t))
		if err != nil {
			t.Fatal(err)
		}
		if len(layers) != 1 || layers[0].Digest != p1.Layer {
			t.Fatalf("pulled %+v, want one layer %s", layers, p1.Layer)
		}
		if got := gunzip(t, layers[0].Path); !bytes.Equal(got, want) {
			t.Errorf("pulled layer differs from the pushed tarball")
		}
		if tag != "main" || before > 0 {
			if n := reg.blobGets.Load() - before; n != 0 {
				t.Errorf("pull of %s with the blob cached: %d blob downloads", tag, n)
			}
		}
	}
	byDigest, err := ParseRef(Scheme+reg.host+"/team/build@"+p1.Manifest.String(), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Pull(ctx, byDigest, noWarn(t)); err != nil {
		t.Errorf("pull by digest: %v", err)
	}
	// With the registry gone, a digest whose manifest and layers are
	// cached still pulls; a tag, which may have moved, does not.
	reg.srv.Close()
	if layers, err := b.Pull(ctx, byDigest, noWarn(t)); err != nil || len(layers) != 1 || layers[0].Digest != p1.Layer {
		t.Errorf("offline pull by digest: %+v, %v", layers, err)
	}
	if _, err := b.Pull(ctx, reg.ref(t, "team/build:main"), noWarn(t)); err == nil {
		t.Errorf("offline pull by tag: no error")
	}
}

// TestCorruptCache: a cached blob that no longer matches its digest is
// refused, said so, and fetched again.
func TestCorruptCache(t *testing.T) {
	reg := newRegistry(t, nil)
	ctx := context.Background()
	c := client(t)
	p, err := c.Push(ctx, reg.ref(t, "r:t"), layerTar(t, "data"), time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	path := c.blobPath(p.Layer)
	if err := os.WriteFile(path, []byte("not the blob"), 0o644); err != nil {
		t.Fatal(err)
	}
	var warned []string
	layers, err := c.Pull(ctx, reg.ref(t, "r:t"), func(s string) { warned = append(warned, s) })
	if err != nil {
		t.Fatal(err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "does not match its digest") {
		t.Errorf("warnings %q, want one about the corrupt blob", warned)
	}
	if _, err := verify(layers[0].Path, p.Layer); err != nil {
		t.Errorf("after the pull: %v", err)
	}
}

// blobFault wraps a registry so that, while on is set, its answers to
// blob downloads are fault's instead (which may call h for the real one).
func blobFault(on *atomic.Bool, fault func(h http.Handler, w http.ResponseWriter, r *http.Request)) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if on.Load() && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:") {
				fault(h, w, r)
				return
			}
			h.ServeHTTP(w, r)
		})
	}
}

// TestCorruptRegistry: a blob the registry serves wrong is refused and
// never enters the cache.
func TestCorruptRegistry(t *testing.T) {
	var corrupt atomic.Bool
	reg := newRegistry(t, blobFault(&corrupt, func(h http.Handler, w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if len(body) > 0 {
			body[len(body)/2] ^= 0xff
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
	}))
	ctx := context.Background()
	pushed, err := client(t).Push(ctx, reg.ref(t, "r:t"), layerTar(t, strings.Repeat("x", 5000)), time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	corrupt.Store(true)
	c := client(t)
	_, err = c.Pull(ctx, reg.ref(t, "r:t"), noWarn(t))
	if err == nil {
		t.Fatal("a corrupted blob was taken")
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error of more than one line: %q", err)
	}
	if _, err := os.Stat(c.blobPath(pushed.Layer)); err == nil {
		t.Errorf("the cache kept the corrupted layer")
	}
	if parts, _ := filepath.Glob(filepath.Join(c.Cache, "blobs", "sha256", ".part-*")); len(parts) != 0 {
		t.Errorf("the cache kept partial files %q", parts)
	}
}

// TestRegistryVanishes: a registry that drops the connection in the
// middle of a blob gives an error, not a hang.
func TestRegistryVanishes(t *testing.T) {
	var cut atomic.Bool
	reg := newRegistry(t, blobFault(&cut, func(h http.Handler, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		w.WriteHeader(http.StatusOK)
		w.Write(make([]byte, 1000))
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	ctx := context.Background()
	if _, err := client(t).Push(ctx, reg.ref(t, "r:t"), layerTar(t, "y"), time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	cut.Store(true)
	done := make(chan error, 1)
	go func() {
		_, err := client(t).Pull(ctx, reg.ref(t, "r:t"), noWarn(t))
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("a cut download succeeded")
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("pull still waiting 2 minutes after the registry went away")
	}
}

// TestMissingTag and TestDeniedPush: one-line errors.
func TestMissingTag(t *testing.T) {
	reg := newRegistry(t, nil)
	_, err := client(t).Pull(context.Background(), reg.ref(t, "r:nothere"), noWarn(t))
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "r:nothere") {
		t.Errorf("pull of a missing tag: %v", err)
	}
}

func TestDeniedPush(t *testing.T) {
	reg := newRegistry(t, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != "ci" || p != "right" {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				http.Error(w, "denied", http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	c := client(t)
	c.Keychain = staticKeychain{authn.FromConfig(authn.AuthConfig{Username: "ci", Password: "wrong"})}
	ctx := context.Background()
	if err := c.CheckPush(ctx, reg.ref(t, "r:t")); err == nil {
		t.Error("CheckPush with wrong credentials passed")
	}
	if _, err := c.Push(ctx, reg.ref(t, "r:t"), layerTar(t, "z"), time.Unix(0, 0)); err == nil {
		t.Error("Push with wrong credentials passed")
	}
	c.Keychain = staticKeychain{authn.FromConfig(authn.AuthConfig{Username: "ci", Password: "right"})}
	if err := c.CheckPush(ctx, reg.ref(t, "r:t")); err != nil {
		t.Errorf("CheckPush with the right credentials: %v", err)
	}
}

type staticKeychain struct{ a authn.Authenticator }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.a, nil }
