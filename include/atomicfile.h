/*
 * atomicfile — replace <dir>/<name> with new bytes, all or nothing.
 *
 * The MPC node reads its config the moment it starts; a half-written file,
 * or one lost in a crash after rename, would be worse than the old one.  So:
 * open the directory with O_DIRECTORY|O_NOFOLLOW, create `.tmpXXXXXX`
 * (random suffix from getrandom) in it
 * with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600, write every byte (short
 * writes and EINTR handled), fsync, rename over the target, fsync the
 * directory.  On any failure the temp file is unlinked and the old target is
 * left exactly as it was.  (A failure of the final directory fsync is
 * reported, but the rename has happened by then.)  A process killed between
 * creating its temp file and the rename leaves that file behind: every
 * write first unlinks, in the directory, every name shaped like its temp
 * files (ATOMICFILE_TEMP_PREFIX + ATOMICFILE_TEMP_RANDOM letters or
 * digits; a directory of that name stays).  So writers of one directory must be serialised (the launcher
 * writes under its launch lock), and the directory is no place for other
 * files of that shape.
 *
 * Memory: nothing is allocated; data stays the caller's.  The content is
 * never logged or put in an error message (it may be the node config).
 * Errors: ATOMICFILE_OK or ATOMICFILE_ERR with one line in err naming the
 * path, the step and the errno text.
 */
#ifndef TL_ATOMICFILE_H
#define TL_ATOMICFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "errbuf.h"

/* Owner read/write only: the node config holds secrets. */
#define ATOMICFILE_MODE 0600
/* Names tried before giving up on EEXIST (62^6 names; collisions mean
 * someone is racing us on purpose). */
#define ATOMICFILE_TEMP_TRIES 16
/* Longest <dir>/<name> accepted (PATH_MAX). */
#define ATOMICFILE_PATH_MAX 4096
#define ATOMICFILE_TEMP_PREFIX ".tmp"
#define ATOMICFILE_TEMP_RANDOM 6

enum { ATOMICFILE_OK = 0, ATOMICFILE_ERR = -1 };

/*
 * Fault injection for tests; production passes NULL.  Each hook replaces one
 * system call and must behave like it (return value and errno).
 */
struct atomicfile_ops {
	ssize_t (*write)(void *ctx, int fd, const void *buf, size_t len);
	int (*fsync)(void *ctx, int fd);
	void *ctx;
	/* getrandom(buf, len, 0) for the temp name: a test names an existing
	 * file to prove the name is retried and the other file left alone. */
	ssize_t (*getrandom)(void *ctx, void *buf, size_t len);
};

/* name: one path component (no '/', not "." or ".."). */
int atomicfile_write(const char *dir, const char *name, const void *data,
    size_t len, const struct atomicfile_ops *ops, struct errbuf *err);

/* "/mnt/shared/x.toml" → dir "/mnt/shared" (in the caller's dir[cap]) and
 * *name "x.toml" (pointing into path).  ATOMICFILE_ERR, with no message,
 * when path has no '/' or ends in one, or dir does not fit: callers name
 * the role of the path. */
int atomicfile_split(const char *path, char *dir, size_t cap, const char **name);

/* Whether path may be replaced: absent or a regular file.  A symlink,
 * directory, FIFO, socket or device there (planted by whoever could write
 * the directory) is an error naming what it is. */
int atomicfile_target_check(const char *path, struct errbuf *err);

#endif
