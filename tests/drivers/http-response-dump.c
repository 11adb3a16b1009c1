/*
 * http-response-dump — raw HTTP response bytes on stdin, canonical dump on
 * stdout:
 *
 *   status <code>
 *   header <lowercased name>: <value>     (one per header, in order)
 *   body-kind none|length|chunked|close
 *   keep-alive 0|1
 *   trailing <bytes after the body>
 *   body <decoded length>
 *   <decoded body bytes>
 *
 * Usage: http-response-dump [--head]   (--head: the request was HEAD)
 * Exit: 0 dumped; 1 protocol error or truncated input ("error: ..." on
 * stderr); 2 usage or I/O; 3 the parser disagreed with itself (whole input
 * versus byte-by-byte prefixes for heads up to BYTEWISE_MAX, chunked body
 * whole versus one byte per call).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_response.h"

#define INPUT_MAX (16u << 20)
#define BYTEWISE_MAX (16u << 10)

static unsigned char *
read_all(size_t *len)
{
	unsigned char *buf = malloc(INPUT_MAX + 1);
	size_t n = 0, r;

	if (buf == NULL)
		return NULL;
	while ((r = fread(buf + n, 1, INPUT_MAX + 1 - n, stdin)) > 0)
		n += r;
	if (ferror(stdin) || n > INPUT_MAX) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static int
protocol_error(const char *msg)
{
	fprintf(stderr, "error: %s\n", msg);
	return 1;
}

/* Feeds growing prefixes; the first decided one must equal the whole result. */
static int
head_bytewise_agrees(const char *buf, size_t len, int head_req, int whole_rc,
    const struct errbuf *whole_err)
{
	static struct http_response_head h;
	struct errbuf err;
	size_t k;
	int rc;

	if (len > BYTEWISE_MAX)
		return 1;
	for (k = 0; k <= len; k++) {
		rc = http_response_parse_head(buf, k, head_req, &h, &err);
		if (rc == HTTP_PARSE_INCOMPLETE)
			continue;
		return rc == whole_rc &&
		    (rc != HTTP_PARSE_ERROR || strcmp(err.msg, whole_err->msg) == 0);
	}
	return whole_rc == HTTP_PARSE_INCOMPLETE;
}

/* Decodes src[0..n) in pieces of `step` bytes (0 = whole) into out. */
static int
decode_chunked(const char *src, size_t n, size_t step, char *out,
    size_t *out_len, size_t *trailing, struct errbuf *err)
{
	struct http_chunked_decoder d;
	char *piece = malloc(n ? n : 1);
	size_t at = 0, plen, take;
	int rc = HTTP_PARSE_INCOMPLETE;

	http_chunked_init(&d);
	*out_len = 0;
	*trailing = 0;
	while (at < n && rc == HTTP_PARSE_INCOMPLETE) {
		take = step == 0 || step > n - at ? n - at : step;
		memcpy(piece, src + at, take);
		plen = take;
		rc = http_chunked_decode(&d, piece, &plen, err);
		if (rc == HTTP_PARSE_ERROR)
			break;
		memcpy(out + *out_len, piece, plen);
		*out_len += plen;
		at += take;
		if (rc >= 0)
			*trailing = (size_t)rc + (n - at);
	}
	free(piece);
	return rc;
}

static const char *const kinds[] = { "none", "length", "chunked", "close" };

static void
dump_head(const struct http_response_head *h)
{
	size_t i, j;

	printf("status %d\n", h->status);
	for (i = 0; i < h->num_headers; i++) {
		fputs("header ", stdout);
		for (j = 0; j < h->headers[i].name_len; j++)
			putchar(tolower((unsigned char)h->headers[i].name[j]));
		fputs(": ", stdout);
		fwrite(h->headers[i].value, 1, h->headers[i].value_len, stdout);
		putchar('\n');
	}
	printf("body-kind %s\nkeep-alive %d\n", kinds[h->body_kind], h->keep_alive);
}

static int
body(const struct http_response_head *h, const char *rest, size_t n)
{
	struct errbuf err, err2;
	char *out, *out2;
	size_t out_len = 0, out2_len, trailing = 0, trailing2;
	int rc, rc2, status = 0;
	char msg[128];

	out = malloc(n ? n : 1);
	out2 = malloc(n ? n : 1);
	switch (h->body_kind) {
	case HTTP_BODY_NONE:
		trailing = n;
		break;
	case HTTP_BODY_LENGTH:
		if (h->content_length > n) {
			snprintf(msg, sizeof(msg), "truncated: body has %zu of %llu bytes",
			    n, (unsigned long long)h->content_length);
			status = protocol_error(msg);
			goto out;
		}
		out_len = (size_t)h->content_length;
		memcpy(out, rest, out_len);
		trailing = n - out_len;
		break;
	case HTTP_BODY_CLOSE:
		memcpy(out, rest, n);
		out_len = n;
		break;
	case HTTP_BODY_CHUNKED:
		rc = decode_chunked(rest, n, 0, out, &out_len, &trailing, &err);
		rc2 = decode_chunked(rest, n, 1, out2, &out2_len, &trailing2, &err2);
		if (rc != rc2 || (rc == HTTP_PARSE_ERROR && strcmp(err.msg, err2.msg) != 0) ||
		    (rc >= 0 && (out_len != out2_len || trailing != trailing2 ||
		    memcmp(out, out2, out_len) != 0))) {
			fprintf(stderr, "inconsistent: chunked decoding whole vs byte by byte\n");
			status = 3;
			goto out;
		}
		if (rc == HTTP_PARSE_ERROR) {
			status = protocol_error(err.msg);
			goto out;
		}
		if (rc == HTTP_PARSE_INCOMPLETE) {
			status = protocol_error("truncated: chunked body incomplete at end of input");
			goto out;
		}
		break;
	}
	printf("trailing %zu\nbody %zu\n", trailing, out_len);
	fwrite(out, 1, out_len, stdout);
out:
	free(out);
	free(out2);
	return status;
}

int
main(int argc, char **argv)
{
	static struct http_response_head h;
	struct errbuf err;
	unsigned char *buf;
	size_t len;
	int head_req = 0, rc, status;

	if (argc == 2 && strcmp(argv[1], "--head") == 0)
		head_req = 1;
	else if (argc != 1) {
		fprintf(stderr, "usage: http-response-dump [--head] < response\n");
		return 2;
	}
	if ((buf = read_all(&len)) == NULL) {
		fprintf(stderr, "http-response-dump: cannot read stdin (max %u bytes)\n",
		    INPUT_MAX);
		return 2;
	}
	rc = http_response_parse_head((const char *)buf, len, head_req, &h, &err);
	if (!head_bytewise_agrees((const char *)buf, len, head_req, rc, &err)) {
		fprintf(stderr, "inconsistent: head parse whole vs byte by byte\n");
		free(buf);
		return 3;
	}
	if (rc == HTTP_PARSE_ERROR)
		status = protocol_error(err.msg);
	else if (rc == HTTP_PARSE_INCOMPLETE)
		status = protocol_error("truncated: response head incomplete at end of input");
	else {
		dump_head(&h);
		status = body(&h, (const char *)buf + rc, len - (size_t)rc);
	}
	free(buf);
	return status;
}
