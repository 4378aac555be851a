// This file holds tests on synthetic ELF files built in memory: hostile
// layouts (overlapping segments, deeply nested function symbols) that must
// fail fast, and readers that do not know their size.

package trampoline

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"reflect"
	"testing"
	"time"
)

// synthELF builds an x86-64 ET_DYN file holding code at vaddr == file offset,
// covered by nseg executable PT_LOAD segments (all mapping the code), and a
// .symtab with the given function symbols.
func synthELF(t testing.TB, code []byte, nseg int, syms []elf.Sym64) []byte {
	t.Helper()
	const ehsize, phsize, shsize, symsize = 64, 56, 64, 24
	codeOff := uint64(ehsize + phsize*nseg)
	symOff := codeOff + uint64(len(code))
	symtab := new(bytes.Buffer)
	binary.Write(symtab, binary.LittleEndian, elf.Sym64{}) // index 0
	for _, s := range syms {
		binary.Write(symtab, binary.LittleEndian, s)
	}
	strOff := symOff + uint64(symtab.Len())
	strtab := []byte("\x00f\x00")
	shstrOff := strOff + uint64(len(strtab))
	shstrtab := []byte("\x00.symtab\x00.strtab\x00.shstrtab\x00")
	shOff := shstrOff + uint64(len(shstrtab))

	b := new(bytes.Buffer)
	hdr := elf.Header64{
		Type: uint16(elf.ET_DYN), Machine: uint16(elf.EM_X86_64), Version: 1,
		Phoff: ehsize, Shoff: shOff, Ehsize: ehsize, Phentsize: phsize, Phnum: uint16(nseg),
		Shentsize: shsize, Shnum: 4, Shstrndx: 3,
	}
	copy(hdr.Ident[:], elf.ELFMAG)
	hdr.Ident[elf.EI_CLASS], hdr.Ident[elf.EI_DATA], hdr.Ident[elf.EI_VERSION] = byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), 1
	binary.Write(b, binary.LittleEndian, hdr)
	for range nseg {
		binary.Write(b, binary.LittleEndian, elf.Prog64{
			Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X),
			Off: codeOff, Vaddr: codeOff, Paddr: codeOff,
			Filesz: uint64(len(code)), Memsz: uint64(len(code)), Align: 1,
		})
	}
	b.Write(code)
	b.Write(symtab.Bytes())
	b.Write(strtab)
	b.Write(shstrtab)
	for _, s := range []elf.Section64{
		{},
		{Name: 1, Type: uint32(elf.SHT_SYMTAB), Off: symOff, Size: uint64(symtab.Len()), Link: 2, Info: 1, Addralign: 8, Entsize: symsize},
		{Name: 9, Type: uint32(elf.SHT_STRTAB), Off: strOff, Size: uint64(len(strtab)), Addralign: 1},
		{Name: 17, Type: uint32(elf.SHT_STRTAB), Off: shstrOff, Size: uint64(len(shstrtab)), Addralign: 1},
	} {
		binary.Write(b, binary.LittleEndian, s)
	}
	return b.Bytes()
}

func funcSym(value, size uint64) elf.Sym64 {
	return elf.Sym64{Name: 1, Info: elf.ST_INFO(elf.STB_GLOBAL, elf.STT_FUNC), Shndx: 1, Value: value, Size: size}
}

func TestSyntheticPlain(t *testing.T) {
	// A function of nops around one syscall, and one syscall with no
	// function around it (padded with nops so the window heuristic sees
	// instruction boundaries).
	code := bytes.Repeat([]byte{0x90}, 256)
	copy(code[16:], []byte{0x0f, 0x05})
	copy(code[200:], []byte{0x0f, 0x05})
	base := uint64(64 + 56)
	data := synthELF(t, code, 1, []elf.Sym64{funcSym(base, 64)})
	a, err := Analyze(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Site{
		{Offset: base + 16, Kind: KindSyscall, Patch: true, Call: CallUnknown},
		{Offset: base + 200, Kind: KindSyscall, Reason: ReasonNoBounds, Call: CallUnknown},
	}
	if !reflect.DeepEqual(a.Sites, want) || a.Candidates != 2 || a.BuildID != "" || a.TextBytes != 256 {
		t.Errorf("got %+v, want sites %+v", a, want)
	}
}

// hangGuard bounds the analysis of a malicious file in the tests below.
// It is no benchmark, only a check that the work bound trips: unbounded,
// the nested functions' analysis would decode about a gigabyte of
// instructions; bounded, it takes a second or two, more on a loaded
// machine (2.1 s once, with other packages' tests running on 2 CPUs,
// which failed a 2-second limit).
const hangGuard = 30 * time.Second

func TestSyntheticOverlappingSegments(t *testing.T) {
	code := bytes.Repeat([]byte{0x0f, 0x05}, 4096)
	data := synthELF(t, code, 1000, nil)
	start := time.Now()
	if _, err := Analyze(bytes.NewReader(data)); err == nil {
		t.Error("1000 executable segments over the same bytes analysed without error")
	}
	if d := time.Since(start); d > hangGuard {
		t.Errorf("took %v", d)
	}
}

func TestSyntheticNestedFunctions(t *testing.T) {
	code := bytes.Repeat([]byte{0x0f, 0x05}, 32<<10)
	base := uint64(64 + 56)
	var syms []elf.Sym64
	for i := range uint64(20000) {
		syms = append(syms, funcSym(base+i, uint64(len(code))-i))
	}
	data := synthELF(t, code, 1, syms)
	start := time.Now()
	_, err := Analyze(bytes.NewReader(data))
	if !errors.Is(err, errTooMuchWork) {
		t.Errorf("err = %v, want %v", err, errTooMuchWork)
	}
	if d := time.Since(start); d > hangGuard {
		t.Errorf("took %v", d)
	}
}

// readerAtOnly hides the Size method of the reader it wraps.
type readerAtOnly struct{ r io.ReaderAt }

func (r readerAtOnly) ReadAt(p []byte, off int64) (int, error) { return r.r.ReadAt(p, off) }

func TestUnsizedReader(t *testing.T) {
	path := needFile(t, libcPath)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := Analyze(readerAtOnly{f})
	if err != nil {
		t.Fatal(err)
	}
	want, err := AnalyzeFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("analysis through a reader without Size differs")
	}
}
