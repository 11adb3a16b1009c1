#include <string.h>

#include "image.h"
#include "log.h"

int
image_pull_and_check(const struct engine *e, const char *pull_ref,
    const struct digest *config, const struct digest *manifest,
    struct errbuf *err)
{
	char id[ENGINE_ID_MAX], want[DIGEST_STR_SIZE];
	struct digest got;
	struct errbuf e2;

	log_event(LOG_INFO, "pulling image", { "ref", pull_ref });
	if (e->pull(e->ctx, pull_ref, err) != ENGINE_OK)
		return -1;
	if (e->inspect_id(e->ctx, pull_ref, id, sizeof(id), err) != ENGINE_OK)
		return -1;
	if (digest_parse(id, strlen(id), &got, &e2) != 0) {
		errbuf_set(err, "docker inspect returned invalid image ID: %s", e2.msg);
		return -1;
	}
	if (digest_equal(&got, config) || digest_equal(&got, manifest)) {
		log_event(LOG_INFO, "pulled image verified", { "id", id },
		    { "store", digest_equal(&got, config) ? "classic" : "containerd" });
		return 0;
	}
	digest_format(config, want);
	errbuf_set(err, "pulled image has mismatching image ID. pulled: %.80s, expected: %s",
	    id, want);
	return -1;
}
