package vfs

import (
	"strings"
	"testing"

	"github.com/spf13/afero"
	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/backends/mem"
	"github.com/zvfs/zvfs/mtab"
)

func testNS(t testing.TB) *Namespace {
	t.Helper()
	// Host nodes of special files a test (or the fuzzer) opens go in the
	// test's own directory, and with the FS.
	t.Setenv("TMPDIR", t.TempDir())
	fs := mem.New()
	t.Cleanup(func() { fs.Close() })
	for _, d := range []string{"/a", "/a/b", "/sub"} {
		if err := fs.Mkdir(d, 0755); err != nil {
			t.Fatal(err)
		}
	}
	if err := afero.WriteFile(fs, "/a/b/f", []byte("x"), 0644); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{
		"/rel":    "a/b",
		"/abs":    "/data/a",
		"/out":    "../etc",
		"/deep":   "../../../../etc/passwd",
		"/loop1":  "loop2",
		"/loop2":  "loop1",
		"/dang":   "nothere",
		"/tonest": "/data/nest/x",
		"/file":   "a/b/f",
	}
	for l, target := range links {
		if err := fs.Symlink(target, l); err != nil {
			t.Fatal(err)
		}
	}
	ns, err := New([]*mtab.Mount{{Target: "/data", FS: fs}, {Target: "/data/nest", FS: afero.NewMemMapFs()}, {Target: "/in", HostDir: "/srv/in"}})
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func TestResolve(t *testing.T) {
	ns := testNS(t)
	c := &ctx{ns: ns}
	for _, tc := range []struct {
		path   string
		follow bool
		want   string // "mount:/target rel" or "host:path" or an errno name
	}{
		{"/data", true, "mount:/data "},
		{"/data/", true, "mount:/data "},
		{"/data/a/b/f", true, "mount:/data a/b/f"},
		{"/data//a/./b/../b/f", true, "mount:/data a/b/f"},
		{"/data/..", true, "host:/"},
		{"/data/../data/a", true, "mount:/data a"},
		{"/data/../../..", true, "host:/"},
		{"/data/rel/f", true, "mount:/data a/b/f"},
		{"/data/abs/b", true, "mount:/data a/b"},
		{"/data/out", false, "mount:/data out"},
		{"/data/out", true, "host:/etc"},
		{"/data/out/passwd", true, "host:/etc/passwd"},
		{"/data/deep", true, "host:/etc/passwd"},
		{"/data/loop1", true, "ELOOP"},
		{"/data/loop1", false, "mount:/data loop1"},
		{"/data/dang", true, "mount:/data nothere"},
		{"/data/dang/x", true, "ENOENT"},
		{"/data/missing/x", true, "ENOENT"},
		{"/data/a/b/f/x", true, "ENOTDIR"},
		{"/data/file/", true, "mount:/data a/b/f"},
		{"/data/tonest", true, "mount:/data/nest x"},
		{"/data/nest/..", true, "mount:/data "},
		{"/in/x/../y", true, "host:/srv/in/y"},
		{"/in/..", true, "host:/"},
		{"/data/" + strings.Repeat("n", 256), true, "ENAMETOOLONG"},
		{"/data/" + strings.Repeat("a/", 2100), true, "ENOENT"}, // over PATH_MAX: a working directory and a name joined
		{"/data/" + strings.Repeat("a/", 4100), true, "ENAMETOOLONG"},
	} {
		l, err := c.resolve(tc.path, tc.follow)
		var got string
		switch {
		case err != nil:
			got = unix.ErrnoName(errnoOf(err))
		case l.m == nil || l.m.FS == nil:
			got = "host:" + strings.TrimSuffix(l.host, "/")
			if l.host == "/" {
				got = "host:/"
			}
		default:
			got = "mount:" + l.m.Target + " " + l.rel
		}
		if got != tc.want {
			t.Errorf("resolve(%q, follow=%v) = %s, want %s", tc.path, tc.follow, got, tc.want)
		}
	}
}

func TestMountTable(t *testing.T) {
	for _, bad := range [][]*mtab.Mount{
		{{Target: "data", FS: mem.New()}},
		{{Target: "/", FS: mem.New()}},
		{{Target: "/a/../b", FS: mem.New()}},
		{{Target: "/a", FS: mem.New()}, {Target: "/a", FS: mem.New()}},
		{{Target: "/a"}},
	} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%v) accepted", bad[0].Target)
		}
	}
	ns := testNS(t)
	if got := strings.Join(ns.Targets(), ","); got != "/data/nest,/data,/in" {
		t.Errorf("targets %s", got)
	}
	if got := strings.Join(ns.tab.In("/"), ","); got != "/data,/in" && got != "data,in" {
		t.Errorf("In(/) = %s", got)
	}
}
