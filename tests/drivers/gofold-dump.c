/*
 * gofold-dump — prints "<rune> <folded rune>" in hex for every Unicode
 * scalar value, so tests/gofold/orbits.py can check src/gofold.c's table
 * against the orbits it computes from the Unicode database.
 */
#include <stdio.h>

#include "gofold.h"

int
main(void)
{
	unsigned long cp;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		if (printf("%lx %lx\n", cp, (unsigned long)gofold_rune((uint32_t)cp)) < 0)
			return 1;
	}
	return fflush(stdout) != 0;
}
