#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "fmt.h"
#include "net.h"

static uint64_t
monotonic_ms(void *ctx)
{
	(void)ctx;
	return (uint64_t)clock_monotonic_ms();
}

static const struct net_clock monotonic_clock = { monotonic_ms, NULL };

const struct net_clock *
net_clock_monotonic(void)
{
	return &monotonic_clock;
}

uint64_t
net_remaining(const struct net_clock *c, uint64_t deadline)
{
	uint64_t now = net_now(c);

	return now >= deadline ? 0 : deadline - now;
}

const char *
net_status_name(int status)
{
	switch (status) {
	case NET_OK: return "ok";
	case NET_ERR_RESOLVE: return "name not resolved";
	case NET_ERR_CONNECT: return "connect failed";
	case NET_ERR_TIMEOUT: return "timeout";
	case NET_ERR_IO: return "I/O error";
	case NET_EOF: return "connection closed";
	}
	return "unknown";
}

int
net_wait(int fd, short events, const struct net_clock *clk, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		uint64_t left = net_remaining(clk, deadline);
		int n;

		if (left == 0)
			return NET_ERR_TIMEOUT;
		n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NET_ERR_IO;
		/* POLLERR/POLLHUP are "ready": the next read/write reports why. */
		if (n > 0)
			return NET_OK;
	}
}

static int
socket_for(int family, int type)
{
	return socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

static size_t
put_ipv4(const unsigned char *b, char *out)
{
	return (size_t)fmt_snprintf(out, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
}

/* The first longest run of at least two zero groups, as [*at, *at + *len). */
static void
zero_run(const unsigned char *b, int *at, int *len)
{
	int i, run = 0;

	*at = -1;
	*len = 1;
	for (i = 0; i < 8; i++) {
		run = (b[2 * i] | b[2 * i + 1]) == 0 ? run + 1 : 0;
		if (run > *len) {
			*len = run;
			*at = i - run + 1;
		}
	}
}

static void
put_ipv6(const unsigned char *b, char *out)
{
	size_t o = 0;
	int i, at, len;

	zero_run(b, &at, &len);
	/* ::ffff:a.b.c.d (mapped) and ::a.b.c.d keep their IPv4 part dotted. */
	if (at == 0 && (len == 6 || (len == 5 && b[10] == 0xff && b[11] == 0xff))) {
		o = (size_t)fmt_snprintf(out, 8, len == 5 ? "::ffff:" : "::");
		put_ipv4(b + 12, out + o);
		return;
	}
	for (i = 0; i < 8; i++) {
		if (i == at) {
			out[o++] = ':';
			if (i == 0)
				out[o++] = ':';
			i += len - 1;
			continue;
		}
		o += (size_t)fmt_snprintf(out + o, 6, "%x%s",
		    (unsigned)(b[2 * i] << 8 | b[2 * i + 1]), i < 7 ? ":" : "");
	}
	out[o] = '\0';
}

void
net_addr_format(const struct sockaddr *sa, char out[NET_ADDR_TEXT_MAX])
{
	if (sa->sa_family == AF_INET)
		put_ipv4((const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr, out);
	else if (sa->sa_family == AF_INET6)
		put_ipv6(((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr, out);
	else
		memcpy(out, "?", 2);
}

/*
 * One non-blocking connect: returns NET_OK, NET_ERR_TIMEOUT (this
 * attempt's slice ran out) or NET_ERR_CONNECT with *eno set.
 */
static int
connect_one(int fd, const struct sockaddr *sa, socklen_t len,
    const struct net_clock *clk, uint64_t deadline, int *eno)
{
	socklen_t elen = sizeof(*eno);
	int rc;

	*eno = 0;
	do
		rc = connect(fd, sa, len);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		return NET_OK;
	/* EINTR above restarted the call; EALREADY is then "in progress". */
	if (errno != EINPROGRESS && errno != EALREADY) {
		*eno = errno;
		return NET_ERR_CONNECT;
	}
	rc = net_wait(fd, POLLOUT, clk, deadline);
	if (rc != NET_OK) {
		*eno = rc == NET_ERR_TIMEOUT ? ETIMEDOUT : EIO;
		return rc == NET_ERR_TIMEOUT ? NET_ERR_TIMEOUT : NET_ERR_CONNECT;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, eno, &elen) < 0)
		*eno = errno;
	return *eno == 0 ? NET_OK : NET_ERR_CONNECT;
}

int
net_connect_addrs(const struct addrinfo *list, const char *host,
    uint16_t port, const struct net_clock *clk, uint64_t deadline, int *fd,
    struct errbuf *err)
{
	const struct addrinfo *ai;
	char last[NET_ADDR_TEXT_MAX] = "";
	int last_errno = 0, timed_out = 0, one = 1;
	size_t left = 0, tried = 0;

	for (ai = list; ai != NULL && left < NET_MAX_ADDRS; ai = ai->ai_next)
		left++;
	for (ai = list; ai != NULL && tried < NET_MAX_ADDRS; ai = ai->ai_next) {
		uint64_t now = net_now(clk), slice;
		int s, rc;

		if (now >= deadline) {
			timed_out = 1;
			break;
		}
		slice = now + (deadline - now) / (left - tried);
		tried++;
		net_addr_format(ai->ai_addr, last);
		s = socket_for(ai->ai_family, SOCK_STREAM);
		if (s < 0) {
			last_errno = errno;
			continue;
		}
		rc = connect_one(s, ai->ai_addr, ai->ai_addrlen, clk, slice,
		    &last_errno);
		if (rc == NET_OK) {
			/* Requests are written whole; don't let Nagle delay them. */
			(void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
			*fd = s;
			return NET_OK;
		}
		timed_out = rc == NET_ERR_TIMEOUT;
		close(s);
	}
	if (timed_out || net_now(clk) >= deadline) {
		errbuf_set(err, "connect %s:%u: timeout (last address %s)", host,
		    (unsigned)port, last[0] ? last : "none");
		return NET_ERR_TIMEOUT;
	}
	if (tried == 0) {
		errbuf_set(err, "connect %s:%u: no address", host, (unsigned)port);
		return NET_ERR_CONNECT;
	}
	errbuf_set(err, "connect %s:%u: %s (%zu address%s tried, last %s)",
	    host, (unsigned)port, strerror(last_errno), tried,
	    tried == 1 ? "" : "es", last);
	return NET_ERR_CONNECT;
}

int
net_connect_tcp(const char *host, uint16_t port, const struct net_clock *clk,
    uint64_t deadline, int *fd, struct errbuf *err)
{
	struct addrinfo hints, *res = NULL;
	char service[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/* No AI_ADDRCONFIG: it hides ::1 on hosts with only loopback IPv6. */
	hints.ai_flags = AI_NUMERICSERV;
	fmt_snprintf(service, sizeof(service), "%u", (unsigned)port);
	rc = getaddrinfo(host, service, &hints, &res);
	if (rc != 0) {
		errbuf_set(err, "resolve %s: %s", host,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return NET_ERR_RESOLVE;
	}
	if (net_now(clk) >= deadline) {
		freeaddrinfo(res);
		errbuf_set(err, "resolve %s: timeout", host);
		return NET_ERR_TIMEOUT;
	}
	rc = net_connect_addrs(res, host, port, clk, deadline, fd, err);
	freeaddrinfo(res);
	return rc;
}

int
net_connect_unix(const char *path, const struct net_clock *clk,
    uint64_t deadline, int *fd, struct errbuf *err)
{
	struct sockaddr_un sun;
	size_t n = strlen(path);
	int s, rc, eno;

	if (n == 0 || n > NET_UNIX_PATH_MAX) {
		errbuf_set(err, "connect unix:%.*s: path length %zu not in 1..%d",
		    64, path, n, NET_UNIX_PATH_MAX);
		return NET_ERR_CONNECT;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, n);
	s = socket_for(AF_UNIX, SOCK_STREAM);
	if (s < 0) {
		errbuf_set(err, "connect unix:%s: socket: %s", path,
		    strerror(errno));
		return NET_ERR_CONNECT;
	}
	rc = connect_one(s, (const struct sockaddr *)&sun, sizeof(sun), clk,
	    deadline, &eno);
	if (rc == NET_OK) {
		*fd = s;
		return NET_OK;
	}
	close(s);
	errbuf_set(err, "connect unix:%s: %s", path,
	    rc == NET_ERR_TIMEOUT ? "timeout" : strerror(eno));
	return rc;
}

int
net_read_some(int fd, void *buf, size_t cap, size_t *got,
    const struct net_clock *clk, uint64_t deadline, struct errbuf *err)
{
	for (;;) {
		ssize_t n = read(fd, buf, cap);
		int rc;

		if (n > 0) {
			*got = (size_t)n;
			return NET_OK;
		}
		if (n == 0) {
			errbuf_set(err, "connection closed by peer");
			return NET_EOF;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			errbuf_set(err, "read: %s", errno == ECONNRESET
			    ? "connection reset by peer" : strerror(errno));
			return NET_ERR_IO;
		}
		rc = net_wait(fd, POLLIN, clk, deadline);
		if (rc != NET_OK) {
			errbuf_set(err, "read: %s", net_status_name(rc));
			return rc;
		}
	}
}

int
net_write_all(int fd, const void *buf, size_t len,
    const struct net_clock *clk, uint64_t deadline, struct errbuf *err)
{
	const unsigned char *p = buf;

	while (len > 0) {
		/* MSG_NOSIGNAL: a peer that went away must not kill us. */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		int rc;

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
			errbuf_set(err, "write: %s", errno == EPIPE
			    ? "connection closed by peer" : strerror(errno));
			return NET_ERR_IO;
		}
		rc = net_wait(fd, POLLOUT, clk, deadline);
		if (rc != NET_OK) {
			errbuf_set(err, "write: %s", net_status_name(rc));
			return rc;
		}
	}
	return NET_OK;
}

int
net_idle_usable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, 0);
	while (n < 0 && errno == EINTR);
	return n == 0;
}
