// Package preload holds the stub that zvfs loads into every process of a run
// with LD_PRELOAD: its freestanding C and assembly sources (stub/), the
// committed library built from them (libzvfs.so, embedded here so that
// `go build` needs no C compiler), and Install, which writes the library to a
// content-addressed read-only file for LD_PRELOAD.
package preload

//go:generate go run gen.go

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

//go:embed libzvfs.so
var lib []byte

// Library returns the embedded stub.
func Library() []byte { return lib }

// Install writes the stub to <dir>/libzvfs-<sha256 prefix>.so, read-only, and
// returns its path. An existing file with the right content is reused. dir ""
// means the user cache directory, falling back to the temp directory.
func Install(dir string) (string, error) {
	sum := sha256.Sum256(lib)
	name := "libzvfs-" + hex.EncodeToString(sum[:8]) + ".so"
	var dirs []string
	if dir != "" {
		dirs = []string{dir}
	} else {
		if c, err := os.UserCacheDir(); err == nil {
			dirs = append(dirs, filepath.Join(c, "zvfs"))
		}
		dirs = append(dirs, filepath.Join(os.TempDir(), fmt.Sprintf("zvfs-%d", os.Getuid())))
	}
	var firstErr error
	for _, d := range dirs {
		p, err := installIn(d, name, sum)
		if err == nil {
			return p, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return "", firstErr
}

func installIn(dir, name string, sum [32]byte) (string, error) {
	p := filepath.Join(dir, name)
	if b, err := os.ReadFile(p); err == nil && sha256.Sum256(b) == sum {
		return p, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("install stub: %w", err)
	}
	f, err := os.CreateTemp(dir, name+".tmp*")
	if err != nil {
		return "", fmt.Errorf("install stub: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(lib)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o444)
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("install stub %s: %w", p, err)
	}
	return p, nil
}
