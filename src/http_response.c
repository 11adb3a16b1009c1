#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "hex.h"
#include "http_response.h"

/* Internal result of a step: OK, or the public INCOMPLETE / ERROR codes. */
#define OK 0

/* Bytes of the head visible to the parser; never more than the limit, so
 * running out of them is "need more" or "too large", decided by the caller. */
struct cur {
	const char *buf;
	size_t avail;
	size_t pos;
	struct errbuf *err;
};

static int
fail(struct cur *c, size_t at, const char *why)
{
	errbuf_set(c->err, "HTTP response offset %zu: %s", at, why);
	return HTTP_PARSE_ERROR;
}

int
http_is_tchar(unsigned char ch)
{
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z'))
		return 1;
	return ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

/* Also what a reason phrase may hold. */
int
http_is_field_byte(unsigned char ch)
{
	return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

static char
lower(char ch)
{
	return (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
}

static int
ieq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen; i++) {
		if (b[i] == '\0' || lower(a[i]) != lower(b[i]))
			return 0;
	}
	return b[alen] == '\0';
}

/* Matches a literal byte by byte so a wrong prefix fails as early as it can. */
static int
expect(struct cur *c, const char *lit, const char *what)
{
	size_t n = strlen(lit), i;

	for (i = 0; i < n; i++) {
		if (c->pos + i >= c->avail)
			return HTTP_PARSE_INCOMPLETE;
		if (c->buf[c->pos + i] != lit[i])
			return fail(c, c->pos + i, what);
	}
	c->pos += n;
	return OK;
}

/* At a CR: requires the LF that must follow it. */
static int
crlf(struct cur *c, const char *where)
{
	if (c->pos + 1 >= c->avail)
		return HTTP_PARSE_INCOMPLETE;
	if (c->buf[c->pos + 1] != '\n') {
		errbuf_set(c->err, "HTTP response offset %zu: bare CR in %s",
		    c->pos, where);
		return HTTP_PARSE_ERROR;
	}
	c->pos += 2;
	return OK;
}

static int
bad_byte(struct cur *c, const char *where)
{
	unsigned char ch = (unsigned char)c->buf[c->pos];

	if (ch == '\n')
		errbuf_set(c->err, "HTTP response offset %zu: LF without CR in %s",
		    c->pos, where);
	else if (ch == '\0')
		errbuf_set(c->err, "HTTP response offset %zu: NUL byte in %s",
		    c->pos, where);
	else
		errbuf_set(c->err, "HTTP response offset %zu: invalid byte 0x%02x in %s",
		    c->pos, ch, where);
	return HTTP_PARSE_ERROR;
}

static int
parse_status_line(struct cur *c, struct http_response_head *out)
{
	size_t i, start;
	int rc;

	if ((rc = expect(c, "HTTP/1.", "not an HTTP/1.x status line")) != OK)
		return rc;
	if (c->pos >= c->avail)
		return HTTP_PARSE_INCOMPLETE;
	if (c->buf[c->pos] != '0' && c->buf[c->pos] != '1')
		return fail(c, c->pos, "unsupported HTTP version (want 1.0 or 1.1)");
	out->minor_version = c->buf[c->pos++] - '0';
	if ((rc = expect(c, " ", "expected one SP after the HTTP version")) != OK)
		return rc;
	out->status = 0;
	for (i = 0; i < 3; i++, c->pos++) {
		if (c->pos >= c->avail)
			return HTTP_PARSE_INCOMPLETE;
		if (c->buf[c->pos] < '0' || c->buf[c->pos] > '9')
			return fail(c, c->pos, "status code is not three digits");
		out->status = out->status * 10 + (c->buf[c->pos] - '0');
	}
	if (out->status < 100 || out->status > 599)
		return fail(c, c->pos - 3, "status code outside 100..599");
	if (c->pos >= c->avail)
		return HTTP_PARSE_INCOMPLETE;
	/* "HTTP/1.1 200\r\n" (no SP) is common enough to accept. */
	if (c->buf[c->pos] == ' ')
		c->pos++;
	else if (c->buf[c->pos] != '\r')
		return fail(c, c->pos, "expected SP or CRLF after the status code");
	start = c->pos;
	for (; c->pos < c->avail; c->pos++) {
		unsigned char ch = (unsigned char)c->buf[c->pos];
		if (ch == '\r')
			break;
		if (!http_is_field_byte(ch))
			return bad_byte(c, "reason phrase");
	}
	if (c->pos >= c->avail)
		return HTTP_PARSE_INCOMPLETE;
	out->reason = c->buf + start;
	out->reason_len = c->pos - start;
	return crlf(c, "status line");
}

/* Value: OWS *(field bytes) OWS CRLF; trims the OWS. */
static int
parse_value(struct cur *c, struct http_header *h)
{
	size_t start, end;
	int rc;

	while (c->pos < c->avail &&
	    (c->buf[c->pos] == ' ' || c->buf[c->pos] == '\t'))
		c->pos++;
	start = end = c->pos;
	for (; c->pos < c->avail; c->pos++) {
		unsigned char ch = (unsigned char)c->buf[c->pos];
		if (ch == '\r')
			break;
		if (!http_is_field_byte(ch))
			return bad_byte(c, "header value");
		if (ch != ' ' && ch != '\t')
			end = c->pos + 1;
	}
	if (c->pos >= c->avail)
		return HTTP_PARSE_INCOMPLETE;
	if ((rc = crlf(c, "header value")) != OK)
		return rc;
	h->value = c->buf + start;
	h->value_len = end - start;
	return OK;
}

static int
parse_header_line(struct cur *c, struct http_response_head *out)
{
	struct http_header *h;
	size_t start = c->pos;
	unsigned char ch;
	int rc;

	if (out->num_headers == HTTP_MAX_HEADERS) {
		errbuf_set(c->err, "HTTP response offset %zu: more than %d headers",
		    start, HTTP_MAX_HEADERS);
		return HTTP_PARSE_ERROR;
	}
	for (;; c->pos++) {
		if (c->pos >= c->avail)
			return HTTP_PARSE_INCOMPLETE;
		ch = (unsigned char)c->buf[c->pos];
		if (!http_is_tchar(ch))
			break;
	}
	if (ch != ':') {
		if (ch == ' ' || ch == '\t')
			return fail(c, c->pos, "whitespace before the colon of a header");
		if (ch == '\r' || ch == '\n')
			return fail(c, c->pos, "header line without a colon");
		return bad_byte(c, "header name");
	}
	if (c->pos == start)
		return fail(c, c->pos, "empty header name");
	h = &out->headers[out->num_headers];
	h->name = c->buf + start;
	h->name_len = c->pos - start;
	c->pos++;
	if ((rc = parse_value(c, h)) != OK)
		return rc;
	out->num_headers++;
	return OK;
}

/* Header lines up to and including the empty line. */
static int
parse_header_block(struct cur *c, struct http_response_head *out)
{
	int rc;

	out->num_headers = 0;
	for (;;) {
		if (c->pos >= c->avail)
			return HTTP_PARSE_INCOMPLETE;
		switch (c->buf[c->pos]) {
		case '\r':
			return crlf(c, "header block");
		case ' ':
		case '\t':
			return fail(c, c->pos, out->num_headers == 0 ?
			    "whitespace before the first header" :
			    "obs-fold (header line continued with whitespace)");
		default:
			if ((rc = parse_header_line(c, out)) != OK)
				return rc;
		}
	}
}

/* ---- framing: Content-Length, Transfer-Encoding, Connection */

struct framing {
	int have_cl, have_te, te_last_chunked, te_chunked_count, te_other;
	uint64_t cl;
	size_t te_at;
	int conn_close, conn_keep_alive;
};

static size_t
offset_of(const struct cur *c, const struct http_header *h)
{
	return (size_t)(h->name - c->buf);
}

/* Walks a comma-separated list value: each element OWS-trimmed, empty ones
 * returned with length 0 so Content-Length and Transfer-Encoding can refuse
 * them. */
struct list_iter {
	const char *p, *end;
};

static int
list_next(struct list_iter *it, const char **elem, size_t *len)
{
	const char *s, *e;

	if (it->p == NULL)
		return 0;
	s = it->p;
	e = memchr(s, ',', (size_t)(it->end - s));
	it->p = e != NULL ? e + 1 : NULL;
	if (e == NULL)
		e = it->end;
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	*elem = s;
	*len = (size_t)(e - s);
	return 1;
}

static int
cl_member(struct cur *c, const struct http_header *h, const char *s, size_t n,
    struct framing *f)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return fail(c, offset_of(c, h), "Content-Length has an empty member");
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return fail(c, offset_of(c, h),
			    "Content-Length is not a decimal number");
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return fail(c, offset_of(c, h), "Content-Length overflows 64 bits");
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (f->have_cl && v != f->cl)
		return fail(c, offset_of(c, h), "Content-Length values disagree");
	f->have_cl = 1;
	f->cl = v;
	return OK;
}

static int
te_member(struct cur *c, const struct http_header *h, const char *s, size_t n,
    struct framing *f)
{
	if (n == 0)
		return fail(c, offset_of(c, h), "Transfer-Encoding has an empty member");
	f->te_last_chunked = ieq(s, n, "chunked");
	if (f->te_last_chunked)
		f->te_chunked_count++;
	else
		f->te_other = 1;
	return OK;
}

static void
conn_member(const char *s, size_t n, struct framing *f)
{
	if (ieq(s, n, "close"))
		f->conn_close = 1;
	else if (ieq(s, n, "keep-alive"))
		f->conn_keep_alive = 1;
}

static int
scan_framing(struct cur *c, const struct http_response_head *out,
    struct framing *f)
{
	const struct http_header *h;
	struct list_iter it;
	const char *s;
	size_t i, n;
	int rc, kind;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < out->num_headers; i++) {
		h = &out->headers[i];
		if (ieq(h->name, h->name_len, "content-length"))
			kind = 1;
		else if (ieq(h->name, h->name_len, "transfer-encoding"))
			kind = 2;
		else if (ieq(h->name, h->name_len, "connection"))
			kind = 3;
		else
			continue;
		if (kind == 2 && !f->have_te) {
			f->have_te = 1;
			f->te_at = offset_of(c, h);
		}
		it.p = h->value;
		it.end = h->value + h->value_len;
		while (list_next(&it, &s, &n)) {
			rc = OK;
			if (kind == 1)
				rc = cl_member(c, h, s, n, f);
			else if (kind == 2)
				rc = te_member(c, h, s, n, f);
			else
				conn_member(s, n, f);
			if (rc != OK)
				return rc;
		}
	}
	return OK;
}

static int
apply_framing(struct cur *c, struct http_response_head *out, int head_request)
{
	struct framing f;
	int rc;

	if ((rc = scan_framing(c, out, &f)) != OK)
		return rc;
	if (f.have_te && f.have_cl)
		return fail(c, f.te_at,
		    "both Transfer-Encoding and Content-Length (request smuggling)");
	if (f.have_te && out->minor_version == 0)
		return fail(c, f.te_at, "Transfer-Encoding in an HTTP/1.0 response");
	if (f.have_te && !f.te_last_chunked)
		return fail(c, f.te_at, "Transfer-Encoding does not end with chunked");
	if (f.have_te && f.te_chunked_count > 1)
		return fail(c, f.te_at, "Transfer-Encoding applies chunked twice");
	if (f.have_te && f.te_other)
		return fail(c, f.te_at,
		    "Transfer-Encoding has a coding other than chunked (unsupported)");
	out->content_length = f.have_cl ? f.cl : 0;
	if (head_request || out->status == 204 || out->status == 304)
		out->body_kind = HTTP_BODY_NONE;
	else if (f.have_te)
		out->body_kind = HTTP_BODY_CHUNKED;
	else if (f.have_cl)
		out->body_kind = HTTP_BODY_LENGTH;
	else
		out->body_kind = HTTP_BODY_CLOSE;
	if (out->minor_version == 1)
		out->keep_alive = !f.conn_close;
	else
		out->keep_alive = f.conn_keep_alive && !f.conn_close;
	if (out->body_kind == HTTP_BODY_CLOSE)
		out->keep_alive = 0;
	return OK;
}

int
http_response_parse_head(const char *buf, size_t len, int head_request,
    struct http_response_head *out, struct errbuf *err)
{
	struct cur c;
	size_t start;
	int rc;

	c.buf = buf;
	c.avail = len < HTTP_MAX_HEAD_BYTES ? len : HTTP_MAX_HEAD_BYTES;
	c.pos = 0;
	c.err = err;
	for (;;) {
		start = c.pos;
		rc = parse_status_line(&c, out);
		if (rc == OK)
			rc = parse_header_block(&c, out);
		if (rc == HTTP_PARSE_INCOMPLETE && len > HTTP_MAX_HEAD_BYTES) {
			errbuf_set(err, "HTTP response offset %d: head exceeds %d bytes",
			    HTTP_MAX_HEAD_BYTES, HTTP_MAX_HEAD_BYTES);
			return HTTP_PARSE_ERROR;
		}
		if (rc != OK)
			return rc;
		if (out->status >= 200)
			break;
		if (out->status == 101)
			return fail(&c, start + 9, "unexpected 101 Switching Protocols");
	}
	if ((rc = apply_framing(&c, out, head_request)) != OK)
		return rc;
	return (int)c.pos;
}

const struct http_header *
http_header_find(const struct http_response_head *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->num_headers; i++) {
		if (ieq(h->headers[i].name, h->headers[i].name_len, name))
			return &h->headers[i];
	}
	return NULL;
}

/* ---- chunked transfer coding (RFC 9112 §7.1) */

enum {
	CH_SIZE,         /* hex digits of the chunk size */
	CH_EXT_SEMI,     /* BWS, then ';' */
	CH_EXT_NAME_WS,  /* after ';': BWS, then an extension name */
	CH_EXT_NAME,
	CH_EXT_AFTER_NAME, /* BWS after a name: '=' or ';' */
	CH_EXT_VAL_WS,   /* after '=': BWS, then token or quoted-string */
	CH_EXT_VAL_TOKEN,
	CH_EXT_VAL_Q,
	CH_EXT_Q_ESC,
	CH_EXT_AFTER_VAL, /* after the closing quote */
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TR_START,     /* start of a trailer line or of the final CRLF */
	CH_TR_NAME,
	CH_TR_VALUE,
	CH_TR_LF,
	CH_END_LF,
	CH_DONE,
	CH_FAILED
};

void
http_chunked_init(struct http_chunked_decoder *d)
{
	memset(d, 0, sizeof(*d));
	d->state = CH_SIZE;
}

/* qdtext (RFC 9110 §5.6.4): HTAB, SP, VCHAR except '"' and '\', obs-text. */
static int
is_qdtext(unsigned char ch)
{
	return http_is_field_byte(ch) && ch != '"' && ch != '\\';
}

/* The next state after a byte that may end an extension element. */
static int
ext_end(unsigned char ch)
{
	if (ch == ' ' || ch == '\t')
		return CH_EXT_SEMI;
	if (ch == ';')
		return CH_EXT_NAME_WS;
	if (ch == '\r')
		return CH_SIZE_LF;
	return CH_FAILED;
}

static int
ch_size(struct http_chunked_decoder *d, unsigned char ch, const char **why)
{
	int v = hex_digit(ch);

	if (v >= 0) {
		if (d->remaining >> 60 != 0) {
			*why = "chunk size overflows 64 bits";
			return CH_FAILED;
		}
		d->remaining = d->remaining << 4 | (uint64_t)v;
		d->seen_digit = 1;
		return CH_SIZE;
	}
	if (!d->seen_digit) {
		*why = "chunk size has no hex digit";
		return CH_FAILED;
	}
	*why = "invalid byte after chunk size";
	return ext_end(ch);
}

static int
ch_ext(int state, unsigned char ch, const char **why)
{
	int ws = ch == ' ' || ch == '\t';

	*why = "malformed chunk extension";
	switch (state) {
	case CH_EXT_SEMI:
		return ws ? state : ch == ';' ? CH_EXT_NAME_WS : CH_FAILED;
	case CH_EXT_NAME_WS:
		return ws ? state : http_is_tchar(ch) ? CH_EXT_NAME : CH_FAILED;
	case CH_EXT_NAME:
		if (http_is_tchar(ch))
			return state;
		return ws ? CH_EXT_AFTER_NAME : ch == '=' ? CH_EXT_VAL_WS :
		    ext_end(ch);
	case CH_EXT_AFTER_NAME:
		return ws ? state : ch == '=' ? CH_EXT_VAL_WS :
		    ch == ';' ? CH_EXT_NAME_WS : CH_FAILED;
	case CH_EXT_VAL_WS:
		return ws ? state : http_is_tchar(ch) ? CH_EXT_VAL_TOKEN :
		    ch == '"' ? CH_EXT_VAL_Q : CH_FAILED;
	case CH_EXT_VAL_TOKEN:
		return http_is_tchar(ch) ? state : ext_end(ch);
	case CH_EXT_VAL_Q:
		return ch == '"' ? CH_EXT_AFTER_VAL : ch == '\\' ? CH_EXT_Q_ESC :
		    is_qdtext(ch) ? state : CH_FAILED;
	case CH_EXT_Q_ESC:
		return http_is_field_byte(ch) ? CH_EXT_VAL_Q : CH_FAILED;
	default: /* CH_EXT_AFTER_VAL */
		return ext_end(ch);
	}
}

static int
ch_trailer(struct http_chunked_decoder *d, unsigned char ch, const char **why)
{
	switch (d->state) {
	case CH_TR_START:
		if (ch == '\r')
			return CH_END_LF;
		*why = ch == ' ' || ch == '\t' ? "obs-fold in trailer" :
		    "invalid byte at start of trailer line";
		return http_is_tchar(ch) ? CH_TR_NAME : CH_FAILED;
	case CH_TR_NAME:
		*why = "invalid byte in trailer name";
		return http_is_tchar(ch) ? CH_TR_NAME : ch == ':' ? CH_TR_VALUE :
		    CH_FAILED;
	default: /* CH_TR_VALUE */
		*why = "invalid byte in trailer value";
		return ch == '\r' ? CH_TR_LF : http_is_field_byte(ch) ? CH_TR_VALUE :
		    CH_FAILED;
	}
}

/* One byte of framing (everything but chunk data). */
static int
ch_step(struct http_chunked_decoder *d, unsigned char ch, const char **why)
{
	switch (d->state) {
	case CH_SIZE:
		return ch_size(d, ch, why);
	case CH_SIZE_LF:
		*why = "bare CR in chunk size line";
		if (ch != '\n')
			return CH_FAILED;
		d->line_len = 0;
		return d->remaining == 0 ? CH_TR_START : CH_DATA;
	case CH_DATA_CR:
		*why = "missing CRLF after chunk data";
		return ch == '\r' ? CH_DATA_LF : CH_FAILED;
	case CH_DATA_LF:
		*why = "missing CRLF after chunk data";
		if (ch != '\n')
			return CH_FAILED;
		d->seen_digit = 0;
		d->line_len = 0;
		return CH_SIZE;
	case CH_TR_LF:
		*why = "bare CR in trailer";
		d->line_len = 0;
		return ch == '\n' ? CH_TR_START : CH_FAILED;
	case CH_END_LF:
		*why = "bare CR after the last chunk";
		return ch == '\n' ? CH_DONE : CH_FAILED;
	case CH_TR_START:
	case CH_TR_NAME:
	case CH_TR_VALUE:
		return ch_trailer(d, ch, why);
	default:
		return ch_ext(d->state, ch, why);
	}
}

/* Counts a framing byte against the line and trailer limits. */
static const char *
ch_limits(struct http_chunked_decoder *d)
{
	int trailer = d->state >= CH_TR_START && d->state <= CH_END_LF;

	if (++d->line_len > HTTP_CHUNK_LINE_MAX)
		return trailer ? "trailer line too long" : "chunk size line too long";
	if (trailer && ++d->trailer_bytes > HTTP_MAX_TRAILER_BYTES)
		return "trailers too long";
	return NULL;
}

static int
ch_fail(struct http_chunked_decoder *d, size_t i, const char *why,
    struct errbuf *err)
{
	errbuf_set(err, "chunked body offset %llu: %s",
	    (unsigned long long)d->offset + i, why);
	d->state = CH_FAILED;
	return HTTP_PARSE_ERROR;
}

int
http_chunked_decode(struct http_chunked_decoder *d, char *buf, size_t *len,
    struct errbuf *err)
{
	size_t i = 0, o = 0, n = *len, take;
	const char *why;

	if (d->state == CH_FAILED) {
		errbuf_set(err, "chunked decoder used after an error");
		return HTTP_PARSE_ERROR;
	}
	if (n > INT_MAX) {
		errbuf_set(err, "chunked decoder input over INT_MAX bytes");
		return HTTP_PARSE_ERROR;
	}
	while (i < n && d->state != CH_DONE) {
		if (d->state == CH_DATA) {
			take = n - i;
			if ((uint64_t)take > d->remaining)
				take = (size_t)d->remaining;
			memmove(buf + o, buf + i, take);
			o += take;
			i += take;
			d->remaining -= take;
			if (d->remaining == 0)
				d->state = CH_DATA_CR;
			continue;
		}
		if ((why = ch_limits(d)) != NULL)
			return ch_fail(d, i, why, err);
		why = "invalid byte";
		d->state = ch_step(d, (unsigned char)buf[i], &why);
		if (d->state == CH_FAILED)
			return ch_fail(d, i, why, err);
		i++;
	}
	d->offset += i;
	*len = o;
	if (d->state != CH_DONE)
		return HTTP_PARSE_INCOMPLETE;
	memmove(buf + o, buf + i, n - i);
	return (int)(n - i);
}
