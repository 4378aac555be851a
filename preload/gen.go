//go:build ignore

// gen.go regenerates stub/abi_gen.h and builds libzvfs.so. Run it with
// `go generate ./preload`.
package main

import (
	"log"

	"github.com/zvfs/zvfs/preload/internal/stubbuild"
)

func main() {
	if err := stubbuild.Build("stub", "libzvfs.so", true); err != nil {
		log.Fatal(err)
	}
}
