// This file holds the tests on C programs compiled with gcc: red-zone leaf
// functions (rsp- and rbp-based), ordinary functions, and 0f 05 bytes that
// sit inside other instructions.

package trampoline

import (
	"os"
	"strings"
	"testing"
)

const sitesC = `
__attribute__((noinline)) long redzone_leaf(long x) {
	long r = 39; /* getpid */
	__asm__ volatile("movq %%rdi,-16(%%rsp)\n\tsyscall\n\tmovq -16(%%rsp),%%rax"
		: "+a"(r) : "D"(x) : "rcx", "r11", "memory");
	return r;
}

__attribute__((noinline)) long plain(long n) {
	long r = n;
	__asm__ volatile("syscall" : "+a"(r) : : "rcx", "r11", "memory");
	return r;
}

__attribute__((noinline)) unsigned notinsn(unsigned x) {
	return x * 0x0f05 + 0x050f0000;
}

__attribute__((noinline)) unsigned notinsn2(unsigned x) {
	return x ^ 0x050f050f;
}

int main(int argc, char **argv) {
	(void)argv;
	return (int)((redzone_leaf(argc) + plain(39) + notinsn(argc) + notinsn2(argc)) & 1);
}
`

// frameC is compiled at -O0, where gcc keeps a frame pointer and leaf
// functions address their locals through negative rbp offsets without
// moving rsp.
const frameC = `
__attribute__((noinline)) long rbp_leaf(long n) {
	long r = n;
	__asm__ volatile("syscall" : "+a"(r) : : "rcx", "r11", "memory");
	return r;
}

__attribute__((noinline)) long helper(long n) { return n + 1; }

__attribute__((noinline)) long rbp_framed(long n) {
	long r = helper(n);
	__asm__ volatile("syscall" : "+a"(r) : : "rcx", "r11", "memory");
	return r;
}

int main(void) { return (int)(rbp_leaf(39) + rbp_framed(38)) & 1; }
`

// oneSite returns the single site inside function name.
func oneSite(t *testing.T, bin string, a *Analysis, name string) Site {
	t.Helper()
	start, end := funcRange(t, bin, name)
	ss := sitesIn(a, start, end)
	if len(ss) != 1 {
		t.Fatalf("%s: %d sites in %s [%#x,%#x), want 1: %+v", bin, len(ss), name, start, end, ss)
	}
	return ss[0]
}

func TestCRedZone(t *testing.T) {
	bin := buildC(t, sitesC, "-O2")
	a, err := AnalyzeFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	var listing strings.Builder
	Format(&listing, bin, a)
	t.Logf("\n%s", listing.String())

	s := oneSite(t, bin, a, "redzone_leaf")
	if s.Patch || !strings.HasPrefix(s.Reason, RedZonePrefix) || !strings.Contains(s.Reason, "rsp") {
		t.Errorf("redzone_leaf site %+v: want skipped for an rsp red-zone access", s)
	}
	s = oneSite(t, bin, a, "plain")
	if !s.Patch || s.Reason != "" || s.Kind != KindSyscall {
		t.Errorf("plain site %+v: want patched syscall", s)
	}
	if got := a.PatchOffsets(); len(got) != 1 || got[0] != s.Offset {
		t.Errorf("PatchOffsets = %#x, want [%#x]", got, s.Offset)
	}
	compareWithObjdump(t, bin)
}

func TestCFramePointer(t *testing.T) {
	bin := buildC(t, frameC, "-O0", "-fno-omit-frame-pointer")
	a, err := AnalyzeFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	s := oneSite(t, bin, a, "rbp_leaf")
	if s.Patch || !strings.Contains(s.Reason, "rbp") {
		t.Errorf("rbp_leaf site %+v: want skipped for an rbp red-zone access", s)
	}
	s = oneSite(t, bin, a, "rbp_framed")
	if !s.Patch {
		t.Errorf("rbp_framed site %+v: want patched (the function allocates its frame)", s)
	}
}

// TestCNotInstruction checks that 0f 05 bytes inside immediates are counted
// as candidates but not reported as sites.
func TestCNotInstruction(t *testing.T) {
	bin := buildC(t, sitesC, "-O2")
	a, err := AnalyzeFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	insns := objdumpInsns(t, bin)
	var inside []uint64
	for _, name := range []string{"notinsn", "notinsn2"} {
		start, end := funcRange(t, bin, name)
		for off := start; off+1 < end; off++ {
			if data[off] == 0x0f && data[off+1] == 0x05 {
				if _, ok := insns[off]; ok {
					t.Fatalf("%s: objdump decodes an instruction at %#x; the test needs 0f 05 inside an instruction", name, off)
				}
				inside = append(inside, off)
			}
		}
		if ss := sitesIn(a, start, end); len(ss) != 0 {
			t.Errorf("%s: sites %+v inside a function without system calls", name, ss)
		}
	}
	if len(inside) < 2 {
		t.Fatalf("gcc did not put 0f 05 inside the immediates (found %#x)", inside)
	}
	real := len(objdumpSites(t, bin))
	if a.Candidates < len(inside)+real {
		t.Errorf("Candidates = %d, want at least %d (inside instructions) + %d (real)", a.Candidates, len(inside), real)
	}
	for _, off := range inside {
		if _, ok := a.Site(off); ok {
			t.Errorf("%#x is inside an instruction but reported as a site", off)
		}
	}
	t.Logf("0f 05 inside instructions at %#x; %d candidates, %d sites", inside, a.Candidates, len(a.Sites))
}

// pathC has a function that uses the red zone only on a path the syscall
// never reaches (like glibc's open wrappers spilling a va_arg), and one that
// stores before the syscall and reads after it.
const pathC = `
__attribute__((noinline)) long elsewhere(long a, long flag) {
	long r;
	if (flag) {
		__asm__ volatile("movq %1,-8(%%rsp)\n\tmovq -8(%%rsp),%0" : "=r"(r) : "r"(a) : "memory");
		return r;
	}
	r = 39;
	__asm__ volatile("syscall" : "+a"(r) : : "rcx", "r11", "memory");
	return r;
}

__attribute__((noinline)) long across(long a) {
	long r = 39;
	__asm__ volatile("movq %1,-8(%%rsp)\n\tsyscall\n\taddq -8(%%rsp),%0" : "+a"(r) : "r"(a) : "rcx", "r11", "memory");
	return r;
}

int main(int argc, char **argv) { (void)argv; return (int)(elsewhere(argc, argc > 1) + across(argc)) & 1; }
`

func TestCRedZonePerSite(t *testing.T) {
	bin := buildC(t, pathC, "-O2")
	a, err := AnalyzeFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if s := oneSite(t, bin, a, "elsewhere"); !s.Patch {
		t.Errorf("elsewhere site %+v: the red zone is used only off the syscall's paths; want patched", s)
	}
	if s := oneSite(t, bin, a, "across"); s.Patch {
		t.Errorf("across site %+v: the red zone is read after the syscall; want skipped", s)
	}
}
