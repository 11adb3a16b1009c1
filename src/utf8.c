#include <string.h>

#include "utf8.h"

size_t
utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	uint32_t v;
	size_t n, i;

	if (c < 0x80) {
		if (cp != NULL)
			*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, v = c & 0x1fu;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, v = c & 0x0fu;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, v = c & 0x07u;
	else
		return 0;
	/* The second byte's range rules out overlongs, surrogates and values
	 * above U+10FFFF (table 3-7). */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3fu);
	}
	if (cp != NULL)
		*cp = v;
	return n;
}

size_t
utf8_valid_prefix(const unsigned char *s, size_t len)
{
	size_t i = 0, n;
	uint64_t w;

	while (i < len) {
		if (len - i >= 8) { /* ASCII runs, eight bytes at a time */
			memcpy(&w, s + i, 8);
			if ((w & 0x8080808080808080u) == 0) {
				i += 8;
				continue;
			}
		}
		n = utf8_decode(s + i, len - i, NULL);
		if (n == 0)
			return i;
		i += n;
	}
	return len;
}

size_t
utf8_encode(uint32_t cp, unsigned char out[UTF8_MAX_LEN])
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (unsigned char)(0xf0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}
