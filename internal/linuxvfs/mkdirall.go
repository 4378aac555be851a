package linuxvfs

import (
	"os"

	"golang.org/x/sys/unix"
)

// Dirs is what MkdirAll needs of a file system.
type Dirs interface {
	Stat(name string) (os.FileInfo, error)
	Lstat(name string) (os.FileInfo, error)
	Mkdir(name string, perm os.FileMode) error
}

// MkdirAll creates name and every missing parent in fs, like os.MkdirAll:
// nil if name already is a directory, ENOTDIR if it is something else.
func MkdirAll(fs Dirs, name string, perm os.FileMode) error {
	if e := CheckPath(name); e != 0 {
		return &os.PathError{Op: "mkdir", Path: name, Err: e}
	}
	if fi, err := fs.Stat(name); err == nil {
		if fi.IsDir() {
			return nil
		}
		return &os.PathError{Op: "mkdir", Path: name, Err: unix.ENOTDIR}
	}
	i := len(name)
	for i > 0 && name[i-1] == '/' {
		i--
	}
	j := i
	for j > 0 && name[j-1] != '/' {
		j--
	}
	if j > 1 {
		if err := MkdirAll(fs, name[:j-1], perm); err != nil {
			return err
		}
	}
	err := fs.Mkdir(name, perm)
	if err != nil {
		if fi, lerr := fs.Lstat(name); lerr == nil && fi.IsDir() {
			return nil
		}
	}
	return err
}
