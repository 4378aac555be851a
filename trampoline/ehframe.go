// This file holds the unwind-table reader: function ranges from the
// .eh_frame_hdr binary search table (or a walk of .eh_frame when there is no
// header), including the DW_EH_PE pointer encodings and the CIE augmentation
// data needed to find an FDE's pointer encoding.

package trampoline

import (
	"debug/elf"
	"encoding/binary"
	"strings"
)

// DW_EH_PE pointer encodings (low nibble: format, high bits: application).
const (
	peAbsptr   = 0x00
	peUleb128  = 0x01
	peUdata2   = 0x02
	peUdata4   = 0x03
	peUdata8   = 0x04
	peSleb128  = 0x09
	peSdata2   = 0x0a
	peSdata4   = 0x0b
	peSdata8   = 0x0c
	pePcrel    = 0x10
	peTextrel  = 0x20
	peDatarel  = 0x30
	peFuncrel  = 0x40
	peAligned  = 0x50
	peIndirect = 0x80
	peOmit     = 0xff
)

// maxEhBytes bounds the unwind data read from one file.
const maxEhBytes = 256 << 20

// ehBuf is a byte buffer mapped at a virtual address, so that pc-relative
// pointers can be resolved.
type ehBuf struct {
	b    []byte
	addr uint64 // virtual address of b[0]
}

func (e *ehBuf) u32(pos int) (uint32, bool) {
	if pos < 0 || pos > len(e.b)-4 {
		return 0, false
	}
	return binary.LittleEndian.Uint32(e.b[pos:]), true
}

func (e *ehBuf) u64(pos int) (uint64, bool) {
	if pos < 0 || pos > len(e.b)-8 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(e.b[pos:]), true
}

func (e *ehBuf) uleb(pos int) (uint64, int, bool) {
	var v uint64
	for shift := uint(0); pos >= 0 && pos < len(e.b) && shift < 64; shift += 7 {
		c := e.b[pos]
		pos++
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, pos, true
		}
	}
	return 0, pos, false
}

func (e *ehBuf) sleb(pos int) (int64, int, bool) {
	var v int64
	for shift := uint(0); pos >= 0 && pos < len(e.b) && shift < 64; shift += 7 {
		c := e.b[pos]
		pos++
		v |= int64(c&0x7f) << shift
		if c&0x80 == 0 {
			if shift+7 < 64 && c&0x40 != 0 {
				v |= -1 << (shift + 7)
			}
			return v, pos, true
		}
	}
	return 0, pos, false
}

// readFormat reads a value in the format given by the low nibble of enc (the
// application bits are ignored; an FDE's pc_range is read this way).
func (e *ehBuf) readFormat(pos int, enc byte) (uint64, int, bool) {
	switch enc & 0x0f {
	case peAbsptr, peUdata8, peSdata8:
		v, ok := e.u64(pos)
		return v, pos + 8, ok
	case peUdata4:
		v, ok := e.u32(pos)
		return uint64(v), pos + 4, ok
	case peSdata4:
		v, ok := e.u32(pos)
		return uint64(int64(int32(v))), pos + 4, ok
	case peUdata2, peSdata2:
		if pos < 0 || pos > len(e.b)-2 {
			return 0, pos, false
		}
		v := binary.LittleEndian.Uint16(e.b[pos:])
		if enc&0x0f == peSdata2 {
			return uint64(int64(int16(v))), pos + 2, true
		}
		return uint64(v), pos + 2, true
	case peUleb128:
		return e.uleb(pos)
	case peSleb128:
		v, next, ok := e.sleb(pos)
		return uint64(v), next, ok
	}
	return 0, pos, false
}

// fixedSize returns the byte size of a fixed-size format, or 0.
func fixedSize(enc byte) int {
	switch enc & 0x0f {
	case peAbsptr, peUdata8, peSdata8:
		return 8
	case peUdata4, peSdata4:
		return 4
	case peUdata2, peSdata2:
		return 2
	}
	return 0
}

// readEncoded reads a pointer encoded with enc at pos. dataBase is the base
// for DW_EH_PE_datarel. ok is false for DW_EH_PE_omit, for encodings this
// reader does not resolve (textrel, funcrel, indirect) and on truncation;
// next is still valid when only the application is unsupported, so callers can
// skip the value.
func (e *ehBuf) readEncoded(pos int, enc byte, dataBase uint64) (v uint64, next int, ok bool) {
	if enc == peOmit {
		return 0, pos, false
	}
	field := e.addr + uint64(pos)
	if enc&0x70 == peAligned {
		aligned := (field + 7) &^ 7
		pos += int(aligned - field)
		v, ok := e.u64(pos)
		return v, pos + 8, ok && enc&peIndirect == 0
	}
	v, next, ok = e.readFormat(pos, enc)
	if !ok {
		return 0, next, false
	}
	switch enc & 0x70 {
	case peAbsptr:
	case pePcrel:
		v += field
	case peDatarel:
		v += dataBase
	default: // textrel, funcrel: not used on x86-64 Linux
		return 0, next, false
	}
	if enc&peIndirect != 0 {
		return 0, next, false
	}
	return v, next, true
}

// skipEncoded returns the position after a pointer encoded with enc at pos,
// whatever its application.
func (e *ehBuf) skipEncoded(pos int, enc byte) (int, bool) {
	if enc == peOmit {
		return pos, true
	}
	if enc&0x70 == peAligned {
		field := e.addr + uint64(pos)
		pos += int((field+7)&^7-field) + 8
		return pos, pos <= len(e.b)
	}
	_, next, ok := e.readFormat(pos, enc)
	return next, ok
}

// cieInfo is what an FDE needs from its CIE.
type cieInfo struct {
	fdeEnc byte
	ok     bool
}

// ehFrame is the .eh_frame contents with a cache of parsed CIEs.
type ehFrame struct {
	ehBuf
	cies map[int]cieInfo
}

// entryHeader reads the length field of the CIE or FDE at p. It returns the
// position of the CIE id / CIE pointer field, its size (4 or 8), the end of the
// entry and whether the entry is a zero terminator.
func (e *ehFrame) entryHeader(p int) (idPos, idSize, end int, zero, ok bool) {
	l32, ok := e.u32(p)
	if !ok {
		return 0, 0, 0, false, false
	}
	if l32 == 0 {
		return 0, 0, p + 4, true, true
	}
	length := uint64(l32)
	idPos, idSize = p+4, 4
	if l32 == 0xffffffff {
		l64, ok := e.u64(p + 4)
		if !ok {
			return 0, 0, 0, false, false
		}
		length, idPos, idSize = l64, p+12, 8
	}
	if length > uint64(len(e.b)-idPos) || length < uint64(idSize) {
		return 0, 0, 0, false, false
	}
	return idPos, idSize, idPos + int(length), false, true
}

// cie parses the CIE at p (cached).
func (e *ehFrame) cie(p int) cieInfo {
	if c, seen := e.cies[p]; seen {
		return c
	}
	c := e.parseCIE(p)
	e.cies[p] = c
	return c
}

// entryID reads an entry's CIE id / CIE pointer field (0 marks a CIE).
func (e *ehFrame) entryID(pos, size int) uint64 {
	if size == 4 {
		v, _ := e.u32(pos)
		return uint64(v)
	}
	v, _ := e.u64(pos)
	return v
}

func (e *ehFrame) parseCIE(p int) cieInfo {
	idPos, idSize, end, zero, ok := e.entryHeader(p)
	if !ok || zero {
		return cieInfo{}
	}
	if e.entryID(idPos, idSize) != 0 {
		return cieInfo{}
	}
	sub := ehBuf{b: e.b[:end], addr: e.addr} // bounds reads to this entry
	pos := idPos + idSize
	if pos >= end {
		return cieInfo{}
	}
	version := sub.b[pos]
	pos++
	augEnd := pos
	for augEnd < end && sub.b[augEnd] != 0 {
		augEnd++
	}
	if augEnd >= end {
		return cieInfo{}
	}
	aug := string(sub.b[pos:augEnd])
	pos = augEnd + 1
	if strings.HasPrefix(aug, "eh") { // old GCC: eh_ptr follows
		pos += 8
		aug = aug[2:]
	}
	if _, pos, ok = sub.uleb(pos); !ok { // code alignment
		return cieInfo{}
	}
	if _, pos, ok = sub.sleb(pos); !ok { // data alignment
		return cieInfo{}
	}
	if version == 1 { // return address register
		pos++
	} else if _, pos, ok = sub.uleb(pos); !ok {
		return cieInfo{}
	}
	c := cieInfo{fdeEnc: peAbsptr, ok: true}
	if aug == "" {
		return c
	}
	if aug[0] != 'z' {
		return cieInfo{} // unknown augmentation: the FDE layout is unknown
	}
	if _, pos, ok = sub.uleb(pos); !ok { // augmentation data length
		return cieInfo{}
	}
	for i := 1; i < len(aug); i++ {
		switch aug[i] {
		case 'L': // LSDA encoding
			pos++
		case 'P': // personality encoding and pointer
			if pos >= end {
				return cieInfo{}
			}
			next, ok := sub.skipEncoded(pos+1, sub.b[pos])
			if !ok {
				return cieInfo{}
			}
			pos = next
		case 'R': // FDE pointer encoding
			if pos >= end {
				return cieInfo{}
			}
			c.fdeEnc = sub.b[pos]
			pos++
		case 'S', 'B', 'G': // signal frame, AArch64 BTI, MTE: no data
		default:
			// An unknown letter: its data cannot be skipped, but 'R' is
			// conventionally last, so what was read so far stands.
			return c
		}
		if pos > end {
			return cieInfo{}
		}
	}
	return c
}

// fde parses the FDE at p and returns its pc_begin and pc_range.
func (e *ehFrame) fde(p int) (vaRange, bool) {
	idPos, idSize, end, zero, ok := e.entryHeader(p)
	if !ok || zero {
		return vaRange{}, false
	}
	var cptr uint64
	if idSize == 4 {
		v, _ := e.u32(idPos)
		cptr = uint64(v)
	} else {
		cptr, _ = e.u64(idPos)
	}
	if cptr == 0 || cptr > uint64(idPos) {
		return vaRange{}, false // a CIE, or a CIE pointer out of range
	}
	c := e.cie(idPos - int(cptr))
	if !c.ok {
		return vaRange{}, false
	}
	sub := ehBuf{b: e.b[:end], addr: e.addr}
	begin, pos, ok := sub.readEncoded(idPos+idSize, c.fdeEnc, 0)
	if !ok {
		return vaRange{}, false
	}
	size, _, ok := sub.readFormat(pos, c.fdeEnc)
	if !ok || size == 0 {
		return vaRange{}, false
	}
	return vaRange{begin, size}, true
}

// walk returns the ranges of all FDEs in the buffer. sized says whether the
// buffer is exactly the section (zero-length entries are then skipped
// instead of ending the walk).
func (e *ehFrame) walk(sized bool) []vaRange {
	var rs []vaRange
	for p := 0; p < len(e.b); {
		idPos, idSize, end, zero, ok := e.entryHeader(p)
		if !ok {
			break
		}
		if zero {
			if !sized {
				break
			}
			p = end
			continue
		}
		if e.entryID(idPos, idSize) != 0 {
			if r, ok := e.fde(p); ok {
				rs = append(rs, r)
			}
		}
		p = end
	}
	return rs
}

// fdeRanges returns the function ranges described by the file's unwind
// tables. Malformed unwind data is not an error: the ranges that could be
// read are returned, and sites outside them are treated as having no
// function bounds.
func (img *image) fdeRanges() []vaRange {
	hdr, hdrVA, haveHdr := img.ehFrameHdr()
	if haveHdr {
		if rs, ok := img.hdrRanges(hdr, hdrVA); ok {
			return rs
		}
	}
	if s := img.f.Section(".eh_frame"); s != nil && s.Type == elf.SHT_PROGBITS && s.FileSize <= maxEhBytes {
		b, err := img.readAt(s.Offset, s.FileSize)
		if err != nil {
			return nil
		}
		e := &ehFrame{ehBuf: ehBuf{b: b, addr: s.Addr}, cies: map[int]cieInfo{}}
		return e.walk(true)
	}
	return nil
}

// ehFrameHdr returns the contents and address of .eh_frame_hdr, from the
// PT_GNU_EH_FRAME segment or, failing that, the section.
func (img *image) ehFrameHdr() ([]byte, uint64, bool) {
	for _, p := range img.f.Progs {
		if p.Type == elf.PT_GNU_EH_FRAME && p.Filesz >= 4 && p.Filesz <= maxEhBytes {
			if b, err := img.readAt(p.Off, p.Filesz); err == nil {
				return b, p.Vaddr, true
			}
		}
	}
	if s := img.f.Section(".eh_frame_hdr"); s != nil && s.Type == elf.SHT_PROGBITS && s.FileSize >= 4 && s.FileSize <= maxEhBytes {
		if b, err := img.readAt(s.Offset, s.FileSize); err == nil {
			return b, s.Addr, true
		}
	}
	return nil, 0, false
}

// ehFrameAt returns the .eh_frame contents starting at address va: the
// section when its address matches, otherwise the rest of the PT_LOAD
// segment holding va. sized reports whether the end is exact.
func (img *image) ehFrameAt(va uint64) (e *ehFrame, sized bool) {
	if s := img.f.Section(".eh_frame"); s != nil && s.Type == elf.SHT_PROGBITS && s.Addr == va && s.FileSize <= maxEhBytes {
		if b, err := img.readAt(s.Offset, s.FileSize); err == nil {
			return &ehFrame{ehBuf: ehBuf{b: b, addr: va}, cies: map[int]cieInfo{}}, true
		}
	}
	off, avail, ok := img.vaToLoad(va)
	if !ok {
		return nil, false
	}
	b, err := img.readAt(off, min(avail, maxEhBytes))
	if err != nil {
		return nil, false
	}
	return &ehFrame{ehBuf: ehBuf{b: b, addr: va}, cies: map[int]cieInfo{}}, false
}

// hdrRanges reads the binary search table of .eh_frame_hdr. ok is false when
// the header is unusable and .eh_frame should be walked instead.
func (img *image) hdrRanges(hdr []byte, hdrVA uint64) ([]vaRange, bool) {
	h := ehBuf{b: hdr, addr: hdrVA}
	if hdr[0] != 1 {
		return nil, false
	}
	ptrEnc, countEnc, tableEnc := hdr[1], hdr[2], hdr[3]
	ehVA, pos, ok := h.readEncoded(4, ptrEnc, hdrVA)
	if !ok {
		return nil, false
	}
	e, sized := img.ehFrameAt(ehVA)
	if e == nil {
		return nil, false
	}
	count, pos, ok := h.readEncoded(pos, countEnc, hdrVA)
	fs := fixedSize(tableEnc)
	if !ok || tableEnc == peOmit || fs == 0 || tableEnc&peIndirect != 0 || tableEnc&0x70 == peAligned {
		return e.walk(sized), true
	}
	if left := uint64(len(hdr) - pos); count > left/uint64(2*fs) {
		count = left / uint64(2*fs)
	}
	rs := make([]vaRange, 0, count)
	for i := uint64(0); i < count; i++ {
		start, next, ok1 := h.readEncoded(pos, tableEnc, hdrVA)
		fdeVA, next, ok2 := h.readEncoded(next, tableEnc, hdrVA)
		pos = next
		if !ok1 || !ok2 || fdeVA < ehVA || fdeVA-ehVA >= uint64(len(e.b)) {
			continue
		}
		r, ok := e.fde(int(fdeVA - ehVA))
		if !ok {
			continue
		}
		r.start = start // the table's copy; equal to the FDE's pc_begin
		rs = append(rs, r)
	}
	return rs, true
}
