// This file holds the package documentation and the exported result types
// (Kind, Site, Analysis).

// Package trampoline finds the system-call instructions of ELF files, decides
// which can be rewritten to `call *%rax`, and caches the answer per file.
//
// Rewriting `syscall` (0f 05) to `call *%rax` (ff d0) makes the CPU store a
// return address at rsp-8, inside the 128-byte x86-64 red zone. A site is
// therefore only marked patchable when it lies in a known function (unwind
// info or symbol) none of whose instructions addresses memory below rsp; see
// redzone.go for the exact rule.
package trampoline

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Kind is the kind of system-call instruction at a site.
type Kind uint8

const (
	// KindSyscall is the 64-bit `syscall` instruction (0f 05).
	KindSyscall Kind = iota + 1
	// KindSysenter is the `sysenter` instruction (0f 34).
	KindSysenter
)

// String returns "syscall" or "sysenter".
func (k Kind) String() string {
	switch k {
	case KindSyscall:
		return "syscall"
	case KindSysenter:
		return "sysenter"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Site is one system-call instruction in a file.
type Site struct {
	Offset uint64 // file offset of the first byte of the instruction
	Kind   Kind
	Patch  bool   // true: safe to rewrite to ff d0
	Reason string // when !Patch: short reason
	// Call is the system call the site makes when the instruction just
	// before it loads a constant into %eax (`mov $N, %eax`, as libc's
	// wrappers do), else CallUnknown. A jump to the site from elsewhere
	// could make another; the supervisor uses it only to leave a skipped
	// site that cannot make a file call alone.
	Call int
}

// CallUnknown is Site.Call when the analysis cannot tell the call.
const CallUnknown = -1

// Reasons used for sites that are not patched. Red-zone reasons are built in
// redzone.go and all start with RedZonePrefix.
const (
	ReasonSysenter = "sysenter is not a 64-bit system call"
	ReasonNoBounds = "no function bounds (no unwind info or symbol)"
	RedZonePrefix  = "red zone: "
)

// Analysis is the result of analysing one ELF file.
//
// An Analysis returned by a Cache is shared between callers and must not be
// modified.
type Analysis struct {
	BuildID    string // hex of NT_GNU_BUILD_ID, "" if none
	TextBytes  int64  // bytes in executable PT_LOAD segments (for MB/s figures)
	Sites      []Site // sorted by Offset; only real instruction starts
	Candidates int    // 0f 05 / 0f 34 byte pairs seen in executable segments (including ones that are not instruction starts)
}

// PatchOffsets returns the file offsets of the sites that may be rewritten,
// in increasing order.
func (a *Analysis) PatchOffsets() []uint64 {
	var offs []uint64
	for _, s := range a.Sites {
		if s.Patch {
			offs = append(offs, s.Offset)
		}
	}
	return offs
}

// Patched returns the number of sites that may be rewritten.
func (a *Analysis) Patched() int {
	return len(a.Sites) - a.Skipped()
}

// Skipped returns the number of sites that must be left alone.
func (a *Analysis) Skipped() int {
	n := 0
	for _, s := range a.Sites {
		if !s.Patch {
			n++
		}
	}
	return n
}

// RedZoneSkipped returns the number of sites skipped because of the red-zone
// rule.
func (a *Analysis) RedZoneSkipped() int {
	n := 0
	for _, s := range a.Sites {
		if !s.Patch && strings.HasPrefix(s.Reason, RedZonePrefix) {
			n++
		}
	}
	return n
}

// Site returns the site at file offset off, if there is one.
func (a *Analysis) Site(off uint64) (Site, bool) {
	i, ok := slices.BinarySearchFunc(a.Sites, off, func(s Site, off uint64) int {
		return cmp.Compare(s.Offset, off)
	})
	if !ok {
		return Site{}, false
	}
	return a.Sites[i], true
}
