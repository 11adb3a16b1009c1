#include <string.h>

#include "base64.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

long
base64_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;
	unsigned long w;

	/* Counted in 4-character quanta, so no n can wrap the arithmetic
	 * (BASE64_LEN(n) would for n near SIZE_MAX). */
	if (cap == 0 || n / 3 + (n % 3 != 0) > (cap - 1) / 4)
		return -1;
	for (i = 0; i + 3 <= n; i += 3) {
		w = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 | in[i + 2];
		out[o++] = alphabet[w >> 18];
		out[o++] = alphabet[(w >> 12) & 63];
		out[o++] = alphabet[(w >> 6) & 63];
		out[o++] = alphabet[w & 63];
	}
	if (i < n) { /* one or two bytes left: two or three characters, padded */
		w = (unsigned long)in[i] << 16;
		if (i + 1 < n)
			w |= (unsigned long)in[i + 1] << 8;
		out[o++] = alphabet[w >> 18];
		out[o++] = alphabet[(w >> 12) & 63];
		if (i + 1 < n)
			out[o++] = alphabet[(w >> 6) & 63];
		else
			out[o++] = '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return (long)o;
}

/* The value of one alphabet character, or -1 ('=' and NUL included). */
static int
digit(char ch)
{
	const char *q = ch != '\0' ? strchr(alphabet, ch) : NULL;

	return q != NULL ? (int)(q - alphabet) : -1;
}

long
base64_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	size_t i, o = 0;

	if (n % 4 != 0)
		return -1;
	for (i = 0; i < n; i += 4) {
		unsigned long w = 0;
		int k, v, pad = 0;

		for (k = 0; k < 4; k++) {
			/* '=' only in the last two places of the last quantum,
			 * and nothing but '=' after the first one. */
			if (s[i + k] == '=' && i + 4 == n && k >= 2)
				pad++, v = 0;
			else if (pad > 0 || (v = digit(s[i + k])) < 0)
				return -1;
			w = w << 6 | (unsigned long)v;
		}
		/* Bits under the padding must be zero (one text per value). */
		if ((pad == 1 && (w & 0xff) != 0) || (pad == 2 && (w & 0xffff) != 0))
			return -1;
		if (3 - (size_t)pad > cap - o)
			return -1;
		out[o++] = (uint8_t)(w >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(w >> 8);
		if (pad < 1)
			out[o++] = (uint8_t)w;
	}
	return (long)o;
}
