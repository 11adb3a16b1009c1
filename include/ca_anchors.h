/*
 * ca_anchors — the Mozilla root set compiled into the binary.
 *
 * A scratch container has no CA store, so the trust anchors are generated at
 * build time from assets/ca/mozilla-roots.pem (see assets/ca/ORIGIN) by the
 * pinned BearSSL's `brssl ta`.  The array is static, read-only data owned by
 * this module; callers never free or modify it.
 */
#ifndef TL_CA_ANCHORS_H
#define TL_CA_ANCHORS_H

#include <stddef.h>
#include <bearssl.h>

/* Returns the compiled-in anchors and stores their number in *num. */
const br_x509_trust_anchor *ca_anchors_get(size_t *num);

#endif
