/*
 * compose_render with an arbitrary image name: either a clean error, or a
 * file with exactly the benign rendering's lines except the image line,
 * which stays one double-quoted line without raw control bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "compose.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static char name[1024], out[COMPOSE_OUT_MAX], ref[COMPOSE_OUT_MAX];
	static const struct launch_port ports[] = { { 11780, 11780 } };
	struct launch_plan p;
	enum compose_flavour flavour;
	struct errbuf e;
	size_t len, rlen;
	const char *img, *end;

	if (size < 1 || size > sizeof(name) - 1 || memchr(data + 1, 0, size - 1) != NULL)
		return 0;
	memcpy(name, data + 1, size - 1);
	name[size - 1] = '\0';
	memset(&p, 0, sizeof(p));
	p.platform = (data[0] & 1) ? LAUNCH_TEE : LAUNCH_NONTEE;
	flavour = (data[0] & 2) ? COMPOSE_V1 : COMPOSE_SPEC;
	p.ports = ports;
	p.nports = 1;
	p.dstack_socket = "/var/run/dstack.sock";
	p.config_path = "/mnt/shared/mpc-config.toml";
	p.image_name = "benign";
	if (compose_render(&p, flavour, ref, sizeof(ref), &rlen, &e) != COMPOSE_OK)
		abort();
	p.image_name = name;
	if (compose_render(&p, flavour, out, sizeof(out), &len, &e) != COMPOSE_OK)
		return 0;
	if (strlen(out) != len || count_lines(out) != count_lines(ref))
		abort();
	img = strstr(out, "\n    image: \"");
	if (img == NULL)
		abort();
	img += 13;
	end = strchr(img, '\n');
	if (end == NULL || end[-1] != '"')
		abort();
	for (; img < end - 1; img++) {
		unsigned char c = (unsigned char)*img;
		if (c < 0x20 || c == 0x7f || (c == '"' && img[-1] != '\\'))
			abort();
	}
	return 0;
}
