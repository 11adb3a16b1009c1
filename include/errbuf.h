/*
 * errbuf — one error message, built once where the context is known.
 *
 * Modules return a status code and, on failure, write a one-line message
 * naming the object (file, key, offset, host, status) into a caller-owned
 * errbuf.  The message is truncated, never overflowed.  A message must never
 * contain a secret (registry token, Authorization value, node config value).
 */
#ifndef TL_ERRBUF_H
#define TL_ERRBUF_H

#include <stddef.h>

/* Long enough for a path, a key and a reason; longer text is truncated. */
#define ERRBUF_SIZE 512

struct errbuf {
	char msg[ERRBUF_SIZE];
};

/* Replaces the message (printf format). Always NUL-terminates. */
void errbuf_set(struct errbuf *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Shorter common runs are coincidence ("sha256:", "https://"), not a leak. */
#define ERRBUF_REDACT_MIN 8

/*
 * Overwrites with '*' every run of at least ERRBUF_REDACT_MIN bytes of the
 * message that also occurs in secret[0..len): the whole secret, and the
 * pieces of it that a truncated or spliced quote of hostile input leaves.
 * Cost: O(message × len) byte compares; meant for error paths only.
 */
void errbuf_redact(struct errbuf *e, const char *secret, size_t len);

/* The same for any NUL-terminated text the caller owns (a log value). */
void errbuf_redact_text(char *text, const char *secret, size_t len);

/* Prepends "<prefix>: " to the current message (printf format). */
void errbuf_wrap(struct errbuf *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
