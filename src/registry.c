#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bearssl.h>

#include "arena.h"
#include "fmt.h"
#include "json.h"
#include "log.h"
#include "names.h"
#include "registry.h"
#include "www_auth.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

/* Every type we can read, so no registry downgrades or rewrites. */
static const char accept_value[] =
    MT_OCI_INDEX ", " MT_DOCKER_LIST ", " MT_OCI_MANIFEST ", " MT_DOCKER_MANIFEST;

/* The token response is read into the manifest buffer. */
_Static_assert(REGISTRY_TOKEN_BODY_MAX <= REGISTRY_MANIFEST_MAX,
    "token body must fit the manifest buffer");

enum kind { KIND_INDEX, KIND_MANIFEST };

struct item {
	char ref[REGISTRY_REF_MAX + 1];
	int depth; /* 0: an image_tags entry; n: queued by an index at n-1 */
	int by_digest;
	struct digest digest; /* valid when by_digest */
};

struct queue {
	struct item items[REGISTRY_QUEUE_MAX];
	size_t head, tail; /* [head, tail) */
	struct digest seen[REGISTRY_QUEUE_MAX];
	size_t nseen;
};

/* A header we compare: a value too long for the buffer is still there. */
enum header { HEADER_ABSENT, HEADER_PRESENT, HEADER_TOO_LONG };

/* Where one run is: config, endpoint and the current request. */
struct run {
	struct registry *r;
	const struct registry_config *cfg;
	const struct digest *want;
	char host[REFERENCE_REGISTRY_MAX + 1]; /* API host[:port] */
	char name[REFERENCE_API_NAME_SIZE];     /* API repository path */
	char url[HTTP_URL_MAX];
	size_t body_len;
	struct digest body_digest;
	char content_type[128];
	char header_digest[DIGEST_STR_SIZE + 8];
	enum header has_header_digest;
	int status;
	uint64_t retry_after_ms; /* from a 429, or UINT64_MAX */
	int via_index;           /* an index hashing to want was fetched */
	struct digest index;     /* ... this one: what is pulled */
	char last_skip[REGISTRY_SKIP_SHOWN + 4]; /* why the last reference was skipped */
};

enum fetch { FETCH_OK, FETCH_SKIP, FETCH_FATAL };


/* ---- helpers */

static void
default_sleep(void *ctx, uint64_t ms)
{
	struct timespec ts, rem;

	(void)ctx;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &rem) != 0 && errno == EINTR)
		ts = rem;
}

static void
do_sleep(struct registry *r, uint64_t ms)
{
	r->stats.retries++;
	r->stats.waited_ms += ms;
	if (ms == 0)
		return;
	if (r->sleeper != NULL)
		r->sleeper->sleep_ms(r->sleeper->ctx, ms);
	else
		default_sleep(NULL, ms);
}

static void
sha256(const void *data, size_t len, struct digest *d)
{
	br_sha256_context c;

	br_sha256_init(&c);
	br_sha256_update(&c, data, len);
	br_sha256_out(&c, d->b);
}

/* Appends s percent-encoded (RFC 3986 unreserved kept) to out. */
static int
pct_append(char *out, size_t cap, size_t *len, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
		if (*len + 4 > cap)
			return -1;
		if (keep) {
			out[(*len)++] = (char)c;
		} else {
			out[(*len)++] = '%';
			out[(*len)++] = hex[c >> 4];
			out[(*len)++] = hex[c & 15];
		}
	}
	out[*len] = '\0';
	return 0;
}

static uint64_t
secs_to_ms(uint64_t s)
{
	return s > UINT64_MAX / 1000 ? UINT64_MAX : s * 1000;
}

static unsigned
timeout_ms(const struct registry_config *cfg)
{
	uint64_t ms = secs_to_ms(cfg->timeout_secs);

	return ms > 0xffffffffu ? 0xffffffffu : (unsigned)ms;
}

/* Copies a header value into out as a C string; out is "" unless present. */
static enum header
header_copy(const struct http_response_head *h, const char *name, char *out,
    size_t cap)
{
	const struct http_header *f = http_header_find(h, name);

	out[0] = '\0';
	if (f == NULL)
		return HEADER_ABSENT;
	if (f->value_len >= cap)
		return HEADER_TOO_LONG;
	memcpy(out, f->value, f->value_len);
	out[f->value_len] = '\0';
	return HEADER_PRESENT;
}

/* ---- auth */

/* A token goes into a header: visible ASCII without spaces only. */
static int
token_ok(const char *t)
{
	size_t n = 0;

	for (; t[n]; n++)
		if ((unsigned char)t[n] <= 0x20 || (unsigned char)t[n] >= 0x7f)
			return 0;
	return n > 0 && n <= REGISTRY_TOKEN_MAX;
}

/* Appends raw (already URL-safe) text. */
static int
raw_append(char *out, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > cap)
		return -1;
	memcpy(out + *len, s, n + 1);
	*len += n;
	return 0;
}

/* realm?service=<service>&scope=repository:<name>:pull, each value encoded. */
static int
token_url(struct run *u, const struct www_auth_bearer *b, char *out, size_t cap,
    struct errbuf *err)
{
	char scope[REFERENCE_API_NAME_SIZE + 32];
	size_t len = 0;
	int bad;

	if (strncmp(b->realm, "https://", 8) != 0) {
		errbuf_set(err, "token realm is not an https:// URL");
		return -1;
	}
	fmt_snprintf(scope, sizeof(scope), "repository:%s:pull", u->name);
	bad = raw_append(out, cap, &len, b->realm) ||
	    raw_append(out, cap, &len, strchr(b->realm, '?') != NULL ? "&" : "?");
	if (!bad && b->has_service)
		bad = raw_append(out, cap, &len, "service=") ||
		    pct_append(out, cap, &len, b->service) ||
		    raw_append(out, cap, &len, "&");
	if (!bad)
		bad = raw_append(out, cap, &len, "scope=") ||
		    pct_append(out, cap, &len, scope);
	if (bad) {
		errbuf_set(err, "token URL too long");
		return -1;
	}
	return 0;
}

static int
token_parse(struct registry *r, const char *body, size_t len, struct errbuf *err)
{
	struct arena a;
	struct json_value root;
	const char *t;
	void *mem;
	int rc = -1;

	mem = malloc(JSON_ARENA_BOUND(len));
	if (mem == NULL) {
		errbuf_set(err, "token response: out of memory");
		return -1;
	}
	arena_init(&a, mem, JSON_ARENA_BOUND(len));
	if (json_parse(body, len, &a, &root, err) != 0) {
		errbuf_wrap(err, "token response");
		goto out;
	}
	t = json_get_string(&root, "token");
	if (t == NULL || t[0] == '\0')
		t = json_get_string(&root, "access_token");
	if (t == NULL || !token_ok(t)) {
		errbuf_set(err, "token response has no usable \"token\" or \"access_token\"");
		goto out;
	}
	memcpy(r->token, t, strlen(t) + 1);
	r->have_token = 1;
	rc = 0;
out:
	free(mem);
	return rc;
}

/*
 * Fetches an anonymous pull token as the 401's challenge says.  Returns
 * FETCH_OK, FETCH_SKIP (transient failure: retry the attempt) or FETCH_FATAL.
 */
static enum fetch
authenticate(struct run *u, const struct http_response_head *head,
    enum http_err *herr, struct errbuf *err)
{
	struct www_auth_bearer b;
	struct http_request rq;
	struct http_response rs;
	/* The 401's body in r->body is not needed any more: reuse the buffer. */
	char *body = (char *)u->r->body;
	char url[HTTP_URL_MAX];

	if (www_auth_bearer_from_head(head, &b, err) != 0 ||
	    token_url(u, &b, url, sizeof(url), err) != 0) {
		errbuf_wrap(err, "registry auth failed");
		return FETCH_FATAL;
	}
	memset(&rq, 0, sizeof(rq));
	rq.url = url;
	rq.timeout_ms = timeout_ms(u->cfg);
	rq.body_buf = body;
	rq.body_cap = REGISTRY_TOKEN_BODY_MAX;
	u->r->stats.token_requests++;
	*herr = http_do(u->r->http, &rq, &rs, err);
	if (*herr != HTTP_OK) {
		if (http_err_retryable(*herr, 0))
			return FETCH_SKIP;
		errbuf_wrap(err, "registry auth failed");
		return FETCH_FATAL;
	}
	if (rs.status >= 500) {
		errbuf_set(err, "token server answered HTTP %d", rs.status);
		return FETCH_SKIP;
	}
	if (rs.status < 200 || rs.status > 299) {
		errbuf_set(err, "registry auth failed: token server answered HTTP %d",
		    rs.status);
		return FETCH_FATAL;
	}
	if (token_parse(u->r, body, (size_t)rs.body_len, err) != 0) {
		errbuf_wrap(err, "registry auth failed");
		return FETCH_FATAL;
	}
	log_event(LOG_INFO, "registry token obtained", { "service", b.service });
	return FETCH_OK;
}

/* ---- one manifest request */

static int
manifest_url(struct run *u, const char *ref, struct errbuf *err)
{
	int n = fmt_snprintf(u->url, sizeof(u->url), "https://%s/v2/%s/manifests/%s",
	    u->host, u->name, ref);

	if (n < 0 || (size_t)n >= sizeof(u->url)) {
		errbuf_set(err, "manifest URL too long");
		return -1;
	}
	return 0;
}

/* Parses a delta-seconds Retry-After; HTTP-dates fall back to the backoff. */
static uint64_t
retry_after(const struct http_response_head *h)
{
	const struct http_header *f = http_header_find(h, "Retry-After");
	uint64_t v = 0;
	size_t i;

	if (f == NULL || f->value_len == 0 || f->value_len > 9)
		return UINT64_MAX;
	for (i = 0; i < f->value_len; i++) {
		if (f->value[i] < '0' || f->value[i] > '9')
			return UINT64_MAX;
		v = v * 10 + (uint64_t)(f->value[i] - '0');
	}
	v *= 1000;
	return v > REGISTRY_MAX_DELAY_MS ? REGISTRY_MAX_DELAY_MS : v;
}

/*
 * One attempt: GET the manifest (authenticating on 401).  Returns HTTP_OK
 * with u->status set, or the transport error.  *fatal is set for errors
 * that must stop the run.
 */
static enum http_err
attempt(struct run *u, int *fatal, struct errbuf *err)
{
	struct registry *r = u->r;
	struct http_field f[2];
	struct http_request rq;
	struct http_response rs;
	char authz[REGISTRY_TOKEN_MAX + 8];
	enum http_err e;
	int tries;

	*fatal = 0;
	/* Up to three exchanges: the anonymous challenge, the request with the
	 * token, and once per run the request with a renewed token after the
	 * registry refused the first (expired, or never accepted). */
	for (tries = 0; tries < 3; tries++) {
		memset(&rq, 0, sizeof(rq));
		f[0].name = "Accept";
		f[0].value = accept_value;
		rq.fields = f;
		rq.num_fields = 1;
		if (r->have_token) {
			fmt_snprintf(authz, sizeof(authz), "Bearer %s", r->token);
			f[1].name = "Authorization";
			f[1].value = authz;
			rq.num_fields = 2;
		}
		rq.url = u->url;
		rq.timeout_ms = timeout_ms(u->cfg);
		rq.body_buf = r->body;
		rq.body_cap = REGISTRY_MANIFEST_MAX;
		/* Checked per request: one attempt may send three. */
		if (r->stats.manifest_requests >= REGISTRY_MAX_REQUESTS) {
			errbuf_set(err, "more than %u manifest requests in one run",
			    REGISTRY_MAX_REQUESTS);
			*fatal = 1;
			return HTTP_OK;
		}
		r->stats.manifest_requests++;
		e = http_do(r->http, &rq, &rs, err);
		u->status = rs.status;
		u->retry_after_ms = UINT64_MAX;
		if (e != HTTP_OK)
			return e;
		if (rs.status == 401 && (!r->have_token || !r->reauthenticated)) {
			enum fetch a;

			if (r->have_token)
				r->reauthenticated = 1;
			r->have_token = 0;
			a = authenticate(u, rs.head, &e, err);
			if (a == FETCH_FATAL) {
				*fatal = 1;
				return HTTP_OK;
			}
			if (a == FETCH_SKIP) {
				u->status = 503; /* transient: retried by the caller */
				return e;
			}
			continue;
		}
		break;
	}
	if (u->status == 429)
		u->retry_after_ms = retry_after(rs.head);
	u->body_len = (size_t)rs.body_len;
	u->has_header_digest = header_copy(rs.head, "Docker-Content-Digest",
	    u->header_digest, sizeof(u->header_digest));
	(void)header_copy(rs.head, "Content-Type", u->content_type, sizeof(u->content_type));
	return HTTP_OK;
}

static uint64_t
next_delay(uint64_t d, uint64_t cap)
{
	if (d >= cap)
		return cap;
	d = d / 2 * 3 + (d % 2) * 3 / 2;
	return d > cap ? cap : d;
}

/* Runs the attempts for one reference (SPEC §5.3). */
/*
 * The last skip reason, cut from the front: a message reads "<request URL>:
 * <cause>", and the cause is what tells a TLS or auth problem from a wrong
 * tag.  The cut lands on a UTF-8 boundary.
 */
static void
keep_cause(char *out, size_t cap, const char *msg)
{
	size_t n = strlen(msg), keep = cap - 4;

	if (n <= cap - 1) {
		memcpy(out, msg, n + 1);
		return;
	}
	msg += n - keep;
	while (((unsigned char)*msg & 0xc0) == 0x80)
		msg++;
	fmt_snprintf(out, cap, "...%s", msg);
}

static enum fetch
fetch(struct run *u, const char *ref, struct errbuf *err)
{
	const struct registry_config *cfg = u->cfg;
	uint64_t left = (uint64_t)cfg->max_attempts + 1;
	uint64_t delay = secs_to_ms(cfg->interval_secs);
	uint64_t cap = cfg->max_delay_secs ? secs_to_ms(cfg->max_delay_secs) :
	    REGISTRY_MAX_DELAY_MS;
	char safe[HTTP_URL_MAX];
	enum http_err e;
	int fatal, retry;

	if (manifest_url(u, ref, err) != 0)
		return FETCH_FATAL;
	fmt_snprintf(safe, sizeof(safe), "%s", u->url);
	for (;;) {
		e = attempt(u, &fatal, err);
		if (fatal)
			return FETCH_FATAL;
		if (e == HTTP_OK && u->status >= 200 && u->status <= 299)
			return FETCH_OK;
		retry = e != HTTP_OK ? http_err_retryable(e, 0) :
		    (u->status >= 500 || u->status == 429);
		if (e == HTTP_OK)
			errbuf_set(err, "HTTP %d", u->status);
		/* The message may quote what the registry sent, which may echo
		 * the token; it is logged below. */
		errbuf_redact(err, u->r->token, strlen(u->r->token));
		if (!retry || --left == 0)
			keep_cause(u->last_skip, sizeof(u->last_skip), err->msg);
		if (!retry) {
			log_event(LOG_WARN, "manifest request failed, skipping reference",
			    { "url", safe }, { "error", err->msg });
			return FETCH_SKIP;
		}
		if (left == 0) {
			log_event(LOG_WARN, "exceeded max RPC attempts, continuing with the remaining references",
			    { "url", safe }, { "error", err->msg });
			return FETCH_SKIP;
		}
		{
			uint64_t wait = u->retry_after_ms != UINT64_MAX &&
			    u->status == 429 ? u->retry_after_ms : delay;
			char ms[24];

			fmt_snprintf(ms, sizeof(ms), "%llu", (unsigned long long)wait);
			log_event(LOG_WARN, "manifest request failed, retrying",
			    { "url", safe }, { "delay_ms", ms }, { "error", err->msg });
			do_sleep(u->r, wait);
			delay = next_delay(delay, cap);
		}
	}
}

/* ---- manifest checks and dispatch */

/* The body must be what its digest, and the registry's header, say. */
static int
verify_body(struct run *u, const struct item *it, struct errbuf *err)
{
	char want[DIGEST_STR_SIZE], got[DIGEST_STR_SIZE];
	struct digest hd;
	struct errbuf e2;

	sha256(u->r->body, u->body_len, &u->body_digest);
	digest_format(&u->body_digest, got);
	if (it->by_digest && !digest_equal(&it->digest, &u->body_digest)) {
		digest_format(&it->digest, want);
		errbuf_set(err, "manifest fetched by %s hashes to %s", want, got);
		return -1;
	}
	if (u->has_header_digest == HEADER_ABSENT)
		return 0;
	/* Too long to hold any digest we know: it cannot name this body.
	 * Ignoring it would let a registry say anything at all there. */
	if (u->has_header_digest == HEADER_TOO_LONG) {
		errbuf_set(err, "Docker-Content-Digest header is too long to be a "
		    "digest, so it disagrees with the body's sha256 %s", got);
		return -1;
	}
	if (digest_parse(u->header_digest, strlen(u->header_digest), &hd, &e2) != 0) {
		errbuf_set(err, "Docker-Content-Digest header: %s", e2.msg);
		return -1;
	}
	if (!digest_equal(&hd, &u->body_digest)) {
		errbuf_set(err, "Docker-Content-Digest header %.80s disagrees with the "
		    "body's sha256 %s", u->header_digest, got);
		return -1;
	}
	return 0;
}

/* Media type from the body, cross-checked with Content-Type. */
static int
media_kind(struct run *u, const struct json_value *root, enum kind *k,
    struct errbuf *err)
{
	const char *mt = json_get_string(root, "mediaType");
	char ct[128];
	size_t n;

	n = strcspn(u->content_type, "; \t");
	memcpy(ct, u->content_type, n);
	ct[n] = '\0';
	if (mt == NULL && ct[0] == '\0') {
		errbuf_set(err, "manifest has no mediaType and no Content-Type");
		return -1;
	}
	if (mt == NULL)
		mt = ct; /* OCI makes mediaType optional in the body */
	else if (ct[0] != '\0' && strcmp(ct, mt) != 0 &&
	    strcmp(ct, "application/json") != 0) {
		/* Neither value is quoted: a hostile registry may echo the token. */
		errbuf_set(err, "manifest mediaType disagrees with its Content-Type");
		return -1;
	}
	if (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0)
		*k = KIND_INDEX;
	else if (strcmp(mt, MT_OCI_MANIFEST) == 0 || strcmp(mt, MT_DOCKER_MANIFEST) == 0)
		*k = KIND_MANIFEST;
	else {
		errbuf_set(err, "unsupported manifest media type");
		return -1;
	}
	return 0;
}

static int
queue_push_digest(struct queue *q, const struct digest *d, int depth)
{
	struct item *it;
	size_t i;

	for (i = 0; i < q->nseen; i++)
		if (digest_equal(&q->seen[i], d))
			return 1; /* already fetched or queued: a cycle or a repeat */
	if (q->tail >= REGISTRY_QUEUE_MAX || q->nseen >= REGISTRY_QUEUE_MAX)
		return -1;
	q->seen[q->nseen++] = *d;
	it = &q->items[q->tail++];
	digest_format(d, it->ref);
	it->depth = depth;
	it->by_digest = 1;
	it->digest = *d;
	return 0;
}

static int
platform_is_linux_amd64(const struct json_value *entry)
{
	const struct json_value *p = json_get_object(entry, "platform");
	const char *os, *arch;

	if (p == NULL)
		return 0;
	os = json_get_string(p, "os");
	arch = json_get_string(p, "architecture");
	return os != NULL && arch != NULL && strcmp(os, "linux") == 0 &&
	    strcmp(arch, "amd64") == 0;
}

/*
 * The field names of the Go structs the engine and the registry decode
 * these documents into: OCI image-spec Manifest, Index, Descriptor and
 * Platform; Docker schema2 Manifest, ManifestList, its descriptors and
 * PlatformSpec.  One list for every struct: a key that Go would match to
 * a field of another struct is refused too, which costs nothing.
 */
static const char go_fields[] =
	"schemaVersion\0mediaType\0artifactType\0config\0layers\0manifests\0"
	"subject\0annotations\0digest\0size\0urls\0data\0platform\0"
	"architecture\0os\0os.version\0os.features\0variant\0features\0";

/* Go's key matching must find exactly the members our lookups find. */
static int
check_struct(const struct json_value *obj, struct errbuf *err)
{
	return json_check_fields(obj, go_fields, err);
}

static int
check_descriptor(const struct json_value *d, struct errbuf *err)
{
	if (check_struct(d, err) != 0)
		return -1;
	return check_struct(json_get_object(d, "platform"), err);
}

/* The element sink's view of the walk: index entries are queued as they
 * stream by, and taken back if the document is no index after all. */
struct sink {
	struct queue *q;
	const struct item *it;
};

/*
 * A digest in a registry document, as the engine's digest grammar reads it:
 * sha256 hex in lower case only.  Our own parser also takes upper case (for
 * operator input), but a document the engine would refuse, or read as
 * another digest, must not pass here.
 */
static int
doc_digest_parse(const char *s, struct digest *d, struct errbuf *err)
{
	if (digest_parse(s, strlen(s), d, err) != 0)
		return -1;
	if (strspn(s + 7, "0123456789abcdef") != DIGEST_HEX_LEN) {
		errbuf_set(err, "digest has upper-case hex digits (the engine accepts only "
		    "0-9a-f)");
		return -1;
	}
	return 0;
}

/* Queues one "manifests" entry if it is for linux/amd64. */
static int
entry_take(struct sink *s, size_t i, const struct json_value *v, struct errbuf *err)
{
	const char *ds;
	struct digest d;
	int rc;

	if (v->type != JSON_OBJECT) {
		errbuf_set(err, "index entry %zu is not an object", i);
		return -1;
	}
	if (!platform_is_linux_amd64(v))
		return 0; /* other platforms, attestations, no platform */
	ds = json_get_string(v, "digest");
	if (ds == NULL || doc_digest_parse(ds, &d, err) != 0) {
		if (ds == NULL)
			errbuf_set(err, "no digest");
		errbuf_wrap(err, "index entry %zu", i);
		return -1;
	}
	if (s->it->depth + 1 > REGISTRY_MAX_DEPTH) {
		log_event(LOG_WARN, "index nested too deeply, entry skipped",
		    { "ref", s->it->ref });
		return 0;
	}
	rc = queue_push_digest(s->q, &d, s->it->depth + 1);
	if (rc < 0) {
		errbuf_set(err, "more than %u queued manifests", REGISTRY_QUEUE_MAX);
		return -1;
	}
	if (rc > 0)
		log_event(LOG_WARN, "index entry already seen, skipped", { "ref", ds });
	return 0;
}

/* The element sink: descriptors of "manifests" and "layers". */
static int
take_element(void *ctx, const char *key, size_t key_len, size_t index,
    const struct json_value *v, struct errbuf *err)
{
	int is_manifests = key_len == 9 && memcmp(key, "manifests", 9) == 0;

	if (!is_manifests && !(key_len == 6 && memcmp(key, "layers", 6) == 0))
		return 0; /* no struct field of ours: Go skips it too */
	if (check_descriptor(v, err) != 0)
		return -1;
	return is_manifests ? entry_take(ctx, index, v, err) : 0;
}

static int
check_document(const struct json_value *root, struct errbuf *err)
{
	if (check_struct(root, err) != 0 ||
	    check_descriptor(json_get_object(root, "config"), err) != 0)
		return -1;
	return check_descriptor(json_get_object(root, "subject"), err);
}

static int
handle_index(const struct json_value *root, struct errbuf *err)
{
	if (json_get_array(root, "manifests") == NULL) {
		errbuf_set(err, "index has no \"manifests\" array");
		return -1;
	}
	return 0;
}

/* Returns 1 on a match, 0 for no match, -1 on a malformed manifest. */
static int
handle_manifest(struct run *u, const struct json_value *root,
    const struct item *it, struct registry_result *out, struct errbuf *err)
{
	const struct json_value *cfg = json_get_object(root, "config");
	const char *cd = cfg != NULL ? json_get_string(cfg, "digest") : NULL;
	struct digest config;

	if (cd == NULL || doc_digest_parse(cd, &config, err) != 0) {
		if (cd == NULL)
			errbuf_set(err, "no config.digest");
		errbuf_wrap(err, "manifest %s", it->ref);
		return -1;
	}
	out->pull = u->body_digest;
	if (u->via_index) {
		out->how = REGISTRY_MATCH_INDEX; /* any image below the approved index */
		out->pull = u->index;
	} else if (digest_equal(&config, u->want))
		out->how = REGISTRY_MATCH_CONFIG;
	else if (digest_equal(&u->body_digest, u->want))
		out->how = REGISTRY_MATCH_MANIFEST;
	else {
		log_event(LOG_WARN, "config digest does not match, skipping reference",
		    { "ref", it->ref }, { "config", cd });
		u->last_skip[0] = '\0';
		return 0;
	}
	out->manifest = u->body_digest;
	out->config = config;
	fmt_snprintf(out->ref, sizeof(out->ref), "%s", it->ref);
	return 1;
}

/*
 * Parses the body as Go would read it (keys folded, see check_document),
 * streaming the "manifests" and "layers" entries through take_element so
 * the tree stays small.  0, or -1 with err set.
 */
static int
parse_body(struct run *u, const struct item *it, struct queue *q,
    struct arena *a, struct json_value *root, struct errbuf *err)
{
	struct sink s = { q, it };
	struct json_options o = { JSON_FOLD_KEYS, take_element, &s };
	int rc = json_parse_opts((const char *)u->r->body, u->body_len, &o, a, root,
	    err);

	if (rc == 0 && check_document(root, err) != 0)
		rc = -1;
	if (rc == -2)
		errbuf_wrap(err, "manifest %s too large for the %u-byte parse arena",
		    it->ref, REGISTRY_ARENA_MAX);
	else if (rc != 0)
		errbuf_wrap(err, "manifest %s", it->ref);
	return rc != 0 ? -1 : 0;
}

/* Parses the fetched body and acts on it.  1 match, 0 continue, -1 fatal. */
static int
handle_body(struct run *u, const struct item *it, struct queue *q,
    struct registry_result *out, struct errbuf *err)
{
	struct json_value root;
	struct arena a;
	enum kind k = KIND_MANIFEST;
	size_t tail, nseen;
	void *mem;
	int rc = -1, approved;

	if (verify_body(u, it, err) != 0)
		return -1;
	/* The approved digest itself: nothing else queued matters any more. */
	approved = !u->via_index && digest_equal(&u->body_digest, u->want);
	if (approved)
		q->head = q->tail = q->nseen = 0;
	tail = q->tail;
	nseen = q->nseen;
	mem = malloc(REGISTRY_ARENA_MAX);
	if (mem == NULL) {
		errbuf_set(err, "manifest: out of memory");
		return -1;
	}
	arena_init(&a, mem, REGISTRY_ARENA_MAX);
	if (parse_body(u, it, q, &a, &root, err) != 0 ||
	    media_kind(u, &root, &k, err) != 0)
		goto out;
	if (k == KIND_INDEX) {
		rc = handle_index(&root, err);
		if (rc == 0 && approved) {
			u->via_index = 1;
			u->index = u->body_digest;
			log_event(LOG_INFO, "selected digest is an index, following its "
			    "linux/amd64 entry", { "ref", it->ref });
		}
	} else
		rc = handle_manifest(u, &root, it, out, err);
out:
	/* Entries queued while the body streamed by count only for an index. */
	if (rc < 0 || k != KIND_INDEX) {
		q->tail = tail;
		q->nseen = nseen;
	}
	free(mem);
	return rc;
}

/* ---- the walk */

static int
run_init(struct run *u, struct registry *r, const struct registry_config *cfg,
    const struct digest *want, struct errbuf *err)
{
	const char *host = cfg->registry;

	memset(u, 0, sizeof(*u));
	u->r = r;
	u->cfg = cfg;
	u->want = want;
	if (reference_registry_check(host, strlen(host), err) != 0)
		return -1;
	/* docker.io names the Hub, but its API lives on registry-1. */
	if (strcmp(host, NAMES_DOCKER_HUB) == 0 || strcmp(host, "index.docker.io") == 0)
		host = NAMES_DOCKER_HUB_API;
	fmt_snprintf(u->host, sizeof(u->host), "%s", host);
	return reference_api_name(cfg->registry, strlen(cfg->registry),
	    cfg->image_name, strlen(cfg->image_name), u->name, err);
}

static int
queue_init(struct queue *q, const struct registry_config *cfg, struct errbuf *err)
{
	enum reference_kind kind;
	struct item *it;
	size_t i;

	memset(q, 0, sizeof(*q));
	if (cfg->nrefs > REGISTRY_QUEUE_MAX) {
		errbuf_set(err, "more than %u image_tags", REGISTRY_QUEUE_MAX);
		return -1;
	}
	for (i = 0; i < cfg->nrefs; i++) {
		const char *ref = cfg->refs[i];

		if (reference_ref_check(ref, strlen(ref), &kind, err) != 0) {
			errbuf_wrap(err, "image_tags[%zu]", i);
			return -1;
		}
		it = &q->items[q->tail++];
		fmt_snprintf(it->ref, sizeof(it->ref), "%s", ref);
		it->by_digest = kind == REFERENCE_DIGEST;
		if (it->by_digest)
			digest_parse(ref, strlen(ref), &it->digest, err);
	}
	return 0;
}

static int
resolve(struct registry *r, const struct registry_config *cfg,
    const struct digest *want, struct registry_result *out, struct errbuf *err)
{
	struct queue *q = r->queue;
	struct run u;
	struct item it;
	int rc;

	if (run_init(&u, r, cfg, want, err) != 0 || queue_init(q, cfg, err) != 0)
		return -1;
	while (q->head < q->tail) {
		it = q->items[q->head++];
		switch (fetch(&u, it.ref, err)) {
		case FETCH_FATAL:
			return -1;
		case FETCH_SKIP:
			continue;
		case FETCH_OK:
			break;
		}
		rc = handle_body(&u, &it, q, out, err);
		if (rc < 0)
			return -1;
		if (rc > 0) {
			char md[DIGEST_STR_SIZE];

			digest_format(&out->manifest, md);
			log_event(LOG_INFO, "image digest resolved", { "ref", it.ref },
			    { "manifest", md }, { "matched", registry_match_name(out->how) });
			return 0;
		}
	}
	/* The last skip reason tells a TLS or auth problem from a wrong tag. */
	if (u.via_index)
		errbuf_set(err, "the selected index leads to no linux/amd64 image "
		    "manifest%s%s%s", u.last_skip[0] != '\0' ? " (last failure: " : "",
		    u.last_skip, u.last_skip[0] != '\0' ? ")" : "");
	else if (u.last_skip[0] != '\0')
		errbuf_set(err, "Image hash not found among tags (last failure: %s)",
		    u.last_skip);
	else
		errbuf_set(err, "Image hash not found among tags");
	return -1;
}

int
registry_resolve(struct registry *r, const struct registry_config *cfg,
    const struct digest *want, struct registry_result *out, struct errbuf *err)
{
	int rc = resolve(r, cfg, want, out, err);

	/* Every error line may quote registry input: none may carry the token
	 * (kept after a failed renewal too, until registry_free). */
	if (rc != 0)
		errbuf_redact(err, r->token, strlen(r->token));
	return rc;
}

int
registry_init(struct registry *r, struct http_client *http,
    const struct registry_sleeper *sleeper, struct errbuf *err)
{
	memset(r, 0, sizeof(*r));
	r->http = http;
	r->sleeper = sleeper;
	r->body = malloc(REGISTRY_MANIFEST_MAX);
	r->queue = malloc(sizeof(*r->queue));
	if (r->body == NULL || r->queue == NULL) {
		registry_free(r);
		errbuf_set(err, "out of memory for the manifest buffer");
		return -1;
	}
	return 0;
}

void
registry_free(struct registry *r)
{
	free(r->body);
	free(r->queue);
	r->body = NULL;
	r->queue = NULL;
	/* The token is a secret: don't leave it in freed memory's neighbours. */
	explicit_bzero(r->token, sizeof(r->token));
	r->have_token = 0;
}

const char *
registry_match_name(enum registry_match m)
{
	return m == REGISTRY_MATCH_CONFIG ? "config digest" :
	    m == REGISTRY_MATCH_MANIFEST ? "manifest digest" : "index digest";
}
