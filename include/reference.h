/*
 * reference — image digests, names, tags and registry hosts.
 *
 * Everything here validates strings an operator or a registry controls
 * before they reach a URL path, a compose file or a docker argv.  Inputs are
 * (pointer, length) pairs, so an embedded NUL is simply an invalid byte.
 * Nothing is allocated; outputs go to caller buffers of the sizes named
 * below.  Functions return 0 on success and -1 on error with one line in
 * err; the line quotes the offending input (escaped, at most
 * REFERENCE_QUOTE_MAX bytes of it) and says what is wrong, e.g.
 *   invalid digest "sha256:12": wrong length: 1 bytes, want 32
 * None of these strings are secrets, so quoting them is safe.
 *
 * Digest (SPEC §2.5): "sha256:" (case-sensitive) + 64 hex digits, upper or
 * lower case.  Stored as 32 bytes, printed "sha256:" + lowercase hex;
 * equality is byte equality.  The three error kinds are, in this order:
 *   missing sha256: prefix
 *   invalid hex: ...            (a non-hex byte, or an odd digit count)
 *   wrong length: N bytes, want 32
 *
 * Image name: SPEC §9.2 (non-empty, bytes [A-Za-z0-9/._-] only) and the
 * Docker reference grammar for the path: components
 *   [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
 * separated by "/", at most REFERENCE_NAME_MAX bytes.  Uppercase letters
 * pass §9.2 but Docker refuses them in repository names, so they are
 * rejected here with their own message.
 *
 * Registry: host[:port], host = DNS name (labels of [A-Za-z0-9-], 1..63
 * bytes, no leading/trailing '-', total ≤ 253), dotted IPv4 (a name whose
 * labels are all digits must be one), or a bracketed IPv6 literal; port =
 * 1..65535 without leading zeros.
 *
 * Tag: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.  A "ref" (an image_tags entry or a
 * manifest reference) is a tag or a digest.
 */
#ifndef TL_REFERENCE_H
#define TL_REFERENCE_H

#include <stddef.h>

#include "errbuf.h"

#define DIGEST_LEN 32      /* sha256 */
#define DIGEST_HEX_LEN 64  /* two hex digits per byte */
/* "sha256:" + 64 hex + NUL. */
#define DIGEST_STR_SIZE 72
/* Docker's limit on a repository name (distribution/reference). */
#define REFERENCE_NAME_MAX 255
/* Docker's tag grammar allows 128 bytes. */
#define REFERENCE_TAG_MAX 128
/* DNS limit on a host name (RFC 1035). */
#define REFERENCE_HOST_MAX 253
/* host (or "[" IPv6 "]", ≤ 47) + ":" + 5 digits. */
#define REFERENCE_REGISTRY_MAX (REFERENCE_HOST_MAX + 6)
/* "library/" + name + NUL: an API path name. */
#define REFERENCE_API_NAME_SIZE (8 + REFERENCE_NAME_MAX + 1)
/* registry "/" name NUL: a repository. */
#define REFERENCE_REPO_SIZE (REFERENCE_REGISTRY_MAX + 1 + REFERENCE_NAME_MAX + 1)
/* registry "/" name "@" digest NUL: a pull reference. */
#define REFERENCE_PULL_SIZE (REFERENCE_REPO_SIZE + DIGEST_STR_SIZE)
/* Bytes of a bad input quoted in an error message. */
#define REFERENCE_QUOTE_MAX 80

struct digest {
	unsigned char b[DIGEST_LEN];
};

int digest_parse(const char *s, size_t len, struct digest *d, struct errbuf *err);
/* "sha256:" + 64 lowercase hex + NUL. */
void digest_format(const struct digest *d, char out[DIGEST_STR_SIZE]);
/* 64 lowercase hex + NUL (the RTMR3 event payload form). */
void digest_hex(const struct digest *d, char out[DIGEST_HEX_LEN + 1]);
/* 1 if equal, else 0. */
int digest_equal(const struct digest *a, const struct digest *b);

/* Image name (the repository path, without registry). */
int reference_name_check(const char *s, size_t len, struct errbuf *err);
/* Registry host[:port]: a host name, a dotted IPv4 address or a bracketed
 * IPv6 address in hex only, as Docker's reference grammar has it
 * (ipv6address = \[[a-fA-F0-9:]+\]): "[::ffff:1.2.3.4]" is refused. */
int reference_registry_check(const char *s, size_t len, struct errbuf *err);
int reference_tag_check(const char *s, size_t len, struct errbuf *err);

enum reference_kind { REFERENCE_TAG, REFERENCE_DIGEST };
/* Tag or "sha256:" digest; *kind says which (may be NULL). */
int reference_ref_check(const char *s, size_t len, enum reference_kind *kind,
    struct errbuf *err);

/*
 * An image reference "[registry/]name[:tag][@sha256:<64 hex>]" (near/mpc's
 * image_reference).  First near/mpc's own rules on the part before '@':
 * non-empty, starts with a letter or digit, only [A-Za-z0-9/_.:-], does
 * not end in ':', '/' or '.', holds no "//", "::" or ":.".  Then Docker's
 * split: the first component is the registry when there is a '/' after it
 * and it holds '.' or ':', is "localhost" or has an uppercase letter; the
 * tag follows the last ':' after the last '/'.  Each part is then checked
 * like the seed's fields (registry, image name, tag, digest).  Pointers
 * point into s; a length of 0 means the part is absent.
 */
struct reference_image {
	const char *registry, *name, *tag;
	size_t registry_len, name_len, tag_len;
	int has_digest;
	struct digest digest;
};
int reference_image_parse(const char *s, size_t len, struct reference_image *r,
    struct errbuf *err);

/* registry.hub.docker.com, docker.io, registry-1.docker.io, index.docker.io
 * (case-insensitive, no port). */
int reference_is_docker_hub(const char *registry, size_t len);

/* Name used in /v2/<name>/... paths: Docker Hub puts one-component names
 * under "library/".  Validates both inputs. */
int reference_api_name(const char *registry, size_t rlen, const char *name,
    size_t nlen, char out[REFERENCE_API_NAME_SIZE], struct errbuf *err);

/* The repository docker names the image by: "<registry>/<name>", or
 * "<name>" for Docker Hub (docker adds its own default).  Validates both
 * inputs. */
int reference_repo_format(const char *registry, size_t rlen, const char *name,
    size_t nlen, char out[REFERENCE_REPO_SIZE], struct errbuf *err);

/* What `docker pull` gets: the repository + "@sha256:<hex>".  Validates
 * both inputs. */
int reference_pull_format(const char *registry, size_t rlen, const char *name,
    size_t nlen, const struct digest *d, char out[REFERENCE_PULL_SIZE],
    struct errbuf *err);

#endif
