#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "reference.h"

#define D64 "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

#define RAW(s) (s), sizeof(s) - 1
#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef int check_fn(const char *s, size_t len, struct errbuf *err);

struct vcase {
	const char *s;
	size_t len;
	const char *err; /* NULL: valid */
};

/* Every case runs on an exact-size heap copy so over-reads are caught. */
static void
run_cases(struct th *t, check_fn *fn, const struct vcase *cs, size_t n)
{
	struct errbuf err;
	size_t i;

	for (i = 0; i < n; i++) {
		char *copy = malloc(cs[i].len ? cs[i].len : 1);
		int rc;

		memcpy(copy, cs[i].s, cs[i].len);
		err.msg[0] = '\0';
		rc = fn(copy, cs[i].len, &err);
		free(copy);
		if (cs[i].err == NULL) {
			if (!CHECK_INT(t, rc, 0))
				printf("     case %zu: %s\n", i, err.msg);
		} else if (!CHECK_INT(t, rc, -1) || !CHECK_STR(t, err.msg, cs[i].err)) {
			printf("     case %zu\n", i);
		}
	}
}

static int
digest_check(const char *s, size_t len, struct errbuf *err)
{
	struct digest d;

	return digest_parse(s, len, &d, err);
}

static void
digests_parse_with_exact_errors(struct th *t)
{
	static const struct vcase cs[] = {
		{ RAW("sha256:" HEX64), NULL },
		{ RAW("sha256:0123456789ABCDEF0123456789abcdef0123456789AbCdEf0123456789abcdef"), NULL },
		{ RAW(""), "invalid digest \"\": missing sha256: prefix" },
		{ RAW(HEX64), "invalid digest \"" HEX64 "\": missing sha256: prefix" },
		{ RAW("SHA256:" HEX64),
		    "invalid digest \"SHA256:" HEX64 "\": missing sha256: prefix" },
		{ RAW("sha256"), "invalid digest \"sha256\": missing sha256: prefix" },
		{ RAW(" sha256:" HEX64),
		    "invalid digest \" sha256:" HEX64 "\": missing sha256: prefix" },
		{ RAW("sha512:" HEX64),
		    "invalid digest \"sha512:" HEX64 "\": missing sha256: prefix" },
		{ RAW("sha256:" HEX64 " "),
		    "invalid digest \"sha256:" HEX64 " \": invalid hex: non-hex character at offset 71" },
		{ RAW("sha256:zz"),
		    "invalid digest \"sha256:zz\": invalid hex: non-hex character at offset 7" },
		{ RAW("sha256:0x12"),
		    "invalid digest \"sha256:0x12\": invalid hex: non-hex character at offset 8" },
		{ RAW("sha256:ab\0d"),
		    "invalid digest \"sha256:ab\\x00d\": invalid hex: non-hex character at offset 9" },
		{ RAW("sha256:abc"),
		    "invalid digest \"sha256:abc\": invalid hex: odd number of hex digits (3)" },
		{ RAW("sha256:"), "invalid digest \"sha256:\": wrong length: 0 bytes, want 32" },
		{ RAW("sha256:12"), "invalid digest \"sha256:12\": wrong length: 1 bytes, want 32" },
		{ RAW("sha256:" HEX64 "00"),
		    "invalid digest \"sha256:" HEX64 "00\": wrong length: 33 bytes, want 32" },
		{ RAW("sha256:" HEX64 HEX64),
		    "invalid digest \"sha256:" HEX64 "012345678\"...: wrong length: 64 bytes, want 32" },
	};

	run_cases(t, digest_check, cs, sizeof(cs) / sizeof(cs[0]));
}

static void
digests_print_lowercase_and_compare_by_bytes(struct th *t)
{
	struct digest a, b;
	struct errbuf err;
	char s[DIGEST_STR_SIZE], h[DIGEST_HEX_LEN + 1];

	REQUIRE_INT(t, digest_parse(RAW("sha256:0123456789ABCDEF0123456789abcdef0123456789AbCdEf0123456789abcdef"), &a, &err), 0);
	REQUIRE_INT(t, digest_parse(RAW("sha256:" HEX64), &b, &err), 0);
	CHECK(t, digest_equal(&a, &b));
	CHECK_INT(t, a.b[0], 0x01);
	CHECK_INT(t, a.b[31], 0xef);
	digest_format(&a, s);
	CHECK_STR(t, s, "sha256:" HEX64);
	digest_hex(&a, h);
	CHECK_STR(t, h, HEX64);
	b.b[31] ^= 1;
	CHECK(t, !digest_equal(&a, &b));
}

static void
image_names_follow_spec_and_docker_grammar(struct th *t)
{
	static char long_name[REFERENCE_NAME_MAX + 2];
	static const struct vcase cs[] = {
		{ RAW("nearone/mpc-node"), NULL },
		{ RAW("ubuntu"), NULL },
		{ RAW("a/b/c/d"), NULL },
		{ RAW("my.registry.io/team/app"), NULL },
		{ RAW("a_b__c---d.e/f-g"), NULL },
		{ RAW("0/9"), NULL },
		{ RAW(""), "invalid image name \"\": empty" },
		{ RAW("nearone/mpc node"),
		    "invalid image name \"nearone/mpc node\": character 0x20 at offset 11 "
		    "is not allowed (only A-Z a-z 0-9 / . _ -)" },
		{ RAW("a:latest"),
		    "invalid image name \"a:latest\": character ':' at offset 1 "
		    "is not allowed (only A-Z a-z 0-9 / . _ -)" },
		{ RAW("a\nb"),
		    "invalid image name \"a\\x0ab\": character 0x0a at offset 1 "
		    "is not allowed (only A-Z a-z 0-9 / . _ -)" },
		{ RAW("a\"b"),
		    "invalid image name \"a\\\"b\": character '\"' at offset 1 "
		    "is not allowed (only A-Z a-z 0-9 / . _ -)" },
		{ RAW("a${X}"),
		    "invalid image name \"a${X}\": character '$' at offset 1 "
		    "is not allowed (only A-Z a-z 0-9 / . _ -)" },
		{ RAW("a\0b"),
		    "invalid image name \"a\\x00b\": character 0x00 at offset 1 "
		    "is not allowed (only A-Z a-z 0-9 / . _ -)" },
		{ RAW("NearOne/mpc-node"),
		    "invalid image name \"NearOne/mpc-node\": uppercase letter at offset 0 "
		    "(Docker repository names are lowercase)" },
		{ RAW("/a"), "invalid image name \"/a\": empty path component at offset 0" },
		{ RAW("a/"), "invalid image name \"a/\": empty path component at offset 2" },
		{ RAW("a//b"), "invalid image name \"a//b\": empty path component at offset 2" },
		{ RAW(".a"),
		    "invalid image name \".a\": path component at offset 0 does not start "
		    "with a letter or digit" },
		{ RAW("a/-b"),
		    "invalid image name \"a/-b\": path component at offset 2 does not start "
		    "with a letter or digit" },
		{ RAW("a/b_"),
		    "invalid image name \"a/b_\": path component at offset 2 does not end "
		    "with a letter or digit" },
		{ RAW("a/.."),
		    "invalid image name \"a/..\": path component at offset 2 does not start "
		    "with a letter or digit" },
		{ RAW("a..b"),
		    "invalid image name \"a..b\": invalid separator \"..\" at offset 1 "
		    "(use one of . _ __ or dashes)" },
		{ RAW("a___b"),
		    "invalid image name \"a___b\": invalid separator \"___\" at offset 1 "
		    "(use one of . _ __ or dashes)" },
		{ RAW("a._b"),
		    "invalid image name \"a._b\": invalid separator \"._\" at offset 1 "
		    "(use one of . _ __ or dashes)" },
		{ RAW("a-.b"),
		    "invalid image name \"a-.b\": invalid separator \"-.\" at offset 1 "
		    "(use one of . _ __ or dashes)" },
	};
	struct errbuf err;

	run_cases(t, reference_name_check, cs, sizeof(cs) / sizeof(cs[0]));
	memset(long_name, 'a', sizeof(long_name));
	CHECK_INT(t, reference_name_check(long_name, REFERENCE_NAME_MAX, &err), 0);
	CHECK_INT(t, reference_name_check(long_name, REFERENCE_NAME_MAX + 1, &err), -1);
	CHECK_STR(t, err.msg, "invalid image name \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"...: longer than 255 bytes");
}

static void
registries_are_host_and_optional_port(struct th *t)
{
	static const struct vcase cs[] = {
		{ RAW("registry.hub.docker.com"), NULL },
		{ RAW("localhost"), NULL },
		{ RAW("localhost:5000"), NULL },
		{ RAW("127.0.0.1:65535"), NULL },
		{ RAW("Registry-1.Docker.IO"), NULL },
		{ RAW("[::1]:5000"), NULL },
		{ RAW("[::1]"), NULL },
		{ RAW("[2001:db8::8:800:200c:417a]"), NULL },
		{ RAW("[1:2:3:4:5:6:7:8]"), NULL },
		{ RAW("[::]"), NULL },
		{ RAW("a.b-c.d1"), NULL },
		{ RAW("0a.example"), NULL },
		{ RAW(""), "invalid registry \"\": empty" },
		{ RAW(":5000"), "invalid registry \":5000\": empty host" },
		{ RAW("host:"), "invalid registry \"host:\": empty port" },
		{ RAW("host:0"), "invalid registry \"host:0\": port outside 1..65535" },
		{ RAW("host:65536"), "invalid registry \"host:65536\": port outside 1..65535" },
		{ RAW("host:123456"), "invalid registry \"host:123456\": port outside 1..65535" },
		{ RAW("host:05000"), "invalid registry \"host:05000\": port has a leading zero" },
		{ RAW("host:5000:1"), "invalid registry \"host:5000:1\": port is not a decimal number" },
		{ RAW("host:+50"), "invalid registry \"host:+50\": port is not a decimal number" },
		{ RAW("https://host"),
		    "invalid registry \"https://host\": port is not a decimal number" },
		{ RAW("host/path"),
		    "invalid registry \"host/path\": character '/' at offset 4 is not allowed in a host name" },
		{ RAW("ho st"),
		    "invalid registry \"ho st\": character 0x20 at offset 2 is not allowed in a host name" },
		{ RAW("a_b.com"),
		    "invalid registry \"a_b.com\": character '_' at offset 1 is not allowed in a host name" },
		{ RAW(".host"), "invalid registry \".host\": empty host label at offset 0" },
		{ RAW("host."), "invalid registry \"host.\": empty host label at offset 5" },
		{ RAW("a..b"), "invalid registry \"a..b\": empty host label at offset 2" },
		{ RAW("-a.b"), "invalid registry \"-a.b\": host label at offset 0 starts or ends with '-'" },
		{ RAW("a.b-"), "invalid registry \"a.b-\": host label at offset 2 starts or ends with '-'" },
		{ RAW("1.2.3"), "invalid registry \"1.2.3\": numeric host is not a dotted IPv4 address" },
		{ RAW("1.2.3.256"),
		    "invalid registry \"1.2.3.256\": numeric host is not a dotted IPv4 address" },
		{ RAW("01.2.3.4"),
		    "invalid registry \"01.2.3.4\": numeric host is not a dotted IPv4 address" },
		{ RAW("1234"), "invalid registry \"1234\": numeric host is not a dotted IPv4 address" },
		{ RAW("[::1"), "invalid registry \"[::1\": invalid bracketed IPv6 address" },
		{ RAW("[]"), "invalid registry \"[]\": invalid bracketed IPv6 address" },
		{ RAW("[1::2::3]"), "invalid registry \"[1::2::3]\": invalid bracketed IPv6 address" },
		{ RAW("[1:2:3:4:5:6:7:8:9]"),
		    "invalid registry \"[1:2:3:4:5:6:7:8:9]\": invalid bracketed IPv6 address" },
		{ RAW("[1:2:3:4:5:6:7]"),
		    "invalid registry \"[1:2:3:4:5:6:7]\": invalid bracketed IPv6 address" },
		{ RAW("[12345::]"), "invalid registry \"[12345::]\": invalid bracketed IPv6 address" },
		{ RAW("[fe80::1%eth0]"),
		    "invalid registry \"[fe80::1%eth0]\": invalid bracketed IPv6 address" },
		/* Docker's ipv6address is \[[a-fA-F0-9:]+\]: no IPv4-in-IPv6. */
		{ RAW("[::ffff:192.0.2.1]:443"), "invalid registry \"[::ffff:192.0.2.1]:443\": "
		    "IPv4-in-IPv6 address: Docker's reference grammar allows only hex "
		    "digits and ':' inside [ ]" },
		{ RAW("[::ffff:1.2.3.4]"), "invalid registry \"[::ffff:1.2.3.4]\": "
		    "IPv4-in-IPv6 address: Docker's reference grammar allows only hex "
		    "digits and ':' inside [ ]" },
		{ RAW("[64:ff9b::192.0.2.33]:5000"), "invalid registry "
		    "\"[64:ff9b::192.0.2.33]:5000\": IPv4-in-IPv6 address: Docker's "
		    "reference grammar allows only hex digits and ':' inside [ ]" },
		{ RAW("[1.2.3.4]"), "invalid registry \"[1.2.3.4]\": IPv4-in-IPv6 address: "
		    "Docker's reference grammar allows only hex digits and ':' inside [ ]" },
		/* The same address in hex is what Docker accepts. */
		{ RAW("[::ffff:c000:221]:443"), NULL },
		{ RAW("[::1]5000"),
		    "invalid registry \"[::1]5000\": expected ':' and a port after the host" },
		{ RAW("[::1]:"), "invalid registry \"[::1]:\": empty port" },
	};
	static char host[REFERENCE_HOST_MAX + 8];
	struct errbuf err;
	size_t i;

	run_cases(t, reference_registry_check, cs, sizeof(cs) / sizeof(cs[0]));
	/* 63-byte labels are fine, 64 are not; 253 bytes total is the cap. */
	memset(host, 'a', sizeof(host));
	for (i = 63; i < sizeof(host); i += 64)
		host[i] = '.';
	CHECK_INT(t, reference_registry_check(host, REFERENCE_HOST_MAX, &err), 0);
	CHECK_INT(t, reference_registry_check(host, REFERENCE_HOST_MAX + 1, &err), -1);
	CHECK(t, strstr(err.msg, ": host longer than 253 bytes") != NULL);
	host[63] = 'a';
	CHECK_INT(t, reference_registry_check(host, 100, &err), -1);
	CHECK(t, strstr(err.msg, ": host label at offset 0 longer than 63 bytes") != NULL);
}

static void
tags_follow_the_docker_tag_grammar(struct th *t)
{
	static char long_tag[REFERENCE_TAG_MAX + 1];
	static const struct vcase cs[] = {
		{ RAW("latest"), NULL },
		{ RAW("v1.2.3-rc_1"), NULL },
		{ RAW("_x"), NULL },
		{ RAW("A"), NULL },
		{ RAW(""), "invalid tag \"\": empty" },
		{ RAW(".x"), "invalid tag \".x\": must start with a letter, digit or '_', not '.'" },
		{ RAW("-x"), "invalid tag \"-x\": must start with a letter, digit or '_', not '-'" },
		{ RAW("v1/2"),
		    "invalid tag \"v1/2\": character '/' at offset 2 is not allowed (only A-Z a-z 0-9 _ . -)" },
		{ RAW("v1?x=1"),
		    "invalid tag \"v1?x=1\": character '?' at offset 2 is not allowed (only A-Z a-z 0-9 _ . -)" },
		{ RAW("v1\x80"),
		    "invalid tag \"v1\\x80\": character 0x80 at offset 2 is not allowed (only A-Z a-z 0-9 _ . -)" },
	};
	struct errbuf err;

	run_cases(t, reference_tag_check, cs, sizeof(cs) / sizeof(cs[0]));
	memset(long_tag, 'a', sizeof(long_tag));
	CHECK_INT(t, reference_tag_check(long_tag, REFERENCE_TAG_MAX, &err), 0);
	CHECK_INT(t, reference_tag_check(long_tag, REFERENCE_TAG_MAX + 1, &err), -1);
	CHECK(t, strstr(err.msg, "\"...: longer than 128 bytes") != NULL);
}

static int
ref_check(const char *s, size_t len, struct errbuf *err)
{
	return reference_ref_check(s, len, NULL, err);
}

static void
references_are_tags_or_digests(struct th *t)
{
	static const struct vcase cs[] = {
		{ RAW("latest"), NULL },
		{ RAW("sha256:" HEX64), NULL },
		{ RAW("sha256:abc"),
		    "invalid digest \"sha256:abc\": invalid hex: odd number of hex digits (3)" },
		{ RAW("sha512:abc"),
		    "invalid reference \"sha512:abc\": neither a tag nor a sha256: digest" },
		{ RAW("v1:2"), "invalid reference \"v1:2\": neither a tag nor a sha256: digest" },
		{ RAW("../x"),
		    "invalid tag \"../x\": must start with a letter, digit or '_', not '.'" },
	};
	enum reference_kind k;
	struct errbuf err;

	run_cases(t, ref_check, cs, sizeof(cs) / sizeof(cs[0]));
	REQUIRE_INT(t, reference_ref_check(RAW("v1"), &k, &err), 0);
	CHECK_INT(t, k, REFERENCE_TAG);
	REQUIRE_INT(t, reference_ref_check(RAW("sha256:" HEX64), &k, &err), 0);
	CHECK_INT(t, k, REFERENCE_DIGEST);
}

static void
docker_hub_names_and_pull_references_are_normalised(struct th *t)
{
	char api[REFERENCE_API_NAME_SIZE], pull[REFERENCE_PULL_SIZE];
	char repo[REFERENCE_REPO_SIZE];
	struct digest d;
	struct errbuf err;

	CHECK(t, reference_is_docker_hub(RAW("registry.hub.docker.com")));
	CHECK(t, reference_is_docker_hub(RAW("docker.io")));
	CHECK(t, reference_is_docker_hub(RAW("Registry-1.Docker.io")));
	CHECK(t, reference_is_docker_hub(RAW("index.docker.io")));
	CHECK(t, !reference_is_docker_hub(RAW("docker.io:443")));
	CHECK(t, !reference_is_docker_hub(RAW("ghcr.io")));
	CHECK(t, !reference_is_docker_hub(RAW("docker.io.evil.example")));

	REQUIRE_INT(t, reference_api_name(RAW("registry.hub.docker.com"), RAW("ubuntu"),
	    api, &err), 0);
	CHECK_STR(t, api, "library/ubuntu");
	REQUIRE_INT(t, reference_api_name(RAW("docker.io"), RAW("nearone/mpc-node"),
	    api, &err), 0);
	CHECK_STR(t, api, "nearone/mpc-node");
	REQUIRE_INT(t, reference_api_name(RAW("localhost:5000"), RAW("ubuntu"), api, &err), 0);
	CHECK_STR(t, api, "ubuntu");
	CHECK_INT(t, reference_api_name(RAW("localhost:5000"), RAW("Ubuntu"), api, &err), -1);
	CHECK_INT(t, reference_api_name(RAW("local host"), RAW("ubuntu"), api, &err), -1);

	REQUIRE_INT(t, digest_parse(RAW("sha256:" HEX64), &d, &err), 0);
	REQUIRE_INT(t, reference_pull_format(RAW("registry.hub.docker.com"),
	    RAW("nearone/mpc-node"), &d, pull, &err), 0);
	CHECK_STR(t, pull, "nearone/mpc-node@sha256:" HEX64);
	REQUIRE_INT(t, reference_pull_format(RAW("docker.io"), RAW("ubuntu"), &d, pull, &err), 0);
	CHECK_STR(t, pull, "ubuntu@sha256:" HEX64);
	REQUIRE_INT(t, reference_pull_format(RAW("localhost:5000"), RAW("team/app"), &d,
	    pull, &err), 0);
	CHECK_STR(t, pull, "localhost:5000/team/app@sha256:" HEX64);
	REQUIRE_INT(t, reference_pull_format(RAW("[::1]:5000"), RAW("app"), &d, pull, &err), 0);
	CHECK_STR(t, pull, "[::1]:5000/app@sha256:" HEX64);
	CHECK_INT(t, reference_pull_format(RAW("localhost:5000"), RAW("a//b"), &d, pull, &err), -1);
	CHECK_STR(t, err.msg, "invalid image name \"a//b\": empty path component at offset 2");
	REQUIRE_INT(t, reference_repo_format(RAW("docker.io"), RAW("ubuntu"), repo, &err), 0);
	CHECK_STR(t, repo, "ubuntu");
	REQUIRE_INT(t, reference_repo_format(RAW("localhost:5000"), RAW("team/app"), repo,
	    &err), 0);
	CHECK_STR(t, repo, "localhost:5000/team/app");
	CHECK_INT(t, reference_repo_format(RAW("local host"), RAW("app"), repo, &err), -1);
}

static void
image_references_split_as_docker_splits_them(struct th *t)
{
	static const struct {
		const char *in, *registry, *name, *tag;
		int digest;
	} ok[] = {
		{ "nearone/mpc-node", "", "nearone/mpc-node", "", 0 },
		{ "mpc-node", "", "mpc-node", "", 0 },
		{ "nearone/mpc-node:3.9.1", "", "nearone/mpc-node", "3.9.1", 0 },
		{ "ghcr.io/nearone/mpc-node", "ghcr.io", "nearone/mpc-node", "", 0 },
		{ "localhost/x", "localhost", "x", "", 0 },
		{ "localhost:5000/a/b:t_1", "localhost:5000", "a/b", "t_1", 0 },
		{ "127.0.0.1:5000/a:latest@" D64, "127.0.0.1:5000", "a", "latest", 1 },
		{ "a/b@" D64, "", "a/b", "", 1 },
		{ "host:5000", "", "host", "5000", 0 },
		{ "Registry/x", "Registry", "x", "", 0 },
	};
	static const struct { const char *in, *want; } bad[] = {
		{ "", "must start with a letter or digit" },
		{ "_a", "must start with a letter or digit" },
		{ "a.", "ends in '.'" },
		{ "a//b", "holds \"//\"" },
		{ "a/b::c", "holds \"::\"" },
		{ "a:.b", "holds \":.\"" },
		{ "a/b c", "character 0x20 at offset 3" },
		{ "a/b@", "invalid digest" },
		{ "a/b@sha256:zz", "invalid digest" },
		{ "a/B", "invalid image name" },
		{ "a/b:-t", "invalid tag" },
		{ "reg.io:99999/a", "invalid registry" },
		{ "@" D64, "must start with a letter or digit" },
	};
	struct reference_image r;
	struct errbuf e;
	size_t k;

	for (k = 0; k < sizeof(ok) / sizeof(ok[0]); k++) {
		e.msg[0] = '\0';
		if (!CHECK_INT(t, reference_image_parse(ok[k].in, strlen(ok[k].in), &r, &e), 0)) {
			printf("     %s: %s\n", ok[k].in, e.msg);
			continue;
		}
		CHECK_MEM(t, r.registry, r.registry_len, ok[k].registry, strlen(ok[k].registry));
		CHECK_MEM(t, r.name, r.name_len, ok[k].name, strlen(ok[k].name));
		CHECK_MEM(t, r.tag, r.tag_len, ok[k].tag, strlen(ok[k].tag));
		CHECK_INT(t, r.has_digest, ok[k].digest);
		if (ok[k].digest)
			CHECK_INT(t, r.digest.b[31], 0xaa);
	}
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		e.msg[0] = '\0';
		CHECK_INT(t, reference_image_parse(bad[k].in, strlen(bad[k].in), &r, &e), -1);
		if (strstr(e.msg, bad[k].want) == NULL)
			CHECK_STR(t, e.msg, bad[k].want);
	}
	/* (pointer, length): bytes after len are not read. */
	CHECK_INT(t, reference_image_parse("a/b:c", 3, &r, &e), 0);
	CHECK_INT(t, r.tag_len, 0);
}

void
suite_reference(struct th *t)
{
	th_run(t, "reference: digests parse with the three exact SPEC errors",
	    digests_parse_with_exact_errors);
	th_run(t, "reference: digests print lowercase and compare by bytes",
	    digests_print_lowercase_and_compare_by_bytes);
	th_run(t, "reference: image names follow SPEC 9.2 and the Docker path grammar",
	    image_names_follow_spec_and_docker_grammar);
	th_run(t, "reference: registries are a host name, IPv4 or [IPv6] with an optional port",
	    registries_are_host_and_optional_port);
	th_run(t, "reference: tags follow the Docker tag grammar",
	    tags_follow_the_docker_tag_grammar);
	th_run(t, "reference: image_tags entries are tags or sha256 digests",
	    references_are_tags_or_digests);
	th_run(t, "reference: image references split as Docker splits them",
	    image_references_split_as_docker_splits_them);
	th_run(t, "reference: Docker Hub names get library/ and pulls drop the registry",
	    docker_hub_names_and_pull_references_are_normalised);
}
