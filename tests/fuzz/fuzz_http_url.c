/*
 * libFuzzer harness for http_url: request URLs, Locations, proxy URLs and
 * NO_PROXY lists — all of them can come from a hostile server or an
 * operator's environment.
 *
 * The input is split at the first newline: the part before is parsed as a
 * URL (and as a proxy URL), the part after as a Location resolved against
 * it (and as a NO_PROXY list).  Properties beyond "no sanitizer report":
 * every accepted URL has a non-empty lower-case host, a target that starts
 * with "/" and holds no byte that may not appear raw in a request line,
 * a path_len inside the target, and a safe form without "?".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_assert(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_http_url: property violated: %s\n", what);
		abort();
	}
}

static void
check_url(const struct http_url *u)
{
	char safe[HTTP_URL_MAX + HTTP_URL_HOST_MAX + 32];
	size_t i;

	fuzz_assert(u->host[0] != '\0', "empty host");
	for (i = 0; u->host[i]; i++)
		fuzz_assert(!(u->host[i] >= 'A' && u->host[i] <= 'Z'), "upper-case host");
	fuzz_assert(u->target[0] == '/', "target without /");
	fuzz_assert(u->path_len <= strlen(u->target), "path_len outside target");
	for (i = 0; u->target[i]; i++) {
		unsigned char ch = (unsigned char)u->target[i];

		fuzz_assert(ch > 0x20 && ch < 0x7f && ch != '#', "raw byte in target");
	}
	fuzz_assert(u->port != 0, "port 0");
	http_url_safe(u, safe, sizeof(safe));
	fuzz_assert(strchr(safe, '?') == NULL, "query in the safe form");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_url base, next;
	struct http_proxy_url p;
	struct errbuf e;
	const uint8_t *nl = memchr(data, '\n', size);
	size_t n1 = nl ? (size_t)(nl - data) : size;
	char *a = malloc(n1 + 1), *b;
	size_t n2 = nl ? size - n1 - 1 : 0;

	if (a == NULL)
		return 0;
	memcpy(a, data, n1);
	a[n1] = '\0';
	b = malloc(n2 + 1);
	if (b == NULL) {
		free(a);
		return 0;
	}
	memcpy(b, nl ? nl + 1 : data, n2);
	b[n2] = '\0';
	(void)http_proxy_parse(a, &p, &e);
	if (http_url_parse(a, &base, &e) == 0) {
		check_url(&base);
		/* Location values are not NUL-terminated: pass the raw bytes. */
		if (http_url_resolve(&base, (const char *)(nl ? nl + 1 : data),
		    n2, &next, &e) == 0)
			check_url(&next);
		(void)http_no_proxy_match(b, base.host, base.port);
	}
	free(a);
	free(b);
	return 0;
}
