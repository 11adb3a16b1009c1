#include <stdint.h>

#include "harness.h"
#include "utf8.h"

static size_t
dec(const char *s, size_t n, uint32_t *cp)
{
	return utf8_decode((const unsigned char *)s, n, cp);
}

static void
boundaries_of_each_length_decode(struct th *t)
{
	uint32_t cp = 0;

	CHECK_INT(t, dec("A", 1, &cp), 1);
	CHECK_INT(t, cp, 0x41);
	CHECK_INT(t, dec("\xc2\x80", 2, &cp), 2);
	CHECK_INT(t, cp, 0x80);
	CHECK_INT(t, dec("\xdf\xbf", 2, &cp), 2);
	CHECK_INT(t, cp, 0x7ff);
	CHECK_INT(t, dec("\xe0\xa0\x80", 3, &cp), 3);
	CHECK_INT(t, cp, 0x800);
	CHECK_INT(t, dec("\xed\x9f\xbf", 3, &cp), 3);
	CHECK_INT(t, cp, 0xd7ff);
	CHECK_INT(t, dec("\xef\xbf\xbf", 3, &cp), 3);
	CHECK_INT(t, cp, 0xffff);
	CHECK_INT(t, dec("\xf0\x90\x80\x80", 4, &cp), 4);
	CHECK_INT(t, cp, 0x10000);
	CHECK_INT(t, dec("\xf4\x8f\xbf\xbf", 4, &cp), 4);
	CHECK_INT(t, cp, 0x10ffff);
}

static void
overlongs_surrogates_and_out_of_range_are_refused(struct th *t)
{
	static const char *const bad[] = {
		"\xc0\x80", "\xc1\xbf", "\xe0\x9f\xbf", "\xf0\x8f\xbf\xbf", /* overlong */
		"\xed\xa0\x80", "\xed\xbf\xbf",                             /* surrogates */
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff",             /* > U+10FFFF */
		"\x80", "\xc2\x41", "\xe2\x82", "\xe2\x28\xa1",             /* bad continuation */
	};
	size_t k;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		CHECK_INT(t, dec(bad[k], strlen(bad[k]), NULL), 0);
	/* Cut short by the buffer, whatever follows in memory. */
	CHECK_INT(t, dec("\xe2\x82\xac", 2, NULL), 0);
}

static void
valid_prefix_stops_at_the_first_bad_byte(struct th *t)
{
	const char *s = "abcdefghij\xe2\x82\xac klmnop\xed\xa0\x80xyz";

	CHECK_INT(t, utf8_valid_prefix((const unsigned char *)s, strlen(s)), 20);
	CHECK_INT(t, utf8_valid_prefix((const unsigned char *)s, 20), 20);
	CHECK_INT(t, utf8_valid_prefix((const unsigned char *)"", 0), 0);
}

static void
encode_round_trips_every_scalar_value(struct th *t)
{
	unsigned char buf[UTF8_MAX_LEN];
	uint32_t cp, back;
	size_t n, bad = 0;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = utf8_encode(cp, buf);
		if (utf8_decode(buf, n, &back) != n || back != cp)
			bad++;
	}
	CHECK_INT(t, bad, 0);
}

void
suite_utf8(struct th *t)
{
	th_run(t, "utf8: boundaries of each length decode", boundaries_of_each_length_decode);
	th_run(t, "utf8: overlongs, surrogates and out-of-range are refused",
	    overlongs_surrogates_and_out_of_range_are_refused);
	th_run(t, "utf8: the valid prefix stops at the first bad byte",
	    valid_prefix_stops_at_the_first_bad_byte);
	th_run(t, "utf8: encode round-trips every scalar value", encode_round_trips_every_scalar_value);
}
