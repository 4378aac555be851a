/* vfs_chanscribble DIR: a process that writes garbage into its own
 * channels to the supervisor (the shared memory that carries its file
 * calls, "zvfs-channel" in /proc/self/maps), as a hostile stub could.
 * Each round first makes enough calls for the connection to have a
 * channel, then puts one bad request in it: random bytes, a length past
 * the channel's room, a request said to be on the socket that is not
 * there, or a count raised with nothing in place. Then the next call must
 * still work (the stub makes a fresh connection when the supervisor ended
 * the old one). Prints "rounds N" and exits 0; exits 1 with a message if a
 * call fails or no channel is ever found. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct chan {
	unsigned req, rep, req_len, rep_len, gone;
};

/* channel returns the mapping of a channel, or NULL. */
static struct chan *channel(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	struct chan *c = NULL;
	while (f && fgets(line, sizeof line, f))
		if (strstr(line, "zvfs-channel"))
			c = (struct chan *)strtoul(line, NULL, 16);
	if (f)
		fclose(f);
	return c;
}

static int calls(const char *dir, int n)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/d", dir);
	for (int i = 0; i < n; i++)
		if (mkdir(p, 0755) != 0 || rmdir(p) != 0) {
			printf("call %d: %s\n", i, strerror(errno));
			return -1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	srand(7);
	int found = 0;
	for (int round = 0; round < 40; round++) {
		if (calls(argv[1], 4) < 0)
			return 1;
		struct chan *c = channel();
		if (!c)
			continue;
		found++;
		unsigned char *room = (unsigned char *)c + 64;
		unsigned len;
		switch (round % 4) {
		case 0: /* random bytes */
			len = 16 + rand() % 4000;
			for (unsigned i = 0; i < len; i++)
				room[i] = rand();
			break;
		case 1: /* past the room */
			len = 16 * 1024 + rand() % 100000;
			break;
		case 2: /* on the socket, but nothing sent */
			len = 0;
			break;
		default: { /* a well-formed file call's header over garbage */
			len = 200;
			for (unsigned i = 0; i < len; i++)
				room[i] = rand();
			unsigned hdr[3] = {0x5346565a, 1 | 5 << 16, len - 16}; /* magic, version 1, MsgCall, length */
			memcpy(room, hdr, sizeof hdr);
			break;
		}
		}
		c->req_len = len;
		__atomic_store_n(&c->req, c->req + 1, __ATOMIC_RELEASE);
		syscall(SYS_futex, &c->req, FUTEX_WAKE, 1, NULL, NULL, 0);
		/* Wait a moment for the supervisor to end the connection. */
		for (int i = 0; i < 100 && !__atomic_load_n(&c->gone, __ATOMIC_ACQUIRE); i++)
			usleep(1000);
		if (calls(argv[1], 2) < 0)
			return 1;
	}
	if (!found) {
		printf("no channel\n");
		return 1;
	}
	printf("rounds %d\n", found);
	return 0;
}
