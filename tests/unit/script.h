/*
 * The scripted transport of http.h's seam, shared by the unit tests that
 * drive http_do and the registry client without sockets or TLS: one canned
 * answer per request, every byte the client writes kept for inspection.
 *
 * A write that starts with a request line takes the next answer (a body
 * written on its own does not), so a test sees what http_do really sends
 * and in what order.  Answers are NUL-terminated; when they run out the
 * connection reads as EOF.  read_max > 0 cuts every read to that many bytes,
 * so a head can be made to arrive in pieces.
 *
 * Everything is static inline: the unit tests link as one program and
 * only some of them use each function.  build/test/unit does not list this
 * header among its prerequisites; after editing it, `make -B build/test/unit`.
 */
#ifndef TL_TEST_SCRIPT_H
#define TL_TEST_SCRIPT_H

#include <stdio.h>
#include <string.h>

#include "http.h"

struct script {
	const char *const *answers; /* one per request; NULL ends the list */
	size_t next, off;
	const char *cur;            /* the answer being read */
	int opens, refuse;          /* refuse: every open fails to connect */
	size_t read_max;            /* 0: reads as large as the caller asks */
	char hosts[8][64];          /* host of each of the first 8 opens */
	char sent[8192];            /* every byte written, in order, NUL-ended */
	size_t sent_len;
};

static inline int
script_open(void *ctx, const char *host, uint16_t port, int https)
{
	struct script *s = ctx;

	(void)port, (void)https;
	if (s->opens < 8)
		snprintf(s->hosts[s->opens], sizeof(s->hosts[0]), "%s", host);
	s->opens++;
	return s->refuse ? NET_ERR_CONNECT : NET_OK;
}

static inline int
script_is_request_line(const char *p, size_t len)
{
	static const char *const m[] = { "GET ", "POST ", "HEAD ", "PUT ", "PATCH ", "DELETE " };
	size_t i;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (len >= strlen(m[i]) && memcmp(p, m[i], strlen(m[i])) == 0)
			return 1;
	return 0;
}

static inline int
script_write(void *ctx, const void *buf, size_t len)
{
	struct script *s = ctx;
	size_t room = sizeof(s->sent) - 1 - s->sent_len;
	size_t n = len < room ? len : room;

	memcpy(s->sent + s->sent_len, buf, n);
	s->sent_len += n;
	s->sent[s->sent_len] = '\0';
	if (script_is_request_line(buf, len)) {
		s->cur = s->answers[s->next] != NULL ? s->answers[s->next++] : "";
		s->off = 0;
	}
	return NET_OK;
}

static inline int
script_read(void *ctx, void *buf, size_t cap, size_t *got)
{
	struct script *s = ctx;
	size_t n = s->cur != NULL ? strlen(s->cur + s->off) : 0;

	*got = 0;
	if (n == 0)
		return NET_EOF;
	if (s->read_max > 0 && n > s->read_max)
		n = s->read_max;
	n = n > cap ? cap : n;
	memcpy(buf, s->cur + s->off, n);
	s->off += n;
	*got = n;
	return NET_OK;
}

/* Starts a script over answers; tp is pointed at it. */
static inline void
script_start(struct script *s, struct http_transport *tp, const char *const *answers)
{
	memset(s, 0, sizeof(*s));
	s->answers = answers;
	*tp = (struct http_transport){ script_open, script_read, script_write, s };
}

/* How many times needle occurs in what was sent (overlaps not counted). */
static inline int
script_sent_count(const struct script *s, const char *needle)
{
	const char *p = s->sent;
	int n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	return n;
}

#endif
