#include <stdarg.h>
#include <string.h>

#include "fmt.h"
#include "hex.h"
#include "names.h"
#include "reference.h"

/* ---- error text */

/* Quotes s for an error line: printable ASCII kept, '"' and '\' escaped,
 * anything else as \xNN; cut after REFERENCE_QUOTE_MAX input bytes. */
static void
quote(char *out, size_t cap, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0, n = len > REFERENCE_QUOTE_MAX ? REFERENCE_QUOTE_MAX : len;

	out[o++] = '"';
	/* cppcheck-suppress knownConditionTrueFalse ; only for the len 0 callers ("empty") */
	for (i = 0; i < n && o + 8 < cap; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\') {
			out[o++] = '\\';
			out[o++] = (char)ch;
		} else if (ch >= 0x20 && ch < 0x7f) {
			out[o++] = (char)ch;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o++] = '"';
	/* cppcheck-suppress knownConditionTrueFalse ; only for the len 0 callers ("empty") */
	if (n < len) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* "invalid <what> "<s>": <reason>" */
static int __attribute__((format(printf, 5, 6)))
bad(struct errbuf *err, const char *what, const char *s, size_t len,
    const char *fmt, ...)
{
	char q[REFERENCE_QUOTE_MAX * 4 + 8], reason[160];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	quote(q, sizeof(q), s, len);
	errbuf_set(err, "invalid %s %s: %s", what, q, reason);
	return -1;
}

/* A byte for a reason text: 'c' when printable, else 0xNN. */
static const char *
byte_desc(char buf[8], unsigned char ch)
{
	if (ch > 0x20 && ch < 0x7f && ch != '\'')
		fmt_snprintf(buf, 8, "'%c'", ch);
	else
		fmt_snprintf(buf, 8, "0x%02x", ch);
	return buf;
}

/* ---- character classes */

static int
is_digit(unsigned char ch)
{
	return ch >= '0' && ch <= '9';
}

static int
is_lower_alnum(unsigned char ch)
{
	return is_digit(ch) || (ch >= 'a' && ch <= 'z');
}

static int
is_alnum(unsigned char ch)
{
	return is_lower_alnum(ch) || (ch >= 'A' && ch <= 'Z');
}

/* ---- digests */

int
digest_parse(const char *s, size_t len, struct digest *d, struct errbuf *err)
{
	static const char prefix[] = "sha256:";
	const size_t plen = sizeof(prefix) - 1;
	size_t i, n;

	if (len < plen || memcmp(s, prefix, plen) != 0)
		return bad(err, "digest", s, len, "missing sha256: prefix");
	n = len - plen;
	for (i = 0; i < n; i++) {
		if (hex_digit((unsigned char)s[plen + i]) < 0)
			return bad(err, "digest", s, len,
			    "invalid hex: non-hex character at offset %zu", plen + i);
	}
	if (n % 2 != 0)
		return bad(err, "digest", s, len,
		    "invalid hex: odd number of hex digits (%zu)", n);
	if (n != DIGEST_HEX_LEN)
		return bad(err, "digest", s, len, "wrong length: %zu bytes, want %d",
		    n / 2, DIGEST_LEN);
	for (i = 0; i < DIGEST_LEN; i++)
		d->b[i] = (unsigned char)(hex_digit((unsigned char)s[plen + 2 * i]) << 4 |
		    hex_digit((unsigned char)s[plen + 2 * i + 1]));
	return 0;
}

void
digest_hex(const struct digest *d, char out[DIGEST_HEX_LEN + 1])
{
	hex_encode(d->b, DIGEST_LEN, out);
}

void
digest_format(const struct digest *d, char out[DIGEST_STR_SIZE])
{
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): digest_hex ends it */
	memcpy(out, "sha256:", 7);
	digest_hex(d, out + 7);
}

int
digest_equal(const struct digest *a, const struct digest *b)
{
	return memcmp(a->b, b->b, DIGEST_LEN) == 0;
}

/* ---- image names */

/* SPEC §9.2 first, so its rule is what an operator sees for YAML-breaking
 * bytes; then Docker's lowercase rule. */
static int
name_bytes_check(const char *s, size_t len, struct errbuf *err)
{
	char b[8];
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!is_alnum(ch) && ch != '/' && ch != '.' && ch != '_' && ch != '-')
			return bad(err, "image name", s, len,
			    "character %s at offset %zu is not allowed "
			    "(only A-Z a-z 0-9 / . _ -)", byte_desc(b, ch), i);
	}
	for (i = 0; i < len; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			return bad(err, "image name", s, len,
			    "uppercase letter at offset %zu "
			    "(Docker repository names are lowercase)", i);
	}
	return 0;
}

static int
all_dashes(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] != '-')
			return 0;
	}
	return 1;
}

/* One component s[from..to): alnum runs joined by ".", "_", "__" or "-"+. */
static int
name_component_check(const char *s, size_t len, size_t from, size_t to,
    struct errbuf *err)
{
	size_t i = from, sep;

	if (from == to)
		return bad(err, "image name", s, len,
		    "empty path component at offset %zu", from);
	if (!is_lower_alnum((unsigned char)s[from]))
		return bad(err, "image name", s, len,
		    "path component at offset %zu does not start with a letter or digit",
		    from);
	if (!is_lower_alnum((unsigned char)s[to - 1]))
		return bad(err, "image name", s, len,
		    "path component at offset %zu does not end with a letter or digit",
		    from);
	while (i < to) {
		while (i < to && is_lower_alnum((unsigned char)s[i]))
			i++;
		sep = i;
		while (i < to && !is_lower_alnum((unsigned char)s[i]))
			i++;
		if (i == sep)
			continue;
		if (i - sep == 1 || (i - sep == 2 && s[sep] == '_' && s[sep + 1] == '_'))
			continue;
		if (all_dashes(s + sep, i - sep))
			continue;
		return bad(err, "image name", s, len,
		    "invalid separator \"%.*s\" at offset %zu (use one of . _ __ or dashes)",
		    (int)(i - sep > 16 ? 16 : i - sep), s + sep, sep);
	}
	return 0;
}

int
reference_name_check(const char *s, size_t len, struct errbuf *err)
{
	size_t from = 0, i;

	if (len == 0)
		return bad(err, "image name", s, len, "empty");
	if (name_bytes_check(s, len, err) != 0)
		return -1;
	if (len > REFERENCE_NAME_MAX)
		return bad(err, "image name", s, len, "longer than %d bytes",
		    REFERENCE_NAME_MAX);
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '/')
			continue;
		if (name_component_check(s, len, from, i, err) != 0)
			return -1;
		from = i + 1;
	}
	return 0;
}

/* ---- registries */

/* Dotted quad, each part 0..255 without leading zeros. */
static int
ipv4_ok(const char *s, size_t len)
{
	size_t i = 0, parts = 0, digits;
	unsigned v;

	for (;;) {
		for (digits = 0, v = 0; i < len && is_digit((unsigned char)s[i]); i++, digits++)
			v = v * 10 + (unsigned)(s[i] - '0');
		if (digits == 0 || digits > 3 || v > 255 || (digits > 1 && s[i - digits] == '0'))
			return 0;
		if (++parts == 4)
			return i == len;
		if (i >= len || s[i] != '.')
			return 0;
		i++;
	}
}

/* RFC 4291 text form: 8 groups, one "::" for a run of zeros; no zone id
 * and no dotted-quad tail (Docker's grammar has none, see below). */
static int
ipv6_ok(const char *s, size_t len)
{
	size_t i = 0, groups = 0, digits;
	int compressed = 0;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		compressed = 1;
		i = 2;
	}
	while (i < len) {
		for (digits = 0; i < len && hex_digit((unsigned char)s[i]) >= 0; i++)
			digits++;
		if (digits == 0 || digits > 4)
			return 0;
		groups++;
		if (i == len)
			break;
		if (s[i] != ':' || ++i == len)
			return 0;
		if (s[i] == ':') {
			if (compressed)
				return 0;
			compressed = 1;
			i++;
		}
	}
	return compressed ? groups <= 7 : groups == 8;
}

static int
host_label_check(const char *s, size_t len, size_t from, size_t to,
    struct errbuf *err)
{
	char b[8];
	size_t i;

	if (to == from)
		return bad(err, "registry", s, len, "empty host label at offset %zu", from);
	if (to - from > 63)
		return bad(err, "registry", s, len,
		    "host label at offset %zu longer than 63 bytes", from);
	for (i = from; i < to; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!is_alnum(ch) && ch != '-')
			return bad(err, "registry", s, len,
			    "character %s at offset %zu is not allowed in a host name",
			    byte_desc(b, ch), i);
	}
	if (s[from] == '-' || s[to - 1] == '-')
		return bad(err, "registry", s, len,
		    "host label at offset %zu starts or ends with '-'", from);
	return 0;
}

static int
host_check(const char *s, size_t len, size_t hlen, struct errbuf *err)
{
	size_t i, from = 0;
	int numeric = 1;

	if (hlen == 0)
		return bad(err, "registry", s, len, "empty host");
	if (hlen > REFERENCE_HOST_MAX)
		return bad(err, "registry", s, len, "host longer than %d bytes",
		    REFERENCE_HOST_MAX);
	for (i = 0; i <= hlen; i++) {
		if (i < hlen && s[i] != '.') {
			numeric &= is_digit((unsigned char)s[i]);
			continue;
		}
		if (host_label_check(s, len, from, i, err) != 0)
			return -1;
		from = i + 1;
	}
	if (numeric && !ipv4_ok(s, hlen))
		return bad(err, "registry", s, len,
		    "numeric host is not a dotted IPv4 address");
	return 0;
}

static int
port_check(const char *s, size_t len, size_t from, struct errbuf *err)
{
	size_t i;
	unsigned long v = 0;

	if (from == len)
		return bad(err, "registry", s, len, "empty port");
	for (i = from; i < len; i++) {
		if (!is_digit((unsigned char)s[i]))
			return bad(err, "registry", s, len, "port is not a decimal number");
		if (i - from >= 5)
			return bad(err, "registry", s, len, "port outside 1..65535");
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (s[from] == '0' && len - from > 1)
		return bad(err, "registry", s, len, "port has a leading zero");
	if (v < 1 || v > 65535)
		return bad(err, "registry", s, len, "port outside 1..65535");
	return 0;
}

int
reference_registry_check(const char *s, size_t len, struct errbuf *err)
{
	const char *end;
	size_t hlen;

	if (len == 0)
		return bad(err, "registry", s, len, "empty");
	if (s[0] == '[') {
		end = memchr(s, ']', len);
		hlen = end != NULL ? (size_t)(end - s) + 1 : len;
		/* distribution/reference: ipv6address = \[(?:[a-fA-F0-9:]+)\];
		 * `docker pull` refuses what we would accept beyond it. */
		if (memchr(s, '.', hlen) != NULL)
			return bad(err, "registry", s, len, "IPv4-in-IPv6 address: "
			    "Docker's reference grammar allows only hex digits and "
			    "':' inside [ ]");
		if (end == NULL || !ipv6_ok(s + 1, hlen - 2))
			return bad(err, "registry", s, len, "invalid bracketed IPv6 address");
	} else {
		end = memchr(s, ':', len);
		hlen = end != NULL ? (size_t)(end - s) : len;
		if (host_check(s, len, hlen, err) != 0)
			return -1;
	}
	if (hlen == len)
		return 0;
	if (s[hlen] != ':')
		return bad(err, "registry", s, len,
		    "expected ':' and a port after the host");
	return port_check(s, len, hlen + 1, err);
}

/* ---- tags and references */

int
reference_tag_check(const char *s, size_t len, struct errbuf *err)
{
	char b[8];
	size_t i;

	if (len == 0)
		return bad(err, "tag", s, len, "empty");
	if (len > REFERENCE_TAG_MAX)
		return bad(err, "tag", s, len, "longer than %d bytes", REFERENCE_TAG_MAX);
	if (!is_alnum((unsigned char)s[0]) && s[0] != '_')
		return bad(err, "tag", s, len,
		    "must start with a letter, digit or '_', not %s",
		    byte_desc(b, (unsigned char)s[0]));
	for (i = 1; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!is_alnum(ch) && ch != '_' && ch != '.' && ch != '-')
			return bad(err, "tag", s, len,
			    "character %s at offset %zu is not allowed "
			    "(only A-Z a-z 0-9 _ . -)", byte_desc(b, ch), i);
	}
	return 0;
}

int
reference_ref_check(const char *s, size_t len, enum reference_kind *kind,
    struct errbuf *err)
{
	struct digest d;

	if (memchr(s, ':', len) == NULL) {
		if (kind != NULL)
			*kind = REFERENCE_TAG;
		return reference_tag_check(s, len, err);
	}
	if (len < 7 || memcmp(s, "sha256:", 7) != 0)
		return bad(err, "reference", s, len,
		    "neither a tag nor a sha256: digest");
	if (kind != NULL)
		*kind = REFERENCE_DIGEST;
	return digest_parse(s, len, &d, err);
}

/* ---- image references (near/mpc's image_reference) */

/* The registry component: Docker treats it as a host when it could not be
 * a path component. */
static int
is_host_component(const char *s, size_t n)
{
	size_t i;

	if (n == 9 && memcmp(s, "localhost", 9) == 0)
		return 1;
	for (i = 0; i < n; i++)
		if (s[i] == '.' || s[i] == ':' || (s[i] >= 'A' && s[i] <= 'Z'))
			return 1;
	return 0;
}

int
reference_image_parse(const char *s, size_t len, struct reference_image *r,
    struct errbuf *err)
{
	const char *at = memchr(s, '@', len);
	size_t n = at != NULL ? (size_t)(at - s) : len, i, first = n, from = 0, colon = n;
	char b[8];

	memset(r, 0, sizeof(*r));
	if (n == 0 || !is_alnum((unsigned char)s[0]))
		return bad(err, "image reference", s, len, "must start with a letter or digit");
	if (s[n - 1] == ':' || s[n - 1] == '/' || s[n - 1] == '.')
		return bad(err, "image reference", s, len, "ends in '%c'", s[n - 1]);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (!is_alnum(ch) && ch != '/' && ch != '_' && ch != '.' && ch != ':' && ch != '-')
			return bad(err, "image reference", s, len,
			    "character %s at offset %zu is not allowed", byte_desc(b, ch), i);
		/* i + 1 < n here: s[n - 1] is neither '/' nor ':'. */
		if ((ch == '/' || ch == ':') && (s[i + 1] == (char)ch ||
		    (ch == ':' && s[i + 1] == '.')))
			return bad(err, "image reference", s, len, "holds \"%c%c\"", ch, s[i + 1]);
		if (ch == '/' && first == n)
			first = i;
		if (ch == '/')
			colon = n;
		else if (ch == ':')
			colon = i;
	}
	if (first < n && is_host_component(s, first)) {
		r->registry = s;
		r->registry_len = first;
		from = first + 1;
		if (reference_registry_check(s, first, err) != 0)
			return -1;
	}
	r->name = s + from;
	r->name_len = colon - from;
	if (colon < n) {
		r->tag = s + colon + 1;
		r->tag_len = n - colon - 1;
		if (reference_tag_check(r->tag, r->tag_len, err) != 0)
			return -1;
	}
	if (at != NULL) {
		r->has_digest = 1;
		if (digest_parse(at + 1, len - n - 1, &r->digest, err) != 0)
			return -1;
	}
	return reference_name_check(r->name, r->name_len, err);
}

/* ---- Docker Hub */

static int
ieq(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (strlen(b) != alen)
		return 0;
	for (i = 0; i < alen; i++) {
		char x = (char)(a[i] >= 'A' && a[i] <= 'Z' ? a[i] - 'A' + 'a' : a[i]);
		if (x != b[i])
			return 0;
	}
	return 1;
}

int
reference_is_docker_hub(const char *registry, size_t len)
{
	return ieq(registry, len, "registry.hub.docker.com") ||
	    ieq(registry, len, NAMES_DOCKER_HUB) ||
	    ieq(registry, len, NAMES_DOCKER_HUB_API) ||
	    ieq(registry, len, "index.docker.io");
}

int
reference_api_name(const char *registry, size_t rlen, const char *name,
    size_t nlen, char out[REFERENCE_API_NAME_SIZE], struct errbuf *err)
{
	int library;

	if (reference_registry_check(registry, rlen, err) != 0 ||
	    reference_name_check(name, nlen, err) != 0)
		return -1;
	library = reference_is_docker_hub(registry, rlen) &&
	    memchr(name, '/', nlen) == NULL;
	fmt_snprintf(out, REFERENCE_API_NAME_SIZE, "%s%.*s", library ? "library/" : "",
	    (int)nlen, name);
	return 0;
}

int
reference_repo_format(const char *registry, size_t rlen, const char *name,
    size_t nlen, char out[REFERENCE_REPO_SIZE], struct errbuf *err)
{
	if (reference_registry_check(registry, rlen, err) != 0 ||
	    reference_name_check(name, nlen, err) != 0)
		return -1;
	if (reference_is_docker_hub(registry, rlen))
		fmt_snprintf(out, REFERENCE_REPO_SIZE, "%.*s", (int)nlen, name);
	else
		fmt_snprintf(out, REFERENCE_REPO_SIZE, "%.*s/%.*s", (int)rlen, registry,
		    (int)nlen, name);
	return 0;
}

int
reference_pull_format(const char *registry, size_t rlen, const char *name,
    size_t nlen, const struct digest *d, char out[REFERENCE_PULL_SIZE],
    struct errbuf *err)
{
	char ds[DIGEST_STR_SIZE];

	if (reference_repo_format(registry, rlen, name, nlen, out, err) != 0)
		return -1;
	digest_format(d, ds);
	fmt_snprintf(out + strlen(out), REFERENCE_PULL_SIZE - strlen(out), "@%s", ds);
	return 0;
}
