// This file holds test helpers: locating system files and tools, running
// objdump, compiling C test programs with gcc and mapping addresses to file
// offsets.

package trampoline

import (
	"bufio"
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const libcPath = "/lib/x86_64-linux-gnu/libc.so.6"

// needTool returns the path of a command-line tool, skipping the test when it
// is missing (failing instead when CI=true).
func needTool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required on CI: %v", name, err)
		}
		t.Skipf("%s not installed: %v", name, err)
	}
	return p
}

// needFile skips the test when path does not exist (failing when CI=true).
func needFile(t testing.TB, paths ...string) string {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("none of %v exists", paths)
	}
	t.Skipf("none of %v exists", paths)
	return ""
}

// vaToOff converts a virtual address to a file offset through the PT_LOAD
// segments of the ELF file at path.
func vaToOff(t testing.TB, path string) func(uint64) (uint64, bool) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var progs []elf.ProgHeader
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			progs = append(progs, p.ProgHeader)
		}
	}
	return func(va uint64) (uint64, bool) {
		for _, p := range progs {
			if va >= p.Vaddr && va-p.Vaddr < p.Filesz {
				return p.Off + va - p.Vaddr, true
			}
		}
		return 0, false
	}
}

var objdumpInsn = regexp.MustCompile(`^\s*([0-9a-f]+):\s+(\S+)`)

// objdumpInsns disassembles path (optionally only one symbol) and returns
// the instructions as file offset -> mnemonic.
func objdumpInsns(t testing.TB, path string, extra ...string) map[uint64]string {
	t.Helper()
	objdump := needTool(t, "objdump")
	args := append([]string{"-d", "--no-show-raw-insn", "-w"}, extra...)
	out, err := exec.Command(objdump, append(args, path)...).Output()
	if err != nil {
		t.Fatalf("objdump %s: %v", path, err)
	}
	conv := vaToOff(t, path)
	insns := map[uint64]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		m := objdumpInsn.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		va, err := strconv.ParseUint(m[1], 16, 64)
		if err != nil {
			continue
		}
		off, ok := conv(va)
		if !ok {
			t.Fatalf("objdump address %#x of %s is not in a PT_LOAD segment", va, path)
		}
		insns[off] = m[2]
	}
	return insns
}

// objdumpSites returns the file offsets objdump lists as syscall or
// sysenter instructions.
func objdumpSites(t testing.TB, path string) map[uint64]string {
	sites := map[uint64]string{}
	for off, mn := range objdumpInsns(t, path) {
		if mn == "syscall" || mn == "sysenter" {
			sites[off] = mn
		}
	}
	return sites
}

// buildC compiles a C source with gcc into a temporary directory and returns
// the path of the executable.
func buildC(t testing.TB, src string, flags ...string) string {
	t.Helper()
	gcc := needTool(t, "gcc")
	dir := t.TempDir()
	c := filepath.Join(dir, "prog.c")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "prog")
	args := append(append([]string{}, flags...), "-o", bin, c)
	if out, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
}

// funcRange returns the file range of the function symbol name in path.
func funcRange(t testing.TB, path, name string) (start, end uint64) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	conv := vaToOff(t, path)
	for _, s := range syms {
		if s.Name == name && elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Size > 0 {
			off, ok := conv(s.Value)
			if !ok {
				t.Fatalf("%s: symbol %s at %#x is not loaded", path, name, s.Value)
			}
			return off, off + s.Size
		}
	}
	t.Fatalf("%s: no function symbol %s", path, name)
	return 0, 0
}

// sitesIn returns the sites of a with offsets in [start, end).
func sitesIn(a *Analysis, start, end uint64) []Site {
	var out []Site
	for _, s := range a.Sites {
		if s.Offset >= start && s.Offset < end {
			out = append(out, s)
		}
	}
	return out
}

// python3Files returns the python3 executable and, if it links one, its
// libpython shared library.
func python3Files(t testing.TB) []string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		t.Logf("python3 not found: %v", err)
		return nil
	}
	if real, err := filepath.EvalSymlinks(p); err == nil {
		p = real
	}
	if !isELF(p) {
		// A shim script (pyenv): ask the interpreter where it lives.
		exe, err := exec.Command(p, "-c", "import sys; print(sys.executable)").Output()
		if err != nil {
			t.Logf("python3 (%s) is not an ELF file and did not run: %v", p, err)
			return nil
		}
		p = string(bytes.TrimSpace(exe))
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
	}
	files := []string{p}
	if ldd, err := exec.LookPath("ldd"); err == nil {
		out, _ := exec.Command(ldd, p).Output()
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) >= 3 && strings.HasPrefix(f[0], "libpython") && f[1] == "=>" {
				if real, err := filepath.EvalSymlinks(f[2]); err == nil {
					files = append(files, real)
				}
			}
		}
	}
	return files
}

// isELF reports whether path starts with the ELF magic.
func isELF(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	_, err = f.ReadAt(magic[:], 0)
	return err == nil && string(magic[:]) == elf.ELFMAG
}
