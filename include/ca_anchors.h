/*
 * ca_anchors — the Mozilla root set compiled into the binary.
 *
 * A scratch container has no CA store, so the trust anchors are generated at
 * build time from assets/ca/mozilla-roots.pem (see assets/ca/ORIGIN) by the
 * pinned BearSSL's `brssl ta`, then packed by src/gen/ca_pack.c into one
 * read-only byte blob plus a small table of lengths (no per-anchor structs
 * or alignment padding in the binary).
 *
 * Memory: ca_anchors_load() fills caller-owned br_x509_trust_anchor structs
 * whose DN and key pointers point into this module's static read-only blob.
 * They stay valid for the life of the process; callers never free them and
 * never write through them (BearSSL only reads anchors).
 *
 * Errors: ca_anchors_load() returns -1 only when the caller's array is too
 * small, which a caller sized with CA_ANCHORS_MAX never sees.
 */
#ifndef TL_CA_ANCHORS_H
#define TL_CA_ANCHORS_H

#include <stddef.h>
#include <bearssl.h>

/* The Mozilla set has ~150 roots; room for future bundles.  A bundle over
 * this fails the build (static assertion in ca_anchors.c), not the launch. */
#define CA_ANCHORS_MAX 256

/* Number of compiled-in anchors (≤ CA_ANCHORS_MAX). */
size_t ca_anchors_count(void);

/*
 * Writes the compiled-in anchors to out[0 .. *num - 1].  Returns 0, or -1
 * (out untouched, *num = the count needed) when cap is below
 * ca_anchors_count().
 */
int ca_anchors_load(br_x509_trust_anchor *out, size_t cap, size_t *num);

#endif
