/*
 * rtmr_log — the RTMR3 event log, without the log file: event digests, the
 * runtime-log line format and its parser, the log's replay, and the
 * emit-once rule.  Pure (layer 0): rtmr.c reads dstack's runtime log and
 * writes the register, dstack.c reads the agent's answer; both feed what
 * they read through here, and measure drives both methods with the same
 * rule.  Nothing here needs a file, so tests/fuzz/fuzz_rtmr_log.c covers
 * all of it.
 *
 * Event digest (SHA-384) of (name, payload):
 *   V1: 01 00 00 08 ‖ ":" ‖ name ‖ ":" ‖ payload bytes
 *   V2: RFC 8785 JSON {"name":<name>,"payload":"<lowercase hex>","type":134217729}
 * Replay (what a verifier does): mr = SHA-384(mr ‖ digest) from 48 zero bytes.
 * Log lines, keys in dstack's serialisation order:
 *   V1: {"event":"mpc-image-digest","payload":"<base64>"}
 *   V2: {"event":"mpc-image-digest","payload":"<base64>","version":2}
 * Emit once: no mpc-image-digest event yet → emit; exactly one, with our
 * payload → skip; one with another payload → never emit; more than one →
 * an error (a verifier rejects a log with two).
 *
 * Memory: every struct is the caller's; nothing is allocated.
 * Errors: RTMR_OK or RTMR_ERR with one line in err (a scan's lines name the
 * log and the line number).
 */
#ifndef TL_RTMR_LOG_H
#define TL_RTMR_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "reference.h"

#define RTMR_EVENT_NAME "mpc-image-digest"
#define RTMR_DIGEST_LEN 48  /* SHA-384 */
#define RTMR_EVENT_TYPE 0x08000001u /* dstack runtime event (not a TCG type) */
/* Longest log line; dstack's events carry hashes and ids, not documents. */
#define RTMR_LINE_MAX 8192
/* Longest event name we keep (bytes, after unescaping). */
#define RTMR_NAME_MAX 256
/* Longest decoded payload we keep; fits any line of RTMR_LINE_MAX. */
#define RTMR_PAYLOAD_MAX ((RTMR_LINE_MAX / 4) * 3)

enum { RTMR_OK = 0, RTMR_ERR = -1 };

enum rtmr_version { RTMR_V1 = 1, RTMR_V2 = 2 };

/* ---- event digests */

/* SHA-384 event digest of (name, payload) in the given format.  V2 needs
 * name to be valid UTF-8 (RFC 8785); RTMR_ERR otherwise. */
int rtmr_event_digest(enum rtmr_version v, const char *name,
    const uint8_t *payload, size_t len, uint8_t out[RTMR_DIGEST_LEN],
    struct errbuf *err);

/* mr = SHA-384(mr ‖ digest). */
void rtmr_extend(uint8_t mr[RTMR_DIGEST_LEN], const uint8_t digest[RTMR_DIGEST_LEN]);

/* Folds n digests into out, starting from 48 zero bytes. */
void rtmr_replay(const uint8_t (*digests)[RTMR_DIGEST_LEN], size_t n,
    uint8_t out[RTMR_DIGEST_LEN]);

/* ---- log lines */

/* One parsed runtime-log line. */
struct rtmr_event {
	char name[RTMR_NAME_MAX + 1];
	uint8_t payload[RTMR_PAYLOAD_MAX];
	size_t payload_len;
	enum rtmr_version version; /* V1 when the line has no "version" */
};

/*
 * Parses one line (without its newline) of exactly the shape dstack writes:
 * {"event":<string>,"payload":<base64 string>} with an optional
 * ,"version":1|2 before the brace; no whitespace, no other keys, canonical
 * padded base64.  This is a matcher for our own and dstack's lines, not a
 * JSON parser: anything else is RTMR_ERR.
 */
int rtmr_log_line_parse(const char *line, size_t len, struct rtmr_event *ev,
    struct errbuf *err);

/* Formats the line we append (with its '\n'); returns its length or 0. */
size_t rtmr_log_line_format(enum rtmr_version v, const struct digest *payload,
    char *out, size_t cap);

/* ---- emit once */

/* What the event log already says about mpc-image-digest. */
enum rtmr_seen {
	RTMR_SEEN_NONE,     /* no such event: emit */
	RTMR_SEEN_SAME,     /* exactly one, with our payload: skip */
	RTMR_SEEN_DIFFERENT /* one with another payload: fatal */
};

struct rtmr_once {
	struct digest want; /* the payload: the image digest */
	unsigned count;     /* mpc-image-digest events seen */
	unsigned same;      /* of which carry want */
};

void rtmr_once_init(struct rtmr_once *o, const struct digest *payload);
/* Counts the event if it is named RTMR_EVENT_NAME; any other is ignored. */
void rtmr_once_note(struct rtmr_once *o, const char *name,
    const uint8_t *payload, size_t len);
/* RTMR_ERR when the log already holds more than one such event (it can no
 * longer be verified, whatever we do). */
int rtmr_once_decide(const struct rtmr_once *o, enum rtmr_seen *seen,
    struct errbuf *err);

/* ---- a whole log, fed in pieces */

/*
 * A scan of runtime-log text: lines of at most RTMR_LINE_MAX bytes, blank
 * lines (spaces, tabs, CRs) skipped, every other line must parse.  Each
 * event is noted in once and folded into mr (either may be NULL).  name is
 * what error lines call the log (e.g. its path).  Feed the text in pieces
 * of any size, then finish: the result does not depend on the cut.
 */
struct rtmr_log_scan {
	const char *name;
	struct rtmr_once *once;
	uint8_t *mr;         /* RTMR_DIGEST_LEN bytes, zeroed by init */
	size_t events;       /* lines that parsed */
	size_t lineno;
	size_t llen;
	char line[RTMR_LINE_MAX + 1];
	struct rtmr_event ev;
};

void rtmr_log_scan_init(struct rtmr_log_scan *s, const char *name,
    struct rtmr_once *once, uint8_t mr[RTMR_DIGEST_LEN]);
int rtmr_log_scan_feed(struct rtmr_log_scan *s, const char *data, size_t n,
    struct errbuf *err);
/* The last line, if it has no newline. */
int rtmr_log_scan_finish(struct rtmr_log_scan *s, struct errbuf *err);

#endif
