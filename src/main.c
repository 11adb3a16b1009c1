/*
 * tee-launcher — boots the MPC node inside a dstack TDX CVM.
 *
 * main.c only wires the modules, in the order that decides what has
 * happened before a failure: everything the operator controls is validated
 * before the network is touched, and RTMR3 is extended only for an image
 * that was resolved, hashed, pulled and checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ca_anchors.h"
#include "cli.h"
#include "compose.h"
#include "config.h"
#include "atomicfile.h"
#include "engine.h"
#include "engine_cli.h"
#include "http.h"
#include "image.h"
#include "log.h"
#include "measure.h"
#include "nodeconfig.h"
#include "registry.h"
#include "select.h"
#include "tls.h"
#include "version.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2

/* Everything one run holds; static storage, too big for the stack. */
struct launcher {
	struct cli_settings s;
	struct launcher_config cfg;
	struct select_approved approved;
	struct digest selected;
	struct tls_anchors anchors;
	struct http_client http;
	int http_ready;
	struct registry reg;
	struct registry_result resolved;
	struct engine_cli cli;
	struct engine engine;
	char measure_paths[MEASURE_PATHBUF];
	char compose[COMPOSE_OUT_MAX];
};

static int
fail(const char *what, const struct errbuf *err)
{
	log_event(LOG_ERROR, "Error", { "step", what }, { "error", err->msg });
	return EXIT_RUNTIME;
}

static int
print_version(void)
{
	size_t n;

	ca_anchors_get(&n);
	printf("tee-launcher %s\nsource %s\ntrust-anchors %zu\n",
	    TL_VERSION, TL_SOURCE_ID, n);
	return 0;
}

static int
choose_image(struct launcher *l, struct errbuf *err)
{
	const struct select_approved *list = &l->approved;
	enum select_source src;
	char d[DIGEST_STR_SIZE];

	switch (select_load_approved(l->s.approved_file, &l->approved, err)) {
	case SELECT_LOADED:
		break;
	case SELECT_ABSENT:
		log_event(LOG_WARN, "approved hashes file not found, using DEFAULT_IMAGE_DIGEST",
		    { "path", l->s.approved_file });
		if (l->cfg.has_override)
			log_event(LOG_INFO, "mpc_hash_override ignored without an approved hashes file");
		list = NULL;
		break;
	case SELECT_ERR_READ:
	case SELECT_ERR_PARSE:
		return -1;
	}
	if (select_image(list, &l->s.default_digest,
	    l->cfg.has_override ? &l->cfg.override : NULL, &l->selected, &src, err) != 0)
		return -1;
	digest_format(&l->selected, d);
	log_event(LOG_INFO, "selected image digest", { "digest", d },
	    { "source", select_source_name(src) });
	return 0;
}

static int
resolve(struct launcher *l, struct errbuf *err)
{
	struct http_client_config hc;
	struct registry_config rc;

	memset(&hc, 0, sizeof(hc));
	hc.anchors = &l->anchors;
	hc.https_proxy = l->s.https_proxy;
	hc.no_proxy = l->s.no_proxy;
	if (tls_anchors_init(&l->anchors, l->s.extra_ca_file, err) != 0 ||
	    http_client_init(&l->http, &hc, err) != 0)
		return -1;
	l->http_ready = 1;
	if (registry_init(&l->reg, &l->http, NULL, err) != 0)
		return -1;
	memset(&rc, 0, sizeof(rc));
	rc.registry = l->cfg.registry;
	rc.image_name = l->cfg.image_name;
	rc.refs = l->cfg.image_tags;
	rc.nrefs = l->cfg.ntags;
	rc.timeout_secs = l->cfg.timeout_secs;
	rc.interval_secs = l->cfg.interval_secs;
	rc.max_attempts = l->cfg.max_attempts;
	if (registry_resolve(&l->reg, &rc, &l->selected, &l->resolved, err) != 0) {
		errbuf_wrap(err, "The selected image failed digest validation: "
		    "manifest digest lookup failed");
		return -1;
	}
	return 0;
}

static int
pull(struct launcher *l, char *ref, struct errbuf *err)
{
	if (reference_pull_format(l->cfg.registry, strlen(l->cfg.registry),
	    l->cfg.image_name, strlen(l->cfg.image_name), &l->resolved.manifest,
	    ref, err) != 0 ||
	    engine_cli_init(&l->cli, l->s.path, l->s.home, l->s.docker_host, err) != ENGINE_OK)
		return -1;
	engine_cli_bind(&l->cli, &l->engine);
	if (image_pull_and_check(&l->engine, ref, &l->resolved.config,
	    &l->resolved.manifest, err) != 0) {
		errbuf_wrap(err, "The selected image failed digest validation");
		return -1;
	}
	return 0;
}

static int
measure(struct launcher *l, struct errbuf *err)
{
	struct measure_cfg m;
	enum measure_outcome out;

	if (l->s.platform != CLI_PLATFORM_TEE)
		return 0;
	measure_cfg_from_settings(&m, &l->s, l->measure_paths, sizeof(l->measure_paths));
	return measure_image(&m, &l->http, &l->selected, &out, err);
}

static int
split_dir(const char *path, char *dir, size_t cap, const char **name)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash == path ? 1 : (size_t)(slash - path);

	if (slash == NULL || slash[1] == '\0' || n + 1 > cap)
		return -1;
	memcpy(dir, path, n);
	dir[n] = '\0';
	*name = slash + 1;
	return 0;
}

static int
launch(struct launcher *l, const char *pull_ref, struct errbuf *err)
{
	struct compose_port ports[CONFIG_PORTS_MAX];
	struct compose_params p;
	enum engine_compose_tool tool;
	char dir[ATOMICFILE_PATH_MAX];
	const char *name;
	struct errbuf ignored;
	char repo[REFERENCE_PULL_SIZE];
	size_t i, len;

	/* The node must run exactly what was pulled: the same repository,
	 * registry host included (the seed dropped it). */
	snprintf(repo, sizeof(repo), "%s", pull_ref);
	*strchr(repo, '@') = '\0';

	if (l->engine.compose_probe(l->engine.ctx, &tool, err) != ENGINE_OK)
		return -1;
	memset(&p, 0, sizeof(p));
	p.platform = l->s.platform == CLI_PLATFORM_TEE ? COMPOSE_TEE : COMPOSE_NONTEE;
	p.flavour = tool == ENGINE_COMPOSE_PLUGIN ? COMPOSE_SPEC : COMPOSE_V1;
	p.image_name = repo;
	memcpy(p.manifest_digest, l->resolved.manifest.b, sizeof(p.manifest_digest));
	for (i = 0; i < l->cfg.nports; i++) {
		ports[i].host = l->cfg.ports[i].host;
		ports[i].container = l->cfg.ports[i].container;
	}
	p.ports = ports;
	p.nports = l->cfg.nports;
	p.dstack_socket = l->s.dstack_socket;
	p.config_path = CLI_DEFAULT_NODE_CONFIG;
	if (compose_render(&p, l->compose, sizeof(l->compose), &len, err) != COMPOSE_OK)
		return -1;
	if (split_dir(l->s.compose_file, dir, sizeof(dir), &name) != 0) {
		errbuf_set(err, "compose file path %s: not <dir>/<file>", l->s.compose_file);
		return -1;
	}
	if (atomicfile_write(dir, name, l->compose, len, NULL, err) != ATOMICFILE_OK)
		return -1;
	log_event(LOG_INFO, "compose file written", { "path", l->s.compose_file });
	if (l->engine.remove(l->engine.ctx, COMPOSE_CONTAINER_NAME, &ignored) != ENGINE_OK)
		log_event(LOG_INFO, "no previous mpc-node container removed", { "detail", ignored.msg });
	return l->engine.compose_up(l->engine.ctx, l->s.compose_file, err) == ENGINE_OK ? 0 : -1;
}

static int
run(struct launcher *l)
{
	char ref[REFERENCE_PULL_SIZE];
	struct errbuf err;

	log_event(LOG_INFO, "platform", { "platform",
	    l->s.platform == CLI_PLATFORM_TEE ? "TEE" : "NONTEE" });
	if (config_load(l->s.user_config, l->s.platform == CLI_PLATFORM_TEE,
	    &l->cfg, &err) != CONFIG_OK)
		return fail("user config", &err);
	if (choose_image(l, &err) != 0)
		return fail("select image", &err);
	if (resolve(l, &err) != 0)
		return fail("resolve", &err);
	if (pull(l, ref, &err) != 0)
		return fail("pull", &err);
	if (measure(l, &err) != 0)
		return fail("measure", &err);
	if (nodeconfig_add_tee(&l->cfg, l->s.platform == CLI_PLATFORM_TEE,
	    &l->selected, &err) != 0 ||
	    nodeconfig_write(&l->cfg, l->s.node_config, &err) != 0)
		return fail("node config", &err);
	log_event(LOG_INFO, "node config written", { "path", l->s.node_config });
	if (launch(l, ref, &err) != 0)
		return fail("launch", &err);
	log_event(LOG_INFO, "MPC node started", { "image", ref });
	return 0;
}

int
main(int argc, char **argv, char **envp)
{
	static struct launcher l;
	struct errbuf err;
	int rc;

	switch (cli_parse(argc, argv, envp, &l.s, &err)) {
	case CLI_HELP:
		fputs(cli_usage_text, stdout);
		return 0;
	case CLI_VERSION:
		return print_version();
	case CLI_USAGE:
		fprintf(stderr, "tee-launcher: %s\n", err.msg);
		return EXIT_USAGE;
	case CLI_RUN:
		break;
	}
	log_event(LOG_INFO, "start", { "version", TL_VERSION });
	rc = run(&l);
	registry_free(&l.reg);
	if (l.http_ready)
		http_client_close(&l.http);
	config_free(&l.cfg);
	return rc;
}
