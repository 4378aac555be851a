// This file holds the ELF side of the analysis: opening a file, reading its
// executable PT_LOAD segments, finding the candidate byte pairs, reading the
// GNU build-id note and the function symbols, and the top-level Analyze.

package trampoline

import (
	"bytes"
	"cmp"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// ErrUnsupported is returned (wrapped) for ELF files that are not 64-bit
// little-endian x86-64 files.
var ErrUnsupported = errors.New("not a 64-bit x86-64 ELF file")

// ntGNUBuildID is the note type of the GNU build-id note.
const ntGNUBuildID = 3

// Limits that keep a malicious file from making us allocate without bound.
const (
	maxNoteBytes = 1 << 20  // per PT_NOTE segment or note section
	maxReadChunk = 16 << 20 // read size step when the input size is unknown
	maxExecBytes = 4 << 30  // executable bytes when the input size is unknown
)

// segment is one PT_LOAD segment with file contents.
type segment struct {
	off, vaddr, filesz uint64
	exec               bool
	data               []byte // file contents; only read for executable segments
}

// image is an opened ELF file.
type image struct {
	r     io.ReaderAt
	size  int64 // input size, -1 if unknown
	f     *elf.File
	loads []segment // PT_LOAD segments with file contents, in header order
	exec  []int     // indexes into loads of the executable segments
}

// sizer is implemented by readers that know their size (bytes.Reader,
// io.SectionReader, strings.Reader).
type sizer interface{ Size() int64 }

// openImage parses the ELF headers of r. It does not read segment contents.
func openImage(r io.ReaderAt) (*image, error) {
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, err
	}
	if f.Class != elf.ELFCLASS64 || f.Data != elf.ELFDATA2LSB || f.Machine != elf.EM_X86_64 {
		return nil, fmt.Errorf("%w (class %v, data %v, machine %v)", ErrUnsupported, f.Class, f.Data, f.Machine)
	}
	img := &image{r: r, size: -1, f: f}
	if s, ok := r.(sizer); ok {
		img.size = s.Size()
	}
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Filesz == 0 {
			continue
		}
		if p.Off+p.Filesz < p.Off || p.Vaddr+p.Filesz < p.Vaddr {
			return nil, fmt.Errorf("PT_LOAD segment at offset %#x: size %#x overflows", p.Off, p.Filesz)
		}
		if img.size >= 0 && p.Off+p.Filesz > uint64(img.size) {
			return nil, fmt.Errorf("PT_LOAD segment at offset %#x: size %#x runs past end of file (%d bytes)", p.Off, p.Filesz, img.size)
		}
		seg := segment{off: p.Off, vaddr: p.Vaddr, filesz: p.Filesz, exec: p.Flags&elf.PF_X != 0}
		if seg.exec {
			img.exec = append(img.exec, len(img.loads))
		}
		img.loads = append(img.loads, seg)
	}
	// Executable segments of real files do not overlap; bound the bytes
	// read and scanned for files whose segments all map the same bytes.
	var text uint64
	for _, i := range img.exec {
		text = min(text+min(img.loads[i].filesz, 1<<62), 1<<62) // saturating
	}
	limit := uint64(maxExecBytes)
	if img.size >= 0 {
		limit = 2*uint64(img.size) + 1<<20
	}
	if text > limit {
		return nil, fmt.Errorf("executable segments map %d bytes (limit %d)", text, limit)
	}
	return img, nil
}

// readAt reads n bytes at file offset off. When the input size is unknown it
// reads in chunks so that a lying header cannot make it allocate more than the
// file holds (plus one chunk).
func (img *image) readAt(off, n uint64) ([]byte, error) {
	if off+n < off || n > 1<<40 {
		return nil, fmt.Errorf("read %#x bytes at %#x: out of range", n, off)
	}
	if img.size >= 0 && off+n > uint64(img.size) {
		return nil, fmt.Errorf("read %#x bytes at %#x: past end of file (%d bytes)", n, off, img.size)
	}
	if img.size >= 0 || n <= maxReadChunk {
		buf := make([]byte, n)
		if err := readFull(img.r, buf, off); err != nil {
			return nil, fmt.Errorf("read %#x bytes at %#x: %w", n, off, err)
		}
		return buf, nil
	}
	var buf []byte
	for done := uint64(0); done < n; {
		k := min(n-done, maxReadChunk)
		buf = slices.Grow(buf, int(k))
		chunk := buf[len(buf) : len(buf)+int(k)]
		if err := readFull(img.r, chunk, off+done); err != nil {
			return nil, fmt.Errorf("read %#x bytes at %#x: %w", n, off, err)
		}
		buf = buf[:len(buf)+int(k)]
		done += k
	}
	return buf, nil
}

// readFull fills buf from r at off. Following the io.ReaderAt contract, an
// io.EOF that comes with a full buffer is success.
func readFull(r io.ReaderAt, buf []byte, off uint64) error {
	if off > 1<<62 {
		return errors.New("offset out of range")
	}
	n, err := r.ReadAt(buf, int64(off))
	if n == len(buf) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// vaToExecOff maps a virtual address inside an executable segment to its file
// offset. It returns the index into loads and the number of file bytes from
// va to the end of that segment.
func (img *image) vaToExecOff(va uint64) (off uint64, seg int, avail uint64, ok bool) {
	for _, i := range img.exec {
		s := &img.loads[i]
		if va >= s.vaddr && va-s.vaddr < s.filesz {
			d := va - s.vaddr
			return s.off + d, i, s.filesz - d, true
		}
	}
	return 0, 0, 0, false
}

// vaToLoad finds the PT_LOAD segment (executable or not) holding va and
// returns the file offset of va and the file bytes left in the segment.
func (img *image) vaToLoad(va uint64) (off, avail uint64, ok bool) {
	for i := range img.loads {
		s := &img.loads[i]
		if va >= s.vaddr && va-s.vaddr < s.filesz {
			d := va - s.vaddr
			return s.off + d, s.filesz - d, true
		}
	}
	return 0, 0, false
}

// buildID returns the hex NT_GNU_BUILD_ID of the file, or "" if it has none.
// It looks at PT_NOTE segments first and at SHT_NOTE sections when the file
// has no PT_NOTE segment.
func (img *image) buildID() (string, error) {
	found := false
	for _, p := range img.f.Progs {
		if p.Type != elf.PT_NOTE {
			continue
		}
		found = true
		if id, err := img.noteBuildID(p.Off, p.Filesz, p.Align); err != nil || id != "" {
			return id, err
		}
	}
	if found {
		return "", nil
	}
	for _, s := range img.f.Sections {
		if s.Type != elf.SHT_NOTE {
			continue
		}
		if id, err := img.noteBuildID(s.Offset, s.FileSize, s.Addralign); err != nil || id != "" {
			return id, err
		}
	}
	return "", nil
}

// noteBuildID scans the notes in file range [off, off+n) for NT_GNU_BUILD_ID.
func (img *image) noteBuildID(off, n, align uint64) (string, error) {
	if n == 0 {
		return "", nil
	}
	if n > maxNoteBytes {
		return "", fmt.Errorf("note at %#x: %d bytes is too large", off, n)
	}
	b, err := img.readAt(off, n)
	if err != nil {
		return "", fmt.Errorf("note: %w", err)
	}
	if align != 8 {
		align = 4
	}
	pad := func(x uint64) uint64 { return (x + align - 1) &^ (align - 1) }
	// Offsets are aligned relative to the note start: with 8-byte alignment
	// (e.g. .note.gnu.property) the name "GNU\0" ends at 16 and the
	// descriptor follows directly.
	for len(b) >= 12 {
		namesz := uint64(binary.LittleEndian.Uint32(b[0:]))
		descsz := uint64(binary.LittleEndian.Uint32(b[4:]))
		typ := binary.LittleEndian.Uint32(b[8:])
		descOff := pad(12 + namesz)
		if descOff > uint64(len(b)) || descsz > uint64(len(b))-descOff {
			return "", fmt.Errorf("note at %#x: truncated", off)
		}
		name := b[12 : 12+namesz]
		desc := b[descOff : descOff+descsz]
		if typ == ntGNUBuildID && bytes.Equal(name, []byte("GNU\x00")) {
			return hex.EncodeToString(desc), nil
		}
		next := pad(descOff + descsz)
		if next >= uint64(len(b)) {
			break
		}
		b = b[next:]
	}
	return "", nil
}

// loadExec reads the contents of the executable segments.
func (img *image) loadExec() error {
	for _, i := range img.exec {
		s := &img.loads[i]
		b, err := img.readAt(s.off, s.filesz)
		if err != nil {
			return fmt.Errorf("executable segment: %w", err)
		}
		s.data = b
	}
	return nil
}

// candidate is one 0f 05 or 0f 34 byte pair in an executable segment.
type candidate struct {
	off  uint64 // file offset of the 0f byte
	seg  int    // index into loads
	kind Kind
}

// findCandidates returns the candidate byte pairs of all executable segments,
// sorted by file offset and without duplicates (segments may share file
// bytes). It searches for the second byte (05 or 34), which is an order of
// magnitude rarer in x86 code than 0f, and checks the byte before it.
func (img *image) findCandidates() []candidate {
	var cs []candidate
	for _, i := range img.exec {
		data := img.loads[i].data
		for _, p := range []struct {
			second byte
			kind   Kind
		}{{0x05, KindSyscall}, {0x34, KindSysenter}} {
			for pos := 1; pos < len(data); pos++ {
				j := bytes.IndexByte(data[pos:], p.second)
				if j < 0 {
					break
				}
				pos += j
				if data[pos-1] == 0x0f {
					cs = append(cs, candidate{off: img.loads[i].off + uint64(pos-1), seg: i, kind: p.kind})
				}
			}
		}
	}
	slices.SortFunc(cs, func(a, b candidate) int {
		if c := cmp.Compare(a.off, b.off); c != 0 {
			return c
		}
		return a.seg - b.seg
	})
	return slices.CompactFunc(cs, func(a, b candidate) bool { return a.off == b.off })
}

// vaRange is a function's address range [start, start+size).
type vaRange struct{ start, size uint64 }

// symbolRanges returns the STT_FUNC and STT_GNU_IFUNC symbols with nonzero
// size from .symtab and .dynsym. It parses the tables directly (no names are
// needed), which is much cheaper than elf.File.Symbols for large Go binaries.
func (img *image) symbolRanges() ([]vaRange, error) {
	var rs []vaRange
	for _, s := range img.f.Sections {
		if s.Type != elf.SHT_SYMTAB && s.Type != elf.SHT_DYNSYM {
			continue
		}
		const symSize = 24 // Elf64_Sym
		if s.Entsize != 0 && s.Entsize != symSize {
			continue
		}
		if img.size >= 0 && (s.Offset > uint64(img.size) || s.FileSize > uint64(img.size)-s.Offset) {
			return nil, fmt.Errorf("symbol table %s: runs past end of file", s.Name)
		}
		b, err := img.readAt(s.Offset, s.FileSize)
		if err != nil {
			return nil, fmt.Errorf("symbol table %s: %w", s.Name, err)
		}
		for len(b) >= symSize {
			info := b[4]
			shndx := elf.SectionIndex(binary.LittleEndian.Uint16(b[6:]))
			value := binary.LittleEndian.Uint64(b[8:])
			size := binary.LittleEndian.Uint64(b[16:])
			b = b[symSize:]
			typ := elf.SymType(info & 0xf)
			if (typ != elf.STT_FUNC && typ != elf.STT_GNU_IFUNC) || size == 0 || shndx == elf.SHN_UNDEF {
				continue
			}
			rs = append(rs, vaRange{value, size})
		}
	}
	return rs, nil
}

// Analyze parses the ELF file in r and finds its system-call sites.
// A file that is not a well-formed x86-64 ELF file yields an error; Analyze
// never panics on bad input.
func Analyze(r io.ReaderAt) (*Analysis, error) {
	a, err := analyzeSafe(r)
	if err != nil {
		return nil, fmt.Errorf("analyse: %w", err)
	}
	return a, nil
}

// AnalyzeFile analyses the ELF file at path.
func AnalyzeFile(path string) (*Analysis, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("analyse %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("analyse %s: %w", path, err)
	}
	a, err := analyzeSafe(io.NewSectionReader(f, 0, fi.Size()))
	if err != nil {
		return nil, fmt.Errorf("analyse %s: %w", path, err)
	}
	return a, nil
}

// analyzeSafe is analyze behind the recover safety net of safely.
func analyzeSafe(r io.ReaderAt) (a *Analysis, err error) {
	err = safely(func() error {
		a, err = analyze(r)
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// analyze is Analyze without the recover safety net (the fuzz test calls it
// directly so that a panic is reported).
func analyze(r io.ReaderAt) (*Analysis, error) {
	img, err := openImage(r)
	if err != nil {
		return nil, err
	}
	id, err := img.buildID()
	if err != nil {
		return nil, err
	}
	return img.analyze(id)
}

// analyze finds the sites of an opened image whose build-id is already known.
func (img *image) analyze(buildID string) (*Analysis, error) {
	a := &Analysis{BuildID: buildID}
	if err := img.loadExec(); err != nil {
		return nil, err
	}
	for _, i := range img.exec {
		a.TextBytes += int64(img.loads[i].filesz)
	}
	cands := img.findCandidates()
	a.Candidates = len(cands)
	if len(cands) == 0 {
		return a, nil
	}
	sites, err := img.classify(cands, img.functions(cands), a.TextBytes)
	if err != nil {
		return nil, err
	}
	a.Sites = sites
	return a, nil
}
