/*
 * takeover — stop everything that could still write the shared volume,
 * before anything is measured or written (the launch order in README).
 *
 * Any earlier node — compromised, or simply an older approved image — can
 * write anywhere in the shared volume until it is stopped.  So before RTMR3
 * is extended and before the node config is written, every container that
 * is named mpc-node, belongs to compose project mpc-node or mounts the
 * shared volume is stopped and waited for; containers that bind the engine
 * socket (this launcher, or a second one) are left alone: they can drive
 * the engine anyway.  Containers other than mpc-node also lose their
 * restart policy, so an engine restart cannot bring them back.
 *
 * The old mpc-node itself is kept for its logs: if its spec label equals
 * the new spec id (the usual reboot), takeover_start() starts that same
 * container again (near/mpc #3695); otherwise it is renamed
 * mpc-node-previous (replacing an older one) with restart policy "no".
 * The compose backend cannot keep one: the kept container still carries
 * compose's project and service labels (labels cannot be changed), so
 * compose would adopt and recreate it; there the old node is removed, as
 * compose itself would (keep_previous = 0).
 * When anything was stopped, a final listing must show none of them
 * running, or the step fails.
 *
 * Memory: struct takeover is the caller's (a few KiB).  Errors: -1 with one
 * line naming the container and the engine's answer.
 */
#ifndef TL_TAKEOVER_H
#define TL_TAKEOVER_H

#include "engine.h"
#include "engine_api.h"
#include "errbuf.h"
#include "selfid.h"

struct takeover {
	struct engine_node_containers list;
	char self[SELFID_HEX + 1];   /* "" when not in a container */
	char restart_id[65];         /* the old mpc-node to start again, or "" */
	int keep_previous;           /* set by the caller: rename, not remove */
};

/* Stops, renames and disarms as described above; spec_id: the new node's. */
int takeover_stop_old(struct takeover *t, struct engine_api *a,
    const char *spec_id, struct errbuf *err);

/* Starts the node: the kept container when its spec matched, else
 * e->launch(l). */
int takeover_start(const struct takeover *t, struct engine_api *a,
    const struct engine *e, const struct launch_plan *l, struct errbuf *err);

#endif
