// Package layer turns the upper layer of a zvfs copy-on-write overlay (a
// mem.FS) into an OCI image-layer tarball, and back.
//
// The upper layer of an overlay mount keeps deletions the way OCI image
// layers do: a name X deleted from directory D is an empty regular file
// D/.wh.X, and a directory whose lower contents are hidden holds an empty
// file D/.wh..wh..opq. Such a tree is therefore already a layer; this
// package only has to serialize it (Write, WriteFile), load one back
// (Read, ReadFile, Open), and say what a layer changes (Diff,
// DiffAgainst). Whiteout and opaque marker files are ordinary files to
// Write and Read: they are written and read as they are, never applied.
//
// # Format
//
// Write produces an uncompressed tar in the PAX format as Go's archive/tar
// writes it: each entry is a USTAR header, preceded by a PAX extended
// header only when USTAR cannot hold a field (a long name or link target,
// an ID above 2097151, a non-ASCII name, a modification time with a
// fraction of a second). Entries come depth-first with
// the names of a directory in byte order, parents before children; names
// are relative ("a/b", directories "a/b/"), and the root itself is not
// written. Every entry keeps its permission bits (set-user-ID,
// set-group-ID and sticky included), numeric owner and group and its
// modification time to the nanosecond (make compares them: a build stacked
// on a snapshot must find its objects newer than their sources), and
// nothing else: no
// access or change time, no user or group names, no device numbers. Two
// trees with the same names, types, contents, modes, owners, mtimes and
// hard links thus give the same bytes. Options.SourceDateEpoch clamps
// every later mtime to it, for reproducible builds.
//
// A non-directory with several names is written once in full under the
// name that comes first in that order; its other names are hard link
// entries (tar.TypeLink) pointing to it.
//
// # Reading
//
// Read takes a plain tar or a gzip-compressed one (told apart by their
// magic bytes; zstd, xz and bzip2 are recognised and refused). It keeps
// modes, owners, mtimes, symbolic links and hard links. Names are taken
// relative to the root whatever their form ("./a", "a/", "a//b"); an
// absolute name, or one that climbs above the root with "..", is refused,
// as is a name below a non-directory, so nothing is ever written through
// a symbolic link. A missing parent directory is created with mode 0755,
// owned by root. An entry for a name that exists replaces it, unless both
// are directories: then the existing one takes the entry's attributes.
// An entry "./" sets the attributes of the root. Extended attributes
// (PAX SCHILY.xattr records) and the PAX records of a global header are
// ignored: a mem.FS has no extended attributes.
//
// The memory file system cannot hold device nodes, FIFOs or sockets, and
// sparse tar entries (which OCI advises against) could make a small input
// claim an enormous file. Read skips such entries and every entry of a
// type it does not know, goes on with the rest, and reports them at the
// end in a *SkippedError (errors.Is(err, ErrSkipped)): the tree is then
// complete but for them. Any other error stops Read and leaves the tree
// with what was read before it. A plain tar must end with its
// end-of-archive marker (two zero blocks); one cut short, even at an
// entry boundary, is an error.
//
// # Diff
//
// Diff lists what a layer changes, one Change per path, sorted component
// by component (a directory right before what is below it): D for a name
// a whiteout deletes, M for a directory made opaque (its lower contents
// are replaced) and for a name the layer both deletes and adds again, A
// for every other entry. A layer alone cannot tell a new name from a
// changed one; DiffAgainst can, by looking at the lower directory on the
// host: a name that exists there is M, one that does not is A, and a
// whiteout of a name it does not have changes nothing and is not listed.
package layer
