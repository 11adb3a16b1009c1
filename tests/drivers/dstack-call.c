/*
 * dstack-call — one request to a dstack agent socket with the bytes
 * dstack.c builds, for the checks against tests/lib/fake_dstack.py.
 *
 * usage: dstack-call SOCKET emit|quote|info PAYLOAD_HEX64 [TIMEOUT_MS]
 *   emit   POST /EmitEvent; prints "status N"; exit 0 on 2xx
 *   quote  POST /GetQuote; prints "status N" and "seen none|same|different"
 *   info   POST /Info; same
 * Transport errors print "error: …" and exit 1; HTTP errors exit 1 too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "dstack.h"
#include "http_response.h"
#include "net.h"

static char response[DSTACK_RESPONSE_MAX + HTTP_MAX_HEAD_BYTES];
static unsigned char arena_buf[8 * 1024 * 1024];
static struct http_response_head head;

static int
fail(const char *msg)
{
	printf("error: %s\n", msg);
	return 1;
}

/* Sends req and reads until the agent closes (we sent Connection: close). */
static int
exchange(const char *sock, const char *req, size_t len, int timeout_ms,
    size_t *got, struct errbuf *e)
{
	const struct net_clock *clk = net_clock_monotonic();
	uint64_t deadline = net_now(clk) + (uint64_t)timeout_ms;
	int fd, rc;

	*got = 0;
	if (net_connect_unix(sock, clk, deadline, &fd, e) != NET_OK)
		return -1;
	rc = net_write_all(fd, req, len, clk, deadline, e);
	while (rc == NET_OK && *got < sizeof(response)) {
		size_t n;
		rc = net_read_some(fd, response + *got, sizeof(response) - *got, &n, clk, deadline, e);
		if (rc == NET_OK)
			*got += n;
	}
	close(fd);
	if (rc != NET_EOF && rc != NET_OK)
		return -1;
	return 0;
}

static int
decode_hex(const char *s, struct digest *out)
{
	size_t i;

	if (strlen(s) != DIGEST_HEX_LEN)
		return -1;
	for (i = 0; i < DIGEST_LEN; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		out->b[i] = (unsigned char)v;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct digest payload;
	char body[DSTACK_BODY_MAX], req[DSTACK_REQUEST_MAX];
	const char *path, *b;
	size_t blen, rlen, got;
	struct errbuf e;
	struct arena a;
	struct rtmr_once once;
	enum rtmr_seen seen;
	int hl, rc;

	if (argc < 4 || decode_hex(argv[3], &payload) != 0)
		return fail("usage: dstack-call SOCKET emit|quote|info PAYLOAD_HEX64 [TIMEOUT_MS]");
	if (strcmp(argv[2], "emit") == 0) {
		path = DSTACK_PATH_EMIT_EVENT;
		if (dstack_emit_event_body(&payload, body, sizeof(body), &blen, &e) != DSTACK_OK)
			return fail(e.msg);
		b = body;
	} else {
		path = strcmp(argv[2], "quote") == 0 ? DSTACK_PATH_GET_QUOTE : DSTACK_PATH_INFO;
		b = strcmp(argv[2], "quote") == 0 ? dstack_get_quote_body() : dstack_info_body();
		blen = strlen(b);
	}
	if (dstack_request_format(path, b, blen, req, sizeof(req), &rlen, &e) != DSTACK_OK ||
	    exchange(argv[1], req, rlen, argc > 4 ? atoi(argv[4]) : 5000, &got, &e) != 0)
		return fail(e.msg);
	hl = http_response_parse_head(response, got, 0, &head, &e);
	if (hl < 0)
		return fail(hl == HTTP_PARSE_INCOMPLETE ? "connection closed before a response" : e.msg);
	printf("status %d\n", head.status);
	if (head.status < 200 || head.status > 299)
		return 1;
	if (strcmp(argv[2], "emit") == 0)
		return 0;
	if (head.body_kind != HTTP_BODY_LENGTH || head.content_length != got - (size_t)hl)
		return fail("answer body is not exactly Content-Length bytes");
	arena_init(&a, arena_buf, sizeof(arena_buf));
	rtmr_once_init(&once, &payload);
	rc = strcmp(argv[2], "quote") == 0 ?
	    dstack_quote_response_scan(response + hl, got - (size_t)hl, &a, &once, &e) :
	    dstack_info_response_scan(response + hl, got - (size_t)hl, &a, &once, &e);
	if (rc != DSTACK_OK || rtmr_once_decide(&once, &seen, &e) != RTMR_OK)
		return fail(e.msg);
	printf("seen %s\n", seen == RTMR_SEEN_NONE ? "none" : seen == RTMR_SEEN_SAME ? "same" : "different");
	return 0;
}
