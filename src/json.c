#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "fmt.h"
#include "gofold.h"
#include "hex.h"
#include "json.h"
#include "utf8.h"

/*
 * Parser layout in the arena: the tree grows up from a->used; the work
 * stack (children of the open containers, each container's children
 * contiguous) grows down from the arena's end.  a->cap is lowered to the
 * stack's bottom while parsing, so arena_alloc can never reach into it.
 * When a container closes, its children are copied into one array at the
 * front and their stack space is released.
 */

/* Objects up to this size are checked for duplicate keys pairwise. */
#define JP_SMALL_OBJECT 8

struct jp_frame {
	struct json_value *slot; /* receives the container when it closes */
	size_t mark;             /* stack offset above its first child */
	size_t n;                /* children pushed */
	int is_object;
	/* Arrays handed to the element sink: the owning member's key, the
	 * arena's fill before the current element, elements handed over. */
	const char *key;
	size_t key_len;
	size_t elem_used;
	size_t delivered;
};

/* A member while its object is open. */
struct jp_member {
	struct json_member m;
};

struct jp {
	const unsigned char *in;
	size_t len;
	size_t pos;
	struct arena *a;
	size_t cap0; /* the arena's real cap */
	size_t stk;  /* offset of the stack's lowest byte; == a->cap */
	struct errbuf *err;
	const struct json_options *opt; /* never NULL */
	int exhausted;                  /* the error is the arena's size */
	unsigned depth;
	struct jp_frame frames[JSON_MAX_DEPTH];
};

/* 1 for bytes copied unchanged inside a string: 0x20..0x7f but '"' '\\'. */
static const unsigned char str_plain[256] = {
	[0x20] = 1, [0x21] = 1, [0x23] = 1, [0x24] = 1, [0x25] = 1, [0x26] = 1,
	[0x27] = 1, [0x28] = 1, [0x29] = 1, [0x2a] = 1, [0x2b] = 1, [0x2c] = 1,
	[0x2d] = 1, [0x2e] = 1, [0x2f] = 1, [0x30] = 1, [0x31] = 1, [0x32] = 1,
	[0x33] = 1, [0x34] = 1, [0x35] = 1, [0x36] = 1, [0x37] = 1, [0x38] = 1,
	[0x39] = 1, [0x3a] = 1, [0x3b] = 1, [0x3c] = 1, [0x3d] = 1, [0x3e] = 1,
	[0x3f] = 1, [0x40] = 1, [0x41] = 1, [0x42] = 1, [0x43] = 1, [0x44] = 1,
	[0x45] = 1, [0x46] = 1, [0x47] = 1, [0x48] = 1, [0x49] = 1, [0x4a] = 1,
	[0x4b] = 1, [0x4c] = 1, [0x4d] = 1, [0x4e] = 1, [0x4f] = 1, [0x50] = 1,
	[0x51] = 1, [0x52] = 1, [0x53] = 1, [0x54] = 1, [0x55] = 1, [0x56] = 1,
	[0x57] = 1, [0x58] = 1, [0x59] = 1, [0x5a] = 1, [0x5b] = 1, [0x5d] = 1,
	[0x5e] = 1, [0x5f] = 1, [0x60] = 1, [0x61] = 1, [0x62] = 1, [0x63] = 1,
	[0x64] = 1, [0x65] = 1, [0x66] = 1, [0x67] = 1, [0x68] = 1, [0x69] = 1,
	[0x6a] = 1, [0x6b] = 1, [0x6c] = 1, [0x6d] = 1, [0x6e] = 1, [0x6f] = 1,
	[0x70] = 1, [0x71] = 1, [0x72] = 1, [0x73] = 1, [0x74] = 1, [0x75] = 1,
	[0x76] = 1, [0x77] = 1, [0x78] = 1, [0x79] = 1, [0x7a] = 1, [0x7b] = 1,
	[0x7c] = 1, [0x7d] = 1, [0x7e] = 1, [0x7f] = 1,
};

/* ---- shared helpers (parser and writer) */

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Scans an RFC 8259 number at s[0..len).  Returns 0 with *end just past it
 * and *integral set when it has no fraction or exponent; or -1 with *end at
 * the offending byte and *why the reason.
 */
static int
num_scan(const unsigned char *s, size_t len, size_t *end, int *integral,
    const char **why)
{
	size_t i = 0;

	*integral = 1;
	if (i < len && s[i] == '-')
		i++;
	if (i >= len || !is_digit(s[i])) {
		*end = i;
		*why = "expected a digit in number";
		return -1;
	}
	if (s[i++] == '0') {
		if (i < len && is_digit(s[i])) {
			*end = i - 1;
			*why = "leading zero in number";
			return -1;
		}
	} else {
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i < len && s[i] == '.') {
		*integral = 0;
		if (++i >= len || !is_digit(s[i])) {
			*end = i;
			*why = "expected a digit after '.' in number";
			return -1;
		}
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		*integral = 0;
		if (++i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !is_digit(s[i])) {
			*end = i;
			*why = "expected a digit in exponent";
			return -1;
		}
		while (i < len && is_digit(s[i]))
			i++;
	}
	*end = i;
	return 0;
}

/* Converts integer number text; returns 0, or -1 if outside int64. */
static int
num_to_int64(const unsigned char *s, size_t len, int64_t *out)
{
	uint64_t mag = 0, limit = (uint64_t)INT64_MAX;
	size_t i = 0;

	if (s[0] == '-') {
		limit += 1;
		i = 1;
	}
	for (; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (mag > (limit - d) / 10)
			return -1;
		mag = mag * 10 + d;
	}
	if (s[0] != '-')
		*out = (int64_t)mag;
	else if (mag == (uint64_t)INT64_MAX + 1)
		*out = INT64_MIN;
	else
		*out = -(int64_t)mag;
	return 0;
}

/* ---- parser: errors */

static int jp_fail(struct jp *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
jp_fail(struct jp *p, size_t off, const char *fmt, ...)
{
	char why[ERRBUF_SIZE];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	errbuf_set(p->err, "offset %zu: %s", off, why);
	return -1;
}

static int
jp_fail_arena(struct jp *p, size_t off)
{
	p->exhausted = 1;
	return jp_fail(p, off, "arena exhausted (%zu bytes)", p->cap0);
}

/* 'x' for printable ASCII, else byte 0xNN. */
static const char *
jp_show_byte(unsigned char c, char out[16])
{
	if (c > 0x20 && c < 0x7f)
		fmt_snprintf(out, 16, "'%c'", c);
	else
		fmt_snprintf(out, 16, "byte 0x%02x", c);
	return out;
}

static int
jp_fail_unexpected(struct jp *p, const char *wanted)
{
	char b[16];

	if (p->pos >= p->len)
		return jp_fail(p, p->pos, "unexpected end of input, expected %s", wanted);
	return jp_fail(p, p->pos, "expected %s, got %s", wanted,
	    jp_show_byte(p->in[p->pos], b));
}

void
json_show_key(const char *key, size_t len, char *out, size_t cap)
{
	size_t o = 0, i;

	if (cap == 0)
		return;
	for (i = 0; i < len && i < JSON_ERR_KEY_SHOWN && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)key[i];

		if (c == '"' || c == '\\')
			o += (size_t)fmt_snprintf(out + o, cap - o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)fmt_snprintf(out + o, cap - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	if (i < len && o + 4 < cap)
		memcpy(out + o, "...", 4);
}

/* ---- parser: memory */

static void *
jp_push(struct jp *p, size_t size)
{
	unsigned char *q;

	if (p->stk - p->a->used < size)
		return NULL;
	p->stk -= size;
	p->a->cap = p->stk;
	q = p->a->base + p->stk;
	memset(q, 0, size);
	return q;
}

static void
jp_release(struct jp *p, size_t mark)
{
	p->stk = mark;
	p->a->cap = mark;
}

/* Copies n bytes plus a NUL to the front. */
static const char *
jp_copy_text(struct jp *p, const unsigned char *s, size_t n)
{
	char *d = arena_alloc(p->a, n + 1, 1);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

/* ---- parser: scalars */

static void
jp_ws(struct jp *p)
{
	while (p->pos < p->len) {
		unsigned char c = p->in[p->pos];

		if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
			return;
		p->pos++;
	}
}

/* Four hex digits at in[i..i+4) as a number, or -1. */
static long
jp_hex4(const struct jp *p, size_t i)
{
	long v = 0;
	size_t k;

	if (i > p->len || p->len - i < 4)
		return -1;
	for (k = 0; k < 4; k++) {
		int h = hex_digit(p->in[i + k]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* \uXXXX at in[esc] (the backslash), joining a surrogate pair. */
static int
jp_unicode_escape(struct jp *p, size_t *i, uint32_t *cp)
{
	size_t esc = *i;
	long hi = jp_hex4(p, esc + 2), lo;

	if (hi < 0)
		return jp_fail(p, esc, "invalid \\u escape (need 4 hex digits)");
	*i = esc + 6;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return jp_fail(p, esc, "unpaired low surrogate \\u%04lx", hi);
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = (uint32_t)hi;
		return 0;
	}
	lo = -1;
	if (p->len - *i >= 6 && p->in[*i] == '\\' && p->in[*i + 1] == 'u')
		lo = jp_hex4(p, *i + 2);
	if (lo < 0xdc00 || lo > 0xdfff)
		return jp_fail(p, esc, "unpaired high surrogate \\u%04lx", hi);
	*i += 6;
	*cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
	return 0;
}

/* The escape at in[*i] (a backslash) into *d; at most 4 bytes out. */
static int
jp_escape(struct jp *p, size_t *i, unsigned char **d)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k;
	uint32_t cp = 0;
	char b[16];

	if (*i + 1 >= p->len)
		return jp_fail(p, *i, "unterminated escape in string");
	if (p->in[*i + 1] == 'u') {
		if (jp_unicode_escape(p, i, &cp) != 0)
			return -1;
		*d += utf8_encode(cp, *d);
		return 0;
	}
	k = p->in[*i + 1] != '\0' ? strchr(from, p->in[*i + 1]) : NULL;
	if (k == NULL)
		return jp_fail(p, *i, "invalid escape \\ followed by %s",
		    jp_show_byte(p->in[*i + 1], b));
	*(*d)++ = (unsigned char)to[k - from];
	*i += 2;
	return 0;
}

/*
 * The string starting at in[pos] (a quote), unescaped into the front of the
 * arena.  Output is never longer than input, so a run is checked once.
 */
static int
jp_string(struct jp *p, const char **out, size_t *out_len)
{
	const unsigned char *in = p->in;
	unsigned char *d0 = p->a->base + p->a->used, *d = d0;
	size_t start = p->pos, i = p->pos + 1, room = p->a->cap - p->a->used, n;

	for (;;) {
		size_t run = i;

		while (run < p->len && str_plain[in[run]])
			run++;
		if (run - i + 4 > room - (size_t)(d - d0))
			return jp_fail_arena(p, start);
		memcpy(d, in + i, run - i);
		d += run - i;
		i = run;
		if (i >= p->len)
			return jp_fail(p, start, "unterminated string");
		if (in[i] == '"')
			break;
		if (in[i] == '\\') {
			if (jp_escape(p, &i, &d) != 0)
				return -1;
		} else if (in[i] < 0x20) {
			return jp_fail(p, i, "unescaped control character 0x%02x in string", in[i]);
		} else {
			n = utf8_decode(in + i, p->len - i, NULL);
			if (n == 0)
				return jp_fail(p, i, "invalid UTF-8 in string");
			memcpy(d, in + i, n);
			d += n;
			i += n;
		}
	}
	*d = '\0';
	*out = (const char *)d0;
	*out_len = (size_t)(d - d0);
	p->a->used += *out_len + 1;
	p->pos = i + 1;
	return 0;
}

static int
jp_number(struct jp *p, struct json_value *v)
{
	const unsigned char *s = p->in + p->pos;
	const char *why;
	size_t end;
	int integral;

	if (num_scan(s, p->len - p->pos, &end, &integral, &why) != 0)
		return jp_fail(p, p->pos + end, "%s", why);
	v->type = JSON_NUMBER;
	v->u.num.text = jp_copy_text(p, s, end);
	if (v->u.num.text == NULL)
		return jp_fail_arena(p, p->pos);
	v->u.num.len = end;
	v->u.num.is_int = integral && num_to_int64(s, end, &v->u.num.i) == 0;
	p->pos += end;
	return 0;
}

static int
jp_literal(struct jp *p, struct json_value *v, const char *word, enum json_type t)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->in + p->pos, word, n) != 0)
		return jp_fail(p, p->pos, "invalid literal (expected %s)", word);
	v->type = t;
	p->pos += n;
	return 0;
}

static int
jp_scalar(struct jp *p, struct json_value *v)
{
	unsigned char c = p->in[p->pos];

	v->offset = (uint32_t)p->pos;
	switch (c) {
	case '"':
		v->type = JSON_STRING;
		return jp_string(p, &v->u.str.ptr, &v->u.str.len);
	case 't':
		return jp_literal(p, v, "true", JSON_TRUE);
	case 'f':
		return jp_literal(p, v, "false", JSON_FALSE);
	case 'n':
		return jp_literal(p, v, "null", JSON_NULL);
	default:
		if (c == '-' || is_digit(c))
			return jp_number(p, v);
		return jp_fail_unexpected(p, "a value");
	}
}

/* ---- parser: containers */

static struct jp_member *
jp_member_at(const struct jp *p, const struct jp_frame *f, size_t i)
{
	return (struct jp_member *)(void *)(p->a->base + f->mark -
	    (i + 1) * sizeof(struct jp_member));
}

static struct json_value *
jp_item_at(const struct jp *p, const struct jp_frame *f, size_t i)
{
	return (struct json_value *)(void *)(p->a->base + f->mark -
	    (i + 1) * sizeof(struct json_value));
}

/* Byte order of two keys, or the order of their Go-folded runes. */
static int
key_cmp(const char *x, size_t xn, const char *y, size_t yn, int fold)
{
	size_t n = xn < yn ? xn : yn;
	int c;

	if (fold)
		return gofold_cmp(x, xn, y, yn);
	c = memcmp(x, y, n);
	if (c != 0)
		return c;
	return (xn > yn) - (xn < yn);
}

/* A key while checking an object for duplicates: the first 8 bytes, big
 * endian and zero padded, settle most comparisons without a pointer hop
 * (folded comparisons leave the prefix 0: bytes do not order them). */
struct jp_key {
	uint64_t prefix;
	const char *key;
	uint32_t len;
	uint32_t idx; /* member index = document order */
};

static int
jp_key_cmp(const struct jp_key *x, const struct jp_key *y, int fold)
{
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return key_cmp(x->key, x->len, y->key, y->len, fold);
}

static void
jp_key_load(struct jp_key *k, const struct json_member *m, size_t idx, int fold)
{
	size_t i;

	k->prefix = 0;
	for (i = 0; i < 8 && !fold; i++)
		k->prefix = k->prefix << 8 | (i < m->key_len ? (unsigned char)m->key[i] : 0);
	k->key = m->key;
	k->len = (uint32_t)m->key_len;
	k->idx = (uint32_t)idx;
}

/* Merges the sorted runs src[lo..mid) and src[mid..hi) into dst. */
static void
jp_merge(const struct jp_key *src, struct jp_key *dst, size_t lo, size_t mid,
    size_t hi, int fold)
{
	size_t i = lo, j = mid, o = lo;

	while (i < mid && j < hi)
		dst[o++] = jp_key_cmp(&src[j], &src[i], fold) < 0 ? src[j++] : src[i++];
	while (i < mid)
		dst[o++] = src[i++];
	while (j < hi)
		dst[o++] = src[j++];
}

/*
 * Bottom-up merge sort: O(n log n) worst case, no recursion, sequential
 * memory access, and stable, so equal keys stay in document order.
 * Returns whichever of a and tmp holds the result.
 */
static struct jp_key *
jp_sort_keys(struct jp_key *a, struct jp_key *tmp, size_t n, int fold)
{
	struct jp_key *t;
	size_t w, lo;

	for (w = 1; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			size_t mid = n - lo > w ? lo + w : n;
			size_t hi = n - lo > 2 * w ? lo + 2 * w : n;

			jp_merge(a, tmp, lo, mid, hi, fold);
		}
		t = a;
		a = tmp;
		tmp = t;
	}
	return a;
}

/* A pair of members with equal keys: dup repeats first.  dup == n: none. */
struct jp_dup {
	size_t first, dup;
};

static int
jp_member_cmp(const struct jp *p, const struct jp_frame *f, size_t i, size_t j)
{
	const struct json_member *x = &jp_member_at(p, f, i)->m;
	const struct json_member *y = &jp_member_at(p, f, j)->m;

	return key_cmp(x->key, x->key_len, y->key, y->key_len,
	    (p->opt->flags & JSON_FOLD_KEYS) != 0);
}

static void
jp_first_dup_small(const struct jp *p, const struct jp_frame *f, struct jp_dup *d)
{
	size_t i, j;

	for (j = 1; j < f->n; j++)
		for (i = 0; i < j; i++)
			if (jp_member_cmp(p, f, i, j) == 0) {
				d->first = i;
				d->dup = j;
				return;
			}
}

/* The first member (in document order) repeating an earlier key.  Sorting
 * keeps it O(n log n) on hostile objects. */
static int
jp_first_dup(struct jp *p, const struct jp_frame *f, struct jp_dup *d)
{
	size_t n = f->n, i, used0 = p->a->used;
	int fold = (p->opt->flags & JSON_FOLD_KEYS) != 0;
	struct jp_key *k, *tmp;

	d->dup = n;
	if (n <= JP_SMALL_OBJECT) {
		jp_first_dup_small(p, f, d);
		return 0;
	}
	k = arena_array(p->a, n, sizeof(*k), _Alignof(struct jp_key));
	tmp = arena_array(p->a, n, sizeof(*tmp), _Alignof(struct jp_key));
	if (k == NULL || tmp == NULL) {
		p->a->used = used0;
		return -1;
	}
	for (i = 0; i < n; i++)
		jp_key_load(&k[i], &jp_member_at(p, f, i)->m, i, fold);
	k = jp_sort_keys(k, tmp, n, fold);
	for (i = 1; i < n; i++)
		if (jp_key_cmp(&k[i - 1], &k[i], fold) == 0 && k[i].idx < d->dup) {
			d->first = k[i - 1].idx;
			d->dup = k[i].idx;
		}
	p->a->used = used0;
	return 0;
}

static int
jp_fail_dup(struct jp *p, const struct jp_frame *f, const struct jp_dup *d)
{
	const struct json_member *x = &jp_member_at(p, f, d->first)->m;
	const struct json_member *y = &jp_member_at(p, f, d->dup)->m;
	char a[JSON_SHOWN_KEY_SIZE], b[JSON_SHOWN_KEY_SIZE];

	json_show_key(y->key, y->key_len, b, sizeof(b));
	if (x->key_len == y->key_len && memcmp(x->key, y->key, x->key_len) == 0)
		return jp_fail(p, y->key_offset, "duplicate key \"%s\"", b);
	json_show_key(x->key, x->key_len, a, sizeof(a));
	return jp_fail(p, y->key_offset, "key \"%s\" repeats \"%s\" under Go's "
	    "case folding", b, a);
}

static int
jp_close_object(struct jp *p, const struct jp_frame *f)
{
	struct json_member *m = NULL;
	struct jp_dup d;
	size_t i;

	if (jp_first_dup(p, f, &d) != 0)
		return jp_fail_arena(p, p->pos - 1);
	if (d.dup < f->n)
		return jp_fail_dup(p, f, &d);
	if (f->n > 0) {
		m = arena_array(p->a, f->n, sizeof(*m), _Alignof(struct json_member));
		if (m == NULL)
			return jp_fail_arena(p, p->pos - 1);
	}
	for (i = 0; i < f->n; i++)
		m[i] = jp_member_at(p, f, i)->m;
	f->slot->type = JSON_OBJECT;
	f->slot->u.obj.members = m;
	f->slot->u.obj.n = f->n;
	return 0;
}

static int
jp_close_array(struct jp *p, const struct jp_frame *f)
{
	struct json_value *v = NULL;
	size_t i;

	if (f->n > 0) {
		v = arena_array(p->a, f->n, sizeof(*v), _Alignof(struct json_value));
		if (v == NULL)
			return jp_fail_arena(p, p->pos - 1);
	}
	for (i = 0; i < f->n; i++)
		v[i] = *jp_item_at(p, f, i);
	f->slot->type = JSON_ARRAY;
	f->slot->u.arr.items = v;
	f->slot->u.arr.n = f->n;
	return 0;
}

/* Finishes the innermost container (its closing byte was consumed). */
static int
jp_close(struct jp *p)
{
	const struct jp_frame *f = &p->frames[p->depth - 1];
	int rc = f->is_object ? jp_close_object(p, f) : jp_close_array(p, f);

	if (rc != 0)
		return -1;
	jp_release(p, f->mark);
	p->depth--;
	return 0;
}

static int
jp_open(struct jp *p, struct json_value *slot)
{
	struct jp_frame *f;

	if (p->depth == JSON_MAX_DEPTH)
		return jp_fail(p, p->pos, "nesting deeper than %d", JSON_MAX_DEPTH);
	f = &p->frames[p->depth++];
	f->slot = slot;
	f->mark = p->stk;
	f->n = 0;
	f->is_object = p->in[p->pos] == '{';
	f->key = NULL;
	f->key_len = 0;
	f->delivered = 0;
	if (p->depth == 2 && p->frames[0].is_object) {
		const struct jp_member *owner = jp_member_at(p, &p->frames[0],
		    p->frames[0].n - 1);

		f->key = owner->m.key;
		f->key_len = owner->m.key_len;
	}
	slot->offset = (uint32_t)p->pos;
	slot->type = f->is_object ? JSON_OBJECT : JSON_ARRAY;
	p->pos++;
	return 0;
}

/* Pushes the next child of the innermost container (for an object, parses
 * its key and ':'), and returns the slot its value goes to. */
static int
jp_child(struct jp *p, struct json_value **slot)
{
	struct jp_frame *f = &p->frames[p->depth - 1];
	struct jp_member *pm;

	if (!f->is_object) {
		f->elem_used = p->a->used;
		*slot = jp_push(p, sizeof(struct json_value));
		if (*slot == NULL)
			return jp_fail_arena(p, p->pos);
		f->n++;
		return 0;
	}
	jp_ws(p);
	if (p->pos >= p->len || p->in[p->pos] != '"')
		return jp_fail_unexpected(p, "a string key");
	pm = jp_push(p, sizeof(*pm));
	if (pm == NULL)
		return jp_fail_arena(p, p->pos);
	f->n++;
	pm->m.key_offset = (uint32_t)p->pos;
	if (jp_string(p, &pm->m.key, &pm->m.key_len) != 0)
		return -1;
	jp_ws(p);
	if (p->pos >= p->len || p->in[p->pos] != ':')
		return jp_fail_unexpected(p, "':' after key");
	p->pos++;
	*slot = &pm->m.value;
	return 0;
}

/* Whether the innermost container's elements go to the element sink: an
 * array that is a member of the top-level object. */
static int
jp_sinks(const struct jp *p)
{
	return p->opt->element != NULL && p->depth == 2 &&
	    !p->frames[1].is_object && p->frames[0].is_object;
}

/*
 * Hands the innermost array's last element, just completed, to the sink,
 * then drops it: its slot is the stack's lowest entry (its own children
 * were released when it closed) and all it allocated lies above elem_used.
 */
static int
jp_deliver(struct jp *p)
{
	struct jp_frame *f = &p->frames[1];
	const struct json_value *v = jp_item_at(p, f, f->n - 1);

	if (p->opt->element(p->opt->ctx, f->key, f->key_len, f->delivered, v,
	    p->err) != 0)
		return -1;
	f->delivered++;
	f->n--;
	jp_release(p, p->stk + sizeof(struct json_value));
	p->a->used = f->elem_used;
	return 0;
}

/*
 * After a complete value: closes containers whose end follows, and returns
 * 1 with the next slot to fill, 0 when the top-level value is done, or -1.
 * Each turn of the loop starts right after the innermost container's last
 * child was completed.
 */
static int
jp_next(struct jp *p, struct json_value **slot)
{
	while (p->depth > 0) {
		const struct jp_frame *f = &p->frames[p->depth - 1];
		unsigned char end = f->is_object ? '}' : ']';

		if (jp_sinks(p) && f->n > 0 && jp_deliver(p) != 0)
			return -1;

		jp_ws(p);
		if (p->pos < p->len && p->in[p->pos] == ',') {
			p->pos++;
			return jp_child(p, slot) == 0 ? 1 : -1;
		}
		if (p->pos >= p->len || p->in[p->pos] != end)
			return jp_fail_unexpected(p, f->is_object ? "',' or '}'" : "',' or ']'");
		p->pos++;
		if (jp_close(p) != 0)
			return -1;
	}
	return 0;
}

/* Parses one value into slot, iteratively: depth lives in p->frames. */
static int
jp_value(struct jp *p, struct json_value *slot)
{
	int rc;

	for (;;) {
		jp_ws(p);
		if (p->pos >= p->len)
			return jp_fail_unexpected(p, "a value");
		if (p->in[p->pos] == '[' || p->in[p->pos] == '{') {
			unsigned char end = p->in[p->pos] == '[' ? ']' : '}';

			if (jp_open(p, slot) != 0)
				return -1;
			jp_ws(p);
			if (p->pos >= p->len || p->in[p->pos] != end) {
				if (jp_child(p, &slot) != 0)
					return -1;
				continue;
			}
			p->pos++;
			if (jp_close(p) != 0)
				return -1;
		} else if (jp_scalar(p, slot) != 0) {
			return -1;
		}
		rc = jp_next(p, &slot);
		if (rc <= 0)
			return rc;
	}
}

/* The arena's end rounded down so stack entries are aligned. */
static size_t
jp_stack_top(const struct arena *a)
{
	size_t mis = (size_t)(((uintptr_t)a->base + a->cap) % 8);

	if (a->used > a->cap || mis > a->cap - a->used)
		return a->used;
	return a->cap - mis;
}

int
json_parse(const char *buf, size_t len, struct arena *a,
    struct json_value *out, struct errbuf *err)
{
	return json_parse_opts(buf, len, NULL, a, out, err);
}

int
json_parse_opts(const char *buf, size_t len, const struct json_options *opt,
    struct arena *a, struct json_value *out, struct errbuf *err)
{
	static const struct json_options defaults;
	struct jp p;
	size_t used0 = a->used;
	int rc;

	memset(out, 0, sizeof(*out));
	if (len > JSON_MAX_INPUT) {
		errbuf_set(err, "offset %u: input longer than %u bytes",
		    (unsigned)JSON_MAX_INPUT, (unsigned)JSON_MAX_INPUT);
		return -1;
	}
	p.in = (const unsigned char *)buf;
	p.len = len;
	p.pos = 0;
	p.a = a;
	p.cap0 = a->cap;
	p.stk = jp_stack_top(a);
	p.err = err;
	p.opt = opt != NULL ? opt : &defaults;
	p.exhausted = 0;
	p.depth = 0;
	a->cap = p.stk;
	rc = jp_value(&p, out);
	if (rc == 0) {
		jp_ws(&p);
		if (p.pos < p.len)
			rc = jp_fail(&p, p.pos, "trailing data after the JSON value");
	}
	a->cap = p.cap0;
	if (rc != 0) {
		a->used = used0;
		memset(out, 0, sizeof(*out));
		return p.exhausted ? -2 : -1;
	}
	return 0;
}

/* ---- accessors */

const char *
json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL: return "null";
	case JSON_FALSE: return "false";
	case JSON_TRUE: return "true";
	case JSON_NUMBER: return "number";
	case JSON_STRING: return "string";
	case JSON_ARRAY: return "array";
	case JSON_OBJECT: return "object";
	}
	return "invalid";
}

const struct json_value *
json_object_get(const struct json_value *obj, const char *key)
{
	size_t n, i;

	if (obj == NULL || obj->type != JSON_OBJECT)
		return NULL;
	n = strlen(key);
	for (i = 0; i < obj->u.obj.n; i++) {
		const struct json_member *m = &obj->u.obj.members[i];

		if (m->key_len == n && memcmp(m->key, key, n) == 0)
			return &m->value;
	}
	return NULL;
}

const char *
json_string(const struct json_value *v)
{
	if (v == NULL || v->type != JSON_STRING ||
	    memchr(v->u.str.ptr, '\0', v->u.str.len) != NULL)
		return NULL;
	return v->u.str.ptr;
}

const char *
json_get_string(const struct json_value *obj, const char *key)
{
	return json_string(json_object_get(obj, key));
}

int
json_get_int(const struct json_value *obj, const char *key, int64_t *out)
{
	const struct json_value *v = json_object_get(obj, key);

	if (v == NULL || v->type != JSON_NUMBER || !v->u.num.is_int)
		return -1;
	*out = v->u.num.i;
	return 0;
}

static const struct json_value *
json_get_typed(const struct json_value *obj, const char *key, enum json_type t)
{
	const struct json_value *v = json_object_get(obj, key);

	return v != NULL && v->type == t ? v : NULL;
}

const struct json_value *
json_get_array(const struct json_value *obj, const char *key)
{
	return json_get_typed(obj, key, JSON_ARRAY);
}

const struct json_value *
json_get_object(const struct json_value *obj, const char *key)
{
	return json_get_typed(obj, key, JSON_OBJECT);
}

int
json_check_fields(const struct json_value *obj, const char *fields,
    struct errbuf *err)
{
	char shown[JSON_SHOWN_KEY_SIZE];
	const char *f;
	size_t i, n;

	if (obj == NULL || obj->type != JSON_OBJECT)
		return 0;
	for (i = 0; i < obj->u.obj.n; i++) {
		const struct json_member *m = &obj->u.obj.members[i];

		for (f = fields; (n = strlen(f)) > 0; f += n + 1) {
			if ((m->key_len == n && memcmp(m->key, f, n) == 0) ||
			    !gofold_equal(m->key, m->key_len, f, n))
				continue;
			json_show_key(m->key, m->key_len, shown, sizeof(shown));
			errbuf_set(err, "offset %u: key \"%s\" is field \"%s\" to Go's "
			    "case-insensitive decoder", (unsigned)m->key_offset, shown, f);
			return -1;
		}
	}
	return 0;
}

/* ---- equality */

static int
scalar_equal(const struct json_value *a, const struct json_value *b)
{
	switch (a->type) {
	case JSON_NUMBER:
		return a->u.num.len == b->u.num.len &&
		    memcmp(a->u.num.text, b->u.num.text, a->u.num.len) == 0;
	case JSON_STRING:
		return a->u.str.len == b->u.str.len &&
		    memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
	case JSON_ARRAY:
		return a->u.arr.n == b->u.arr.n;
	case JSON_OBJECT:
		return a->u.obj.n == b->u.obj.n;
	default:
		return 1;
	}
}

/* The i-th child of container v (and its key, for objects). */
static const struct json_value *
child_at(const struct json_value *v, size_t i, const struct json_member **m)
{
	if (v->type == JSON_ARRAY) {
		*m = NULL;
		return &v->u.arr.items[i];
	}
	*m = &v->u.obj.members[i];
	return &(*m)->value;
}

static size_t
child_count(const struct json_value *v)
{
	if (v->type == JSON_ARRAY)
		return v->u.arr.n;
	return v->type == JSON_OBJECT ? v->u.obj.n : 0;
}

int
json_value_equal(const struct json_value *a, const struct json_value *b)
{
	struct { const struct json_value *a, *b; size_t i; } st[JSON_MAX_DEPTH];
	size_t d = 0;

	if (a->type != b->type || !scalar_equal(a, b))
		return 0;
	if (child_count(a) == 0)
		return 1;
	st[0].a = a;
	st[0].b = b;
	st[0].i = 0;
	d = 1;
	while (d > 0) {
		const struct json_member *ma, *mb;
		const struct json_value *ca, *cb;

		if (st[d - 1].i == child_count(st[d - 1].a)) {
			d--;
			continue;
		}
		ca = child_at(st[d - 1].a, st[d - 1].i, &ma);
		cb = child_at(st[d - 1].b, st[d - 1].i, &mb);
		st[d - 1].i++;
		if (ma != NULL && (ma->key_len != mb->key_len ||
		    memcmp(ma->key, mb->key, ma->key_len) != 0))
			return 0;
		/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): a count > 0 comes with its array */
		if (ca->type != cb->type || !scalar_equal(ca, cb))
			return 0;
		if (child_count(ca) == 0)
			continue;
		if (d == JSON_MAX_DEPTH)
			return 0;
		st[d].a = ca;
		st[d].b = cb;
		st[d].i = 0;
		d++;
	}
	return 1;
}

/* ---- writer */

void
json_writer_init(struct json_writer *w, char *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap;
}

static void
jw_misuse(struct json_writer *w, const char *why)
{
	if (w->misuse == NULL)
		w->misuse = why;
}

static void
jw_raw(struct json_writer *w, const void *s, size_t n)
{
	if (w->overflow || w->misuse != NULL)
		return;
	if (n > w->cap - w->len) {
		w->overflow = 1;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static uint64_t
jw_bit(const struct json_writer *w)
{
	return (uint64_t)1 << (w->depth - 1);
}

/* Separator and state before any value; 0 if the value may be written. */
static int
jw_before_value(struct json_writer *w)
{
	if (w->misuse != NULL)
		return -1;
	if (w->depth == 0) {
		if (w->done)
			jw_misuse(w, "more than one top-level value");
	} else if (w->is_object & jw_bit(w)) {
		if (!w->after_key)
			jw_misuse(w, "object member without a key");
		w->after_key = 0;
	} else {
		if (w->has_items & jw_bit(w))
			jw_raw(w, ",", 1);
		w->has_items |= jw_bit(w);
	}
	return w->misuse != NULL ? -1 : 0;
}

static void
jw_after_value(struct json_writer *w)
{
	if (w->depth == 0)
		w->done = 1;
}

static void
jw_begin(struct json_writer *w, int object)
{
	if (jw_before_value(w) != 0)
		return;
	if (w->depth == JSON_MAX_DEPTH) {
		jw_misuse(w, "nesting deeper than JSON_MAX_DEPTH");
		return;
	}
	w->depth++;
	if (object)
		w->is_object |= jw_bit(w);
	else
		w->is_object &= ~jw_bit(w);
	w->has_items &= ~jw_bit(w);
	jw_raw(w, object ? "{" : "[", 1);
}

static void
jw_end(struct json_writer *w, int object)
{
	if (w->misuse != NULL)
		return;
	if (w->depth == 0 || !(w->is_object & jw_bit(w)) != !object || w->after_key) {
		jw_misuse(w, object ? "unbalanced object end" : "unbalanced array end");
		return;
	}
	jw_raw(w, object ? "}" : "]", 1);
	w->depth--;
	jw_after_value(w);
}

void
json_write_object_begin(struct json_writer *w)
{
	jw_begin(w, 1);
}

void
json_write_object_end(struct json_writer *w)
{
	jw_end(w, 1);
}

void
json_write_array_begin(struct json_writer *w)
{
	jw_begin(w, 0);
}

void
json_write_array_end(struct json_writer *w)
{
	jw_end(w, 0);
}

static void
jw_escape_byte(struct json_writer *w, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', '0', '0', 0, 0 };

	switch (c) {
	case '"': jw_raw(w, "\\\"", 2); return;
	case '\\': jw_raw(w, "\\\\", 2); return;
	case '\b': jw_raw(w, "\\b", 2); return;
	case '\f': jw_raw(w, "\\f", 2); return;
	case '\n': jw_raw(w, "\\n", 2); return;
	case '\r': jw_raw(w, "\\r", 2); return;
	case '\t': jw_raw(w, "\\t", 2); return;
	default:
		e[4] = hex[c >> 4];
		e[5] = hex[c & 15];
		jw_raw(w, e, 6);
	}
}

static void
jw_quoted(struct json_writer *w, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run, n;

	jw_raw(w, "\"", 1);
	while (i < len) {
		for (run = i; run < len && str_plain[s[run]]; run++)
			;
		jw_raw(w, s + i, run - i);
		if ((i = run) >= len)
			break;
		if (s[i] < 0x80) {
			jw_escape_byte(w, s[i++]);
			continue;
		}
		n = utf8_decode(s + i, len - i, NULL);
		if (n == 0) {
			jw_misuse(w, "invalid UTF-8 in string");
			return;
		}
		jw_raw(w, s + i, n);
		i += n;
	}
	jw_raw(w, "\"", 1);
}

void
json_write_key_n(struct json_writer *w, const char *key, size_t len)
{
	if (w->misuse != NULL)
		return;
	if (w->depth == 0 || !(w->is_object & jw_bit(w)) || w->after_key) {
		jw_misuse(w, "key outside an object or twice in a row");
		return;
	}
	if (w->has_items & jw_bit(w))
		jw_raw(w, ",", 1);
	w->has_items |= jw_bit(w);
	jw_quoted(w, key, len);
	jw_raw(w, ":", 1);
	w->after_key = 1;
}

void
json_write_key(struct json_writer *w, const char *key)
{
	json_write_key_n(w, key, strlen(key));
}

void
json_write_string_n(struct json_writer *w, const char *s, size_t len)
{
	if (jw_before_value(w) != 0)
		return;
	jw_quoted(w, s, len);
	jw_after_value(w);
}

void
json_write_string(struct json_writer *w, const char *s)
{
	json_write_string_n(w, s, strlen(s));
}

void
json_write_int(struct json_writer *w, int64_t v)
{
	char d[24];
	size_t i = sizeof(d);
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	if (jw_before_value(w) != 0)
		return;
	do {
		d[--i] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag != 0);
	if (v < 0)
		d[--i] = '-';
	jw_raw(w, d + i, sizeof(d) - i);
	jw_after_value(w);
}

void
json_write_bool(struct json_writer *w, int v)
{
	if (jw_before_value(w) != 0)
		return;
	jw_raw(w, v ? "true" : "false", v ? 4 : 5);
	jw_after_value(w);
}

void
json_write_null(struct json_writer *w)
{
	if (jw_before_value(w) != 0)
		return;
	jw_raw(w, "null", 4);
	jw_after_value(w);
}

void
json_write_number_text(struct json_writer *w, const char *text, size_t len)
{
	const char *why;
	size_t end;
	int integral;

	if (num_scan((const unsigned char *)text, len, &end, &integral, &why) != 0 ||
	    end != len) {
		jw_misuse(w, "invalid number text");
		return;
	}
	if (jw_before_value(w) != 0)
		return;
	jw_raw(w, text, len);
	jw_after_value(w);
}

/* Writes a scalar, or opens a container; returns 1 if one was opened. */
static int
jw_node(struct json_writer *w, const struct json_value *v)
{
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): a count > 0 comes with its array */
	switch (v->type) {
	case JSON_NULL: json_write_null(w); return 0;
	case JSON_FALSE: json_write_bool(w, 0); return 0;
	case JSON_TRUE: json_write_bool(w, 1); return 0;
	case JSON_NUMBER: json_write_number_text(w, v->u.num.text, v->u.num.len); return 0;
	case JSON_STRING: json_write_string_n(w, v->u.str.ptr, v->u.str.len); return 0;
	case JSON_ARRAY: json_write_array_begin(w); return 1;
	case JSON_OBJECT: json_write_object_begin(w); return 1;
	}
	jw_misuse(w, "invalid value type");
	return 0;
}

void
json_write_value(struct json_writer *w, const struct json_value *v)
{
	struct { const struct json_value *v; size_t i; } st[JSON_MAX_DEPTH];
	size_t d = 0;

	if (!jw_node(w, v))
		return;
	st[d].v = v;
	st[d++].i = 0;
	while (d > 0 && w->misuse == NULL) {
		const struct json_member *m;
		const struct json_value *c;

		if (st[d - 1].i == child_count(st[d - 1].v)) {
			jw_end(w, st[--d].v->type == JSON_OBJECT);
			continue;
		}
		c = child_at(st[d - 1].v, st[d - 1].i++, &m);
		if (m != NULL)
			json_write_key_n(w, m->key, m->key_len);
		if (jw_node(w, c)) {
			if (d == JSON_MAX_DEPTH)
				return; /* jw_begin already refused it */
			st[d].v = c;
			st[d++].i = 0;
		}
	}
}

int
json_writer_finish(struct json_writer *w, struct errbuf *err)
{
	if (w->misuse != NULL) {
		errbuf_set(err, "json writer: %s", w->misuse);
		return -1;
	}
	if (w->overflow || w->len >= w->cap) {
		errbuf_set(err, "json writer: output does not fit in %zu bytes", w->cap);
		return -1;
	}
	if (w->depth != 0 || !w->done) {
		errbuf_set(err, "json writer: incomplete value");
		return -1;
	}
	w->buf[w->len] = '\0';
	return 0;
}
