/*
 * base64 — RFC 4648 §4 (standard alphabet, '=' padding), one copy for the
 * whole launcher: the proxy's Basic credentials (http.c) and the payloads of
 * dstack's runtime event log (rtmr.c).
 *
 * Decoding is strict, because the event log is compared, not just read: a
 * length that is not a multiple of 4, a byte outside the alphabet, padding
 * anywhere but at the end, or non-zero bits under the padding is refused, so
 * every byte string has exactly one accepted text.
 *
 * Memory: the caller's buffers; nothing allocated.  Errors: -1, no message
 * (callers name the field).
 */
#ifndef TL_BASE64_H
#define TL_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters encoding n bytes, without the NUL. */
#define BASE64_LEN(n) (((n) + 2) / 3 * 4)

/* Writes BASE64_LEN(n) characters and a NUL into out[0..cap); returns the
 * length without the NUL, or -1 (nothing written) if cap is too small. */
long base64_encode(const uint8_t *in, size_t n, char *out, size_t cap);

/* Decodes s[0..n) into out[0..cap); returns the byte count, or -1 on
 * non-canonical input or when the bytes do not fit. */
long base64_decode(const char *s, size_t n, uint8_t *out, size_t cap);

#endif
