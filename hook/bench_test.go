package hook

import (
	"bytes"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// getppidHooks hooks getppid (through Syscall) in one way.
type getppidHooks struct {
	Default
	mode string // continue, after, return
}

func (h *getppidHooks) SyscallNumbers() []int { return []int{unix.SYS_GETPPID} }

func (h *getppidHooks) Syscall(c *Call) Result {
	switch h.mode {
	case "return":
		return c.Return(1)
	case "after":
		return c.After(func(int64) {})
	}
	return c.Continue()
}

// openatHooks hooks a call the benchmark loop never makes.
type openatHooks struct{ Default }

func (openatHooks) Openat(c *Call, dirfd int, path string, flags int, mode uint32) Result {
	return c.Continue()
}

// BenchmarkHook: what a getppid costs natively, under the hook engine with
// no hooks, with hooks on other calls only (the cost for calls that are
// not hooked), and hooked — continued to the kernel, continued with an
// After function, answered by the hook. Best of 5 runs each, measured in
// the same run; the ratios are to native.
//
//	go test -run '^$' -bench Hook -benchtime 1x ./hook/
func BenchmarkHook(b *testing.B) {
	prog := callsProgram(b)
	perCall := func(h Hooks, n int) float64 {
		var out bytes.Buffer
		arg := "loop:" + strconv.Itoa(n)
		if h == nil {
			cmd := exec.Command(prog, arg)
			cmd.Stdout = &out
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		} else if code, err := Run(h, []string{prog, arg}, Options{Stdout: &out}); err != nil || code != 0 {
			b.Fatalf("status %d, %v", code, err)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(out.String()), 64)
		if err != nil {
			b.Fatalf("output %q", out.String())
		}
		return v
	}
	for i := 0; i < b.N; i++ {
		contenders := []struct {
			name string
			h    Hooks
			n    int
		}{
			{"native", nil, 2000000},
			{"nohooks", Default{}, 2000000},
			{"unhooked", openatHooks{}, 2000000},
			{"continue", &getppidHooks{mode: "continue"}, 20000},
			{"after", &getppidHooks{mode: "after"}, 20000},
			{"return", &getppidHooks{mode: "return"}, 20000},
		}
		best := make([]float64, len(contenders))
		for k := range best {
			best[k] = 1e18
		}
		for round := 0; round < 5; round++ {
			for k, c := range contenders {
				best[k] = min(best[k], perCall(c.h, c.n))
			}
		}
		for k, c := range contenders {
			b.ReportMetric(best[k], c.name+"-ns/call")
			if k > 0 {
				b.ReportMetric(best[k]/best[0], c.name+"-x")
			}
		}
	}
}
