#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base64.h"
#include "env.h"
#include "fmt.h"
#include "http.h"
#include "log.h"

/* ---- error classes -------------------------------------------------- */

const char *
http_err_name(enum http_err e)
{
	switch (e) {
	case HTTP_OK: return "ok";
	case HTTP_ERR_REQUEST: return "request";
	case HTTP_ERR_RESOLVE: return "resolve";
	case HTTP_ERR_CONNECT: return "connect";
	case HTTP_ERR_PROXY: return "proxy";
	case HTTP_ERR_TLS: return "tls";
	case HTTP_ERR_TIMEOUT: return "timeout";
	case HTTP_ERR_IO: return "io";
	case HTTP_ERR_PROTOCOL: return "protocol";
	case HTTP_ERR_TOO_LARGE: return "too-large";
	case HTTP_ERR_REDIRECT: return "redirect";
	case HTTP_ERR_ABORTED: return "aborted";
	}
	return "unknown";
}

int
http_err_retryable(enum http_err e, int status)
{
	switch (e) {
	case HTTP_OK:
		return status >= 500 && status <= 599;
	case HTTP_ERR_RESOLVE:
	case HTTP_ERR_CONNECT:
	case HTTP_ERR_PROXY:
	case HTTP_ERR_TIMEOUT:
	case HTTP_ERR_IO:
		return 1;
	default:
		return 0;
	}
}

/* Transport status from net/tls → error class. */
static enum http_err
net_class(int rc)
{
	switch (rc) {
	case NET_ERR_RESOLVE: return HTTP_ERR_RESOLVE;
	case NET_ERR_CONNECT: return HTTP_ERR_CONNECT;
	case NET_ERR_TIMEOUT: return HTTP_ERR_TIMEOUT;
	case TLS_ERR_ENGINE: return HTTP_ERR_TLS;
	default: return HTTP_ERR_IO;
	}
}

/* ---- configuration -------------------------------------------------- */

void
http_config_from_env(struct http_client_config *cfg)
{
	/* The launcher's own lookup (cli.c), so a driver run and a launcher
	 * run pick the same proxy from the same environment. */
	env_proxy(environ, &cfg->https_proxy, &cfg->no_proxy);
}

static int
proxy_setup(struct http_client *c, const char *url, struct errbuf *err)
{
	struct http_proxy_url p;
	size_t ul;

	if (http_proxy_parse(url, &p, err) < 0)
		return -1;
	memcpy(c->proxy_host, p.host, sizeof(c->proxy_host));
	c->proxy_port = p.port;
	ul = strlen(p.userinfo);
	if (ul > 0) {
		memcpy(c->proxy_auth, "Basic ", 6);
		/* Cannot fail: HTTP_PROXY_AUTH_MAX is sized for the longest
		 * userinfo http_proxy_parse accepts. */
		(void)base64_encode((const uint8_t *)p.userinfo, ul, c->proxy_auth + 6,
		    sizeof(c->proxy_auth) - 6);
	}
	memset(&p, 0, sizeof(p)); /* the credentials */
	c->have_proxy = 1;
	return 0;
}

int
http_client_init(struct http_client *c, const struct http_client_config *cfg,
    struct errbuf *err)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < HTTP_POOL_SIZE; i++)
		c->pool[i].fd = -1;
	c->tls.anchors = cfg->anchors;
	c->tls.x509_time = cfg->x509_time;
	c->clk = cfg->clock != NULL ? cfg->clock : net_clock_monotonic();
	c->transport = cfg->transport;
	if (cfg->no_proxy != NULL) {
		if (strlen(cfg->no_proxy) >= sizeof(c->no_proxy)) {
			errbuf_set(err, "NO_PROXY longer than %d bytes",
			    HTTP_NO_PROXY_MAX - 1);
			return -1;
		}
		memcpy(c->no_proxy, cfg->no_proxy, strlen(cfg->no_proxy) + 1);
	}
	if (cfg->https_proxy != NULL && *cfg->https_proxy != '\0')
		return proxy_setup(c, cfg->https_proxy, err);
	return 0;
}

/* ---- connection pool ------------------------------------------------ */

static void
conn_close(struct http_conn *k)
{
	if (k->fd >= 0 && !k->fake)
		close(k->fd);
	k->fd = -1;
}

void
http_client_close(struct http_client *c)
{
	size_t i;

	for (i = 0; i < HTTP_POOL_SIZE; i++)
		conn_close(&c->pool[i]);
}

static int
conn_matches(const struct http_conn *k, const struct http_url *u,
    const char *unix_path)
{
	return k->fd >= 0 && k->https == u->https && k->port == u->port
	    && strcmp(k->host, u->host) == 0
	    && strcmp(k->unix_path, unix_path ? unix_path : "") == 0;
}

/* An idle connection the server has closed (or written to) is unusable. */
static int
conn_usable(struct http_conn *k)
{
	if (k->fake)
		return 1; /* the test transport decides by what it answers */
	return net_idle_usable(k->fd) && !(k->https && tls_has_pending(&k->tls));
}

/* A free slot, or the least recently used one after closing it. */
static struct http_conn *
pool_slot(struct http_client *c)
{
	struct http_conn *best = &c->pool[0];
	size_t i;

	for (i = 0; i < HTTP_POOL_SIZE; i++) {
		if (c->pool[i].fd < 0)
			return &c->pool[i];
		if (c->pool[i].last_used < best->last_used)
			best = &c->pool[i];
	}
	conn_close(best);
	return best;
}

/* ---- plain/TLS I/O with the request's deadline ---------------------- */

struct io {
	int fd;
	struct tls_conn *tls; /* NULL: plain */
	const struct net_clock *clk;
	uint64_t deadline;
	const struct http_transport *fake; /* tests only: instead of fd/tls */
};

static int
fake_status(int rc, const char *what, struct errbuf *err)
{
	if (rc == NET_EOF)
		errbuf_set(err, "test transport: connection closed");
	else if (rc != NET_OK)
		errbuf_set(err, "test transport: %s failed", what);
	return rc;
}

static int
io_read(struct io *io, void *buf, size_t cap, size_t *got, struct errbuf *err)
{
	if (io->fake != NULL)
		return fake_status(io->fake->read(io->fake->ctx, buf, cap, got),
		    "read", err);
	if (io->tls != NULL) {
		tls_set_deadline(io->tls, io->deadline);
		return tls_read(io->tls, buf, cap, got, err);
	}
	return net_read_some(io->fd, buf, cap, got, io->clk, io->deadline, err);
}

static int
io_write(struct io *io, const void *buf, size_t len, struct errbuf *err)
{
	if (io->fake != NULL)
		return fake_status(io->fake->write(io->fake->ctx, buf, len),
		    "write", err);
	if (io->tls != NULL) {
		tls_set_deadline(io->tls, io->deadline);
		return tls_write_all(io->tls, buf, len, err);
	}
	return net_write_all(io->fd, buf, len, io->clk, io->deadline, err);
}

/* ---- response head -------------------------------------------------- */

/*
 * Whether bytes just read (b[prev..n)) may complete a head: a blank line
 * appeared, or this is the first read (early garbage is reported early).
 * Parsing only then keeps a slow-drip server from costing O(n²).
 */
static int
head_may_end(const char *b, size_t prev, size_t n)
{
	size_t i = prev >= 3 ? prev - 3 : 0;

	if (prev == 0)
		return 1;
	for (; i + 1 < n; i++) {
		if (b[i] != '\n')
			continue;
		if (b[i + 1] == '\n' || (b[i + 1] == '\r' && i + 2 < n
		    && b[i + 2] == '\n'))
			return 1;
	}
	return 0;
}

/* A read failed while the head was incomplete (n bytes so far). */
static enum http_err
head_read_failed(struct http_client *c, int rc, size_t n, int head_req,
    struct errbuf *err)
{
	struct errbuf perr;

	if (rc == NET_ERR_TIMEOUT) {
		errbuf_set(err, "timeout waiting for the response head "
		    "(%zu bytes received)", n);
		return HTTP_ERR_TIMEOUT;
	}
	if (n > 0 && http_response_parse_head(c->rbuf, n, head_req, &c->head,
	    &perr) == HTTP_PARSE_ERROR) {
		*err = perr;
		return HTTP_ERR_PROTOCOL;
	}
	if (rc == TLS_ERR_ENGINE)
		return HTTP_ERR_TLS;
	errbuf_wrap(err, n == 0 ? "no response" : "response head cut after "
	    "%zu bytes", n);
	return HTTP_ERR_IO;
}

/*
 * Reads until c->head holds a complete final head.  On success *consumed
 * is its length and *len the bytes in c->rbuf (the body starts at
 * *consumed).  *got_any tells whether any byte arrived.
 */
static enum http_err
read_head(struct http_client *c, struct io *io, int head_req,
    size_t *consumed, size_t *len, int *got_any, struct errbuf *err)
{
	size_t n = 0, got;
	int rc;

	*got_any = 0;
	for (;;) {
		size_t prev = n;

		if (n == HTTP_MAX_HEAD_BYTES) {
			errbuf_set(err, "response head over %d bytes",
			    HTTP_MAX_HEAD_BYTES);
			return HTTP_ERR_TOO_LARGE;
		}
		rc = io_read(io, c->rbuf + n, HTTP_MAX_HEAD_BYTES - n, &got, err);
		if (rc != NET_OK)
			return head_read_failed(c, rc, n, head_req, err);
		n += got;
		*got_any = 1;
		if (!head_may_end(c->rbuf, prev, n))
			continue;
		rc = http_response_parse_head(c->rbuf, n, head_req, &c->head, err);
		if (rc > 0) {
			*consumed = (size_t)rc;
			*len = n;
			return HTTP_OK;
		}
		if (rc == HTTP_PARSE_ERROR)
			return HTTP_ERR_PROTOCOL;
	}
}

/* ---- response body -------------------------------------------------- */

struct body {
	const struct http_request *r;
	int discard;    /* a followed redirect's body */
	uint64_t limit;
	uint64_t len;
	int clean;      /* ended exactly at the framing: connection reusable */
};

static enum http_err
deliver(struct body *b, const char *p, size_t n, struct errbuf *err)
{
	if (n == 0)
		return HTTP_OK;
	if (n > b->limit - b->len) {
		errbuf_set(err, "body over the cap of %llu bytes",
		    (unsigned long long)b->limit);
		return HTTP_ERR_TOO_LARGE;
	}
	if (!b->discard) {
		if (b->r->sink != NULL) {
			if (b->r->sink(b->r->sink_ctx, p, n) != 0) {
				errbuf_set(err, "body sink refused data at byte %llu",
				    (unsigned long long)b->len);
				return HTTP_ERR_ABORTED;
			}
		} else if (b->r->body_buf != NULL) {
			memcpy((char *)b->r->body_buf + b->len, p, n);
		}
	}
	b->len += n;
	return HTTP_OK;
}

/* A read failed inside the body. */
static enum http_err
body_read_failed(int rc, const struct body *b, const char *what,
    struct errbuf *err)
{
	if (rc == NET_EOF)
		errbuf_set(err, "connection closed");
	errbuf_wrap(err, "%s body cut after %llu bytes", what,
	    (unsigned long long)b->len);
	return rc == NET_EOF ? HTTP_ERR_IO : net_class(rc);
}

static enum http_err
body_length(struct http_client *c, struct io *io, char *area, size_t cap,
    size_t have, struct body *b, struct errbuf *err)
{
	uint64_t left = c->head.content_length;
	enum http_err e;
	int rc;

	if (left > b->limit) {
		errbuf_set(err, "Content-Length %llu over the cap of %llu bytes",
		    (unsigned long long)left, (unsigned long long)b->limit);
		return HTTP_ERR_TOO_LARGE;
	}
	for (;;) {
		size_t take = (uint64_t)have < left ? have : (size_t)left;

		if ((e = deliver(b, area, take, err)) != HTTP_OK)
			return e;
		left -= take;
		if (left == 0) {
			b->clean = have == take;
			return HTTP_OK;
		}
		rc = io_read(io, area, cap, &have, err);
		if (rc != NET_OK)
			return body_read_failed(rc, b, "Content-Length", err);
	}
}

static enum http_err
body_chunked(struct io *io, char *area, size_t cap, size_t have,
    struct body *b, struct errbuf *err)
{
	struct http_chunked_decoder d;
	enum http_err e;
	int rc;

	http_chunked_init(&d);
	for (;;) {
		size_t n = have;

		rc = http_chunked_decode(&d, area, &n, err);
		if (rc == HTTP_PARSE_ERROR)
			return HTTP_ERR_PROTOCOL;
		if ((e = deliver(b, area, n, err)) != HTTP_OK)
			return e;
		if (rc >= 0) {
			b->clean = rc == 0;
			return HTTP_OK;
		}
		rc = io_read(io, area, cap, &have, err);
		if (rc != NET_OK)
			return body_read_failed(rc, b, "chunked", err);
	}
}

static enum http_err
body_close(struct io *io, char *area, size_t cap, size_t have,
    struct body *b, struct errbuf *err)
{
	enum http_err e;
	int rc;

	for (;;) {
		if ((e = deliver(b, area, have, err)) != HTTP_OK)
			return e;
		rc = io_read(io, area, cap, &have, err);
		/* Over TLS, NET_EOF means close_notify; a bare TCP close is
		 * reported by tls_read as an I/O error (possible truncation). */
		if (rc == NET_EOF)
			return HTTP_OK;
		if (rc != NET_OK)
			return body_read_failed(rc, b, "close-delimited", err);
	}
}

static enum http_err
read_body(struct http_client *c, struct io *io, size_t start, size_t len,
    struct body *b, struct errbuf *err)
{
	char *area = c->rbuf + start;
	size_t cap = sizeof(c->rbuf) - start, have = len - start;

	b->clean = 0;
	switch (c->head.body_kind) {
	case HTTP_BODY_NONE:
		b->clean = have == 0;
		return HTTP_OK;
	case HTTP_BODY_LENGTH:
		return body_length(c, io, area, cap, have, b, err);
	case HTTP_BODY_CHUNKED:
		return body_chunked(io, area, cap, have, b, err);
	case HTTP_BODY_CLOSE:
		return body_close(io, area, cap, have, b, err);
	}
	return HTTP_ERR_PROTOCOL;
}

/* ---- request -------------------------------------------------------- */

struct out {
	char *p;
	size_t cap, len;
	int overflow;
};

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->overflow || n > o->cap - o->len) {
		o->overflow = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void
puts0(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

static int
is_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z')
		    || (ch >= 'A' && ch <= 'Z')
		    || (ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL)))
			return 0;
	}
	return 1;
}

/* Headers the client owns: framing and hop-by-hop. */
static int
is_reserved(const char *name)
{
	static const char *const reserved[] = { "host", "content-length",
		"transfer-encoding", "connection", "proxy-authorization",
		"expect", "te", "upgrade", "keep-alive", "trailer" };
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcasecmp(name, reserved[i]) == 0)
			return 1;
	return 0;
}

static int
field_value_ok(const char *v)
{
	for (; *v; v++) {
		unsigned char ch = (unsigned char)*v;

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return 0;
	}
	return 1;
}

static int
validate(const struct http_request *r, struct errbuf *err)
{
	size_t i;

	if (r->method != NULL && (!is_token(r->method) || strlen(r->method) > 16)) {
		errbuf_set(err, "bad method");
		return -1;
	}
	if (r->url == NULL || r->timeout_ms == 0) {
		errbuf_set(err, r->url == NULL ? "no URL" : "timeout_ms is 0");
		return -1;
	}
	if (r->num_fields > HTTP_MAX_FIELDS) {
		errbuf_set(err, "more than %d header fields", HTTP_MAX_FIELDS);
		return -1;
	}
	for (i = 0; i < r->num_fields; i++) {
		const struct http_field *f = &r->fields[i];

		if (!is_token(f->name) || strlen(f->name) > 64) {
			errbuf_set(err, "header field %zu: bad name", i);
			return -1;
		}
		if (is_reserved(f->name)) {
			errbuf_set(err, "header %s is set by the client", f->name);
			return -1;
		}
		/* The value is never echoed: it may be a token. */
		if (!field_value_ok(f->value)) {
			errbuf_set(err, "header %s: control byte in value", f->name);
			return -1;
		}
	}
	return 0;
}

static int
has_field(const struct http_request *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->num_fields; i++)
		if (strcasecmp(r->fields[i].name, name) == 0)
			return 1;
	return 0;
}

/* Per-hop request state that redirects change. */
struct hop {
	const char *method;
	const void *body;
	size_t body_len;
	int drop_auth; /* the origin changed: Authorization stays behind */
};

static int
method_has_body(const char *m)
{
	return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0
	    || strcmp(m, "PATCH") == 0;
}

/* Writes the request head into c->req; small bodies are appended. */
static enum http_err
build_request(struct http_client *c, const struct http_request *r,
    const struct hop *h, size_t *len, int *body_inline, struct errbuf *err)
{
	struct out o = { c->req, sizeof(c->req), 0, 0 };
	char auth[HTTP_URL_HOST_MAX + 8], num[32];
	size_t i;

	http_url_authority(&c->url, auth, sizeof(auth));
	puts0(&o, h->method);
	puts0(&o, " ");
	puts0(&o, c->url.target);
	puts0(&o, " HTTP/1.1\r\nHost: ");
	puts0(&o, auth);
	puts0(&o, "\r\n");
	if (!has_field(r, "User-Agent"))
		puts0(&o, "User-Agent: tee-launcher\r\n");
	for (i = 0; i < r->num_fields; i++) {
		if (h->drop_auth && strcasecmp(r->fields[i].name,
		    "Authorization") == 0)
			continue;
		puts0(&o, r->fields[i].name);
		puts0(&o, ": ");
		puts0(&o, r->fields[i].value);
		puts0(&o, "\r\n");
	}
	if (h->body != NULL || method_has_body(h->method)) {
		fmt_snprintf(num, sizeof(num), "Content-Length: %zu\r\n",
		    h->body != NULL ? h->body_len : 0);
		puts0(&o, num);
	}
	puts0(&o, "\r\n");
	if (o.overflow) {
		errbuf_set(err, "request head over %d bytes", HTTP_REQ_HEAD_MAX);
		return HTTP_ERR_REQUEST;
	}
	/* One write (one TLS record, one segment) when the body fits. */
	*body_inline = h->body != NULL && h->body_len <= o.cap - o.len;
	if (*body_inline)
		put(&o, h->body, h->body_len);
	*len = o.len;
	return HTTP_OK;
}

/* ---- connecting ----------------------------------------------------- */

static int
use_proxy(const struct http_client *c, const struct http_url *u)
{
	return c->have_proxy && u->https
	    && !http_no_proxy_match(c->no_proxy, u->host, u->port);
}

/* Reads the proxy's answer to CONNECT; anything but 2xx is refused. */
static enum http_err
tunnel_answer(struct http_client *c, struct io *io, const char *target,
    struct errbuf *err)
{
	size_t consumed = 0, len = 0;
	int any;
	enum http_err e;

	e = read_head(c, io, 1, &consumed, &len, &any, err);
	if (e != HTTP_OK) {
		errbuf_wrap(err, "proxy %s:%u, CONNECT %s", c->proxy_host,
		    (unsigned)c->proxy_port, target);
		return e == HTTP_ERR_TIMEOUT ? e : HTTP_ERR_PROXY;
	}
	if (c->head.status / 100 != 2) {
		errbuf_set(err, "proxy %s:%u answered %d to CONNECT %s",
		    c->proxy_host, (unsigned)c->proxy_port, c->head.status,
		    target);
		return HTTP_ERR_PROXY;
	}
	if (consumed != len) {
		errbuf_set(err, "proxy %s:%u sent data before the TLS handshake",
		    c->proxy_host, (unsigned)c->proxy_port);
		return HTTP_ERR_PROXY;
	}
	c->stats.proxy_tunnels++;
	return HTTP_OK;
}

static enum http_err
tunnel_open(struct http_client *c, const struct http_url *u,
    uint64_t deadline, int *fd, struct errbuf *err)
{
	/* Not c->req: it already holds the request for the tunnel. */
	char buf[2 * HTTP_URL_HOST_MAX + HTTP_PROXY_AUTH_MAX + 128];
	struct out o = { buf, sizeof(buf), 0, 0 };
	char target[HTTP_URL_HOST_MAX + 8];
	struct io io = { -1, NULL, c->clk, deadline, NULL };
	enum http_err e;
	int rc;

	fmt_snprintf(target, sizeof(target), u->ipv6_literal ? "[%s]:%u" : "%s:%u",
	    u->host, (unsigned)u->port);
	rc = net_connect_tcp(c->proxy_host, c->proxy_port, c->clk, deadline,
	    &io.fd, err);
	if (rc != NET_OK) {
		errbuf_wrap(err, "proxy");
		return net_class(rc);
	}
	c->stats.tcp_connects++;
	puts0(&o, "CONNECT ");
	puts0(&o, target);
	puts0(&o, " HTTP/1.1\r\nHost: ");
	puts0(&o, target);
	puts0(&o, "\r\n");
	if (c->proxy_auth[0] != '\0') {
		puts0(&o, "Proxy-Authorization: ");
		puts0(&o, c->proxy_auth);
		puts0(&o, "\r\n");
	}
	puts0(&o, "\r\n");
	rc = net_write_all(io.fd, buf, o.len, c->clk, deadline, err);
	memset(buf, 0, sizeof(buf)); /* the proxy credentials */
	e = rc != NET_OK ? net_class(rc) : tunnel_answer(c, &io, target, err);
	if (rc != NET_OK)
		errbuf_wrap(err, "proxy %s:%u", c->proxy_host,
		    (unsigned)c->proxy_port);
	if (e != HTTP_OK) {
		close(io.fd);
		return e;
	}
	*fd = io.fd;
	return HTTP_OK;
}

static enum http_err
transport_open(struct http_client *c, const struct http_url *u,
    const char *unix_path, uint64_t deadline, int *fd, struct errbuf *err)
{
	int rc;

	if (unix_path != NULL) {
		rc = net_connect_unix(unix_path, c->clk, deadline, fd, err);
		if (rc == NET_OK)
			c->stats.unix_connects++;
		return rc == NET_OK ? HTTP_OK : net_class(rc);
	}
	if (use_proxy(c, u))
		return tunnel_open(c, u, deadline, fd, err);
	rc = net_connect_tcp(u->host, u->port, c->clk, deadline, fd, err);
	if (rc == NET_OK)
		c->stats.tcp_connects++;
	return rc == NET_OK ? HTTP_OK : net_class(rc);
}

static enum http_err
conn_open(struct http_client *c, struct http_conn *k, const struct http_url *u,
    const char *unix_path, uint64_t deadline, struct errbuf *err)
{
	enum http_err e;
	int fd = -1, rc;

	k->fake = c->transport != NULL;
	if (k->fake) {
		rc = c->transport->open(c->transport->ctx, u->host, u->port,
		    u->https);
		if (fake_status(rc, "connect", err) != NET_OK)
			return net_class(rc);
		fd = 0; /* never used as a descriptor */
	} else if ((e = transport_open(c, u, unix_path, deadline, &fd, err))
	    != HTTP_OK) {
		return e;
	}
	if (u->https && !k->fake) {
		rc = tls_handshake(&k->tls, fd, u->host, &c->tls, c->clk,
		    deadline, err);
		if (rc != TLS_OK) {
			close(fd);
			return net_class(rc);
		}
		c->stats.tls_handshakes++;
	}
	k->fd = fd;
	k->https = u->https;
	k->port = u->port;
	memcpy(k->host, u->host, sizeof(k->host));
	fmt_snprintf(k->unix_path, sizeof(k->unix_path), "%s",
	    unix_path ? unix_path : "");
	return HTTP_OK;
}

/* A live connection for u: a kept-alive one if possible, else a new one. */
static enum http_err
conn_get(struct http_client *c, const char *unix_path, uint64_t deadline,
    struct http_conn **out, int *reused, struct errbuf *err)
{
	struct http_conn *k;
	size_t i;

	for (i = 0; i < HTTP_POOL_SIZE; i++) {
		k = &c->pool[i];
		if (!conn_matches(k, &c->url, unix_path))
			continue;
		if (conn_usable(k)) {
			*out = k;
			*reused = 1;
			return HTTP_OK;
		}
		conn_close(k);
	}
	if (c->url.https && c->tls.anchors == NULL) {
		errbuf_set(err, "https without trust anchors");
		return HTTP_ERR_REQUEST;
	}
	k = pool_slot(c);
	*reused = 0;
	*out = k;
	return conn_open(c, k, &c->url, unix_path, deadline, err);
}

/* ---- one exchange and the redirect loop ----------------------------- */

static int
idempotent(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0
	    || strcmp(m, "PUT") == 0 || strcmp(m, "DELETE") == 0
	    || strcmp(m, "OPTIONS") == 0;
}

static int
is_redirect(int status)
{
	return status == 301 || status == 302 || status == 303 || status == 307
	    || status == 308;
}

/* Sends the request and reads the head; retries once on a stale
 * kept-alive connection that failed before answering. */
static enum http_err
send_and_read_head(struct http_client *c, const struct http_request *r,
    const struct hop *h, uint64_t deadline, struct http_conn **kp,
    struct io *io, size_t *consumed, size_t *len, int *reused,
    struct errbuf *err)
{
	size_t hlen;
	int inline_body, any = 0, attempt, rc;
	enum http_err e;

	e = build_request(c, r, h, &hlen, &inline_body, err);
	for (attempt = 0; e == HTTP_OK; attempt++) {
		e = conn_get(c, r->unix_path, deadline, kp, reused, err);
		if (e != HTTP_OK)
			return e;
		*io = (struct io){ (*kp)->fd,
			c->url.https && !(*kp)->fake ? &(*kp)->tls : NULL,
			c->clk, deadline, (*kp)->fake ? c->transport : NULL };
		c->stats.requests++;
		c->stats.reused += (unsigned long)*reused;
		rc = io_write(io, c->req, hlen, err);
		if (rc == NET_OK && !inline_body && h->body != NULL)
			rc = io_write(io, h->body, h->body_len, err);
		e = rc == NET_OK ? read_head(c, io, strcmp(h->method, "HEAD") == 0,
		    consumed, len, &any, err) : net_class(rc);
		if (e == HTTP_OK)
			return HTTP_OK;
		conn_close(*kp);
		if (!(*reused && !any && e == HTTP_ERR_IO && attempt == 0
		    && idempotent(h->method)))
			return e;
		e = HTTP_OK;
	}
	return e;
}

static enum http_err
exchange(struct http_client *c, const struct http_request *r,
    const struct hop *h, uint64_t deadline, struct http_response *out,
    int *follow, struct errbuf *err)
{
	struct http_conn *k = NULL;
	struct io io;
	struct body b = { r, 0, r->body_cap, 0, 0 };
	size_t consumed = 0, len = 0;
	int reused = 0;
	enum http_err e;

	e = send_and_read_head(c, r, h, deadline, &k, &io, &consumed, &len,
	    &reused, err);
	if (e != HTTP_OK)
		return e;
	out->status = c->head.status;
	out->head = &c->head;
	out->reused = reused;
	*follow = !r->no_redirects && is_redirect(c->head.status)
	    && http_header_find(&c->head, "Location") != NULL;
	if (*follow) {
		b.discard = 1;
		b.limit = HTTP_DRAIN_MAX;
	}
	e = read_body(c, &io, consumed, len, &b, err);
	if (e == HTTP_OK && b.clean && c->head.keep_alive
	    && !(k->https && !k->fake && tls_has_pending(&k->tls)))
		k->last_used = net_now(c->clk);
	else
		conn_close(k);
	if (*follow && e == HTTP_ERR_TOO_LARGE)
		e = HTTP_OK; /* a long redirect body: just drop the connection */
	if (!*follow)
		out->body_len = b.len;
	return e;
}

/* A server may put the credentials it was sent into the URLs it redirects
 * to, and those URLs are logged. */
static void
redact_credentials(const struct http_request *r, char *text)
{
	size_t i;

	for (i = 0; i < r->num_fields; i++)
		if (strcasecmp(r->fields[i].name, "Authorization") == 0 ||
		    strcasecmp(r->fields[i].name, "Proxy-Authorization") == 0)
			errbuf_redact_text(text, r->fields[i].value,
			    strlen(r->fields[i].value));
}

/* Prepares the next hop from the Location of the response in c->head. */
static enum http_err
next_hop(struct http_client *c, const struct http_request *r,
    struct http_response *out, struct hop *h, struct errbuf *err)
{
	const struct http_header *loc = http_header_find(&c->head, "Location");
	char from[256], to[256], st[8];
	int status = c->head.status;

	if (out->redirects >= HTTP_MAX_REDIRECTS) {
		errbuf_set(err, "more than %d redirects", HTTP_MAX_REDIRECTS);
		return HTTP_ERR_REDIRECT;
	}
	if (http_url_resolve(&c->url, loc->value, loc->value_len, &c->next,
	    err) < 0) {
		errbuf_wrap(err, "redirect %d", status);
		return HTTP_ERR_REDIRECT;
	}
	http_url_safe(&c->next, to, sizeof(to));
	if (c->url.https && !c->next.https) {
		errbuf_set(err, "refused redirect from https to http (%s)", to);
		return HTTP_ERR_REDIRECT;
	}
	if (r->unix_path != NULL && !http_url_same_origin(&c->url, &c->next)) {
		errbuf_set(err, "refused redirect off the unix socket (%s)", to);
		return HTTP_ERR_REDIRECT;
	}
	if (!http_url_same_origin(&c->url, &c->next))
		h->drop_auth = 1;
	if ((status == 303 && strcmp(h->method, "HEAD") != 0)
	    || ((status == 301 || status == 302) && strcmp(h->method, "POST") == 0)) {
		h->method = "GET";
		h->body = NULL;
		h->body_len = 0;
	}
	fmt_snprintf(st, sizeof(st), "%d", status);
	http_url_safe(&c->url, from, sizeof(from));
	redact_credentials(r, from);
	redact_credentials(r, to);
	log_event(LOG_INFO, "following redirect", { "status", st },
	    { "from", from }, { "to", to });
	memcpy(&c->url, &c->next, sizeof(c->url));
	out->redirects++;
	c->stats.redirects++;
	return HTTP_OK;
}

static enum http_err
failed(struct http_client *c, const struct hop *h, enum http_err e,
    struct errbuf *err)
{
	char url[512];

	errbuf_wrap(err, "%s %s", h->method,
	    http_url_safe(&c->url, url, sizeof(url)));
	return e;
}

enum http_err
http_do(struct http_client *c, const struct http_request *r,
    struct http_response *out, struct errbuf *err)
{
	struct hop h = { r->method ? r->method : "GET", r->body, r->body_len, 0 };
	uint64_t deadline;
	enum http_err e;
	int follow = 0;

	memset(out, 0, sizeof(*out));
	if (validate(r, err) < 0 || http_url_parse(r->url, &c->url, err) < 0) {
		errbuf_wrap(err, "%s request", h.method);
		return HTTP_ERR_REQUEST;
	}
	if (r->unix_path != NULL && c->url.https) {
		errbuf_set(err, "https over a unix socket is not supported");
		return failed(c, &h, HTTP_ERR_REQUEST, err);
	}
	deadline = net_now(c->clk) + r->timeout_ms;
	for (;;) {
		e = exchange(c, r, &h, deadline, out, &follow, err);
		if (e == HTTP_OK && follow)
			e = next_hop(c, r, out, &h, err);
		if (e != HTTP_OK)
			return failed(c, &h, e, err);
		if (!follow)
			return HTTP_OK;
	}
}
