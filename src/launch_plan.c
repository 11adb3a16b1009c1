#include <string.h>

#include "fmt.h"
#include "launch_plan.h"

static int
path_ok(const char *what, const char *path, int no_colon, struct errbuf *err)
{
	if (path == NULL || path[0] != '/' || strlen(path) >= LAUNCH_PATH_MAX) {
		errbuf_set(err, "launch: %s must be an absolute path shorter than %d bytes",
		    what, LAUNCH_PATH_MAX);
		return 0;
	}
	if (no_colon && strchr(path, ':') != NULL) {
		errbuf_set(err, "launch: %s must not contain ':' (bind syntax)", what);
		return 0;
	}
	return 1;
}

int
launch_plan_check(const struct launch_plan *p, struct errbuf *err)
{
	size_t i;

	if (p->image_name == NULL || p->image_name[0] == '\0' ||
	    strlen(p->image_name) > LAUNCH_IMAGE_NAME_MAX) {
		errbuf_set(err, "launch: image name must be 1 to %d bytes", LAUNCH_IMAGE_NAME_MAX);
		return LAUNCH_ERR;
	}
	if (p->nports > LAUNCH_MAX_PORTS || (p->nports > 0 && p->ports == NULL)) {
		errbuf_set(err, "launch: at most %d port mappings", LAUNCH_MAX_PORTS);
		return LAUNCH_ERR;
	}
	for (i = 0; i < p->nports; i++)
		if (p->ports[i].host == 0 || p->ports[i].container == 0) {
			errbuf_set(err, "launch: port mapping %zu: ports must be nonzero", i);
			return LAUNCH_ERR;
		}
	if (!path_ok("config path", p->config_path, 0, err))
		return LAUNCH_ERR;
	if (p->spec_id != NULL && (strlen(p->spec_id) != LAUNCH_SPEC_HEX ||
	    strspn(p->spec_id, "0123456789abcdef") != LAUNCH_SPEC_HEX)) {
		errbuf_set(err, "launch: spec id must be %d lowercase hex digits", LAUNCH_SPEC_HEX);
		return LAUNCH_ERR;
	}
	if (p->platform == LAUNCH_TEE &&
	    !path_ok("dstack socket path", p->dstack_socket, 1, err))
		return LAUNCH_ERR;
	return LAUNCH_OK;
}

int
launch_plan_image_ref(const struct launch_plan *p, char out[LAUNCH_IMAGE_REF_SIZE])
{
	char d[DIGEST_STR_SIZE];
	int n;

	out[0] = '\0';
	if (p->image_name == NULL || strlen(p->image_name) > LAUNCH_IMAGE_NAME_MAX)
		return LAUNCH_ERR;
	digest_format(&p->manifest, d);
	n = fmt_snprintf(out, LAUNCH_IMAGE_REF_SIZE, "%s@%s", p->image_name, d);
	return n > 0 && n < LAUNCH_IMAGE_REF_SIZE ? LAUNCH_OK : LAUNCH_ERR;
}
