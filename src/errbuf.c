#include <stdarg.h>
#include <string.h>

#include "errbuf.h"
#include "fmt.h"

void
errbuf_set(struct errbuf *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* cppcheck-suppress ctuuninitvar ; vsnprintf only writes e->msg */
	fmt_vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void
errbuf_wrap(struct errbuf *e, const char *fmt, ...)
{
	char old[ERRBUF_SIZE];
	size_t n;
	va_list ap;

	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	fmt_vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	if (n + 2 < sizeof(e->msg)) {
		memcpy(e->msg + n, ": ", 2);
		n += 2;
		/* Truncation keeps the outer context, which names the object. */
		memcpy(e->msg + n, old, sizeof(e->msg) - n - 1);
		e->msg[sizeof(e->msg) - 1] = '\0';
	}
}

/* Length of the longest run starting at m[0..n) that occurs in s[0..len). */
static size_t
longest_common_run(const char *m, size_t n, const char *s, size_t len)
{
	size_t j, k, best = 0;

	for (j = 0; j < len && best < n; j++) {
		k = 0;
		while (k < n && j + k < len && m[k] == s[j + k])
			k++;
		if (k > best)
			best = k;
	}
	return best;
}

void
errbuf_redact_text(char *text, const char *secret, size_t len)
{
	size_t n = strlen(text), i = 0, run;

	if (len < ERRBUF_REDACT_MIN)
		return;
	while (i < n) {
		run = longest_common_run(text + i, n - i, secret, len);
		if (run >= ERRBUF_REDACT_MIN) {
			memset(text + i, '*', run);
			i += run;
		} else {
			i++;
		}
	}
}

void
errbuf_redact(struct errbuf *e, const char *secret, size_t len)
{
	e->msg[sizeof(e->msg) - 1] = '\0';
	errbuf_redact_text(e->msg, secret, len);
}
