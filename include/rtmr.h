/*
 * rtmr — measure the selected image digest into RTMR3 the way dstack does.
 *
 * dstack ≥ 0.6 no longer offers EmitEvent; apps extend RTMR3 themselves
 * through the kernel's sysfs file (Linux ≥ 6.16).  Verifiers replay dstack's
 * runtime event log, so this module must produce exactly what dstack's own
 * runtime produces, under dstack's own lock:
 *
 *   1. exclusive flock(2) on the lock file (bounded wait, see lock_timeout_ms);
 *   2. the digest format from the version file: "1" or "2" with one
 *      optional trailing newline; absent or anything else is an error
 *      (dstack >= 0.6 writes it at boot and itself refuses to emit without it);
 *   2b. the log's replay must equal the register where the RTMR3 file reads
 *      back as one (sysfs, or FUSE in tests); elsewhere the log alone decides;
 *   3. emit once: the runtime log must not already name mpc-image-digest
 *      (same payload → skip, report SAME; other payload → error, nothing
 *      written; the NEAR verifier rejects a log with two such events);
 *   4. the event digest (SHA-384):
 *        V1: 01 00 00 08 ‖ ":" ‖ name ‖ ":" ‖ payload bytes
 *        V2: RFC 8785 JSON {"name":<name>,"payload":"<lowercase hex>","type":134217729}
 *      (dstack's tree also carried an older V2 draft hashing
 *      {"event","event_type","payload","version"}; issue 6 fixes the form above);
 *   5. one pwrite of the 48 digest bytes at offset 0 to the rtmr3 sysfs file;
 *   6. only after that succeeded, one appended log line (file mode 0600,
 *      O_APPEND, fsync), keys in dstack's serialisation order:
 *        V1: {"event":"mpc-image-digest","payload":"<base64>"}
 *        V2: {"event":"mpc-image-digest","payload":"<base64>","version":2}
 *
 * Replay (what a verifier does): mr = SHA-384(mr ‖ digest) from 48 zero bytes.
 *
 * Memory: no allocation; fixed-size buffers whose limits are below.  Paths
 * are the caller's strings (the coordinator fills them from environment
 * variables; the defaults are dstack's).  Nothing here is secret.
 * Errors: RTMR_OK or RTMR_ERR with one line in err naming the file and the
 * reason (line numbers for the log).
 */
#ifndef TL_RTMR_H
#define TL_RTMR_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "names.h"
#include "rtmr_once.h"

#define RTMR_DIGEST_LEN 48  /* SHA-384 */
#define RTMR_EVENT_TYPE 0x08000001u /* dstack runtime event (not a TCG type) */

#define RTMR_DEFAULT_LOCK "/run/log/dstack/runtime_event.lock"
#define RTMR_DEFAULT_VERSION "/run/log/dstack/runtime_event_version"
#define RTMR_DEFAULT_RTMR3 NAMES_RTMR3_FILE
#define RTMR_DEFAULT_LOG "/run/log/dstack/runtime_events.log"

/* dstack writes a few dozen lines per boot; 1 MiB means something is wrong. */
#define RTMR_LOG_MAX (1024 * 1024)
/* Longest log line; dstack's events carry hashes and ids, not documents. */
#define RTMR_LINE_MAX 8192
/* Longest event name we keep (bytes, after unescaping). */
#define RTMR_NAME_MAX 256
/* Longest decoded payload we keep; fits any line of RTMR_LINE_MAX. */
#define RTMR_PAYLOAD_MAX ((RTMR_LINE_MAX / 4) * 3)
/* dstack holds the lock for microseconds; 10 s means it is stuck. */
#define RTMR_LOCK_TIMEOUT_MS 10000
#define RTMR_LOCK_POLL_MS 10
/* "1\n" or "2\n"; anything longer is invalid anyway. */
#define RTMR_VERSION_FILE_MAX 16
/* statfs(2) f_type of the file systems whose RTMR3 file reads back the
 * register: sysfs (the kernel), FUSE (the tests' kernel stand-in). */
#define RTMR_SYSFS_MAGIC 0x62656572
#define RTMR_FUSE_MAGIC 0x65735546

enum rtmr_version { RTMR_V1 = 1, RTMR_V2 = 2 };

struct rtmr_native_cfg {
	const char *lock_path;
	const char *version_path;
	const char *rtmr3_path; /* tests: a regular file */
	const char *log_path;
	int lock_timeout_ms;
};

/* Fills cfg with dstack's paths and RTMR_LOCK_TIMEOUT_MS. */
void rtmr_native_cfg_default(struct rtmr_native_cfg *cfg);

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

/*
 * Scans a runtime events log file line by line (at most RTMR_LOG_MAX bytes,
 * lines of at most RTMR_LINE_MAX, blank lines skipped, every other line must
 * parse), read with readfile_open(): a FIFO or device is an error, not a
 * hang.  A missing file is an empty log.  If replay_mr is not NULL it
 * receives the RTMR3 value the log replays to, and *nevents the count.
 */
int rtmr_log_scan_file(const char *path, struct rtmr_once *o,
    uint8_t replay_mr[RTMR_DIGEST_LEN], size_t *nevents, struct errbuf *err);

struct rtmr_native_result {
	enum rtmr_version version;
	enum rtmr_seen seen;              /* NONE: we extended; SAME: skipped */
	uint8_t digest[RTMR_DIGEST_LEN];  /* valid when seen == NONE */
	int register_read; /* the register was read and equals the log's replay */
};

/*
 * Steps 1–6 above for the mpc-image-digest event with payload.  RTMR_OK with
 * res->seen NONE (extended and logged) or SAME (already there, nothing
 * written).  RTMR_ERR otherwise; a different digest in the log is an error
 * and nothing is written.  If the sysfs write succeeded but the log append
 * failed, the error says so: RTMR3 cannot be un-extended.
 */
int rtmr_native_emit_once(const struct rtmr_native_cfg *cfg,
    const struct digest *payload, struct rtmr_native_result *res,
    struct errbuf *err);

#endif
