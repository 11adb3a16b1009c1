/*
 * The runtime-log line matcher on arbitrary bytes: no crash, and whatever it
 * accepts digests without error in V1 and, for our own event, formats back
 * to a line it accepts again with the same payload.
 */
#include <stdlib.h>
#include <string.h>

#include "rtmr.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct rtmr_event ev, again;
	struct digest payload;
	uint8_t d[RTMR_DIGEST_LEN];
	char line[256];
	struct errbuf e;
	size_t n;

	if (rtmr_log_line_parse((const char *)data, size, &ev, &e) != RTMR_OK)
		return 0;
	if (strlen(ev.name) > RTMR_NAME_MAX || ev.payload_len > RTMR_PAYLOAD_MAX)
		abort();
	if (rtmr_event_digest(RTMR_V1, ev.name, ev.payload, ev.payload_len, d, &e) != RTMR_OK)
		abort();
	(void)rtmr_event_digest(RTMR_V2, ev.name, ev.payload, ev.payload_len, d, &e);
	if (strcmp(ev.name, RTMR_EVENT_NAME) == 0 && ev.payload_len == DIGEST_LEN) {
		memcpy(payload.b, ev.payload, DIGEST_LEN);
		n = rtmr_log_line_format(ev.version, &payload, line, sizeof(line));
		if (n == 0 || rtmr_log_line_parse(line, n - 1, &again, &e) != RTMR_OK ||
		    again.payload_len != ev.payload_len ||
		    memcmp(again.payload, ev.payload, ev.payload_len) != 0 ||
		    again.version != ev.version)
			abort();
	}
	return 0;
}
