/*
 * lockfile — an exclusive flock(2) on a named file, with a deadline.
 *
 * Two users: dstack's runtime_event.lock around the native RTMR3 extend,
 * and the launcher-wide lock (TEE_LAUNCHER_LOCK_FILE) that serialises two
 * launchers from stopping the old node to starting the new one.  The second
 * lives in the shared volume, which an old node can write until it is
 * stopped: it could plant a symlink there (so the file is opened with
 * O_NOFOLLOW and must be a regular file) or unlink the file and create
 * another while we hold a lock on the first (so lockfile_check() confirms,
 * once no node runs any more, that the path still names the locked inode).
 *
 * Memory: none.  The descriptor is the caller's; closing it releases the
 * lock.  Errors: LOCKFILE_OK or LOCKFILE_ERR with one line naming the path,
 * the step and the errno text (or the timeout).
 */
#ifndef TL_LOCKFILE_H
#define TL_LOCKFILE_H

#include "errbuf.h"

enum { LOCKFILE_OK = 0, LOCKFILE_ERR = -1 };

/* How often a held lock is retried. */
#define LOCKFILE_POLL_MS 10

/* Opens (creating, mode 0600) and locks path, waiting at most timeout_ms.
 * *fd is the locked descriptor on success, -1 otherwise. */
int lockfile_acquire(const char *path, int timeout_ms, int *fd,
    struct errbuf *err);

/* LOCKFILE_OK if path still names the file fd locks (same device and
 * inode, not a symlink); LOCKFILE_ERR otherwise. */
int lockfile_check(const char *path, int fd, struct errbuf *err);

#endif
