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
 * unmeasured config).
 *
 * Two generations of [launcher_config] are accepted (SPEC §2.3, §16.1):
 * the seed's (image_tags, image_name, registry, rpc_*) and near/mpc's
 * current one (image_reference, pull_*; #2785).  A file is one or the
 * other: a key of each is an error naming both.  The current generation is
 * mapped onto the same fields: registry (default docker.io), image_name and
 * at most one tag from image_reference, pull_max_retries → max_attempts,
 * pull_retry_interval_secs → interval_secs, pull_max_delay_secs →
 * max_delay_secs, and a fixed request timeout.  Unknown keys are ignored,
 * as upstream does, except in [launcher_config] when they are one or two
 * edits away from a key of either generation (a typo of a key the launcher
 * uses must not pass silently).
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
#include "names.h"
#include "reference.h"
#include "toml.h"

/* More tags than the registry walk queues is a mistake, not a config. */
#define CONFIG_TAGS_MAX 64
/* Published ports of one node, in the launch plan's type. */
#define CONFIG_PORTS_MAX LAUNCH_MAX_PORTS

/* The current generation's per-request timeout: it has no key for one. */
#define CONFIG_PULL_TIMEOUT_SECS 30
/* Its defaults (near/mpc's), and the seed's fixed backoff cap (SPEC §5.3). */
#define CONFIG_PULL_MAX_RETRIES 5
#define CONFIG_PULL_INTERVAL_SECS 2
#define CONFIG_PULL_MAX_DELAY_SECS 60
/* image_reference without a registry: Docker Hub, as docker pull has it. */
#define CONFIG_DEFAULT_REGISTRY NAMES_DOCKER_HUB

enum config_generation {
	CONFIG_GEN_SEED,   /* image_tags, image_name, registry, rpc_* */
	CONFIG_GEN_CURRENT /* image_reference, pull_* (near/mpc #2785) */
};

struct launcher_config {
	enum config_generation gen;
	int has_ref_digest;          /* current: image_reference named a digest, */
	struct digest ref_digest;    /* which the selected digest overrides */
	const char *image_tags[CONFIG_TAGS_MAX]; /* current: its tag, if any */
	size_t ntags;
	const char *image_name;
	const char *registry;
	uint64_t timeout_secs;
	uint64_t interval_secs;
	uint32_t max_attempts;       /* retries per request */
	uint32_t max_delay_secs;     /* backoff cap */
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

/* "seed" or "current". */
const char *config_gen_name(enum config_generation g);

/* The longest summary: 64 tags of 128 bytes, 64 port pairs, the rest. */
#define CONFIG_DESCRIBE_SIZE (CONFIG_TAGS_MAX * (REFERENCE_TAG_MAX + 1) + \
	CONFIG_PORTS_MAX * 12 + REFERENCE_REGISTRY_MAX + REFERENCE_NAME_MAX + 512)

/* A summary for `check-config`: generation, image, tags, ports, override,
 * retry settings; never anything from [mpc_node_config].  NUL-terminated. */
void config_describe(const struct launcher_config *c, char out[CONFIG_DESCRIBE_SIZE]);

#endif
