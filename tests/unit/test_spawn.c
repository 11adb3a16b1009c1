#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "spawn.h"

static const char *const no_env[] = { NULL };
#define SYS_PATH "/usr/bin:/bin"

struct run {
	char out[256], err[256];
	struct spawn_buf ob, eb;
	struct spawn_status st;
	struct errbuf e;
	int rc;
};

static void
run_input(struct run *r, const char *const *argv, const char *input, size_t len)
{
	struct spawn_cmd c = { argv, no_env, NULL, 10000, input, len, NULL };

	memset(r, 0, sizeof(*r));
	r->ob.data = r->out;
	r->ob.cap = sizeof(r->out);
	r->eb.data = r->err;
	r->eb.cap = sizeof(r->err);
	r->rc = spawn_run(&c, &r->ob, &r->eb, &r->st, &r->e);
}

static void
run_cmd(struct run *r, const char *const *argv, const char *const *envp,
    const char *path, int timeout_ms)
{
	struct spawn_cmd c = { 0 };

	memset(r, 0, sizeof(*r));
	r->ob.data = r->out;
	r->ob.cap = sizeof(r->out);
	r->eb.data = r->err;
	r->eb.cap = sizeof(r->err);
	c.argv = argv;
	c.envp = envp ? envp : no_env;
	c.search_path = path;
	c.timeout_ms = timeout_ms;
	r->rc = spawn_run(&c, &r->ob, &r->eb, &r->st, &r->e);
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
echo_output_is_captured_exactly(struct th *t)
{
	static const char *const argv[] = { "/bin/echo", "hello", "world", NULL };
	struct run r;

	run_cmd(&r, argv, NULL, NULL, 5000);
	REQUIRE_INT(t, r.rc, SPAWN_OK);
	CHECK_STR(t, r.out, "hello world\n");
	CHECK_INT(t, r.ob.len, 12);
	CHECK_STR(t, r.err, "");
	CHECK(t, spawn_succeeded(&r.st));
	CHECK_INT(t, r.ob.truncated, 0);
}

static void
stdout_stderr_and_exit_status_are_kept_apart(struct th *t)
{
	static const char *const argv[] = { "/bin/sh", "-c",
		"echo out; echo err >&2; exit 3", NULL };
	struct run r;
	char d[64];

	run_cmd(&r, argv, NULL, NULL, 5000);
	REQUIRE_INT(t, r.rc, SPAWN_OK);
	CHECK_STR(t, r.out, "out\n");
	CHECK_STR(t, r.err, "err\n");
	CHECK_INT(t, r.st.exited, 1);
	CHECK_INT(t, r.st.code, 3);
	CHECK(t, !spawn_succeeded(&r.st));
	spawn_status_describe(&r.st, d, sizeof(d));
	CHECK_STR(t, d, "exit status 3");
}

static void
false_reports_exit_status_one(struct th *t)
{
	static const char *const argv[] = { "/bin/false", NULL };
	struct run r;

	run_cmd(&r, argv, NULL, NULL, 5000);
	REQUIRE_INT(t, r.rc, SPAWN_OK);
	CHECK_INT(t, r.st.code, 1);
	CHECK(t, !spawn_succeeded(&r.st));
}

static void
a_bare_name_is_found_on_the_given_path_only(struct th *t)
{
	static const char *const argv[] = { "echo", "x", NULL };
	char p[SPAWN_PATH_MAX];
	struct errbuf e;
	struct run r;

	run_cmd(&r, argv, NULL, "/nonexistent:relative/dir::/bin", 5000);
	REQUIRE_INT(t, r.rc, SPAWN_OK);
	CHECK_STR(t, r.out, "x\n");
	CHECK_INT(t, spawn_resolve("echo", "/nonexistent:/bin", p, sizeof(p), &e), SPAWN_OK);
	CHECK_STR(t, p, "/bin/echo");
	/* The launcher's own PATH is never consulted. */
	run_cmd(&r, argv, NULL, "", 5000);
	CHECK_INT(t, r.rc, SPAWN_ERR_NOTFOUND);
}

static void
a_missing_program_is_a_clear_error_not_exit_127(struct th *t)
{
	static const char *const argv[] = { "docker-does-not-exist", "pull", NULL };
	struct run r;

	run_cmd(&r, argv, NULL, SYS_PATH, 5000);
	CHECK_INT(t, r.rc, SPAWN_ERR_NOTFOUND);
	CHECK(t, strstr(r.e.msg, "docker-does-not-exist: not found in PATH") != NULL);
	CHECK(t, strstr(r.e.msg, SYS_PATH) != NULL);
	CHECK_INT(t, r.st.exited, 0);
}

static void
a_missing_absolute_path_reports_errno_from_exec(struct th *t)
{
	static const char *const argv[] = { "/nonexistent/docker", NULL };
	struct run r;

	run_cmd(&r, argv, NULL, SYS_PATH, 5000);
	CHECK_INT(t, r.rc, SPAWN_ERR_EXEC);
	CHECK(t, strstr(r.e.msg, "/nonexistent/docker: cannot execute: No such file or directory") != NULL);
}

static void
a_non_executable_file_is_refused_with_eacces(struct th *t)
{
	char dir[] = "/tmp/spawn-test-XXXXXX", file[64];
	const char *argv[] = { file, NULL };
	const char *byname[] = { "prog", NULL };
	struct run r;
	int fd;

	REQUIRE(t, mkdtemp(dir) != NULL);
	snprintf(file, sizeof(file), "%s/prog", dir);
	fd = open(file, O_WRONLY | O_CREAT, 0644);
	REQUIRE(t, fd >= 0);
	(void)!write(fd, "#!/bin/sh\n", 10);
	close(fd);
	run_cmd(&r, argv, NULL, NULL, 5000);
	CHECK_INT(t, r.rc, SPAWN_ERR_EXEC);
	CHECK(t, strstr(r.e.msg, "Permission denied") != NULL);
	/* Through the PATH search a non-executable file is passed over. */
	run_cmd(&r, byname, NULL, dir, 5000);
	CHECK_INT(t, r.rc, SPAWN_ERR_NOTFOUND);
	unlink(file);
	rmdir(dir);
}

static void
the_child_sees_exactly_the_given_environment(struct th *t)
{
	static const char *const argv[] = { "/usr/bin/env", NULL };
	static const char *const envp[] = { "A=1", "B=two words", NULL };
	struct run r;

	run_cmd(&r, argv, envp, NULL, 5000);
	REQUIRE_INT(t, r.rc, SPAWN_OK);
	CHECK_STR(t, r.out, "A=1\nB=two words\n");
}

static void
arguments_reach_the_child_verbatim_without_a_shell(struct th *t)
{
	static const char *const argv[] = { "/bin/echo", "$HOME;`id`|*", "a b", NULL };
	struct run r;

	run_cmd(&r, argv, NULL, NULL, 5000);
	REQUIRE_INT(t, r.rc, SPAWN_OK);
	CHECK_STR(t, r.out, "$HOME;`id`|* a b\n");
}

static void
excess_output_is_discarded_and_flagged_without_blocking_the_child(struct th *t)
{
	static const char *const argv[] = { "/usr/bin/head", "-c", "300000", "/dev/zero", NULL };
	struct run r;

	run_cmd(&r, argv, NULL, NULL, 10000);
	REQUIRE_INT(t, r.rc, SPAWN_OK);
	CHECK(t, spawn_succeeded(&r.st));
	CHECK_INT(t, r.ob.len, sizeof(r.out) - 1);
	CHECK_INT(t, r.ob.truncated, 1);
	CHECK_INT(t, r.out[sizeof(r.out) - 1], '\0');
	CHECK_INT(t, r.eb.truncated, 0);
}

static void
output_can_be_discarded_with_null_buffers(struct th *t)
{
	static const char *const argv[] = { "/bin/echo", "x", NULL };
	struct spawn_cmd c = { argv, no_env, NULL, 5000, NULL, 0, NULL };
	struct spawn_status st;
	struct errbuf e;

	CHECK_INT(t, spawn_run(&c, NULL, NULL, &st, &e), SPAWN_OK);
	CHECK(t, spawn_succeeded(&st));
}

static void
stdin_is_dev_null(struct th *t)
{
	static const char *const argv[] = { "/bin/cat", NULL };
	struct run r;

	run_cmd(&r, argv, NULL, NULL, 5000);
	REQUIRE_INT(t, r.rc, SPAWN_OK);
	CHECK_INT(t, r.ob.len, 0);
	CHECK(t, spawn_succeeded(&r.st));
}

static void
input_reaches_stdin_then_eof(struct th *t)
{
	static const char *const argv[] = { "/bin/cat", NULL };
	struct run r;

	run_input(&r, argv, "services: {}\n", 13);
	REQUIRE_INT(t, r.rc, SPAWN_OK);
	CHECK_STR(t, r.out, "services: {}\n");
	CHECK(t, spawn_succeeded(&r.st));
	run_input(&r, argv, "", 0); /* empty input: EOF at once */
	REQUIRE_INT(t, r.rc, SPAWN_OK);
	CHECK_INT(t, r.ob.len, 0);
	CHECK(t, spawn_succeeded(&r.st));
}

/* BIG_INPUT bytes of one letter: more than a socket buffer holds. */
#define BIG_INPUT (4 << 20)

static int
run_big_input(struct run *r, const char *const *argv, char fill)
{
	char *in = malloc(BIG_INPUT);

	if (in == NULL)
		return 0;
	memset(in, fill, BIG_INPUT);
	run_input(r, argv, in, BIG_INPUT);
	free(in);
	return 1;
}

/* Fed as the child reads, while its output is drained: neither blocks. */
static void
input_larger_than_the_socket_buffer_arrives_whole(struct th *t)
{
	static const char *const argv[] = { "/usr/bin/wc", "-c", NULL };
	struct run r;

	REQUIRE(t, run_big_input(&r, argv, 'y'));
	REQUIRE_INT(t, r.rc, SPAWN_OK);
	CHECK_STR(t, r.out, "4194304\n");
}

/* A child that exits without reading: the feed fails (with no SIGPIPE:
 * this test process would die of it) and the run is an input error, not
 * the child's own status, since it did not get its whole input. */
static void
a_child_that_ignores_its_input_does_not_kill_the_caller(struct th *t)
{
	static const char *const argv[] = { "/bin/sh", "-c", "exec 0<&-; exit 3", NULL };
	struct run r;

	REQUIRE(t, run_big_input(&r, argv, 'n'));
	REQUIRE_INT(t, r.rc, SPAWN_ERR_INPUT);
	CHECK(t, strstr(r.e.msg, "/bin/sh: sending its input failed after ") != NULL);
	CHECK(t, strstr(r.e.msg, " of 4194304 bytes: ") != NULL);
}

/* A child that stops reading and stays: killed at once, not waited for
 * (it would exit 0 after its sleep, as if it had acted on the prefix). */
static void
a_child_that_stops_reading_is_killed(struct th *t)
{
	static const char *const argv[] = { "/bin/sh", "-c",
		"head -c 1000 >/dev/null; exec 0<&-; sleep 8", NULL };
	struct run r;

	REQUIRE(t, run_big_input(&r, argv, 's'));
	REQUIRE_INT(t, r.rc, SPAWN_ERR_INPUT);
	CHECK(t, r.st.signaled && r.st.signo == SIGKILL);
	CHECK(t, strstr(r.e.msg, "; killed") != NULL);
}

static void
the_child_runs_in_the_given_directory(struct th *t)
{
	static const char *const argv[] = { "/bin/pwd", NULL };
	struct spawn_cmd c = { argv, no_env, NULL, 5000, NULL, 0, "/proc" };
	struct run r;

	memset(&r, 0, sizeof(r));
	r.ob.data = r.out;
	r.ob.cap = sizeof(r.out);
	REQUIRE_INT(t, spawn_run(&c, &r.ob, NULL, &r.st, &r.e), SPAWN_OK);
	CHECK_STR(t, r.out, "/proc\n");
	c.cwd = "/nonexistent-spawn-dir";
	CHECK_INT(t, spawn_run(&c, &r.ob, NULL, &r.st, &r.e), SPAWN_ERR_EXEC);
	CHECK(t, strstr(r.e.msg, "No such file or directory") != NULL);
}

static void
a_timeout_kills_and_reaps_the_child(struct th *t)
{
	static const char *const argv[] = { "/bin/sleep", "10", NULL };
	struct run r;
	long long t0 = mono_ms(), dt;

	run_cmd(&r, argv, NULL, NULL, 200);
	dt = mono_ms() - t0;
	CHECK_INT(t, r.rc, SPAWN_ERR_TIMEOUT);
	CHECK(t, dt >= 190 && dt < 3000);
	CHECK_INT(t, r.st.signaled, 1);
	CHECK_INT(t, r.st.signo, SIGKILL);
	CHECK(t, strstr(r.e.msg, "/bin/sleep: timed out after 200 ms; killed") != NULL);
}

static void
a_timeout_also_kills_helpers_that_hold_the_pipes(struct th *t)
{
	/* The background sleep inherits stdout; without a group kill the
	 * pipe would stay open and its pid would outlive the run. */
	static const char *const argv[] = { "/bin/sh", "-c",
		"echo started; /bin/sleep 30 & echo $! >&2; wait", NULL };
	struct run r;
	long long t0 = mono_ms();
	int helper, gone = 0, i;

	run_cmd(&r, argv, NULL, NULL, 300);
	CHECK_INT(t, r.rc, SPAWN_ERR_TIMEOUT);
	CHECK(t, mono_ms() - t0 < 3000);
	CHECK_STR(t, r.out, "started\n");
	helper = atoi(r.err);
	REQUIRE(t, helper > 1);
	/* It was reparented to init (or a subreaper); give it a moment. */
	for (i = 0; i < 200 && !gone; i++) {
		char p[64];
		FILE *f;

		snprintf(p, sizeof(p), "/proc/%d/stat", helper);
		f = fopen(p, "r");
		if (f == NULL) {
			gone = 1;
		} else {
			char line[512];
			gone = fgets(line, sizeof(line), f) != NULL && strstr(line, ") Z ") != NULL;
			fclose(f);
		}
		if (!gone)
			usleep(10000);
	}
	CHECK(t, gone);
}

static void
a_child_that_closes_its_pipes_is_still_bounded_by_the_deadline(struct th *t)
{
	static const char *const argv[] = { "/bin/sh", "-c",
		"exec >&- 2>&-; exec /bin/sleep 10", NULL };
	struct run r;
	long long t0 = mono_ms();

	run_cmd(&r, argv, NULL, NULL, 300);
	CHECK_INT(t, r.rc, SPAWN_ERR_TIMEOUT);
	CHECK(t, mono_ms() - t0 < 3000);
}

static void
death_by_signal_is_reported(struct th *t)
{
	static const char *const argv[] = { "/bin/sh", "-c", "kill -TERM $$", NULL };
	struct run r;
	char d[64];

	run_cmd(&r, argv, NULL, NULL, 5000);
	REQUIRE_INT(t, r.rc, SPAWN_OK);
	CHECK_INT(t, r.st.signaled, 1);
	CHECK_INT(t, r.st.signo, SIGTERM);
	CHECK(t, !spawn_succeeded(&r.st));
	spawn_status_describe(&r.st, d, sizeof(d));
	CHECK(t, strncmp(d, "killed by signal 15", 19) == 0);
}

static void
an_ignored_sigpipe_in_the_launcher_is_not_inherited(struct th *t)
{
	static const char *const argv[] = { "/bin/sh", "-c",
		"/usr/bin/yes | /usr/bin/head -c 1 >/dev/null", NULL };
	struct sigaction ign, old;
	struct run r;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	run_cmd(&r, argv, NULL, NULL, 5000);
	sigaction(SIGPIPE, &old, NULL);
	REQUIRE_INT(t, r.rc, SPAWN_OK);
	CHECK_STR(t, r.err, "");
}

static void
an_invalid_request_is_refused(struct th *t)
{
	static const char *const argv[] = { "/bin/echo", NULL };
	static const char *const empty[] = { NULL };
	struct run r;

	run_cmd(&r, argv, NULL, NULL, 0);
	CHECK_INT(t, r.rc, SPAWN_ERR_SYS);
	run_cmd(&r, empty, NULL, NULL, 1000);
	CHECK_INT(t, r.rc, SPAWN_ERR_SYS);
}

void
suite_spawn(struct th *t)
{
	th_run(t, "spawn: echo output is captured exactly", echo_output_is_captured_exactly);
	th_run(t, "spawn: stdout, stderr and exit status are kept apart",
	    stdout_stderr_and_exit_status_are_kept_apart);
	th_run(t, "spawn: /bin/false reports exit status 1", false_reports_exit_status_one);
	th_run(t, "spawn: a bare name is found on the given PATH only",
	    a_bare_name_is_found_on_the_given_path_only);
	th_run(t, "spawn: a missing program is a clear error, not exit 127",
	    a_missing_program_is_a_clear_error_not_exit_127);
	th_run(t, "spawn: a missing absolute path reports errno from exec",
	    a_missing_absolute_path_reports_errno_from_exec);
	th_run(t, "spawn: a non-executable file is refused with EACCES",
	    a_non_executable_file_is_refused_with_eacces);
	th_run(t, "spawn: the child sees exactly the given environment",
	    the_child_sees_exactly_the_given_environment);
	th_run(t, "spawn: arguments reach the child verbatim without a shell",
	    arguments_reach_the_child_verbatim_without_a_shell);
	th_run(t, "spawn: excess output is discarded and flagged without blocking the child",
	    excess_output_is_discarded_and_flagged_without_blocking_the_child);
	th_run(t, "spawn: output can be discarded with NULL buffers",
	    output_can_be_discarded_with_null_buffers);
	th_run(t, "spawn: stdin is /dev/null", stdin_is_dev_null);
	th_run(t, "spawn: input reaches stdin, then EOF", input_reaches_stdin_then_eof);
	th_run(t, "spawn: the child runs in the given directory",
	    the_child_runs_in_the_given_directory);
	th_run(t, "spawn: input larger than the socket buffer arrives whole",
	    input_larger_than_the_socket_buffer_arrives_whole);
	th_run(t, "spawn: a child that ignores its input does not kill the caller",
	    a_child_that_ignores_its_input_does_not_kill_the_caller);
	th_run(t, "spawn: a child that stops reading its input is killed, not waited for",
	    a_child_that_stops_reading_is_killed);
	th_run(t, "spawn: a timeout kills and reaps the child", a_timeout_kills_and_reaps_the_child);
	th_run(t, "spawn: a timeout also kills helpers that hold the pipes",
	    a_timeout_also_kills_helpers_that_hold_the_pipes);
	th_run(t, "spawn: a child that closes its pipes is still bounded by the deadline",
	    a_child_that_closes_its_pipes_is_still_bounded_by_the_deadline);
	th_run(t, "spawn: death by signal is reported", death_by_signal_is_reported);
	th_run(t, "spawn: an ignored SIGPIPE in the launcher is not inherited",
	    an_ignored_sigpipe_in_the_launcher_is_not_inherited);
	th_run(t, "spawn: an invalid request is refused", an_invalid_request_is_refused);
}
