/*
 * gofold: keys compared as Go's encoding/json compares them to field names.
 * Expected values are Unicode facts (the simple-fold orbits), not derived
 * from the table; tests/check.d/26-gofold.sh checks the whole table.
 */
#include <string.h>

#include "gofold.h"
#include "harness.h"

#define EQ(a, b) gofold_equal((a), strlen(a), (b), strlen(b))

static void
ascii_letters_fold_and_nothing_else_does(struct th *t)
{
	CHECK(t, EQ("mediaType", "MEDIATYPE"));
	CHECK(t, EQ("digest", "Digest"));
	CHECK(t, !EQ("digest", "digest "));
	CHECK(t, !EQ("@", "`"));   /* 0x40 / 0x60: not letters */
	CHECK(t, !EQ("[", "{"));
	CHECK(t, !EQ("os.version", "os_version"));
	CHECK_INT(t, gofold_rune('z'), 'Z');
	CHECK_INT(t, gofold_rune('Z'), 'Z');
}

static void
long_s_and_kelvin_sign_fold_onto_ascii(struct th *t)
{
	CHECK(t, EQ("dige\xc5\xbft", "digest"));        /* U+017F */
	CHECK(t, EQ("DIGE\xc5\xbfT", "digest"));
	CHECK(t, EQ("\xe2\x84\xaaind", "kind"));        /* U+212A */
	CHECK_INT(t, gofold_rune(0x17f), 'S');
	CHECK_INT(t, gofold_rune(0x212a), 'K');
	/* Different byte lengths, same folded length. */
	CHECK(t, EQ("\xe2\x84\xaa", "k"));
	CHECK(t, !EQ("\xe2\x84\xaa", "kk"));
}

static void
non_ascii_orbits_fold_to_their_smallest_rune(struct th *t)
{
	CHECK_INT(t, gofold_rune(0x212b), 0xc5);  /* ANGSTROM SIGN ~ Å ~ å */
	CHECK_INT(t, gofold_rune(0xe5), 0xc5);
	CHECK_INT(t, gofold_rune(0x3c2), 0x3a3);  /* final sigma ~ Σ */
	CHECK_INT(t, gofold_rune(0x3c3), 0x3a3);
	CHECK_INT(t, gofold_rune(0x3bc), 0xb5);   /* μ ~ Μ ~ MICRO SIGN */
	CHECK_INT(t, gofold_rune(0x2126), 0x3a9); /* OHM SIGN ~ Ω */
	CHECK_INT(t, gofold_rune(0x1e9e), 0xdf);  /* ẞ ~ ß */
	CHECK_INT(t, gofold_rune(0x436), 0x416);  /* ж ~ Ж */
	CHECK_INT(t, gofold_rune(0x1c80), 0x412); /* ᲀ ~ в ~ В */
	CHECK_INT(t, gofold_rune(0x101), 0x100);  /* ā ~ Ā */
	CHECK_INT(t, gofold_rune(0x100), 0x100);
	CHECK_INT(t, gofold_rune(0x1c6), 0x1c4);  /* ǆ ~ ǅ ~ Ǆ */
	CHECK_INT(t, gofold_rune(0x561), 0x531);  /* Armenian */
	CHECK(t, EQ("\xc3\xa5", "\xe2\x84\xab"));   /* å, ANGSTROM SIGN */
}

static void
dotted_and_dotless_i_fold_only_to_themselves(struct th *t)
{
	/* Go's orbit table keeps U+0130 and U+0131 apart from i/I. */
	CHECK_INT(t, gofold_rune(0x130), 0x130);
	CHECK_INT(t, gofold_rune(0x131), 0x131);
	CHECK(t, !EQ("\xc4\xb1" "d", "id"));
	CHECK(t, !EQ("\xc4\xb0" "D", "id"));
}

static void
runes_outside_the_table_are_themselves(struct th *t)
{
	CHECK_INT(t, gofold_rune(0x4e2d), 0x4e2d);
	CHECK_INT(t, gofold_rune(0x10ffff), 0x10ffff);
	CHECK_INT(t, gofold_rune(0xd7), 0xd7);    /* × between the Latin-1 pairs */
	CHECK_INT(t, gofold_rune(0x3a2), 0x3a2);  /* unassigned inside Greek */
}

static void
bad_utf8_bytes_compare_as_replacement_characters(struct th *t)
{
	CHECK(t, gofold_equal("\xff", 1, "\xfe", 1));
	CHECK(t, gofold_equal("\xff", 1, "\xef\xbf\xbd", 3));
	CHECK(t, !gofold_equal("\xff", 1, "\xff\xff", 2));
	CHECK(t, gofold_equal("a\0b", 3, "A\0B", 3));
}

static void
the_order_is_by_folded_runes(struct th *t)
{
	CHECK(t, gofold_cmp("a", 1, "B", 1) < 0);
	CHECK(t, gofold_cmp("b", 1, "A", 1) > 0);
	CHECK(t, gofold_cmp("ab", 2, "A", 1) > 0);
	CHECK(t, gofold_cmp("", 0, "", 0) == 0);
	CHECK(t, gofold_cmp("", 0, "x", 1) < 0);
}

void
suite_gofold(struct th *t)
{
	th_run(t, "gofold: ASCII letters fold to one case, other ASCII bytes do not",
	    ascii_letters_fold_and_nothing_else_does);
	th_run(t, "gofold: U+017F folds with s and U+212A KELVIN SIGN with k",
	    long_s_and_kelvin_sign_fold_onto_ascii);
	th_run(t, "gofold: Latin, Greek, Cyrillic and Armenian orbits fold to their smallest rune",
	    non_ascii_orbits_fold_to_their_smallest_rune);
	th_run(t, "gofold: dotted and dotless i fold only to themselves, as in Go",
	    dotted_and_dotless_i_fold_only_to_themselves);
	th_run(t, "gofold: runes outside the table compare as themselves",
	    runes_outside_the_table_are_themselves);
	th_run(t, "gofold: invalid UTF-8 bytes compare as U+FFFD, as Go decodes them",
	    bad_utf8_bytes_compare_as_replacement_characters);
	th_run(t, "gofold: keys sort by their folded runes",
	    the_order_is_by_folded_runes);
}
