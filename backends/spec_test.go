package backends

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zvfs/zvfs/backends/caps"
)

// A mem mount's root is the user's who runs zvfs unless uid=, gid= and
// mode= say otherwise, as tmpfs's options do; bad values are one-line
// errors naming the spec.
func TestMemRootOptions(t *testing.T) {
	for _, tc := range []struct {
		spec           string
		uid, gid, mode uint32
	}{
		{"mem:/d", uint32(os.Geteuid()), uint32(os.Getegid()), 0o755},
		{"mem:/d,uid=1000,gid=100,mode=1777", 1000, 100, 0o1777},
		{"mem:/d,mode=0700", uint32(os.Geteuid()), uint32(os.Getegid()), 0o700},
		{"mem:/d,uid=0,mode=4750", 0, uint32(os.Getegid()), 0o4750},
	} {
		sp, err := ParseSpec(tc.spec)
		if err != nil {
			t.Fatalf("%s: %v", tc.spec, err)
		}
		b, err := sp.Open()
		if err != nil {
			t.Fatalf("%s: %v", tc.spec, err)
		}
		fi, err := b.FS.Stat("/")
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*caps.Stat)
		if st.Uid != tc.uid || st.Gid != tc.gid || st.Mode != 0o40000|tc.mode {
			t.Errorf("%s: root uid %d gid %d mode %o; want %d %d %o", tc.spec, st.Uid, st.Gid, st.Mode, tc.uid, tc.gid, 0o40000|tc.mode)
		}
	}
	for spec, want := range map[string]string{
		"mem:/d,uid=x":          `--mount "mem:/d,uid=x": uid="x": want a numeric id`,
		"mem:/d,gid=-1":         `--mount "mem:/d,gid=-1": gid="-1": want a numeric id`,
		"mem:/d,mode=8":         `--mount "mem:/d,mode=8": mode="8": want octal permission bits, e.g. mode=1777`,
		"mem:/d,mode=17777":     `--mount "mem:/d,mode=17777": mode="17777": want octal permission bits, e.g. mode=1777`,
		"overlay:/d=/,uid=1000": `--mount "overlay:/d=/,uid=1000": unknown option "uid=1000" (known: ro, rw, layers=A.tar:B.tar)`,
	} {
		if _, err := ParseSpec(spec); err == nil || err.Error() != want {
			t.Errorf("%s: error %v, want %s", spec, err, want)
		}
	}
}

// Registry references stay whole in layers= lists (their host's port and
// tag have colons), mix with files, and are checked as references.
func TestRegistrySources(t *testing.T) {
	dir := t.TempDir()
	base, top := filepath.Join(dir, "base.tar"), filepath.Join(dir, "top.tar")
	for _, f := range []string{base, top} {
		if err := os.WriteFile(f, make([]byte, 1024), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sp, err := ParseSpec("overlay:/src=/tmp,layers=" + base + ":oci://localhost:5000/team/build:main:oci://ghcr.io/a/b@sha256:" + strings.Repeat("0", 64) + ":" + top)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{base, "oci://localhost:5000/team/build:main", "oci://ghcr.io/a/b@sha256:" + strings.Repeat("0", 64), top}
	if !reflect.DeepEqual(sp.Layers, want) {
		t.Errorf("layers %q, want %q", sp.Layers, want)
	}
	if sp, err := ParseSpec("tar:/ref=oci://localhost:5000/img:1"); err != nil || sp.Source != "oci://localhost:5000/img:1" {
		t.Errorf("tar from a registry: %+v, %v", sp, err)
	}
	for _, bad := range []string{
		"overlay:/src=/tmp,layers=oci://",
		"overlay:/src=/tmp,layers=oci://Host/UPPER:tag",
		"tar:/ref=oci://host/repo@sha256:abc",
		"bind:/b=oci://host/repo:tag",
	} {
		if _, err := ParseSpec(bad); err == nil || strings.Count(err.Error(), "\n") != 0 {
			t.Errorf("%s: error %v, want one line", bad, err)
		}
	}
}
