#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "fmt.h"
#include "spawn.h"

/* execve's prototype predates const; the strings are never written. */
union argv_cast {
	const char *const *c;
	char *const *m;
};

static int
is_executable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int
spawn_resolve(const char *name, const char *search_path, char *out, size_t cap,
    struct errbuf *err)
{
	size_t nlen;
	const char *p, *end;

	if (name == NULL || *name == '\0') {
		errbuf_set(err, "spawn: empty program name");
		return SPAWN_ERR_SYS;
	}
	nlen = strlen(name);
	if (strchr(name, '/') != NULL) {
		if (nlen >= cap) {
			errbuf_set(err, "%.64s…: program path too long", name);
			return SPAWN_ERR_SYS;
		}
		memcpy(out, name, nlen + 1);
		return SPAWN_OK;
	}
	for (p = search_path ? search_path : ""; ; p = end + 1) {
		size_t dlen;

		end = strchr(p, ':');
		dlen = end ? (size_t)(end - p) : strlen(p);
		if (dlen > 0 && p[0] == '/' && dlen + 1 + nlen < cap) {
			memcpy(out, p, dlen);
			out[dlen] = '/';
			memcpy(out + dlen + 1, name, nlen + 1);
			if (is_executable_file(out))
				return SPAWN_OK;
		}
		if (end == NULL)
			break;
	}
	errbuf_set(err, "%s: not found in PATH (%s)", name,
	    search_path ? search_path : "");
	return SPAWN_ERR_NOTFOUND;
}

/* Async-signal-safe from fork to execve: no allocation, no stdio. */
static void
child_exec(const char *path, const struct spawn_cmd *cmd, int in, int o, int e,
    int report)
{
	static const int reset[] = { SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP,
		SIGCHLD, SIGUSR1, SIGUSR2 };
	sigset_t none;
	union argv_cast a, v;
	size_t i;
	int fds[4] = { in, o, e, report }, en;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Ignored dispositions survive execve; the child gets a clean slate. */
	for (i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		(void)signal(reset[i], SIG_DFL); /* only fails for invalid numbers */
	setpgid(0, 0);
	/* Lift every descriptor above 2 first, so no dup2 below can clobber
	 * one that is still needed (the parent may have had 0..2 closed). */
	for (i = 0; i < 4; i++) {
		fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (fds[i] < 0)
			goto fail;
	}
	report = fds[3];
	for (i = 0; i < 3; i++)
		if (dup2(fds[i], (int)i) < 0)
			goto fail;
	if (cmd->cwd != NULL && chdir(cmd->cwd) != 0)
		goto fail;
	a.c = cmd->argv;
	v.c = cmd->envp;
	execve(path, a.m, v.m);
fail:
	en = errno;
	(void)!write(report, &en, sizeof(en));
	_exit(127);
}

static void
buf_reset(struct spawn_buf *b)
{
	if (b == NULL)
		return;
	b->len = 0;
	b->truncated = 0;
	if (b->cap > 0 && b->data != NULL)
		b->data[0] = '\0';
}

static void
buf_keep(struct spawn_buf *b, const char *p, size_t n)
{
	size_t room;

	if (b == NULL || n == 0)
		return;
	room = (b->cap > 0 && b->data != NULL) ? b->cap - 1 - b->len : 0;
	if (n > room) {
		b->truncated = 1;
		n = room;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	if (b->cap > 0 && b->data != NULL)
		b->data[b->len] = '\0';
}

/* One read from a ready pipe.  Returns 0 at EOF or error (stop watching). */
static int
pump_once(int fd, struct spawn_buf *b)
{
	char chunk[SPAWN_READ_CHUNK];
	ssize_t n = read(fd, chunk, sizeof(chunk));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return 0;
	buf_keep(b, chunk, (size_t)n);
	return 1;
}

/* The rest of the child's input.  A socket, not a pipe: send() with
 * MSG_NOSIGNAL cannot raise SIGPIPE when the child has gone. */
struct feed {
	const char *p;
	size_t left;
	int err; /* errno of the send that failed, 0 while none did */
};

/* One non-blocking send to a writable stdin.  1: more to send; 0: all
 * sent (close for EOF); -1: the send failed with input left (f->err). */
static int
feed_once(int fd, struct feed *f)
{
	ssize_t n = send(fd, f->p, f->left, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n < 0) {
		f->err = errno;
		return -1;
	}
	f->p += n;
	f->left -= (size_t)n;
	return f->left > 0;
}

/* Feeds stdin and copies both pipes until EOF on both (0), the deadline
 * (1), a poll error (-1) or a failed feed (-2; the stdin socket is left
 * open, so the child never sees EOF after a prefix of its input).
 * fds: stdout, stderr, stdin (or -1). */
static int
pump(int fds[3], struct spawn_buf *out, struct spawn_buf *eo, struct feed *in,
    long long deadline)
{
	struct pollfd p[3];
	struct spawn_buf *bufs[2] = { out, eo };
	int i, r;

	for (i = 0; i < 3; i++) {
		p[i].fd = fds[i];
		p[i].events = i < 2 ? POLLIN : POLLOUT;
	}
	while (p[0].fd >= 0 || p[1].fd >= 0) {
		long long left = deadline - clock_monotonic_ms();
		int n;

		if (left <= 0)
			return 1;
		n = poll(p, 3, left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		for (i = 0; i < 3; i++) {
			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			r = i < 2 ? pump_once(p[i].fd, bufs[i]) : feed_once(p[i].fd, in);
			if (r < 0)
				return -2;
			if (r == 0) {
				close(p[i].fd);
				p[i].fd = fds[i] = -1;
			}
		}
	}
	return 0;
}

static void
status_decode(int ws, struct spawn_status *st)
{
	memset(st, 0, sizeof(*st));
	if (WIFEXITED(ws)) {
		st->exited = 1;
		st->code = WEXITSTATUS(ws);
	} else if (WIFSIGNALED(ws)) {
		st->signaled = 1;
		st->signo = WTERMSIG(ws);
	}
}

static int
reap_blocking(pid_t pid, int *ws)
{
	while (waitpid(pid, ws, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static void
kill_and_reap(pid_t pid, struct spawn_status *st)
{
	int ws = 0;

	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	if (reap_blocking(pid, &ws) == 0)
		status_decode(ws, st);
}

/* The child closed its pipes; wait for it to exit, still under the deadline. */
static int
reap_until(pid_t pid, long long deadline, int *ws)
{
	for (;;) {
		pid_t r = waitpid(pid, ws, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (clock_monotonic_ms() >= deadline)
			return 1;
		clock_sleep_ms(SPAWN_REAP_POLL_MS);
	}
}

/* Reads the errno the child sends when execve fails; 0 if exec worked. */
static int
exec_result(int fd)
{
	int en = 0;
	ssize_t n;

	do
		n = read(fd, &en, sizeof(en));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(en) ? (en ? en : EIO) : 0;
}

static int
check_cmd(const struct spawn_cmd *cmd, struct errbuf *err)
{
	if (cmd == NULL || cmd->argv == NULL || cmd->argv[0] == NULL ||
	    cmd->envp == NULL || cmd->timeout_ms <= 0) {
		errbuf_set(err, "spawn: invalid command (argv, envp and a positive timeout are required)");
		return SPAWN_ERR_SYS;
	}
	return SPAWN_OK;
}

static void
close_all(int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* fds: 0 the child's stdin (/dev/null, or its end of the input socket),
 * 1-2 stdout pipe, 3-4 stderr pipe, 5-6 exec report pipe, 7 our end of
 * the input socket (or -1). */
#define SPAWN_NFDS 8

static int
open_fds(int fds[SPAWN_NFDS], const struct spawn_cmd *cmd, struct errbuf *err)
{
	int i, in[2];

	for (i = 0; i < SPAWN_NFDS; i++)
		fds[i] = -1;
	if (cmd->input != NULL) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) == 0) {
			fds[0] = in[0];
			fds[7] = in[1];
		}
	} else {
		fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	if (fds[0] < 0 || pipe2(fds + 1, O_CLOEXEC) != 0 ||
	    pipe2(fds + 3, O_CLOEXEC) != 0 || pipe2(fds + 5, O_CLOEXEC) != 0) {
		errbuf_set(err, "%s: cannot create pipes: %s", cmd->argv[0], strerror(errno));
		close_all(fds, SPAWN_NFDS);
		return SPAWN_ERR_SYS;
	}
	return SPAWN_OK;
}

/* Ends a run that went wrong (r from pump or reap_until).  The child is
 * killed before its stdin socket is closed: closing first would hand it
 * EOF after part of its input, and it could act on that prefix. */
static int
give_up(pid_t pid, const struct spawn_cmd *cmd, int r, const struct feed *in,
    int fds[SPAWN_NFDS], struct spawn_status *st, struct errbuf *err)
{
	const char *prog = cmd->argv[0];
	int en = errno;

	kill_and_reap(pid, st);
	close_all(fds, SPAWN_NFDS);
	if (r == -2) {
		errbuf_set(err, "%s: sending its input failed after %zu of %zu bytes: %s; killed",
		    prog, cmd->input_len - in->left, cmd->input_len, strerror(in->err));
		return SPAWN_ERR_INPUT;
	}
	if (r > 0) {
		errbuf_set(err, "%s: timed out after %d ms; killed", prog, cmd->timeout_ms);
		return SPAWN_ERR_TIMEOUT;
	}
	errbuf_set(err, "%s: waiting for the child failed: %s", prog, strerror(en));
	return SPAWN_ERR_SYS;
}

static int
supervise(pid_t pid, const struct spawn_cmd *cmd, long long deadline,
    int fds[SPAWN_NFDS], struct spawn_buf *out, struct spawn_buf *errout,
    struct spawn_status *st, struct errbuf *err)
{
	const char *prog = cmd->argv[0];
	struct feed in = { cmd->input, cmd->input_len, 0 };
	int en, r, ws = 0, io[3];

	en = exec_result(fds[5]);
	if (en != 0) {
		close_all(fds, SPAWN_NFDS);
		reap_blocking(pid, &ws);
		status_decode(ws, st);
		errbuf_set(err, "%s: cannot execute: %s", prog, strerror(en));
		return SPAWN_ERR_EXEC;
	}
	io[0] = fds[1];
	io[1] = fds[3];
	io[2] = fds[7];
	if (io[2] >= 0 && in.left == 0) {
		close(io[2]); /* empty input: EOF at once */
		io[2] = -1;
	}
	r = pump(io, out, errout, &in, deadline);
	fds[1] = io[0]; /* pump closed (and cleared) what it finished */
	fds[3] = io[1];
	fds[7] = io[2];
	if (r == 0)
		r = reap_until(pid, deadline, &ws);
	if (r == 0) {
		close_all(fds, SPAWN_NFDS);
		status_decode(ws, st);
		return SPAWN_OK;
	}
	return give_up(pid, cmd, r, &in, fds, st, err);
}

int
spawn_run(const struct spawn_cmd *cmd, struct spawn_buf *out,
    struct spawn_buf *errout, struct spawn_status *st, struct errbuf *err)
{
	char path[SPAWN_PATH_MAX];
	int fds[SPAWN_NFDS], rc;
	long long deadline;
	pid_t pid;

	memset(st, 0, sizeof(*st));
	buf_reset(out);
	buf_reset(errout);
	if ((rc = check_cmd(cmd, err)) != SPAWN_OK)
		return rc;
	rc = spawn_resolve(cmd->argv[0], cmd->search_path, path, sizeof(path), err);
	if (rc != SPAWN_OK)
		return rc;
	if ((rc = open_fds(fds, cmd, err)) != SPAWN_OK)
		return rc;
	deadline = clock_monotonic_ms() + cmd->timeout_ms;
	pid = fork();
	if (pid < 0) {
		errbuf_set(err, "%s: fork: %s", cmd->argv[0], strerror(errno));
		close_all(fds, SPAWN_NFDS);
		return SPAWN_ERR_SYS;
	}
	if (pid == 0)
		child_exec(path, cmd, fds[0], fds[2], fds[4], fds[6]);
	/* Both sides set the group, so it exists whichever runs first. */
	setpgid(pid, pid);
	close(fds[0]);
	close(fds[2]);
	close(fds[4]);
	close(fds[6]);
	fds[0] = fds[2] = fds[4] = fds[6] = -1;
	return supervise(pid, cmd, deadline, fds, out, errout, st, err);
}

int
spawn_succeeded(const struct spawn_status *st)
{
	return st->exited && st->code == 0;
}

void
spawn_status_describe(const struct spawn_status *st, char *out, size_t cap)
{
	if (cap == 0)
		return;
	if (st->exited)
		fmt_snprintf(out, cap, "exit status %d", st->code);
	else if (st->signaled)
		fmt_snprintf(out, cap, "killed by signal %d (%s)", st->signo,
		    strsignal(st->signo));
	else
		fmt_snprintf(out, cap, "unknown status");
}
