// This file holds the instruction-level part of the analysis: decoding the
// functions that contain candidates, deciding which candidates are real
// instruction starts, and the window heuristic for candidates outside any
// known function.

package trampoline

import (
	"cmp"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"golang.org/x/arch/x86/x86asm"
)

// windowBytes is how far before a candidate without function bounds the
// window heuristic starts decoding.
const windowBytes = 48

// maxInstLen is the longest x86 instruction.
const maxInstLen = 15

// funcInfo is the decoded view of one function. Decoding is incremental:
// a function is decoded up to its candidates first, and to its end (for the
// red-zone verdict) only when one of them is a real site, so that large
// functions with only stray 0f 05 bytes in constants are not decoded whole.
type funcInfo struct {
	code   []byte   // the function's bytes
	start  uint64   // file offset of code[0]
	starts []uint64 // bit set of instruction starts, relative to start
	pos    int      // decoding progress in code
	z      redZone
	insts  []instFlow // the function's instructions for the per-site rule; built only when needed

	done   bool   // verdict computed
	patch  bool   // red-zone verdict for the whole function
	reason string // when !patch
}

func newFuncInfo(code []byte, start uint64) *funcInfo {
	return &funcInfo{code: code, start: start, starts: make([]uint64, (len(code)+63)/64)}
}

// decodeTo decodes linearly until every instruction starting at or before
// code offset limit is known, recording instruction starts and feeding the
// red-zone rule.
func (f *funcInfo) decodeTo(limit int) {
	for f.pos < len(f.code) && f.pos <= limit {
		inst, n, ok := decodeInst(f.code, f.pos)
		if ok {
			f.starts[f.pos/64] |= 1 << (f.pos % 64)
			f.z.inst(&inst, f.start+uint64(f.pos))
		}
		f.pos += n
	}
}

// isStart reports whether an instruction starts at code offset pos.
func (f *funcInfo) isStart(pos int) bool {
	f.decodeTo(pos)
	return pos >= 0 && pos < len(f.code) && f.starts[pos/64]&(1<<(pos%64)) != 0
}

// verdict decodes the rest of the function and returns the red-zone verdict.
func (f *funcInfo) verdict() (bool, string) {
	if !f.done {
		f.decodeTo(len(f.code))
		f.patch, f.reason = f.z.verdict()
		f.done = true
	}
	return f.patch, f.reason
}

// callBefore returns the constant the instruction ending at code offset
// pos loads into %eax (or %rax), or CallUnknown.
func (f *funcInfo) callBefore(pos int) int {
	for p := pos - 1; p >= 0 && p >= pos-maxInstLen; p-- {
		if !f.isStart(p) {
			continue
		}
		inst, n, ok := decodeInst(f.code, p)
		if !ok || p+n != pos {
			return CallUnknown
		}
		if reg, isReg := inst.Args[0].(x86asm.Reg); isReg && (reg == x86asm.EAX || reg == x86asm.RAX) {
			switch {
			case inst.Op == x86asm.MOV:
				if imm, isImm := inst.Args[1].(x86asm.Imm); isImm && imm >= 0 && imm < 1<<20 {
					return int(imm)
				}
			case inst.Op == x86asm.XOR && inst.Args[1] == inst.Args[0]:
				return 0
			}
		}
		return CallUnknown
	}
	return CallUnknown
}

// decodeInst decodes one instruction at code[pos:]. n is how far to advance:
// the instruction length, or 1 when the bytes do not decode.
func decodeInst(code []byte, pos int) (inst x86asm.Inst, n int, ok bool) {
	end := min(len(code), pos+maxInstLen)
	inst, err := x86asm.Decode(code[pos:end], 64)
	if err != nil || inst.Len <= 0 {
		return inst, 1, false
	}
	return inst, inst.Len, true
}

// sysOp returns the site kind of a decoded instruction, or 0.
func sysOp(inst *x86asm.Inst) Kind {
	switch inst.Op {
	case x86asm.SYSCALL:
		return KindSyscall
	case x86asm.SYSENTER:
		return KindSysenter
	}
	return 0
}

// kindAt decodes the instruction at code[pos:] and returns its site kind, or 0.
func kindAt(code []byte, pos int) Kind {
	inst, _, ok := decodeInst(code, pos)
	if !ok {
		return 0
	}
	return sysOp(&inst)
}

// errTooMuchWork is returned for files whose function ranges nest or overlap
// so much that analysing them would take time out of proportion to their
// size (only malicious files do this).
var errTooMuchWork = errors.New("function ranges overlap too much")

// classify turns candidates into sites. Each function holding a candidate is
// decoded once; functions are decoded in parallel when there are many.
func (img *image) classify(cands []candidate, ft *funcTable, textBytes int64) ([]Site, error) {
	var (
		sites  []Site
		groups [][]candidate // candidates per function, in first-seen order
		fnOf   []int         // function index of each group
		group  = map[int]int{}
		steps  int
		decode uint64 // bytes of the functions to decode
	)
	for _, c := range cands {
		i, ok, n := ft.smallest(c.off)
		if steps += n; steps > 64*len(cands)+1<<20 {
			return nil, errTooMuchWork
		}
		if !ok {
			if k := img.windowSite(c); k != 0 {
				s := Site{Offset: c.off, Kind: k, Reason: ReasonNoBounds, Call: CallUnknown}
				if k == KindSysenter {
					s.Reason = ReasonSysenter
				}
				sites = append(sites, s)
			}
			continue
		}
		g, ok := group[i]
		if !ok {
			g = len(groups)
			group[i] = g
			groups = append(groups, nil)
			fnOf = append(fnOf, i)
			// The smallest containers of candidates barely overlap in
			// real binaries, so their total size stays near the text
			// size; allow generous slack.
			if decode += ft.fns[i].end - ft.fns[i].start; decode > 2*uint64(textBytes)+1<<20 {
				return nil, errTooMuchWork
			}
		}
		groups[g] = append(groups[g], c)
	}
	found := make([][]Site, len(groups))
	parallel(len(groups), func(g int) {
		fn := ft.fns[fnOf[g]]
		seg := &img.loads[fn.seg]
		f := newFuncInfo(seg.data[fn.start-seg.off:fn.end-seg.off], fn.start)
		for _, c := range groups[g] {
			pos := int(c.off - fn.start)
			if !f.isStart(pos) {
				continue
			}
			switch k := kindAt(f.code, pos); k {
			case 0:
			case KindSysenter:
				found[g] = append(found[g], Site{Offset: c.off, Kind: k, Reason: ReasonSysenter, Call: CallUnknown})
			default:
				patch, reason := f.verdict()
				if !patch && f.siteSafe(pos) {
					patch, reason = true, ""
				}
				found[g] = append(found[g], Site{Offset: c.off, Kind: k, Patch: patch, Reason: reason, Call: f.callBefore(pos)})
			}
		}
	})
	for _, fs := range found {
		sites = append(sites, fs...)
	}
	slices.SortFunc(sites, func(a, b Site) int { return cmp.Compare(a.Offset, b.Offset) })
	return sites, nil
}

// parallelMin is the number of functions below which classify decodes on
// the calling goroutine only.
const parallelMin = 32

// parallel calls fn(0..n-1), spread over up to GOMAXPROCS goroutines when n
// is large enough to pay for them. A panic in fn is re-raised on the calling
// goroutine, so that the recover in safely still sees it.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/parallelMin)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		panicked atomic.Pointer[any]
	)
	for range workers {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					panicked.CompareAndSwap(nil, &p)
				}
			}()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || panicked.Load() != nil {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
	if p := panicked.Load(); p != nil {
		panic(*p)
	}
}

// windowSite decides whether a candidate outside every known function is an
// instruction start. It decodes forward from every start point in the
// windowBytes bytes before the candidate until the path reaches or passes it,
// and accepts the candidate when at least 3/4 of the paths land exactly on it
// and the instruction there is a syscall or sysenter. Paths merge quickly, so
// outcomes are memoised by position: each byte of the window is decoded at
// most once.
func (img *image) windowSite(c candidate) Kind {
	seg := &img.loads[c.seg]
	data := seg.data
	pos := int(c.off - seg.off)
	k := kindAt(data, pos)
	if k == 0 {
		return 0
	}
	lo := max(0, pos-windowBytes)
	const (
		lands  = 1
		passes = 2
	)
	outcome := make([]int8, pos-lo)
	landed := 0
	for s := pos - 1; s >= lo; s-- {
		_, n, _ := decodeInst(data, s)
		next := s + n
		switch {
		case next == pos:
			outcome[s-lo] = lands
		case next > pos:
			outcome[s-lo] = passes
		default:
			outcome[s-lo] = outcome[next-lo]
		}
		if outcome[s-lo] == lands {
			landed++
		}
	}
	if 4*landed < 3*len(outcome) {
		return 0
	}
	return k
}
