package view

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"

	"github.com/zvfs/zvfs/internal/abi"
)

// find is the stub's reader (preload/stub/view.c) in Go: one lookup in one
// consistent state of the view, or ok false if the state kept changing.
func (r *Region) find(p string) (e abi.ViewEntry, target string, hit, ok bool) {
	h := abi.ViewHash(p)
	for tries := 0; tries < 1000; tries++ {
		s1 := atomic.LoadUint32(r.seq())
		if s1&1 != 0 {
			continue
		}
		hit = false
		idx := atomic.LoadUint32(r.bucket(h))
		for steps := 0; idx != 0 && steps < 4096 && idx <= abi.ViewEntries; steps++ {
			v := r.entry(idx - 1)
			off, n := v.PathOff, v.PathLen
			if v.Hash == h && int(n) == len(p) && uint64(off)+uint64(n) <= abi.ViewHeapSize &&
				string(r.mem[abi.ViewHeapOff+uintptr(off):abi.ViewHeapOff+uintptr(off)+uintptr(n)]) == p {
				e = *v
				hit = true
				if uint64(e.TargetOff)+uint64(e.TargetLen) <= abi.ViewHeapSize {
					target = string(r.mem[abi.ViewHeapOff+uintptr(e.TargetOff) : abi.ViewHeapOff+uintptr(e.TargetOff)+uintptr(e.TargetLen)])
				}
				break
			}
			idx = atomic.LoadUint32(&v.Next)
		}
		if atomic.LoadUint32(r.seq()) == s1 {
			return e, target, hit, true
		}
	}
	return e, target, false, false
}

func TestPutRemove(t *testing.T) {
	r, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Begin()
	for i := 0; i < 1000; i++ {
		if !r.Put(fmt.Sprintf("/data/f%d", i), Entry{Mode: 0100644, Ino: uint64(i), Target: fmt.Sprint("t", i)}) {
			t.Fatal("full")
		}
	}
	for i := 0; i < 1000; i += 2 {
		r.Remove(fmt.Sprintf("/data/f%d", i))
	}
	r.Put("/data/f1", Entry{Mode: 0120777, Ino: 77, Target: "a much longer target than before, in another class"})
	r.End()
	for i := 0; i < 1000; i++ {
		e, target, hit, ok := r.find(fmt.Sprintf("/data/f%d", i))
		switch {
		case !ok:
			t.Fatal("no consistent state")
		case i%2 == 0 && hit:
			t.Errorf("f%d: removed but found", i)
		case i == 1 && (!hit || e.Ino != 77 || target != "a much longer target than before, in another class"):
			t.Errorf("f1: replaced entry reads %+v %q", e, target)
		case i%2 == 1 && i != 1 && (!hit || e.Ino != uint64(i) || target != fmt.Sprint("t", i) || e.Flags&abi.ViewUsed == 0):
			t.Errorf("f%d: %v %+v %q", i, hit, e, target)
		}
	}
	if r.Len() != 500 {
		t.Errorf("Len %d, want 500", r.Len())
	}
	// Freed room is reused: the same churn again does not grow the view.
	before := r.Bytes()
	r.Begin()
	for i := 0; i < 1000; i += 2 {
		r.Put(fmt.Sprintf("/data/f%d", i), Entry{Target: fmt.Sprint("t", i)})
		r.Remove(fmt.Sprintf("/data/f%d", i))
	}
	r.End()
	if after := r.Bytes(); after != before {
		t.Errorf("view grew from %d to %d bytes over churn", before, after)
	}
}

// findData is the stub's lookup by data identity (view_data_lookup).
func (r *Region) findData(dev, ino uint64) (p string, ok bool) {
	b := (*uint32)(unsafe.Pointer(&r.mem[abi.ViewDataOff+uintptr(abi.ViewDataHash(dev, ino)&(abi.ViewBuckets-1))*4]))
	for idx := *b; idx != 0; idx = r.entry(idx - 1).DataNext {
		v := r.entry(idx - 1)
		if v.DataDev == dev && v.DataIno == ino {
			return string(r.mem[abi.ViewHeapOff+uintptr(v.PathOff) : abi.ViewHeapOff+uintptr(v.PathOff)+uintptr(v.PathLen)]), true
		}
	}
	return "", false
}

// TestDataIndex: an entry is found by its data as long as it holds that
// data, and not after.
func TestDataIndex(t *testing.T) {
	r, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Begin()
	for i := 0; i < 100; i++ {
		r.Put(fmt.Sprintf("/d/f%d", i), Entry{DataDev: 7, DataIno: uint64(i + 1)})
	}
	r.Put("/d/f5", Entry{DataDev: 7, DataIno: 1000}) // replaced by another file
	r.Remove("/d/f6")
	r.End()
	for i := 0; i < 100; i++ {
		p, ok := r.findData(7, uint64(i+1))
		want := fmt.Sprintf("/d/f%d", i)
		switch {
		case i == 5 || i == 6:
			if ok {
				t.Errorf("data %d still found, at %s", i+1, p)
			}
		case !ok || p != want:
			t.Errorf("data %d: %q %v, want %s", i+1, p, ok, want)
		}
	}
	if p, ok := r.findData(7, 1000); !ok || p != "/d/f5" {
		t.Errorf("replaced entry's new data: %q %v", p, ok)
	}
}

// TestReadersSeeWholeEntries: a reader never sees an entry half written,
// while a writer keeps replacing, removing and recreating names.
func TestReadersSeeWholeEntries(t *testing.T) {
	r, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	const names = 64
	var stop atomic.Bool
	var writer, wg sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		for v := uint64(1); !stop.Load(); v++ {
			p := fmt.Sprintf("/d/n%d", v%names)
			r.Begin()
			if v%7 == 0 {
				r.Remove(p)
			} else {
				// Every field of a version agrees with the others.
				r.Put(p, Entry{Ino: v, Size: int64(v), Nlink: v, Target: fmt.Sprint(v)})
			}
			r.End()
		}
	}()
	var checks, bad atomic.Int64
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200000; i++ {
				e, target, hit, ok := r.find(fmt.Sprintf("/d/n%d", i%names))
				if !ok || !hit {
					continue
				}
				checks.Add(1)
				if e.Size != int64(e.Ino) || e.Nlink != e.Ino || target != fmt.Sprint(e.Ino) {
					bad.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	stop.Store(true)
	writer.Wait()
	if bad.Load() != 0 || checks.Load() == 0 {
		t.Fatalf("%d torn entries in %d reads", bad.Load(), checks.Load())
	}
	t.Logf("%d reads, none torn", checks.Load())
}

// TestFull: a view out of slots refuses new entries and keeps old ones.
func TestFull(t *testing.T) {
	r, err := New(0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Begin()
	defer r.End()
	r.next = r.limit - 1
	if !r.Put("/a", Entry{Ino: 1}) {
		t.Fatal("last slot refused")
	}
	if r.Put("/b", Entry{Ino: 2}) {
		t.Fatal("a full view took an entry")
	}
	if _, ok := r.Flags("/b"); ok {
		t.Fatal("refused entry is listed")
	}
	if f, ok := r.Flags("/a"); !ok || f&abi.ViewUsed == 0 {
		t.Fatal("old entry lost")
	}
	if r.Put("/c", Entry{Target: string(make([]byte, 1<<20))}) {
		t.Fatal("a string larger than any class was stored")
	}
}
