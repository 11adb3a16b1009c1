#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "harness.h"
#include "nodeconfig.h"

#define HA "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const char good_lc[] =
    "[launcher_config]\n"
    "image_tags = [\"latest\", \"v1.2.3\"]\n"
    "image_name = \"nearone/mpc-node\"\n"
    "registry = \"registry.hub.docker.com\"\n"
    "rpc_request_timeout_secs = 10\n"
    "rpc_request_interval_secs = 1\n"
    "rpc_max_attempts = 20\n"
    "port_mappings = [{ host = 11780, container = 11780 }, { host = 2200, container = 2201 }]\n";

/* A real operator config shape: dotted keys, arrays of tables, inline
 * tables, long strings. */
static const char good_node[] =
    "[mpc_node_config]\n"
    "home_dir = \"/data\"\n"
    "log.format = \"json\"\n"
    "secrets.secret_store_key_hex = \"00112233\"\n"
    "near = { boot_nodes = \"ed25519:abc@1.2.3.4:24567\", chain_id = \"testnet\" }\n"
    "[mpc_node_config.indexer]\n"
    "validate_genesis = false\n"
    "sync_mode = { Block = { height = 123 } }\n"
    "concurrency = 1\n"
    "[[mpc_node_config.participants]]\n"
    "id = 1\n"
    "url = \"\"\"\nhttp://a:3000\"\"\"\n"
    "[[mpc_node_config.participants]]\n"
    "id = 2\n"
    "ratio = 0.25\n"
    "when = 1979-05-27T07:32:00Z\n";

static char path[64];

static enum config_result
load_text(const char *text, int tee, struct launcher_config *c, struct errbuf *e)
{
	FILE *f;

	strcpy(path, "/tmp/tl-config-XXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	e->msg[0] = '\0';
	return config_load(path, tee, c, e);
}

static void
a_full_config_loads(struct th *t)
{
	static char text[4096];
	struct launcher_config c;
	struct errbuf e;

	snprintf(text, sizeof(text), "%smpc_hash_override = \"%s\"\n%s", good_lc, HA, good_node);
	REQUIRE_INT(t, load_text(text, 1, &c, &e), CONFIG_OK);
	CHECK_INT(t, c.ntags, 2);
	CHECK_STR(t, c.image_tags[1], "v1.2.3");
	CHECK_STR(t, c.image_name, "nearone/mpc-node");
	CHECK_STR(t, c.registry, "registry.hub.docker.com");
	CHECK_INT(t, c.timeout_secs, 10);
	CHECK_INT(t, c.interval_secs, 1);
	CHECK_INT(t, c.max_attempts, 20);
	CHECK(t, c.has_override && c.override.b[31] == 0xaa);
	CHECK_INT(t, c.nports, 2);
	CHECK_INT(t, c.ports[1].host, 2200);
	CHECK_INT(t, c.ports[1].container, 2201);
	CHECK(t, toml_table_get(c.node_config, "home_dir") != NULL);
	config_free(&c);
	unlink(path);
}

static void
schema_errors_name_file_key_and_expectation(struct th *t)
{
	static const struct { const char *replace, *with, *want; } cases[] = {
		{ "image_tags = [\"latest\", \"v1.2.3\"]", "image_tags = []", "image_tags: 0 entries, expected 1..64" },
		{ "image_tags = [\"latest\", \"v1.2.3\"]", "image_tags = \"latest\"", "image_tags: expected array, found string" },
		{ "image_tags = [\"latest\", \"v1.2.3\"]", "image_tags = [\"bad tag\"]", "image_tags[0]: " },
		{ "image_tags = [\"latest\", \"v1.2.3\"]", "image_tags = [\"../x\"]", "image_tags[0]: " },
		{ "image_name = \"nearone/mpc-node\"", "image_name = \"a\\\"b\"", "image_name: " },
		{ "image_name = \"nearone/mpc-node\"", "image_name = \"x\\nimage: evil\"", "image_name: " },
		{ "image_name = \"nearone/mpc-node\"", "", "image_name: missing (expected string)" },
		{ "registry = \"registry.hub.docker.com\"", "registry = \"a b\"", "registry: " },
		{ "rpc_request_timeout_secs = 10", "rpc_request_timeout_secs = -1", "rpc_request_timeout_secs: -1 is out of range" },
		{ "rpc_request_timeout_secs = 10", "rpc_request_timeout_secs = 0", "rpc_request_timeout_secs: 0 is out of range 1.." },
		{ "rpc_request_timeout_secs = 10", "rpc_request_timeout_secs = 1.5", "rpc_request_timeout_secs: expected integer, found float" },
		{ "rpc_max_attempts = 20", "rpc_max_attempts = 4294967296", "rpc_max_attempts: 4294967296 is out of range 0..4294967295" },
		{ "{ host = 11780, container = 11780 }", "{ host = 0, container = 11780 }", "port_mappings[0].host: must be nonzero" },
		{ "{ host = 2200, container = 2201 }", "{ host = 2200, container = 65536 }", "port_mappings[1].container: 65536 does not fit a u16 port" },
		{ "{ host = 2200, container = 2201 }", "{ host = 2200 }", "port_mappings[1].container: expected an integer" },
		{ "port_mappings = [{ host = 11780, container = 11780 }, { host = 2200, container = 2201 }]", "", "port_mappings: missing" },
		{ "rpc_max_attempts = 20", "rpc_max_attempts = 20\nmpc_hash_override = \"abc\"", "mpc_hash_override: " },
		{ "[launcher_config]", "[launcher]", "[launcher_config]: missing or not a table" },
		{ "home_dir = \"/data\"", "tee = \"sneaky\"", "reserved key [tee]" },
		{ "home_dir = \"/data\"", "tee.authority.type = \"local\"", "reserved key [tee]" },
		{ "home_dir = \"/data\"", "gcp = { project = \"x\" }", "[gcp] is not allowed in TEE mode" },
		{ "concurrency = 1", "concurrency = 1\nconcurrency = 2", "line " },
		{ "image_tags = [\"latest\", \"v1.2.3\"]", "image_tags = [\"latest\", 1]", "image_tags[1]: expected a string" },
		{ "image_tags = [\"latest\", \"v1.2.3\"]", "image_tags = [\"lat\\u0000est\"]", "image_tags[0]: expected a string" },
		{ "image_name = \"nearone/mpc-node\"", "image_name = \"nearone\\u0000/evil\"", "image_name: contains NUL" },
		{ "registry = \"registry.hub.docker.com\"", "registry = \"registry.hub.docker.com\\u0000x\"", "registry: contains NUL" },
		{ "registry = \"registry.hub.docker.com\"", "", "registry: missing (expected string)" },
		{ "rpc_max_attempts = 20", "rpc_max_attempts = 20\nmpc_hash_override = 7", "mpc_hash_override: expected a string sha256:<64 hex>" },
		{ "rpc_max_attempts = 20", "rpc_max_attempts = 20\nmpc_hash_override = \"" HA "\\u0000\"", "mpc_hash_override: expected a string" },
		{ "rpc_request_interval_secs = 1", "rpc_request_interval_secs = -5", "rpc_request_interval_secs: -5 is out of range 0..4294967295" },
		{ "{ host = 11780, container = 11780 }", "11780", "port_mappings[0]: expected a table { host = N, container = N }" },
		{ "{ host = 11780, container = 11780 }", "{ host = 11780, container = -1 }", "port_mappings[0].container: -1 does not fit a u16 port" },
		{ "{ host = 11780, container = 11780 }", "{ host = \"11780\", container = 11780 }", "port_mappings[0].host: expected an integer" },
		{ "[launcher_config]", "launcher_config = 1\n[x]", "[launcher_config]: missing or not a table" },
	};
	static char text[4096], lc[2048], node[2048];
	struct launcher_config c;
	struct errbuf e;
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		char *p;

		snprintf(lc, sizeof(lc), "%s", good_lc);
		snprintf(node, sizeof(node), "%s", good_node);
		p = strstr(lc, cases[k].replace);
		if (p != NULL) {
			size_t n = strlen(cases[k].replace);
			memmove(p + strlen(cases[k].with), p + n, strlen(p + n) + 1);
			memcpy(p, cases[k].with, strlen(cases[k].with));
		} else {
			p = strstr(node, cases[k].replace);
			REQUIRE(t, p != NULL);
			size_t n = strlen(cases[k].replace);
			memmove(p + strlen(cases[k].with), p + n, strlen(p + n) + 1);
			memcpy(p, cases[k].with, strlen(cases[k].with));
		}
		snprintf(text, sizeof(text), "%s%s", lc, node);
		if (!CHECK_INT(t, load_text(text, 1, &c, &e), CONFIG_ERR_PARSE))
			config_free(&c);
		if (strstr(e.msg, cases[k].want) == NULL || strstr(e.msg, path) == NULL)
			CHECK_STR(t, e.msg, cases[k].want);
		unlink(path);
	}
}

static void
gcp_is_allowed_outside_tee(struct th *t)
{
	static char text[4096];
	struct launcher_config c;
	struct errbuf e;

	snprintf(text, sizeof(text), "%s%sgcp = 1\n", good_lc, "[mpc_node_config]\n");
	CHECK_INT(t, load_text(text, 0, &c, &e), CONFIG_OK);
	config_free(&c);
	unlink(path);
}

static void
a_missing_node_table_is_named(struct th *t)
{
	static char text[4096];
	struct launcher_config c;
	struct errbuf e;

	CHECK_INT(t, load_text(good_lc, 0, &c, &e), CONFIG_ERR_PARSE);
	CHECK(t, strstr(e.msg, "[mpc_node_config]: missing or not a table") != NULL);
	unlink(path);
	/* a value where the table belongs */
	snprintf(text, sizeof(text), "mpc_node_config = 1\n%s", good_lc);
	CHECK_INT(t, load_text(text, 0, &c, &e), CONFIG_ERR_PARSE);
	CHECK(t, strstr(e.msg, "[mpc_node_config]: missing or not a table") != NULL);
	unlink(path);
}

/* tmpl with every '@' replaced by secret, appended to out at o. */
static size_t
put_secret(char *out, size_t cap, size_t o, const char *tmpl, const char *secret)
{
	size_t n = strlen(secret);

	for (; *tmpl != '\0' && o + n + 1 < cap; tmpl++) {
		if (*tmpl == '@') {
			memcpy(out + o, secret, n);
			o += n;
		} else {
			out[o++] = *tmpl;
		}
	}
	out[o] = '\0';
	return o;
}

static void
node_config_syntax_errors_never_show_the_secret(struct th *t)
{
	static const char secret[] = "sk-9fQ2-LmZ7_x4Rt";
	static const char *const tails[] = {
		"key = @\n", "\"@\" = 1\n\"@\" = 2\n", "@ = 1\n@ = 2\n",
		"k = \"@\" @\n", "k = \"@\n", "[mpc_node_config.@]\n[mpc_node_config.@]\n",
		"@.a = 1\n@ = 2\n", "k = { @ = 1, @ = 2 }\n",
	};
	static char text[4096];
	struct launcher_config c;
	struct errbuf e;
	size_t i, k, n;

	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		n = put_secret(text, sizeof(text), 0, good_lc, "");
		n = put_secret(text, sizeof(text), n,
		    "[mpc_node_config]\nhome_dir = \"/data\"\n", "");
		put_secret(text, sizeof(text), n, tails[i], secret);
		CHECK_INT(t, load_text(text, 0, &c, &e), CONFIG_ERR_PARSE);
		unlink(path);
		CHECK(t, strstr(e.msg, ": line ") != NULL);
		for (k = 0; k + ERRBUF_REDACT_MIN < sizeof(secret); k++) {
			if (!CHECK(t, memmem(e.msg, strlen(e.msg), secret + k,
			    ERRBUF_REDACT_MIN) == NULL))
				printf("     case %zu: %s\n", i, e.msg);
		}
	}
}

static void
an_ipv4_in_ipv6_registry_is_refused_like_docker_does(struct th *t)
{
	static char text[4096];
	struct launcher_config c;
	struct errbuf e;
	const char *at;

	snprintf(text, sizeof(text), "%s%s", good_lc, "[mpc_node_config]\n");
	at = strstr(good_lc, "registry.hub.docker.com");
	REQUIRE(t, at != NULL);
	snprintf(text + (at - good_lc), sizeof(text) - (size_t)(at - good_lc),
	    "[::ffff:10.0.0.1]:5000%s[mpc_node_config]\n",
	    at + strlen("registry.hub.docker.com"));
	CHECK_INT(t, load_text(text, 0, &c, &e), CONFIG_ERR_PARSE);
	unlink(path);
	CHECK(t, strstr(e.msg, "[launcher_config] registry: invalid registry "
	    "\"[::ffff:10.0.0.1]:5000\": IPv4-in-IPv6 address") != NULL);
}

static void
a_missing_file_is_a_read_error(struct th *t)
{
	struct launcher_config c;
	struct errbuf e;

	CHECK_INT(t, config_load("/nonexistent/user_config", 0, &c, &e), CONFIG_ERR_READ);
	CHECK_STR(t, e.msg, "user config: /nonexistent/user_config: cannot open: No such file or directory");
}

static void
a_fifo_or_directory_is_a_read_error_not_a_hang(struct th *t)
{
	struct launcher_config c;
	struct errbuf e;
	char dir[] = "/tmp/tl-config-XXXXXX", fifo[64];

	REQUIRE(t, mkdtemp(dir) != NULL);
	snprintf(fifo, sizeof(fifo), "%s/user_config", dir);
	REQUIRE(t, mkfifo(fifo, 0600) == 0);
	alarm(10);
	CHECK_INT(t, config_load(fifo, 0, &c, &e), CONFIG_ERR_READ);
	alarm(0);
	CHECK(t, strstr(e.msg, "not a regular file (a FIFO)") != NULL);
	CHECK_INT(t, config_load(dir, 0, &c, &e), CONFIG_ERR_READ);
	CHECK(t, strstr(e.msg, "is a directory") != NULL);
	unlink(fifo);
	rmdir(dir);
}

static void
tee_is_added_last_and_everything_survives(struct th *t)
{
	static char text[4096], out[8192], arena_buf[65536];
	struct launcher_config c;
	struct toml_value reparsed;
	const struct toml_value *tee, *auth, *v;
	struct arena a;
	struct digest d;
	struct errbuf e;
	size_t len;

	snprintf(text, sizeof(text), "%s%s", good_lc, good_node);
	REQUIRE_INT(t, load_text(text, 1, &c, &e), CONFIG_OK);
	digest_parse(HA, strlen(HA), &d, &e);
	REQUIRE_INT(t, nodeconfig_add_tee(&c, 1, &d, &e), 0);
	CHECK_INT(t, nodeconfig_add_tee(&c, 1, &d, &e), -1);
	REQUIRE_INT(t, nodeconfig_render(&c, out, sizeof(out), &len, &e), 0);
	arena_init(&a, arena_buf, sizeof(arena_buf));
	REQUIRE_INT(t, toml_parse(out, len, &a, &reparsed, &e), 0);
	CHECK(t, toml_equal(&reparsed, c.node_config));
	CHECK(t, strcmp(reparsed.u.tab.tail->key, "tee") == 0);
	tee = toml_table_get(&reparsed, "tee");
	REQUIRE(t, tee != NULL);
	CHECK_STR(t, toml_table_get(tee, "image_hash")->u.str.ptr, HA);
	CHECK_STR(t, toml_table_get(tee, "latest_allowed_hash_file_path")->u.str.ptr,
	    "/mnt/shared/image-digest.bin");
	auth = toml_table_get(tee, "authority");
	REQUIRE(t, auth != NULL);
	CHECK_STR(t, toml_table_get(auth, "type")->u.str.ptr, "dstack");
	CHECK_STR(t, toml_table_get(auth, "dstack_endpoint")->u.str.ptr, "/var/run/dstack.sock");
	v = toml_table_get(&reparsed, "participants");
	CHECK(t, v != NULL && v->type == TOML_ARRAY && v->u.arr.len == 2);
	config_free(&c);
	unlink(path);
}

static void
nontee_authority_is_local_only(struct th *t)
{
	static char text[4096], out[8192], arena_buf[65536];
	struct launcher_config c;
	struct toml_value reparsed;
	const struct toml_value *auth;
	struct arena a;
	struct digest d;
	struct errbuf e;
	size_t len;

	snprintf(text, sizeof(text), "%s[mpc_node_config]\n", good_lc);
	REQUIRE_INT(t, load_text(text, 0, &c, &e), CONFIG_OK);
	digest_parse(HA, strlen(HA), &d, &e);
	REQUIRE_INT(t, nodeconfig_add_tee(&c, 0, &d, &e), 0);
	REQUIRE_INT(t, nodeconfig_render(&c, out, sizeof(out), &len, &e), 0);
	arena_init(&a, arena_buf, sizeof(arena_buf));
	REQUIRE_INT(t, toml_parse(out, len, &a, &reparsed, &e), 0);
	CHECK_INT(t, reparsed.u.tab.len, 1);
	auth = toml_table_get(toml_table_get(&reparsed, "tee"), "authority");
	REQUIRE(t, auth != NULL);
	CHECK_INT(t, auth->u.tab.len, 1);
	CHECK_STR(t, toml_table_get(auth, "type")->u.str.ptr, "local");
	config_free(&c);
	unlink(path);
}

static void
the_node_config_is_written_0600_and_replaces_the_old(struct th *t)
{
	static char text[4096];
	char dir[] = "/tmp/tl-nodecfg-XXXXXX", target[64], buf[64];
	struct launcher_config c;
	struct digest d;
	struct errbuf e;
	struct stat st;
	FILE *f;

	REQUIRE(t, mkdtemp(dir) != NULL);
	snprintf(target, sizeof(target), "%s/mpc-config.toml", dir);
	f = fopen(target, "w");
	fputs("old", f);
	fclose(f);
	snprintf(text, sizeof(text), "%s[mpc_node_config]\nhome_dir = \"/data\"\n", good_lc);
	REQUIRE_INT(t, load_text(text, 0, &c, &e), CONFIG_OK);
	digest_parse(HA, strlen(HA), &d, &e);
	REQUIRE_INT(t, nodeconfig_add_tee(&c, 0, &d, &e), 0);
	REQUIRE_INT(t, nodeconfig_write(&c, target, &e), 0);
	REQUIRE(t, stat(target, &st) == 0);
	CHECK_INT(t, st.st_mode & 0777, 0600);
	f = fopen(target, "r");
	REQUIRE(t, f != NULL);
	CHECK(t, fgets(buf, sizeof(buf), f) != NULL);
	fclose(f);
	CHECK(t, strncmp(buf, "home_dir = ", 11) == 0 && strstr(buf, "/data") != NULL);
	/* A directory that does not exist: error, nothing written. */
	CHECK_INT(t, nodeconfig_write(&c, "/nonexistent-dir/mpc-config.toml", &e), -1);
	CHECK(t, strstr(e.msg, "/nonexistent-dir") != NULL);
	config_free(&c);
	unlink(target);
	rmdir(dir);
	unlink(path);
}

static void
a_config_longer_than_the_first_buffer_is_written_whole(struct th *t)
{
	static char text[2 * NODECONFIG_FIRST_TRY];
	char dir[] = "/tmp/tl-nodecfg-XXXXXX", target[64];
	struct launcher_config c;
	struct digest d;
	struct errbuf e;
	struct stat st;
	size_t n;
	FILE *f;

	REQUIRE(t, mkdtemp(dir) != NULL);
	snprintf(target, sizeof(target), "%s/mpc-config.toml", dir);
	n = (size_t)snprintf(text, sizeof(text), "%s[mpc_node_config]\nblob = \"", good_lc);
	memset(text + n, 'x', NODECONFIG_FIRST_TRY + 100);
	n += NODECONFIG_FIRST_TRY + 100;
	snprintf(text + n, sizeof(text) - n, "\"\nlast = 1\n");
	REQUIRE_INT(t, load_text(text, 0, &c, &e), CONFIG_OK);
	digest_parse(HA, strlen(HA), &d, &e);
	REQUIRE_INT(t, nodeconfig_add_tee(&c, 0, &d, &e), 0);
	REQUIRE_INT(t, nodeconfig_write(&c, target, &e), 0);
	REQUIRE(t, stat(target, &st) == 0);
	CHECK(t, (size_t)st.st_size > NODECONFIG_FIRST_TRY + 100);
	config_free(&c);
	/* The long value and everything after it survived. */
	f = fopen(target, "r");
	REQUIRE(t, f != NULL);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	CHECK(t, strstr(text, "last = 1\n") != NULL && strstr(text, "[tee]") != NULL);
	unlink(target);
	rmdir(dir);
	unlink(path);
}

/* image_tags and port_mappings hold at most 64 entries (the arrays are
 * fixed); 64 load, 65 are refused by name. */
static void
tags_and_ports_hold_at_most_64_entries(struct th *t)
{
	static char text[16384];
	struct launcher_config c;
	struct errbuf e;
	size_t o;
	int n, i, ports;

	for (ports = 0; ports <= 1; ports++) {
		for (n = 64; n <= 65; n++) {
			o = (size_t)snprintf(text, sizeof(text), "[launcher_config]\n%s = [",
			    ports ? "port_mappings" : "image_tags");
			for (i = 0; i < n; i++)
				o += (size_t)(ports ?
				    snprintf(text + o, sizeof(text) - o, "%s{ host = %d, container = 80 }",
				    i ? "," : "", 1000 + i) :
				    snprintf(text + o, sizeof(text) - o, "%s\"t%d\"", i ? "," : "", i));
			o += (size_t)snprintf(text + o, sizeof(text) - o, "]\n%s",
			    ports ? "image_tags = [\"latest\"]\n" :
			    "port_mappings = []\n");
			snprintf(text + o, sizeof(text) - o,
			    "image_name = \"a/b\"\nregistry = \"r.test\"\n"
			    "rpc_request_timeout_secs = 1\nrpc_request_interval_secs = 0\n"
			    "rpc_max_attempts = 1\n[mpc_node_config]\n");
			if (n == 64) {
				REQUIRE_INT(t, load_text(text, 1, &c, &e), CONFIG_OK);
				if (ports) {
					CHECK_INT(t, c.nports, 64);
					CHECK_INT(t, c.ports[63].host, 1063);
				} else {
					CHECK_INT(t, c.ntags, 64);
					CHECK_STR(t, c.image_tags[63], "t63");
				}
				config_free(&c);
			} else {
				CHECK_INT(t, load_text(text, 1, &c, &e), CONFIG_ERR_PARSE);
				CHECK(t, strstr(e.msg, ports ? "port_mappings: more than 64 entries" :
				    "image_tags: 65 entries, expected 1..64") != NULL);
			}
			unlink(path);
		}
	}
}

static void
a_freed_config_holds_nothing(struct th *t)
{
	struct launcher_config c;
	static const struct launcher_config zero;

	memset(&c, 0x5a, sizeof(c));
	c.mem = NULL;
	config_free(&c); /* never loaded: nothing to free, still cleared */
	CHECK(t, memcmp(&c, &zero, sizeof(c)) == 0);
}

/* ---- the current generation (near/mpc #2785) */

static const char cur_lc[] =
    "[launcher_config]\n"
    "image_reference = \"nearone/mpc-node\"\n"
    "port_mappings = [{ host = 8080, container = 8080 }]\n";

static void
a_current_config_gets_upstreams_defaults(struct th *t)
{
	static char text[4096];
	struct launcher_config c;
	struct errbuf e;

	snprintf(text, sizeof(text), "%s%s", cur_lc, good_node);
	REQUIRE_INT(t, load_text(text, 1, &c, &e), CONFIG_OK);
	CHECK_INT(t, c.gen, CONFIG_GEN_CURRENT);
	CHECK_STR(t, c.registry, "docker.io");
	CHECK_STR(t, c.image_name, "nearone/mpc-node");
	CHECK_INT(t, c.ntags, 0);
	CHECK_INT(t, c.max_attempts, 5);
	CHECK_INT(t, c.interval_secs, 2);
	CHECK_INT(t, c.max_delay_secs, 60);
	CHECK_INT(t, c.timeout_secs, CONFIG_PULL_TIMEOUT_SECS);
	CHECK(t, !c.has_override && !c.has_ref_digest);
	CHECK_INT(t, c.nports, 1);
	CHECK_INT(t, c.ports[0].container, 8080);
	config_free(&c);
	unlink(path);
}

static void
a_current_config_maps_registry_tag_digest_and_pacing(struct th *t)
{
	static char text[4096];
	struct launcher_config c;
	struct errbuf e;

	snprintf(text, sizeof(text), "[launcher_config]\n"
	    "image_reference = \"registry.example.com:5000/team/mpc-node:3.9.1@%s\"\n"
	    "pull_max_retries = 0\npull_retry_interval_secs = 7\npull_max_delay_secs = 9\n"
	    "mpc_hash_override = \"%s\"\nport_mappings = []\n[mpc_node_config]\n", HA, HA);
	REQUIRE_INT(t, load_text(text, 0, &c, &e), CONFIG_OK);
	CHECK_INT(t, c.gen, CONFIG_GEN_CURRENT);
	CHECK_STR(t, c.registry, "registry.example.com:5000");
	CHECK_STR(t, c.image_name, "team/mpc-node");
	REQUIRE_INT(t, c.ntags, 1);
	CHECK_STR(t, c.image_tags[0], "3.9.1");
	CHECK(t, c.has_ref_digest && c.ref_digest.b[0] == 0xaa);
	CHECK(t, c.has_override);
	CHECK_INT(t, c.max_attempts, 0);
	CHECK_INT(t, c.interval_secs, 7);
	CHECK_INT(t, c.max_delay_secs, 9);
	CHECK_INT(t, c.nports, 0);
	config_free(&c);
	unlink(path);
}

static void
current_schema_errors_name_the_key_and_reason(struct th *t)
{
	static const struct { const char *lc, *want; } cases[] = {
		{ "image_reference = \"\"", "image_reference: invalid image reference \"\": must start" },
		{ "image_reference = \"-x/y\"", "must start with a letter or digit" },
		{ "image_reference = \"a//b\"", "holds \"//\"" },
		{ "image_reference = \"a::b\"", "holds \"::\"" },
		{ "image_reference = \"a:.b\"", "holds \":.\"" },
		{ "image_reference = \"a/b/\"", "ends in '/'" },
		{ "image_reference = \"a/b:\"", "ends in ':'" },
		{ "image_reference = \"a b\"", "character 0x20 at offset 1" },
		{ "image_reference = \"a\\nb\"", "character 0x0a at offset 1" },
		{ "image_reference = \"a\\u0000b\"", "character 0x00 at offset 1" },
		{ "image_reference = \"nearone/MPC\"", "image_reference: invalid image name" },
		{ "image_reference = \"x/y:-t\"", "image_reference: invalid tag" },
		{ "image_reference = \"x/y@sha256:12\"", "image_reference: invalid digest" },
		{ "image_reference = \"x/y@latest\"", "image_reference: invalid digest" },
		{ "image_reference = \"bad_host.io/y\"", "image_reference: invalid registry" },
		{ "image_reference = 1", "image_reference: expected string, found integer" },
		{ "pull_max_retries = -1", "pull_max_retries: -1 is out of range" },
		{ "pull_max_delay_secs = 0", "pull_max_delay_secs: 0 is out of range 1.." },
		{ "pull_retry_interval_secs = 4294967296", "pull_retry_interval_secs: 4294967296 is out of range" },
		{ "image_refrence = \"x\"", "image_refrence: unknown key (did you mean image_reference?)" },
		{ "port_mapping = []", "port_mapping: unknown key (did you mean port_mappings?)" },
		{ "pull_max_retry = 1", "pull_max_retry: unknown key (did you mean pull_max_retries?)" },
		{ "Pull_Max_Delay_Secs = 1", "unknown key (did you mean pull_max_delay_secs?)" },
		{ "mpc_hash_overide = 1", "unknown key (did you mean mpc_hash_override?)" },
		{ "imagereference = 1", "unknown key (did you mean image_reference?)" },
		{ "port_mapings = 1", "unknown key (did you mean port_mappings?)" },
		{ "regsitry = 1", "unknown key (did you mean registry?)" },
		{ "image_tags = [\"x\"]", "image_tags (seed generation) and image_reference (current generation) in one file" },
		{ "rpc_max_attempts = 1", "rpc_max_attempts (seed generation) and image_reference (current generation)" },
	};
	static char text[4096];
	struct launcher_config c;
	struct errbuf e;
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		/* Keys after image_reference override it (TOML: a later dup is an
		 * error), so image_reference cases replace the line. */
		if (strncmp(cases[k].lc, "image_reference", 15) == 0)
			snprintf(text, sizeof(text), "[launcher_config]\n%s\nport_mappings = []\n"
			    "[mpc_node_config]\n", cases[k].lc);
		else
			snprintf(text, sizeof(text), "%s%s\n[mpc_node_config]\n", cur_lc, cases[k].lc);
		if (!CHECK_INT(t, load_text(text, 1, &c, &e), CONFIG_ERR_PARSE))
			config_free(&c);
		if (strstr(e.msg, cases[k].want) == NULL || strstr(e.msg, "[launcher_config] ") == NULL)
			CHECK_STR(t, e.msg, cases[k].want);
		unlink(path);
	}
}

static void
unknown_keys_far_from_any_known_key_are_ignored(struct th *t)
{
	static char text[4096];
	struct launcher_config c;
	struct errbuf e;

	snprintf(text, sizeof(text), "%snote = \"for operators\"\nimage_digest_pin = 1\n"
	    "\"image reference\" = 1\n\"\\nimage_tags\" = 2\n[docker_command_config]\nx = 1\n"
	    "[mpc_node_config]\n", cur_lc);
	CHECK_INT(t, load_text(text, 1, &c, &e), CONFIG_OK);
	config_free(&c);
	unlink(path);
	/* A seed file: the same rule. */
	snprintf(text, sizeof(text), "%snote = 1\n[mpc_node_config]\n", good_lc);
	CHECK_INT(t, load_text(text, 1, &c, &e), CONFIG_OK);
	config_free(&c);
	unlink(path);
	snprintf(text, sizeof(text), "%simage_tag = [\"x\"]\n[mpc_node_config]\n", good_lc);
	CHECK_INT(t, load_text(text, 1, &c, &e), CONFIG_ERR_PARSE);
	CHECK(t, strstr(e.msg, "image_tag: unknown key (did you mean image_tags?)") != NULL);
	unlink(path);
}

/* Every launcher user config in near/mpc's deployment/ tree loads, as it is. */
static void
near_mpcs_deployment_configs_load_unchanged(struct th *t)
{
	static const struct {
		const char *file;
		enum config_generation gen;
		const char *registry, *name, *tag;
		size_t nports;
		unsigned last_port;
		uint32_t retries;
	} want[] = {
		{ "cvm-deployment_user-config.toml", CONFIG_GEN_CURRENT, "docker.io", "nearone/mpc-node", NULL, 1, 8080, 5 },
		{ "cvm-deployment_ci-config.toml", CONFIG_GEN_CURRENT, "docker.io", "nearone/mpc-node", NULL, 1, 8080, 5 },
		{ "cvm-deployment_configs_nearone-testnet_user-config.toml", CONFIG_GEN_CURRENT, "docker.io", "nearone/mpc-node", "3.9.1", 5, 24567, 5 },
		{ "localnet_tee_frodo.toml", CONFIG_GEN_CURRENT, "docker.io", "nearone/mpc-node", NULL, 3, 13001, 5 },
		{ "localnet_tee_sam.toml", CONFIG_GEN_CURRENT, "docker.io", "nearone/mpc-node", NULL, 3, 13002, 5 },
		{ "testnet_dss-test.toml", CONFIG_GEN_CURRENT, "docker.io", "nearone/mpc-node", NULL, 2, 24567, 5 },
		{ "testnet_sam.toml", CONFIG_GEN_SEED, "registry.hub.docker.com", "nearone/mpc-node", "main-9515e18", 4, 80, 20 },
	};
	const char *top = getenv("TOP");
	char file[512];
	struct launcher_config c;
	struct errbuf e;
	size_t k;

	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		snprintf(file, sizeof(file), "%s/tests/data/near-mpc-configs/%s",
		    top ? top : ".", want[k].file);
		if (!CHECK_INT(t, config_load(file, 1, &c, &e), CONFIG_OK)) {
			printf("     %s\n", e.msg);
			continue;
		}
		CHECK_INT(t, c.gen, want[k].gen);
		CHECK_STR(t, c.registry, want[k].registry);
		CHECK_STR(t, c.image_name, want[k].name);
		CHECK_INT(t, c.ntags, want[k].tag != NULL);
		if (want[k].tag != NULL && c.ntags == 1)
			CHECK_STR(t, c.image_tags[0], want[k].tag);
		CHECK_INT(t, c.max_attempts, want[k].retries);
		CHECK_INT(t, c.nports, want[k].nports);
		if (c.nports == want[k].nports)
			CHECK_INT(t, c.ports[c.nports - 1].host, want[k].last_port);
		CHECK(t, !c.has_override && !c.has_ref_digest);
		CHECK_STR(t, toml_table_get(c.node_config, "home_dir")->u.str.ptr, "/data");
		CHECK(t, toml_table_get(c.node_config, "secrets") != NULL);
		config_free(&c);
	}
}

/* The [tee] table of a rendered config, parsed back. */
static const struct toml_value *
rendered_tee(struct th *t, const char *lc, int tee, struct toml_value *root,
    char *arena_buf, size_t cap)
{
	static char text[4096], out[8192];
	struct launcher_config c;
	struct arena a;
	struct digest d;
	struct errbuf e;
	size_t len = 0;
	int ok;

	snprintf(text, sizeof(text), "%s[mpc_node_config]\nhome_dir = \"/data\"\n", lc);
	if (!CHECK_INT(t, load_text(text, tee, &c, &e), CONFIG_OK))
		return NULL;
	unlink(path);
	digest_parse(HA, strlen(HA), &d, &e);
	ok = nodeconfig_add_tee(&c, tee, &d, &e) == 0 &&
	    nodeconfig_render(&c, out, sizeof(out), &len, &e) == 0;
	config_free(&c);
	arena_init(&a, arena_buf, cap);
	if (!CHECK(t, ok) || !CHECK_INT(t, toml_parse(out, len, &a, root, &e), 0))
		return NULL;
	return toml_table_get(root, "tee");
}

static const char *
str_at(const struct toml_value *t, const char *key)
{
	const struct toml_value *v = toml_table_get(t, key);

	return v != NULL && v->type == TOML_STRING ? v->u.str.ptr : "(absent)";
}

static void
tee_table_has_the_shape_of_the_configs_generation(struct th *t)
{
	static const struct {
		const char *lc;
		int tee;
		size_t nauth;
		const char *type, *endpoint, *upload;
	} cases[] = {
		{ good_lc, 1, 3, "dstack", "/var/run/dstack.sock", NODECONFIG_QUOTE_UPLOAD_URL },
		{ good_lc, 0, 1, "local", "(absent)", "(absent)" },
		{ cur_lc, 1, 2, "dstack", "/var/run/dstack.sock", "(absent)" },
		{ cur_lc, 0, 1, "local", "(absent)", "(absent)" },
	};
	static char arena_buf[65536];
	const struct toml_value *tee, *auth;
	struct toml_value root;
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		tee = rendered_tee(t, cases[k].lc, cases[k].tee, &root, arena_buf, sizeof(arena_buf));
		if (!CHECK(t, tee != NULL && tee->type == TOML_TABLE))
			continue;
		CHECK_INT(t, tee->u.tab.len, 3);
		CHECK_STR(t, str_at(tee, "image_hash"), HA);
		CHECK_STR(t, str_at(tee, "latest_allowed_hash_file_path"), NAMES_APPROVED_FILE);
		auth = toml_table_get(tee, "authority");
		if (!CHECK(t, auth != NULL && auth->type == TOML_TABLE))
			continue;
		CHECK_INT(t, auth->u.tab.len, cases[k].nauth);
		CHECK_STR(t, str_at(auth, "type"), cases[k].type);
		CHECK_STR(t, str_at(auth, "dstack_endpoint"), cases[k].endpoint);
		CHECK_STR(t, str_at(auth, "quote_upload_url"), cases[k].upload);
	}
}

static void
the_summary_names_every_launcher_setting_and_no_node_value(struct th *t)
{
	static const char secret[] = "sk-9fQ2-LmZ7_x4Rt";
	static char text[4096], out[CONFIG_DESCRIBE_SIZE];
	struct launcher_config c;
	struct errbuf e;

	snprintf(text, sizeof(text), "[launcher_config]\n"
	    "image_reference = \"ghcr.io/near/mpc-node:3.9.1@%s\"\n"
	    "pull_max_retries = 3\nmpc_hash_override = \"%s\"\n"
	    "port_mappings = [{ host = 80, container = 8080 }, { host = 24567, container = 24567 }]\n"
	    "[mpc_node_config]\nsecrets.secret_store_key_hex = \"%s\"\n\"%s\" = 1\n",
	    HA, HA, secret, secret);
	REQUIRE_INT(t, load_text(text, 1, &c, &e), CONFIG_OK);
	config_describe(&c, out);
	CHECK(t, strstr(out, "generation: current\n") != NULL);
	CHECK(t, strstr(out, "registry: ghcr.io\nrepository: near/mpc-node\ntags: 3.9.1\n") != NULL);
	CHECK(t, strstr(out, "image_reference digest (ignored): " HA "\n") != NULL);
	CHECK(t, strstr(out, "ports: 80:8080 24567:24567\n") != NULL);
	CHECK(t, strstr(out, "mpc_hash_override: " HA "\n") != NULL);
	CHECK(t, strstr(out, "retries: 3 per request, first wait 2 s, longest 60 s, "
	    "timeout 30 s\n") != NULL);
	CHECK(t, strstr(out, "sk-9fQ2") == NULL && strstr(out, "secret") == NULL);
	config_free(&c);
	unlink(path);
	snprintf(text, sizeof(text), "%s[mpc_node_config]\n", good_lc);
	REQUIRE_INT(t, load_text(text, 1, &c, &e), CONFIG_OK);
	config_describe(&c, out);
	CHECK(t, strstr(out, "generation: seed\nregistry: registry.hub.docker.com\n"
	    "repository: nearone/mpc-node\ntags: latest v1.2.3\n") != NULL);
	CHECK(t, strstr(out, "ports: 11780:11780 2200:2201\nmpc_hash_override: none\n"
	    "retries: 20 per request, first wait 1 s, longest 60 s, timeout 10 s\n") != NULL);
	config_free(&c);
	unlink(path);
	snprintf(text, sizeof(text), "[launcher_config]\nimage_reference = \"x\"\n"
	    "port_mappings = []\n[mpc_node_config]\n");
	REQUIRE_INT(t, load_text(text, 1, &c, &e), CONFIG_OK);
	config_describe(&c, out);
	CHECK(t, strstr(out, "registry: docker.io\nrepository: x\ntags: none\nports: none\n") != NULL);
	CHECK(t, strstr(out, "(ignored)") == NULL);
	config_free(&c);
	unlink(path);
}

void
suite_config(struct th *t)
{
	th_run(t, "config: a full operator config loads", a_full_config_loads);
	th_run(t, "config: schema errors name the file, key and expectation",
	    schema_errors_name_file_key_and_expectation);
	th_run(t, "config: gcp is allowed outside TEE", gcp_is_allowed_outside_tee);
	th_run(t, "config: image_tags and port_mappings hold at most 64 entries",
	    tags_and_ports_hold_at_most_64_entries);
	th_run(t, "config: a freed config holds nothing", a_freed_config_holds_nothing);
	th_run(t, "config: a missing [mpc_node_config] is named", a_missing_node_table_is_named);
	th_run(t, "config: a missing file is a read error", a_missing_file_is_a_read_error);
	th_run(t, "config: an IPv4-in-IPv6 registry is refused like Docker does",
	    an_ipv4_in_ipv6_registry_is_refused_like_docker_does);
	th_run(t, "config: [mpc_node_config] syntax errors never show the secret",
	    node_config_syntax_errors_never_show_the_secret);
	th_run(t, "config: a FIFO or a directory is a read error, not a hang",
	    a_fifo_or_directory_is_a_read_error_not_a_hang);
	th_run(t, "nodeconfig: [tee] is added last and everything survives",
	    tee_is_added_last_and_everything_survives);
	th_run(t, "nodeconfig: NONTEE authority is local only", nontee_authority_is_local_only);
	th_run(t, "nodeconfig: the file is written 0600 and replaces the old one",
	    the_node_config_is_written_0600_and_replaces_the_old);
	th_run(t, "nodeconfig: a config longer than the first buffer is written whole",
	    a_config_longer_than_the_first_buffer_is_written_whole);
	th_run(t, "config: a current-schema config gets upstream's defaults",
	    a_current_config_gets_upstreams_defaults);
	th_run(t, "config: image_reference gives registry, name, tag and digest; pull_* the pacing",
	    a_current_config_maps_registry_tag_digest_and_pacing);
	th_run(t, "config: current-schema errors name the key and the reason",
	    current_schema_errors_name_the_key_and_reason);
	th_run(t, "config: unknown keys far from any known key are ignored",
	    unknown_keys_far_from_any_known_key_are_ignored);
	th_run(t, "config: near/mpc's deployment configs load unchanged",
	    near_mpcs_deployment_configs_load_unchanged);
	th_run(t, "nodeconfig: [tee] has the shape of the config's generation",
	    tee_table_has_the_shape_of_the_configs_generation);
	th_run(t, "config: the summary names every launcher setting and no node value",
	    the_summary_names_every_launcher_setting_and_no_node_value);
}
