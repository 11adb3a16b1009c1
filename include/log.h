/*
 * log — one logfmt line per event on stderr:
 *     level=info msg="selected image digest" digest=sha256:… source=approved
 *
 * Values are quoted and escaped when needed, so a hostile value can never
 * start a second line or forge a key.  Callers must never pass a secret
 * (registry token, Authorization header, anything from [mpc_node_config]):
 * the logger cannot tell, so the rule lives at every call site.
 */
#ifndef TL_LOG_H
#define TL_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

struct log_kv {
	const char *key;
	const char *val; /* NULL is printed as an empty quoted string */
};

/* Longest line written; longer values are cut (marked with "…"). */
#define LOG_LINE_MAX 2048

/* Writes one line to fd (normally 2) with a single write(2). */
void log_write(int fd, enum log_level lvl, const char *msg,
    const struct log_kv *kv, size_t nkv);

/* log_event(LOG_INFO, "msg", {"k","v"}, …) — the pairs are optional. */
#define log_event(lvl, msg, ...) \
	log_write(2, (lvl), (msg), (const struct log_kv[]){ {NULL, NULL}, __VA_ARGS__ } + 1, \
	    sizeof((const struct log_kv[]){ {NULL, NULL}, __VA_ARGS__ }) / sizeof(struct log_kv) - 1)

/* Formats s into out as a logfmt value (quoted if needed). Returns length. */
size_t log_quote(char *out, size_t cap, const char *s);

#endif
