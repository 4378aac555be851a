// This file holds the function-bounds table: ranges from unwind info and
// function symbols, converted to file offsets, merged and sorted, with a
// lookup of the smallest range containing a file offset.

package trampoline

import (
	"cmp"
	"slices"
	"sort"
)

// fnRange is a function's file range [start, end), clipped to the executable
// segment holding its start.
type fnRange struct {
	start, end uint64
	seg        int // index into image.loads
}

// funcTable is a sorted set of function ranges. Ranges may nest or overlap
// (aliases, symbols covering several FDEs); maxEnd[i] is the largest end of
// fns[0..i], which bounds the backward scan in smallest.
type funcTable struct {
	fns    []fnRange
	maxEnd []uint64
}

// functions builds the table of the functions that contain at least one of
// the candidates (sorted by offset) from the image's unwind tables and
// function symbols. Only those ranges are kept, so the table stays small
// even for binaries with hundreds of thousands of functions. Unreadable
// unwind data or symbol tables are ignored: the code they would describe is
// then treated as having no function bounds, which only makes the analysis
// more conservative.
func (img *image) functions(cands []candidate) *funcTable {
	vas := img.fdeRanges()
	if syms, err := img.symbolRanges(); err == nil {
		vas = append(vas, syms...)
	}
	t := &funcTable{}
	var all []fnRange // every range, for the continuation rule below
	for _, r := range vas {
		off, seg, avail, ok := img.vaToExecOff(r.start)
		if !ok {
			continue
		}
		f := fnRange{start: off, end: off + min(r.size, avail), seg: seg}
		all = append(all, f)
		// Keep f only if the first candidate at or after its start is
		// inside it.
		i := sort.Search(len(cands), func(i int) bool { return cands[i].off >= f.start })
		if i < len(cands) && cands[i].off < f.end {
			t.fns = append(t.fns, f)
		}
	}
	t.index()
	var uncovered []candidate
	for _, c := range cands {
		if _, ok, _ := t.smallest(c.off); !ok {
			uncovered = append(uncovered, c)
		}
	}
	if len(uncovered) > 0 {
		more := continuations(all, uncovered, func(seg int) uint64 {
			return img.loads[seg].off + uint64(len(img.loads[seg].data))
		})
		if len(more) > 0 {
			t.fns = append(t.fns, more...)
			t.index()
		}
	}
	return t
}

// index sorts the ranges and computes maxEnd, for smallest.
func (t *funcTable) index() {
	slices.SortFunc(t.fns, func(a, b fnRange) int {
		if c := cmp.Compare(a.start, b.start); c != 0 {
			return c
		}
		return cmp.Compare(b.end, a.end)
	})
	t.fns = slices.Compact(t.fns)
	t.maxEnd = make([]uint64, len(t.fns))
	var m uint64
	for i, f := range t.fns {
		m = max(m, f.end)
		t.maxEnd[i] = m
	}
}

// smallest returns the index of the smallest range containing off, and the
// number of ranges it examined (bounded by the nesting depth at off).
func (t *funcTable) smallest(off uint64) (best int, ok bool, steps int) {
	i := sort.Search(len(t.fns), func(i int) bool { return t.fns[i].start > off }) - 1
	best = -1
	for ; i >= 0 && t.maxEnd[i] > off; i-- {
		steps++
		f := t.fns[i]
		if f.end > off && (best < 0 || f.end-f.start < t.fns[best].end-t.fns[best].start) {
			best = i
		}
	}
	return best, best >= 0, steps
}

// continuationGap is how far past the end of a function's unwind range a
// candidate may lie and still be taken as that function's code.
const continuationGap = 32

// continuations returns synthetic ranges for the candidates no range covers
// (uncovered) that follow closely on the end of one: hand-written assembly such as
// glibc's clone3 ends its unwind range just before its `syscall` on purpose
// (the child's unwind info would be wrong), yet the instruction is plainly
// the function's own. The synthetic range runs from that function's start to
// the next range's start (at most continuationGap past the candidate), so
// the function is decoded linearly across the gap and judged whole.
func continuations(all []fnRange, uncovered []candidate, segEnd func(seg int) uint64) []fnRange {
	var out []fnRange
	var sorted []fnRange
	for _, c := range uncovered {
		if inAny(out, c.off) {
			continue
		}
		if sorted == nil {
			sorted = slices.Clone(all)
			slices.SortFunc(sorted, func(a, b fnRange) int { return cmp.Compare(a.start, b.start) })
		}
		// The range ending closest before c, and the first start after c.
		i := sort.Search(len(sorted), func(i int) bool { return sorted[i].start > c.off })
		var prev *fnRange
		for j := i - 1; j >= 0 && j >= i-8; j-- {
			f := &sorted[j]
			if f.end <= c.off && c.off-f.end <= continuationGap && (prev == nil || f.end > prev.end) {
				prev = f
			}
		}
		if prev == nil {
			continue
		}
		end := c.off + continuationGap
		if i < len(sorted) && sorted[i].start < end {
			end = sorted[i].start
		}
		end = min(end, segEnd(prev.seg))
		if end < c.off+2 {
			continue
		}
		out = append(out, fnRange{start: prev.start, end: end, seg: prev.seg})
	}
	return out
}

func inAny(rs []fnRange, off uint64) bool {
	for _, r := range rs {
		if r.start <= off && off < r.end {
			return true
		}
	}
	return false
}
