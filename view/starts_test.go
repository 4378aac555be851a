package view

import (
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/zvfs/zvfs/internal/abi"
)

// findStart reads the start table as the stub does (preload/stub/view.c
// view_start): probe from the file's hash to the first unused slot.
func (r *Region) findStart(dev, ino uint64, size, mtime, ctime int64) (offs []uint64, copyPath string, ok bool) {
	h := abi.ViewDataHash(dev, ino)
	for k := uint32(0); k < abi.ViewStarts; k++ {
		v := *r.start((h + k) & (abi.ViewStarts - 1))
		if v.Flags&abi.ViewUsed == 0 {
			return nil, "", false
		}
		if v.Dev != dev || v.Ino != ino {
			continue
		}
		if v.Size != size || v.Mtime != mtime || v.Ctime != ctime {
			return nil, "", false
		}
		blob := r.mem[abi.ViewHeapOff+uintptr(v.BlobOff):][:8*v.NSites+v.CopyLen]
		for i := uint32(0); i < v.NSites; i++ {
			offs = append(offs, binary.LittleEndian.Uint64(blob[8*i:]))
		}
		return offs, string(blob[8*v.NSites:]), true
	}
	return nil, "", false
}

func TestStarts(t *testing.T) {
	r, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	libc := Start{Dev: 2049, Ino: 77, Size: 1 << 20, Mtime: 5, Ctime: 6, Offsets: []uint64{0x10, 0x2000}, Copy: "/cache/libc-copy.so"}
	if !r.PutStart(libc) {
		t.Fatal("PutStart failed")
	}
	offs, cp, ok := r.findStart(2049, 77, 1<<20, 5, 6)
	if !ok || !reflect.DeepEqual(offs, libc.Offsets) || cp != libc.Copy {
		t.Fatalf("found %v %q %v", offs, cp, ok)
	}
	// Another version of the file: the new one replaces the old.
	if _, _, ok := r.findStart(2049, 77, 1<<20, 5, 7); ok {
		t.Error("a file with another ctime was found")
	}
	newer := libc
	newer.Ctime, newer.Offsets, newer.Copy = 7, []uint64{0x30}, ""
	r.PutStart(newer)
	if _, _, ok := r.findStart(2049, 77, 1<<20, 5, 6); ok {
		t.Error("the replaced version is still found")
	}
	if offs, cp, ok := r.findStart(2049, 77, 1<<20, 5, 7); !ok || !reflect.DeepEqual(offs, []uint64{0x30}) || cp != "" {
		t.Errorf("newer: %v %q %v", offs, cp, ok)
	}
	// A file without sites is recorded too: a process mapping it need not ask.
	r.PutStart(Start{Dev: 1, Ino: 2, Size: 3})
	if offs, cp, ok := r.findStart(1, 2, 3, 0, 0); !ok || offs != nil || cp != "" {
		t.Errorf("no sites: %v %q %v", offs, cp, ok)
	}
}

func TestStartsFull(t *testing.T) {
	r, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for i := uint64(0); i < abi.ViewStarts; i++ {
		if !r.PutStart(Start{Dev: 1, Ino: i, Offsets: []uint64{i}}) {
			t.Fatalf("file %d did not fit", i)
		}
	}
	if r.PutStart(Start{Dev: 2, Ino: 1}) {
		t.Error("a full table took one more file")
	}
	// Every file is still found, however long its probe.
	for i := uint64(0); i < abi.ViewStarts; i++ {
		if offs, _, ok := r.findStart(1, i, 0, 0, 0); !ok || len(offs) != 1 || offs[0] != i {
			t.Fatalf("file %d: %v %v", i, offs, ok)
		}
	}
}
