/*
 * gomodel — an independent model of how Go's encoding/json matches object
 * keys to struct fields, for the fuzz harnesses' properties.  It shares no
 * code or table with src/gofold.c on purpose.
 *
 * Go compares a key with a field name under Unicode simple case folding.
 * Every field name the engine's structs use is ASCII, and only two runes
 * outside ASCII fold onto ASCII letters: U+017F LONG S (to s) and U+212A
 * KELVIN SIGN (to k).  So a key matches an ASCII name exactly when, unit by
 * unit, it is the name's letter in either case, or one of those two runes
 * where the name has s or k, or the same byte.  Of several matching keys
 * in one object the last one wins.
 */
#ifndef TL_FUZZ_GOMODEL_H
#define TL_FUZZ_GOMODEL_H

#include <stddef.h>
#include <string.h>

#include "json.h"

/* One unit of key at *i, as an upper-case ASCII letter when it folds to
 * one, else the byte itself; advances *i. */
static inline unsigned
gomodel_unit(const char *k, size_t n, size_t *i)
{
	unsigned char c = (unsigned char)k[*i];

	if (n - *i >= 2 && c == 0xc5 && (unsigned char)k[*i + 1] == 0xbf) {
		*i += 2;
		return 'S';
	}
	if (n - *i >= 3 && c == 0xe2 && (unsigned char)k[*i + 1] == 0x84 &&
	    (unsigned char)k[*i + 2] == 0xaa) {
		*i += 3;
		return 'K';
	}
	*i += 1;
	return c >= 'a' && c <= 'z' ? c - 32u : c;
}

/* Whether keys a and b are the same field name to Go, as far as ASCII
 * letters, U+017F and U+212A go (an under-approximation elsewhere). */
static inline int
gomodel_same(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, j = 0;

	while (i < an && j < bn)
		if (gomodel_unit(a, an, &i) != gomodel_unit(b, bn, &j))
			return 0;
	return i == an && j == bn;
}

/* The value Go puts into field name of a struct decoded from obj: the
 * last member whose key matches; NULL if none or obj is no object. */
static inline const struct json_value *
gomodel_field(const struct json_value *obj, const char *name)
{
	const struct json_value *v = NULL;
	size_t i;

	if (obj == NULL || obj->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < obj->u.obj.n; i++) {
		const struct json_member *m = &obj->u.obj.members[i];

		if (gomodel_same(m->key, m->key_len, name, strlen(name)))
			v = &m->value;
	}
	return v;
}

/* The field as a string (Go would refuse another type), or NULL. */
static inline const char *
gomodel_string(const struct json_value *obj, const char *name)
{
	const struct json_value *v = gomodel_field(obj, name);

	if (v == NULL || v->type != JSON_STRING || strlen(v->u.str.ptr) != v->u.str.len)
		return NULL;
	return v->u.str.ptr;
}

#endif
