/*
 * dstack — the launcher's side of the dstack guest agent protocol (dstack OS
 * 0.5.x), without the transport.
 *
 * The agent speaks HTTP/1.1 on a unix socket (default /var/run/dstack.sock):
 * POST /<Method> with a JSON body.  This module builds the exact request
 * bytes (Host: dstack, Content-Type: application/json, Content-Length,
 * Connection: close) and reads the answers the launcher cares about; the
 * caller sends the bytes (net.h over AF_UNIX) and parses the HTTP head
 * (http_response.h).  EmitEvent is sent at most once and never retried once
 * the request was written: a lost answer after the agent extended RTMR3
 * would otherwise extend it twice.
 *
 * Requests:
 *   /EmitEvent  {"event":"mpc-image-digest","payload":"<64 lowercase hex>"}
 *   /GetQuote   {"report_data":""}
 *   /Info       {}
 * Emit-once input (rtmr_log.h's struct rtmr_once) comes from either answer:
 *   GetQuote: {"quote":…, "event_log":"<JSON text of [event…]>", …}
 *   Info:     {…, "tcb_info":"<JSON text of {…, \"event_log\":[event…]}>"}
 *   event:    {"imr":3, "event_type":134217729, "digest":"<hex>",
 *              "event":"<name>", "event_payload":"<hex>"[, "version":2]}
 * Every event named mpc-image-digest counts, whatever its imr or type: the
 * verifier counts names.
 *
 * Memory: requests go to caller buffers; answers are parsed into the
 * caller's arena (json.h), which must hold about 2.5 times the answer
 * (a rough bound: see json.h).  Nothing here is secret.
 * Errors: DSTACK_OK / DSTACK_ERR with one line in err naming the method and
 * the field.
 */
#ifndef TL_DSTACK_H
#define TL_DSTACK_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "errbuf.h"
#include "names.h"
#include "rtmr_log.h"

#define DSTACK_DEFAULT_SOCKET NAMES_DSTACK_SOCKET
#define DSTACK_HOST "dstack"
#define DSTACK_PATH_EMIT_EVENT "/EmitEvent"
#define DSTACK_PATH_GET_QUOTE "/GetQuote"
#define DSTACK_PATH_INFO "/Info"

/* Our request bodies are fixed shapes under 128 bytes. */
#define DSTACK_BODY_MAX 256
/* Request line + four headers + body. */
#define DSTACK_REQUEST_MAX 512
/* Longest method path accepted by dstack_request_format. */
#define DSTACK_PATH_MAX 64
/* A GetQuote answer is a ~10 KB hex quote plus the event log (a few dozen
 * events); 1 MiB is far beyond any real agent. */
#define DSTACK_RESPONSE_MAX (1024 * 1024)
/* Events looked at in one log; boot logs hold well under a hundred. */
#define DSTACK_EVENTS_MAX 4096

enum { DSTACK_OK = 0, DSTACK_ERR = -1 };

/* {"event":"mpc-image-digest","payload":"<hex>"} into out (NUL-terminated). */
int dstack_emit_event_body(const struct digest *payload, char *out,
    size_t cap, size_t *len, struct errbuf *err);

/* {"report_data":""} and {} (constant strings). */
const char *dstack_get_quote_body(void);
const char *dstack_info_body(void);

/*
 * "POST <path> HTTP/1.1\r\nHost: dstack\r\nContent-Type: application/json\r\n
 *  Content-Length: <n>\r\nConnection: close\r\n\r\n<body>" into out.
 * path: '/' then [A-Za-z0-9_/-], at most DSTACK_PATH_MAX bytes.
 */
int dstack_request_format(const char *path, const char *body, size_t body_len,
    char *out, size_t cap, size_t *len, struct errbuf *err);

/* Notes every event of a JSON array (text) in o. */
int dstack_event_log_scan(const char *json, size_t len, struct arena *a,
    struct rtmr_once *o, struct errbuf *err);

/* The same, starting from a whole GetQuote (resp. Info) answer body. */
int dstack_quote_response_scan(const char *body, size_t len, struct arena *a,
    struct rtmr_once *o, struct errbuf *err);
int dstack_info_response_scan(const char *body, size_t len, struct arena *a,
    struct rtmr_once *o, struct errbuf *err);

#endif
