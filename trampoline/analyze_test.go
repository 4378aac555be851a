// This file holds the tests that compare the analysis of real system files
// (libc, the dynamic loader, bash) with objdump, and check the red-zone skip
// share and the no-bounds window heuristic.

package trampoline

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"
)

var ldsoPaths = []string{"/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2"}

// compareWithObjdump checks that the sites of path are exactly the syscall
// and sysenter instructions objdump finds.
func compareWithObjdump(t *testing.T, path string) *Analysis {
	t.Helper()
	want := objdumpSites(t, path)
	a, err := AnalyzeFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := map[uint64]Site{}
	for i, s := range a.Sites {
		got[s.Offset] = s
		if i > 0 && a.Sites[i-1].Offset >= s.Offset {
			t.Errorf("sites not sorted at %d: %#x then %#x", i, a.Sites[i-1].Offset, s.Offset)
		}
		if !s.Patch && s.Reason == "" {
			t.Errorf("site %#x is skipped without a reason", s.Offset)
		}
		if s.Patch && s.Reason != "" {
			t.Errorf("site %#x is patched but has reason %q", s.Offset, s.Reason)
		}
	}
	for off, mn := range want {
		s, ok := got[off]
		if !ok {
			t.Errorf("%s: objdump has %s at file offset %#x, analysis has no site there", path, mn, off)
		} else if s.Kind.String() != mn {
			t.Errorf("%s: site %#x is %v, objdump says %s", path, off, s.Kind, mn)
		}
	}
	for off, s := range got {
		if _, ok := want[off]; !ok {
			t.Errorf("%s: site %#x (%v, %q) is not a system call for objdump", path, off, s.Kind, s.Reason)
		}
	}
	if a.Candidates < len(a.Sites) {
		t.Errorf("%s: %d candidates < %d sites", path, a.Candidates, len(a.Sites))
	}
	t.Logf("%s: %d sites (objdump %d), %d candidates, %d skipped (%d red zone)",
		path, len(a.Sites), len(want), a.Candidates, a.Skipped(), a.RedZoneSkipped())
	for _, s := range a.Sites {
		if !s.Patch {
			t.Logf("  skip %#x %v: %s", s.Offset, s.Kind, s.Reason)
		}
	}
	return a
}

func TestLibcMatchesObjdump(t *testing.T) {
	a := compareWithObjdump(t, needFile(t, libcPath))
	if len(a.Sites) < 100 {
		t.Errorf("only %d sites in libc", len(a.Sites))
	}
	if a.BuildID == "" {
		t.Errorf("libc has no build-id")
	}
	if share := float64(a.RedZoneSkipped()) / float64(len(a.Sites)); share >= 0.03 {
		t.Errorf("%.1f%% of libc sites skipped for the red zone, want < 3%%", 100*share)
	}
	if share := float64(a.Skipped()) / float64(len(a.Sites)); share >= 0.03 {
		t.Errorf("%.1f%% of libc sites skipped, want < 3%%", 100*share)
	}
}

func TestLdsoMatchesObjdump(t *testing.T) {
	compareWithObjdump(t, needFile(t, ldsoPaths...))
}

func TestBashMatchesObjdump(t *testing.T) {
	compareWithObjdump(t, needFile(t, "/usr/bin/bash", "/bin/bash"))
}

// TestWindowHeuristic runs the no-bounds heuristic on every candidate of libc
// and compares its answer with objdump's instruction boundaries.
func TestWindowHeuristic(t *testing.T) {
	path := needFile(t, libcPath)
	insns := objdumpInsns(t, path)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	img, err := openImage(io.NewSectionReader(f, 0, fi.Size()))
	if err != nil {
		t.Fatal(err)
	}
	if err := img.loadExec(); err != nil {
		t.Fatal(err)
	}
	var real, realOK, fake, fakeOK int
	for _, c := range img.findCandidates() {
		mn := insns[c.off]
		isSite := mn == "syscall" || mn == "sysenter"
		got := img.windowSite(c) != 0
		if isSite {
			real++
			if got {
				realOK++
			} else {
				t.Logf("heuristic rejects real site %#x", c.off)
			}
		} else {
			fake++
			if !got {
				fakeOK++
			} else {
				t.Errorf("heuristic accepts %#x, which objdump does not decode as a system call", c.off)
			}
		}
	}
	t.Logf("libc: heuristic accepts %d/%d real sites and rejects %d/%d non-instruction pairs", realOK, real, fakeOK, fake)
	if realOK*10 < real*9 {
		t.Errorf("heuristic accepts only %d of %d real sites", realOK, real)
	}
}

// TestRedZoneShare logs how many sites the red-zone rule skips in common
// binaries.
func TestRedZoneShare(t *testing.T) {
	files := []string{libcPath, needFile(t, ldsoPaths...), "/usr/bin/bash"}
	files = append(files, python3Files(t)...)
	seen := map[string]bool{}
	for _, p := range files {
		if seen[p] {
			continue
		}
		seen[p] = true
		if _, err := os.Stat(p); err != nil {
			t.Logf("%s: %v", p, err)
			continue
		}
		a, err := AnalyzeFile(p)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		share := 0.0
		if len(a.Sites) > 0 {
			share = 100 * float64(a.RedZoneSkipped()) / float64(len(a.Sites))
		}
		var other []string
		for _, s := range a.Sites {
			if !s.Patch && !strings.HasPrefix(s.Reason, RedZonePrefix) {
				other = append(other, s.Reason)
			}
		}
		slices.Sort(other)
		t.Logf("%s: %d sites, %d red-zone skipped (%.1f%%), other skips: %v", p, len(a.Sites), a.RedZoneSkipped(), share, slices.Compact(other))
	}
}
