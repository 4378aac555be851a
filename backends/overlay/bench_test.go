// bench_test.go measures lookups on a deep path of a host layer.

package overlay

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func BenchmarkStatDeep(b *testing.B) {
	dir := b.TempDir()
	deep := filepath.Join(dir, strings.Repeat("dir/", 10))
	if err := os.MkdirAll(deep, 0755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(deep+"/f", []byte("x"), 0644); err != nil {
		b.Fatal(err)
	}
	fs := New([]Layer{HostDir(dir)}, nil)
	name := "/" + strings.Repeat("dir/", 10) + "f"
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := fs.Lstat(name); err != nil {
			b.Fatal(err)
		}
	}
}
