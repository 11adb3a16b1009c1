/*
 * cli — the launcher's settings, from its flags and its environment.
 *
 * Trust model: the launcher's compose file (image digest, command and
 * environment) is measured into the CVM identity; /tapp/user_config is not.
 * So everything that changes trust, a path, a socket or the RTMR3 method comes
 * from here and only here.  The three settings of SPEC §2.1 may also be given
 * as flags (flag wins); paths and methods are environment-only.
 *
 * The settings keep pointers into argv/envp: they live as long as the process.
 * cli_parse() touches no file and no socket.
 */
#ifndef TL_CLI_H
#define TL_CLI_H

#include "errbuf.h"
#include "launch_plan.h"
#include "measure.h"
#include "names.h"
#include "reference.h"

enum cli_engine { CLI_ENGINE_DEFAULT, CLI_ENGINE_CLI, CLI_ENGINE_API };

enum cli_result { CLI_RUN, CLI_HELP, CLI_VERSION, CLI_USAGE };

/* What CLI_RUN runs: the first argument names it when it is a command word
 * (command_names in cli.c: "plan"), else the launch; the settings parse
 * the same for those.  check-config [FILE] parses its own: only the user
 * config (FILE, else TEE_LAUNCHER_USER_CONFIG or its default), PLATFORM
 * optional (TEE's rules when absent), nothing else required. */
enum cli_command { CLI_COMMAND_LAUNCH, CLI_COMMAND_PLAN, CLI_COMMAND_CHECK_CONFIG };

struct cli_settings {
	enum cli_command command;
	enum launch_platform platform; /* LAUNCH_TEE or LAUNCH_NONTEE, the plan's type */
	struct digest default_digest;
	enum measure_method rtmr_method;
	enum cli_engine engine;
	const char *user_config;    /* TEE_LAUNCHER_USER_CONFIG */
	const char *approved_file;  /* TEE_LAUNCHER_APPROVED_HASHES_FILE */
	const char *node_config;    /* TEE_LAUNCHER_NODE_CONFIG */
	const char *compose_file;   /* TEE_LAUNCHER_COMPOSE_FILE */
	const char *dstack_socket;  /* TEE_LAUNCHER_DSTACK_SOCKET */
	const char *rtmr3_file;     /* TEE_LAUNCHER_RTMR3_FILE */
	const char *event_log_dir;  /* TEE_LAUNCHER_EVENT_LOG_DIR */
	const char *extra_ca_file;  /* TEE_LAUNCHER_EXTRA_CA_FILE, or NULL */
	const char *lock_file;      /* TEE_LAUNCHER_LOCK_FILE, or NULL: next to
	                               the node config (the volume launchers share) */
	const char *docker_host;    /* DOCKER_HOST, or NULL */
	const char *path;           /* PATH for finding docker */
	const char *home;           /* HOME, passed to docker */
	const char *https_proxy;    /* HTTPS_PROXY / https_proxy, or NULL */
	const char *no_proxy;       /* NO_PROXY / no_proxy, or NULL */
};

/* Defaults (SPEC §2.2 and dstack's own paths). */
#define CLI_DEFAULT_USER_CONFIG "/tapp/user_config"
#define CLI_DEFAULT_APPROVED_FILE NAMES_APPROVED_FILE
#define CLI_DEFAULT_NODE_CONFIG NAMES_NODE_CONFIG
#define CLI_DEFAULT_COMPOSE_FILE NAMES_SHARED_DIR "/" NAMES_NODE ".compose.yaml"
#define CLI_DEFAULT_DSTACK_SOCKET NAMES_DSTACK_SOCKET
#define CLI_DEFAULT_RTMR3_FILE NAMES_RTMR3_FILE
#define CLI_DEFAULT_EVENT_LOG_DIR "/run/log/dstack"
#define CLI_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/*
 * Fills *s from argv and envp (NULL-terminated "NAME=value" strings).
 * Returns CLI_RUN, CLI_HELP, CLI_VERSION, or CLI_USAGE with a one-line
 * message in err (exit status 2).
 */
enum cli_result cli_parse(int argc, char *const argv[], char *const envp[],
    struct cli_settings *s, struct errbuf *err);

/* measure_cfg_init() from the settings.  Here rather than in measure.c:
 * the settings are the launcher's top layer (tests/layers.txt), and measure
 * must not depend on them. */
int measure_cfg_from_settings(struct measure_cfg *m, const struct cli_settings *s,
    char *pathbuf, size_t cap, struct errbuf *err);

/*
 * The backend to use, and why (a fixed phrase for logs and `plan`):
 * TEE_LAUNCHER_ENGINE when set; else api when engine_socket (the path
 * DOCKER_HOST names, engine_api_socket_path) is a socket, by stat(2)
 * alone: nothing is connected to decide; else cli when docker is on PATH;
 * else api.  Never fails: a backend that cannot work reports it when it is
 * set up.
 */
enum cli_engine cli_engine_choose(const struct cli_settings *s, const char *engine_socket,
    const char **why);

/* The --help text. */
extern const char cli_usage_text[];

#endif
