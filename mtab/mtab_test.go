package mtab

import (
	"reflect"
	"testing"

	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/internal/linuxvfs"
)

func table(t *testing.T, targets ...string) *Table {
	t.Helper()
	var ms []*Mount
	for _, target := range targets {
		ms = append(ms, &Mount{Target: target, FS: afero.NewMemMapFs()})
	}
	tab, err := New(ms)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestNewRefuses(t *testing.T) {
	fs := afero.NewMemMapFs()
	for name, ms := range map[string][]*Mount{
		"relative":    {{Target: "data", FS: fs}},
		"unclean":     {{Target: "/a/../b", FS: fs}},
		"final slash": {{Target: "/a/", FS: fs}},
		"twice":       {{Target: "/a", FS: fs}, {Target: "/a", FS: fs}},
		"neither":     {{Target: "/a"}},
		"both":        {{Target: "/a", FS: fs, HostDir: "/srv"}},
	} {
		if _, err := New(ms); err == nil {
			t.Errorf("%s: New accepted %s", name, ms[len(ms)-1].Target)
		}
	}
}

func TestLookup(t *testing.T) {
	tab := table(t, "/data", "/data/nest", "/in", "/d")
	for p, want := range map[string][2]string{
		"/data":          {"/data", ""},
		"/data/x/y":      {"/data", "x/y"},
		"/data/nest":     {"/data/nest", ""},
		"/data/nest/z":   {"/data/nest", "z"},
		"/data/nested":   {"/data", "nested"},
		"/datax":         {"", ""},
		"/d/e":           {"/d", "e"},
		"/in/a":          {"/in", "a"},
		"/":              {"", ""},
		"/elsewhere/abc": {"", ""},
	} {
		m, rel := tab.Lookup(p)
		got := [2]string{"", rel}
		if m != nil {
			got[0] = m.Target
		}
		if got != want {
			t.Errorf("Lookup(%s) = %q, want %q", p, got, want)
		}
	}
	if got := tab.Targets(); !reflect.DeepEqual(got, []string{"/data/nest", "/data", "/in", "/d"}) {
		t.Errorf("Targets = %q", got)
	}
}

func TestRootMount(t *testing.T) {
	tab := table(t, "/", "/a/b")
	for p, want := range map[string][2]string{
		"/":     {"/", ""},
		"/x":    {"/", "x"},
		"/a":    {"/", "a"},
		"/a/b":  {"/a/b", ""},
		"/a/bc": {"/", "a/bc"},
	} {
		m, rel := tab.Lookup(p)
		if got := [2]string{m.Target, rel}; got != want {
			t.Errorf("Lookup(%s) = %q, want %q", p, got, want)
		}
	}
	if got := tab.In("/"); got != nil {
		t.Errorf("In(/) = %q: the root is no name", got)
	}
}

func TestNames(t *testing.T) {
	tab := table(t, "/data", "/data/nest", "/a/b/c", "/a/d", "/x")
	for dir, want := range map[string][2][]string{
		"/":         {{"data", "x"}, {"data", "a", "x"}},
		"/a":        {{"d"}, {"b", "d"}},
		"/a/b":      {{"c"}, {"c"}},
		"/data":     {{"nest"}, {"nest"}},
		"/nowhere":  {nil, nil},
		"/data/nes": {nil, nil},
	} {
		in, leading := tab.In(dir), tab.Leading(dir)
		if !sameSet(in, want[0]) || !sameSet(leading, want[1]) {
			t.Errorf("%s: In %q Leading %q, want %q %q", dir, in, leading, want[0], want[1])
		}
	}
	for dir, want := range map[string]bool{"/": true, "/a": true, "/a/b": true, "/a/b/c": true, "/a/b/c/d": false, "/ab": false, "/data/nest": true} {
		if got := tab.Holds(dir); got != want {
			t.Errorf("Holds(%s) = %v", dir, got)
		}
	}
}

func sameSet(a, b []string) bool {
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

// viewer is a file system with a view per user.
type viewer struct {
	afero.Fs
	user afero.Fs
}

func (v viewer) As(linuxvfs.Who) afero.Fs { return v.user }

func TestAsAndIndex(t *testing.T) {
	plain := afero.NewMemMapFs()
	v := viewer{Fs: afero.NewMemMapFs(), user: afero.NewMemMapFs()}
	ms := []*Mount{{Target: "/short", FS: plain}, {Target: "/a/longer", FS: v}}
	tab, err := New(ms)
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.Mounts()[0]; got != ms[1] || got.Index() != 1 || ms[0].Index() != 0 {
		t.Errorf("longest first, indexes as given: %s %d", got.Target, got.Index())
	}
	user := linuxvfs.Who{Uid: 5, Gid: 5}
	if ms[0].As(user) != plain || ms[1].As(user) != v.user || ms[1].As(linuxvfs.Who{}) != afero.Fs(v) {
		t.Error("As does not give each user's view, and root the file system itself")
	}
}
