/*
 * toml — a TOML 1.0.0 parser into an ordered DOM, builders, and a serializer.
 *
 * The operator's /tapp/user_config is hostile input, and its [mpc_node_config]
 * table is opaque: the launcher re-serializes it for the MPC node after adding
 * [tee].  So the parser accepts exactly TOML 1.0.0 (nothing from 1.1: no
 * newlines inside inline tables, no \e or \x escapes, seconds required in
 * times) and the DOM keeps every value's type and every table's key order
 * (document order, as the node's toml crate with `preserve_order` sees it).
 *
 * Memory: everything the DOM points to (keys, strings, float and datetime
 * text, nodes) lives in the caller's struct arena; the input buffer may be
 * freed after toml_parse() returns.  Nothing is malloc'd and there is no
 * global state.  An arena of TOML_ARENA_BYTES(len) bytes is always enough for
 * an input of len bytes; a smaller one may fail with "out of memory".
 *
 * Errors: functions return 0 on success and -1 on failure, with one line in
 * the errbuf: "line 3, column 7: duplicate key".  Parse errors name the
 * position and the reason and never quote the input: not values, not keys
 * (a key under [mpc_node_config] can be a secret too, and the parser cannot
 * know which table is whose), and not even the offending character (only
 * its class: "found a letter").  The builders (toml_table_append) quote
 * the key their caller passed, a name of the launcher's own.  A failed
 * toml_parse() leaves *root an empty table and the arena's `used` mark
 * where it was (bytes past it were scribbled).
 *
 * Recursion (parse, write, compare) is bounded by TOML_MAX_DEPTH.
 */
#ifndef TL_TOML_H
#define TL_TOML_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "errbuf.h"

/* An operator config is a few KB; 1 MiB bounds parse time and arena use. */
#define TOML_MAX_INPUT (1u << 20)
/* Nested tables + arrays; real configs use < 10; bounds every recursion. */
#define TOML_MAX_DEPTH 64
/* One key segment after unescaping; keys are names, not payload. */
#define TOML_MAX_KEY_LEN 1024
/* Longest float literal: 17 significant digits need far less; longer
 * text is an attack on the converter, not a number. */
#define TOML_MAX_FLOAT_LEN 256
/* Worst case: dotted keys of 1-byte segments, ~104 arena bytes (one table
 * node) per 2 input bytes on 64-bit; 64x leaves room for struct padding. */
#define TOML_ARENA_FACTOR 64
#define TOML_ARENA_BYTES(len) ((size_t)(len) * TOML_ARENA_FACTOR + 4096)

enum toml_type {
	TOML_STRING,
	TOML_INTEGER,
	TOML_FLOAT,
	TOML_BOOL,
	TOML_DATETIME,
	TOML_ARRAY,
	TOML_TABLE
};

enum toml_datetime_kind {
	TOML_DT_OFFSET, /* 1979-05-27T07:32:00Z, toml-test "datetime" */
	TOML_DT_LOCAL,  /* 1979-05-27T07:32:00, "datetime-local" */
	TOML_DT_DATE,   /* 1979-05-27, "date-local" */
	TOML_DT_TIME    /* 07:32:00.999, "time-local" */
};

/* How a table came to exist; decides what may still extend it. */
enum toml_origin {
	TOML_ORIGIN_IMPLICIT, /* only named as a prefix of a [header] so far */
	TOML_ORIGIN_HEADER,   /* [header], [[header]] element, root, or built */
	TOML_ORIGIN_DOTTED,   /* created by a dotted key (a.b = 1) */
	TOML_ORIGIN_INLINE    /* { inline table }: frozen, with everything in it */
};

struct toml_kv;
struct toml_elem;

struct toml_string {
	char *ptr;  /* NUL-terminated, valid UTF-8, may contain NUL: use len */
	size_t len;
};

/*
 * A float is kept as its validated literal: the launcher only copies floats
 * through, and converting them would link strtod and printf's %g (about
 * 12 KB).  toml_float_value() converts when a caller needs the number.
 */
struct toml_float {
	const char *text; /* literal as written ("1_000.5e3", "-inf"); NUL-terminated */
	size_t len;
};

struct toml_datetime {
	enum toml_datetime_kind kind;
	const char *text; /* validated literal as written, NUL-terminated */
	size_t len;
};

struct toml_array {
	struct toml_elem *head, *tail;
	size_t len;
	int of_tables; /* built by [[header]] (may grow); else static, frozen */
};

struct toml_table {
	struct toml_kv *head, *tail; /* document order */
	struct toml_kv *index;       /* private: AVL tree over the keys */
	size_t len;
	enum toml_origin origin;
};

struct toml_value {
	enum toml_type type;
	union {
		struct toml_string str;
		int64_t integer;
		struct toml_float flt;
		int boolean;
		struct toml_datetime dt;
		struct toml_array arr;
		struct toml_table tab;
	} u;
};

struct toml_kv {
	struct toml_kv *next;
	const char *key; /* NUL-terminated, valid UTF-8, may contain NUL */
	size_t key_len;
	struct toml_value value;
	struct toml_kv *left, *right; /* private: index links */
	int height;                   /* private */
};

struct toml_elem {
	struct toml_elem *next;
	struct toml_value value;
};

/*
 * Parses buf[0..len) (at most TOML_MAX_INPUT bytes, UTF-8, optional BOM)
 * into *root, a TOML_TABLE.  All TOML 1.0 rules are enforced: no key or
 * table defined twice, inline tables and static arrays frozen, dotted keys
 * cannot reach into a table defined by a [header], [[x]] only extends arrays
 * of tables, integers within int64, valid dates (leap years) and times.
 */
int toml_parse(const char *buf, size_t len, struct arena *a,
    struct toml_value *root, struct errbuf *err);

/* Lookup in a table (NULL if absent or if table is not a TOML_TABLE). */
const struct toml_value *toml_table_get(const struct toml_value *table,
    const char *key);
const struct toml_value *toml_table_getn(const struct toml_value *table,
    const char *key, size_t key_len);
struct toml_value *toml_table_get_mut(struct toml_value *table,
    const char *key);

/*
 * Builders.  The *_init functions overwrite *v; strings are copied into the
 * arena and must be valid UTF-8; datetime text must be a valid TOML literal.
 * Appending copies *v into a new node and returns that node's value: fill a
 * table or array through the returned pointer, never through the original
 * (a copy of a container does not see later appends).
 * toml_table_append fails with "duplicate key" if the key exists.
 */
void toml_table_init(struct toml_value *v);
void toml_array_init(struct toml_value *v);
void toml_integer_init(struct toml_value *v, int64_t i);
void toml_bool_init(struct toml_value *v, int b);
/* Writes the shortest text that converts back to d into the arena. */
int toml_float_init(struct toml_value *v, double d, struct arena *a,
    struct errbuf *err);
/* Converts a float literal (underscores, inf and nan included) into *out;
 * returns 0, or -1 if the text is not a TOML float. */
int toml_float_value(const struct toml_float *f, double *out);
int toml_string_init(struct toml_value *v, const char *s, size_t len,
    struct arena *a, struct errbuf *err);
int toml_datetime_init(struct toml_value *v, const char *text, size_t len,
    struct arena *a, struct errbuf *err);
struct toml_value *toml_table_append(struct toml_value *table,
    const char *key, size_t key_len, const struct toml_value *v,
    struct arena *a, struct errbuf *err);
struct toml_value *toml_array_append(struct toml_value *array,
    const struct toml_value *v, struct arena *a, struct errbuf *err);

/*
 * Serializes a table as TOML 1.0 into buf (NUL-terminated; *out_len excludes
 * the NUL).  Within each table, plain values come first, then sub-tables as
 * [a.b] and arrays of tables as [[a.b]] — except that an entry is written
 * inline (a = { ... }) whenever a header would change the key order.  Parsing
 * the output gives a DOM for which toml_equal() holds.  If that layout does
 * not fit in cap - 1 bytes or in TOML_MAX_INPUT (headers repeat key paths),
 * every root entry is written on one line (a = { … }) instead; if that does
 * not fit either, it fails.  Also fails on nesting deeper than
 * TOML_MAX_DEPTH and on invalid UTF-8 in built strings or keys.
 */
int toml_write(const struct toml_value *root, char *buf, size_t cap,
    size_t *out_len, struct errbuf *err);

/*
 * 1 if a and b hold the same data: same types, keys in the same order,
 * equal scalars (floats by value with NaN equal to a NaN of the same sign,
 * datetimes by kind and text).  Table origins and array flags are ignored.
 * 0 otherwise, or if nesting exceeds TOML_MAX_DEPTH.
 */
int toml_equal(const struct toml_value *a, const struct toml_value *b);

/* "string", "integer", … for messages. */
const char *toml_type_name(enum toml_type t);

#endif
