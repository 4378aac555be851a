/* execenv MODE PROG ARGS...: exec PROG with an empty environment (MODE
 * "empty"), a NULL envp ("null"), an envp pointing nowhere ("badarray") or
 * holding a pointer to nowhere ("badstring"), or exec a path pointing
 * nowhere ("badpath"); prints the errno name when the exec fails. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	char *empty[] = {NULL};
	char *badstring[] = {"A=1", (char *)0x7ffffffff000UL, NULL};
	if (strcmp(argv[1], "null") == 0)
		syscall(SYS_execve, argv[2], argv + 2, NULL);
	else if (strcmp(argv[1], "badarray") == 0)
		syscall(SYS_execve, argv[2], argv + 2, (char **)0x7ffffffff000UL);
	else if (strcmp(argv[1], "badpath") == 0)
		syscall(SYS_execve, (char *)0x7ffffffff000UL, argv + 2, empty);
	else if (strcmp(argv[1], "badstring") == 0)
		syscall(SYS_execve, argv[2], argv + 2, badstring);
	else
		execve(argv[2], argv + 2, empty);
	printf("execve: %s\n", errno == EFAULT ? "EFAULT" : strerror(errno));
	return 127;
}
