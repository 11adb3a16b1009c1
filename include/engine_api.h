/*
 * engine_api — the engine interface (engine.h) spoken directly to the Docker
 * Engine API: HTTP/1.1 over the engine's unix socket (http.h) with JSON
 * bodies (json.h).  No docker CLI, no compose: a FROM-scratch launcher image
 * holds only the launcher.
 *
 * Socket: DOCKER_HOST if it is unix://<path>, else /var/run/docker.sock;
 * any other scheme (tcp://, ssh://) is an error at init.  The first request
 * negotiates the API version with GET /version: 1.41 (Debian bookworm's
 * engine, the one the tests run), or the engine's minimum when it no longer
 * speaks 1.41, up to ENGINE_API_MINOR_MAX; every later path is /v1.NN/….
 *
 * Operations (one request each unless noted):
 *   pull        POST /images/create?fromImage=<name>&tag=sha256:<hex>; the
 *               answer is a stream of JSON progress objects (one per line);
 *               any object with "error" or "errorDetail" fails the pull.
 *               Lines are parsed one at a time from a fixed buffer, so
 *               memory stays bounded however long the stream.
 *   inspect_id  GET /images/<ref>/json → "Id".
 *   (main)      engine_api_image_find, engine_api_store_is_containerd below.
 *   remove      POST /containers/<name>/stop, DELETE /containers/<name>
 *               ?force=1; 404 (no such container) and 304 (already
 *               stopped) are success.
 *   launch      remove mpc-node (failure only logged: create then names the
 *               conflict); GET/POST the network mpc-node_default and the
 *               volumes shared-volume and mpc-data (created with compose's
 *               labels when missing); POST /containers/create?name=mpc-node
 *               with the body of engine_api_create_body(); POST
 *               /containers/mpc-node/start.
 * Every request body is written by json_writer; nothing user-given reaches
 * a URL except the validated image reference (percent-encoded in queries).
 * The container gets what docker-compose makes of the templates in
 * assets/compose (SPEC §8), field for field (tests/e2e compares them on a
 * real engine), plus compose's project/service labels so
 * `docker compose -p mpc-node logs` on the host still finds it.
 *
 * Pulls are anonymous (no X-Registry-Auth): the launcher resolves the image
 * anonymously too.  The engine applies its own content-trust settings; the
 * launcher's own check (image.h) runs on the inspected ID either way.
 *
 * Memory: struct engine_api is caller-allocated and large (an HTTP client,
 * response and request buffers, a JSON arena: ≈ 1.6 MiB); give it static
 * storage.  Nothing is allocated.  No global state.
 * Errors: ENGINE_OK / ENGINE_ERR with one line in err naming the request
 * (method and path without query), the HTTP status and an excerpt of the
 * engine's "message", e.g.
 *   "engine API POST /containers/create: HTTP 409: Conflict. The container …"
 */
#ifndef TL_ENGINE_API_H
#define TL_ENGINE_API_H

#include <stddef.h>

#include "arena.h"
#include "engine.h"
#include "http.h"
#include "net.h"

#define ENGINE_API_DEFAULT_SOCKET ENGINE_DEFAULT_SOCKET
/* Host header sent over the socket (the engine ignores it). */
#define ENGINE_API_HOST "docker"

/* API versions are 1.<minor>.  41: Debian bookworm's engine (20.10), tested
 * here.  52: the newest whose changelog was read for the fields we send
 * (none changed meaning since 1.41). */
#define ENGINE_API_MINOR_PREFERRED 41
#define ENGINE_API_MINOR_MAX 52

/* An image inspect answer is a few KiB; labels can add more.  256 KiB. */
#define ENGINE_API_BODY_MAX (256 * 1024)
/* JSON tree for one answer: ≈ 2.1× the document for real answers; a
 * progress line always fits (JSON_ARENA_BOUND(ENGINE_API_LINE_MAX)). */
#define ENGINE_API_ARENA (1024 * 1024)
/* One progress line is ~200 bytes; longer lines fail the pull (fail closed:
 * an unread line could hold an error). */
#define ENGINE_API_LINE_MAX 16384
/* A pull's whole progress stream: hundreds of lines per layer; the memory
 * used stays ENGINE_API_LINE_MAX whatever this is. */
#define ENGINE_API_STREAM_MAX (512u * 1024 * 1024)
/* Container create body: 64 ports and paths up to LAUNCH_PATH_MAX fit. */
#define ENGINE_API_REQUEST_MAX (96 * 1024)
/* "http://docker/v1.NN" + path + query (a 255-byte name, encoded ×3). */
#define ENGINE_API_URL_MAX 2048

/* Deadlines (ms), as the CLI backend's: a pull moves gigabytes; stop waits
 * for the node's own shutdown (the engine's 10 s grace, then SIGKILL). */
#define ENGINE_API_PULL_TIMEOUT_MS (15 * 60 * 1000)
#define ENGINE_API_REQUEST_TIMEOUT_MS (60 * 1000)
#define ENGINE_API_STOP_TIMEOUT_MS (2 * 60 * 1000)

/* A create answered 409: a container named mpc-node exists or is still
 * being created (a dead launcher's request the engine is finishing: the
 * name is reserved before the container can be removed).  Remove it and
 * try again after a pause, this many creates in all (about 3 s). */
#define ENGINE_API_CREATE_ATTEMPTS 12
#define ENGINE_API_CONFLICT_WAIT_MS 250

struct engine_api_timeouts {
	int pull_ms, request_ms, stop_ms;
};

/* The pull's progress stream, consumed line by line. */
struct engine_api_progress {
	char line[ENGINE_API_LINE_MAX];
	size_t len;
	int overlong;            /* the current line did not fit */
	int failed;              /* an error object or a bad line was seen */
	unsigned long lines;     /* objects read */
	char error[ENGINE_EXCERPT + 8];   /* the failure, in the engine's words */
	char message[ENGINE_EXCERPT + 8]; /* last "message" (a non-200 answer) */
	struct arena *arena;     /* scratch for one line's tree */
};

struct engine_api {
	struct engine_api_timeouts timeouts; /* defaults from init; tests shorten */
	char socket_path[NET_UNIX_PATH_MAX + 1];
	int minor;                           /* negotiated 1.<minor>; 0: not yet */
	struct http_client http;
	struct arena arena;
	struct engine_api_progress progress;
	char url[ENGINE_API_URL_MAX];
	char req[ENGINE_API_REQUEST_MAX];    /* last request body */
	char body[ENGINE_API_BODY_MAX + 1];  /* last answer (NUL-terminated) */
	size_t body_len;
	unsigned char arena_mem[ENGINE_API_ARENA];
};

/* docker_host: DOCKER_HOST's value, NULL or "" for the default socket.
 * Touches nothing; the first operation connects. */
int engine_api_init(struct engine_api *a, const char *docker_host,
    struct errbuf *err);

/* Points e's operations at a. */
void engine_api_bind(struct engine_api *a, struct engine *e);

/* Closes the kept-alive connection. */
void engine_api_close(struct engine_api *a);

/* ---- the image store (the warm path and the image-ID gate) */

/* "sha256:" + 64 hex + NUL */
#define ENGINE_DIGEST_SIZE 72

/* GET /images/<ref>/json, ref name@sha256:<hex> or an image ID
 * sha256:<hex>.  ENGINE_OK with *found 0 when the engine has no such image
 * (404); with *found 1, its "Id" in id and, in repo_digest, the digest of
 * the first RepoDigests entry "<repo>@sha256:<64 hex>" (repo exactly as the
 * engine prints it: Docker Hub names without "docker.io/"), or "". */
int engine_api_image_find(struct engine_api *a, const char *ref, const char *repo,
    int *found, char id[ENGINE_ID_MAX], char repo_digest[ENGINE_DIGEST_SIZE],
    struct errbuf *err);

/* GET /info: *yes 1 when the engine keeps images in containerd's store
 * (DriverStatus holds ["driver-type", "io.containerd.snapshotter.v1"]),
 * whose image ID is the digest an image was pulled by; 0 for the classic
 * store (graph drivers), whose image ID is the config digest. */
int engine_api_store_is_containerd(struct engine_api *a, int *yes, struct errbuf *err);

/* ---- the containers around the node (the launch's takeover step) */

/* More containers than this around one node means something is wrong. */
#define ENGINE_NODE_CONTAINERS_MAX 32

struct engine_node_container {
	char id[65];                  /* 64 hex */
	char name[129];               /* without the leading '/' */
	char spec[LAUNCH_SPEC_HEX + 1]; /* LAUNCH_LABEL_SPEC, or "" */
	int running;                  /* State is not exited/created/dead */
	int launcher;                 /* binds the engine socket */
};

struct engine_node_containers {
	struct engine_node_container c[ENGINE_NODE_CONTAINERS_MAX];
	size_t n;
};

/* Every container named mpc-node, labelled with compose project mpc-node
 * or mounting the shared volume (three GET /containers/json?all=1). */
int engine_api_node_containers(struct engine_api *a,
    struct engine_node_containers *list, struct errbuf *err);

/* POST stop, then wait?condition=not-running: returns once it has exited. */
int engine_api_container_stop(struct engine_api *a, const char *id,
    struct errbuf *err);
/* Restart policy "no" (POST update). */
int engine_api_container_no_restart(struct engine_api *a, const char *id,
    struct errbuf *err);
int engine_api_container_rename(struct engine_api *a, const char *id,
    const char *name, struct errbuf *err);
int engine_api_container_start(struct engine_api *a, const char *id,
    struct errbuf *err);
/* Stop and force-delete by name; absent is success. */
int engine_api_container_remove(struct engine_api *a, const char *name,
    struct errbuf *err);

/* sha256 (hex) of the create body for l without the spec label: changes
 * whenever anything the container would get changes. */
int engine_api_spec_id(const struct launch_plan *l, char out[LAUNCH_SPEC_HEX + 1],
    struct errbuf *err);

/* ---- the pieces, exposed for tests */

/* The socket path for a DOCKER_HOST value (see above). */
int engine_api_socket_path(const char *docker_host, char *out, size_t cap,
    struct errbuf *err);

/* The minor version to use, from /version's "ApiVersion" and
 * "MinAPIVersion" (NULL if absent: treated as 1.12, the oldest). */
int engine_api_version_pick(const char *api_version, const char *min_version,
    int *minor, struct errbuf *err);

/* Progress stream: init, feed the bytes as they come (returns non-zero once
 * the stream has failed, so a sink can stop reading), finish at the end. */
void engine_api_progress_init(struct engine_api_progress *p, struct arena *scratch);
int engine_api_progress_feed(struct engine_api_progress *p, const void *data,
    size_t len);
int engine_api_progress_finish(struct engine_api_progress *p, struct errbuf *err);

/* The POST /containers/create body for l (checked by launch_plan_check),
 * NUL-terminated in out; *len excludes the NUL. */
int engine_api_create_body(const struct launch_plan *l, char *out, size_t cap,
    size_t *len, struct errbuf *err);

#endif
