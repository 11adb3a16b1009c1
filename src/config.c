#include <stdlib.h>
#include <string.h>

#include "config.h"
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
	v = toml_table_get(lc, "mpc_hash_override");
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
load_launcher(const struct toml_value *root, struct launcher_config *c,
    struct errbuf *err)
{
	const struct toml_value *lc = toml_table_get(root, "launcher_config");
	uint64_t attempts;

	if (lc == NULL || lc->type != TOML_TABLE) {
		errbuf_set(err, "[launcher_config]: missing or not a table");
		return -1;
	}
	/* A zero timeout fails every request: refuse it up front (deviation). */
	if (load_tags(lc, c, err) || load_strings(lc, c, err) ||
	    get_uint(lc, "rpc_request_timeout_secs", 1, UINT32_MAX, &c->timeout_secs, err) ||
	    get_uint(lc, "rpc_request_interval_secs", 0, UINT32_MAX, &c->interval_secs, err) ||
	    get_uint(lc, "rpc_max_attempts", 0, UINT32_MAX, &attempts, err) ||
	    load_ports(lc, c, err))
		return -1;
	c->max_attempts = (uint32_t)attempts;
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
		errbuf_set(err, "user config %s: out of memory", path);
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
