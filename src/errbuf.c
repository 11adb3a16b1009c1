#include <stdarg.h>
#include <stdio.h>
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
