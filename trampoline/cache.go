// This file holds Cache: per-file analysis results kept in memory and,
// optionally, in a directory on disk, with concurrent lookups of one file
// sharing a single analysis.

package trampoline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
)

// Cache holds analyses keyed by file identity. It is safe for concurrent
// use; concurrent lookups of the same file analyse it once.
//
// A file is identified in memory by device, inode, size and modification
// time, so a repeated lookup of an unchanged file costs one stat. On a
// memory miss the file's build-id, when it has one, keys the result (so
// copies and re-installs of the same build share it); otherwise the stat
// identity does. With a directory, results also persist there, one small
// entry per key (entry.go), and a symbolic link per file identity (its
// change time too) names the entry, so that a later run finds a file's
// analysis without opening the file and reading its ELF headers for the
// build-id (the first exec of each program in a run asks for all its
// files: ~0.1 ms each).
type Cache struct {
	dir string

	mu       sync.Mutex
	byStat   map[statKey]*Analysis
	byBuild  map[string]*Analysis // key: build-id "/" file size
	inflight map[statKey]*flight

	hits, misses atomic.Int64
	opens        atomic.Int64 // files opened, for tests
}

// statKey is a file identity from stat(2).
type statKey struct {
	dev, ino    uint64
	size, mtime int64  // mtime in nanoseconds
	path        string // set only where dev/ino are unavailable
}

func keyOf(fi os.FileInfo, path string) statKey {
	k := statKey{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if dev, ino, ok := devIno(fi); ok {
		k.dev, k.ino = dev, ino
	} else {
		k.path = path
	}
	return k
}

// flight is one analysis in progress; waiters block on done.
type flight struct {
	done chan struct{}
	a    *Analysis
	err  error
}

// NewCache returns a cache. With dir == "" it keeps results in memory only;
// otherwise it also stores them under dir (created on first write).
func NewCache(dir string) *Cache {
	return &Cache{
		dir:      dir,
		byStat:   map[statKey]*Analysis{},
		byBuild:  map[string]*Analysis{},
		inflight: map[statKey]*flight{},
	}
}

// Stats returns the number of lookups answered without analysing the file
// (from memory or disk, including lookups that waited for another caller's
// analysis) and the number of analyses done.
func (c *Cache) Stats() (hits, misses int64) {
	return c.hits.Load(), c.misses.Load()
}

// Lookup returns the analysis of the file at path. The result is shared and
// must not be modified.
func (c *Cache) Lookup(path string) (*Analysis, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("lookup %s: %w", path, err)
	}
	return c.LookupStat(path, fi)
}

// LookupStat is Lookup for a caller that has just stat'ed path itself (fi),
// so that the file is not stat'ed twice.
func (c *Cache) LookupStat(path string, fi os.FileInfo) (*Analysis, error) {
	key := keyOf(fi, path)
	c.mu.Lock()
	if a, ok := c.byStat[key]; ok {
		c.mu.Unlock()
		c.hits.Add(1)
		return a, nil
	}
	if fl, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		<-fl.done
		if fl.err != nil {
			return nil, fl.err
		}
		c.hits.Add(1)
		return fl.a, nil
	}
	fl := &flight{done: make(chan struct{})}
	c.inflight[key] = fl
	c.mu.Unlock()

	var err error
	fkey := key
	a := c.indexed(fi, key)
	if a == nil {
		a, fkey, err = c.load(path)
	}
	c.mu.Lock()
	delete(c.inflight, key)
	if err == nil {
		// fkey is the identity of the file actually read; it differs
		// from key only if the file was replaced in between.
		c.byStat[fkey] = a
	}
	c.mu.Unlock()
	fl.a, fl.err = a, err
	close(fl.done)
	return a, err
}

// load reads the build-id of the file and finds its analysis in memory, on
// disk, or by analysing it.
func (c *Cache) load(path string) (*Analysis, statKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, statKey{}, fmt.Errorf("analyse %s: %w", path, err)
	}
	c.opens.Add(1)
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, statKey{}, fmt.Errorf("analyse %s: %w", path, err)
	}
	fkey := keyOf(fi, path)
	var (
		a        *Analysis
		analysed bool
		entry    string // disk entry name
		diskKey  string // key stored in the entry
		buildKey string
	)
	err = safely(func() error {
		img, err := openImage(io.NewSectionReader(f, 0, fi.Size()))
		if err != nil {
			return err
		}
		id, err := img.buildID()
		if err != nil {
			return err
		}
		if id != "" {
			buildKey = buildKeyOf(id, fi.Size())
			c.mu.Lock()
			a = c.byBuild[buildKey]
			c.mu.Unlock()
			if a != nil {
				return nil
			}
			entry, diskKey = buildEntry(id)
		} else {
			entry, diskKey = fileEntry(fkey) // "": no stable identity, memory only
		}
		if a = c.readEntry(entry, diskKey, fi.Size(), id); a != nil {
			return nil
		}
		a, err = img.analyze(id)
		analysed = err == nil
		return err
	})
	if err != nil {
		return nil, fkey, fmt.Errorf("analyse %s: %w", path, err)
	}
	if analysed {
		c.misses.Add(1)
		c.writeEntry(entry, diskKey, fi.Size(), a)
	} else {
		c.hits.Add(1)
	}
	if buildKey != "" {
		c.mu.Lock()
		c.byBuild[buildKey] = a
		c.mu.Unlock()
	}
	c.writeIndex(fi, fkey, entry)
	return a, fkey, nil
}

// fileEntry is the disk entry name and stored key of a file without a
// build-id: its stat identity ("" without a device and inode).
func fileEntry(k statKey) (name, diskKey string) {
	if k.path != "" {
		return "", ""
	}
	return fmt.Sprintf("f-%x-%x-%x-%x%s", k.dev, k.ino, k.size, k.mtime, entrySuffix),
		fmt.Sprintf("file:%d:%d:%d:%d", k.dev, k.ino, k.size, k.mtime)
}

// indexName is the name of the index link of the file fi describes (key
// is its identity): its device, inode, size, modification and change
// times; "" if it has no such identity. The change time moves with any
// change of the file, content or inode, and cannot be set.
func indexName(fi os.FileInfo, key statKey) string {
	ctime, ok := changeTime(fi)
	if !ok || key.path != "" {
		return ""
	}
	return fmt.Sprintf("s-%x-%x-%x-%x-%x", key.dev, key.ino, key.size, key.mtime, ctime)
}

// indexed returns the analysis the index names for the file fi describes
// (key is its identity), without opening the file; nil if there is no
// link for that identity, or the entry it names is missing, corrupt or not
// the file's. A hit counts as one.
func (c *Cache) indexed(fi os.FileInfo, key statKey) *Analysis {
	name := indexName(fi, key)
	if c.dir == "" || name == "" {
		return nil
	}
	entry, err := os.Readlink(filepath.Join(c.dir, name))
	if err != nil {
		return nil
	}
	// The entry of a build-id (a long one's name is hashed: never found
	// here), or of this identity; no other.
	id := strings.TrimSuffix(strings.TrimPrefix(entry, "b-"), entrySuffix)
	name, diskKey := buildEntry(id)
	if id == "" || name != entry {
		id = ""
		if name, diskKey = fileEntry(key); name != entry {
			return nil
		}
	}
	a := c.readEntry(entry, diskKey, key.size, id)
	if a == nil {
		return nil
	}
	c.hits.Add(1)
	if id != "" {
		c.mu.Lock()
		c.byBuild[buildKeyOf(id, key.size)] = a
		c.mu.Unlock()
	}
	return a
}

// writeIndex links the index name of the file fi describes to its entry,
// through a temporary link and a rename. Failures are ignored, as for
// entries.
func (c *Cache) writeIndex(fi os.FileInfo, key statKey, entry string) {
	name := indexName(fi, key)
	if c.dir == "" || name == "" || entry == "" {
		return
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return
	}
	tmp := filepath.Join(c.dir, fmt.Sprintf(".tmp-%s-%d", name, os.Getpid()))
	if os.Symlink(entry, tmp) != nil {
		return
	}
	if os.Rename(tmp, filepath.Join(c.dir, name)) != nil {
		os.Remove(tmp)
	}
}

// safely runs fn, turning a panic into an error (a safety net: the parser is
// written and fuzzed not to panic).
func safely(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	return fn()
}

// buildEntry is the disk entry name and stored key of a file with
// build-id id.
func buildEntry(id string) (name, diskKey string) {
	diskKey = "build-id:" + id
	if len(id) <= 128 {
		return "b-" + id + entrySuffix, diskKey
	}
	sum := sha256.Sum256([]byte(id))
	return "b-sha256-" + hex.EncodeToString(sum[:]) + entrySuffix, diskKey
}

// buildKeyOf is the in-memory key of the analysis of a file with build-id
// id and size bytes.
func buildKeyOf(id string, size int64) string { return fmt.Sprintf("%s/%d", id, size) }

// readEntry returns the analysis stored in entry name, or nil when there is
// none or it is unreadable, corrupt, of another version or for another file.
func (c *Cache) readEntry(name, key string, size int64, buildID string) *Analysis {
	if c.dir == "" || name == "" {
		return nil
	}
	f, err := os.Open(filepath.Join(c.dir, name))
	if err != nil {
		return nil
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxEntryBytes+1))
	if err != nil || len(b) > maxEntryBytes {
		return nil
	}
	a, err := decodeEntry(b, entryHeader{key, size, buildID})
	if err != nil {
		return nil
	}
	return a
}

// writeEntry stores a in entry name, through a temporary file and a rename
// so that readers never see a partial entry. Failures are ignored: the disk
// cache is an optimisation.
func (c *Cache) writeEntry(name, key string, size int64, a *Analysis) {
	if c.dir == "" || name == "" {
		return
	}
	b := encodeEntry(entryHeader{key, size, a.BuildID}, a)
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return
	}
	tmp, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), filepath.Join(c.dir, name)) != nil {
		os.Remove(tmp.Name())
	}
}
