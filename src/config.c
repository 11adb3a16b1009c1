#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fmt.h"
#include "readfile.h"

#define LC "[launcher_config] "

/* Into a fresh heap buffer of TOML_MAX_INPUT bytes; the caller frees it. */
static int
read_file(const char *path, char **out, size_t *len, struct errbuf *err)
{
	char *buf = malloc(TOML_MAX_INPUT);

	if (buf == NULL) {
		errbuf_set(err, "%s: out of memory", path);
		return -1;
	}
	if (readfile_regular(path, buf, TOML_MAX_INPUT, len, err) != READFILE_OK) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

static const struct toml_value *
need(const struct toml_value *t, const char *key, enum toml_type type,
    struct errbuf *err)
{
	const struct toml_value *v = toml_table_get(t, key);

	if (v == NULL)
		errbuf_set(err, LC "%s: missing (expected %s)", key, toml_type_name(type));
	else if (v->type != type) {
		errbuf_set(err, LC "%s: expected %s, found %s", key,
		    toml_type_name(type), toml_type_name(v->type));
		v = NULL;
	}
	return v;
}

/* A string without NUL bytes (a C string must not end early). */
static const char *
cstring(const struct toml_value *v)
{
	if (v == NULL || v->type != TOML_STRING || strlen(v->u.str.ptr) != v->u.str.len)
		return NULL;
	return v->u.str.ptr;
}

static int
get_uint(const struct toml_value *t, const char *key, uint64_t min,
    uint64_t max, uint64_t *out, struct errbuf *err)
{
	const struct toml_value *v = need(t, key, TOML_INTEGER, err);

	if (v == NULL)
		return -1;
	if (v->u.integer < 0 || (uint64_t)v->u.integer < min ||
	    (uint64_t)v->u.integer > max) {
		errbuf_set(err, LC "%s: %lld is out of range %llu..%llu", key,
		    (long long)v->u.integer, (unsigned long long)min,
		    (unsigned long long)max);
		return -1;
	}
	*out = (uint64_t)v->u.integer;
	return 0;
}

/* An optional key: dflt when absent. */
static int
get_uint_or(const struct toml_value *t, const char *key, uint64_t dflt,
    uint64_t min, uint64_t max, uint64_t *out, struct errbuf *err)
{
	*out = dflt;
	return toml_table_get(t, key) == NULL ? 0 : get_uint(t, key, min, max, out, err);
}

static int
load_tags(const struct toml_value *lc, struct launcher_config *c,
    struct errbuf *err)
{
	const struct toml_value *v = need(lc, "image_tags", TOML_ARRAY, err);
	const struct toml_elem *e;
	struct errbuf e2;
	size_t i = 0;

	if (v == NULL)
		return -1;
	if (v->u.arr.len == 0 || v->u.arr.len > CONFIG_TAGS_MAX) {
		errbuf_set(err, LC "image_tags: %zu entries, expected 1..%u",
		    v->u.arr.len, CONFIG_TAGS_MAX);
		return -1;
	}
	for (e = v->u.arr.head; e != NULL; e = e->next, i++) {
		const char *s = cstring(&e->value);

		if (s == NULL) {
			errbuf_set(err, LC "image_tags[%zu]: expected a string", i);
			return -1;
		}
		if (reference_ref_check(s, strlen(s), NULL, &e2) != 0) {
			errbuf_set(err, LC "image_tags[%zu]: %s", i, e2.msg);
			return -1;
		}
		c->image_tags[i] = s;
	}
	c->ntags = i;
	return 0;
}

static int
load_port(const struct toml_value *p, size_t i, struct launch_port *out,
    struct errbuf *err)
{
	static const char *const names[] = { "host", "container" };
	uint16_t *slots[] = { &out->host, &out->container };
	const struct toml_value *v;
	int k;

	if (p->type != TOML_TABLE) {
		errbuf_set(err, LC "port_mappings[%zu]: expected a table { host = N, container = N }", i);
		return -1;
	}
	for (k = 0; k < 2; k++) {
		v = toml_table_get(p, names[k]);
		if (v == NULL || v->type != TOML_INTEGER) {
			errbuf_set(err, LC "port_mappings[%zu].%s: expected an integer", i, names[k]);
			return -1;
		}
		if (v->u.integer == 0) {
			errbuf_set(err, LC "port_mappings[%zu].%s: must be nonzero", i, names[k]);
			return -1;
		}
		if (v->u.integer < 0 || v->u.integer > 65535) {
			errbuf_set(err, LC "port_mappings[%zu].%s: %lld does not fit a u16 port (1..65535)",
			    i, names[k], (long long)v->u.integer);
			return -1;
		}
		*slots[k] = (uint16_t)v->u.integer;
	}
	return 0;
}

static int
load_ports(const struct toml_value *lc, struct launcher_config *c,
    struct errbuf *err)
{
	const struct toml_value *v = need(lc, "port_mappings", TOML_ARRAY, err);
	const struct toml_elem *e;
	size_t i = 0;

	if (v == NULL)
		return -1;
	if (v->u.arr.len > CONFIG_PORTS_MAX) {
		errbuf_set(err, LC "port_mappings: more than %u entries", CONFIG_PORTS_MAX);
		return -1;
	}
	for (e = v->u.arr.head; e != NULL; e = e->next, i++)
		if (load_port(&e->value, i, &c->ports[i], err) != 0)
			return -1;
	c->nports = i;
	return 0;
}

static int
load_strings(const struct toml_value *lc, struct launcher_config *c,
    struct errbuf *err)
{
	const struct toml_value *v;
	struct errbuf e2;

	if ((v = need(lc, "image_name", TOML_STRING, err)) == NULL)
		return -1;
	c->image_name = cstring(v);
	if (c->image_name == NULL ||
	    reference_name_check(c->image_name, strlen(c->image_name), &e2) != 0) {
		errbuf_set(err, LC "image_name: %s", c->image_name ? e2.msg : "contains NUL");
		return -1;
	}
	if ((v = need(lc, "registry", TOML_STRING, err)) == NULL)
		return -1;
	c->registry = cstring(v);
	if (c->registry == NULL ||
	    reference_registry_check(c->registry, strlen(c->registry), &e2) != 0) {
		errbuf_set(err, LC "registry: %s", c->registry ? e2.msg : "contains NUL");
		return -1;
	}
	return 0;
}

/* Either generation's copy of the override. */
static int
load_override(const struct toml_value *lc, struct launcher_config *c,
    struct errbuf *err)
{
	const struct toml_value *v = toml_table_get(lc, "mpc_hash_override");
	struct errbuf e2;

	if (v == NULL)
		return 0;
	if (cstring(v) == NULL) {
		errbuf_set(err, LC "mpc_hash_override: expected a string sha256:<64 hex>");
		return -1;
	}
	if (digest_parse(v->u.str.ptr, v->u.str.len, &c->override, &e2) != 0) {
		errbuf_set(err, LC "mpc_hash_override: %s", e2.msg);
		return -1;
	}
	c->has_override = 1;
	return 0;
}

static int
load_seed(const struct toml_value *lc, struct launcher_config *c,
    struct errbuf *err)
{
	uint64_t attempts;

	/* A zero timeout fails every request: refuse it up front (deviation). */
	if (load_tags(lc, c, err) || load_strings(lc, c, err) ||
	    get_uint(lc, "rpc_request_timeout_secs", 1, UINT32_MAX, &c->timeout_secs, err) ||
	    get_uint(lc, "rpc_request_interval_secs", 0, UINT32_MAX, &c->interval_secs, err) ||
	    get_uint(lc, "rpc_max_attempts", 0, UINT32_MAX, &attempts, err))
		return -1;
	c->max_attempts = (uint32_t)attempts;
	c->max_delay_secs = CONFIG_PULL_MAX_DELAY_SECS;
	return 0;
}

/* The keys of [launcher_config]: the seed's, the current generation's,
 * then those of both (LC_SEED and LC_BOTH mark the boundaries). */
static const char *const lc_keys[] = {
	"image_tags", "image_name", "registry", "rpc_request_timeout_secs",
	"rpc_request_interval_secs", "rpc_max_attempts", "image_reference",
	"pull_max_retries", "pull_retry_interval_secs", "pull_max_delay_secs",
	"mpc_hash_override", "port_mappings",
};
#define LC_SEED 6
#define LC_BOTH 10
#define LC_KEYS (sizeof(lc_keys) / sizeof(lc_keys[0]))

/* near/mpc #2785: image_reference and the pull_* pacing. */
static int
load_current(const struct toml_value *lc, struct launcher_config *c,
    struct errbuf *err)
{
	const struct toml_value *v = need(lc, "image_reference", TOML_STRING, err);
	static const uint64_t dflt[3] = { CONFIG_PULL_MAX_RETRIES,
	    CONFIG_PULL_INTERVAL_SECS, CONFIG_PULL_MAX_DELAY_SECS };
	struct reference_image r;
	uint64_t pull[3] = { 0, 0, 0 };
	struct errbuf e2;
	char *copy;
	size_t i;

	if (v == NULL)
		return -1;
	if (reference_image_parse(v->u.str.ptr, v->u.str.len, &r, &e2) != 0) {
		errbuf_set(err, LC "image_reference: %s", e2.msg);
		return -1;
	}
	/* The parts are C strings in a copy cut at their separators ('/',
	 * ':', '@'): the reference's own string stays as written. */
	if ((copy = arena_alloc(&c->arena, v->u.str.len + 1, 1)) == NULL) {
		errbuf_set(err, LC "image_reference: out of memory");
		return -1;
	}
	memcpy(copy, v->u.str.ptr, v->u.str.len + 1);
	c->registry = CONFIG_DEFAULT_REGISTRY;
	if (r.registry_len) {
		c->registry = copy;
		copy[r.registry_len] = '\0';
	}
	c->image_name = copy + (r.name - v->u.str.ptr);
	copy[r.name - v->u.str.ptr + r.name_len] = '\0';
	if (r.tag_len) {
		c->image_tags[c->ntags++] = copy + (r.tag - v->u.str.ptr);
		copy[r.tag - v->u.str.ptr + r.tag_len] = '\0';
	}
	c->has_ref_digest = r.has_digest;
	c->ref_digest = r.digest;
	c->timeout_secs = CONFIG_PULL_TIMEOUT_SECS;
	/* pull_max_retries, pull_retry_interval_secs, pull_max_delay_secs:
	 * lc_keys[LC_SEED + 1 ..], with near/mpc's defaults. */
	for (i = 0; i < 3; i++)
		if (get_uint_or(lc, lc_keys[LC_SEED + 1 + i], dflt[i], i == 2, UINT32_MAX,
		    &pull[i], err) != 0)
			return -1;
	c->max_attempts = (uint32_t)pull[0];
	c->interval_secs = pull[1];
	c->max_delay_secs = (uint32_t)pull[2];
	return 0;
}


/* A typo: within 2 edits (case-insensitive) of name, 3 for names of 12
 * bytes or more (pull_max_retry).  Only keys of [A-Za-z0-9_-] count:
 * others are not typos, and can be quoted safely. */
static int
key_is_typo(const char *key, size_t n, const char *name)
{
	unsigned row[32], prev, cur;
	size_t m = strlen(name), i, j, max = m >= 12 ? 3 : 2;

	if (n + max < m || n > m + max)
		return 0;
	for (j = 0; j <= m; j++)
		row[j] = (unsigned)j;
	for (i = 0; i < n; i++) {
		char ch = key[i];

		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		else if (!(ch >= 'a' && ch <= 'z') && !(ch >= '0' && ch <= '9') &&
		    ch != '_' && ch != '-')
			return 0;
		prev = row[0];
		row[0] = (unsigned)i + 1;
		for (j = 1; j <= m; j++) {
			cur = prev + (ch != name[j - 1]);
			prev = row[j];
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			row[j] = cur;
		}
	}
	return row[m] <= max;
}

/* The generation, from the keys present; a typo of a known key is an
 * error, any other unknown key is ignored (as upstream does). */
static int
classify(const struct toml_value *lc, struct launcher_config *c,
    struct errbuf *err)
{
	const char *seed = NULL, *cur = NULL;
	const struct toml_kv *kv;
	size_t k;

	for (kv = lc->u.tab.head; kv != NULL; kv = kv->next) {
		for (k = 0; k < LC_KEYS; k++)
			if (strcmp(kv->key, lc_keys[k]) == 0 && strlen(lc_keys[k]) == kv->key_len)
				break;
		if (k < LC_SEED && seed == NULL)
			seed = lc_keys[k];
		else if (k >= LC_SEED && k < LC_BOTH && cur == NULL)
			cur = lc_keys[k];
		if (k < LC_KEYS)
			continue;
		for (k = 0; k < LC_KEYS; k++) {
			if (key_is_typo(kv->key, kv->key_len, lc_keys[k])) {
				errbuf_set(err, LC "%s: unknown key (did you mean %s?)",
				    kv->key, lc_keys[k]);
				return -1;
			}
		}
	}
	if (seed != NULL && cur != NULL) {
		errbuf_set(err, LC "%s (seed generation) and %s (current generation) "
		    "in one file: use one generation's keys", seed, cur);
		return -1;
	}
	c->gen = seed != NULL ? CONFIG_GEN_SEED : CONFIG_GEN_CURRENT;
	return 0;
}

static int
load_launcher(const struct toml_value *root, struct launcher_config *c,
    struct errbuf *err)
{
	const struct toml_value *lc = toml_table_get(root, "launcher_config");

	if (lc == NULL || lc->type != TOML_TABLE) {
		errbuf_set(err, "[launcher_config]: missing or not a table");
		return -1;
	}
	if (classify(lc, c, err) != 0 ||
	    (c->gen == CONFIG_GEN_SEED ? load_seed(lc, c, err) : load_current(lc, c, err)) ||
	    load_override(lc, c, err) || load_ports(lc, c, err))
		return -1;
	return 0;
}

static int
load_node(struct launcher_config *c, int tee, struct errbuf *err)
{
	c->node_config = toml_table_get_mut(&c->root, "mpc_node_config");
	if (c->node_config == NULL || c->node_config->type != TOML_TABLE) {
		errbuf_set(err, "[mpc_node_config]: missing or not a table");
		return -1;
	}
	if (toml_table_get(c->node_config, "tee") != NULL) {
		errbuf_set(err, "User config contains reserved key [tee] — remove it "
		    "from mpc_node_config");
		return -1;
	}
	if (tee && toml_table_get(c->node_config, "gcp") != NULL) {
		errbuf_set(err, "[mpc_node_config] gcp: [gcp] is not allowed in TEE mode");
		return -1;
	}
	return 0;
}

enum config_result
config_load(const char *path, int tee, struct launcher_config *c,
    struct errbuf *err)
{
	char *buf = NULL;
	size_t len = 0, cap;
	int rc;

	memset(c, 0, sizeof(*c));
	if (read_file(path, &buf, &len, err) != 0) {
		errbuf_wrap(err, "user config");
		return CONFIG_ERR_READ;
	}
	/* Room for the parse plus the [tee] table the launcher adds later. */
	cap = TOML_ARENA_BYTES(len) + 16384;
	c->mem = malloc(cap);
	if (c->mem == NULL) {
		free(buf);
		errbuf_set(err, "user config: %s: out of memory", path);
		return CONFIG_ERR_READ;
	}
	arena_init(&c->arena, c->mem, cap);
	rc = toml_parse(buf, len, &c->arena, &c->root, err);
	explicit_bzero(buf, len); /* [mpc_node_config] holds secrets */
	free(buf);
	if (rc == 0)
		rc = load_launcher(&c->root, c, err);
	if (rc == 0)
		rc = load_node(c, tee, err);
	if (rc != 0) {
		errbuf_wrap(err, "user config %s", path);
		config_free(c);
		return CONFIG_ERR_PARSE;
	}
	return CONFIG_OK;
}

void
config_free(struct launcher_config *c)
{
	if (c->mem != NULL)
		explicit_bzero(c->mem, c->arena.used); /* the parsed secrets */
	free(c->mem);
	memset(c, 0, sizeof(*c));
}

const char *
config_gen_name(enum config_generation g)
{
	return g == CONFIG_GEN_SEED ? "seed" : "current";
}

void
config_describe(const struct launcher_config *c, char out[CONFIG_DESCRIBE_SIZE])
{
	char d[DIGEST_STR_SIZE] = "none";
	size_t o, i;

	/* Every string printed here was validated (no control bytes), and the
	 * longest summary fits: CONFIG_DESCRIBE_SIZE needs no clamping. */
	o = (size_t)fmt_snprintf(out, CONFIG_DESCRIBE_SIZE, "generation: %s\nregistry: %s\n"
	    "repository: %s\ntags:", config_gen_name(c->gen), c->registry, c->image_name);
	for (i = 0; i < c->ntags; i++)
		o += (size_t)fmt_snprintf(out + o, CONFIG_DESCRIBE_SIZE - o, " %s", c->image_tags[i]);
	o += (size_t)fmt_snprintf(out + o, CONFIG_DESCRIBE_SIZE - o, "%s\nports:",
	    c->ntags ? "" : " none");
	for (i = 0; i < c->nports; i++)
		o += (size_t)fmt_snprintf(out + o, CONFIG_DESCRIBE_SIZE - o, " %u:%u",
		    c->ports[i].host, c->ports[i].container);
	if (c->has_override)
		digest_format(&c->override, d);
	o += (size_t)fmt_snprintf(out + o, CONFIG_DESCRIBE_SIZE - o, "%s\nmpc_hash_override: "
	    "%s\nretries: %u per request, first wait %llu s, longest %u s, timeout %llu s\n",
	    c->nports ? "" : " none", d, c->max_attempts, (unsigned long long)c->interval_secs,
	    c->max_delay_secs, (unsigned long long)c->timeout_secs);
	if (c->has_ref_digest) {
		digest_format(&c->ref_digest, d);
		fmt_snprintf(out + o, CONFIG_DESCRIBE_SIZE - o,
		    "image_reference digest (ignored): %s\n", d);
	}
}
