/*
 * spawn — run one program with an explicit argv and environment, no shell.
 *
 * The launcher starts `docker` and friends; a shell would reinterpret
 * arguments (an image name is user input) and an inherited environment would
 * leak whatever the launcher was started with.  So: fork + execve with the
 * caller's argv and envp, the program found by our own search over a PATH
 * string the caller passes (never the launcher's own environment), stdin from
 * /dev/null or fed from a caller buffer, stdout and stderr captured through
 * pipes into caller buffers.
 *
 * Failure to start is an error with errno ("docker: not found in PATH …",
 * "…: Permission denied"), reported through a close-on-exec pipe, never a
 * child exit status 127 that looks like a program result.  A deadline bounds
 * the whole run: on expiry the child's process group is SIGKILLed and reaped.
 *
 * Memory: all buffers belong to the caller; nothing is allocated.  The child
 * runs in its own process group so a timeout also kills its helpers.
 * Requirements on the caller: SIGCHLD must not be ignored (waitpid needs the
 * zombie), and descriptors the child must not see are O_CLOEXEC (ours are).
 *
 * Errors: spawn_run returns SPAWN_OK when the child ran and was reaped (its
 * exit status may still be non-zero: check it), otherwise one of the
 * SPAWN_ERR_* codes with a one-line message in err naming the program.
 */
#ifndef TL_SPAWN_H
#define TL_SPAWN_H

#include <stddef.h>

#include "errbuf.h"

/* Longest resolved program path (PATH entry + "/" + name); PATH_MAX-sized. */
#define SPAWN_PATH_MAX 4096
/* Read chunk for the pipes; larger only costs stack. */
#define SPAWN_READ_CHUNK 4096
/* Sleep between reaping attempts once the child closed its pipes. */
#define SPAWN_REAP_POLL_MS 5

enum spawn_rc {
	SPAWN_OK = 0,
	SPAWN_ERR_NOTFOUND = -1, /* no executable of that name on the PATH */
	SPAWN_ERR_EXEC = -2,     /* found (or absolute), but execve failed */
	SPAWN_ERR_TIMEOUT = -3,  /* deadline passed; child killed and reaped */
	SPAWN_ERR_SYS = -4,      /* pipe/fork/poll/waitpid failure, bad request */
	SPAWN_ERR_INPUT = -5,    /* input not sent whole; child killed and reaped */
};

/* A capture buffer.  data[0..len) holds the first bytes the child wrote and
 * data[len] is NUL, so at most cap-1 bytes are kept; the rest is read and
 * discarded (so the child never blocks on a full pipe) and flagged. */
struct spawn_buf {
	char *data;    /* caller-owned; may be NULL when cap == 0 */
	size_t cap;    /* bytes including the terminating NUL; 0 = discard all */
	size_t len;    /* out: bytes kept */
	int truncated; /* out: 1 if output beyond cap-1 bytes was discarded */
};

struct spawn_cmd {
	const char *const *argv; /* NULL-terminated; argv[0] is the program */
	const char *const *envp; /* NULL-terminated; the child's whole environment */
	/* Colon-separated directories searched when argv[0] has no '/'.  Empty
	 * and relative entries are skipped: the working directory is not a
	 * trusted place to find `docker`. */
	const char *search_path;
	int timeout_ms; /* > 0: deadline for the whole run */
	/* Non-NULL: the child's stdin is a socket fed input[0..input_len) and
	 * then closed (EOF).  All or nothing: when a send fails before the
	 * end (the child closed its stdin or exited early, or the kernel
	 * refused), the child is killed with the socket still open, so it
	 * never reads EOF after a prefix and acts on it.  NULL: /dev/null. */
	const char *input;
	size_t input_len;
	/* Non-NULL: the child's working directory (chdir before execve; a
	 * failure is reported like a failed exec).  NULL: ours. */
	const char *cwd;
};

struct spawn_status {
	int exited;   /* 1: code is the exit status */
	int code;     /* 0..255 when exited */
	int signaled; /* 1: signo killed the child */
	int signo;
};

/*
 * Runs cmd to completion.  out and errout may be NULL (output discarded).
 * On SPAWN_OK, *st holds how the child ended.  On SPAWN_ERR_TIMEOUT the
 * output captured so far is kept and *st says SIGKILL.
 */
int spawn_run(const struct spawn_cmd *cmd, struct spawn_buf *out,
    struct spawn_buf *errout, struct spawn_status *st, struct errbuf *err);

/*
 * Finds name on search_path (rules as in struct spawn_cmd): the first entry
 * holding a regular file we may execute.  A name containing '/' is used as
 * given.  Returns SPAWN_OK or SPAWN_ERR_NOTFOUND / SPAWN_ERR_SYS.
 */
int spawn_resolve(const char *name, const char *search_path, char *out,
    size_t cap, struct errbuf *err);

/* 1 if the child exited with status 0. */
int spawn_succeeded(const struct spawn_status *st);

/* "exit status 3" / "killed by signal 9 (Killed)" into out (always NUL). */
void spawn_status_describe(const struct spawn_status *st, char *out, size_t cap);

#endif
