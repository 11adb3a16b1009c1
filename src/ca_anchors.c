#include <stdint.h>

#include "ca_anchors.h"

/* One row per anchor of the generated table; the blob holds its bytes in
 * the order DN, key (RSA: modulus then exponent; EC: point). */
struct ca_packed {
	uint16_t dn_len;
	uint16_t key_len; /* RSA modulus or EC point */
	uint8_t aux;      /* RSA exponent length, or EC curve id */
	uint8_t kind;     /* CA_PACKED_RSA or CA_PACKED_EC, | CA_PACKED_CA */
};

#define CA_PACKED_RSA BR_KEYTYPE_RSA
#define CA_PACKED_EC BR_KEYTYPE_EC
#define CA_PACKED_CA 0x80
#define CA_PACKED_TYPE_MASK 0x7F

/* Defines CA_PACKED_NUM, ca_packed_table[] and ca_packed_blob[]. */
#include "ca_anchors_packed.inc"

_Static_assert(CA_PACKED_NUM <= CA_ANCHORS_MAX,
    "more compiled-in anchors than CA_ANCHORS_MAX");
_Static_assert((BR_KEYTYPE_RSA | BR_KEYTYPE_EC) <= CA_PACKED_TYPE_MASK,
    "BearSSL key types collide with CA_PACKED_CA");

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

/* Fills ta from row r whose bytes start at p; returns where the next
 * anchor's bytes start. */
static const unsigned char *
anchor_unpack(br_x509_trust_anchor *ta, const struct ca_packed *r,
    const unsigned char *p)
{
	br_x509_pkey *k = &ta->pkey;

	ta->dn.data = blob_ptr(p);
	ta->dn.len = r->dn_len;
	p += r->dn_len;
	ta->flags = (r->kind & CA_PACKED_CA) ? BR_X509_TA_CA : 0;
	k->key_type = (unsigned char)(r->kind & CA_PACKED_TYPE_MASK);
	if (k->key_type == BR_KEYTYPE_RSA) {
		k->key.rsa.n = blob_ptr(p);
		k->key.rsa.nlen = r->key_len;
		k->key.rsa.e = blob_ptr(p + r->key_len);
		k->key.rsa.elen = r->aux;
		return p + r->key_len + r->aux;
	}
	k->key.ec.curve = r->aux;
	k->key.ec.q = blob_ptr(p);
	k->key.ec.qlen = r->key_len;
	return p + r->key_len;
}

size_t
ca_anchors_count(void)
{
	return CA_PACKED_NUM;
}

int
ca_anchors_load(br_x509_trust_anchor *out, size_t cap, size_t *num)
{
	const unsigned char *p = ca_packed_blob;
	size_t i;

	*num = CA_PACKED_NUM;
	if (cap < CA_PACKED_NUM)
		return -1;
	for (i = 0; i < CA_PACKED_NUM; i++)
		p = anchor_unpack(&out[i], &ca_packed_table[i], p);
	return 0;
}
