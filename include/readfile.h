/*
 * readfile — the one way the launcher reads a file it did not write: a
 * bounded read of a regular file.
 *
 * Every input file (the user config, the approved-hashes file, the extra CA
 * file, dstack's runtime event log and version file) may be hostile or
 * broken, and some sit on a volume the MPC node can write.  So each is opened
 * the same way: O_RDONLY|O_NOCTTY|O_NONBLOCK|O_CLOEXEC.  O_NONBLOCK keeps a
 * FIFO without a writer from hanging the boot in open(); O_NOCTTY keeps a
 * terminal from becoming ours.  fstat() then admits regular files only (a
 * FIFO, a device such as /dev/zero or a socket would block or never end),
 * and the size bound is checked twice: against st_size before reading and
 * against the bytes actually read (the file may grow meanwhile).
 *
 * Symlinks are followed (no O_NOFOLLOW): SPEC §2.4 lets a dangling symlink
 * mean "absent", and a symlink to a regular file reads that file.  For the
 * approved-hashes file, which the node can write, this grants the node
 * nothing new: it already chooses the content, the target must still be a
 * regular file within the bound, and no error message quotes file content.
 *
 * Memory: nothing is allocated.  readfile_regular() fills the caller's
 * buffer; struct readfile lives where the caller puts it and holds the
 * caller's path pointer (for messages) until readfile_close().
 *
 * Errors: a readfile_result; every code except READFILE_OK also leaves one
 * line in err naming the path and the reason ("<path>: cannot open: ...").
 * READFILE_ABSENT is kept apart because callers treat a missing file
 * specially (SPEC §2.4: ENOENT falls back to the default digest).
 */
#ifndef TL_READFILE_H
#define TL_READFILE_H

#include <fcntl.h>
#include <stddef.h>

#include "errbuf.h"

/* The open(2) flags, exactly; the unit tests check what fcntl() shows. */
#define READFILE_OPEN_FLAGS (O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)

enum readfile_result {
	READFILE_OK = 0,
	READFILE_ABSENT,    /* open(): ENOENT (file, parent, symlink target) */
	READFILE_ERR_OPEN,  /* open() or fstat() failed otherwise */
	READFILE_ERR_ISDIR, /* a directory (SPEC §2.4 maps it apart) */
	READFILE_ERR_TYPE,  /* a FIFO, device or socket */
	READFILE_ERR_SIZE,  /* more than max bytes: by st_size or by reading */
	READFILE_ERR_READ   /* read() failed */
};

/* An open file being read in chunks (for parsers that stream). */
struct readfile {
	int fd;           /* -1 once closed */
	const char *path; /* the caller's, for messages */
	size_t max;       /* bound on the bytes read in total */
	size_t total;     /* bytes read so far, ≤ max */
};

/*
 * Opens path for reading at most max bytes.  On READFILE_OK the caller must
 * call readfile_close(f); on any other result f->fd is -1 and nothing is
 * left open.
 */
enum readfile_result readfile_open(struct readfile *f, const char *path,
    size_t max, struct errbuf *err);

/*
 * Reads the next bytes (at most cap ≥ 1) into buf; *got is 0 only at the end
 * of the file.  READFILE_ERR_SIZE once the file turns out longer than max;
 * EINTR is retried.
 */
enum readfile_result readfile_read(struct readfile *f, void *buf, size_t cap,
    size_t *got, struct errbuf *err);

/* Closes f; safe to call again. */
void readfile_close(struct readfile *f);

/*
 * The whole file into buf[0..max) (buf not NULL): *len receives its length (0 for an
 * empty file).  A file longer than max is READFILE_ERR_SIZE, never a
 * truncated read.
 */
enum readfile_result readfile_regular(const char *path, void *buf, size_t max,
    size_t *len, struct errbuf *err);

#endif
