/*
 * toml-roundtrip — TOML on stdin, the serializer's output on stdout.
 * It also parses its own output again and checks toml_equal() against the
 * first parse, so a serializer bug cannot pass by being read back wrongly
 * by the same parser only.  Exit 0 ok, 1 input rejected, 3 serializer
 * failed or the re-parse differs, 2 usage/I/O.
 */
#include <stdio.h>
#include <stdlib.h>

#include "toml.h"

#define OUT_CAP (4 * (size_t)TOML_MAX_INPUT)

struct bufs {
	char *in, *out;
	void *m1, *m2;
};

static int
roundtrip(const struct bufs *b, size_t len)
{
	struct arena a1, a2;
	struct toml_value r1, r2;
	struct errbuf err;
	size_t olen;

	arena_init(&a1, b->m1, TOML_ARENA_BYTES(len));
	if (toml_parse(b->in, len, &a1, &r1, &err) < 0) {
		fprintf(stderr, "toml-roundtrip: input: %s\n", err.msg);
		return 1;
	}
	if (toml_write(&r1, b->out, OUT_CAP, &olen, &err) < 0) {
		fprintf(stderr, "toml-roundtrip: write: %s\n", err.msg);
		return 3;
	}
	arena_init(&a2, b->m2, TOML_ARENA_BYTES(TOML_MAX_INPUT));
	if (toml_parse(b->out, olen, &a2, &r2, &err) < 0) {
		fprintf(stderr, "toml-roundtrip: output rejected: %s\n", err.msg);
		fwrite(b->out, 1, olen, stderr);
		return 3;
	}
	if (!toml_equal(&r1, &r2)) {
		fprintf(stderr, "toml-roundtrip: output reads back different\n");
		fwrite(b->out, 1, olen, stderr);
		return 3;
	}
	fwrite(b->out, 1, olen, stdout);
	return fflush(stdout) == 0 ? 0 : 2;
}

int
main(void)
{
	struct bufs b;
	size_t len;
	int rc = 2;

	b.in = malloc(TOML_MAX_INPUT + 1);
	b.out = malloc(OUT_CAP);
	b.m1 = b.m2 = NULL;
	if (b.in != NULL && b.out != NULL) {
		len = fread(b.in, 1, TOML_MAX_INPUT + 1, stdin);
		b.m1 = malloc(TOML_ARENA_BYTES(len));
		b.m2 = malloc(TOML_ARENA_BYTES(TOML_MAX_INPUT));
		if (!ferror(stdin) && b.m1 != NULL && b.m2 != NULL)
			rc = roundtrip(&b, len);
	}
	free(b.m1);
	free(b.m2);
	free(b.out);
	free(b.in);
	return rc;
}
