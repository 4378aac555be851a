// starts.go keeps what hellos answered from one run to the next. The
// start table (in the view) lets a process whose files are all there start
// without asking, but each run's table starts empty: the first start of
// every program in a run asked, and had the site analyses of its files
// read back from the cache directory (0.3–1 ms a program here; a C build
// starts ~8 programs this way). So what hellos put into the table is
// written to the cache directory when the run ends, and put into the next
// run's table before its program starts. An entry names its file by path
// and identity (device, inode, size, modification and change times). The
// table is read by identity, and a stub uses an entry only if it is the
// identity of the file it has mapped, so entries are loaded without a look
// at their files: a stat of each took ~0.7 ms of every run's start here,
// for ~165 entries. An entry whose path leads to another version of the
// file now is left out when the file is written again.

package supervisor

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/zvfs/zvfs/view"
)

// A savedStart is one entry of the start table with the path of its file.
type savedStart struct {
	Path string
	view.Start
}

const (
	startsMagic = "ZVFSSTRT"
	// startsVersion changes with the file's layout, or with what the
	// offsets mean: with the site analysis (trampoline's entry version),
	// the file is a cache of it.
	startsVersion = 1
	// maxSaved bounds the entries written, and maxSavedBytes the file.
	maxSaved      = 256
	maxSavedBytes = 2 << 20
)

// persistable tells whether a hello's file can be found again by path in
// another run: an absolute path, not one of /proc's links.
func persistable(path string) bool {
	return filepath.IsAbs(path) && !strings.HasPrefix(path, "/proc/")
}

// encodeStarts writes entries (at most maxSaved, within maxSavedBytes) as
// the starts file.
func encodeStarts(entries []savedStart) []byte {
	b := append([]byte(startsMagic), 0, 0, 0, 0, 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(b[len(startsMagic):], startsVersion)
	n := 0
	for _, e := range entries {
		if n == maxSaved || len(b)+64+len(e.Path)+len(e.Copy)+8*len(e.Offsets) > maxSavedBytes {
			break
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(len(e.Path)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(e.Copy)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(e.Offsets)))
		for _, v := range []uint64{e.Dev, e.Ino, uint64(e.Size), uint64(e.Mtime), uint64(e.Ctime)} {
			b = binary.LittleEndian.AppendUint64(b, v)
		}
		b = append(b, e.Path...)
		b = append(b, e.Copy...)
		for _, o := range e.Offsets {
			b = binary.LittleEndian.AppendUint64(b, o)
		}
		n++
	}
	binary.LittleEndian.PutUint32(b[len(startsMagic)+4:], uint32(n))
	return b
}

// decodeStarts reads a starts file. Anything it does not recognise whole
// (another version, a truncated or damaged file) gives no entries.
func decodeStarts(b []byte) []savedStart {
	if len(b) < len(startsMagic)+8 || !bytes.HasPrefix(b, []byte(startsMagic)) ||
		binary.LittleEndian.Uint32(b[len(startsMagic):]) != startsVersion {
		return nil
	}
	n := int(binary.LittleEndian.Uint32(b[len(startsMagic)+4:]))
	b = b[len(startsMagic)+8:]
	if n > maxSaved {
		return nil
	}
	out := make([]savedStart, 0, n)
	for range n {
		if len(b) < 12+40 {
			return nil
		}
		pl, cl, nsites := uint64(binary.LittleEndian.Uint32(b)), uint64(binary.LittleEndian.Uint32(b[4:])),
			uint64(binary.LittleEndian.Uint32(b[8:]))
		var v [5]uint64
		for i := range v {
			v[i] = binary.LittleEndian.Uint64(b[12+8*i:])
		}
		b = b[52:]
		if pl > uint64(len(b)) || cl > uint64(len(b))-pl || nsites > (uint64(len(b))-pl-cl)/8 {
			return nil
		}
		e := savedStart{Path: string(b[:pl])}
		e.Dev, e.Ino, e.Size, e.Mtime, e.Ctime = v[0], v[1], int64(v[2]), int64(v[3]), int64(v[4])
		e.Copy = string(b[pl : pl+cl])
		b = b[pl+cl:]
		e.Offsets = make([]uint64, nsites)
		for i := range e.Offsets {
			e.Offsets[i] = binary.LittleEndian.Uint64(b[8*i:])
		}
		b = b[8*nsites:]
		if !persistable(e.Path) {
			return nil
		}
		out = append(out, e)
	}
	return out
}

// current tells whether e's path still leads to the version of the file
// e describes.
func (e *savedStart) current() bool {
	var st unix.Stat_t
	return unix.Stat(e.Path, &st) == nil && st.Dev == e.Dev && st.Ino == e.Ino && st.Size == e.Size &&
		st.Mtim.Nano() == e.Mtime && st.Ctim.Nano() == e.Ctime
}

// loadStarts puts into t the entries of the starts file at path, and
// returns them. It does not look at their files: one changed since stays
// in the table unused (its identity is no file's now), and saveStarts
// leaves it out. An entry whose rewritten copy is not one of copies (the
// patch store's directory) is left out: the file names code every process
// of the run maps.
func loadStarts(path, copies string, t StartTable) []savedStart {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > maxSavedBytes {
		return nil
	}
	var kept []savedStart
	for _, e := range decodeStarts(b) {
		if e.Copy != "" && (copies == "" || filepath.Dir(e.Copy) != filepath.Clean(copies)) {
			continue
		}
		if t.PutStart(e.Start) {
			kept = append(kept, e)
		}
	}
	return kept
}

// saveStarts writes entries as the starts file at path, in place of what
// it held (another run's file, whole, if two runs end at once).
func saveStarts(path string, entries []savedStart) error {
	if err := replaceFile(path, encodeStarts(entries), 0o600); err != nil {
		return fmt.Errorf("save start table: %w", err)
	}
	return nil
}
