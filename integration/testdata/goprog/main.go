// goprog is a dynamically linked (cgo) Go program with goroutines, timers
// and file I/O, run under zvfs by the integration tests.
package main

/*
static int twice(int x) { return 2 * x; }
*/
import "C"

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

func main() {
	dir, err := os.MkdirTemp("", "goprog")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	var wg sync.WaitGroup
	sums := make([]int, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := filepath.Join(dir, fmt.Sprint(i))
			for j := 0; j < 50; j++ {
				if err := os.WriteFile(p, []byte(fmt.Sprint(i*j)), 0o644); err != nil {
					panic(err)
				}
				b, err := os.ReadFile(p)
				if err != nil {
					panic(err)
				}
				var v int
				fmt.Sscan(string(b), &v)
				sums[i] += v
			}
		}(i)
	}
	wg.Wait()
	total := 0
	for _, s := range sums {
		total += s
	}
	ticks := 0
	t := time.NewTicker(2 * time.Millisecond)
	timeout := time.After(500 * time.Millisecond)
loop:
	for {
		select {
		case <-t.C:
			ticks++
			if ticks == 20 {
				break loop
			}
		case <-timeout:
			break loop
		}
	}
	t.Stop()
	out, err := exec.Command("echo", "child").Output()
	if err != nil {
		panic(err)
	}
	fmt.Printf("total %d ticks %d cgo %d child %s", total, ticks, C.twice(21), out)
}
