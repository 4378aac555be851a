package supervisor

import (
	"os"
	"testing"

	"github.com/zvfs/zvfs/internal/abi"
	"github.com/zvfs/zvfs/trampoline"
)

// BenchmarkAnswerHello: the supervisor's work for one process start (warm
// caches), from the maps text to the encoded answer.
func BenchmarkAnswerHello(b *testing.B) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		b.Skip(err)
	}
	s := &Server{cache: trampoline.NewCache(""), copies: newPatchStore(b.TempDir()),
		pids: map[int32]struct{}{}, files: map[string]FileSites{}, skipped: map[string]int{}}
	h := abi.Hello{Maps: maps}
	s.answerHello(1, h)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.answerHello(1, h)
	}
}
