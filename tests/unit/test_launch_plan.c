#include <stdio.h>

#include "compose.h"
#include "engine_api.h"
#include "harness.h"
#include "launch_plan.h"

#define SPEC "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct launch_port ports[] = { { 11780, 11780 }, { 2200, 2201 } };

/* The reference plan: digest bytes a0..bf, spec id SPEC. */
static void
plan_init(struct launch_plan *p, enum launch_platform platform)
{
	static const struct launch_plan base = {
		.image_name = "localhost:5000/tl/mpc-node",
		.ports = ports, .nports = 2,
		.dstack_socket = "/var/run/dstack.sock",
		.config_path = "/mnt/shared/mpc-config.toml",
		.spec_id = SPEC,
	};
	size_t i;

	*p = base;
	p->platform = platform;
	for (i = 0; i < sizeof(p->manifest.b); i++)
		p->manifest.b[i] = (unsigned char)(0xa0 + i);
}

static void
the_image_reference_is_the_name_at_the_manifest_digest(struct th *t)
{
	struct launch_plan p;
	char ref[LAUNCH_IMAGE_REF_SIZE];
	static char longname[LAUNCH_IMAGE_NAME_MAX + 2];

	plan_init(&p, LAUNCH_TEE);
	REQUIRE_INT(t, launch_plan_image_ref(&p, ref), LAUNCH_OK);
	CHECK_STR(t, ref, "localhost:5000/tl/mpc-node@sha256:"
	    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
	memset(longname, 'a', LAUNCH_IMAGE_NAME_MAX);
	p.image_name = longname;
	CHECK_INT(t, launch_plan_image_ref(&p, ref), LAUNCH_OK);
	CHECK_INT(t, strlen(ref), LAUNCH_IMAGE_REF_SIZE - 1);
	longname[LAUNCH_IMAGE_NAME_MAX] = 'a';
	CHECK_INT(t, launch_plan_image_ref(&p, ref), LAUNCH_ERR);
	CHECK_STR(t, ref, "");
}

static void
a_plan_is_refused_by_the_field_that_is_wrong(struct th *t)
{
	static const struct launch_port zero[] = { { 80, 0 } };
	struct launch_plan p;
	struct errbuf e;

	plan_init(&p, LAUNCH_TEE);
	CHECK_INT(t, launch_plan_check(&p, &e), LAUNCH_OK);
	p.image_name = "";
	CHECK_INT(t, launch_plan_check(&p, &e), LAUNCH_ERR);
	CHECK_STR(t, e.msg, "launch: image name must be 1 to 255 bytes");
	plan_init(&p, LAUNCH_TEE);
	p.ports = zero;
	p.nports = 1;
	CHECK_INT(t, launch_plan_check(&p, &e), LAUNCH_ERR);
	CHECK_STR(t, e.msg, "launch: port mapping 0: ports must be nonzero");
	plan_init(&p, LAUNCH_TEE);
	p.nports = LAUNCH_MAX_PORTS + 1;
	CHECK_INT(t, launch_plan_check(&p, &e), LAUNCH_ERR);
	CHECK_STR(t, e.msg, "launch: at most 64 port mappings");
	plan_init(&p, LAUNCH_TEE);
	p.spec_id = "0123";
	CHECK_INT(t, launch_plan_check(&p, &e), LAUNCH_ERR);
	CHECK_STR(t, e.msg, "launch: spec id must be 64 lowercase hex digits");
	p.spec_id = NULL;
	CHECK_INT(t, launch_plan_check(&p, &e), LAUNCH_OK);
	p.dstack_socket = NULL;
	CHECK_INT(t, launch_plan_check(&p, &e), LAUNCH_ERR);
	CHECK_STR(t, e.msg, "launch: dstack socket path must be an absolute path "
	    "shorter than 4096 bytes");
	p.platform = LAUNCH_NONTEE; /* no socket needed without TEE */
	CHECK_INT(t, launch_plan_check(&p, &e), LAUNCH_OK);
	p.config_path = "mpc-config.toml";
	CHECK_INT(t, launch_plan_check(&p, &e), LAUNCH_ERR);
	CHECK_STR(t, e.msg, "launch: config path must be an absolute path "
	    "shorter than 4096 bytes");
}

/* The same plan through both renderers: the same image, label, command
 * argument and ports. */
static void
both_renderers_carry_the_same_plan(struct th *t)
{
	static char yaml[COMPOSE_OUT_MAX], body[ENGINE_API_REQUEST_MAX];
	struct launch_plan p;
	struct errbuf e;
	char ref[LAUNCH_IMAGE_REF_SIZE], want[LAUNCH_IMAGE_REF_SIZE + 32];
	size_t len;

	plan_init(&p, LAUNCH_TEE);
	REQUIRE_INT(t, launch_plan_image_ref(&p, ref), LAUNCH_OK);
	REQUIRE_INT(t, compose_render(&p, COMPOSE_SPEC, yaml, sizeof(yaml), &len, &e), COMPOSE_OK);
	REQUIRE_INT(t, engine_api_create_body(&p, body, sizeof(body), &len, &e), ENGINE_OK);
	snprintf(want, sizeof(want), "image: \"%s\"", ref);
	CHECK(t, strstr(yaml, want) != NULL);
	snprintf(want, sizeof(want), "\"Image\":\"%s\"", ref);
	CHECK(t, strstr(body, want) != NULL);
	CHECK(t, strstr(yaml, "\"" LAUNCH_LABEL_SPEC "=" SPEC "\"") != NULL);
	CHECK(t, strstr(body, "\"" LAUNCH_LABEL_SPEC "\":\"" SPEC "\"") != NULL);
	CHECK(t, strstr(yaml, "[\"" LAUNCH_NODE_BINARY "\", \"" LAUNCH_NODE_SUBCOMMAND
	    "\", \"/mnt/shared/mpc-config.toml\"]") != NULL);
	CHECK(t, strstr(body, "[\"" LAUNCH_NODE_BINARY "\",\"" LAUNCH_NODE_SUBCOMMAND
	    "\",\"/mnt/shared/mpc-config.toml\"]") != NULL);
	CHECK(t, strstr(yaml, "\"" LAUNCH_VOLUME_SHARED ":" NAMES_SHARED_DIR "\"") != NULL);
	CHECK(t, strstr(body, "\"" LAUNCH_VOLUME_SHARED ":" NAMES_SHARED_DIR ":rw\"") != NULL);
	CHECK(t, strstr(yaml, "\"" LAUNCH_VOLUME_DATA ":/data\"") != NULL);
	CHECK(t, strstr(body, "\"" LAUNCH_VOLUME_DATA ":/data:rw\"") != NULL);
	CHECK(t, strstr(yaml, "[\"11780:11780\", \"2200:2201\"]") != NULL);
	CHECK(t, strstr(body, "\"2201/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"2200\"}]") != NULL);
}

void
suite_launch_plan(struct th *t)
{
	th_run(t, "launch_plan: the image reference is the name at the manifest digest",
	    the_image_reference_is_the_name_at_the_manifest_digest);
	th_run(t, "launch_plan: a plan is refused by the field that is wrong",
	    a_plan_is_refused_by_the_field_that_is_wrong);
	th_run(t, "launch_plan: both renderers carry the same plan",
	    both_renderers_carry_the_same_plan);
}
