// Package preload holds the stub that zvfs loads into every process of a run
// with LD_PRELOAD: its freestanding C and assembly sources (stub/), the
// committed library built from them (libzvfs.so, embedded here so that
// `go build` needs no C compiler), and Install, which writes the library to a
// content-addressed read-only file for LD_PRELOAD.
package preload

//go:generate go run gen.go

import (
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

//go:embed libzvfs.so
var lib []byte

// Library returns the embedded stub.
func Library() []byte { return lib }

// Install writes the stub to <dir>/libzvfs-<sha256 prefix>.so, read-only, and
// returns its path. An existing file with the right content is reused. dir ""
// means the user cache directory, falling back to the temp directory; when
// the cache directory is private (root's home is mode 0700), the temp
// directory comes first, so that a process of the run that changes to
// another user (setpriv, su, a daemon dropping privileges) can still load
// the stub.
func Install(dir string) (string, error) {
	name := libName
	var dirs []string
	if dir != "" {
		dirs = []string{dir}
	} else {
		tmp := filepath.Join(os.TempDir(), fmt.Sprintf("zvfs-%d", os.Getuid()))
		if c, err := os.UserCacheDir(); err == nil {
			cache := filepath.Join(c, "zvfs")
			if public(c) {
				dirs = append(dirs, cache, tmp)
			} else {
				dirs = append(dirs, tmp, cache)
			}
		} else {
			dirs = append(dirs, tmp)
		}
	}
	var firstErr error
	for _, d := range dirs {
		p, err := installIn(d, name)
		if err == nil {
			return p, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return "", firstErr
}

// public says whether every user can reach files in dir: each directory on
// the way is searchable by others.
func public(dir string) bool {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil && fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

// ours refuses a directory another user owns or can write into: they could
// replace the library between our check and its use.
func ours(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil // not there yet: MkdirAll makes it ours
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || (ok && int(st.Uid) != os.Getuid()) || fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("install stub: %s is not a directory of ours that only we can write", dir)
	}
	return nil
}

func installIn(dir, name string) (string, error) {
	if err := ours(dir); err != nil {
		return "", err
	}
	p := filepath.Join(dir, name)
	if b, err := os.ReadFile(p); err == nil && bytes.Equal(b, lib) {
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
