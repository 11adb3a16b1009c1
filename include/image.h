/*
 * image — pull the resolved image by digest and check what the engine has
 * (SPEC §5.6).
 *
 * The engine's image ID must be the config digest (classic image store) or
 * the manifest digest (containerd image store, Docker ≥ 29 / Desktop, where
 * the seed failed: near/mpc #2642).  Anything else is a mismatch naming both
 * values.  DOCKER_CONTENT_TRUST=1 is in the engine's child environment.
 */
#ifndef TL_IMAGE_H
#define TL_IMAGE_H

#include "engine.h"
#include "errbuf.h"
#include "reference.h"

int image_pull_and_check(const struct engine *e, const char *pull_ref,
    const struct digest *config, const struct digest *manifest,
    struct errbuf *err);

#endif
