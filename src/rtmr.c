#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "lockfile.h"
#include "readfile.h"
#include "rtmr.h"

void
rtmr_native_cfg_default(struct rtmr_native_cfg *cfg)
{
	cfg->lock_path = RTMR_DEFAULT_LOCK;
	cfg->version_path = RTMR_DEFAULT_VERSION;
	cfg->rtmr3_path = RTMR_DEFAULT_RTMR3;
	cfg->log_path = RTMR_DEFAULT_LOG;
	cfg->lock_timeout_ms = RTMR_LOCK_TIMEOUT_MS;
}

/* ---- scanning the runtime log */

static int
scan_file(struct rtmr_log_scan *s, struct readfile *f, struct errbuf *err)
{
	char chunk[4096];
	size_t n;

	for (;;) {
		if (readfile_read(f, chunk, sizeof(chunk), &n, err) != READFILE_OK)
			return RTMR_ERR;
		if (n == 0)
			break;
		if (rtmr_log_scan_feed(s, chunk, n, err) != RTMR_OK)
			return RTMR_ERR;
	}
	return rtmr_log_scan_finish(s, err);
}

int
rtmr_log_scan_file(const char *path, struct rtmr_once *o,
    uint8_t replay_mr[RTMR_DIGEST_LEN], size_t *nevents, struct errbuf *err)
{
	struct rtmr_log_scan s;
	struct readfile f;
	enum readfile_result r;
	int rc;

	rtmr_log_scan_init(&s, path, o, replay_mr);
	r = readfile_open(&f, path, RTMR_LOG_MAX, err);
	if (r == READFILE_ABSENT) {
		rc = RTMR_OK;
	} else if (r != READFILE_OK) {
		return RTMR_ERR;
	} else {
		rc = scan_file(&s, &f, err);
		readfile_close(&f);
	}
	if (nevents != NULL)
		*nevents = s.events;
	return rc;
}

/* ---- the native extend */

static int
version_read(const char *path, enum rtmr_version *v, struct errbuf *err)
{
	char buf[RTMR_VERSION_FILE_MAX];
	size_t n;
	enum readfile_result r = readfile_regular(path, buf, sizeof(buf), &n, err);

	*v = RTMR_V1;
	if (r == READFILE_ABSENT) {
		errbuf_set(err, "%s: missing; dstack >= 0.6 writes it at boot and refuses "
		    "to emit events without it, so the event format is unknown", path);
		return RTMR_ERR;
	}
	if (r != READFILE_OK)
		return RTMR_ERR;
	if ((n == 1 || (n == 2 && buf[1] == '\n')) && (buf[0] == '1' || buf[0] == '2')) {
		*v = buf[0] == '1' ? RTMR_V1 : RTMR_V2;
		return RTMR_OK;
	}
	errbuf_set(err, "%s: expected \"1\" or \"2\" (optionally with a newline)", path);
	return RTMR_ERR;
}

/* One pwrite: the kernel extends once per write(2) of a full digest. */
static int
rtmr3_write(int fd, const char *path, const uint8_t d[RTMR_DIGEST_LEN],
    struct errbuf *err)
{
	ssize_t n = pwrite(fd, d, RTMR_DIGEST_LEN, 0);

	if (n == RTMR_DIGEST_LEN)
		return RTMR_OK;
	if (n < 0)
		errbuf_set(err, "%s: write: %s", path, strerror(errno));
	else
		errbuf_set(err, "%s: short write (%zd of %d bytes)", path, n, RTMR_DIGEST_LEN);
	return RTMR_ERR;
}

static int
log_append(int fd, const char *path, const char *line, size_t len, struct errbuf *err)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, line + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errbuf_set(err, "%s: write: %s", path, n < 0 ? strerror(errno) : "no progress");
			return RTMR_ERR;
		}
		off += (size_t)n;
	}
	return RTMR_OK;
}

/*
 * Extend, then append (dstack's order), with everything that can fail
 * without extending done first: both files are opened and the line is
 * formatted before the pwrite, so a crash can only land in the one gap
 * between the pwrite and the write, and a file that cannot be opened is
 * refused with RTMR3 untouched.
 */
static int
extend_and_append(const struct rtmr_native_cfg *cfg, const struct rtmr_native_result *res,
    const struct digest *payload, struct errbuf *err)
{
	char line[128];
	size_t len = rtmr_log_line_format(res->version, payload, line, sizeof(line));
	int rfd = -1, lfd = -1, rc = RTMR_ERR;

	if (len == 0) {
		errbuf_set(err, "event log line does not fit");
		return RTMR_ERR;
	}
	if ((rfd = open(cfg->rtmr3_path, O_WRONLY | O_CLOEXEC)) < 0) {
		errbuf_set(err, "%s: open: %s", cfg->rtmr3_path, strerror(errno));
		goto out;
	}
	lfd = open(cfg->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0) {
		errbuf_set(err, "%s: open: %s", cfg->log_path, strerror(errno));
		goto out;
	}
	if (rtmr3_write(rfd, cfg->rtmr3_path, res->digest, err) != RTMR_OK)
		goto out;
	if (log_append(lfd, cfg->log_path, line, len, err) != RTMR_OK) {
		errbuf_wrap(err, "RTMR3 was extended but the event log was not: "
		    "reboot required (replay will not match)");
		goto out;
	}
	/* Written: a failed fsync (or close) cannot take the line back out of
	 * the file, so say what it does mean; a later run finds the line. */
	if (fsync(lfd) != 0) {
		errbuf_set(err, "%s: fsync: %s: RTMR3 was extended and the event log line "
		    "written but not synced (a power loss now would lose it)", cfg->log_path,
		    strerror(errno));
		goto out;
	}
	rc = RTMR_OK;
out:
	if (lfd >= 0)
		close(lfd);
	if (rfd >= 0)
		close(rfd);
	return rc;
}

/*
 * Where the RTMR3 file has register semantics (sysfs; FUSE, where tests
 * emulate the kernel), a read returns the register: *readable = 1 and
 * mr holds it.  A file elsewhere is not a register: *readable = 0.
 */
static int
rtmr3_read(const char *path, uint8_t mr[RTMR_DIGEST_LEN], int *readable,
    struct errbuf *err)
{
	struct statfs fs;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	*readable = 0;
	if (fd < 0) {
		errbuf_set(err, "%s: open: %s", path, strerror(errno));
		return RTMR_ERR;
	}
	if (fstatfs(fd, &fs) != 0 || (fs.f_type != RTMR_SYSFS_MAGIC &&
	    fs.f_type != RTMR_FUSE_MAGIC)) {
		close(fd);
		return RTMR_OK;
	}
	do
		n = pread(fd, mr, RTMR_DIGEST_LEN, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		errbuf_set(err, "%s: read: %s", path, strerror(errno));
	close(fd);
	if (n < 0)
		return RTMR_ERR;
	if (n != RTMR_DIGEST_LEN) {
		errbuf_set(err, "%s: read %zd bytes, expected the %d-byte register", path, n,
		    RTMR_DIGEST_LEN);
		return RTMR_ERR;
	}
	*readable = 1;
	return RTMR_OK;
}

/* The log must replay to the register before we skip or add to it: a
 * mismatch means this boot's measurement can no longer be verified.  The
 * one mismatch a crash of ours explains (dstack's order: extend, then
 * append; killed in between) is named as such: the register is the replay
 * extended once more by this very event. */
static int
register_matches(const struct rtmr_native_cfg *cfg, const uint8_t replay[RTMR_DIGEST_LEN],
    const uint8_t ours[RTMR_DIGEST_LEN], struct rtmr_native_result *res,
    struct errbuf *err)
{
	uint8_t mr[RTMR_DIGEST_LEN], next[RTMR_DIGEST_LEN];

	if (rtmr3_read(cfg->rtmr3_path, mr, &res->register_read, err) != RTMR_OK)
		return RTMR_ERR;
	if (!res->register_read || memcmp(mr, replay, RTMR_DIGEST_LEN) == 0)
		return RTMR_OK;
	memcpy(next, replay, RTMR_DIGEST_LEN);
	rtmr_extend(next, ours);
	if (memcmp(mr, next, RTMR_DIGEST_LEN) == 0)
		errbuf_set(err, "%s: RTMR3 was extended with this %s event but %s was not "
		    "appended (an earlier run was interrupted between the two): reboot required",
		    cfg->rtmr3_path, RTMR_EVENT_NAME, cfg->log_path);
	else
		errbuf_set(err, "%s: the register does not equal the replay of %s; this "
		    "boot's RTMR3 is already inconsistent (reboot required)",
		    cfg->rtmr3_path, cfg->log_path);
	return RTMR_ERR;
}

/* Everything that happens under the lock. */
static int
emit_locked(const struct rtmr_native_cfg *cfg, const struct digest *payload,
    struct rtmr_native_result *res, struct errbuf *err)
{
	uint8_t replay[RTMR_DIGEST_LEN];
	struct rtmr_once once;

	if (version_read(cfg->version_path, &res->version, err) != RTMR_OK)
		return RTMR_ERR;
	rtmr_once_init(&once, payload);
	if (rtmr_event_digest(res->version, RTMR_EVENT_NAME, payload->b,
	    DIGEST_LEN, res->digest, err) != RTMR_OK ||
	    rtmr_log_scan_file(cfg->log_path, &once, replay, NULL, err) != RTMR_OK ||
	    register_matches(cfg, replay, res->digest, res, err) != RTMR_OK ||
	    rtmr_once_decide(&once, &res->seen, err) != RTMR_OK)
		return RTMR_ERR;
	if (res->seen == RTMR_SEEN_SAME)
		return RTMR_OK;
	if (res->seen == RTMR_SEEN_DIFFERENT) {
		errbuf_set(err, "%s: already holds a %s event with a different digest; "
		    "refusing to add a second", cfg->log_path, RTMR_EVENT_NAME);
		return RTMR_ERR;
	}
	return extend_and_append(cfg, res, payload, err);
}

int
rtmr_native_emit_once(const struct rtmr_native_cfg *cfg,
    const struct digest *payload, struct rtmr_native_result *res,
    struct errbuf *err)
{
	int fd, rc;

	memset(res, 0, sizeof(*res));
	if (lockfile_acquire(cfg->lock_path, cfg->lock_timeout_ms, &fd, err) != LOCKFILE_OK)
		return RTMR_ERR;
	rc = emit_locked(cfg, payload, res, err);
	close(fd); /* releases the flock */
	return rc;
}
