// This file holds the Cache tests: memory hits without re-reading the file,
// the on-disk round trip, corrupt and foreign entries, re-analysis after a
// modification, and concurrent lookups.

package trampoline

import (
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"
)

// noBuildIDBinary builds a small C program without a build-id note.
func noBuildIDBinary(t *testing.T) string {
	t.Helper()
	return buildC(t, sitesC, "-O2", "-Wl,--build-id=none")
}

func checkStats(t *testing.T, c *Cache, wantHits, wantMisses int64) {
	t.Helper()
	if h, m := c.Stats(); h != wantHits || m != wantMisses {
		t.Fatalf("Stats() = %d hits, %d misses; want %d, %d", h, m, wantHits, wantMisses)
	}
}

func TestCacheMemoryHit(t *testing.T) {
	path := needFile(t, libcPath)
	c := NewCache("")
	a1, err := c.Lookup(path)
	if err != nil {
		t.Fatal(err)
	}
	checkStats(t, c, 0, 1)
	opens := c.opens.Load()
	a2, err := c.Lookup(path)
	if err != nil {
		t.Fatal(err)
	}
	checkStats(t, c, 1, 1)
	if a1 != a2 {
		t.Errorf("second lookup returned a different analysis")
	}
	if n := c.opens.Load(); n != opens {
		t.Errorf("second lookup opened the file again (%d opens, was %d)", n, opens)
	}
	direct, err := AnalyzeFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(direct, a1) {
		t.Errorf("cached analysis differs from AnalyzeFile")
	}
}

func TestCacheDiskRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for _, path := range []string{needFile(t, libcPath), noBuildIDBinary(t)} {
		c1 := NewCache(dir)
		a1, err := c1.Lookup(path)
		if err != nil {
			t.Fatal(err)
		}
		checkStats(t, c1, 0, 1)
		c2 := NewCache(dir) // a fresh process: memory empty, disk warm
		a2, err := c2.Lookup(path)
		if err != nil {
			t.Fatal(err)
		}
		checkStats(t, c2, 1, 0)
		if n := c2.opens.Load(); n != 0 {
			t.Errorf("%s: the index did not find the entry (the file was opened %d times)", path, n)
		}
		if !reflect.DeepEqual(a1, a2) {
			t.Errorf("%s: disk round trip changed the analysis:\n%+v\n%+v", path, a1, a2)
		}
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "*"+entrySuffix))
	links, _ := filepath.Glob(filepath.Join(dir, "s-*"))
	if len(entries) != 2 || len(links) != 2 {
		t.Errorf("cache dir holds entries %v and index links %v, want a build-id entry, a file entry and a link to each", entries, links)
	}
	for _, e := range entries {
		if b := filepath.Base(e); b[0] == '.' {
			t.Errorf("temporary file %s left behind", b)
		}
	}
}

// TestCacheIndex: the index finds a file's entry by its identity alone; a
// file changed since (its change time moved), or a link naming no entry
// of the cache, is read and analysed as before.
func TestCacheIndex(t *testing.T) {
	dir := t.TempDir()
	path := noBuildIDBinary(t)
	if _, err := NewCache(dir).Lookup(path); err != nil {
		t.Fatal(err)
	}
	links, _ := filepath.Glob(filepath.Join(dir, "s-*"))
	if len(links) != 1 {
		t.Fatalf("index links %v, want one", links)
	}
	// A link whose target is no entry's name of this identity.
	if err := os.Remove(links[0]); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../etc/passwd", links[0]); err != nil {
		t.Fatal(err)
	}
	c := NewCache(dir)
	if _, err := c.Lookup(path); err != nil {
		t.Fatal(err)
	}
	if c.opens.Load() != 1 {
		t.Errorf("a link to %s was followed", "../../etc/passwd")
	}
	// The same times, but a change since: a new identity, a new link.
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	c = NewCache(dir)
	if _, err := c.Lookup(path); err != nil {
		t.Fatal(err)
	}
	if c.opens.Load() != 1 {
		t.Errorf("a changed file was found by the index of its old identity")
	}
	if links, _ = filepath.Glob(filepath.Join(dir, "s-*")); len(links) != 2 {
		t.Errorf("index links %v, want the old and the new identity's", links)
	}
}

func TestCacheCorruptEntry(t *testing.T) {
	path := noBuildIDBinary(t)
	for name, corrupt := range map[string]func([]byte) []byte{
		"garbage":   func([]byte) []byte { return []byte("\x00\xffnot an entry") },
		"truncated": func(b []byte) []byte { return b[:len(b)/2] },
		"empty":     func([]byte) []byte { return nil },
		"trailing":  func(b []byte) []byte { return append(b, 0) },
		"version": func(b []byte) []byte {
			return rewriteEntry(t, b, func(h *entryHeader, a *Analysis) []byte {
				e := encodeEntry(*h, a)
				e[len(entryMagic)] = entryVersion + 1
				return e
			})
		},
		"kind": func(b []byte) []byte {
			return rewriteEntry(t, b, func(h *entryHeader, a *Analysis) []byte {
				a.Sites[0].Kind = 9
				return encodeEntry(*h, a)
			})
		},
		"order": func(b []byte) []byte {
			return rewriteEntry(t, b, func(h *entryHeader, a *Analysis) []byte {
				a.Sites = append(a.Sites, a.Sites[len(a.Sites)-1])
				a.Candidates++
				return encodeEntry(*h, a)
			})
		},
		"size": func(b []byte) []byte {
			return rewriteEntry(t, b, func(h *entryHeader, a *Analysis) []byte {
				h.size++
				return encodeEntry(*h, a)
			})
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			want, err := NewCache(dir).Lookup(path)
			if err != nil {
				t.Fatal(err)
			}
			entries, _ := filepath.Glob(filepath.Join(dir, "*"+entrySuffix))
			if len(entries) != 1 {
				t.Fatalf("entries %v", entries)
			}
			b, err := os.ReadFile(entries[0])
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(entries[0], corrupt(b), 0o644); err != nil {
				t.Fatal(err)
			}
			c := NewCache(dir)
			got, err := c.Lookup(path)
			if err != nil {
				t.Fatalf("corrupt entry made Lookup fail: %v", err)
			}
			checkStats(t, c, 0, 1)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("re-analysis differs")
			}
			c = NewCache(dir) // the entry was rewritten
			if _, err := c.Lookup(path); err != nil {
				t.Fatal(err)
			}
			checkStats(t, c, 1, 0)
		})
	}
}

// rewriteEntry decodes entry b, which must be valid, and returns what fn
// makes of its header and analysis.
func rewriteEntry(t *testing.T, b []byte, fn func(*entryHeader, *Analysis) []byte) []byte {
	t.Helper()
	r := &entryReader{b: b[len(entryMagic):]}
	r.uvarint()
	h := entryHeader{key: r.string(), size: int64(r.uvarint()), buildID: r.string()}
	a, err := decodeEntry(b, h)
	if err != nil {
		t.Fatalf("the entry written does not decode: %v", err)
	}
	return fn(&h, a)
}

func TestCacheMtimeChange(t *testing.T) {
	path := noBuildIDBinary(t)
	a, err := AnalyzeFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if a.BuildID != "" {
		t.Fatalf("test binary has build-id %s", a.BuildID)
	}
	for _, dir := range []string{"", t.TempDir()} {
		c := NewCache(dir)
		if _, err := c.Lookup(path); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Lookup(path); err != nil {
			t.Fatal(err)
		}
		checkStats(t, c, 1, 1)
		later := time.Now().Add(time.Duration(len(dir)+1) * time.Hour)
		if err := os.Chtimes(path, later, later); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Lookup(path); err != nil {
			t.Fatal(err)
		}
		checkStats(t, c, 1, 2)
	}
}

func TestCacheConcurrent(t *testing.T) {
	path := needFile(t, libcPath)
	c := NewCache(t.TempDir())
	const n = 16
	var wg sync.WaitGroup
	results := make([]*Analysis, n)
	for i := range n {
		wg.Go(func() {
			a, err := c.Lookup(path)
			if err != nil {
				t.Error(err)
			}
			results[i] = a
		})
	}
	wg.Wait()
	checkStats(t, c, n-1, 1)
	for _, a := range results {
		if a != results[0] {
			t.Fatal("concurrent lookups returned different analyses")
		}
	}
}

func TestCacheErrors(t *testing.T) {
	c := NewCache(t.TempDir())
	if _, err := c.Lookup(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("lookup of a missing file succeeded")
	}
	notELF := filepath.Join(t.TempDir(), "text")
	if err := os.WriteFile(notELF, []byte("#!/bin/sh\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Lookup(notELF); err == nil {
		t.Error("lookup of a shell script succeeded")
	}
	checkStats(t, c, 0, 0)
}

// FuzzDecodeEntry: a disk entry is read back at every start and a user
// may have anything in that directory: decoding never panics nor asks for
// more memory than the entry's size, and what it accepts encodes back to
// an entry that decodes the same.
func FuzzDecodeEntry(f *testing.F) {
	h := entryHeader{key: "build-id:ab", size: 1 << 20, buildID: "ab"}
	f.Add(encodeEntry(h, &Analysis{BuildID: "ab", TextBytes: 100, Candidates: 3, Sites: []Site{
		{Offset: 10, Kind: KindSyscall, Patch: true, Call: 0},
		{Offset: 300, Kind: KindSysenter, Reason: ReasonSysenter, Call: CallUnknown},
		{Offset: 70000, Kind: KindSyscall, Reason: RedZonePrefix + " x", Call: 59},
	}}))
	f.Add(encodeEntry(h, &Analysis{BuildID: "ab"}))
	f.Add([]byte(entryMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := decodeEntry(b, h)
		if err != nil {
			return
		}
		if len(a.Sites) > len(b) {
			t.Fatalf("%d sites from %d bytes", len(a.Sites), len(b))
		}
		again, err := decodeEntry(encodeEntry(h, a), h)
		if err != nil || !reflect.DeepEqual(a, again) {
			t.Fatalf("accepted %x as %+v, which encodes back to %+v, %v", b, a, again, err)
		}
	})
}
