/*
 * sandbox-probe USER_CONFIG ENGINE_SOCKET SCRATCH_DIR [FAULT] — a test-only build
 * of the resolver child: resolver_run() forks, sandboxes and runs, in
 * place of the registry walk, one attempt at each thing a compromised
 * walk must not do.  The outcomes come back through the real record as
 * the child's "error" line, which is printed on stdout:
 *     landlock=<abi> unix=<errno> connect=<errno> write=<errno> config=<errno>
 *     exec=<errno> kill=<errno> ptrace=<errno> inet=ok hosts=ok
 *     dns=<result> dns_outside=<result>
 * (<errno> is a name such as EPERM, or "ok" when the call succeeded).
 * tests/check.d/46-sandbox.sh asserts each one.  With FAULT the child
 * misbehaves instead, and the parent's verdict is printed: "x32" (a
 * syscall the filter kills for), "exit" (status 3), "garbage" (a short
 * record), "long" (an overlong one), "hang" (no answer; 1 s deadline).
 * Never linked into the launcher.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "fmt.h"
#include "resolver.h"

struct probe {
	const char *config, *engine, *scratch, *fault;
	pid_t parent;
	long abi;
	const char *dns_outside;
};

/* A DNS lookup of a name no resolver knows: every call musl's resolver
 * makes (resolv.conf, UDP socket, bind, send, poll, receive) must pass. */
static const char *
dns(void)
{
	struct addrinfo hints, *res = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	rc = getaddrinfo("registry.invalid", "443", &hints, &res);
	if (res != NULL)
		freeaddrinfo(res);
	switch (rc) {
	case 0: return "ok";
	case EAI_NONAME: return "noname";
	case EAI_AGAIN: return "again";
	case EAI_SYSTEM: return "system";
	default: return "other";
	}
}

static const char *
name(int rc)
{
	if (rc >= 0)
		return "ok";
	switch (errno) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	default: return "other";
	}
}

/* Before the sandbox: whether Landlock is there to deny the config read. */
static int
forget(void *ctx, struct errbuf *err)
{
	struct probe *p = ctx;

	(void)err;
	p->abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1);
	p->dns_outside = dns();
	return 0;
}

static const char *
try_unix(const struct probe *p, const char **conn)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	const char *r = name(fd);

	*conn = "EPERM"; /* no socket: nothing to connect */
	if (fd >= 0) {
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		fmt_snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p->engine);
		*conn = name(connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	}
	return r;
}

/* The child's ways of failing the parent, each ending the process. */
static void
misbehave(const char *fault)
{
	static char junk[RESOLVER_RECORD_MAX + 1];

	if (strcmp(fault, "x32") == 0)
		syscall(0x40000000L | SYS_getpid);
	else if (strcmp(fault, "exit") == 0)
		_exit(3);
	else if (strcmp(fault, "hang") == 0)
		for (;;)
			sleep(1000);
	memset(junk, 'y', sizeof(junk));
	_exit(write(1, junk, strcmp(fault, "long") == 0 ? sizeof(junk) : 7) < 0);
}

static int
probe(void *ctx, struct registry_result *out, struct errbuf *err)
{
	const struct probe *p = ctx;
	char path[256];
	char *const argv[] = { "true", NULL };
	const char *un, *conn, *wr, *cf, *ex, *ki, *pt, *in, *ho;

	if (p->fault != NULL && strcmp(p->fault, "lie") == 0) {
		/* a well-formed answer naming some other image */
		memset(out, 0, sizeof(*out));
		out->config.b[0] = 0xba;
		out->how = REGISTRY_MATCH_CONFIG;
		return 0;
	}
	if (p->fault != NULL)
		misbehave(p->fault);
	un = try_unix(p, &conn);
	fmt_snprintf(path, sizeof(path), "%s/written", p->scratch);
	wr = name(open(path, O_WRONLY | O_CREAT, 0600));
	cf = name(open(p->config, O_RDONLY));
	ex = name(execve("/bin/true", argv, argv + 1));
	ki = name(kill(p->parent, SIGTERM));
	pt = name((int)ptrace(PTRACE_ATTACH, p->parent, NULL, NULL));
	in = name(socket(AF_INET, SOCK_STREAM, 0));
	ho = name(open("/etc/hosts", O_RDONLY));
	errbuf_set(err, "landlock=%ld unix=%s connect=%s write=%s config=%s exec=%s "
	    "kill=%s ptrace=%s inet=%s hosts=%s dns=%s dns_outside=%s",
	    p->abi > 0 ? p->abi : 0, un, conn, wr, cf, ex, ki, pt, in, ho, dns(),
	    p->dns_outside);
	return -1;
}

int
main(int argc, char **argv)
{
	struct probe p;
	static const struct digest selected = { { 0x5e } };
	struct resolver_job job = { forget, probe, &p, &selected, 60000 };
	struct registry_result res;
	struct errbuf err;

	if (argc != 4 && argc != 5) {
		fputs("usage: sandbox-probe USER_CONFIG ENGINE_SOCKET SCRATCH_DIR [FAULT]\n",
		    stderr);
		return 2;
	}
	p.fault = argc == 5 ? argv[4] : NULL;
	if (p.fault != NULL && strcmp(p.fault, "hang") == 0)
		job.timeout_ms = 1000;
	p.config = argv[1];
	p.engine = argv[2];
	p.scratch = argv[3];
	p.parent = getpid();
	if (resolver_run(&job, &res, &err) == 0) {
		fputs("the probe reported success\n", stderr);
		return 1;
	}
	printf("%s\n", err.msg);
	return 0;
}
