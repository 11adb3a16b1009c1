/*
 * resolver — see include/resolver.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "net.h"
#include "resolver.h"
#include "sandbox.h"

/* What musl's getaddrinfo reads (AI_NUMERICSERV: no /etc/services; musl
 * has no nsswitch).  The extra CA file was read before the fork. */
static const char *const name_files[] = { "/etc/hosts", "/etc/resolv.conf", NULL };

/* Deeper than any frame the config parse left on the stack. */
#define RESOLVER_STACK_SCRUB 32768

#define OFF_MANIFEST 1
#define OFF_CONFIG (OFF_MANIFEST + DIGEST_LEN)
#define OFF_PULL (OFF_CONFIG + DIGEST_LEN)
#define OFF_HOW (OFF_PULL + DIGEST_LEN)
_Static_assert(OFF_HOW + 1 == RESOLVER_HEAD, "record head layout");

size_t
resolver_record_format(int ok, const struct registry_result *r, const char *msg,
    char out[RESOLVER_RECORD_MAX])
{
	size_t n = ok ? 0 : strnlen(msg, ERRBUF_SIZE - 1);

	out[0] = ok ? 'y' : 'n';
	memcpy(out + OFF_MANIFEST, r->manifest.b, DIGEST_LEN);
	memcpy(out + OFF_CONFIG, r->config.b, DIGEST_LEN);
	memcpy(out + OFF_PULL, r->pull.b, DIGEST_LEN);
	out[OFF_HOW] = (char)('0' + (int)r->how);
	memcpy(out + RESOLVER_HEAD, msg, n);
	return RESOLVER_HEAD + n;
}

int
resolver_check_named(const struct registry_result *r, const struct digest *want,
    struct errbuf *err)
{
	const struct digest *named = r->how == REGISTRY_MATCH_MANIFEST ? &r->manifest :
	    r->how == REGISTRY_MATCH_INDEX ? &r->pull : &r->config;

	if (!digest_equal(named, want)) {
		errbuf_set(err, "resolver child named a%s %s other than the selected digest",
		    r->how == REGISTRY_MATCH_INDEX ? "n" : "", registry_match_name(r->how));
		return -1;
	}
	if (r->how != REGISTRY_MATCH_INDEX && !digest_equal(&r->pull, &r->manifest)) {
		errbuf_set(err, "resolver child named a pull digest other than its manifest");
		return -1;
	}
	return 0;
}

int
resolver_record_parse(const char *rec, size_t n, struct registry_result *r,
    struct errbuf *err)
{
	size_t text = n - RESOLVER_HEAD;

	if (n < RESOLVER_HEAD || n > RESOLVER_RECORD_MAX ||
	    rec[OFF_HOW] < '0' || rec[OFF_HOW] > '2' ||
	    (rec[0] == 'y' && text != 0) ||
	    (rec[0] == 'n' && (text == 0 || memchr(rec + RESOLVER_HEAD, '\0', text) != NULL)) ||
	    (rec[0] != 'y' && rec[0] != 'n')) {
		errbuf_set(err, "resolver child sent a malformed result (%zu bytes)", n);
		return -1;
	}
	if (rec[0] == 'n') {
		memcpy(err->msg, rec + RESOLVER_HEAD, text);
		err->msg[text] = '\0';
		return -1;
	}
	memset(r, 0, sizeof(*r));
	memcpy(r->manifest.b, rec + OFF_MANIFEST, DIGEST_LEN);
	memcpy(r->config.b, rec + OFF_CONFIG, DIGEST_LEN);
	memcpy(r->pull.b, rec + OFF_PULL, DIGEST_LEN);
	r->how = (enum registry_match)(rec[OFF_HOW] - '0');
	return 0;
}

/* Never returns: the child has no business after its one record, which
 * goes to its stdout (the sandbox keeps stdout and stderr only). */
static void __attribute__((noreturn, noinline))
child(const struct resolver_job *job, int out)
{
	static struct registry_result res;
	char scrub[RESOLVER_STACK_SCRUB];
	char rec[RESOLVER_RECORD_MAX];
	struct errbuf e;
	size_t n;
	int ok;

	explicit_bzero(scrub, sizeof(scrub));
	if (dup2(out, 1) != 1)
		_exit(1);
	ok = job->forget(job->ctx, &e) == 0 && sandbox_enter(name_files, &e) == 0 &&
	    job->resolve(job->ctx, &res, &e) == 0;
	n = resolver_record_format(ok, &res, e.msg, rec);
	_exit(write(1, rec, n) == (ssize_t)n ? 0 : 1);
}

/* Reads until EOF, the deadline, or one byte more than a record holds. */
static int
collect(int fd, uint64_t timeout_ms, char *rec, size_t *n, struct errbuf *err)
{
	const struct net_clock *clk = net_clock_monotonic();
	uint64_t deadline = net_now(clk) + timeout_ms;
	size_t got;
	int rc;

	while ((rc = net_read_some(fd, rec + *n, RESOLVER_RECORD_MAX + 1 - *n, &got, clk,
	    deadline, err)) == NET_OK && (*n += got) <= RESOLVER_RECORD_MAX)
		;
	return rc;
}

int
resolver_run(const struct resolver_job *job, struct registry_result *out,
    struct errbuf *err)
{
	char rec[RESOLVER_RECORD_MAX + 1];
	size_t n = 0;
	int p[2], rc, st = -1;
	pid_t pid;

	/* Non-blocking, or a hung child would block the read past the
	 * deadline; the child's one write fits an empty pipe (PIPE_BUF). */
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0) {
		errbuf_set(err, "resolver: pipe: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0)
		errbuf_set(err, "resolver: fork: %s", strerror(errno));
	else if (pid == 0)
		child(job, p[1]);
	close(p[1]);
	rc = pid < 0 ? NET_ERR_IO : collect(p[0], job->timeout_ms, rec, &n, err);
	close(p[0]);
	if (pid < 0)
		return -1;
	if (rc != NET_EOF)
		kill(pid, SIGKILL); /* late or overlong: it has nothing more to say */
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			errbuf_set(err, "resolver child: waitpid: %s", strerror(errno));
			return -1;
		}
	if (rc != NET_EOF && rc != NET_OK) {
		errbuf_wrap(err, "resolver child");
		return -1;
	}
	if (rc == NET_EOF && st != 0) {
		errbuf_set(err, "resolver child %s %d", WIFSIGNALED(st) ?
		    "killed by signal" : "exited with status",
		    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		return -1;
	}
	if (resolver_record_parse(rec, n, out, err) != 0)
		return -1;
	return resolver_check_named(out, job->want, err);
}
