/*
 * libFuzzer harness for json_parse and the writer.
 *
 * Properties checked on every input, beyond "no sanitizer report":
 *   - an arena of JSON_ARENA_BOUND(size) bytes is never exhausted;
 *   - a rejected input leaves the arena untouched and names an offset
 *     inside the input;
 *   - an accepted tree written back with the writer fits in size bytes
 *     (compact output is never longer than the input), parses again, gives
 *     an equal tree, and writing that tree gives the same bytes;
 *   - with JSON_FOLD_KEYS and an element sink: the input is accepted only
 *     if it is accepted without them and no object holds two keys that
 *     tests/fuzz/gomodel.h (independent of src/gofold.c) finds equal; a
 *     refusal the plain parse does not share names Go's case folding;
 *     the sink gets exactly the elements of the top-level object's
 *     arrays, in order, each equal to the plain tree's, and the arrays
 *     are left empty.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gomodel.h"
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

/* Whether an object anywhere in v holds two keys Go takes for one. */
static int
has_model_twins(const struct json_value *v, unsigned depth)
{
	size_t i, j;

	if (depth > JSON_MAX_DEPTH)
		return 0;
	if (v->type == JSON_ARRAY) {
		for (i = 0; i < v->u.arr.n; i++)
			if (has_model_twins(&v->u.arr.items[i], depth + 1))
				return 1;
		return 0;
	}
	if (v->type != JSON_OBJECT)
		return 0;
	/* Fuzz inputs are small: pairwise is fine. */
	for (i = 0; i < v->u.obj.n; i++) {
		const struct json_member *a = &v->u.obj.members[i];

		for (j = i + 1; j < v->u.obj.n; j++) {
			const struct json_member *b = &v->u.obj.members[j];

			if (gomodel_same(a->key, a->key_len, b->key, b->key_len))
				return 1;
		}
		if (has_model_twins(&a->value, depth + 1))
			return 1;
	}
	return 0;
}

struct sunk {
	const struct json_value *plain; /* the tree without options */
	size_t count;                   /* elements handed over */
};

static int
sink_check(void *ctx, const char *key, size_t key_len, size_t index,
    const struct json_value *elem, struct errbuf *err)
{
	struct sunk *s = ctx;
	const struct json_value *arr = NULL;
	size_t i;

	(void)err;
	fuzz_assert(s->plain->type == JSON_OBJECT, "sink only under an object", "");
	for (i = 0; i < s->plain->u.obj.n; i++) {
		const struct json_member *m = &s->plain->u.obj.members[i];

		if (m->key_len == key_len && memcmp(m->key, key, key_len) == 0)
			arr = &m->value;
	}
	fuzz_assert(arr != NULL && arr->type == JSON_ARRAY && index < arr->u.arr.n,
	    "sink element is in a top-level array", "");
	fuzz_assert(json_value_equal(&arr->u.arr.items[index], elem),
	    "sink element equals the plain tree's", "");
	s->count++;
	return 0;
}

static size_t
top_level_elements(const struct json_value *v)
{
	size_t i, n = 0;

	for (i = 0; v->type == JSON_OBJECT && i < v->u.obj.n; i++)
		if (v->u.obj.members[i].value.type == JSON_ARRAY)
			n += v->u.obj.members[i].value.u.arr.n;
	return n;
}

/* The registry's way of parsing, against the plain parse (plain_ok, v). */
static void
fold_and_sink(const uint8_t *data, size_t size, int plain_ok,
    const struct json_value *v)
{
	size_t cap = JSON_ARENA_BOUND(size);
	unsigned char *mem = malloc(cap);
	struct sunk s = { v, 0 };
	struct json_options o = { JSON_FOLD_KEYS, plain_ok ? sink_check : NULL, &s };
	struct json_value f;
	struct arena a;
	struct errbuf err;
	int rc;

	fuzz_assert(mem != NULL, "malloc", "");
	arena_init(&a, mem, cap);
	rc = json_parse_opts((const char *)data, size, &o, &a, &f, &err);
	if (rc == 0) {
		fuzz_assert(plain_ok, "fold-accepted input is plain-accepted", "");
		fuzz_assert(!has_model_twins(v, 0), "no keys Go takes for one", "");
		fuzz_assert(s.count == top_level_elements(v), "every element sunk once", "");
		fuzz_assert(top_level_elements(&f) == 0, "sunk arrays are left empty", "");
	} else if (plain_ok) {
		fuzz_assert(strstr(err.msg, "under Go's case folding") != NULL,
		    "a refusal only the fold rule makes says so", err.msg);
	}
	free(mem);
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
	int reason = 0, ok;

	if (size > JSON_MAX_INPUT)
		return 0;
	mem = malloc(cap);
	fuzz_assert(mem != NULL, "malloc", "");
	arena_init(&a, mem, cap);
	ok = json_parse((const char *)data, size, &a, &v, &err) == 0;
	if (!ok) {
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
	fold_and_sink(data, size, ok, &v);
	free(mem);
	return 0;
}
