/*
 * tls — BearSSL TLS 1.2 client over a connected socket, with deadlines.
 *
 * Trust: the server's full chain and its DNS name are validated against
 * the Mozilla roots compiled into the binary (ca_anchors) plus, only if
 * the environment names one, the certificates of a PEM file
 * (TLS_EXTRA_CA_ENV).  The environment is part of the measured launcher
 * compose, the operator's TOML is not: nothing else can change trust.
 * BearSSL matches DNS subjectAltNames only (no IP addresses).
 *
 * Protocol: TLS 1.2 only, ECDHE key exchange with AEAD suites (AES-GCM,
 * ChaCha20-Poly1305), SNI, ALPN "http/1.1" (offered, not required).
 *
 * Memory (all caller-owned, nothing allocated):
 *   struct tls_anchors  ≈ 74 KiB: the anchor list, the DNs of the
 *                       compiled-in anchors (expanded at init) + storage
 *                       for the DNs and keys of extra anchors.  It holds
 *                       pointers into itself: initialise it in place,
 *                       never copy it.
 *   struct tls_conn     ≈ 24 KiB with BearSSL's client and X.509 contexts;
 *                       the record buffer is TLS_IOBUF_SIZE (half-duplex,
 *                       see below).  One per open connection; it must stay
 *                       put while the connection is open (BearSSL keeps
 *                       pointers into it).
 *
 * Errors: functions return TLS_OK or a negative status (the net_status
 * values for transport problems, TLS_ERR_ENGINE for a TLS failure) and
 * write one line naming the host and BearSSL's reason by name
 * (e.g. "certificate expired", "bad server name", "unknown CA").
 */
#ifndef TL_TLS_H
#define TL_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <bearssl.h>

#include "ca_anchors.h"
#include "errbuf.h"
#include "net.h"

/* Environment variable naming a PEM file of extra trust anchors. */
#define TLS_EXTRA_CA_ENV "TEE_LAUNCHER_EXTRA_CA_FILE"

/* Room for every compiled-in anchor (the bundle is checked at build time). */
#define TLS_COMPILED_ANCHORS_MAX CA_ANCHORS_MAX
/* An operator adds a private registry or proxy CA, not a whole bundle. */
#define TLS_EXTRA_ANCHORS_MAX 16
/* DN + public key bytes of all extra anchors (≈ 1.5 KiB each for RSA-4096). */
#define TLS_EXTRA_DATA_MAX (32 * 1024)
/* Bytes read from the extra CA file at most: bounds work on a hostile file. */
#define TLS_EXTRA_FILE_MAX (1024 * 1024)
#define TLS_ANCHORS_MAX (TLS_COMPILED_ANCHORS_MAX + TLS_EXTRA_ANCHORS_MAX)

/*
 * Half-duplex record buffer: HTTP/1.1 without pipelining never sends while
 * a response is unread, so one buffer of the largest record (16 KiB + TLS
 * overhead) is enough; full duplex would double it.  Smaller is not safe:
 * servers such as Go's ignore the max_fragment_length extension.
 */
#define TLS_IOBUF_SIZE BR_SSL_BUFSIZE_MONO

enum tls_status {
	TLS_OK = 0,
	/* NET_ERR_TIMEOUT, NET_ERR_IO, NET_EOF are returned as they are */
	TLS_ERR_ENGINE = -10 /* handshake or record failure; see message */
};

struct tls_anchors {
	br_x509_trust_anchor list[TLS_ANCHORS_MAX];
	size_t num;       /* compiled-in + extra */
	size_t num_extra; /* from the PEM file */
	unsigned char data[TLS_EXTRA_DATA_MAX];
	size_t data_used;
	unsigned char builtin_dn[CA_ANCHORS_DN_MAX]; /* DNs of compiled-in ones */
};

/*
 * Fills a with the compiled-in anchors plus the certificates of the PEM
 * file at extra_pem (NULL: none), read with readfile_open() (a regular
 * file, at most TLS_EXTRA_FILE_MAX bytes).  A file that is named but
 * unreadable, not a regular file, empty of certificates, malformed or over
 * the caps is an error: the operator asked for that trust, silently
 * dropping it would fail later and less clearly.
 */
int tls_anchors_init(struct tls_anchors *a, const char *extra_pem,
    struct errbuf *err);

/* Same, with the file named by the TLS_EXTRA_CA_ENV environment variable
 * (unset or empty: compiled-in anchors only). */
int tls_anchors_from_env(struct tls_anchors *a, struct errbuf *err);

struct tls_config {
	const struct tls_anchors *anchors;
	/*
	 * Certificate validation time in seconds since the Unix epoch;
	 * 0 means the system clock.  Tests set it to check expiry; nothing
	 * in production sets it.
	 */
	int64_t x509_time;
};

struct tls_conn {
	br_ssl_client_context cc;
	br_x509_minimal_context xc;
	br_sslio_context io;
	const char *alpn[1];
	int fd;
	const struct net_clock *clk;
	uint64_t deadline;     /* for the current operation; see tls_set_deadline */
	int net_rc;            /* last transport status seen by the callbacks */
	struct errbuf net_err; /* its message */
	unsigned char iobuf[TLS_IOBUF_SIZE];
};

/*
 * Runs the handshake on the connected socket fd for server_name (SNI and
 * certificate name).  fd stays owned by the caller.
 * Returns TLS_OK, NET_ERR_TIMEOUT, NET_ERR_IO, NET_EOF or TLS_ERR_ENGINE.
 */
int tls_handshake(struct tls_conn *t, int fd, const char *server_name,
    const struct tls_config *cfg, const struct net_clock *clk,
    uint64_t deadline, struct errbuf *err);

/* Moves the deadline for later reads/writes on a kept-alive connection. */
void tls_set_deadline(struct tls_conn *t, uint64_t deadline);

/*
 * Reads at most cap bytes of application data.  Returns TLS_OK (*got > 0),
 * NET_EOF after the peer's close_notify, NET_ERR_TIMEOUT, NET_ERR_IO
 * (including a TCP close without close_notify: the data may be truncated)
 * or TLS_ERR_ENGINE.
 */
int tls_read(struct tls_conn *t, void *buf, size_t cap, size_t *got,
    struct errbuf *err);

/* Writes and flushes all of buf. */
int tls_write_all(struct tls_conn *t, const void *buf, size_t len,
    struct errbuf *err);

/* Whether decrypted bytes are waiting (stray data on an idle connection). */
int tls_has_pending(struct tls_conn *t);

/* The negotiated ALPN protocol, or NULL if the server chose none. */
const char *tls_alpn(struct tls_conn *t);

/* BearSSL error code → short name ("certificate expired", …). */
const char *tls_error_name(int br_err);

/* Seconds since the Unix epoch → BearSSL's (days since 0000-01-01, secs). */
void tls_time_to_x509(int64_t unix_secs, uint32_t *days, uint32_t *secs);

#endif
