/*
 * TOML 1.0.0 parser, builders, serializer.  See include/toml.h.
 *
 * The parser is a hand-written scanner over the whole buffer (validated as
 * UTF-8 first).  Key/value lines and headers are handled by loops; only
 * values recurse (arrays, inline tables), one level per container, checked
 * against TOML_MAX_DEPTH before descending.  Each table keeps its keys twice:
 * a list in document order and an AVL index, so duplicate checks stay
 * O(log n) whatever the keys look like (no hash to flood).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "hex.h"
#include "toml.h"
#include "utf8.h"

/* AVL height is < 1.45·log2(n+2): 96 covers any table that fits in memory. */
#define INDEX_MAX_HEIGHT 96
/* Keys quoted in error messages are cut to this many bytes. */
#define SHOW_KEY_MAX 64

struct parser {
	const char *buf;
	size_t len;
	size_t pos;
	struct arena *a;
	struct errbuf *err;
	struct toml_value *root;
	struct toml_value *cur; /* table receiving key/value lines */
	int cur_depth;
	size_t key_pos; /* the last key segment, decoded into key[] */
	size_t key_len;
	char key[TOML_MAX_KEY_LEN];
};

/* A scanned string literal: where its content is and how long it decodes. */
struct strscan {
	size_t start, stop; /* content bytes, between the delimiters */
	size_t end;         /* one past the closing delimiter */
	size_t dlen;        /* decoded length */
	int quote;          /* '"' or '\'' */
	int multi;
	int verbatim; /* the content bytes are the decoded bytes */
};

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
is_oct(int c)
{
	return c >= '0' && c <= '7';
}

static int
is_bin(int c)
{
	return c == '0' || c == '1';
}

static int
is_bare(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    is_digit(c) || c == '_' || c == '-';
}

/* Control characters TOML never allows raw (tab is fine everywhere). */
static int
is_ctl(int c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* A key made safe for a one-line message: printable ASCII, cut short. */
static const char *
show_key(const char *k, size_t n, char out[SHOW_KEY_MAX + 4])
{
	size_t i, o = 0;

	for (i = 0; i < n && o < SHOW_KEY_MAX; i++) {
		unsigned char c = (unsigned char)k[i];
		out[o++] = (char)((c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ?
		    c : '?');
	}
	if (i < n) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

const char *
toml_type_name(enum toml_type t)
{
	switch (t) {
	case TOML_STRING: return "string";
	case TOML_INTEGER: return "integer";
	case TOML_FLOAT: return "float";
	case TOML_BOOL: return "boolean";
	case TOML_DATETIME: return "datetime";
	case TOML_ARRAY: return "array";
	case TOML_TABLE: return "table";
	}
	return "unknown";
}

static const char *
a_type(const struct toml_value *v)
{
	switch (v->type) {
	case TOML_INTEGER: return "an integer";
	case TOML_ARRAY:
		return v->u.arr.of_tables ? "an array of tables" : "an array";
	case TOML_TABLE: return "a table";
	case TOML_STRING: return "a string";
	case TOML_FLOAT: return "a float";
	case TOML_BOOL: return "a boolean";
	case TOML_DATETIME: return "a datetime";
	}
	return "a value";
}

/* ------------------------------------------------------------------ */
/* key index: an AVL tree per table                                    */

static int
key_cmp(const char *k, size_t n, const struct toml_kv *kv)
{
	size_t m = n < kv->key_len ? n : kv->key_len;
	int c;

	if (m == 0)
		c = 0;
	else if (k[0] != kv->key[0]) /* most keys differ early: skip the call */
		c = (unsigned char)k[0] - (unsigned char)kv->key[0];
	else
		c = memcmp(k, kv->key, m);
	if (c != 0)
		return c;
	return (n > kv->key_len) - (n < kv->key_len);
}

static int
kv_height(const struct toml_kv *n)
{
	return n ? n->height : 0;
}

static void
kv_fix_height(struct toml_kv *n)
{
	int l = kv_height(n->left), r = kv_height(n->right);

	n->height = 1 + (l > r ? l : r);
}

static void
rotate_right(struct toml_kv **link)
{
	struct toml_kv *n = *link, *l = n->left;

	n->left = l->right;
	l->right = n;
	kv_fix_height(n);
	kv_fix_height(l);
	*link = l;
}

static void
rotate_left(struct toml_kv **link)
{
	struct toml_kv *n = *link, *r = n->right;

	n->right = r->left;
	r->left = n;
	kv_fix_height(n);
	kv_fix_height(r);
	*link = r;
}

static void
rebalance(struct toml_kv **link)
{
	struct toml_kv *n = *link;
	int b = kv_height(n->left) - kv_height(n->right);

	if (b > 1) {
		if (kv_height(n->left->left) < kv_height(n->left->right))
			rotate_left(&n->left);
		rotate_right(link);
	} else if (b < -1) {
		if (kv_height(n->right->right) < kv_height(n->right->left))
			rotate_right(&n->right);
		rotate_left(link);
	} else {
		kv_fix_height(n);
	}
}

static struct toml_kv *
index_find(const struct toml_table *t, const char *k, size_t n)
{
	struct toml_kv *kv = t->index;
	int c;

	while (kv != NULL) {
		c = key_cmp(k, n, kv);
		if (c == 0)
			return kv;
		kv = c < 0 ? kv->left : kv->right;
	}
	return NULL;
}

/* Links kv at the end of the table.  Returns 0, or 1 without linking if
 * the key is already there, or -1 if the index is too deep (impossible
 * with an AVL tree in addressable memory, but checked, not assumed). */
static int
table_link(struct toml_table *t, struct toml_kv *kv)
{
	struct toml_kv **path[INDEX_MAX_HEIGHT];
	struct toml_kv **link = &t->index;
	size_t depth = 0;
	int c;

	while (*link != NULL) {
		if (depth == INDEX_MAX_HEIGHT)
			return -1;
		if ((c = key_cmp(kv->key, kv->key_len, *link)) == 0)
			return 1;
		path[depth++] = link;
		link = c < 0 ? &(*link)->left : &(*link)->right;
	}
	kv->left = kv->right = NULL;
	kv->height = 1;
	*link = kv;
	while (depth > 0)
		rebalance(path[--depth]);
	kv->next = NULL;
	if (t->tail != NULL)
		t->tail->next = kv;
	else
		t->head = kv;
	t->tail = kv;
	t->len++;
	return 0;
}

static void
array_link(struct toml_array *arr, struct toml_elem *e)
{
	e->next = NULL;
	if (arr->tail != NULL)
		arr->tail->next = e;
	else
		arr->head = e;
	arr->tail = e;
	arr->len++;
}

/* ------------------------------------------------------------------ */
/* errors                                                              */

static int fail(struct parser *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct parser *p, size_t at, const char *fmt, ...)
{
	char why[ERRBUF_SIZE];
	unsigned long line = 1, col = 1;
	size_t i;
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (at > p->len)
		at = p->len;
	/* Columns count characters, so skip UTF-8 continuation bytes. */
	for (i = 0; i < at; i++) {
		if (p->buf[i] == '\n') {
			line++;
			col = 1;
		} else if (((unsigned char)p->buf[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	errbuf_set(p->err, "line %lu, column %lu: %s", line, col, why);
	return -1;
}

static int
peek(const struct parser *p, size_t off)
{
	return off < p->len - p->pos ?
	    (unsigned char)p->buf[p->pos + off] : -1;
}

/*
 * What sits at p->pos, by class only: the byte itself may belong to a
 * secret (an unquoted or half-quoted value under [mpc_node_config]), and
 * the position in the message already points at it.
 */
static const char *
char_class(int c)
{
	if (c < 0)
		return "end of input";
	if (c == '\n')
		return "end of line";
	if (c == '\r')
		return "carriage return";
	if (c == ' ' || c == '\t')
		return "whitespace";
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return "a letter";
	if (c >= '0' && c <= '9')
		return "a digit";
	if (c > 0x20 && c < 0x7f)
		return "a punctuation character";
	if (c < 0x80)
		return "a control character";
	return "a non-ASCII character";
}

static int
unexpected(struct parser *p, const char *want)
{
	return fail(p, p->pos, "expected %s, found %s", want,
	    char_class(peek(p, 0)));
}

static int
out_of_memory(struct parser *p)
{
	return fail(p, p->pos, "out of memory (arena of %zu bytes is full)",
	    p->a->cap);
}

static int
too_deep(struct parser *p, size_t at)
{
	return fail(p, at, "nesting deeper than %d levels", TOML_MAX_DEPTH);
}

/* ------------------------------------------------------------------ */
/* whitespace, newlines, comments                                      */

static void
skip_ws(struct parser *p)
{
	while (p->pos < p->len &&
	    (p->buf[p->pos] == ' ' || p->buf[p->pos] == '\t'))
		p->pos++;
}

static int
eat_newline(struct parser *p)
{
	int c = peek(p, 0);

	if (c == '\n') {
		p->pos++;
		return 1;
	}
	if (c == '\r' && peek(p, 1) == '\n') {
		p->pos += 2;
		return 1;
	}
	return 0;
}

/* Skips a comment if one starts here; stops before its newline. */
static int
skip_comment(struct parser *p)
{
	int c;

	if (peek(p, 0) != '#')
		return 0;
	for (p->pos++; p->pos < p->len; p->pos++) {
		c = (unsigned char)p->buf[p->pos];
		if (c == '\n' || (c == '\r' && peek(p, 1) == '\n'))
			break;
		if (is_ctl(c))
			return fail(p, p->pos, "control character in comment");
	}
	return 0;
}

/* After an expression: optional comment, then a newline or the end. */
static int
end_line(struct parser *p, const char *after)
{
	char want[64];

	skip_ws(p);
	if (skip_comment(p) < 0)
		return -1;
	if (p->pos >= p->len || eat_newline(p))
		return 0;
	fmt_snprintf(want, sizeof(want), "end of line after %s", after);
	return unexpected(p, want);
}

/* Whitespace, comments and newlines, as allowed between array items. */
static int
skip_blank(struct parser *p)
{
	for (;;) {
		skip_ws(p);
		if (skip_comment(p) < 0)
			return -1;
		if (!eat_newline(p))
			return 0;
	}
}

/* ------------------------------------------------------------------ */
/* strings                                                             */

/* Validates \X at buf[i] (i at the backslash); returns its length and
 * adds its decoded size to *dlen, or -1. */
static long
scan_escape(struct parser *p, size_t i, size_t *dlen)
{
	int c = i + 1 < p->len ? (unsigned char)p->buf[i + 1] : -1;
	size_t n, k;
	uint32_t cp = 0;

	switch (c) {
	case 'b': case 't': case 'n': case 'f': case 'r': case '"': case '\\':
		*dlen += 1;
		return 2;
	case 'u':
		n = 4;
		break;
	case 'U':
		n = 8;
		break;
	default:
		return fail(p, i, "invalid escape sequence in string");
	}
	for (k = 0; k < n; k++) {
		if (i + 2 + k >= p->len || !is_hex((unsigned char)p->buf[i + 2 + k]))
			return fail(p, i, "\\%c needs %zu hex digits", c, n);
		cp = cp << 4 | (uint32_t)hex_digit((unsigned char)p->buf[i + 2 + k]);
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(p, i, "escape is not a Unicode scalar value");
	*dlen += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	return (long)(n + 2);
}

/* Position after "\ <spaces> newline <blank lines>" at i, or 0 if the
 * backslash at i does not end a line. */
static size_t
line_ending_backslash(const struct parser *p, size_t i)
{
	size_t j = i + 1;

	while (j < p->len && (p->buf[j] == ' ' || p->buf[j] == '\t'))
		j++;
	if (j < p->len && p->buf[j] == '\n')
		j++;
	else if (j + 1 < p->len && p->buf[j] == '\r' && p->buf[j + 1] == '\n')
		j += 2;
	else
		return 0;
	for (;;) {
		if (j < p->len && (p->buf[j] == ' ' || p->buf[j] == '\t' ||
		    p->buf[j] == '\n'))
			j++;
		else if (j + 1 < p->len && p->buf[j] == '\r' &&
		    p->buf[j + 1] == '\n')
			j += 2;
		else
			return j;
	}
}

/* Handles a run of delimiter quotes at i inside a multi-line string.
 * Returns 1 when it closes the string (s filled in), 0 when the quotes are
 * content (*i advanced), -1 on error. */
static int
scan_quote_run(struct parser *p, struct strscan *s, size_t *i)
{
	size_t n = 0;

	while (*i + n < p->len && p->buf[*i + n] == s->quote)
		n++;
	if (n < 3) {
		s->dlen += n;
		*i += n;
		return 0;
	}
	if (n > 5)
		return fail(p, *i, "too many quotes at the end of a string");
	s->dlen += n - 3;
	s->stop = *i + n - 3;
	s->end = *i + n;
	return 1;
}

/* Scans the string literal at p->pos (which is at its opening quote):
 * validates it and measures its decoded length; p->pos does not move. */
static int
scan_string(struct parser *p, struct strscan *s)
{
	size_t open = p->pos, i = open, j;
	long e;
	int c, r;

	memset(s, 0, sizeof(*s));
	s->quote = (unsigned char)p->buf[i];
	s->verbatim = 1;
	s->multi = peek(p, 1) == s->quote && peek(p, 2) == s->quote;
	i += s->multi ? 3 : 1;
	if (s->multi) { /* a newline right after the opening is trimmed */
		if (i < p->len && p->buf[i] == '\n')
			i++;
		else if (i + 1 < p->len && p->buf[i] == '\r' &&
		    p->buf[i + 1] == '\n')
			i += 2;
	}
	s->start = i;
	for (;;) {
		j = i; /* the common case: printable bytes with no meaning */
		while (j < p->len && (c = (unsigned char)p->buf[j]) >= 0x20 &&
		    c != s->quote && c != '\\' && c != 0x7f)
			j++;
		s->dlen += j - i;
		i = j;
		if (i >= p->len)
			return fail(p, open, "unterminated string");
		c = (unsigned char)p->buf[i];
		if (c == s->quote) {
			if (!s->multi) {
				s->stop = i;
				s->end = i + 1;
				return 0;
			}
			r = scan_quote_run(p, s, &i);
			if (r != 0)
				return r < 0 ? -1 : 0;
		} else if (c == '\\' && s->quote == '"') {
			s->verbatim = 0;
			if (s->multi && (j = line_ending_backslash(p, i)) != 0) {
				i = j;
				continue;
			}
			if ((e = scan_escape(p, i, &s->dlen)) < 0)
				return -1;
			i += (size_t)e;
		} else if (c == '\n' && s->multi) { /* NOLINT(bugprone-branch-clone): content, but tested before the single-line newline error */
			s->dlen++;
			i++;
		} else if (c == '\r' && s->multi && i + 1 < p->len &&
		    p->buf[i + 1] == '\n') {
			s->verbatim = 0; /* CRLF reads as LF, like tomllib */
			s->dlen++;
			i += 2;
		} else if (c == '\n' || (c == '\r' && i + 1 < p->len &&
		    p->buf[i + 1] == '\n')) {
			return fail(p, open, "unterminated string (newline "
			    "in a single-line string)");
		} else if (is_ctl(c)) {
			return fail(p, i, "control character in string");
		} else {
			s->dlen++;
			i++;
		}
	}
}

/* Writes the decoded content of a scanned (hence valid) string to out. */
static void
decode_string(const struct parser *p, const struct strscan *s, char *out)
{
	const char *b = p->buf;
	size_t i = s->start, o = 0, j, k, n;
	uint32_t cp;

	if (s->verbatim) {
		memcpy(out, b + s->start, s->dlen);
		return;
	}
	while (i < s->stop) {
		if (b[i] == '\r') { /* only ever the CR of a CRLF here */
			out[o++] = '\n';
			i += 2;
			continue;
		}
		if (b[i] != '\\' || s->quote != '"') {
			out[o++] = b[i++];
			continue;
		}
		if (s->multi && (j = line_ending_backslash(p, i)) != 0) {
			i = j;
			continue;
		}
		switch (b[i + 1]) {
		case 'b': out[o++] = '\b'; i += 2; continue;
		case 't': out[o++] = '\t'; i += 2; continue;
		case 'n': out[o++] = '\n'; i += 2; continue;
		case 'f': out[o++] = '\f'; i += 2; continue;
		case 'r': out[o++] = '\r'; i += 2; continue;
		case '"': out[o++] = '"'; i += 2; continue;
		case '\\': out[o++] = '\\'; i += 2; continue;
		default: break;
		}
		n = b[i + 1] == 'u' ? 4 : 8;
		cp = 0;
		for (k = 0; k < n; k++)
			cp = cp << 4 | (uint32_t)hex_digit((unsigned char)b[i + 2 + k]);
		o += utf8_encode(cp, (unsigned char *)out + o);
		i += n + 2;
	}
}

static int
parse_string(struct parser *p, struct toml_value *v)
{
	struct strscan s;
	char *out;

	if (scan_string(p, &s) < 0)
		return -1;
	out = arena_alloc(p->a, s.dlen + 1, 1);
	if (out == NULL)
		return out_of_memory(p);
	decode_string(p, &s, out);
	v->type = TOML_STRING;
	v->u.str.ptr = out;
	v->u.str.len = s.dlen;
	p->pos = s.end;
	return 0;
}

/* ------------------------------------------------------------------ */
/* keys                                                                */

/* Reads one simple key (bare, "basic" or 'literal') into p->key. */
static int
parse_key_segment(struct parser *p)
{
	struct strscan s;
	size_t start = p->pos, n;
	int c = peek(p, 0);

	p->key_pos = start;
	if (is_bare(c)) {
		while (p->pos < p->len && is_bare((unsigned char)p->buf[p->pos]))
			p->pos++;
		n = p->pos - start;
		if (n > TOML_MAX_KEY_LEN)
			return fail(p, start, "key longer than %d bytes",
			    TOML_MAX_KEY_LEN);
		memcpy(p->key, p->buf + start, n);
		p->key_len = n;
		return 0;
	}
	if (c != '"' && c != '\'')
		return unexpected(p, "a key");
	if (peek(p, 1) == c && peek(p, 2) == c)
		return fail(p, start, "a multi-line string cannot be a key");
	if (scan_string(p, &s) < 0)
		return -1;
	if (s.dlen > TOML_MAX_KEY_LEN)
		return fail(p, start, "key longer than %d bytes",
		    TOML_MAX_KEY_LEN);
	decode_string(p, &s, p->key);
	p->key_len = s.dlen;
	p->pos = s.end;
	return 0;
}

/* Adds the key in p->key to table t; fails if it is already there. */
static struct toml_kv *
kv_create(struct parser *p, struct toml_value *t)
{
	struct toml_kv *kv = arena_alloc(p->a, sizeof(*kv),
	    _Alignof(struct toml_kv));
	char *k = arena_alloc(p->a, p->key_len + 1, 1);
	int r;

	if (kv == NULL || k == NULL) {
		out_of_memory(p);
		return NULL;
	}
	memcpy(k, p->key, p->key_len);
	kv->key = k;
	kv->key_len = p->key_len;
	if ((r = table_link(&t->u.tab, kv)) != 0) {
		fail(p, p->key_pos, "%s", r > 0 ? "duplicate key" :
		    "table index too deep at this key");
		return NULL;
	}
	return kv;
}

static struct toml_value *
new_table(struct parser *p, struct toml_value *t, enum toml_origin origin,
    int depth)
{
	struct toml_kv *kv;

	if (depth > TOML_MAX_DEPTH) {
		too_deep(p, p->key_pos);
		return NULL;
	}
	if ((kv = kv_create(p, t)) == NULL)
		return NULL;
	toml_table_init(&kv->value);
	kv->value.u.tab.origin = origin;
	return &kv->value;
}

/* One step of a dotted key "a.b = …": into table a, creating it. */
static struct toml_value *
dotted_step(struct parser *p, struct toml_value *t, int depth)
{
	struct toml_kv *kv = index_find(&t->u.tab, p->key, p->key_len);

	if (kv == NULL)
		return new_table(p, t, TOML_ORIGIN_DOTTED, depth);
	if (kv->value.type != TOML_TABLE) {
		fail(p, p->key_pos, "dotted key cannot extend a key that holds "
		    "%s", a_type(&kv->value));
		return NULL;
	}
	switch (kv->value.u.tab.origin) {
	case TOML_ORIGIN_IMPLICIT:
		kv->value.u.tab.origin = TOML_ORIGIN_DOTTED;
		return &kv->value;
	case TOML_ORIGIN_DOTTED:
		return &kv->value;
	case TOML_ORIGIN_HEADER:
		fail(p, p->key_pos, "dotted key cannot extend a table defined "
		    "by a [header]");
		return NULL;
	case TOML_ORIGIN_INLINE:
		break;
	}
	fail(p, p->key_pos, "an inline table cannot be extended");
	return NULL;
}

static int parse_value(struct parser *p, struct toml_value *v, int depth);

/* key = value, in table t at depth; the key may be dotted. */
static int
parse_keyval(struct parser *p, struct toml_value *t, int depth) /* NOLINT(misc-no-recursion): depth <= TOML_MAX_DEPTH */
{
	struct toml_kv *kv;

	for (;;) {
		if (parse_key_segment(p) < 0)
			return -1;
		skip_ws(p);
		if (peek(p, 0) != '.')
			break;
		p->pos++;
		skip_ws(p);
		if ((t = dotted_step(p, t, ++depth)) == NULL)
			return -1;
	}
	if (peek(p, 0) != '=')
		return unexpected(p, "'=' after key");
	p->pos++;
	skip_ws(p);
	if ((kv = kv_create(p, t)) == NULL)
		return -1;
	return parse_value(p, &kv->value, depth + 1);
}

/* ------------------------------------------------------------------ */
/* numbers                                                             */

/* digit *( ["_"] digit ) with the given digit class; *n = digits seen. */
static int
scan_digits(struct parser *p, int (*ok)(int), size_t *n)
{
	int c;

	*n = 0;
	for (;;) {
		c = peek(p, 0);
		if (ok(c)) {
			(*n)++;
			p->pos++;
		} else if (c == '_' && *n > 0) {
			if (!ok(peek(p, 1)))
				return fail(p, p->pos,
				    "'_' must sit between two digits");
			p->pos++;
		} else {
			return 0;
		}
	}
}

static int
make_integer(struct parser *p, struct toml_value *v, size_t s, int base)
{
	uint64_t u = 0, limit = (uint64_t)INT64_MAX;
	size_t i = s;
	int neg = 0, d;

	if (p->buf[i] == '+' || p->buf[i] == '-')
		neg = p->buf[i++] == '-';
	if (base != 10)
		i += 2;
	if (neg)
		limit++;
	for (; i < p->pos; i++) {
		if (p->buf[i] == '_')
			continue;
		d = hex_digit((unsigned char)p->buf[i]);
		if (u > (limit - (uint64_t)d) / (uint64_t)base)
			return fail(p, s, "integer does not fit in 64 bits");
		u = u * (uint64_t)base + (uint64_t)d;
	}
	v->type = TOML_INTEGER;
	if (!neg)
		v->u.integer = (int64_t)u;
	else if (u == (uint64_t)INT64_MAX + 1)
		v->u.integer = INT64_MIN;
	else
		v->u.integer = -(int64_t)u;
	return 0;
}

static int
make_float(struct parser *p, struct toml_value *v, size_t s)
{
	size_t n = p->pos - s;
	char *text;

	/* The grammar already matched: the literal is kept, not converted. */
	if (n > TOML_MAX_FLOAT_LEN)
		return fail(p, s, "float literal longer than %d bytes", TOML_MAX_FLOAT_LEN);
	if ((text = arena_alloc(p->a, n + 1, 1)) == NULL)
		return out_of_memory(p);
	memcpy(text, p->buf + s, n);
	text[n] = '\0';
	v->type = TOML_FLOAT;
	v->u.flt.text = text;
	v->u.flt.len = n;
	return 0;
}

static int
match(const struct parser *p, const char *word)
{
	size_t n = strlen(word);

	return n <= p->len - p->pos && memcmp(p->buf + p->pos, word, n) == 0;
}

/* Integers (decimal, 0x, 0o, 0b) and floats, including inf and nan. */
static int
parse_number(struct parser *p, struct toml_value *v)
{
	size_t s = p->pos, n;
	int c, is_float = 0, (*cls)(int);

	if (peek(p, 0) == '+' || peek(p, 0) == '-')
		p->pos++;
	if (match(p, "inf") || match(p, "nan")) {
		p->pos += 3;
		return make_float(p, v, s);
	}
	c = peek(p, 1);
	if (p->pos == s && peek(p, 0) == '0' && (c == 'x' || c == 'o' || c == 'b')) {
		cls = c == 'x' ? is_hex : c == 'o' ? is_oct : is_bin;
		p->pos += 2;
		if (scan_digits(p, cls, &n) < 0)
			return -1;
		if (n == 0)
			return unexpected(p, "a digit after the base prefix");
		return make_integer(p, v, s, c == 'x' ? 16 : c == 'o' ? 8 : 2);
	}
	if (!is_digit(peek(p, 0)))
		return unexpected(p, "a value");
	if (peek(p, 0) == '0' && (is_digit(peek(p, 1)) || peek(p, 1) == '_'))
		return fail(p, s, "leading zeros are not allowed");
	if (scan_digits(p, is_digit, &n) < 0)
		return -1;
	if (peek(p, 0) == '.') {
		p->pos++;
		if (scan_digits(p, is_digit, &n) < 0)
			return -1;
		if (n == 0)
			return unexpected(p, "a digit after '.'");
		is_float = 1;
	}
	if (peek(p, 0) == 'e' || peek(p, 0) == 'E') {
		p->pos++;
		if (peek(p, 0) == '+' || peek(p, 0) == '-')
			p->pos++;
		if (scan_digits(p, is_digit, &n) < 0)
			return -1;
		if (n == 0)
			return unexpected(p, "a digit in the exponent");
		is_float = 1;
	}
	return is_float ? make_float(p, v, s) : make_integer(p, v, s, 10);
}

/* ------------------------------------------------------------------ */
/* dates and times                                                     */

static int
digits_at(const struct parser *p, size_t off, int n, int *val)
{
	int i, c;

	*val = 0;
	for (i = 0; i < n; i++) {
		c = peek(p, off + (size_t)i);
		if (!is_digit(c))
			return 0;
		*val = *val * 10 + c - '0';
	}
	return 1;
}

static int
days_in_month(int y, int m)
{
	static const unsigned char days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

/* HH:MM:SS[.fraction]; seconds may be 60 (a leap second, RFC 3339). */
static int
parse_time(struct parser *p)
{
	int h, m, s;

	if (!digits_at(p, 0, 2, &h) || peek(p, 2) != ':' ||
	    !digits_at(p, 3, 2, &m) || peek(p, 5) != ':' ||
	    !digits_at(p, 6, 2, &s))
		return fail(p, p->pos, "invalid time, expected HH:MM:SS");
	if (h > 23 || m > 59 || s > 60)
		return fail(p, p->pos, "time out of range");
	p->pos += 8;
	if (peek(p, 0) == '.') {
		p->pos++;
		if (!is_digit(peek(p, 0)))
			return unexpected(p, "a digit after '.' in a time");
		while (is_digit(peek(p, 0)))
			p->pos++;
	}
	return 0;
}

/* Z, z or ±HH:MM after a date-time; *kind stays local without one. */
static int
parse_offset(struct parser *p, enum toml_datetime_kind *kind)
{
	int c = peek(p, 0), h, m;

	if (c == 'Z' || c == 'z') {
		p->pos++;
		*kind = TOML_DT_OFFSET;
	} else if (c == '+' || c == '-') {
		if (!digits_at(p, 1, 2, &h) || peek(p, 3) != ':' ||
		    !digits_at(p, 4, 2, &m))
			return fail(p, p->pos, "invalid offset, expected ±HH:MM");
		if (h > 23 || m > 59)
			return fail(p, p->pos, "offset out of range");
		p->pos += 6;
		*kind = TOML_DT_OFFSET;
	}
	return 0;
}

static int
parse_datetime(struct parser *p, struct toml_value *v)
{
	size_t s = p->pos, n;
	enum toml_datetime_kind kind = TOML_DT_TIME;
	int y, mo, d, x, c;
	char *text;

	if (peek(p, 2) == ':') {
		if (parse_time(p) < 0)
			return -1;
	} else {
		if (!digits_at(p, 0, 4, &y) || peek(p, 4) != '-' ||
		    !digits_at(p, 5, 2, &mo) || peek(p, 7) != '-' ||
		    !digits_at(p, 8, 2, &d))
			return fail(p, s, "invalid date, expected YYYY-MM-DD");
		if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
			return fail(p, s, "date out of range");
		p->pos += 10;
		kind = TOML_DT_DATE;
		c = peek(p, 0);
		if (c == 'T' || c == 't' || (c == ' ' && digits_at(p, 1, 2, &x) &&
		    peek(p, 3) == ':')) {
			p->pos++;
			kind = TOML_DT_LOCAL;
			if (parse_time(p) < 0 || parse_offset(p, &kind) < 0)
				return -1;
		}
	}
	n = p->pos - s;
	if ((text = arena_alloc(p->a, n + 1, 1)) == NULL)
		return out_of_memory(p);
	memcpy(text, p->buf + s, n);
	v->type = TOML_DATETIME;
	v->u.dt.kind = kind;
	v->u.dt.text = text;
	v->u.dt.len = n;
	return 0;
}

/* ------------------------------------------------------------------ */
/* values                                                              */

static int
parse_array(struct parser *p, struct toml_value *v, int depth) /* NOLINT(misc-no-recursion): depth <= TOML_MAX_DEPTH */
{
	struct toml_elem *e;

	if (depth > TOML_MAX_DEPTH)
		return too_deep(p, p->pos);
	toml_array_init(v);
	p->pos++;
	for (;;) {
		if (skip_blank(p) < 0)
			return -1;
		if (peek(p, 0) == ']')
			break;
		e = arena_alloc(p->a, sizeof(*e), _Alignof(struct toml_elem));
		if (e == NULL)
			return out_of_memory(p);
		array_link(&v->u.arr, e);
		if (parse_value(p, &e->value, depth + 1) < 0 || skip_blank(p) < 0)
			return -1;
		if (peek(p, 0) == ']')
			break;
		if (peek(p, 0) != ',')
			return unexpected(p, "',' or ']' in array");
		p->pos++;
	}
	p->pos++;
	return 0;
}

/* { k = v, … } on one line (TOML 1.0: no newline, no trailing comma). */
static int
parse_inline_table(struct parser *p, struct toml_value *v, int depth) /* NOLINT(misc-no-recursion): depth <= TOML_MAX_DEPTH */
{
	if (depth > TOML_MAX_DEPTH)
		return too_deep(p, p->pos);
	toml_table_init(v);
	v->u.tab.origin = TOML_ORIGIN_INLINE;
	p->pos++;
	skip_ws(p);
	if (peek(p, 0) == '}') {
		p->pos++;
		return 0;
	}
	for (;;) {
		if (parse_keyval(p, v, depth) < 0)
			return -1;
		skip_ws(p);
		if (peek(p, 0) == '}')
			break;
		if (peek(p, 0) != ',')
			return unexpected(p, "',' or '}' in inline table");
		p->pos++;
		skip_ws(p);
		if (peek(p, 0) == '}')
			return fail(p, p->pos, "trailing comma in inline table");
	}
	p->pos++;
	return 0;
}

/* depth: the nesting level the value has if it is a container. */
static int
parse_value(struct parser *p, struct toml_value *v, int depth) /* NOLINT(misc-no-recursion): depth <= TOML_MAX_DEPTH */
{
	int c = peek(p, 0), x;

	switch (c) {
	case '"':
	case '\'':
		return parse_string(p, v);
	case '[':
		return parse_array(p, v, depth);
	case '{':
		return parse_inline_table(p, v, depth);
	case 't':
	case 'f':
		if (!match(p, c == 't' ? "true" : "false"))
			return unexpected(p, "a value");
		v->type = TOML_BOOL;
		v->u.boolean = c == 't';
		p->pos += c == 't' ? 4 : 5;
		return 0;
	case '+':
	case '-':
	case 'i':
	case 'n':
		return parse_number(p, v);
	default:
		break;
	}
	if (!is_digit(c))
		return unexpected(p, "a value");
	if ((digits_at(p, 0, 4, &x) && peek(p, 4) == '-') ||
	    (digits_at(p, 0, 2, &x) && peek(p, 2) == ':'))
		return parse_datetime(p, v);
	return parse_number(p, v);
}

/* ------------------------------------------------------------------ */
/* [table] and [[array of tables]] headers                             */

/* One intermediate step of a header path "[a.b.c]". */
static struct toml_value *
header_step(struct parser *p, struct toml_value *t, int *depth)
{
	struct toml_kv *kv = index_find(&t->u.tab, p->key, p->key_len);
	struct toml_value *v;

	if (kv == NULL) {
		*depth += 1;
		return new_table(p, t, TOML_ORIGIN_IMPLICIT, *depth);
	}
	v = &kv->value;
	if (v->type == TOML_TABLE && v->u.tab.origin != TOML_ORIGIN_INLINE) {
		*depth += 1;
		return v;
	}
	if (v->type == TOML_ARRAY && v->u.arr.of_tables && v->u.arr.tail &&
	    v->u.arr.tail->value.type == TOML_TABLE) {
		*depth += 2; /* the array, then its last table */
		return &v->u.arr.tail->value;
	}
	if (v->type == TOML_TABLE)
		fail(p, p->key_pos, "an inline table cannot be extended");
	else
		fail(p, p->key_pos, "cannot use a key that holds %s as a table",
		    a_type(v));
	return NULL;
}

static struct toml_value *
define_table(struct parser *p, struct toml_value *t, int depth)
{
	struct toml_kv *kv = index_find(&t->u.tab, p->key, p->key_len);
	struct toml_value *v;

	if (kv == NULL)
		return new_table(p, t, TOML_ORIGIN_HEADER, depth + 1);
	v = &kv->value;
	if (v->type != TOML_TABLE) {
		fail(p, p->key_pos, "cannot define a table: the key holds %s",
		    a_type(v));
		return NULL;
	}
	switch (v->u.tab.origin) {
	case TOML_ORIGIN_IMPLICIT:
		v->u.tab.origin = TOML_ORIGIN_HEADER;
		return v;
	case TOML_ORIGIN_HEADER:
		fail(p, p->key_pos, "table is defined twice");
		break;
	case TOML_ORIGIN_DOTTED:
		fail(p, p->key_pos, "table was already defined by dotted keys");
		break;
	case TOML_ORIGIN_INLINE:
		fail(p, p->key_pos, "table was already defined as an inline "
		    "table");
		break;
	}
	return NULL;
}

static struct toml_value *
define_array_table(struct parser *p, struct toml_value *t, int depth)
{
	struct toml_kv *kv = index_find(&t->u.tab, p->key, p->key_len);
	struct toml_elem *e;
	struct toml_value *arr;

	if (kv == NULL) {
		if (depth + 2 > TOML_MAX_DEPTH) {
			too_deep(p, p->key_pos);
			return NULL;
		}
		if ((kv = kv_create(p, t)) == NULL)
			return NULL;
		toml_array_init(&kv->value);
		kv->value.u.arr.of_tables = 1;
	} else if (kv->value.type != TOML_ARRAY || !kv->value.u.arr.of_tables) {
		fail(p, p->key_pos, "cannot define an array of tables: the key "
		    "holds %s", kv->value.type == TOML_ARRAY ?
		    "a static array" : a_type(&kv->value));
		return NULL;
	}
	arr = &kv->value;
	e = arena_alloc(p->a, sizeof(*e), _Alignof(struct toml_elem));
	if (e == NULL) {
		out_of_memory(p);
		return NULL;
	}
	toml_table_init(&e->value);
	array_link(&arr->u.arr, e);
	return &e->value;
}

static int
parse_header(struct parser *p)
{
	struct toml_value *t = p->root;
	int aot = peek(p, 1) == '[', depth = 0;

	p->pos += aot ? 2 : 1;
	skip_ws(p);
	for (;;) {
		if (parse_key_segment(p) < 0)
			return -1;
		skip_ws(p);
		if (peek(p, 0) != '.')
			break;
		p->pos++;
		skip_ws(p);
		if ((t = header_step(p, t, &depth)) == NULL)
			return -1;
	}
	if (peek(p, 0) != ']' || (aot && peek(p, 1) != ']'))
		return unexpected(p, aot ? "']]' closing the header" :
		    "']' closing the header");
	p->pos += aot ? 2 : 1;
	if (aot) {
		t = define_array_table(p, t, depth);
		depth += 2;
	} else {
		t = define_table(p, t, depth);
		depth += 1;
	}
	if (t == NULL)
		return -1;
	p->cur = t;
	p->cur_depth = depth;
	return end_line(p, "table header");
}

/* ------------------------------------------------------------------ */
/* the document                                                        */

static int
parse_document(struct parser *p)
{
	int c;

	if (p->len >= 3 && memcmp(p->buf, "\xef\xbb\xbf", 3) == 0)
		p->pos = 3;
	for (;;) {
		skip_ws(p);
		if ((c = peek(p, 0)) < 0)
			return 0;
		if (c == '#') {
			if (skip_comment(p) < 0)
				return -1;
			continue;
		}
		if (eat_newline(p))
			continue;
		if (c == '[') {
			if (parse_header(p) < 0)
				return -1;
			continue;
		}
		if (parse_keyval(p, p->cur, p->cur_depth) < 0 ||
		    end_line(p, "value") < 0)
			return -1;
	}
}

int
toml_parse(const char *buf, size_t len, struct arena *a,
    struct toml_value *root, struct errbuf *err)
{
	struct parser p;
	size_t bad, mark = a->used;

	memset(&p, 0, offsetof(struct parser, key));
	p.buf = buf;
	p.len = len;
	p.a = a;
	p.err = err;
	p.root = p.cur = root;
	toml_table_init(root);
	if (len > TOML_MAX_INPUT) {
		errbuf_set(err, "input is %zu bytes, more than the limit of %u",
		    len, TOML_MAX_INPUT);
		return -1;
	}
	if ((bad = utf8_valid_prefix((const unsigned char *)buf, len)) != len)
		return fail(&p, bad, "invalid UTF-8");
	if (parse_document(&p) < 0) {
		a->used = mark; /* nothing of a rejected document stays */
		toml_table_init(root);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* lookup and builders                                                 */

const struct toml_value *
toml_table_getn(const struct toml_value *table, const char *key,
    size_t key_len)
{
	struct toml_kv *kv;

	if (table == NULL || table->type != TOML_TABLE)
		return NULL;
	kv = index_find(&table->u.tab, key, key_len);
	return kv ? &kv->value : NULL;
}

const struct toml_value *
toml_table_get(const struct toml_value *table, const char *key)
{
	return toml_table_getn(table, key, strlen(key));
}

struct toml_value *
toml_table_get_mut(struct toml_value *table, const char *key)
{
	struct toml_kv *kv;

	if (table == NULL || table->type != TOML_TABLE)
		return NULL;
	kv = index_find(&table->u.tab, key, strlen(key));
	return kv ? &kv->value : NULL;
}

void
toml_table_init(struct toml_value *v)
{
	memset(v, 0, sizeof(*v));
	v->type = TOML_TABLE;
	v->u.tab.origin = TOML_ORIGIN_HEADER;
}

void
toml_array_init(struct toml_value *v)
{
	memset(v, 0, sizeof(*v));
	v->type = TOML_ARRAY;
}

void
toml_integer_init(struct toml_value *v, int64_t i)
{
	memset(v, 0, sizeof(*v));
	v->type = TOML_INTEGER;
	v->u.integer = i;
}

void
toml_bool_init(struct toml_value *v, int b)
{
	memset(v, 0, sizeof(*v));
	v->type = TOML_BOOL;
	v->u.boolean = b != 0;
}

int
toml_float_init(struct toml_value *v, double d, struct arena *a,
    struct errbuf *err)
{
	char tmp[40], *text;
	size_t n;
	int prec;

	/* libc's snprintf: %g is the one conversion fmt lacks, and only
	 * tests build floats, so the launcher does not link this. */
	if (isnan(d))
		snprintf(tmp, sizeof(tmp), "%snan", signbit(d) ? "-" : "");
	else if (isinf(d))
		snprintf(tmp, sizeof(tmp), "%sinf", d < 0 ? "-" : "");
	else {
		for (prec = 1; prec <= 17; prec++) { /* shortest exact text */
			snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
			if (strtod(tmp, NULL) == d)
				break;
		}
		n = strlen(tmp); /* %.17g of a double is at most 24 bytes */
		if (strpbrk(tmp, ".e") == NULL && n + 3 <= sizeof(tmp))
			memcpy(tmp + n, ".0", 3); /* "1e+300" is a float; "1" is not */
	}
	n = strlen(tmp);
	if ((text = arena_alloc(a, n + 1, 1)) == NULL) {
		errbuf_set(err, "out of memory for a float");
		return -1;
	}
	memcpy(text, tmp, n + 1);
	memset(v, 0, sizeof(*v));
	v->type = TOML_FLOAT;
	v->u.flt.text = text;
	v->u.flt.len = n;
	return 0;
}

int
toml_float_value(const struct toml_float *f, double *out)
{
	char clean[TOML_MAX_FLOAT_LEN + 1], *end;
	const char *num;
	size_t i, o = 0;

	if (f->text == NULL || f->len == 0 || f->len > TOML_MAX_FLOAT_LEN)
		return -1;
	num = f->text + (f->text[0] == '+' || f->text[0] == '-');
	if (strcmp(num, "inf") == 0 || strcmp(num, "nan") == 0) {
		*out = num[0] == 'i' ? INFINITY : NAN;
		if (f->text[0] == '-')
			*out = -*out;
		return 0;
	}
	/* strtod wants no underscores; the launcher never calls setlocale(),
	 * so '.' is the radix point. */
	for (i = 0; i < f->len; i++)
		if (f->text[i] != '_')
			clean[o++] = f->text[i];
	clean[o] = '\0';
	*out = strtod(clean, &end);
	return end == clean + o ? 0 : -1;
}

static char *
arena_strdup(struct arena *a, const char *s, size_t len, struct errbuf *err)
{
	char *out;

	if (utf8_valid_prefix((const unsigned char *)s, len) != len) {
		errbuf_set(err, "text is not valid UTF-8");
		return NULL;
	}
	if ((out = arena_alloc(a, len + 1, 1)) == NULL) {
		errbuf_set(err, "out of memory (arena of %zu bytes is full)",
		    a->cap);
		return NULL;
	}
	memcpy(out, s, len);
	return out;
}

int
toml_string_init(struct toml_value *v, const char *s, size_t len,
    struct arena *a, struct errbuf *err)
{
	char *copy = arena_strdup(a, s, len, err);

	if (copy == NULL)
		return -1;
	memset(v, 0, sizeof(*v));
	v->type = TOML_STRING;
	v->u.str.ptr = copy;
	v->u.str.len = len;
	return 0;
}

int
toml_datetime_init(struct toml_value *v, const char *text, size_t len,
    struct arena *a, struct errbuf *err)
{
	struct parser p;
	struct toml_value tmp;

	memset(&p, 0, offsetof(struct parser, key));
	p.buf = text;
	p.len = len;
	p.a = a;
	p.err = err;
	if (len == 0 || !is_digit((unsigned char)text[0]) ||
	    utf8_valid_prefix((const unsigned char *)text, len) != len) {
		errbuf_set(err, "invalid datetime");
		return -1;
	}
	if (parse_datetime(&p, &tmp) < 0)
		return -1;
	if (p.pos != len) {
		errbuf_set(err, "invalid datetime: trailing characters");
		return -1;
	}
	*v = tmp;
	return 0;
}

struct toml_value *
toml_table_append(struct toml_value *table, const char *key, size_t key_len,
    const struct toml_value *v, struct arena *a, struct errbuf *err)
{
	struct toml_kv *kv;
	char *k, show[SHOW_KEY_MAX + 4];
	size_t mark;

	if (table->type != TOML_TABLE) {
		errbuf_set(err, "cannot add key \"%s\" to %s",
		    show_key(key, key_len, show), a_type(table));
		return NULL;
	}
	if (key_len > TOML_MAX_KEY_LEN) {
		errbuf_set(err, "key longer than %d bytes", TOML_MAX_KEY_LEN);
		return NULL;
	}
	if (index_find(&table->u.tab, key, key_len) != NULL) {
		errbuf_set(err, "duplicate key \"%s\"",
		    show_key(key, key_len, show));
		return NULL;
	}
	mark = a->used;
	if ((k = arena_strdup(a, key, key_len, err)) == NULL)
		return NULL;
	kv = arena_alloc(a, sizeof(*kv), _Alignof(struct toml_kv));
	if (kv == NULL) {
		a->used = mark;
		errbuf_set(err, "out of memory (arena of %zu bytes is full)",
		    a->cap);
		return NULL;
	}
	kv->key = k;
	kv->key_len = key_len;
	kv->value = *v;
	if (table_link(&table->u.tab, kv) != 0) {
		a->used = mark;
		errbuf_set(err, "table index too deep");
		return NULL;
	}
	return &kv->value;
}

struct toml_value *
toml_array_append(struct toml_value *array, const struct toml_value *v,
    struct arena *a, struct errbuf *err)
{
	struct toml_elem *e;

	if (array->type != TOML_ARRAY) {
		errbuf_set(err, "cannot append an element to %s", a_type(array));
		return NULL;
	}
	e = arena_alloc(a, sizeof(*e), _Alignof(struct toml_elem));
	if (e == NULL) {
		errbuf_set(err, "out of memory (arena of %zu bytes is full)",
		    a->cap);
		return NULL;
	}
	e->value = *v;
	array_link(&array->u.arr, e);
	return &e->value;
}

/* ------------------------------------------------------------------ */
/* comparison                                                          */

static int
float_equal(const struct toml_float *fa, const struct toml_float *fb)
{
	double a, b;

	if (toml_float_value(fa, &a) != 0 || toml_float_value(fb, &b) != 0)
		return 0;
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b) && !signbit(a) == !signbit(b);
	return a == b && !signbit(a) == !signbit(b);
}

/*
 * TOML_MAX_DEPTH bounds containers, as in the parser: a scalar may sit one
 * level below the deepest table or array.
 */
static int
too_deep_at(const struct toml_value *v, int depth)
{
	return depth > TOML_MAX_DEPTH &&
	    (v->type == TOML_ARRAY || v->type == TOML_TABLE);
}

static int
equal_at(const struct toml_value *a, const struct toml_value *b, int depth) /* NOLINT(misc-no-recursion): depth <= TOML_MAX_DEPTH */
{
	const struct toml_kv *ka, *kb;
	const struct toml_elem *ea, *eb;

	if (a->type != b->type || too_deep_at(a, depth))
		return 0;
	switch (a->type) {
	case TOML_STRING:
		return a->u.str.len == b->u.str.len &&
		    memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
	case TOML_INTEGER:
		return a->u.integer == b->u.integer;
	case TOML_FLOAT:
		return float_equal(&a->u.flt, &b->u.flt);
	case TOML_BOOL:
		return !a->u.boolean == !b->u.boolean;
	case TOML_DATETIME:
		return a->u.dt.kind == b->u.dt.kind &&
		    a->u.dt.len == b->u.dt.len &&
		    memcmp(a->u.dt.text, b->u.dt.text, a->u.dt.len) == 0;
	case TOML_ARRAY:
		if (a->u.arr.len != b->u.arr.len)
			return 0;
		for (ea = a->u.arr.head, eb = b->u.arr.head; ea && eb;
		    ea = ea->next, eb = eb->next)
			if (!equal_at(&ea->value, &eb->value, depth + 1))
				return 0;
		return ea == NULL && eb == NULL;
	case TOML_TABLE:
		if (a->u.tab.len != b->u.tab.len)
			return 0;
		for (ka = a->u.tab.head, kb = b->u.tab.head; ka && kb;
		    ka = ka->next, kb = kb->next)
			if (ka->key_len != kb->key_len ||
			    memcmp(ka->key, kb->key, ka->key_len) != 0 ||
			    !equal_at(&ka->value, &kb->value, depth + 1))
				return 0;
		return ka == NULL && kb == NULL;
	}
	return 0;
}

int
toml_equal(const struct toml_value *a, const struct toml_value *b)
{
	return equal_at(a, b, 0);
}

/* ------------------------------------------------------------------ */
/* serializer                                                          */

struct writer {
	char *buf;
	size_t cap; /* bytes available before the NUL */
	size_t len;
	int full;    /* output did not fit: len is no longer meaningful */
	int compact; /* every root entry inline */
	struct errbuf *err;
	const struct toml_kv *path[TOML_MAX_DEPTH]; /* keys of the header */
	int npath;
};

static void
put(struct writer *w, const char *s, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = 1;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void
puts_(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

#define PUT_LIT(w, lit) put((w), (lit), sizeof(lit) - 1)

static void
write_integer(struct writer *w, int64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		tmp[--i] = '-';
	put(w, tmp + i, sizeof(tmp) - i);
}

static int
write_too_deep(struct writer *w)
{
	errbuf_set(w->err, "cannot write: nesting deeper than %d levels",
	    TOML_MAX_DEPTH);
	return -1;
}

static void
write_basic(struct writer *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[7];
	size_t i, run = 0;
	unsigned char c;

	put(w, "\"", 1);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (!is_ctl(c) && c != '\t' && c != '"' && c != '\\')
			continue;
		put(w, s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': case '\\': esc[1] = (char)c; break;
		case '\b': esc[1] = 'b'; break;
		case '\t': esc[1] = 't'; break;
		case '\n': esc[1] = 'n'; break;
		case '\f': esc[1] = 'f'; break;
		case '\r': esc[1] = 'r'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			put(w, esc, 6);
			continue;
		}
		put(w, esc, 2);
	}
	put(w, s + run, n - run);
	put(w, "\"", 1);
}

/* Picks the plainest form that reads back as exactly these bytes:
 * 'literal', "basic", '''multi-line literal''' (if ml_ok) or escaped. */
static int
write_string(struct writer *w, const char *s, size_t n, int ml_ok)
{
	int ctl = 0, only_nl = 1, apos = 0, triple = 0, special = 0;
	size_t i;
	unsigned char c;

	if (utf8_valid_prefix((const unsigned char *)s, n) != n) {
		errbuf_set(w->err, "cannot write: string is not valid UTF-8");
		return -1;
	}
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (is_ctl(c)) {
			ctl = 1;
			only_nl &= c == '\n';
		} else if (c == '\'') {
			apos = 1;
			triple |= i + 2 < n && s[i + 1] == '\'' && s[i + 2] == '\'';
		} else if (c == '"' || c == '\\') {
			special = 1;
		}
	}
	if (!ctl && !apos) {
		put(w, "'", 1);
		put(w, s, n);
		put(w, "'", 1);
	} else if (!ctl && !special) {
		put(w, "\"", 1);
		put(w, s, n);
		put(w, "\"", 1);
	} else if (ml_ok && ctl && only_nl && !triple) {
		/* the newline after ''' is dropped by readers, so a leading
		 * newline or quote in s stays content */
		put(w, "'''\n", 4);
		put(w, s, n);
		put(w, "'''", 3);
	} else {
		write_basic(w, s, n);
	}
	return 0;
}

static int
write_key(struct writer *w, const char *k, size_t n)
{
	size_t i;

	for (i = 0; i < n && is_bare((unsigned char)k[i]); i++)
		;
	if (n > 0 && i == n) {
		put(w, k, n);
		return 0;
	}
	return write_string(w, k, n, 0);
}

static void
write_float(struct writer *w, const struct toml_float *f)
{
	put(w, f->text, f->len);
}

static int write_inline(struct writer *w, const struct toml_value *v,
    int depth, int ml_ok);

static int
write_inline_table(struct writer *w, const struct toml_value *v, int depth) /* NOLINT(misc-no-recursion): depth <= TOML_MAX_DEPTH */
{
	const struct toml_kv *kv;

	if (v->u.tab.head == NULL) {
		PUT_LIT(w, "{}");
		return 0;
	}
	PUT_LIT(w, "{ ");
	for (kv = v->u.tab.head; kv != NULL; kv = kv->next) {
		if (kv != v->u.tab.head)
			PUT_LIT(w, ", ");
		if (write_key(w, kv->key, kv->key_len) < 0)
			return -1;
		PUT_LIT(w, " = ");
		if (write_inline(w, &kv->value, depth + 1, w->compact) < 0)
			return -1;
	}
	PUT_LIT(w, " }");
	return 0;
}

/* A value on one line (multi-line strings only where ml_ok). */
static int
write_inline(struct writer *w, const struct toml_value *v, int depth, /* NOLINT(misc-no-recursion): depth <= TOML_MAX_DEPTH */
    int ml_ok)
{
	const struct toml_elem *e;

	if (too_deep_at(v, depth))
		return write_too_deep(w);
	switch (v->type) {
	case TOML_STRING:
		return write_string(w, v->u.str.ptr, v->u.str.len, ml_ok);
	case TOML_INTEGER:
		write_integer(w, v->u.integer);
		return 0;
	case TOML_FLOAT:
		write_float(w, &v->u.flt);
		return 0;
	case TOML_BOOL:
		puts_(w, v->u.boolean ? "true" : "false");
		return 0;
	case TOML_DATETIME:
		put(w, v->u.dt.text, v->u.dt.len);
		return 0;
	case TOML_ARRAY:
		PUT_LIT(w, "[");
		for (e = v->u.arr.head; e != NULL; e = e->next) {
			if (e != v->u.arr.head)
				PUT_LIT(w, ", ");
			if (write_inline(w, &e->value, depth + 1, w->compact) < 0)
				return -1;
		}
		PUT_LIT(w, "]");
		return 0;
	case TOML_TABLE:
		return write_inline_table(w, v, depth);
	}
	errbuf_set(w->err, "cannot write: unknown value type %d", (int)v->type);
	return -1;
}

/* Tables and non-empty arrays of tables can be written as [x] / [[x]]. */
static int
is_section(const struct toml_value *v)
{
	const struct toml_elem *e;

	if (v->type == TOML_TABLE)
		return 1;
	if (v->type != TOML_ARRAY || v->u.arr.head == NULL)
		return 0;
	for (e = v->u.arr.head; e != NULL; e = e->next)
		if (e->value.type != TOML_TABLE)
			return 0;
	return 1;
}

/* The first key from which every entry is a section: writing the earlier
 * ones inline keeps the key order when the output is read back. */
static const struct toml_kv *
first_section(const struct toml_value *t)
{
	const struct toml_kv *kv, *first = NULL;

	for (kv = t->u.tab.head; kv != NULL; kv = kv->next) {
		if (!is_section(&kv->value))
			first = NULL;
		else if (first == NULL)
			first = kv;
	}
	return first;
}

static int
write_header(struct writer *w, int aot)
{
	int i;

	if (w->len > 0)
		PUT_LIT(w, "\n");
	puts_(w, aot ? "[[" : "[");
	for (i = 0; i < w->npath; i++) {
		if (i > 0)
			PUT_LIT(w, ".");
		if (write_key(w, w->path[i]->key, w->path[i]->key_len) < 0)
			return -1;
	}
	puts_(w, aot ? "]]\n" : "]\n");
	return 0;
}

static int write_body(struct writer *w, const struct toml_value *t, int depth);

static int
write_section(struct writer *w, const struct toml_kv *kv, int depth) /* NOLINT(misc-no-recursion): depth <= TOML_MAX_DEPTH */
{
	const struct toml_value *v = &kv->value;
	const struct toml_elem *e;
	const struct toml_kv *first;

	if (w->npath == TOML_MAX_DEPTH || depth > TOML_MAX_DEPTH)
		return write_too_deep(w);
	w->path[w->npath++] = kv;
	if (v->type == TOML_TABLE) {
		/* a table holding only sub-sections needs no header */
		first = first_section(v);
		if ((first != v->u.tab.head || first == NULL) &&
		    write_header(w, 0) < 0)
			return -1;
		if (write_body(w, v, depth) < 0)
			return -1;
	} else {
		for (e = v->u.arr.head; e != NULL; e = e->next)
			if (write_header(w, 1) < 0 ||
			    write_body(w, &e->value, depth + 1) < 0)
				return -1;
	}
	w->npath--;
	return 0;
}

/* The key/value lines of table t, then its sub-sections. */
static int
write_body(struct writer *w, const struct toml_value *t, int depth) /* NOLINT(misc-no-recursion): depth <= TOML_MAX_DEPTH */
{
	const struct toml_kv *kv, *first = first_section(t);

	if (depth > TOML_MAX_DEPTH)
		return write_too_deep(w);
	for (kv = t->u.tab.head; kv != first; kv = kv->next) {
		if (write_key(w, kv->key, kv->key_len) < 0)
			return -1;
		PUT_LIT(w, " = ");
		if (write_inline(w, &kv->value, depth + 1, 1) < 0)
			return -1;
		PUT_LIT(w, "\n");
	}
	for (kv = first; kv != NULL; kv = kv->next)
		if (write_section(w, kv, depth + 1) < 0)
			return -1;
	return 0;
}

static int
write_compact(struct writer *w, const struct toml_value *root)
{
	const struct toml_kv *kv;

	for (kv = root->u.tab.head; kv != NULL; kv = kv->next) {
		if (write_key(w, kv->key, kv->key_len) < 0)
			return -1;
		PUT_LIT(w, " = ");
		if (write_inline(w, &kv->value, 1, 1) < 0)
			return -1;
		PUT_LIT(w, "\n");
	}
	return 0;
}

int
toml_write(const struct toml_value *root, char *buf, size_t cap,
    size_t *out_len, struct errbuf *err)
{
	struct writer w;

	if (root->type != TOML_TABLE) {
		errbuf_set(err, "cannot write %s as a document, only a table",
		    a_type(root));
		return -1;
	}
	if (cap == 0) {
		errbuf_set(err, "cannot write: no output buffer");
		return -1;
	}
	memset(&w, 0, sizeof(w));
	w.buf = buf;
	w.cap = cap - 1 < TOML_MAX_INPUT ? cap - 1 : TOML_MAX_INPUT;
	w.err = err;
	if (write_body(&w, root, 0) < 0)
		return -1;
	if (w.full) { /* headers can repeat long paths: try one line per key */
		w.len = 0;
		w.full = 0;
		w.compact = 1;
		if (write_compact(&w, root) < 0)
			return -1;
	}
	if (w.full) {
		errbuf_set(err, "cannot write: output longer than %zu bytes",
		    w.cap);
		return -1;
	}
	buf[w.len] = '\0';
	*out_len = w.len;
	return 0;
}
