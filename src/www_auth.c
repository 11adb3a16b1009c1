#include <string.h>

#include "fmt.h"
#include "http_response.h"
#include "www_auth.h"

struct p {
	const char *s;
	size_t len;
	size_t pos;
	struct errbuf *err;
};

static int
fail(struct p *p, size_t at, const char *why)
{
	errbuf_set(p->err, "WWW-Authenticate offset %zu: %s", at, why);
	return -1;
}

/* A limit was hit: "<pre> <limit> <post>". */
static int
fail_limit(struct p *p, size_t at, const char *pre, int limit, const char *post)
{
	char why[96];

	fmt_snprintf(why, sizeof(why), "%s %d %s", pre, limit, post);
	return fail(p, at, why);
}

static int
is_t68char(unsigned char ch)
{
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= 'A' && ch <= 'Z'))
		return 1;
	return ch != '\0' && strchr("-._~+/", ch) != NULL;
}

static unsigned char
lower(char ch)
{
	unsigned char x = (unsigned char)ch;

	return x >= 'A' && x <= 'Z' ? (unsigned char)(x - 'A' + 'a') : x;
}

static int
ieqn(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++) {
		if (lower(a[i]) != lower(b[i]))
			return 0;
	}
	return 1;
}

static int
ieq(const char *a, size_t alen, const char *b)
{
	return ieqn(a, alen, b, strlen(b));
}

static size_t
skip_ows_at(const struct p *p, size_t q)
{
	while (q < p->len && (p->s[q] == ' ' || p->s[q] == '\t'))
		q++;
	return q;
}

static size_t
token_len_at(const struct p *p, size_t q)
{
	size_t n = 0;

	while (q + n < p->len && http_is_tchar((unsigned char)p->s[q + n]))
		n++;
	return n;
}

/* OWS and empty list elements. */
static void
skip_elements(struct p *p)
{
	for (;;) {
		p->pos = skip_ows_at(p, p->pos);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		return;
	}
}

/* After a comma: "token BWS =" continues the parameters of this challenge. */
static int
is_param_start(const struct p *p)
{
	size_t n = token_len_at(p, p->pos), q;

	if (n == 0)
		return 0;
	q = skip_ows_at(p, p->pos + n);
	return q < p->len && p->s[q] == '=';
}

/* token68 if the run of token68 characters and '=' padding is followed only
 * by OWS and then a comma or the end. */
static int
take_token68(struct p *p, struct www_auth_challenge *c)
{
	size_t q = p->pos, n, end;

	while (q < p->len && is_t68char((unsigned char)p->s[q]))
		q++;
	n = q - p->pos;
	while (q < p->len && p->s[q] == '=')
		q++;
	end = skip_ows_at(p, q);
	if (n == 0 || (end < p->len && p->s[end] != ','))
		return 0;
	c->token68 = p->s + p->pos;
	c->token68_len = q - p->pos;
	p->pos = q;
	return 1;
}

static int
parse_quoted(struct p *p, struct www_auth_param *prm)
{
	size_t open = p->pos;
	char msg[64];

	prm->value = p->s + ++p->pos;
	prm->quoted = 1;
	for (;;) {
		unsigned char ch;
		if (p->pos >= p->len)
			return fail(p, open, "unterminated quoted string");
		ch = (unsigned char)p->s[p->pos];
		if (ch == '"')
			break;
		if (ch == '\\') {
			if (++p->pos >= p->len)
				return fail(p, open, "unterminated quoted string");
			ch = (unsigned char)p->s[p->pos];
		}
		if (!http_is_field_byte(ch)) {
			fmt_snprintf(msg, sizeof(msg), "invalid byte 0x%02x in quoted string", ch);
			return fail(p, p->pos, msg);
		}
		p->pos++;
	}
	prm->value_len = (size_t)(p->s + p->pos - prm->value);
	p->pos++;
	return 0;
}

static int
check_new_param(struct p *p, const struct www_auth_challenge *c, size_t at)
{
	const struct www_auth_param *prm = &c->params[c->num_params];
	size_t i;
	char msg[128];

	for (i = 0; i < c->num_params; i++) {
		if (ieqn(c->params[i].name, c->params[i].name_len, prm->name,
		    prm->name_len)) {
			fmt_snprintf(msg, sizeof(msg), "parameter \"%.*s\" repeated",
			    (int)(prm->name_len > 64 ? 64 : prm->name_len), prm->name);
			return fail(p, at, msg);
		}
	}
	return 0;
}

static int
parse_param(struct p *p, struct www_auth_challenge *c)
{
	struct www_auth_param *prm;
	size_t at = p->pos, n;

	if (c->num_params == WWW_AUTH_MAX_PARAMS)
		return fail_limit(p, at, "more than", WWW_AUTH_MAX_PARAMS,
		    "parameters in a challenge");
	prm = &c->params[c->num_params];
	if ((n = token_len_at(p, p->pos)) == 0)
		return fail(p, p->pos, "expected a parameter name");
	prm->name = p->s + p->pos;
	prm->name_len = n;
	p->pos = skip_ows_at(p, p->pos + n);
	if (p->pos >= p->len || p->s[p->pos] != '=')
		return fail(p, p->pos, "expected '=' after the parameter name");
	p->pos = skip_ows_at(p, p->pos + 1);
	if (p->pos < p->len && p->s[p->pos] == '"') {
		if (parse_quoted(p, prm) != 0)
			return -1;
	} else if ((n = token_len_at(p, p->pos)) != 0) {
		prm->value = p->s + p->pos;
		prm->value_len = n;
		prm->quoted = 0;
		p->pos += n;
	} else {
		return fail(p, p->pos, "expected a token or quoted string as value");
	}
	if (check_new_param(p, c, at) != 0)
		return -1;
	c->num_params++;
	return 0;
}

/* Leaves p->pos at the end or at the scheme of the next challenge. */
static int
parse_challenge(struct p *p, struct www_auth_challenge *c)
{
	size_t n = token_len_at(p, p->pos);
	int has_sp;

	if (n == 0)
		return fail(p, p->pos, "expected an auth scheme");
	memset(c, 0, sizeof(*c));
	c->scheme = p->s + p->pos;
	c->scheme_len = n;
	p->pos += n;
	/* The grammar's 1*SP: without it the challenge has no parameters. */
	has_sp = p->pos < p->len && p->s[p->pos] == ' ';
	if (has_sp) {
		p->pos = skip_ows_at(p, p->pos);
		if (p->pos < p->len && p->s[p->pos] != ',' &&
		    !take_token68(p, c) && parse_param(p, c) != 0)
			return -1;
	} else if (p->pos < p->len && p->s[p->pos] != ',') {
		return fail(p, p->pos, "expected SP or ',' after the auth scheme");
	}
	for (;;) {
		p->pos = skip_ows_at(p, p->pos);
		if (p->pos >= p->len)
			return 0;
		if (p->s[p->pos] != ',')
			return fail(p, p->pos, "expected ',' after a parameter");
		skip_elements(p);
		if (p->pos >= p->len || !is_param_start(p))
			return 0;
		if (c->token68 != NULL)
			return fail(p, p->pos, "parameter after a token68 value");
		if (!has_sp)
			return fail(p, p->pos, "parameter after an auth scheme "
			    "without SP");
		if (parse_param(p, c) != 0)
			return -1;
	}
}

int
www_auth_parse(const char *s, size_t len, struct www_auth *out,
    struct errbuf *err)
{
	struct p p;

	p.s = s;
	p.len = len;
	p.pos = 0;
	p.err = err;
	out->num_challenges = 0;
	if (len > WWW_AUTH_MAX_LEN)
		return fail_limit(&p, WWW_AUTH_MAX_LEN, "value longer than",
		    WWW_AUTH_MAX_LEN, "bytes");
	for (;;) {
		skip_elements(&p);
		if (p.pos >= len)
			break;
		if (out->num_challenges == WWW_AUTH_MAX_CHALLENGES)
			return fail_limit(&p, p.pos, "more than",
			    WWW_AUTH_MAX_CHALLENGES, "challenges");
		if (parse_challenge(&p, &out->challenges[out->num_challenges]) != 0)
			return -1;
		out->num_challenges++;
	}
	if (out->num_challenges == 0)
		return fail(&p, p.pos, "no challenge");
	return 0;
}

const struct www_auth_challenge *
www_auth_challenge_find(const struct www_auth *a, const char *scheme)
{
	size_t i;

	for (i = 0; i < a->num_challenges; i++) {
		if (ieq(a->challenges[i].scheme, a->challenges[i].scheme_len, scheme))
			return &a->challenges[i];
	}
	return NULL;
}

const struct www_auth_param *
www_auth_param_find(const struct www_auth_challenge *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->num_params; i++) {
		if (ieq(c->params[i].name, c->params[i].name_len, name))
			return &c->params[i];
	}
	return NULL;
}

int
www_auth_param_copy(const struct www_auth_param *p, char *out, size_t cap,
    struct errbuf *err)
{
	size_t i, o = 0;

	for (i = 0; i < p->value_len; i++) {
		if (p->quoted && p->value[i] == '\\' && i + 1 < p->value_len)
			i++;
		if (o + 1 >= cap) {
			errbuf_set(err, "WWW-Authenticate: parameter \"%.*s\" longer than %zu bytes",
			    (int)(p->name_len > 64 ? 64 : p->name_len), p->name,
			    cap ? cap - 1 : 0);
			return -1;
		}
		out[o++] = p->value[i];
	}
	if (cap == 0)
		return -1;
	out[o] = '\0';
	return 0;
}

static int
copy_opt(const struct www_auth_challenge *c, const char *name, char *out,
    size_t cap, int *has, struct errbuf *err)
{
	const struct www_auth_param *p = www_auth_param_find(c, name);

	out[0] = '\0';
	if (has != NULL)
		*has = p != NULL;
	if (p == NULL)
		return 0;
	return www_auth_param_copy(p, out, cap, err);
}

static int
bearer_extract(const struct www_auth_challenge *c, struct www_auth_bearer *out,
    struct errbuf *err)
{
	int has_realm;

	if (copy_opt(c, "realm", out->realm, sizeof(out->realm), &has_realm, err) != 0 ||
	    copy_opt(c, "service", out->service, sizeof(out->service),
	    &out->has_service, err) != 0 ||
	    copy_opt(c, "scope", out->scope, sizeof(out->scope),
	    &out->has_scope, err) != 0)
		return -1;
	if (!has_realm) {
		errbuf_set(err, "WWW-Authenticate: Bearer challenge has no realm");
		return -1;
	}
	if (out->realm[0] == '\0') {
		errbuf_set(err, "WWW-Authenticate: Bearer realm is empty");
		return -1;
	}
	return 0;
}

int
www_auth_bearer_parse(const char *s, size_t len, struct www_auth_bearer *out,
    struct errbuf *err)
{
	struct www_auth a;
	const struct www_auth_challenge *c;

	if (www_auth_parse(s, len, &a, err) != 0)
		return -1;
	if ((c = www_auth_challenge_find(&a, "bearer")) == NULL) {
		errbuf_set(err, "WWW-Authenticate: no Bearer challenge");
		return -1;
	}
	return bearer_extract(c, out, err);
}

int
www_auth_bearer_from_head(const struct http_response_head *h,
    struct www_auth_bearer *out, struct errbuf *err)
{
	struct www_auth a;
	const struct www_auth_challenge *c;
	size_t i;
	int seen = 0, found = 0;

	for (i = 0; i < h->num_headers; i++) {
		const struct http_header *f = &h->headers[i];
		if (!ieq(f->name, f->name_len, "www-authenticate"))
			continue;
		seen = 1;
		if (www_auth_parse(f->value, f->value_len, &a, err) != 0)
			return -1;
		if (found || (c = www_auth_challenge_find(&a, "bearer")) == NULL)
			continue;
		if (bearer_extract(c, out, err) != 0)
			return -1;
		found = 1;
	}
	if (found)
		return 0;
	errbuf_set(err, seen ? "WWW-Authenticate: no Bearer challenge" :
	    "no WWW-Authenticate header");
	return -1;
}
