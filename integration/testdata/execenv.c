/* execenv MODE PROG ARGS...: exec PROG with an empty environment (MODE
 * "empty") or a NULL envp (MODE "null"). */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	char *empty[] = {NULL};
	if (argv[1][0] == 'n')
		syscall(SYS_execve, argv[2], argv + 2, NULL);
	else
		execve(argv[2], argv + 2, empty);
	perror("execve");
	return 127;
}
