/*
 * select — the approved-hashes file and the choice of the MPC image digest
 * (SPEC §2.4 and §4).
 *
 * The file is written by the MPC node on the shared volume:
 *     {"approved_hashes": ["sha256:<64 hex>", ...]}     newest first
 * Only ENOENT on open() means "no file" (fall back to DEFAULT_IMAGE_DIGEST);
 * every other failure is fatal, because a file that exists but cannot be
 * read could be an attack that wants the launcher to fall back.  The node
 * can write this volume, so the file is read with readfile_regular(): a
 * FIFO or a device is refused at once instead of hanging the boot, and a
 * symlink to a regular file is followed (readfile.h says why).
 *
 * Memory: the file is read into a heap buffer of SELECT_FILE_MAX
 * bytes and parsed in an arena sized from its length; both are freed before
 * select_load_approved() returns.  The result is a fixed-size array owned by
 * the caller.
 */
#ifndef TL_SELECT_H
#define TL_SELECT_H

#include <stddef.h>

#include "errbuf.h"
#include "reference.h"

/* ~3000 entries of pretty-printed JSON; the contract holds a handful. */
#define SELECT_FILE_MAX (256u * 1024)
/* More approved hashes than this is not a list anyone maintains. */
#define SELECT_HASHES_MAX 1024

struct select_approved {
	struct digest hashes[SELECT_HASHES_MAX];
	size_t n;
};

enum select_load_result {
	SELECT_LOADED,      /* *out holds n ≥ 1 digests */
	SELECT_ABSENT,      /* open() said ENOENT: use the default digest */
	SELECT_ERR_READ,    /* open() failed otherwise, or a FIFO/device/
	                     * socket: fatal FileRead */
	SELECT_ERR_PARSE    /* a directory, too large, read/JSON/shape/digest
	                     * error: fatal JsonParse */
};

enum select_load_result select_load_approved(const char *path,
    struct select_approved *out, struct errbuf *err);

enum select_source {
	SELECT_FROM_DEFAULT,  /* no approved file */
	SELECT_FROM_OVERRIDE, /* mpc_hash_override, found in the list */
	SELECT_FROM_NEWEST    /* first entry of the list */
};

/*
 * SPEC §4.  approved is NULL when the file is absent; override is NULL when
 * the user config sets none.  Returns 0 with *out and *src set, or -1 when the
 * override is not in the list (err holds the InvalidHashOverride text).
 */
int select_image(const struct select_approved *approved,
    const struct digest *deflt, const struct digest *override,
    struct digest *out, enum select_source *src, struct errbuf *err);

/* "default", "override", "newest-approved". */
const char *select_source_name(enum select_source s);

#endif
