/*
 * rtmr_once — the emit-once rule over an RTMR3 event log, without the log.
 *
 * Both ways of measuring read an event log before extending: the native
 * path dstack's runtime log (rtmr.c), the agent path the agent's answer
 * (dstack.c).  Both hold it to one rule: no mpc-image-digest event yet →
 * emit; exactly one, with our payload → skip; one with another payload, or
 * more than one → never emit (a verifier rejects a log with two).  The rule
 * lives here, apart from rtmr.c's files and sysfs writes, so the agent's
 * parser (pure, layer 0 in tests/layers.txt) can use it without depending on
 * a module that does I/O.
 *
 * Memory: struct rtmr_once is the caller's; nothing is allocated.
 * Errors: RTMR_OK or RTMR_ERR with one line in err.
 */
#ifndef TL_RTMR_ONCE_H
#define TL_RTMR_ONCE_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "reference.h"

#define RTMR_EVENT_NAME "mpc-image-digest"

enum { RTMR_OK = 0, RTMR_ERR = -1 };

/* What the event log already says about mpc-image-digest. */
enum rtmr_seen {
	RTMR_SEEN_NONE,     /* no such event: emit */
	RTMR_SEEN_SAME,     /* exactly one, with our payload: skip */
	RTMR_SEEN_DIFFERENT /* one with another payload: fatal */
};

struct rtmr_once {
	struct digest want; /* the payload: the image digest */
	unsigned count; /* mpc-image-digest events seen */
	unsigned same;  /* of which carry want */
};

void rtmr_once_init(struct rtmr_once *o, const struct digest *payload);
/* Counts the event if it is named RTMR_EVENT_NAME; any other is ignored. */
void rtmr_once_note(struct rtmr_once *o, const char *name,
    const uint8_t *payload, size_t len);
/* RTMR_ERR when the log already holds more than one such event (it can no
 * longer be verified, whatever we do). */
int rtmr_once_decide(const struct rtmr_once *o, enum rtmr_seen *seen,
    struct errbuf *err);

#endif
