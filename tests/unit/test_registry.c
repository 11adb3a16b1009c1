/*
 * registry: the authentication round trips of one attempt, over the http
 * test transport (scripted responses, no sockets): a token the registry
 * refuses is renewed once and the renewed token is used right away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl.h>

#include "harness.h"
#include "http.h"
#include "registry.h"
#include "script.h"

#define WANT_HEX "abababababababababababababababababababababababababababababababab"
#define CHALLENGE "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer " \
	"realm=\"https://auth.test/token\",service=\"reg\"\r\nContent-Length: 0\r\n\r\n"
/* t: four characters, so the body is 16 bytes */
#define TOKEN(t) "HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n{\"token\":\"" t "\"}"
#define MANIFEST_BODY "{\"schemaVersion\":2,\"mediaType\":" \
	"\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":" \
	"{\"mediaType\":\"application/vnd.docker.container.image.v1+json\"," \
	"\"digest\":\"sha256:" WANT_HEX "\",\"size\":1},\"layers\":[]}"

struct rig {
	struct http_client c;
	struct tls_anchors anchors; /* required for https, never used */
	struct registry r;
	struct script s;
	struct http_transport tp;
};

/* The repository resolve() asks for; tests may lengthen it. */
static const char *rig_image_name = "tl/x";

/* The selected digest and the references; resolve() uses WANT_HEX, v1. */
static const char *rig_want = "sha256:" WANT_HEX;
static const char *const rig_v1[] = { "v1" };
static const char *const *rig_refs = rig_v1;
static size_t rig_nrefs = 1;

static int
resolve(struct rig *g, const char *const *answers, struct registry_result *res,
    struct errbuf *err)
{
	struct http_client_config cfg;
	struct registry_config rc;
	struct digest want;
	int rc_resolve;

	script_start(&g->s, &g->tp, answers);
	memset(&cfg, 0, sizeof(cfg));
	cfg.anchors = &g->anchors;
	cfg.transport = &g->tp;
	memset(&rc, 0, sizeof(rc));
	rc.registry = "registry.test";
	rc.image_name = rig_image_name;
	rc.refs = rig_refs;
	rc.nrefs = rig_nrefs;
	rc.timeout_secs = 1;
	if (digest_parse(rig_want, strlen(rig_want), &want, err) != 0 ||
	    http_client_init(&g->c, &cfg, err) != 0 ||
	    registry_init(&g->r, &g->c, NULL, err) != 0)
		return -2;
	rc_resolve = registry_resolve(&g->r, &rc, &want, res, err);
	registry_free(&g->r);
	http_client_close(&g->c);
	return rc_resolve;
}

static void
a_refused_token_is_renewed_and_used(struct th *t)
{
	static char ok[512];
	static const char *answers[] = {
		CHALLENGE, TOKEN("tok1"), CHALLENGE, TOKEN("tok2"), ok, NULL
	};
	static struct rig g;
	struct registry_result res;
	struct errbuf err;

	snprintf(ok, sizeof(ok), "HTTP/1.1 200 OK\r\nContent-Type: application/vnd."
	    "docker.distribution.manifest.v2+json\r\nContent-Length: %zu\r\n\r\n%s",
	    strlen(MANIFEST_BODY), MANIFEST_BODY);
	CHECK_INT(t, resolve(&g, answers, &res, &err), 0);
	CHECK_INT(t, g.r.stats.token_requests, 2);
	CHECK_INT(t, g.r.stats.manifest_requests, 3);
	CHECK_INT(t, g.r.stats.retries, 0);
	CHECK_INT(t, script_sent_count(&g.s, "Bearer tok"), 2);
}

static void
a_second_refusal_skips_without_a_third_token(struct th *t)
{
	static const char *const answers[] = {
		CHALLENGE, TOKEN("tok1"), CHALLENGE, TOKEN("tok2"), CHALLENGE, NULL
	};
	static struct rig g;
	struct registry_result res;
	struct errbuf err;

	CHECK_INT(t, resolve(&g, answers, &res, &err), -1);
	CHECK(t, strstr(err.msg, "Image hash not found among tags") != NULL);
	CHECK(t, strstr(err.msg, "tok") == NULL);
	CHECK_INT(t, g.r.stats.token_requests, 2);
	CHECK_INT(t, g.r.stats.manifest_requests, 3);
}

static void
an_upper_case_config_digest_is_refused_as_the_engine_would(struct th *t)
{
	/* go-digest's sha256 grammar is [a-f0-9]{64}: the engine cannot pull
	 * what this names, and must never be told it was approved. */
	static char ok[1024], body[512];
	static const char *const answers[] = { ok, NULL };
	static struct rig g;
	struct registry_result res;
	struct errbuf err;
	char *hex;

	snprintf(body, sizeof(body), "%s", MANIFEST_BODY);
	hex = strstr(body, WANT_HEX);
	REQUIRE(t, hex != NULL);
	hex[63] = 'B';
	snprintf(ok, sizeof(ok), "HTTP/1.1 200 OK\r\nContent-Type: application/vnd."
	    "docker.distribution.manifest.v2+json\r\nContent-Length: %zu\r\n\r\n%s",
	    strlen(body), body);
	CHECK_INT(t, resolve(&g, answers, &res, &err), -1);
	CHECK(t, strstr(err.msg, "upper-case hex") != NULL);
}

static void
a_long_url_never_cuts_the_cause_of_the_last_failure(struct th *t)
{
	/* The registry closes without answering: the cause ends the message,
	 * after a request URL longer than the old 150-byte cut. */
	static const char *const answers[] = { "HTTP/1.1 200 OK\r\nContent-Le", NULL };
	static char name[230];
	static struct rig g;
	struct registry_result res;
	struct errbuf err, alone;
	const char *cause;

	memset(name, 'n', sizeof(name) - 1);
	memcpy(name, "tl/", 3);
	rig_image_name = name;
	CHECK_INT(t, resolve(&g, answers, &res, &err), -1);
	rig_image_name = "tl/x";
	CHECK(t, strstr(err.msg, "Image hash not found among tags (last failure: ...") == err.msg);
	/* what one failed request says, its last words */
	CHECK_INT(t, resolve(&g, answers, &res, &alone), -1);
	cause = strrchr(alone.msg, ':');
	REQUIRE(t, cause != NULL);
	CHECK(t, strstr(err.msg, cause) != NULL);
	CHECK(t, err.msg[strlen(err.msg) - 1] == ')');
}

/* Whether a and b share a run of at least min bytes. */
static int
shares_run(const char *a, const char *b, size_t min)
{
	size_t i, j;

	for (i = 0; i + min <= strlen(a); i++)
		for (j = 0; j + min <= strlen(b); j++)
			if (memcmp(a + i, b + j, min) == 0)
				return 1;
	return 0;
}

#define LONG_TOKEN "tokQWxhZGRpbjpvcGVuIHNlc2FtZQ"

/* A registry that echoes the token into the header the error quotes. */
static void
a_token_echoed_by_the_registry_is_not_in_the_error(struct th *t)
{
	static char tokr[256], lie1[1024], lie2[1024];
	static const char *answers[] = { CHALLENGE, tokr, lie1, NULL };
	static struct rig g;
	struct registry_result res;
	struct errbuf err;

	snprintf(tokr, sizeof(tokr), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n"
	    "{\"token\":\"%s\"}", strlen(LONG_TOKEN) + 12, LONG_TOKEN);
	/* A malformed digest (quoted by the parser's error) ... */
	snprintf(lie1, sizeof(lie1), "HTTP/1.1 200 OK\r\nContent-Type: application/vnd."
	    "docker.distribution.manifest.v2+json\r\nDocker-Content-Digest: sha256:%s"
	    "\r\nContent-Length: %zu\r\n\r\n%s", LONG_TOKEN, strlen(MANIFEST_BODY),
	    MANIFEST_BODY);
	CHECK_INT(t, resolve(&g, answers, &res, &err), -1);
	CHECK(t, strstr(err.msg, "Docker-Content-Digest") != NULL);
	CHECK(t, !shares_run(err.msg, LONG_TOKEN, 8));
	/* ... and a well-formed one that disagrees, quoted up to 80 bytes. */
	snprintf(lie2, sizeof(lie2), "HTTP/1.1 200 OK\r\nContent-Type: application/vnd."
	    "docker.distribution.manifest.v2+json\r\nDocker-Content-Digest: sha256:%s"
	    "%.35s\r\nContent-Length: %zu\r\n\r\n%s", "abcdef0123456789abcdef0123456789",
	    LONG_TOKEN, strlen(MANIFEST_BODY), MANIFEST_BODY);
	answers[2] = lie2;
	CHECK_INT(t, resolve(&g, answers, &res, &err), -1);
	CHECK(t, strstr(err.msg, "Docker-Content-Digest") != NULL);
	CHECK(t, !shares_run(err.msg, LONG_TOKEN, 8));
}

/* The body matches; only the header is wrong: too long to be any digest. */
static void
a_digest_header_too_long_to_hold_a_digest_is_a_mismatch(struct th *t)
{
	static char longh[1024];
	static const char *answers[] = { longh, NULL };
	static struct rig g;
	struct registry_result res;
	struct errbuf err;

	snprintf(longh, sizeof(longh), "HTTP/1.1 200 OK\r\nContent-Type: application/vnd."
	    "docker.distribution.manifest.v2+json\r\nDocker-Content-Digest: sha256:%s%s"
	    "\r\nContent-Length: %zu\r\n\r\n%s", WANT_HEX, "0123456789abcdef",
	    strlen(MANIFEST_BODY), MANIFEST_BODY);
	CHECK_INT(t, resolve(&g, answers, &res, &err), -1);
	CHECK(t, strstr(err.msg, "Docker-Content-Digest header is too long") != NULL);
	CHECK_INT(t, g.r.stats.manifest_requests, 1);
}

/* ---- keys read as Go reads them (issue 12) */

#define MT_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define OTHER_HEX "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"

/* An HTTP answer carrying body with Content-Type ct. */
static char *
answer(const char *ct, const char *body)
{
	size_t cap = strlen(body) + 256;
	char *a = malloc(cap);

	if (a != NULL)
		snprintf(a, cap, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: "
		    "%zu\r\n\r\n%s", ct, strlen(body), body);
	return a;
}

/* Resolves tag v1 whose manifest has the given config object. */
static int
resolve_config(const char *config, struct registry_result *res, struct errbuf *err)
{
	static struct rig g;
	size_t cap = strlen(config) + 256;
	char *body = malloc(cap), *a = NULL;
	const char *answers[2] = { NULL, NULL };
	int rc = -2;

	if (body != NULL) {
		snprintf(body, cap, "{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST
		    "\",\"config\":%s,\"layers\":[]}", config);
		answers[0] = a = answer(MT_MANIFEST, body);
	}
	if (a != NULL)
		rc = resolve(&g, answers, res, err);
	free(a);
	free(body);
	return rc;
}

#define CFG(d) "{\"mediaType\":\"application/vnd.docker.container.image.v1+json\"," d ",\"size\":1}"
#define WANT_D "\"sha256:" WANT_HEX "\""
#define OTHER_D "\"sha256:" OTHER_HEX "\""

static void
config_digest_keys_equal_under_go_folding_are_refused(struct th *t)
{
	struct registry_result res;
	struct errbuf err;

	/* The control: the same manifest with one digest key resolves. */
	CHECK_INT(t, resolve_config(CFG("\"digest\":" WANT_D), &res, &err), 0);
	/* We would check "digest", Go would pull the last one. */
	CHECK_INT(t, resolve_config(CFG("\"digest\":" WANT_D ",\"Digest\":" OTHER_D), &res, &err), -1);
	CHECK(t, strstr(err.msg, "manifest v1: offset ") != NULL);
	CHECK(t, strstr(err.msg, "key \"Digest\" repeats \"digest\" under Go's case folding") != NULL);
	/* U+017F LONG S, raw and escaped */
	CHECK_INT(t, resolve_config(CFG("\"digest\":" WANT_D ",\"dige\xc5\xbft\":" OTHER_D), &res, &err), -1);
	CHECK(t, strstr(err.msg, "repeats \"digest\"") != NULL);
	CHECK_INT(t, resolve_config(CFG("\"digest\":" WANT_D ",\"dige\\u017ft\":" OTHER_D), &res, &err), -1);
	/* Alone, a key Go reads as "digest" is refused too: we would not see it. */
	CHECK_INT(t, resolve_config(CFG("\"Digest\":" WANT_D), &res, &err), -1);
	CHECK(t, strstr(err.msg, "key \"Digest\" is field \"digest\" to Go's case-insensitive decoder") != NULL);
	CHECK_INT(t, resolve_config(CFG("\"digest\":" WANT_D ",\"URLs\":[]"), &res, &err), -1);
	CHECK(t, strstr(err.msg, "key \"URLs\" is field \"urls\"") != NULL);
	/* Keys Go does not match to a field stay allowed. */
	CHECK_INT(t, resolve_config(CFG("\"digest\":" WANT_D ",\"Digests\":[],\"x\":{\"Digest\":1}"),
	    &res, &err), 0);
}

static void
manifest_keys_go_reads_as_fields_are_refused(struct th *t)
{
	static struct rig g;
	static const char *const bodies[] = {
		/* mediaType spelt otherwise: Go reads it, we would not */
		"{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST "\",\"MediaType\":\"x\","
		    "\"config\":" CFG("\"digest\":" WANT_D) "}",
		"{\"schemaVersion\":2,\"mediatype\":\"" MT_MANIFEST "\","
		    "\"config\":" CFG("\"digest\":" WANT_D) "}",
		/* a second config under another spelling */
		"{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST "\",\"config\":"
		    CFG("\"digest\":" WANT_D) ",\"Config\":" CFG("\"digest\":" OTHER_D) "}",
		/* a layer descriptor, streamed, is checked as well */
		"{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST "\",\"config\":"
		    CFG("\"digest\":" WANT_D) ",\"layers\":[{\"digest\":" OTHER_D
		    ",\"\xe2\x84\xaa\":1,\"DIGEST\":" WANT_D "}]}",
	};
	static const char *const why[] = {
		"key \"MediaType\" repeats \"mediaType\"",
		"key \"mediatype\" is field \"mediaType\"",
		"key \"Config\" repeats \"config\"",
		"key \"DIGEST\" repeats \"digest\"",
	};
	struct registry_result res;
	struct errbuf err;
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		char *a = answer(MT_MANIFEST, bodies[i]);
		const char *answers[2] = { a, NULL };

		REQUIRE(t, a != NULL);
		CHECK_INT(t, resolve(&g, answers, &res, &err), -1);
		CHECK_STR(t, strstr(err.msg, why[i]) != NULL ? why[i] : err.msg, why[i]);
		free(a);
	}
}

static void
sha256_hex(const char *s, char out[65])
{
	br_sha256_context c;
	unsigned char d[32];
	int i;

	br_sha256_init(&c);
	br_sha256_update(&c, s, strlen(s));
	br_sha256_out(&c, d);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* A list whose linux/amd64 entry is entry with "%s" replaced by the hex
 * digest of a manifest with the wanted config, then that manifest. */
static int
resolve_list(const char *entry, struct registry_result *res, struct errbuf *err)
{
	static struct rig g;
	static const char manifest[] = "{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST
	    "\",\"config\":" CFG("\"digest\":" WANT_D) ",\"layers\":[]}";
	size_t cap = strlen(entry) + 1024;
	char hex[65], *list = malloc(cap), *a0 = NULL, *a1 = NULL;
	const char *answers[3] = { NULL, NULL, NULL };
	const char *at = strstr(entry, "%s");
	int rc = -2;

	if (at == NULL || list == NULL) {
		free(list);
		return -2;
	}
	sha256_hex(manifest, hex);
	snprintf(list, cap, "{\"schemaVersion\":2,\"mediaType\":\"" MT_LIST
	    "\",\"manifests\":[{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":"
	    OTHER_D ",\"size\":1,\"platform\":{\"architecture\":\"arm64\",\"os\":"
	    "\"linux\"}},%.*s%s%s],\"annotations\":{\"a\":\"1\",\"Digest\":\"2\"}}",
	    (int)(at - entry), entry, hex, at + 2);
	answers[0] = a0 = answer(MT_LIST, list);
	answers[1] = a1 = answer(MT_MANIFEST, manifest);
	if (a0 != NULL && a1 != NULL)
		rc = resolve(&g, answers, res, err);
	free(a0);
	free(a1);
	free(list);
	return rc;
}

#define ENTRY_HEAD "{\"mediaType\":\"" MT_MANIFEST "\",\"size\":1,"

static void
index_entries_are_read_as_go_reads_them(struct th *t)
{
	struct registry_result res;
	struct errbuf err;

	/* The control: a legit list (annotation keys are a map's: exact) resolves. */
	CHECK_INT(t, resolve_list(ENTRY_HEAD "\"digest\":\"sha256:%s\",\"platform\":"
	    "{\"architecture\":\"amd64\",\"os\":\"linux\"}}", &res, &err), 0);
	CHECK_INT(t, res.how, REGISTRY_MATCH_CONFIG);
	/* Go would pull the entry's last digest key, we the exact one. */
	CHECK_INT(t, resolve_list(ENTRY_HEAD "\"digest\":\"sha256:%s\",\"Digest\":"
	    OTHER_D ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}",
	    &res, &err), -1);
	CHECK(t, strstr(err.msg, "key \"Digest\" repeats \"digest\"") != NULL);
	/* A platform spelt otherwise is read by Go, not by a byte lookup. */
	CHECK_INT(t, resolve_list(ENTRY_HEAD "\"digest\":\"sha256:%s\",\"Platform\":"
	    "{\"architecture\":\"amd64\",\"os\":\"linux\"}}", &res, &err), -1);
	CHECK(t, strstr(err.msg, "key \"Platform\" is field \"platform\"") != NULL);
	CHECK_INT(t, resolve_list(ENTRY_HEAD "\"digest\":\"sha256:%s\",\"platform\":"
	    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"OS\":\"windows\"}}", &res, &err), -1);
	CHECK(t, strstr(err.msg, "key \"OS\" repeats \"os\"") != NULL);
	CHECK_INT(t, resolve_list(ENTRY_HEAD "\"digest\":\"sha256:%s\",\"platform\":"
	    "{\"Architecture\":\"amd64\",\"os\":\"linux\"}}", &res, &err), -1);
	CHECK(t, strstr(err.msg, "key \"Architecture\" is field \"architecture\"") != NULL);
}

/* ---- memory: the largest bodies */

static void
a_manifest_list_near_the_body_limit_resolves(struct th *t)
{
	static const char entry[] = ",{\"mediaType\":\"" MT_MANIFEST "\",\"size\":1,"
	    "\"digest\":" OTHER_D ",\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}}";
	static const char head[] = "{\"schemaVersion\":2,\"mediaType\":\"" MT_LIST
	    "\",\"manifests\":[";
	static const char last[] = "{\"mediaType\":\"" MT_MANIFEST "\",\"size\":1,"
	    "\"digest\":\"sha256:%s\",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}";
	size_t cap = REGISTRY_MANIFEST_MAX - 512, o, n = 0;
	char *list = malloc(cap + 1);
	struct registry_result res;
	struct errbuf err;

	REQUIRE(t, list != NULL);
	/* The list proper is built by resolve_list around the last entry:
	 * here the other entries go in front of it. */
	o = 0;
	while (o + sizeof(entry) + sizeof(last) + sizeof(head) + 600 < cap) {
		memcpy(list + o, entry + (n == 0), sizeof(entry) - 1 - (n == 0));
		o += sizeof(entry) - 1 - (n == 0);
		n++;
	}
	list[o++] = ',';
	memcpy(list + o, last, sizeof(last));
	CHECK(t, n > 15000);
	CHECK_INT(t, resolve_list(list, &res, &err), 0);
	CHECK_INT(t, res.how, REGISTRY_MATCH_CONFIG);
	free(list);
}

static void
a_document_too_big_to_hold_is_a_resource_error(struct th *t)
{
	size_t n = REGISTRY_ARENA_MAX + 1024, o;
	char *cfg = malloc(n + 512);
	struct registry_result res;
	struct errbuf err;

	REQUIRE(t, cfg != NULL);
	/* A config descriptor whose annotation alone outgrows the arena. */
	o = (size_t)snprintf(cfg, 512, "{\"mediaType\":\"x\",\"digest\":" WANT_D
	    ",\"size\":1,\"annotations\":{\"a\":\"");
	memset(cfg + o, 'x', n);
	memcpy(cfg + o + n, "\"}}", 4);
	CHECK_INT(t, resolve_config(cfg, &res, &err), -1);
	CHECK_STR(t, err.msg, "manifest v1 too large for the 1048576-byte parse arena: "
	    "offset 223: arena exhausted (1048576 bytes)");
	free(cfg);
}

/* ---- approved indexes (issue 15 §2) */

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define AMD64 "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}"
#define ARM64 "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}"

/* A manifest whose config is OTHER_HEX: it matches only through an index. */
static const char plain_manifest[] = "{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST
    "\",\"config\":" CFG("\"digest\":" OTHER_D) ",\"layers\":[]}";

/* An index (mt) listing an arm64 decoy first and then, for amd64, child
 * (whose sha256 hex is put in), or nothing when child is NULL. */
static void
index_of(char *out, size_t cap, const char *mt, const char *child)
{
	char hex[65];

	if (child != NULL)
		sha256_hex(child, hex);
	snprintf(out, cap, "{\"schemaVersion\":2,\"mediaType\":\"%s\",\"manifests\":["
	    "{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":" OTHER_D ",\"size\":1,"
	    ARM64 "}%s%s%s]}", mt, child != NULL ? ",{\"mediaType\":\"" MT_MANIFEST
	    "\",\"size\":1,\"digest\":\"sha256:" : "", child != NULL ? hex : "",
	    child != NULL ? "\"," AMD64 "}" : "");
}

struct walk {
	struct rig g;
	char want[80];
	char *a[6];
	struct registry_result res;
	struct errbuf err;
	int rc;
};

/* Resolves refs against the answers (bodies with their types), wanting
 * the digest of want_body; frees the answers. */
static void
walk_run(struct walk *w, const char *want_body, const char *const *refs, size_t nrefs,
    const char *const *types, const char *const *bodies, size_t n)
{
	const char *answers[7] = { NULL };
	char hex[65];
	size_t i;

	sha256_hex(want_body, hex);
	snprintf(w->want, sizeof(w->want), "sha256:%s", hex);
	for (i = 0; i < n; i++)
		answers[i] = w->a[i] = answer(types[i], bodies[i]);
	rig_want = w->want;
	rig_refs = refs;
	rig_nrefs = nrefs;
	w->rc = resolve(&w->g, answers, &w->res, &w->err);
	rig_want = "sha256:" WANT_HEX;
	rig_refs = rig_v1;
	rig_nrefs = 1;
	for (i = 0; i < n; i++)
		free(w->a[i]);
}

static int
is_digest_of(const struct digest *d, const char *body)
{
	char hex[65], s[DIGEST_STR_SIZE];

	sha256_hex(body, hex);
	digest_format(d, s);
	return strcmp(s + 7, hex) == 0;
}

static void
an_approved_index_leads_to_its_linux_amd64_image(struct th *t)
{
	static struct walk w;
	static char idx[1024], list[1024];
	const char *const types[] = { MT_OCI_INDEX, MT_MANIFEST };
	const char *const bodies[] = { idx, plain_manifest };
	const char *const ltypes[] = { MT_LIST, MT_MANIFEST };
	const char *const lbodies[] = { list, plain_manifest };
	struct digest other;

	index_of(idx, sizeof(idx), MT_OCI_INDEX, plain_manifest);
	walk_run(&w, idx, rig_v1, 1, types, bodies, 2);
	REQUIRE_INT(t, w.rc, 0);
	CHECK_INT(t, w.res.how, REGISTRY_MATCH_INDEX);
	CHECK(t, is_digest_of(&w.res.pull, idx));
	CHECK(t, is_digest_of(&w.res.manifest, plain_manifest));
	REQUIRE_INT(t, digest_parse("sha256:" OTHER_HEX, 71, &other, &w.err), 0);
	CHECK(t, digest_equal(&w.res.config, &other));
	CHECK_STR(t, registry_match_name(w.res.how), "index digest");
	/* A Docker manifest list alike. */
	index_of(list, sizeof(list), MT_LIST, plain_manifest);
	walk_run(&w, list, rig_v1, 1, ltypes, lbodies, 2);
	REQUIRE_INT(t, w.rc, 0);
	CHECK_INT(t, w.res.how, REGISTRY_MATCH_INDEX);
	CHECK(t, is_digest_of(&w.res.pull, list));
}

static void
an_approved_index_matches_at_any_level_and_ends_the_other_references(struct th *t)
{
	static struct walk w;
	static char inner[1024], outer[1024];
	static const char *const refs[] = { "v1", "v2" };
	const char *const types[] = { MT_OCI_INDEX, MT_OCI_INDEX, MT_MANIFEST };
	const char *const bodies[] = { outer, inner, plain_manifest };

	/* v1 → outer index → inner index (approved) → manifest */
	index_of(inner, sizeof(inner), MT_OCI_INDEX, plain_manifest);
	index_of(outer, sizeof(outer), MT_OCI_INDEX, inner);
	walk_run(&w, inner, rig_v1, 1, types, bodies, 3);
	REQUIRE_INT(t, w.rc, 0);
	CHECK_INT(t, w.res.how, REGISTRY_MATCH_INDEX);
	CHECK(t, is_digest_of(&w.res.pull, inner));
	CHECK(t, is_digest_of(&w.res.manifest, plain_manifest));
	CHECK_INT(t, w.g.r.stats.manifest_requests, 3);
	/* v1 is the approved index: v2, queued before its entry, is dropped */
	walk_run(&w, inner, refs, 2, types + 1, bodies + 1, 2);
	REQUIRE_INT(t, w.rc, 0);
	CHECK_INT(t, w.res.how, REGISTRY_MATCH_INDEX);
	CHECK(t, strncmp(w.res.ref, "sha256:", 7) == 0);
	CHECK_INT(t, w.g.r.stats.manifest_requests, 2);
}

static void
an_approved_index_without_linux_amd64_is_an_error(struct th *t)
{
	static struct walk w;
	static char idx[1024];
	const char *const types[] = { MT_OCI_INDEX };
	const char *const bodies[] = { idx };

	index_of(idx, sizeof(idx), MT_OCI_INDEX, NULL);
	walk_run(&w, idx, rig_v1, 1, types, bodies, 1);
	CHECK_INT(t, w.rc, -1);
	CHECK_STR(t, w.err.msg, "the selected index leads to no linux/amd64 image manifest");
}

static void
an_index_that_is_not_approved_still_needs_a_matching_config(struct th *t)
{
	static struct walk w;
	static char idx[1024];
	const char *const types[] = { MT_OCI_INDEX, MT_MANIFEST };
	const char *const bodies[] = { idx, plain_manifest };

	/* want: the digest of some other body; the manifest's config is OTHER */
	index_of(idx, sizeof(idx), MT_OCI_INDEX, plain_manifest);
	walk_run(&w, "not served", rig_v1, 1, types, bodies, 2);
	CHECK_INT(t, w.rc, -1);
	CHECK_STR(t, w.err.msg, "Image hash not found among tags");
}

void
suite_registry(struct th *t)
{
	th_run(t, "registry: an approved index or list leads to its linux/amd64 image, and is pulled",
	    an_approved_index_leads_to_its_linux_amd64_image);
	th_run(t, "registry: an approved index nested in another matches and ends the other references",
	    an_approved_index_matches_at_any_level_and_ends_the_other_references);
	th_run(t, "registry: an approved index without a linux/amd64 image is an error",
	    an_approved_index_without_linux_amd64_is_an_error);
	th_run(t, "registry: an index that is not approved still needs a matching config or manifest",
	    an_index_that_is_not_approved_still_needs_a_matching_config);
	th_run(t, "registry: an upper-case config digest is refused, as the engine would",
	    an_upper_case_config_digest_is_refused_as_the_engine_would);
	th_run(t, "registry: a long URL never cuts the cause of the last failure",
	    a_long_url_never_cuts_the_cause_of_the_last_failure);
	th_run(t, "registry: a manifest list of over 15000 entries near the 4 MiB body limit resolves",
	    a_manifest_list_near_the_body_limit_resolves);
	th_run(t, "registry: a document whose tree outgrows the parse arena is a resource error",
	    a_document_too_big_to_hold_is_a_resource_error);
	th_run(t, "registry: config digest keys equal under Go's case folding are refused",
	    config_digest_keys_equal_under_go_folding_are_refused);
	th_run(t, "registry: manifest keys Go reads as a field we read otherwise are refused",
	    manifest_keys_go_reads_as_fields_are_refused);
	th_run(t, "registry: index entries and their platforms are read as Go reads them",
	    index_entries_are_read_as_go_reads_them);
	th_run(t, "registry: a Docker-Content-Digest too long to hold a digest is a mismatch, not ignored",
	    a_digest_header_too_long_to_hold_a_digest_is_a_mismatch);
	th_run(t, "registry: no piece of the token reaches an error, even when the registry echoes it",
	    a_token_echoed_by_the_registry_is_not_in_the_error);
	th_run(t, "registry: a token the registry refuses is renewed once and used in the same attempt",
	    a_refused_token_is_renewed_and_used);
	th_run(t, "registry: a refusal of the renewed token skips the reference without a third token",
	    a_second_refusal_skips_without_a_third_token);
}
