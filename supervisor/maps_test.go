package supervisor

import (
	"os"
	"testing"
)

func TestParseMapsSelf(t *testing.T) {
	text, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		missing(t, err)
	}
	maps, err := ParseMaps(text)
	if err != nil {
		t.Fatal(err)
	}
	var exec, vdso int
	for _, m := range maps {
		if m.Exec() {
			exec++
		}
		if m.Path == "[vdso]" {
			vdso++
		}
	}
	if exec == 0 || vdso != 1 {
		t.Errorf("%d executable mappings, %d vdso", exec, vdso)
	}
}

func TestParseMapsLine(t *testing.T) {
	ms, err := ParseMaps([]byte("7f0000000000-7f0000002000 r-xp 00001000 fd:01 1234   /usr/lib/x (deleted)\n00400000-00401000 rw-p 00000000 00:00 0 \n"))
	if err != nil {
		t.Fatal(err)
	}
	m := ms[0]
	if m.Start != 0x7f0000000000 || m.End != 0x7f0000002000 || m.Offset != 0x1000 || m.Major != 0xfd || m.Minor != 1 ||
		m.Inode != 1234 || m.Path != "/usr/lib/x (deleted)" || !m.Exec() || !m.Private() || m.Prot() != 5 {
		t.Errorf("%+v", m)
	}
	if ms[1].Path != "" || ms[1].Exec() {
		t.Errorf("%+v", ms[1])
	}
	for _, bad := range []string{"x", "1-0 r-xp 0 0:0 0", "1000-2000 r-x 0 0:0 0", "1000-2000 r-xp zz 0:0 0", "1000-2000 r-xp 0 00 0"} {
		if _, err := ParseMaps([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// FuzzParseMaps: the maps text comes from the stub and is untrusted; the
// parser must never panic and every mapping it returns must be sane.
func FuzzParseMaps(f *testing.F) {
	if b, err := os.ReadFile("/proc/self/maps"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("00400000-00401000 r-xp 00000000 08:01 42 /bin/true\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ms, err := ParseMaps(b)
		if err != nil {
			return
		}
		for _, m := range ms {
			if m.End <= m.Start || m.Start&0xfff != 0 || len(m.Perms) != 4 {
				t.Fatalf("accepted %+v", m)
			}
		}
	})
}

// missing skips the test, or fails it under CI=true, where every
// prerequisite must be there (internal/testenv.Missing; that package
// imports this one).
func missing(t *testing.T, why any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("prerequisite missing in CI: %v", why)
	}
	t.Skipf("prerequisite missing: %v", why)
}
