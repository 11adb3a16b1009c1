/*
 * utf8 — strict UTF-8 (RFC 3629, Unicode table 3-7), shared by every parser
 * and writer so that no two of them can disagree on what is valid: no
 * overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
 * Pure functions over caller memory; nothing allocated.
 */
#ifndef TL_UTF8_H
#define TL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Longest encoded scalar value. */
#define UTF8_MAX_LEN 4

/*
 * Length (1..4) of the well-formed sequence at s[0..avail) (avail ≥ 1), or 0
 * if it is ill-formed or cut short.  If cp is not NULL it receives the code
 * point when the length is not 0.
 */
size_t utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp);

/* Offset of the first byte that does not start a well-formed sequence, or
 * len when all of s[0..len) is valid. */
size_t utf8_valid_prefix(const unsigned char *s, size_t len);

/* Encodes a Unicode scalar value (≤ U+10FFFF, not a surrogate: the caller
 * checks) into out; returns its length (1..4). */
size_t utf8_encode(uint32_t cp, unsigned char out[UTF8_MAX_LEN]);

#endif
