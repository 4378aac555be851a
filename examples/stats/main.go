// Command stats runs a program and, when it ends, prints how many read and
// write calls its processes made and how many bytes those calls moved. An
// example of package hook: two typed hooks that let the call through and
// look at its result.
//
//	stats [--json FILE] [--mount SPEC]... [--] PROG [ARGS...]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/zvfs/zvfs/hook"
)

// counter is one call's tally.
type counter struct {
	Calls, Bytes, Errors atomic.Int64
}

// note is the After function of a call: a result of n >= 0 moved n bytes.
func (k *counter) note(ret int64) {
	if ret < 0 {
		k.Errors.Add(1)
		return
	}
	k.Bytes.Add(ret)
}

func (k *counter) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]int64{"calls": k.Calls.Load(), "bytes": k.Bytes.Load(), "errors": k.Errors.Load()})
}

// stats counts read and write. Its hooks run concurrently for concurrent
// callers, hence the atomics.
type stats struct {
	hook.Default
	Reads  counter `json:"read"`
	Writes counter `json:"write"`
}

func (s *stats) Read(c *hook.Call, fd int, buf, count uint64) hook.Result {
	s.Reads.Calls.Add(1)
	return c.After(s.Reads.note)
}

func (s *stats) Write(c *hook.Call, fd int, buf, count uint64) hook.Result {
	s.Writes.Calls.Add(1)
	return c.After(s.Writes.note)
}

func (s *stats) print(w io.Writer) {
	for _, r := range []struct {
		name string
		k    *counter
	}{{"read", &s.Reads}, {"write", &s.Writes}} {
		fmt.Fprintf(w, "stats: %-5s %10d calls %14d bytes %6d errors\n", r.name, r.k.Calls.Load(), r.k.Bytes.Load(), r.k.Errors.Load())
	}
}

// End prints the counts when the program has ended.
func (s *stats) End(code int) int {
	s.print(os.Stderr)
	if *jsonPath != "" {
		b, _ := json.MarshalIndent(s, "", "  ")
		if err := os.WriteFile(*jsonPath, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "stats: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

var jsonPath = flag.String("json", "", "also write the counts to `FILE` as JSON")

func main() { os.Exit(hook.Main(&stats{}, os.Args[1:])) }
