package cli

import (
	"bytes"
	"flag"
	"strings"
	"testing"

	"github.com/zvfs/zvfs/backends"
)

// A bad --mount is one line, prefixed with the program's name ("zvfs" for
// zvfs stats too), and exit status 2; no program is run.
func TestBadMountPrefix(t *testing.T) {
	const msg = `: --mount "nosuch:/x": unknown type "nosuch" (known: bind, mem, overlay, tar)` + "\n"
	for _, tc := range []struct {
		name   string
		stats  bool
		prefix string
	}{
		{"zvfs", false, "zvfs"},
		{"zvfs stats", true, "zvfs"},
		{"", false, "zvfs"},
		{"", true, "zvfs"},
		{"myhook", false, "myhook"},
		{"myhook", true, "myhook"},
	} {
		var stderr bytes.Buffer
		code := Run([]string{"--mount", "nosuch:/x", "--", "/bin/true"},
			Config{Name: tc.name, Stats: tc.stats, Usage: "USAGE\n", Stderr: &stderr})
		if code != 2 {
			t.Errorf("%q: exit %d, want 2", tc.name, code)
		}
		if got, want := stderr.String(), tc.prefix+msg; got != want {
			t.Errorf("%q: stderr %q, want %q", tc.name, got, want)
		}
	}
}

// No program: the name (not the prefix) and the usage.
func TestNoProgram(t *testing.T) {
	for name, want := range map[string]string{
		"zvfs":       "zvfs: no program given\nUSAGE\n",
		"zvfs stats": "zvfs stats: no program given\nUSAGE\n",
		"myhook":     "myhook: no program given\nUSAGE\n",
	} {
		var stderr bytes.Buffer
		if code := Run(nil, Config{Name: name, Usage: "USAGE\n", Stderr: &stderr}); code != 2 {
			t.Errorf("%q: exit %d, want 2", name, code)
		}
		if got := stderr.String(); got != want {
			t.Errorf("%q: stderr %q, want %q", name, got, want)
		}
	}
}

// --json is a flag of stats runs only.
func TestJSONFlagOnlyWithStats(t *testing.T) {
	var stderr bytes.Buffer
	if code := Run([]string{"--json", "x.json", "/bin/true"}, Config{Name: "zvfs", Usage: "USAGE\n", Stderr: &stderr}); code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "flag provided but not defined: -json") {
		t.Errorf("stderr %q", stderr.String())
	}
}

func TestParseSnapshot(t *testing.T) {
	for v, want := range map[string]Snapshot{
		"out.tar":           {File: "out.tar"},
		"/src/=out.tar":     {Target: "/src", File: "out.tar"},
		"a=b.tar":           {File: "a=b.tar"},
		"/x/../src=o=p.tar": {Target: "/src", File: "o=p.tar"},
	} {
		got, err := parseSnapshot(v)
		if err != nil || got != want {
			t.Errorf("parseSnapshot(%q) = %+v, %v; want %+v", v, got, err, want)
		}
	}
	if _, err := parseSnapshot("/src="); err == nil || err.Error() != `--snapshot "/src=": no file` {
		t.Errorf("parseSnapshot(/src=): %v", err)
	}
}

func TestCheckSnapshots(t *testing.T) {
	spec := func(s string) backends.Spec {
		sp, err := backends.ParseSpec(s)
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	one := []backends.Spec{spec("mem:/tmp"), spec("overlay:/src=.")}
	two := append(one, spec("overlay:/b=."))

	snaps := []Snapshot{{File: "o.tar"}}
	if err := checkSnapshots(snaps, one); err != nil || snaps[0].Target != "/src" {
		t.Errorf("only overlay: %+v, %v", snaps[0], err)
	}
	for _, tc := range []struct {
		snap  Snapshot
		specs []backends.Spec
		err   string
	}{
		{Snapshot{File: "o.tar"}, one[:1], "--snapshot o.tar: no overlay mount to take it of (--mount overlay:TARGET=DIR)"},
		{Snapshot{File: "o.tar"}, two, "--snapshot o.tar: 2 overlays; name one: --snapshot /src=o.tar"},
		{Snapshot{Target: "/tmp", File: "o.tar"}, two, "--snapshot /tmp=o.tar: /tmp is not an overlay mount"},
		{Snapshot{Target: "/b", File: "o.tar"}, two, ""},
	} {
		got := ""
		if err := checkSnapshots([]Snapshot{tc.snap}, tc.specs); err != nil {
			got = err.Error()
		}
		if got != tc.err {
			t.Errorf("%+v: error %q, want %q", tc.snap, got, tc.err)
		}
	}
}

// -h prints the usage and exits 0; a hook program with flags of its own
// and no usage text gets a generated one listing them with the run's.
func TestHelp(t *testing.T) {
	var stderr bytes.Buffer
	if code := Run([]string{"-h"}, Config{Name: "zvfs stats", Stats: true, Usage: "USAGE\n", Stderr: &stderr}); code != 0 || stderr.String() != "USAGE\n" {
		t.Errorf("zvfs stats -h: exit %d, stderr %q", code, stderr.String())
	}
	fs := flag.NewFlagSet("", flag.ContinueOnError)
	fs.String("deny", "", "deny `PATH`")
	stderr.Reset()
	if code := Run([]string{"-h"}, Config{Name: "audit", Flags: fs, Stderr: &stderr}); code != 0 {
		t.Errorf("audit -h: exit %d", code)
	}
	for _, want := range []string{"usage: audit [flags] [--] PROG [ARGS...]", "-deny PATH", "-mount TYPE:TARGET"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("audit -h lacks %q:\n%s", want, stderr.String())
		}
	}
}
