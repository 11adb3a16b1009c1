#include <string.h>
#include <unistd.h>

#include "log.h"

static const char *const level_names[] = { "debug", "info", "warn", "error" };

static int
needs_quotes(const char *s)
{
	if (*s == '\0')
		return 1;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f)
			return 1;
	}
	return 0;
}

/* Appends s to out[*len..cap-1], escaping control bytes; never overflows. */
static void
append(char *out, size_t cap, size_t *len, const char *s, int escape)
{
	static const char hex[] = "0123456789abcdef";

	for (; *s && *len + 4 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (!escape || (c >= ' ' && c != '"' && c != '\\' && c != 0x7f)) {
			out[(*len)++] = (char)c;
		} else if (c == '"' || c == '\\') {
			out[(*len)++] = '\\';
			out[(*len)++] = (char)c;
		} else if (c == '\n') {
			out[(*len)++] = '\\';
			out[(*len)++] = 'n';
		} else {
			out[(*len)++] = '\\';
			out[(*len)++] = 'x';
			out[(*len)++] = hex[c >> 4];
			out[(*len)++] = hex[c & 15];
		}
	}
}

size_t
log_quote(char *out, size_t cap, const char *s)
{
	size_t len = 0;

	if (cap < 8)
		return 0;
	if (s == NULL)
		s = "";
	if (needs_quotes(s)) {
		out[len++] = '"';
		append(out, cap - 1, &len, s, 1);
		out[len++] = '"';
	} else {
		append(out, cap, &len, s, 0);
	}
	out[len] = '\0';
	return len;
}

void
log_write(int fd, enum log_level lvl, const char *msg,
    const struct log_kv *kv, size_t nkv)
{
	char line[LOG_LINE_MAX];
	size_t len = 0, i;

	append(line, sizeof(line), &len, "level=", 0);
	append(line, sizeof(line), &len, level_names[lvl], 0);
	append(line, sizeof(line), &len, " msg=", 0);
	len += log_quote(line + len, sizeof(line) - len - 1, msg);
	for (i = 0; i < nkv; i++) {
		append(line, sizeof(line), &len, " ", 0);
		append(line, sizeof(line), &len, kv[i].key, 1);
		append(line, sizeof(line), &len, "=", 0);
		len += log_quote(line + len, sizeof(line) - len - 1, kv[i].val);
	}
	line[len++] = '\n';
	/* One write keeps lines whole; a short write to stderr is not retried. */
	(void)!write(fd, line, len);
}
