// Package overlay is the copy-on-write backend of zvfs: an afero.Fs that
// merges read-only lower layers (a host directory, unpacked OCI image
// layers) under an upper mem.FS that takes every change, with the
// semantics of Linux overlayfs.
//
// The upper layer is kept in the form of an OCI image layer, so that it
// is, at any time, the snapshot of what the run changed: new and changed
// files and directories are there in full (a changed lower file is copied
// up whole, with its mode, owner and times; its parent directories with
// theirs), a deleted lower name X of a directory D is an empty regular
// file D/.wh.X, and a directory that replaces a lower one whole (made
// where one was deleted, or renamed over one) holds an empty regular file
// .wh..wh..opq. Lower layers are never written; MemLayer layers hold their
// own deletions the same way.
//
// # Semantics
//
// A name is looked up from the top layer down: a whiteout hides it in all
// layers below, an opaque directory hides the lower entries of that
// directory, and a non-directory hides everything below it. A directory
// that several layers show is merged: its listing has every visible name
// once, sorted by name like mem's. Stat reports the topmost layer's
// attributes, and, as overlayfs does, a link count of 1 for a merged
// directory (one shown by more than one layer: the upper layer and a lower
// one, or two lower ones); other directories and all files have the link
// count of their layer's file. The Sys of every FileInfo is a *mem.Stat;
// files of a host layer keep the host's device and inode numbers.
//
// Reading does not copy: a lower regular file opened read-only gives a
// File whose Fd is the lower file's own descriptor (a host descriptor for
// HostDir, opened O_NOATIME like overlayfs opens its real files). The
// first change of a lower file or directory copies it up: an open for
// writing or with O_TRUNC (the data is not copied for O_TRUNC), Chmod,
// Chown, Lchown, Utimens, Touch, Truncate, Link and Rename. Copy-up keeps
// the upper parent directory's times, as overlayfs does. As in overlayfs
// without index=on, hard links of a lower file become separate files
// when one of them is copied up (the others keep the lower link count).
//
// Unlink and Rmdir remove the name from the upper layer if it is there,
// and leave a whiteout if a lower layer shows it; Rmdir wants the
// directory empty in the merged view. Creating a name over a whiteout
// removes the whiteout; Mkdir there makes the new directory opaque, as
// overlayfs does.
//
// Rename copies the source up and renames it in the upper layer, leaving
// a whiteout at the old name if a lower layer shows it. A directory that
// a lower layer shows is copied up with its whole merged tree, renamed,
// stripped of the whiteouts inside it (nothing shows through it any
// more) and made opaque if a lower layer shows a directory at the new
// name. RENAME_NOREPLACE and RENAME_EXCHANGE work as in mem, on copies of
// both names (directories with their trees).
//
// Descriptors come back: OpenDataFile and StatData recognise a descriptor
// of a lower regular file handed out by OpenFile by the file's st_dev and
// st_ino (the overlay remembers which overlay path each one was opened
// as, and follows renames), and answer for that overlay file: fchmod on
// such a descriptor copies the file up and never reaches the lower file.
// Descriptors of upper files go to the upper mem.FS, and LinkData to it
// (O_TMPFILE files are made in the upper layer, in a copy-up of their
// directory). StatFS reports the upper layer's numbers.
//
// Permissions: FS.As returns a view that checks them for a user as the
// kernel does, on the attributes of the topmost layer's file (for lower
// files: their mode, owner and group, and the user's groups), before any
// copy-up; the change itself is made through Upper().As(c), which checks
// the same on the copy. Copy-up acts as root, as overlayfs acts with the
// mounter's credentials.
//
// # Where it differs from overlayfs
//
// The differential tests run the same operations on a kernel overlayfs
// (default options: no redirect_dir, index, metacopy or xino) and compare
// errors, listings, contents, modes, owners and link counts. The known
// differences:
//
//   - Names beginning with ".wh." are reserved: they are never listed,
//     looking one up gives ENOENT, and creating one (open with O_CREAT,
//     mkdir, symlink, link, rename to it) gives EINVAL. overlayfs allows
//     them.
//   - Renaming a directory that a lower layer shows succeeds (see
//     above), where overlayfs without redirect_dir gives EXDEV (and mv
//     falls back to copying); likewise RENAME_EXCHANGE of such
//     directories. The errors such a rename can still have (ENOTEMPTY,
//     EEXIST, EACCES...) are given where overlayfs gives EXDEV first.
//   - The root directory shows the upper mem.FS root's attributes, which
//     New takes from the topmost lower root when the upper layer is empty;
//     overlayfs shows its upper directory's.
//   - Device nodes, FIFOs and sockets are made in the upper layer (Mknod);
//     a lower one is opened without copy-up, as overlayfs does (HostNode:
//     a host directory's own node), and copied up as a new node of its
//     kind by a change of its attributes, a link or a rename.
//   - A lower file's descriptor handed out by OpenFile stays the lower
//     file's: after a copy-up (through another descriptor or the path),
//     its reads still see the lower data, where overlayfs (since 4.19)
//     switches to the upper copy. fstat and fchmod through it do reach
//     the upper copy. Once its overlay name is removed, StatData reports
//     the lower file with a link count of 0 and changes through it give
//     ENOENT. Another descriptor of the same host file that the process
//     opened itself, outside the overlay, is taken as the overlay's.
//   - Directory sizes are mem's for upper directories, and count the
//     hidden whiteout and opaque entries. A directory's device and inode
//     numbers are its topmost layer's, but a directory copied up keeps
//     the ones it had (its topmost lower layer's), as overlayfs keeps a
//     copied-up object's st_ino; overlayfs reports its own device for
//     directories.
//   - An open directory is found again by its path at each call, a path
//     the FS keeps up to date through renames of it and of the directories
//     above it (caps.Pather); once it is removed or replaced, its listing
//     gives ENOENT and its Stat what it was, with a link count of 0.
//     fchmod and the like on an open directory act on its path through the
//     view, so they need search permission on its parents; on a regular
//     file they do not.
//   - The lower layers must not change while the overlay is in use
//     (overlayfs says the same). Their Lstat answers are cached (up to
//     65536 per layer), so changes would not even be seen.
package overlay
