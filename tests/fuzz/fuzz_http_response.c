/*
 * libFuzzer harness for the HTTP response head parser and chunked decoder.
 *
 * Properties checked on every input, beyond "no sanitizer report":
 *   - byte by byte: every prefix shorter than the first decided one is
 *     INCOMPLETE (all of them up to FULL_SCAN_MAX bytes, 17 samples beyond),
 *     and the first decided prefix (and a longer one) gives exactly the
 *     whole-input result, error text included;
 *   - an accepted head is consistent: consumed ≤ len and ≤ the head limit,
 *     status 200..599, names are tokens, values hold no CR/LF/NUL and lie
 *     inside the head, a close-delimited body is never keep-alive;
 *   - errors name an offset;
 *   - a chunked body decodes identically whole, one byte per call and split
 *     at an input-chosen offset.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_response.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct res {
	int rc;
	struct http_response_head h;
	struct errbuf err;
};

static void
fuzz_assert(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_http_response: property violated: %s\n", what);
		abort();
	}
}

static void
parse(const uint8_t *data, size_t len, int head_req, struct res *r)
{
	memset(&r->err, 0, sizeof(r->err));
	r->rc = http_response_parse_head((const char *)data, len, head_req, &r->h, &r->err);
}

static int
same(const struct res *a, const struct res *b)
{
	if (a->rc != b->rc)
		return 0;
	if (a->rc == HTTP_PARSE_ERROR)
		return strcmp(a->err.msg, b->err.msg) == 0;
	if (a->rc < 0)
		return 1;
	return a->h.status == b->h.status && a->h.num_headers == b->h.num_headers &&
	    a->h.body_kind == b->h.body_kind && a->h.keep_alive == b->h.keep_alive &&
	    a->h.content_length == b->h.content_length &&
	    memcmp(a->h.headers, b->h.headers,
	    a->h.num_headers * sizeof(a->h.headers[0])) == 0;
}

static int
is_tchar(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z') || (ch != 0 && strchr("!#$%&'*+-.^_`|~", ch));
}

static void
check_head(const uint8_t *data, size_t size, const struct res *r)
{
	const char *base = (const char *)data;
	size_t i, j;

	if (r->rc == HTTP_PARSE_ERROR) {
		fuzz_assert(strncmp(r->err.msg, "HTTP response offset ", 21) == 0,
		    "error names an offset");
		return;
	}
	if (r->rc == HTTP_PARSE_INCOMPLETE)
		return;
	fuzz_assert(r->rc > 0 && (size_t)r->rc <= size && r->rc <= HTTP_MAX_HEAD_BYTES,
	    "consumed within bounds");
	fuzz_assert(r->h.status >= 200 && r->h.status <= 599, "final status");
	fuzz_assert(r->h.num_headers <= HTTP_MAX_HEADERS, "header count");
	for (i = 0; i < r->h.num_headers; i++) {
		const struct http_header *h = &r->h.headers[i];
		fuzz_assert(h->name >= base && h->name + h->name_len <= base + r->rc &&
		    h->value >= base && h->value + h->value_len <= base + r->rc,
		    "header inside the head");
		fuzz_assert(h->name_len > 0, "non-empty name");
		for (j = 0; j < h->name_len; j++)
			fuzz_assert(is_tchar((unsigned char)h->name[j]), "name is a token");
		for (j = 0; j < h->value_len; j++)
			fuzz_assert(h->value[j] != '\r' && h->value[j] != '\n' &&
			    h->value[j] != '\0', "value has no CR/LF/NUL");
	}
	if (r->h.body_kind == HTTP_BODY_CLOSE)
		fuzz_assert(!r->h.keep_alive, "close-delimited is not keep-alive");
	if (r->h.body_kind == HTTP_BODY_CHUNKED)
		fuzz_assert(http_header_find(&r->h, "content-length") == NULL,
		    "chunked has no Content-Length");
}

/* Inputs up to this size have every prefix parsed; longer ones are
 * bisected (a full scan is quadratic and slowed the campaign to 1k/s). */
#define FULL_SCAN_MAX 512

/* The shortest prefix that the parser decides (not INCOMPLETE), by
 * bisection: valid because a decided prefix stays decided, which the
 * samples in check_bytewise() test. */
static size_t
first_decided(const uint8_t *data, size_t size, struct res *r)
{
	size_t lo = 0, hi = size, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		parse(data, mid, 0, r);
		if (r->rc == HTTP_PARSE_INCOMPLETE)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
check_bytewise(const uint8_t *data, size_t size, const struct res *whole)
{
	struct res *r = malloc(sizeof(*r));
	size_t k, i;

	if (size <= FULL_SCAN_MAX) {
		for (k = 0; k <= size; k++) {
			parse(data, k, 0, r);
			if (r->rc != HTTP_PARSE_INCOMPLETE)
				break;
		}
	} else {
		k = first_decided(data, size, r);
		/* 16 spread prefixes and the one just before k are undecided. */
		for (i = 0; i < 17 && k > 0; i++) {
			parse(data, i < 16 ? k * i / 16 : k - 1, 0, r);
			fuzz_assert(r->rc == HTTP_PARSE_INCOMPLETE,
			    "prefixes before the first decided one are incomplete");
		}
		parse(data, k, 0, r);
	}
	if (k <= size)
		fuzz_assert(same(r, whole), "first decided prefix equals whole");
	else
		fuzz_assert(whole->rc == HTTP_PARSE_INCOMPLETE, "never decided: whole incomplete");
	if (k < size) {
		parse(data, k + (size - k) / 2 + 1, 0, r);
		fuzz_assert(same(r, whole), "longer prefix equals whole");
	}
	free(r);
}

struct dec {
	int rc;
	char *out;
	size_t out_len, trailing;
	struct errbuf err;
};

static void
decode(const char *src, size_t n, size_t step, size_t split, struct dec *d)
{
	struct http_chunked_decoder st;
	size_t at = 0, take, plen;
	char one[1], *piece;

	http_chunked_init(&st);
	d->out = malloc(n + 1);
	d->out_len = d->trailing = 0;
	d->rc = HTTP_PARSE_INCOMPLETE;
	while (at < n && d->rc == HTTP_PARSE_INCOMPLETE) {
		take = step ? step : (split && at < split) ? split - at : n - at;
		if (take > n - at)
			take = n - at;
		/* One byte per call uses a stack byte: ASan's redzones catch a
		 * read past it just as well, without 4096 mallocs per input. */
		piece = take == 1 ? one : malloc(take);
		memcpy(piece, src + at, take);
		plen = take;
		d->rc = http_chunked_decode(&st, piece, &plen, &d->err);
		if (d->rc != HTTP_PARSE_ERROR) {
			fuzz_assert(plen <= take, "decoded fits in the input");
			memcpy(d->out + d->out_len, piece, plen);
			d->out_len += plen;
		}
		at += take;
		if (d->rc >= 0) {
			fuzz_assert(plen + (size_t)d->rc <= take, "trailing within piece");
			fuzz_assert(memcmp(piece + plen, src + at - (size_t)d->rc,
			    (size_t)d->rc) == 0, "trailing bytes unchanged");
			d->trailing = (size_t)d->rc + (n - at);
		}
		if (piece != one)
			free(piece);
	}
}

static void
check_chunked(const char *src, size_t n, size_t split)
{
	struct dec a, b, c;

	decode(src, n, 0, 0, &a);
	decode(src, n, 1, 0, &b);
	decode(src, n, 0, split, &c);
	/* rc >= 0 counts only the trailing bytes of the last piece fed. */
	a.rc = a.rc > 0 ? 0 : a.rc;
	b.rc = b.rc > 0 ? 0 : b.rc;
	c.rc = c.rc > 0 ? 0 : c.rc;
	fuzz_assert(a.rc == b.rc && a.rc == c.rc, "chunked outcome equal");
	if (a.rc == HTTP_PARSE_ERROR) {
		fuzz_assert(strcmp(a.err.msg, b.err.msg) == 0 &&
		    strcmp(a.err.msg, c.err.msg) == 0, "chunked error equal");
	} else {
		fuzz_assert(a.out_len == b.out_len && a.out_len == c.out_len &&
		    memcmp(a.out, b.out, a.out_len) == 0 &&
		    memcmp(a.out, c.out, a.out_len) == 0, "chunked data equal");
		fuzz_assert(a.rc < 0 || (a.trailing == b.trailing &&
		    a.trailing == c.trailing), "chunked trailing equal");
	}
	free(a.out);
	free(b.out);
	free(c.out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct res whole, head;

	parse(data, size, 0, &whole);
	check_head(data, size, &whole);
	check_bytewise(data, size, &whole);
	parse(data, size, 1, &head);
	check_head(data, size, &head);
	/* The body, or the whole input when it is not a response at all. */
	if (whole.rc > 0)
		check_chunked((const char *)data + whole.rc, size - (size_t)whole.rc,
		    size ? data[0] % (size - (size_t)whole.rc + 1) : 0);
	else
		check_chunked((const char *)data, size, size ? data[size - 1] % (size + 1) : 0);
	return 0;
}
