/*
 * engine_cli — the engine interface (engine.h) on top of the `docker` CLI.
 * The launcher's compose backend uses it only for the compose tool (probe,
 * prepare, launch): it pulls, checks the image ID and stops, removes and
 * restarts containers through engine_api in either backend, so a run
 * starts at most one program, the compose tool (none on a reboot).
 *
 * Commands (no shell; spawn.h; `docker` found on the PATH given at init):
 *   pull        docker pull <ref>
 *   inspect_id  docker image inspect --format {{index .ID}} <ref>
 *   remove      docker rm -f <name>
 *   probe       from files first (engine_cli_compose_find): the compose
 *               plugin in a directory the docker CLI searches → plugin; else
 *               docker-compose on the PATH → v1; else, unless no_spawn,
 *               `docker compose version` (exit 0 → plugin, e.g. from a
 *               cliPluginsExtraDirs entry); else an error.  Once per run.
 *   compose_up  docker compose -p mpc-node --project-directory /proc -f - up -d
 *           or  docker-compose -p mpc-node --project-directory /proc -f - up -d
 *               with the compose file on stdin
 *   prepare     render the compose file (compose.h) for the probed tool
 *               into memory.
 *   launch      write a copy of the rendered file to c->compose_file for
 *               the operator (never read back), then compose_up with the
 *               rendered bytes on stdin: compose reads no file the node
 *               can write (no .env, no override file) and a killed launch
 *               leaves no private copy behind.
 *               Removes nothing: the caller's takeover has removed any
 *               old mpc-node.  One that appears after it (a killed
 *               launcher's create landing late) is recreated by compose
 *               when its configuration differs, kept when identical, and
 *               a name conflict (the launch fails) when compose did not
 *               make it.
 *
 * Children get exactly this environment and nothing else:
 *   PATH, HOME (each only if given), DOCKER_HOST (the given one, else
 *   ENGINE_DEFAULT_HOST: never left for a file to decide), and
 *   DOCKER_CONTENT_TRUST=1.
 * (Without HOME the docker CLI falls back to the passwd entry.)
 *
 * Arguments that start with '-' are refused before anything runs: an image
 * reference must never be read as an option.
 *
 * Memory: struct engine_cli is caller-allocated (it holds two output
 * buffers of ENGINE_CLI_OUTPUT_CAP bytes; give it static storage, not the
 * stack).  After each command out/errout hold its captured output, so the
 * caller can log a failed `compose up` in full.  No global state.
 * Errors: ENGINE_OK / ENGINE_ERR with one line in err, e.g.
 *   "docker pull nearone/x@sha256:…: exit status 1: Error response from daemon: …"
 */
#ifndef TL_ENGINE_CLI_H
#define TL_ENGINE_CLI_H

#include <stddef.h>

#include "compose.h"
#include "engine.h"
#include "names.h"
#include "spawn.h"

#define ENGINE_CLI_DOCKER "docker"
#define ENGINE_CLI_COMPOSE_V1 "docker-compose"
#define ENGINE_CLI_PROJECT NAMES_NODE
/* Compose's project and working directory: where it looks for a .env file
 * (which can set DOCKER_HOST for compose v1; v1 reads ./.env, not the
 * project directory's, when its file comes from stdin).  procfs's root,
 * where no one can create one; compose reads its file from stdin ("-f -"). */
#define ENGINE_CLI_PROJECT_DIR "/proc"

/* docker's progress output is small; 64 KiB keeps every error message. */
#define ENGINE_CLI_OUTPUT_CAP 65536
/* Longest NAME=value passed to a child (PATH, HOME, DOCKER_HOST). */
#define ENGINE_CLI_ENV_MAX 4096
/* How much of the engine's stderr goes into an error line. */
#define ENGINE_CLI_EXCERPT ENGINE_EXCERPT

/* Deadlines (ms).  A pull moves gigabytes over whatever link the host has;
 * compose up starts one container; the rest answer from local state. */
#define ENGINE_CLI_PULL_TIMEOUT_MS (15 * 60 * 1000)
#define ENGINE_CLI_INSPECT_TIMEOUT_MS (30 * 1000)
#define ENGINE_CLI_REMOVE_TIMEOUT_MS (60 * 1000)
#define ENGINE_CLI_PROBE_TIMEOUT_MS (30 * 1000)
#define ENGINE_CLI_COMPOSE_TIMEOUT_MS (5 * 60 * 1000)

struct engine_cli_timeouts {
	int pull_ms, inspect_ms, remove_ms, probe_ms, compose_ms;
};

struct engine_cli {
	struct engine_cli_timeouts timeouts; /* defaults from init; tests shorten */
	const char *compose_file;   /* the operator's copy (<dir>/<file>); NULL
	                               from init: the caller sets it (its string
	                               must outlive c), prepare refuses NULL */
	char search_path[ENGINE_CLI_ENV_MAX];
	char env_path[ENGINE_CLI_ENV_MAX + 8];
	char env_home[ENGINE_CLI_ENV_MAX + 8];
	char env_docker_host[ENGINE_CLI_ENV_MAX + 16];
	const char *envp[5];
	int compose_known;                  /* probe ran */
	int no_spawn;                       /* set by the caller: the probe runs
	                                       nothing (tee-launcher plan) */
	char plugin_dirs[ENGINE_CLI_ENV_MAX + 128]; /* from init; tests replace */
	enum compose_flavour compose_tool;
	char out[ENGINE_CLI_OUTPUT_CAP];    /* last command's stdout */
	char errout[ENGINE_CLI_OUTPUT_CAP]; /* last command's stderr */
	char compose[COMPOSE_OUT_MAX];      /* last rendered compose file */
	size_t compose_len;
	struct spawn_buf outb, errb;
	struct spawn_status status;         /* how the last command ended */
};

/*
 * path: the PATH used to find docker/docker-compose and passed on (NULL or
 * empty: ENGINE_CLI_DEFAULT_PATH); home, docker_host: NULL or empty = unset.
 * Returns ENGINE_ERR if a value is too long.
 */
#define ENGINE_CLI_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
int engine_cli_init(struct engine_cli *c, const char *path, const char *home,
    const char *docker_host, struct errbuf *err);

/* Points e's operations at c. */
void engine_cli_bind(struct engine_cli *c, struct engine *e);

/* The docker CLI's own plugin directories on Unix (its cli-plugins
 * manager): the user's under HOME (DOCKER_CONFIG is never passed on), then
 * these (docker's list without /usr/local/libexec, where no package puts
 * compose; a plugin elsewhere is still found by `docker compose version`). */
#define ENGINE_CLI_PLUGIN_DIRS "/usr/local/lib/docker/cli-plugins:" \
	"/usr/lib/docker/cli-plugins:/usr/libexec/docker/cli-plugins"
#define ENGINE_CLI_PLUGIN_USER_DIR "/.docker/cli-plugins"

/* The compose tool from files alone (stat, nothing run): the plugin
 * docker-compose, executable, in c->plugin_dirs (init: HOME's, then
 * ENGINE_CLI_PLUGIN_DIRS) → plugin; else docker-compose on the PATH → v1.
 * ENGINE_ERR when neither. */
int engine_cli_compose_find(const struct engine_cli *c, enum compose_flavour *tool,
    struct errbuf *err);

/* Which compose tool compose_up will use (probed once, then cached). */
int engine_cli_compose_probe(struct engine_cli *c, enum compose_flavour *tool,
    struct errbuf *err);

/* Bring up the project "mpc-node", detached, from the compose file
 * yaml[0..len) given on compose's stdin (ENGINE_CLI_PROJECT_DIR as its
 * project directory). */
int engine_cli_compose_up(struct engine_cli *c, const char *yaml, size_t len,
    struct errbuf *err);

#endif
