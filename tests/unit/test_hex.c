#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "hex.h"

static void
every_byte_value_round_trips(struct th *t)
{
	uint8_t all[256], back[256];
	char text[513], upper[513];
	size_t i;

	for (i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	hex_encode(all, 256, text);
	CHECK_INT(t, strlen(text), 512);
	CHECK(t, strncmp(text, "000102", 6) == 0 && strcmp(text + 506, "fdfeff") == 0);
	CHECK_INT(t, hex_decode(text, 512, back, sizeof(back)), 256);
	CHECK_MEM(t, back, 256, all, 256);
	for (i = 0; i < 512; i++)
		upper[i] = (char)(text[i] >= 'a' ? text[i] - 32 : text[i]);
	upper[512] = '\0';
	CHECK_INT(t, hex_decode(upper, 512, back, sizeof(back)), 256);
	CHECK_MEM(t, back, 256, all, 256);
}

static void
digit_values_of_every_byte(struct th *t)
{
	unsigned c;
	int ok = 1;

	for (c = 0; c < 256; c++) {
		char one[2] = { (char)c, 0 };
		unsigned v;
		int want = sscanf(one, "%1x", &v) == 1 ? (int)v : -1;

		if (c == ' ' || c == '+' || c == '-' || c == '\t' || c == '\n' ||
		    c == '\v' || c == '\f' || c == '\r')
			want = -1; /* sscanf skips space and takes a sign */
		ok &= hex_digit((unsigned char)c) == want;
	}
	CHECK(t, ok);
}

static void
bad_input_is_refused_whole(struct th *t)
{
	uint8_t out[4] = { 9, 9, 9, 9 };

	CHECK_INT(t, hex_decode("abc", 3, out, 4), -1);     /* odd */
	CHECK_INT(t, hex_decode("0g", 2, out, 4), -1);      /* not a digit */
	CHECK_INT(t, hex_decode("0011223344", 10, out, 4), -1); /* too long */
	CHECK_INT(t, hex_decode("", 0, out, 4), 0);
	CHECK_INT(t, hex_decode("A0ff", 4, out, 2), 2);
	CHECK(t, out[0] == 0xa0 && out[1] == 0xff);
}

void suite_hex(struct th *t);

void
suite_hex(struct th *t)
{
	th_run(t, "hex: all 256 byte values encode lower-case and decode back (either case)",
	    every_byte_value_round_trips);
	th_run(t, "hex: the digit value of every byte agrees with sscanf %x",
	    digit_values_of_every_byte);
	th_run(t, "hex: odd length, a non-digit or too much output is refused",
	    bad_input_is_refused_whole);
}
