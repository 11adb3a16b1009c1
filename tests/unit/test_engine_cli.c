/*
 * engine_cli against a fake `docker` (a shell script written per test into
 * a temp dir on the PATH).  The fake only records its argv and environment
 * and answers as the scenario says; real-engine tests live elsewhere.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_cli.h"
#include "harness.h"

static struct engine_cli cli; /* large: static storage, as the header asks */

struct fake {
	char dir[64];
	char path[256]; /* PATH handed to engine_cli */
};

/* Writes <dir>/<name>: records "<name> <args…>" per call into <dir>/calls
 * (one line, args in <>), its environment into <dir>/env, its stdin into
 * <dir>/stdin, its working directory into <dir>/cwd, then runs the scenario's case body (a sh `case "$*" in …
 * esac`). */
static int
fake_tool(struct fake *f, const char *name, const char *cases)
{
	char p[128], script[2048];
	int fd, n;

	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	n = snprintf(script, sizeof(script),
	    "#!/bin/sh\n"
	    "d=%s\n"
	    "{ printf '%%s' \"${0##*/}\"; for a in \"$@\"; do printf ' <%%s>' \"$a\"; done; echo; } >> \"$d/calls\"\n"
	    "export -p | /bin/grep -v '^export PWD=' > \"$d/env\"\n"
	    "/bin/cat > \"$d/stdin\"\n"
	    "/bin/pwd > \"$d/cwd\"\n"
	    "case \"$*\" in\n%s\nesac\nexit 0\n", f->dir, cases);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0 || n <= 0 || (size_t)n >= sizeof(script))
		return 0;
	(void)!write(fd, script, (size_t)n);
	close(fd);
	return 1;
}

static int
fake_make(struct fake *f, const char *docker_cases)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/engine-test-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return 0;
	/* Only the fake dir: a real docker-compose in /usr/bin must not count. */
	snprintf(f->path, sizeof(f->path), "%s", f->dir);
	return docker_cases == NULL || fake_tool(f, "docker", docker_cases);
}

static void
fake_read(const struct fake *f, const char *file, char *buf, size_t cap)
{
	char p[128];
	int fd;
	ssize_t n;

	snprintf(p, sizeof(p), "%s/%s", f->dir, file);
	buf[0] = '\0';
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, cap - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
}

static void
fake_remove(struct fake *f)
{
	static const char *const files[] = { "docker", "docker-compose", "calls", "env", "stdin", "cwd",
		"plugins/docker-compose", "plugins" };
	char p[128];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", f->dir, files[i]);
		unlink(p);
		rmdir(p);
	}
	rmdir(f->dir);
}

static int
setup(struct fake *f, const char *cases, struct engine *e, struct errbuf *err)
{
	if (!fake_make(f, cases) ||
	    engine_cli_init(&cli, f->path, "/root", NULL, err) != ENGINE_OK)
		return 0;
	/* The host's plugin directories must not count either. */
	snprintf(cli.plugin_dirs, sizeof(cli.plugin_dirs), "%s/plugins", f->dir);
	engine_cli_bind(&cli, e);
	return 1;
}

#define REF "nearone/mpc-node@sha256:f2472280c437efc00fa25a030a24990ae16c4fbec0d74914e178473ce4d57372"

static void
pull_runs_docker_pull_with_the_reference(struct th *t)
{
	struct fake f;
	struct engine e;
	struct errbuf err;
	char calls[512];

	REQUIRE(t, setup(&f, "pull*) echo pulled ;;", &e, &err));
	CHECK_INT(t, e.pull(e.ctx, REF, &err), ENGINE_OK);
	fake_read(&f, "calls", calls, sizeof(calls));
	CHECK_STR(t, calls, "docker <pull> <" REF ">\n");
	CHECK_STR(t, cli.out, "pulled\n");
	fake_remove(&f);
}

static void
a_failed_pull_names_the_command_status_and_engine_message(struct th *t)
{
	struct fake f;
	struct engine e;
	struct errbuf err;

	REQUIRE(t, setup(&f, "pull*) echo 'Error response from daemon:' >&2;"
	    " echo '  manifest unknown' >&2; exit 1 ;;", &e, &err));
	CHECK_INT(t, e.pull(e.ctx, REF, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "docker pull " REF ": exit status 1: "
	    "Error response from daemon: manifest unknown");
	CHECK_STR(t, cli.errout, "Error response from daemon:\n  manifest unknown\n");
	fake_remove(&f);
}

static void
inspect_passes_the_format_verbatim_and_returns_the_trimmed_id(struct th *t)
{
	struct fake f;
	struct engine e;
	struct errbuf err;
	char calls[512], id[ENGINE_ID_MAX];

	REQUIRE(t, setup(&f, "image\\ inspect*) printf 'sha256:abcd\\r\\n' ;;", &e, &err));
	CHECK_INT(t, e.inspect_id(e.ctx, REF, id, sizeof(id), &err), ENGINE_OK);
	CHECK_STR(t, id, "sha256:abcd");
	fake_read(&f, "calls", calls, sizeof(calls));
	CHECK_STR(t, calls, "docker <image> <inspect> <--format> <{{index .ID}}> <" REF ">\n");
	fake_remove(&f);
}

static void
inspect_refuses_empty_multiline_or_oversized_answers(struct th *t)
{
	static const char *const answers[] = {
		"image\\ inspect*) ;;",
		"image\\ inspect*) printf 'sha256:a\\nsha256:b\\n' ;;",
		"image\\ inspect*) printf 'sha256:a b\\n' ;;",
		"image\\ inspect*) printf '%0200d\\n' 0 ;;",
	};
	struct fake f;
	struct engine e;
	struct errbuf err;
	char id[ENGINE_ID_MAX];
	size_t i;

	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		REQUIRE(t, setup(&f, answers[i], &e, &err));
		CHECK_INT(t, e.inspect_id(e.ctx, REF, id, sizeof(id), &err), ENGINE_ERR);
		CHECK(t, strstr(err.msg, "expected one image ID on stdout") != NULL);
		CHECK_STR(t, id, "");
		fake_remove(&f);
	}
}

static void
remove_runs_docker_rm_force(struct th *t)
{
	struct fake f;
	struct engine e;
	struct errbuf err;
	char calls[512];

	REQUIRE(t, setup(&f, "rm*) echo 'No such container: mpc-node' >&2; exit 1 ;;", &e, &err));
	CHECK_INT(t, e.remove(e.ctx, "mpc-node", &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "docker rm -f mpc-node: exit status 1: No such container: mpc-node");
	fake_read(&f, "calls", calls, sizeof(calls));
	CHECK_STR(t, calls, "docker <rm> <-f> <mpc-node>\n");
	fake_remove(&f);
}

static void
compose_uses_the_plugin_when_it_answers(struct th *t)
{
	struct fake f;
	struct engine e;
	struct errbuf err;
	enum compose_flavour tool;
	char calls[1024];

	REQUIRE(t, setup(&f, "compose\\ version) echo 'Docker Compose version v2.29.0' ;;", &e, &err));
	CHECK_INT(t, engine_cli_compose_probe(&cli, &tool, &err), ENGINE_OK);
	CHECK_INT(t, tool, COMPOSE_SPEC);
	CHECK_INT(t, engine_cli_compose_up(&cli, "services: {a: {}}\n", 18, &err), ENGINE_OK);
	CHECK_INT(t, engine_cli_compose_up(&cli, "services: {b: {}}\n", 18, &err), ENGINE_OK);
	fake_read(&f, "calls", calls, sizeof(calls));
	/* Probed once, then cached; the file on stdin, never a path. */
	CHECK_STR(t, calls,
	    "docker <compose> <version>\n"
	    "docker <compose> <-p> <mpc-node> <--project-directory> </proc> <-f> <-> <up> <-d>\n"
	    "docker <compose> <-p> <mpc-node> <--project-directory> </proc> <-f> <-> <up> <-d>\n");
	fake_read(&f, "stdin", calls, sizeof(calls));
	CHECK_STR(t, calls, "services: {b: {}}\n");
	fake_remove(&f);
}

static void
docker_compose_on_path_is_used_without_running_docker(struct th *t)
{
	struct fake f;
	struct engine e;
	struct errbuf err;
	enum compose_flavour tool;
	char calls[1024];

	REQUIRE(t, setup(&f, "compose*) echo 'docker: unknown command: docker compose' >&2; exit 1 ;;",
	    &e, &err));
	REQUIRE(t, fake_tool(&f, "docker-compose", ""));
	CHECK_INT(t, engine_cli_compose_up(&cli, "version: '2.4'\n", 15, &err), ENGINE_OK);
	CHECK_INT(t, engine_cli_compose_probe(&cli, &tool, &err), ENGINE_OK);
	CHECK_INT(t, tool, COMPOSE_V1);
	fake_read(&f, "calls", calls, sizeof(calls));
	CHECK_STR(t, calls,
	    "docker-compose <-p> <mpc-node> <--project-directory> </proc> <-f> <-> <up> <-d>\n");
	fake_read(&f, "stdin", calls, sizeof(calls));
	CHECK_STR(t, calls, "version: '2.4'\n");
	/* v1 reads ./.env when its file is stdin: run where none can exist */
	fake_read(&f, "cwd", calls, sizeof(calls));
	CHECK_STR(t, calls, "/proc\n");
	fake_remove(&f);
}

static void
a_plugin_file_wins_over_docker_compose_and_nothing_is_run_to_find_it(struct th *t)
{
	struct fake f;
	struct engine e;
	struct errbuf err;
	enum compose_flavour tool;
	char calls[1024], dir[128];

	REQUIRE(t, setup(&f, "", &e, &err));
	REQUIRE(t, fake_tool(&f, "docker-compose", ""));
	snprintf(dir, sizeof(dir), "%s/plugins", f.dir);
	REQUIRE(t, mkdir(dir, 0700) == 0);
	REQUIRE(t, fake_tool(&f, "plugins/docker-compose", ""));
	cli.no_spawn = 1;
	CHECK_INT(t, engine_cli_compose_probe(&cli, &tool, &err), ENGINE_OK);
	CHECK_INT(t, tool, COMPOSE_SPEC);
	fake_read(&f, "calls", calls, sizeof(calls));
	CHECK_STR(t, calls, "");
	fake_remove(&f);
}

static void
without_spawning_an_unknown_compose_tool_is_an_error(struct th *t)
{
	struct fake f;
	struct engine e;
	struct errbuf err;
	enum compose_flavour tool;
	char calls[1024];

	REQUIRE(t, setup(&f, "compose*) exit 0 ;;", &e, &err));
	cli.no_spawn = 1;
	CHECK_INT(t, engine_cli_compose_probe(&cli, &tool, &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "no compose tool: no docker-compose in ") == err.msg);
	fake_read(&f, "calls", calls, sizeof(calls));
	CHECK_STR(t, calls, "");
	fake_remove(&f);
}

static void
no_compose_tool_at_all_is_a_clear_error(struct th *t)
{
	struct fake f;
	struct engine e;
	struct errbuf err;

	REQUIRE(t, setup(&f, "compose*) exit 1 ;;", &e, &err));
	CHECK_INT(t, engine_cli_compose_up(&cli, "x: 1\n", 5, &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "no compose tool: `docker compose version` failed and "
	    "docker-compose is not on PATH") == err.msg);
	fake_remove(&f);
}

static void
a_failed_compose_up_keeps_the_full_output_for_the_log(struct th *t)
{
	struct fake f;
	struct engine e;
	struct errbuf err;

	REQUIRE(t, setup(&f, "compose\\ version) ;;\n"
	    "compose*) echo 'Creating mpc-node ...'; echo 'port is already allocated' >&2; exit 17 ;;",
	    &e, &err));
	CHECK_INT(t, engine_cli_compose_up(&cli, "x: 1\n", 5, &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "docker compose -p mpc-node --project-directory /proc -f - up -d: exit status 17: "
	    "port is already allocated");
	CHECK_STR(t, cli.out, "Creating mpc-node ...\n");
	CHECK_INT(t, cli.status.code, 17);
	fake_remove(&f);
}

static void
children_get_exactly_path_home_docker_host_and_content_trust(struct th *t)
{
	struct fake f;
	struct engine e;
	struct errbuf err;
	char env[1024], want[1024];

	REQUIRE(t, fake_make(&f, "*) ;;"));
	REQUIRE_INT(t, engine_cli_init(&cli, f.path, "/home/op", "unix:///run/d.sock", &err), ENGINE_OK);
	engine_cli_bind(&cli, &e);
	CHECK_INT(t, e.pull(e.ctx, REF, &err), ENGINE_OK);
	fake_read(&f, "env", env, sizeof(env));
	snprintf(want, sizeof(want),
	    "export DOCKER_CONTENT_TRUST='1'\nexport DOCKER_HOST='unix:///run/d.sock'\n"
	    "export HOME='/home/op'\nexport PATH='%s'\n", f.path);
	CHECK_STR(t, env, want);
	REQUIRE_INT(t, engine_cli_init(&cli, f.path, NULL, "", &err), ENGINE_OK);
	CHECK_INT(t, e.pull(e.ctx, REF, &err), ENGINE_OK);
	fake_read(&f, "env", env, sizeof(env));
	/* Never left for a .env file or the CLI's own config to decide. */
	snprintf(want, sizeof(want), "export DOCKER_CONTENT_TRUST='1'\n"
	    "export DOCKER_HOST='unix:///var/run/docker.sock'\nexport PATH='%s'\n", f.path);
	CHECK_STR(t, env, want);
	fake_remove(&f);
}

static void
a_missing_docker_is_reported_as_not_found(struct th *t)
{
	struct fake f;
	struct engine e;
	struct errbuf err;

	REQUIRE(t, fake_make(&f, NULL));
	REQUIRE_INT(t, engine_cli_init(&cli, f.dir, NULL, NULL, &err), ENGINE_OK);
	engine_cli_bind(&cli, &e);
	CHECK_INT(t, e.pull(e.ctx, REF, &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "docker pull " REF ": docker: not found in PATH") == err.msg);
	fake_remove(&f);
}

static void
arguments_that_look_like_options_are_refused_before_running(struct th *t)
{
	struct fake f;
	struct engine e;
	struct errbuf err;
	char calls[64], id[ENGINE_ID_MAX];

	REQUIRE(t, setup(&f, "*) ;;", &e, &err));
	CHECK_INT(t, e.pull(e.ctx, "--help", &err), ENGINE_ERR);
	CHECK_STR(t, err.msg, "engine: image reference must be non-empty and must not start with '-'");
	CHECK_INT(t, e.inspect_id(e.ctx, "-f", id, sizeof(id), &err), ENGINE_ERR);
	CHECK_INT(t, e.remove(e.ctx, "", &err), ENGINE_ERR);
	CHECK_INT(t, engine_cli_compose_up(&cli, "", 0, &err), ENGINE_ERR);
	fake_read(&f, "calls", calls, sizeof(calls));
	CHECK_STR(t, calls, "");
	fake_remove(&f);
}

static void
a_hung_pull_is_killed_at_its_deadline(struct th *t)
{
	struct fake f;
	struct engine e;
	struct errbuf err;

	REQUIRE(t, setup(&f, "pull*) exec /bin/sleep 10 ;;", &e, &err));
	cli.timeouts.pull_ms = 200;
	CHECK_INT(t, e.pull(e.ctx, REF, &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "docker pull " REF ": docker: timed out after 200 ms; killed") == err.msg);
	fake_remove(&f);
}

static void
overlong_environment_values_are_refused(struct th *t)
{
	static char big[ENGINE_CLI_ENV_MAX + 1];
	struct errbuf err;

	memset(big, 'h', ENGINE_CLI_ENV_MAX);
	CHECK_INT(t, engine_cli_init(&cli, NULL, big, NULL, &err), ENGINE_ERR);
	CHECK(t, strstr(err.msg, "HOME is longer than") != NULL);
	CHECK_INT(t, engine_cli_init(&cli, NULL, NULL, NULL, &err), ENGINE_OK);
	CHECK_STR(t, cli.envp[0], "PATH=" ENGINE_CLI_DEFAULT_PATH);
	CHECK_STR(t, cli.envp[1], "DOCKER_HOST=" ENGINE_DEFAULT_HOST);
	CHECK_STR(t, cli.envp[2], "DOCKER_CONTENT_TRUST=1");
	CHECK(t, cli.envp[3] == NULL);
}

void
suite_engine_cli(struct th *t)
{
	th_run(t, "engine_cli: pull runs docker pull with the reference",
	    pull_runs_docker_pull_with_the_reference);
	th_run(t, "engine_cli: a failed pull names the command, status and engine message",
	    a_failed_pull_names_the_command_status_and_engine_message);
	th_run(t, "engine_cli: inspect passes the format verbatim and returns the trimmed ID",
	    inspect_passes_the_format_verbatim_and_returns_the_trimmed_id);
	th_run(t, "engine_cli: inspect refuses empty, multi-line or oversized answers",
	    inspect_refuses_empty_multiline_or_oversized_answers);
	th_run(t, "engine_cli: remove runs docker rm -f", remove_runs_docker_rm_force);
	th_run(t, "engine_cli: compose uses the plugin when it answers",
	    compose_uses_the_plugin_when_it_answers);
	th_run(t, "engine_cli: docker-compose on PATH is used without running docker",
	    docker_compose_on_path_is_used_without_running_docker);
	th_run(t, "engine_cli: a plugin file wins over docker-compose and nothing is run to find it",
	    a_plugin_file_wins_over_docker_compose_and_nothing_is_run_to_find_it);
	th_run(t, "engine_cli: without spawning, an unknown compose tool is an error",
	    without_spawning_an_unknown_compose_tool_is_an_error);
	th_run(t, "engine_cli: no compose tool at all is a clear error",
	    no_compose_tool_at_all_is_a_clear_error);
	th_run(t, "engine_cli: a failed compose up keeps the full output for the log",
	    a_failed_compose_up_keeps_the_full_output_for_the_log);
	th_run(t, "engine_cli: children get exactly PATH, HOME, DOCKER_HOST and content trust",
	    children_get_exactly_path_home_docker_host_and_content_trust);
	th_run(t, "engine_cli: a missing docker is reported as not found",
	    a_missing_docker_is_reported_as_not_found);
	th_run(t, "engine_cli: arguments that look like options are refused before running",
	    arguments_that_look_like_options_are_refused_before_running);
	th_run(t, "engine_cli: a hung pull is killed at its deadline", a_hung_pull_is_killed_at_its_deadline);
	th_run(t, "engine_cli: overlong environment values are refused",
	    overlong_environment_values_are_refused);
}
