/*
 * libFuzzer harness for toml_parse, toml_write and toml_equal.
 *
 * Properties checked on every input, beyond "no sanitizer report":
 *   - an arena of TOML_ARENA_BYTES(size) bytes is never exhausted;
 *   - a rejected input gives the arena back and its message starts with
 *     "line L, column C: " inside the input;
 *   - an accepted document is written, the output parses again to an equal
 *     DOM (toml_equal: same keys in the same order, same types and values),
 *     and writing that DOM gives the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The output may be longer than the input (headers repeat paths); the
 * writer itself caps it at TOML_MAX_INPUT. */
#define OUT_CAP ((size_t)TOML_MAX_INPUT + 1)

static void
fuzz_assert(int ok, const char *what, const char *detail)
{
	if (!ok) {
		fprintf(stderr, "fuzz_toml: property violated: %s (%s)\n", what,
		    detail);
		abort();
	}
}

static void
check_error(const char *msg, const uint8_t *data, size_t size, size_t used)
{
	unsigned long line, col, lines = 1;
	int reason = 0;
	size_t i;

	fuzz_assert(used == 0, "arena given back on error", msg);
	if (size > TOML_MAX_INPUT)
		return;
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	fuzz_assert(sscanf(msg, "line %lu, column %lu: %n", &line, &col,
	    &reason) == 2 && reason > 0 && line >= 1 && line <= lines &&
	    col >= 1, "error names a line and column in the input", msg);
	/* Only the reason: a quoted key may say anything. */
	fuzz_assert(strncmp(msg + reason, "out of memory", 13) != 0,
	    "TOML_ARENA_BYTES suffices", msg);
}

static void
round_trip(const struct toml_value *root, char *out, char *out2)
{
	size_t len, len2, cap;
	unsigned char *mem;
	struct arena a;
	struct toml_value r2;
	struct errbuf err;

	fuzz_assert(toml_write(root, out, OUT_CAP, &len, &err) == 0,
	    "writer accepts a parsed document", err.msg);
	cap = TOML_ARENA_BYTES(len);
	mem = malloc(cap);
	fuzz_assert(mem != NULL, "malloc", "");
	arena_init(&a, mem, cap);
	fuzz_assert(toml_parse(out, len, &a, &r2, &err) == 0,
	    "writer output parses", err.msg);
	fuzz_assert(toml_equal(root, &r2), "round trip gives an equal DOM", out);
	fuzz_assert(toml_write(&r2, out2, OUT_CAP, &len2, &err) == 0,
	    "writer accepts the re-parsed document", err.msg);
	fuzz_assert(len2 == len && memcmp(out, out2, len) == 0,
	    "writing is idempotent", out2);
	free(mem);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Output buffers are reused: a fresh 1 MiB mapping per run would cost
	 * more than the parse. */
	static char *out, *out2;
	size_t cap = TOML_ARENA_BYTES(size);
	unsigned char *mem = malloc(cap);
	struct arena a;
	struct toml_value root;
	struct errbuf err;

	if (out == NULL) {
		out = malloc(OUT_CAP);
		out2 = malloc(OUT_CAP);
	}
	fuzz_assert(mem != NULL && out != NULL && out2 != NULL, "malloc", "");
	arena_init(&a, mem, cap);
	if (toml_parse((const char *)data, size, &a, &root, &err) != 0) {
		check_error(err.msg, data, size, a.used);
	} else {
		(void)toml_table_get(&root, "mpc_node_config");
		round_trip(&root, out, out2);
	}
	free(mem);
	return 0;
}
