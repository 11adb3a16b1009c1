#include <string.h>

#include <bearssl_hash.h>

#include "base64.h"
#include "fmt.h"
#include "hex.h"
#include "rtmr_log.h"
#include "utf8.h"

static const char hexdig[] = "0123456789abcdef";

/* ---- digests */

static void
hash_str(br_sha384_context *c, const char *s)
{
	br_sha384_update(c, s, strlen(s));
}

/* A JSON string as RFC 8785 serialises it: only '"', '\\' and controls
 * are escaped, short forms where JSON has them, else \u00xx lowercase. */
static int
hash_jcs_string(br_sha384_context *c, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, k;

	br_sha384_update(c, "\"", 1);
	while (i < n) {
		unsigned char ch = p[i];
		char esc[7] = { '\\', 0, 0, 0, 0, 0, 0 };
		const char *shortform = strchr("\"\\\b\f\n\r\t", ch);

		if (ch != 0 && shortform != NULL) {
			esc[1] = "\"\\bfnrt"[shortform - "\"\\\b\f\n\r\t"];
			br_sha384_update(c, esc, 2);
			i++;
		} else if (ch < 0x20) {
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hexdig[ch >> 4];
			esc[5] = hexdig[ch & 15];
			br_sha384_update(c, esc, 6);
			i++;
		} else {
			k = utf8_decode(p + i, n - i, NULL);
			if (k == 0)
				return -1;
			br_sha384_update(c, p + i, k);
			i += k;
		}
	}
	br_sha384_update(c, "\"", 1);
	return 0;
}

static void
hash_hex(br_sha384_context *c, const uint8_t *p, size_t n)
{
	char pair[3];
	size_t i;

	for (i = 0; i < n; i++) {
		hex_encode(p + i, 1, pair);
		br_sha384_update(c, pair, 2);
	}
}

int
rtmr_event_digest(enum rtmr_version v, const char *name, const uint8_t *payload,
    size_t len, uint8_t out[RTMR_DIGEST_LEN], struct errbuf *err)
{
	static const uint8_t type_le[4] = { 0x01, 0x00, 0x00, 0x08 };
	br_sha384_context c;
	char type_dec[16];

	br_sha384_init(&c);
	if (v == RTMR_V1) {
		br_sha384_update(&c, type_le, sizeof(type_le));
		hash_str(&c, ":");
		hash_str(&c, name);
		hash_str(&c, ":");
		br_sha384_update(&c, payload, len);
	} else if (v == RTMR_V2) {
		/* Keys in RFC 8785 order: name < payload < type. */
		hash_str(&c, "{\"name\":");
		if (hash_jcs_string(&c, name) != 0) {
			errbuf_set(err, "event name is not valid UTF-8");
			return RTMR_ERR;
		}
		hash_str(&c, ",\"payload\":\"");
		hash_hex(&c, payload, len);
		fmt_snprintf(type_dec, sizeof(type_dec), "%lu", (unsigned long)RTMR_EVENT_TYPE);
		hash_str(&c, "\",\"type\":");
		hash_str(&c, type_dec);
		hash_str(&c, "}");
	} else {
		errbuf_set(err, "unknown event log version %d", (int)v);
		return RTMR_ERR;
	}
	br_sha384_out(&c, out);
	return RTMR_OK;
}

void
rtmr_extend(uint8_t mr[RTMR_DIGEST_LEN], const uint8_t digest[RTMR_DIGEST_LEN])
{
	br_sha384_context c;

	br_sha384_init(&c);
	br_sha384_update(&c, mr, RTMR_DIGEST_LEN);
	br_sha384_update(&c, digest, RTMR_DIGEST_LEN);
	br_sha384_out(&c, mr);
}

void
rtmr_replay(const uint8_t (*digests)[RTMR_DIGEST_LEN], size_t n,
    uint8_t out[RTMR_DIGEST_LEN])
{
	size_t i;

	memset(out, 0, RTMR_DIGEST_LEN);
	for (i = 0; i < n; i++)
		rtmr_extend(out, digests[i]);
}

/* ---- the runtime log line matcher */

struct cursor {
	const char *p, *end;
};

static int
take(struct cursor *c, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

static int
hex4(const char *p, unsigned long *v)
{
	int i, x;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if ((x = hex_digit((unsigned char)p[i])) < 0)
			return 0;
		*v = (*v << 4) | (unsigned long)x;
	}
	return 1;
}

/* \uXXXX (and a following low surrogate) at c->p, after the backslash. */
static int
unescape_u(struct cursor *c, unsigned long *cp)
{
	unsigned long lo;

	if (c->end - c->p < 5 || !hex4(c->p + 1, cp))
		return 0;
	c->p += 5;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return 0;
	if (*cp >= 0xd800 && *cp <= 0xdbff) {
		if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' ||
		    !hex4(c->p + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
			return 0;
		c->p += 6;
		*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	return 1;
}

/* A JSON string body up to the closing quote, unescaped into out. */
static int
json_string(struct cursor *c, char *out, size_t cap)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	size_t o = 0;

	while (c->p < c->end && *c->p != '"') {
		char tmp[4];
		size_t n = 1;
		unsigned char ch = (unsigned char)*c->p;

		if (ch < 0x20)
			return 0;
		if (ch != '\\') {
			tmp[0] = (char)ch;
			c->p++;
		} else if (c->end - c->p >= 2 && c->p[1] == 'u') {
			unsigned long cp;
			c->p++;
			if (!unescape_u(c, &cp) || cp == 0)
				return 0;
			n = utf8_encode((uint32_t)cp, (unsigned char *)tmp);
		} else {
			const char *q = c->end - c->p >= 2 && c->p[1] ? strchr(from, c->p[1]) : NULL;
			if (q == NULL)
				return 0;
			tmp[0] = to[q - from];
			c->p += 2;
		}
		if (o + n > cap)
			return 0;
		memcpy(out + o, tmp, n);
		o += n;
	}
	if (!take(c, "\""))
		return 0;
	out[o] = '\0';
	return 1;
}

static int
line_fail(struct errbuf *err, const char *what)
{
	errbuf_set(err, "%s", what);
	return RTMR_ERR;
}

int
rtmr_log_line_parse(const char *line, size_t len, struct rtmr_event *ev,
    struct errbuf *err)
{
	struct cursor c = { line, line + len };
	const char *b64;
	long n;

	memset(ev, 0, sizeof(*ev));
	ev->version = RTMR_V1;
	if (!take(&c, "{\"event\":\"") || !json_string(&c, ev->name, RTMR_NAME_MAX))
		return line_fail(err, "expected {\"event\":\"<name>\" (name at most 256 bytes)");
	if (!take(&c, ",\"payload\":\""))
		return line_fail(err, "expected ,\"payload\":\"<base64>\" after the event name");
	b64 = c.p;
	while (c.p < c.end && *c.p != '"')
		c.p++;
	n = base64_decode(b64, (size_t)(c.p - b64), ev->payload, sizeof(ev->payload));
	if (n < 0 || !take(&c, "\""))
		return line_fail(err, "payload is not canonical padded base64");
	ev->payload_len = (size_t)n;
	if (take(&c, ",\"version\":")) {
		if (take(&c, "1"))
			ev->version = RTMR_V1;
		else if (take(&c, "2"))
			ev->version = RTMR_V2;
		else
			return line_fail(err, "version must be 1 or 2");
	}
	if (!take(&c, "}") || c.p != c.end)
		return line_fail(err, "unexpected text after the payload");
	return RTMR_OK;
}

size_t
rtmr_log_line_format(enum rtmr_version v, const struct digest *payload,
    char *out, size_t cap)
{
	char b64[BASE64_LEN(DIGEST_LEN) + 1];
	int len;

	/* Cannot fail: b64 is sized for the payload. */
	(void)base64_encode(payload->b, DIGEST_LEN, b64, sizeof(b64));
	len = fmt_snprintf(out, cap, "{\"event\":\"%s\",\"payload\":\"%s\"%s}\n",
	    RTMR_EVENT_NAME, b64, v == RTMR_V2 ? ",\"version\":2" : "");
	return (len > 0 && (size_t)len < cap) ? (size_t)len : 0;
}

/* ---- emit once */

void
rtmr_once_init(struct rtmr_once *o, const struct digest *payload)
{
	memset(o, 0, sizeof(*o));
	o->want = *payload;
}

void
rtmr_once_note(struct rtmr_once *o, const char *name, const uint8_t *payload,
    size_t len)
{
	if (strcmp(name, RTMR_EVENT_NAME) != 0)
		return;
	o->count++;
	if (len == DIGEST_LEN && memcmp(payload, o->want.b, len) == 0)
		o->same++;
}

int
rtmr_once_decide(const struct rtmr_once *o, enum rtmr_seen *seen,
    struct errbuf *err)
{
	if (o->count > 1) {
		errbuf_set(err, "the event log already holds %u %s events; "
		    "a verifier rejects it whatever we add", o->count, RTMR_EVENT_NAME);
		return RTMR_ERR;
	}
	*seen = o->count == 0 ? RTMR_SEEN_NONE :
	    o->same ? RTMR_SEEN_SAME : RTMR_SEEN_DIFFERENT;
	return RTMR_OK;
}


/* ---- scanning a log */

static int
is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

static int
scan_line(struct rtmr_log_scan *s, const char *line, size_t n, struct errbuf *err)
{
	uint8_t d[RTMR_DIGEST_LEN];

	s->lineno++;
	if (is_blank(line, n))
		return RTMR_OK;
	if (rtmr_log_line_parse(line, n, &s->ev, err) != RTMR_OK) {
		errbuf_wrap(err, "%s: line %zu", s->name, s->lineno);
		return RTMR_ERR;
	}
	s->events++;
	if (s->once != NULL)
		rtmr_once_note(s->once, s->ev.name, s->ev.payload, s->ev.payload_len);
	if (s->mr != NULL) {
		if (rtmr_event_digest(s->ev.version, s->ev.name, s->ev.payload,
		    s->ev.payload_len, d, err) != RTMR_OK) {
			errbuf_wrap(err, "%s: line %zu", s->name, s->lineno);
			return RTMR_ERR;
		}
		rtmr_extend(s->mr, d);
	}
	return RTMR_OK;
}

void
rtmr_log_scan_init(struct rtmr_log_scan *s, const char *name,
    struct rtmr_once *once, uint8_t mr[RTMR_DIGEST_LEN])
{
	memset(s, 0, sizeof(*s));
	s->name = name;
	s->once = once;
	s->mr = mr;
	if (mr != NULL)
		memset(mr, 0, RTMR_DIGEST_LEN);
}

int
rtmr_log_scan_feed(struct rtmr_log_scan *s, const char *data, size_t n,
    struct errbuf *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (data[i] == '\n') {
			if (scan_line(s, s->line, s->llen, err) != RTMR_OK)
				return RTMR_ERR;
			s->llen = 0;
		} else if (s->llen == RTMR_LINE_MAX) {
			errbuf_set(err, "%s: line %zu longer than %d bytes",
			    s->name, s->lineno + 1, RTMR_LINE_MAX);
			return RTMR_ERR;
		} else {
			s->line[s->llen++] = data[i];
		}
	}
	return RTMR_OK;
}

int
rtmr_log_scan_finish(struct rtmr_log_scan *s, struct errbuf *err)
{
	return s->llen > 0 ? scan_line(s, s->line, s->llen, err) : RTMR_OK;
}
