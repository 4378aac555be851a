// Package capstest checks, for the backends' own tests, that a combined
// capability agrees with the single calls it stands for.
package capstest

import (
	"errors"
	"syscall"
	"testing"

	"github.com/spf13/afero"

	"github.com/zvfs/zvfs/backends/caps"
)

// SourceStatFS is what SourceStat checks: the combined lookup and the
// calls it stands for.
type SourceStatFS interface {
	afero.Lstater
	caps.MetaStater
	caps.DataSourcer
	caps.SourceStater
}

// SourceStat checks, for each of names, that LstatSource gives what
// Lstat (LstatMeta, with meta) and DataSource give, errors included.
func SourceStat(t testing.TB, fs SourceStatFS, names ...string) {
	t.Helper()
	for _, name := range names {
		for _, meta := range []bool{false, true} {
			st, src, ok, err := fs.LstatSource(name, meta)
			want, werr := lstat(fs, name, meta)
			if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
				t.Errorf("%s (meta %v): error %v, want %v", name, meta, err, werr)
				continue
			}
			if err == nil && st != want {
				t.Errorf("%s (meta %v): %+v, want %+v", name, meta, st, want)
			}
			if wsrc, wok := fs.DataSource(name); ok != wok || src != wsrc {
				t.Errorf("%s (meta %v): source %+v %v, want %+v %v", name, meta, src, ok, wsrc, wok)
			}
		}
	}
}

// lstat is Lstat's stat of name, or LstatMeta's with meta.
func lstat(fs SourceStatFS, name string, meta bool) (caps.Stat, error) {
	if meta {
		return fs.LstatMeta(name)
	}
	fi, _, err := fs.LstatIfPossible(name)
	if err != nil {
		return caps.Stat{}, err
	}
	return caps.StatOf(fi, func() (uint64, uint64) { panic(errors.New("no stat in " + name + "'s FileInfo")) }), nil
}

// TypeStatFS is what TypeStat checks.
type TypeStatFS interface {
	caps.MetaStater
	caps.TypeStater
}

// TypeStat checks, for each of names, that LstatType gives the type bits
// of LstatMeta's mode, and its error.
func TypeStat(t testing.TB, fs TypeStatFS, names ...string) {
	t.Helper()
	for _, name := range names {
		typ, err := fs.LstatType(name)
		st, werr := fs.LstatMeta(name)
		if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
			t.Errorf("%s: error %v, want %v", name, err, werr)
			continue
		}
		if err == nil && typ != st.Mode&syscall.S_IFMT {
			t.Errorf("%s: type %o, want %o", name, typ, st.Mode&syscall.S_IFMT)
		}
	}
}
