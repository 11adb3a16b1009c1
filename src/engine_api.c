#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bearssl_hash.h>

#include "clock.h"
#include "engine_api.h"
#include "fmt.h"
#include "json.h"
#include "log.h"

#define UNIX_PREFIX "unix://"

/* ---- settings */

int
engine_api_socket_path(const char *docker_host, char *out, size_t cap,
    struct errbuf *err)
{
	const char *p = ENGINE_API_DEFAULT_SOCKET;
	size_t n;

	if (docker_host != NULL && docker_host[0] != '\0') {
		if (strncmp(docker_host, UNIX_PREFIX, sizeof(UNIX_PREFIX) - 1) != 0) {
			errbuf_set(err, "DOCKER_HOST: the api engine backend speaks only "
			    "unix://<socket path>");
			return ENGINE_ERR;
		}
		p = docker_host + sizeof(UNIX_PREFIX) - 1;
	}
	n = strlen(p);
	if (p[0] != '/' || n > NET_UNIX_PATH_MAX || n + 1 > cap) {
		errbuf_set(err, "DOCKER_HOST: the socket path must be absolute and at most "
		    "%d bytes", NET_UNIX_PATH_MAX);
		return ENGINE_ERR;
	}
	memcpy(out, p, n + 1);
	return ENGINE_OK;
}

/* "1.41" → 41.  Majors other than 1 do not exist. */
static int
parse_minor(const char *s, int *minor)
{
	int v = 0, digits = 0;

	if (s == NULL || strncmp(s, "1.", 2) != 0)
		return -1;
	for (s += 2; *s >= '0' && *s <= '9' && digits < 4; s++, digits++)
		v = v * 10 + (*s - '0');
	if (digits == 0 || digits > 3 || *s != '\0')
		return -1;
	*minor = v;
	return 0;
}

int
engine_api_version_pick(const char *api_version, const char *min_version,
    int *minor, struct errbuf *err)
{
	int hi, lo = 12, want;

	if (parse_minor(api_version, &hi) != 0 ||
	    (min_version != NULL && parse_minor(min_version, &lo) != 0)) {
		errbuf_set(err, "engine API GET /version: ApiVersion/MinAPIVersion "
		    "are not 1.<minor>");
		return ENGINE_ERR;
	}
	want = lo > ENGINE_API_MINOR_PREFERRED ? lo : ENGINE_API_MINOR_PREFERRED;
	if (want > hi || want > ENGINE_API_MINOR_MAX || lo > hi) {
		errbuf_set(err, "engine API: the engine speaks 1.%d to 1.%d, the launcher "
		    "1.%d to 1.%d", lo, hi, ENGINE_API_MINOR_PREFERRED, ENGINE_API_MINOR_MAX);
		return ENGINE_ERR;
	}
	*minor = want;
	return ENGINE_OK;
}

int
engine_api_init(struct engine_api *a, const char *docker_host,
    struct errbuf *err)
{
	struct http_client_config hc;

	a->timeouts.pull_ms = ENGINE_API_PULL_TIMEOUT_MS;
	a->timeouts.request_ms = ENGINE_API_REQUEST_TIMEOUT_MS;
	a->timeouts.stop_ms = ENGINE_API_STOP_TIMEOUT_MS;
	a->minor = 0;
	a->body_len = 0;
	a->body[0] = '\0';
	arena_init(&a->arena, a->arena_mem, sizeof(a->arena_mem));
	if (engine_api_socket_path(docker_host, a->socket_path, sizeof(a->socket_path),
	    err) != ENGINE_OK)
		return ENGINE_ERR;
	memset(&hc, 0, sizeof(hc)); /* plain HTTP over the socket: no anchors, no proxy */
	if (http_client_init(&a->http, &hc, err) != 0)
		return ENGINE_ERR;
	return ENGINE_OK;
}

void
engine_api_close(struct engine_api *a)
{
	http_client_close(&a->http);
}

/* ---- the progress stream of a pull */

void
engine_api_progress_init(struct engine_api_progress *p, struct arena *scratch)
{
	p->len = 0;
	p->overlong = 0;
	p->failed = 0;
	p->lines = 0;
	p->error[0] = '\0';
	p->message[0] = '\0';
	p->arena = scratch;
}

static void
progress_fail(struct engine_api_progress *p, const char *why, size_t n)
{
	if (p->failed)
		return;
	p->failed = 1;
	engine_excerpt(why, n, p->error, sizeof(p->error));
}

static int
blank_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

static void
progress_line(struct engine_api_progress *p)
{
	static const char not_object[] = "a progress line is not a JSON object";
	static const char overlong[] = "a progress line is longer than "
	    "ENGINE_API_LINE_MAX bytes";
	static const char no_message[] = "an error object without a message";
	const struct json_value *detail;
	struct json_value v;
	struct errbuf jerr;
	const char *msg;

	if (p->overlong) {
		progress_fail(p, overlong, sizeof(overlong) - 1);
		return;
	}
	if (blank_line(p->line, p->len))
		return;
	p->arena->used = 0;
	if (json_parse(p->line, p->len, p->arena, &v, &jerr) != 0 ||
	    v.type != JSON_OBJECT) {
		progress_fail(p, not_object, sizeof(not_object) - 1);
		return;
	}
	p->lines++;
	if ((msg = json_get_string(&v, "message")) != NULL)
		engine_excerpt(msg, strlen(msg), p->message, sizeof(p->message));
	detail = json_object_get(&v, "errorDetail");
	if (json_object_get(&v, "error") == NULL && detail == NULL)
		return;
	msg = json_get_string(&v, "error");
	if (msg == NULL)
		msg = json_get_string(detail, "message");
	if (msg == NULL)
		progress_fail(p, no_message, sizeof(no_message) - 1);
	else
		progress_fail(p, msg, strlen(msg));
}

int
engine_api_progress_feed(struct engine_api_progress *p, const void *data,
    size_t len)
{
	const char *s = data, *nl;
	size_t take;

	while (len > 0 && !p->failed) {
		nl = memchr(s, '\n', len);
		take = nl != NULL ? (size_t)(nl - s) : len;
		if (!p->overlong && take <= sizeof(p->line) - p->len) {
			memcpy(p->line + p->len, s, take);
			p->len += take;
		} else {
			p->overlong = 1;
		}
		if (nl == NULL)
			break;
		progress_line(p);
		p->len = 0;
		p->overlong = 0;
		s = nl + 1;
		len -= take + 1;
	}
	return p->failed ? -1 : 0;
}

int
engine_api_progress_finish(struct engine_api_progress *p, struct errbuf *err)
{
	if (!p->failed && (p->len > 0 || p->overlong))
		progress_line(p);
	p->len = 0;
	p->overlong = 0;
	if (p->failed) {
		errbuf_set(err, "engine reported: %s", p->error);
		return ENGINE_ERR;
	}
	return ENGINE_OK;
}

/* ---- the container create body */

static void
put_str(struct json_writer *w, const char *key, const char *val)
{
	json_write_key(w, key);
	json_write_string(w, val);
}

/* Index of the first mapping with the same container port as ports[i]. */
static size_t
first_with_container(const struct launch_plan *l, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (l->ports[j].container == l->ports[i].container)
			return j;
	return i;
}

static void
put_port_key(struct json_writer *w, uint16_t container)
{
	char key[16];

	fmt_snprintf(key, sizeof(key), "%u/tcp", (unsigned)container);
	json_write_key(w, key);
}

/* ExposedPorts and PortBindings: one key per container port (JSON has no
 * duplicate keys), its host ports in the order given — as compose does. */
static void
put_exposed(struct json_writer *w, const struct launch_plan *l)
{
	size_t i;

	json_write_key(w, "ExposedPorts");
	json_write_object_begin(w);
	for (i = 0; i < l->nports; i++) {
		if (first_with_container(l, i) != i)
			continue;
		put_port_key(w, l->ports[i].container);
		json_write_object_begin(w);
		json_write_object_end(w);
	}
	json_write_object_end(w);
}

static void
put_bindings(struct json_writer *w, const struct launch_plan *l)
{
	char port[8];
	size_t i, j;

	json_write_key(w, "PortBindings");
	json_write_object_begin(w);
	for (i = 0; i < l->nports; i++) {
		if (first_with_container(l, i) != i)
			continue;
		put_port_key(w, l->ports[i].container);
		json_write_array_begin(w);
		for (j = i; j < l->nports; j++) {
			if (l->ports[j].container != l->ports[i].container)
				continue;
			fmt_snprintf(port, sizeof(port), "%u", (unsigned)l->ports[j].host);
			json_write_object_begin(w);
			put_str(w, "HostIp", "");
			put_str(w, "HostPort", port);
			json_write_object_end(w);
		}
		json_write_array_end(w);
	}
	json_write_object_end(w);
}

/* Writes "<a><b><c>" as one string.  launch_plan_check bounds every
 * part, so buf always fits; if it ever did not, the body fails (sticky
 * overflow) rather than carry a cut path. */
static void
put_joined(struct json_writer *w, char *buf, size_t cap, const char *a,
    const char *b, const char *c)
{
	int n = fmt_snprintf(buf, cap, "%s%s%s", a, b, c);

	if (n < 0 || (size_t)n >= cap)
		w->overflow = 1;
	else
		json_write_string_n(w, buf, (size_t)n);
}

/* A "src:dst:mode" bind. */
static void
put_bind(struct json_writer *w, char *buf, size_t cap, const char *src,
    const char *dst, const char *mode)
{
	char tail[LAUNCH_PATH_MAX + 8];
	int n = fmt_snprintf(tail, sizeof(tail), ":%s:%s", dst, mode);

	if (n < 0 || (size_t)n >= sizeof(tail))
		w->overflow = 1;
	else
		put_joined(w, buf, cap, src, tail, "");
}

static void
put_host_config(struct json_writer *w, const struct launch_plan *l,
    char *scratch, size_t cap)
{
	json_write_key(w, "HostConfig");
	json_write_object_begin(w);
	json_write_key(w, "Binds");
	json_write_array_begin(w);
	put_bind(w, scratch, cap, "/tapp", "/tapp", "ro");
	put_bind(w, scratch, cap, LAUNCH_VOLUME_SHARED, NAMES_SHARED_DIR, "rw");
	put_bind(w, scratch, cap, LAUNCH_VOLUME_DATA, "/data", "rw");
	if (l->platform == LAUNCH_TEE)
		put_bind(w, scratch, cap, l->dstack_socket, l->dstack_socket, "rw");
	json_write_array_end(w);
	put_bindings(w, l);
	json_write_key(w, "RestartPolicy");
	json_write_object_begin(w);
	put_str(w, "Name", "on-failure");
	json_write_key(w, "MaximumRetryCount");
	json_write_int(w, 0);
	json_write_object_end(w);
	json_write_key(w, "SecurityOpt");
	json_write_array_begin(w);
	json_write_string(w, "no-new-privileges:true");
	json_write_array_end(w);
	put_str(w, "NetworkMode", ENGINE_NETWORK);
	json_write_object_end(w);
}

static void
put_labels(struct json_writer *w, const struct launch_plan *l)
{
	json_write_key(w, "Labels");
	json_write_object_begin(w);
	put_str(w, "com.docker.compose.container-number", "1");
	put_str(w, "com.docker.compose.oneoff", "False");
	put_str(w, "com.docker.compose.project", ENGINE_PROJECT);
	put_str(w, "com.docker.compose.service", ENGINE_SERVICE);
	if (l->spec_id != NULL)
		put_str(w, LAUNCH_LABEL_SPEC, l->spec_id);
	json_write_object_end(w);
}

static void
put_networking(struct json_writer *w)
{
	json_write_key(w, "NetworkingConfig");
	json_write_object_begin(w);
	json_write_key(w, "EndpointsConfig");
	json_write_object_begin(w);
	json_write_key(w, ENGINE_NETWORK);
	json_write_object_begin(w);
	json_write_key(w, "Aliases");
	json_write_array_begin(w);
	json_write_string(w, ENGINE_SERVICE);
	json_write_array_end(w);
	json_write_object_end(w);
	json_write_object_end(w);
	json_write_object_end(w);
}

/* Env holds only DSTACK_ENDPOINT (TEE); the image's own Env is kept by the
 * engine, as with compose. */
static void
put_env(struct json_writer *w, const struct launch_plan *l, char *scratch,
    size_t cap)
{
	if (l->platform != LAUNCH_TEE)
		return;
	json_write_key(w, "Env");
	json_write_array_begin(w);
	put_joined(w, scratch, cap, "DSTACK_ENDPOINT=", l->dstack_socket, "");
	json_write_array_end(w);
}

int
engine_api_create_body(const struct launch_plan *l, char *out, size_t cap,
    size_t *len, struct errbuf *err)
{
	/* Two paths of LAUNCH_PATH_MAX and the mode fit. */
	char scratch[2 * LAUNCH_PATH_MAX + 16];
	struct json_writer w;

	*len = 0;
	if (launch_plan_check(l, err) != LAUNCH_OK)
		return ENGINE_ERR;
	if (launch_plan_image_ref(l, scratch) != LAUNCH_OK) {
		errbuf_set(err, "launch: image name too long");
		return ENGINE_ERR;
	}
	json_writer_init(&w, out, cap);
	json_write_object_begin(&w);
	put_str(&w, "Image", scratch);
	json_write_key(&w, "Cmd");
	json_write_array_begin(&w);
	json_write_string(&w, LAUNCH_NODE_BINARY);
	json_write_string(&w, LAUNCH_NODE_SUBCOMMAND);
	json_write_string(&w, l->config_path);
	json_write_array_end(&w);
	put_env(&w, l, scratch, sizeof(scratch));
	put_exposed(&w, l);
	put_labels(&w, l);
	put_host_config(&w, l, scratch, sizeof(scratch));
	put_networking(&w);
	json_write_object_end(&w);
	if (json_writer_finish(&w, err) != 0) {
		errbuf_wrap(err, "launch: container create body");
		return ENGINE_ERR;
	}
	*len = w.len;
	return ENGINE_OK;
}

int
engine_api_spec_id(const struct launch_plan *l, char out[LAUNCH_SPEC_HEX + 1],
    struct errbuf *err)
{
	struct launch_plan bare = *l;
	br_sha256_context h;
	struct digest d;
	char *body;
	size_t len;
	int rc;

	body = malloc(ENGINE_API_REQUEST_MAX);
	if (body == NULL) {
		errbuf_set(err, "launch: out of memory");
		return ENGINE_ERR;
	}
	bare.spec_id = NULL;
	rc = engine_api_create_body(&bare, body, ENGINE_API_REQUEST_MAX, &len, err);
	if (rc == ENGINE_OK) {
		br_sha256_init(&h);
		br_sha256_update(&h, body, len);
		br_sha256_out(&h, d.b);
		digest_hex(&d, out);
	}
	free(body);
	return rc;
}

/* ---- requests */

/* What one request needs besides the method and path. */
struct call {
	const char *query;    /* without '?', already encoded; NULL: none */
	const char *body;     /* JSON; NULL: no body */
	size_t body_len;
	int timeout_ms;
	struct engine_api_progress *stream; /* the answer is a progress stream */
};

static int
stream_sink(void *ctx, const void *data, size_t len)
{
	return engine_api_progress_feed(ctx, data, len);
}

/* The engine's "message" from the last answer, or the answer itself. */
static void
answer_excerpt(struct engine_api *a, const struct call *c, char *out, size_t cap)
{
	struct json_value v;
	struct errbuf jerr;
	const char *msg;

	if (c->stream != NULL) {
		/* The answer's last line has no newline: read it first. */
		(void)engine_api_progress_finish(c->stream, &jerr);
		fmt_snprintf(out, cap, "%s", c->stream->message);
		return;
	}
	a->arena.used = 0;
	if (json_parse(a->body, a->body_len, &a->arena, &v, &jerr) == 0 &&
	    (msg = json_get_string(&v, "message")) != NULL)
		engine_excerpt(msg, strlen(msg), out, cap);
	else
		engine_excerpt(a->body, a->body_len, out, cap);
}

static int
status_error(struct engine_api *a, const char *method, const char *path,
    const struct call *c, int status, struct errbuf *err)
{
	char said[ENGINE_EXCERPT + 8];

	answer_excerpt(a, c, said, sizeof(said));
	errbuf_set(err, "engine API %s %s: HTTP %d%s%s", method, path, status,
	    said[0] ? ": " : "", said);
	return ENGINE_ERR;
}

/* One request; the answer lands in a->body (or the stream).  Returns
 * ENGINE_OK with *status once a whole answer was read, whatever its status. */
static int
exchange(struct engine_api *a, const char *method, const char *url,
    const struct call *c, int *status, struct errbuf *err)
{
	struct http_field json[1] = { { "Content-Type", "application/json" } };
	struct http_request rq;
	struct http_response rs;
	enum http_err e;

	memset(&rq, 0, sizeof(rq));
	rq.method = method;
	rq.url = url;
	rq.unix_path = a->socket_path;
	rq.timeout_ms = (unsigned)c->timeout_ms;
	rq.no_redirects = 1;
	if (c->body != NULL) {
		rq.fields = json;
		rq.num_fields = 1;
		rq.body = c->body;
		rq.body_len = c->body_len;
	}
	if (c->stream != NULL) {
		rq.sink = stream_sink;
		rq.sink_ctx = c->stream;
		rq.body_cap = ENGINE_API_STREAM_MAX;
	} else {
		rq.body_buf = a->body;
		rq.body_cap = ENGINE_API_BODY_MAX;
	}
	e = http_do(&a->http, &rq, &rs, err);
	a->body_len = c->stream == NULL ? (size_t)rs.body_len : 0;
	a->body[a->body_len] = '\0';
	*status = rs.status;
	if (e == HTTP_ERR_ABORTED && c->stream != NULL && c->stream->failed)
		return engine_api_progress_finish(c->stream, err);
	if (e != HTTP_OK) {
		errbuf_wrap(err, "engine API (%s)", a->socket_path);
		return ENGINE_ERR;
	}
	return ENGINE_OK;
}

/* GET /version (unversioned, as the API asks) once per run. */
static int
negotiate(struct engine_api *a, struct errbuf *err)
{
	struct call c = { NULL, NULL, 0, 0, NULL };
	struct json_value v;
	char url[64], ver[16];
	int status;

	if (a->minor != 0)
		return ENGINE_OK;
	c.timeout_ms = a->timeouts.request_ms;
	fmt_snprintf(url, sizeof(url), "http://" ENGINE_API_HOST "/version");
	if (exchange(a, "GET", url, &c, &status, err) != ENGINE_OK)
		return ENGINE_ERR;
	if (status != 200)
		return status_error(a, "GET", "/version", &c, status, err);
	a->arena.used = 0;
	if (json_parse(a->body, a->body_len, &a->arena, &v, err) != 0) {
		errbuf_wrap(err, "engine API GET /version");
		return ENGINE_ERR;
	}
	if (engine_api_version_pick(json_get_string(&v, "ApiVersion"),
	    json_get_string(&v, "MinAPIVersion"), &a->minor, err) != ENGINE_OK)
		return ENGINE_ERR;
	fmt_snprintf(ver, sizeof(ver), "1.%d", a->minor);
	log_event(LOG_INFO, "engine API", { "socket", a->socket_path }, { "version", ver });
	return ENGINE_OK;
}

/* method /v1.NN<path>[?query]; *status is the answer's. */
static int
call(struct engine_api *a, const char *method, const char *path,
    const struct call *c, int *status, struct errbuf *err)
{
	int n;

	if (negotiate(a, err) != ENGINE_OK)
		return ENGINE_ERR;
	n = fmt_snprintf(a->url, sizeof(a->url), "http://" ENGINE_API_HOST "/v1.%d%s%s%s",
	    a->minor, path, c->query != NULL ? "?" : "", c->query != NULL ? c->query : "");
	if (n < 0 || (size_t)n >= sizeof(a->url)) {
		errbuf_set(err, "engine API %s %s: URL longer than %d bytes", method, path,
		    ENGINE_API_URL_MAX - 1);
		return ENGINE_ERR;
	}
	return exchange(a, method, a->url, c, status, err);
}

/* A request that must answer one of the statuses in ok[] (0-terminated). */
static int
expect(struct engine_api *a, const char *method, const char *path,
    const struct call *c, const int *ok, int *status, struct errbuf *err)
{
	if (call(a, method, path, c, status, err) != ENGINE_OK)
		return ENGINE_ERR;
	for (; *ok != 0; ok++)
		if (*ok == *status)
			return ENGINE_OK;
	return status_error(a, method, path, c, *status, err);
}

/* ---- operations */

/* An image reference as the launcher makes them: name@sha256:<64 hex>,
 * the name of reference-grammar characters.  Anything else never reaches a
 * URL. */
static int
ref_ok(const char *ref, const char **at, struct errbuf *err)
{
	size_t i, n = ref != NULL ? strlen(ref) : 0;
	const char *d;

	*at = ref != NULL ? strchr(ref, '@') : NULL;
	if (*at == NULL || *at == ref || (size_t)(*at - ref) > LAUNCH_IMAGE_NAME_MAX ||
	    ref[0] == '-' || n != (size_t)(*at - ref) + 1 + 7 + 64 ||
	    strncmp(*at + 1, "sha256:", 7) != 0)
		goto bad;
	for (i = 0; ref + i < *at; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:",
		    ref[i]) == NULL)
			goto bad;
	for (d = *at + 8; *d != '\0'; d++)
		if (strchr("0123456789abcdef", *d) == NULL)
			goto bad;
	return 1;
bad:
	errbuf_set(err, "engine: image reference must be <name>@sha256:<64 hex>");
	return 0;
}

/* Percent-encodes s[0..n) (all but RFC 3986 unreserved) at out; 0 if no room. */
static size_t
pct(const char *s, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (o + 4 > cap)
			return 0;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
			out[o++] = (char)ch;
		} else {
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
	return o;
}

static int
api_pull(void *ctx, const char *ref, struct errbuf *err)
{
	static const int ok[] = { 200, 0 };
	struct engine_api *a = ctx;
	struct call c = { NULL, NULL, 0, 0, NULL };
	char query[3 * LAUNCH_IMAGE_NAME_MAX + 128];
	const char *at;
	size_t n;
	int status;

	if (!ref_ok(ref, &at, err))
		return ENGINE_ERR;
	/* pct() ends the string; ref_ok() bounds the name, so it fits. */
	memcpy(query, "fromImage=", 10); /* NOLINT(bugprone-not-null-terminated-result) */
	n = pct(ref, (size_t)(at - ref), query + 10, sizeof(query) - 10);
	memcpy(query + 10 + n, "&tag=", 5); /* NOLINT(bugprone-not-null-terminated-result) */
	pct(at + 1, strlen(at + 1), query + 15 + n, sizeof(query) - 15 - n);
	engine_api_progress_init(&a->progress, &a->arena);
	c.query = query;
	c.timeout_ms = a->timeouts.pull_ms;
	c.stream = &a->progress;
	if (expect(a, "POST", "/images/create", &c, ok, &status, err) == ENGINE_OK &&
	    engine_api_progress_finish(&a->progress, err) == ENGINE_OK)
		return ENGINE_OK;
	if (a->progress.failed)
		errbuf_wrap(err, "engine API POST /images/create %s", ref);
	return ENGINE_ERR;
}

/* GET /images/<ref>/json into *v; ref is name@sha256:<hex> or, when
 * bare_id, sha256:<hex>.  *found 0 on a 404 when allowed (found != NULL). */
static int
image_get(struct engine_api *a, const char *ref, int *found, struct json_value *v,
    char *path, size_t pcap, struct errbuf *err)
{
	static const int ok_only[] = { 200, 0 }, ok_or_absent[] = { 200, 404, 0 };
	struct call c = { NULL, NULL, 0, 0, NULL };
	const char *at;
	int status;

	if (strncmp(ref, "sha256:", 7) == 0 && found != NULL) {
		/* an image ID: the digest part of a reference, checked alike */
		fmt_snprintf(path, pcap, "x@%s", ref);
		if (!ref_ok(path, &at, err))
			return ENGINE_ERR;
	} else if (!ref_ok(ref, &at, err))
		return ENGINE_ERR;
	fmt_snprintf(path, pcap, "/images/%s/json", ref);
	c.timeout_ms = a->timeouts.request_ms;
	if (expect(a, "GET", path, &c, found != NULL ? ok_or_absent : ok_only, &status,
	    err) != ENGINE_OK)
		return ENGINE_ERR;
	if (found != NULL && !(*found = status == 200))
		return ENGINE_OK;
	a->arena.used = 0;
	if (json_parse(a->body, a->body_len, &a->arena, v, err) != 0) {
		errbuf_wrap(err, "engine API GET %s", path);
		return ENGINE_ERR;
	}
	return ENGINE_OK;
}

/* The printable string "Id" of an image answer into id[0..cap). */
static int
image_id_copy(const struct json_value *v, const char *path, char *id, size_t cap,
    struct errbuf *err)
{
	const char *got = json_get_string(v, "Id");
	size_t n = got != NULL ? strlen(got) : 0, i;

	for (i = 0; i < n; i++)
		if ((unsigned char)got[i] <= ' ' || got[i] == 0x7f)
			break;
	if (n == 0 || i < n || n >= cap) {
		errbuf_set(err, "engine API GET %s: expected a string \"Id\" of 1 to %zu "
		    "printable bytes", path, cap > 0 ? cap - 1 : 0);
		return ENGINE_ERR;
	}
	memcpy(id, got, n + 1);
	return ENGINE_OK;
}

static int
api_inspect_id(void *ctx, const char *ref, char *id, size_t cap,
    struct errbuf *err)
{
	char path[LAUNCH_IMAGE_NAME_MAX + 96];
	struct json_value v;

	if (cap > 0)
		id[0] = '\0';
	if (image_get(ctx, ref, NULL, &v, path, sizeof(path), err) != ENGINE_OK)
		return ENGINE_ERR;
	return image_id_copy(&v, path, id, cap, err);
}

int
engine_api_image_find(struct engine_api *a, const char *ref, const char *repo,
    int *found, char id[ENGINE_ID_MAX], char repo_digest[ENGINE_DIGEST_SIZE],
    struct errbuf *err)
{
	char path[LAUNCH_IMAGE_NAME_MAX + 96];
	const struct json_value *rd;
	struct json_value v;
	struct errbuf none;
	size_t i, n = strlen(repo);

	id[0] = repo_digest[0] = '\0';
	if (image_get(a, ref, found, &v, path, sizeof(path), err) != ENGINE_OK)
		return ENGINE_ERR;
	if (!*found)
		return ENGINE_OK;
	if (image_id_copy(&v, path, id, ENGINE_ID_MAX, err) != ENGINE_OK)
		return ENGINE_ERR;
	rd = json_get_array(&v, "RepoDigests");
	for (i = 0; rd != NULL && i < rd->u.arr.n; i++) {
		const char *s = json_string(&rd->u.arr.items[i]);
		const char *at;

		/* <repo>@sha256:<64 hex>, checked as a reference before use */
		if (s != NULL && strncmp(s, repo, n) == 0 && s[n] == '@' &&
		    strlen(s + n + 1) == ENGINE_DIGEST_SIZE - 1 &&
		    ref_ok(s, &at, &none)) {
			memcpy(repo_digest, s + n + 1, ENGINE_DIGEST_SIZE);
			break;
		}
	}
	return ENGINE_OK;
}

int
engine_api_store_is_containerd(struct engine_api *a, int *yes, struct errbuf *err)
{
	static const int ok[] = { 200, 0 };
	struct call c = { NULL, NULL, 0, 0, NULL };
	const struct json_value *ds;
	struct json_value v;
	size_t i;
	int status;

	*yes = 0;
	c.timeout_ms = a->timeouts.request_ms;
	if (expect(a, "GET", "/info", &c, ok, &status, err) != ENGINE_OK)
		return ENGINE_ERR;
	a->arena.used = 0;
	if (json_parse(a->body, a->body_len, &a->arena, &v, err) != 0) {
		errbuf_wrap(err, "engine API GET /info");
		return ENGINE_ERR;
	}
	/* [["driver-type", "io.containerd.snapshotter.v1"]] on that store */
	ds = json_get_array(&v, "DriverStatus");
	for (i = 0; ds != NULL && i < ds->u.arr.n; i++) {
		const struct json_value *p = &ds->u.arr.items[i];
		const char *k, *val;

		if (p->type != JSON_ARRAY || p->u.arr.n != 2)
			continue;
		k = json_string(&p->u.arr.items[0]);
		val = json_string(&p->u.arr.items[1]);
		if (k != NULL && val != NULL && strcmp(k, "driver-type") == 0 &&
		    strcmp(val, "io.containerd.snapshotter.v1") == 0)
			*yes = 1;
	}
	return ENGINE_OK;
}

static int
name_ok(const char *name, struct errbuf *err)
{
	size_t n = name != NULL ? strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") : 0;

	if (n == 0 || name[n] != '\0' || name[0] == '-' || name[0] == '.' || n > 128) {
		errbuf_set(err, "engine: container name must be 1 to 128 of [A-Za-z0-9_.-], "
		    "not starting with '-' or '.'");
		return 0;
	}
	return 1;
}

/* Stop (the node's graceful shutdown), then delete; "not there" is done. */
static int
api_remove(void *ctx, const char *name, struct errbuf *err)
{
	static const int stop_ok[] = { 204, 304, 404, 0 };
	static const int del_ok[] = { 204, 404, 0 };
	struct engine_api *a = ctx;
	struct call c = { NULL, NULL, 0, 0, NULL };
	char path[192];
	struct errbuf stop_err;
	int status;

	if (!name_ok(name, err))
		return ENGINE_ERR;
	fmt_snprintf(path, sizeof(path), "/containers/%s/stop", name);
	c.timeout_ms = a->timeouts.stop_ms;
	if (expect(a, "POST", path, &c, stop_ok, &status, &stop_err) != ENGINE_OK)
		log_event(LOG_WARN, "stop failed; deleting with force", { "detail", stop_err.msg });
	else if (status == 404)
		return ENGINE_OK;
	fmt_snprintf(path, sizeof(path), "/containers/%s", name);
	c.query = "force=1";
	c.timeout_ms = a->timeouts.request_ms;
	return expect(a, "DELETE", path, &c, del_ok, &status, err);
}

/* ---- the containers around the node */

/* Every id the launcher sends in a path: 64 lowercase hex digits. */
static int
id_ok(const char *id, struct errbuf *err)
{
	if (id == NULL || strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64) {
		errbuf_set(err, "engine: container id must be 64 lowercase hex digits");
		return 0;
	}
	return 1;
}

/* A bind of the engine socket marks a launcher (ours or a second one): it
 * can drive the engine anyway, so it is not the node the model fears. */
static int
mounts_engine(const struct engine_api *a, const struct json_value *c)
{
	const struct json_value *m = json_get_array(c, "Mounts");
	size_t i;

	for (i = 0; m != NULL && i < m->u.arr.n; i++) {
		const char *src = json_get_string(&m->u.arr.items[i], "Source");
		const char *dst = json_get_string(&m->u.arr.items[i], "Destination");

		if ((src != NULL && strcmp(src, a->socket_path) == 0) ||
		    (dst != NULL && strcmp(dst, a->socket_path) == 0))
			return 1;
	}
	return 0;
}

static void
copy_bounded(char *out, size_t cap, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n >= cap)
		n = 0; /* too long to be ours: compare as absent */
	memcpy(out, s != NULL ? s : "", n);
	out[n] = '\0';
}

/* Adds one /containers/json entry to the list unless it is there already. */
static int
note_container(const struct engine_api *a, const struct json_value *c,
    struct engine_node_containers *list, struct errbuf *err)
{
	const struct json_value *names = json_get_array(c, "Names");
	const struct json_value *labels = json_get_object(c, "Labels");
	const char *id = json_get_string(c, "Id"), *state = json_get_string(c, "State");
	const char *name = names != NULL && names->u.arr.n > 0 ?
	    json_string(&names->u.arr.items[0]) : NULL;
	struct engine_node_container *e;
	size_t i;

	if (!id_ok(id, err) || state == NULL) {
		errbuf_wrap(err, "engine API GET /containers/json: entry without an Id or State");
		return ENGINE_ERR;
	}
	for (i = 0; i < list->n; i++)
		if (strcmp(list->c[i].id, id) == 0)
			return ENGINE_OK;
	if (list->n == ENGINE_NODE_CONTAINERS_MAX) {
		errbuf_set(err, "engine: more than %d containers are named mpc-node, belong to "
		    "its project or mount %s", ENGINE_NODE_CONTAINERS_MAX, LAUNCH_VOLUME_SHARED);
		return ENGINE_ERR;
	}
	e = &list->c[list->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->id, id, 65);
	if (name != NULL && name[0] == '/')
		name++;
	copy_bounded(e->name, sizeof(e->name), name);
	copy_bounded(e->spec, sizeof(e->spec),
	    labels != NULL ? json_get_string(labels, LAUNCH_LABEL_SPEC) : NULL);
	e->running = strcmp(state, "exited") != 0 && strcmp(state, "created") != 0 &&
	    strcmp(state, "dead") != 0;
	e->launcher = mounts_engine(a, c);
	return ENGINE_OK;
}

/* One GET /containers/json?all=1&filters=<filter>, merged into list. */
static int
list_filtered(struct engine_api *a, const char *filter,
    struct engine_node_containers *list, struct errbuf *err)
{
	static const int ok[] = { 200, 0 };
	struct call c = { NULL, NULL, 0, 0, NULL };
	char query[256];
	struct json_value v;
	size_t i, n;
	int status;

	memcpy(query, "all=1&filters=", 15);
	n = pct(filter, strlen(filter), query + 14, sizeof(query) - 14);
	if (n == 0)
		return ENGINE_ERR;
	c.query = query;
	c.timeout_ms = a->timeouts.request_ms;
	if (expect(a, "GET", "/containers/json", &c, ok, &status, err) != ENGINE_OK)
		return ENGINE_ERR;
	a->arena.used = 0;
	if (json_parse(a->body, a->body_len, &a->arena, &v, err) != 0) {
		errbuf_wrap(err, "engine API GET /containers/json: not a JSON array");
		return ENGINE_ERR;
	}
	/* Parsed: err holds nothing of this answer, so set, not wrap. */
	if (v.type != JSON_ARRAY) {
		errbuf_set(err, "engine API GET /containers/json: not a JSON array");
		return ENGINE_ERR;
	}
	for (i = 0; i < v.u.arr.n; i++)
		if (note_container(a, &v.u.arr.items[i], list, err) != ENGINE_OK)
			return ENGINE_ERR;
	return ENGINE_OK;
}

int
engine_api_node_containers(struct engine_api *a, struct engine_node_containers *list,
    struct errbuf *err)
{
	/* Filters of different kinds are ANDed by the engine: one query each. */
	static const char *const filters[] = {
		"{\"name\":[\"^/?" ENGINE_CONTAINER "$\"]}",
		"{\"label\":[\"com.docker.compose.project=" ENGINE_PROJECT "\"]}",
		"{\"volume\":[\"" LAUNCH_VOLUME_SHARED "\"]}",
	};
	size_t i;

	list->n = 0;
	for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
		if (list_filtered(a, filters[i], list, err) != ENGINE_OK)
			return ENGINE_ERR;
	return ENGINE_OK;
}

/* POST /containers/<id><what>[?query] answering one of ok[]. */
static int
container_post(struct engine_api *a, const char *id, const char *what,
    const char *query, const char *body, const int *ok, int timeout_ms,
    struct errbuf *err)
{
	struct call c = { NULL, NULL, 0, 0, NULL };
	char path[128];
	int status;

	if (!id_ok(id, err))
		return ENGINE_ERR;
	fmt_snprintf(path, sizeof(path), "/containers/%s%s", id, what);
	c.query = query;
	c.body = body;
	c.body_len = body != NULL ? strlen(body) : 0;
	c.timeout_ms = timeout_ms;
	return expect(a, "POST", path, &c, ok, &status, err);
}

int
engine_api_container_stop(struct engine_api *a, const char *id, struct errbuf *err)
{
	static const int stop_ok[] = { 204, 304, 404, 0 };
	static const int wait_ok[] = { 200, 404, 0 };

	/* stop returns once the container is gone or killed; wait confirms
	 * it is not running (a restart policy could have raced us). */
	if (container_post(a, id, "/stop", NULL, NULL, stop_ok, a->timeouts.stop_ms,
	    err) != ENGINE_OK)
		return ENGINE_ERR;
	return container_post(a, id, "/wait", "condition=not-running", NULL, wait_ok,
	    a->timeouts.stop_ms, err);
}

int
engine_api_container_no_restart(struct engine_api *a, const char *id,
    struct errbuf *err)
{
	static const int ok[] = { 200, 0 };

	return container_post(a, id, "/update", NULL, "{\"RestartPolicy\":{\"Name\":\"no\"}}",
	    ok, a->timeouts.request_ms, err);
}

int
engine_api_container_rename(struct engine_api *a, const char *id,
    const char *name, struct errbuf *err)
{
	static const int ok[] = { 204, 0 };
	char query[160];

	if (!name_ok(name, err))
		return ENGINE_ERR;
	fmt_snprintf(query, sizeof(query), "name=%s", name);
	return container_post(a, id, "/rename", query, NULL, ok, a->timeouts.request_ms,
	    err);
}

int
engine_api_container_start(struct engine_api *a, const char *id, struct errbuf *err)
{
	static const int ok[] = { 204, 304, 0 };

	return container_post(a, id, "/start", NULL, NULL, ok, a->timeouts.request_ms, err);
}

int
engine_api_container_remove(struct engine_api *a, const char *name,
    struct errbuf *err)
{
	return api_remove(a, name, err);
}

/* GET path; 404 → POST create with the body in a->req. */
static int
ensure(struct engine_api *a, const char *path, const char *create, size_t len,
    struct errbuf *err)
{
	static const int get_ok[] = { 200, 404, 0 };
	static const int create_ok[] = { 201, 0 };
	struct call c = { NULL, NULL, 0, 0, NULL };
	int status;

	c.timeout_ms = a->timeouts.request_ms;
	if (expect(a, "GET", path, &c, get_ok, &status, err) != ENGINE_OK)
		return ENGINE_ERR;
	if (status == 200)
		return ENGINE_OK;
	c.body = a->req;
	c.body_len = len;
	return expect(a, "POST", create, &c, create_ok, &status, err);
}

/* Compose's labels on what it creates for the project, so compose (v1 or
 * v2) later accepts the network and volumes as its own. */
static void
put_project_labels(struct json_writer *w, const char *kind, const char *name)
{
	char label[64];

	json_write_key(w, "Labels");
	json_write_object_begin(w);
	fmt_snprintf(label, sizeof(label), "com.docker.compose.%s", kind);
	put_str(w, label, name);
	put_str(w, "com.docker.compose.project", ENGINE_PROJECT);
	json_write_object_end(w);
}

static int
ensure_volume(struct engine_api *a, const char *name, struct errbuf *err)
{
	struct json_writer w;
	char path[64];

	json_writer_init(&w, a->req, sizeof(a->req));
	json_write_object_begin(&w);
	put_str(&w, "Name", name);
	put_project_labels(&w, "volume", name);
	json_write_object_end(&w);
	if (json_writer_finish(&w, err) != 0)
		return ENGINE_ERR;
	fmt_snprintf(path, sizeof(path), "/volumes/%s", name);
	return ensure(a, path, "/volumes/create", w.len, err);
}

/* Compose's default network: a bridge the node's ports are published from. */
static int
ensure_network(struct engine_api *a, struct errbuf *err)
{
	struct json_writer w;

	json_writer_init(&w, a->req, sizeof(a->req));
	json_write_object_begin(&w);
	put_str(&w, "Name", ENGINE_NETWORK);
	json_write_key(&w, "CheckDuplicate");
	json_write_bool(&w, 1);
	put_str(&w, "Driver", "bridge");
	json_write_key(&w, "Attachable");
	json_write_bool(&w, 1);
	put_project_labels(&w, "network", "default");
	json_write_object_end(&w);
	if (json_writer_finish(&w, err) != 0)
		return ENGINE_ERR;
	return ensure(a, "/networks/" ENGINE_NETWORK, "/networks/create", w.len, err);
}

static int
create_and_start(struct engine_api *a, size_t len, struct errbuf *err)
{
	static const int create_or_taken[] = { 201, 409, 0 }, create_ok[] = { 201, 0 };
	static const int start_ok[] = { 204, 304, 0 };
	struct call c = { NULL, NULL, 0, 0, NULL };
	struct json_value v;
	const char *id;
	int status, attempt;

	for (attempt = 1; ; attempt++) {
		memset(&c, 0, sizeof(c));
		c.query = "name=" ENGINE_CONTAINER;
		c.body = a->req;
		c.body_len = len;
		c.timeout_ms = a->timeouts.request_ms;
		if (expect(a, "POST", "/containers/create", &c,
		    attempt < ENGINE_API_CREATE_ATTEMPTS ? create_or_taken : create_ok,
		    &status, err) != ENGINE_OK)
			return ENGINE_ERR;
		if (status != 409)
			break;
		/* A launcher killed (or failed) while creating: the engine may
		 * finish its create after our removal, and until it has, the
		 * name is taken but there is nothing to remove yet. */
		if (attempt == 1)
			log_event(LOG_WARN, "a container named " ENGINE_CONTAINER
			    " appeared after the takeover; removing it");
		if (api_remove(a, ENGINE_CONTAINER, err) != ENGINE_OK)
			return ENGINE_ERR;
		clock_sleep_ms(ENGINE_API_CONFLICT_WAIT_MS);
	}
	a->arena.used = 0;
	id = json_parse(a->body, a->body_len, &a->arena, &v, err) == 0 ?
	    json_get_string(&v, "Id") : NULL;
	log_event(LOG_INFO, "container created", { "name", ENGINE_CONTAINER },
	    { "id", id != NULL ? id : "?" });
	memset(&c, 0, sizeof(c));
	c.timeout_ms = a->timeouts.request_ms;
	return expect(a, "POST", "/containers/" ENGINE_CONTAINER "/start", &c, start_ok,
	    &status, err);
}

static int
api_prepare(void *ctx, const struct launch_plan *l, struct errbuf *err)
{
	struct engine_api *a = ctx;
	size_t len;

	return engine_api_create_body(l, a->req, sizeof(a->req), &len, err);
}

static int
api_launch(void *ctx, const struct launch_plan *l, struct errbuf *err)
{
	struct engine_api *a = ctx;
	struct errbuf ignored;
	size_t len;

	/* The body first: a bad parameter fails before the engine is touched. */
	if (engine_api_create_body(l, a->req, sizeof(a->req), &len, err) != ENGINE_OK)
		return ENGINE_ERR;
	if (api_remove(a, ENGINE_CONTAINER, &ignored) != ENGINE_OK)
		log_event(LOG_INFO, "no previous mpc-node container removed",
		    { "detail", ignored.msg });
	if (ensure_network(a, err) != ENGINE_OK ||
	    ensure_volume(a, LAUNCH_VOLUME_SHARED, err) != ENGINE_OK ||
	    ensure_volume(a, LAUNCH_VOLUME_DATA, err) != ENGINE_OK ||
	    engine_api_create_body(l, a->req, sizeof(a->req), &len, err) != ENGINE_OK)
		return ENGINE_ERR;
	return create_and_start(a, len, err);
}

void
engine_api_bind(struct engine_api *a, struct engine *e)
{
	e->ctx = a;
	e->pull = api_pull;
	e->inspect_id = api_inspect_id;
	e->remove = api_remove;
	e->prepare = api_prepare;
	e->launch = api_launch;
}
