/*
 * http_response — incremental, allocation-free HTTP/1.1 response parser.
 *
 * Shape follows picohttpparser: one call parses what is in the buffer and
 * returns the number of bytes consumed, HTTP_PARSE_INCOMPLETE (feed more and
 * call again with the whole buffer) or HTTP_PARSE_ERROR (err says why, with
 * the byte offset).  Header names and values point into the caller's buffer;
 * nothing is copied or allocated, so the buffer must outlive the result.
 *
 * Hostile input rules: obs-fold, bare CR, NUL and non-token bytes in names
 * are errors; at most HTTP_MAX_HEADERS headers and HTTP_MAX_HEAD_BYTES of
 * head; Content-Length duplicates must agree; Content-Length together with
 * Transfer-Encoding, or a Transfer-Encoding whose last coding is not
 * "chunked", are rejected (request smuggling classics).
 */
#ifndef TL_HTTP_RESPONSE_H
#define TL_HTTP_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

/* RFC 9110 sets no limit; 100 headers / 64 KiB bound memory and CPU. */
#define HTTP_MAX_HEADERS 100
#define HTTP_MAX_HEAD_BYTES 65536

#define HTTP_PARSE_ERROR (-1)
#define HTTP_PARSE_INCOMPLETE (-2)

struct http_header {
	const char *name; /* not NUL-terminated */
	size_t name_len;
	const char *value; /* leading/trailing whitespace removed */
	size_t value_len;
};

enum http_body_kind {
	HTTP_BODY_NONE,    /* HEAD, 204, 304: no body at all */
	HTTP_BODY_LENGTH,  /* exactly content_length bytes */
	HTTP_BODY_CHUNKED, /* decode with http_chunked_decode() */
	HTTP_BODY_CLOSE    /* until the peer closes the connection */
};

struct http_response_head {
	int minor_version; /* 0 or 1 */
	int status;        /* 200..599 (1xx heads are skipped, see below) */
	const char *reason;
	size_t reason_len;
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t num_headers;
	enum http_body_kind body_kind;
	uint64_t content_length; /* valid for HTTP_BODY_LENGTH */
	int keep_alive;          /* connection may be reused after the body */
};

/*
 * Parses the response head at buf[0..len).  Interim 1xx responses (other than
 * 101, which is an error here) are skipped: their bytes count as consumed and
 * *out describes the final response.  head_request: the request was HEAD
 * (no body follows whatever the headers say).
 * Returns bytes consumed (> 0), HTTP_PARSE_INCOMPLETE or HTTP_PARSE_ERROR.
 * Feeding a response one byte at a time gives the same result as whole.
 */
int http_response_parse_head(const char *buf, size_t len, int head_request,
    struct http_response_head *out, struct errbuf *err);

/* Case-insensitive lookup; returns the first match or NULL. */
const struct http_header *http_header_find(const struct http_response_head *h,
    const char *name);

/* Chunked transfer decoding, in place. */
struct http_chunked_decoder {
	uint64_t remaining; /* bytes left in the current chunk */
	int state;          /* private */
	size_t line_len;    /* private: bytes of the current size/trailer line */
	size_t trailer_bytes;
};

void http_chunked_init(struct http_chunked_decoder *d);

/*
 * Decodes buf[0..*len) in place: on return buf[0..*len) holds the decoded
 * data from this call.  Returns HTTP_PARSE_INCOMPLETE (more input needed),
 * HTTP_PARSE_ERROR, or, once the last chunk and trailers are consumed, the
 * number of bytes after the end of the body still at the end of the
 * ORIGINAL input (they belong to the next response and are left in place at
 * buf[*len .. *len + returned) is NOT guaranteed: callers that pipeline must
 * not rely on them; tee-launcher never pipelines).  Chunk sizes that overflow
 * 64 bits, missing CRLFs and over-long lines are errors.
 */
int http_chunked_decode(struct http_chunked_decoder *d, char *buf, size_t *len,
    struct errbuf *err);

#endif
