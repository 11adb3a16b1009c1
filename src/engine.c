#include <string.h>

#include "engine.h"

void
engine_excerpt(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0, i;
	int space = 1;

	if (cap == 0)
		return;
	for (i = 0; i < n && o + 4 < cap && o < ENGINE_EXCERPT; i++) {
		unsigned char ch = (unsigned char)s[i];
		int blank = ch <= ' ' || ch == 0x7f;

		if (blank && space)
			continue;
		out[o++] = (char)(blank ? ' ' : ch);
		space = blank;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	if (i < n && o + 4 <= cap)
		memcpy(out + o, "...", 3), o += 3;
	out[o] = '\0';
}
