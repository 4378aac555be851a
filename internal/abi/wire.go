package abi

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// Every message, either way, is one SOCK_SEQPACKET datagram: a Header and
// Header.Length bytes of payload. Integers are little-endian.

const (
	Magic   = 0x5346565a // "ZVFS"
	Version = 1
	// MaxMessage bounds a datagram in either direction.
	MaxMessage = 4 << 20
)

// Message types.
const (
	MsgHello  = 1 // stub → supervisor: HelloFixed + text of /proc/self/maps
	MsgSites  = 2 // supervisor → stub: SitesFixed + Ranges + site addresses + paths; repeated while SitesMore
	MsgReport = 3 // stub → supervisor: ReportFixed + counters
	MsgAck    = 4 // supervisor → stub: AckFixed
	MsgKey    = 9 // stub → supervisor, first on every connection: the run's key (KeySize bytes); not answered
)

// The run's key: only processes of the run hold it (in EnvSocket, which
// the stub carries across exec), and the supervisor serves a connection
// only after its first datagram gave it. The socket itself is reachable by
// every user, so that processes of the run that change their uid still
// reach it; /proc/net/unix shows its path to anyone.
const (
	KeySize = 16
	// KeyPrefix is how many bytes of EnvSocket's value come before the
	// socket path: the key in hexadecimal and a '@'.
	KeyPrefix = 2*KeySize + 1
)

// SocketEnv is EnvSocket's value for a key and a socket path.
func SocketEnv(key [KeySize]byte, path string) string {
	return hex.EncodeToString(key[:]) + "@" + path
}

// Header starts every message.
type Header struct {
	Magic   uint32
	Version uint16
	Type    uint16
	Length  uint32 // payload bytes after the header
	Pid     int32  // sender's pid as it sees it (informational; SO_PEERCRED decides)
}

// HelloFixed starts a MsgHello payload; MapsLen bytes of maps text follow.
type HelloFixed struct {
	StubAddr uint64 // an address inside the stub's text, so its mapping is never patched
	MapsLen  uint32
	Flags    uint32
}

// SitesFixed starts a MsgSites payload; NRanges Range records follow, then
// NSites uint64 site addresses, grouped by range in range order, then StrLen
// bytes of NUL-terminated paths that ranges refer to.
type SitesFixed struct {
	NRanges uint32
	NSites  uint32
	Flags   uint32 // SitesMore, SitesWantReports, SitesNeedNet
	StrLen  uint32
}

// Sites flags.
const (
	SitesMore        = 1 << 0 // another MsgSites follows
	SitesWantReports = 1 << 1 // send MsgReport at exit and exec
	// SitesNeedNet: a mapping holds a site left unpatched that may make a
	// file call; the process must carry the seccomp net.
	SitesNeedNet = 1 << 2
)

// Range is one executable mapping to patch. When PathLen is non-zero the
// stub maps [Start, End) afresh from that file (an already rewritten copy of
// the mapped file) at FileOffset with protection Prot; otherwise, or if that
// fails, it makes the range writable, rewrites its sites, and restores Prot.
type Range struct {
	Start      uint64
	End        uint64
	FileOffset uint64
	Prot       uint32 // PROT_* bits
	NSites     uint32
	PathOff    uint32 // into the string table
	PathLen    uint32 // without the NUL; 0: no copy
}

// ReportFixed starts a MsgReport payload; NSlots+1 uint64 counters follow.
type ReportFixed struct {
	Reason uint32 // ReportExit, ReportExec
	NSlots uint32
}

// Report reasons.
const (
	ReportExit = 1
	ReportExec = 2
)

// AckFixed is a MsgAck payload.
type AckFixed struct {
	Status int32
	_      uint32
}

// Sizes of the fixed parts, checked against the generated C header.
const (
	HeaderSize      = 16
	HelloFixedSize  = 16
	SitesFixedSize  = 16
	RangeSize       = 40
	ReportFixedSize = 8
	AckFixedSize    = 8
)

var le = binary.LittleEndian

// ErrMessage is wrapped by every decoding error.
var ErrMessage = errors.New("malformed message")

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMessage, fmt.Sprintf(format, args...))
}

// AppendHeader appends a header for a payload of n bytes.
func AppendHeader(b []byte, typ uint16, n int, pid int32) []byte {
	b = le.AppendUint32(b, Magic)
	b = le.AppendUint16(b, Version)
	b = le.AppendUint16(b, typ)
	b = le.AppendUint32(b, uint32(n))
	b = le.AppendUint32(b, uint32(pid))
	return b
}

// DecodeHeader checks a datagram's header and returns it with the payload.
func DecodeHeader(msg []byte) (Header, []byte, error) {
	var h Header
	if len(msg) < HeaderSize {
		return h, nil, bad("%d bytes is shorter than a header", len(msg))
	}
	h.Magic = le.Uint32(msg)
	h.Version = le.Uint16(msg[4:])
	h.Type = le.Uint16(msg[6:])
	h.Length = le.Uint32(msg[8:])
	h.Pid = int32(le.Uint32(msg[12:]))
	if h.Magic != Magic {
		return h, nil, bad("bad magic %#x", h.Magic)
	}
	if h.Version != Version {
		return h, nil, bad("version %d, want %d", h.Version, Version)
	}
	if uint64(h.Length) != uint64(len(msg)-HeaderSize) {
		return h, nil, bad("length field %d but %d payload bytes", h.Length, len(msg)-HeaderSize)
	}
	return h, msg[HeaderSize:], nil
}

// Hello is a decoded MsgHello.
type Hello struct {
	StubAddr uint64
	Flags    uint32
	Maps     []byte
}

// DecodeHello decodes a MsgHello payload.
func DecodeHello(p []byte) (Hello, error) {
	if len(p) < HelloFixedSize {
		return Hello{}, bad("hello: %d bytes", len(p))
	}
	h := Hello{StubAddr: le.Uint64(p), Flags: le.Uint32(p[12:])}
	n := le.Uint32(p[8:])
	if uint64(n) != uint64(len(p)-HelloFixedSize) {
		return Hello{}, bad("hello: maps length %d but %d bytes", n, len(p)-HelloFixedSize)
	}
	h.Maps = p[HelloFixedSize:]
	return h, nil
}

// EncodeHello builds a whole MsgHello datagram (used by tests and fuzz seeds;
// the stub builds its own).
func EncodeHello(pid int32, h Hello) []byte {
	b := AppendHeader(nil, MsgHello, HelloFixedSize+len(h.Maps), pid)
	b = le.AppendUint64(b, h.StubAddr)
	b = le.AppendUint32(b, uint32(len(h.Maps)))
	b = le.AppendUint32(b, h.Flags)
	return append(b, h.Maps...)
}

// Report is a decoded MsgReport.
type Report struct {
	Reason uint32
	Counts []uint64 // NSlots+1 entries; the last is "other"
}

// DecodeReport decodes a MsgReport payload.
func DecodeReport(p []byte) (Report, error) {
	if len(p) < ReportFixedSize {
		return Report{}, bad("report: %d bytes", len(p))
	}
	r := Report{Reason: le.Uint32(p)}
	if r.Reason != ReportExit && r.Reason != ReportExec {
		return Report{}, bad("report: reason %d", r.Reason)
	}
	n := le.Uint32(p[4:])
	if n != NSlots {
		return Report{}, bad("report: %d slots, want %d", n, NSlots)
	}
	body := p[ReportFixedSize:]
	if len(body) != (NSlots+1)*8 {
		return Report{}, bad("report: %d counter bytes, want %d", len(body), (NSlots+1)*8)
	}
	r.Counts = make([]uint64, NSlots+1)
	for i := range r.Counts {
		r.Counts[i] = le.Uint64(body[8*i:])
	}
	return r, nil
}

// EncodeReport builds a whole MsgReport datagram.
func EncodeReport(pid int32, r Report) []byte {
	b := AppendHeader(nil, MsgReport, ReportFixedSize+(NSlots+1)*8, pid)
	b = le.AppendUint32(b, r.Reason)
	b = le.AppendUint32(b, NSlots)
	for i := 0; i <= NSlots; i++ {
		var c uint64
		if i < len(r.Counts) {
			c = r.Counts[i]
		}
		b = le.AppendUint64(b, c)
	}
	return b
}

// PatchRange is one range of a sites answer with its addresses.
type PatchRange struct {
	Start, End uint64
	FileOffset uint64
	Prot       uint32
	Sites      []uint64
	Path       string // rewritten copy to map, "" for none
}

// EncodeSites splits a sites answer into datagrams of at most maxSites
// addresses each; every datagram but the last carries SitesMore.
func EncodeSites(ranges []PatchRange, flags uint32, maxSites int) [][]byte {
	if maxSites <= 0 {
		maxSites = 1
	}
	// Cut the ranges into datagrams of at most maxSites addresses: a range
	// split across datagrams appears in each with its share of the sites.
	var chunks [][]PatchRange
	var cur []PatchRange
	n := 0
	for _, r := range ranges {
		for sites := r.Sites; len(sites) > 0; {
			k := min(len(sites), maxSites-n)
			piece := r
			piece.Sites = sites[:k]
			cur = append(cur, piece)
			sites, n = sites[k:], n+k
			if n == maxSites {
				chunks, cur, n = append(chunks, cur), nil, 0
			}
		}
	}
	if len(cur) > 0 || len(chunks) == 0 {
		chunks = append(chunks, cur)
	}
	out := make([][]byte, len(chunks))
	for i, c := range chunks {
		f := flags
		if i < len(chunks)-1 {
			f |= SitesMore
		}
		out[i] = encodeSitesDatagram(c, f)
	}
	return out
}

func encodeSitesDatagram(rs []PatchRange, flags uint32) []byte {
	total := 0
	var strs []byte
	offs := make([]int, len(rs))
	for i, r := range rs {
		total += len(r.Sites)
		offs[i] = len(strs)
		if r.Path != "" {
			strs = append(append(strs, r.Path...), 0)
		}
	}
	b := AppendHeader(nil, MsgSites, SitesFixedSize+len(rs)*RangeSize+total*8+len(strs), 0)
	b = le.AppendUint32(b, uint32(len(rs)))
	b = le.AppendUint32(b, uint32(total))
	b = le.AppendUint32(b, flags)
	b = le.AppendUint32(b, uint32(len(strs)))
	for i, r := range rs {
		b = le.AppendUint64(b, r.Start)
		b = le.AppendUint64(b, r.End)
		b = le.AppendUint64(b, r.FileOffset)
		b = le.AppendUint32(b, r.Prot)
		b = le.AppendUint32(b, uint32(len(r.Sites)))
		b = le.AppendUint32(b, uint32(offs[i]))
		b = le.AppendUint32(b, uint32(len(r.Path)))
	}
	for _, r := range rs {
		for _, s := range r.Sites {
			b = le.AppendUint64(b, s)
		}
	}
	return append(b, strs...)
}

// DecodeSites decodes a MsgSites payload (the supervisor's own answer; used by
// tests to check what the stub will see).
func DecodeSites(p []byte) ([]PatchRange, uint32, error) {
	if len(p) < SitesFixedSize {
		return nil, 0, bad("sites: %d bytes", len(p))
	}
	nr, ns, flags, sl := le.Uint32(p), le.Uint32(p[4:]), le.Uint32(p[8:]), le.Uint32(p[12:])
	want := uint64(SitesFixedSize) + uint64(nr)*RangeSize + uint64(ns)*8 + uint64(sl)
	if want != uint64(len(p)) {
		return nil, 0, bad("sites: %d ranges, %d sites and %d string bytes need %d bytes, have %d", nr, ns, sl, want, len(p))
	}
	strs := p[len(p)-int(sl):]
	rs := make([]PatchRange, nr)
	counts := make([]uint32, nr)
	off := SitesFixedSize
	total := uint64(0)
	for i := range rs {
		rs[i].Start = le.Uint64(p[off:])
		rs[i].End = le.Uint64(p[off+8:])
		rs[i].FileOffset = le.Uint64(p[off+16:])
		rs[i].Prot = le.Uint32(p[off+24:])
		counts[i] = le.Uint32(p[off+28:])
		po, pl := uint64(le.Uint32(p[off+32:])), uint64(le.Uint32(p[off+36:]))
		if pl > 0 {
			if po+pl >= uint64(len(strs)) || strs[po+pl] != 0 {
				return nil, 0, bad("sites: range %d path [%d,+%d) outside the %d-byte string table", i, po, pl, len(strs))
			}
			rs[i].Path = string(strs[po : po+pl])
		}
		total += uint64(counts[i])
		off += RangeSize
	}
	if total != uint64(ns) {
		return nil, 0, bad("sites: ranges hold %d sites, header says %d", total, ns)
	}
	for i := range rs {
		rs[i].Sites = make([]uint64, counts[i])
		for j := range rs[i].Sites {
			rs[i].Sites[j] = le.Uint64(p[off:])
			off += 8
		}
	}
	return rs, flags, nil
}

// EncodeAck builds a MsgAck datagram.
func EncodeAck(status int32) []byte {
	b := AppendHeader(nil, MsgAck, AckFixedSize, 0)
	b = le.AppendUint32(b, uint32(status))
	return le.AppendUint32(b, 0)
}
