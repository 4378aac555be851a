// This file holds the benchmarks: cold analysis of libc (MB/s of executable
// text) and a warm cache lookup.

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
