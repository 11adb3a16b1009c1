/*
 * libFuzzer harness for digests, image names, registries, tags and the
 * reference builders.
 *
 * Properties checked on every input, beyond "no sanitizer report":
 *   - every validator either accepts or writes one "invalid ..." line;
 *   - an accepted digest formats to "sha256:" + 64 lowercase hex that parses
 *     back to the same bytes;
 *   - an accepted name holds only [a-z0-9/._-] and is ≤ 255 bytes; an
 *     accepted tag or registry holds no byte a URL path would need escaped;
 *   - the builders (input split at the first LF into registry and name)
 *     succeed exactly when both parts validate, and produce a NUL-terminated
 *     string ending in the digest;
 *   - an accepted image reference is its parts joined again (registry "/"
 *     name ":" tag "@" digest), each part valid on its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_assert(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_reference: property violated: %s\n", what);
		abort();
	}
}

static void
check_err(int rc, const struct errbuf *err)
{
	fuzz_assert(rc == 0 || rc == -1, "status is 0 or -1");
	if (rc != 0)
		fuzz_assert(strncmp(err->msg, "invalid ", 8) == 0 &&
		    strchr(err->msg, '\n') == NULL, "one-line invalid ... message");
}

static void
check_digest(const char *s, size_t n)
{
	struct digest d, e;
	struct errbuf err;
	char out[DIGEST_STR_SIZE];
	size_t i;
	int rc = digest_parse(s, n, &d, &err);

	check_err(rc, &err);
	if (rc != 0)
		return;
	digest_format(&d, out);
	fuzz_assert(strlen(out) == 71 && memcmp(out, "sha256:", 7) == 0, "format");
	for (i = 7; i < 71; i++)
		fuzz_assert(strchr("0123456789abcdef", out[i]) != NULL, "lowercase hex");
	fuzz_assert(digest_parse(out, 71, &e, &err) == 0 && digest_equal(&d, &e),
	    "round trip");
}

static void
check_charset(const char *s, size_t n, const char *allowed, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		fuzz_assert(s[i] != '\0' && strchr(allowed, s[i]) != NULL, what);
}

#define LOWER "abcdefghijklmnopqrstuvwxyz0123456789"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

static void
check_builders(const char *s, size_t n)
{
	const char *lf = memchr(s, '\n', n);
	const char *reg = s, *name;
	size_t rlen, nlen;
	char api[REFERENCE_API_NAME_SIZE], pull[REFERENCE_PULL_SIZE];
	struct digest d;
	struct errbuf err;
	int ok;

	if (lf == NULL)
		return;
	rlen = (size_t)(lf - s);
	name = lf + 1;
	nlen = n - rlen - 1;
	memset(d.b, 0xab, sizeof(d.b));
	ok = reference_registry_check(reg, rlen, &err) == 0 &&
	    reference_name_check(name, nlen, &err) == 0;
	fuzz_assert((reference_api_name(reg, rlen, name, nlen, api, &err) == 0) == ok,
	    "api name iff valid");
	fuzz_assert((reference_pull_format(reg, rlen, name, nlen, &d, pull, &err) == 0) == ok,
	    "pull reference iff valid");
	if (ok) {
		size_t pl = strlen(pull);
		fuzz_assert(pl > 71 && strcmp(pull + pl - 71, "sha256:abababababababababababababababababababababababababababababababab") == 0 &&
		    pull[pl - 72] == '@', "pull ends with @digest");
		fuzz_assert(strlen(api) >= nlen, "api name holds the name");
	}
}

static void
check_image(const char *s, size_t n)
{
	struct reference_image r;
	struct errbuf err;
	char joined[1024], d[DIGEST_STR_SIZE];
	int rc = reference_image_parse(s, n, &r, &err), k;

	check_err(rc, &err);
	if (rc != 0)
		return;
	if (r.has_digest)
		digest_format(&r.digest, d);
	k = snprintf(joined, sizeof(joined), "%.*s%s%.*s%s%.*s%s%s", (int)r.registry_len,
	    r.registry_len ? r.registry : "", r.registry_len ? "/" : "", (int)r.name_len,
	    r.name, r.tag_len ? ":" : "", (int)r.tag_len, r.tag_len ? r.tag : "",
	    r.has_digest ? "@" : "", r.has_digest ? d : "");
	/* A digest may be written with upper-case hex: compare up to it. */
	fuzz_assert(k > 0 && (size_t)k == n && strncmp(joined, s,
	    r.has_digest ? n - 64 : n) == 0, "image reference is its parts");
	fuzz_assert(reference_name_check(r.name, r.name_len, &err) == 0 &&
	    (!r.tag_len || reference_tag_check(r.tag, r.tag_len, &err) == 0) &&
	    (!r.registry_len || reference_registry_check(r.registry, r.registry_len, &err) == 0),
	    "image reference parts valid");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);
	struct errbuf err;
	enum reference_kind k;
	int rc;

	memcpy(s, data, size);
	check_digest(s, size);
	rc = reference_name_check(s, size, &err);
	check_err(rc, &err);
	if (rc == 0) {
		check_charset(s, size, LOWER "/._-", "name charset");
		fuzz_assert(size <= REFERENCE_NAME_MAX, "name length");
	}
	rc = reference_registry_check(s, size, &err);
	check_err(rc, &err);
	if (rc == 0) {
		check_charset(s, size, LOWER UPPER ".-:[]", "registry charset");
		/* Docker's ipv6address: hex digits and ':' only inside [ ]. */
		fuzz_assert(size == 0 || s[0] != '[' ||
		    memchr(s, '.', size) == NULL, "no IPv4-in-IPv6 registry");
	}
	rc = reference_tag_check(s, size, &err);
	check_err(rc, &err);
	if (rc == 0)
		check_charset(s, size, LOWER UPPER "_.-", "tag charset");
	rc = reference_ref_check(s, size, &k, &err);
	check_err(rc, &err);
	if (rc == 0 && k == REFERENCE_TAG)
		check_charset(s, size, LOWER UPPER "_.-", "ref tag charset");
	check_builders(s, size);
	check_image(s, size);
	free(s);
	return 0;
}
