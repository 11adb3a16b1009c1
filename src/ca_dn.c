#include "ca_dn.h"

#define TAG_SEQUENCE 0x30
#define TAG_SET 0x31
#define TAG_OID 0x06

/* The OID 2.5.4.x is 55 04 x: its one content byte needs x < 128. */
static const unsigned char oid_prefix[] = { 0x55, 0x04 };
#define OID_LEN (sizeof(oid_prefix) + 1)

/* Bytes of a DER length field for n (minimal form; n ≤ CA_DN_DER_MAX). */
static size_t
len_size(size_t n)
{
	return n < 0x80 ? 1 : n < 0x100 ? 2 : 3;
}

/* Bytes of a DER element with n content bytes. */
static size_t
tlv_size(size_t n)
{
	return 1 + len_size(n) + n;
}

static unsigned char *
head_put(unsigned char *p, unsigned char tag, size_t n)
{
	*p++ = tag;
	if (n >= 0x100) {
		*p++ = 0x82;
		*p++ = (unsigned char)(n >> 8);
	} else if (n >= 0x80) {
		*p++ = 0x81;
	}
	*p++ = (unsigned char)n;
	return p;
}

/* Content bytes of the AttributeTypeAndValue SEQUENCE for a string of n. */
static size_t
atv_size(size_t n)
{
	return tlv_size(OID_LEN) + tlv_size(n);
}

/*
 * Content bytes of the outer SEQUENCE, or 0 for a truncated record or an
 * attribute that is no single OID byte.  Done
 * before writing because DER puts every length before its content.
 */
static size_t
rdns_size(const unsigned char *in, size_t len)
{
	size_t i = 0, total = 0;

	while (i < len) {
		size_t n;

		if (len - i < CA_DN_RECORD_HEAD)
			return 0;
		n = in[i + 2];
		if (in[i] >= 0x80 || len - i - CA_DN_RECORD_HEAD < n)
			return 0;
		total += tlv_size(tlv_size(atv_size(n)));
		i += CA_DN_RECORD_HEAD + n;
	}
	return total;
}

static unsigned char *
rdn_put(unsigned char *p, const unsigned char *rec)
{
	size_t n = rec[2], j;

	p = head_put(p, TAG_SET, tlv_size(atv_size(n)));
	p = head_put(p, TAG_SEQUENCE, atv_size(n));
	p = head_put(p, TAG_OID, OID_LEN);
	for (j = 0; j < sizeof(oid_prefix); j++)
		*p++ = oid_prefix[j];
	*p++ = rec[0];
	p = head_put(p, rec[1], n);
	for (j = 0; j < n; j++)
		*p++ = rec[CA_DN_RECORD_HEAD + j];
	return p;
}

int
ca_dn_expand(const unsigned char *in, size_t len, unsigned char *out,
    size_t cap, size_t *out_len)
{
	size_t body = rdns_size(in, len), i;
	unsigned char *p = out;

	/* 4: the outer tag and the longest length field (82 xx xx). */
	if ((body == 0 && len != 0) || body > CA_DN_DER_MAX - 4 ||
	    tlv_size(body) > cap)
		return -1;
	p = head_put(p, TAG_SEQUENCE, body);
	for (i = 0; i < len; i += CA_DN_RECORD_HEAD + in[i + 2])
		p = rdn_put(p, in + i);
	*out_len = (size_t)(p - out);
	return 0;
}
