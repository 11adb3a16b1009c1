/*
 * hex — base 16 as digests, RTMR payloads and escapes spell it.
 *
 * One copy of the digit table and its inverse for every module (six
 * parsers and writers had their own).  Pure functions over caller memory;
 * nothing allocated, no errors beyond the return values below.
 */
#ifndef TL_HEX_H
#define TL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Value 0..15 of a hex digit of either case, or -1 for any other byte. */
int hex_digit(unsigned char c);

/* Writes the 2n lower-case digits of in[0..n) and a NUL into out, which
 * holds 2n + 1 bytes. */
void hex_encode(const uint8_t *in, size_t n, char *out);

/* Decodes s[0..n) (either case) into out; returns the byte count, or -1
 * if n is odd, a byte is not a hex digit or the result exceeds cap. */
long hex_decode(const char *s, size_t n, uint8_t *out, size_t cap);

#endif
