// scenarios_test.go holds the scenarios of the differential test (see
// steps_test.go for the step language): one per rule of path resolution,
// open, O_TMPFILE, mkdir, rmdir, unlink, rename, link, linkat with
// AT_EMPTY_PATH ("flink"), symlink, attributes and permissions. "=ERRNO"
// or "=ok" at the end of a step is what the kernel must answer.

package mem

import (
	"fmt"
	"strings"
)

var user = &Cred{Uid: 1000, Gid: 1000, Groups: []uint32{1000, 50}}

func scenarios() []scenario {
	long255 := strings.Repeat("n", 255)
	long256 := strings.Repeat("n", 256)
	longPath := strings.Repeat("d/", 2048) // 4096 bytes
	var chain []string
	chain = append(chain, "put f x")
	chain = append(chain, "symlink f l0")
	for i := 1; i <= 40; i++ {
		chain = append(chain, fmt.Sprintf("symlink l%d l%d", i-1, i))
	}
	chain = append(chain, "stat l39 =ok", "stat l40 =ELOOP", "lstat l40 =ok",
		"open 1 l39 RDONLY =ok", "read 1 5", "close 1", "open 2 l40 RDONLY =ELOOP",
		"mkdir d", "symlink d dl0")
	for i := 1; i <= 40; i++ {
		chain = append(chain, fmt.Sprintf("symlink dl%d dl%d", i-1, i))
	}
	chain = append(chain, "stat dl39/. =ok", "stat dl40/. =ELOOP", "mkdir dl39/x =ok", "mkdir dl40/y =ELOOP")

	return []scenario{
		{name: "create_write_read", steps: []string{
			"put a hello =ok", "cat a", "stat a", "open 1 a RDONLY =ok", "read 1 3", "read 1 10",
			"read 1 10", "close 1", "stat /", "lstat .",
		}},
		{name: "dots_and_slashes", steps: []string{
			"mkdir a", "mkdir a/b", "stat a/./b/../b =ok", "stat //a///b// =ok",
			"stat a/b/../../a =ok", "stat ../a =ok", "stat /.. =ok", "stat /../../a/b =ok",
			"put a/../f x", "stat f =ok", "stat a/nope/.. =ENOENT", "stat f/.. =ENOTDIR",
			"stat f/. =ENOTDIR", "stat \"\" =ENOENT", "mkdir ./a/./c", "ls a",
		}},
		{name: "trailing_slash_file", steps: []string{
			"put f x", "stat f/ =ENOTDIR", "lstat f/ =ENOTDIR", "open 1 f/ RDONLY =ENOTDIR",
			"open 2 f/ WRONLY|CREAT =EISDIR", "mkdir f/ =EEXIST", "unlink f/ =ENOTDIR",
			"rmdir f/ =ENOTDIR", "remove f/ =ENOTDIR", "rename f/ g =ENOTDIR", "rename f g/ =ENOTDIR",
			"link f g/ =ENOENT", "symlink f g/ =ENOENT", "link f/ g =ENOTDIR", "truncate f/ 0 =ENOTDIR",
			"chmod f/ 0600 =ENOTDIR", "readlink f/ =ENOTDIR",
		}},
		{name: "trailing_slash_missing", steps: []string{
			"stat nope/ =ENOENT", "open 1 nope/ RDWR|CREAT =EISDIR", "mkdir nd/ =ok", "mkdir nd2// =ok",
			"symlink x s/ =ENOENT", "unlink nope/ =ENOENT", "rmdir nd/ =ok", "stat nd =ENOENT",
			"mkdir d", "unlink d/ =EISDIR", "rename d/ e/ =ok", "stat e/ =ok", "rename e/ nope/x =ENOENT",
			"remove e/ =ok",
		}},
		{name: "trailing_slash_symlink", steps: []string{
			"mkdir d", "put d/f x", "symlink d l", "symlink d/f lf", "lstat l/ =ok", "stat l/ =ok",
			"readlink l/ =EINVAL", "readlink l =ok", "unlink l/ =ENOTDIR", "rmdir l/ =ENOTDIR",
			"rmdir l =ENOTDIR", "lstat lf/ =ENOTDIR", "open 1 l/ RDONLY|NOFOLLOW =ok", "close 1",
			"remove l =ok", "stat d/f =ok",
		}},
		{name: "name_too_long", steps: []string{
			"mkdir " + long256 + " =ENAMETOOLONG", "put " + long255 + " x =ok", "stat " + long255 + " =ok",
			"stat " + long256 + "/x =ENAMETOOLONG", "stat nope/" + long256 + " =ENOENT",
			"stat " + long256 + " =ENAMETOOLONG", "open 1 " + long256 + " RDWR|CREAT =ENAMETOOLONG",
			"stat " + longPath + " =ENAMETOOLONG", "symlink x " + long256 + " =ENAMETOOLONG",
			"rename " + long255 + " " + long256 + " =ENAMETOOLONG", "unlink " + long256 + " =ENAMETOOLONG",
			"rmdir " + long256 + " =ENAMETOOLONG", "link " + long255 + " " + long256 + " =ENAMETOOLONG",
			"symlink " + longPath + " s =ENAMETOOLONG", "ls /",
		}},
		{name: "symlink_relative", steps: []string{
			"mkdir d", "mkdir d/e", "put d/e/f hi", "symlink d/e l", "stat l/f =ok", "cat l/f",
			"symlink ../../d d/e/up", "stat d/e/up/e/f =ok", "symlink . self", "stat self/self/self/d =ok",
			"symlink e/f d/lf", "cat d/lf", "symlink ../nope d/dangling", "stat d/dangling =ENOENT",
			"lstat d/dangling =ok", "stat d/dangling/x =ENOENT", "symlink d/e/f lfile", "stat lfile/x =ENOTDIR",
			"stat l/.. =ok", "mkdir l/../g =ok", "ls d",
		}},
		{name: "symlink_absolute", steps: []string{
			"mkdir d", "mkdir d/e", "put d/e/f abs", "symlink /d/e abs", "cat abs/f", "symlink / rootlink",
			"stat rootlink/d/e =ok", "symlink /../../d d/e/back", "stat d/e/back/e/f =ok",
			"open 1 /abs/f RDONLY =ok", "read 1 10", "close 1", "symlink /d/e/f d/af", "cat d/af",
		}},
		{name: "symlink_loop", steps: []string{
			"symlink loop2 loop1", "symlink loop1 loop2", "stat loop1 =ELOOP", "lstat loop1 =ok",
			"stat loop1/x =ELOOP", "open 1 loop1 RDWR|CREAT =ELOOP", "mkdir loop1/x =ELOOP",
			"open 2 loop1 RDONLY|NOFOLLOW =ELOOP", "readlink loop1 =ok", "remove loop1 =ok",
			"stat loop2 =ENOENT", "symlink me me", "stat me =ELOOP", "open 3 me WRONLY|CREAT =ELOOP",
		}},
		{name: "symlink_chain_40", steps: chain},
		{name: "nofollow_readlink", steps: []string{
			"put f data", "symlink f l", "open 1 l RDONLY|NOFOLLOW =ELOOP", "open 2 l RDONLY =ok",
			"read 2 10", "close 2", "lstat l =ok", "stat l =ok", "readlink l =ok", "readlink f =EINVAL",
			"readlink nope =ENOENT", "readlink / =EINVAL", "readlink l/ =ENOTDIR",
			"open 3 l WRONLY|CREAT|NOFOLLOW =ELOOP",
		}},
		{name: "creat_excl", steps: []string{
			"put f x", "open 1 f WRONLY|CREAT|EXCL =EEXIST", "symlink nowhere dl",
			"open 2 dl WRONLY|CREAT|EXCL =EEXIST", "stat nowhere =ENOENT", "open 3 dl WRONLY|CREAT 0600 =ok",
			"write 3 via", "close 3", "cat nowhere", "lstat dl", "stat dl", "mkdir d",
			"open 4 d RDONLY|CREAT|EXCL =EEXIST", "open 5 new RDWR|CREAT|EXCL 0640 =ok", "fstat 5", "close 5",
			"open 6 . RDONLY|CREAT =EISDIR", "open 7 d/.. RDONLY|CREAT|EXCL =EEXIST",
		}},
		{name: "creat_dangling_errors", steps: []string{
			"put f x", "symlink nodir/x dl2", "open 1 dl2 RDWR|CREAT =ENOENT", "symlink f/x dl3",
			"open 2 dl3 RDWR|CREAT =ENOTDIR", "symlink newdir/ dl4", "open 3 dl4 RDWR|CREAT =EISDIR",
			"mkdir d", "symlink d/sub/../x dl5", "open 4 dl5 RDWR|CREAT =ENOENT",
			"symlink /d/abs dl6", "open 5 dl6 WRONLY|CREAT =ok", "close 5", "stat d/abs =ok",
			"symlink dl7 dl7", "open 6 dl7 WRONLY|CREAT =ELOOP",
		}},
		{name: "creat_missing_parent", steps: []string{
			"open 1 nodir/f RDWR|CREAT =ENOENT", "put f x", "open 2 f/g RDWR|CREAT =ENOTDIR",
			"open 3 nope RDONLY =ENOENT", "open 4 / WRONLY|CREAT =EISDIR", "open 5 / RDONLY|CREAT =EISDIR",
		}},
		{name: "open_trunc", steps: []string{
			"put f hello", "open 1 f WRONLY|TRUNC =ok", "fstat 1", "write 1 ab", "close 1", "cat f",
			"open 2 f RDONLY|TRUNC =ok", "fstat 2", "close 2", "stat f", "put g hello",
			"open 3 g RDWR|CREAT|TRUNC =ok", "fstat 3", "close 3", "put h hi",
			"open 4 h RDWR|CREAT|EXCL|TRUNC =EEXIST", "cat h",
		}},
		{name: "open_append", steps: []string{
			"open 1 f WRONLY|CREAT|APPEND 0644 =ok", "open 2 f WRONLY|APPEND =ok", "write 1 aa", "write 2 bb",
			"seek 1 0 0", "write 1 cc", "write 2 dd", "pwrite 1 XX 0", "close 1", "close 2", "cat f",
			"open 3 f RDWR =ok", "write 3 zz", "open 4 f RDWR|APPEND =ok", "write 4 yy", "read 3 100",
			"close 3", "close 4", "cat f",
		}},
		{name: "open_directory_flags", steps: []string{
			"mkdir d", "put f x", "open 1 d RDONLY =ok", "open 2 d WRONLY =EISDIR", "open 3 d RDWR =EISDIR",
			"open 4 d RDONLY|TRUNC =EISDIR", "open 5 d WRONLY|CREAT =EISDIR", "open 6 d RDONLY|CREAT|EXCL =EEXIST",
			"open 7 f RDONLY|DIRECTORY =ENOTDIR", "open 8 d RDONLY|DIRECTORY =ok",
			"open 9 nope RDONLY|CREAT|DIRECTORY =EINVAL", "open 10 d RDONLY|CREAT|DIRECTORY =EINVAL",
			"read 1 10 =EISDIR", "write 1 x =EBADF", "pread 1 10 0 =EISDIR", "ftruncate 1 0 =EINVAL",
			"open 11 f RDONLY =ok", "write 11 x =EBADF", "ftruncate 11 0 =EINVAL", "open 12 f WRONLY =ok",
			"read 12 1 =EBADF", "close 1", "close 8", "close 11", "close 12",
		}},
		{name: "mkdir_errors", steps: []string{
			"mkdir a =ok", "mkdir a =EEXIST", "mkdir x/y =ENOENT", "put f x", "mkdir f/y =ENOTDIR",
			"mkdir / =EEXIST", "mkdir . =EEXIST", "mkdir a/.. =EEXIST", "mkdir a/. =EEXIST",
			"mkdir f =EEXIST", "symlink nowhere dl", "mkdir dl =EEXIST", "stat nowhere =ENOENT",
			"mkdir m7 07777 =ok", "mkdir m0 0 =ok", "mkdir m1 01755 =ok", "mkdir m4 04755 =ok",
			"stat m7", "stat m0", "stat m1", "stat m4", "mkdir m0/x =ok", "stat a", "stat /",
		}},
		{name: "rmdir_errors", steps: []string{
			"mkdir a", "put a/f x", "rmdir a =ENOTEMPTY", "remove a =ENOTEMPTY", "rmdir a/f =ENOTDIR",
			"remove / =EBUSY", "rmdir / =EBUSY", "remove a/. =EINVAL", "rmdir a/. =EINVAL",
			"rmdir a/.. =ENOTEMPTY", "unlink a =EISDIR", "unlink . =EISDIR", "unlink / =EISDIR",
			"unlink a/.. =EISDIR", "rmdir nope =ENOENT", "remove nope =ENOENT", "remove a/f =ok",
			"mkdir a/b", "rmdir a/b/. =EINVAL", "remove a/b =ok", "rmdir a =ok", "stat / =ok",
			"unlink nope/x =ENOENT", "rmdir . =EINVAL", "rmdir .. =ENOTEMPTY",
		}},
		{name: "remove_symlink_to_dir", steps: []string{
			"mkdir d", "put d/f x", "symlink d l", "remove l =ok", "stat d/f =ok", "symlink d l2",
			"unlink l2 =ok", "symlink d l3", "rmdir l3 =ENOTDIR", "remove l3/ =ENOTDIR", "stat l3 =ok",
		}},
		{name: "rename_file_over_file", steps: []string{
			"put a one", "put b two", "link b b2", "rename a b =ok", "cat b", "stat b", "stat b2",
			"stat a =ENOENT", "rename b b =ok", "rename nope b =ENOENT", "rename b nodir/b =ENOENT",
		}},
		{name: "rename_dir_over_empty_dir", steps: []string{
			"mkdir a", "put a/f x", "mkdir b", "mkdir p", "mkdir p/q", "rename a b =ok", "stat /", "ls b",
			"rename b p/q =ok", "stat p", "stat /", "ls p/q",
		}},
		{name: "rename_dir_over_nonempty", steps: []string{
			"mkdir a", "mkdir b", "put b/f x", "rename a b =ENOTEMPTY", "mkdir b/sub", "rename a b/sub =ok",
			"rename b/sub b =ENOTEMPTY", "stat b",
		}},
		{name: "rename_type_mismatch", steps: []string{
			"mkdir a", "put f x", "rename a f =ENOTDIR", "rename f a =EISDIR", "symlink a l",
			"rename a l =ENOTDIR", "rename l a =EISDIR", "rename l l2 =ok", "readlink l2",
		}},
		{name: "rename_into_subtree", steps: []string{
			"mkdir a", "mkdir a/b", "rename a a/b/c =EINVAL", "rename a a/b =EINVAL", "rename a/b a =ENOTEMPTY",
			"rename a a =ok", "rename a/b a/b =ok", "rename / x =EBUSY", "rename a . =EBUSY",
			"rename a .. =EBUSY", "rename a/. z =EBUSY", "rename a / =EBUSY", "rename a . NOREPLACE =EEXIST",
			"rename a/b/.. z =EBUSY", "put a/b/f x", "rename a/b a/b/f =EINVAL", "rename a/b/f a/b/f2 =ok",
			"rename a/b/f2 f3 =ok", "rename a/b c =ok", "stat a",
		}},
		{name: "rename_hardlinks_same_inode", steps: []string{
			"put a x", "link a b", "rename a b =ok", "stat a =ok", "stat b", "rename a b NOREPLACE =EEXIST",
			"rename a b EXCHANGE =ok", "stat a",
		}},
		{name: "rename_noreplace", steps: []string{
			"put a one", "put b two", "rename a b NOREPLACE =EEXIST", "rename a c NOREPLACE =ok",
			"cat c", "rename c d NOREPLACE|EXCHANGE =EINVAL", "rename c d WHITEOUT|EXCHANGE =EINVAL",
			"mkdir dir", "rename b dir NOREPLACE =EEXIST",
		}},
		{name: "rename_exchange", steps: []string{
			"put a one", "mkdir d", "put d/x inner", "mkdir other", "rename a d EXCHANGE =ok", "stat a",
			"stat d", "cat d", "ls a", "rename a nope EXCHANGE =ENOENT", "rename nope a EXCHANGE =ENOENT",
			"mkdir p", "mkdir p/q", "rename p p/q EXCHANGE =EINVAL", "rename p/q p EXCHANGE =EINVAL",
			"rename a other/a EXCHANGE =ENOENT", "put other/file y", "rename a other/file EXCHANGE =ok",
			"stat /", "stat other", "ls other", "rename other/file d/ EXCHANGE =ENOTDIR",
			"rename d other/file/ EXCHANGE =ok", "ls other/file", "rename p p EXCHANGE =ok",
		}},
		{name: "rename_across_dirs_nlink", steps: []string{
			"mkdir a", "mkdir b", "mkdir a/s", "put a/s/f x", "stat a", "stat b", "rename a/s b/s =ok",
			"stat a", "stat b", "stat b/s/.. =ok", "put b/s/../marker y", "ls b", "rename b/s/f a/f =ok",
			"ls a",
		}},
		{name: "rename_trailing_slash", steps: []string{
			"mkdir d", "rename d/ e/ =ok", "put f x", "rename f g/ =ENOTDIR", "rename f/ g =ENOTDIR",
			"rename e// h =ok", "symlink h lh", "rename lh/ x =ENOTDIR", "rename lh x =ok", "readlink x",
		}},
		{name: "rename_symlink_over", steps: []string{
			"put f x", "symlink f l", "put g y", "rename g l =ok", "lstat l", "cat l", "symlink nope dang",
			"rename l dang =ok", "stat dang", "stat nope =ENOENT",
		}},
		{name: "hardlinks", steps: []string{
			"put a x", "link a b =ok", "link a c =ok", "stat a", "unlink b =ok", "stat c", "link a c =EEXIST",
			"link nope x =ENOENT", "mkdir d", "link d e =EPERM", "symlink a s", "link s s2 =ok", "lstat s2",
			"lstat s", "link a d/ =EEXIST", "link a nodir/x =ENOENT", "link a d/. =EEXIST",
			"link a / =EEXIST", "link / x =EPERM", "link d/.. x =EPERM", "unlink a", "cat c", "stat c",
		}},
		{name: "dir_nlink_and_size", steps: []string{
			"mkdir a", "mkdir a/b", "mkdir a/c", "put a/f x", "symlink x a/l", "stat a", "rmdir a/b",
			"stat a", "stat /", "unlink a/l", "stat a", "rename a/c c", "stat a", "stat /",
		}},
		{name: "unlinked_open_file", steps: []string{
			"put f data", "open 1 f RDWR =ok", "open 2 f RDONLY =ok", "unlink f =ok", "write 1 DATA2",
			"pread 1 20 0", "fstat 1", "read 2 20", "put f new", "fstat 2", "cat f", "close 1", "close 2",
		}},
		{name: "chmod", steps: []string{
			"put f x", "chmod f 04755 =ok", "stat f", "chmod f 0 =ok", "stat f", "mkdir d",
			"chmod d 01777 =ok", "stat d", "symlink f l", "chmod l 0640 =ok", "lstat l", "stat f",
			"chmod nope 0644 =ENOENT", "chmod d 07777", "stat d", "chmod / 0700 =ok", "stat /",
			"chmod / 0755",
		}},
		{name: "chown", steps: []string{
			"put f x", "chown f 1000 1000 =ok", "stat f", "chown f -1 2000 =ok", "stat f",
			"chown f 3000 -1 =ok", "stat f", "symlink f l", "lchown l 7 8 =ok", "lstat l", "stat f",
			"chown l 9 9 =ok", "stat f", "lstat l", "chmod f 06755", "chown f -1 -1 =ok", "stat f",
			"chmod f 06745", "chown f -1 -1", "stat f", "mkdir d", "chmod d 06755", "chown d 5 5",
			"stat d", "chown nope 1 1 =ENOENT",
		}},
		{name: "truncate", steps: []string{
			"put f hello", "truncate f 2 =ok", "cat f", "truncate f 6 =ok", "cat f", "stat f", "mkdir d",
			"truncate d 0 =EISDIR", "truncate f -1 =EINVAL", "symlink f l", "truncate l 1 =ok", "cat f",
			"truncate nope 0 =ENOENT", "open 1 f RDWR", "ftruncate 1 3", "fstat 1", "close 1", "cat f",
		}},
		{name: "symlink_errors", steps: []string{
			"put f x", "symlink x f =EEXIST", "symlink \"\" s =ENOENT", "symlink x nodir/s =ENOENT",
			"symlink x / =EEXIST", "symlink x . =EEXIST", "symlink abcdef s =ok", "lstat s", "readlink s",
			"symlink " + strings.Repeat("t", 300) + " long =ok", "lstat long", "symlink x f/s =ENOTDIR",
		}},
		{name: "readdir", steps: []string{
			"mkdir d", "put d/a x", "put d/b y", "mkdir d/c", "symlink a d/l", "ls d", "ls d/c", "ls f =ENOENT",
			"put f x", "ls f =ENOTDIR", "open 1 d RDONLY", "readdir 1", "readdir 1", "seek 1 0 0", "readdir 1",
			"close 1", "unlink d/a", "ls d", "ls /",
		}},
		{name: "readdir_removed_dir", steps: []string{
			"mkdir d", "open 1 d RDONLY =ok", "rmdir d =ok", "readdir 1 =ENOENT", "fstat 1", "close 1",
		}},
		{name: "setgid_dir", steps: []string{
			"mkdir d 02775", "stat d", "chown d -1 1234", "chmod d 02775", "stat d", "mkdir d/sub",
			"stat d/sub", "put d/f x 02755", "stat d/f", "symlink f d/l", "lstat d/l", "mkdir d/sub/deeper 0700",
			"stat d/sub/deeper",
		}},
		{name: "mkdirall_removeall", steps: []string{
			"mkdirall a/b/c 0750 =ok", "put a/b/c/f x", "mkdirall a/b/c =ok", "mkdirall a/b/c/f/g =ENOTDIR",
			"mkdirall a/b/c/f =ENOTDIR", "symlink a/b lb", "mkdirall lb/new =ok", "removeall a =ok",
			"stat a =ENOENT", "removeall a =ok", "mkdir x", "put x/y z", "symlink x lx", "removeall lx =ok",
			"stat x/y =ok", "removeall x/. =EINVAL", "mkdirall x//y2/ =ok", "ls x",
		}},
		{name: "utimes", steps: []string{
			"put f x", "utimes f =ok", "utimes nope =ENOENT", "symlink f l", "lutimes l =ok", "utimes l =ok",
			"mkdir d", "utimes d =ok",
		}},
		{name: "touch", steps: []string{
			"put f x", "touch f =ok", "touch nope =ENOENT", "symlink f l", "ltouch l =ok", "touch l =ok",
			"mkdir d", "touch d =ok", "touch d/nope =ENOENT", "symlink nowhere dl", "touch dl =ENOENT",
			"ltouch dl =ok", "stat f",
		}},
		{name: "fattrs", steps: []string{
			"put f x", "open 1 f RDONLY =ok", "fchmod 1 0600 =ok", "fstat 1", "fchown 1 7 8 =ok", "fstat 1",
			"futimes 1 =ok", "ftouch 1 =ok", "mkdir d", "open 2 d RDONLY =ok", "fchmod 2 0700 =ok",
			"fchown 2 5 5 =ok", "ftouch 2 =ok", "futimes 2 =ok", "stat d", "unlink f", "fchmod 1 04755 =ok",
			"fstat 1", "fchown 1 -1 -1 =ok", "fstat 1", "futimes 1 =ok", "ftouch 1 =ok", "rmdir d",
			"fchmod 2 01755 =ok", "fchown 2 9 -1 =ok", "fstat 2", "ftouch 2 =ok", "close 1", "close 2",
			"fchmod 1 0600 =EBADF", "ftouch 2 =EBADF",
		}},
		{name: "dup_data", steps: []string{
			"put f hello", "open 1 f RDWR =ok", "dup 1 2 =ok", "rename f g =ok", "fstat 2", "read 2 2",
			"read 1 10", "seek 2 1 0", "write 1 E", "cat g", "unlink g =ok", "fstat 2", "fchmod 2 0640 =ok",
			"fstat 1", "ftruncate 2 1 =ok", "fstat 1", "ftouch 2 =ok", "fchown 2 3 4 =ok", "close 1",
			"fstat 2", "pread 2 10 0", "futimes 2 =ok", "close 2", "put h x", "open 3 h RDONLY =ok",
			"dup 3 4 =ok", "ftruncate 4 0 =EINVAL", "write 4 x =EBADF", "close 3", "fstat 4", "close 4",
		}},
		{name: "offsets_and_holes", steps: []string{
			"open 1 f RDWR|CREAT 0600 =ok", "write 1 \"hello world\"", "seek 1 6 0", "read 1 5", "pwrite 1 Z 20",
			"fstat 1", "pread 1 30 0", "seek 1 0 2", "seek 1 -3 1", "read 1 10", "seek 1 -100 0 =EINVAL",
			"close 1", "cat f",
		}},
		{name: "creat_through_symlink_to_file", steps: []string{
			"put f xyz", "symlink f l", "open 1 l WRONLY|CREAT|TRUNC =ok", "write 1 new", "close 1",
			"cat f", "lstat l", "mkdir d", "symlink d ld", "open 2 ld WRONLY|CREAT =EISDIR",
			"open 3 ld RDONLY|CREAT =EISDIR", "open 4 ld RDONLY =ok", "close 4",
		}},
		{name: "dotdot_after_rename", steps: []string{
			"mkdir a", "mkdir a/b", "mkdir c", "rename a/b c/b", "stat c/b/.. =ok", "put c/b/../marker x",
			"ls c", "ls a", "symlink ../.. c/b/up", "stat c/b/up/c =ok",
		}},
		{name: "create_modes", steps: []string{
			"open 1 s RDWR|CREAT 04755", "close 1", "stat s", "open 2 g RDWR|CREAT 02750", "close 2", "stat g",
			"open 3 z RDWR|CREAT 0", "close 3", "stat z", "open 4 z RDWR =ok", "close 4",
		}},
		{name: "many_entries", steps: manyEntries()},
		{name: "tmpfile_create_link", steps: []string{
			"mkdir d", "open 1 d RDWR|TMPFILE 0640 =ok", "write 1 hello", "fstat 1", "ls d", "stat d",
			"pread 1 10 0", "flink 1 d/f =ok", "fstat 1", "stat d/f", "cat d/f", "write 1 \" more\"",
			"cat d/f", "flink 1 g =ok", "fstat 1", "stat d", "ls d", "close 1", "stat g",
			"open 2 . WRONLY|TMPFILE 0600 =ok", "write 2 w", "fstat 2", "read 2 1 =EBADF", "flink 2 d/w =ok",
			"close 2", "cat d/w", "open 3 d/ RDWR|TMPFILE|APPEND|TRUNC 0644 =ok", "write 3 ab",
			"pwrite 3 c 0", "flink 3 d/a =ok", "close 3", "cat d/a",
		}},
		{name: "tmpfile_unlinked", steps: []string{
			"open 1 / RDWR|TMPFILE =ok", "write 1 gone", "fstat 1", "close 1", "ls /",
			"open 2 / RDWR|TMPFILE 0 =ok", "fstat 2", "write 2 x", "fchmod 2 0604 =ok", "fchown 2 7 8 =ok",
			"ftruncate 2 5 =ok", "fstat 2", "flink 2 named =ok", "stat named", "close 2",
		}},
		{name: "tmpfile_excl", steps: []string{
			"open 1 . WRONLY|TMPFILE|EXCL 0600 =ok", "write 1 x", "fstat 1", "flink 1 f =ENOENT",
			"stat f =ENOENT", "dup 1 2 =ok", "flink 2 f =ENOENT", "close 1", "close 2",
			"open 3 . RDWR|TMPFILE|EXCL =ok", "flink 3 nodir/f =ENOENT", "flink 3 . =EEXIST", "close 3",
		}},
		{name: "tmpfile_open_errors", steps: []string{
			"put f x", "mkdir d", "symlink d ld", "symlink f lf", "open 1 d RDONLY|TMPFILE =EINVAL",
			"open 2 nope RDONLY|TMPFILE =EINVAL", "open 3 f RDWR|TMPFILE =ENOTDIR",
			"open 4 nope RDWR|TMPFILE =ENOENT", "open 5 d RDWR|TMPFILE|CREAT =EINVAL",
			"open 6 f/ WRONLY|TMPFILE =ENOTDIR", "open 7 nope/x RDWR|TMPFILE =ENOENT",
			"open 8 f/x RDWR|TMPFILE =ENOTDIR", "open 9 ld WRONLY|TMPFILE =ok", "close 9",
			"open 10 ld WRONLY|TMPFILE|NOFOLLOW =ENOTDIR", "open 11 ld/ WRONLY|TMPFILE|NOFOLLOW =ok",
			"close 11", "open 12 lf RDWR|TMPFILE =ENOTDIR", "open 13 d WRONLY|TMPFILE|CREAT|EXCL =EINVAL",
			"ls d", "stat d",
		}},
		{name: "tmpfile_link_errors", steps: []string{
			"put f x", "mkdir d", "open 1 d RDWR|TMPFILE =ok", "flink 1 f =EEXIST", "flink 1 nodir/x =ENOENT",
			"flink 1 d =EEXIST", "flink 1 f/x =ENOTDIR", "flink 1 d/t/ =ENOENT", "flink 1 \"\" =ENOENT",
			"flink 1 d/t =ok", "unlink d/t =ok", "fstat 1", "flink 1 d/t =ENOENT", "open 2 f RDWR =ok",
			"unlink f =ok", "flink 2 f2 =ENOENT", "flink 9 x =EBADF", "close 1", "close 2", "put g y",
			"open 3 g RDONLY =ok", "flink 3 h =ok", "stat g", "rename g g2 =ok", "flink 3 h2 =ok",
			"stat h2", "close 3", "open 4 d WRONLY|TMPFILE =ok", "dup 4 5 =ok", "flink 5 d/viadup =ok",
			"fstat 4", "flink 4 d/again =ok", "fstat 5", "close 4", "close 5", "ls d",
		}},
		{name: "tmpfile_setgid_dir", steps: []string{
			"mkdir s 02775", "chown s -1 1234", "chmod s 02775", "open 1 s RDWR|TMPFILE 02755 =ok",
			"fstat 1", "flink 1 s/f =ok", "stat s/f", "close 1",
		}},

		// Permission scenarios: setup as root, steps as uid 1000.
		{name: "perm_search", cred: user, setup: []string{
			"mkdir d 0700", "put d/f x", "mkdir open 0755", "put open/f y", "mkdir x 0711", "put x/f z 0644",
			"symlink d/f ld", "symlink /x/f lx",
		}, steps: []string{
			"stat d/f =EACCES", "stat d =ok", "ls d =EACCES", "open 1 d RDONLY =EACCES",
			"stat open/f =ok", "stat x/f =ok", "ls x =EACCES", "cat x/f", "stat ld =EACCES", "lstat ld =ok",
			"stat lx =ok", "put d/new x =EACCES", "mkdir d/new =EACCES", "stat d/nope =EACCES",
			"stat d/../open =EACCES", "remove d/f =EACCES",
		}},
		{name: "perm_parent_write", cred: user, setup: []string{
			"mkdir d 0755", "put d/f x 0666", "mkdir d/sub",
		}, steps: []string{
			"put d/new x =EACCES", "mkdir d/x =EACCES", "mkdir d =EEXIST", "mkdir d/sub =EEXIST",
			"unlink d/f =EACCES", "rmdir d/sub =EACCES", "rename d/f d/g =EACCES", "symlink x d/s =EACCES",
			"link d/f d/h =EACCES", "put d/f changed =ok", "cat d/f", "open 1 d/f RDWR|CREAT|EXCL =EEXIST",
			"open 2 d/f RDWR|CREAT =ok", "close 2", "unlink d/nope =ENOENT", "rmdir d/nope =ENOENT",
		}},
		{name: "perm_owned_dir", cred: user, setup: []string{
			"mkdir u 0755", "chown u 1000 1000",
		}, steps: []string{
			"mkdir u/a =ok", "put u/f x =ok", "stat u/a", "stat u/f", "chmod u/f 0600 =ok",
			"chown u/f 0 0 =EPERM", "chown u/f -1 50 =ok", "chown u/f -1 60 =EPERM", "chown u/f 1000 -1 =ok",
			"chown u/f 1001 -1 =EPERM", "chown u/f -1 -1 =ok", "stat u/f", "chmod u 0500 =ok",
			"put u/g x =EACCES", "chmod u 0755", "symlink f u/l", "lchown u/l -1 50 =ok", "lstat u/l",
			"rename u/f u/a/f =ok", "rmdir u/a =ENOTEMPTY", "remove u/a/f =ok", "rmdir u/a =ok",
		}},
		{name: "perm_sticky", cred: user, setup: []string{
			"mkdir t 01777", "put t/rootfile x 0666", "mkdir t/rootdir 0777", "mkdir mine 01777",
			"chown mine 1000 1000", "put mine/rootfile x", "mkdir t/userdir 0755", "chown t/userdir 1000 1000",
		}, steps: []string{
			"unlink t/rootfile =EPERM", "put t/mine x =ok", "rename t/mine t/x =ok", "rename t/x t/rootfile =EPERM",
			"rename t/rootfile t/y =EPERM", "rmdir t/rootdir =EPERM", "chmod t/rootfile 0600 =EPERM",
			"put t/rootfile overwritten =ok", "unlink mine/rootfile =ok", "rmdir t/userdir =ok",
			"rename t/x t/rootdir =EPERM", "link t/rootfile t/hl =ok", "unlink t/hl =EPERM",
		}},
		{name: "perm_file_access", cred: user, setup: []string{
			"put f x 0600", "put g y 0644", "put w z 0666", "put o q 0640", "chown o 1000 0", "chmod o 0040",
		}, steps: []string{
			"open 1 f RDONLY =EACCES", "open 2 g RDONLY =ok", "close 2", "open 3 g WRONLY =EACCES",
			"open 4 g RDONLY|TRUNC =EACCES", "open 5 w RDWR =ok", "close 5", "truncate g 0 =EACCES",
			"truncate w 0 =ok", "open 6 o RDONLY =EACCES", "chmod o 0600 =ok", "open 7 o RDWR =ok", "close 7",
			"open 8 g RDONLY|NOATIME =EPERM", "open 9 o RDONLY|NOATIME =ok", "close 9",
		}},
		{name: "perm_groups", cred: user, setup: []string{
			"put f x 0640", "chown f 0 50", "put h y 0604", "chown h 0 50", "mkdir gd 0070", "chown gd 0 50",
			"put gd/f z 0644",
		}, steps: []string{
			"open 1 f RDONLY =ok", "close 1", "open 2 h RDONLY =EACCES", "open 3 f WRONLY =EACCES",
			"stat gd/f =ok", "put gd/g new =ok", "stat gd/g", "ls gd",
		}},
		{name: "perm_utimes_chmod", cred: user, setup: []string{
			"put f x 0666", "mkdir u", "chown u 1000 1000", "put u/own y", "chown u/own 1000 70",
		}, steps: []string{
			"utimes f =EPERM", "chmod f 0644 =EPERM", "chown f -1 -1 =ok", "utimes u/own =ok",
			"chmod u/own 02755 =ok", "stat u/own", "chmod u/own 04755 =ok", "stat u/own",
			"chown u/own -1 1000 =ok", "stat u/own", "chmod f 0666 =EPERM",
		}},
		{name: "perm_touch", cred: user, setup: []string{
			"put f x 0644", "put w y 0666", "mkdir d 0777", "mkdir rd 0755", "symlink f l", "put gw z 0620",
			"chown gw 0 50", "put own o 0", "chown own 1000 2000", "put gr r 0640", "chown gr 0 1000",
		}, steps: []string{
			"touch f =EACCES", "touch w =ok", "utimes w =EPERM", "touch d =ok", "touch rd =EACCES",
			"ltouch l =ok", "touch l =EACCES", "touch gw =ok", "touch own =ok", "touch gr =EACCES",
			"touch nope =ENOENT", "touch rd/nope =ENOENT",
		}},
		{name: "perm_fattrs", cred: user, setup: []string{
			"put f x 0644", "put w y 0666", "put own z 0644", "chown own 1000 1000", "put sg s 0755",
			"chown sg 1000 70", "mkdir rd 0755",
		}, steps: []string{
			"open 1 f RDONLY =ok", "fchmod 1 0600 =EPERM", "fchown 1 -1 -1 =ok", "fchown 1 1000 -1 =EPERM",
			"fchown 1 -1 1000 =EPERM", "futimes 1 =EPERM", "ftouch 1 =EACCES", "open 2 w RDONLY =ok",
			"ftouch 2 =ok", "futimes 2 =EPERM", "dup 2 3 =ok", "ftouch 3 =ok", "fchmod 3 0600 =EPERM",
			"dup 1 4 =ok", "ftouch 4 =EACCES", "open 5 own RDONLY =ok", "fchmod 5 02755 =ok", "fstat 5",
			"fchown 5 -1 50 =ok", "fstat 5", "fchown 5 -1 70 =EPERM", "futimes 5 =ok", "ftouch 5 =ok",
			"open 6 sg RDONLY =ok", "fchmod 6 02755 =ok", "fstat 6", "fchown 6 0 -1 =EPERM",
			"open 7 rd RDONLY =ok", "fchmod 7 0777 =EPERM", "ftouch 7 =EACCES", "fchown 7 -1 -1 =ok",
			"close 1", "close 2", "close 3", "close 4", "close 5", "close 6", "close 7",
		}},
		{name: "perm_hardlink_protection", cred: user, setup: []string{
			"put f x 0600", "put g y 0666", "put s z 04777", "mkdir u", "chown u 1000 1000", "mkdir d 0700",
			"put d/inner i 0666",
		}, steps: []string{
			"link f u/l =EPERM", "link g u/g =ok", "link s u/s =EPERM", "link d/inner u/i =EACCES",
			"link nope u/n =ENOENT", "stat g",
		}},
		{name: "perm_rename_dir_parent", cred: user, setup: []string{
			"mkdir u 0777", "chown u 1000 1000", "mkdir u/rd 0755", "mkdir u/other", "chown u/other 1000 1000",
			"mkdir u/rd2 0777",
		}, steps: []string{
			"rename u/rd u/other/rd =EACCES", "rename u/rd u/rd3 =ok", "rename u/rd2 u/other/rd2 =ok",
			"rename u/rd3 u/other EXCHANGE =ok", "rename u/rd3 u/other/x EXCHANGE =ENOENT",
		}},
		{name: "perm_setgid_nonmember", cred: user, setup: []string{
			"mkdir s 02777", "chown s 0 70", "chmod s 02777", "mkdir m 02777", "chown m 0 50", "chmod m 02777",
		}, steps: []string{
			"open 1 s/f RDWR|CREAT 02755 =ok", "close 1", "stat s/f", "mkdir s/d 0755 =ok", "stat s/d",
			"open 2 m/f RDWR|CREAT 02755 =ok", "close 2", "stat m/f", "open 3 s/g RDWR|CREAT 02745", "close 3",
			"stat s/g",
		}},
		{name: "perm_tmpfile", cred: user, setup: []string{
			"mkdir ro 0755", "mkdir u 0755", "chown u 1000 1000", "mkdir nox 0776", "mkdir u/rx 0555",
			"chown u/rx 1000 1000", "put g y 0644", "put wf z 0666", "put sf s 04777", "mkdir s 02777",
			"chown s 0 70", "chmod s 02777", "mkdir hidden 0700", "mkdir hidden/d 0777",
		}, steps: []string{
			"open 1 ro RDWR|TMPFILE =EACCES", "open 2 u RDWR|TMPFILE 0600 =ok", "fstat 2", "write 2 mine",
			"flink 2 ro/t =EACCES", "flink 2 u/t =ok", "stat u/t", "open 3 nox WRONLY|TMPFILE =EACCES",
			"open 4 u/rx WRONLY|TMPFILE =EACCES", "open 5 nope RDWR|TMPFILE =ENOENT",
			"open 6 hidden/d RDWR|TMPFILE =EACCES", "open 7 g RDONLY =ok", "flink 7 u/g =EPERM",
			"open 8 wf RDWR =ok", "flink 8 u/wf =ok", "stat wf", "open 9 sf RDONLY =ok", "flink 9 u/sf =EPERM",
			"open 10 s RDWR|TMPFILE 02755 =ok", "fstat 10", "flink 10 s/t =ok", "stat s/t",
			"open 11 u WRONLY|TMPFILE|EXCL =ok", "flink 11 u/x =ENOENT", "open 12 / RDWR|TMPFILE =EACCES",
			"close 2", "close 7", "close 8", "close 9", "close 10", "close 11",
		}},
		{name: "perm_root_owned_paths", cred: user, setup: []string{
			"mkdir r 0755", "put r/f x 0644", "symlink f r/l",
		}, steps: []string{
			"chmod r/f 0777 =EPERM", "chown r/f 1000 1000 =EPERM", "lchown r/l 1000 -1 =EPERM",
			"utimes r/l =EPERM", "lutimes r/l =EPERM", "rmdir r =EACCES", "remove r/f =EACCES",
			"removeall r =EACCES", "rename r/f f =EACCES", "truncate r/f 0 =EACCES", "readlink r/l =ok",
		}},
	}
}

// manyEntries makes and removes enough names to check ordering and sizes.
func manyEntries() []string {
	var s []string
	s = append(s, "mkdir d")
	for i := 0; i < 60; i++ {
		s = append(s, fmt.Sprintf("put d/f%02d %d", i, i))
	}
	for i := 0; i < 60; i += 3 {
		s = append(s, fmt.Sprintf("unlink d/f%02d", i))
	}
	for i := 1; i < 60; i += 3 {
		s = append(s, fmt.Sprintf("rename d/f%02d d/g%02d", i, i))
	}
	return append(s, "ls d", "stat d")
}
