#include <stdio.h>

#include "compose.h"
#include "harness.h"

/* A plan and the compose flavour it is rendered for. */
struct rendering {
	struct launch_plan plan;
	enum compose_flavour flavour;
};

static const struct launch_port two_ports[] = { { 11780, 11780 }, { 2200, 2200 } };

static void
params(struct rendering *p, enum launch_platform plat, const char *image)
{
	memset(p, 0, sizeof(*p));
	p->plan.platform = plat;
	p->flavour = COMPOSE_SPEC;
	p->plan.image_name = image;
	memset(p->plan.manifest.b, 0xaa, sizeof(p->plan.manifest.b));
	p->plan.ports = two_ports;
	p->plan.nports = 2;
	p->plan.dstack_socket = "/var/run/dstack.sock";
	p->plan.config_path = "/mnt/shared/mpc-config.toml";
}

static int
render(const struct rendering *p, char *out, size_t cap, struct errbuf *e)
{
	size_t len;
	int rc = compose_render(&p->plan, p->flavour, out, cap, &len, e);

	return rc == COMPOSE_OK && strlen(out) == len ? 0 : -1;
}

static const char tee_golden[] =
    "name: \"mpc-node\"\n"
    "services:\n"
    "  mpc-node:\n"
    "    image: \"nearone/mpc-node@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
    "    container_name: \"mpc-node\"\n"
    "    restart: on-failure\n"
    "    labels:\n"
    "      - \"org.tee-launcher.spec=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n"
    "    security_opt:\n"
    "      - \"no-new-privileges:true\"\n"
    "    ports: [\"11780:11780\", \"2200:2200\"]\n"
    "    environment:\n"
    "      - \"DSTACK_ENDPOINT=/var/run/dstack.sock\"\n"
    "    volumes:\n"
    "      - \"/tapp:/tapp:ro\"\n"
    "      - \"shared-volume:/mnt/shared\"\n"
    "      - \"mpc-data:/data\"\n"
    "      - \"/var/run/dstack.sock:/var/run/dstack.sock\"\n"
    "    command: [\"/app/mpc-node\", \"start-with-config-file\", \"/mnt/shared/mpc-config.toml\"]\n"
    "volumes:\n"
    "  shared-volume:\n"
    "    name: shared-volume\n"
    "  mpc-data:\n"
    "    name: mpc-data\n";

static void
tee_rendering_is_exactly_the_reviewed_file(struct th *t)
{
	struct rendering p;
	struct errbuf e;
	char out[COMPOSE_OUT_MAX];

	params(&p, LAUNCH_TEE, "nearone/mpc-node");
	p.plan.spec_id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	REQUIRE(t, render(&p, out, sizeof(out), &e) == 0);
	CHECK_STR(t, out, tee_golden);
}

static void
tee_contains_the_spec_substrings(struct th *t)
{
	static const char *const want[] = {
		"DSTACK_ENDPOINT=/var/run/dstack.sock",
		"/var/run/dstack.sock:/var/run/dstack.sock",
		"no-new-privileges:true", "/tapp:/tapp:ro", "shared-volume:/mnt/shared",
		"mpc-data:/data", "container_name: \"mpc-node\"", "/mnt/shared/mpc-config.toml",
		"/app/mpc-node", "image: \"nearone/mpc-node@sha256:aaaa", "\"11780:11780\"",
		"restart: on-failure\n", "environment:\n",
	};
	struct rendering p;
	struct errbuf e;
	char out[COMPOSE_OUT_MAX];
	size_t i;

	params(&p, LAUNCH_TEE, "nearone/mpc-node");
	REQUIRE(t, render(&p, out, sizeof(out), &e) == 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!CHECK(t, strstr(out, want[i]) != NULL))
			printf("     missing: %s\n", want[i]);
	CHECK(t, strncmp(out, "name: \"mpc-node\"\n", 17) == 0);
}

static void
nontee_has_no_dstack_socket_and_no_environment(struct th *t)
{
	static const char *const want[] = {
		"no-new-privileges:true", "/tapp:/tapp:ro", "shared-volume:/mnt/shared",
		"mpc-data:/data", "container_name: \"mpc-node\"", "/mnt/shared/mpc-config.toml",
		"/app/mpc-node", "image: \"nearone/mpc-node@sha256:aaaa", "\"11780:11780\"",
		"restart: on-failure\n",
	};
	struct rendering p;
	struct errbuf e;
	char out[COMPOSE_OUT_MAX];
	size_t i;

	params(&p, LAUNCH_NONTEE, "nearone/mpc-node");
	REQUIRE(t, render(&p, out, sizeof(out), &e) == 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(t, strstr(out, want[i]) != NULL);
	CHECK(t, strstr(out, "DSTACK_ENDPOINT") == NULL);
	CHECK(t, strstr(out, "dstack.sock") == NULL);
	CHECK(t, strstr(out, "environment:") == NULL);
	/* NONTEE needs no socket at all. */
	p.plan.dstack_socket = NULL;
	CHECK(t, render(&p, out, sizeof(out), &e) == 0);
}

static void
no_placeholder_survives_rendering(struct th *t)
{
	struct rendering p;
	struct errbuf e;
	char out[COMPOSE_OUT_MAX];
	int plat, fl;

	for (plat = 0; plat < 2; plat++)
		for (fl = 0; fl < 2; fl++) {
			params(&p, plat ? LAUNCH_NONTEE : LAUNCH_TEE, "a{{IMAGE}}b");
			p.flavour = fl ? COMPOSE_V1 : COMPOSE_SPEC;
			REQUIRE(t, render(&p, out, sizeof(out), &e) == 0);
			/* The one "{{" left is the user's text inside its quotes:
			 * values are never rescanned. */
			CHECK(t, strstr(out, "image: \"a{{IMAGE}}b@sha256:") != NULL);
			CHECK(t, strstr(strstr(out, "{{") + 2, "{{") == NULL);
			params(&p, plat ? LAUNCH_NONTEE : LAUNCH_TEE, "nearone/mpc-node");
			p.flavour = fl ? COMPOSE_V1 : COMPOSE_SPEC;
			REQUIRE(t, render(&p, out, sizeof(out), &e) == 0);
			CHECK(t, strstr(out, "{{") == NULL && strstr(out, "}}") == NULL);
		}
}

static void
the_v1_flavour_drops_only_the_top_level_name(struct th *t)
{
	struct rendering p;
	struct errbuf e;
	char spec[COMPOSE_OUT_MAX], v1[COMPOSE_OUT_MAX];

	params(&p, LAUNCH_TEE, "nearone/mpc-node");
	REQUIRE(t, render(&p, spec, sizeof(spec), &e) == 0);
	p.flavour = COMPOSE_V1;
	REQUIRE(t, render(&p, v1, sizeof(v1), &e) == 0);
	CHECK_STR(t, v1, spec + strlen("name: \"mpc-node\"\n"));
}

static void
no_ports_render_as_an_empty_flow_sequence(struct th *t)
{
	struct rendering p;
	struct errbuf e;
	char out[COMPOSE_OUT_MAX];

	params(&p, LAUNCH_NONTEE, "nearone/mpc-node");
	p.plan.nports = 0;
	p.plan.ports = NULL;
	REQUIRE(t, render(&p, out, sizeof(out), &e) == 0);
	CHECK(t, strstr(out, "\n    ports: []\n") != NULL);
}

/* Renders with a benign and a hostile image name: the outputs must have the
 * same lines except the image line, which must stay one line. */
static int
same_shape(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
		int img = strncmp(a, "    image: \"", 12) == 0;

		if (!img && (la != lb || memcmp(a, b, la) != 0))
			return 0;
		if (img && (strncmp(b, "    image: \"", 12) != 0 || b[lb - 1] != '"'))
			return 0;
		a += la + (a[la] == '\n');
		b += lb + (b[lb] == '\n');
	}
	return *a == '\0' && *b == '\0';
}

static void
hostile_image_names_cannot_add_lines_or_keys(struct th *t)
{
	static const char *const hostile[] = {
		"a\"b", "a\nprivileged: true", "x\n    privileged: true", "a: b", "# c",
		"${X}", "$X", "a\\", "a\\\"\nb: c", "\t", "a\rb", "é", "\xe2\x80\xa8x",
		"\xc2\x85x", "[", "]", "{", "}", ",", "'", "&a", "*a", "!!python/object", "|",
		">", "%", "@", "`id`", " lead", "trail ", "---", "...", "\"\n\"", "\x7f",
		"\xef\xbb\xbf", "\x01\x1b[31m",
	};
	struct rendering p;
	struct errbuf e;
	char good[COMPOSE_OUT_MAX], bad[COMPOSE_OUT_MAX];
	size_t i;
	int plat;

	for (plat = 0; plat < 2; plat++) {
		params(&p, plat ? LAUNCH_NONTEE : LAUNCH_TEE, "nearone/mpc-node");
		REQUIRE(t, render(&p, good, sizeof(good), &e) == 0);
		for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
			p.plan.image_name = hostile[i];
			if (!CHECK(t, render(&p, bad, sizeof(bad), &e) == 0) ||
			    !CHECK(t, same_shape(good, bad)))
				printf("     image name #%zu\n", i);
		}
	}
}

static void
the_scalar_writer_escapes_what_yaml_and_compose_would_interpret(struct th *t)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain", "\"plain\"" },
		{ "", "\"\"" },
		{ "a\"b\\c", "\"a\\\"b\\\\c\"" },
		{ "a\nb\tc\r\x01\x7f", "\"a\\x0Ab\\x09c\\x0D\\x01\\x7F\"" },
		{ "${X}$", "\"$${X}$$\"" },
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"" },
		{ "\xc2\x85\xc2\x9f\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf\xef\xbf\xbe",
		  "\"\\u0085\\u009F\\u2028\\u2029\\uFEFF\\uFFFE\"" },
		{ "# :- [", "\"# :- [\"" },
	};
	char out[128];
	struct errbuf e;
	size_t i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = compose_scalar_write(out, sizeof(out), cases[i].in, strlen(cases[i].in), &e);
		CHECK_INT(t, n, strlen(cases[i].out));
		CHECK_STR(t, out, cases[i].out);
	}
	CHECK_INT(t, compose_scalar_write(out, sizeof(out), "a\0b", 3, &e), 8);
	CHECK_STR(t, out, "\"a\\x00b\"");
}

static void
invalid_utf8_is_refused(struct th *t)
{
	static const char *const bad[] = { "\xff", "a\xc3", "\xc0\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\xe2\x82" };
	struct rendering p;
	struct errbuf e;
	char out[COMPOSE_OUT_MAX];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(t, compose_scalar_write(out, sizeof(out), bad[i], strlen(bad[i]), &e), 0);
		params(&p, LAUNCH_TEE, bad[i]);
		CHECK(t, render(&p, out, sizeof(out), &e) != 0);
	}
	CHECK_STR(t, e.msg, "compose: image name or path is not valid UTF-8");
}

static void
a_small_buffer_is_an_error_at_every_size_and_never_overflows(struct th *t)
{
	struct rendering p;
	struct errbuf e;
	char ref[COMPOSE_OUT_MAX], out[COMPOSE_OUT_MAX + 8];
	size_t need, cap, len;

	params(&p, LAUNCH_TEE, "nearone/mpc-node");
	REQUIRE(t, render(&p, ref, sizeof(ref), &e) == 0);
	need = strlen(ref) + 1;
	for (cap = 0; cap < need; cap++) {
		memset(out, 'Z', sizeof(out));
		if (!CHECK_INT(t, compose_render(&p.plan, p.flavour, out, cap, &len, &e), COMPOSE_ERR))
			break;
		CHECK(t, out[cap] == 'Z');
	}
	CHECK_INT(t, compose_render(&p.plan, p.flavour, out, need, &len, &e), COMPOSE_OK);
	CHECK_INT(t, len, need - 1);
}

static void
the_largest_inputs_fit_compose_out_max(struct th *t)
{
	static char image[256], path[256];
	static struct launch_port ports[LAUNCH_MAX_PORTS];
	struct rendering p;
	struct errbuf e;
	static char out[COMPOSE_OUT_MAX];
	size_t i;

	/* Widest escapes everywhere: every byte becomes \uNNNN (6 bytes). */
	for (i = 0; i + 2 <= 254; i += 2)
		memcpy(image + i, "\xc2\x85", 2);
	memset(path, 'p', 255);
	path[0] = '/';
	for (i = 0; i < LAUNCH_MAX_PORTS; i++)
		ports[i].host = ports[i].container = 65535;
	params(&p, LAUNCH_TEE, image);
	p.plan.ports = ports;
	p.plan.nports = LAUNCH_MAX_PORTS;
	p.plan.dstack_socket = path;
	p.plan.config_path = path;
	CHECK(t, render(&p, out, sizeof(out), &e) == 0);
}

static void
bad_parameters_are_refused_by_role(struct th *t)
{
	static const struct launch_port zero[] = { { 0, 80 } };
	struct rendering p;
	struct errbuf e;
	char out[COMPOSE_OUT_MAX];

	params(&p, LAUNCH_TEE, "");
	CHECK(t, render(&p, out, sizeof(out), &e) != 0);
	CHECK_STR(t, e.msg, "launch: image name must be 1 to 255 bytes");
	params(&p, LAUNCH_TEE, "x");
	p.plan.ports = zero;
	p.plan.nports = 1;
	CHECK(t, render(&p, out, sizeof(out), &e) != 0);
	CHECK_STR(t, e.msg, "launch: port mapping 0: ports must be nonzero");
	params(&p, LAUNCH_TEE, "x");
	p.plan.nports = LAUNCH_MAX_PORTS + 1;
	CHECK(t, render(&p, out, sizeof(out), &e) != 0);
	params(&p, LAUNCH_TEE, "x");
	p.plan.dstack_socket = "/run/a:b.sock";
	CHECK(t, render(&p, out, sizeof(out), &e) != 0);
	CHECK_STR(t, e.msg, "launch: dstack socket path must not contain ':' (bind syntax)");
	p.plan.dstack_socket = NULL;
	CHECK(t, render(&p, out, sizeof(out), &e) != 0);
	params(&p, LAUNCH_NONTEE, "x");
	p.plan.config_path = "relative/mpc-config.toml";
	CHECK(t, render(&p, out, sizeof(out), &e) != 0);
	CHECK_STR(t, e.msg, "launch: config path must be an absolute path shorter than 4096 bytes");
}

void
suite_compose(struct th *t)
{
	th_run(t, "compose: TEE rendering is exactly the reviewed file",
	    tee_rendering_is_exactly_the_reviewed_file);
	th_run(t, "compose: TEE contains the SPEC substrings", tee_contains_the_spec_substrings);
	th_run(t, "compose: NONTEE has no dstack socket and no environment",
	    nontee_has_no_dstack_socket_and_no_environment);
	th_run(t, "compose: no placeholder survives rendering", no_placeholder_survives_rendering);
	th_run(t, "compose: the v1 flavour drops only the top-level name",
	    the_v1_flavour_drops_only_the_top_level_name);
	th_run(t, "compose: no ports render as an empty flow sequence",
	    no_ports_render_as_an_empty_flow_sequence);
	th_run(t, "compose: hostile image names cannot add lines or keys",
	    hostile_image_names_cannot_add_lines_or_keys);
	th_run(t, "compose: the scalar writer escapes what YAML and compose would interpret",
	    the_scalar_writer_escapes_what_yaml_and_compose_would_interpret);
	th_run(t, "compose: invalid UTF-8 is refused", invalid_utf8_is_refused);
	th_run(t, "compose: a small buffer is an error at every size and never overflows",
	    a_small_buffer_is_an_error_at_every_size_and_never_overflows);
	th_run(t, "compose: the largest inputs fit COMPOSE_OUT_MAX",
	    the_largest_inputs_fit_compose_out_max);
	th_run(t, "compose: bad parameters are refused by role", bad_parameters_are_refused_by_role);
}
