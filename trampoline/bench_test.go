// This file holds the benchmarks: cold analysis of libc (MB/s of executable
// text), a warm in-memory lookup, and a lookup from the disk cache.

package trampoline

import (
	"testing"
)

func BenchmarkAnalyzeLibc(b *testing.B) {
	path := needFile(b, libcPath)
	a, err := AnalyzeFile(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(a.TextBytes)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AnalyzeFile(path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookupLibcCached(b *testing.B) {
	path := needFile(b, libcPath)
	c := NewCache("")
	if _, err := c.Lookup(path); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Lookup(path); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookupLibcDisk: a new run's first lookup, answered from the disk
// cache a previous run wrote.
func BenchmarkLookupLibcDisk(b *testing.B) {
	path := needFile(b, libcPath)
	dir := b.TempDir()
	if _, err := NewCache(dir).Lookup(path); err != nil {
		b.Fatal(err)
	}
	a, _ := AnalyzeFile(path)
	b.SetBytes(a.TextBytes)
	b.ReportAllocs()
	for b.Loop() {
		c := NewCache(dir)
		if _, err := c.Lookup(path); err != nil {
			b.Fatal(err)
		}
		if hits, _ := c.Stats(); hits != 1 {
			b.Fatalf("not a disk hit")
		}
	}
}
