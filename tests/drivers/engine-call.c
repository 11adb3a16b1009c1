/*
 * engine-call — one engine operation through either backend, for the
 * real-engine checks (tests/e2e/engine_api_test.py).
 *
 * usage: engine-call api|cli OP ARGS…   (DOCKER_HOST and PATH from the
 *        environment, as the launcher takes them)
 *   pull REF              prints "ok" or "error: …"
 *   inspect REF           prints the image ID
 *   remove NAME
 *   launch tee|nontee IMAGE_NAME DIGEST_HEX64 SOCKET CONFIG COMPOSE_FILE [H:C…]
 *   body   tee|nontee IMAGE_NAME DIGEST_HEX64 SOCKET CONFIG [H:C…]
 *                         prints the API backend's create body, touches nothing
 * Exit 0 on success, 1 on an engine error (message on stdout), 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_api.h"
#include "engine_cli.h"

static struct engine_api api;
static struct engine_cli cli;
static char body[ENGINE_API_REQUEST_MAX];

static int
usage(void)
{
	fputs("usage: engine-call api|cli pull|inspect|remove|launch|body ARGS...\n", stderr);
	return 2;
}

static int
hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* argv: platform name digest socket config [compose] ports… */
static int
parse_launch(int argc, char **argv, int with_compose, struct launch_plan *l,
    struct launch_port *ports)
{
	int i, first = with_compose ? 6 : 5;
	size_t k;

	if (argc < first || strlen(argv[2]) != 64)
		return -1;
	memset(l, 0, sizeof(*l));
	l->platform = strcmp(argv[0], "tee") == 0 ? LAUNCH_TEE : LAUNCH_NONTEE;
	l->image_name = argv[1];
	for (k = 0; k < 32; k++) {
		int hi = hexval(argv[2][2 * k]), lo = hexval(argv[2][2 * k + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		l->manifest.b[k] = (uint8_t)(hi << 4 | lo);
	}
	l->dstack_socket = argv[3];
	l->config_path = argv[4];
	cli.compose_file = with_compose ? argv[5] : NULL;
	for (i = first; i < argc && l->nports < LAUNCH_MAX_PORTS; i++) {
		unsigned h, c;
		if (sscanf(argv[i], "%u:%u", &h, &c) != 2 || h > 65535 || c > 65535)
			return -1;
		ports[l->nports].host = (uint16_t)h;
		ports[l->nports].container = (uint16_t)c;
		l->nports++;
	}
	l->ports = ports;
	return 0;
}

static int
setup(const char *which, struct engine *e, struct errbuf *err)
{
	const char *host = getenv("DOCKER_HOST");

	if (strcmp(which, "api") == 0) {
		if (engine_api_init(&api, host, err) != ENGINE_OK)
			return -1;
		engine_api_bind(&api, e);
		return 0;
	}
	if (engine_cli_init(&cli, getenv("PATH"), getenv("HOME"), host, err) != ENGINE_OK)
		return -1;
	engine_cli_bind(&cli, e);
	return 0;
}

/* As the launcher does: the spec id labelled on the container, then the
 * backend's rendering, then the start. */
static int
launch(struct engine *e, struct launch_plan *l, struct errbuf *err)
{
	static char spec[LAUNCH_SPEC_HEX + 1];

	if (engine_api_spec_id(l, spec, err) != ENGINE_OK)
		return ENGINE_ERR;
	l->spec_id = spec;
	if (e->prepare(e->ctx, l, err) != ENGINE_OK)
		return ENGINE_ERR;
	return e->launch(e->ctx, l, err);
}

int
main(int argc, char **argv)
{
	struct launch_port ports[LAUNCH_MAX_PORTS];
	struct launch_plan l;
	struct engine e;
	struct errbuf err;
	char id[ENGINE_ID_MAX];
	size_t len;
	int rc;

	if (argc < 4)
		return usage();
	if (strcmp(argv[2], "body") == 0) {
		if (parse_launch(argc - 3, argv + 3, 0, &l, ports) != 0)
			return usage();
		if (engine_api_create_body(&l, body, sizeof(body), &len, &err) != ENGINE_OK) {
			printf("error: %s\n", err.msg);
			return 1;
		}
		printf("%s\n", body);
		return 0;
	}
	if (setup(argv[1], &e, &err) != 0) {
		printf("error: %s\n", err.msg);
		return 1;
	}
	if (strcmp(argv[2], "pull") == 0)
		rc = e.pull(e.ctx, argv[3], &err);
	else if (strcmp(argv[2], "inspect") == 0)
		rc = e.inspect_id(e.ctx, argv[3], id, sizeof(id), &err);
	else if (strcmp(argv[2], "remove") == 0)
		rc = e.remove(e.ctx, argv[3], &err);
	else if (strcmp(argv[2], "launch") == 0 &&
	    parse_launch(argc - 3, argv + 3, 1, &l, ports) == 0)
		rc = launch(&e, &l, &err);
	else
		return usage();
	if (rc != ENGINE_OK) {
		printf("error: %s\n", err.msg);
		return 1;
	}
	printf("%s\n", strcmp(argv[2], "inspect") == 0 ? id : "ok");
	if (strcmp(argv[1], "api") == 0)
		engine_api_close(&api);
	return 0;
}
