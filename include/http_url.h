/*
 * http_url — the URL forms the HTTP client needs: request URLs, redirect
 * Locations, proxy URLs and NO_PROXY lists.
 *
 * Only http:// and https:// with a DNS name, an IPv4 literal or a
 * bracketed IPv6 literal.  Parsed URLs live in caller-owned structs with
 * fixed buffers; nothing is allocated.  Credentials in request URLs are
 * refused (they would end up in logs); proxy URLs may carry them, and they
 * are returned separately so the caller can keep them out of logs.
 *
 * Errors: -1 and one line in the errbuf; the line never echoes the query
 * string or credentials.
 */
#ifndef TL_HTTP_URL_H
#define TL_HTTP_URL_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

/* Hostnames are at most 253 bytes in DNS; one spare for the NUL.  Defined
 * here, with the parser that enforces it, rather than with the sockets:
 * a parser has no business pulling in <sys/socket.h>. */
#define HTTP_URL_HOST_MAX 254
/* Longest URL accepted (after percent-encoding): signed CDN URLs are ~2 KiB. */
#define HTTP_URL_MAX 4096
/* user:password of a proxy URL. */
#define HTTP_USERINFO_MAX 256

struct http_url {
	int https;
	char host[HTTP_URL_HOST_MAX]; /* lower case; IPv6 without brackets */
	int ipv6_literal;
	uint16_t port;
	char target[HTTP_URL_MAX]; /* "/path?query", percent-encoded */
	size_t path_len;           /* target[0..path_len) is the path */
};

/*
 * Parses "http[s]://host[:port][/path][?query][#fragment]" (scheme and
 * host case-insensitive).  Bytes that may not appear raw in a request
 * target (controls, space, non-ASCII, and " < > \ ^ ` { | }) are
 * percent-encoded; the fragment is dropped; "user:pass@" is refused.
 */
int http_url_parse(const char *s, struct http_url *u, struct errbuf *err);

/*
 * Resolves a Location value (absolute URL, //authority, /path, ?query or
 * relative path) against base.  Dot segments are left to the server.
 */
int http_url_resolve(const struct http_url *base, const char *ref,
    size_t ref_len, struct http_url *out, struct errbuf *err);

/* "https://host[:port]/path" without the query: safe for logs. */
const char *http_url_safe(const struct http_url *u, char *out, size_t cap);

/* Host header value: "host", "host:port", "[::1]:port" (default ports
 * omitted).  Returns the length, or 0 if cap is too small. */
size_t http_url_authority(const struct http_url *u, char *out, size_t cap);

/* Whether two URLs have the same origin (scheme, host, port). */
int http_url_same_origin(const struct http_url *a, const struct http_url *b);

struct http_proxy_url {
	char host[HTTP_URL_HOST_MAX];
	uint16_t port;                     /* default 80 */
	char userinfo[HTTP_USERINFO_MAX];  /* "user:pass" or "" (secret) */
};

/* Parses "http://[user:pass@]host[:port][/]" or "host[:port]". */
int http_proxy_parse(const char *s, struct http_proxy_url *p,
    struct errbuf *err);

/*
 * Whether a NO_PROXY list excludes host:port from proxying.  Entries are
 * comma/space separated: "*" (everything), a name matching itself and its
 * subdomains ("example.com" or ".example.com" or "*.example.com"), an IP
 * literal (exact; IPv6 optionally in brackets), each optionally with
 * ":port".  Case-insensitive.  CIDR ranges are not supported.
 */
int http_no_proxy_match(const char *list, const char *host, uint16_t port);

#endif
