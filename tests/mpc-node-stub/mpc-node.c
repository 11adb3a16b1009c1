/*
 * A stand-in for the MPC node, for tests that really run a container.
 *
 * The launcher starts the node as
 *     /app/mpc-node start-with-config-file <path>
 * This program checks that argv shape, reports the config path and whether
 * the file exists (one line each on stdout, so `docker logs` shows them), then
 * waits until SIGTERM or SIGINT and exits 0.  As PID 1 in a container a
 * signal without a handler is ignored, hence the explicit handlers.
 *
 * Exit status: 0 after a termination signal, 2 on a wrong command line.
 * Built with `musl-gcc -static` (tests/lib/registry_push.py) and shipped as
 * /app/mpc-node in a FROM-scratch test image; it has no other dependency.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void put(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct stat st;
	sigset_t block, old;

	if (argc != 3 || strcmp(argv[1], "start-with-config-file") != 0) {
		put(2, "usage: mpc-node start-with-config-file <path>\n");
		return 2;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* Handlers and the block go first: a stop right after start is not lost. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);

	put(1, "mpc-node stub: config path ");
	put(1, argv[2]);
	put(1, "\n");
	put(1, stat(argv[2], &st) == 0 ? "mpc-node stub: config exists\n"
	                                : "mpc-node stub: config missing\n");
	while (!stop_requested)
		sigsuspend(&old);
	put(1, "mpc-node stub: terminated\n");
	return 0;
}
