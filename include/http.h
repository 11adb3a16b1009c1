/*
 * http — a small HTTP/1.1 client for registries, token servers (HTTPS) and
 * local agents (HTTP over AF_UNIX: dstack, the Docker engine).
 *
 * One call, http_do(), sends one request and reads the whole response
 * within one deadline (timeout_ms covers resolve + connect + proxy CONNECT
 * + TLS + request + response, and every redirect).  Responses are framed by
 * Content-Length, chunked coding or connection close, parsed by
 * http_response.  Redirects 301/302/303/307/308 are followed up to
 * HTTP_MAX_REDIRECTS times, never from https to http; Authorization is
 * dropped once the origin (scheme, host, port) changes; 303 (and 301/302
 * after a POST) become GET without a body.  Connections are kept alive and
 * reused: one per origin, at most HTTP_POOL_SIZE origins at once.
 * https:// requests go through an HTTP proxy with CONNECT when the config
 * names one (HTTPS_PROXY/https_proxy) and NO_PROXY does not exclude the
 * host; plain http:// requests always go direct.  Over TLS a
 * close-delimited body must end with close_notify (else it may be cut).
 *
 * Memory: struct http_client is caller-owned (≈ 160 KiB: two pooled TLS
 * connections, a receive buffer of one maximal head plus 16 KiB, a request
 * head buffer, two URL buffers); http_do allocates nothing.  Response
 * bodies go to the caller's buffer or sink, capped at the caller's
 * body_cap.  The client holds pointers to the config's anchors and clock,
 * and (when a connection is open) pointers into itself: don't copy it.
 * Not thread-safe; no global state.
 *
 * Errors: http_do returns an enum http_err and writes one line naming the
 * method, the URL without its query string (queries carry tokens) and the
 * reason.  Header values are never logged or put into errors, so an
 * Authorization header cannot leak.  An HTTP error status is not an
 * http_err: the status is in the response for the caller to judge.
 */
#ifndef TL_HTTP_H
#define TL_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "http_response.h"
#include "http_url.h"
#include "net.h"
#include "tls.h"

/* Redirect hops per request: registries use one (blob → CDN); 5 is ample. */
#define HTTP_MAX_REDIRECTS 5
/* Origins kept alive at once: registry + token server. */
#define HTTP_POOL_SIZE 2
/* Request head: request line + headers, including a bearer token (~2 KiB). */
#define HTTP_REQ_HEAD_MAX 16384
/* Caller headers per request. */
#define HTTP_MAX_FIELDS 32
/* Bodies of followed redirects are read and dropped up to this size to keep
 * the connection; longer ones close it instead. */
#define HTTP_DRAIN_MAX 65536
/* Receive buffer: a maximal head plus room to read body data after it. */
#define HTTP_BODY_READ 16384
#define HTTP_RECV_BUF (HTTP_MAX_HEAD_BYTES + HTTP_BODY_READ)
/* Proxy-Authorization value: "Basic " + base64 of HTTP_USERINFO_MAX bytes. */
#define HTTP_PROXY_AUTH_MAX (6 + (HTTP_USERINFO_MAX + 2) / 3 * 4 + 1)
/* NO_PROXY value kept (a list of host suffixes). */
#define HTTP_NO_PROXY_MAX 1024

enum http_err {
	HTTP_OK = 0,
	HTTP_ERR_REQUEST,   /* bad URL, method or header: the caller's bug */
	HTTP_ERR_RESOLVE,   /* host name did not resolve */
	HTTP_ERR_CONNECT,   /* TCP/unix connect refused or unreachable */
	HTTP_ERR_PROXY,     /* the proxy refused or broke the CONNECT tunnel */
	HTTP_ERR_TLS,       /* handshake or certificate failure, TLS alert */
	HTTP_ERR_TIMEOUT,   /* the request's deadline passed */
	HTTP_ERR_IO,        /* connection reset or closed before the response
	                       was complete (includes truncated bodies) */
	HTTP_ERR_PROTOCOL,  /* the peer sent bytes that are not valid HTTP */
	HTTP_ERR_TOO_LARGE, /* head over HTTP_MAX_HEAD_BYTES or body over cap */
	HTTP_ERR_REDIRECT,  /* too many redirects, https→http, bad Location */
	HTTP_ERR_ABORTED    /* the caller's body sink returned non-zero */
};

/* Short name: "timeout", "tls", … (stable; tests and logs use it). */
const char *http_err_name(enum http_err e);

/*
 * Whether a retry may succeed (SPEC §5.3): timeouts, connect/resolve
 * failures, connections cut mid-response and HTTP 5xx.  TLS, protocol and
 * size errors and 4xx are permanent.
 */
int http_err_retryable(enum http_err e, int status);

/*
 * Tests only: an in-memory byte stream in place of sockets, proxy and TLS,
 * so a fuzzer can feed arbitrary server bytes through the real framing,
 * pooling, retry and redirect code (and the registry walk above it)
 * without a network.  The launcher never sets one.  Return values are
 * those of net.h: open and write give NET_OK or a NET_ERR_*; read gives
 * NET_OK with *got > 0, NET_EOF (the server closed) or a NET_ERR_*.
 */
struct http_transport {
	int (*open)(void *ctx, const char *host, uint16_t port, int https);
	int (*read)(void *ctx, void *buf, size_t cap, size_t *got);
	int (*write)(void *ctx, const void *buf, size_t len);
	void *ctx;
};

struct http_client_config {
	const struct tls_anchors *anchors; /* required for https:// */
	const struct net_clock *clock;     /* NULL: CLOCK_MONOTONIC */
	const char *https_proxy; /* "http://[user:pass@]host[:port]"; NULL/"": direct */
	const char *no_proxy;    /* "host,.suffix,host:port,*"; NULL: none */
	int64_t x509_time;       /* tests only: validation time, 0 = system clock */
	const struct http_transport *transport; /* tests only; NULL: sockets */
};

/* Reads https_proxy/HTTPS_PROXY and no_proxy/NO_PROXY from environ into cfg
 * (pointers into the environment) with env_proxy(), the launcher's own
 * lookup: the lower-case name wins whenever set, even empty. */
void http_config_from_env(struct http_client_config *cfg);

struct http_stats {
	unsigned long tcp_connects;   /* TCP connections established (incl. proxy) */
	unsigned long unix_connects;  /* AF_UNIX connections established */
	unsigned long tls_handshakes; /* TLS handshakes completed */
	unsigned long proxy_tunnels;  /* CONNECT tunnels established */
	unsigned long requests;       /* requests written (incl. redirects, retries) */
	unsigned long reused;         /* of which on a kept-alive connection */
	unsigned long redirects;      /* redirects followed */
};

/* One kept-alive connection.  Private to http.c. */
struct http_conn {
	int fd; /* -1: free slot */
	int fake; /* on the test transport: fd is no descriptor */
	int https;
	uint16_t port;
	char host[HTTP_URL_HOST_MAX];
	char unix_path[NET_UNIX_PATH_MAX + 1];
	uint64_t last_used;
	struct tls_conn tls;
};

struct http_client {
	struct tls_config tls;
	const struct net_clock *clk;
	const struct http_transport *transport; /* tests only */
	int have_proxy;
	char proxy_host[HTTP_URL_HOST_MAX];
	uint16_t proxy_port;
	char proxy_auth[HTTP_PROXY_AUTH_MAX]; /* base64; secret, never logged */
	char no_proxy[HTTP_NO_PROXY_MAX];
	struct http_stats stats;
	struct http_conn pool[HTTP_POOL_SIZE];
	struct http_url url, next; /* current and redirect target */
	struct http_response_head head;
	char req[HTTP_REQ_HEAD_MAX];
	char rbuf[HTTP_RECV_BUF];
};

/* Prepares c (no connection yet).  Errors: a malformed proxy URL. */
int http_client_init(struct http_client *c,
    const struct http_client_config *cfg, struct errbuf *err);

/* Closes every kept-alive connection. */
void http_client_close(struct http_client *c);

struct http_field {
	const char *name;
	const char *value; /* never logged */
};

/* Receives body data as it arrives; non-zero aborts (HTTP_ERR_ABORTED). */
typedef int http_sink_fn(void *ctx, const void *data, size_t len);

struct http_request {
	const char *method; /* NULL: "GET" */
	const char *url;    /* http:// or https:// */
	const struct http_field *fields; /* extra headers; not Host,
	                       Content-Length, Transfer-Encoding, Connection */
	size_t num_fields;
	const void *body;   /* sent with Content-Length when non-NULL */
	size_t body_len;
	const char *unix_path; /* connect here instead; url must be http:// and
	                          its host is the Host header ("http://dstack/…") */
	unsigned timeout_ms;   /* > 0: the whole request, redirects included */
	int no_redirects;      /* return 3xx responses as they are */
	/* Response body: into body_buf (if non-NULL), or to sink (if set);
	 * more than body_cap bytes is HTTP_ERR_TOO_LARGE either way. */
	void *body_buf;
	size_t body_cap;
	http_sink_fn *sink;
	void *sink_ctx;
};

struct http_response {
	int status; /* final status, 0 if no response head was read */
	/* Final head; header pointers stay valid until the next http_do. */
	const struct http_response_head *head;
	uint64_t body_len;  /* body bytes delivered */
	unsigned redirects; /* followed for this request */
	int reused;         /* the final exchange used a kept-alive connection */
};

/*
 * Performs r.  Returns HTTP_OK when a final response (any status) was read
 * completely; otherwise an error class, with out->status set if a head had
 * arrived.  Counters in c->stats are updated either way.
 */
enum http_err http_do(struct http_client *c, const struct http_request *r,
    struct http_response *out, struct errbuf *err);

#endif
