/*
 * compose-render — render a compose file from the command line, for the
 * structural checks in tests/check.d (a YAML reader in Python inspects it).
 *
 * usage: compose-render tee|nontee spec|v1 IMAGE_NAME DIGEST_HEX PORTS SOCKET CONFIG
 *   PORTS is "h:c,h:c" or "" ; SOCKET may be "-" (none).
 * Prints the rendering on stdout; on error one line on stderr and exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"

static int
parse_ports(const char *s, struct launch_port *ports, size_t *n)
{
	*n = 0;
	while (*s != '\0') {
		unsigned long h, c;
		char *end;

		if (*n == LAUNCH_MAX_PORTS + 1)
			return -1;
		h = strtoul(s, &end, 10);
		if (*end != ':')
			return -1;
		c = strtoul(end + 1, &end, 10);
		if ((*end != ',' && *end != '\0') || h > 65535 || c > 65535)
			return -1;
		ports[*n].host = (uint16_t)h;
		ports[*n].container = (uint16_t)c;
		(*n)++;
		s = *end == ',' ? end + 1 : end;
	}
	return 0;
}

#define COMPOSE_RENDER_SPEC_ID \
	"5bec5bec5bec5bec5bec5bec5bec5bec5bec5bec5bec5bec5bec5bec5bec5bec"

int
main(int argc, char **argv)
{
	static char out[COMPOSE_OUT_MAX];
	struct launch_port ports[LAUNCH_MAX_PORTS + 1];
	struct launch_plan p;
	enum compose_flavour flavour;
	struct errbuf e;
	size_t len, i;

	if (argc != 8 || strlen(argv[4]) != DIGEST_HEX_LEN) {
		fprintf(stderr, "usage: compose-render tee|nontee spec|v1 IMAGE DIGEST_HEX PORTS SOCKET CONFIG\n");
		return 2;
	}
	memset(&p, 0, sizeof(p));
	p.platform = strcmp(argv[1], "tee") == 0 ? LAUNCH_TEE : LAUNCH_NONTEE;
	flavour = strcmp(argv[2], "v1") == 0 ? COMPOSE_V1 : COMPOSE_SPEC;
	p.image_name = argv[3];
	for (i = 0; i < DIGEST_LEN; i++) {
		unsigned v;
		if (sscanf(argv[4] + 2 * i, "%2x", &v) != 1)
			return 2;
		p.manifest.b[i] = (uint8_t)v;
	}
	if (parse_ports(argv[5], ports, &p.nports) != 0) {
		fprintf(stderr, "compose-render: bad PORTS\n");
		return 2;
	}
	p.ports = ports;
	p.dstack_socket = strcmp(argv[6], "-") == 0 ? NULL : argv[6];
	p.config_path = argv[7];
	/* The launcher labels its containers with a spec id; a fixed one here. */
	p.spec_id = COMPOSE_RENDER_SPEC_ID;
	if (compose_render(&p, flavour, out, sizeof(out), &len, &e) != COMPOSE_OK) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	fwrite(out, 1, len, stdout);
	return 0;
}
