/*
 * http_response — incremental, allocation-free HTTP/1.1 response parser.
 *
 * Shape follows picohttpparser: one call parses what is in the buffer and
 * returns the number of bytes consumed, HTTP_PARSE_INCOMPLETE (feed more and
 * call again with the whole buffer) or HTTP_PARSE_ERROR (err says why, with
 * the byte offset counted from buf[0]).  Header names, values and the reason
 * point into the caller's buffer; nothing is copied or allocated, so the
 * buffer must outlive the result.  After INCOMPLETE or ERROR the contents of
 * *out are unspecified.  No global state: calls are independent.
 *
 * The parser is a pure function of the bytes: feeding a response one byte at
 * a time (growing prefixes of the same buffer) returns INCOMPLETE until the
 * whole result can be decided, then exactly what a single call on the whole
 * buffer returns, with the same error text.
 *
 * Grammar accepted (RFC 9112, strict where being lenient helps smuggling):
 *   status line  "HTTP/1.0" or "HTTP/1.1", SP, three digits 100..599, then
 *                SP reason (HTAB, SP, VCHAR, obs-text) or directly CRLF;
 *   header line  token ":" OWS value OWS CRLF, value bytes HTAB, SP, VCHAR
 *                or obs-text (0x80..0xff);
 *   line ends    CRLF only: a bare CR or a bare LF is an error.
 * Rejected: obs-fold (a line starting with SP/HTAB), whitespace before the
 * colon, NUL and other control bytes, non-token bytes in names, more than
 * HTTP_MAX_HEADERS headers, a head (including any skipped 1xx heads) longer
 * than HTTP_MAX_HEAD_BYTES.
 *
 * Framing (RFC 9112 §6.3), checked on the final response only:
 *   - Transfer-Encoding and Content-Length together: error.
 *   - Transfer-Encoding must be exactly one coding, "chunked"
 *     (case-insensitive, no parameters), over all its field lines: a last
 *     coding other than chunked, chunked twice, or any other coding (we
 *     decode none) is an error.  Transfer-Encoding in an HTTP/1.0 response
 *     is an error (RFC 9112 §6.1: faulty framing).
 *   - Content-Length: 1*DIGIT, at most UINT64_MAX.  Several field lines, or
 *     the list form "5, 5", are accepted only when every member has the same
 *     value (RFC 9110 §8.6 allows this); differing values, empty members or
 *     anything but digits are errors.
 *   - Body kind: HEAD request, 204 or 304 -> NONE; chunked -> CHUNKED;
 *     Content-Length -> LENGTH; otherwise CLOSE.  Framing headers are
 *     validated even when the body kind is NONE.
 * keep_alive: HTTP/1.1 unless Connection lists "close"; HTTP/1.0 only when
 * Connection lists "keep-alive" (and not "close"); never for CLOSE bodies.
 *
 * Error texts look like "HTTP response offset 17: bare CR in header value";
 * they name header names but never echo header values (they may carry
 * cookies or tokens).
 */
#ifndef TL_HTTP_RESPONSE_H
#define TL_HTTP_RESPONSE_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

/* RFC 9110 sets no limit; 100 headers / 64 KiB bound memory and CPU. */
#define HTTP_MAX_HEADERS 100
#define HTTP_MAX_HEAD_BYTES 65536
/* A chunk-size line (with extensions) or a trailer line; real ones are < 100 B. */
#define HTTP_CHUNK_LINE_MAX 4096
/* All trailer lines of one chunked body together; same bound as a head. */
#define HTTP_MAX_TRAILER_BYTES 65536

#define HTTP_PARSE_ERROR (-1)
#define HTTP_PARSE_INCOMPLETE (-2)

struct http_header {
	const char *name; /* not NUL-terminated; token characters only */
	size_t name_len;
	const char *value; /* not NUL-terminated; leading/trailing SP/HTAB removed */
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
	const char *reason; /* not NUL-terminated, may be empty */
	size_t reason_len;
	struct http_header headers[HTTP_MAX_HEADERS]; /* in arrival order */
	size_t num_headers;
	enum http_body_kind body_kind;
	/* The Content-Length value when the header is present (also for NONE,
	 * e.g. a HEAD response announcing a size), otherwise 0. */
	uint64_t content_length;
	int keep_alive;          /* connection may be reused after the body */
};

/* RFC 9110 §5.6.2 tchar: a byte of a token (header name, auth scheme). */
int http_is_tchar(unsigned char ch);

/* HTAB, SP, VCHAR or obs-text: a byte a field value or quoted-pair may hold. */
int http_is_field_byte(unsigned char ch);

/*
 * Parses the response head at buf[0..len).  Interim 1xx responses (other than
 * 101, which is an error here) are skipped: their bytes count as consumed and
 * *out describes the final response.  head_request: the request was HEAD
 * (no body follows whatever the headers say).
 * Returns bytes consumed (> 0, ≤ HTTP_MAX_HEAD_BYTES; the body starts at
 * buf[returned]), HTTP_PARSE_INCOMPLETE or HTTP_PARSE_ERROR.
 */
int http_response_parse_head(const char *buf, size_t len, int head_request,
    struct http_response_head *out, struct errbuf *err);

/* Case-insensitive lookup of a NUL-terminated name; returns the first
 * match or NULL. */
const struct http_header *http_header_find(const struct http_response_head *h,
    const char *name);

/*
 * Chunked transfer decoding, in place, across any number of calls.  The
 * caller allocates the decoder (zero it with http_chunked_init) and feeds
 * every byte after the head, split anywhere.
 */
struct http_chunked_decoder {
	uint64_t remaining; /* bytes left in the current chunk */
	int state;          /* private */
	size_t line_len;    /* private: bytes of the current size/trailer line */
	size_t trailer_bytes; /* private: trailer bytes so far */
	uint64_t offset;    /* private: body bytes consumed by earlier calls */
	int seen_digit;     /* private */
};

void http_chunked_init(struct http_chunked_decoder *d);

/*
 * Decodes buf[0..*len) in place.  On return buf[0..*len) holds the chunk
 * data decoded by this call (possibly nothing).  Return value:
 *   HTTP_PARSE_INCOMPLETE  every input byte was used; the body is not
 *                          finished: call again with the next bytes.
 *   HTTP_PARSE_ERROR       err names the offset (counted from the first
 *                          body byte ever fed) and the reason; the decoder
 *                          must not be used again.
 *   n >= 0                 the body ended (last chunk, trailers and final
 *                          CRLF consumed) and n input bytes followed it.
 *                          Those n bytes are moved to buf[*len .. *len + n),
 *                          right after the decoded data, unchanged: they
 *                          belong to whatever follows on the connection.
 * Calling again after the end returns all input as such trailing bytes.
 * Chunk extensions are validated (";" name ["=" token / quoted-string]) and
 * ignored; trailers are validated like header lines and discarded.  Errors:
 * a size with no hex digit or overflowing 64 bits, a missing CRLF after the
 * data, bare CR/LF, a line over HTTP_CHUNK_LINE_MAX, trailers over
 * HTTP_MAX_TRAILER_BYTES, obs-fold.  *len must be ≤ INT_MAX.
 */
int http_chunked_decode(struct http_chunked_decoder *d, char *buf, size_t *len,
    struct errbuf *err);

#endif
