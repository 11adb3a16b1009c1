/*
 * http_do: request checks, framing, redirects, the pool and the error
 * classes over the test transport (scripted answers, every byte written
 * kept), and the CONNECT tunnel's refusals against a forked loopback
 * "proxy".  TLS, AF_UNIX and real proxies: stage 40-http-client.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "http.h"
#include "script.h"

static struct http_client client; /* large */
static struct tls_anchors anchors; /* required for https, never used */
static struct script sc;
static struct http_transport tp = { script_open, script_read, script_write, &sc };
static char body[128];

static int
start(const char *const *answers)
{
	struct http_client_config cfg = { &anchors, NULL, NULL, NULL, 0, &tp };
	struct errbuf e;

	script_start(&sc, &tp, answers);
	return http_client_init(&client, &cfg, &e) == 0;
}

static void
req_init(struct http_request *rq, const char *url)
{
	memset(rq, 0, sizeof(*rq));
	rq->url = url;
	rq->timeout_ms = 2000;
	rq->body_buf = body;
	rq->body_cap = sizeof(body) - 1;
}

static enum http_err
run(struct http_request *rq, struct http_response *rs, struct errbuf *e)
{
	enum http_err r;

	memset(body, 0, sizeof(body));
	e->msg[0] = '\0';
	r = http_do(&client, rq, rs, e);
	return r;
}

/* ------------------------------------------------------------ classes */

static void
every_error_class_has_a_stable_name_and_a_retry_verdict(struct th *t)
{
	static const struct { enum http_err e; const char *name; int retry; } c[] = {
		{ HTTP_OK, "ok", 0 }, { HTTP_ERR_REQUEST, "request", 0 },
		{ HTTP_ERR_RESOLVE, "resolve", 1 }, { HTTP_ERR_CONNECT, "connect", 1 },
		{ HTTP_ERR_PROXY, "proxy", 1 }, { HTTP_ERR_TLS, "tls", 0 },
		{ HTTP_ERR_TIMEOUT, "timeout", 1 }, { HTTP_ERR_IO, "io", 1 },
		{ HTTP_ERR_PROTOCOL, "protocol", 0 }, { HTTP_ERR_TOO_LARGE, "too-large", 0 },
		{ HTTP_ERR_REDIRECT, "redirect", 0 }, { HTTP_ERR_ABORTED, "aborted", 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		CHECK_STR(t, http_err_name(c[i].e), c[i].name);
		CHECK_INT(t, http_err_retryable(c[i].e, 0), c[i].retry);
	}
	CHECK_STR(t, http_err_name((enum http_err)99), "unknown");
	/* an answer is retried only for a 5xx status */
	CHECK_INT(t, http_err_retryable(HTTP_OK, 500), 1);
	CHECK_INT(t, http_err_retryable(HTTP_OK, 599), 1);
	CHECK_INT(t, http_err_retryable(HTTP_OK, 499), 0);
	CHECK_INT(t, http_err_retryable(HTTP_OK, 600), 0);
	CHECK_INT(t, http_err_retryable(HTTP_OK, 200), 0);
}

/* ------------------------------------------------------------ requests */

static void
a_bad_request_is_refused_before_anything_is_sent(struct th *t)
{
	static const char *const none[] = { NULL };
	struct http_field f[HTTP_MAX_FIELDS + 1];
	struct http_request rq;
	struct http_response rs;
	struct errbuf e;
	size_t i;

	REQUIRE(t, start(none));
	req_init(&rq, "https://r.test/");
	rq.method = "GE T";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	CHECK_STR(t, e.msg, "GE T request: bad method");
	rq.method = "";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	rq.method = "ABCDEFGHIJKLMNOPQ"; /* 17 bytes */
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	rq.method = NULL;
	rq.timeout_ms = 0;
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	CHECK_STR(t, e.msg, "GET request: timeout_ms is 0");
	rq.timeout_ms = 1000;
	rq.url = NULL;
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	CHECK_STR(t, e.msg, "GET request: no URL");
	rq.url = "ftp://r.test/";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	rq.url = "https://r.test/";
	for (i = 0; i <= HTTP_MAX_FIELDS; i++)
		f[i] = (struct http_field){ "X-A", "b" };
	rq.fields = f;
	rq.num_fields = HTTP_MAX_FIELDS + 1;
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	CHECK_STR(t, e.msg, "GET request: more than 32 header fields");
	rq.num_fields = 2;
	f[1].name = "X A";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	CHECK_STR(t, e.msg, "GET request: header field 1: bad name");
	f[1].name = "";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	f[1].name = "content-LENGTH";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	CHECK_STR(t, e.msg, "GET request: header content-LENGTH is set by the client");
	f[1].name = "Authorization";
	f[1].value = "Bearer a\r\nX-Evil: 1";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	CHECK_STR(t, e.msg, "GET request: header Authorization: control byte in value");
	CHECK(t, strstr(e.msg, "Evil") == NULL);
	f[1].value = "a\x7f";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	f[1].value = "tab\tis fine";
	rq.num_fields = 2;
	/* https over a unix socket */
	rq.unix_path = "/run/x.sock";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	CHECK_STR(t, e.msg, "GET https://r.test/: https over a unix socket is not supported");
	CHECK_INT(t, sc.opens, 0);
	CHECK_INT(t, (long long)sc.sent_len, 0);
	http_client_close(&client);
}

static void
a_request_head_over_the_buffer_is_refused(struct th *t)
{
	static const char *const none[] = { NULL };
	static char big[HTTP_REQ_HEAD_MAX];
	struct http_field f[1] = { { "X-Big", big } };
	struct http_request rq;
	struct http_response rs;
	struct errbuf e;

	memset(big, 'v', sizeof(big) - 1);
	REQUIRE(t, start(none));
	req_init(&rq, "https://r.test/");
	rq.fields = f;
	rq.num_fields = 1;
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	CHECK_STR(t, e.msg, "GET https://r.test/: request head over 16384 bytes");
	CHECK_INT(t, (long long)sc.sent_len, 0);
	http_client_close(&client);
}

static void
https_without_trust_anchors_is_refused(struct th *t)
{
	struct http_client_config cfg = { NULL, NULL, NULL, NULL, 0, &tp };
	struct http_request rq;
	struct http_response rs;
	struct errbuf e;

	memset(&sc, 0, sizeof(sc));
	REQUIRE(t, http_client_init(&client, &cfg, &e) == 0);
	req_init(&rq, "https://r.test/");
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REQUEST);
	CHECK_STR(t, e.msg, "GET https://r.test/: https without trust anchors");
	CHECK_INT(t, sc.opens, 0);
	http_client_close(&client);
}

static void
the_client_config_refuses_a_bad_proxy_and_an_overlong_no_proxy(struct th *t)
{
	static char np[HTTP_NO_PROXY_MAX + 1];
	struct http_client_config cfg = { &anchors, NULL, "ftp://p:1", NULL, 0, &tp };
	struct errbuf e;

	CHECK_INT(t, http_client_init(&client, &cfg, &e), -1);
	cfg.https_proxy = "";
	CHECK_INT(t, http_client_init(&client, &cfg, &e), 0);
	CHECK_INT(t, client.have_proxy, 0);
	memset(np, 'a', sizeof(np) - 1);
	cfg.no_proxy = np;
	CHECK_INT(t, http_client_init(&client, &cfg, &e), -1);
	CHECK_STR(t, e.msg, "NO_PROXY longer than 1023 bytes");
	np[HTTP_NO_PROXY_MAX - 1] = '\0';
	CHECK_INT(t, http_client_init(&client, &cfg, &e), 0);
	cfg.https_proxy = "http://user:secret@proxy.test:3128";
	CHECK_INT(t, http_client_init(&client, &cfg, &e), 0);
	CHECK_STR(t, client.proxy_host, "proxy.test");
	CHECK_INT(t, client.proxy_port, 3128);
	CHECK_STR(t, client.proxy_auth, "Basic dXNlcjpzZWNyZXQ=");
}

static void
bodies_go_inline_when_they_fit_and_in_a_second_write_otherwise(struct th *t)
{
	static const char *const answers[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 204 No Content\r\n\r\n", NULL
	};
	static char big[HTTP_REQ_HEAD_MAX];
	struct http_request rq;
	struct http_response rs;
	struct errbuf e;

	REQUIRE(t, start(answers));
	req_init(&rq, "https://r.test/x");
	rq.method = "POST";
	rq.body = "{}";
	rq.body_len = 2;
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK(t, strstr(sc.sent, "POST /x HTTP/1.1\r\nHost: r.test\r\nUser-Agent: tee-launcher\r\n"
	    "Content-Length: 2\r\n\r\n{}") == sc.sent);
	memset(big, 'b', sizeof(big));
	sc.sent_len = 0;
	rq.body = big;
	rq.body_len = sizeof(big);
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK(t, strstr(sc.sent, "Content-Length: 16384\r\n\r\nbbbb") != NULL);
	/* PATCH without a body still says Content-Length: 0; a User-Agent of
	 * the caller replaces ours */
	sc.sent_len = 0;
	rq.method = "PATCH";
	rq.body = NULL;
	rq.body_len = 0;
	{
		struct http_field f[1] = { { "user-agent", "x/1" } };

		rq.fields = f;
		rq.num_fields = 1;
		CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	}
	CHECK_INT(t, rs.status, 204);
	CHECK_STR(t, sc.sent, "PATCH /x HTTP/1.1\r\nHost: r.test\r\nuser-agent: x/1\r\n"
	    "Content-Length: 0\r\n\r\n");
	http_client_close(&client);
}

/* ------------------------------------------------------------ bodies */

static int
sink_collect(void *ctx, const void *data, size_t len)
{
	char *out = ctx;
	size_t have = strlen(out);

	if (memchr(data, '!', len) != NULL)
		return 1;
	memcpy(out + have, data, len);
	out[have + len] = '\0';
	return 0;
}

static void
bodies_are_capped_framed_and_sunk(struct th *t)
{
	static char chunked128[256];
	static const char *answers[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\n",
		chunked128,
		"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nab!def",
		"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nsink",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
		NULL
	};
	struct http_request rq;
	struct http_response rs;
	struct errbuf e;
	char sunk[64] = "";
	int n;

	n = snprintf(chunked128, sizeof(chunked128),
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n80\r\n");
	memset(chunked128 + n, 'x', 128);
	memcpy(chunked128 + n + 128, "\r\n0\r\n\r\n", 8);
	answers[1] = chunked128;
	REQUIRE(t, start(answers));
	req_init(&rq, "https://r.test/");
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_TOO_LARGE);
	CHECK(t, strstr(e.msg, "Content-Length 200 over the cap of 127 bytes") != NULL);
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_TOO_LARGE);
	CHECK(t, strstr(e.msg, "body over the cap of 127 bytes") != NULL);
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK_STR(t, body, "until the end");
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_IO);
	CHECK(t, strstr(e.msg, "Content-Length body cut after 3 bytes") != NULL);
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_IO);
	CHECK(t, strstr(e.msg, "chunked body cut after 2 bytes") != NULL);
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_PROTOCOL);
	rq.body_buf = NULL;
	rq.sink = sink_collect;
	rq.sink_ctx = sunk;
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_ABORTED);
	CHECK(t, strstr(e.msg, "body sink refused data at byte 0") != NULL);
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK_STR(t, sunk, "sink");
	CHECK_INT(t, (long long)rs.body_len, 4);
	/* HEAD: a Content-Length but no body follows */
	rq.method = "HEAD";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK_INT(t, (long long)rs.body_len, 0);
	CHECK_INT(t, rs.reused, 1);
	http_client_close(&client);
}

static void
a_head_that_is_garbage_or_too_long_is_refused(struct th *t)
{
	static char huge[HTTP_MAX_HEAD_BYTES + 64];
	static const char *answers[] = { "HTTP/1.1 200 OK\r\nBad Header\r\n", "junk", NULL, NULL };
	struct http_request rq;
	struct http_response rs;
	struct errbuf e;

	memcpy(huge, "HTTP/1.1 200 OK\r\nX: ", 20);
	memset(huge + 20, 'x', sizeof(huge) - 21);
	answers[2] = huge;
	REQUIRE(t, start(answers));
	req_init(&rq, "https://r.test/");
	/* the head ends with the connection: parsed as far as it goes */
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_PROTOCOL);
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_PROTOCOL);
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_TOO_LARGE);
	CHECK(t, strstr(e.msg, "response head over 65536 bytes") != NULL);
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_IO);
	CHECK(t, strstr(e.msg, "no response") != NULL);
	http_client_close(&client);
}

/* ------------------------------------------------------------ redirects */

static void
redirects_keep_credentials_on_one_origin_only(struct th *t)
{
	static const char *const answers[] = {
		"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 307 Temporary\r\nLocation: https://cdn.test/blob?sig=Bearer%20s3cr3t\r\n"
		"Content-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		NULL
	};
	struct http_field f[1] = { { "Authorization", "Bearer s3cr3t" } };
	struct http_request rq;
	struct http_response rs;
	struct errbuf e;
	const char *second, *third;

	REQUIRE(t, start(answers));
	req_init(&rq, "https://r.test/first");
	rq.fields = f;
	rq.num_fields = 1;
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK_STR(t, body, "ok");
	CHECK_INT(t, rs.redirects, 2);
	CHECK_INT(t, client.stats.redirects, 2);
	second = strstr(sc.sent, "GET /next ");
	third = strstr(sc.sent, "GET /blob?sig=");
	REQUIRE(t, second != NULL && third != NULL);
	CHECK(t, strstr(second, "Authorization: Bearer s3cr3t") != NULL &&
	    strstr(second, "Authorization: Bearer s3cr3t") < third);
	CHECK(t, strstr(third, "Authorization") == NULL);
	CHECK(t, strstr(third, "Host: cdn.test\r\n") != NULL);
	CHECK_STR(t, sc.hosts[1], "cdn.test");
	http_client_close(&client);
}

static void
a_post_redirected_by_303_or_302_becomes_a_get_without_body(struct th *t)
{
	static const char *const answers[] = {
		"HTTP/1.1 303 See Other\r\nLocation: /a\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 302 Found\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 308 Permanent\r\nLocation: /c\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 301 Moved\r\nLocation: /d\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
		NULL
	};
	struct http_request rq;
	struct http_response rs;
	struct errbuf e;

	REQUIRE(t, start(answers));
	req_init(&rq, "https://r.test/");
	rq.method = "POST";
	rq.body = "data";
	rq.body_len = 4;
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK(t, strstr(sc.sent, "GET /a HTTP/1.1") != NULL);
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK(t, strstr(sc.sent, "GET /b HTTP/1.1") != NULL);
	/* 308 keeps the method and the body */
	sc.sent_len = 0;
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK(t, strstr(sc.sent, "POST /c HTTP/1.1") != NULL);
	CHECK(t, strstr(strstr(sc.sent, "POST /c"), "Content-Length: 4\r\n\r\ndata") != NULL);
	/* a PUT moved by 301 stays a PUT */
	sc.sent_len = 0;
	rq.method = "PUT";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK(t, strstr(sc.sent, "PUT /d HTTP/1.1") != NULL);
	http_client_close(&client);
}

static void
redirects_are_bounded_and_never_downgrade(struct th *t)
{
	static const char loop[] = "HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n";
	static const char *const answers[] = {
		loop, loop, loop, loop, loop, loop,
		"HTTP/1.1 302 Found\r\nLocation: http://r.test/plain\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 302 Found\r\nLocation: http://[::1\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 302 Found\r\nLocation: /kept\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n",
		NULL
	};
	struct http_request rq;
	struct http_response rs;
	struct errbuf e;

	REQUIRE(t, start(answers));
	req_init(&rq, "https://r.test/");
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REDIRECT);
	CHECK(t, strstr(e.msg, "more than 5 redirects") != NULL);
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REDIRECT);
	CHECK(t, strstr(e.msg, "refused redirect from https to http (http://r.test/plain)") != NULL);
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REDIRECT);
	CHECK(t, strstr(e.msg, "redirect 302") != NULL);
	/* no_redirects: the 3xx is the answer */
	rq.no_redirects = 1;
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK_INT(t, rs.status, 302);
	CHECK_INT(t, rs.redirects, 0);
	/* a 3xx without Location is an answer too */
	rq.no_redirects = 0;
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK_INT(t, rs.status, 302);
	http_client_close(&client);
}

static void
a_redirect_off_the_unix_socket_is_refused(struct th *t)
{
	static const char *const answers[] = {
		"HTTP/1.1 302 Found\r\nLocation: http://elsewhere.test/x\r\nContent-Length: 0\r\n\r\n",
		NULL
	};
	struct http_request rq;
	struct http_response rs;
	struct errbuf e;

	REQUIRE(t, start(answers));
	req_init(&rq, "http://dstack/Info");
	rq.unix_path = "/run/dstack.sock";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_REDIRECT);
	CHECK(t, strstr(e.msg, "refused redirect off the unix socket (http://elsewhere.test/x)") != NULL);
	http_client_close(&client);
}

static void
a_long_redirect_body_is_dropped_with_its_connection(struct th *t)
{
	static char longbody[HTTP_DRAIN_MAX + 256];
	static const char *answers[] = { longbody, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz", NULL };
	struct http_request rq;
	struct http_response rs;
	struct errbuf e;
	int n;

	n = snprintf(longbody, sizeof(longbody), "HTTP/1.1 302 Found\r\nLocation: /z\r\n"
	    "Content-Length: %d\r\n\r\n", HTTP_DRAIN_MAX + 1);
	memset(longbody + n, 'r', sizeof(longbody) - 1 - (size_t)n);
	REQUIRE(t, start(answers));
	req_init(&rq, "https://r.test/");
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK_STR(t, body, "z");
	CHECK_INT(t, sc.opens, 2); /* the first connection was not kept */
	http_client_close(&client);
}

/* ------------------------------------------------------------ the pool */

static uint64_t
ticking_ms(void *ctx)
{
	return ++*(uint64_t *)ctx;
}

static void
the_pool_keeps_two_origins_and_evicts_the_least_recent(struct th *t)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	static const char *const answers[] = { ok, ok, ok, ok, ok, ok, NULL };
	static uint64_t now;
	struct net_clock clk = { ticking_ms, &now };
	struct http_client_config cfg = { &anchors, &clk, NULL, NULL, 0, &tp };
	struct http_request rq;
	struct http_response rs;
	struct errbuf e;

	script_start(&sc, &tp, answers);
	REQUIRE(t, http_client_init(&client, &cfg, &e) == 0);
	req_init(&rq, "https://a.test/");
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	rq.url = "https://b.test/";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	rq.url = "https://a.test/";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK_INT(t, rs.reused, 1);
	/* a third origin takes b's slot (least recently used) */
	rq.url = "https://c.test/";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK_INT(t, rs.reused, 0);
	rq.url = "https://a.test/";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK_INT(t, rs.reused, 1);
	rq.url = "https://b.test/";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK_INT(t, rs.reused, 0);
	CHECK_INT(t, sc.opens, 4);
	CHECK_STR(t, sc.hosts[3], "b.test");
	http_client_close(&client);
}

static void
a_post_is_not_resent_on_a_stale_connection(struct th *t)
{
	static const char *const answers[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", "", "again", NULL
	};
	struct http_request rq;
	struct http_response rs;
	struct errbuf e;

	REQUIRE(t, start(answers));
	req_init(&rq, "https://r.test/");
	rq.method = "POST";
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_OK);
	CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_IO);
	CHECK_INT(t, client.stats.requests, 2);
	CHECK_INT(t, sc.opens, 1);
	http_client_close(&client);
}

/* ------------------------------------------------------------ the tunnel */

/* A loopback "proxy" (forked) that answers every CONNECT with reply. */
static pid_t
proxy_start(const char *reply, uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	char buf[2048];
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c;
	pid_t pid;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(s, 8) < 0 ||
	    getsockname(s, (struct sockaddr *)&sa, &len) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	pid = fork();
	if (pid == 0) {
		for (;;) {
			c = accept(s, NULL, NULL);
			if (c < 0)
				_exit(0);
			(void)!read(c, buf, sizeof(buf));
			(void)!write(c, reply, strlen(reply));
			close(c);
		}
	}
	close(s);
	return pid;
}

static void
a_proxy_that_refuses_closes_or_talks_first_is_a_proxy_error(struct th *t)
{
	static const char *const replies[] = {
		"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n",
		"",
		"HTTP/1.1 200 Connection established\r\n\r\nEARLY",
	};
	static const char *const want[] = {
		"answered 407 to CONNECT registry.test:443",
		"CONNECT registry.test:443: no response",
		"sent data before the TLS handshake",
	};
	struct http_request rq;
	struct http_response rs;
	struct errbuf e;
	char proxy[64];
	uint16_t port = 0;
	size_t i;
	pid_t pid;

	for (i = 0; i < 3; i++) {
		struct http_client_config cfg = { &anchors, NULL, proxy, NULL, 0, NULL };

		pid = proxy_start(replies[i], &port);
		REQUIRE(t, pid > 0);
		snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%u", (unsigned)port);
		REQUIRE(t, http_client_init(&client, &cfg, &e) == 0);
		req_init(&rq, "https://registry.test/v2/");
		CHECK_INT(t, run(&rq, &rs, &e), HTTP_ERR_PROXY);
		if (!CHECK(t, strstr(e.msg, want[i]) != NULL))
			printf("     got: %s\n", e.msg);
		CHECK_INT(t, client.stats.proxy_tunnels, 0);
		http_client_close(&client);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

void
suite_http_do(struct th *t)
{
	th_run(t, "http: every error class has a stable name and a retry verdict",
	    every_error_class_has_a_stable_name_and_a_retry_verdict);
	th_run(t, "http: a bad request is refused before anything is sent",
	    a_bad_request_is_refused_before_anything_is_sent);
	th_run(t, "http: a request head over the buffer is refused",
	    a_request_head_over_the_buffer_is_refused);
	th_run(t, "http: https without trust anchors is refused", https_without_trust_anchors_is_refused);
	th_run(t, "http: the client config refuses a bad proxy and an overlong NO_PROXY",
	    the_client_config_refuses_a_bad_proxy_and_an_overlong_no_proxy);
	th_run(t, "http: bodies go inline when they fit, in a second write otherwise",
	    bodies_go_inline_when_they_fit_and_in_a_second_write_otherwise);
	th_run(t, "http: bodies are capped, framed and sunk", bodies_are_capped_framed_and_sunk);
	th_run(t, "http: a head that is garbage or too long is refused",
	    a_head_that_is_garbage_or_too_long_is_refused);
	th_run(t, "http: redirects keep credentials on one origin only",
	    redirects_keep_credentials_on_one_origin_only);
	th_run(t, "http: a POST redirected by 303 or 302 becomes a GET without body",
	    a_post_redirected_by_303_or_302_becomes_a_get_without_body);
	th_run(t, "http: redirects are bounded and never downgrade",
	    redirects_are_bounded_and_never_downgrade);
	th_run(t, "http: a redirect off the unix socket is refused",
	    a_redirect_off_the_unix_socket_is_refused);
	th_run(t, "http: a long redirect body is dropped with its connection",
	    a_long_redirect_body_is_dropped_with_its_connection);
	th_run(t, "http: the pool keeps two origins and evicts the least recent",
	    the_pool_keeps_two_origins_and_evicts_the_least_recent);
	th_run(t, "http: a POST is not resent on a stale connection",
	    a_post_is_not_resent_on_a_stale_connection);
	th_run(t, "http: a proxy that refuses, closes or talks first is a proxy error",
	    a_proxy_that_refuses_closes_or_talks_first_is_a_proxy_error);
}
