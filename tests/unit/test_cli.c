#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli.h"
#include "harness.h"

#define D64 "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static enum cli_result
run(char *const *argv, char *const *envp, struct cli_settings *s, struct errbuf *e)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	e->msg[0] = '\0';
	return cli_parse(argc, argv, envp, s, e);
}

static void
environment_alone_is_enough_and_paths_default(struct th *t)
{
	char *argv[] = { "tl", NULL };
	char *envp[] = { "PLATFORM=NONTEE", "DOCKER_CONTENT_TRUST=1",
	    "DEFAULT_IMAGE_DIGEST=" D64, NULL };
	struct cli_settings s;
	struct errbuf e;

	REQUIRE_INT(t, run(argv, envp, &s, &e), CLI_RUN);
	CHECK_INT(t, s.platform, LAUNCH_NONTEE);
	CHECK_INT(t, s.default_digest.b[0], 0xaa);
	CHECK_STR(t, s.user_config, "/tapp/user_config");
	CHECK_STR(t, s.approved_file, "/mnt/shared/image-digest.bin");
	CHECK_STR(t, s.node_config, "/mnt/shared/mpc-config.toml");
	CHECK_STR(t, s.dstack_socket, "/var/run/dstack.sock");
	CHECK_INT(t, s.rtmr_method, MEASURE_AUTO);
	CHECK(t, s.extra_ca_file == NULL);
}

static void
flags_win_over_the_environment(struct th *t)
{
	char *argv[] = { "tl", "--platform", "TEE", "--docker-content-trust=1",
	    "--default-image-digest", D64, NULL };
	char *envp[] = { "PLATFORM=NONTEE", NULL };
	struct cli_settings s;
	struct errbuf e;

	REQUIRE_INT(t, run(argv, envp, &s, &e), CLI_RUN);
	CHECK_INT(t, s.platform, LAUNCH_TEE);
}

static void
bad_platform_values_are_usage_errors(struct th *t)
{
	static const char *bad[] = { "PLATFORM=", "PLATFORM=tee", "PLATFORM=TEE ",
	    "PLATFORM=NON_TEE", "PLATFORM=1", "PLATFORM=nontee", "PLATFORM=TEE as" };
	size_t k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		char *argv[] = { "tl", NULL };
		char *envp[] = { (char *)(uintptr_t)bad[k], "DOCKER_CONTENT_TRUST=1",
		    "DEFAULT_IMAGE_DIGEST=" D64, NULL };
		struct cli_settings s;
		struct errbuf e;

		CHECK_INT(t, run(argv, envp, &s, &e), CLI_USAGE);
		CHECK(t, strstr(e.msg, "PLATFORM") != NULL);
	}
}

static void
missing_settings_are_named(struct th *t)
{
	char *argv[] = { "tl", NULL };
	char *no_dct[] = { "PLATFORM=TEE", "DEFAULT_IMAGE_DIGEST=" D64, NULL };
	char *dct0[] = { "PLATFORM=TEE", "DOCKER_CONTENT_TRUST=0", "DEFAULT_IMAGE_DIGEST=" D64, NULL };
	char *no_digest[] = { "PLATFORM=TEE", "DOCKER_CONTENT_TRUST=1", NULL };
	char *bad_digest[] = { "PLATFORM=TEE", "DOCKER_CONTENT_TRUST=1",
	    "DEFAULT_IMAGE_DIGEST=aaaa", NULL };
	struct cli_settings s;
	struct errbuf e;

	CHECK_INT(t, run(argv, no_dct, &s, &e), CLI_USAGE);
	CHECK_STR(t, e.msg, "DOCKER_CONTENT_TRUST must be 1");
	CHECK_INT(t, run(argv, dct0, &s, &e), CLI_USAGE);
	CHECK_INT(t, run(argv, no_digest, &s, &e), CLI_USAGE);
	CHECK(t, strstr(e.msg, "DEFAULT_IMAGE_DIGEST is required") != NULL);
	CHECK_INT(t, run(argv, bad_digest, &s, &e), CLI_USAGE);
	CHECK(t, strstr(e.msg, "DEFAULT_IMAGE_DIGEST: ") == e.msg);
}

static void
relative_paths_and_unknown_methods_are_refused(struct th *t)
{
	char *argv[] = { "tl", NULL };
	char *rel[] = { "PLATFORM=TEE", "DOCKER_CONTENT_TRUST=1", "DEFAULT_IMAGE_DIGEST=" D64,
	    "TEE_LAUNCHER_NODE_CONFIG=cfg.toml", NULL };
	char *meth[] = { "PLATFORM=TEE", "DOCKER_CONTENT_TRUST=1", "DEFAULT_IMAGE_DIGEST=" D64,
	    "TEE_LAUNCHER_RTMR_METHOD=tpm", NULL };
	struct cli_settings s;
	struct errbuf e;

	CHECK_INT(t, run(argv, rel, &s, &e), CLI_USAGE);
	CHECK_STR(t, e.msg, "TEE_LAUNCHER_NODE_CONFIG: must be an absolute path");
	CHECK_INT(t, run(argv, meth, &s, &e), CLI_USAGE);
	CHECK_STR(t, e.msg, "TEE_LAUNCHER_RTMR_METHOD: invalid value \"tpm\"");
}

static void
help_version_and_unknown_flags(struct th *t)
{
	char *help[] = { "tl", "--help", NULL };
	char *ver[] = { "tl", "--version", NULL };
	char *unk[] = { "tl", "--frobnicate", NULL };
	char *dangling[] = { "tl", "--platform", NULL };
	char *envp[] = { NULL };
	struct cli_settings s;
	struct errbuf e;

	CHECK_INT(t, run(help, envp, &s, &e), CLI_HELP);
	CHECK_INT(t, run(ver, envp, &s, &e), CLI_VERSION);
	CHECK_INT(t, run(unk, envp, &s, &e), CLI_USAGE);
	CHECK_STR(t, e.msg, "unknown argument: --frobnicate");
	CHECK_INT(t, run(dangling, envp, &s, &e), CLI_USAGE);
	CHECK_STR(t, e.msg, "--platform: missing value");
}

static void
check_config_needs_only_a_file(struct th *t)
{
	char *a1[] = { "tl", "check-config", NULL };
	char *a2[] = { "tl", "check-config", "rel/user.toml", NULL };
	char *a5[] = { "tl", "check-config", "--platform", "NONTEE", NULL };
	char *a3[] = { "tl", "check-config", "a", "b", NULL };
	char *a4[] = { "tl", "check-config", "--help", NULL };
	char *none[] = { NULL };
	char *env[] = { "TEE_LAUNCHER_USER_CONFIG=/etc/u.toml", "PLATFORM=NONTEE", NULL };
	char *relenv[] = { "TEE_LAUNCHER_USER_CONFIG=u.toml", NULL };
	char *badp[] = { "PLATFORM=tee", NULL };
	struct cli_settings s;
	struct errbuf e;

	/* No PLATFORM, DOCKER_CONTENT_TRUST or DEFAULT_IMAGE_DIGEST needed;
	 * TEE's stricter rules when PLATFORM is absent. */
	REQUIRE_INT(t, run(a1, none, &s, &e), CLI_RUN);
	CHECK_INT(t, s.command, CLI_COMMAND_CHECK_CONFIG);
	CHECK_INT(t, s.platform, LAUNCH_TEE);
	CHECK_STR(t, s.user_config, CLI_DEFAULT_USER_CONFIG);
	REQUIRE_INT(t, run(a1, env, &s, &e), CLI_RUN);
	CHECK_INT(t, s.platform, LAUNCH_NONTEE);
	CHECK_STR(t, s.user_config, "/etc/u.toml");
	/* A file argument may be relative: an operator's tool, not a run. */
	REQUIRE_INT(t, run(a2, env, &s, &e), CLI_RUN);
	CHECK_STR(t, s.user_config, "rel/user.toml");
	CHECK_INT(t, s.platform, LAUNCH_NONTEE);
	CHECK_INT(t, run(a3, none, &s, &e), CLI_USAGE);
	CHECK(t, strstr(e.msg, "unknown argument: b") != NULL);
	CHECK_INT(t, run(a4, none, &s, &e), CLI_HELP);
	/* PLATFORM from the environment only: no flags after the command. */
	CHECK_INT(t, run(a5, none, &s, &e), CLI_USAGE);
	CHECK(t, strstr(e.msg, "unknown argument: NONTEE") != NULL);
	CHECK_INT(t, run(a1, relenv, &s, &e), CLI_USAGE);
	CHECK(t, strstr(e.msg, "TEE_LAUNCHER_USER_CONFIG: must be an absolute path") != NULL);
	CHECK_INT(t, run(a1, badp, &s, &e), CLI_USAGE);
	CHECK(t, strstr(e.msg, "PLATFORM: invalid value") != NULL);
}

static void
a_launch_is_the_default_command(struct th *t)
{
	char *argv[] = { "tl", NULL };
	char *envp[] = { "PLATFORM=TEE", "DOCKER_CONTENT_TRUST=1",
	    "DEFAULT_IMAGE_DIGEST=" D64, NULL };
	char *late[] = { "tl", "--platform", "TEE", "check-config", NULL };
	struct cli_settings s;
	struct errbuf e;

	REQUIRE_INT(t, run(argv, envp, &s, &e), CLI_RUN);
	CHECK_INT(t, s.command, CLI_COMMAND_LAUNCH);
	/* The subcommand comes first or not at all. */
	CHECK_INT(t, run(late, envp, &s, &e), CLI_USAGE);
}

static void
plan_is_a_command_word_and_takes_the_same_settings(struct th *t)
{
	char *plan[] = { "tl", "plan", "--platform", "TEE", NULL };
	char *late[] = { "tl", "--platform", "TEE", "plan", NULL };
	char *launch[] = { "tl", NULL };
	char *envp[] = { "DOCKER_CONTENT_TRUST=1", "DEFAULT_IMAGE_DIGEST=" D64, NULL };
	char *nodigest[] = { "DOCKER_CONTENT_TRUST=1", NULL };
	char *tee[] = { "PLATFORM=TEE", "DOCKER_CONTENT_TRUST=1", "DEFAULT_IMAGE_DIGEST=" D64, NULL };
	struct cli_settings s;
	struct errbuf e;

	REQUIRE_INT(t, run(plan, envp, &s, &e), CLI_RUN);
	CHECK_INT(t, s.command, CLI_COMMAND_PLAN);
	CHECK_INT(t, s.platform, LAUNCH_TEE);
	CHECK_INT(t, run(late, envp, &s, &e), CLI_USAGE);
	CHECK_STR(t, e.msg, "unknown argument: plan");
	CHECK_INT(t, run(plan, nodigest, &s, &e), CLI_USAGE);
	REQUIRE_INT(t, run(launch, tee, &s, &e), CLI_RUN);
	CHECK_INT(t, s.command, CLI_COMMAND_LAUNCH);
}

/* A listening AF_UNIX socket at <dir>/docker.sock. */
static int
listen_at(const char *path)
{
	struct sockaddr_un a;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 1) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void
the_engine_is_api_when_its_socket_exists_else_cli_with_docker_on_path(struct th *t)
{
	char dir[] = "/tmp/cli-engine-XXXXXX", sock[64], docker[80], bin[64];
	struct cli_settings s;
	const char *why;
	int lfd, fd;

	REQUIRE(t, mkdtemp(dir) != NULL);
	snprintf(sock, sizeof(sock), "%s/docker.sock", dir);
	snprintf(bin, sizeof(bin), "%s/bin", dir);
	snprintf(docker, sizeof(docker), "%s/docker", bin);
	REQUIRE(t, mkdir(bin, 0700) == 0);
	REQUIRE(t, (fd = open(docker, O_WRONLY | O_CREAT, 0755)) >= 0);
	close(fd);
	memset(&s, 0, sizeof(s));
	s.path = bin;
	/* no socket yet: docker on PATH decides */
	CHECK_INT(t, cli_engine_choose(&s, sock, &why), CLI_ENGINE_CLI);
	CHECK_STR(t, why, "no socket, docker on PATH");
	s.path = "/nonexistent";
	CHECK_INT(t, cli_engine_choose(&s, sock, &why), CLI_ENGINE_API);
	CHECK_STR(t, why, "no socket, no docker");
	/* a regular file where the socket should be is no socket */
	REQUIRE(t, (fd = open(sock, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	s.path = bin;
	CHECK_INT(t, cli_engine_choose(&s, sock, &why), CLI_ENGINE_CLI);
	unlink(sock);
	REQUIRE(t, (lfd = listen_at(sock)) >= 0);
	CHECK_INT(t, cli_engine_choose(&s, sock, &why), CLI_ENGINE_API);
	CHECK_STR(t, why, "socket present");
	/* the operator's choice wins */
	s.engine = CLI_ENGINE_CLI;
	CHECK_INT(t, cli_engine_choose(&s, sock, &why), CLI_ENGINE_CLI);
	CHECK_STR(t, why, "TEE_LAUNCHER_ENGINE");
	close(lfd);
	unlink(sock);
	unlink(docker);
	rmdir(bin);
	rmdir(dir);
}

void
suite_cli(struct th *t)
{
	th_run(t, "cli: the environment alone is enough and paths default", environment_alone_is_enough_and_paths_default);
	th_run(t, "cli: flags win over the environment", flags_win_over_the_environment);
	th_run(t, "cli: bad PLATFORM values are usage errors", bad_platform_values_are_usage_errors);
	th_run(t, "cli: missing settings are named", missing_settings_are_named);
	th_run(t, "cli: relative paths and unknown methods are refused", relative_paths_and_unknown_methods_are_refused);
	th_run(t, "cli: --help, --version and unknown flags", help_version_and_unknown_flags);
	th_run(t, "cli: check-config needs only a file", check_config_needs_only_a_file);
	th_run(t, "cli: a launch is the default command", a_launch_is_the_default_command);
	th_run(t, "cli: plan is a command word and takes the same settings",
	    plan_is_a_command_word_and_takes_the_same_settings);
	th_run(t, "cli: the engine is api when its socket exists, else cli with docker on PATH",
	    the_engine_is_api_when_its_socket_exists_else_cli_with_docker_on_path);
}
