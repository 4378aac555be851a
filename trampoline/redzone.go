// This file holds the red-zone rule: whether a function may keep live data
// in the 128 bytes below rsp, where `call *%rax` would store its return
// address.

package trampoline

import (
	"fmt"

	"golang.org/x/arch/x86/x86asm"
)

// redZone accumulates the facts about one function's instructions that the
// red-zone rule needs. A function is unsafe when
//
//   - an instruction has a memory operand based on rsp/esp with a negative
//     displacement (a load or store in the red zone);
//   - an LEA computes an rsp-based address with a negative displacement into
//     a register other than rsp (a pointer into the red zone; `lea
//     rsp,[rsp-N]` allocates stack instead);
//   - an instruction has a memory operand based on rbp/ebp with a negative
//     displacement and the function never allocates stack (sub rsp,imm; add
//     rsp,-imm; lea rsp,[rsp-imm]; enter): a frame-pointer leaf function
//     using the red zone through rbp.
//
// The rule is decided once per function and is conservative: data moved
// below rsp through any other register is not tracked.
type redZone struct {
	rspReason string // first rsp finding, "" if none
	rbpAt     uint64 // file offset of the first negative rbp access
	rbpSeen   bool
	allocates bool
}

func (z *redZone) inst(inst *x86asm.Inst, off uint64) {
	switch inst.Op {
	case x86asm.ENTER:
		z.allocates = true
	case x86asm.SUB:
		if inst.Args[0] == x86asm.RSP {
			if imm, ok := inst.Args[1].(x86asm.Imm); ok && imm > 0 {
				z.allocates = true
			}
		}
	case x86asm.ADD:
		if inst.Args[0] == x86asm.RSP {
			if imm, ok := inst.Args[1].(x86asm.Imm); ok && imm < 0 {
				z.allocates = true
			}
		}
	case x86asm.LEA:
		if m, ok := inst.Args[1].(x86asm.Mem); ok && isSP(m.Base) && m.Disp < 0 {
			if inst.Args[0] == x86asm.RSP {
				if m.Index == 0 {
					z.allocates = true
				}
				return
			}
			if z.rspReason == "" {
				z.rspReason = fmt.Sprintf(RedZonePrefix+"lea of negative rsp offset (at %#x)", off)
			}
			return
		}
	}
	rsp, rbp := belowStack(inst)
	if rsp && z.rspReason == "" {
		z.rspReason = fmt.Sprintf(RedZonePrefix+"rsp-relative store/load at negative offset (at %#x)", off)
	}
	if rbp && !z.rbpSeen {
		z.rbpSeen, z.rbpAt = true, off
	}
}

// belowStack reports whether inst has a memory operand at a negative offset
// from rsp (or esp), and one at a negative offset from rbp (or ebp).
func belowStack(inst *x86asm.Inst) (rsp, rbp bool) {
	for _, a := range inst.Args {
		if a == nil {
			break
		}
		m, ok := a.(x86asm.Mem)
		if !ok || m.Disp >= 0 {
			continue
		}
		switch {
		case isSP(m.Base):
			rsp = true
		case m.Base == x86asm.RBP || m.Base == x86asm.EBP:
			rbp = true
		}
	}
	return rsp, rbp
}

func isSP(r x86asm.Reg) bool { return r == x86asm.RSP || r == x86asm.ESP }

// verdict returns whether the function's sites may be patched, and if not,
// why.
func (z *redZone) verdict() (bool, string) {
	if z.rspReason != "" {
		return false, z.rspReason
	}
	if z.rbpSeen && !z.allocates {
		return false, fmt.Sprintf(RedZonePrefix+"rbp-relative access at negative offset without stack allocation (at %#x)", z.rbpAt)
	}
	return true, ""
}
