/*
 * config — the operator's user config (/tapp/user_config, TOML, SPEC §2.3).
 *
 * The file is NOT measured: an operator controls it.  So it may only choose
 * among approved things (tags, an override that must be approved, ports,
 * retry pacing); it never names a path, a socket or a trust anchor.  Every
 * field is validated here, before anything touches the network or a
 * measurement: tags by the Docker tag grammar (or a digest), image_name by
 * SPEC §9.2 plus the Docker reference grammar, registry as host[:port].
 * [mpc_node_config] is opaque to the launcher except that it must not hold
 * `tee` (the launcher's own table) and, in TEE mode, not `gcp` (near/mpc
 * #2827: a TEE node must not be pointed at external key storage by the
 * unmeasured config).  Unknown keys elsewhere are ignored (SPEC §2.3).
 *
 * The file is read with readfile_regular() (a regular file of at most
 * TOML_MAX_INPUT bytes; anything else is CONFIG_ERR_READ).
 *
 * Memory: config_load() reads the file into a heap buffer and parses it into
 * an arena it allocates; every pointer in struct launcher_config points into
 * that arena, valid until config_free().  Nothing in here is ever logged:
 * [mpc_node_config] holds secrets.
 */
#ifndef TL_CONFIG_H
#define TL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "errbuf.h"
#include "launch_plan.h"
#include "reference.h"
#include "toml.h"

/* More tags than the registry walk queues is a mistake, not a config. */
#define CONFIG_TAGS_MAX 64
/* Published ports of one node, in the launch plan's type. */
#define CONFIG_PORTS_MAX LAUNCH_MAX_PORTS

struct launcher_config {
	const char *image_tags[CONFIG_TAGS_MAX];
	size_t ntags;
	const char *image_name;
	const char *registry;
	uint64_t timeout_secs;
	uint64_t interval_secs;
	uint32_t max_attempts;
	int has_override;
	struct digest override;
	struct launch_port ports[CONFIG_PORTS_MAX];
	size_t nports;
	struct toml_value *node_config; /* the [mpc_node_config] table */
	/* private */
	struct toml_value root;
	struct arena arena;
	void *mem;
};

enum config_result {
	CONFIG_OK,
	CONFIG_ERR_READ, /* missing, unreadable, not a regular file, too
	                  * large: FileRead */
	CONFIG_ERR_PARSE /* not TOML, or a schema violation: TomlParse */
};

/* tee: reject keys forbidden in TEE mode too.  err names the file and key. */
enum config_result config_load(const char *path, int tee,
    struct launcher_config *c, struct errbuf *err);

void config_free(struct launcher_config *c);

#endif
