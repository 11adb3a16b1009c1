/*
 * ca_anchors — the Mozilla root set compiled into the binary.
 *
 * A scratch container has no CA store, so the trust anchors are generated at
 * build time from assets/ca/mozilla-roots.pem (see assets/ca/ORIGIN) by the
 * pinned BearSSL's `brssl ta`, then packed by src/gen/ca_pack.c into one
 * read-only byte blob plus a small table of lengths, with the DNs in
 * ca_dn's compact form (no per-anchor structs, alignment padding or DER
 * framing in the binary).
 *
 * Memory: ca_anchors_load() fills caller-owned br_x509_trust_anchor structs
 * and writes the DER of their DNs into a caller-owned buffer; the key
 * pointers point into this module's static read-only blob.  The anchors
 * stay valid as long as the caller's DN buffer does; nothing is allocated,
 * and BearSSL only reads anchors.
 *
 * Errors: ca_anchors_load() returns -1 only when a caller's array or
 * buffer is too small, which a caller sized with CA_ANCHORS_MAX and
 * CA_ANCHORS_DN_MAX never sees.
 */
#ifndef TL_CA_ANCHORS_H
#define TL_CA_ANCHORS_H

#include <stddef.h>
#include <bearssl.h>

/* The Mozilla set has ~150 roots; room for future bundles.  A bundle over
 * this fails the build (static assertion in ca_anchors.c), not the launch. */
#define CA_ANCHORS_MAX 256
/* DER bytes of all compiled-in DNs: the Mozilla set needs ~14.5 KB; room
 * for future bundles, checked at build time like CA_ANCHORS_MAX. */
#define CA_ANCHORS_DN_MAX (24 * 1024)

/* Number of compiled-in anchors (≤ CA_ANCHORS_MAX). */
size_t ca_anchors_count(void);

/*
 * Writes the compiled-in anchors to out[0 .. *num - 1] and their DNs to
 * dn_buf.  Returns 0, or -1 when cap is below ca_anchors_count() (out
 * untouched, *num = the count needed) or dn_cap is too small (out and
 * dn_buf partly written).
 */
int ca_anchors_load(br_x509_trust_anchor *out, size_t cap,
    unsigned char *dn_buf, size_t dn_cap, size_t *num);

#endif
