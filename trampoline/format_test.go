// This file holds the tests of Format and of the small Analysis helpers.

package trampoline

import (
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	a := &Analysis{
		BuildID:    "abcd",
		TextBytes:  4096,
		Candidates: 3,
		Sites: []Site{
			{Offset: 0x10, Kind: KindSyscall, Patch: true, Call: 39},
			{Offset: 0x1234, Kind: KindSysenter, Reason: ReasonSysenter, Call: CallUnknown},
			{Offset: 0x2000, Kind: KindSyscall, Reason: RedZonePrefix + "x", Call: 257},
		},
	}
	var b strings.Builder
	Format(&b, "/x/lib.so", a)
	want := "/x/lib.so: build-id abcd, text 4096 bytes (0.00 MiB), 3 sites: 1 patched, 2 skipped\n" +
		"  0x0010  syscall   patch\n" +
		"  0x1234  sysenter  skip: sysenter is not a 64-bit system call\n" +
		"  0x2000  syscall   skip: red zone: x, call openat\n"
	if b.String() != want {
		t.Errorf("Format:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	Format(&b, "empty", &Analysis{})
	if got := b.String(); got != "empty: build-id none, text 0 bytes (0.00 MiB), 0 sites: 0 patched, 0 skipped\n" {
		t.Errorf("Format(empty) = %q", got)
	}
	if got := a.PatchOffsets(); len(got) != 1 || got[0] != 0x10 {
		t.Errorf("PatchOffsets = %v", got)
	}
	if a.Skipped() != 2 || a.Patched() != 1 {
		t.Errorf("Skipped/Patched = %d/%d", a.Skipped(), a.Patched())
	}
	if s, ok := a.Site(0x1234); !ok || s.Kind != KindSysenter {
		t.Errorf("Site(0x1234) = %+v, %v", s, ok)
	}
	if _, ok := a.Site(0x11); ok {
		t.Error("Site(0x11) found")
	}
	if KindSyscall.String() != "syscall" || KindSysenter.String() != "sysenter" || Kind(9).String() != "Kind(9)" {
		t.Error("Kind.String")
	}
}
