/*
 * engine — what the launcher needs from a container engine, as a table of
 * function pointers, so the CLI backend (engine_cli.c: `docker` run through
 * spawn) and an API backend (the engine's HTTP API over its unix socket) are
 * interchangeable and tests can substitute either.
 *
 * Every operation takes the backend's context (ctx), returns ENGINE_OK or
 * ENGINE_ERR, and on failure leaves one line in err naming the command or
 * request, how it ended (exit status, signal, timeout, HTTP status) and an
 * excerpt of what the engine said.  Strings passed in are the caller's;
 * results are copied into caller buffers.
 */
#ifndef TL_ENGINE_H
#define TL_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "launch_plan.h"
#include "names.h"

enum { ENGINE_OK = 0, ENGINE_ERR = -1 };

/* Longest image ID accepted back from inspect ("sha256:" + 64 hex, and room
 * for an engine that answers something longer, which the caller rejects). */
#define ENGINE_ID_MAX 128

/* Names every backend gives the node's resources, so either backend replaces
 * what the other made and `docker compose -p mpc-node …` finds them. */
#define ENGINE_PROJECT NAMES_NODE
#define ENGINE_SERVICE NAMES_NODE
#define ENGINE_CONTAINER NAMES_NODE
/* An old node whose spec differs is kept under this name, stopped, with
 * restart policy "no", so its logs survive an upgrade (near/mpc #3702). */
#define ENGINE_CONTAINER_PREVIOUS NAMES_NODE "-previous"
#define ENGINE_NETWORK NAMES_NODE "_default"  /* compose's default network */

/* The engine's socket when DOCKER_HOST is not set. */
#define ENGINE_DEFAULT_SOCKET "/var/run/docker.sock"
#define ENGINE_DEFAULT_HOST "unix://" ENGINE_DEFAULT_SOCKET

struct engine {
	void *ctx;
	/* Pull ref (name@sha256:…); ENGINE_OK only if the engine has it. */
	int (*pull)(void *ctx, const char *ref, struct errbuf *err);
	/* The image ID of ref, trimmed, into id[0..cap). */
	int (*inspect_id)(void *ctx, const char *ref, char *id, size_t cap,
	    struct errbuf *err);
	/* Force-remove the container called name.  Callers treat a failure as
	 * non-fatal (SPEC §9.1): the container may simply not exist. */
	int (*remove)(void *ctx, const char *name, struct errbuf *err);
	/* Renders what launch will send (compose text or create body) from
	 * the plan into the backend's buffers, touching nothing: every
	 * failure that depends on the plan (launch_plan_check() first) happens
	 * here, before anything is measured. */
	int (*prepare)(void *ctx, const struct launch_plan *p, struct errbuf *err);
	/* Creates and starts ENGINE_CONTAINER from what prepare rendered (the
	 * old one has been stopped and renamed by then), detached, with its
	 * named volumes (created if missing).  Reads no file. */
	int (*launch)(void *ctx, const struct launch_plan *p, struct errbuf *err);
};

/* How much of what the engine said goes into an error line. */
#define ENGINE_EXCERPT 240

/* s[0..n) on one line into out: controls become spaces, runs of spaces
 * collapse, cut at ENGINE_EXCERPT bytes ("..." marks a cut). */
void engine_excerpt(const char *s, size_t n, char *out, size_t cap);

#endif
