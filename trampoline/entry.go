// entry.go holds the format of the cache's disk entries: one analysis per
// file, in a compact binary form read at every supervisor start (JSON took
// ~0.9 ms to decode libc's 526 sites, a tenth of `zvfs -- /bin/true`).
//
// An entry is the magic, then unsigned varints and strings (a varint
// length, then the bytes): version, key, file size, build-id, text bytes,
// candidates, the number of sites, and each site as its offset's distance
// from the previous one (from 0 for the first), its kind, a flag byte
// (bit 0: patch), its call (a signed varint) and its reason.

package trampoline

import (
	"encoding/binary"
	"errors"
)

const (
	entryMagic   = "zvfs-sites\x00"
	entryVersion = 5 // 2: unwind-gap sites (glibc clone3); 3: per-site red-zone paths; 4: Site.Call; 5: binary
	// entrySuffix ends entry names, which say the format: JSON entries of
	// older versions (.json) are left alone.
	entrySuffix   = ".sites"
	maxEntryBytes = 64 << 20
)

var errBadEntry = errors.New("invalid cache entry")

// entryHeader is what an entry says of the file it describes.
type entryHeader struct {
	key     string
	size    int64
	buildID string
}

// encodeEntry is the disk entry of analysis a of the file h describes.
func encodeEntry(h entryHeader, a *Analysis) []byte {
	b := []byte(entryMagic)
	b = binary.AppendUvarint(b, entryVersion)
	b = appendString(b, h.key)
	b = binary.AppendUvarint(b, uint64(h.size))
	b = appendString(b, h.buildID)
	b = binary.AppendUvarint(b, uint64(a.TextBytes))
	b = binary.AppendUvarint(b, uint64(a.Candidates))
	b = binary.AppendUvarint(b, uint64(len(a.Sites)))
	prev := uint64(0)
	for _, s := range a.Sites {
		b = binary.AppendUvarint(b, s.Offset-prev)
		prev = s.Offset
		flags := byte(0)
		if s.Patch {
			flags = 1
		}
		b = append(b, byte(s.Kind), flags)
		b = binary.AppendVarint(b, int64(s.Call))
		b = appendString(b, s.Reason)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// entryReader reads an entry's fields; the first malformed one sets bad,
// and every later read gives zero.
type entryReader struct {
	b   []byte
	bad bool
}

func (r *entryReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 || r.bad {
		r.bad = true
		return 0
	}
	r.b = r.b[n:]
	return v
}

// varint reads what binary.AppendVarint wrote: a zigzag-coded uvarint.
func (r *entryReader) varint() int64 {
	u := r.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (r *entryReader) byte() byte {
	if len(r.b) == 0 || r.bad {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *entryReader) string() string {
	n := r.uvarint()
	if r.bad || n > uint64(len(r.b)) {
		r.bad = true
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

// decodeEntry parses and validates a disk entry, which must describe the
// file h says.
func decodeEntry(b []byte, h entryHeader) (*Analysis, error) {
	if len(b) < len(entryMagic) || string(b[:len(entryMagic)]) != entryMagic {
		return nil, errBadEntry
	}
	r := &entryReader{b: b[len(entryMagic):]}
	if r.uvarint() != entryVersion || r.string() != h.key || r.uvarint() != uint64(h.size) || r.string() != h.buildID || r.bad {
		return nil, errBadEntry
	}
	a := &Analysis{BuildID: h.buildID}
	text, cands, n := r.uvarint(), r.uvarint(), r.uvarint()
	// Each site takes at least four bytes: no count can ask for more
	// memory than the entry's size.
	if r.bad || h.size < 0 || text > uint64(h.size) || n > cands || n > uint64(len(r.b))/4 || cands > uint64(h.size) {
		return nil, errBadEntry
	}
	a.TextBytes, a.Candidates = int64(text), int(cands)
	if n > 0 {
		a.Sites = make([]Site, n)
	}
	off := uint64(0)
	for i := range a.Sites {
		d := r.uvarint()
		k, flags, call, reason := Kind(r.byte()), r.byte(), r.varint(), r.string()
		off += d
		patch := flags == 1
		if r.bad || (i > 0 && d == 0) || off < d || off >= uint64(h.size) || (k != KindSyscall && k != KindSysenter) ||
			flags > 1 || patch != (reason == "") || (patch && k != KindSyscall) || call < CallUnknown || call > 1<<20 {
			return nil, errBadEntry
		}
		a.Sites[i] = Site{Offset: off, Kind: k, Patch: patch, Reason: reason, Call: int(call)}
	}
	if len(r.b) != 0 {
		return nil, errBadEntry
	}
	return a, nil
}
