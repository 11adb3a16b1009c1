/*
 * launch_plan — the node container, described once (SPEC §8).
 *
 * main.c builds one struct launch_plan from the operator's config, the
 * launcher's settings and the resolved manifest digest; the compose writer
 * (compose.c) renders it to YAML, the Engine API backend (engine_api.c) to a
 * container create body.  Both take the same plan, so what the CLI backend
 * starts and what the API backend starts, and the spec id computed from the
 * create body, cannot drift apart through copies.
 *
 * What varies is in the struct; what every node gets is fixed here: the
 * mounts (/tapp read-only, the shared volume, the data volume, and in TEE
 * mode the dstack socket), the command (LAUNCH_NODE_BINARY
 * LAUNCH_NODE_SUBCOMMAND <config_path>), the restart policy and the
 * labels (compose's, and LAUNCH_LABEL_SPEC=<spec_id>).  The compose
 * templates (assets/compose) spell the same fixed parts as reviewed text.
 *
 * Memory: every pointer in a plan is the caller's and must stay valid while
 * the plan is rendered or launched.  Nothing is allocated.
 * Errors: launch_plan_check() returns LAUNCH_OK or LAUNCH_ERR with one line
 * in err naming the bad field (never echoing its value).
 */
#ifndef TL_LAUNCH_PLAN_H
#define TL_LAUNCH_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "names.h"
#include "reference.h"

enum { LAUNCH_OK = 0, LAUNCH_ERR = -1 };

/* More mappings than any node needs; bounds every rendering. */
#define LAUNCH_MAX_PORTS 64
/* Longest path accepted for the socket and config paths (PATH_MAX). */
#define LAUNCH_PATH_MAX 4096
/* The reference grammar's limit on a repository name (with its host). */
#define LAUNCH_IMAGE_NAME_MAX 255
/* "<name>@sha256:<hex>" + NUL. */
#define LAUNCH_IMAGE_REF_SIZE (LAUNCH_IMAGE_NAME_MAX + 1 + DIGEST_STR_SIZE)
/* The spec id: sha256 of the create body, lowercase hex. */
#define LAUNCH_SPEC_HEX DIGEST_HEX_LEN
/* The label carrying the spec id: an old container with the same id is
 * restarted instead of replaced. */
#define LAUNCH_LABEL_SPEC "org.tee-launcher.spec"

/* The fixed part of every plan. */
#define LAUNCH_VOLUME_SHARED NAMES_SHARED_VOLUME /* → NAMES_SHARED_DIR */
#define LAUNCH_VOLUME_DATA "mpc-data"            /* → /data */
#define LAUNCH_NODE_BINARY "/app/mpc-node"
#define LAUNCH_NODE_SUBCOMMAND "start-with-config-file"

/* TEE: the dstack socket is bound in and named in DSTACK_ENDPOINT. */
enum launch_platform { LAUNCH_TEE, LAUNCH_NONTEE };

/* One published port: host → container, both 1..65535. */
struct launch_port {
	uint16_t host;
	uint16_t container;
};

struct launch_plan {
	enum launch_platform platform;
	const char *image_name;       /* repository, registry host included:
	                                 UTF-8, 1..LAUNCH_IMAGE_NAME_MAX bytes */
	struct digest manifest;       /* runs <image_name>@sha256:<hex>: the
	                                 manifest, or the approved index */
	const struct launch_port *ports;
	size_t nports;                /* at most LAUNCH_MAX_PORTS, all nonzero */
	const char *dstack_socket;    /* TEE only: absolute, no ':' (the bind
	                                 syntax separator); also DSTACK_ENDPOINT */
	const char *config_path;      /* the node's view of its config: absolute */
	const char *spec_id;          /* LAUNCH_SPEC_HEX lowercase hex digits,
	                                 labelled on the container; NULL: no
	                                 label (used to compute the id itself) */
};

/* The checks listed at struct launch_plan, shared by every renderer.
 * Paths are also shorter than LAUNCH_PATH_MAX.  (UTF-8 is the renderers'
 * to check: they fail on it themselves.) */
int launch_plan_check(const struct launch_plan *p, struct errbuf *err);

/* "<image_name>@sha256:<hex>" into out[0..LAUNCH_IMAGE_REF_SIZE).  Checks
 * only the name's length: LAUNCH_ERR (out empty) if it is too long. */
int launch_plan_image_ref(const struct launch_plan *p,
    char out[LAUNCH_IMAGE_REF_SIZE]);

#endif
