// This file holds the per-site refinement of the red-zone rule: a function
// that uses the red zone somewhere may still have sites after which nothing
// reads or writes below rsp, like glibc's small open and fcntl wrappers that
// spill a va_arg only on the path that needs it.

package trampoline

import (
	"sort"

	"golang.org/x/arch/x86/x86asm"
)

// instFlow is what the per-site rule needs to know of one instruction.
type instFlow struct {
	pos, n  int   // code offset and length
	target  int   // direct branch target (code offset), -1 if none or outside the function
	flow    uint8 // flowNext, flowJump, flowCond, flowStop, flowUnknown
	touches bool  // accesses below rsp, or lowers rsp (after which old red-zone data sits above it)
}

const (
	flowNext    = iota // falls through (calls too: the callee returns)
	flowJump           // unconditional direct jump
	flowCond           // conditional direct jump: target and fall-through
	flowStop           // ret, hlt, ud2, a jump out of the function: the path ends
	flowUnknown        // indirect jump: the rule gives up
)

func flowOf(inst *x86asm.Inst, pos, n int) instFlow {
	f := instFlow{pos: pos, n: n, target: -1}
	f.touches = touchesBelowRSP(inst)
	switch inst.Op {
	case x86asm.RET, x86asm.HLT, x86asm.UD2, x86asm.IRET, x86asm.IRETD, x86asm.IRETQ:
		f.flow = flowStop
		return f
	case x86asm.JMP:
		if rel, ok := inst.Args[0].(x86asm.Rel); ok {
			f.flow, f.target = flowJump, pos+n+int(rel)
		} else {
			f.flow = flowUnknown
		}
		return f
	case x86asm.JA, x86asm.JAE, x86asm.JB, x86asm.JBE, x86asm.JE, x86asm.JG, x86asm.JGE, x86asm.JL,
		x86asm.JLE, x86asm.JNE, x86asm.JNO, x86asm.JNP, x86asm.JNS, x86asm.JO, x86asm.JP, x86asm.JS,
		x86asm.JCXZ, x86asm.JECXZ, x86asm.JRCXZ, x86asm.LOOP, x86asm.LOOPE, x86asm.LOOPNE:
		if rel, ok := inst.Args[0].(x86asm.Rel); ok {
			f.flow, f.target = flowCond, pos+n+int(rel)
		} else {
			f.flow = flowUnknown
		}
		return f
	}
	f.flow = flowNext
	return f
}

// touchesBelowRSP: a memory operand at a negative rsp or rbp offset, an lea
// of one, or an instruction that moves rsp down (push, sub, enter, lea).
func touchesBelowRSP(inst *x86asm.Inst) bool {
	switch inst.Op {
	case x86asm.PUSH, x86asm.PUSHF, x86asm.PUSHFQ, x86asm.ENTER:
		return true
	case x86asm.SUB:
		if inst.Args[0] == x86asm.RSP {
			return true
		}
	case x86asm.ADD:
		if inst.Args[0] == x86asm.RSP {
			if imm, ok := inst.Args[1].(x86asm.Imm); !ok || imm < 0 {
				return true
			}
		}
	case x86asm.MOV, x86asm.XCHG, x86asm.AND:
		if inst.Args[0] == x86asm.RSP {
			return true
		}
	}
	rsp, rbp := belowStack(inst)
	return rsp || rbp
}

// siteSafe reports whether, on every path from the instruction after the
// site at code offset pos, no instruction touches the red zone before the
// path leaves the function. Paths follow fall-through and direct branches
// inside the function; an indirect jump makes the site unsafe.
func (f *funcInfo) siteSafe(pos int) bool {
	if f.insts == nil {
		// Only functions that fail the whole-function rule get here, so
		// their control flow is decoded (again) only for them.
		for p := 0; p < len(f.code); {
			inst, n, ok := decodeInst(f.code, p)
			if ok {
				f.insts = append(f.insts, flowOf(&inst, p, n))
			}
			p += n
		}
	}
	index := func(p int) int {
		i := sort.Search(len(f.insts), func(i int) bool { return f.insts[i].pos >= p })
		if i < len(f.insts) && f.insts[i].pos == p {
			return i
		}
		return -1
	}
	site := index(pos)
	if site < 0 {
		return false
	}
	seen := make([]bool, len(f.insts))
	work := []int{site + 1}
	for len(work) > 0 {
		i := work[len(work)-1]
		work = work[:len(work)-1]
		if i >= len(f.insts) || seen[i] {
			continue // ran off the end of the function: falls into other code
		}
		seen[i] = true
		in := f.insts[i]
		if in.touches {
			return false
		}
		switch in.flow {
		case flowUnknown:
			return false
		case flowStop:
		case flowNext:
			work = append(work, i+1)
		case flowJump, flowCond:
			if in.target >= 0 && in.target < len(f.code) {
				t := index(in.target)
				if t < 0 {
					return false // into the middle of an instruction
				}
				work = append(work, t)
			}
			if in.flow == flowCond {
				work = append(work, i+1)
			}
		}
	}
	return true
}
