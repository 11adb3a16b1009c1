/*
 * rtmr — measure the selected image digest into RTMR3 the way dstack does:
 * the I/O half (dstack's lock, version file, runtime log and the kernel's
 * RTMR3 file).  The pure half (event digests, log lines, replay, the
 * emit-once rule) is rtmr_log.h.
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
 *   3. emit once (rtmr_once_*): the runtime log must not already name
 *      mpc-image-digest (same payload → skip, report SAME; other payload →
 *      error, nothing written; the NEAR verifier rejects a log with two);
 *   4. the event digest (rtmr_event_digest, V1 or V2);
 *      (dstack's tree also carried an older V2 draft hashing
 *      {"event","event_type","payload","version"}; issue 6 fixes the form in
 *      rtmr_log.h);
 *   5. one pwrite of the 48 digest bytes at offset 0 to the rtmr3 sysfs file;
 *   6. only after that succeeded, one appended log line
 *      (rtmr_log_line_format; file mode 0600, O_APPEND, fsync).
 *      Both files are opened and the line formatted before step 5, so a
 *      file that cannot be opened fails with RTMR3 untouched, and a crash
 *      can land only between the pwrite and the write.  The next run tells
 *      that crash (register = replay extended by exactly this event) from
 *      other mismatches and refuses either way: "reboot required".
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
#include "rtmr_log.h"

#define RTMR_DEFAULT_LOCK "/run/log/dstack/runtime_event.lock"
#define RTMR_DEFAULT_VERSION "/run/log/dstack/runtime_event_version"
#define RTMR_DEFAULT_RTMR3 NAMES_RTMR3_FILE
#define RTMR_DEFAULT_LOG "/run/log/dstack/runtime_events.log"

/* dstack writes a few dozen lines per boot; 1 MiB means something is wrong. */
#define RTMR_LOG_MAX (1024 * 1024)
/* dstack holds the lock for microseconds; 10 s means it is stuck. */
#define RTMR_LOCK_TIMEOUT_MS 10000
#define RTMR_LOCK_POLL_MS 10
/* "1\n" or "2\n"; anything longer is invalid anyway. */
#define RTMR_VERSION_FILE_MAX 16
/* statfs(2) f_type of the file systems whose RTMR3 file reads back the
 * register: sysfs (the kernel), FUSE (the tests' kernel stand-in). */
#define RTMR_SYSFS_MAGIC 0x62656572
#define RTMR_FUSE_MAGIC 0x65735546

struct rtmr_native_cfg {
	const char *lock_path;
	const char *version_path;
	const char *rtmr3_path; /* tests: a regular file */
	const char *log_path;
	int lock_timeout_ms;
};

/* Fills cfg with dstack's paths and RTMR_LOCK_TIMEOUT_MS. */
void rtmr_native_cfg_default(struct rtmr_native_cfg *cfg);

/*
 * Scans a runtime events log file (at most RTMR_LOG_MAX bytes) with
 * struct rtmr_log_scan, read with readfile_open(): a FIFO or device is an
 * error, not a hang.  A missing file is an empty log.  If replay_mr is not NULL it
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
