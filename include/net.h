/*
 * net — sockets with deadlines: TCP (IPv4 and IPv6) and AF_UNIX connect,
 * and read/write helpers that never block past an absolute deadline.
 *
 * Every blocking step (connect, read, write) waits in poll(2) for at most
 * the time left until `deadline`, an absolute time in milliseconds on the
 * caller's clock (struct net_clock, normally CLOCK_MONOTONIC).  Sockets are
 * non-blocking and close-on-exec; EINTR is retried, never reported.
 *
 * Name resolution uses the C library's getaddrinfo(3), which cannot be
 * interrupted: it is bounded by the resolver's own timeouts (resolv.conf;
 * musl: 5 s × 2 attempts), and the deadline is checked when it returns.
 *
 * Memory: none allocated except getaddrinfo's list, freed before returning.
 * The caller owns every file descriptor returned and closes it.
 *
 * Errors: functions return NET_OK or a negative enum net_status and write
 * one line into the errbuf naming the host (or path) and the reason.
 */
#ifndef TL_NET_H
#define TL_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "errbuf.h"

struct addrinfo;

/* sockaddr_un.sun_path holds 108 bytes including the NUL on Linux. */
#define NET_UNIX_PATH_MAX 107
/* Addresses tried per connect: enough for dual-stack names with several
 * records, few enough that each still gets a useful slice of the deadline. */
#define NET_MAX_ADDRS 8

enum net_status {
	NET_OK = 0,
	NET_ERR_RESOLVE = -1, /* name did not resolve */
	NET_ERR_CONNECT = -2, /* every address refused or was unreachable */
	NET_ERR_TIMEOUT = -3, /* the deadline passed */
	NET_ERR_IO = -4,      /* read/write failed (reset, broken pipe) */
	NET_EOF = -5          /* orderly end of stream from the peer */
};

/* Longest address text: a full IPv6 address with an embedded IPv4 one. */
#define NET_ADDR_TEXT_MAX 46

/*
 * Writes the numeric text of an IPv4 or IPv6 socket address (RFC 5952 form:
 * lower-case hex, the longest run of two or more zero groups as "::", and
 * dotted IPv4 for ::ffff:0:0/96 and ::/96) into out, which holds
 * NET_ADDR_TEXT_MAX bytes.  Any other family gives "?".  The C library's
 * inet_ntop would link its whole printf for four numbers.
 */
void net_addr_format(const struct sockaddr *sa, char out[NET_ADDR_TEXT_MAX]);

/* A clock in milliseconds.  now_ms must be monotonic. */
struct net_clock {
	uint64_t (*now_ms)(void *ctx);
	void *ctx;
};

/* The process's CLOCK_MONOTONIC as a net_clock (immutable, shared). */
const struct net_clock *net_clock_monotonic(void);

static inline uint64_t
net_now(const struct net_clock *c)
{
	return c->now_ms(c->ctx);
}

/* Milliseconds left until deadline (0 if passed). */
uint64_t net_remaining(const struct net_clock *c, uint64_t deadline);

/*
 * Resolves host (a DNS name or an IPv4/IPv6 literal without brackets) and
 * connects to each address in turn until one accepts.  Each address gets
 * an equal share of the time left, the last one all of it, so one
 * black-holed address cannot eat the whole deadline.  On success *fd is a
 * connected non-blocking TCP socket with TCP_NODELAY.
 */
int net_connect_tcp(const char *host, uint16_t port,
    const struct net_clock *clk, uint64_t deadline, int *fd,
    struct errbuf *err);

/* Same, for an address list already resolved (tests build their own). */
int net_connect_addrs(const struct addrinfo *list, const char *host,
    uint16_t port, const struct net_clock *clk, uint64_t deadline, int *fd,
    struct errbuf *err);

/* Connects to the AF_UNIX stream socket at path. */
int net_connect_unix(const char *path, const struct net_clock *clk,
    uint64_t deadline, int *fd, struct errbuf *err);

/*
 * Waits until fd is ready for events (POLLIN/POLLOUT) or the deadline
 * passes.  Returns NET_OK, NET_ERR_TIMEOUT or NET_ERR_IO.
 */
int net_wait(int fd, short events, const struct net_clock *clk,
    uint64_t deadline);

/*
 * Reads at most cap bytes (cap > 0) into buf once data is available.
 * Returns NET_OK with *got > 0, NET_EOF, NET_ERR_TIMEOUT or NET_ERR_IO
 * (errno-derived reason in err; "connection reset" for ECONNRESET).
 */
int net_read_some(int fd, void *buf, size_t cap, size_t *got,
    const struct net_clock *clk, uint64_t deadline, struct errbuf *err);

/* Writes all of buf or fails: NET_OK, NET_ERR_TIMEOUT or NET_ERR_IO. */
int net_write_all(int fd, const void *buf, size_t len,
    const struct net_clock *clk, uint64_t deadline, struct errbuf *err);

/*
 * Whether an idle connection can still be used: not readable (a readable
 * idle socket means EOF, a reset, or stray bytes — all unusable).
 */
int net_idle_usable(int fd);

/* Short name of a status for messages: "timeout", "connection closed", … */
const char *net_status_name(int status);

#endif
