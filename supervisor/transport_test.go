package supervisor

import (
	"os"
	"runtime"
	"testing"
)

// The supervisor runs two Ps per CPU, so that goroutines its acceptors
// start are not left waiting while the acceptors' blocking recvmsg hold
// every P; a GOMAXPROCS the user set is left as it is.
func TestMoreProcs(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(before)
	raiseProcs() // moreProcs's once may be spent: another test, or -count=2
	want := max(before, 2*runtime.NumCPU())
	if os.Getenv("GOMAXPROCS") != "" {
		want = before
	}
	if got := runtime.GOMAXPROCS(0); got != want {
		t.Fatalf("GOMAXPROCS %d after raiseProcs (was %d, %d CPUs), want %d", got, before, runtime.NumCPU(), want)
	}
}
