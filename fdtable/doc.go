// Package fdtable will hold the open file descriptions the supervisor serves
// itself (directories, and files of backends that have no kernel descriptor):
// their offsets, flags and lifetime. Nothing lives here yet.
package fdtable
