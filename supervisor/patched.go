package supervisor

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/trampoline"
)

// patchStore keeps, per ELF file, a copy whose syscall sites are already
// rewritten. A stub maps the copy over the file's executable mapping instead
// of rewriting its own pages, so the rewritten pages sit once in the page
// cache for every process of every run, not once per process.
type patchStore struct {
	dir   string
	mu    sync.Mutex                      // held while a copy is looked up or made
	known map[*trampoline.Analysis]string // copy per analysis, "" if none; the cache hands out one analysis per file version
}

func newPatchStore(dir string) *patchStore {
	if dir == "" {
		return nil
	}
	return &patchStore{dir: dir, known: map[*trampoline.Analysis]string{}}
}

// copyFor returns the path of the rewritten copy of file (whose analysis is
// a), making it if needed, or "" when there is none to use.
func (p *patchStore) copyFor(file string, a *trampoline.Analysis) string {
	if p == nil {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	path, ok := p.known[a]
	if !ok {
		path = p.make(file, a)
		p.known[a] = path
	}
	return path
}

func (p *patchStore) make(file string, a *trampoline.Analysis) string {
	offs := a.PatchOffsets()
	if len(offs) == 0 {
		return ""
	}
	var st unix.Stat_t
	if err := unix.Stat(file, &st); err != nil {
		return ""
	}
	// The name pins the file's identity and the exact set of rewrites, so a
	// new analysis or a changed file never meets an old copy.
	h := sha256.New()
	for _, o := range offs {
		h.Write(binary.LittleEndian.AppendUint64(nil, o))
	}
	id := a.BuildID
	if id == "" {
		id = fmt.Sprintf("%x-%x-%x", st.Dev, st.Ino, st.Mtim.Nano())
	}
	name := fmt.Sprintf("%s-%x-%s.so", id, st.Size, hex.EncodeToString(h.Sum(nil)[:8]))
	path := filepath.Join(p.dir, name)
	if fi, err := os.Stat(path); err != nil || fi.Size() != st.Size {
		// Readable by no one the original is not readable by.
		if err := writeCopy(file, path, offs, st.Size, os.FileMode(st.Mode&0o444)); err != nil {
			path = ""
		}
	}
	return path
}

// writeCopy writes file with every offset's 0f 05 turned into ff d0, to a
// temporary file renamed into place, with permissions perm (read bits only).
func writeCopy(file, path string, offs []uint64, size int64, perm os.FileMode) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("copy %s: %w", file, err)
	}
	if int64(len(b)) != size {
		return fmt.Errorf("copy %s: changed while read", file)
	}
	for _, o := range offs {
		if o+2 > uint64(len(b)) || b[o] != 0x0f || b[o+1] != 0x05 {
			return fmt.Errorf("copy %s: no syscall at %#x", file, o)
		}
		b[o], b[o+1] = 0xff, 0xd0
	}
	if err := replaceFile(path, b, perm); err != nil {
		return fmt.Errorf("copy %s: %w", file, err)
	}
	return nil
}

// replaceFile writes b, with permissions perm, to a temporary file in
// path's directory (made if missing) and renames it to path: a reader
// finds the old file or the new one whole, never part of one.
func replaceFile(path string, b []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), perm)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
