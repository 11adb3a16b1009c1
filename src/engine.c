#include <string.h>

#include "engine.h"

static int
path_ok(const char *what, const char *path, int no_colon, struct errbuf *err)
{
	if (path == NULL || path[0] != '/' || strlen(path) >= COMPOSE_PATH_MAX) {
		errbuf_set(err, "launch: %s must be an absolute path shorter than %d bytes",
		    what, COMPOSE_PATH_MAX);
		return 0;
	}
	if (no_colon && strchr(path, ':') != NULL) {
		errbuf_set(err, "launch: %s must not contain ':' (bind syntax)", what);
		return 0;
	}
	return 1;
}

int
engine_launch_check(const struct engine_launch *l, struct errbuf *err)
{
	size_t i;

	if (l->image_name == NULL || l->image_name[0] == '\0' ||
	    strlen(l->image_name) > ENGINE_IMAGE_NAME_MAX) {
		errbuf_set(err, "launch: image name must be 1 to %d bytes", ENGINE_IMAGE_NAME_MAX);
		return ENGINE_ERR;
	}
	if (l->nports > COMPOSE_MAX_PORTS || (l->nports > 0 && l->ports == NULL)) {
		errbuf_set(err, "launch: at most %d port mappings", COMPOSE_MAX_PORTS);
		return ENGINE_ERR;
	}
	for (i = 0; i < l->nports; i++)
		if (l->ports[i].host == 0 || l->ports[i].container == 0) {
			errbuf_set(err, "launch: port mapping %zu: ports must be nonzero", i);
			return ENGINE_ERR;
		}
	if (!path_ok("config path", l->config_path, 0, err))
		return ENGINE_ERR;
	if (l->spec_id != NULL && (strlen(l->spec_id) != ENGINE_SPEC_HEX ||
	    strspn(l->spec_id, "0123456789abcdef") != ENGINE_SPEC_HEX)) {
		errbuf_set(err, "launch: spec id must be %d lowercase hex digits", ENGINE_SPEC_HEX);
		return ENGINE_ERR;
	}
	if (l->platform == COMPOSE_TEE &&
	    !path_ok("dstack socket path", l->dstack_socket, 1, err))
		return ENGINE_ERR;
	return ENGINE_OK;
}

void
engine_excerpt(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0, i;
	int space = 1;

	if (cap == 0)
		return;
	for (i = 0; i < n && o + 4 < cap && o < ENGINE_EXCERPT; i++) {
		unsigned char ch = (unsigned char)s[i];
		int blank = ch <= ' ' || ch == 0x7f;

		if (blank && space)
			continue;
		out[o++] = (char)(blank ? ' ' : ch);
		space = blank;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	if (i < n && o + 4 <= cap)
		memcpy(out + o, "...", 3), o += 3;
	out[o] = '\0';
}
