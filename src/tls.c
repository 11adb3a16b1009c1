#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ca_anchors.h"
#include "readfile.h"
#include "tls.h"

/* ---- error names ---------------------------------------------------- */

/*
 * Each table is an X-macro list: the codes become one byte each and the
 * names one string of NUL-terminated names in the same order, instead of
 * a 16-byte {int, pointer} pair per entry (-1.1 KB of the size budget).
 */
#define BR_ERROR_LIST(X) \
	X(BR_ERR_BAD_PARAM, "bad parameter") \
	X(BR_ERR_BAD_STATE, "bad state") \
	X(BR_ERR_UNSUPPORTED_VERSION, "unsupported protocol version (need TLS 1.2)") \
	X(BR_ERR_BAD_VERSION, "unexpected protocol version in record") \
	X(BR_ERR_BAD_LENGTH, "bad record length") \
	X(BR_ERR_TOO_LARGE, "record too large") \
	X(BR_ERR_BAD_MAC, "bad record MAC") \
	X(BR_ERR_NO_RANDOM, "no entropy source") \
	X(BR_ERR_UNKNOWN_TYPE, "unknown record type") \
	X(BR_ERR_UNEXPECTED, "unexpected message") \
	X(BR_ERR_BAD_CCS, "bad ChangeCipherSpec") \
	X(BR_ERR_BAD_ALERT, "bad alert") \
	X(BR_ERR_BAD_HANDSHAKE, "bad handshake message") \
	X(BR_ERR_OVERSIZED_ID, "oversized session id") \
	X(BR_ERR_BAD_CIPHER_SUITE, "no shared cipher suite") \
	X(BR_ERR_BAD_COMPRESSION, "bad compression") \
	X(BR_ERR_BAD_FRAGLEN, "bad fragment length") \
	X(BR_ERR_BAD_SECRENEG, "bad secure renegotiation") \
	X(BR_ERR_EXTRA_EXTENSION, "unexpected extension") \
	X(BR_ERR_BAD_SNI, "bad SNI") \
	X(BR_ERR_BAD_HELLO_DONE, "bad ServerHelloDone") \
	X(BR_ERR_LIMIT_EXCEEDED, "limit exceeded") \
	X(BR_ERR_BAD_FINISHED, "bad Finished (handshake tampered?)") \
	X(BR_ERR_RESUME_MISMATCH, "session resumption mismatch") \
	X(BR_ERR_INVALID_ALGORITHM, "invalid algorithm") \
	X(BR_ERR_BAD_SIGNATURE, "bad handshake signature") \
	X(BR_ERR_WRONG_KEY_USAGE, "server key usage forbids this suite") \
	X(BR_ERR_NO_CLIENT_AUTH, "server requires a client certificate") \
	X(BR_ERR_IO, "I/O error") \
	X(BR_ERR_X509_INVALID_VALUE, "certificate: invalid value") \
	X(BR_ERR_X509_TRUNCATED, "certificate: truncated") \
	X(BR_ERR_X509_EMPTY_CHAIN, "empty certificate chain") \
	X(BR_ERR_X509_INNER_TRUNC, "certificate: inner element truncated") \
	X(BR_ERR_X509_BAD_TAG_CLASS, "certificate: bad tag class") \
	X(BR_ERR_X509_BAD_TAG_VALUE, "certificate: bad tag value") \
	X(BR_ERR_X509_INDEFINITE_LENGTH, "certificate: indefinite length") \
	X(BR_ERR_X509_EXTRA_ELEMENT, "certificate: extra element") \
	X(BR_ERR_X509_UNEXPECTED, "certificate: unexpected element") \
	X(BR_ERR_X509_NOT_CONSTRUCTED, "certificate: expected constructed element") \
	X(BR_ERR_X509_NOT_PRIMITIVE, "certificate: expected primitive element") \
	X(BR_ERR_X509_PARTIAL_BYTE, "certificate: partial byte in bit string") \
	X(BR_ERR_X509_BAD_BOOLEAN, "certificate: bad boolean") \
	X(BR_ERR_X509_OVERFLOW, "certificate: value overflow") \
	X(BR_ERR_X509_BAD_DN, "certificate: bad distinguished name") \
	X(BR_ERR_X509_BAD_TIME, "certificate: bad time encoding") \
	X(BR_ERR_X509_UNSUPPORTED, "certificate: unsupported feature") \
	X(BR_ERR_X509_LIMIT_EXCEEDED, "certificate: decoder limit exceeded") \
	X(BR_ERR_X509_WRONG_KEY_TYPE, "certificate: wrong key type") \
	X(BR_ERR_X509_BAD_SIGNATURE, "certificate: bad signature") \
	X(BR_ERR_X509_TIME_UNKNOWN, "certificate: validation time unknown") \
	X(BR_ERR_X509_EXPIRED, "certificate expired or not yet valid") \
	X(BR_ERR_X509_DN_MISMATCH, "certificate: issuer/subject DN mismatch") \
	X(BR_ERR_X509_BAD_SERVER_NAME, "bad server name (certificate does not match host)") \
	X(BR_ERR_X509_CRITICAL_EXTENSION, "certificate: unknown critical extension") \
	X(BR_ERR_X509_NOT_CA, "certificate: issuer is not a CA") \
	X(BR_ERR_X509_FORBIDDEN_KEY_USAGE, "certificate: key usage forbids server auth") \
	X(BR_ERR_X509_WEAK_PUBLIC_KEY, "certificate: weak public key") \
	X(BR_ERR_X509_NOT_TRUSTED, "unknown CA (chain not trusted)")

#define ALERT_LIST(X) \
	X(0, "close_notify") \
	X(10, "unexpected_message") \
	X(20, "bad_record_mac") \
	X(40, "handshake_failure") \
	X(42, "bad_certificate") \
	X(43, "unsupported_certificate") \
	X(44, "certificate_revoked") \
	X(45, "certificate_expired") \
	X(46, "certificate_unknown") \
	X(47, "illegal_parameter") \
	X(48, "unknown_ca") \
	X(50, "decode_error") \
	X(51, "decrypt_error") \
	X(70, "protocol_version") \
	X(71, "insufficient_security") \
	X(80, "internal_error") \
	X(112, "unrecognized_name") \
	X(116, "certificate_required") \
	X(120, "no_application_protocol")

#define CODE_OF(c, s) (c),
#define NAME_OF(c, s) s "\0"
#define FITS_A_BYTE(c, s) _Static_assert((c) >= 0 && (c) <= 255, "code fits a byte");

BR_ERROR_LIST(FITS_A_BYTE)
ALERT_LIST(FITS_A_BYTE)

static const unsigned char br_error_codes[] = { BR_ERROR_LIST(CODE_OF) };
static const char br_error_names[] = BR_ERROR_LIST(NAME_OF);
static const unsigned char alert_codes[] = { ALERT_LIST(CODE_OF) };
static const char alert_names[] = ALERT_LIST(NAME_OF);

/* The name of code in codes[0..n), found by skipping as many names. */
static const char *
lookup(const unsigned char *codes, size_t n, const char *names, int code)
{
	size_t i;

	for (i = 0; i < n; i++, names += strlen(names) + 1)
		if (codes[i] == code)
			return names;
	return NULL;
}

const char *
tls_error_name(int br_err)
{
	const char *s;

	if (br_err >= BR_ERR_SEND_FATAL_ALERT) {
		s = lookup(alert_codes, sizeof(alert_codes), alert_names,
		    br_err - BR_ERR_SEND_FATAL_ALERT);
		return s ? s : "sent fatal alert";
	}
	if (br_err >= BR_ERR_RECV_FATAL_ALERT) {
		s = lookup(alert_codes, sizeof(alert_codes), alert_names,
		    br_err - BR_ERR_RECV_FATAL_ALERT);
		return s ? s : "received fatal alert";
	}
	s = lookup(br_error_codes, sizeof(br_error_codes), br_error_names,
	    br_err);
	return s ? s : "unknown TLS error";
}

/* Writes "<reason> (BearSSL error N)" with the alert direction if any. */
static void
engine_error(struct errbuf *err, const char *host, const char *what, int e)
{
	const char *dir = e >= BR_ERR_SEND_FATAL_ALERT ? "sent fatal alert "
	    : e >= BR_ERR_RECV_FATAL_ALERT ? "server sent fatal alert " : "";

	errbuf_set(err, "TLS %s %s: %s%s (BearSSL error %d)", what, host, dir,
	    tls_error_name(e), e);
}

/* ---- trust anchors -------------------------------------------------- */

struct pem_loader {
	struct tls_anchors *a;
	br_x509_decoder_context xd;
	const char *path;
	size_t dn_start;
	unsigned certs_seen; /* 1-based index of the current certificate */
	int in_cert;
	int overflow;
};

static void *
anchor_data_take(struct pem_loader *l, size_t n)
{
	struct tls_anchors *a = l->a;
	void *p;

	if (n > sizeof(a->data) - a->data_used) {
		l->overflow = 1;
		return NULL;
	}
	p = a->data + a->data_used;
	a->data_used += n;
	return p;
}

static void
dn_append(void *ctx, const void *buf, size_t len)
{
	struct pem_loader *l = ctx;
	void *p = anchor_data_take(l, len);

	if (p != NULL)
		memcpy(p, buf, len);
}

static void
der_push(void *ctx, const void *buf, size_t len)
{
	struct pem_loader *l = ctx;

	br_x509_decoder_push(&l->xd, buf, len);
}

static unsigned char *
copy_bytes(struct pem_loader *l, const unsigned char *src, size_t n)
{
	unsigned char *p = anchor_data_take(l, n);

	if (p != NULL)
		memcpy(p, src, n);
	return p;
}

/* Turns the certificate just decoded into the next trust anchor. */
static int
anchor_finish(struct pem_loader *l, struct errbuf *err)
{
	struct tls_anchors *a = l->a;
	br_x509_trust_anchor *ta = &a->list[a->num];
	const br_x509_pkey *pk = br_x509_decoder_get_pkey(&l->xd);
	int e = br_x509_decoder_last_error(&l->xd);

	if (pk == NULL || e != 0) {
		errbuf_set(err, "%s: certificate %u: %s", l->path, l->certs_seen,
		    tls_error_name(e ? e : BR_ERR_X509_TRUNCATED));
		return -1;
	}
	ta->dn.data = a->data + l->dn_start;
	ta->dn.len = a->data_used - l->dn_start;
	ta->flags = br_x509_decoder_isCA(&l->xd) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = copy_bytes(l, pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = copy_bytes(l, pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
	} else {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = copy_bytes(l, pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
	}
	if (l->overflow) {
		errbuf_set(err, "%s: certificate %u: anchor storage full "
		    "(TLS_EXTRA_DATA_MAX %d bytes)", l->path, l->certs_seen,
		    TLS_EXTRA_DATA_MAX);
		return -1;
	}
	a->num++;
	a->num_extra++;
	return 0;
}

static int
pem_begin(struct pem_loader *l, const char *name, struct errbuf *err)
{
	l->in_cert = strcmp(name, "CERTIFICATE") == 0
	    || strcmp(name, "X509 CERTIFICATE") == 0;
	if (!l->in_cert)
		return 0;
	l->certs_seen++;
	if (l->a->num_extra >= TLS_EXTRA_ANCHORS_MAX) {
		errbuf_set(err, "%s: more than %d certificates "
		    "(TLS_EXTRA_ANCHORS_MAX)", l->path, TLS_EXTRA_ANCHORS_MAX);
		return -1;
	}
	l->dn_start = l->a->data_used;
	br_x509_decoder_init(&l->xd, dn_append, l);
	return 0;
}

/* Feeds bytes to the PEM decoder, acting on each event. */
static int
pem_feed(br_pem_decoder_context *pc, struct pem_loader *l,
    const unsigned char *buf, size_t len, struct errbuf *err)
{
	while (len > 0) {
		size_t n = br_pem_decoder_push(pc, buf, len);

		buf += n;
		len -= n;
		switch (br_pem_decoder_event(pc)) {
		case BR_PEM_BEGIN_OBJ:
			if (pem_begin(l, br_pem_decoder_name(pc), err) < 0)
				return -1;
			br_pem_decoder_setdest(pc, l->in_cert ? der_push : NULL, l);
			break;
		case BR_PEM_END_OBJ:
			if (l->in_cert && anchor_finish(l, err) < 0)
				return -1;
			l->in_cert = 0;
			break;
		case BR_PEM_ERROR:
			errbuf_set(err, "%s: malformed PEM", l->path);
			return -1;
		default:
			break;
		}
	}
	return 0;
}

static int
pem_file_load(struct pem_loader *l, struct readfile *f, struct errbuf *err)
{
	br_pem_decoder_context pc;
	unsigned char buf[4096];
	size_t n;

	br_pem_decoder_init(&pc);
	for (;;) {
		if (readfile_read(f, buf, sizeof(buf), &n, err) != READFILE_OK)
			return -1;
		if (n == 0)
			break;
		if (pem_feed(&pc, l, buf, n, err) < 0)
			return -1;
	}
	/* BearSSL ends an object on the newline after END: supply one. */
	if (pem_feed(&pc, l, (const unsigned char *)"\n", 1, err) < 0)
		return -1;
	if (l->in_cert) {
		errbuf_set(err, "%s: certificate %u: missing END line", l->path,
		    l->certs_seen);
		return -1;
	}
	if (l->a->num_extra == 0) {
		errbuf_set(err, "%s: no certificate found", l->path);
		return -1;
	}
	return 0;
}

static int
anchors_add_file(struct tls_anchors *a, const char *path, struct errbuf *err)
{
	struct pem_loader loader, *l = &loader;
	struct readfile f;
	int rc;

	memset(l, 0, sizeof(*l));
	l->a = a;
	l->path = path;
	if (readfile_open(&f, path, TLS_EXTRA_FILE_MAX, err) != READFILE_OK)
		return -1;
	rc = pem_file_load(l, &f, err);
	readfile_close(&f);
	return rc;
}

int
tls_anchors_init(struct tls_anchors *a, const char *extra_pem,
    struct errbuf *err)
{
	size_t n;

	memset(a, 0, sizeof(*a));
	if (ca_anchors_load(a->list, TLS_COMPILED_ANCHORS_MAX, a->builtin_dn,
	    sizeof(a->builtin_dn), &n) < 0) {
		errbuf_set(err, "compiled-in anchors: %zu do not fit "
		    "TLS_COMPILED_ANCHORS_MAX %d or CA_ANCHORS_DN_MAX %d", n,
		    TLS_COMPILED_ANCHORS_MAX, CA_ANCHORS_DN_MAX);
		return -1;
	}
	a->num = n;
	if (extra_pem == NULL)
		return 0;
	if (anchors_add_file(a, extra_pem, err) < 0) {
		errbuf_wrap(err, "extra CA file (%s)", TLS_EXTRA_CA_ENV);
		return -1;
	}
	return 0;
}

int
tls_anchors_from_env(struct tls_anchors *a, struct errbuf *err)
{
	const char *path = getenv(TLS_EXTRA_CA_ENV);

	return tls_anchors_init(a, path != NULL && *path ? path : NULL, err);
}

/* ---- connection ----------------------------------------------------- */

/*
 * AEAD suites with forward secrecy that every current TLS 1.2 server has.
 * ChaCha20-Poly1305 is left out: no server lacks AES-GCM, and its two
 * ciphers and two MACs cost 6 KB of a binary with a 300 KiB budget.
 */
static const uint16_t suites[] = {
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};

/*
 * The NIST curves only (P-256, P-384, P-521), all through BearSSL's generic
 * constant-time i31 code: br_ec_prime_i31 supports exactly these three.
 * The P-256-specific m31 code is faster but 8.4 KB more of a binary with a
 * 300 KiB budget; a launcher makes a handful of handshakes, where the
 * difference is a few milliseconds.  X25519 is not offered, for the same
 * reason as ChaCha20 above: every server supports P-256, and Curve25519's
 * code is 4 KB.
 */
#define EC_NIST (&br_ec_prime_i31)

/*
 * Like br_ssl_client_init_full(), but linking only what TLS 1.2 with the
 * suites above needs: ECDHE over NIST curves, AES-GCM, SHA-256/384 PRFs,
 * RSA and ECDSA signatures.  No CBC, 3DES, CCM, RSA key exchange or TLS 1.0
 * PRF: they are never negotiated, and leaving them out keeps the measured
 * binary small.
 */
static void
client_init(struct tls_conn *t, const struct tls_config *cfg)
{
	static const br_hash_class *const hashes[] = {
		&br_sha256_vtable, &br_sha384_vtable, &br_sha512_vtable
	};
	br_ssl_engine_context *eng = &t->cc.eng;
	size_t i;

	br_ssl_client_zero(&t->cc);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, suites, sizeof(suites) / sizeof(suites[0]));
	br_x509_minimal_init(&t->xc, &br_sha256_vtable, cfg->anchors->list,
	    cfg->anchors->num);
	for (i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		int id = (int)((hashes[i]->desc >> BR_HASHDESC_ID_OFF) & BR_HASHDESC_ID_MASK);

		br_x509_minimal_set_hash(&t->xc, id, hashes[i]);
		br_ssl_engine_set_hash(eng, id, hashes[i]);
	}
	/* One implementation of each primitive, constant-time and portable:
	 * the CPU-specific and 62-bit variants the "default" getters pull in
	 * cost 5 KB of the size budget and save microseconds per handshake. */
	br_x509_minimal_set_rsa(&t->xc, &br_rsa_i31_pkcs1_vrfy);
	br_x509_minimal_set_ecdsa(&t->xc, EC_NIST,
	    br_ecdsa_vrfy_asn1_get_default());
	br_ssl_engine_set_x509(eng, &t->xc.vtable);
	br_ssl_engine_set_rsavrfy(eng, &br_rsa_i31_pkcs1_vrfy);
	br_ssl_engine_set_ec(eng, EC_NIST);
	br_ssl_engine_set_ecdsa(eng, br_ecdsa_vrfy_asn1_get_default());
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_gcm(eng, &br_sslrec_in_gcm_vtable, &br_sslrec_out_gcm_vtable);
	br_ssl_engine_set_aes_ctr(eng, &br_aes_ct64_ctr_vtable);
	br_ssl_engine_set_ghash(eng, &br_ghash_ctmul64);
}

void
tls_time_to_x509(int64_t unix_secs, uint32_t *days, uint32_t *secs)
{
	/* 719528 days from 0000-01-01 (proleptic Gregorian) to 1970-01-01. */
	int64_t d = unix_secs / 86400, s = unix_secs % 86400;

	if (s < 0) {
		s += 86400;
		d--;
	}
	*days = (uint32_t)(719528 + d);
	*secs = (uint32_t)s;
}

static int
low_read(void *ctx, unsigned char *buf, size_t len)
{
	struct tls_conn *t = ctx;
	size_t got = 0;

	t->net_rc = net_read_some(t->fd, buf, len, &got, t->clk, t->deadline,
	    &t->net_err);
	return t->net_rc == NET_OK ? (int)got : -1;
}

static int
low_write(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls_conn *t = ctx;

	t->net_rc = net_write_all(t->fd, buf, len, t->clk, t->deadline,
	    &t->net_err);
	return t->net_rc == NET_OK ? (int)len : -1;
}

/*
 * Maps a failed sslio call to a status: transport problems keep their
 * net status (the callbacks saw them), anything else is the engine's.
 */
static int
failure(struct tls_conn *t, const char *what, struct errbuf *err)
{
	int e = br_ssl_engine_last_error(&t->cc.eng);
	const char *host = br_ssl_engine_get_server_name(&t->cc.eng);

	if (t->net_rc == NET_EOF && (e == BR_ERR_IO || e == BR_ERR_OK)) {
		/* Without close_notify the data may have been cut short. */
		errbuf_set(err, "TLS %s %s: connection closed without "
		    "close_notify", what, host);
		return NET_ERR_IO;
	}
	if (t->net_rc != NET_OK && (e == BR_ERR_IO || e == BR_ERR_OK)) {
		errbuf_set(err, "TLS %s %s: %s", what, host, t->net_err.msg);
		return t->net_rc;
	}
	if (e == BR_ERR_OK) {
		/* Closed cleanly (close_notify), or half-duplex misuse. */
		if (br_ssl_engine_current_state(&t->cc.eng) == BR_SSL_CLOSED) {
			errbuf_set(err, "TLS %s %s: connection closed by peer",
			    what, host);
			return NET_EOF;
		}
		errbuf_set(err, "TLS %s %s: peer sent data while we were "
		    "writing", what, host);
		return TLS_ERR_ENGINE;
	}
	engine_error(err, host, what, e);
	return TLS_ERR_ENGINE;
}

static void
seed(struct tls_conn *t)
{
	unsigned char rnd[32];
	ssize_t n;

	/*
	 * getrandom works in a scratch container without /dev; BearSSL's
	 * own seeder (RDRAND, else /dev/urandom) still runs as well.
	 */
	do
		n = getrandom(rnd, sizeof(rnd), 0);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(rnd))
		br_ssl_engine_inject_entropy(&t->cc.eng, rnd, sizeof(rnd));
	memset(rnd, 0, sizeof(rnd));
}

int
tls_handshake(struct tls_conn *t, int fd, const char *server_name,
    const struct tls_config *cfg, const struct net_clock *clk,
    uint64_t deadline, struct errbuf *err)
{
	br_ssl_engine_context *eng = &t->cc.eng;

	t->fd = fd;
	t->clk = clk;
	t->deadline = deadline;
	t->net_rc = NET_OK;
	t->net_err.msg[0] = '\0';
	client_init(t, cfg);
	br_ssl_engine_set_buffer(eng, t->iobuf, sizeof(t->iobuf), 0);
	t->alpn[0] = "http/1.1";
	br_ssl_engine_set_protocol_names(eng, t->alpn, 1);
	if (cfg->x509_time != 0) {
		uint32_t days, secs;

		tls_time_to_x509(cfg->x509_time, &days, &secs);
		br_x509_minimal_set_time(&t->xc, days, secs);
	}
	seed(t);
	if (!br_ssl_client_reset(&t->cc, server_name, 0)) {
		engine_error(err, server_name, "setup for",
		    br_ssl_engine_last_error(eng));
		return TLS_ERR_ENGINE;
	}
	br_sslio_init(&t->io, eng, low_read, t, low_write, t);
	/* Flushing needs the handshake done: it runs it to completion. */
	if (br_sslio_flush(&t->io) < 0)
		return failure(t, "handshake with", err);
	return TLS_OK;
}

void
tls_set_deadline(struct tls_conn *t, uint64_t deadline)
{
	t->deadline = deadline;
}

int
tls_read(struct tls_conn *t, void *buf, size_t cap, size_t *got,
    struct errbuf *err)
{
	int n;

	t->net_rc = NET_OK;
	n = br_sslio_read(&t->io, buf, cap > 16384 ? 16384 : cap);
	if (n > 0) {
		*got = (size_t)n;
		return TLS_OK;
	}
	return failure(t, "read from", err);
}

int
tls_write_all(struct tls_conn *t, const void *buf, size_t len,
    struct errbuf *err)
{
	t->net_rc = NET_OK;
	if (br_sslio_write_all(&t->io, buf, len) < 0
	    || br_sslio_flush(&t->io) < 0)
		return failure(t, "write to", err);
	return TLS_OK;
}

int
tls_has_pending(struct tls_conn *t)
{
	return (br_ssl_engine_current_state(&t->cc.eng) & BR_SSL_RECVAPP) != 0;
}

const char *
tls_alpn(struct tls_conn *t)
{
	return br_ssl_engine_get_selected_protocol(&t->cc.eng);
}
