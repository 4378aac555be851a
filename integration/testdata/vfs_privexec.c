/* vfs_privexec PATH: made set-user-ID or set-group-ID by the test, it says
 * whether it sees PATH (a file in a mount) and with which effective IDs it
 * runs. */
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct stat st;
	if (argc != 2)
		return 2;
	printf("stat %s: %d, euid %d, egid %d\n", argv[1], stat(argv[1], &st), (int)geteuid(), (int)getegid());
	return 0;
}
