/*
 * libFuzzer harness for the whole registry resolution: registry_resolve()
 * over the real HTTP client, whose sockets and TLS are replaced by the
 * test transport (struct http_transport) serving the fuzz input.
 *
 * Input: one settings byte, 32 bytes of the wanted digest, then raw HTTP
 * responses separated by FUZZ_SEP.  Each request written gets the next
 * response (401 challenge, token JSON, index, manifest, 5xx, 429,
 * redirect …); reads end at the response's last byte (the server closes).
 * A response "!C" refuses the connection and "!T" times out instead.
 * Settings bits: 0-1 which image_tags, 2 retries, 3-4 registry host,
 * 5 serve one to seven bytes per read, 6 want the sha256 of the first
 * response body instead (manifest and index approvals become reachable).
 *
 * Properties checked on every input, beyond "no sanitizer report":
 *   - a match names a manifest digest that is the sha256 of a body some
 *     response carried (never a header's or an index's claim), and the
 *     wanted digest is its config digest or that manifest digest, as the
 *     match kind says;
 *   - requests are bounded (REGISTRY_MAX_REQUESTS, one token request per
 *     401, HTTP_MAX_REDIRECTS per request);
 *   - the bearer token never appears in the error message;
 *   - Go reads the documents we accepted as we read them (tests/fuzz/
 *     gomodel.h, an independent model of encoding/json's key matching:
 *     case-insensitive, last key wins): the matched manifest's
 *     config.digest is the config digest we report, and a manifest reached
 *     through an index is a linux/amd64 entry of a served index as Go
 *     reads it.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bearssl.h>
#include <sanitizer/common_interface_defs.h>

#include "gomodel.h"
#include "http.h"
#include "json.h"
#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_SEP "\n=~=\n"
#define FUZZ_SEP_LEN (sizeof(FUZZ_SEP) - 1)
/* Responses served per input; later ones are never read. */
#define FUZZ_MAX_SEGMENTS 256
/* Writes per run: manifests and tokens, each with its redirects, each
 * possibly retried once on a stale kept-alive connection. */
#define FUZZ_MAX_WRITES ((REGISTRY_MAX_REQUESTS + 1) * 2 * \
	(HTTP_MAX_REDIRECTS + 1) * 2)

struct seg {
	const uint8_t *p;
	size_t len;
};

struct feed {
	struct seg segs[FUZZ_MAX_SEGMENTS];
	size_t nsegs, next; /* next: the segment the next write gets */
	struct seg cur;
	size_t off;
	int drip;
	unsigned writes;
	struct digest bodies[FUZZ_MAX_SEGMENTS];
	int has_body[FUZZ_MAX_SEGMENTS];
};

/* The launcher logs every retry on fd 2; while the registry runs, fd 2
 * is /dev/null and the sanitizers report on a copy of the real stderr. */
static int real_stderr = 2, dev_null = -1, verbose;

static void
fuzz_assert(int ok, const char *what)
{
	if (!ok) {
		dup2(real_stderr, 2);
		fprintf(stderr, "fuzz_registry: property violated: %s\n", what);
		abort();
	}
}

static void
sha256(const void *p, size_t n, struct digest *d)
{
	br_sha256_context c;

	br_sha256_init(&c);
	br_sha256_update(&c, p, n);
	br_sha256_out(&c, d->b);
}

/* The body the client reads from s, framed as http.c frames it (a
 * chunked one decoded into a static buffer, valid until the next call). */
static int
segment_body_bytes(struct seg s, const uint8_t **body, size_t *len)
{
	static char copy[1 << 20];
	struct http_response_head h;
	struct http_chunked_decoder dec;
	struct errbuf err;
	size_t n;
	int rc = http_response_parse_head((const char *)s.p, s.len, 0, &h, &err);

	if (rc <= 0)
		return 0;
	s.p += rc;
	s.len -= (size_t)rc;
	switch (h.body_kind) {
	case HTTP_BODY_NONE:
		s.len = 0;
		break;
	case HTTP_BODY_LENGTH:
		if (h.content_length > s.len)
			return 0;
		s.len = (size_t)h.content_length;
		break;
	case HTTP_BODY_CHUNKED:
		if (s.len > sizeof(copy))
			return 0;
		memcpy(copy, s.p, s.len);
		n = s.len;
		http_chunked_init(&dec);
		if (http_chunked_decode(&dec, copy, &n, &err) < 0)
			return 0;
		s.p = (const uint8_t *)copy;
		s.len = n;
		break;
	case HTTP_BODY_CLOSE:
		break;
	}
	*body = s.p;
	*len = s.len;
	return 1;
}

static int
segment_body(struct seg s, struct digest *d)
{
	const uint8_t *b;
	size_t n;

	if (!segment_body_bytes(s, &b, &n))
		return 0;
	sha256(b, n, d);
	return 1;
}

static void
feed_split(struct feed *f, const uint8_t *p, size_t n)
{
	const uint8_t *end = p + n, *q;

	while (f->nsegs < FUZZ_MAX_SEGMENTS) {
		q = memmem(p, (size_t)(end - p), FUZZ_SEP, FUZZ_SEP_LEN);
		f->segs[f->nsegs].p = p;
		f->segs[f->nsegs].len = (size_t)((q != NULL ? q : end) - p);
		f->has_body[f->nsegs] = segment_body(f->segs[f->nsegs],
		    &f->bodies[f->nsegs]);
		f->nsegs++;
		if (q == NULL)
			break;
		p = q + FUZZ_SEP_LEN;
	}
}

static int
seg_is(const struct seg *s, const char *word)
{
	return s->len == strlen(word) && memcmp(s->p, word, s->len) == 0;
}

static int
t_open(void *ctx, const char *host, uint16_t port, int https)
{
	struct feed *f = ctx;

	(void)host, (void)port, (void)https;
	if (f->next >= f->nsegs)
		return NET_ERR_CONNECT; /* nothing left to say */
	if (seg_is(&f->segs[f->next], "!C")) {
		f->next++;
		return NET_ERR_CONNECT;
	}
	if (seg_is(&f->segs[f->next], "!T")) {
		f->next++;
		return NET_ERR_TIMEOUT;
	}
	return NET_OK;
}

static int
t_write(void *ctx, const void *buf, size_t len)
{
	struct feed *f = ctx;

	(void)buf, (void)len;
	f->writes++;
	fuzz_assert(f->writes <= FUZZ_MAX_WRITES, "requests are bounded");
	f->off = 0;
	f->cur.len = 0;
	if (f->next < f->nsegs)
		f->cur = f->segs[f->next++];
	return NET_OK;
}

static int
t_read(void *ctx, void *buf, size_t cap, size_t *got)
{
	struct feed *f = ctx;
	size_t n = f->cur.len - f->off;

	*got = 0;
	if (n == 0)
		return NET_EOF;
	if (f->drip && n > 1 + f->off % 7)
		n = 1 + f->off % 7;
	if (n > cap)
		n = cap;
	memcpy(buf, f->cur.p + f->off, n);
	f->off += n;
	*got = n;
	return NET_OK;
}

static void
no_sleep(void *ctx, uint64_t ms)
{
	(void)ctx, (void)ms;
}

static uint64_t
clock_zero(void *ctx)
{
	(void)ctx;
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	/* FUZZ_REGISTRY_VERBOSE=1: keep the logs and print each outcome. */
	verbose = getenv("FUZZ_REGISTRY_VERBOSE") != NULL;
	real_stderr = dup(2);
	dev_null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (real_stderr < 0 || dev_null < 0)
		abort();
	__sanitizer_set_report_fd((void *)(intptr_t)real_stderr);
	return 0;
}

static const char *const tag_sets[4][3] = {
	{ "latest", NULL, NULL },
	{ "v1.2.3", "latest", NULL },
	{ "sha256:0000000000000000000000000000000000000000000000000000000000000000",
	    "latest", NULL },
	{ "a", "b", "c" },
};
static const char *const hosts[4] = {
	"registry.test", "docker.io", "localhost:5000", "[::1]:443"
};

static void
check_result(const struct feed *f, const struct registry_result *res,
    const struct digest *want)
{
	size_t i;
	int served = 0;

	for (i = 0; i < f->nsegs; i++)
		served |= f->has_body[i] && digest_equal(&f->bodies[i], &res->manifest);
	fuzz_assert(served, "the manifest digest is the sha256 of a served body");
	if (res->how == REGISTRY_MATCH_CONFIG)
		fuzz_assert(digest_equal(&res->config, want), "config match is the wanted digest");
	else if (res->how == REGISTRY_MATCH_MANIFEST)
		fuzz_assert(digest_equal(&res->manifest, want), "manifest match is the wanted digest");
	else {
		for (i = 0, served = 0; i < f->nsegs; i++)
			served |= f->has_body[i] && digest_equal(&f->bodies[i], &res->pull);
		fuzz_assert(served && digest_equal(&res->pull, want),
		    "an index match pulls the wanted digest, a served body");
	}
	if (res->how != REGISTRY_MATCH_INDEX)
		fuzz_assert(digest_equal(&res->pull, &res->manifest), "the manifest is pulled");
}

/* Segment i's body parsed (byte-exact keys, no fold rule: the model does
 * the reading) into a fresh arena the caller frees; NULL if it is no JSON. */
static void *
parse_segment(const struct feed *f, size_t i, struct json_value *root)
{
	const uint8_t *b;
	size_t n;
	void *mem;
	struct arena a;
	struct errbuf err;

	if (!f->has_body[i] || !segment_body_bytes(f->segs[i], &b, &n) ||
	    n > JSON_MAX_INPUT || (mem = malloc(JSON_ARENA_BOUND(n))) == NULL)
		return NULL;
	arena_init(&a, mem, JSON_ARENA_BOUND(n));
	if (json_parse((const char *)b, n, &a, root, &err) != 0) {
		free(mem);
		return NULL;
	}
	return mem;
}

/* Whether Go reads index root as listing ref for linux/amd64. */
static int
model_lists(const struct json_value *root, const char *ref)
{
	const struct json_value *m = gomodel_field(root, "manifests");
	size_t i;

	for (i = 0; m != NULL && m->type == JSON_ARRAY && i < m->u.arr.n; i++) {
		const struct json_value *e = &m->u.arr.items[i];
		const struct json_value *p = gomodel_field(e, "platform");
		const char *os = gomodel_string(p, "os");
		const char *arch = gomodel_string(p, "architecture");
		const char *d = gomodel_string(e, "digest");

		if (os != NULL && arch != NULL && d != NULL && strcmp(os, "linux") == 0 &&
		    strcmp(arch, "amd64") == 0 && strcmp(d, ref) == 0)
			return 1;
	}
	return 0;
}

static int
is_configured_ref(const char *const *refs, const char *ref)
{
	size_t i;

	for (i = 0; i < 3 && refs[i] != NULL; i++)
		if (strcmp(refs[i], ref) == 0)
			return 1;
	return 0;
}

/* The Go model reads the matched manifest, and the index that led to it,
 * as we did. */
static void
check_model(const struct feed *f, const struct registry_result *res,
    const char *const *refs)
{
	char want[DIGEST_STR_SIZE];
	struct json_value root;
	const char *cd;
	size_t i;
	void *mem;
	int found = 0;

	for (i = 0; i < f->nsegs && !found; i++) {
		if (!f->has_body[i] || !digest_equal(&f->bodies[i], &res->manifest) ||
		    (mem = parse_segment(f, i, &root)) == NULL)
			continue;
		cd = gomodel_string(gomodel_field(&root, "config"), "digest");
		digest_format(&res->config, want);
		fuzz_assert(cd != NULL && strcmp(cd, want) == 0,
		    "Go reads the config digest we matched");
		free(mem);
		found = 1;
	}
	fuzz_assert(found, "the matched manifest parses");
	if (is_configured_ref(refs, res->ref))
		return;
	for (i = 0, found = 0; i < f->nsegs && !found; i++) {
		if ((mem = parse_segment(f, i, &root)) == NULL)
			continue;
		found = model_lists(&root, res->ref);
		free(mem);
	}
	fuzz_assert(found, "Go reads a served index as listing the manifest we followed");
}

/* Whether a and b share a run of at least min bytes. */
static int
shares_run(const char *a, const char *b, size_t min)
{
	size_t na = strlen(a), nb = strlen(b), i, j;

	for (i = 0; i + min <= na; i++)
		for (j = 0; j + min <= nb; j++)
			if (memcmp(a + i, b + j, min) == 0)
				return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct feed f;
	static struct http_client http;
	static struct tls_anchors anchors; /* never used: no TLS here */
	static const struct net_clock clk = { clock_zero, NULL };
	static const struct registry_sleeper sleeper = { no_sleep, NULL };
	struct http_transport tp = { t_open, t_read, t_write, &f };
	struct http_client_config hc = { &anchors, &clk, NULL, NULL, 0, &tp };
	static struct registry r;
	unsigned char *body = r.body;
	struct queue *queue = r.queue;
	struct registry_config rc;
	struct registry_result res;
	struct digest want;
	struct errbuf err;
	size_t nrefs;
	int ok;

	if (size < 1 + sizeof(want.b))
		return 0;
	memset(&f, 0, sizeof(f));
	f.drip = (data[0] >> 5) & 1;
	memcpy(want.b, data + 1, sizeof(want.b));
	feed_split(&f, data + 1 + sizeof(want.b), size - 1 - sizeof(want.b));
	for (nrefs = 0; (data[0] >> 6) & 1 && nrefs < f.nsegs; nrefs++)
		if (f.has_body[nrefs]) {
			want = f.bodies[nrefs];
			break;
		}

	memset(&rc, 0, sizeof(rc));
	rc.registry = hosts[(data[0] >> 3) & 3];
	rc.image_name = "acme/node";
	rc.refs = tag_sets[data[0] & 3];
	for (nrefs = 0; nrefs < 3 && rc.refs[nrefs] != NULL; nrefs++)
		;
	rc.nrefs = nrefs;
	rc.timeout_secs = 5;
	rc.interval_secs = 1;
	rc.max_attempts = (data[0] >> 2) & 1 ? 2 : 0;

	fuzz_assert(http_client_init(&http, &hc, &err) == 0, "client init");
	/* registry_init once: a fresh 4 MiB manifest buffer per run would
	 * cost more than the run.  Later runs reset it as registry_init does,
	 * keeping its two allocations (manifest buffer, reference queue). */
	if (body == NULL) {
		fuzz_assert(registry_init(&r, &http, &sleeper, &err) == 0, "registry init");
	} else {
		memset(&r, 0, sizeof(r));
		r.http = &http;
		r.sleeper = &sleeper;
		r.body = body;
		r.queue = queue;
	}
	err.msg[0] = '\0';
	if (!verbose)
		dup2(dev_null, 2);
	ok = registry_resolve(&r, &rc, &want, &res, &err) == 0;
	dup2(real_stderr, 2);
	if (verbose)
		fprintf(stderr, "fuzz_registry: %s %s; %u writes, %u manifest and "
		    "%u token requests\n", ok ? "match by" : "error:",
		    ok ? registry_match_name(res.how) : err.msg, f.writes,
		    r.stats.manifest_requests, r.stats.token_requests);
	if (ok) {
		check_result(&f, &res, &want);
		check_model(&f, &res, rc.refs);
	}
	fuzz_assert(r.stats.manifest_requests <= REGISTRY_MAX_REQUESTS,
	    "manifest requests are bounded");
	fuzz_assert(r.stats.token_requests <= r.stats.manifest_requests,
	    "one token request per 401 at most");
	if (!ok)
		fuzz_assert(!shares_run(err.msg, r.token, ERRBUF_REDACT_MIN),
		    "no 8-byte piece of the token is in the error");
	http_client_close(&http);
	return 0;
}
