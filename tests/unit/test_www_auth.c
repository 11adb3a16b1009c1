#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "www_auth.h"

#define RAW(s) (s), sizeof(s) - 1

static void
docker_hub_challenge_gives_realm_service_scope(struct th *t)
{
	static const char v[] = "Bearer realm=\"https://auth.docker.io/token\","
	    "service=\"registry.docker.io\",scope=\"repository:library/ubuntu:pull\"";
	struct www_auth_bearer b;
	struct errbuf err;

	REQUIRE_INT(t, www_auth_bearer_parse(RAW(v), &b, &err), 0);
	CHECK_STR(t, b.realm, "https://auth.docker.io/token");
	CHECK_STR(t, b.service, "registry.docker.io");
	CHECK_STR(t, b.scope, "repository:library/ubuntu:pull");
	CHECK_INT(t, b.has_service, 1);
	CHECK_INT(t, b.has_scope, 1);
}

static void
names_are_case_insensitive_and_tokens_allowed(struct th *t)
{
	static const char v[] = "bEaReR REALM = \"https://r/t\" ,  Service= registry.local:5000";
	struct www_auth_bearer b;
	struct errbuf err;

	/* ':' is not a tchar: the token value stops there and the rest is junk. */
	CHECK_INT(t, www_auth_bearer_parse(RAW(v), &b, &err), -1);
	CHECK_STR(t, err.msg, "WWW-Authenticate offset 55: expected ',' after a parameter");
	REQUIRE_INT(t, www_auth_bearer_parse(RAW("bEaReR REALM = \"https://r/t\" ,  "
	    "Service= registry.local"), &b, &err), 0);
	CHECK_STR(t, b.realm, "https://r/t");
	CHECK_STR(t, b.service, "registry.local");
	CHECK_STR(t, b.scope, "");
	CHECK_INT(t, b.has_scope, 0);
}

static void
quoted_strings_are_unescaped(struct th *t)
{
	static const char v[] = "Bearer realm=\"a\\\"b\\\\c\\d e\\\t\xc3\xa9\"";
	struct www_auth_bearer b;
	struct errbuf err;

	REQUIRE_INT(t, www_auth_bearer_parse(RAW(v), &b, &err), 0);
	CHECK_STR(t, b.realm, "a\"b\\cd e\t\xc3\xa9");
}

static void
several_challenges_and_token68_are_parsed(struct th *t)
{
	static const char v[] = "Newauth realm=\"apps\", type=1, title=\"Login to \\\"apps\\\"\", "
	    "Basic realm=\"simple\", Negotiate abc+/9==, Basic2 dXNlcjpw, Bare,"
	    "Bearer realm=\"https://t/token\"";
	struct www_auth a;
	struct errbuf err;
	const struct www_auth_challenge *c;
	const struct www_auth_param *p;
	char buf[64];

	REQUIRE_INT(t, www_auth_parse(RAW(v), &a, &err), 0);
	REQUIRE_INT(t, a.num_challenges, 6);
	CHECK_MEM(t, a.challenges[0].scheme, a.challenges[0].scheme_len, "Newauth", 7);
	CHECK_INT(t, a.challenges[0].num_params, 3);
	p = www_auth_param_find(&a.challenges[0], "TITLE");
	REQUIRE(t, p != NULL);
	REQUIRE_INT(t, www_auth_param_copy(p, buf, sizeof(buf), &err), 0);
	CHECK_STR(t, buf, "Login to \"apps\"");
	CHECK_INT(t, a.challenges[1].num_params, 1);
	CHECK_MEM(t, a.challenges[2].token68, a.challenges[2].token68_len, "abc+/9==", 8);
	CHECK_INT(t, a.challenges[2].num_params, 0);
	CHECK_MEM(t, a.challenges[3].token68, a.challenges[3].token68_len, "dXNlcjpw", 8);
	CHECK(t, a.challenges[4].token68 == NULL);
	CHECK_INT(t, a.challenges[4].num_params, 0);
	c = www_auth_challenge_find(&a, "BEARER");
	REQUIRE(t, c == &a.challenges[5]);
	CHECK(t, www_auth_challenge_find(&a, "Digest") == NULL);
	CHECK(t, www_auth_challenge_find(&a, "Basic") == &a.challenges[1]);

	/* "realm=" alone is token68 by the grammar, "abc= x" a parameter. */
	REQUIRE_INT(t, www_auth_parse(RAW("Bearer realm=, Basic abc= x"), &a, &err), 0);
	REQUIRE_INT(t, a.num_challenges, 2);
	CHECK_MEM(t, a.challenges[0].token68, a.challenges[0].token68_len, "realm=", 6);
	REQUIRE_INT(t, a.challenges[1].num_params, 1);
	CHECK_MEM(t, a.challenges[1].params[0].value, a.challenges[1].params[0].value_len, "x", 1);
}

static void
empty_list_elements_are_skipped(struct th *t)
{
	struct www_auth_bearer b;
	struct www_auth a;
	struct errbuf err;

	REQUIRE_INT(t, www_auth_bearer_parse(RAW(" , Bearer realm=\"r\",, service=\"s\" , ,"),
	    &b, &err), 0);
	CHECK_STR(t, b.realm, "r");
	CHECK_STR(t, b.service, "s");
	REQUIRE_INT(t, www_auth_parse(RAW("Bearer ,realm=\"r\""), &a, &err), 0);
	CHECK_INT(t, a.num_challenges, 1);
	CHECK_INT(t, a.challenges[0].num_params, 1);
}

struct bad {
	const char *v;
	size_t len;
	const char *err;
};

static void
malformed_values_are_rejected_with_offsets(struct th *t)
{
	static const struct bad cs[] = {
		{ RAW(""), "WWW-Authenticate offset 0: no challenge" },
		{ RAW(" , ,\t"), "WWW-Authenticate offset 5: no challenge" },
		{ RAW("=x"), "WWW-Authenticate offset 0: expected an auth scheme" },
		{ RAW("Bearer\trealm=x"),
		    "WWW-Authenticate offset 6: expected SP or ',' after the auth scheme" },
		{ RAW("Bearer@ realm=x"),
		    "WWW-Authenticate offset 6: expected SP or ',' after the auth scheme" },
		{ RAW("Bearer realm=\"x"), "WWW-Authenticate offset 13: unterminated quoted string" },
		{ RAW("Bearer realm=\"x\\"), "WWW-Authenticate offset 13: unterminated quoted string" },
		{ RAW("Bearer realm=\"x\", service="),
		    "WWW-Authenticate offset 26: expected a token or quoted string as value" },
		{ RAW("Bearer realm=\"x\", service= ,"),
		    "WWW-Authenticate offset 27: expected a token or quoted string as value" },
		{ RAW("Bearer realm=\"x\" service=\"y\""),
		    "WWW-Authenticate offset 17: expected ',' after a parameter" },
		{ RAW("Bearer realm=\"x\", realm=\"y\""),
		    "WWW-Authenticate offset 18: parameter \"realm\" repeated" },
		{ RAW("Bearer REALM=\"x\", realm=\"y\""),
		    "WWW-Authenticate offset 18: parameter \"realm\" repeated" },
		{ RAW("Bearer realm=\"a\x01" "b\""),
		    "WWW-Authenticate offset 15: invalid byte 0x01 in quoted string" },
		{ RAW("Bearer realm=\"a\0b\""),
		    "WWW-Authenticate offset 15: invalid byte 0x00 in quoted string" },
		{ RAW("Bearer realm=\"a\\\nb\""),
		    "WWW-Authenticate offset 16: invalid byte 0x0a in quoted string" },
		{ RAW("Bearer realm=\"a\x7f\""),
		    "WWW-Authenticate offset 15: invalid byte 0x7f in quoted string" },
		{ RAW("Bearer realm=x\0"),
		    "WWW-Authenticate offset 14: expected ',' after a parameter" },
		{ RAW("Bearer realm x"),
		    "WWW-Authenticate offset 13: expected '=' after the parameter name" },
		{ RAW("Basic abc=, realm=x"),
		    "WWW-Authenticate offset 12: parameter after a token68 value" },
		{ RAW("Basic,realm=\"x\""),
		    "WWW-Authenticate offset 6: parameter after an auth scheme without SP" },
		{ RAW("Basic, realm=\"x\""),
		    "WWW-Authenticate offset 7: parameter after an auth scheme without SP" },
		{ RAW("Bearer,,realm=x"),
		    "WWW-Authenticate offset 8: parameter after an auth scheme without SP" },
		{ RAW("Basic realm=\"a\", Bare, realm=\"x\""),
		    "WWW-Authenticate offset 23: parameter after an auth scheme without SP" },
		{ RAW("Basic abc= x y"),
		    "WWW-Authenticate offset 13: expected ',' after a parameter" },
		{ RAW("A, B, C, D, E, F, G, H, I"),
		    "WWW-Authenticate offset 24: more than 8 challenges" },
		{ RAW("X a=1,b=1,c=1,d=1,e=1,f=1,g=1,h=1,i=1,j=1,k=1,l=1,m=1,n=1,o=1,p=1,q=1"),
		    "WWW-Authenticate offset 66: more than 16 parameters in a challenge" },
	};
	struct www_auth a;
	struct errbuf err;
	size_t i;

	for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		char *copy = malloc(cs[i].len + 1);
		memcpy(copy, cs[i].v, cs[i].len);
		if (!CHECK_INT(t, www_auth_parse(copy, cs[i].len, &a, &err), -1) ||
		    !CHECK_STR(t, err.msg, cs[i].err))
			printf("     case %zu\n", i);
		free(copy);
	}
}

static void
bearer_requirements_and_bounds_are_enforced(struct th *t)
{
	static char v[WWW_AUTH_MAX_LEN + 2];
	struct www_auth_bearer b;
	struct www_auth a;
	struct errbuf err;
	size_t n;

	CHECK_INT(t, www_auth_bearer_parse(RAW("Basic realm=\"x\""), &b, &err), -1);
	CHECK_STR(t, err.msg, "WWW-Authenticate: no Bearer challenge");
	CHECK_INT(t, www_auth_bearer_parse(RAW("Bearer service=\"x\""), &b, &err), -1);
	CHECK_STR(t, err.msg, "WWW-Authenticate: Bearer challenge has no realm");
	CHECK_INT(t, www_auth_bearer_parse(RAW("Bearer abcdef"), &b, &err), -1);
	CHECK_STR(t, err.msg, "WWW-Authenticate: Bearer challenge has no realm");
	CHECK_INT(t, www_auth_bearer_parse(RAW("Bearer realm=\"\""), &b, &err), -1);
	CHECK_STR(t, err.msg, "WWW-Authenticate: Bearer realm is empty");

	n = (size_t)sprintf(v, "Bearer realm=\"");
	memset(v + n, 'r', WWW_AUTH_REALM_MAX);
	n += WWW_AUTH_REALM_MAX;
	v[n++] = '"';
	REQUIRE_INT(t, www_auth_bearer_parse(v, n, &b, &err), 0);
	CHECK_INT(t, strlen(b.realm), WWW_AUTH_REALM_MAX);
	memcpy(v + n - 1, "r\"", 2);
	CHECK_INT(t, www_auth_bearer_parse(v, n + 1, &b, &err), -1);
	CHECK_STR(t, err.msg, "WWW-Authenticate: parameter \"realm\" longer than 1024 bytes");
	/* Escapes count once: 1024 escaped bytes still fit. */
	n = (size_t)sprintf(v, "Bearer realm=\"");
	for (size_t i = 0; i < WWW_AUTH_REALM_MAX; i++, n += 2)
		memcpy(v + n, "\\r", 2);
	v[n++] = '"';
	REQUIRE_INT(t, www_auth_bearer_parse(v, n, &b, &err), 0);
	CHECK_INT(t, strlen(b.realm), WWW_AUTH_REALM_MAX);

	memset(v, ' ', sizeof(v));
	memcpy(v, "Basic", 5);
	CHECK_INT(t, www_auth_parse(v, WWW_AUTH_MAX_LEN, &a, &err), 0);
	CHECK_INT(t, www_auth_parse(v, WWW_AUTH_MAX_LEN + 1, &a, &err), -1);
	CHECK_STR(t, err.msg, "WWW-Authenticate offset 8192: value longer than 8192 bytes");
}

static void
bearer_is_found_across_header_fields(struct th *t)
{
	static const char ok[] = "HTTP/1.1 401 Unauthorized\r\n"
	    "WWW-Authenticate: Basic realm=\"b\"\r\nContent-Length: 0\r\n"
	    "www-authenticate: Bearer realm=\"https://t/token\",scope=\"repository:x:pull\"\r\n"
	    "WWW-Authenticate: Bearer realm=\"second\"\r\n\r\n";
	static const char bad[] = "HTTP/1.1 401 Unauthorized\r\n"
	    "WWW-Authenticate: Bearer realm=\"https://t/token\"\r\n"
	    "WWW-Authenticate: Bearer realm=\"x\r\n\r\n";
	static const char none[] = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n";
	static const char basic[] = "HTTP/1.1 401 Unauthorized\r\n"
	    "WWW-Authenticate: Basic realm=\"b\"\r\n\r\n";
	static struct http_response_head h;
	struct www_auth_bearer b;
	struct errbuf err;

	REQUIRE(t, http_response_parse_head(RAW(ok), 0, &h, &err) > 0);
	REQUIRE_INT(t, www_auth_bearer_from_head(&h, &b, &err), 0);
	CHECK_STR(t, b.realm, "https://t/token");
	CHECK_STR(t, b.scope, "repository:x:pull");
	CHECK_INT(t, b.has_service, 0);
	REQUIRE(t, http_response_parse_head(RAW(bad), 0, &h, &err) > 0);
	CHECK_INT(t, www_auth_bearer_from_head(&h, &b, &err), -1);
	CHECK_STR(t, err.msg, "WWW-Authenticate offset 13: unterminated quoted string");
	REQUIRE(t, http_response_parse_head(RAW(none), 0, &h, &err) > 0);
	CHECK_INT(t, www_auth_bearer_from_head(&h, &b, &err), -1);
	CHECK_STR(t, err.msg, "no WWW-Authenticate header");
	REQUIRE(t, http_response_parse_head(RAW(basic), 0, &h, &err) > 0);
	CHECK_INT(t, www_auth_bearer_from_head(&h, &b, &err), -1);
	CHECK_STR(t, err.msg, "WWW-Authenticate: no Bearer challenge");
}

void
suite_www_auth(struct th *t)
{
	th_run(t, "www_auth: a Docker Hub challenge gives realm, service and scope",
	    docker_hub_challenge_gives_realm_service_scope);
	th_run(t, "www_auth: scheme and parameter names are case-insensitive, token values allowed",
	    names_are_case_insensitive_and_tokens_allowed);
	th_run(t, "www_auth: quoted strings are unescaped", quoted_strings_are_unescaped);
	th_run(t, "www_auth: several challenges and the token68 form are parsed",
	    several_challenges_and_token68_are_parsed);
	th_run(t, "www_auth: empty list elements are skipped", empty_list_elements_are_skipped);
	th_run(t, "www_auth: malformed values are rejected with their offset",
	    malformed_values_are_rejected_with_offsets);
	th_run(t, "www_auth: Bearer needs a realm and every value is bounded",
	    bearer_requirements_and_bounds_are_enforced);
	th_run(t, "www_auth: the Bearer challenge is found across header fields",
	    bearer_is_found_across_header_fields);
}
