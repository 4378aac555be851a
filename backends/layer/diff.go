// diff.go tells what a layer changes: Diff from the layer alone, and
// DiffAgainst with the lower directory it applies to.

package layer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Change is one path a layer changes.
type Change struct {
	Kind byte   // 'A' added, 'M' modified (or replaced), 'D' deleted
	Path string // from the root: "/a/b"; "/" for the root
}

func (c Change) String() string { return string(c.Kind) + " " + c.Path }

// Diff lists what the layer tarball r (plain or gzip) changes: a whiteout
// .wh.X in D gives D/X with 'D'; an opaque marker in D gives D with 'M';
// an entry gives its path with 'A', or 'M' if the layer also deletes that
// name or makes it opaque, or if the writer marked it (Options.Modified:
// zvfs marks the files the run changed that the lower layers had). Whiteout and opaque marker files are never
// listed themselves, nor are other names with the reserved prefix
// ".wh..wh.", nor the root's own entry ("./"); an opaque marker at the top
// gives "/" with 'M'. Every entry counts, whatever its type (a device node
// too, which Read would skip). The changes are sorted by path, component
// by component.
func Diff(r io.Reader) ([]Change, error) {
	ch, err := diff(r, nil)
	if err != nil {
		return nil, fmt.Errorf("layer: diff: %w", err)
	}
	return ch, nil
}

// DiffAgainst is Diff with the lower directory lowerDir on the host to
// tell additions from changes: a path the layer adds or makes opaque is 'M'
// if it exists in lowerDir, 'A' if not, and a whiteout is listed ('D')
// only if lowerDir has the name. A path exists in lowerDir if every
// directory above it there is a real directory, not a symbolic link, as
// overlayfs sees it.
func DiffAgainst(r io.Reader, lowerDir string) ([]Change, error) {
	fi, err := os.Stat(lowerDir)
	if err == nil && !fi.IsDir() {
		err = &fs.PathError{Op: "stat", Path: lowerDir, Err: errors.New("not a directory")}
	}
	if err == nil {
		var ch []Change
		ch, err = diff(r, &lower{root: lowerDir, dirs: map[string]bool{}})
		if err == nil {
			return ch, nil
		}
	}
	return nil, fmt.Errorf("layer: diff against %s: %w", lowerDir, err)
}

// diff is Diff, or DiffAgainst if low is not nil.
func diff(r io.Reader, low *lower) ([]Change, error) {
	s, err := newStream(r)
	if err != nil {
		return nil, err
	}
	added := map[string]bool{}
	marked := map[string]bool{} // entries the writer marked as replacing a lower file
	opaque := map[string]bool{}
	deleted := map[string]bool{}
	for {
		hdr, err := s.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if hdr.Typeflag == 'g' { // PAX global header: not an entry
			continue
		}
		name, err := cleanName(hdr.Name)
		if err != nil {
			return nil, fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
		if name == "" {
			continue // the root's own attributes
		}
		dir, base := "", name
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			dir, base = name[:i], name[i+1:]
		}
		switch {
		case base == opaqueMarker:
			opaque[dir] = true
		case strings.HasPrefix(base, reservedPrefix):
			// AUFS metadata (.wh..wh.plnk, ...): not part of the tree.
		case strings.HasPrefix(base, whiteoutPrefix):
			x := base[len(whiteoutPrefix):]
			if x == "" || x == "." || x == ".." {
				return nil, fmt.Errorf("entry %q: invalid whiteout", hdr.Name)
			}
			deleted[join(dir, x)] = true
		default:
			added[name] = true
			if hdr.PAXRecords[modifiedKey] == modifiedValue {
				marked[name] = true
			}
		}
	}

	kinds := map[string]byte{}
	for p := range deleted {
		kinds[p] = 'D'
	}
	for p := range opaque {
		kinds[p] = 'M'
	}
	for p := range added {
		if kinds[p] == 0 && !marked[p] {
			kinds[p] = 'A'
		} else {
			kinds[p] = 'M'
		}
	}
	if low != nil {
		for p, k := range kinds {
			has, err := low.has(p)
			if err != nil {
				return nil, err
			}
			switch {
			case k == 'D' && !has:
				delete(kinds, p)
			case k != 'D' && has:
				kinds[p] = 'M'
			case k != 'D':
				kinds[p] = 'A'
			}
		}
	}

	changes := make([]Change, 0, len(kinds))
	for p, k := range kinds {
		changes = append(changes, Change{Kind: k, Path: "/" + p})
	}
	slices.SortFunc(changes, func(a, b Change) int { return comparePaths(a.Path, b.Path) })
	return changes, nil
}

// join joins a directory ("" for the root) and a name.
func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// comparePaths orders paths component by component, so that a directory
// comes right before what is below it: "/a", "/a/x", "/a.b".
func comparePaths(a, b string) int {
	for {
		ca, ra, _ := strings.Cut(a, "/")
		cb, rb, _ := strings.Cut(b, "/")
		if c := strings.Compare(ca, cb); c != 0 {
			return c
		}
		if ra == "" || rb == "" {
			return strings.Compare(ra, rb)
		}
		a, b = ra, rb
	}
}

// lower answers whether a path exists in the lower directory.
type lower struct {
	root string
	dirs map[string]bool // whether a path is a real directory there
}

// has tells whether p (relative, clean, not "") exists in the lower
// directory with real directories above it. The root always exists.
func (l *lower) has(p string) (bool, error) {
	if p == "" {
		return true, nil
	}
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		ok, err := l.isDir(p[:i])
		if !ok || err != nil {
			return false, err
		}
	}
	_, err := os.Lstat(filepath.Join(l.root, filepath.FromSlash(p)))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, err
}

// isDir tells whether p is a real directory in the lower directory, with
// real directories above it.
func (l *lower) isDir(p string) (bool, error) {
	if ok, seen := l.dirs[p]; seen {
		return ok, nil
	}
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		ok, err := l.isDir(p[:i])
		if !ok || err != nil {
			return false, err
		}
	}
	fi, err := os.Lstat(filepath.Join(l.root, filepath.FromSlash(p)))
	switch {
	case err == nil:
		l.dirs[p] = fi.IsDir()
	case errors.Is(err, fs.ErrNotExist):
		l.dirs[p] = false
	default:
		return false, err
	}
	return l.dirs[p], nil
}
