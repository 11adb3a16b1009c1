/*
 * measure — extend RTMR3 with the selected image digest, exactly once
 * (event "mpc-image-digest", payload = the digest's 32 bytes).
 *
 * Two ways, chosen by TEE_LAUNCHER_RTMR_METHOD (environment only: the
 * method is part of the measured launcher configuration):
 *   dstack-api  POST /EmitEvent to the guest agent (dstack OS 0.5.x)
 *   native      the kernel's RTMR3 sysfs file + dstack's runtime event log
 *               (dstack ≥ 0.6, which removed EmitEvent), see rtmr.h
 *   auto        the agent if it answers, else native if the sysfs file
 *               exists, else an error.  An agent that answers EmitEvent with
 *               400/404/405/501 (0.6+ removed it) has extended nothing, so
 *               auto falls back to native then.
 * Before emitting, the event log is read (agent: GetQuote's event_log;
 * native: the runtime log): the same digest already there → nothing is
 * emitted (a restarted launcher stays verifiable); a different one → error.
 * EmitEvent is sent once and never retried: a lost answer after the agent
 * extended RTMR3 would otherwise extend it twice.
 *
 * Memory: agent answers go to a heap buffer of DSTACK_RESPONSE_MAX bytes and
 * an arena, both freed before return.
 */
#ifndef TL_MEASURE_H
#define TL_MEASURE_H

#include "cli.h"
#include "errbuf.h"
#include "http.h"
#include "reference.h"
#include "rtmr.h"

/* The agent answers in milliseconds; a stuck agent must not hang the boot. */
#define MEASURE_AGENT_TIMEOUT_MS 30000u

struct measure_cfg {
	enum cli_rtmr_method method;
	const char *dstack_socket;
	struct rtmr_native_cfg native;
	unsigned timeout_ms;
};

/* Fills m from the settings (paths from TEE_LAUNCHER_* variables).
 * Returns 0, or -1 if a path does not fit in its third of pathbuf (a cut
 * path would name another file). */
int measure_cfg_from_settings(struct measure_cfg *m, const struct cli_settings *s,
    char *pathbuf, size_t cap, struct errbuf *err);

/* Path buffer size measure_cfg_from_settings needs for the log dir paths. */
#define MEASURE_PATHBUF (3 * 4200)

enum measure_outcome { MEASURE_EXTENDED, MEASURE_ALREADY };

int measure_image(const struct measure_cfg *m, struct http_client *http,
    const struct digest *d, enum measure_outcome *out, struct errbuf *err);

#endif
