#include <stddef.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "engine_cli.h"
#include "env.h"
#include "spawn.h"

const char cli_usage_text[] =
"usage: tee-launcher [plan] [--platform TEE|NONTEE] [--docker-content-trust 1]\n"
"                    [--default-image-digest sha256:<64 hex>] [--help] [--version]\n"
"       tee-launcher check-config [FILE]   (offline; PLATFORM optional)\n"
"\n"
"  plan: what a launch would do, and why; contacts and writes nothing\n"
"\n"
"Each flag may instead come from its environment variable (the flag wins):\n"
"  PLATFORM               TEE or NONTEE (required)\n"
"  DOCKER_CONTENT_TRUST   must be 1 (required)\n"
"  DEFAULT_IMAGE_DIGEST   sha256:<64 hex> used when no approved-hashes file exists (required)\n"
"\n"
"Environment only (the launcher's environment is measured, its user config is not):\n"
"  TEE_LAUNCHER_USER_CONFIG           " CLI_DEFAULT_USER_CONFIG "\n"
"  TEE_LAUNCHER_APPROVED_HASHES_FILE  " CLI_DEFAULT_APPROVED_FILE "\n"
"  TEE_LAUNCHER_NODE_CONFIG           " CLI_DEFAULT_NODE_CONFIG "\n"
"  TEE_LAUNCHER_COMPOSE_FILE          " CLI_DEFAULT_COMPOSE_FILE "\n"
"  TEE_LAUNCHER_DSTACK_SOCKET         " CLI_DEFAULT_DSTACK_SOCKET "\n"
"  TEE_LAUNCHER_RTMR_METHOD           auto | dstack-api | native (default auto)\n"
"  TEE_LAUNCHER_RTMR3_FILE            " CLI_DEFAULT_RTMR3_FILE "\n"
"  TEE_LAUNCHER_EVENT_LOG_DIR         " CLI_DEFAULT_EVENT_LOG_DIR "\n"
"  TEE_LAUNCHER_ENGINE                api | cli (default api; cli if no engine socket)\n"
"  TEE_LAUNCHER_EXTRA_CA_FILE         PEM file of extra trust anchors (default none)\n"
"  TEE_LAUNCHER_LOCK_FILE             <node config dir>/.tee-launcher.lock\n"
"  DOCKER_HOST, HTTPS_PROXY, NO_PROXY as usual\n"
"\n"
"Exit status: 0 node started (plan: printed; check-config: valid), 1 runtime\n"
"failure, 2 usage error.\n";

/* The command words, in enum cli_command order after CLI_COMMAND_LAUNCH. */
static const char *const command_names[] = { "plan" };

/* argv[1] when it is a command word: the settings parse as for a launch. */
static int
take_command(int argc, char *const argv[], struct cli_settings *s)
{
	size_t k;

	for (k = 0; argc > 1 && k < sizeof(command_names) / sizeof(command_names[0]); k++)
		if (strcmp(argv[1], command_names[k]) == 0) {
			s->command = (enum cli_command)(k + 1);
			return 2;
		}
	return 1;
}

static const char *
env_or(char *const envp[], const char *name, const char *dflt)
{
	const char *v = env_get(envp, name);

	return v != NULL ? v : dflt;
}

/* Paths must be absolute and non-empty: a relative path would depend on the
 * working directory, which nobody measures. */
static int
check_path(const char *name, const char *v, struct errbuf *err)
{
	if (v[0] != '/') {
		errbuf_set(err, "%s: must be an absolute path", name);
		return -1;
	}
	return 0;
}

struct raw {
	const char *platform, *dct, *digest;
};

static int
take_flag(int argc, char *const argv[], int *i, struct raw *r, struct errbuf *err) /* cppcheck-suppress constParameter ; char *const * converts to const char *const * only with a cast in C */
{
	const char *names[] = { "--platform", "--docker-content-trust",
	    "--default-image-digest" };
	const char **slots[] = { &r->platform, &r->dct, &r->digest };
	const char *a = argv[*i];
	size_t k, n;

	for (k = 0; k < 3; k++) {
		n = strlen(names[k]);
		if (strncmp(a, names[k], n) != 0)
			continue;
		if (a[n] == '=') {
			*slots[k] = a + n + 1;
			return 0;
		}
		if (a[n] != '\0')
			continue;
		if (*i + 1 >= argc) {
			errbuf_set(err, "%s: missing value", names[k]);
			return -1;
		}
		*slots[k] = argv[++*i];
		return 0;
	}
	errbuf_set(err, "unknown argument: %.200s", a);
	return -1;
}

static int
parse_enum(const char *name, const char *v, const char *const *names, int n,
    int *out, struct errbuf *err)
{
	int k;

	for (k = 0; k < n; k++) {
		if (strcmp(v, names[k]) == 0) {
			*out = k;
			return 0;
		}
	}
	errbuf_set(err, "%s: invalid value \"%.64s\"", name, v);
	return -1;
}

/* PLATFORM's values, in enum launch_platform's order. */
static const char *const platforms[] = { "TEE", "NONTEE" };

static int
parse_required(const struct raw *r, struct cli_settings *s, struct errbuf *err)
{
	struct errbuf derr;
	int p;

	if (r->platform == NULL || r->platform[0] == '\0') {
		errbuf_set(err, "PLATFORM is required (TEE or NONTEE)");
		return -1;
	}
	if (parse_enum("PLATFORM", r->platform, platforms, 2, &p, err) != 0) {
		errbuf_wrap(err, "expected TEE or NONTEE");
		return -1;
	}
	s->platform = (enum launch_platform)p;
	if (r->dct == NULL || strcmp(r->dct, "1") != 0) {
		errbuf_set(err, "DOCKER_CONTENT_TRUST must be 1");
		return -1;
	}
	if (r->digest == NULL || r->digest[0] == '\0') {
		errbuf_set(err, "DEFAULT_IMAGE_DIGEST is required (sha256:<64 hex>)");
		return -1;
	}
	if (digest_parse(r->digest, strlen(r->digest), &s->default_digest, &derr) != 0) {
		errbuf_set(err, "DEFAULT_IMAGE_DIGEST: %s", derr.msg);
		return -1;
	}
	return 0;
}

static int
parse_env_only(char *const envp[], struct cli_settings *s, struct errbuf *err)
{
	static const char *const methods[] = { "auto", "dstack-api", "native" };
	static const char *const engines[] = { "", "cli", "api" };
	const char *v;
	int k;

	v = env_or(envp, "TEE_LAUNCHER_RTMR_METHOD", "auto");
	if (parse_enum("TEE_LAUNCHER_RTMR_METHOD", v, methods, 3, &k, err) != 0)
		return -1;
	s->rtmr_method = (enum measure_method)k;
	v = env_or(envp, "TEE_LAUNCHER_ENGINE", "");
	if (parse_enum("TEE_LAUNCHER_ENGINE", v, engines, 3, &k, err) != 0)
		return -1;
	s->engine = (enum cli_engine)k;

	s->user_config = env_or(envp, "TEE_LAUNCHER_USER_CONFIG", CLI_DEFAULT_USER_CONFIG);
	s->approved_file = env_or(envp, "TEE_LAUNCHER_APPROVED_HASHES_FILE", CLI_DEFAULT_APPROVED_FILE);
	s->node_config = env_or(envp, "TEE_LAUNCHER_NODE_CONFIG", CLI_DEFAULT_NODE_CONFIG);
	s->compose_file = env_or(envp, "TEE_LAUNCHER_COMPOSE_FILE", CLI_DEFAULT_COMPOSE_FILE);
	s->dstack_socket = env_or(envp, "TEE_LAUNCHER_DSTACK_SOCKET", CLI_DEFAULT_DSTACK_SOCKET);
	s->rtmr3_file = env_or(envp, "TEE_LAUNCHER_RTMR3_FILE", CLI_DEFAULT_RTMR3_FILE);
	s->event_log_dir = env_or(envp, "TEE_LAUNCHER_EVENT_LOG_DIR", CLI_DEFAULT_EVENT_LOG_DIR);
	s->extra_ca_file = env_get(envp, "TEE_LAUNCHER_EXTRA_CA_FILE");
	s->lock_file = env_get(envp, "TEE_LAUNCHER_LOCK_FILE");
	if (check_path("TEE_LAUNCHER_USER_CONFIG", s->user_config, err) ||
	    check_path("TEE_LAUNCHER_APPROVED_HASHES_FILE", s->approved_file, err) ||
	    check_path("TEE_LAUNCHER_NODE_CONFIG", s->node_config, err) ||
	    check_path("TEE_LAUNCHER_COMPOSE_FILE", s->compose_file, err) ||
	    check_path("TEE_LAUNCHER_DSTACK_SOCKET", s->dstack_socket, err) ||
	    check_path("TEE_LAUNCHER_RTMR3_FILE", s->rtmr3_file, err) ||
	    check_path("TEE_LAUNCHER_EVENT_LOG_DIR", s->event_log_dir, err) ||
	    (s->lock_file != NULL && check_path("TEE_LAUNCHER_LOCK_FILE", s->lock_file, err)) ||
	    (s->extra_ca_file != NULL &&
	    check_path("TEE_LAUNCHER_EXTRA_CA_FILE", s->extra_ca_file, err)))
		return -1;

	s->docker_host = env_get(envp, "DOCKER_HOST");
	s->path = env_or(envp, "PATH", CLI_DEFAULT_PATH);
	s->home = env_get(envp, "HOME");
	env_proxy(envp, &s->https_proxy, &s->no_proxy);
	return 0;
}

/* check-config [FILE]: PLATFORM is optional (TEE's stricter rules by
 * default), nothing else is required. */
static enum cli_result
parse_check_config(int argc, char *const argv[], char *const envp[],
    const char *platform, struct cli_settings *s, struct errbuf *err)
{
	int p = LAUNCH_TEE;

	s->command = CLI_COMMAND_CHECK_CONFIG;
	if (argc > 3 || (argc == 3 && argv[2][0] == '-')) {
		if (argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0))
			return CLI_HELP;
		errbuf_set(err, "unknown argument: %.200s", argv[argc - 1]);
		return CLI_USAGE;
	}
	if (platform != NULL && parse_enum("PLATFORM", platform, platforms, 2, &p, err) != 0)
		return CLI_USAGE;
	s->platform = (enum launch_platform)p;
	s->user_config = env_or(envp, "TEE_LAUNCHER_USER_CONFIG", CLI_DEFAULT_USER_CONFIG);
	if (argc == 3)
		s->user_config = argv[2];
	else if (check_path("TEE_LAUNCHER_USER_CONFIG", s->user_config, err) != 0)
		return CLI_USAGE;
	return CLI_RUN;
}

enum cli_result
cli_parse(int argc, char *const argv[], char *const envp[],
    struct cli_settings *s, struct errbuf *err)
{
	struct raw r;
	int i;

	memset(s, 0, sizeof(*s));
	r.platform = env_get(envp, "PLATFORM");
	r.dct = env_get(envp, "DOCKER_CONTENT_TRUST");
	r.digest = env_get(envp, "DEFAULT_IMAGE_DIGEST");
	if (argc > 1 && strcmp(argv[1], "check-config") == 0)
		return parse_check_config(argc, argv, envp, r.platform, s, err);
	for (i = take_command(argc, argv, s); i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return CLI_HELP;
		if (strcmp(argv[i], "--version") == 0)
			return CLI_VERSION;
		if (take_flag(argc, argv, &i, &r, err) != 0)
			return CLI_USAGE;
	}
	if (parse_required(&r, s, err) != 0 || parse_env_only(envp, s, err) != 0)
		return CLI_USAGE;
	return CLI_RUN;
}

int
measure_cfg_from_settings(struct measure_cfg *m, const struct cli_settings *s,
    char *pathbuf, size_t cap, struct errbuf *err)
{
	return measure_cfg_init(m, s->rtmr_method, s->dstack_socket, s->rtmr3_file,
	    s->event_log_dir, pathbuf, cap, err);
}

enum cli_engine
cli_engine_choose(const struct cli_settings *s, const char *engine_socket,
    const char **why)
{
	char where[SPAWN_PATH_MAX];
	struct errbuf ignored;
	struct stat st;

	if (s->engine != CLI_ENGINE_DEFAULT) {
		*why = "TEE_LAUNCHER_ENGINE";
		return s->engine;
	}
	if (stat(engine_socket, &st) == 0 && S_ISSOCK(st.st_mode)) {
		*why = "socket present";
		return CLI_ENGINE_API;
	}
	if (spawn_resolve(ENGINE_CLI_DOCKER, s->path, where, sizeof(where), &ignored) ==
	    SPAWN_OK) {
		*why = "no socket, docker on PATH";
		return CLI_ENGINE_CLI;
	}
	*why = "no socket, no docker";
	return CLI_ENGINE_API;
}
