/*
 * ca_pack — build-time generator for src/ca_anchors.c (not linked into the
 * launcher).
 *
 * `brssl ta` stays the source of truth for the anchors: its output
 * (build/gen/ca_anchors.inc) is compiled into this program, which prints the
 * same anchors as one byte blob plus a table of lengths.  One blob instead
 * of ~400 arrays saves the per-array alignment padding, a 6-byte table row
 * instead of a 64-byte br_x509_trust_anchor saves the rest, and DNs are
 * stored in ca_dn's compact form where they fit it.  ca_anchors_load()
 * rebuilds the structs and DNs at run time.
 *
 * Blob order per anchor: DN (compact, or raw DER if it does not fit), then
 * the RSA modulus and exponent, or the EC point.  Every compact DN is
 * expanded here with the launcher's own ca_dn_expand() and compared with
 * brssl's bytes; a difference, or anything the table cannot express (other
 * flags or key types, lengths over its field widths), fails the build.
 * The output depends only on the input anchors: reproducible.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bearssl.h>

#include "ca_dn.h"

/* brssl's generated arrays hold casts from const; they are only read here. */
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "ca_anchors.inc"

/* Must match struct ca_packed in src/ca_anchors.c. */
#define DN_LEN_MAX 0xFFFF
#define KEY_LEN_MAX 0xFFFF
#define AUX_MAX 0xFF

#define BYTES_PER_LINE 16

/* A packed anchor's DN as it goes into the blob. */
struct dn_packed {
	unsigned char buf[CA_DN_DER_MAX];
	size_t len;
	int raw; /* 1: DER as brssl gave it; 0: ca_dn compact form */
};

_Noreturn static void
die(size_t i, const char *why)
{
	fprintf(stderr, "ca_pack: anchor %zu: %s\n", i, why);
	exit(1);
}

/*
 * Reads the DER header at d[*i] (before end): the tag must be tag (any
 * single-byte tag when tag < 0) and the length minimal, as re-encoding
 * produces only minimal lengths.  Returns 0 and moves *i to the content.
 */
static int
der_head(const unsigned char *d, size_t end, size_t *i, int tag, size_t *n)
{
	size_t p = *i, k, len_bytes;

	if (end - p < 2 || (tag >= 0 && d[p] != tag) || (d[p] & 0x1F) == 0x1F)
		return -1;
	p++;
	if (d[p] < 0x80) {
		*n = d[p++];
	} else {
		len_bytes = d[p++] & 0x7Fu;
		if (len_bytes < 1 || len_bytes > 2 || end - p < len_bytes ||
		    d[p] == 0)
			return -1;
		for (*n = 0, k = 0; k < len_bytes; k++)
			*n = (*n << 8) | d[p++];
		if (*n < 0x80)
			return -1;
	}
	if (end - p < *n)
		return -1;
	*i = p;
	return 0;
}

/* One RDN at d[*i] holding exactly one 2.5.4.x attribute → one ca_dn
 * record appended to o.  Returns -1 when it has another shape. */
static int
rdn_compact(const unsigned char *d, size_t end, size_t *i, struct dn_packed *o)
{
	size_t p = *i, n, set_end, seq_end, vstart;
	unsigned char attr, vtag;

	if (der_head(d, end, &p, 0x31, &n) < 0)
		return -1;
	set_end = p + n;
	if (der_head(d, set_end, &p, 0x30, &n) < 0 || p + n != set_end)
		return -1; /* multi-valued RDN */
	seq_end = p + n;
	if (der_head(d, seq_end, &p, 0x06, &n) < 0 || n != 3 ||
	    d[p] != 0x55 || d[p + 1] != 0x04 || d[p + 2] >= 0x80)
		return -1;
	attr = d[p + 2];
	p += 3;
	vstart = p;
	if (der_head(d, seq_end, &p, -1, &n) < 0 || p + n != seq_end ||
	    n > 0xFF || sizeof(o->buf) - o->len < CA_DN_RECORD_HEAD + n)
		return -1;
	vtag = d[vstart];
	o->buf[o->len++] = attr;
	o->buf[o->len++] = vtag;
	o->buf[o->len++] = (unsigned char)n;
	memcpy(o->buf + o->len, d + p, n);
	o->len += n;
	*i = seq_end;
	return 0;
}

/* The compact form of the whole DN, or -1 if any part does not fit it. */
static int
dn_compact(const unsigned char *d, size_t len, struct dn_packed *o)
{
	size_t p = 0, n;

	o->len = 0;
	if (der_head(d, len, &p, 0x30, &n) < 0 || p + n != len)
		return -1;
	while (p < len)
		if (rdn_compact(d, len, &p, o) < 0)
			return -1;
	return 0;
}

/* Chooses the DN's stored form; a compact form that does not expand to
 * exactly brssl's bytes is a bug in ca_dn or here, and stops the build. */
static void
dn_pack(size_t i, const br_x500_name *dn, struct dn_packed *o)
{
	static unsigned char der[CA_DN_DER_MAX];
	size_t der_len;

	if (dn->len > DN_LEN_MAX)
		die(i, "DN over the packed table's field width");
	if (dn_compact(dn->data, dn->len, o) == 0 && o->len < dn->len) {
		if (ca_dn_expand(o->buf, o->len, der, sizeof(der), &der_len) < 0 ||
		    der_len != dn->len || memcmp(der, dn->data, der_len) != 0)
			die(i, "compact DN does not expand to the original DER");
		o->raw = 0;
		return;
	}
	memcpy(o->buf, dn->data, dn->len);
	o->len = dn->len;
	o->raw = 1;
}

/* Table row: stored DN length, key length, RSA exponent length or EC curve
 * id, key type with the CA and raw-DN flags.  Exits on anything the row
 * cannot hold. */
static void
row_print(size_t i, const br_x509_trust_anchor *ta, const struct dn_packed *dn)
{
	const br_x509_pkey *k = &ta->pkey;
	size_t key_len, aux;

	if ((ta->flags & ~(unsigned)BR_X509_TA_CA) != 0)
		die(i, "flags other than BR_X509_TA_CA");
	if (k->key_type == BR_KEYTYPE_RSA) {
		key_len = k->key.rsa.nlen;
		aux = k->key.rsa.elen;
	} else if (k->key_type == BR_KEYTYPE_EC) {
		key_len = k->key.ec.qlen;
		aux = (size_t)k->key.ec.curve;
	} else {
		die(i, "key type neither RSA nor EC");
	}
	if (key_len > KEY_LEN_MAX || aux > AUX_MAX)
		die(i, "length over the packed table's field width");
	printf("\t{ %zu, %zu, %zu, %s%s%s },\n", dn->len, key_len, aux,
	    k->key_type == BR_KEYTYPE_RSA ? "CA_PACKED_RSA" : "CA_PACKED_EC",
	    (ta->flags & BR_X509_TA_CA) ? " | CA_PACKED_CA" : "",
	    dn->raw ? " | CA_PACKED_DN_RAW" : "");
}

/* Prints bytes as C initialisers; *col carries the line position across
 * calls so the blob reads as one array. */
static void
bytes_print(const unsigned char *p, size_t len, size_t *col)
{
	size_t j;

	for (j = 0; j < len; j++) {
		printf("%s0x%02X,", *col == 0 ? "\t" : " ", p[j]);
		if (++*col == BYTES_PER_LINE) {
			putchar('\n');
			*col = 0;
		}
	}
}

static void
blob_print(const br_x509_trust_anchor *ta, const struct dn_packed *dn,
    size_t *col)
{
	const br_x509_pkey *k = &ta->pkey;

	bytes_print(dn->buf, dn->len, col);
	if (k->key_type == BR_KEYTYPE_RSA) {
		bytes_print(k->key.rsa.n, k->key.rsa.nlen, col);
		bytes_print(k->key.rsa.e, k->key.rsa.elen, col);
	} else {
		bytes_print(k->key.ec.q, k->key.ec.qlen, col);
	}
}

int
main(void)
{
	static struct dn_packed dn;
	size_t i, col = 0, dn_total = 0;

	printf("/* Generated by src/gen/ca_pack.c from `brssl ta`; do not edit. */\n");
	printf("#define CA_PACKED_NUM %d\n\n", TAs_NUM);
	printf("static const struct ca_packed ca_packed_table[CA_PACKED_NUM] = {\n");
	for (i = 0; i < TAs_NUM; i++) {
		dn_pack(i, &TAs[i].dn, &dn);
		row_print(i, &TAs[i], &dn);
		dn_total += TAs[i].dn.len;
	}
	printf("};\n\nstatic const unsigned char ca_packed_blob[] = {\n");
	for (i = 0; i < TAs_NUM; i++) {
		dn_pack(i, &TAs[i].dn, &dn);
		blob_print(&TAs[i], &dn, &col);
	}
	printf("%s};\n\n", col == 0 ? "" : "\n");
	/* The expanded DNs' size, for the caller's buffer (checked at compile
	 * time against CA_ANCHORS_DN_MAX). */
	printf("#define CA_PACKED_DN_TOTAL %zu\n", dn_total);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("ca_pack: stdout");
		return 1;
	}
	return 0;
}
