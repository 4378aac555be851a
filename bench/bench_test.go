// bench_test.go: the arithmetic (medians, ratios) and the writers (JSON,
// SVG, table) on made-up results; running the suite itself is `zvfs bench`.

package bench

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{7}, 7},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 10, 1000}, 10},
	} {
		in := append([]float64(nil), c.in...)
		if got := median(in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Fatalf("median reordered its input: %v", in)
			}
		}
	}
}

func TestPairedRatio(t *testing.T) {
	// The machine slows down threefold in the second round: two rounds of
	// three say 1.2, the ratio of the medians says 1.5.
	if r := pairedRatio([]float64{120, 360, 150}, []float64{100, 300, 100}); math.Abs(r-1.2) > 1e-9 {
		t.Errorf("paired ratio %v, want 1.2", r)
	}
	if r := pairedRatio([]float64{3, 3}, []float64{1, 1, 2}); r != 3 {
		t.Errorf("unpaired: %v, want the ratio of the medians, 3", r)
	}
	if r := pairedRatio([]float64{1, 2}, []float64{1, 0}); r != 0 {
		t.Errorf("a zero native sample: %v, want 0", r)
	}
}

func TestRatio(t *testing.T) {
	if r := ratio(3, 2); r != 1.5 {
		t.Errorf("ratio(3, 2) = %v", r)
	}
	for _, c := range [][2]float64{{1, 0}, {0, 1}, {-1, 2}, {math.NaN(), 1}, {math.Inf(1), 1}} {
		if r := ratio(c[0], c[1]); r != 0 {
			t.Errorf("ratio(%v, %v) = %v, want 0", c[0], c[1], r)
		}
	}
}

// sample is made-up results: two workloads, five contenders in every state.
func sample() *Results {
	r := &Results{Date: "2026-11-27T08:00:00Z", Machine: Machine{Uname: "Linux x 6.1 x86_64", CPU: "Test CPU", NProc: 2}, GoVersion: "go1.26", Repetitions: 3, Scratch: "tmpfs"}
	r.addContender(Native, "native", "")
	r.addContender(ZvfsMem, "hook", "")
	r.addContender(Proot, "proot", "")
	r.addContender(FuseMem, "fuse", "no usable /dev/fuse")
	r.addContender(KernelOverlay, "overlayfs", "")
	build := r.addWorkload(Row{"make -j2 build", "ms", "a build"})
	build.Results[Native] = &Cell{Status: StatusOK, Samples: []float64{100, 120, 110}}
	build.Results[ZvfsMem] = &Cell{Status: StatusOK, Samples: []float64{150, 160, 170}}
	build.Results[Proot] = &Cell{Status: StatusOK, Samples: []float64{1100, 1000, 900000}}
	build.Results[FuseMem] = &Cell{Status: StatusAbsent, Reason: "no usable /dev/fuse"}
	build.Results[KernelOverlay] = &Cell{Status: StatusFailed, Reason: "mount -t overlay: EPERM"}
	calls := r.addWorkload(Row{"getppid pass-through", "ns/call", "raw calls"})
	calls.Results[Native] = &Cell{Status: StatusOK, Samples: []float64{80}}
	calls.Results[ZvfsMem] = &Cell{Status: StatusOK, Samples: []float64{40}}
	calls.Results[Proot] = &Cell{Status: StatusNA}
	calls.Results[FuseMem] = &Cell{Status: StatusNA}
	calls.Results[KernelOverlay] = &Cell{Status: StatusNA}
	r.finish()
	return r
}

func TestFinish(t *testing.T) {
	r := sample()
	for _, c := range []struct {
		workload, contender string
		median, ratio       float64
	}{
		{"make -j2 build", Native, 110, 1},
		{"make -j2 build", ZvfsMem, 160, 1.5}, // per round: 1.5, 1.33, 1.55
		{"make -j2 build", Proot, 1100, 11},   // per round: 11, 8.3, 8182
		{"getppid pass-through", ZvfsMem, 40, 0.5},
		{"make -j2 build", KernelOverlay, 0, 0},
	} {
		cl := r.cell(c.workload, c.contender)
		if cl.Median != c.median || math.Abs(cl.Ratio-c.ratio) > 1e-9 {
			t.Errorf("%s under %s: median %v ratio %v, want %v %v", c.workload, c.contender, cl.Median, cl.Ratio, c.median, c.ratio)
		}
	}
	// No ratios without a native figure.
	r.cell("make -j2 build", Native).Status = StatusFailed
	r.finish()
	if cl := r.cell("make -j2 build", ZvfsMem); cl.Ratio != 0 {
		t.Errorf("a ratio without native: %v", cl.Ratio)
	}
}

func TestWriteJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.json")
	if err := WriteJSON(path, sample()); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Date       string
		Machine    Machine
		GoVersion  string `json:"go_version"`
		Contenders []Contender
		Workloads  []struct {
			Name    string
			Unit    string
			Results map[string]Cell
		}
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if got.Date == "" || got.Machine.CPU != "Test CPU" || got.Machine.NProc != 2 || got.GoVersion != "go1.26" {
		t.Errorf("header: %+v", got)
	}
	if c := got.Contenders[3]; c.Name != FuseMem || c.Status != StatusAbsent || c.Reason != "no usable /dev/fuse" {
		t.Errorf("absent contender: %+v", c)
	}
	w := got.Workloads[0]
	if w.Name != "make -j2 build" || w.Unit != "ms" {
		t.Errorf("workload: %+v", w)
	}
	if c := w.Results[ZvfsMem]; c.Median != 160 || len(c.Samples) != 3 || c.Ratio != 1.5 {
		t.Errorf("cell: %+v", c)
	}
	if c := w.Results[KernelOverlay]; c.Status != StatusFailed || !strings.Contains(c.Reason, "EPERM") {
		t.Errorf("failed cell: %+v", c)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temporary file left: %v", err)
	}
}

func TestWriteSVG(t *testing.T) {
	r := sample()
	r.cell("make -j2 build", Proot).Ratio = 5000 // beyond the scale
	var b strings.Builder
	if err := WriteSVG(&b, r); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
	}
	// Bars: zvfs-mem and proot for the build, zvfs-mem for the calls.
	if n := strings.Count(svg, `class="bar"`); n != 3 {
		t.Errorf("%d bars, want 3\n%s", n, svg)
	}
	if n := strings.Count(svg, `class="failed"`); n != 1 {
		t.Errorf("%d failure marks, want 1", n)
	}
	for _, want := range []string{"make -j2 build", "getppid pass-through", "5000", "1000×", "0.5×", "Test CPU", FuseMem + " (absent)"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the chart lacks %q", want)
		}
	}
	sc := chartScale(r)
	if sc.lo != 0.5 || sc.hi != 1000 {
		t.Errorf("scale %+v, want 0.5 to 1000", sc)
	}
	if y := sc.y(5000); y != svgTop {
		t.Errorf("a capped bar ends at %v, want the top %v", y, svgTop)
	}
	if !(sc.y(2) < sc.y(1) && sc.y(1) < sc.y(0.5)) {
		t.Errorf("the scale is not decreasing in y")
	}
}

func TestWriteTable(t *testing.T) {
	var b strings.Builder
	if err := WriteTable(&b, sample()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"| workload ", "| native |", "110 ", "160 (1.50×)", "1100 (11.0×)", "40.0 (0.50×)",
		"n/a", "absent", "failed",
		"absent: fuse-mem: no usable /dev/fuse",
		"failed: make -j2 build under overlayfs: mount -t overlay: EPERM",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(out, "\n")
	if len(lines[0]) == 0 || !strings.HasPrefix(lines[1], "| ---") {
		t.Errorf("not a Markdown table:\n%s", out)
	}
}

func TestParseFigures(t *testing.T) {
	m, err := parseFigures("stat 351\nopen+close 580\ngetdents-1000 102.5\n")
	if err != nil || m["stat"] != 351 || m["getdents-1000"] != 102.5 || len(m) != 3 {
		t.Errorf("parseFigures: %v %v", m, err)
	}
	if _, err := parseFigures("stat\n"); err == nil {
		t.Error("a line without a figure parsed")
	}
	if _, err := oneFigure("x")("oops", nil); err == nil {
		t.Error("oneFigure parsed a word")
	}
}
