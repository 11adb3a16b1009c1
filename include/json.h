/*
 * json — strict RFC 8259 parser into an arena-allocated tree, and a writer
 * into a caller buffer.
 *
 * Every JSON document tee-launcher reads is hostile (registry manifests, the
 * approved-hashes file on a shared volume, token responses, engine API
 * answers), so the parser accepts exactly RFC 8259 and nothing else:
 *   - strings must be valid UTF-8 (no overlongs, no UTF-8-encoded surrogates,
 *     nothing above U+10FFFF); \u escapes are decoded, surrogate pairs are
 *     joined, a lone surrogate escape is an error;
 *   - raw control characters (< 0x20) in strings, a byte order mark,
 *     comments, trailing commas, single quotes, NaN/Infinity, leading zeros,
 *     a leading '+', and anything but whitespace after the value are errors;
 *   - duplicate keys in one object are an error (keys are compared after
 *     unescaping, byte for byte): two readers must never see two different
 *     "digest" fields in one document; with JSON_FOLD_KEYS, keys equal
 *     under Go's case folding (gofold.h) are duplicates too, since that is
 *     how the Go programs reading registry documents match keys;
 *   - nesting deeper than JSON_MAX_DEPTH and input longer than JSON_MAX_INPUT
 *     are errors.
 * The parser is iterative (no recursion) and keeps no global state.
 *
 * Memory: json_parse allocates the whole tree in the caller's arena; nothing
 * points into the input buffer, which may be freed after parsing.  While it
 * runs, the parser also borrows the free tail of the arena as its work stack
 * (children of open containers); on return the arena's cap is as before and
 * `used` covers only the tree.  On error the arena is left exactly as it was.
 * An arena of JSON_ARENA_BOUND(len) free bytes is always enough for an input
 * of len bytes; real documents need far less (a pretty-printed Docker
 * manifest list needs about 2.3 times its size, see `make bench`), so callers
 * may use a smaller, fixed arena and treat "arena exhausted" as a resource
 * error.
 *
 * Element sink (json_parse_opts): the elements of arrays that are members
 * of the top-level object (a manifest's "layers", an index's "manifests")
 * can be handed to a callback one at a time, as each completes, and are
 * then dropped from the tree (the array is left empty), so memory follows
 * the largest element rather than the document.  Everything else is
 * checked and built as usual, the element's own duplicate-key check
 * included, before the callback sees it.
 *
 * Errors: json_parse returns 0 or -1; on -1 the errbuf holds one line naming
 * the 0-based byte offset and the reason, e.g.
 *     offset 17: duplicate key "digest"
 *     offset 40: key "Digest" repeats "digest" under Go's case folding
 * Keys quoted in messages are escaped and cut; string values never appear.
 *
 * Writer: struct json_writer appends compact JSON to a caller buffer.  The
 * write calls return nothing: the first problem (buffer too small, a call
 * order that would not give one JSON value, invalid UTF-8 in a string, bad
 * number text) is kept in the writer and reported by json_writer_finish().
 * Invalid UTF-8 is rejected rather than replaced: a request body must carry
 * exactly the bytes the caller meant, or nothing.
 */
#ifndef TL_JSON_H
#define TL_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "errbuf.h"

/* Manifests and manifest lists are capped at 4 MiB by registries. */
#define JSON_MAX_INPUT (4u * 1024 * 1024)
/* Real documents nest < 10 levels; 64 bounds the parser's and writer's stacks. */
#define JSON_MAX_DEPTH 64
/* Key bytes quoted in an error (each may take 4 escaped); fits ERRBUF_SIZE. */
#define JSON_ERR_KEY_SHOWN 64
/* Buffer for json_show_key: every byte escaped, "..." and the NUL. */
#define JSON_SHOWN_KEY_SIZE (4 * JSON_ERR_KEY_SHOWN + 8)
/* Worst case arena bytes per input byte: "[0,0,…]" costs two 40-byte slots
 * (work stack + tree) plus "0\0" per 2 input bytes; a member (64 bytes on
 * the stack and in the tree) takes at least 6 input bytes ({"":0,). */
#define JSON_ARENA_PER_BYTE 41
/* Alignment of the tree arrays and of the work stack's top. */
#define JSON_ARENA_SLACK 64
/* Free arena bytes that always suffice to parse len bytes. */
#define JSON_ARENA_BOUND(len) ((size_t)(len) * JSON_ARENA_PER_BYTE + JSON_ARENA_SLACK)

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT
};

struct json_member;

struct json_value {
	enum json_type type;
	uint32_t offset; /* byte offset of the value's first byte in the input */
	union {
		/* Unescaped, NUL-terminated copy; may contain \0 (from \u0000),
		 * so use len, or json_string() which refuses such strings. */
		struct {
			const char *ptr;
			size_t len;
		} str;
		/* text: the number exactly as written, NUL-terminated.  is_int:
		 * no fraction or exponent and within int64 (then i holds it);
		 * integers outside int64 are kept as text with is_int 0. */
		struct {
			const char *text;
			size_t len;
			int is_int;
			int64_t i;
		} num;
		struct {
			struct json_value *items; /* NULL when n == 0 */
			size_t n;
		} arr;
		struct {
			struct json_member *members; /* document order; NULL when n == 0 */
			size_t n;
		} obj;
	} u;
};

struct json_member {
	const char *key; /* unescaped, NUL-terminated, may contain \0 */
	size_t key_len;
	uint32_t key_offset; /* byte offset of the key's opening quote */
	struct json_value value;
};

/*
 * Parses buf[0..len) into *out, allocating in a.  Returns 0, or -1 with err
 * set (and *out zeroed, the arena unchanged); -2 instead of -1 when the
 * arena was too small ("arena exhausted"), a resource limit rather than a
 * fault of the input.
 */
int json_parse(const char *buf, size_t len, struct arena *a,
    struct json_value *out, struct errbuf *err);

/* Keys equal under Go's case folding are duplicates (registry documents). */
#define JSON_FOLD_KEYS 1u

/*
 * The element sink: called with the owning member's key (unescaped, may
 * hold \0), the element's index in its array, and the complete element,
 * which is valid only during the call.  Returns 0 to go on, or -1 with err
 * set (one line naming an offset, like the parser's) to fail the parse.
 */
typedef int json_element_fn(void *ctx, const char *key, size_t key_len,
    size_t index, const struct json_value *elem, struct errbuf *err);

struct json_options {
	unsigned flags;            /* JSON_FOLD_KEYS or 0 */
	json_element_fn *element;  /* NULL: every element stays in the tree */
	void *ctx;                 /* passed to element */
};

/* json_parse with options (NULL: none, which is json_parse).  Errors the
 * sink returns are passed through as it set them. */
int json_parse_opts(const char *buf, size_t len, const struct json_options *opt,
    struct arena *a, struct json_value *out, struct errbuf *err);

/* Quotes a hostile key for a one-line message: bytes other than printable
 * ASCII escaped as \xNN, '"' and '\\' backslashed, cut after
 * JSON_ERR_KEY_SHOWN bytes with "...".  out gets at most cap bytes, NUL
 * included; JSON_SHOWN_KEY_SIZE always holds the whole result. */
void json_show_key(const char *key, size_t len, char *out, size_t cap);

/*
 * Go's encoding/json fills a struct field from any key equal to the
 * field's name under case folding.  fields holds the names, each ended by
 * a NUL, the list by an empty name ("digest\0size\0").  Returns -1 with err
 * set ("offset N: key "Digest" is field "digest" to Go's case-insensitive
 * decoder") if a member of obj has such a key for one of fields without
 * being that name byte for byte, so that a byte-exact lookup and Go read
 * the same members; else 0 (also when obj is not an object).  Linear in
 * members x fields.
 */
int json_check_fields(const struct json_value *obj, const char *fields,
    struct errbuf *err);

/* "null", "false", "true", "number", "string", "array", "object". */
const char *json_type_name(enum json_type t);

/* The member's value, or NULL if obj is not an object or has no such key.
 * Linear in the number of members. */
const struct json_value *json_object_get(const struct json_value *obj,
    const char *key);

/* The string as a C string, or NULL if v is NULL, not a string, or contains
 * \0 (a C string would silently end early and compare wrongly). */
const char *json_string(const struct json_value *v);

/* json_string(json_object_get(obj, key)). */
const char *json_get_string(const struct json_value *obj, const char *key);

/* 0 and *out set if obj[key] is an integer in int64, else -1. */
int json_get_int(const struct json_value *obj, const char *key, int64_t *out);

/* obj[key] if it is an array (resp. object), else NULL. */
const struct json_value *json_get_array(const struct json_value *obj,
    const char *key);
const struct json_value *json_get_object(const struct json_value *obj,
    const char *key);

/*
 * 1 if a and b are the same tree: same types, numbers with the same text,
 * strings and keys with the same bytes, members in the same order.  Trees
 * nested deeper than JSON_MAX_DEPTH (never produced by json_parse) compare
 * unequal.
 */
int json_value_equal(const struct json_value *a, const struct json_value *b);

/* ---- writer */

struct json_writer {
	char *buf;
	size_t cap;
	size_t len;         /* bytes written so far */
	int overflow;       /* sticky: something did not fit in buf */
	const char *misuse; /* sticky: first invalid call, or NULL */
	unsigned depth;     /* open containers */
	uint64_t is_object; /* bit d-1: container at depth d is an object */
	uint64_t has_items; /* bit d-1: container at depth d has a member */
	int after_key;      /* a key was written, its value is due */
	int done;           /* the top-level value is complete */
};

void json_writer_init(struct json_writer *w, char *buf, size_t cap);

void json_write_object_begin(struct json_writer *w);
void json_write_object_end(struct json_writer *w);
void json_write_array_begin(struct json_writer *w);
void json_write_array_end(struct json_writer *w);

/* Keys and strings: '"', '\\' and controls are escaped (\b \f \n \r \t or
 * \u00xx), valid UTF-8 is copied as is, invalid UTF-8 is a misuse. */
void json_write_key(struct json_writer *w, const char *key);
void json_write_key_n(struct json_writer *w, const char *key, size_t len);
void json_write_string(struct json_writer *w, const char *s);
void json_write_string_n(struct json_writer *w, const char *s, size_t len);

void json_write_int(struct json_writer *w, int64_t v);
void json_write_bool(struct json_writer *w, int v);
void json_write_null(struct json_writer *w);

/* A number given as JSON number text (checked against the RFC grammar). */
void json_write_number_text(struct json_writer *w, const char *text, size_t len);

/* A whole tree, as parsed (numbers keep their original text). */
void json_write_value(struct json_writer *w, const struct json_value *v);

/*
 * Returns 0 if exactly one complete value was written without problems and
 * buf[len] could be set to '\0' (so cap must leave one byte for it; the NUL
 * is not counted in len).  Otherwise -1 with err naming the problem.
 */
int json_writer_finish(struct json_writer *w, struct errbuf *err);

#endif
