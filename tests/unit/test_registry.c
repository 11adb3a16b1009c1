/*
 * registry: the authentication round trips of one attempt, over the http
 * test transport (scripted responses, no sockets): a token the registry
 * refuses is renewed once and the renewed token is used right away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "http.h"
#include "registry.h"

#define WANT_HEX "abababababababababababababababababababababababababababababababab"
#define CHALLENGE "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer " \
	"realm=\"https://auth.test/token\",service=\"reg\"\r\nContent-Length: 0\r\n\r\n"
/* t: four characters, so the body is 16 bytes */
#define TOKEN(t) "HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n{\"token\":\"" t "\"}"
#define MANIFEST_BODY "{\"schemaVersion\":2,\"mediaType\":" \
	"\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":" \
	"{\"mediaType\":\"application/vnd.docker.container.image.v1+json\"," \
	"\"digest\":\"sha256:" WANT_HEX "\",\"size\":1},\"layers\":[]}"

struct script {
	const char *const *answers; /* one per request written */
	size_t next, off;
	const char *cur;
	int tokens_sent;            /* requests carrying "Bearer tok" */
};

static int
s_open(void *ctx, const char *host, uint16_t port, int https)
{
	(void)ctx, (void)host, (void)port, (void)https;
	return NET_OK;
}

static int
s_write(void *ctx, const void *buf, size_t len)
{
	struct script *s = ctx;
	const char *p = buf;
	size_t i;

	for (i = 0; i + 10 <= len; i++)
		if (memcmp(p + i, "Bearer tok", 10) == 0)
			s->tokens_sent++;
	s->cur = s->answers[s->next] != NULL ? s->answers[s->next++] : "";
	s->off = 0;
	return NET_OK;
}

static int
s_read(void *ctx, void *buf, size_t cap, size_t *got)
{
	struct script *s = ctx;
	size_t n = strlen(s->cur + s->off);

	*got = 0;
	if (n == 0)
		return NET_EOF;
	n = n > cap ? cap : n;
	memcpy(buf, s->cur + s->off, n);
	s->off += n;
	*got = n;
	return NET_OK;
}

struct rig {
	struct http_client c;
	struct tls_anchors anchors; /* required for https, never used */
	struct registry r;
	struct script s;
	struct http_transport tp;
};

static int
resolve(struct rig *g, const char *const *answers, struct registry_result *res,
    struct errbuf *err)
{
	static const char *const refs[] = { "v1" };
	struct http_client_config cfg;
	struct registry_config rc;
	struct digest want;
	int rc_resolve;

	memset(&g->s, 0, sizeof(g->s));
	g->s.answers = answers;
	g->tp = (struct http_transport){ s_open, s_read, s_write, &g->s };
	memset(&cfg, 0, sizeof(cfg));
	cfg.anchors = &g->anchors;
	cfg.transport = &g->tp;
	memset(&rc, 0, sizeof(rc));
	rc.registry = "registry.test";
	rc.image_name = "tl/x";
	rc.refs = refs;
	rc.nrefs = 1;
	rc.timeout_secs = 1;
	if (digest_parse("sha256:" WANT_HEX, 71, &want, err) != 0 ||
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
	CHECK_INT(t, g.s.tokens_sent, 2);
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

void
suite_registry(struct th *t)
{
	th_run(t, "registry: a Docker-Content-Digest too long to hold a digest is a mismatch, not ignored",
	    a_digest_header_too_long_to_hold_a_digest_is_a_mismatch);
	th_run(t, "registry: no piece of the token reaches an error, even when the registry echoes it",
	    a_token_echoed_by_the_registry_is_not_in_the_error);
	th_run(t, "registry: a token the registry refuses is renewed once and used in the same attempt",
	    a_refused_token_is_renewed_and_used);
	th_run(t, "registry: a refusal of the renewed token skips the reference without a third token",
	    a_second_refusal_skips_without_a_third_token);
}
