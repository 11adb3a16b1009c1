/*
 * toml-decode — the toml-test decoder protocol: TOML on stdin, tagged JSON
 * on stdout ({"type":"integer","value":"42"}, tables as objects, arrays as
 * arrays).  Exit 0 on success, 1 (message on stderr) if the input is
 * rejected, 2 on a usage or I/O problem.
 *
 * toml-decode --batch: many documents in one process (for differential
 * tests).  Input: records "<decimal length>\n<bytes>"; output: one JSON line
 * per record, {"ok":false,"error":…} or {"ok":true,"doc":<tagged JSON>,
 * "rt":<serializer output>} plus "rt_error" if writing failed or the output
 * does not parse back to an equal DOM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml.h"

static void
json_string(FILE *f, const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
tagged(FILE *f, const char *type, const char *s, size_t n)
{
	fprintf(f, "{\"type\":\"%s\",\"value\":", type);
	json_string(f, s, n);
	fputc('}', f);
}

static const char *
dt_type(enum toml_datetime_kind k)
{
	switch (k) {
	case TOML_DT_OFFSET: return "datetime";
	case TOML_DT_LOCAL: return "datetime-local";
	case TOML_DT_DATE: return "date-local";
	case TOML_DT_TIME: return "time-local";
	}
	return "?";
}

static void emit(FILE *f, const struct toml_value *v);

static void
emit_float(FILE *f, double d)
{
	char tmp[40];

	if (d != d)
		snprintf(tmp, sizeof(tmp), "nan");
	else if (d > 1e308 * 10)
		snprintf(tmp, sizeof(tmp), "inf");
	else if (d < -1e308 * 10)
		snprintf(tmp, sizeof(tmp), "-inf");
	else
		snprintf(tmp, sizeof(tmp), "%.17g", d);
	tagged(f, "float", tmp, strlen(tmp));
}

static void
emit_datetime(FILE *f, const struct toml_datetime *dt)
{
	char tmp[128];
	size_t i, n = dt->len < sizeof(tmp) ? dt->len : sizeof(tmp) - 1;

	/* toml-test writes the canonical RFC 3339 spelling */
	memcpy(tmp, dt->text, n);
	for (i = 0; i < n; i++) {
		if (tmp[i] == 't' || tmp[i] == 'z')
			tmp[i] -= 'a' - 'A';
		if (i == 10 && tmp[i] == ' ')
			tmp[i] = 'T';
	}
	tagged(f, dt_type(dt->kind), tmp, n);
}

static void
emit(FILE *f, const struct toml_value *v)
{
	const struct toml_kv *kv;
	const struct toml_elem *e;
	char tmp[32];
	double num;

	switch (v->type) {
	case TOML_STRING:
		tagged(f, "string", v->u.str.ptr, v->u.str.len);
		break;
	case TOML_INTEGER:
		snprintf(tmp, sizeof(tmp), "%lld", (long long)v->u.integer);
		tagged(f, "integer", tmp, strlen(tmp));
		break;
	case TOML_FLOAT:
		if (toml_float_value(&v->u.flt, &num) != 0)
			abort(); /* the parser accepted it: it must convert */
		emit_float(f, num);
		break;
	case TOML_BOOL:
		tagged(f, "bool", v->u.boolean ? "true" : "false",
		    v->u.boolean ? 4 : 5);
		break;
	case TOML_DATETIME:
		emit_datetime(f, &v->u.dt);
		break;
	case TOML_ARRAY:
		fputc('[', f);
		for (e = v->u.arr.head; e != NULL; e = e->next) {
			if (e != v->u.arr.head)
				fputc(',', f);
			emit(f, &e->value);
		}
		fputc(']', f);
		break;
	case TOML_TABLE:
		fputc('{', f);
		for (kv = v->u.tab.head; kv != NULL; kv = kv->next) {
			if (kv != v->u.tab.head)
				fputc(',', f);
			json_string(f, kv->key, kv->key_len);
			fputc(':', f);
			emit(f, &kv->value);
		}
		fputc('}', f);
		break;
	}
}

static int
decode(const char *buf, size_t len, void *mem)
{
	struct arena a;
	struct toml_value root;
	struct errbuf err;

	arena_init(&a, mem, TOML_ARENA_BYTES(len));
	if (toml_parse(buf, len, &a, &root, &err) < 0) {
		fprintf(stderr, "toml-decode: %s\n", err.msg);
		return 1;
	}
	emit(stdout, &root);
	fputc('\n', stdout);
	return fflush(stdout) == 0 ? 0 : 2;
}

/* Batch mode: one record's JSON line (see the top of the file). */
static void
batch_one(const char *buf, size_t len, void *mem, void *mem2, char *out)
{
	struct arena a, a2;
	struct toml_value root, r2;
	struct errbuf err;
	size_t olen;

	arena_init(&a, mem, TOML_ARENA_BYTES(len));
	if (toml_parse(buf, len, &a, &root, &err) < 0) {
		printf("{\"ok\":false,\"error\":");
		json_string(stdout, err.msg, strlen(err.msg));
		printf("}\n");
		return;
	}
	printf("{\"ok\":true,\"doc\":");
	emit(stdout, &root);
	if (toml_write(&root, out, TOML_MAX_INPUT + 1, &olen, &err) < 0) {
		printf(",\"rt_error\":");
		json_string(stdout, err.msg, strlen(err.msg));
	} else {
		arena_init(&a2, mem2, TOML_ARENA_BYTES(olen));
		if (toml_parse(out, olen, &a2, &r2, &err) < 0)
			printf(",\"rt_error\":\"output rejected\"");
		else if (!toml_equal(&root, &r2))
			printf(",\"rt_error\":\"output reads back different\"");
		printf(",\"rt\":");
		json_string(stdout, out, olen);
	}
	printf("}\n");
}

/* Records "<decimal length>\n<bytes>" until end of input. */
static int
batch(char *buf, void *mem, void *mem2)
{
	char *out = malloc(TOML_MAX_INPUT + 1);
	size_t len;

	if (out == NULL)
		return 2;
	while (scanf("%zu", &len) == 1 && getchar() == '\n' &&
	    len <= TOML_MAX_INPUT) {
		if (fread(buf, 1, len, stdin) != len)
			break;
		batch_one(buf, len, mem, mem2, out);
	}
	free(out);
	return ferror(stdin) || !feof(stdin) ? 2 : 0;
}

int
main(int argc, char **argv)
{
	size_t cap = TOML_MAX_INPUT + 1, len;
	char *buf = malloc(cap);
	void *mem = NULL, *mem2 = NULL;
	int rc = 2;

	if (argc == 2 && strcmp(argv[1], "--batch") == 0) {
		mem = malloc(TOML_ARENA_BYTES(TOML_MAX_INPUT));
		mem2 = malloc(TOML_ARENA_BYTES(TOML_MAX_INPUT));
		if (buf != NULL && mem != NULL && mem2 != NULL)
			rc = batch(buf, mem, mem2);
	} else if (buf != NULL && argc == 1) {
		len = fread(buf, 1, cap, stdin);
		if (!ferror(stdin) && (mem = malloc(TOML_ARENA_BYTES(len))) != NULL)
			rc = decode(buf, len, mem);
	}
	free(mem2);
	free(mem);
	free(buf);
	return rc;
}
