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

#include "errbuf.h"

enum { ENGINE_OK = 0, ENGINE_ERR = -1 };

/* Longest image ID accepted back from inspect ("sha256:" + 64 hex, and room
 * for an engine that answers something longer, which the caller rejects). */
#define ENGINE_ID_MAX 128

/* How the compose file will be brought up; decides whether the rendered
 * file may carry a top-level `name:` (see compose.h). */
enum engine_compose_tool {
	ENGINE_COMPOSE_PLUGIN, /* `docker compose` (compose v2) */
	ENGINE_COMPOSE_V1      /* `docker-compose` 1.x */
};

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
	/* Which compose tool compose_up will use (probed once, then cached). */
	int (*compose_probe)(void *ctx, enum engine_compose_tool *tool,
	    struct errbuf *err);
	/* Bring up the project "mpc-node" from the compose file at path, detached. */
	int (*compose_up)(void *ctx, const char *path, struct errbuf *err);
};

#endif
