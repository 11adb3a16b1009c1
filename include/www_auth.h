/*
 * www_auth — parser for WWW-Authenticate field values (RFC 9110 §11.6.1).
 *
 *   WWW-Authenticate = #challenge
 *   challenge  = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param = token BWS "=" BWS ( token / quoted-string )
 *   token68    = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 *
 * One field value may hold several challenges; commas separate both
 * challenges and parameters, so after a comma "token BWS =" starts another
 * parameter and anything else starts a new challenge.  Parameters need the
 * SP after the scheme: "Basic,realm=x" and "Basic, realm=x" are errors, not
 * Basic with a realm (a scheme followed by a comma is a challenge without
 * parameters, and a parameter cannot start a challenge).  Empty list
 * elements are skipped (RFC 9110 §5.6.1.2).  Scheme and parameter names compare
 * case-insensitively; a parameter name repeated within one challenge is an
 * error (two readers must never disagree on which "realm" counts).
 *
 * Memory: www_auth_parse() allocates nothing; every name and value in the
 * result points into the caller's input, which must outlive it.  Quoted
 * values are kept raw (escapes in place); www_auth_param_copy() unescapes
 * into a caller buffer and NUL-terminates.  Unescaped values can hold no NUL
 * (the grammar admits none).
 *
 * Errors: functions return 0 on success and -1 on error, with a one-line
 * message in err naming the byte offset, e.g.
 *   "WWW-Authenticate offset 14: unterminated quoted string".
 * Messages never echo parameter values.
 */
#ifndef TL_WWW_AUTH_H
#define TL_WWW_AUTH_H

#include <stddef.h>

#include "errbuf.h"
#include "http_response.h"

/* Registries send one or two challenges; more is hostile or broken. */
#define WWW_AUTH_MAX_CHALLENGES 8
/* Bearer uses realm, service, scope, error, error_description. */
#define WWW_AUTH_MAX_PARAMS 16
/* A field value; real ones are a few hundred bytes. */
#define WWW_AUTH_MAX_LEN 8192
/* realm is the token endpoint URL. */
#define WWW_AUTH_REALM_MAX 1024
/* service is a host name (e.g. "registry.docker.io"). */
#define WWW_AUTH_SERVICE_MAX 256
/* scope lists "repository:<name>:pull" entries, names ≤ 255 bytes each. */
#define WWW_AUTH_SCOPE_MAX 1024

struct www_auth_param {
	const char *name; /* token, not NUL-terminated */
	size_t name_len;
	const char *value; /* raw: inside the quotes if quoted, escapes kept */
	size_t value_len;
	int quoted;
};

struct www_auth_challenge {
	const char *scheme; /* token, not NUL-terminated */
	size_t scheme_len;
	const char *token68; /* NULL unless the token68 form was used */
	size_t token68_len;
	struct www_auth_param params[WWW_AUTH_MAX_PARAMS];
	size_t num_params;
};

struct www_auth {
	struct www_auth_challenge challenges[WWW_AUTH_MAX_CHALLENGES];
	size_t num_challenges;
};

/* Parses one field value s[0..len) (OWS around it is allowed). At least one
 * challenge is required. */
int www_auth_parse(const char *s, size_t len, struct www_auth *out,
    struct errbuf *err);

/* First challenge whose scheme equals scheme (case-insensitive), or NULL. */
const struct www_auth_challenge *www_auth_challenge_find(
    const struct www_auth *a, const char *scheme);

/* The parameter called name (case-insensitive), or NULL. */
const struct www_auth_param *www_auth_param_find(
    const struct www_auth_challenge *c, const char *name);

/* Unescapes p's value into out[0..cap) with a NUL; -1 if it does not fit. */
int www_auth_param_copy(const struct www_auth_param *p, char *out, size_t cap,
    struct errbuf *err);

/* What a registry's Bearer challenge tells the client. */
struct www_auth_bearer {
	char realm[WWW_AUTH_REALM_MAX + 1];     /* required, non-empty */
	char service[WWW_AUTH_SERVICE_MAX + 1]; /* "" when absent */
	char scope[WWW_AUTH_SCOPE_MAX + 1];     /* "" when absent */
	int has_service;
	int has_scope;
};

/* Parses s[0..len) and extracts its first Bearer challenge.  Errors: parse
 * errors, no Bearer challenge, Bearer without a non-empty realm, a value
 * longer than its buffer. */
int www_auth_bearer_parse(const char *s, size_t len, struct www_auth_bearer *out,
    struct errbuf *err);

/* Same over every WWW-Authenticate field of a response head, in order: the
 * first Bearer challenge wins; every field must parse (a hostile second
 * field is an error, not ignored). */
int www_auth_bearer_from_head(const struct http_response_head *h,
    struct www_auth_bearer *out, struct errbuf *err);

#endif
