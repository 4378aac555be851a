// svg.go: the chart of the ratios to native, hand-written SVG: one group
// of bars per workload, one bar per contender, on a log scale around 1×
// (up: slower than native, down: faster), ratios beyond the scale drawn
// to its edge and labelled with their value.

package bench

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// Chart geometry, in pixels.
const (
	svgBarW   = 11
	svgGroupG = 18 // gap between groups
	svgLeft   = 56
	svgTop    = 70
	svgPlotH  = 340
	svgBottom = 130
	svgRight  = 20
	svgMaxR   = 1000 // the scale ends here
	svgMinR   = 0.01
)

var svgColors = []string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#bab0ac"}

// scale maps ratios to heights on a log axis from lo to hi.
type scale struct{ lo, hi float64 }

func (s scale) y(v float64) float64 {
	v = math.Min(math.Max(v, s.lo), s.hi)
	return svgTop + svgPlotH*(math.Log(s.hi)-math.Log(v))/(math.Log(s.hi)-math.Log(s.lo))
}

// ticks are the 1-2-5 values within the scale.
func (s scale) ticks() []float64 {
	var t []float64
	for d := svgMinR; d <= svgMaxR; d *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if v := d * m; v >= s.lo*0.999 && v <= s.hi*1.001 {
				t = append(t, v)
			}
		}
	}
	return t
}

// chartScale spans the ratios found, at least 0.5× to 2×, at most
// svgMinR to svgMaxR, ending on 1-2-5 values.
func chartScale(r *Results) scale {
	lo, hi := 0.5, 2.0
	for _, w := range r.Workloads {
		for _, c := range w.Results {
			if c.Ratio > 0 {
				lo, hi = math.Min(lo, c.Ratio), math.Max(hi, c.Ratio)
			}
		}
	}
	s := scale{svgMinR, svgMaxR}
	for _, t := range s.ticks() {
		if t <= lo {
			s.lo = t
		}
	}
	for _, t := range s.ticks() {
		if t >= hi {
			s.hi = t
			break
		}
	}
	return s
}

// barContenders are the contenders drawn: all but native.
func barContenders(r *Results) []string {
	var names []string
	for _, c := range r.Contenders {
		if c.Name != Native {
			names = append(names, c.Name)
		}
	}
	return names
}

// WriteSVG writes the chart of r's ratios.
func WriteSVG(w io.Writer, r *Results) error {
	names := barContenders(r)
	sc := chartScale(r)
	groupW := len(names)*svgBarW + svgGroupG
	width := svgLeft + len(r.Workloads)*groupW + svgRight
	height := svgTop + svgPlotH + svgBottom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="white"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="14" font-weight="bold">%s</text>`+"\n", svgLeft, esc(chartTitle(r)))
	svgLegend(&b, r, names)
	svgAxis(&b, sc, width)
	for i, wl := range r.Workloads {
		svgGroup(&b, sc, wl, names, svgLeft+i*groupW+svgGroupG/2)
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSVGFile writes the chart to path.
func WriteSVGFile(path string, r *Results) error {
	var b strings.Builder
	if err := WriteSVG(&b, r); err != nil {
		return err
	}
	return writeFile(path, []byte(b.String()))
}

func chartTitle(r *Results) string {
	return fmt.Sprintf("zvfs bench: time relative to native (log scale; lower is better) — %s, %d CPUs, %s", r.Machine.CPU, r.Machine.NProc, dateOnly(r.Date))
}

func dateOnly(d string) string {
	if len(d) >= 10 {
		return d[:10]
	}
	return d
}

// svgLegend names the contenders by colour, absent ones marked so.
func svgLegend(b *strings.Builder, r *Results, names []string) {
	x := svgLeft
	for i, n := range names {
		if c := r.contender(n); c != nil && c.Status == StatusAbsent {
			n += " (absent)"
		}
		fmt.Fprintf(b, `<rect x="%d" y="32" width="10" height="10" fill="%s"/><text x="%d" y="41">%s</text>`+"\n", x, svgColors[i%len(svgColors)], x+14, esc(n))
		x += 24 + 7*len(n)
	}
}

// svgAxis draws the grid lines and their labels, 1× heavier.
func svgAxis(b *strings.Builder, sc scale, width int) {
	for _, t := range sc.ticks() {
		y := sc.y(t)
		stroke, sw := "#ddd", 1
		if t == 1 {
			stroke, sw = "#333", 2
		}
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="%s" stroke-width="%d"/>`+"\n", svgLeft, y, width-svgRight, y, stroke, sw)
		fmt.Fprintf(b, `<text x="%d" y="%.1f" text-anchor="end">%s×</text>`+"\n", svgLeft-4, y+4, trimNum(t))
	}
}

func trimNum(v float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
}

// svgGroup draws one workload's bars from 1× to each ratio, its value
// beside the bar's end, and the workload's name below the plot.
func svgGroup(b *strings.Builder, sc scale, wl *Workload, names []string, x0 int) {
	base := sc.y(1)
	for i, n := range names {
		x := x0 + i*svgBarW
		c := wl.Results[n]
		if c == nil || c.Status != StatusOK || c.Ratio == 0 {
			svgMissing(b, c, x, base)
			continue
		}
		y := sc.y(c.Ratio)
		top, h := math.Min(y, base), math.Abs(y-base)
		fmt.Fprintf(b, `<rect class="bar" x="%d" y="%.1f" width="%d" height="%.1f" fill="%s"><title>%s under %s: %s %s (%s)</title></rect>`+"\n",
			x, top, svgBarW-1, math.Max(h, 0.5), svgColors[i%len(svgColors)], esc(wl.Name), esc(n), formatNum(c.Median), esc(wl.Unit), formatRatio(c.Ratio))
		ly, anchor := top-3, "start"
		if y > base {
			ly, anchor = top+h+3, "end"
		}
		fmt.Fprintf(b, `<text x="%d" y="%.1f" font-size="8" text-anchor="%s" transform="rotate(-90 %d %.1f)">%s</text>`+"\n",
			x+8, ly, anchor, x+8, ly, esc(trimNum(c.Ratio)))
	}
	lx, ly := x0+len(names)*svgBarW/2, svgTop+svgPlotH+12
	fmt.Fprintf(b, `<text x="%d" y="%d" text-anchor="end" transform="rotate(-40 %d %d)">%s</text>`+"\n", lx, ly, lx, ly, esc(wl.Name))
}

// svgMissing marks a failed cell with a red cross; n/a and absent cells
// stay empty.
func svgMissing(b *strings.Builder, c *Cell, x int, base float64) {
	if c != nil && c.Status == StatusFailed {
		fmt.Fprintf(b, `<text class="failed" x="%d" y="%.1f" fill="#c00" font-size="10">✗<title>failed: %s</title></text>`+"\n", x, base-2, esc(c.Reason))
	}
}

func esc(s string) string {
	return html.EscapeString(s)
}
