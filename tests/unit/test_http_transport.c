/*
 * The test transport of http.h (the seam fuzz_registry drives): http_do
 * reads responses from memory through the real framing and pooling code,
 * with no socket and no TLS, and transport failures keep their classes.
 */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "http.h"
#include "script.h"

static void
serves_https_from_memory(struct th *t)
{
	static const char *const answers[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		"2\r\nab\r\n0\r\n\r\n",
		NULL
	};
	static struct http_client c;
	static struct tls_anchors anchors; /* required for https, never used */
	static struct script s;
	struct http_transport tp;
	struct http_client_config cfg = { &anchors, NULL, NULL, NULL, 0, &tp };
	struct http_request rq;
	struct http_response rs;
	struct errbuf err;
	char body[16];

	script_start(&s, &tp, answers);
	s.read_max = 3; /* small reads: the head arrives in pieces */
	REQUIRE(t, http_client_init(&c, &cfg, &err) == 0);
	memset(&rq, 0, sizeof(rq));
	rq.url = "https://registry.test/v2/";
	rq.timeout_ms = 1000;
	rq.body_buf = body;
	rq.body_cap = sizeof(body);
	REQUIRE_INT(t, http_do(&c, &rq, &rs, &err), HTTP_OK);
	CHECK_INT(t, rs.status, 200);
	CHECK_MEM(t, body, (size_t)rs.body_len, "hello", 5);
	CHECK(t, strncmp(s.sent, "GET /v2/ HTTP/1.1\r\nHost: registry.test\r\n", 40) == 0);
	REQUIRE_INT(t, http_do(&c, &rq, &rs, &err), HTTP_OK);
	CHECK_MEM(t, body, (size_t)rs.body_len, "ab", 2);
	CHECK_INT(t, rs.reused, 1);
	CHECK_INT(t, s.opens, 1);
	CHECK_INT(t, c.stats.tls_handshakes, 0);
	CHECK_INT(t, c.stats.tcp_connects, 0);
	http_client_close(&c);
}

static void
keeps_failure_classes(struct th *t)
{
	static const char *const answers[] = { "HTTP/1.1 200 OK\r\nContent-Le", NULL };
	static struct http_client c;
	static struct tls_anchors anchors;
	static struct script s;
	struct http_transport tp;
	struct http_client_config cfg = { &anchors, NULL, NULL, NULL, 0, &tp };
	struct http_request rq;
	struct http_response rs;
	struct errbuf err;

	script_start(&s, &tp, answers);
	s.refuse = 1;
	REQUIRE(t, http_client_init(&c, &cfg, &err) == 0);
	memset(&rq, 0, sizeof(rq));
	rq.url = "https://registry.test/v2/";
	rq.timeout_ms = 1000;
	CHECK_INT(t, http_do(&c, &rq, &rs, &err), HTTP_ERR_CONNECT);
	s.refuse = 0;
	CHECK_INT(t, http_do(&c, &rq, &rs, &err), HTTP_ERR_IO);
	CHECK(t, strstr(err.msg, "response head cut") != NULL);
	http_client_close(&c);
}

void
suite_http_transport(struct th *t)
{
	th_run(t, "http: the test transport serves responses without sockets or TLS",
	    serves_https_from_memory);
	th_run(t, "http: test transport failures keep their error classes",
	    keeps_failure_classes);
}
