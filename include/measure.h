/*
 * measure — extend RTMR3 with the selected image digest, exactly once
 * (event "mpc-image-digest", payload = the digest's 32 bytes).
 *
 * Two ways, chosen by TEE_LAUNCHER_RTMR_METHOD (environment only: the
 * method is part of the measured launcher configuration):
 *   dstack-api  POST /EmitEvent to the guest agent (dstack OS 0.5.x)
 *   native      the kernel's RTMR3 sysfs file + dstack's runtime event log
 *               (dstack ≥ 0.6, which removed EmitEvent), see rtmr.h
 *   auto        decided once, before anything is measured, from files only:
 *               native when dstack's runtime_event_version file exists (dstack
 *               >= 0.6 writes it at boot) and the RTMR3 file is writable,
 *               otherwise dstack-api.  Never switched afterwards: dstack 0.5
 *               answers 400 for any EmitEvent error, possibly after it
 *               extended, so no answer proves that nothing was extended.
 * Before emitting, the event log is read (agent: GetQuote's event_log;
 * native: the runtime log): the same digest already there → nothing is
 * emitted (a restarted launcher stays verifiable); a different one → error.
 * EmitEvent is sent once and never retried: a lost answer after the agent
 * extended RTMR3 would otherwise extend it twice.  The check-then-emit is
 * serialised by the caller's launcher-wide lock (TEE_LAUNCHER_LOCK_FILE)
 * for the agent, and additionally by dstack's runtime_event.lock for native.
 *
 * measure_plan() runs before the first network request: it resolves auto,
 * and fails when the agent socket is missing (the node needs it for its
 * quotes: a missing socket would become a directory at the engine's bind)
 * or when native is chosen without a version file.
 *
 * Memory: agent answers go to a heap buffer of DSTACK_RESPONSE_MAX bytes and
 * an arena, both freed before return.
 */
#ifndef TL_MEASURE_H
#define TL_MEASURE_H

#include "errbuf.h"
#include "http.h"
#include "reference.h"
#include "rtmr.h"

/* The agent answers in milliseconds; a stuck agent must not hang the boot. */
#define MEASURE_AGENT_TIMEOUT_MS 30000u

/* TEE_LAUNCHER_RTMR_METHOD: auto, dstack-api, native (this order: the
 * settings parser maps the names by index). */
enum measure_method { MEASURE_AUTO, MEASURE_DSTACK_API, MEASURE_NATIVE };

struct measure_cfg {
	enum measure_method method;
	const char *dstack_socket;
	struct rtmr_native_cfg native;
	unsigned timeout_ms;
	/* measure_plan's evidence, for its log line and `tee-launcher plan` */
	int version_present;    /* native.version_path is a regular file */
	int rtmr3_writable;     /* access(native.rtmr3_path, W_OK) */
};

/* Fills m from plain values (the settings' TEE_LAUNCHER_* paths; cli.h's
 * measure_cfg_from_settings passes them: measure does not know the settings
 * struct, which sits a layer above).  dstack's three runtime-event files are
 * named inside event_log_dir, each in a third of pathbuf.  Returns 0, or -1
 * if a path does not fit in its third (a cut path would name another file). */
int measure_cfg_init(struct measure_cfg *m, enum measure_method method,
    const char *dstack_socket, const char *rtmr3_file, const char *event_log_dir,
    char *pathbuf, size_t cap, struct errbuf *err);

/* Path buffer size measure_cfg_init needs for the log dir paths. */
#define MEASURE_PATHBUF (3 * 4200)

enum measure_outcome { MEASURE_EXTENDED, MEASURE_ALREADY };

/* Replaces m->method AUTO by the method to use, checks that method's
 * prerequisites, and logs the choice and its evidence (also kept in m).
 * Reads file metadata only (stat, access): nothing is opened or written. */
int measure_plan(struct measure_cfg *m, struct errbuf *err);

/* Name of a resolved method for logs ("native", "dstack-api"). */
const char *measure_method_name(enum measure_method method);

/* m->method must be resolved (measure_plan). */
int measure_image(const struct measure_cfg *m, struct http_client *http,
    const struct digest *d, enum measure_outcome *out, struct errbuf *err);

#endif
