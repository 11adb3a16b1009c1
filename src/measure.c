#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "dstack.h"
#include "fmt.h"
#include "json.h"
#include "log.h"
#include "measure.h"

int
measure_cfg_init(struct measure_cfg *m, enum measure_method method,
    const char *dstack_socket, const char *rtmr3_file, const char *event_log_dir,
    char *pathbuf, size_t cap, struct errbuf *err)
{
	static const char *const names[3] = { "runtime_event.lock",
	    "runtime_event_version", "runtime_events.log" };
	size_t third = cap / 3, i;
	int n;

	memset(m, 0, sizeof(*m));
	m->method = method;
	m->dstack_socket = dstack_socket;
	m->timeout_ms = MEASURE_AGENT_TIMEOUT_MS;
	rtmr_native_cfg_default(&m->native);
	m->native.rtmr3_path = rtmr3_file;
	for (i = 0; i < 3; i++) {
		n = fmt_snprintf(pathbuf + i * third, third, "%s/%s", event_log_dir,
		    names[i]);
		if (n < 0 || (size_t)n >= third) {
			errbuf_set(err, "TEE_LAUNCHER_EVENT_LOG_DIR: longer than %zu bytes",
			    third - 1 - strlen(names[i]) - 1);
			return -1;
		}
	}
	m->native.lock_path = pathbuf;
	m->native.version_path = pathbuf + third;
	m->native.log_path = pathbuf + 2 * third;
	return 0;
}

/* One POST to the agent.  body_out receives up to DSTACK_RESPONSE_MAX. */
static enum http_err
agent_post(const struct measure_cfg *m, struct http_client *http,
    const char *path, const char *body, char *resp, struct http_response *rs,
    struct errbuf *err)
{
	struct http_field f[1] = { { "Content-Type", "application/json" } };
	struct http_request rq;
	char url[64];

	fmt_snprintf(url, sizeof(url), "http://" DSTACK_HOST "%s", path);
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = url;
	rq.unix_path = m->dstack_socket;
	rq.fields = f;
	rq.num_fields = 1;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.timeout_ms = m->timeout_ms;
	rq.no_redirects = 1;
	rq.body_buf = resp;
	rq.body_cap = DSTACK_RESPONSE_MAX;
	return http_do(http, &rq, rs, err);
}

/* Reads the agent's event log through GetQuote into o. */
static int
agent_scan(const struct measure_cfg *m, struct http_client *http, char *resp,
    struct rtmr_once *o, enum http_err *herr, struct errbuf *err)
{
	struct http_response rs;
	struct arena a;
	void *mem;
	int rc;

	*herr = agent_post(m, http, DSTACK_PATH_GET_QUOTE, dstack_get_quote_body(),
	    resp, &rs, err);
	if (*herr != HTTP_OK) {
		errbuf_wrap(err, "GetQuote failed");
		return -1;
	}
	if (rs.status < 200 || rs.status > 299) {
		errbuf_set(err, "GetQuote failed: HTTP %d", rs.status);
		return -1;
	}
	mem = malloc(JSON_ARENA_BOUND(rs.body_len));
	if (mem == NULL) {
		errbuf_set(err, "GetQuote: out of memory");
		return -1;
	}
	arena_init(&a, mem, JSON_ARENA_BOUND(rs.body_len));
	rc = dstack_quote_response_scan(resp, (size_t)rs.body_len, &a, o, err);
	free(mem);
	return rc == DSTACK_OK ? 0 : -1;
}

/* Emits once; any answer but 2xx is an error (never a reason to try the
 * native path: dstack 0.5 answers 400 for any failure, extended or not). */
static int
agent_emit(const struct measure_cfg *m, struct http_client *http,
    const struct digest *d, char *resp, struct errbuf *err)
{
	struct http_response rs;
	char body[DSTACK_BODY_MAX];
	size_t len;

	if (dstack_emit_event_body(d, body, sizeof(body), &len, err) != DSTACK_OK)
		return -1;
	if (agent_post(m, http, DSTACK_PATH_EMIT_EVENT, body, resp, &rs, err) != HTTP_OK) {
		errbuf_wrap(err, "EmitEvent failed while extending RTMR3 (not retried)");
		return -1;
	}
	if (rs.status < 200 || rs.status > 299) {
		errbuf_set(err, "EmitEvent failed while extending RTMR3: HTTP %d (not retried; "
		    "RTMR3 may or may not have been extended)", rs.status);
		return -1;
	}
	return 0;
}

/* 1: path is of that type; 0: it is absent or of another type; -1: stat
 * failed otherwise (EIO, EACCES: not the same as absent), errno set. */
static int
path_is(const char *path, mode_t type)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
	return (st.st_mode & S_IFMT) == type;
}

static int
via_native(const struct measure_cfg *m, const struct digest *d,
    enum measure_outcome *out, struct errbuf *err)
{
	struct rtmr_native_result res;

	if (rtmr_native_emit_once(&m->native, d, &res, err) != RTMR_OK)
		return -1;
	if (!res.register_read)
		log_event(LOG_WARN, "RTMR3 file does not read back as a register; "
		    "the event log alone decided", { "path", m->native.rtmr3_path });
	*out = res.seen == RTMR_SEEN_SAME ? MEASURE_ALREADY : MEASURE_EXTENDED;
	log_event(LOG_INFO, *out == MEASURE_ALREADY ?
	    "RTMR3 already holds this image digest, not extending again" :
	    "RTMR3 extended", { "method", "native" },
	    { "log_version", res.version == RTMR_V2 ? "2" : "1" });
	return 0;
}

static int
via_agent(const struct measure_cfg *m, struct http_client *http,
    const struct digest *d, enum measure_outcome *out, struct errbuf *err)
{
	struct rtmr_once once;
	enum rtmr_seen seen;
	enum http_err e;
	char *resp;
	int rc = -1;

	resp = malloc(DSTACK_RESPONSE_MAX);
	if (resp == NULL) {
		errbuf_set(err, "dstack agent response: out of memory");
		return -1;
	}
	rtmr_once_init(&once, d);
	if (agent_scan(m, http, resp, &once, &e, err) != 0 ||
	    rtmr_once_decide(&once, &seen, err) != RTMR_OK)
		goto out;
	if (seen == RTMR_SEEN_DIFFERENT) {
		errbuf_set(err, "the event log already holds a different mpc-image-digest; "
		    "refusing to emit a second one");
		goto out;
	}
	if (seen == RTMR_SEEN_SAME) {
		*out = MEASURE_ALREADY;
		log_event(LOG_INFO, "RTMR3 already holds this image digest, not extending again",
		    { "method", "dstack-api" });
		rc = 0;
		goto out;
	}
	if (agent_emit(m, http, d, resp, err) == 0) {
		*out = MEASURE_EXTENDED;
		log_event(LOG_INFO, "RTMR3 extended", { "method", "dstack-api" });
		rc = 0;
	}
out:
	free(resp);
	return rc;
}

const char *
measure_method_name(enum measure_method method)
{
	return method == MEASURE_NATIVE ? "native" :
	    method == MEASURE_DSTACK_API ? "dstack-api" : "auto";
}

int
measure_plan(struct measure_cfg *m, struct errbuf *err)
{
	int have_version = path_is(m->native.version_path, S_IFREG);
	int writable = access(m->native.rtmr3_path, W_OK) == 0;
	int have_socket;

	if (have_version < 0) {
		errbuf_set(err, "%s: stat: %s", m->native.version_path, strerror(errno));
		return -1;
	}
	m->version_present = have_version;
	m->rtmr3_writable = writable;

	if (m->method == MEASURE_AUTO)
		m->method = have_version && writable ? MEASURE_NATIVE : MEASURE_DSTACK_API;
	have_socket = path_is(m->dstack_socket, S_IFSOCK);
	if (have_socket < 0) {
		errbuf_set(err, "%s: stat: %s", m->dstack_socket, strerror(errno));
		return -1;
	}
	if (!have_socket) {
		errbuf_set(err, "no dstack agent socket at %s (TEE_LAUNCHER_DSTACK_SOCKET); "
		    "the node needs it for its quotes", m->dstack_socket);
		return -1;
	}
	if (m->method == MEASURE_NATIVE && !have_version) {
		errbuf_set(err, "%s: missing; dstack >= 0.6 writes it at boot and refuses "
		    "to emit events without it", m->native.version_path);
		return -1;
	}
	log_event(LOG_INFO, "RTMR3 method", { "method", measure_method_name(m->method) },
	    { "version_file", have_version ? "present" : "absent" },
	    { "rtmr3_writable", writable ? "yes" : "no" });
	return 0;
}

int
measure_image(const struct measure_cfg *m, struct http_client *http,
    const struct digest *d, enum measure_outcome *out, struct errbuf *err)
{
	if (m->method == MEASURE_NATIVE)
		return via_native(m, d, out, err);
	if (m->method == MEASURE_DSTACK_API)
		return via_agent(m, http, d, out, err);
	errbuf_set(err, "RTMR3 method not decided (measure_plan was not called)");
	return -1;
}
