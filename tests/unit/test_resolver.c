#include <string.h>

#include "harness.h"
#include "resolver.h"

static void
sample(struct registry_result *r)
{
	memset(r, 0, sizeof(*r));
	memset(r->manifest.b, 0xab, DIGEST_LEN);
	memset(r->config.b, 0x01, DIGEST_LEN);
	memset(r->pull.b, 0x77, DIGEST_LEN);
	r->manifest.b[0] = 0; /* a NUL inside a digest is just a byte */
	r->how = REGISTRY_MATCH_MANIFEST;
}

static void
a_resolved_record_round_trips(struct th *t)
{
	struct registry_result in, out;
	char rec[RESOLVER_RECORD_MAX];
	struct errbuf e;
	size_t n;

	sample(&in);
	n = resolver_record_format(1, &in, "ignored", rec);
	REQUIRE_INT(t, n, RESOLVER_HEAD);
	REQUIRE_INT(t, resolver_record_parse(rec, n, &out, &e), 0);
	CHECK_MEM(t, out.manifest.b, DIGEST_LEN, in.manifest.b, DIGEST_LEN);
	CHECK_MEM(t, out.config.b, DIGEST_LEN, in.config.b, DIGEST_LEN);
	CHECK_MEM(t, out.pull.b, DIGEST_LEN, in.pull.b, DIGEST_LEN);
	CHECK_INT(t, out.how, REGISTRY_MATCH_MANIFEST);
	CHECK_STR(t, out.ref, "");
	in.how = REGISTRY_MATCH_CONFIG;
	n = resolver_record_format(1, &in, "", rec);
	REQUIRE_INT(t, resolver_record_parse(rec, n, &out, &e), 0);
	CHECK_INT(t, out.how, REGISTRY_MATCH_CONFIG);
	in.how = REGISTRY_MATCH_INDEX;
	n = resolver_record_format(1, &in, "", rec);
	REQUIRE_INT(t, resolver_record_parse(rec, n, &out, &e), 0);
	CHECK_INT(t, out.how, REGISTRY_MATCH_INDEX);
}

static void
a_failure_passes_the_childs_message_on_unchanged(struct th *t)
{
	static const char msg[] = "The selected image failed digest validation: manifest "
	    "digest lookup failed: Image hash not found among tags";
	struct registry_result in, out;
	char rec[RESOLVER_RECORD_MAX], longmsg[ERRBUF_SIZE + 10];
	struct errbuf e;
	size_t n;

	sample(&in);
	n = resolver_record_format(0, &in, msg, rec);
	REQUIRE_INT(t, n, RESOLVER_HEAD + strlen(msg));
	CHECK_INT(t, resolver_record_parse(rec, n, &out, &e), -1);
	CHECK_STR(t, e.msg, msg);
	/* The longest message an errbuf holds fits; more is cut to it. */
	memset(longmsg, 'x', sizeof(longmsg) - 1);
	longmsg[sizeof(longmsg) - 1] = '\0';
	n = resolver_record_format(0, &in, longmsg, rec);
	REQUIRE_INT(t, n, RESOLVER_RECORD_MAX);
	CHECK_INT(t, resolver_record_parse(rec, n, &out, &e), -1);
	CHECK_INT(t, strlen(e.msg), ERRBUF_SIZE - 1);
}

/* Parses rec[0..n) and expects the malformed-record error. */
static int
refused(const char *rec, size_t n)
{
	struct registry_result out;
	struct errbuf e;

	return resolver_record_parse(rec, n, &out, &e) == -1 &&
	    strstr(e.msg, "resolver child sent a malformed result") == e.msg;
}

static void
malformed_records_are_refused(struct th *t)
{
	struct registry_result in;
	char ok[RESOLVER_RECORD_MAX + 1], bad[RESOLVER_RECORD_MAX + 1];
	size_t n, okn;

	sample(&in);
	okn = resolver_record_format(1, &in, "", ok);
	/* Every short record, including the empty one (a child that died). */
	for (n = 0; n < RESOLVER_HEAD; n++)
		CHECK(t, refused(ok, n));
	/* A success with trailing bytes. */
	memcpy(bad, ok, okn);
	bad[okn] = 'x';
	CHECK(t, refused(bad, okn + 1));
	/* Unknown status and match kind bytes. */
	memcpy(bad, ok, okn);
	bad[0] = 'Y';
	CHECK(t, refused(bad, okn));
	memcpy(bad, ok, okn);
	bad[RESOLVER_HEAD - 1] = '3';
	CHECK(t, refused(bad, okn));
	bad[RESOLVER_HEAD - 1] = '/';
	CHECK(t, refused(bad, okn));
	/* A failure without text, with a NUL in it, and one byte too long. */
	n = resolver_record_format(0, &in, "boom", bad);
	CHECK(t, refused(bad, RESOLVER_HEAD));
	bad[RESOLVER_HEAD + 1] = '\0';
	CHECK(t, refused(bad, n));
	memset(bad + RESOLVER_HEAD, 'x', RESOLVER_RECORD_MAX + 1 - RESOLVER_HEAD);
	CHECK(t, refused(bad, RESOLVER_RECORD_MAX + 1));
}

void suite_resolver(struct th *t);

static void
only_the_selected_digest_named_as_matched_is_believed(struct th *t)
{
	struct registry_result r;
	struct digest want;
	struct errbuf err;

	memset(&r, 0, sizeof(r));
	memset(&want, 0x5e, sizeof(want));
	r.config = want;
	r.manifest.b[0] = 1;
	r.pull = r.manifest;
	r.how = REGISTRY_MATCH_CONFIG;
	CHECK_INT(t, resolver_check_named(&r, &want, &err), 0);
	/* ... but it must pull the manifest it found */
	r.pull.b[5] ^= 1;
	CHECK_INT(t, resolver_check_named(&r, &want, &err), -1);
	CHECK_STR(t, err.msg, "resolver child named a pull digest other than its manifest");
	r.pull = r.manifest;
	/* the same digests, but the child says the manifest matched */
	r.how = REGISTRY_MATCH_MANIFEST;
	CHECK_INT(t, resolver_check_named(&r, &want, &err), -1);
	CHECK_STR(t, err.msg, "resolver child named a manifest digest other than the "
	    "selected digest");
	r.manifest = want;
	r.pull = want;
	CHECK_INT(t, resolver_check_named(&r, &want, &err), 0);
	r.how = REGISTRY_MATCH_CONFIG;
	r.config.b[31] ^= 1;
	CHECK_INT(t, resolver_check_named(&r, &want, &err), -1);
}

static void
an_index_match_must_pull_the_selected_index(struct th *t)
{
	struct registry_result r;
	struct digest want;
	struct errbuf err;

	memset(&r, 0, sizeof(r));
	memset(&want, 0x5e, sizeof(want));
	memset(r.manifest.b, 0x11, DIGEST_LEN);
	memset(r.config.b, 0x22, DIGEST_LEN);
	r.pull = want;
	r.how = REGISTRY_MATCH_INDEX;
	CHECK_INT(t, resolver_check_named(&r, &want, &err), 0);
	/* the config or manifest being the selected digest is not enough */
	r.pull = r.manifest;
	r.config = want;
	r.manifest = want;
	CHECK_INT(t, resolver_check_named(&r, &want, &err), -1);
	CHECK_STR(t, err.msg, "resolver child named an index digest other than the "
	    "selected digest");
}

void
suite_resolver(struct th *t)
{
	th_run(t, "resolver: only the selected digest, named as matched, is believed",
	    only_the_selected_digest_named_as_matched_is_believed);
	th_run(t, "resolver: an index match is believed only when it pulls the selected index",
	    an_index_match_must_pull_the_selected_index);
	th_run(t, "resolver: a resolved record carries the three digests and the match kind",
	    a_resolved_record_round_trips);
	th_run(t, "resolver: a failed record passes the child's error line on unchanged",
	    a_failure_passes_the_childs_message_on_unchanged);
	th_run(t, "resolver: short, long, trailing, unknown-status and bad-text records are refused",
	    malformed_records_are_refused);
}
