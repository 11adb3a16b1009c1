/*
 * A hostile container for tests/e2e/adversary_test.py: it shares the node's
 * volume and, driven by inotify, replaces every file the launcher writes
 * there (the node config and the compose copy) the moment it appears or
 * changes, with content of its own that carries the marker ADVERSARY.
 *
 *     rewriter [--ignore-term] [--idle] [--swap-approved <text>] <dir>
 *
 * --ignore-term: SIGTERM and SIGINT are ignored (only SIGKILL stops it, as
 *   with a node that does not cooperate); otherwise they end it (exit 0).
 * --idle: touch nothing, just wait (a container that only carries labels).
 * --swap-approved <text>: the first time anyone reads image-digest.bin to
 *   the end (IN_CLOSE_NOWRITE), replace it with <text> (a launcher that read
 *   it twice would see another approved list the second time).
 * It writes one line per replacement on stdout ("replaced <name>").
 * Static musl, FROM scratch; no other dependency.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static const char *const targets[] = { "mpc-config.toml", "mpc-node.compose.yaml" };
static const char *const hostile[] = {
	"# ADVERSARY: written by the hostile container\n"
	"home_dir = \"/adversary\"\n"
	"[tee]\n"
	"image_hash = \"sha256:0000000000000000000000000000000000000000000000000000000000000000\"\n",
	"# ADVERSARY: written by the hostile container\n"
	"services:\n"
	"  mpc-node:\n"
	"    image: tl-adversary:1\n"
	"    container_name: mpc-node\n"
	"    network_mode: none\n"
	"    volumes: [\"shared-volume:/mnt/shared\"]\n"
	"    command: [\"/mnt/shared\"]\n"
	"volumes:\n"
	"  shared-volume:\n"
	"    name: shared-volume\n",
};

static int holds(const char *path, const char *want)
{
	char buf[1024];
	size_t wl = strlen(want);
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf);
	close(fd);
	return n == (ssize_t)wl && memcmp(buf, want, wl) == 0;
}

static void replace(const char *dir, int i)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	size_t len = strlen(hostile[i]);
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, targets[i]);
	if (holds(path, hostile[i]))
		return;
	snprintf(tmp, sizeof tmp, "%s/.adversary.%d", dir, i);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, hostile[i], len) != (ssize_t)len) {
		close(fd);
		unlink(tmp);
		return;
	}
	close(fd);
	if (rename(tmp, path) == 0) {
		printf("replaced %s\n", targets[i]);
		fflush(stdout);
	} else {
		unlink(tmp);
	}
}

static void swap_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	size_t len = strlen(text);
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s/.adversary.swap", dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, text, len) == (ssize_t)len && rename(tmp, path) == 0) {
		printf("swapped %s\n", name);
		fflush(stdout);
	}
	close(fd);
	unlink(tmp);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	int ignore_term = 0, idle = 0, swapped = 0, fd, i;
	const char *dir = NULL, *swap = NULL;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--ignore-term") == 0)
			ignore_term = 1;
		else if (strcmp(argv[i], "--idle") == 0)
			idle = 1;
		else if (strcmp(argv[i], "--swap-approved") == 0 && i + 1 < argc)
			swap = argv[++i];
		else
			dir = argv[i];
	}
	if (dir == NULL) {
		fputs("usage: rewriter [--ignore-term] [--idle] [--swap-approved <text>] <dir>\n",
		    stderr);
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = ignore_term ? SIG_IGN : on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("rewriter: watching %s%s\n", dir, idle ? " (idle)" : "");
	fflush(stdout);
	if (idle) {
		while (!stop_requested)
			pause();
		return 0;
	}
	fd = inotify_init1(IN_CLOEXEC);
	if (fd < 0 || inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE |
	    IN_MODIFY | IN_ATTRIB | IN_DELETE | IN_CLOSE_NOWRITE) < 0) {
		perror("rewriter: inotify");
		return 1;
	}
	for (i = 0; i < 2; i++) {
		char path[PATH_MAX];
		struct stat st;

		snprintf(path, sizeof path, "%s/%s", dir, targets[i]);
		if (lstat(path, &st) == 0)
			replace(dir, i);
	}
	while (!stop_requested) {
		ssize_t n = read(fd, buf, sizeof buf), off = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		while (off < n) {
			const struct inotify_event *ev = (const void *)(buf + off);

			off += (ssize_t)(sizeof *ev + ev->len);
			if (ev->len == 0 || (ev->mask & IN_DELETE))
				continue;
			if (swap != NULL && !swapped && (ev->mask & IN_CLOSE_NOWRITE) &&
			    strcmp(ev->name, "image-digest.bin") == 0) {
				swap_file(dir, ev->name, swap);
				swapped = 1;
				continue;
			}
			for (i = 0; i < 2; i++)
				if (strcmp(ev->name, targets[i]) == 0)
					replace(dir, i);
		}
	}
	return 0;
}
