/* vfs_handle PATH...: name_to_handle_at of each path; says "ok" or the
 * errno's name. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct file_handle *h = malloc(sizeof *h + MAX_HANDLE_SZ);
		h->handle_bytes = MAX_HANDLE_SZ;
		int mnt;
		int r = name_to_handle_at(AT_FDCWD, argv[i], h, &mnt, 0);
		printf("%s: %s\n", argv[i], r == 0 ? "ok" : errno == EOPNOTSUPP ? "EOPNOTSUPP" : errno == ENOENT ? "ENOENT" : strerror(errno));
		free(h);
	}
	return 0;
}
