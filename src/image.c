#include <string.h>

#include "image.h"
#include "log.h"

int
image_id_check(const char *id, int containerd, const struct digest *config,
    const struct digest *pulled, struct errbuf *err)
{
	const struct digest *want = containerd ? pulled : config;
	char ws[DIGEST_STR_SIZE];
	struct digest got;
	struct errbuf e2;

	if (digest_parse(id, strlen(id), &got, &e2) != 0) {
		errbuf_set(err, "docker inspect returned invalid image ID: %s", e2.msg);
		return -1;
	}
	if (want == NULL || digest_equal(&got, want)) {
		log_event(LOG_INFO, "pulled image verified", { "id", id },
		    { "store", containerd ? "containerd" : "classic" });
		return 0;
	}
	digest_format(want, ws);
	errbuf_set(err, "pulled image has mismatching image ID. pulled: %.80s, expected: %s",
	    id, ws);
	return -1;
}

int
image_pull_and_check(const struct engine *e, const char *pull_ref, int containerd,
    const struct digest *config, const struct digest *pulled, struct errbuf *err)
{
	char id[ENGINE_ID_MAX];

	log_event(LOG_INFO, "pulling image", { "ref", pull_ref });
	if (e->pull(e->ctx, pull_ref, err) != ENGINE_OK ||
	    e->inspect_id(e->ctx, pull_ref, id, sizeof(id), err) != ENGINE_OK)
		return -1;
	return image_id_check(id, containerd, config, pulled, err);
}
