/*
 * image — pull the resolved image by digest and check what the engine has
 * (SPEC §5.6).
 *
 * The engine's image ID must be what that image's ID is in the engine's
 * image store, and nothing else: on the classic store (graph drivers) the
 * config digest; on the containerd image store (Docker ≥ 29 / Desktop,
 * where the seed failed: near/mpc #2642) the digest it was pulled by — the
 * manifest, or the approved index for an index approval.  Anything else
 * is a mismatch naming both values.  DOCKER_CONTENT_TRUST=1 is in the
 * engine's child environment.
 */
#ifndef TL_IMAGE_H
#define TL_IMAGE_H

#include "engine.h"
#include "errbuf.h"
#include "reference.h"

/* The gate.  containerd: the store (engine_api_store_is_containerd).
 * config NULL: not known (the warm path of a manifest or index approval on
 * the classic store, where the engine's own record of the verified pull,
 * RepoDigests, names the image); then any digest is accepted there.
 * 0, or -1 with err set. */
int image_id_check(const char *id, int containerd, const struct digest *config,
    const struct digest *pulled, struct errbuf *err);

/* Pulls pull_ref (<name>@<pulled>), inspects it and applies the gate. */
int image_pull_and_check(const struct engine *e, const char *pull_ref, int containerd,
    const struct digest *config, const struct digest *pulled, struct errbuf *err);

#endif
