#include <stdint.h>

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

void
suite_cli(struct th *t)
{
	th_run(t, "cli: the environment alone is enough and paths default", environment_alone_is_enough_and_paths_default);
	th_run(t, "cli: flags win over the environment", flags_win_over_the_environment);
	th_run(t, "cli: bad PLATFORM values are usage errors", bad_platform_values_are_usage_errors);
	th_run(t, "cli: missing settings are named", missing_settings_are_named);
	th_run(t, "cli: relative paths and unknown methods are refused", relative_paths_and_unknown_methods_are_refused);
	th_run(t, "cli: --help, --version and unknown flags", help_version_and_unknown_flags);
}
