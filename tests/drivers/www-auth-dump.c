/*
 * www-auth-dump — one WWW-Authenticate field value on stdin (a final LF is
 * dropped), its challenges on stdout:
 *
 *   challenge <lowercased scheme>
 *   token68 <value>                      (token68 form only)
 *   param <lowercased name>=<unescaped value>
 *
 * Exit: 0 parsed; 1 parse error ("error: ..." on stderr); 2 usage or I/O.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "www_auth.h"

static void
put_lower(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		putchar(tolower((unsigned char)s[i]));
}

int
main(void)
{
	static char in[WWW_AUTH_MAX_LEN + 2], val[WWW_AUTH_MAX_LEN + 1];
	static struct www_auth a;
	struct errbuf err;
	size_t n, i, j;

	n = fread(in, 1, sizeof(in), stdin);
	if (ferror(stdin)) {
		fprintf(stderr, "www-auth-dump: cannot read stdin\n");
		return 2;
	}
	if (n > 0 && in[n - 1] == '\n')
		n--;
	if (www_auth_parse(in, n, &a, &err) != 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		return 1;
	}
	for (i = 0; i < a.num_challenges; i++) {
		const struct www_auth_challenge *c = &a.challenges[i];
		fputs("challenge ", stdout);
		put_lower(c->scheme, c->scheme_len);
		putchar('\n');
		if (c->token68 != NULL)
			printf("token68 %.*s\n", (int)c->token68_len, c->token68);
		for (j = 0; j < c->num_params; j++) {
			if (www_auth_param_copy(&c->params[j], val, sizeof(val), &err) != 0) {
				fprintf(stderr, "error: %s\n", err.msg);
				return 1;
			}
			fputs("param ", stdout);
			put_lower(c->params[j].name, c->params[j].name_len);
			printf("=%s\n", val);
		}
	}
	return 0;
}
