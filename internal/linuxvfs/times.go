package linuxvfs

import (
	"os"
	"time"
)

// Chtimes is os.Chtimes over a file system's utimens (which follows a
// final symbolic link when asked): a zero time.Time leaves that time
// unchanged; an error is reported as chtimes's.
func Chtimes(utimens func(name string, atime, mtime *time.Time, follow bool) error, name string, atime, mtime time.Time) error {
	var a, m *time.Time
	if !atime.IsZero() {
		a = &atime
	}
	if !mtime.IsZero() {
		m = &mtime
	}
	err := utimens(name, a, m, true)
	if pe, ok := err.(*os.PathError); ok {
		pe.Op = "chtimes"
	}
	return err
}
