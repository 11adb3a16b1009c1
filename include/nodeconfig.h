/*
 * nodeconfig — the MPC node's config: the operator's [mpc_node_config] with
 * the launcher's [tee] table added last (SPEC §7), serialised as TOML and
 * written atomically (temp file, fsync, rename, fsync of the directory).
 *
 * [tee] holds what the node must trust: the selected image digest (the
 * RTMR3 payload), the approved-hashes path and the attestation authority,
 * in the shape the node generation of the config's schema parses (SPEC
 * §16.2): a seed-schema config gets the seed's authority (TEE: type,
 * dstack_endpoint, quote_upload_url), a current-schema one #2944's (TEE:
 * type, dstack_endpoint); NONTEE is { type = "local" } in both.
 * Paths inside it are the node container's view (its mounts are fixed by
 * the compose template), not the launcher's, so they are constants.
 *
 * The rendered config holds secrets: it is never logged, and errors never
 * quote it.  Memory: the [tee] nodes go into the config's arena; the
 * serialised text into a heap buffer of NODECONFIG_FIRST_TRY bytes (again
 * into NODECONFIG_MAX bytes if it does not fit), cleared and freed before
 * return.
 */
#ifndef TL_NODECONFIG_H
#define TL_NODECONFIG_H

#include <stddef.h>

#include "config.h"
#include "errbuf.h"
#include "names.h"
#include "reference.h"

/* Node-side paths and the quote upload endpoint (SPEC §2.2, §7). */
#define NODECONFIG_DSTACK_ENDPOINT NAMES_DSTACK_SOCKET
#define NODECONFIG_APPROVED_PATH NAMES_APPROVED_FILE
#define NODECONFIG_QUOTE_UPLOAD_URL \
	"https://cloud-api.phala.network/api/v1/attestations/verify"
/* The serialised config: the user config's own limit plus [tee]. */
#define NODECONFIG_MAX (TOML_MAX_INPUT + 4096)
/* Real configs render to a few KiB; clearing a whole NODECONFIG_MAX buffer
 * (it holds secrets) would touch 1 MiB and double the launcher's peak RSS. */
#define NODECONFIG_FIRST_TRY (64u * 1024)

/* Adds [tee] to c->node_config (once; a second call is an error). */
int nodeconfig_add_tee(struct launcher_config *c, int tee_platform,
    const struct digest *image_hash, struct errbuf *err);

/* Serialises c->node_config into buf[0..cap), NUL-terminated. */
int nodeconfig_render(const struct launcher_config *c, char *buf, size_t cap,
    size_t *len, struct errbuf *err);

/* The rendered text, held from before the first network request until it
 * is written after the measurement. */
struct nodeconfig_text {
	char *buf;  /* heap; cleared and freed by nodeconfig_text_free */
	size_t cap, len;
};

/* Renders into a buffer of NODECONFIG_FIRST_TRY, else NODECONFIG_MAX
 * bytes; -1 if it does not fit even then (an operator error, reported
 * before anything irreversible). */
int nodeconfig_render_alloc(const struct launcher_config *c, struct nodeconfig_text *t,
    struct errbuf *err);
void nodeconfig_text_free(struct nodeconfig_text *t);

/* Writes t atomically to path (mode 0600). */
int nodeconfig_write_text(const struct nodeconfig_text *t, const char *path,
    struct errbuf *err);

/* Renders and writes atomically to path (mode 0600). */
int nodeconfig_write(const struct launcher_config *c, const char *path,
    struct errbuf *err);

#endif
