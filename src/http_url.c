#include <string.h>

#include "fmt.h"
#include "http_url.h"

static char
lower(char ch)
{
	return (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
}

static int
is_alnum(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z')
	    || (ch >= 'A' && ch <= 'Z');
}

static int
is_hex(unsigned char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')
	    || (ch >= 'A' && ch <= 'F');
}

/* Bytes a request target may not carry raw (RFC 3986 + WHATWG practice). */
static int
needs_escape(unsigned char ch)
{
	return ch <= 0x20 || ch >= 0x7f || strchr("\"<>\\^`{|}", ch) != NULL;
}

/* Parses a decimal port 1..65535 from s[0..n). */
static int
parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/*
 * host[:port] or [v6][:port] from s[0..n) into host (lower case).
 * Returns 0, or -1 with why set.
 */
static int
parse_hostport(const char *s, size_t n, char *host, int *v6, uint16_t *port,
    const char **why)
{
	const char *h = s, *colon = NULL;
	size_t hl, i;

	*v6 = 0;
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		if (close == NULL) {
			*why = "unterminated [IPv6] host";
			return -1;
		}
		h = s + 1;
		hl = (size_t)(close - h);
		for (i = 0; i < hl; i++)
			if (!is_hex((unsigned char)h[i]) && h[i] != ':' && h[i] != '.') {
				*why = "bad character in [IPv6] host";
				return -1;
			}
		*v6 = 1;
		if (close + 1 < s + n) {
			if (close[1] != ':') {
				*why = "junk after [IPv6] host";
				return -1;
			}
			colon = close + 1;
		}
	} else {
		colon = memchr(s, ':', n);
		hl = colon != NULL ? (size_t)(colon - s) : n;
		for (i = 0; i < hl; i++)
			if (!is_alnum((unsigned char)h[i]) && h[i] != '-'
			    && h[i] != '.' && h[i] != '_') {
				*why = "bad character in host";
				return -1;
			}
	}
	if (hl == 0 || hl >= HTTP_URL_HOST_MAX) {
		*why = hl == 0 ? "empty host" : "host too long";
		return -1;
	}
	for (i = 0; i < hl; i++)
		host[i] = lower(h[i]);
	host[hl] = '\0';
	if (colon != NULL && colon + 1 < s + n
	    && parse_port(colon + 1, (size_t)(s + n - colon - 1), port) < 0) {
		*why = "bad port";
		return -1;
	}
	return 0;
}

/* Appends s[0..n) to the target, percent-encoding what needs it. */
static int
target_append(struct http_url *u, size_t *len, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (*len + 4 > sizeof(u->target))
			return -1;
		if (needs_escape(ch)) {
			u->target[(*len)++] = '%';
			u->target[(*len)++] = hex[ch >> 4];
			u->target[(*len)++] = hex[ch & 15];
		} else {
			u->target[(*len)++] = (char)ch;
		}
	}
	u->target[*len] = '\0';
	return 0;
}

/* Scheme prefix "http://" or "https://" (any case); returns its length. */
static size_t
scheme_len(const char *s, int *https)
{
	if (strncasecmp(s, "https://", 8) == 0) {
		*https = 1;
		return 8;
	}
	if (strncasecmp(s, "http://", 7) == 0) {
		*https = 0;
		return 7;
	}
	return 0;
}

static int
url_fail(struct errbuf *err, const char *why)
{
	errbuf_set(err, "URL: %s", why);
	return -1;
}

int
http_url_parse(const char *s, struct http_url *u, struct errbuf *err)
{
	const char *auth, *rest, *frag, *q;
	size_t n = strlen(s), len = 0, alen;
	const char *why = NULL;

	if (n >= HTTP_URL_MAX)
		return url_fail(err, "too long");
	alen = scheme_len(s, &u->https);
	if (alen == 0)
		return url_fail(err, "scheme is not http:// or https://");
	auth = s + alen;
	rest = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(rest - auth)) != NULL)
		return url_fail(err, "credentials in URLs are not supported");
	u->port = u->https ? 443 : 80;
	if (parse_hostport(auth, (size_t)(rest - auth), u->host,
	    &u->ipv6_literal, &u->port, &why) < 0)
		return url_fail(err, why);
	frag = strchr(rest, '#');
	if (frag == NULL)
		frag = rest + strlen(rest);
	if (*rest != '/')
		u->target[len++] = '/';
	q = memchr(rest, '?', (size_t)(frag - rest));
	if (target_append(u, &len, rest, (size_t)((q ? q : frag) - rest)) < 0)
		return url_fail(err, "too long");
	u->path_len = len;
	if (q != NULL && target_append(u, &len, q, (size_t)(frag - q)) < 0)
		return url_fail(err, "too long");
	return 0;
}

const char *
http_url_safe(const struct http_url *u, char *out, size_t cap)
{
	char auth[HTTP_URL_HOST_MAX + 8];

	http_url_authority(u, auth, sizeof(auth));
	fmt_snprintf(out, cap, "%s://%s%.*s", u->https ? "https" : "http", auth,
	    (int)u->path_len, u->target);
	return out;
}

size_t
http_url_authority(const struct http_url *u, char *out, size_t cap)
{
	int n;

	if (u->port == (u->https ? 443 : 80))
		n = fmt_snprintf(out, cap, u->ipv6_literal ? "[%s]" : "%s", u->host);
	else
		n = fmt_snprintf(out, cap, u->ipv6_literal ? "[%s]:%u" : "%s:%u",
		    u->host, (unsigned)u->port);
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

int
http_url_same_origin(const struct http_url *a, const struct http_url *b)
{
	return a->https == b->https && a->port == b->port
	    && strcmp(a->host, b->host) == 0;
}

int
http_url_resolve(const struct http_url *base, const char *ref, size_t ref_len,
    struct http_url *out, struct errbuf *err)
{
	char r[HTTP_URL_MAX], buf[HTTP_URL_MAX + HTTP_URL_HOST_MAX + 16];
	char auth[HTTP_URL_HOST_MAX + 8];
	const char *scheme = base->https ? "https:" : "http:";
	size_t dir = base->path_len;
	int https, n;

	if (ref_len == 0 || ref_len >= sizeof(r) || memchr(ref, '\0', ref_len))
		return url_fail(err, ref_len == 0 ? "empty Location" :
		    "bad Location");
	memcpy(r, ref, ref_len);
	r[ref_len] = '\0';
	if (scheme_len(r, &https) > 0)
		return http_url_parse(r, out, err);
	if (memchr(r, ':', strcspn(r, "/?#")) != NULL)
		return url_fail(err, "Location has an unsupported scheme");
	http_url_authority(base, auth, sizeof(auth));
	if (r[0] == '/' && r[1] == '/')
		n = fmt_snprintf(buf, sizeof(buf), "%s%s", scheme, r);
	else if (r[0] == '/')
		n = fmt_snprintf(buf, sizeof(buf), "%s//%s%s", scheme, auth, r);
	else if (r[0] == '?')
		n = fmt_snprintf(buf, sizeof(buf), "%s//%s%.*s%s", scheme, auth,
		    (int)base->path_len, base->target, r);
	else {
		/* Relative path: replace the last segment of the base path. */
		while (dir > 0 && base->target[dir - 1] != '/')
			dir--;
		n = fmt_snprintf(buf, sizeof(buf), "%s//%s%.*s%s", scheme, auth,
		    (int)dir, base->target, r);
	}
	if (n < 0 || (size_t)n >= sizeof(buf))
		return url_fail(err, "Location too long");
	return http_url_parse(buf, out, err);
}

int
http_proxy_parse(const char *s, struct http_proxy_url *p, struct errbuf *err)
{
	const char *auth = s, *end, *at;
	const char *why = NULL;
	int https = 0, v6;

	memset(p, 0, sizeof(*p));
	if (strstr(s, "://") != NULL) {
		size_t sl = scheme_len(s, &https);

		if (sl == 0 || https) {
			errbuf_set(err, "proxy URL: only http:// proxies are supported");
			return -1;
		}
		auth = s + sl;
	}
	end = auth + strcspn(auth, "/?#");
	if (*end != '\0' && strcmp(end, "/") != 0) {
		errbuf_set(err, "proxy URL: unexpected path");
		return -1;
	}
	at = memchr(auth, '@', (size_t)(end - auth));
	if (at != NULL) {
		if ((size_t)(at - auth) >= sizeof(p->userinfo)) {
			errbuf_set(err, "proxy URL: credentials too long");
			return -1;
		}
		memcpy(p->userinfo, auth, (size_t)(at - auth));
		auth = at + 1;
	}
	p->port = 80;
	if (parse_hostport(auth, (size_t)(end - auth), p->host, &v6, &p->port,
	    &why) < 0) {
		errbuf_set(err, "proxy URL: %s", why);
		return -1;
	}
	return 0;
}

/* Whether host ends with the name entry e[0..n) at a label boundary. */
static int
suffix_match(const char *host, const char *e, size_t n)
{
	size_t hl = strlen(host), i;

	if (n == 0 || n > hl)
		return 0;
	for (i = 0; i < n; i++)
		if (lower(host[hl - n + i]) != lower(e[i]))
			return 0;
	return hl == n || host[hl - n - 1] == '.';
}

/* One NO_PROXY entry e[0..n) against host:port. */
static int
entry_match(const char *e, size_t n, const char *host, uint16_t port)
{
	const char *colon;
	uint16_t eport = 0;

	if (n == 1 && e[0] == '*')
		return 1;
	if (e[0] == '[') {
		const char *close = memchr(e, ']', n);

		if (close == NULL)
			return 0;
		if (close + 1 < e + n && (close[1] != ':' || parse_port(close + 2,
		    (size_t)(e + n - close - 2), &eport) < 0))
			return 0;
		return (eport == 0 || eport == port)
		    && (size_t)(close - e - 1) == strlen(host)
		    && strncasecmp(e + 1, host, strlen(host)) == 0;
	}
	/* A bare IPv6 literal has several colons and no port. */
	colon = memchr(e, ':', n);
	if (colon != NULL && memchr(colon + 1, ':', (size_t)(e + n - colon - 1)) == NULL) {
		if (parse_port(colon + 1, (size_t)(e + n - colon - 1), &eport) < 0)
			return 0;
		n = (size_t)(colon - e);
	}
	if (eport != 0 && eport != port)
		return 0;
	if (n >= 2 && e[0] == '*' && e[1] == '.') {
		e += 2;
		n -= 2;
	} else if (n >= 1 && e[0] == '.') {
		e++;
		n--;
	}
	return suffix_match(host, e, n);
}

int
http_no_proxy_match(const char *list, const char *host, uint16_t port)
{
	const char *p = list;

	if (list == NULL)
		return 0;
	while (*p != '\0') {
		size_t n;

		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n > 0 && entry_match(p, n, host, port))
			return 1;
		p += n;
	}
	return 0;
}
