// This file holds FuzzAnalyze (no panics on any input) and the tests of
// malformed and truncated ELF files.

package trampoline

import (
	"bytes"
	"debug/elf"
	"os"
	"testing"
)

// seedELF returns the first n bytes of a real ELF file, or nil if it is
// missing.
func seedELF(path string, n int) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return b[:min(n, len(b))]
}

func FuzzAnalyze(f *testing.F) {
	for _, seed := range [][]byte{
		seedELF(libcPath, 64),
		seedELF(libcPath, 1024),
		seedELF("/usr/bin/bash", 4096),
	} {
		if seed != nil {
			f.Add(seed)
		}
	}
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	code := append(bytes.Repeat([]byte{0x90}, 30), 0x0f, 0x05, 0xc3)
	f.Add(synthELF(f, code, 1, []elf.Sym64{funcSym(64+56, 33)}))
	f.Fuzz(func(t *testing.T, data []byte) {
		// analyze, not Analyze: the recover safety net must not hide panics.
		a, err := analyze(bytes.NewReader(data))
		if err == nil && a == nil {
			t.Fatal("nil analysis without error")
		}
	})
}

// TestTruncated analyses every prefix length of a small real binary (and
// a few of libc) and requires an error or a result, never a panic.
func TestTruncated(t *testing.T) {
	bin := buildC(t, sitesC, "-O2")
	full, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(full); n += 7 {
		analyze(bytes.NewReader(full[:n]))
	}
	libc, err := os.ReadFile(needFile(t, libcPath))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 4, 63, 64, 900, 1 << 12, 1 << 16, len(libc) / 2, len(libc) - 1} {
		if _, err := analyze(bytes.NewReader(libc[:n])); err == nil && n < len(libc)/2 {
			t.Errorf("libc truncated to %d bytes analysed without error", n)
		}
	}
	if _, err := Analyze(bytes.NewReader([]byte("not an elf file"))); err == nil {
		t.Error("non-ELF input analysed without error")
	}
}

// TestCorruptedBytes flips bytes throughout the headers and unwind tables of
// a small binary.
func TestCorruptedBytes(t *testing.T) {
	bin := buildC(t, sitesC, "-O2")
	full, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, len(full))
	for i := 0; i < len(full); i++ {
		for _, v := range []byte{0x00, 0xff, 0x7f} {
			copy(buf, full)
			buf[i] = v
			analyze(bytes.NewReader(buf))
		}
	}
}

// FuzzEhFrame feeds arbitrary bytes to the .eh_frame walker and FDE parser.
func FuzzEhFrame(f *testing.F) {
	if ef, err := elf.Open(libcPath); err == nil {
		if s := ef.Section(".eh_frame"); s != nil {
			if b, err := s.Data(); err == nil {
				f.Add(b[:min(len(b), 2048)], s.Addr)
			}
		}
		ef.Close()
	}
	f.Add([]byte{0x14, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 0x10, 1, 0x1b}, uint64(0x1000))
	f.Fuzz(func(t *testing.T, data []byte, addr uint64) {
		e := &ehFrame{ehBuf: ehBuf{b: data, addr: addr}, cies: map[int]cieInfo{}}
		e.walk(true)
		for p := 0; p < len(data) && p < 64; p++ {
			e.fde(p)
		}
	})
}
