/*
 * registry: the walk over references, indexes and retries, the token
 * exchange and the media-type checks, over the http test transport: every
 * answer is scripted, every request recorded, every wait taken by a
 * recording sleeper (no real sleep).  test_registry.c holds the
 * key-folding and token-echo cases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bearssl.h>

#include "harness.h"
#include "http.h"
#include "registry.h"

#define MT_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define WANT_HEX "abababababababababababababababababababababababababababababababab"
#define OTHER_HEX "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
#define CHALLENGE_REALM(realm, extra) "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: " \
	"Bearer realm=\"" realm "\"" extra "\r\nContent-Length: 0\r\n\r\n"
#define CHALLENGE CHALLENGE_REALM("https://auth.test/token", ",service=\"reg\"")
#define STATUS(line) "HTTP/1.1 " line "\r\nContent-Length: 0\r\n\r\n"

#define MAX_ANSWERS 400
#define MAX_SEEN 64

struct walk {
	struct http_client c;
	struct tls_anchors anchors; /* required for https, never used */
	struct registry r;
	struct http_transport tp;
	struct registry_sleeper sl;
	/* the script */
	const char *answers[MAX_ANSWERS + 1];
	size_t nanswers, next, off;
	const char *cur;
	/* what was sent: request lines ("GET /v2/…"), Authorization values */
	char req[MAX_SEEN][512];
	char authz[MAX_SEEN][64];
	size_t nreq;
	char host[256];     /* the host of the first connection */
	uint64_t waits[MAX_SEEN];
	size_t nwaits;
	/* the run */
	const char *registry, *image_name;
	const char *want; /* "sha256:…", the selected digest */
	const char *refs[70];
	size_t nrefs;
	uint32_t max_attempts;
	uint64_t interval_secs, timeout_secs; /* timeout 0: 1 s */
	int no_sleeper;
	struct registry_result res;
	struct errbuf err;
};

static struct walk w; /* large: the http client and the registry buffers */

/* Answers built for one test; freed by walk_reset. */
static char *owned[MAX_ANSWERS];
static size_t nowned;

static int
w_open(void *ctx, const char *host, uint16_t port, int https)
{
	struct walk *k = ctx;

	(void)port, (void)https;
	if (k->host[0] == '\0')
		snprintf(k->host, sizeof(k->host), "%s", host);
	return NET_OK;
}

static int
w_write(void *ctx, const void *buf, size_t len)
{
	struct walk *k = ctx;
	const char *p = buf, *eol, *a;
	size_t n;

	if (len < 4 || memcmp(p, "GET ", 4) != 0)
		return NET_OK;
	if (k->nreq < MAX_SEEN) {
		eol = memchr(p, '\r', len);
		n = eol != NULL ? (size_t)(eol - p) : len;
		snprintf(k->req[k->nreq], sizeof(k->req[0]), "%.*s", (int)n, p);
		a = memmem(p, len, "Authorization: Bearer ", 22);
		if (a != NULL) {
			eol = memchr(a, '\r', len - (size_t)(a - p));
			n = eol != NULL ? (size_t)(eol - a) - 22 : 0;
			snprintf(k->authz[k->nreq], sizeof(k->authz[0]), "%.*s", (int)n, a + 22);
		}
	}
	k->nreq++;
	k->cur = k->next < k->nanswers ? k->answers[k->next++] : "";
	k->off = 0;
	return NET_OK;
}

static int
w_read(void *ctx, void *buf, size_t cap, size_t *got)
{
	struct walk *k = ctx;
	size_t n = strlen(k->cur + k->off);

	*got = 0;
	if (n == 0)
		return NET_EOF;
	n = n > cap ? cap : n;
	memcpy(buf, k->cur + k->off, n);
	k->off += n;
	*got = n;
	return NET_OK;
}

static void
w_sleep(void *ctx, uint64_t ms)
{
	struct walk *k = ctx;

	if (k->nwaits < MAX_SEEN)
		k->waits[k->nwaits] = ms;
	k->nwaits++;
}

static void
walk_reset(void)
{
	while (nowned > 0)
		free(owned[--nowned]);
	memset(&w, 0, sizeof(w));
	w.registry = "registry.test";
	w.image_name = "tl/x";
	w.want = "sha256:" WANT_HEX;
	w.refs[0] = "v1";
	w.nrefs = 1;
}

static void
add(const char *answer)
{
	if (w.nanswers < MAX_ANSWERS)
		w.answers[w.nanswers++] = answer;
}

/* An answer with status line, Content-Type (NULL: none), more header lines
 * (each ending in \r\n) and body; kept until the next walk_reset. */
static const char *
mk(const char *status, const char *ct, const char *headers, const char *body)
{
	size_t cap = strlen(body) + strlen(headers) + 256;
	char *a = malloc(cap);

	if (a == NULL || nowned == MAX_ANSWERS)
		abort();
	snprintf(a, cap, "HTTP/1.1 %s\r\n%s%s%s%sContent-Length: %zu\r\n\r\n%s", status,
	    ct != NULL ? "Content-Type: " : "", ct != NULL ? ct : "", ct != NULL ? "\r\n" : "",
	    headers, strlen(body), body);
	owned[nowned++] = a;
	return a;
}

static void
sha_hex(const char *body, char out[65])
{
	static const char hx[] = "0123456789abcdef";
	br_sha256_context c;
	unsigned char d[32];
	int i;

	br_sha256_init(&c);
	br_sha256_update(&c, body, strlen(body));
	br_sha256_out(&c, d);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hx[d[i] >> 4];
		out[2 * i + 1] = hx[d[i] & 15];
	}
	out[64] = '\0';
}

/* A schema2 manifest naming config digest cfg_hex; static storage per slot. */
static const char *
manifest_body(int slot, const char *cfg_hex)
{
	static char b[8][512];

	snprintf(b[slot], sizeof(b[slot]), "{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST
	    "\",\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
	    "\"digest\":\"sha256:%s\",\"size\":1},\"layers\":[]}", cfg_hex);
	return b[slot];
}

/* A manifest list of n linux/amd64 entries; entry i has digest hex[i]
 * (NULL: "<i as 64 hex digits>").  Caller frees. */
static char *
list_body(size_t n, const char *const *hex)
{
	size_t cap = 256 + n * 256, o, i;
	char *b = malloc(cap);

	if (b == NULL)
		abort();
	o = (size_t)snprintf(b, cap, "{\"schemaVersion\":2,\"mediaType\":\"" MT_LIST
	    "\",\"manifests\":[");
	for (i = 0; i < n; i++) {
		char d[65];

		if (hex != NULL && hex[i] != NULL)
			snprintf(d, sizeof(d), "%s", hex[i]);
		else
			snprintf(d, sizeof(d), "%064zx", i + 1);
		o += (size_t)snprintf(b + o, cap - o, "%s{\"mediaType\":\"" MT_MANIFEST
		    "\",\"digest\":\"sha256:%s\",\"size\":1,\"platform\":{\"architecture\":"
		    "\"amd64\",\"os\":\"linux\"}}", i ? "," : "", d);
	}
	snprintf(b + o, cap - o, "]}");
	return b;
}

static const char *
mk_owned_body(const char *status, const char *ct, char *body)
{
	const char *a = mk(status, ct, "", body);

	free(body);
	return a;
}

static int
walk_run(void)
{
	struct http_client_config cfg;
	struct registry_config rc;
	struct digest want;
	int rc_resolve;

	w.tp = (struct http_transport){ w_open, w_read, w_write, &w };
	w.sl = (struct registry_sleeper){ w_sleep, &w };
	memset(&cfg, 0, sizeof(cfg));
	cfg.anchors = &w.anchors;
	cfg.transport = &w.tp;
	memset(&rc, 0, sizeof(rc));
	rc.registry = w.registry;
	rc.image_name = w.image_name;
	rc.refs = w.refs;
	rc.nrefs = w.nrefs;
	rc.timeout_secs = w.timeout_secs != 0 ? w.timeout_secs : 1;
	rc.interval_secs = w.interval_secs;
	rc.max_attempts = w.max_attempts;
	w.err.msg[0] = '\0';
	if (digest_parse(w.want, strlen(w.want), &want, &w.err) != 0 ||
	    http_client_init(&w.c, &cfg, &w.err) != 0 ||
	    registry_init(&w.r, &w.c, w.no_sleeper ? NULL : &w.sl, &w.err) != 0)
		return -2;
	rc_resolve = registry_resolve(&w.r, &rc, &want, &w.res, &w.err);
	registry_free(&w.r);
	http_client_close(&w.c);
	return rc_resolve;
}

/* ------------------------------------------------------------ media types */

static void
a_media_type_the_content_type_contradicts_is_refused_unquoted(struct th *t)
{
	walk_reset();
	add(mk("200 OK", MT_LIST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), -1);
	CHECK_STR(t, w.err.msg, "manifest mediaType disagrees with its Content-Type");
	CHECK_INT(t, w.nreq, 1);
	/* the same body under the other manifest type */
	walk_reset();
	add(mk("200 OK", MT_OCI_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), -1);
	CHECK_STR(t, w.err.msg, "manifest mediaType disagrees with its Content-Type");
}

static void
a_generic_or_parameterised_content_type_defers_to_the_body(struct th *t)
{
	static const char no_mt[] = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"x\","
	    "\"digest\":\"sha256:" WANT_HEX "\",\"size\":1},\"layers\":[]}";

	walk_reset();
	add(mk("200 OK", "application/json", "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	CHECK_INT(t, w.res.how, REGISTRY_MATCH_CONFIG);
	CHECK_STR(t, w.res.ref, "v1");
	/* no mediaType in the body (optional in OCI): the Content-Type decides,
	 * its parameters ignored */
	walk_reset();
	add(mk("200 OK", MT_OCI_MANIFEST "; charset=utf-8", "", no_mt));
	CHECK_INT(t, walk_run(), 0);
	walk_reset();
	add(mk("200 OK", NULL, "", no_mt));
	CHECK_INT(t, walk_run(), -1);
	CHECK_STR(t, w.err.msg, "manifest has no mediaType and no Content-Type");
	walk_reset();
	add(mk("200 OK", "application/vnd.oci.image.config.v1+json", "", no_mt));
	CHECK_INT(t, walk_run(), -1);
	CHECK_STR(t, w.err.msg, "unsupported manifest media type");
}

/* ------------------------------------------------------------------ tokens */

static void
a_token_longer_than_the_limit_is_refused(struct th *t)
{
	static char tok[REGISTRY_TOKEN_MAX + 2], body[REGISTRY_TOKEN_MAX + 64];

	memset(tok, 'T', REGISTRY_TOKEN_MAX);
	tok[REGISTRY_TOKEN_MAX] = '\0';
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", tok);
	walk_reset();
	add(CHALLENGE);
	add(mk("200 OK", "application/json", "", body));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	CHECK_INT(t, strlen(w.authz[2]), 63); /* recorded in part: it was sent */
	CHECK(t, w.authz[2][0] == 'T');
	/* one byte more */
	tok[REGISTRY_TOKEN_MAX] = 'T';
	tok[REGISTRY_TOKEN_MAX + 1] = '\0';
	snprintf(body, sizeof(body), "{\"token\":\"%s\"}", tok);
	walk_reset();
	add(CHALLENGE);
	add(mk("200 OK", "application/json", "", body));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), -1);
	CHECK_STR(t, w.err.msg, "registry auth failed: token response has no usable "
	    "\"token\" or \"access_token\"");
	CHECK_INT(t, w.nreq, 2);
}

static void
a_token_is_visible_ascii_and_access_token_stands_in_for_an_empty_one(struct th *t)
{
	walk_reset();
	add(CHALLENGE);
	add(mk("200 OK", "application/json", "", "{\"token\":\"\",\"access_token\":\"acc\"}"));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	CHECK_STR(t, w.authz[2], "acc");
	CHECK_STR(t, w.authz[0], "");
	walk_reset();
	add(CHALLENGE);
	add(mk("200 OK", "application/json", "", "{\"token\":\"a b\"}"));
	CHECK_INT(t, walk_run(), -1);
	CHECK(t, strstr(w.err.msg, "no usable \"token\"") != NULL);
	walk_reset();
	add(CHALLENGE);
	add(mk("200 OK", "application/json", "", "{\"token\":\"a\\u007fb\"}"));
	CHECK_INT(t, walk_run(), -1);
	CHECK(t, strstr(w.err.msg, "no usable \"token\"") != NULL);
	walk_reset();
	add(CHALLENGE);
	add(mk("200 OK", "application/json", "", "<html>"));
	CHECK_INT(t, walk_run(), -1);
	CHECK(t, strstr(w.err.msg, "registry auth failed: token response: ") == w.err.msg);
}

static void
the_token_request_names_service_and_scope_encoded(struct th *t)
{
	walk_reset();
	w.image_name = "tl/x y"; /* not a valid name: the walk stops before */
	CHECK_INT(t, walk_run(), -1);
	CHECK_INT(t, w.nreq, 0);
	walk_reset();
	add(CHALLENGE_REALM("https://auth.test/token?a=1", ",service=\"reg istry\""));
	add(mk("200 OK", "application/json", "", "{\"token\":\"tk\"}"));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	CHECK_STR(t, w.req[0], "GET /v2/tl/x/manifests/v1 HTTP/1.1");
	CHECK_STR(t, w.req[1], "GET /token?a=1&service=reg%20istry&scope=repository%3Atl%2Fx%3Apull HTTP/1.1");
	CHECK_STR(t, w.authz[2], "tk");
	/* no service in the challenge: only the scope */
	walk_reset();
	add(CHALLENGE_REALM("https://auth.test/t", ""));
	add(mk("200 OK", "application/json", "", "{\"token\":\"tk\"}"));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	CHECK_STR(t, w.req[1], "GET /t?scope=repository%3Atl%2Fx%3Apull HTTP/1.1");
}

static void
a_token_realm_that_is_not_https_is_refused(struct th *t)
{
	walk_reset();
	add(CHALLENGE_REALM("http://auth.test/token", ""));
	CHECK_INT(t, walk_run(), -1);
	CHECK_STR(t, w.err.msg, "registry auth failed: token realm is not an https:// URL");
	CHECK_INT(t, w.nreq, 1);
}

static void
token_server_errors_are_fatal_below_500_and_retried_above(struct th *t)
{
	walk_reset();
	add(CHALLENGE);
	add(STATUS("403 Forbidden"));
	CHECK_INT(t, walk_run(), -1);
	CHECK_STR(t, w.err.msg, "registry auth failed: token server answered HTTP 403");
	/* 5xx, and a token server that closes without answering: the attempt
	 * is retried after the wait */
	walk_reset();
	w.max_attempts = 2;
	w.interval_secs = 1;
	add(CHALLENGE);
	add(STATUS("502 Bad Gateway"));
	add(CHALLENGE);
	add(""); /* on the kept-alive connection: http retries it on a new one */
	add("");
	add(CHALLENGE);
	add(mk("200 OK", "application/json", "", "{\"token\":\"tk\"}"));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	CHECK_INT(t, w.r.stats.token_requests, 3);
	CHECK_INT(t, w.nwaits, 2);
	CHECK_INT(t, w.waits[0], 1000);
	CHECK_INT(t, w.waits[1], 1500);
}

/* ------------------------------------------------------------------ limits */

static void
more_than_64_image_tags_or_a_bad_one_are_refused_before_any_request(struct th *t)
{
	size_t i;

	walk_reset();
	for (i = 0; i < 65; i++)
		w.refs[i] = "v1";
	w.nrefs = 65;
	CHECK_INT(t, walk_run(), -1);
	CHECK_STR(t, w.err.msg, "more than 64 image_tags");
	CHECK_INT(t, w.nreq, 0);
	walk_reset();
	w.refs[1] = "bad tag";
	w.nrefs = 2;
	CHECK_INT(t, walk_run(), -1);
	CHECK(t, strstr(w.err.msg, "image_tags[1]: ") == w.err.msg);
	CHECK_INT(t, w.nreq, 0);
	walk_reset();
	w.registry = "bad registry";
	CHECK_INT(t, walk_run(), -1);
	CHECK_INT(t, w.nreq, 0);
}

static void
an_index_may_queue_63_manifests_after_one_tag_but_not_64(struct th *t)
{
	size_t i;

	walk_reset();
	add(mk_owned_body("200 OK", MT_LIST, list_body(63, NULL)));
	for (i = 0; i < 63; i++)
		add(STATUS("404 Not Found"));
	CHECK_INT(t, walk_run(), -1);
	CHECK_STR(t, w.err.msg, "Image hash not found among tags (last failure: HTTP 404)");
	CHECK_INT(t, w.r.stats.manifest_requests, 64);
	CHECK_STR(t, w.req[63], "GET /v2/tl/x/manifests/sha256:"
	    "000000000000000000000000000000000000000000000000000000000000003f HTTP/1.1");
	walk_reset();
	add(mk_owned_body("200 OK", MT_LIST, list_body(64, NULL)));
	CHECK_INT(t, walk_run(), -1);
	CHECK_STR(t, w.err.msg, "manifest v1: more than 64 queued manifests");
	CHECK_INT(t, w.nreq, 1);
}

static void
more_than_256_manifest_requests_stop_the_run(struct th *t)
{
	size_t i;

	walk_reset();
	for (i = 0; i < 64; i++)
		w.refs[i] = "v1";
	w.nrefs = 64;
	w.max_attempts = 4; /* 5 requests per tag, 320 in all */
	for (i = 0; i < 320; i++)
		add(STATUS("500 Internal Server Error"));
	CHECK_INT(t, walk_run(), -1);
	CHECK_STR(t, w.err.msg, "more than 256 manifest requests in one run");
	CHECK_INT(t, w.r.stats.manifest_requests, 256);
	CHECK_INT(t, w.nreq, 256);
}

static void
a_repeated_entry_is_fetched_once_and_nesting_stops_at_depth_2(struct th *t)
{
	const char *entries[3];
	char *l3, *l2, *l1;
	char h3[65], h2[65], hm[65];

	/* tag → list1 → list2 → list3 → manifest: list3's entry is too deep */
	sha_hex(manifest_body(0, WANT_HEX), hm);
	entries[0] = hm;
	l3 = list_body(1, entries);
	sha_hex(l3, h3);
	entries[0] = h3;
	entries[1] = h3; /* the same entry twice */
	l2 = list_body(2, entries);
	sha_hex(l2, h2);
	entries[0] = h2;
	l1 = list_body(1, entries);
	walk_reset();
	add(mk_owned_body("200 OK", MT_LIST, l1));
	add(mk_owned_body("200 OK", MT_LIST, l2));
	add(mk_owned_body("200 OK", MT_LIST, l3));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), -1);
	CHECK_STR(t, w.err.msg, "Image hash not found among tags");
	CHECK_INT(t, w.nreq, 3);
}

/* ---------------------------------------------------------------- retries */

static void
a_429_waits_its_retry_after_up_to_60_s(struct th *t)
{
	walk_reset();
	w.max_attempts = 4;
	w.interval_secs = 2;
	add(mk("429 Too Many Requests", NULL, "Retry-After: 7\r\n", ""));
	add(mk("429 Too Many Requests", NULL, "Retry-After: 120\r\n", ""));
	add(mk("429 Too Many Requests", NULL, "Retry-After: Wed, 21 Oct 2026 07:28:00 GMT\r\n", ""));
	add(mk("429 Too Many Requests", NULL, "Retry-After: 1234567890\r\n", ""));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	REQUIRE_INT(t, w.nwaits, 4);
	CHECK_INT(t, w.waits[0], 7000);
	CHECK_INT(t, w.waits[1], 60000);
	CHECK_INT(t, w.waits[2], 4500); /* an HTTP date: the backoff (2, 3, 4.5 s) */
	CHECK_INT(t, w.waits[3], 6750);
	CHECK_INT(t, w.r.stats.waited_ms, 7000 + 60000 + 4500 + 6750);
}

static void
server_errors_are_retried_until_the_attempts_run_out(struct th *t)
{
	walk_reset();
	w.max_attempts = 3;
	w.interval_secs = 50;
	add(STATUS("503 Service Unavailable"));
	add(STATUS("500 Internal Server Error"));
	add(STATUS("502 Bad Gateway"));
	add(STATUS("503 Service Unavailable"));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), -1);
	CHECK_STR(t, w.err.msg, "Image hash not found among tags (last failure: HTTP 503)");
	CHECK_INT(t, w.nreq, 4);
	REQUIRE_INT(t, w.nwaits, 3);
	CHECK_INT(t, w.waits[0], 50000);
	CHECK_INT(t, w.waits[1], 60000); /* 75 s, capped */
	CHECK_INT(t, w.waits[2], 60000);
	/* no wait at all with interval 0 */
	walk_reset();
	w.max_attempts = 1;
	add(STATUS("503 Service Unavailable"));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	CHECK_INT(t, w.r.stats.retries, 1);
	CHECK_INT(t, w.r.stats.waited_ms, 0);
	CHECK_INT(t, w.nwaits, 0);
}

static void
a_client_error_skips_the_reference_at_once(struct th *t)
{
	walk_reset();
	w.max_attempts = 5;
	w.refs[1] = "v2";
	w.nrefs = 2;
	add(STATUS("404 Not Found"));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	CHECK_STR(t, w.res.ref, "v2");
	CHECK_INT(t, w.nreq, 2);
	CHECK_INT(t, w.nwaits, 0);
	CHECK_STR(t, w.req[1], "GET /v2/tl/x/manifests/v2 HTTP/1.1");
}

/* ------------------------------------------------------------ the bodies */

static void
a_body_that_does_not_hash_to_its_digest_stops_the_run(struct th *t)
{
	walk_reset();
	w.refs[0] = "sha256:" OTHER_HEX; /* a digest reference */
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), -1);
	CHECK(t, strstr(w.err.msg, "manifest fetched by sha256:" OTHER_HEX " hashes to sha256:")
	    == w.err.msg);
	CHECK_STR(t, w.req[0], "GET /v2/tl/x/manifests/sha256:" OTHER_HEX " HTTP/1.1");
}

static void
a_manifest_that_hashes_to_the_wanted_digest_matches_by_manifest(struct th *t)
{
	static const char cfg[] = "dededededededededededededededededededededededededededededededede";
	char hm[65], want[80], got[DIGEST_STR_SIZE];

	sha_hex(manifest_body(0, cfg), hm);
	snprintf(want, sizeof(want), "sha256:%s", hm);
	walk_reset();
	w.want = want;
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, cfg)));
	CHECK_INT(t, walk_run(), 0);
	CHECK_INT(t, w.res.how, REGISTRY_MATCH_MANIFEST);
	digest_format(&w.res.manifest, got);
	CHECK_STR(t, got, want);
	digest_format(&w.res.config, got);
	CHECK_STR(t, got, "sha256:" "dededededededededededededededededededededededededededededededede");
	CHECK_STR(t, registry_match_name(REGISTRY_MATCH_CONFIG), "config digest");
	CHECK_STR(t, registry_match_name(REGISTRY_MATCH_MANIFEST), "manifest digest");
	/* neither its config nor its hash: skipped, and no failure to report */
	walk_reset();
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, cfg)));
	CHECK_INT(t, walk_run(), -1);
	CHECK_STR(t, w.err.msg, "Image hash not found among tags");
}

static void
malformed_indexes_and_manifests_stop_the_run(struct th *t)
{
	static const struct { const char *ct, *body, *want; } cases[] = {
		{ MT_LIST, "{\"schemaVersion\":2,\"mediaType\":\"" MT_LIST "\"}",
		    "index has no \"manifests\" array" },
		{ MT_LIST, "{\"schemaVersion\":2,\"mediaType\":\"" MT_LIST "\",\"manifests\":[1]}",
		    "manifest v1: index entry 0 is not an object" },
		{ MT_LIST, "{\"schemaVersion\":2,\"mediaType\":\"" MT_LIST "\",\"manifests\":"
		    "[{\"size\":1,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}",
		    "manifest v1: index entry 0: no digest" },
		{ MT_MANIFEST, "{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST "\",\"layers\":[]}",
		    "manifest v1: no config.digest" },
		{ MT_MANIFEST, "{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST "\","
		    "\"config\":{\"size\":1},\"layers\":[]}", "manifest v1: no config.digest" },
	};
	size_t k;

	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		walk_reset();
		add(mk("200 OK", cases[k].ct, "", cases[k].body));
		CHECK_INT(t, walk_run(), -1);
		if (strstr(w.err.msg, cases[k].want) != w.err.msg)
			CHECK_STR(t, w.err.msg, cases[k].want);
	}
}

static void
other_platforms_are_passed_over_and_the_amd64_entry_fetched_by_digest(struct th *t)
{
	char hm[65], *list;
	size_t cap = 2048;

	sha_hex(manifest_body(0, WANT_HEX), hm);
	list = malloc(cap);
	REQUIRE(t, list != NULL);
	snprintf(list, cap, "{\"schemaVersion\":2,\"mediaType\":\"" MT_LIST "\",\"manifests\":["
	    "{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":\"sha256:" OTHER_HEX "\",\"size\":1,"
	    "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\"}},"
	    "{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":\"sha256:" OTHER_HEX "\",\"size\":1},"
	    "{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":\"sha256:" OTHER_HEX "\",\"size\":1,"
	    "\"platform\":{\"os\":\"linux\"}},"
	    "{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":\"sha256:%s\",\"size\":1,"
	    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}", hm);
	walk_reset();
	add(mk_owned_body("200 OK", MT_LIST, list));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	CHECK_INT(t, w.nreq, 2);
	CHECK(t, strstr(w.req[1], hm) != NULL);
	CHECK(t, strstr(w.res.ref, hm) != NULL);
	CHECK_INT(t, w.res.how, REGISTRY_MATCH_CONFIG);
}

static void
docker_hub_names_are_asked_of_registry_1(struct th *t)
{
	walk_reset();
	w.registry = "docker.io";
	w.image_name = "ubuntu";
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	CHECK_STR(t, w.host, "registry-1.docker.io");
	CHECK_STR(t, w.req[0], "GET /v2/library/ubuntu/manifests/v1 HTTP/1.1");
	walk_reset();
	w.registry = "index.docker.io";
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	CHECK_STR(t, w.host, "registry-1.docker.io");
}

static void
a_token_answer_without_a_usable_token_or_challenge_stops_the_run(struct th *t)
{
	static const char *const bodies[] = { "{}", "{\"token\":\"\",\"access_token\":\"\"}",
		"{\"token\":7}" };
	size_t k;

	for (k = 0; k < sizeof(bodies) / sizeof(bodies[0]); k++) {
		walk_reset();
		add(CHALLENGE);
		add(mk("200 OK", "application/json", "", bodies[k]));
		CHECK_INT(t, walk_run(), -1);
		CHECK_STR(t, w.err.msg, "registry auth failed: token response has no usable "
		    "\"token\" or \"access_token\"");
	}
	/* a 401 that names no way to authenticate */
	walk_reset();
	add(STATUS("401 Unauthorized"));
	CHECK_INT(t, walk_run(), -1);
	CHECK(t, strstr(w.err.msg, "registry auth failed: ") == w.err.msg);
	CHECK_INT(t, w.nreq, 1);
	/* a token server that does not speak HTTP: not retried */
	walk_reset();
	w.max_attempts = 3;
	add(CHALLENGE);
	add("SSH-2.0-OpenSSH\r\n\r\n");
	CHECK_INT(t, walk_run(), -1);
	CHECK(t, strstr(w.err.msg, "registry auth failed: GET https://auth.test/token: ") == w.err.msg);
	CHECK(t, strstr(w.err.msg, "scope") == NULL); /* the query is never quoted */
	CHECK_INT(t, w.nreq, 2);
	CHECK_INT(t, w.nwaits, 0);
}

static void
service_names_are_percent_encoded_except_unreserved_characters(struct th *t)
{
	walk_reset();
	add(CHALLENGE_REALM("https://auth.test/t", ",service=\"AZaz09-._~/:+\""));
	add(mk("200 OK", "application/json", "", "{\"token\":\"tk\"}"));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	CHECK_STR(t, w.req[1], "GET /t?service=AZaz09-._~%2F%3A%2B&scope=repository%3Atl%2Fx%3Apull HTTP/1.1");
}

static void
a_retry_after_that_is_not_seconds_falls_back_to_the_backoff(struct th *t)
{
	walk_reset();
	w.max_attempts = 2;
	w.interval_secs = 3;
	add(mk("429 Too Many Requests", NULL, "Retry-After: soon\r\n", ""));
	add(mk("429 Too Many Requests", NULL, "Retry-After: \r\n", ""));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	REQUIRE_INT(t, w.nwaits, 2);
	CHECK_INT(t, w.waits[0], 3000);
	CHECK_INT(t, w.waits[1], 4500);
}

/* SPEC §5.3: an interval above 60 s is waited once, then 60 s; huge values
 * saturate instead of wrapping around to a short wait. */
static void
huge_intervals_and_timeouts_saturate(struct th *t)
{
	walk_reset();
	w.max_attempts = 2;
	w.interval_secs = UINT64_MAX / 100;
	add(STATUS("503 Service Unavailable"));
	add(STATUS("503 Service Unavailable"));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	REQUIRE_INT(t, w.nwaits, 2);
	CHECK(t, w.waits[0] == UINT64_MAX);
	CHECK_INT(t, w.waits[1], 60000);
	walk_reset();
	w.max_attempts = 1;
	w.interval_secs = 100;
	w.timeout_secs = UINT64_MAX;
	add(STATUS("503 Service Unavailable"));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	REQUIRE_INT(t, w.nwaits, 1);
	CHECK_INT(t, w.waits[0], 100000);
}

static void
without_a_sleeper_the_wait_is_real(struct th *t)
{
	struct timespec a, b;
	long long ms;

	walk_reset();
	w.max_attempts = 1;
	w.interval_secs = 1;
	w.no_sleeper = 1;
	add(STATUS("503 Service Unavailable"));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	clock_gettime(CLOCK_MONOTONIC, &a);
	CHECK_INT(t, walk_run(), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000LL + (b.tv_nsec - a.tv_nsec) / 1000000;
	CHECK(t, ms >= 1000);
	CHECK_INT(t, w.r.stats.waited_ms, 1000);
}

static void
the_content_digest_header_must_name_the_body(struct th *t)
{
	char hm[65], hdr[128];

	sha_hex(manifest_body(0, WANT_HEX), hm);
	snprintf(hdr, sizeof(hdr), "Docker-Content-Digest: sha256:%s\r\n", hm);
	walk_reset();
	add(mk("200 OK", MT_MANIFEST, hdr, manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	walk_reset();
	add(mk("200 OK", MT_MANIFEST, "Docker-Content-Digest: sha256:" OTHER_HEX "\r\n",
	    manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), -1);
	CHECK(t, strstr(w.err.msg, "Docker-Content-Digest header sha256:" OTHER_HEX
	    " disagrees with the body's sha256 sha256:") == w.err.msg);
	walk_reset();
	add(mk("200 OK", MT_MANIFEST, "Docker-Content-Digest: md5:00\r\n",
	    manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), -1);
	CHECK(t, strstr(w.err.msg, "Docker-Content-Digest header: ") == w.err.msg);
}

static void
an_oci_index_is_walked_and_only_linux_amd64_taken(struct th *t)
{
	char hm[65], *list;
	size_t cap = 2048;

	sha_hex(manifest_body(0, WANT_HEX), hm);
	list = malloc(cap);
	REQUIRE(t, list != NULL);
	snprintf(list, cap, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image."
	    "index.v1+json\",\"manifests\":["
	    "{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":\"sha256:" OTHER_HEX "\",\"size\":1,"
	    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"windows\"}},"
	    "{\"mediaType\":\"" MT_MANIFEST "\",\"digest\":\"sha256:%s\",\"size\":1,"
	    "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}", hm);
	walk_reset();
	add(mk_owned_body("200 OK", "application/vnd.oci.image.index.v1+json", list));
	add(mk("200 OK", MT_MANIFEST, "", manifest_body(0, WANT_HEX)));
	CHECK_INT(t, walk_run(), 0);
	CHECK_INT(t, w.nreq, 2);
	CHECK(t, strstr(w.req[1], hm) != NULL);
	/* a malformed digest in a linux/amd64 entry fails the document */
	walk_reset();
	add(mk("200 OK", MT_LIST, "", "{\"schemaVersion\":2,\"mediaType\":\"" MT_LIST "\","
	    "\"manifests\":[{\"digest\":\"sha256:12\",\"platform\":{\"architecture\":\"amd64\","
	    "\"os\":\"linux\"}}]}"));
	CHECK_INT(t, walk_run(), -1);
	CHECK(t, strstr(w.err.msg, "manifest v1: index entry 0: ") == w.err.msg);
}

static void
arrays_that_are_no_descriptor_list_are_passed_over(struct th *t)
{
	static const char body[] = "{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST "\","
	    "\"config\":{\"mediaType\":\"x\",\"digest\":\"sha256:" WANT_HEX "\",\"size\":1},"
	    "\"layers\":[{\"mediaType\":\"l\",\"digest\":\"sha256:" OTHER_HEX "\",\"size\":2}],"
	    "\"platforms\":[1],\"abcdef\":[\"x\"],\"extra\":[{}]}";

	walk_reset();
	add(mk("200 OK", MT_MANIFEST, "", body));
	CHECK_INT(t, walk_run(), 0);
	CHECK_INT(t, w.res.how, REGISTRY_MATCH_CONFIG);
	CHECK_INT(t, w.nreq, 1);
	/* a layer descriptor is checked like every descriptor */
	walk_reset();
	add(mk("200 OK", MT_MANIFEST, "", "{\"schemaVersion\":2,\"mediaType\":\"" MT_MANIFEST
	    "\",\"config\":{\"digest\":\"sha256:" WANT_HEX "\"},\"layers\":[{\"Digest\":\"x\"}]}"));
	CHECK_INT(t, walk_run(), -1);
	CHECK(t, strstr(w.err.msg, "Digest") != NULL);
}

void
suite_registry_walk(struct th *t)
{
	th_run(t, "registry: a mediaType the Content-Type contradicts is refused, neither quoted",
	    a_media_type_the_content_type_contradicts_is_refused_unquoted);
	th_run(t, "registry: a generic or parameterised Content-Type defers to the body",
	    a_generic_or_parameterised_content_type_defers_to_the_body);
	th_run(t, "registry: a token longer than 8192 bytes is refused",
	    a_token_longer_than_the_limit_is_refused);
	th_run(t, "registry: a token is visible ASCII, and access_token stands in for an empty one",
	    a_token_is_visible_ascii_and_access_token_stands_in_for_an_empty_one);
	th_run(t, "registry: the token request names service and scope, encoded",
	    the_token_request_names_service_and_scope_encoded);
	th_run(t, "registry: a token realm that is not https is refused",
	    a_token_realm_that_is_not_https_is_refused);
	th_run(t, "registry: token server errors are fatal below 500 and retried above",
	    token_server_errors_are_fatal_below_500_and_retried_above);
	th_run(t, "registry: more than 64 image_tags, or a bad one, are refused before any request",
	    more_than_64_image_tags_or_a_bad_one_are_refused_before_any_request);
	th_run(t, "registry: an index may queue 63 manifests after one tag, not 64",
	    an_index_may_queue_63_manifests_after_one_tag_but_not_64);
	th_run(t, "registry: more than 256 manifest requests stop the run",
	    more_than_256_manifest_requests_stop_the_run);
	th_run(t, "registry: a repeated entry is fetched once and nesting stops at depth 2",
	    a_repeated_entry_is_fetched_once_and_nesting_stops_at_depth_2);
	th_run(t, "registry: a 429 waits its Retry-After, up to 60 s",
	    a_429_waits_its_retry_after_up_to_60_s);
	th_run(t, "registry: server errors are retried until the attempts run out",
	    server_errors_are_retried_until_the_attempts_run_out);
	th_run(t, "registry: a client error skips the reference at once",
	    a_client_error_skips_the_reference_at_once);
	th_run(t, "registry: a body that does not hash to its digest stops the run",
	    a_body_that_does_not_hash_to_its_digest_stops_the_run);
	th_run(t, "registry: a manifest that hashes to the selected digest matches by manifest",
	    a_manifest_that_hashes_to_the_wanted_digest_matches_by_manifest);
	th_run(t, "registry: malformed indexes and manifests stop the run",
	    malformed_indexes_and_manifests_stop_the_run);
	th_run(t, "registry: other platforms are passed over, the amd64 entry fetched by digest",
	    other_platforms_are_passed_over_and_the_amd64_entry_fetched_by_digest);
	th_run(t, "registry: Docker Hub names are asked of registry-1.docker.io",
	    docker_hub_names_are_asked_of_registry_1);
	th_run(t, "registry: a token answer without a usable token, or a 401 without a challenge, stops the run",
	    a_token_answer_without_a_usable_token_or_challenge_stops_the_run);
	th_run(t, "registry: service names are percent-encoded except unreserved characters",
	    service_names_are_percent_encoded_except_unreserved_characters);
	th_run(t, "registry: a Retry-After that is not seconds falls back to the backoff",
	    a_retry_after_that_is_not_seconds_falls_back_to_the_backoff);
	th_run(t, "registry: huge intervals and timeouts saturate",
	    huge_intervals_and_timeouts_saturate);
	th_run(t, "registry: without a sleeper the wait is real", without_a_sleeper_the_wait_is_real);
	th_run(t, "registry: the Docker-Content-Digest header must name the body",
	    the_content_digest_header_must_name_the_body);
	th_run(t, "registry: an OCI index is walked and only linux/amd64 taken",
	    an_oci_index_is_walked_and_only_linux_amd64_taken);
	th_run(t, "registry: arrays that are no descriptor list are passed over",
	    arrays_that_are_no_descriptor_list_are_passed_over);
}
