/*
 * registry — find the manifest digest to pull for the selected image digest,
 * through the Docker Registry HTTP API v2 of any OCI registry (SPEC §5).
 *
 * The references (image_tags) are walked in order; indexes and manifest
 * lists queue their linux/amd64 entries at the back.  A single manifest
 * matches when its config.digest is the selected digest (seed behaviour)
 * or when the manifest itself hashes to it (approved lists of manifest
 * digests, near/mpc #2785).  An index or list that hashes to the selected
 * digest, at any level, matches too (what `docker buildx` pushes): the
 * rest of the queue is dropped and the walk goes on through that index's
 * linux/amd64 entries only; the first image manifest reached is the
 * result (its config and manifest digests), and the index is what is
 * pulled.  Such an index without a reachable linux/amd64 manifest is an
 * error.
 *
 * Nothing a registry says is trusted unless we hashed it: every manifest
 * body is hashed with SHA-256; one fetched by digest must hash to that
 * digest, and a Docker-Content-Digest header that disagrees with our hash is
 * an error.  The manifest digest returned is always our own hash.  TLS only
 * protects the token; the root of trust is the approved digest.
 *
 * Auth is discovered by challenge: a 401 with WWW-Authenticate: Bearer leads
 * to one anonymous token request at the realm (https only), and the token is
 * reused for the run; a later 401 re-authenticates once.  The token is never
 * logged nor put into an error.
 *
 * Retries (SPEC §5.3): per request, max_attempts + 1 attempts; waits start at
 * interval_secs and grow ×1.5 up to max_delay_secs (default 60 s); timeouts, connect failures and 5xx
 * are retried, as is 429 (waiting its Retry-After, at most 60 s); other 4xx
 * skip the reference.  A reference that exhausts its attempts is skipped.
 *
 * Keys are read as the engine reads them.  dockerd, containerd and the
 * registry decode these documents with Go's encoding/json, which matches
 * keys to fields case-insensitively (Unicode simple folding: "Digest",
 * "digeſt") and lets the last of several matching keys win.  So every
 * manifest, index and list is refused when one of its objects holds two
 * keys equal under that folding, or when a key of a struct object (the
 * document, its descriptors, their platforms) folds to a field name
 * without being it byte for byte: what we check and what the engine pulls
 * can then never be different members.  Entries of "manifests" are
 * checked as they stream by, so a malformed one (not an object, a
 * linux/amd64 entry without a valid digest) fails any document, not only
 * an index.
 *
 * Memory: struct registry is caller-owned; registry_init() allocates one
 * manifest buffer of REGISTRY_MANIFEST_MAX bytes (also used for the token
 * response) and the reference queue.  Each manifest is parsed in an arena
 * of REGISTRY_ARENA_MAX bytes, freed at once; the entries of "manifests"
 * and "layers" stream through it one at a time, so the peak is the body
 * plus at most that arena (a document whose other parts need more is
 * refused as too large).  registry_free() releases everything.
 */
#ifndef TL_REGISTRY_H
#define TL_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"
#include "http.h"

/* Bytes of the last failure kept for "Image hash not found among tags
 * (last failure: …)"; longer messages lose the front (the URL), never the
 * cause at the end. */
#define REGISTRY_SKIP_SHOWN 300
#include "reference.h"

/* OCI's suggested limit for manifests; larger bodies are refused unread. */
#define REGISTRY_MANIFEST_MAX (4u * 1024 * 1024)
/* The parse arena of one manifest: a document's tree without its
 * "manifests" and "layers" entries (held one at a time) must fit.  Real
 * ones need a few KiB; this keeps the peak RSS for the largest body under
 * 2 x body + 1 MiB (make bench). */
#define REGISTRY_ARENA_MAX (1u * 1024 * 1024)
/* Token responses are small JSON objects; JWTs are a few KiB. */
#define REGISTRY_TOKEN_BODY_MAX (64u * 1024)
#define REGISTRY_TOKEN_MAX 8192
/* Index → index → manifest: two levels of nesting, no more. */
#define REGISTRY_MAX_DEPTH 2
/* References waiting in the queue (tags + queued platform manifests). */
#define REGISTRY_QUEUE_MAX 64
/* Manifest requests per run, retries included: bounds a hostile registry. */
#define REGISTRY_MAX_REQUESTS 256
/* Longest backoff wait (SPEC §5.3) and longest Retry-After honoured. */
#define REGISTRY_MAX_DELAY_MS 60000u
/* Longest image_tags entry kept (a digest is 71 bytes, a tag 128). */
#define REGISTRY_REF_MAX 128

struct registry_config {
	const char *registry;   /* host[:port] */
	const char *image_name; /* repository path */
	const char *const *refs; /* image_tags, in order */
	size_t nrefs;
	uint64_t timeout_secs;  /* per request (connect+TLS+request+response) */
	uint64_t interval_secs; /* first retry wait */
	uint32_t max_attempts;  /* retries per request */
	uint32_t max_delay_secs; /* backoff cap; 0: REGISTRY_MAX_DELAY_MS */
};

/* Sleeping is injected so tests can record the waits. */
struct registry_sleeper {
	void (*sleep_ms)(void *ctx, uint64_t ms);
	void *ctx;
};

struct registry_stats {
	unsigned manifest_requests; /* manifest GETs sent, retries included */
	unsigned token_requests;
	unsigned retries;           /* waits taken */
	uint64_t waited_ms;         /* sum of the waits */
};

struct queue;

struct registry {
	struct http_client *http;               /* caller-owned */
	const struct registry_sleeper *sleeper; /* NULL: nanosleep */
	unsigned char *body;                    /* REGISTRY_MANIFEST_MAX bytes */
	struct queue *queue;                    /* private: the reference walk */
	char token[REGISTRY_TOKEN_MAX + 1];     /* secret: never logged */
	int have_token;
	int reauthenticated;
	struct registry_stats stats;
};

enum registry_match {
	REGISTRY_MATCH_CONFIG,   /* config.digest == selected (seed behaviour) */
	REGISTRY_MATCH_MANIFEST, /* the manifest itself hashes to selected */
	REGISTRY_MATCH_INDEX     /* an index or list hashes to selected; manifest
	                            is the linux/amd64 image it leads to */
};

struct registry_result {
	struct digest pull;     /* what the engine pulls and runs: the index for
	                           REGISTRY_MATCH_INDEX, else manifest */
	struct digest manifest; /* sha256 of the linux/amd64 image manifest */
	struct digest config;   /* its config.digest */
	enum registry_match how;
	char ref[REGISTRY_REF_MAX + 1]; /* the reference it was fetched by */
};

/* Returns 0, or -1 if the manifest buffer cannot be allocated. */
int registry_init(struct registry *r, struct http_client *http,
    const struct registry_sleeper *sleeper, struct errbuf *err);
void registry_free(struct registry *r);

/*
 * Resolves want.  Returns 0 with *out set, or -1 with err set: fatal errors
 * (auth failure, unknown media type, malformed manifest, a digest the body
 * does not hash to, a lying Docker-Content-Digest) and, when every reference
 * was skipped, "Image hash not found among tags".
 */
int registry_resolve(struct registry *r, const struct registry_config *cfg,
    const struct digest *want, struct registry_result *out, struct errbuf *err);

/* "config digest" / "manifest digest" / "index digest". */
const char *registry_match_name(enum registry_match m);

#endif
