// Package vfs will hold zvfs's namespace: the mount table, path resolution
// (the virtual cwd, dirfds, "..", symlinks and mount crossings) and the
// handlers that turn a hooked file-system call into calls on a backend.
// Nothing lives here yet: in this release every system call passes to the
// kernel.
package vfs
