#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "harness.h"
#include "image.h"
#include "reference.h"

/* The engine as image.c sees it: pull and inspect_id answer from a script,
 * and every call is recorded. */
struct fake {
	const char *id;       /* what inspect_id answers */
	int pull_fails, inspect_fails;
	int pulls, inspects;
	char pulled[160], inspected[160];
};

static int
fake_pull(void *ctx, const char *ref, struct errbuf *err)
{
	struct fake *f = ctx;

	f->pulls++;
	snprintf(f->pulled, sizeof(f->pulled), "%s", ref);
	if (f->pull_fails) {
		errbuf_set(err, "docker pull %s: exit status 1: manifest unknown", ref);
		return ENGINE_ERR;
	}
	return ENGINE_OK;
}

static int
fake_inspect(void *ctx, const char *ref, char *id, size_t cap, struct errbuf *err)
{
	struct fake *f = ctx;

	f->inspects++;
	snprintf(f->inspected, sizeof(f->inspected), "%s", ref);
	if (f->inspect_fails) {
		errbuf_set(err, "docker image inspect: exit status 1: No such image");
		return ENGINE_ERR;
	}
	snprintf(id, cap, "%s", f->id);
	return ENGINE_OK;
}

#define REF "registry.example/tl/mpc-node@sha256:" \
	"2222222222222222222222222222222222222222222222222222222222222222"
#define CONFIG "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define MANIFEST "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define OTHER "sha256:3333333333333333333333333333333333333333333333333333333333333333"

struct run {
	struct fake f;
	struct engine e;
	struct digest config, manifest;
	int containerd;
	struct errbuf err;
	char log[4096]; /* what the pull logged on stderr */
	int rc;
};

/* Runs image_pull_and_check against r->f with stderr captured (the log
 * line names the image store the ID matched). */
static void
run_check(struct th *t, struct run *r)
{
	struct errbuf pe;
	int p[2], saved;
	ssize_t n;

	r->e.ctx = &r->f;
	r->e.pull = fake_pull;
	r->e.inspect_id = fake_inspect;
	CHECK_INT(t, digest_parse(CONFIG, strlen(CONFIG), &r->config, &pe), 0);
	CHECK_INT(t, digest_parse(MANIFEST, strlen(MANIFEST), &r->manifest, &pe), 0);
	r->err.msg[0] = '\0';
	r->log[0] = '\0';
	fflush(stderr);
	if (pipe(p) != 0 || (saved = dup(2)) < 0) {
		CHECK(t, !"pipe/dup");
		return;
	}
	dup2(p[1], 2);
	r->rc = image_pull_and_check(&r->e, REF, r->containerd, &r->config, &r->manifest,
	    &r->err);
	dup2(saved, 2);
	close(saved);
	close(p[1]);
	n = read(p[0], r->log, sizeof(r->log) - 1); /* two short lines fit a pipe */
	r->log[n > 0 ? n : 0] = '\0';
	close(p[0]);
}

static void
id_equal_to_config_digest_passes_as_classic_store(struct th *t)
{
	static struct run r;

	r.f = (struct fake){ .id = CONFIG };
	run_check(t, &r);
	CHECK_INT(t, r.rc, 0);
	CHECK_INT(t, r.f.pulls, 1);
	CHECK_INT(t, r.f.inspects, 1);
	/* What is pulled is what is inspected: the digest reference. */
	CHECK_STR(t, r.f.pulled, REF);
	CHECK_STR(t, r.f.inspected, REF);
	CHECK(t, strstr(r.log, "msg=\"pulled image verified\"") != NULL);
	CHECK(t, strstr(r.log, "store=classic") != NULL);
}

static void
id_equal_to_manifest_digest_passes_as_containerd_store(struct th *t)
{
	static struct run r;

	r.f = (struct fake){ .id = MANIFEST };
	r.containerd = 1;
	run_check(t, &r);
	CHECK_INT(t, r.rc, 0);
	CHECK(t, strstr(r.log, "store=containerd") != NULL);
	r.containerd = 0;
}

static void
each_store_accepts_only_its_own_kind_of_id(struct th *t)
{
	static struct run r;

	/* classic: the pulled-by digest is never an image ID there */
	r.f = (struct fake){ .id = MANIFEST };
	r.containerd = 0;
	run_check(t, &r);
	CHECK_INT(t, r.rc, -1);
	CHECK_STR(t, r.err.msg, "pulled image has mismatching image ID. pulled: "
	    MANIFEST ", expected: " CONFIG);
	/* containerd: the config digest is never an image ID there */
	r.f = (struct fake){ .id = CONFIG };
	r.containerd = 1;
	run_check(t, &r);
	CHECK_INT(t, r.rc, -1);
	CHECK_STR(t, r.err.msg, "pulled image has mismatching image ID. pulled: "
	    CONFIG ", expected: " MANIFEST);
	r.containerd = 0;
}

static void
an_unknown_config_leaves_the_classic_id_to_the_engine(struct th *t)
{
	struct digest pulled;
	struct errbuf err;

	REQUIRE_INT(t, digest_parse(MANIFEST, strlen(MANIFEST), &pulled, &err), 0);
	CHECK_INT(t, image_id_check(OTHER, 0, NULL, &pulled, &err), 0);
	CHECK_INT(t, image_id_check("sha256:x", 0, NULL, &pulled, &err), -1);
	/* but not on the containerd store, where the ID is the pulled digest */
	CHECK_INT(t, image_id_check(OTHER, 1, NULL, &pulled, &err), -1);
	CHECK_INT(t, image_id_check(MANIFEST, 1, NULL, &pulled, &err), 0);
}

static void
any_other_digest_is_a_mismatch_naming_both(struct th *t)
{
	static struct run r;

	r.f = (struct fake){ .id = OTHER };
	run_check(t, &r);
	CHECK_INT(t, r.rc, -1);
	CHECK_STR(t, r.err.msg, "pulled image has mismatching image ID. pulled: "
	    OTHER ", expected: " CONFIG);
	CHECK(t, strstr(r.log, "verified") == NULL);
}

static void
an_id_that_is_no_digest_is_refused(struct th *t)
{
	static const char *const bad[] = {
		"",
		"1111111111111111111111111111111111111111111111111111111111111111",
		"sha256:111111111111111111111111111111111111111111111111111111111111111",
		CONFIG "\n",    /* untrimmed: never equal by accident of parsing */
		CONFIG "11",
		"sha512:1111111111111111111111111111111111111111111111111111111111111111",
	};
	static struct run r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.f = (struct fake){ .id = bad[i] };
		run_check(t, &r);
		CHECK_INT(t, r.rc, -1);
		CHECK(t, strncmp(r.err.msg, "docker inspect returned invalid image ID: ",
		    42) == 0);
	}
}

static void
engine_errors_stop_the_check_with_the_engines_message(struct th *t)
{
	static struct run r;

	r.f = (struct fake){ .id = CONFIG, .pull_fails = 1 };
	run_check(t, &r);
	CHECK_INT(t, r.rc, -1);
	CHECK_INT(t, r.f.inspects, 0); /* nothing inspected after a failed pull */
	CHECK_STR(t, r.err.msg, "docker pull " REF ": exit status 1: manifest unknown");

	r.f = (struct fake){ .id = CONFIG, .inspect_fails = 1 };
	run_check(t, &r);
	CHECK_INT(t, r.rc, -1);
	CHECK_INT(t, r.f.pulls, 1);
	CHECK_STR(t, r.err.msg, "docker image inspect: exit status 1: No such image");
}

static void
a_long_foreign_id_is_cut_in_the_message(struct th *t)
{
	static struct run r;
	char id[ENGINE_ID_MAX];

	/* An answer this long is no digest: refused, and the message quotes
	 * only REFERENCE_QUOTE_MAX bytes of it (it came from the engine). */
	memset(id, 'a', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	r.f = (struct fake){ .id = id };
	run_check(t, &r);
	CHECK_INT(t, r.rc, -1);
	CHECK(t, strncmp(r.err.msg, "docker inspect returned invalid image ID: ", 42) == 0);
	CHECK(t, strstr(r.err.msg, id) == NULL);
	REQUIRE(t, strstr(r.err.msg, "\"aaa") != NULL);
	CHECK_INT(t, strspn(strstr(r.err.msg, "\"aaa") + 1, "a"), REFERENCE_QUOTE_MAX);
}

void suite_image(struct th *t);

void
suite_image(struct th *t)
{
	th_run(t, "image: an ID equal to the config digest passes (classic store)",
	    id_equal_to_config_digest_passes_as_classic_store);
	th_run(t, "image: an ID equal to the manifest digest passes (containerd store)",
	    id_equal_to_manifest_digest_passes_as_containerd_store);
	th_run(t, "image: each store accepts only its own kind of ID (config vs pulled-by digest)",
	    each_store_accepts_only_its_own_kind_of_id);
	th_run(t, "image: without a known config the classic ID is the engine's, containerd's still checked",
	    an_unknown_config_leaves_the_classic_id_to_the_engine);
	th_run(t, "image: any other digest is a mismatch naming the pulled and expected IDs",
	    any_other_digest_is_a_mismatch_naming_both);
	th_run(t, "image: an ID that is not a sha256 digest is refused",
	    an_id_that_is_no_digest_is_refused);
	th_run(t, "image: a pull or inspect error fails with the engine's message",
	    engine_errors_stop_the_check_with_the_engines_message);
	th_run(t, "image: an overlong ID is refused, quoting only the first 80 bytes",
	    a_long_foreign_id_is_cut_in_the_message);
}
