package linuxvfs

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCheckPath(t *testing.T) {
	for _, c := range []struct {
		p    string
		want unix.Errno
	}{
		{"", unix.ENOENT},
		{"/", 0},
		{"a\x00b", unix.EINVAL},
		{strings.Repeat("a", PathMax-1), 0},
		{strings.Repeat("a", PathMax), 0}, // a working directory and a name joined
		{strings.Repeat("a", MaxLookup-1), 0},
		{strings.Repeat("a", MaxLookup), unix.ENAMETOOLONG},
	} {
		if got := CheckPath(c.p); got != c.want {
			t.Errorf("CheckPath(%.20q) = %v, want %v", c.p, got, c.want)
		}
	}
	for _, c := range []struct {
		p    string
		want unix.Errno
	}{
		{"", unix.ENOENT},
		{strings.Repeat("a", PathMax-1), 0},
		{strings.Repeat("a", PathMax), unix.ENAMETOOLONG},
	} {
		if got := CheckTarget(c.p); got != c.want {
			t.Errorf("CheckTarget(%.20q) = %v, want %v", c.p, got, c.want)
		}
	}
}

func TestBaseName(t *testing.T) {
	for p, want := range map[string]string{
		"/": "/", "//": "/", "a": "a", "/a/b": "b", "a/b//": "b", "/a/": "a", ".": ".", "a/..": "..",
	} {
		if got := BaseName(p); got != want {
			t.Errorf("BaseName(%q) = %q, want %q", p, got, want)
		}
	}
}
