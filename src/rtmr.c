#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bearssl_hash.h>

#include "base64.h"
#include "fmt.h"
#include "hex.h"
#include "lockfile.h"
#include "readfile.h"
#include "rtmr.h"
#include "utf8.h"

static const char hexdig[] = "0123456789abcdef";

void
rtmr_native_cfg_default(struct rtmr_native_cfg *cfg)
{
	cfg->lock_path = RTMR_DEFAULT_LOCK;
	cfg->version_path = RTMR_DEFAULT_VERSION;
	cfg->rtmr3_path = RTMR_DEFAULT_RTMR3;
	cfg->log_path = RTMR_DEFAULT_LOG;
	cfg->lock_timeout_ms = RTMR_LOCK_TIMEOUT_MS;
}

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
rtmr_log_line_format(enum rtmr_version v, const uint8_t payload[RTMR_PAYLOAD_LEN],
    char *out, size_t cap)
{
	char b64[BASE64_LEN(RTMR_PAYLOAD_LEN) + 1];
	int len;

	/* Cannot fail: b64 is sized for the payload. */
	(void)base64_encode(payload, RTMR_PAYLOAD_LEN, b64, sizeof(b64));
	len = fmt_snprintf(out, cap, "{\"event\":\"%s\",\"payload\":\"%s\"%s}\n",
	    RTMR_EVENT_NAME, b64, v == RTMR_V2 ? ",\"version\":2" : "");
	return (len > 0 && (size_t)len < cap) ? (size_t)len : 0;
}

/* ---- scanning the runtime log */

struct scan {
	const char *path;
	struct rtmr_once *once;
	uint8_t *mr;
	size_t events, lineno;
	struct rtmr_event ev;
};

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
scan_line(struct scan *s, const char *line, size_t n, struct errbuf *err)
{
	uint8_t d[RTMR_DIGEST_LEN];

	s->lineno++;
	if (is_blank(line, n))
		return RTMR_OK;
	if (rtmr_log_line_parse(line, n, &s->ev, err) != RTMR_OK) {
		errbuf_wrap(err, "%s: line %zu", s->path, s->lineno);
		return RTMR_ERR;
	}
	s->events++;
	if (s->once != NULL)
		rtmr_once_note(s->once, s->ev.name, s->ev.payload, s->ev.payload_len);
	if (s->mr != NULL) {
		if (rtmr_event_digest(s->ev.version, s->ev.name, s->ev.payload,
		    s->ev.payload_len, d, err) != RTMR_OK) {
			errbuf_wrap(err, "%s: line %zu", s->path, s->lineno);
			return RTMR_ERR;
		}
		rtmr_extend(s->mr, d);
	}
	return RTMR_OK;
}

static int
scan_file(struct scan *s, struct readfile *f, struct errbuf *err)
{
	char chunk[4096], line[RTMR_LINE_MAX + 1];
	size_t llen = 0, n, i;

	for (;;) {
		if (readfile_read(f, chunk, sizeof(chunk), &n, err) != READFILE_OK)
			return RTMR_ERR;
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			if (chunk[i] == '\n') {
				if (scan_line(s, line, llen, err) != RTMR_OK)
					return RTMR_ERR;
				llen = 0;
			} else if (llen == RTMR_LINE_MAX) {
				errbuf_set(err, "%s: line %zu longer than %d bytes",
				    s->path, s->lineno + 1, RTMR_LINE_MAX);
				return RTMR_ERR;
			} else {
				line[llen++] = chunk[i];
			}
		}
	}
	return llen > 0 ? scan_line(s, line, llen, err) : RTMR_OK;
}

int
rtmr_log_scan_file(const char *path, struct rtmr_once *o,
    uint8_t replay_mr[RTMR_DIGEST_LEN], size_t *nevents, struct errbuf *err)
{
	struct scan s;
	struct readfile f;
	enum readfile_result r;
	int rc;

	memset(&s, 0, sizeof(s));
	s.path = path;
	s.once = o;
	s.mr = replay_mr;
	if (replay_mr != NULL)
		memset(replay_mr, 0, RTMR_DIGEST_LEN);
	r = readfile_open(&f, path, RTMR_LOG_MAX, err);
	if (r == READFILE_ABSENT) {
		rc = RTMR_OK;
	} else if (r != READFILE_OK) {
		return RTMR_ERR;
	} else {
		rc = scan_file(&s, &f, err);
		readfile_close(&f);
	}
	if (nevents != NULL)
		*nevents = s.events;
	return rc;
}

/* ---- the native extend */

static int
version_read(const char *path, enum rtmr_version *v, struct errbuf *err)
{
	char buf[RTMR_VERSION_FILE_MAX];
	size_t n;
	enum readfile_result r = readfile_regular(path, buf, sizeof(buf), &n, err);

	*v = RTMR_V1;
	if (r == READFILE_ABSENT) {
		errbuf_set(err, "%s: missing; dstack >= 0.6 writes it at boot and refuses "
		    "to emit events without it, so the event format is unknown", path);
		return RTMR_ERR;
	}
	if (r != READFILE_OK)
		return RTMR_ERR;
	if ((n == 1 || (n == 2 && buf[1] == '\n')) && (buf[0] == '1' || buf[0] == '2')) {
		*v = buf[0] == '1' ? RTMR_V1 : RTMR_V2;
		return RTMR_OK;
	}
	errbuf_set(err, "%s: expected \"1\" or \"2\" (optionally with a newline)", path);
	return RTMR_ERR;
}

static int
rtmr3_write(const char *path, const uint8_t d[RTMR_DIGEST_LEN], struct errbuf *err)
{
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0) {
		errbuf_set(err, "%s: open: %s", path, strerror(errno));
		return RTMR_ERR;
	}
	/* One write: the kernel extends once per write(2) of a full digest. */
	n = pwrite(fd, d, RTMR_DIGEST_LEN, 0);
	if (n != RTMR_DIGEST_LEN) {
		if (n < 0)
			errbuf_set(err, "%s: write: %s", path, strerror(errno));
		else
			errbuf_set(err, "%s: short write (%zd of %d bytes)", path, n,
			    RTMR_DIGEST_LEN);
		close(fd);
		return RTMR_ERR;
	}
	close(fd);
	return RTMR_OK;
}

static int
log_append(const char *path, enum rtmr_version v,
    const uint8_t payload[RTMR_PAYLOAD_LEN], struct errbuf *err)
{
	char line[128];
	size_t len = rtmr_log_line_format(v, payload, line, sizeof(line)), off = 0;
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		errbuf_set(err, "%s: open: %s", path, strerror(errno));
		return RTMR_ERR;
	}
	while (off < len) {
		ssize_t n = write(fd, line + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errbuf_set(err, "%s: write: %s", path, n < 0 ? strerror(errno) : "no progress");
			close(fd);
			return RTMR_ERR;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0) {
		errbuf_set(err, "%s: fsync: %s", path, strerror(errno));
		close(fd);
		return RTMR_ERR;
	}
	/* The line is written and synced: an error from close cannot undo
	 * that, and failing here would call a complete log incomplete. */
	close(fd);
	return RTMR_OK;
}

/*
 * Where the RTMR3 file has register semantics (sysfs; FUSE, where tests
 * emulate the kernel), a read returns the register: *readable = 1 and
 * mr holds it.  A file elsewhere is not a register: *readable = 0.
 */
static int
rtmr3_read(const char *path, uint8_t mr[RTMR_DIGEST_LEN], int *readable,
    struct errbuf *err)
{
	struct statfs fs;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	*readable = 0;
	if (fd < 0) {
		errbuf_set(err, "%s: open: %s", path, strerror(errno));
		return RTMR_ERR;
	}
	if (fstatfs(fd, &fs) != 0 || (fs.f_type != RTMR_SYSFS_MAGIC &&
	    fs.f_type != RTMR_FUSE_MAGIC)) {
		close(fd);
		return RTMR_OK;
	}
	do
		n = pread(fd, mr, RTMR_DIGEST_LEN, 0);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n != RTMR_DIGEST_LEN) {
		errbuf_set(err, "%s: read %zd bytes, expected the %d-byte register", path, n,
		    RTMR_DIGEST_LEN);
		return RTMR_ERR;
	}
	*readable = 1;
	return RTMR_OK;
}

/* The log must replay to the register before we skip or add to it: a
 * mismatch means this boot's measurement can no longer be verified.  The
 * one mismatch a crash of ours explains (dstack's order: extend, then
 * append; killed in between) is named as such: the register is the replay
 * extended once more by this very event. */
static int
register_matches(const struct rtmr_native_cfg *cfg, const uint8_t replay[RTMR_DIGEST_LEN],
    const uint8_t ours[RTMR_DIGEST_LEN], struct rtmr_native_result *res,
    struct errbuf *err)
{
	uint8_t mr[RTMR_DIGEST_LEN], next[RTMR_DIGEST_LEN];

	if (rtmr3_read(cfg->rtmr3_path, mr, &res->register_read, err) != RTMR_OK)
		return RTMR_ERR;
	if (!res->register_read || memcmp(mr, replay, RTMR_DIGEST_LEN) == 0)
		return RTMR_OK;
	memcpy(next, replay, RTMR_DIGEST_LEN);
	rtmr_extend(next, ours);
	if (memcmp(mr, next, RTMR_DIGEST_LEN) == 0)
		errbuf_set(err, "%s: RTMR3 was extended with this %s event but %s was not "
		    "appended (an earlier run was interrupted between the two): reboot required",
		    cfg->rtmr3_path, RTMR_EVENT_NAME, cfg->log_path);
	else
		errbuf_set(err, "%s: the register does not equal the replay of %s; this "
		    "boot's RTMR3 is already inconsistent (reboot required)",
		    cfg->rtmr3_path, cfg->log_path);
	return RTMR_ERR;
}

/* Everything that happens under the lock. */
static int
emit_locked(const struct rtmr_native_cfg *cfg, const uint8_t payload[RTMR_PAYLOAD_LEN],
    struct rtmr_native_result *res, struct errbuf *err)
{
	uint8_t replay[RTMR_DIGEST_LEN];
	struct rtmr_once once;

	if (version_read(cfg->version_path, &res->version, err) != RTMR_OK)
		return RTMR_ERR;
	rtmr_once_init(&once, payload);
	if (rtmr_event_digest(res->version, RTMR_EVENT_NAME, payload,
	    RTMR_PAYLOAD_LEN, res->digest, err) != RTMR_OK ||
	    rtmr_log_scan_file(cfg->log_path, &once, replay, NULL, err) != RTMR_OK ||
	    register_matches(cfg, replay, res->digest, res, err) != RTMR_OK ||
	    rtmr_once_decide(&once, &res->seen, err) != RTMR_OK)
		return RTMR_ERR;
	if (res->seen == RTMR_SEEN_SAME)
		return RTMR_OK;
	if (res->seen == RTMR_SEEN_DIFFERENT) {
		errbuf_set(err, "%s: already holds a %s event with a different digest; "
		    "refusing to add a second", cfg->log_path, RTMR_EVENT_NAME);
		return RTMR_ERR;
	}
	if (rtmr3_write(cfg->rtmr3_path, res->digest, err) != RTMR_OK)
		return RTMR_ERR;
	if (log_append(cfg->log_path, res->version, payload, err) != RTMR_OK) {
		errbuf_wrap(err, "RTMR3 was extended but the event log was not: "
		    "reboot required (replay will not match)");
		return RTMR_ERR;
	}
	return RTMR_OK;
}

int
rtmr_native_emit_once(const struct rtmr_native_cfg *cfg,
    const uint8_t payload[RTMR_PAYLOAD_LEN], struct rtmr_native_result *res,
    struct errbuf *err)
{
	int fd, rc;

	memset(res, 0, sizeof(*res));
	if (lockfile_acquire(cfg->lock_path, cfg->lock_timeout_ms, &fd, err) != LOCKFILE_OK)
		return RTMR_ERR;
	rc = emit_locked(cfg, payload, res, err);
	close(fd); /* releases the flock */
	return rc;
}
