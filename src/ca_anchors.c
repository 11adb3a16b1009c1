#include <stdint.h>
#include <string.h>

#include "ca_anchors.h"
#include "ca_dn.h"

/* One row per anchor of the generated table; the blob holds its bytes in
 * the order DN, key (RSA: modulus then exponent; EC: point). */
struct ca_packed {
	uint16_t dn_len;  /* stored bytes: ca_dn compact form, or raw DER */
	uint16_t key_len; /* RSA modulus or EC point */
	uint8_t aux;      /* RSA exponent length, or EC curve id */
	uint8_t kind;     /* CA_PACKED_RSA or _EC, | CA_PACKED_CA, _DN_RAW */
};

#define CA_PACKED_RSA BR_KEYTYPE_RSA
#define CA_PACKED_EC BR_KEYTYPE_EC
#define CA_PACKED_CA 0x80
#define CA_PACKED_DN_RAW 0x40
#define CA_PACKED_TYPE_MASK 0x3F

/* Defines CA_PACKED_NUM, ca_packed_table[], ca_packed_blob[] and
 * CA_PACKED_DN_TOTAL. */
#include "ca_anchors_packed.inc"

_Static_assert(CA_PACKED_NUM <= CA_ANCHORS_MAX,
    "more compiled-in anchors than CA_ANCHORS_MAX");
_Static_assert(CA_PACKED_DN_TOTAL <= CA_ANCHORS_DN_MAX,
    "compiled-in DNs larger than CA_ANCHORS_DN_MAX");
_Static_assert((BR_KEYTYPE_RSA | BR_KEYTYPE_EC) <= CA_PACKED_TYPE_MASK,
    "BearSSL key types collide with the CA_PACKED flags");

/* Where the next anchor's bytes are read from and its DN written to. */
struct cursor {
	const unsigned char *src;
	unsigned char *dn;
	size_t dn_left;
};

/*
 * BearSSL's anchor struct has non-const pointers although it never writes
 * through them; the blob is const so that it lives in read-only memory.
 */
static unsigned char *
blob_ptr(const unsigned char *p)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wcast-qual"
	return (unsigned char *)p;
#pragma GCC diagnostic pop
}

static int
dn_unpack(br_x500_name *dn, const struct ca_packed *r, struct cursor *c)
{
	size_t len;

	if (r->kind & CA_PACKED_DN_RAW) {
		if (r->dn_len > c->dn_left)
			return -1;
		memcpy(c->dn, c->src, r->dn_len);
		len = r->dn_len;
	} else if (ca_dn_expand(c->src, r->dn_len, c->dn, c->dn_left, &len) < 0) {
		return -1;
	}
	dn->data = c->dn;
	dn->len = len;
	c->dn += len;
	c->dn_left -= len;
	c->src += r->dn_len;
	return 0;
}

static void
key_unpack(br_x509_pkey *k, const struct ca_packed *r, struct cursor *c)
{
	k->key_type = (unsigned char)(r->kind & CA_PACKED_TYPE_MASK);
	if (k->key_type == BR_KEYTYPE_RSA) {
		k->key.rsa.n = blob_ptr(c->src);
		k->key.rsa.nlen = r->key_len;
		k->key.rsa.e = blob_ptr(c->src + r->key_len);
		k->key.rsa.elen = r->aux;
		c->src += r->key_len + r->aux;
		return;
	}
	k->key.ec.curve = r->aux;
	k->key.ec.q = blob_ptr(c->src);
	k->key.ec.qlen = r->key_len;
	c->src += r->key_len;
}

size_t
ca_anchors_count(void)
{
	return CA_PACKED_NUM;
}

int
ca_anchors_load(br_x509_trust_anchor *out, size_t cap,
    unsigned char *dn_buf, size_t dn_cap, size_t *num)
{
	struct cursor c;
	size_t i;

	c.src = ca_packed_blob;
	c.dn = dn_buf;
	c.dn_left = dn_cap;

	*num = CA_PACKED_NUM;
	if (cap < CA_PACKED_NUM)
		return -1;
	for (i = 0; i < CA_PACKED_NUM; i++) {
		const struct ca_packed *r = &ca_packed_table[i];

		if (dn_unpack(&out[i].dn, r, &c) < 0)
			return -1;
		out[i].flags = (r->kind & CA_PACKED_CA) ? BR_X509_TA_CA : 0;
		key_unpack(&out[i].pkey, r, &c);
	}
	return 0;
}
