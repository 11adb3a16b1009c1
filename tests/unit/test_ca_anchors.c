#include <stdio.h>
#include <string.h>

#include "ca_anchors.h"
#include "harness.h"

/*
 * The reference: brssl's own output, which src/gen/ca_pack.c repacked.
 * Comparing against it (not against the packed tables) is what lets the
 * test catch a generator or unpacking bug.
 */
#pragma GCC diagnostic ignored "-Wcast-qual"
#include "ca_anchors.inc"

static br_x509_trust_anchor loaded[CA_ANCHORS_MAX];
static unsigned char dns[CA_ANCHORS_DN_MAX];

/* Field-by-field equality; the caller names the anchor on failure. */
static int
anchor_same(struct th *t, const br_x509_trust_anchor *got,
    const br_x509_trust_anchor *want)
{
	const br_x509_pkey *g = &got->pkey, *w = &want->pkey;
	int ok = 1;

	ok &= CHECK_INT(t, got->flags, want->flags);
	ok &= CHECK_MEM(t, got->dn.data, got->dn.len, want->dn.data, want->dn.len);
	ok &= CHECK_INT(t, g->key_type, w->key_type);
	if (!ok)
		return 0;
	if (w->key_type == BR_KEYTYPE_RSA) {
		ok &= CHECK_MEM(t, g->key.rsa.n, g->key.rsa.nlen, w->key.rsa.n,
		    w->key.rsa.nlen);
		ok &= CHECK_MEM(t, g->key.rsa.e, g->key.rsa.elen, w->key.rsa.e,
		    w->key.rsa.elen);
	} else {
		ok &= CHECK_INT(t, g->key.ec.curve, w->key.ec.curve);
		ok &= CHECK_MEM(t, g->key.ec.q, g->key.ec.qlen, w->key.ec.q,
		    w->key.ec.qlen);
	}
	return ok;
}

static void
loaded_anchors_equal_brssl_output_byte_for_byte(struct th *t)
{
	size_t i, n = 0;

	memset(loaded, 0, sizeof(loaded));
	REQUIRE_INT(t, ca_anchors_load(loaded, CA_ANCHORS_MAX, dns, sizeof(dns),
	    &n), 0);
	REQUIRE_INT(t, n, TAs_NUM);
	CHECK_INT(t, ca_anchors_count(), TAs_NUM);
	for (i = 0; i < n; i++) {
		if (!anchor_same(t, &loaded[i], &TAs[i])) {
			printf("     anchor %zu differs\n", i);
			return; /* one anchor's diff is enough to read */
		}
	}
}

static void
both_key_types_are_present_so_both_unpack_paths_are_compared(struct th *t)
{
	size_t i, rsa = 0, ec = 0;

	for (i = 0; i < TAs_NUM; i++) {
		rsa += TAs[i].pkey.key_type == BR_KEYTYPE_RSA;
		ec += TAs[i].pkey.key_type == BR_KEYTYPE_EC;
	}
	CHECK(t, rsa > 0);
	CHECK(t, ec > 0);
	CHECK_INT(t, rsa + ec, TAs_NUM);
}

static void
a_too_small_array_is_refused_and_left_untouched(struct th *t)
{
	static const unsigned char zero[sizeof(loaded)];
	size_t n = 0;

	memset(loaded, 0, sizeof(loaded));
	CHECK_INT(t, ca_anchors_load(loaded, TAs_NUM - 1, dns, sizeof(dns), &n),
	    -1);
	CHECK_INT(t, n, TAs_NUM);
	CHECK(t, memcmp(loaded, zero, sizeof(loaded)) == 0);
	CHECK_INT(t, ca_anchors_load(loaded, TAs_NUM, dns, sizeof(dns), &n), 0);
}

static size_t
brssl_dn_total(void)
{
	size_t i, total = 0;

	for (i = 0; i < TAs_NUM; i++)
		total += TAs[i].dn.len;
	return total;
}

static void
a_dn_buffer_one_byte_short_is_refused_and_exact_fits(struct th *t)
{
	size_t n = 0, total = brssl_dn_total();

	CHECK(t, total <= sizeof(dns));
	CHECK_INT(t, ca_anchors_load(loaded, CA_ANCHORS_MAX, dns, total - 1, &n),
	    -1);
	CHECK_INT(t, ca_anchors_load(loaded, CA_ANCHORS_MAX, dns, total, &n), 0);
	/* The DNs fill the buffer back to back, in anchor order. */
	CHECK(t, loaded[0].dn.data == dns);
	CHECK(t, loaded[n - 1].dn.data + loaded[n - 1].dn.len == dns + total);
}

void
suite_ca_anchors(struct th *t)
{
	th_run(t, "ca_anchors: loaded anchors equal brssl's output byte for byte",
	    loaded_anchors_equal_brssl_output_byte_for_byte);
	th_run(t, "ca_anchors: the bundle has RSA and EC anchors, so both unpack paths are compared",
	    both_key_types_are_present_so_both_unpack_paths_are_compared);
	th_run(t, "ca_anchors: an array below the anchor count is refused and left untouched",
	    a_too_small_array_is_refused_and_left_untouched);
	th_run(t, "ca_anchors: a DN buffer one byte short is refused, the exact size fits",
	    a_dn_buffer_one_byte_short_is_refused_and_exact_fits);
}
