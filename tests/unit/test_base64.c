#include <stdint.h>
#include <string.h>

#include "base64.h"
#include "harness.h"

static void
rfc4648_vectors(struct th *t)
{
	/* RFC 4648 §10, both directions. */
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char text[16];
	uint8_t back[8];
	size_t i;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		size_t n = strlen(vec[i][0]), m = strlen(vec[i][1]);

		CHECK_INT(t, base64_encode((const uint8_t *)vec[i][0], n, text,
		    sizeof(text)), m);
		CHECK_STR(t, text, vec[i][1]);
		CHECK_INT(t, base64_decode(vec[i][1], m, back, sizeof(back)), n);
		CHECK_MEM(t, back, n, vec[i][0], n);
	}
}

/* A second encoder, bit by bit, so the round trip is not only checked
 * against the module itself. */
static size_t
encode_by_bits(const uint8_t *in, size_t n, char *out)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t bit, o = 0;

	for (bit = 0; bit < 8 * n; bit += 6) {
		unsigned v = 0, k;

		for (k = 0; k < 6; k++) {
			size_t b = bit + k;
			v = v << 1 | (b < 8 * n ? (in[b / 8] >> (7 - b % 8)) & 1u : 0u);
		}
		out[o++] = a[v];
	}
	while (o % 4 != 0)
		out[o++] = '=';
	out[o] = '\0';
	return o;
}

static void
every_length_round_trips(struct th *t)
{
	enum { N = 300 };
	uint8_t in[N], back[N];
	char got[BASE64_LEN(N) + 1], want[BASE64_LEN(N) + 1];
	size_t n;
	int ok = 1;

	for (n = 0; n < N; n++)
		in[n] = (uint8_t)(n * 167 + 13); /* every byte value, in no order */
	for (n = 0; n <= N; n++) {
		long m = base64_encode(in, n, got, sizeof(got));

		ok &= m == (long)BASE64_LEN(n) && m == (long)encode_by_bits(in, n, want) &&
		    strcmp(got, want) == 0;
		ok &= base64_decode(got, (size_t)m, back, sizeof(back)) == (long)n &&
		    memcmp(back, in, n) == 0;
		/* Exactly the room needed is enough; one byte less is refused. */
		ok &= base64_decode(got, (size_t)m, back, n) == (long)n;
		if (n > 0)
			ok &= base64_decode(got, (size_t)m, back, n - 1) == -1;
		ok &= base64_encode(in, n, got, BASE64_LEN(n) + 1) == m;
		ok &= base64_encode(in, n, got, BASE64_LEN(n)) == -1;
		if (!ok) {
			CHECK_INT(t, n, -1); /* names the first failing length */
			return;
		}
	}
	CHECK(t, ok);
}

static void
non_canonical_text_is_refused(struct th *t)
{
	static const char *const bad[] = {
		"Zg=",       /* length not a multiple of 4 */
		"Zg",        /* unpadded */
		"Zh==",      /* bits under the padding: "f" is Zg== only */
		"Zm9=",      /* same, one '=' ("fo" is Zm8=) */
		"Z===",      /* three '=' */
		"====",      /* padding only */
		"Zg==Zg==",  /* padding before the end */
		"Z=g=",      /* a digit after '=' */
		"Zm9v\n",    /* a newline */
		"Zm 9",      /* a space */
		"Zm-_",      /* the URL alphabet */
	};
	uint8_t out[16];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(t, base64_decode(bad[i], strlen(bad[i]), out, sizeof(out)), -1);
	/* A NUL inside the counted length is a byte like any other. */
	CHECK_INT(t, base64_decode("Zm\0v", 4, out, sizeof(out)), -1);
}

static void
encode_refuses_a_short_buffer_without_writing(struct th *t)
{
	char out[4] = { 'x', 'x', 'x', 'x' };

	CHECK_INT(t, base64_encode((const uint8_t *)"", 0, out, 0), -1);
	CHECK_INT(t, base64_encode((const uint8_t *)"f", 1, out, 4), -1);
	CHECK_MEM(t, out, 4, "xxxx", 4);
	CHECK_INT(t, base64_encode((const uint8_t *)"", 0, out, 1), 0);
	CHECK_STR(t, out, "");
	/* A length near SIZE_MAX is refused, not wrapped into a small one. */
	CHECK_INT(t, base64_encode((const uint8_t *)"", SIZE_MAX, out, sizeof(out)), -1);
	CHECK_INT(t, base64_encode((const uint8_t *)"", SIZE_MAX - 1, out, sizeof(out)), -1);
}

void suite_base64(struct th *t);

void
suite_base64(struct th *t)
{
	th_run(t, "base64: the RFC 4648 test vectors, both ways", rfc4648_vectors);
	th_run(t, "base64: every length 0..300 encodes as a bitwise encoder does and decodes back",
	    every_length_round_trips);
	th_run(t, "base64: bad length, stray or early padding, bits under it, other alphabets are refused",
	    non_canonical_text_is_refused);
	th_run(t, "base64: an encode that does not fit is refused before writing",
	    encode_refuses_a_short_buffer_without_writing);
}
