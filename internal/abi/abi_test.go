package abi

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"unsafe"
)

func TestFixedSizes(t *testing.T) {
	for _, c := range []struct {
		v    any
		want int
	}{
		{Header{}, HeaderSize}, {HelloFixed{}, HelloFixedSize}, {SitesFixed{}, SitesFixedSize},
		{Range{}, RangeSize}, {ReportFixed{}, ReportFixedSize}, {AckFixed{}, AckFixedSize},
		{CallFixed{}, CallFixedSize}, {ReplyFixed{}, ReplyFixedSize},
		{HookFixed{}, HookFixedSize}, {HookDoneFixed{}, HookDoneFixedSize}, {RewriteFixed{}, RewriteFixedSize}, {ChanHeader{}, ChanHeaderSize},
	} {
		if got := int(reflect.TypeOf(c.v).Size()); got != c.want {
			t.Errorf("%T: size %d, constant says %d", c.v, got, c.want)
		}
	}
	_ = unsafe.Sizeof(Header{})
}

func TestLayoutFits(t *testing.T) {
	if ClassTableAddr+NSlots > ZeroAddr || ZeroAddr+8 > DataAddr+0x1000 {
		t.Fatal("class table overlaps the zero qword or leaves the data page")
	}
	if SledSize%8 != 0 || SledSize+13 > DataAddr {
		t.Fatal("sled and jump do not fit the trampoline page")
	}
}

func TestSitesRoundTrip(t *testing.T) {
	ranges := []PatchRange{
		{Start: 0x1000, End: 0x3000, FileOffset: 0x2000, Prot: 5, Sites: []uint64{0x1010, 0x1020, 0x2000}, Path: "/cache/x.so"},
		{Start: 0x7000, End: 0x8000, Prot: 5, Sites: []uint64{0x7001}},
	}
	msgs := EncodeSites(ranges, SitesWantReports, 2)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	var got []uint64
	for i, m := range msgs {
		h, p, err := DecodeHeader(m)
		if err != nil || h.Type != MsgSites {
			t.Fatalf("header: %v %+v", err, h)
		}
		rs, flags, err := DecodeSites(p)
		if err != nil {
			t.Fatal(err)
		}
		if more := flags&SitesMore != 0; more != (i == 0) {
			t.Errorf("message %d: more=%v", i, more)
		}
		for _, r := range rs {
			got = append(got, r.Sites...)
			if r.Start == 0x1000 && (r.Path != "/cache/x.so" || r.FileOffset != 0x2000) {
				t.Errorf("range %+v lost its path or offset", r)
			}
		}
	}
	if !reflect.DeepEqual(got, []uint64{0x1010, 0x1020, 0x2000, 0x7001}) {
		t.Errorf("sites %x", got)
	}
}

func TestReportRoundTrip(t *testing.T) {
	c := make([]uint64, NSlots+1)
	c[39], c[NSlots] = 7, 2
	m := EncodeReport(42, Report{Reason: ReportExit, Counts: c})
	h, p, err := DecodeHeader(m)
	if err != nil || h.Pid != 42 {
		t.Fatal(err, h)
	}
	r, err := DecodeReport(p)
	if err != nil || !reflect.DeepEqual(r.Counts, c) {
		t.Fatal(err)
	}
}

func TestCHeaderHasTable(t *testing.T) {
	h := CHeader()
	for _, want := range []string{"struct abi_header", "abi_class_table", "#define ABI_NSLOTS", "stub_addr"} {
		if !bytes.Contains(h, []byte(want)) {
			t.Errorf("header lacks %q", want)
		}
	}
}

// FuzzDecode feeds arbitrary datagrams to every decoder the supervisor runs on
// stub input: none may panic, and every error must wrap ErrMessage.
func FuzzDecode(f *testing.F) {
	f.Add(EncodeHello(1, Hello{StubAddr: 0x7f0000001000, Maps: []byte("00400000-00401000 r-xp 00000000 08:01 1 /bin/true\n")}))
	f.Add(EncodeReport(1, Report{Reason: ReportExec, Counts: make([]uint64, NSlots+1)}))
	f.Add(EncodeAck(0))
	f.Add(EncodeCall(1, Call{Nr: 257, Flags: CallPath1, Args: [6]uint64{0xffffff9c, 0x1000, 0x241, 0644}, Umask: 022, Path1: "/data/x"}))
	f.Add(EncodeCall(1, Call{Nr: 82, Flags: CallPath1 | CallPath2 | CallFd2, Path1: "/data/a", Path2: "b"}))
	f.Add(EncodeCall(1, Call{Nr: 263, Flags: CallPath1 | CallDir1, Path1: "/data/d/x", Dir1Len: 7, Dir1Dev: 31, Dir1Ino: 5}))
	f.Add(EncodeHook(HookCall{Nr: 0, Tid: 9, Args: [6]uint64{3, 0x7ffd0000, 4096}}))
	f.Add(EncodeHookDone(1, -2))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, msg []byte) {
		h, p, err := DecodeHeader(msg)
		if err != nil {
			if !errors.Is(err, ErrMessage) {
				t.Fatalf("error %v does not wrap ErrMessage", err)
			}
			return
		}
		var derr error
		switch h.Type {
		case MsgHello:
			_, derr = DecodeHello(p)
		case MsgReport:
			_, derr = DecodeReport(p)
		case MsgSites:
			_, _, derr = DecodeSites(p)
		case MsgCall:
			var c Call
			c, derr = DecodeCall(p)
			if derr == nil {
				// What decodes must encode back to the same bytes, but
				// for the bits of the umask the decoder drops.
				again, err := DecodeCall(EncodeCall(h.Pid, c)[HeaderSize:])
				if err != nil || again.Path1 != c.Path1 || again.Path2 != c.Path2 || again.Args != c.Args || again.Nr != c.Nr ||
					again.Dir1Len != c.Dir1Len || again.Dir1Dev != c.Dir1Dev || again.Dir1Ino != c.Dir1Ino {
					t.Fatalf("call does not round-trip: %+v → %+v (%v)", c, again, err)
				}
			}
		case MsgHook:
			var c HookCall
			c, derr = DecodeHook(p)
			if derr == nil {
				if again, err := DecodeHook(EncodeHook(c)[HeaderSize:]); err != nil || again != c {
					t.Fatalf("hook call does not round-trip: %+v → %+v (%v)", c, again, err)
				}
			}
		case MsgHookDone:
			_, _, derr = DecodeHookDone(p)
		}
		if derr != nil && !errors.Is(derr, ErrMessage) {
			t.Fatalf("error %v does not wrap ErrMessage", derr)
		}
	})
}

func TestCallRoundTrip(t *testing.T) {
	c := Call{Nr: 316, Flags: CallPath1 | CallPath2 | CallFd1, Args: [6]uint64{1, 2, 3, 4, 5, 6}, Umask: 027, Path1: "rel/a", Path2: "/data/b"}
	msg := EncodeCall(7, c)
	h, p, err := DecodeHeader(msg)
	if err != nil || h.Type != MsgCall {
		t.Fatalf("header: %+v %v", h, err)
	}
	got, err := DecodeCall(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Nr != c.Nr || got.Flags != c.Flags || got.Args != c.Args || got.Umask != c.Umask || got.Path1 != c.Path1 || got.Path2 != c.Path2 {
		t.Fatalf("got %+v, want %+v", got, c)
	}
	bad := [][]byte{
		p[:CallFixedSize-1],
		append(append([]byte{}, p...), 'x'), // a byte the lengths do not account for
	}
	withNul := EncodeCall(7, Call{Path1: "a\x00b"})[HeaderSize:]
	bad = append(bad, withNul)
	badFlags := append([]byte{}, p...)
	badFlags[4] = 0xff
	bad = append(bad, badFlags)
	// CallDir1 with a directory longer than the path, of no length, with a
	// descriptor, or without a path.
	for _, c := range []Call{
		{Flags: CallPath1 | CallDir1, Path1: "/d/x", Dir1Len: 5},
		{Flags: CallPath1 | CallDir1, Path1: "/d/x"},
		{Flags: CallPath1 | CallDir1 | CallFd1, Path1: "/d/x", Dir1Len: 2},
		{Flags: CallDir1, Dir1Len: 1},
	} {
		bad = append(bad, EncodeCall(7, c)[HeaderSize:])
	}
	d1 := Call{Nr: 263, Flags: CallPath1 | CallDir1, Path1: "/data/d/x", Dir1Len: 7, Dir1Dev: 31, Dir1Ino: 5}
	if got, err := DecodeCall(EncodeCall(7, d1)[HeaderSize:]); err != nil || got.Dir1Len != 7 || got.Dir1Dev != 31 || got.Dir1Ino != 5 {
		t.Errorf("CallDir1: %+v %v", got, err)
	}
	for i, b := range bad {
		if _, err := DecodeCall(b); !errors.Is(err, ErrMessage) {
			t.Errorf("case %d: err %v, want ErrMessage", i, err)
		}
	}
}

func TestHookSet(t *testing.T) {
	var s HookSet
	s.Add(0)
	s.Add(257)
	s.Add(15) // rt_sigreturn: never hooked
	s.Add(NSlots)
	got, ok := ParseHookSet(s.String())
	if !ok || got != s || !got.Has(0) || !got.Has(257) || got.Has(15) || got.Has(1) {
		t.Fatalf("set %v, parsed %v %v", s, got, ok)
	}
	var forged HookSet
	forged[15/8] |= 1 << (15 % 8)
	if got, ok := ParseHookSet(forged.String()); !ok || !got.Empty() {
		t.Errorf("rt_sigreturn survived parsing: %v", got)
	}
	for _, v := range []string{"", "zz", s.String()[2:]} {
		if _, ok := ParseHookSet(v); ok {
			t.Errorf("ParseHookSet(%q) accepted", v)
		}
	}
	if _, err := DecodeHook(EncodeHook(HookCall{Nr: 15})[HeaderSize:]); !errors.Is(err, ErrMessage) {
		t.Errorf("a hooked rt_sigreturn decoded: %v", err)
	}
	tok, ret, err := DecodeHookDone(EncodeHookDone(7, -13)[HeaderSize:])
	if err != nil || tok != 7 || ret != -13 {
		t.Errorf("done: %d %d %v", tok, ret, err)
	}
}
