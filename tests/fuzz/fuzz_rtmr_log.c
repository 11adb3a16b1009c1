/*
 * The pure RTMR3 event-log code (rtmr_log.c) on arbitrary bytes, no file:
 *  - as one line: no crash; whatever the matcher accepts digests without
 *    error in V1 and, for our own event, formats back to a line it accepts
 *    again with the same payload;
 *  - as a whole log: the scan's result (status, events, emit-once counts,
 *    replayed RTMR3) does not depend on where the text is cut into pieces,
 *    and the emit-once decision is consistent with the counts.
 */
#include <stdlib.h>
#include <string.h>

#include "rtmr_log.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void
one_line(const unsigned char *data, size_t size)
{
	static struct rtmr_event ev, again;
	struct digest payload;
	uint8_t d[RTMR_DIGEST_LEN];
	char line[256];
	struct errbuf e;
	size_t n;

	if (rtmr_log_line_parse((const char *)data, size, &ev, &e) != RTMR_OK)
		return;
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
}

struct result {
	int rc;
	size_t events;
	struct rtmr_once once;
	uint8_t mr[RTMR_DIGEST_LEN];
};

/* The log text scanned in pieces of at most step bytes. */
static void
scan(const unsigned char *data, size_t size, size_t step, struct result *r)
{
	static struct rtmr_log_scan s;
	static const struct digest want = { { 0xf2, 0x47 } };
	struct errbuf e;
	size_t off = 0, n;

	rtmr_once_init(&r->once, &want);
	rtmr_log_scan_init(&s, "fuzz.log", &r->once, r->mr);
	r->rc = RTMR_OK;
	while (off < size && r->rc == RTMR_OK) {
		n = size - off < step ? size - off : step;
		r->rc = rtmr_log_scan_feed(&s, (const char *)data + off, n, &e);
		off += n;
	}
	if (r->rc == RTMR_OK)
		r->rc = rtmr_log_scan_finish(&s, &e);
	r->events = s.events;
}

static void
whole_log(const unsigned char *data, size_t size)
{
	static struct result a, b;
	enum rtmr_seen seen;
	struct errbuf e;

	if (size == 0)
		return;
	scan(data + 1, size - 1, size, &a);
	scan(data + 1, size - 1, (size_t)data[0] % 7 + 1, &b);
	if (a.rc != b.rc)
		abort();
	if (a.rc != RTMR_OK)
		return;
	if (a.events != b.events || a.once.count != b.once.count ||
	    a.once.same != b.once.same || memcmp(a.mr, b.mr, sizeof(a.mr)) != 0 ||
	    a.once.same > a.once.count || a.once.count > a.events)
		abort();
	if (rtmr_once_decide(&a.once, &seen, &e) == RTMR_OK) {
		if (a.once.count > 1 || (seen == RTMR_SEEN_NONE) != (a.once.count == 0))
			abort();
	} else if (a.once.count < 2) {
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	one_line(data, size);
	whole_log(data, size);
	return 0;
}
