#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "engine_cli.h"
#include "fmt.h"
#include "log.h"

static int
env_entry(char *out, size_t cap, const char *name, const char *val,
    struct errbuf *err)
{
	int n = fmt_snprintf(out, cap, "%s=%s", name, val);

	if (n < 0 || (size_t)n >= cap || strlen(val) >= ENGINE_CLI_ENV_MAX) {
		errbuf_set(err, "engine: %s is longer than %d bytes", name, ENGINE_CLI_ENV_MAX - 1);
		return ENGINE_ERR;
	}
	return ENGINE_OK;
}

int
engine_cli_init(struct engine_cli *c, const char *path, const char *home,
    const char *docker_host, struct errbuf *err)
{
	size_t n = 0;

	memset(&c->timeouts, 0, sizeof(c->timeouts));
	c->timeouts.pull_ms = ENGINE_CLI_PULL_TIMEOUT_MS;
	c->timeouts.inspect_ms = ENGINE_CLI_INSPECT_TIMEOUT_MS;
	c->timeouts.remove_ms = ENGINE_CLI_REMOVE_TIMEOUT_MS;
	c->timeouts.probe_ms = ENGINE_CLI_PROBE_TIMEOUT_MS;
	c->timeouts.compose_ms = ENGINE_CLI_COMPOSE_TIMEOUT_MS;
	c->compose_known = 0;
	c->no_spawn = 0;
	c->compose_file = NULL;
	c->compose_tool = COMPOSE_SPEC;
	c->env_home[0] = '\0';
	if (path == NULL || path[0] == '\0')
		path = ENGINE_CLI_DEFAULT_PATH;
	if (env_entry(c->env_path, sizeof(c->env_path), "PATH", path, err) != ENGINE_OK)
		return ENGINE_ERR;
	memcpy(c->search_path, path, strlen(path) + 1);
	c->envp[n++] = c->env_path;
	if (home != NULL && home[0] != '\0') {
		if (env_entry(c->env_home, sizeof(c->env_home), "HOME", home, err) != ENGINE_OK)
			return ENGINE_ERR;
		c->envp[n++] = c->env_home;
	}
	fmt_snprintf(c->plugin_dirs, sizeof(c->plugin_dirs), "%s%s%s",
	    c->env_home[0] ? c->env_home + 5 : "", c->env_home[0] ?
	    ENGINE_CLI_PLUGIN_USER_DIR ":" : "", ENGINE_CLI_PLUGIN_DIRS);
	if (docker_host == NULL || docker_host[0] == '\0')
		docker_host = ENGINE_DEFAULT_HOST;
	if (env_entry(c->env_docker_host, sizeof(c->env_docker_host),
	    "DOCKER_HOST", docker_host, err) != ENGINE_OK)
		return ENGINE_ERR;
	c->envp[n++] = c->env_docker_host;
	c->envp[n++] = "DOCKER_CONTENT_TRUST=1";
	c->envp[n] = NULL;
	c->outb.data = c->out;
	c->outb.cap = sizeof(c->out);
	c->errb.data = c->errout;
	c->errb.cap = sizeof(c->errout);
	c->out[0] = c->errout[0] = '\0';
	return ENGINE_OK;
}

/* "docker pull ref" for messages; cut if long. */
static void
describe(const char *const *argv, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (; *argv != NULL && len + 1 < cap; argv++) {
		int n = fmt_snprintf(out + len, cap - len, "%s%s", len ? " " : "", *argv);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

static int
run(struct engine_cli *c, const char *const *argv, int timeout_ms,
    const char *input, size_t input_len, struct errbuf *err)
{
	/* Compose v1 reads ./.env even with --project-directory when its file
	 * comes from stdin: the working directory must be one without. */
	struct spawn_cmd cmd = { argv, c->envp, c->search_path, timeout_ms, input,
		input_len, input != NULL ? ENGINE_CLI_PROJECT_DIR : NULL };
	char what[256], said[ENGINE_CLI_EXCERPT + 8], how[64];
	int rc;

	describe(argv, what, sizeof(what));
	rc = spawn_run(&cmd, &c->outb, &c->errb, &c->status, err);
	if (rc != SPAWN_OK) {
		errbuf_wrap(err, "%s", what);
		return ENGINE_ERR;
	}
	if (spawn_succeeded(&c->status))
		return ENGINE_OK;
	spawn_status_describe(&c->status, how, sizeof(how));
	if (c->errb.len > 0)
		engine_excerpt(c->errout, c->errb.len, said, sizeof(said));
	else
		engine_excerpt(c->out, c->outb.len, said, sizeof(said));
	errbuf_set(err, "%s: %s%s%s", what, how, said[0] ? ": " : "", said);
	return ENGINE_ERR;
}

static int
arg_ok(const char *role, const char *arg, struct errbuf *err)
{
	if (arg == NULL || arg[0] == '\0' || arg[0] == '-') {
		errbuf_set(err, "engine: %s must be non-empty and must not start with '-'", role);
		return 0;
	}
	return 1;
}

static int
cli_pull(void *ctx, const char *ref, struct errbuf *err)
{
	struct engine_cli *c = ctx;
	const char *argv[] = { ENGINE_CLI_DOCKER, "pull", ref, NULL };

	if (!arg_ok("image reference", ref, err))
		return ENGINE_ERR;
	return run(c, argv, c->timeouts.pull_ms, NULL, 0, err);
}

static int
cli_inspect_id(void *ctx, const char *ref, char *id, size_t cap,
    struct errbuf *err)
{
	struct engine_cli *c = ctx;
	const char *argv[] = { ENGINE_CLI_DOCKER, "image", "inspect", "--format",
		"{{index .ID}}", ref, NULL };
	const char *s = c->out;
	size_t n, i;

	if (cap > 0)
		id[0] = '\0';
	if (!arg_ok("image reference", ref, err) ||
	    run(c, argv, c->timeouts.inspect_ms, NULL, 0, err) != ENGINE_OK)
		return ENGINE_ERR;
	n = c->outb.len;
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			break;
	if (n == 0 || i < n || n >= cap || c->outb.truncated) {
		errbuf_set(err, "docker image inspect %s: expected one image ID on stdout, got %zu bytes",
		    ref, c->outb.len);
		return ENGINE_ERR;
	}
	memcpy(id, s, n);
	id[n] = '\0';
	return ENGINE_OK;
}

static int
cli_remove(void *ctx, const char *name, struct errbuf *err)
{
	struct engine_cli *c = ctx;
	const char *argv[] = { ENGINE_CLI_DOCKER, "rm", "-f", name, NULL };

	if (!arg_ok("container name", name, err))
		return ENGINE_ERR;
	return run(c, argv, c->timeouts.remove_ms, NULL, 0, err);
}

int
engine_cli_compose_find(const struct engine_cli *c, enum compose_flavour *tool,
    struct errbuf *err)
{
	char where[SPAWN_PATH_MAX];
	struct errbuf ignored;

	if (spawn_resolve(ENGINE_CLI_COMPOSE_V1, c->plugin_dirs, where, sizeof(where), &ignored) ==
	    SPAWN_OK) {
		*tool = COMPOSE_SPEC;
		return ENGINE_OK;
	}
	if (spawn_resolve(ENGINE_CLI_COMPOSE_V1, c->search_path, where, sizeof(where),
	    &ignored) == SPAWN_OK) {
		*tool = COMPOSE_V1;
		return ENGINE_OK;
	}
	errbuf_set(err, "no compose tool: no %s in %s or PATH (%s)",
	    ENGINE_CLI_COMPOSE_V1, c->plugin_dirs, c->search_path);
	return ENGINE_ERR;
}

/* The files first: `docker compose version` costs a docker CLI start (and
 * the plugin's) on every run. */
int
engine_cli_compose_probe(struct engine_cli *c, enum compose_flavour *tool,
    struct errbuf *err)
{
	static const char *const argv[] = { ENGINE_CLI_DOCKER, "compose", "version", NULL };
	struct spawn_cmd cmd = { argv, c->envp, c->search_path, c->timeouts.probe_ms,
		NULL, 0, NULL };

	if (!c->compose_known) {
		if (engine_cli_compose_find(c, &c->compose_tool, err) != ENGINE_OK) {
			if (c->no_spawn)
				return ENGINE_ERR;
			if (spawn_run(&cmd, &c->outb, &c->errb, &c->status, err) != SPAWN_OK) {
				errbuf_wrap(err, "docker compose version");
				return ENGINE_ERR;
			}
			if (!spawn_succeeded(&c->status)) {
				errbuf_set(err, "no compose tool: `docker compose version` failed and "
				    "%s is not on PATH (%s)", ENGINE_CLI_COMPOSE_V1, c->search_path);
				return ENGINE_ERR;
			}
			c->compose_tool = COMPOSE_SPEC;
		}
		c->compose_known = 1;
	}
	*tool = c->compose_tool;
	return ENGINE_OK;
}

int
engine_cli_compose_up(struct engine_cli *c, const char *yaml, size_t len,
    struct errbuf *err)
{
	enum compose_flavour tool;
	static const char *const plugin[] = { ENGINE_CLI_DOCKER, "compose", "-p",
		ENGINE_CLI_PROJECT, "--project-directory", ENGINE_CLI_PROJECT_DIR, "-f", "-",
		"up", "-d", NULL };
	static const char *const v1[] = { ENGINE_CLI_COMPOSE_V1, "-p", ENGINE_CLI_PROJECT,
		"--project-directory", ENGINE_CLI_PROJECT_DIR, "-f", "-", "up", "-d", NULL };

	if (yaml == NULL || len == 0) {
		errbuf_set(err, "compose up: no compose file");
		return ENGINE_ERR;
	}
	if (engine_cli_compose_probe(c, &tool, err) != ENGINE_OK)
		return ENGINE_ERR;
	return run(c, tool == COMPOSE_SPEC ? plugin : v1, c->timeouts.compose_ms, yaml,
	    len, err);
}

static int
cli_prepare(void *ctx, const struct launch_plan *l, struct errbuf *err)
{
	struct engine_cli *c = ctx;
	enum compose_flavour flavour;
	char dir[ATOMICFILE_PATH_MAX];
	const char *name;

	c->compose_len = 0;
	if (launch_plan_check(l, err) != LAUNCH_OK ||
	    engine_cli_compose_probe(c, &flavour, err) != ENGINE_OK)
		return ENGINE_ERR;
	if (atomicfile_split(c->compose_file, dir, sizeof(dir), &name) != ATOMICFILE_OK) {
		errbuf_set(err, "compose file path %s: not <dir>/<file>",
		    c->compose_file != NULL ? c->compose_file : "(none)");
		return ENGINE_ERR;
	}
	return compose_render(l, flavour, c->compose, sizeof(c->compose), &c->compose_len,
	    err) == COMPOSE_OK ? ENGINE_OK : ENGINE_ERR;
}

/* The operator's copy: written, never read (the node can rewrite it). */
static int
write_copy(const struct engine_cli *c, const char *path, struct errbuf *err)
{
	char dir[ATOMICFILE_PATH_MAX];
	const char *name;

	if (atomicfile_split(path, dir, sizeof(dir), &name) != ATOMICFILE_OK) {
		errbuf_set(err, "compose file path %s: not <dir>/<file>", path);
		return ENGINE_ERR;
	}
	if (atomicfile_write(dir, name, c->compose, c->compose_len, NULL, err) != ATOMICFILE_OK)
		return ENGINE_ERR;
	log_event(LOG_INFO, "compose file copy written (not read back)", { "path", path });
	return ENGINE_OK;
}

/* Compose reads its file from our socket, never from a file: nothing the
 * node can write, and nothing left behind when we are killed. */
static int
cli_launch(void *ctx, const struct launch_plan *l, struct errbuf *err)
{
	(void)l; /* prepare rendered it */
	struct engine_cli *c = ctx;

	if (c->compose_len == 0) {
		errbuf_set(err, "launch: nothing prepared");
		return ENGINE_ERR;
	}
	/* No `docker rm -f mpc-node`: the takeover (under the launch lock)
	 * already removed, through the API, any mpc-node it does not restart. */
	if (write_copy(c, c->compose_file, err) != ENGINE_OK)
		return ENGINE_ERR;
	return engine_cli_compose_up(c, c->compose, c->compose_len, err);
}

void
engine_cli_bind(struct engine_cli *c, struct engine *e)
{
	e->ctx = c;
	e->pull = cli_pull;
	e->inspect_id = cli_inspect_id;
	e->remove = cli_remove;
	e->prepare = cli_prepare;
	e->launch = cli_launch;
}
