#include <string.h>

#include "ca_dn.h"
#include "harness.h"

/* One compact record: 2.5.4.attr, string tag, n bytes of c. */
static size_t
record(unsigned char *p, unsigned char attr, unsigned char tag, size_t n,
    char c)
{
	p[0] = attr;
	p[1] = tag;
	p[2] = (unsigned char)n;
	memset(p + CA_DN_RECORD_HEAD, c, n);
	return CA_DN_RECORD_HEAD + n;
}

static void
short_rdns_expand_to_der_with_short_lengths(struct th *t)
{
	static const unsigned char want[] = {
		0x30, 0x18,
		0x31, 0x0B, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06,
		0x13, 0x02, 'U', 'S',
		0x31, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x04, 0x03,
		0x0C, 0x00,
	};
	unsigned char in[16], out[64];
	size_t len = 0, out_len = 0;

	len += record(in + len, 0x06, 0x13, 2, 'U');
	in[len - 1] = 'S';
	len += record(in + len, 0x03, 0x0C, 0, 0);
	REQUIRE_INT(t, ca_dn_expand(in, len, out, sizeof(out), &out_len), 0);
	CHECK_MEM(t, out, out_len, want, sizeof(want));
}

static void
long_strings_get_minimal_long_form_lengths_at_every_level(struct th *t)
{
	/* Two 200-byte strings: 81 xx inside each RDN, 82 01 AC outside. */
	static const unsigned char rdn_head[] = {
		0x31, 0x81, 0xD3, 0x30, 0x81, 0xD0, 0x06, 0x03, 0x55, 0x04, 0x0A,
		0x0C, 0x81, 0xC8,
	};
	unsigned char in[2 * (CA_DN_RECORD_HEAD + 200)], out[512], want[512];
	size_t len = 0, out_len = 0, w = 0, k;

	len += record(in + len, 0x0A, 0x0C, 200, 'a');
	len += record(in + len, 0x0A, 0x0C, 200, 'b');
	memcpy(want, "\x30\x82\x01\xAC", 4);
	w = 4;
	for (k = 0; k < 2; k++) {
		memcpy(want + w, rdn_head, sizeof(rdn_head));
		w += sizeof(rdn_head);
		memset(want + w, k == 0 ? 'a' : 'b', 200);
		w += 200;
	}
	REQUIRE_INT(t, ca_dn_expand(in, len, out, sizeof(out), &out_len), 0);
	CHECK_MEM(t, out, out_len, want, w);
	CHECK_INT(t, out_len, 4 + 0x1AC);
}

static void
an_empty_name_is_an_empty_sequence(struct th *t)
{
	static const unsigned char none[1];
	unsigned char out[4];
	size_t out_len = 0;

	REQUIRE_INT(t, ca_dn_expand(none, 0, out, sizeof(out), &out_len), 0);
	CHECK_MEM(t, out, out_len, "\x30\x00", 2);
}

static void
truncated_records_and_non_oid_attributes_are_refused(struct th *t)
{
	unsigned char in[16], out[64];
	size_t len, out_len;

	len = record(in, 0x03, 0x0C, 4, 'x');
	CHECK_INT(t, ca_dn_expand(in, len - 1, out, sizeof(out), &out_len), -1);
	CHECK_INT(t, ca_dn_expand(in, 2, out, sizeof(out), &out_len), -1);
	in[0] = 0x80; /* would need a two-byte OID arc */
	CHECK_INT(t, ca_dn_expand(in, len, out, sizeof(out), &out_len), -1);
}

static void
an_output_buffer_one_byte_short_is_refused(struct th *t)
{
	unsigned char in[16], out[64];
	size_t len, out_len = 0, need;

	len = record(in, 0x03, 0x0C, 4, 'x');
	REQUIRE_INT(t, ca_dn_expand(in, len, out, sizeof(out), &need), 0);
	CHECK_INT(t, ca_dn_expand(in, len, out, need - 1, &out_len), -1);
	CHECK_INT(t, ca_dn_expand(in, len, out, need, &out_len), 0);
	CHECK_INT(t, out_len, need);
}

void
suite_ca_dn(struct th *t)
{
	th_run(t, "ca_dn: short RDNs expand to DER with short-form lengths",
	    short_rdns_expand_to_der_with_short_lengths);
	th_run(t, "ca_dn: long strings get minimal long-form lengths at every level",
	    long_strings_get_minimal_long_form_lengths_at_every_level);
	th_run(t, "ca_dn: an empty name expands to an empty SEQUENCE",
	    an_empty_name_is_an_empty_sequence);
	th_run(t, "ca_dn: truncated records and attributes that are no one-byte OID arc are refused",
	    truncated_records_and_non_oid_attributes_are_refused);
	th_run(t, "ca_dn: an output buffer one byte short is refused",
	    an_output_buffer_one_byte_short_is_refused);
}
