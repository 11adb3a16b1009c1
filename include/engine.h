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

#include "compose.h"
#include "errbuf.h"
#include "names.h"

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

/* Names every backend gives the node's resources, so either backend replaces
 * what the other made and `docker compose -p mpc-node …` finds them. */
#define ENGINE_PROJECT NAMES_NODE
#define ENGINE_SERVICE NAMES_NODE
#define ENGINE_CONTAINER NAMES_NODE
/* An old node whose spec differs is kept under this name, stopped, with
 * restart policy "no", so its logs survive an upgrade (near/mpc #3702). */
#define ENGINE_CONTAINER_PREVIOUS "mpc-node-previous"
/* Label carrying the spec id (engine_api_spec_id) of what we created: an
 * old container with the same id is restarted instead of replaced. */
#define ENGINE_LABEL_SPEC COMPOSE_LABEL_SPEC
#define ENGINE_SPEC_HEX 64
#define ENGINE_NETWORK "mpc-node_default"       /* compose's default network */
#define ENGINE_VOLUME_SHARED NAMES_SHARED_VOLUME    /* → /mnt/shared */
#define ENGINE_VOLUME_DATA "mpc-data"           /* → /data */
#define ENGINE_NODE_BINARY "/app/mpc-node"
#define ENGINE_NODE_SUBCOMMAND "start-with-config-file"

/* The engine's socket when DOCKER_HOST is not set. */
#define ENGINE_DEFAULT_SOCKET "/var/run/docker.sock"
#define ENGINE_DEFAULT_HOST "unix://" ENGINE_DEFAULT_SOCKET

/* The reference grammar's limit on a repository name (with its host). */
#define ENGINE_IMAGE_NAME_MAX 255

/*
 * What to run: the settings SPEC §8 gives the node (the compose templates
 * express exactly these).  Everything is the caller's and must stay valid
 * during launch.  Backends validate before touching the engine: a non-empty
 * UTF-8 image name of at most ENGINE_IMAGE_NAME_MAX bytes, at most COMPOSE_MAX_PORTS nonzero ports, absolute paths
 * (the dstack socket also without ':', the bind syntax separator).
 */
struct engine_launch {
	enum compose_platform platform;  /* TEE: dstack socket bind + env */
	const char *image_name;          /* repository, registry host included */
	uint8_t manifest_digest[COMPOSE_DIGEST_LEN]; /* run <name>@sha256:<hex> */
	const struct compose_port *ports;
	size_t nports;
	const char *dstack_socket;       /* TEE only; also DSTACK_ENDPOINT */
	const char *config_path;         /* the node's view of its config file */
	const char *compose_file;        /* CLI backend: the rendered file is kept
	                                    here for the operator; others ignore it */
	const char *spec_id;             /* ENGINE_SPEC_HEX hex digits, labelled on
	                                    the container; NULL: no label (used
	                                    only to compute the id itself) */
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
	/* Renders what launch will send (compose text or create body) from l
	 * into the backend's buffers, touching nothing: every failure that
	 * depends on l happens here, before anything is measured. */
	int (*prepare)(void *ctx, const struct engine_launch *l, struct errbuf *err);
	/* Creates and starts ENGINE_CONTAINER from what prepare rendered (the
	 * old one has been stopped and renamed by then), detached, with its
	 * named volumes (created if missing).  Reads no file. */
	int (*launch)(void *ctx, const struct engine_launch *l, struct errbuf *err);
};

/* How much of what the engine said goes into an error line. */
#define ENGINE_EXCERPT 240

/* s[0..n) on one line into out: controls become spaces, runs of spaces
 * collapse, cut at ENGINE_EXCERPT bytes ("..." marks a cut). */
void engine_excerpt(const char *s, size_t n, char *out, size_t cap);

/* The checks listed at struct engine_launch, shared by the backends.
 * ENGINE_OK, or ENGINE_ERR naming the bad field (never echoing it). */
int engine_launch_check(const struct engine_launch *l, struct errbuf *err);

#endif
