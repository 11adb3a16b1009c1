#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "http_response.h"

/* A raw response literal with its exact length (literals may hold NULs). */
#define RAW(s) (s), sizeof(s) - 1

struct result {
	int rc;
	struct http_response_head head;
	struct errbuf err;
};

/* Parses an exact-size heap copy so ASan catches any read past len. */
static void
parse_copy(const char *raw, size_t len, int head_req, struct result *r)
{
	char *copy = malloc(len ? len : 1);

	memcpy(copy, raw, len);
	memset(&r->err, 0, sizeof(r->err));
	r->rc = http_response_parse_head(copy, len, head_req, &r->head, &r->err);
	/* Pointers into the copy are rebased onto raw for comparisons. */
	if (r->rc > 0) {
		size_t i;
		r->head.reason = raw + (r->head.reason - copy);
		for (i = 0; i < r->head.num_headers; i++) {
			r->head.headers[i].name = raw + (r->head.headers[i].name - copy);
			r->head.headers[i].value = raw + (r->head.headers[i].value - copy);
		}
	}
	free(copy);
}

static int
same_result(const struct result *a, const struct result *b)
{
	size_t i;

	if (a->rc != b->rc)
		return 0;
	if (a->rc == HTTP_PARSE_ERROR)
		return strcmp(a->err.msg, b->err.msg) == 0;
	if (a->rc < 0)
		return 1;
	if (a->head.status != b->head.status ||
	    a->head.minor_version != b->head.minor_version ||
	    a->head.body_kind != b->head.body_kind ||
	    a->head.content_length != b->head.content_length ||
	    a->head.keep_alive != b->head.keep_alive ||
	    a->head.reason != b->head.reason ||
	    a->head.reason_len != b->head.reason_len ||
	    a->head.num_headers != b->head.num_headers)
		return 0;
	for (i = 0; i < a->head.num_headers; i++) {
		if (a->head.headers[i].name != b->head.headers[i].name ||
		    a->head.headers[i].name_len != b->head.headers[i].name_len ||
		    a->head.headers[i].value != b->head.headers[i].value ||
		    a->head.headers[i].value_len != b->head.headers[i].value_len)
			return 0;
	}
	return 1;
}

/*
 * Parses raw whole, then every prefix (every stride-th length, and all of
 * the last 64): each prefix must give INCOMPLETE or exactly the whole
 * result, and once decided must stay decided.  Returns the whole result.
 */
static void
parse_all_ways(struct th *t, const char *raw, size_t len, int head_req,
    size_t stride, struct result *whole)
{
	struct result *r = malloc(sizeof(*r));
	size_t k;
	int decided = 0;

	parse_copy(raw, len, head_req, whole);
	for (k = 0; k <= len; k++) {
		if (k % stride != 0 && k + 64 < len)
			continue;
		parse_copy(raw, k, head_req, r);
		if (r->rc == HTTP_PARSE_INCOMPLETE && !decided)
			continue;
		decided = 1;
		if (!same_result(r, whole)) {
			char what[64];
			snprintf(what, sizeof(what), "prefix of %zu bytes", k);
			CHECK_INT(t, r->rc, whole->rc);
			CHECK_STR(t, r->err.msg, whole->err.msg);
			CHECK(t, what == NULL);
			break;
		}
	}
	free(r);
}

struct head_case {
	const char *raw;
	size_t len;
	int head_req;
	int rc; /* > 0: consumed; else the error code */
	int status;
	enum http_body_kind kind;
	uint64_t cl;
	int keep_alive;
	const char *err; /* exact error text when rc == ERROR */
};

static void
run_head_cases(struct th *t, const struct head_case *cs, size_t n)
{
	struct result *w = malloc(sizeof(*w));
	size_t i;

	for (i = 0; i < n; i++) {
		const struct head_case *c = &cs[i];
		parse_all_ways(t, c->raw, c->len, c->head_req, 1, w);
		if (!CHECK_INT(t, w->rc, c->rc)) {
			printf("     case %zu: %s\n", i, w->err.msg);
			continue;
		}
		if (c->rc == HTTP_PARSE_ERROR) {
			if (!CHECK_STR(t, w->err.msg, c->err))
				printf("     case %zu\n", i);
			continue;
		}
		if (c->rc < 0)
			continue;
		if (!CHECK_INT(t, w->head.status, c->status) ||
		    !CHECK_INT(t, w->head.body_kind, c->kind) ||
		    !CHECK_INT(t, w->head.content_length, c->cl) ||
		    !CHECK_INT(t, w->head.keep_alive, c->keep_alive))
			printf("     case %zu\n", i);
	}
	free(w);
}


#define OK_HEAD(s, body, hr, st, k, cl, ka) \
	{ RAW(s body), hr, (int)sizeof(s) - 1, st, k, cl, ka, NULL }
#define BAD(s, msg) { RAW(s), 0, HTTP_PARSE_ERROR, 0, 0, 0, 0, msg }
#define BAD_HEAD(s, hr, msg) { RAW(s), hr, HTTP_PARSE_ERROR, 0, 0, 0, 0, msg }

static void
framing_follows_rfc9112(struct th *t)
{
	static const struct head_case cs[] = {
		OK_HEAD("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "hello", 0,
		    200, HTTP_BODY_LENGTH, 5, 1),
		OK_HEAD("HTTP/1.1 200 OK\r\ncontent-LENGTH: 0\r\n\r\n", "", 0,
		    200, HTTP_BODY_LENGTH, 0, 1),
		OK_HEAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		    "0\r\n\r\n", 0, 200, HTTP_BODY_CHUNKED, 0, 1),
		OK_HEAD("HTTP/1.1 200 OK\r\ntransfer-encoding:  CHUNKED \r\n\r\n", "",
		    0, 200, HTTP_BODY_CHUNKED, 0, 1),
		OK_HEAD("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", "body until close", 0,
		    200, HTTP_BODY_CLOSE, 0, 0),
		OK_HEAD("HTTP/1.1 204 No Content\r\n\r\n", "", 0,
		    204, HTTP_BODY_NONE, 0, 1),
		OK_HEAD("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", "", 0,
		    304, HTTP_BODY_NONE, 9, 1),
		OK_HEAD("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "", 1,
		    200, HTTP_BODY_NONE, 100, 1),
		OK_HEAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "", 1,
		    200, HTTP_BODY_NONE, 0, 1),
		OK_HEAD("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n"
		    "Content-Length: 3\r\n\r\n", "abc", 0,
		    404, HTTP_BODY_LENGTH, 3, 1),
		OK_HEAD("HTTP/1.1 200 OK\r\nContent-Length: 5, 5,05\r\n\r\n", "hello", 0,
		    200, HTTP_BODY_LENGTH, 5, 1),
		OK_HEAD("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n",
		    "", 0, 200, HTTP_BODY_LENGTH, UINT64_MAX, 1),
		OK_HEAD("HTTP/1.1 200 OK\r\nContent-Length: 000\r\n\r\n", "", 0,
		    200, HTTP_BODY_LENGTH, 0, 1),
	};

	run_head_cases(t, cs, sizeof(cs) / sizeof(cs[0]));
}

static void
keep_alive_depends_on_version_and_connection(struct th *t)
{
	static const struct head_case cs[] = {
		OK_HEAD("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
		    "", 0, 200, HTTP_BODY_LENGTH, 0, 0),
		OK_HEAD("HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE\r\n"
		    "Content-Length: 0\r\n\r\n", "", 0, 200, HTTP_BODY_LENGTH, 0, 0),
		OK_HEAD("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n"
		    "Content-Length: 0\r\n\r\n", "", 0, 200, HTTP_BODY_LENGTH, 0, 1),
		OK_HEAD("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", "", 0,
		    200, HTTP_BODY_LENGTH, 0, 0),
		OK_HEAD("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
		    "Content-Length: 0\r\n\r\n", "", 0, 200, HTTP_BODY_LENGTH, 0, 1),
		OK_HEAD("HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\n"
		    "Content-Length: 0\r\n\r\n", "", 0, 200, HTTP_BODY_LENGTH, 0, 0),
		OK_HEAD("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", "x", 0,
		    200, HTTP_BODY_CLOSE, 0, 0),
		OK_HEAD("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n", "x", 0,
		    200, HTTP_BODY_CLOSE, 0, 0),
	};

	run_head_cases(t, cs, sizeof(cs) / sizeof(cs[0]));
}

static void
interim_responses_are_skipped(struct th *t)
{
	static const struct head_case cs[] = {
		OK_HEAD("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
		    "Content-Length: 2\r\n\r\n", "hi", 0, 200, HTTP_BODY_LENGTH, 2, 1),
		OK_HEAD("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
		    "Link: </a>\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
		    "", 0, 201, HTTP_BODY_LENGTH, 0, 1),
		BAD("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\n\r\n",
		    "HTTP response offset 34: unexpected 101 Switching Protocols"),
		BAD("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
		    "HTTP response offset 9: unexpected 101 Switching Protocols"),
		BAD("HTTP/1.1 100 Continue\r\nX: \x01\r\n\r\n",
		    "HTTP response offset 26: invalid byte 0x01 in header value"),
		{ RAW("HTTP/1.1 100 Continue\r\n\r\n"), 0, HTTP_PARSE_INCOMPLETE,
		    0, 0, 0, 0, NULL },
	};

	run_head_cases(t, cs, sizeof(cs) / sizeof(cs[0]));
}

static void
status_line_is_strict(struct th *t)
{
	static const struct head_case cs[] = {
		OK_HEAD("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", "", 0,
		    200, HTTP_BODY_LENGTH, 0, 1),
		OK_HEAD("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", "", 0,
		    200, HTTP_BODY_LENGTH, 0, 1),
		OK_HEAD("HTTP/1.1 599 Odd\t\xe9t\xe9 !\r\nContent-Length: 0\r\n\r\n", "", 0,
		    599, HTTP_BODY_LENGTH, 0, 1),
		BAD("http/1.1 200 OK\r\n\r\n",
		    "HTTP response offset 0: not an HTTP/1.x status line"),
		BAD("HTTP/2 200 OK\r\n\r\n",
		    "HTTP response offset 5: not an HTTP/1.x status line"),
		BAD("HTTP/1.2 200 OK\r\n\r\n",
		    "HTTP response offset 7: unsupported HTTP version (want 1.0 or 1.1)"),
		BAD("HTTP/1.1  200 OK\r\n\r\n",
		    "HTTP response offset 9: status code is not three digits"),
		BAD("HTTP/1.1 20 OK\r\n\r\n",
		    "HTTP response offset 11: status code is not three digits"),
		BAD("HTTP/1.1 2000 OK\r\n\r\n",
		    "HTTP response offset 12: expected SP or CRLF after the status code"),
		BAD("HTTP/1.1 200OK\r\n\r\n",
		    "HTTP response offset 12: expected SP or CRLF after the status code"),
		BAD("HTTP/1.1 099 Low\r\n\r\n",
		    "HTTP response offset 9: status code outside 100..599"),
		BAD("HTTP/1.1 600 High\r\n\r\n",
		    "HTTP response offset 9: status code outside 100..599"),
		BAD("HTTP/1.1 200 OK\rX-A: b\r\n\r\n",
		    "HTTP response offset 15: bare CR in status line"),
		BAD("HTTP/1.1 200 OK\nX-A: b\r\n\r\n",
		    "HTTP response offset 15: LF without CR in reason phrase"),
		BAD("HTTP/1.1 200 O\0K\r\n\r\n",
		    "HTTP response offset 14: NUL byte in reason phrase"),
		BAD("\x16\x03\x01\x02\x00",
		    "HTTP response offset 0: not an HTTP/1.x status line"),
	};

	run_head_cases(t, cs, sizeof(cs) / sizeof(cs[0]));
}

static void
header_syntax_errors_are_rejected(struct th *t)
{
	static const struct head_case cs[] = {
		BAD("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n",
		    "HTTP response offset 23: bare CR in header value"),
		BAD("HTTP/1.1 200 OK\r\nX-A: a\r\r\n\r\n",
		    "HTTP response offset 23: bare CR in header value"),
		BAD("HTTP/1.1 200 OK\r\nX-A: a\nX-B: b\r\n\r\n",
		    "HTTP response offset 23: LF without CR in header value"),
		BAD("HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n",
		    "HTTP response offset 23: NUL byte in header value"),
		BAD("HTTP/1.1 200 OK\r\nX-\0A: ab\r\n\r\n",
		    "HTTP response offset 19: NUL byte in header name"),
		BAD("HTTP/1.1 200 OK\r\nX-A: a\x7f\r\n\r\n",
		    "HTTP response offset 23: invalid byte 0x7f in header value"),
		BAD("HTTP/1.1 200 OK\r\nX-A: a\x0b\r\n\r\n",
		    "HTTP response offset 23: invalid byte 0x0b in header value"),
		BAD("HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n",
		    "HTTP response offset 25: obs-fold (header line continued with whitespace)"),
		BAD("HTTP/1.1 200 OK\r\nX-A: a\r\n\tb\r\n\r\n",
		    "HTTP response offset 25: obs-fold (header line continued with whitespace)"),
		BAD("HTTP/1.1 200 OK\r\n X-A: a\r\n\r\n",
		    "HTTP response offset 17: whitespace before the first header"),
		BAD("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello",
		    "HTTP response offset 31: whitespace before the colon of a header"),
		BAD("HTTP/1.1 200 OK\r\nX(A): b\r\n\r\n",
		    "HTTP response offset 18: invalid byte 0x28 in header name"),
		BAD("HTTP/1.1 200 OK\r\nX@A: b\r\n\r\n",
		    "HTTP response offset 18: invalid byte 0x40 in header name"),
		BAD("HTTP/1.1 200 OK\r\nX\xc3\xa9: b\r\n\r\n",
		    "HTTP response offset 18: invalid byte 0xc3 in header name"),
		BAD("HTTP/1.1 200 OK\r\n: b\r\n\r\n",
		    "HTTP response offset 17: empty header name"),
		BAD("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
		    "HTTP response offset 24: header line without a colon"),
		BAD("HTTP/1.1 200 OK\r\nX-A: b\r\n\rX",
		    "HTTP response offset 25: bare CR in header block"),
		BAD("HTTP/1.1 200 OK\r\nX-A: b\r\n\n",
		    "HTTP response offset 25: header line without a colon"),
	};

	run_head_cases(t, cs, sizeof(cs) / sizeof(cs[0]));
}

static void
smuggling_classics_are_rejected(struct th *t)
{
	static const struct head_case cs[] = {
		BAD("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		    "HTTP response offset 36: both Transfer-Encoding and Content-Length (request smuggling)"),
		BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
		    "HTTP response offset 17: both Transfer-Encoding and Content-Length (request smuggling)"),
		BAD_HEAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 1,
		    "HTTP response offset 17: both Transfer-Encoding and Content-Length (request smuggling)"),
		BAD("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
		    "HTTP response offset 36: Content-Length values disagree"),
		BAD("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n",
		    "HTTP response offset 17: Content-Length values disagree"),
		BAD("HTTP/1.1 200 OK\r\nContent-Length: 5,\r\n\r\n",
		    "HTTP response offset 17: Content-Length has an empty member"),
		BAD("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
		    "HTTP response offset 17: Content-Length has an empty member"),
		BAD("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
		    "HTTP response offset 17: Content-Length is not a decimal number"),
		BAD("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		    "HTTP response offset 17: Content-Length is not a decimal number"),
		BAD("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
		    "HTTP response offset 17: Content-Length is not a decimal number"),
		BAD("HTTP/1.1 200 OK\r\nContent-Length: 5 5\r\n\r\n",
		    "HTTP response offset 17: Content-Length is not a decimal number"),
		BAD("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
		    "HTTP response offset 17: Content-Length overflows 64 bits"),
		BAD("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		    "HTTP response offset 17: Content-Length overflows 64 bits"),
		BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		    "HTTP response offset 17: Transfer-Encoding does not end with chunked"),
		BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
		    "HTTP response offset 17: Transfer-Encoding does not end with chunked"),
		BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
		    "HTTP response offset 17: Transfer-Encoding does not end with chunked"),
		BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n",
		    "HTTP response offset 17: Transfer-Encoding does not end with chunked"),
		BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: xchunked\r\n\r\n",
		    "HTTP response offset 17: Transfer-Encoding does not end with chunked"),
		BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
		    "HTTP response offset 17: Transfer-Encoding applies chunked twice"),
		BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
		    "HTTP response offset 17: Transfer-Encoding applies chunked twice"),
		BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		    "HTTP response offset 17: Transfer-Encoding has a coding other than chunked (unsupported)"),
		BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: ,chunked\r\n\r\n",
		    "HTTP response offset 17: Transfer-Encoding has an empty member"),
		BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n",
		    "HTTP response offset 17: Transfer-Encoding has an empty member"),
		BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: \x0b" "chunked\r\n\r\n",
		    "HTTP response offset 36: invalid byte 0x0b in header value"),
		BAD("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		    "HTTP response offset 17: Transfer-Encoding in an HTTP/1.0 response"),
		BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding : chunked\r\n\r\n",
		    "HTTP response offset 34: whitespace before the colon of a header"),
		BAD("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n chunked\r\n\r\n",
		    "HTTP response offset 45: obs-fold (header line continued with whitespace)"),
		BAD_HEAD("HTTP/1.1 204 No Content\r\nContent-Length: x\r\n\r\n", 0,
		    "HTTP response offset 25: Content-Length is not a decimal number"),
	};

	run_head_cases(t, cs, sizeof(cs) / sizeof(cs[0]));
}

static void
headers_are_found_case_insensitively_and_trimmed(struct th *t)
{
	static const char raw[] = "HTTP/1.1 200 Fine\r\nX-Empty:\r\n"
	    "Docker-Content-Digest: \t sha256:ab \t\r\nx-obs: \x80\xff\r\n"
	    "X-Dup: 1\r\nx-dup: 2\r\nContent-Length: 0\r\n\r\n";
	struct result w;
	const struct http_header *h;

	parse_all_ways(t, raw, sizeof(raw) - 1, 0, 1, &w);
	REQUIRE_INT(t, w.rc, (int)sizeof(raw) - 1);
	CHECK_MEM(t, w.head.reason, w.head.reason_len, "Fine", 4);
	CHECK_INT(t, w.head.num_headers, 6);
	h = http_header_find(&w.head, "docker-content-digest");
	REQUIRE(t, h != NULL);
	CHECK_MEM(t, h->name, h->name_len, "Docker-Content-Digest", 21);
	CHECK_MEM(t, h->value, h->value_len, "sha256:ab", 9);
	h = http_header_find(&w.head, "X-EMPTY");
	REQUIRE(t, h != NULL);
	CHECK_INT(t, h->value_len, 0);
	h = http_header_find(&w.head, "X-OBS");
	REQUIRE(t, h != NULL);
	CHECK_MEM(t, h->value, h->value_len, "\x80\xff", 2);
	h = http_header_find(&w.head, "X-DUP");
	REQUIRE(t, h != NULL);
	CHECK_MEM(t, h->value, h->value_len, "1", 1);
	CHECK(t, http_header_find(&w.head, "X-Du") == NULL);
	CHECK(t, http_header_find(&w.head, "X-Dupe") == NULL);
	CHECK(t, http_header_find(&w.head, "") == NULL);
}

static void
incomplete_heads_ask_for_more(struct th *t)
{
	static const struct head_case cs[] = {
		{ RAW(""), 0, HTTP_PARSE_INCOMPLETE, 0, 0, 0, 0, NULL },
		{ RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"), 0,
		    HTTP_PARSE_INCOMPLETE, 0, 0, 0, 0, NULL },
		{ RAW("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r"), 0,
		    HTTP_PARSE_INCOMPLETE, 0, 0, 0, 0, NULL },
	};

	run_head_cases(t, cs, sizeof(cs) / sizeof(cs[0]));
}

/* n headers "H<i>: v\r\n" after a status line, then a blank line. */
static char *
many_headers(size_t n, size_t *len)
{
	char *buf = malloc(32 + n * 16);
	size_t i, o;

	o = (size_t)sprintf(buf, "HTTP/1.1 200 OK\r\n");
	for (i = 0; i < n; i++)
		o += (size_t)sprintf(buf + o, "H%zu: v\r\n", i);
	o += (size_t)sprintf(buf + o, "Content-Length: 0\r\n\r\n");
	*len = o;
	return buf;
}

static void
header_count_is_limited(struct th *t)
{
	struct result *w = malloc(sizeof(*w));
	size_t len;
	char *raw;

	raw = many_headers(HTTP_MAX_HEADERS - 1, &len);
	parse_all_ways(t, raw, len, 0, 1, w);
	CHECK_INT(t, w->rc, (int)len);
	CHECK_INT(t, w->head.num_headers, HTTP_MAX_HEADERS);
	free(raw);

	raw = many_headers(HTTP_MAX_HEADERS, &len);
	parse_all_ways(t, raw, len, 0, 1, w);
	CHECK_INT(t, w->rc, HTTP_PARSE_ERROR);
	CHECK(t, strstr(w->err.msg, "more than 100 headers") != NULL);
	free(raw);

	raw = many_headers(1000, &len);
	parse_all_ways(t, raw, len, 0, 1, w);
	CHECK_INT(t, w->rc, HTTP_PARSE_ERROR);
	CHECK_STR(t, w->err.msg, "HTTP response offset 807: more than 100 headers");
	free(raw);
	free(w);
}

/* A head of exactly total bytes: one long header value pads it. */
static char *
head_of_size(size_t total)
{
	static const char pre[] = "HTTP/1.1 200 OK\r\nX-Pad: ";
	static const char post[] = "\r\nContent-Length: 0\r\n\r\n";
	char *buf = malloc(total);

	memcpy(buf, pre, sizeof(pre) - 1);
	memset(buf + sizeof(pre) - 1, 'p', total - (sizeof(pre) - 1) - (sizeof(post) - 1));
	memcpy(buf + total - (sizeof(post) - 1), post, sizeof(post) - 1);
	return buf;
}

static void
head_size_is_limited(struct th *t)
{
	struct result *w = malloc(sizeof(*w));
	char *raw;

	raw = head_of_size(HTTP_MAX_HEAD_BYTES);
	parse_all_ways(t, raw, HTTP_MAX_HEAD_BYTES, 0, 509, w);
	CHECK_INT(t, w->rc, HTTP_MAX_HEAD_BYTES);
	free(raw);

	raw = head_of_size(HTTP_MAX_HEAD_BYTES + 1);
	parse_all_ways(t, raw, HTTP_MAX_HEAD_BYTES + 1, 0, 509, w);
	CHECK_INT(t, w->rc, HTTP_PARSE_ERROR);
	CHECK_STR(t, w->err.msg, "HTTP response offset 65536: head exceeds 65536 bytes");
	free(raw);
	free(w);
}

/* ---- chunked decoding */

struct dec_result {
	int rc; /* INCOMPLETE, ERROR, or 0 when the body ended */
	char data[8192];
	size_t data_len;
	char left[256];
	size_t left_len;
	struct errbuf err;
};

/*
 * Feeds in[0..n) to a fresh decoder in pieces: cut at `split` (0 = whole),
 * or one byte at a time when bytewise.  Each piece is an exact heap copy.
 */
static void
decode_pieces(const char *in, size_t n, size_t split, int bytewise,
    struct dec_result *r)
{
	struct http_chunked_decoder d;
	size_t at = 0, piece, plen;
	char *buf;
	int rc;

	memset(r, 0, sizeof(*r));
	r->rc = HTTP_PARSE_INCOMPLETE;
	http_chunked_init(&d);
	while (at < n || (at == 0 && n == 0)) {
		piece = bytewise ? 1 : (split != 0 && at < split) ? split : n - at;
		if (piece > n - at)
			piece = n - at;
		buf = malloc(piece ? piece : 1);
		memcpy(buf, in + at, piece);
		plen = piece;
		rc = http_chunked_decode(&d, buf, &plen, &r->err);
		if (rc == HTTP_PARSE_ERROR) {
			r->rc = rc;
			free(buf);
			return;
		}
		if (r->rc == 0 && (rc != (int)piece || plen != 0)) {
			r->rc = HTTP_PARSE_ERROR; /* trailing input changed after end */
			snprintf(r->err.msg, sizeof(r->err.msg), "not all trailing");
		}
		memcpy(r->data + r->data_len, buf, plen);
		r->data_len += plen;
		if (rc >= 0) {
			memcpy(r->left + r->left_len, buf + plen, (size_t)rc);
			r->left_len += (size_t)rc;
			if (r->rc != HTTP_PARSE_ERROR)
				r->rc = 0;
		}
		free(buf);
		at += piece;
		if (n == 0)
			break;
	}
}

static int
same_dec(const struct dec_result *a, const struct dec_result *b)
{
	if (a->rc != b->rc)
		return 0;
	if (a->rc == HTTP_PARSE_ERROR)
		return strcmp(a->err.msg, b->err.msg) == 0;
	return a->data_len == b->data_len && a->left_len == b->left_len &&
	    memcmp(a->data, b->data, a->data_len) == 0 &&
	    memcmp(a->left, b->left, a->left_len) == 0;
}

struct chunk_case {
	const char *in;
	size_t len;
	int rc;
	const char *out; /* decoded data, or the error text */
	size_t out_len;
	const char *left;
};

static void
run_chunk_cases(struct th *t, const struct chunk_case *cs, size_t n)
{
	struct dec_result *w = malloc(sizeof(*w)), *r = malloc(sizeof(*r));
	size_t i, k;

	for (i = 0; i < n; i++) {
		const struct chunk_case *c = &cs[i];
		decode_pieces(c->in, c->len, 0, 0, w);
		if (!CHECK_INT(t, w->rc, c->rc)) {
			printf("     case %zu: %s\n", i, w->err.msg);
			continue;
		}
		if (c->rc == HTTP_PARSE_ERROR) {
			if (!CHECK_STR(t, w->err.msg, c->out))
				printf("     case %zu\n", i);
		} else if (!CHECK_MEM(t, w->data, w->data_len, c->out, c->out_len) ||
		    !CHECK_MEM(t, w->left, w->left_len, c->left, strlen(c->left))) {
			printf("     case %zu\n", i);
		}
		decode_pieces(c->in, c->len, 0, 1, r);
		if (!CHECK(t, same_dec(r, w)))
			printf("     case %zu byte by byte: %s\n", i, r->err.msg);
		for (k = 1; k < c->len; k++) {
			decode_pieces(c->in, c->len, k, 0, r);
			if (!same_dec(r, w)) {
				CHECK(t, same_dec(r, w));
				printf("     case %zu split at %zu: %s\n", i, k, r->err.msg);
				break;
			}
		}
	}
	free(w);
	free(r);
}

#define CH_OK(in, out, left) { RAW(in), 0, RAW(out), left }
#define CH_BAD(in, msg) { RAW(in), HTTP_PARSE_ERROR, RAW(msg), NULL }
#define CH_MORE(in, out) { RAW(in), HTTP_PARSE_INCOMPLETE, RAW(out), "" }

static void
chunked_bodies_decode_whole_and_split_anywhere(struct th *t)
{
	static const struct chunk_case cs[] = {
		CH_OK("5\r\nhello\r\n0\r\n\r\n", "hello", ""),
		CH_OK("0\r\n\r\n", "", ""),
		CH_OK("5\r\nhello\r\n1\r\n \r\n6\r\nworld!\r\n0\r\n\r\nHTTP/1.1 200",
		    "hello world!", "HTTP/1.1 200"),
		CH_OK("A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n",
		    "0123456789abcdefghij", ""),
		CH_OK("00000000000000000000005\r\nhello\r\n000\r\n\r\n", "hello", ""),
		CH_OK("5;foo=bar;baz;q=\"a \\\" b\\\\\"\r\nhello\r\n0;last\r\n\r\n",
		    "hello", ""),
		CH_OK("5 ; foo = bar ;x\t=\t\"\"\r\nhello\r\n0\r\n\r\n", "hello", ""),
		CH_OK("5;a=\"\xc3\xa9\"\r\nhello\r\n0\r\n\r\n", "hello", ""),
		CH_OK("3\r\n\0\r\n\r\n0\r\n\r\n", "\0\r\n", ""),
		CH_OK("2\r\nhi\r\n0\r\nX-Trailer: v\r\nY:\r\nZ: \x80 \t z\r\n\r\nrest",
		    "hi", "rest"),
		CH_MORE("5\r\nhel", "hel"),
		CH_MORE("FFFFFFFFFFFFFFFF\r\nabc", "abc"),
		CH_MORE("0\r\nX: y\r\n", ""),
		CH_BAD("\r\n", "chunked body offset 0: chunk size has no hex digit"),
		CH_BAD("g\r\n", "chunked body offset 0: chunk size has no hex digit"),
		CH_BAD("-5\r\nhello", "chunked body offset 0: chunk size has no hex digit"),
		CH_BAD("0x5\r\nhello", "chunked body offset 1: invalid byte after chunk size"),
		CH_BAD(";a\r\n", "chunked body offset 0: chunk size has no hex digit"),
		CH_BAD("10000000000000000\r\n",
		    "chunked body offset 16: chunk size overflows 64 bits"),
		CH_BAD("5\nhello\r\n0\r\n\r\n",
		    "chunked body offset 1: invalid byte after chunk size"),
		CH_BAD("5\rhello", "chunked body offset 2: bare CR in chunk size line"),
		CH_BAD("5 \r\nhello", "chunked body offset 2: malformed chunk extension"),
		CH_BAD("5;\r\nhello", "chunked body offset 2: malformed chunk extension"),
		CH_BAD("5;a=\r\nhello", "chunked body offset 4: malformed chunk extension"),
		CH_BAD("5;a b\r\nhello", "chunked body offset 4: malformed chunk extension"),
		CH_BAD("5;a=\"x\r\nhello", "chunked body offset 6: malformed chunk extension"),
		CH_BAD("5;a=\"x\"y\r\nhello", "chunked body offset 7: malformed chunk extension"),
		CH_BAD("5;a=\"\\\r\"\r\nhello", "chunked body offset 6: malformed chunk extension"),
		CH_BAD("5;a=\"\0\"\r\nhello", "chunked body offset 5: malformed chunk extension"),
		CH_BAD("5;a@=b\r\nhello", "chunked body offset 3: malformed chunk extension"),
		CH_BAD("5\r\nhelloX\r\n0\r\n\r\n",
		    "chunked body offset 8: missing CRLF after chunk data"),
		CH_BAD("5\r\nhello\rX0\r\n\r\n",
		    "chunked body offset 9: missing CRLF after chunk data"),
		CH_BAD("5\r\nhello\n0\r\n\r\n",
		    "chunked body offset 8: missing CRLF after chunk data"),
		CH_BAD("0\r\nX: a\r\n b\r\n\r\n", "chunked body offset 9: obs-fold in trailer"),
		CH_BAD("0\r\nX: a\rb\r\n\r\n", "chunked body offset 8: bare CR in trailer"),
		CH_BAD("0\r\nX: a\0\r\n\r\n", "chunked body offset 7: invalid byte in trailer value"),
		CH_BAD("0\r\nX : a\r\n\r\n", "chunked body offset 4: invalid byte in trailer name"),
		CH_BAD("0\r\nNoColon\r\n\r\n", "chunked body offset 10: invalid byte in trailer name"),
		CH_BAD("0\r\n:a\r\n\r\n",
		    "chunked body offset 3: invalid byte at start of trailer line"),
		CH_BAD("0\r\n\rX", "chunked body offset 4: bare CR after the last chunk"),
		CH_BAD("0\r\n\n", "chunked body offset 3: invalid byte at start of trailer line"),
	};

	run_chunk_cases(t, cs, sizeof(cs) / sizeof(cs[0]));
}

static void
chunked_lines_and_trailers_are_bounded(struct th *t)
{
	struct dec_result *w = malloc(sizeof(*w));
	size_t n = 0, i;
	char *in = malloc(HTTP_MAX_TRAILER_BYTES + 4096);

	/* A size line one byte too long: "5;" then 'a' up to the limit + 1. */
	memcpy(in, "5;", 2);
	memset(in + 2, 'a', HTTP_CHUNK_LINE_MAX);
	decode_pieces(in, HTTP_CHUNK_LINE_MAX + 2, 0, 0, w);
	CHECK_INT(t, w->rc, HTTP_PARSE_ERROR);
	CHECK_STR(t, w->err.msg, "chunked body offset 4096: chunk size line too long");
	/* Exactly at the limit (counting CRLF) is fine. */
	memcpy(in + HTTP_CHUNK_LINE_MAX - 2, "\r\nhello\r\n0\r\n\r\n", 14);
	decode_pieces(in, HTTP_CHUNK_LINE_MAX + 12, 0, 0, w);
	CHECK_INT(t, w->rc, 0);
	CHECK_MEM(t, w->data, w->data_len, "hello", 5);

	/* Trailers: lines of 100 bytes until the total limit is crossed. */
	memcpy(in, "0\r\n", 3);
	n = 3;
	for (i = 0; n < 3 + HTTP_MAX_TRAILER_BYTES + 100; i++) {
		memcpy(in + n, "T: ", 3);
		memset(in + n + 3, 'x', 95);
		memcpy(in + n + 98, "\r\n", 2);
		n += 100;
	}
	decode_pieces(in, n, 0, 0, w);
	CHECK_INT(t, w->rc, HTTP_PARSE_ERROR);
	CHECK_STR(t, w->err.msg, "chunked body offset 65539: trailers too long");
	decode_pieces(in, n, 0, 1, w);
	CHECK_STR(t, w->err.msg, "chunked body offset 65539: trailers too long");
	free(in);
	free(w);
}

static void
chunked_decoder_reports_trailing_bytes_in_place(struct th *t)
{
	char buf[] = "3\r\nabc\r\n0\r\n\r\nNEXT";
	struct http_chunked_decoder d;
	struct errbuf err;
	size_t len = sizeof(buf) - 1;
	int rc;

	http_chunked_init(&d);
	rc = http_chunked_decode(&d, buf, &len, &err);
	REQUIRE_INT(t, rc, 4);
	CHECK_INT(t, len, 3);
	CHECK_MEM(t, buf, 7, "abcNEXT", 7);
	/* After the end, further input is all trailing. */
	len = 2;
	CHECK_INT(t, http_chunked_decode(&d, buf, &len, &err), 2);
	CHECK_INT(t, len, 0);
	/* After an error the decoder refuses to continue. */
	http_chunked_init(&d);
	memcpy(buf, "x\r\n", 3);
	len = 3;
	CHECK_INT(t, http_chunked_decode(&d, buf, &len, &err), HTTP_PARSE_ERROR);
	len = 3;
	memcpy(buf, "0\r\n", 3);
	CHECK_INT(t, http_chunked_decode(&d, buf, &len, &err), HTTP_PARSE_ERROR);
}

void
suite_http_response(struct th *t)
{
	th_run(t, "http_response: framing follows RFC 9112 (length, chunked, close, none)",
	    framing_follows_rfc9112);
	th_run(t, "http_response: keep-alive depends on version and Connection",
	    keep_alive_depends_on_version_and_connection);
	th_run(t, "http_response: interim 1xx responses are skipped and 101 is an error",
	    interim_responses_are_skipped);
	th_run(t, "http_response: the status line is strict", status_line_is_strict);
	th_run(t, "http_response: header syntax errors are rejected with their offset",
	    header_syntax_errors_are_rejected);
	th_run(t, "http_response: request smuggling classics are rejected",
	    smuggling_classics_are_rejected);
	th_run(t, "http_response: headers are found case-insensitively, values trimmed",
	    headers_are_found_case_insensitively_and_trimmed);
	th_run(t, "http_response: incomplete heads ask for more",
	    incomplete_heads_ask_for_more);
	th_run(t, "http_response: more than 100 headers (even 1000) is an error",
	    header_count_is_limited);
	th_run(t, "http_response: a head over 64 KiB is an error", head_size_is_limited);
	th_run(t, "http_response: chunked bodies decode the same whole, byte by byte and split anywhere",
	    chunked_bodies_decode_whole_and_split_anywhere);
	th_run(t, "http_response: chunk lines and trailers are bounded",
	    chunked_lines_and_trailers_are_bounded);
	th_run(t, "http_response: the chunked decoder leaves trailing bytes after the data",
	    chunked_decoder_reports_trailing_bytes_in_place);
}
