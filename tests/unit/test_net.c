#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"
#include "net.h"

/* A listening TCP socket on 127.0.0.1 with a kernel-chosen port. */
static int
listen_v4(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0
	    || listen(s, 8) < 0
	    || getsockname(s, (struct sockaddr *)&sa, &len) < 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return s;
}

/* A port that was free a moment ago (bound, then closed). */
static uint16_t
closed_port(void)
{
	uint16_t port = 0;
	int s = listen_v4(&port);

	if (s >= 0)
		close(s);
	return port;
}

static uint64_t
soon(int ms)
{
	return net_now(net_clock_monotonic()) + (uint64_t)ms;
}

static void
tcp_connect_reaches_a_listener(struct th *t)
{
	struct errbuf e;
	uint16_t port = 0;
	int l = listen_v4(&port), fd = -1;

	REQUIRE(t, l >= 0);
	CHECK_INT(t, net_connect_tcp("127.0.0.1", port, net_clock_monotonic(),
	    soon(2000), &fd, &e), NET_OK);
	CHECK(t, fd >= 0);
	if (fd >= 0)
		close(fd);
	close(l);
}

static void
refused_connect_names_host_port_and_reason(struct th *t)
{
	struct errbuf e;
	uint16_t port = closed_port();
	char want[64];
	int fd = -1;

	CHECK_INT(t, net_connect_tcp("127.0.0.1", port, net_clock_monotonic(),
	    soon(2000), &fd, &e), NET_ERR_CONNECT);
	snprintf(want, sizeof(want), "connect 127.0.0.1:%u: ", (unsigned)port);
	CHECK(t, strncmp(e.msg, want, strlen(want)) == 0);
	CHECK(t, strstr(e.msg, "refused") != NULL);
}

static void
each_address_is_tried_in_turn(struct th *t)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *v6 = NULL, *v4 = NULL;
	struct errbuf e;
	char service[8];
	uint16_t port = 0;
	int l = listen_v4(&port), fd = -1;

	REQUIRE(t, l >= 0);
	snprintf(service, sizeof(service), "%u", (unsigned)port);
	/* ::1 first, where nothing listens on that port; then 127.0.0.1. */
	REQUIRE(t, getaddrinfo("::1", service, &hints, &v6) == 0);
	REQUIRE(t, getaddrinfo("127.0.0.1", service, &hints, &v4) == 0);
	v6->ai_next = v4;
	CHECK_INT(t, net_connect_addrs(v6, "dual", port, net_clock_monotonic(),
	    soon(2000), &fd, &e), NET_OK);
	v6->ai_next = NULL;
	freeaddrinfo(v6);
	freeaddrinfo(v4);
	if (fd >= 0)
		close(fd);
	close(l);
}

static void
ipv6_literal_connects(struct th *t)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t len = sizeof(sa);
	struct errbuf e;
	int l = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0), fd = -1;

	REQUIRE(t, l >= 0);
	REQUIRE(t, bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	REQUIRE(t, listen(l, 4) == 0);
	REQUIRE(t, getsockname(l, (struct sockaddr *)&sa, &len) == 0);
	CHECK_INT(t, net_connect_tcp("::1", ntohs(sa.sin6_port),
	    net_clock_monotonic(), soon(2000), &fd, &e), NET_OK);
	if (fd >= 0)
		close(fd);
	close(l);
}

static void
connect_to_a_full_backlog_times_out(struct th *t)
{
	struct errbuf e;
	uint16_t port = 0;
	int l = listen_v4(&port), fds[8], n = 0, rc = NET_OK;

	REQUIRE(t, l >= 0);
	/* With the accept queue full, the kernel drops further SYNs. */
	REQUIRE(t, listen(l, 0) == 0);
	while (n < 8 && rc == NET_OK) {
		fds[n] = -1;
		rc = net_connect_tcp("127.0.0.1", port, net_clock_monotonic(),
		    soon(150), &fds[n], &e);
		if (rc == NET_OK)
			n++;
	}
	CHECK_INT(t, rc, NET_ERR_TIMEOUT);
	CHECK(t, strstr(e.msg, "timeout") != NULL);
	while (n > 0)
		close(fds[--n]);
	close(l);
}

static void
unresolvable_name_is_a_resolve_error(struct th *t)
{
	/* A 70-byte label is refused by the resolver without any query. */
	char host[96];
	struct errbuf e;
	int fd = -1;

	memset(host, 'a', 70);
	memcpy(host + 70, ".invalid", 9);
	CHECK_INT(t, net_connect_tcp(host, 443, net_clock_monotonic(),
	    soon(2000), &fd, &e), NET_ERR_RESOLVE);
	CHECK(t, strncmp(e.msg, "resolve aaaa", 12) == 0);
}

static void
read_without_data_times_out_at_the_deadline(struct th *t)
{
	const struct net_clock *clk = net_clock_monotonic();
	struct errbuf e;
	char buf[8];
	size_t got = 0;
	uint64_t t0;
	int sp[2];

	REQUIRE(t, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) == 0);
	t0 = net_now(clk);
	CHECK_INT(t, net_read_some(sp[0], buf, sizeof(buf), &got, clk, t0 + 80,
	    &e), NET_ERR_TIMEOUT);
	CHECK(t, net_now(clk) - t0 >= 80);
	CHECK(t, net_now(clk) - t0 < 1000);
	CHECK_STR(t, e.msg, "read: timeout");
	close(sp[0]);
	close(sp[1]);
}

static void
read_returns_data_then_eof(struct th *t)
{
	struct errbuf e;
	char buf[8];
	size_t got = 0;
	int sp[2];

	REQUIRE(t, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) == 0);
	REQUIRE(t, write(sp[1], "abc", 3) == 3);
	close(sp[1]);
	CHECK_INT(t, net_read_some(sp[0], buf, sizeof(buf), &got,
	    net_clock_monotonic(), soon(1000), &e), NET_OK);
	CHECK_MEM(t, buf, got, "abc", 3);
	CHECK_INT(t, net_read_some(sp[0], buf, sizeof(buf), &got,
	    net_clock_monotonic(), soon(1000), &e), NET_EOF);
	close(sp[0]);
}

static void
reset_by_peer_is_an_io_error(struct th *t)
{
	struct linger lg = { 1, 0 };
	struct errbuf e;
	char buf[8];
	size_t got = 0;
	uint16_t port = 0;
	int l = listen_v4(&port), fd = -1, a;

	REQUIRE(t, l >= 0);
	REQUIRE_INT(t, net_connect_tcp("127.0.0.1", port, net_clock_monotonic(),
	    soon(2000), &fd, &e), NET_OK);
	a = accept(l, NULL, NULL);
	REQUIRE(t, a >= 0);
	/* Linger 0: close sends RST instead of FIN. */
	setsockopt(a, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(a);
	CHECK_INT(t, net_read_some(fd, buf, sizeof(buf), &got,
	    net_clock_monotonic(), soon(2000), &e), NET_ERR_IO);
	CHECK(t, strstr(e.msg, "reset") != NULL);
	close(fd);
	close(l);
}

static void
write_to_a_full_peer_times_out(struct th *t)
{
	static char big[1 << 20];
	struct errbuf e;
	int sp[2];

	REQUIRE(t, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) == 0);
	CHECK_INT(t, net_write_all(sp[0], big, sizeof(big),
	    net_clock_monotonic(), soon(80), &e), NET_ERR_TIMEOUT);
	close(sp[0]);
	close(sp[1]);
}

static void
write_to_a_closed_peer_fails_without_sigpipe(struct th *t)
{
	struct errbuf e;
	int sp[2];

	REQUIRE(t, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) == 0);
	close(sp[1]);
	CHECK_INT(t, net_write_all(sp[0], "x", 1, net_clock_monotonic(),
	    soon(1000), &e), NET_ERR_IO);
	close(sp[0]);
}

static uint64_t
frozen_ms(void *ctx)
{
	return *(const uint64_t *)ctx;
}

static void
a_passed_deadline_fails_before_any_wait(struct th *t)
{
	uint64_t now = 5000;
	struct net_clock clk = { frozen_ms, &now };
	struct errbuf e;
	char buf[4];
	size_t got;
	int sp[2];

	REQUIRE(t, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) == 0);
	CHECK_INT(t, net_read_some(sp[0], buf, sizeof(buf), &got, &clk, 4999,
	    &e), NET_ERR_TIMEOUT);
	CHECK_INT(t, net_remaining(&clk, 4000), 0);
	CHECK_INT(t, net_remaining(&clk, 5250), 250);
	close(sp[0]);
	close(sp[1]);
}

static void
unix_connect_reaches_a_listener_and_reports_missing_paths(struct th *t)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/tl-net-XXXXXX", path[128], longp[200];
	struct errbuf e;
	int l, fd = -1;

	REQUIRE(t, mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/s", dir);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	REQUIRE(t, l >= 0);
	REQUIRE(t, bind(l, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	REQUIRE(t, listen(l, 4) == 0);
	CHECK_INT(t, net_connect_unix(path, net_clock_monotonic(), soon(1000),
	    &fd, &e), NET_OK);
	if (fd >= 0)
		close(fd);
	close(l);
	unlink(path);
	CHECK_INT(t, net_connect_unix(path, net_clock_monotonic(), soon(1000),
	    &fd, &e), NET_ERR_CONNECT);
	CHECK(t, strstr(e.msg, "No such file") != NULL);
	CHECK(t, strstr(e.msg, path) != NULL);
	memset(longp, 'p', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	CHECK_INT(t, net_connect_unix(longp, net_clock_monotonic(), soon(1000),
	    &fd, &e), NET_ERR_CONNECT);
	rmdir(dir);
}

static void
idle_check_sees_a_closed_peer(struct th *t)
{
	int sp[2];

	REQUIRE(t, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) == 0);
	CHECK(t, net_idle_usable(sp[0]));
	close(sp[1]);
	CHECK(t, !net_idle_usable(sp[0]));
	close(sp[0]);
}

/* Addresses with zero runs of every length at every place, checked against
 * the C library's inet_ntop (glibc here). */
static void
addr_format_matches_inet_ntop(struct th *t)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;
	char got[NET_ADDR_TEXT_MAX], want[INET6_ADDRSTRLEN];
	unsigned pattern, seed = 12345;
	int i, n = 0;

	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	for (pattern = 0; pattern < 256; pattern++) {
		for (i = 0; i < 8; i++) {
			/* bit i set: group i is non-zero, sometimes a small value */
			seed = seed * 1103515245u + 12345u;
			unsigned g = pattern >> i & 1 ? ((seed >> 8) & (i % 2 ? 0xffffu : 0xfu)) | 1u : 0;
			s6.sin6_addr.s6_addr[2 * i] = (unsigned char)(g >> 8);
			s6.sin6_addr.s6_addr[2 * i + 1] = (unsigned char)g;
		}
		if (pattern % 7 == 0) { /* and as an IPv4-mapped address */
			memset(s6.sin6_addr.s6_addr, 0, 10);
			s6.sin6_addr.s6_addr[10] = s6.sin6_addr.s6_addr[11] = 0xff;
		}
		net_addr_format((const struct sockaddr *)&s6, got);
		inet_ntop(AF_INET6, &s6.sin6_addr, want, sizeof(want));
		if (!CHECK_STR(t, got, want))
			return;
		n++;
	}
	memset(&s4, 0, sizeof(s4));
	s4.sin_family = AF_INET;
	s4.sin_addr.s_addr = htonl(0xff000a01u);
	net_addr_format((const struct sockaddr *)&s4, got);
	CHECK_STR(t, got, "255.0.10.1");
	s4.sin_family = AF_UNIX;
	net_addr_format((const struct sockaddr *)&s4, got);
	CHECK_STR(t, got, "?");
	CHECK_INT(t, n, 256);
}

void
suite_net(struct th *t)
{
	th_run(t, "net: address text is RFC 5952 and agrees with inet_ntop",
	    addr_format_matches_inet_ntop);
	th_run(t, "net: TCP connect reaches a listener on 127.0.0.1",
	    tcp_connect_reaches_a_listener);
	th_run(t, "net: a refused connect names host:port and the reason",
	    refused_connect_names_host_port_and_reason);
	th_run(t, "net: each address is tried in turn (::1 refused, then 127.0.0.1)",
	    each_address_is_tried_in_turn);
	th_run(t, "net: an IPv6 literal connects over ::1", ipv6_literal_connects);
	th_run(t, "net: a connect to a full accept queue times out",
	    connect_to_a_full_backlog_times_out);
	th_run(t, "net: an unresolvable name is a resolve error",
	    unresolvable_name_is_a_resolve_error);
	th_run(t, "net: a read without data times out at the deadline",
	    read_without_data_times_out_at_the_deadline);
	th_run(t, "net: a read returns data, then EOF after the peer closes",
	    read_returns_data_then_eof);
	th_run(t, "net: a reset by the peer is an I/O error naming the reset",
	    reset_by_peer_is_an_io_error);
	th_run(t, "net: a write to a peer that does not read times out",
	    write_to_a_full_peer_times_out);
	th_run(t, "net: a write to a closed peer fails without SIGPIPE",
	    write_to_a_closed_peer_fails_without_sigpipe);
	th_run(t, "net: a deadline already passed fails before any wait",
	    a_passed_deadline_fails_before_any_wait);
	th_run(t, "net: unix connect reaches a listener; missing or long paths fail",
	    unix_connect_reaches_a_listener_and_reports_missing_paths);
	th_run(t, "net: the idle check sees a closed peer",
	    idle_check_sees_a_closed_peer);
}
