// vfs_setuid_view: a root process looks files of DIR up (so that zvfs's
// view holds them), then becomes uid/gid 65534 and looks again: the answers
// must follow its new credentials, as the kernel's do. Prints one line per
// call; run natively and under zvfs, the output must be the same.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void probe(const char *who, const char *d)
{
	static const char *names[] = {"public", "secret", "private/inner", "private", "open/inner", "missing", "private/missing"};
	for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
		char p[512], res[256] = "";
		snprintf(p, sizeof p, "%s/%s", d, names[i]);
		struct stat st;
		int r = stat(p, &st);
		snprintf(res + strlen(res), sizeof res - strlen(res), " stat %s", r ? strerrorname_np(errno) : "ok");
		r = access(p, R_OK);
		snprintf(res + strlen(res), sizeof res - strlen(res), " access-r %s", r ? strerrorname_np(errno) : "ok");
		r = access(p, W_OK);
		snprintf(res + strlen(res), sizeof res - strlen(res), " access-w %s", r ? strerrorname_np(errno) : "ok");
		int fd = open(p, O_RDONLY);
		snprintf(res + strlen(res), sizeof res - strlen(res), " open %s", fd < 0 ? strerrorname_np(errno) : "ok");
		if (fd >= 0)
			close(fd);
		printf("%s %s:%s\n", who, names[i], res);
	}
}

int main(int argc, char **argv)
{
	const char *d = argv[1];
	char p[512];
	snprintf(p, sizeof p, "%s/public", d);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	snprintf(p, sizeof p, "%s/secret", d);
	close(open(p, O_CREAT | O_WRONLY, 0600));
	snprintf(p, sizeof p, "%s/private", d);
	mkdir(p, 0700);
	snprintf(p, sizeof p, "%s/private/inner", d);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	snprintf(p, sizeof p, "%s/open", d);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/open/inner", d);
	close(open(p, O_CREAT | O_WRONLY, 0666));
	probe("root", d);
	probe("root", d);
	if (setgroups(0, 0) || setgid(65534) || setuid(65534)) {
		perror("setuid");
		return 1;
	}
	probe("nobody", d);
	probe("nobody", d);
	return 0;
}
