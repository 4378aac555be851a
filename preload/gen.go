//go:build ignore

// gen.go regenerates stub/abi_gen.h, builds libzvfs.so and writes the
// name it is installed under (libname_gen.go). Run it with
// `go generate ./preload`.
package main

import (
	"log"
	"os"

	"github.com/zvfs/zvfs/preload/internal/stubbuild"
)

func main() {
	if err := stubbuild.Build("stub", "libzvfs.so", true); err != nil {
		log.Fatal(err)
	}
	lib, err := os.ReadFile("libzvfs.so")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("libname_gen.go", stubbuild.NameFile("preload", lib), 0o644); err != nil {
		log.Fatal(err)
	}
}
