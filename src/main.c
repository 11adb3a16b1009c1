/*
 * tee-launcher — boots the MPC node inside a dstack TDX CVM.
 *
 * main.c only wires the modules, in the order that decides what has
 * happened before a failure: everything the operator controls is validated
 * before the network is touched, and RTMR3 is extended only for an image
 * that was resolved, hashed, pulled and checked.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ca_anchors.h"
#include "cli.h"
#include "config.h"
#include "engine.h"
#include "engine_api.h"
#include "engine_cli.h"
#include "fmt.h"
#include "http.h"
#include "atomicfile.h"
#include "image.h"
#include "launch_plan.h"
#include "lockfile.h"
#include "log.h"
#include "measure.h"
#include "nodeconfig.h"
#include "registry.h"
#include "resolver.h"
#include "select.h"
#include "takeover.h"
#include "tls.h"
#include "version.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
/* A second launcher waits this long for the first one's takeover, measure,
 * write and start (engine stops take up to 2 min, compose up more). */
#define LAUNCH_LOCK_TIMEOUT_MS (10 * 60 * 1000)
#define LAUNCH_LOCK_NAME ".tee-launcher.lock"
/* The resolver child's deadline, never reached by a working walk: every
 * manifest and token request of the budget taking its whole timeout, the
 * longest wait and musl's DNS timeouts (5 s x 2). */
#define RESOLVE_MAX_REQUESTS (2ull * REGISTRY_MAX_REQUESTS)
#define RESOLVE_DNS_MS 10000
/* `plan`'s report: twenty lines, a few holding paths. */
#define PLAN_REPORT_MAX (16 * ATOMICFILE_PATH_MAX)

/* Everything one run holds; static storage, too big for the stack. */
struct launcher {
	struct cli_settings s;
	struct launcher_config cfg;
	struct select_approved approved;
	int approved_absent;
	struct digest selected;
	enum select_source source;
	struct tls_anchors anchors;
	struct http_client http;
	int http_ready;
	struct registry reg;
	struct registry_config walk;
	const char *walk_refs[CONFIG_TAGS_MAX + 1];
	char walk_digest[DIGEST_STR_SIZE];
	int walk_digest_only; /* image_reference without a tag */
	struct registry_result resolved;
	struct engine_cli cli;
	struct engine_api api;
	int api_ready;
	int use_cli;
	const char *engine_why;
	int containerd;                /* the engine's image store */
	struct engine images;          /* pull and image ID: the API, either backend */
	struct engine engine;          /* the launch: the API or compose */
	struct measure_cfg measure;
	char measure_paths[MEASURE_PATHBUF];
	struct nodeconfig_text node_text;
	char repo[REFERENCE_REPO_SIZE];
	char spec_id[LAUNCH_SPEC_HEX + 1];
	struct launch_plan spec;
	struct takeover takeover;
	char lock_path[ATOMICFILE_PATH_MAX];
	int lock_fd;
	char report[PLAN_REPORT_MAX];  /* `plan`'s output, written at once */
	size_t report_len;
};

static int
fail(const char *what, const struct errbuf *err)
{
	log_event(LOG_ERROR, "Error", { "step", what }, { "error", err->msg });
	return EXIT_RUNTIME;
}

/*
 * Writes s whole to fd (1 or 2), retrying short and interrupted writes;
 * a failing write ends it silently (stdio's errors were never checked
 * here either).  Not stdio: musl's FILE code for these writes cost 1 KB.
 */
static void
put_str(int fd, const char *s)
{
	size_t len = strlen(s);
	ssize_t n;

	while (len > 0) {
		n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static int
print_version(void)
{
	char out[128];

	fmt_snprintf(out, sizeof(out), "tee-launcher %s\nsource %s\ntrust-anchors %zu\n",
	    TL_VERSION, TL_SOURCE_ID, ca_anchors_count());
	put_str(1, out);
	return 0;
}

static int
choose_image(struct launcher *l, struct errbuf *err)
{
	const struct select_approved *list = &l->approved;
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
		l->approved_absent = 1;
		break;
	case SELECT_ERR_READ:
	case SELECT_ERR_PARSE:
		return -1;
	}
	if (select_image(list, &l->s.default_digest,
	    l->cfg.has_override ? &l->cfg.override : NULL, &l->selected, &l->source, err) != 0)
		return -1;
	digest_format(&l->selected, d);
	log_event(LOG_INFO, "selected image digest", { "digest", d },
	    { "source", select_source_name(l->source) });
	return 0;
}

/* Child: what the walk needs of the user config, copied out of its arena
 * (which also holds [mpc_node_config]) before that is wiped. */
static int
walk_forget(void *ctx, struct errbuf *err)
{
	struct launcher *l = ctx;
	const struct launcher_config *c = &l->cfg;
	size_t i = 0, n = 0;

	/* image_reference: the approved digest is looked up directly, then
	 * the reference's tag (for a config-digest approval). */
	if (c->gen == CONFIG_GEN_CURRENT) {
		digest_format(&l->selected, l->walk_digest);
		l->walk_refs[n++] = l->walk_digest;
		l->walk_digest_only = c->ntags == 0;
	}
	l->walk.registry = strdup(c->registry);
	l->walk.image_name = strdup(c->image_name);
	while (i < c->ntags && (l->walk_refs[n] = strdup(c->image_tags[i])) != NULL)
		i++, n++;
	if (i < c->ntags || l->walk.registry == NULL || l->walk.image_name == NULL) {
		errbuf_set(err, "resolver: out of memory");
		return -1;
	}
	l->walk.refs = l->walk_refs;
	l->walk.nrefs = n;
	l->walk.timeout_secs = c->timeout_secs;
	l->walk.interval_secs = c->interval_secs;
	l->walk.max_attempts = c->max_attempts;
	l->walk.max_delay_secs = c->max_delay_secs;
	nodeconfig_text_free(&l->node_text);
	config_free(&l->cfg);
	return 0;
}

/* Child, sandboxed: the registry walk. */
static int
walk(void *ctx, struct registry_result *out, struct errbuf *err)
{
	struct launcher *l = ctx;

	if (registry_init(&l->reg, &l->http, NULL, err) != 0)
		return -1;
	if (registry_resolve(&l->reg, &l->walk, &l->selected, out, err) != 0) {
		/* A config-digest approval can only be found through a tag. */
		if (l->walk_digest_only && strncmp(err->msg, "Image hash not found", 20) == 0)
			errbuf_wrap(err, "approved digest %s is not a manifest of %s, and "
			    "image_reference has no tag to search for it as a config digest",
			    l->walk_digest, l->walk.image_name);
		errbuf_wrap(err, "The selected image failed digest validation: "
		    "manifest digest lookup failed");
		return -1;
	}
	return 0;
}

/* The trust anchors (with the extra CA file) and the client, set up on
 * either path: the parent's dstack calls use them, and the child needs no
 * file. */
static int
http_setup(struct launcher *l, struct errbuf *err)
{
	struct http_client_config hc;

	memset(&hc, 0, sizeof(hc));
	hc.anchors = &l->anchors;
	hc.https_proxy = l->s.https_proxy;
	hc.no_proxy = l->s.no_proxy;
	if (tls_anchors_init(&l->anchors, l->s.extra_ca_file, err) != 0 ||
	    http_client_init(&l->http, &hc, err) != 0)
		return -1;
	l->http_ready = 1;
	return 0;
}

static int
resolve(struct launcher *l, struct errbuf *err)
{
	struct resolver_job job;
	uint64_t wait = (uint64_t)l->cfg.max_delay_secs * 1000;

	job.forget = walk_forget;
	job.resolve = walk;
	job.ctx = l;
	job.want = &l->selected;
	/* The longest wait: a backoff (the config's cap) or a Retry-After. */
	if (wait < REGISTRY_MAX_DELAY_MS)
		wait = REGISTRY_MAX_DELAY_MS;
	job.timeout_ms = RESOLVE_MAX_REQUESTS * (l->cfg.timeout_secs * 1000 + wait +
	    RESOLVE_DNS_MS);
	return resolver_run(&job, &l->resolved, err);
}

/* cli_engine_choose(): the operator's TEE_LAUNCHER_ENGINE, else the API
 * whenever the engine's socket is there.  Nothing is contacted here. */
static int
engine_setup(struct launcher *l, struct errbuf *err)
{
	enum cli_engine which;

	/* Both backends pull, check the image ID and stop and restart
	 * containers through the API: no docker CLI start for any of it. */
	if (engine_api_init(&l->api, l->s.docker_host, err) != ENGINE_OK)
		return -1;
	l->api_ready = 1;
	engine_api_bind(&l->api, &l->images);
	which = cli_engine_choose(&l->s, l->api.socket_path, &l->engine_why);
	if (which == CLI_ENGINE_API) {
		engine_api_bind(&l->api, &l->engine);
	} else {
		if (engine_cli_init(&l->cli, l->s.path, l->s.home, l->s.docker_host,
		    err) != ENGINE_OK)
			return -1;
		l->cli.no_spawn = l->s.command == CLI_COMMAND_PLAN;
		l->cli.compose_file = l->s.compose_file;
		engine_cli_bind(&l->cli, &l->engine);
		l->use_cli = 1;
	}
	log_event(LOG_INFO, "engine backend",
	    { "engine", which == CLI_ENGINE_API ? "api" : "cli" }, { "reason", l->engine_why });
	return 0;
}

static int
pull(struct launcher *l, char *ref, struct errbuf *err)
{
	if (reference_pull_format(l->cfg.registry, strlen(l->cfg.registry),
	    l->cfg.image_name, strlen(l->cfg.image_name), &l->resolved.pull,
	    ref, err) != 0)
		return -1;
	if (image_pull_and_check(&l->images, ref, l->containerd, &l->resolved.config,
	    &l->resolved.pull, err) != 0) {
		errbuf_wrap(err, "The selected image failed digest validation");
		return -1;
	}
	return 0;
}

/*
 * The warm path: the engine already holds the selected image, so the
 * registry is not contacted at all (a reboot during a registry outage
 * still starts the node).  Found by <repo>@<selected> (a manifest or index
 * approval the engine pulled: any store), or on the classic store by image
 * ID = the selected config digest, run by one of its own <repo>@<digest>
 * RepoDigests.  The image-ID gate then applies as after a pull.  1 warm,
 * 0 not present (resolve), -1 engine error.
 */
static int
warm(struct launcher *l, char *ref, struct errbuf *err)
{
	char id[ENGINE_ID_MAX], rd[ENGINE_DIGEST_SIZE], sel[DIGEST_STR_SIZE];
	const struct digest *config = NULL;
	struct digest pulled = l->selected, idd;
	struct errbuf none;
	int found;

	digest_format(&l->selected, sel);
	fmt_snprintf(ref, REFERENCE_PULL_SIZE, "%s@%s", l->repo, sel);
	if (engine_api_image_find(&l->api, ref, l->repo, &found, id, rd, err) != ENGINE_OK)
		return -1;
	if (!found && !l->containerd) {
		if (engine_api_image_find(&l->api, sel, l->repo, &found, id, rd, err) !=
		    ENGINE_OK)
			return -1;
		found = found && rd[0] != '\0' &&
		    digest_parse(rd, strlen(rd), &pulled, &none) == 0;
		config = &l->selected;
		fmt_snprintf(ref, REFERENCE_PULL_SIZE, "%s@%s", l->repo, rd);
	}
	if (!found)
		return 0;
	if (image_id_check(id, l->containerd, config, &pulled, err) != 0) {
		log_event(LOG_WARN, "present image failed the image-ID check, resolving",
		    { "ref", ref }, { "error", err->msg });
		return 0;
	}
	l->resolved.pull = l->resolved.manifest = pulled;
	l->resolved.config = digest_parse(id, strlen(id), &idd, &none) == 0 ? idd : pulled;
	log_event(LOG_INFO, "image present, registry skipped", { "ref", ref }, { "id", id });
	return 1;
}

/* The image to run: present in the engine, else resolved and pulled. */
static int
obtain(struct launcher *l, char *ref, const char **step, struct errbuf *err)
{
	int w;

	*step = "resolve";
	if (http_setup(l, err) != 0)
		return -1;
	*step = "engine";
	if (engine_api_store_is_containerd(&l->api, &l->containerd, err) != ENGINE_OK ||
	    (w = warm(l, ref, err)) < 0)
		return -1;
	if (w > 0)
		return 0;
	log_event(LOG_INFO, "image not present, resolving", { "repository", l->repo });
	*step = "resolve";
	if (resolve(l, err) != 0)
		return -1;
	*step = "pull";
	return pull(l, ref, err);
}

/* TEE: the RTMR3 method and its prerequisites, decided from files only. */
static int
plan_measure(struct launcher *l, struct errbuf *err)
{
	if (l->s.platform != LAUNCH_TEE)
		return 0;
	if (measure_cfg_from_settings(&l->measure, &l->s, l->measure_paths,
	    sizeof(l->measure_paths), err) != 0)
		return -1;
	return measure_plan(&l->measure, err);
}

/* The spec id and the backend's rendering, for the current digest. */
static int
finish_spec(struct launcher *l, struct errbuf *err)
{
	l->spec.manifest = l->resolved.pull; /* what was pulled: the index for an index approval */
	l->spec.spec_id = NULL;
	if (engine_api_spec_id(&l->spec, l->spec_id, err) != ENGINE_OK)
		return -1;
	l->spec.spec_id = l->spec_id;
	return l->engine.prepare(l->engine.ctx, &l->spec, err) == ENGINE_OK ? 0 : -1;
}

/* The launch plan, complete but for the manifest digest (all zero until
 * resolved: same length, so the later rendering cannot fail differently). */
static int
plan_container(struct launcher *l, struct errbuf *err)
{
	if (reference_repo_format(l->cfg.registry, strlen(l->cfg.registry),
	    l->cfg.image_name, strlen(l->cfg.image_name), l->repo, err) != 0)
		return -1;
	memset(&l->spec, 0, sizeof(l->spec));
	l->spec.platform = l->s.platform;
	l->spec.image_name = l->repo;
	l->spec.ports = l->cfg.ports;
	l->spec.nports = l->cfg.nports;
	l->spec.dstack_socket = l->s.dstack_socket;
	l->spec.config_path = CLI_DEFAULT_NODE_CONFIG;
	return finish_spec(l, err);
}

/*
 * Everything the operator's input decides, validated and rendered before
 * the first network request: nothing that depends only on it may fail
 * after RTMR3 was extended.
 */
static int
plan(struct launcher *l, struct errbuf *err)
{
	if (plan_measure(l, err) != 0)
		return -1;
	if (nodeconfig_add_tee(&l->cfg, l->s.platform == LAUNCH_TEE,
	    &l->selected, err) != 0 ||
	    nodeconfig_render_alloc(&l->cfg, &l->node_text, err) != 0)
		return -1;
	return plan_container(l, err);
}

/* Default: next to the node config, i.e. in the volume launchers share. */
static int
lock_path(struct launcher *l, struct errbuf *err)
{
	const char *slash = strrchr(l->s.node_config, '/');
	int n;

	if (l->s.lock_file != NULL)
		n = fmt_snprintf(l->lock_path, sizeof(l->lock_path), "%s", l->s.lock_file);
	else
		n = fmt_snprintf(l->lock_path, sizeof(l->lock_path), "%.*s/%s",
		    (int)(slash - l->s.node_config), l->s.node_config, LAUNCH_LOCK_NAME);
	if (n < 0 || (size_t)n >= sizeof(l->lock_path)) {
		errbuf_set(err, "lock file path longer than %zu bytes", sizeof(l->lock_path) - 1);
		return -1;
	}
	return 0;
}

static int
lock_take(struct launcher *l, struct errbuf *err)
{
	if (lock_path(l, err) != 0 ||
	    lockfile_acquire(l->lock_path, LAUNCH_LOCK_TIMEOUT_MS, &l->lock_fd, err) !=
	    LOCKFILE_OK)
		return -1;
	log_event(LOG_INFO, "launch lock held", { "path", l->lock_path });
	return 0;
}

/* Nothing may write the shared volume from here on; check what we replace. */
static int
take_over(struct launcher *l, struct errbuf *err)
{
	l->takeover.keep_previous = !l->use_cli;
	if (takeover_stop_old(&l->takeover, &l->api, l->spec_id, err) != 0 ||
	    lockfile_check(l->lock_path, l->lock_fd, err) != LOCKFILE_OK ||
	    atomicfile_target_check(l->s.node_config, err) != ATOMICFILE_OK)
		return -1;
	if (l->use_cli && atomicfile_target_check(l->s.compose_file, err) != ATOMICFILE_OK)
		return -1;
	return 0;
}

static int
measure(struct launcher *l, struct errbuf *err)
{
	enum measure_outcome out;

	if (l->s.platform != LAUNCH_TEE)
		return 0;
	return measure_image(&l->measure, &l->http, &l->selected, &out, err);
}

static int
act(struct launcher *l, struct errbuf *err, const char **step)
{
	*step = "lock";
	if (lock_take(l, err) != 0)
		return -1;
	*step = "take over";
	if (take_over(l, err) != 0)
		return -1;
	*step = "measure";
	if (measure(l, err) != 0)
		return -1;
	*step = "node config";
	if (nodeconfig_write_text(&l->node_text, l->s.node_config, err) != 0)
		return -1;
	log_event(LOG_INFO, "node config written", { "path", l->s.node_config });
	*step = "launch";
	return takeover_start(&l->takeover, &l->api, &l->engine, &l->spec, err);
}

/* `check-config`: the user config alone, no network, engine or measurement. */
static int
check_config(struct launcher *l)
{
	static char out[CONFIG_DESCRIBE_SIZE];
	struct errbuf err;

	if (config_load(l->s.user_config, l->s.platform == LAUNCH_TEE,
	    &l->cfg, &err) != CONFIG_OK)
		return fail("check-config", &err);
	config_describe(&l->cfg, out);
	put_str(1, out);
	return 0;
}

/* The steps before the network, shared by a launch and `plan`. */
static int
prepare(struct launcher *l)
{
	struct errbuf err;

	if (config_load(l->s.user_config, l->s.platform == LAUNCH_TEE,
	    &l->cfg, &err) != CONFIG_OK)
		return fail("user config", &err);
	log_event(LOG_INFO, "platform", { "platform",
	    l->s.platform == LAUNCH_TEE ? "TEE" : "NONTEE" },
	    { "generation", config_gen_name(l->cfg.gen) });
	if (l->cfg.has_ref_digest) {
		char d[DIGEST_STR_SIZE];

		digest_format(&l->cfg.ref_digest, d);
		log_event(LOG_WARN, "image_reference digest ignored",
		    { "ignored", d });
	}
	if (choose_image(l, &err) != 0)
		return fail("select image", &err);
	if (engine_setup(l, &err) != 0)
		return fail("engine", &err);
	if (plan(l, &err) != 0)
		return fail("plan", &err);
	return 0;
}

static int
run(struct launcher *l)
{
	char ref[REFERENCE_PULL_SIZE];
	const char *step;
	struct errbuf err;

	if (prepare(l) != 0)
		return EXIT_RUNTIME;
	if (obtain(l, ref, &step, &err) != 0)
		return fail(step, &err);
	if (finish_spec(l, &err) != 0)
		return fail("plan", &err);
	if (act(l, &err, &step) != 0)
		return fail(step, &err);
	log_event(LOG_INFO, "MPC node started", { "image", ref });
	return 0;
}

/* One line of the plan into l->report (cut if it would not fit). */
static void say(struct launcher *l, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void
say(struct launcher *l, const char *f, ...)
{
	size_t cap = sizeof(l->report) - l->report_len;
	va_list ap;
	int n;

	va_start(ap, f);
	n = fmt_vsnprintf(l->report + l->report_len, cap, f, ap);
	va_end(ap);
	if (n > 0 && (size_t)n + 1 < cap) {
		l->report_len += (size_t)n;
		l->report[l->report_len++] = '\n';
	}
}

static void
plan_print_measure(struct launcher *l)
{
	const struct measure_cfg *m = &l->measure;

	if (l->s.platform != LAUNCH_TEE) {
		say(l, "rtmr3: not measured (NONTEE)");
		return;
	}
	say(l, "rtmr3 method: %s (%s; version file %s, rtmr3 file %s)",
	    measure_method_name(m->method),
	    l->s.rtmr_method == MEASURE_AUTO ? "auto" : "TEE_LAUNCHER_RTMR_METHOD",
	    m->version_present ? "present" : "absent",
	    m->rtmr3_writable ? "writable" : "not writable");
	say(l, "agent socket: %s (a socket)", m->dstack_socket);
	say(l, "rtmr3 file: %s", m->native.rtmr3_path);
	say(l, "version file: %s", m->native.version_path);
	say(l, "event log: %s", m->native.log_path);
}

/*
 * `tee-launcher plan`: the launch's own steps up to its plan (user config,
 * digest choice, backend choice, RTMR3 method, node config and container
 * spec rendered in memory), then a report instead of the network.  Nothing
 * from [mpc_node_config] is printed.
 */
static int
plan_only(struct launcher *l)
{
	struct errbuf err;
	char d[DIGEST_STR_SIZE];
	ssize_t n;
	size_t i;

	if (prepare(l) != 0)
		return EXIT_RUNTIME;
	if (lock_path(l, &err) != 0)
		return fail("plan", &err);
	digest_format(&l->selected, d);
	say(l, "platform: %s", l->s.platform == LAUNCH_TEE ? "TEE" : "NONTEE");
	say(l, "user config: %s", l->s.user_config);
	if (l->approved_absent)
		say(l, "approved hashes file: %s (absent)", l->s.approved_file);
	else
		say(l, "approved hashes file: %s (%zu digests)", l->s.approved_file, l->approved.n);
	say(l, "selected digest: %s (source: %s)", d, select_source_name(l->source));
	say(l, "registry: %s", l->cfg.registry);
	if (l->cfg.gen == CONFIG_GEN_CURRENT)
		say(l, "looked up first: %s (image_reference: the approved digest itself)", d);
	for (i = 0; i < l->cfg.ntags; i++)
		say(l, "tag to search: %s", l->cfg.image_tags[i]);
	say(l, "pull: %s@<digest found for %s>, unless the engine holds it", l->repo, d);
	plan_print_measure(l);
	say(l, "engine: %s (%s)", l->use_cli ? "cli" : "api", l->engine_why);
	say(l, "engine socket: %s", l->api.socket_path);
	if (l->use_cli) {
		say(l, "compose tool: %s", l->cli.compose_tool == COMPOSE_SPEC ?
		    "docker compose" : ENGINE_CLI_COMPOSE_V1);
		say(l, "compose file: %s", l->s.compose_file);
	}
	say(l, "node config: %s (%zu bytes rendered)", l->s.node_config, l->node_text.len);
	say(l, "lock file: %s", l->lock_path);
	say(l, "extra CA file: %s", l->s.extra_ca_file != NULL ? l->s.extra_ca_file : "(none)");
	for (i = 0; i < l->report_len; i += (size_t)n)
		if ((n = write(1, l->report + i, l->report_len - i)) <= 0) {
			errbuf_set(&err, "standard output: write failed");
			return fail("plan", &err);
		}
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
		put_str(1, cli_usage_text);
		return 0;
	case CLI_VERSION:
		return print_version();
	case CLI_USAGE:
		put_str(2, "tee-launcher: ");
		put_str(2, err.msg);
		put_str(2, "\n");
		return EXIT_USAGE;
	case CLI_RUN:
		break;
	}
	if (l.s.command == CLI_COMMAND_CHECK_CONFIG) {
		rc = check_config(&l);
		config_free(&l.cfg);
		return rc;
	}
	/* No core dump or ptrace by the same uid: memory holds node secrets. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	l.lock_fd = -1;
	log_event(LOG_INFO, "start", { "version", TL_VERSION });
	rc = l.s.command == CLI_COMMAND_PLAN ? plan_only(&l) : run(&l);
	nodeconfig_text_free(&l.node_text);
	if (l.lock_fd >= 0)
		close(l.lock_fd);
	registry_free(&l.reg);
	if (l.http_ready)
		http_client_close(&l.http);
	if (l.api_ready)
		engine_api_close(&l.api);
	config_free(&l.cfg);
	return rc;
}
