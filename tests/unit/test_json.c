#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "json.h"

/* Enough for every small document below. */
#define SMALL_ARENA 65536

struct ctx {
	_Alignas(16) unsigned char mem[SMALL_ARENA];
	struct arena a;
	struct json_value v;
	struct errbuf err;
};

static int
parse_n(struct ctx *c, const char *s, size_t n)
{
	arena_init(&c->a, c->mem, sizeof(c->mem));
	c->err.msg[0] = '\0';
	return json_parse(s, n, &c->a, &c->v, &c->err);
}

static int
parse(struct ctx *c, const char *s)
{
	return parse_n(c, s, strlen(s));
}

static int
parse_at(struct arena *a, const char *s, struct json_value *v, struct errbuf *e)
{
	return json_parse(s, strlen(s), a, v, e);
}

static struct ctx *
ctx_new(void)
{
	return calloc(1, sizeof(struct ctx));
}

static void
scalars_have_their_types_and_values(struct th *t)
{
	struct ctx *c = ctx_new();

	REQUIRE(t, c != NULL);
	CHECK_INT(t, parse(c, "null"), 0);
	CHECK_INT(t, c->v.type, JSON_NULL);
	CHECK_INT(t, parse(c, " true "), 0);
	CHECK_INT(t, c->v.type, JSON_TRUE);
	CHECK_INT(t, c->v.offset, 1);
	CHECK_INT(t, parse(c, "false"), 0);
	CHECK_INT(t, c->v.type, JSON_FALSE);
	CHECK_INT(t, parse(c, "\"hi\""), 0);
	CHECK_INT(t, c->v.type, JSON_STRING);
	CHECK_MEM(t, c->v.u.str.ptr, c->v.u.str.len, "hi", 2);
	CHECK_INT(t, c->v.u.str.ptr[2], 0);
	CHECK_INT(t, parse(c, "-12"), 0);
	CHECK_INT(t, c->v.type, JSON_NUMBER);
	CHECK_INT(t, c->v.u.num.is_int, 1);
	CHECK_INT(t, c->v.u.num.i, -12);
	CHECK_STR(t, c->v.u.num.text, "-12");
	CHECK_INT(t, c->v.u.num.len, 3);
	free(c);
}

static void
containers_keep_document_order_and_offsets(struct th *t)
{
	struct ctx *c = ctx_new();
	const struct json_value *v, *a;

	REQUIRE(t, c != NULL);
	REQUIRE_INT(t, parse(c, "{\"z\":[1,{\"b\":null},[]],\"a\":\"d\",\"m\":{}}"), 0);
	v = &c->v;
	REQUIRE_INT(t, v->type, JSON_OBJECT);
	REQUIRE_INT(t, v->u.obj.n, 3);
	CHECK_STR(t, v->u.obj.members[0].key, "z");
	CHECK_STR(t, v->u.obj.members[1].key, "a");
	CHECK_STR(t, v->u.obj.members[2].key, "m");
	a = &v->u.obj.members[0].value;
	REQUIRE_INT(t, a->type, JSON_ARRAY);
	REQUIRE_INT(t, a->u.arr.n, 3);
	CHECK_INT(t, a->offset, 5);
	CHECK_INT(t, a->u.arr.items[0].u.num.i, 1);
	CHECK_INT(t, a->u.arr.items[1].type, JSON_OBJECT);
	CHECK_INT(t, a->u.arr.items[1].offset, 8);
	CHECK(t, json_object_get(&a->u.arr.items[1], "b") != NULL);
	CHECK_INT(t, json_object_get(&a->u.arr.items[1], "b")->type, JSON_NULL);
	CHECK_INT(t, a->u.arr.items[2].type, JSON_ARRAY);
	CHECK_INT(t, a->u.arr.items[2].u.arr.n, 0);
	CHECK(t, a->u.arr.items[2].u.arr.items == NULL);
	CHECK_STR(t, json_get_string(v, "a"), "d");
	CHECK_INT(t, json_get_object(v, "m")->u.obj.n, 0);
	free(c);
}

static void
strings_are_unescaped(struct th *t)
{
	struct ctx *c = ctx_new();
	const char want[] = "\"\\/\b\f\n\r\tA\xc3\xa9\xe2\x82\xac\x7f";

	REQUIRE(t, c != NULL);
	REQUIRE_INT(t, parse(c, "\"\\\"\\\\\\/\\b\\f\\n\\r\\tA\\u00e9\\u20AC\x7f\""), 0);
	CHECK_MEM(t, c->v.u.str.ptr, c->v.u.str.len, want, sizeof(want) - 1);
	REQUIRE_INT(t, parse(c, "\"a\\u0000b\""), 0);
	CHECK_MEM(t, c->v.u.str.ptr, c->v.u.str.len, "a\0b", 3);
	CHECK(t, json_string(&c->v) == NULL);
	REQUIRE_INT(t, parse(c, "\"\""), 0);
	CHECK_INT(t, c->v.u.str.len, 0);
	CHECK_STR(t, json_string(&c->v), "");
	free(c);
}

static void
surrogate_pairs_decode_to_four_byte_utf8(struct th *t)
{
	struct ctx *c = ctx_new();

	REQUIRE(t, c != NULL);
	REQUIRE_INT(t, parse(c, "\"\\ud834\\udd1e\""), 0);
	CHECK_MEM(t, c->v.u.str.ptr, c->v.u.str.len, "\xf0\x9d\x84\x9e", 4);
	REQUIRE_INT(t, parse(c, "\"\\uD83D\\uDE00x\""), 0);
	CHECK_MEM(t, c->v.u.str.ptr, c->v.u.str.len, "\xf0\x9f\x98\x80x", 5);
	REQUIRE_INT(t, parse(c, "\"\\ud800\\udc00\\udbff\\udfff\""), 0);
	CHECK_MEM(t, c->v.u.str.ptr, c->v.u.str.len, "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 8);
	free(c);
}

static void
lone_surrogates_are_rejected(struct th *t)
{
	static const struct { const char *in, *msg; } cases[] = {
		{ "[\"\\ud800\"]", "offset 2: unpaired high surrogate \\ud800" },
		{ "\"ab\\udbff", "offset 3: unpaired high surrogate \\udbff" },
		{ "\"\\udc00\"", "offset 1: unpaired low surrogate \\udc00" },
		{ "\"\\udd1e\\ud834\"", "offset 1: unpaired low surrogate \\udd1e" },
		{ "\"\\ud800\\u0041\"", "offset 1: unpaired high surrogate \\ud800" },
		{ "\"\\ud800\\ud800\"", "offset 1: unpaired high surrogate \\ud800" },
		{ "\"\\ud800\\n\"", "offset 1: unpaired high surrogate \\ud800" },
		{ "\"\\ud800\\udc0\"", "offset 1: unpaired high surrogate \\ud800" },
	};
	struct ctx *c = ctx_new();
	size_t i;

	REQUIRE(t, c != NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(t, parse(c, cases[i].in), -1);
		CHECK_STR(t, c->err.msg, cases[i].msg);
	}
	free(c);
}

static void
utf8_boundaries_are_accepted(struct th *t)
{
	static const char *const ok[] = {
		"\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",
		"\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\x7f",
	};
	struct ctx *c = ctx_new();
	char doc[16];
	size_t i;

	REQUIRE(t, c != NULL);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(doc, sizeof(doc), "\"%s\"", ok[i]);
		if (!CHECK_INT(t, parse(c, doc), 0))
			printf("     case %zu: %s\n", i, c->err.msg);
		CHECK_MEM(t, c->v.u.str.ptr, c->v.u.str.len, ok[i], strlen(ok[i]));
	}
	free(c);
}

static void
invalid_utf8_is_rejected_at_its_offset(struct th *t)
{
	static const char *const bad[] = {
		"\xc0\x80",         /* overlong NUL */
		"\xc1\xbf",         /* overlong 2-byte */
		"\xe0\x9f\xbf",     /* overlong 3-byte */
		"\xf0\x8f\xbf\xbf", /* overlong 4-byte */
		"\xed\xa0\x80",     /* U+D800 encoded in UTF-8 */
		"\xed\xbf\xbf",     /* U+DFFF encoded in UTF-8 */
		"\xf4\x90\x80\x80", /* U+110000 */
		"\xf5\x80\x80\x80", "\xf8\x88\x80\x80\x80", "\xff", "\xfe",
		"\x80",             /* lone continuation */
		"\xc2",             /* truncated by the quote */
		"\xe2\x82",
		"\xf0\x9f\x98",
		"\xe2\x28\xa1",     /* bad continuation */
	};
	struct ctx *c = ctx_new();
	char doc[16];
	size_t i;

	REQUIRE(t, c != NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(doc, sizeof(doc), "[\"a%s\"]", bad[i]);
		if (!CHECK_INT(t, parse(c, doc), -1))
			printf("     case %zu accepted\n", i);
		CHECK_STR(t, c->err.msg, "offset 3: invalid UTF-8 in string");
	}
	/* Outside strings, any non-ASCII byte is a syntax error. */
	CHECK_INT(t, parse(c, "[\xc3\xa9]"), -1);
	CHECK_STR(t, c->err.msg, "offset 1: expected a value, got byte 0xc3");
	free(c);
}

static void
control_characters_must_be_escaped(struct th *t)
{
	struct ctx *c = ctx_new();

	REQUIRE(t, c != NULL);
	CHECK_INT(t, parse(c, "\"a\tb\""), -1);
	CHECK_STR(t, c->err.msg, "offset 2: unescaped control character 0x09 in string");
	CHECK_INT(t, parse_n(c, "\"a\0\"", 4), -1);
	CHECK_STR(t, c->err.msg, "offset 2: unescaped control character 0x00 in string");
	CHECK_INT(t, parse(c, "\"\x1f\""), -1);
	CHECK_INT(t, parse(c, "\"\\u001f\""), 0);
	free(c);
}

static void
int64_boundaries_are_exact(struct th *t)
{
	static const struct { const char *in; int is_int; int64_t i; } cases[] = {
		{ "9223372036854775807", 1, INT64_MAX },
		{ "9223372036854775808", 0, 0 },
		{ "-9223372036854775808", 1, INT64_MIN },
		{ "-9223372036854775809", 0, 0 },
		{ "18446744073709551616", 0, 0 },
		{ "99999999999999999999999999", 0, 0 },
		{ "0", 1, 0 },
		{ "-0", 1, 0 },
		{ "-1", 1, -1 },
		{ "1000000000000000000", 1, 1000000000000000000 },
		{ "1.0", 0, 0 },
		{ "1e2", 0, 0 },
		{ "-0.0E-0", 0, 0 },
	};
	struct ctx *c = ctx_new();
	size_t i;

	REQUIRE(t, c != NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (!CHECK_INT(t, parse(c, cases[i].in), 0)) {
			printf("     %s: %s\n", cases[i].in, c->err.msg);
			continue;
		}
		CHECK_INT(t, c->v.type, JSON_NUMBER);
		CHECK_STR(t, c->v.u.num.text, cases[i].in);
		if (!CHECK_INT(t, c->v.u.num.is_int, cases[i].is_int))
			printf("     case %s\n", cases[i].in);
		if (cases[i].is_int)
			CHECK_INT(t, c->v.u.num.i, cases[i].i);
	}
	free(c);
}

static void
number_grammar_is_strict(struct th *t)
{
	static const struct { const char *in, *msg; } cases[] = {
		{ "01", "offset 0: leading zero in number" },
		{ "[-012]", "offset 2: leading zero in number" },
		{ "-", "offset 1: expected a digit in number" },
		{ "[-a]", "offset 2: expected a digit in number" },
		{ "1.", "offset 2: expected a digit after '.' in number" },
		{ "1.e3", "offset 2: expected a digit after '.' in number" },
		{ "1e", "offset 2: expected a digit in exponent" },
		{ "1e+", "offset 3: expected a digit in exponent" },
		{ "+1", "offset 0: expected a value, got '+'" },
		{ "[.5]", "offset 1: expected a value, got '.'" },
		{ "0x10", "offset 1: trailing data after the JSON value" },
		{ "NaN", "offset 0: expected a value, got 'N'" },
		{ "[-Infinity]", "offset 2: expected a digit in number" },
		{ "1 2", "offset 2: trailing data after the JSON value" },
	};
	struct ctx *c = ctx_new();
	size_t i;

	REQUIRE(t, c != NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(t, parse(c, cases[i].in), -1);
		CHECK_STR(t, c->err.msg, cases[i].msg);
	}
	free(c);
}

static void
errors_name_offset_and_reason(struct th *t)
{
	static const struct { const char *in, *msg; } cases[] = {
		{ "", "offset 0: unexpected end of input, expected a value" },
		{ " \n", "offset 2: unexpected end of input, expected a value" },
		{ "[1,]", "offset 3: expected a value, got ']'" },
		{ "[1", "offset 2: unexpected end of input, expected ',' or ']'" },
		{ "{\"a\":1,}", "offset 7: expected a string key, got '}'" },
		{ "{\"a\" 1}", "offset 5: expected ':' after key, got '1'" },
		{ "{'a':1}", "offset 1: expected a string key, got '''" },
		{ "{1:1}", "offset 1: expected a string key, got '1'" },
		{ "[1 2]", "offset 3: expected ',' or ']', got '2'" },
		{ "{\"a\":1 \"b\":2}", "offset 7: expected ',' or '}', got '\"'" },
		{ "[1}", "offset 2: expected ',' or ']', got '}'" },
		{ "[1] x", "offset 4: trailing data after the JSON value" },
		{ "{}{}", "offset 2: trailing data after the JSON value" },
		{ "\"abc", "offset 0: unterminated string" },
		{ "\"\\", "offset 1: unterminated escape in string" },
		{ "\"\\x\"", "offset 1: invalid escape \\ followed by 'x'" },
		{ "\"\\u12G4\"", "offset 1: invalid \\u escape (need 4 hex digits)" },
		{ "\"\\u12", "offset 1: invalid \\u escape (need 4 hex digits)" },
		{ "tru", "offset 0: invalid literal (expected true)" },
		{ "[nul]", "offset 1: invalid literal (expected null)" },
		{ "True", "offset 0: expected a value, got 'T'" },
		{ "\xef\xbb\xbf{}", "offset 0: expected a value, got byte 0xef" },
		{ "/* c */ 1", "offset 0: expected a value, got '/'" },
		{ "[1,\f2]", "offset 3: expected a value, got byte 0x0c" },
		{ "{\"a\":1,\"b\":2,\"a\":3}", "offset 13: duplicate key \"a\"" },
		{ "{\"x\\\"\\n\":1,\"x\\\"\\n\":2}", "offset 11: duplicate key \"x\\\"\\x0a\"" },
	};
	struct ctx *c = ctx_new();
	size_t i;

	REQUIRE(t, c != NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(t, parse(c, cases[i].in), -1);
		CHECK_STR(t, c->err.msg, cases[i].msg);
	}
	CHECK_INT(t, parse_n(c, "{} \0", 4), -1);
	CHECK_STR(t, c->err.msg, "offset 3: trailing data after the JSON value");
	free(c);
}

static void
trailing_whitespace_is_accepted(struct th *t)
{
	struct ctx *c = ctx_new();

	REQUIRE(t, c != NULL);
	CHECK_INT(t, parse(c, " \t\r\n{} \t\r\n"), 0);
	CHECK_INT(t, parse(c, "0\n"), 0);
	free(c);
}

static void
duplicate_keys_are_rejected_after_unescaping(struct th *t)
{
	struct ctx *c = ctx_new();

	REQUIRE(t, c != NULL);
	CHECK_INT(t, parse(c, "{\"digest\":\"a\",\"digest\":\"a\"}"), -1);
	CHECK_STR(t, c->err.msg, "offset 14: duplicate key \"digest\"");
	CHECK_INT(t, parse(c, "{\"a\":1,\"\\u0061\":2}"), -1);
	CHECK_STR(t, c->err.msg, "offset 7: duplicate key \"a\"");
	CHECK_INT(t, parse(c, "{\"a\\u0000b\":1,\"a\\u0000b\":2}"), -1);
	CHECK_STR(t, c->err.msg, "offset 14: duplicate key \"a\\x00b\"");
	/* The second occurrence is named, not the third. */
	CHECK_INT(t, parse(c, "{\"k\":1,\"x\":1,\"k\":2,\"k\":3}"), -1);
	CHECK_STR(t, c->err.msg, "offset 13: duplicate key \"k\"");
	CHECK_INT(t, parse(c, "{\"a\\u0000b\":1,\"a\\u0000c\":2,\"a\":3,\"a\\u0000\":4}"), 0);
	CHECK_INT(t, parse(c, "{\"a\":{\"a\":{\"a\":1}},\"b\":[{\"a\":1},{\"a\":2}]}"), 0);
	{
		char doc[600], want[200];
		size_t o = 0, i, k;

		for (k = 0; k < 2; k++) {
			o += (size_t)snprintf(doc + o, sizeof(doc) - o, "%s\"", k ? ",": "{");
			for (i = 0; i < 100; i++)
				doc[o++] = 'a';
			o += (size_t)snprintf(doc + o, sizeof(doc) - o, "\":%zu", k);
		}
		doc[o++] = '}';
		doc[o] = '\0';
		snprintf(want, sizeof(want), "offset 106: duplicate key \"%.64s...\"", doc + 2);
		CHECK_INT(t, parse(c, doc), -1);
		CHECK_STR(t, c->err.msg, want);
	}
	CHECK_INT(t, parse(c, "{\"\":1,\"\":2}"), -1);
	CHECK_STR(t, c->err.msg, "offset 6: duplicate key \"\"");
	free(c);
}

/* Builds {"k0":0,"k1":1,…} with n keys; key number `dup` repeats key 0's name
 * when dup < n.  Returns the offset of that key. */
static size_t
build_object(char *buf, size_t cap, size_t n, size_t dup, size_t *len)
{
	size_t o = 0, i, off = 0;

	buf[o++] = '{';
	for (i = 0; i < n; i++) {
		if (i == dup)
			off = o + (i > 0);
		o += (size_t)snprintf(buf + o, cap - o, "%s\"k%zu\":%zu", i ? "," : "",
		    i == dup ? (size_t)7 : i, i);
	}
	buf[o++] = '}';
	*len = o;
	return off;
}

static void
duplicate_keys_are_found_in_large_objects(struct th *t)
{
	size_t cap = 1 << 20, len, off;
	char *buf = malloc(cap), *mem = malloc(cap * 8), want[64];
	struct arena a;
	struct json_value v;
	struct errbuf err;

	REQUIRE(t, buf != NULL && mem != NULL);
	build_object(buf, cap, 5000, 5000, &len);
	arena_init(&a, mem, cap * 8);
	CHECK_INT(t, json_parse(buf, len, &a, &v, &err), 0);
	CHECK_INT(t, v.u.obj.n, 5000);
	CHECK_STR(t, json_object_get(&v, "k4999")->u.num.text, "4999");
	off = build_object(buf, cap, 5000, 4321, &len);
	arena_init(&a, mem, cap * 8);
	CHECK_INT(t, json_parse(buf, len, &a, &v, &err), -1);
	snprintf(want, sizeof(want), "offset %zu: duplicate key \"k7\"", off);
	CHECK_STR(t, err.msg, want);
	off = build_object(buf, cap, 12, 9, &len);
	arena_init(&a, mem, cap * 8);
	CHECK_INT(t, json_parse(buf, len, &a, &v, &err), -1);
	snprintf(want, sizeof(want), "offset %zu: duplicate key \"k7\"", off);
	CHECK_STR(t, err.msg, want);
	/* Sorted path: keys that tie on their first 8 bytes, NULs, a triple. */
	arena_init(&a, mem, cap * 8);
	CHECK_INT(t, parse_at(&a, "{\"abcdefgh\":0,\"abcdefgh\\u0000\":0,\"abcdefgh1\":0,"
	    "\"abcdefg\":0,\"abcdefgh\\u0000\\u0000\":0,\"\":0,\"\\u0000\":0,\"b\":0,"
	    "\"abcdefgi\":0,\"abcdefgh2\":0}", &v, &err), 0);
	CHECK_INT(t, v.u.obj.n, 10);
	arena_init(&a, mem, cap * 8);
	CHECK_INT(t, parse_at(&a, "{\"k\":0,\"abcdefgh1\":0,\"abcdefgh\\u0000\":0,\"c\":0,\"d\":0,"
	    "\"k\":1,\"e\":0,\"f\":0,\"abcdefgh\\u0000\":1,\"k\":2}", &v, &err), -1);
	CHECK_STR(t, err.msg, "offset 52: duplicate key \"k\"");
	arena_init(&a, mem, cap * 8);
	CHECK_INT(t, parse_at(&a, "{\"k\":0,\"abcdefgh1\":0,\"abcdefgh\\u0000\":0,\"c\":0,\"d\":0,"
	    "\"e\":0,\"f\":0,\"abcdefgh\\u0000\":1,\"k\":2}", &v, &err), -1);
	CHECK_STR(t, err.msg, "offset 64: duplicate key \"abcdefgh\\x00\"");
	free(buf);
	free(mem);
}

static void
depth_limit_is_exact(struct th *t)
{
	char buf[4 * (JSON_MAX_DEPTH + 1) + 8];
	struct ctx *c = ctx_new();
	size_t i, o = 0;

	REQUIRE(t, c != NULL);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		buf[o++] = '[';
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		buf[o++] = ']';
	CHECK_INT(t, parse_n(c, buf, o), 0);
	o = 0;
	for (i = 0; i < JSON_MAX_DEPTH + 1; i++)
		buf[o++] = '[';
	for (i = 0; i < JSON_MAX_DEPTH + 1; i++)
		buf[o++] = ']';
	CHECK_INT(t, parse_n(c, buf, o), -1);
	CHECK_STR(t, c->err.msg, "offset 64: nesting deeper than 64");
	o = 0;
	for (i = 0; i < JSON_MAX_DEPTH; i++) {
		memcpy(buf + o, i % 2 ? "[" : "{\"\":", i % 2 ? 1 : 4);
		o += i % 2 ? 1 : 4;
	}
	for (i = JSON_MAX_DEPTH; i-- > 0;)
		buf[o++] = i % 2 ? ']' : '}';
	CHECK_INT(t, parse_n(c, buf, o), 0);
	free(c);
}

static void
input_size_limit_is_exact(struct th *t)
{
	size_t n = JSON_MAX_INPUT, acap = JSON_MAX_INPUT + 4096;
	char *buf = malloc(n + 1), *mem = malloc(acap);
	struct arena a;
	struct json_value v;
	struct errbuf err;

	REQUIRE(t, buf != NULL && mem != NULL);
	memset(buf, 'a', n + 1);
	buf[0] = '"';
	buf[n - 2] = '"';
	buf[n - 1] = ' ';
	buf[n] = ' ';
	arena_init(&a, mem, acap);
	CHECK_INT(t, json_parse(buf, n, &a, &v, &err), 0);
	CHECK_INT(t, v.u.str.len, n - 3);
	arena_init(&a, mem, acap);
	CHECK_INT(t, json_parse(buf, n + 1, &a, &v, &err), -1);
	CHECK_STR(t, err.msg, "offset 4194304: input longer than 4194304 bytes");
	CHECK_INT(t, a.used, 0);
	free(buf);
	free(mem);
}

static void
arena_exhaustion_fails_cleanly_at_every_size(struct th *t)
{
	const char *doc = "{\"a\":[1,\"two\",{\"b\":[true,null]}],\"c\":\"\\u00e9\",\"d\":-1.5e3}";
	_Alignas(16) unsigned char mem[2048];
	struct arena a;
	struct json_value v;
	struct errbuf err;
	size_t cap, need = 0;
	int rc;

	for (cap = 0; cap <= sizeof(mem) - 8; cap++) {
		arena_init(&a, mem + 3, cap);
		a.used = 0;
		rc = json_parse(doc, strlen(doc), &a, &v, &err);
		CHECK_INT(t, a.cap, cap);
		if (rc == 0) {
			need = a.used;
			break;
		}
		CHECK_INT(t, rc, -2);
		CHECK_INT(t, a.used, 0);
		CHECK_INT(t, v.type, JSON_NULL);
		CHECK(t, strstr(err.msg, "arena exhausted") != NULL);
	}
	CHECK(t, need > 0);
	CHECK(t, cap <= JSON_ARENA_BOUND(strlen(doc)));
	arena_init(&a, mem, 16);
	CHECK_INT(t, json_parse("\"abcdefghijklmnopqrstuvwxyz\"", 28, &a, &v, &err), -2);
	CHECK_STR(t, err.msg, "offset 0: arena exhausted (16 bytes)");
	arena_init(&a, mem, 16);
	CHECK_INT(t, json_parse("[\"abc\"]", 7, &a, &v, &err), -2);
	CHECK_STR(t, err.msg, "offset 1: arena exhausted (16 bytes)");
	arena_init(&a, mem, 100);
	CHECK_INT(t, json_parse("[\"a\",\"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\"]", 61, &a, &v, &err), -2);
	CHECK_STR(t, err.msg, "offset 5: arena exhausted (100 bytes)");
}

/* Parses doc with exactly JSON_ARENA_BOUND(len) bytes at every alignment. */
static int
fits_in_bound(const char *doc, size_t len)
{
	size_t cap = JSON_ARENA_BOUND(len), shift;
	unsigned char *mem = malloc(cap + 16);
	struct arena a;
	struct json_value v;
	struct errbuf err;
	int ok = mem != NULL;

	for (shift = 0; ok && shift < 8; shift++) {
		arena_init(&a, mem + shift, cap);
		ok = json_parse(doc, len, &a, &v, &err) == 0;
		if (!ok)
			printf("     shift %zu: %s\n", shift, err.msg);
	}
	free(mem);
	return ok;
}

static void
arena_bound_covers_worst_case_shapes(struct th *t)
{
	static const char *const items[] = {
		"0", "[]", "{}", "\"\"", "[0]", "true", "[[]]", "-0", "\"\\u0000\"",
	};
	size_t n = 20000, i, k, o, cap = 12 * n + 64;
	char *buf = malloc(cap);

	REQUIRE(t, buf != NULL);
	for (k = 0; k < sizeof(items) / sizeof(items[0]); k++) {
		o = 0;
		buf[o++] = '[';
		for (i = 0; i < n; i++)
			o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? "," : "", items[k]);
		buf[o++] = ']';
		if (!CHECK(t, fits_in_bound(buf, o)))
			printf("     shape [%s,...]\n", items[k]);
	}
	build_object(buf, cap, n / 4, n, &o);
	CHECK(t, fits_in_bound(buf, o));
	CHECK(t, fits_in_bound("0", 1));
	CHECK(t, fits_in_bound("{\"\":0}", 6));
	free(buf);
}

static void
accessors_check_types(struct th *t)
{
	struct ctx *c = ctx_new();
	const struct json_value *arr;
	int64_t i = 7;

	REQUIRE(t, c != NULL);
	REQUIRE_INT(t, parse(c, "{\"approved_hashes\":[\"sha256:ab\"],\"n\":5,\"f\":1.5,"
	    "\"big\":99999999999999999999,\"z\":\"a\\u0000\",\"o\":{}}"), 0);
	arr = json_get_array(&c->v, "approved_hashes");
	REQUIRE(t, arr != NULL);
	CHECK_INT(t, arr->u.arr.n, 1);
	CHECK_STR(t, json_string(&arr->u.arr.items[0]), "sha256:ab");
	CHECK(t, json_get_array(&c->v, "n") == NULL);
	CHECK(t, json_get_object(&c->v, "o") != NULL);
	CHECK(t, json_get_object(&c->v, "approved_hashes") == NULL);
	CHECK_INT(t, json_get_int(&c->v, "n", &i), 0);
	CHECK_INT(t, i, 5);
	CHECK_INT(t, json_get_int(&c->v, "f", &i), -1);
	CHECK_INT(t, json_get_int(&c->v, "big", &i), -1);
	CHECK_INT(t, json_get_int(&c->v, "missing", &i), -1);
	CHECK_INT(t, i, 5);
	CHECK(t, json_get_string(&c->v, "z") == NULL);
	CHECK(t, json_get_string(&c->v, "n") == NULL);
	CHECK(t, json_object_get(&c->v, "missing") == NULL);
	CHECK(t, json_object_get(arr, "x") == NULL);
	CHECK(t, json_object_get(NULL, "x") == NULL);
	CHECK_STR(t, json_type_name(JSON_OBJECT), "object");
	CHECK_STR(t, json_type_name(JSON_NUMBER), "number");
	free(c);
}

/* ---- writer */

static void
writer_builds_the_emit_event_body_exactly(struct th *t)
{
	const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	char buf[256];
	struct json_writer w;
	struct errbuf err;

	json_writer_init(&w, buf, sizeof(buf));
	json_write_object_begin(&w);
	json_write_key(&w, "event");
	json_write_string(&w, "mpc-image-digest");
	json_write_key(&w, "payload");
	json_write_string(&w, hex);
	json_write_object_end(&w);
	REQUIRE_INT(t, json_writer_finish(&w, &err), 0);
	CHECK_STR(t, buf, "{\"event\":\"mpc-image-digest\",\"payload\":\"0123456789abcdef"
	    "0123456789abcdef0123456789abcdef0123456789abcdef\"}");
	CHECK_INT(t, w.len, strlen(buf));

	json_writer_init(&w, buf, sizeof(buf));
	json_write_array_begin(&w);
	json_write_string(&w, "11780:11780");
	json_write_string(&w, "2200:2200");
	json_write_array_end(&w);
	REQUIRE_INT(t, json_writer_finish(&w, &err), 0);
	CHECK_STR(t, buf, "[\"11780:11780\",\"2200:2200\"]");

	json_writer_init(&w, buf, sizeof(buf));
	json_write_array_begin(&w);
	json_write_array_end(&w);
	REQUIRE_INT(t, json_writer_finish(&w, &err), 0);
	CHECK_STR(t, buf, "[]");
}

static void
writer_escapes_exactly(struct th *t)
{
	const char in[] = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f\0z\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
	const char want[] = "{\"k\\\"\\n\":\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f"
	    "\\u0000z\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}";
	char buf[256];
	struct json_writer w;
	struct errbuf err;

	json_writer_init(&w, buf, sizeof(buf));
	json_write_object_begin(&w);
	json_write_key(&w, "k\"\n");
	json_write_string_n(&w, in, sizeof(in) - 1);
	json_write_object_end(&w);
	REQUIRE_INT(t, json_writer_finish(&w, &err), 0);
	CHECK_MEM(t, buf, w.len, want, sizeof(want) - 1);
}

static void
writer_rejects_invalid_utf8(struct th *t)
{
	static const char *const bad[] = { "\xff", "a\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82" };
	char buf[64];
	struct json_writer w;
	struct errbuf err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_writer_init(&w, buf, sizeof(buf));
		json_write_string(&w, bad[i]);
		CHECK_INT(t, json_writer_finish(&w, &err), -1);
		CHECK_STR(t, err.msg, "json writer: invalid UTF-8 in string");
	}
	json_writer_init(&w, buf, sizeof(buf));
	json_write_object_begin(&w);
	json_write_key(&w, "\x80");
	CHECK_INT(t, json_writer_finish(&w, &err), -1);
	CHECK_STR(t, err.msg, "json writer: invalid UTF-8 in string");
}

static void
writer_formats_scalars(struct th *t)
{
	char buf[128];
	struct json_writer w;
	struct errbuf err;

	json_writer_init(&w, buf, sizeof(buf));
	json_write_array_begin(&w);
	json_write_int(&w, INT64_MIN);
	json_write_int(&w, INT64_MAX);
	json_write_int(&w, 0);
	json_write_int(&w, -1);
	json_write_bool(&w, 1);
	json_write_bool(&w, 0);
	json_write_null(&w);
	json_write_number_text(&w, "-1.5e+3", 7);
	json_write_array_begin(&w);
	json_write_object_begin(&w);
	json_write_object_end(&w);
	json_write_array_end(&w);
	json_write_array_end(&w);
	REQUIRE_INT(t, json_writer_finish(&w, &err), 0);
	CHECK_STR(t, buf, "[-9223372036854775808,9223372036854775807,0,-1,true,false,null,-1.5e+3,[{}]]");
}

static void
writer_overflow_is_sticky(struct th *t)
{
	const char *want = "{\"event\":\"x\"}";
	char buf[32];
	struct json_writer w;
	struct errbuf err;
	size_t n = strlen(want), cap;

	for (cap = 0; cap <= n + 1; cap++) {
		memset(buf, '#', sizeof(buf));
		json_writer_init(&w, buf, cap);
		json_write_object_begin(&w);
		json_write_key(&w, "event");
		json_write_string(&w, "x");
		json_write_object_end(&w);
		if (cap <= n) {
			CHECK_INT(t, json_writer_finish(&w, &err), -1);
			CHECK(t, w.len <= cap);
			CHECK_INT(t, buf[cap], '#');
		} else {
			CHECK_INT(t, json_writer_finish(&w, &err), 0);
			CHECK_STR(t, buf, want);
		}
	}
	/* Once overflowed, a later small write does not sneak in. */
	json_writer_init(&w, buf, 4);
	json_write_array_begin(&w);
	json_write_string(&w, "long");
	CHECK_INT(t, w.overflow, 1);
	cap = w.len;
	json_write_int(&w, 1);
	CHECK_INT(t, w.len, cap);
	json_write_array_end(&w);
	CHECK_INT(t, json_writer_finish(&w, &err), -1);
	CHECK_STR(t, err.msg, "json writer: output does not fit in 4 bytes");
}

static void
writer_reports_misuse(struct th *t)
{
	char buf[64];
	struct json_writer w;
	struct errbuf err;

	json_writer_init(&w, buf, sizeof(buf));
	json_write_array_begin(&w);
	json_write_key(&w, "k");
	CHECK_INT(t, json_writer_finish(&w, &err), -1);
	CHECK_STR(t, err.msg, "json writer: key outside an object or twice in a row");

	json_writer_init(&w, buf, sizeof(buf));
	json_write_object_begin(&w);
	json_write_int(&w, 1);
	CHECK_INT(t, json_writer_finish(&w, &err), -1);
	CHECK_STR(t, err.msg, "json writer: object member without a key");

	json_writer_init(&w, buf, sizeof(buf));
	json_write_object_begin(&w);
	json_write_key(&w, "k");
	json_write_object_end(&w);
	CHECK_INT(t, json_writer_finish(&w, &err), -1);
	CHECK_STR(t, err.msg, "json writer: unbalanced object end");

	json_writer_init(&w, buf, sizeof(buf));
	json_write_array_begin(&w);
	json_write_object_end(&w);
	CHECK_INT(t, json_writer_finish(&w, &err), -1);
	CHECK_STR(t, err.msg, "json writer: unbalanced object end");

	json_writer_init(&w, buf, sizeof(buf));
	json_write_array_end(&w);
	CHECK_INT(t, json_writer_finish(&w, &err), -1);
	CHECK_STR(t, err.msg, "json writer: unbalanced array end");

	json_writer_init(&w, buf, sizeof(buf));
	json_write_null(&w);
	json_write_null(&w);
	CHECK_INT(t, json_writer_finish(&w, &err), -1);
	CHECK_STR(t, err.msg, "json writer: more than one top-level value");

	json_writer_init(&w, buf, sizeof(buf));
	json_write_array_begin(&w);
	CHECK_INT(t, json_writer_finish(&w, &err), -1);
	CHECK_STR(t, err.msg, "json writer: incomplete value");

	json_writer_init(&w, buf, sizeof(buf));
	CHECK_INT(t, json_writer_finish(&w, &err), -1);
	CHECK_STR(t, err.msg, "json writer: incomplete value");

	json_writer_init(&w, buf, sizeof(buf));
	json_write_number_text(&w, "01", 2);
	CHECK_INT(t, json_writer_finish(&w, &err), -1);
	CHECK_STR(t, err.msg, "json writer: invalid number text");

	json_writer_init(&w, buf, sizeof(buf));
	json_write_number_text(&w, "1 ", 2);
	CHECK_INT(t, json_writer_finish(&w, &err), -1);
}

static void
writer_depth_limit_is_exact(struct th *t)
{
	char buf[256];
	struct json_writer w;
	struct errbuf err;
	int i;

	json_writer_init(&w, buf, sizeof(buf));
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_write_array_begin(&w);
	for (i = 0; i < JSON_MAX_DEPTH; i++)
		json_write_array_end(&w);
	CHECK_INT(t, json_writer_finish(&w, &err), 0);
	json_writer_init(&w, buf, sizeof(buf));
	for (i = 0; i < JSON_MAX_DEPTH + 1; i++)
		json_write_array_begin(&w);
	CHECK_INT(t, json_writer_finish(&w, &err), -1);
	CHECK_STR(t, err.msg, "json writer: nesting deeper than JSON_MAX_DEPTH");
}

static void
parsed_trees_round_trip_through_the_writer(struct th *t)
{
	const char *in = " { \"mediaType\" : \"application/vnd.oci.image.index.v1+json\",\n"
	    "\"manifests\": [ {\"digest\":\"sha256:00\", \"size\": 1e3, \"platform\":"
	    "{\"architecture\":\"amd64\",\"os\":\"linux\"}}, {\"a\\u0000\\/\\u00e9\\ud83d\\ude00\":"
	    "[true,false,null,-0.5,[],{}]} ] } ";
	const char *want = "{\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
	    "\"manifests\":[{\"digest\":\"sha256:00\",\"size\":1e3,\"platform\":"
	    "{\"architecture\":\"amd64\",\"os\":\"linux\"}},{\"a\\u0000/\xc3\xa9\xf0\x9f\x98\x80\":"
	    "[true,false,null,-0.5,[],{}]}]}";
	struct ctx *c = ctx_new(), *c2 = ctx_new();
	char buf[512];
	struct json_writer w;
	struct errbuf err;

	REQUIRE(t, c != NULL && c2 != NULL);
	REQUIRE_INT(t, parse(c, in), 0);
	json_writer_init(&w, buf, sizeof(buf));
	json_write_value(&w, &c->v);
	REQUIRE_INT(t, json_writer_finish(&w, &err), 0);
	CHECK_STR(t, buf, want);
	REQUIRE_INT(t, parse_n(c2, buf, w.len), 0);
	CHECK(t, json_value_equal(&c->v, &c2->v));
	REQUIRE_INT(t, parse(c2, "{\"mediaType\":\"x\"}"), 0);
	CHECK(t, !json_value_equal(&c->v, &c2->v));
	free(c);
	free(c2);
}

static int
parse_fold(struct ctx *c, const char *s)
{
	static const struct json_options fold = { JSON_FOLD_KEYS, NULL, NULL };

	arena_init(&c->a, c->mem, sizeof(c->mem));
	c->err.msg[0] = '\0';
	return json_parse_opts(s, strlen(s), &fold, &c->a, &c->v, &c->err);
}

static void
keys_equal_under_go_folding_are_duplicates_with_the_flag(struct th *t)
{
	struct ctx *c = ctx_new();
	char big[2048];
	size_t o = 0;
	int i;

	REQUIRE(t, c != NULL);
	/* Without the flag these are distinct keys. */
	CHECK_INT(t, parse(c, "{\"digest\":1,\"Digest\":2}"), 0);
	CHECK_INT(t, parse_fold(c, "{\"digest\":1,\"Digest\":2}"), -1);
	CHECK_STR(t, c->err.msg, "offset 12: key \"Digest\" repeats \"digest\" under Go's case folding");
	/* U+017F LONG S, escaped or raw, and U+212A KELVIN SIGN */
	CHECK_INT(t, parse_fold(c, "{\"size\":1,\"\\u017fize\":2}"), -1);
	CHECK_STR(t, c->err.msg, "offset 10: key \"\\xc5\\xbfize\" repeats \"size\" under Go's case folding");
	CHECK_INT(t, parse_fold(c, "{\"k\":1,\"\xe2\x84\xaa\":2}"), -1);
	CHECK_INT(t, parse_fold(c, "{\"\xc3\xa5\":1,\"\xe2\x84\xab\":2}"), -1);
	/* Nested objects are checked too; byte duplicates keep their message. */
	CHECK_INT(t, parse_fold(c, "[{\"a\":{\"os\":1,\"OS\":2}}]"), -1);
	CHECK_STR(t, c->err.msg, "offset 14: key \"OS\" repeats \"os\" under Go's case folding");
	CHECK_INT(t, parse_fold(c, "{\"a\":1,\"a\":2}"), -1);
	CHECK_STR(t, c->err.msg, "offset 7: duplicate key \"a\"");
	/* Keys that only look alike are not duplicates. */
	CHECK_INT(t, parse_fold(c, "{\"id\":1,\"\xc4\xb1" "d\":2,\"i\xcc\x87" "d\":3,\"ids\":4}"), 0);
	/* Large objects go through the sorted path: the first repeat wins. */
	o += (size_t)snprintf(big + o, sizeof(big) - o, "{");
	for (i = 0; i < 40; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "\"key%02d\":%d,", i, i);
	o += (size_t)snprintf(big + o, sizeof(big) - o, "\"KEY07\":1,\"Key03\":2}");
	CHECK_INT(t, parse(c, big), 0);
	CHECK_INT(t, parse_fold(c, big), -1);
	CHECK(t, strstr(c->err.msg, "key \"KEY07\" repeats \"key07\"") != NULL);
	free(c);
}

struct sink {
	int calls;
	size_t last_index;
	char keys[256];
	int fail_at; /* call number that fails, or -1 */
	size_t used_seen;
	const struct arena *a;
};

static int
sink_fn(void *ctx, const char *key, size_t key_len, size_t index,
    const struct json_value *elem, struct errbuf *err)
{
	struct sink *s = ctx;
	size_t n = strlen(s->keys);

	snprintf(s->keys + n, sizeof(s->keys) - n, "%.*s%zu:%s ", (int)key_len, key,
	    index, json_type_name(elem->type));
	s->last_index = index;
	if (s->a->used > s->used_seen)
		s->used_seen = s->a->used;
	if (s->calls++ == s->fail_at) {
		errbuf_set(err, "offset %u: refused by the sink", (unsigned)elem->offset);
		return -1;
	}
	return 0;
}

static void
elements_of_top_level_arrays_go_to_the_sink_and_leave_the_tree(struct th *t)
{
	struct ctx *c = ctx_new();
	struct sink s;
	struct json_options o = { 0, sink_fn, &s };
	const char *doc = "{\"m\":[{\"a\":[1,2]},\"x\",[3]],\"k\":{\"n\":[4]},\"l\":[],\"z\":[null]}";
	const struct json_value *m;

	REQUIRE(t, c != NULL);
	memset(&s, 0, sizeof(s));
	s.fail_at = -1;
	s.a = &c->a;
	arena_init(&c->a, c->mem, sizeof(c->mem));
	REQUIRE_INT(t, json_parse_opts(doc, strlen(doc), &o, &c->a, &c->v, &c->err), 0);
	/* Only arrays that are members of the top-level object, not "n". */
	CHECK_STR(t, s.keys, "m0:object m1:string m2:array z0:null ");
	m = json_get_array(&c->v, "m");
	REQUIRE(t, m != NULL);
	CHECK_INT(t, m->u.arr.n, 0);
	CHECK_INT(t, json_get_object(&c->v, "k")->u.obj.members[0].value.u.arr.n, 1);
	/* A sink error stops the parse and is passed through; arena restored.
	 * It is not a resource error (-1, not -2). */
	memset(s.keys, 0, sizeof(s.keys));
	s.calls = 0;
	s.fail_at = 1;
	arena_init(&c->a, c->mem, sizeof(c->mem));
	CHECK_INT(t, json_parse_opts(doc, strlen(doc), &o, &c->a, &c->v, &c->err), -1);
	CHECK_STR(t, c->err.msg, "offset 18: refused by the sink");
	CHECK_INT(t, c->a.used, 0);
	CHECK_INT(t, c->a.cap, sizeof(c->mem));
	/* A top-level array's elements are not handed over. */
	memset(s.keys, 0, sizeof(s.keys));
	s.fail_at = -1;
	CHECK_INT(t, json_parse_opts("[[1]]", 5, &o, &c->a, &c->v, &c->err), 0);
	CHECK_STR(t, s.keys, "");
	free(c);
}

/* Memory follows the largest element: 2000 elements in a small arena. */
static void
sunk_elements_free_their_memory(struct th *t)
{
	static const char entry[] = "{\"mediaType\":\"x\",\"digest\":\"sha256:00\",\"size\":1},";
	size_t n = 2000, len = 6 + n * (sizeof(entry) - 1) + 2, o = 0, i;
	char *doc = malloc(len + 1);
	unsigned char *mem = malloc(8192);
	struct sink s;
	struct json_options opt = { JSON_FOLD_KEYS, sink_fn, &s };
	struct arena a;
	struct json_value v;
	struct errbuf err;

	REQUIRE(t, doc != NULL && mem != NULL);
	memcpy(doc, "{\"m\":[", 6);
	o = 6;
	for (i = 0; i < n; i++, o += sizeof(entry) - 1)
		memcpy(doc + o, entry, sizeof(entry) - 1);
	memcpy(doc + o - 1, "]}", 2);
	len = o + 1;
	memset(&s, 0, sizeof(s));
	s.fail_at = -1;
	s.a = &a;
	arena_init(&a, mem, 8192);
	CHECK_INT(t, json_parse_opts(doc, len, &opt, &a, &v, &err), 0);
	CHECK_INT(t, s.calls, (int)n);
	CHECK_INT(t, s.last_index, n - 1);
	CHECK(t, s.used_seen < 512);
	/* The same document without the sink needs far more than 8 KiB. */
	arena_init(&a, mem, 8192);
	CHECK_INT(t, json_parse(doc, len, &a, &v, &err), -2);
	CHECK(t, strstr(err.msg, "arena exhausted") != NULL);
	free(mem);
	free(doc);
}

static void
keys_go_would_read_as_a_field_are_refused(struct th *t)
{
	static const char fields[] = "mediaType\0digest\0os\0";
	struct ctx *c = ctx_new();

	REQUIRE(t, c != NULL);
	REQUIRE_INT(t, parse(c, "{\"mediaType\":1,\"digest\":2,\"os\":3,\"other\":4,\"dig\":5}"), 0);
	CHECK_INT(t, json_check_fields(&c->v, fields, &c->err), 0);
	REQUIRE_INT(t, parse(c, "{\"x\":0,\"mediatype\":1}"), 0);
	CHECK_INT(t, json_check_fields(&c->v, fields, &c->err), -1);
	CHECK_STR(t, c->err.msg, "offset 7: key \"mediatype\" is field \"mediaType\" to Go's case-insensitive decoder");
	REQUIRE_INT(t, parse(c, "{\"MediaType\":1}"), 0);
	CHECK_INT(t, json_check_fields(&c->v, fields, &c->err), -1);
	REQUIRE_INT(t, parse(c, "{\"dige\\u017ft\":1}"), 0);
	CHECK_INT(t, json_check_fields(&c->v, fields, &c->err), -1);
	CHECK_STR(t, c->err.msg, "offset 1: key \"dige\\xc5\\xbft\" is field \"digest\" to Go's case-insensitive decoder");
	REQUIRE_INT(t, parse(c, "{\"OS\":1}"), 0);
	CHECK_INT(t, json_check_fields(&c->v, fields, &c->err), -1);
	/* Not an object: nothing to check. */
	REQUIRE_INT(t, parse(c, "[{\"OS\":1}]"), 0);
	CHECK_INT(t, json_check_fields(&c->v, fields, &c->err), 0);
	free(c);
}

void
suite_json(struct th *t)
{
	th_run(t, "json: with JSON_FOLD_KEYS, keys equal under Go's case folding are duplicates",
	    keys_equal_under_go_folding_are_duplicates_with_the_flag);
	th_run(t, "json: elements of top-level arrays go to the sink, in order, and leave the tree",
	    elements_of_top_level_arrays_go_to_the_sink_and_leave_the_tree);
	th_run(t, "json: elements handed to the sink free their memory",
	    sunk_elements_free_their_memory);
	th_run(t, "json: a key Go would read as a field name, not being it, is refused",
	    keys_go_would_read_as_a_field_are_refused);
	th_run(t, "json: scalars have their types and values", scalars_have_their_types_and_values);
	th_run(t, "json: containers keep document order and value offsets", containers_keep_document_order_and_offsets);
	th_run(t, "json: strings are unescaped (short escapes, \\u, \\u0000)", strings_are_unescaped);
	th_run(t, "json: surrogate pairs decode to 4-byte UTF-8", surrogate_pairs_decode_to_four_byte_utf8);
	th_run(t, "json: lone surrogate escapes are rejected at the escape's offset", lone_surrogates_are_rejected);
	th_run(t, "json: UTF-8 boundary code points are accepted", utf8_boundaries_are_accepted);
	th_run(t, "json: overlong, surrogate, >U+10FFFF and truncated UTF-8 are rejected", invalid_utf8_is_rejected_at_its_offset);
	th_run(t, "json: control characters in strings must be escaped", control_characters_must_be_escaped);
	th_run(t, "json: int64 boundaries parse exactly, one past them is not an int", int64_boundaries_are_exact);
	th_run(t, "json: number grammar is strict", number_grammar_is_strict);
	th_run(t, "json: errors name the byte offset and the reason", errors_name_offset_and_reason);
	th_run(t, "json: trailing whitespace is accepted", trailing_whitespace_is_accepted);
	th_run(t, "json: duplicate keys are rejected, compared after unescaping", duplicate_keys_are_rejected_after_unescaping);
	th_run(t, "json: duplicate keys are found in large objects", duplicate_keys_are_found_in_large_objects);
	th_run(t, "json: depth 64 is accepted and 65 rejected", depth_limit_is_exact);
	th_run(t, "json: input of exactly JSON_MAX_INPUT bytes is accepted, one more rejected", input_size_limit_is_exact);
	th_run(t, "json: arena exhaustion fails cleanly at every arena size", arena_exhaustion_fails_cleanly_at_every_size);
	th_run(t, "json: JSON_ARENA_BOUND covers worst-case shapes at any alignment", arena_bound_covers_worst_case_shapes);
	th_run(t, "json: accessors check types and refuse strings with NUL", accessors_check_types);
	th_run(t, "json writer: builds the EmitEvent body byte for byte", writer_builds_the_emit_event_body_exactly);
	th_run(t, "json writer: escapes quotes, backslashes and controls exactly", writer_escapes_exactly);
	th_run(t, "json writer: rejects invalid UTF-8", writer_rejects_invalid_utf8);
	th_run(t, "json writer: formats int64 extremes, bools, null and number text", writer_formats_scalars);
	th_run(t, "json writer: overflow is sticky and exact fit works", writer_overflow_is_sticky);
	th_run(t, "json writer: call order mistakes are reported", writer_reports_misuse);
	th_run(t, "json writer: depth 64 is accepted and 65 refused", writer_depth_limit_is_exact);
	th_run(t, "json: parsed trees round-trip through the writer", parsed_trees_round_trip_through_the_writer);
}
