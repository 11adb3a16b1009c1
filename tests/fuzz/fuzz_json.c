/*
 * libFuzzer harness for json_parse and the writer.
 *
 * Properties checked on every input, beyond "no sanitizer report":
 *   - an arena of JSON_ARENA_BOUND(size) bytes is never exhausted;
 *   - a rejected input leaves the arena untouched and names an offset
 *     inside the input;
 *   - an accepted tree written back with the writer fits in size bytes
 *     (compact output is never longer than the input), parses again, gives
 *     an equal tree, and writing that tree gives the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_assert(int ok, const char *what, const char *detail)
{
	if (!ok) {
		fprintf(stderr, "fuzz_json: property violated: %s (%s)\n", what, detail);
		abort();
	}
}

/* Writes v into a fresh buffer of cap bytes; returns it (caller frees). */
static char *
write_tree(const struct json_value *v, size_t cap, size_t *len)
{
	char *out = malloc(cap + 1);
	struct json_writer w;
	struct errbuf err;

	fuzz_assert(out != NULL, "malloc", "");
	json_writer_init(&w, out, cap + 1);
	json_write_value(&w, v);
	fuzz_assert(json_writer_finish(&w, &err) == 0, "writer accepts a parsed tree", err.msg);
	*len = w.len;
	return out;
}

static void
round_trip(const struct json_value *v, size_t size)
{
	size_t len, len2, cap = JSON_ARENA_BOUND(size);
	char *out = write_tree(v, size, &len), *out2;
	unsigned char *mem = malloc(cap);
	struct arena a;
	struct json_value v2;
	struct errbuf err;

	fuzz_assert(mem != NULL, "malloc", "");
	arena_init(&a, mem, cap);
	fuzz_assert(json_parse(out, len, &a, &v2, &err) == 0, "writer output parses", err.msg);
	fuzz_assert(json_value_equal(v, &v2), "round trip gives an equal tree", "");
	out2 = write_tree(&v2, len, &len2);
	fuzz_assert(len2 == len && memcmp(out, out2, len) == 0, "writing is idempotent", "");
	free(out2);
	free(mem);
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = JSON_ARENA_BOUND(size);
	unsigned char *mem;
	struct arena a;
	struct json_value v;
	struct errbuf err;
	unsigned long off;
	int reason = 0;

	if (size > JSON_MAX_INPUT)
		return 0;
	mem = malloc(cap);
	fuzz_assert(mem != NULL, "malloc", "");
	arena_init(&a, mem, cap);
	if (json_parse((const char *)data, size, &a, &v, &err) != 0) {
		fuzz_assert(a.used == 0 && a.cap == cap, "arena unchanged on error", err.msg);
		fuzz_assert(sscanf(err.msg, "offset %lu: %n", &off, &reason) == 1 &&
		    reason > 0 && off <= size, "error names an offset within the input", err.msg);
		/* Only the reason: a quoted key may say anything. */
		fuzz_assert(strncmp(err.msg + reason, "arena exhausted", 15) != 0,
		    "bound suffices", err.msg);
	} else {
		fuzz_assert(a.cap == cap && a.used <= cap, "arena cap restored", "");
		(void)json_object_get(&v, "mediaType");
		round_trip(&v, size);
	}
	free(mem);
	return 0;
}
