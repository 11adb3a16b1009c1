#include <string.h>

#include "rtmr_once.h"

void
rtmr_once_init(struct rtmr_once *o, const struct digest *payload)
{
	memset(o, 0, sizeof(*o));
	o->want = *payload;
}

void
rtmr_once_note(struct rtmr_once *o, const char *name, const uint8_t *payload,
    size_t len)
{
	if (strcmp(name, RTMR_EVENT_NAME) != 0)
		return;
	o->count++;
	if (len == DIGEST_LEN && memcmp(payload, o->want.b, len) == 0)
		o->same++;
}

int
rtmr_once_decide(const struct rtmr_once *o, enum rtmr_seen *seen,
    struct errbuf *err)
{
	if (o->count > 1) {
		errbuf_set(err, "the event log already holds %u %s events; "
		    "a verifier rejects it whatever we add", o->count, RTMR_EVENT_NAME);
		return RTMR_ERR;
	}
	*seen = o->count == 0 ? RTMR_SEEN_NONE :
	    o->same ? RTMR_SEEN_SAME : RTMR_SEEN_DIFFERENT;
	return RTMR_OK;
}

