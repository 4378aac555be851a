// Package backends holds the afero file systems zvfs mounts. mem/ is the
// POSIX in-memory backend ("mem:"): a tree of inodes with tmpfs semantics
// whose regular files keep their data in memfds. The registry that turns
// "mem:", "bind:", "overlay:" and "tar:" mount specs into file systems comes
// with the virtual file system (vfs/). Backends know nothing of system calls.
package backends
