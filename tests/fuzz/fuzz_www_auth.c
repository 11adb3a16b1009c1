/*
 * libFuzzer harness for the WWW-Authenticate parser.
 *
 * Properties checked on every input, beyond "no sanitizer report":
 *   - errors name an offset inside (or at the end of) the input;
 *   - accepted values: 1..WWW_AUTH_MAX_CHALLENGES challenges, schemes and
 *     names are non-empty and inside the input, no parameter name repeats
 *     within a challenge (case-insensitively), every value unescapes to at
 *     most its raw length with no NUL;
 *   - www_auth_bearer_parse agrees with finding "bearer" by hand.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "www_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_assert(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_www_auth: property violated: %s\n", what);
		abort();
	}
}

static void
check_challenge(const char *s, size_t size, const struct www_auth_challenge *c)
{
	static char buf[WWW_AUTH_MAX_LEN + 1];
	struct errbuf err;
	size_t i, j;

	fuzz_assert(c->scheme_len > 0 && c->scheme >= s &&
	    c->scheme + c->scheme_len <= s + size, "scheme inside input");
	fuzz_assert(c->token68 == NULL || c->num_params == 0, "token68 xor params");
	for (i = 0; i < c->num_params; i++) {
		const struct www_auth_param *p = &c->params[i];
		fuzz_assert(p->name_len > 0 && p->name >= s &&
		    p->value + p->value_len <= s + size, "param inside input");
		for (j = 0; j < i; j++)
			fuzz_assert(p->name_len != c->params[j].name_len ||
			    strncasecmp(p->name, c->params[j].name, p->name_len) != 0,
			    "no repeated parameter");
		fuzz_assert(www_auth_param_copy(p, buf, sizeof(buf), &err) == 0,
		    "value fits a buffer of the input size");
		fuzz_assert(strlen(buf) <= p->value_len, "unescaping never grows");
		fuzz_assert(memchr(p->value, '\0', p->value_len) == NULL, "no NUL");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct www_auth a;
	static struct www_auth_bearer b;
	const char *s;
	char *copy = malloc(size ? size : 1);
	struct errbuf err;
	size_t i;
	int rc, brc;

	memcpy(copy, data, size);
	s = copy;
	rc = www_auth_parse(s, size, &a, &err);
	brc = www_auth_bearer_parse(s, size, &b, &err);
	if (rc != 0) {
		fuzz_assert(strncmp(err.msg, "WWW-Authenticate offset ", 24) == 0,
		    "error names an offset");
		fuzz_assert(brc != 0, "bearer fails when parsing fails");
		free(copy);
		return 0;
	}
	fuzz_assert(a.num_challenges >= 1 && a.num_challenges <= WWW_AUTH_MAX_CHALLENGES,
	    "challenge count");
	for (i = 0; i < a.num_challenges; i++)
		check_challenge(s, size, &a.challenges[i]);
	if (www_auth_challenge_find(&a, "bearer") == NULL)
		fuzz_assert(brc != 0, "no bearer, no result");
	if (brc == 0)
		fuzz_assert(b.realm[0] != '\0', "bearer realm non-empty");
	free(copy);
	return 0;
}
