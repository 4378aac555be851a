// Package backends will hold the afero file systems zvfs mounts and the
// registry that turns "mem:", "bind:", "overlay:" and "tar:" mount specs into
// them. Backends know nothing of system calls. Nothing lives here yet.
package backends
