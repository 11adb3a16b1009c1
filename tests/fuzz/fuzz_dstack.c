/* dstack answers (GetQuote, then Info) on arbitrary bytes: no crash, and
 * the emit-once decision is always one of the defined outcomes. */
#include <stdlib.h>

#include "dstack.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static unsigned char buf[4 << 20];
	static const struct digest payload = { { 0xf2, 0x47 } };
	struct arena a;
	struct rtmr_once o;
	enum rtmr_seen s;
	struct errbuf e;
	int which;

	for (which = 0; which < 2; which++) {
		arena_init(&a, buf, sizeof(buf));
		rtmr_once_init(&o, &payload);
		if ((which ? dstack_info_response_scan : dstack_quote_response_scan)(
		    (const char *)data, size, &a, &o, &e) != DSTACK_OK)
			continue;
		if (rtmr_once_decide(&o, &s, &e) == RTMR_OK && s != RTMR_SEEN_NONE &&
		    s != RTMR_SEEN_SAME && s != RTMR_SEEN_DIFFERENT)
			abort();
		if (o.same > o.count)
			abort();
	}
	return 0;
}
