#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "harness.h"

/* The formats below are built at run time to cover every combination. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-security"

/* One conversion, its length modifier and the values to print with it. */
enum arg_kind { K_INT, K_UINT, K_LONG, K_ULONG, K_LL, K_ULL, K_SIZE, K_SSIZE, K_CHAR, K_STR };

struct conv_case {
	const char *len_conv; /* e.g. "llu" */
	enum arg_kind kind;
};

static const struct conv_case convs[] = {
	{ "d", K_INT }, { "i", K_INT }, { "u", K_UINT }, { "x", K_UINT },
	{ "X", K_UINT }, { "hhd", K_INT }, { "hu", K_UINT }, { "ld", K_LONG },
	{ "lu", K_ULONG }, { "lx", K_ULONG }, { "lld", K_LL }, { "llu", K_ULL },
	{ "llx", K_ULL }, { "zu", K_SIZE }, { "zx", K_SIZE }, { "zd", K_SSIZE },
	{ "c", K_CHAR }, { "s", K_STR },
};

static const long long ivals[] = {
	0, 1, -1, 7, 42, -42, 255, 256, 65535, 65536, INT_MAX, INT_MIN,
	(long long)UINT_MAX, LLONG_MAX, LLONG_MIN, 0xdeadbeefLL,
};

static const char *const svals[] = { "", "a", "hello", "exactly-16-bytes", "x\ty" };

/* Formats with both and checks text and return value agree, at full size
 * and truncated to every buffer size up to the full length. */
static int
same_as_libc(struct th *t, const char *f, enum arg_kind k, long long v, const char *s)
{
	char want[256], got[256];
	int wn = 0, gn = 0;
	size_t cap;

	for (cap = 0; cap <= sizeof(want); cap += cap < 40 ? 1 : 216) {
		memset(want, 'W', sizeof(want));
		memset(got, 'W', sizeof(got));
#define BOTH(arg) do { wn = snprintf(want, cap, f, arg); gn = fmt_snprintf(got, cap, f, arg); } while (0)
		switch (k) {
		case K_INT: case K_CHAR: BOTH((int)v); break;
		case K_UINT: BOTH((unsigned)v); break;
		case K_LONG: BOTH((long)v); break;
		case K_ULONG: BOTH((unsigned long)v); break;
		case K_LL: BOTH(v); break;
		case K_ULL: BOTH((unsigned long long)v); break;
		case K_SIZE: BOTH((size_t)v); break;
		case K_SSIZE: BOTH((ptrdiff_t)v); break;
		case K_STR: BOTH(s); break;
		}
#undef BOTH
		if (!CHECK_INT(t, gn, wn) || !CHECK_MEM(t, got, sizeof(got), want, sizeof(want))) {
			fprintf(stderr, "  format \"%s\" value %lld cap %zu\n", f, v, cap);
			return 0;
		}
	}
	return 1;
}

static void
every_supported_conversion_matches_libc(struct th *t)
{
	static const char *const flags[] = { "", "-", "0", "-0" };
	static const char *const widths[] = { "", "0", "1", "3", "12", "30" };
	static const char *const precs[] = { "", ".", ".0", ".1", ".3", ".12", ".30" };
	size_t c, fl, w, p, i, n = 0;
	char f[64];

	for (c = 0; c < sizeof(convs) / sizeof(convs[0]); c++)
		for (fl = 0; fl < 4; fl++)
			for (w = 0; w < 6; w++)
				for (p = 0; p < 7; p++) {
					enum arg_kind k = convs[c].kind;
					size_t nv = k == K_STR ? 5 : sizeof(ivals) / sizeof(ivals[0]);

					/* libc leaves these undefined: '0' with c/s, a precision with c. */
					if ((k == K_STR || k == K_CHAR) && fl >= 2)
						continue;
					if (k == K_CHAR && p > 0)
						continue;
					snprintf(f, sizeof(f), "<%%%s%s%s%s>", flags[fl], widths[w],
					    precs[p], convs[c].len_conv);
					for (i = 0; i < nv; i++, n++)
						if (!same_as_libc(t, f, k, k == K_CHAR ? 'A' + (long long)i :
						    ivals[i], svals[i % 5]))
							return;
				}
	CHECK(t, n > 10000);
}

static void
star_width_and_precision_match_libc(struct th *t)
{
	char want[64], got[64];
	static const int ws[] = { -8, -1, 0, 1, 8 };
	size_t i, j;

	for (i = 0; i < 5; i++)
		for (j = 0; j < 5; j++) {
			snprintf(want, sizeof(want), "[%*.*s|%*d|%.*s]", ws[i], ws[j], "abcdef",
			    ws[i], -77, ws[j], "xyz");
			fmt_snprintf(got, sizeof(got), "[%*.*s|%*d|%.*s]", ws[i], ws[j], "abcdef",
			    ws[i], -77, ws[j], "xyz");
			CHECK_STR(t, got, want);
		}
}

static void
mixed_text_percent_and_pointer_format(struct th *t)
{
	char buf[64], want[64];
	int x = 0;

	CHECK_INT(t, fmt_snprintf(buf, sizeof(buf), "100%% of %s: %02x%04X", "it", 10, 0xab), 18);
	CHECK_STR(t, buf, "100% of it: 0a00AB");
	snprintf(want, sizeof(want), "%p", (void *)&x);
	fmt_snprintf(buf, sizeof(buf), "%p", (void *)&x);
	CHECK_STR(t, buf, want);
}

static void
unsupported_conversions_write_a_marker(struct th *t)
{
	char buf[64];

	/* Built at run time: the compiler would rightly refuse them as literals. */
	const char *f1 = "a%qb", *f2 = "end%";

	CHECK_INT(t, fmt_snprintf(buf, sizeof(buf), f1), 4);
	CHECK_STR(t, buf, "a%?b");
	CHECK_INT(t, fmt_snprintf(buf, sizeof(buf), f2), 5);
	CHECK_STR(t, buf, "end%?");
}

static void
zero_capacity_writes_nothing_and_reports_length(struct th *t)
{
	char buf[4] = "XYZ";

	CHECK_INT(t, fmt_snprintf(buf, 0, "%s-%d", "abc", 12345), 9);
	CHECK_STR(t, buf, "XYZ");
	CHECK_INT(t, fmt_snprintf(NULL, 0, "%zu", (size_t)SIZE_MAX), 20);
	CHECK_INT(t, fmt_snprintf(buf, 1, "%s", "long"), 4);
	CHECK_STR(t, buf, "");
}

void suite_fmt(struct th *t);

void
suite_fmt(struct th *t)
{
	th_run(t, "fmt: every supported conversion, flag, width and precision matches libc, truncated at every size",
	    every_supported_conversion_matches_libc);
	th_run(t, "fmt: '*' width and precision, negative ones included, match libc",
	    star_width_and_precision_match_libc);
	th_run(t, "fmt: literal text, %%, zero-padded hex and %p",
	    mixed_text_percent_and_pointer_format);
	th_run(t, "fmt: an unsupported conversion writes %? and formatting goes on",
	    unsupported_conversions_write_a_marker);
	th_run(t, "fmt: capacity 0 writes nothing and returns the full length",
	    zero_capacity_writes_nothing_and_reports_length);
}
