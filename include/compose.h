/*
 * compose — render the MPC node's docker compose file (SPEC §8, issue 6)
 * from the launch plan (launch_plan.h), for one compose flavour.
 *
 * The templates live in assets/compose/{tee,nontee}.yaml.tmpl and are
 * compiled into the binary (the Makefile turns them into build/gen/
 * compose_templates.inc).  A placeholder stands for one whole YAML scalar (or
 * for the whole ports sequence) and every substituted value is written by
 * compose_scalar_write(): double-quoted, escaped, with compose's `$`
 * interpolation disarmed.  So no input, however hostile, can end a line, open
 * a new key, start a comment or expand a variable; at worst it is an odd
 * string.  Substitution is one pass over the template: values are never
 * rescanned, and an unknown or unterminated placeholder is an error.
 *
 * Placeholders: {{PROJECT_NAME}} {{IMAGE}} {{CONTAINER_NAME}} {{PORTS}}
 * {{CONFIG_PATH}} {{DSTACK_ENDPOINT_ENV}} {{DSTACK_SOCKET_VOLUME}}
 * {{SPEC_LABEL}} (the launcher's spec label, "<name>=<id>").
 * A template line starting with {{?SPEC}} is kept only for the compose-spec
 * flavour: docker-compose 1.29 (the fallback) rejects top-level `name:`, and
 * `-p mpc-node` names the project for both tools anyway.
 *
 * Memory: output goes to a caller buffer, NUL-terminated; nothing allocated.
 * Errors: COMPOSE_OK or COMPOSE_ERR with a one-line message (the value that
 * failed is named by role, e.g. "image name", never echoed at length); a
 * plan that fails launch_plan_check() fails with its message.
 */
#ifndef TL_COMPOSE_H
#define TL_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "launch_plan.h"
#include "names.h"

#define COMPOSE_PROJECT_NAME NAMES_NODE
#define COMPOSE_CONTAINER_NAME NAMES_NODE
/* A buffer this large always holds a rendering whose image name is at most
 * LAUNCH_IMAGE_NAME_MAX bytes and paths at most 255 bytes, with every byte
 * escaped at its widest (6 bytes). */
#define COMPOSE_OUT_MAX 16384

enum { COMPOSE_OK = 0, COMPOSE_ERR = -1 };

/* Which tool brings the file up (engine_cli probes it). */
enum compose_flavour {
	COMPOSE_SPEC, /* `docker compose` (v2 plugin): file names the project */
	COMPOSE_V1    /* `docker-compose` 1.x: no top-level `name:` */
};

/* Renders into out[0..cap); *len excludes the NUL.  COMPOSE_ERR if the
 * output does not fit (nothing usable is left in out then). */
int compose_render(const struct launch_plan *p, enum compose_flavour flavour,
    char *out, size_t cap, size_t *len, struct errbuf *err);

/*
 * Writes s[0..n) as one double-quoted YAML scalar: `"` and `\` escaped,
 * C0 controls and DEL as \xNN, C1 controls, U+2028/2029 (line breaks to
 * YAML 1.1), U+FEFF and U+FFFE/FFFF as \uNNNN, `$` doubled for compose;
 * other UTF-8 as is.  Invalid UTF-8 is an error (YAML cannot carry bytes).
 * Returns the length written (NUL-terminated) or 0 on error / no room.
 */
size_t compose_scalar_write(char *out, size_t cap, const char *s, size_t n,
    struct errbuf *err);

#endif
