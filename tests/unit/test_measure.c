/* measure: how auto is decided, and what must exist before measuring. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness.h"
#include "hex.h"
#include "measure.h"

struct box {
	char dir[64], sock[96], version[96], rtmr3[96];
	struct measure_cfg m;
	int lfd;
};

static int
put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return 0;
	fputs(s, f);
	return fclose(f) == 0;
}

/* An agent socket (bound, nobody answering: plan only looks at it). */
static int
box_make(struct box *b, int with_socket)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };

	memset(b, 0, sizeof(*b));
	b->lfd = -1;
	snprintf(b->dir, sizeof(b->dir), "/tmp/measure-test-XXXXXX");
	if (mkdtemp(b->dir) == NULL)
		return 0;
	snprintf(b->sock, sizeof(b->sock), "%s/dstack.sock", b->dir);
	snprintf(b->version, sizeof(b->version), "%s/runtime_event_version", b->dir);
	snprintf(b->rtmr3, sizeof(b->rtmr3), "%s/rtmr3", b->dir);
	if (with_socket) {
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", b->sock);
		b->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (b->lfd < 0 || bind(b->lfd, (struct sockaddr *)&sun, sizeof(sun)) != 0)
			return 0;
	}
	b->m.method = MEASURE_AUTO;
	b->m.dstack_socket = b->sock;
	rtmr_native_cfg_default(&b->m.native);
	b->m.native.version_path = b->version;
	b->m.native.rtmr3_path = b->rtmr3;
	return 1;
}

static void
box_remove(struct box *b)
{
	if (b->lfd >= 0)
		close(b->lfd);
	unlink(b->sock);
	unlink(b->version);
	chmod(b->rtmr3, 0600);
	unlink(b->rtmr3);
	rmdir(b->dir);
}

static void
auto_is_native_only_with_a_version_file_and_a_writable_rtmr3(struct th *t)
{
	struct box b;
	struct errbuf e;

	REQUIRE(t, box_make(&b, 1));
	/* neither: dstack 0.5, the agent */
	CHECK_INT(t, measure_plan(&b.m, &e), 0);
	CHECK_INT(t, b.m.method, MEASURE_DSTACK_API);
	CHECK_INT(t, b.m.version_present, 0);
	CHECK_INT(t, b.m.rtmr3_writable, 0);
	/* RTMR3 writable, no version file: still the agent */
	REQUIRE(t, put(b.rtmr3, ""));
	b.m.method = MEASURE_AUTO;
	CHECK_INT(t, measure_plan(&b.m, &e), 0);
	CHECK_INT(t, b.m.method, MEASURE_DSTACK_API);
	/* both: native */
	REQUIRE(t, put(b.version, "2\n"));
	b.m.method = MEASURE_AUTO;
	CHECK_INT(t, measure_plan(&b.m, &e), 0);
	CHECK_INT(t, b.m.method, MEASURE_NATIVE);
	/* the evidence is kept for `tee-launcher plan` */
	CHECK_INT(t, b.m.version_present, 1);
	CHECK_INT(t, b.m.rtmr3_writable, 1);
	/* a version file but RTMR3 missing: the agent (a kernel before 6.16) */
	unlink(b.rtmr3);
	b.m.method = MEASURE_AUTO;
	CHECK_INT(t, measure_plan(&b.m, &e), 0);
	CHECK_INT(t, b.m.method, MEASURE_DSTACK_API);
	box_remove(&b);
}

static void
no_agent_socket_fails_before_measuring(struct th *t)
{
	struct box b;
	struct errbuf e;

	REQUIRE(t, box_make(&b, 0));
	CHECK_INT(t, measure_plan(&b.m, &e), -1);
	CHECK(t, strstr(e.msg, "no dstack agent socket at ") == e.msg);
	/* a directory there (what an engine bind of a missing path makes) */
	REQUIRE(t, mkdir(b.sock, 0700) == 0);
	b.m.method = MEASURE_NATIVE;
	CHECK_INT(t, measure_plan(&b.m, &e), -1);
	CHECK(t, strstr(e.msg, "no dstack agent socket at ") == e.msg);
	rmdir(b.sock);
	box_remove(&b);
}

/* EIO, EACCES or a loop in the path: said as such, not as "missing". */
static void
a_failing_stat_is_not_taken_for_a_missing_file(struct th *t)
{
	struct box b;
	struct errbuf e;
	char loop[200], sock[320], version[320];

	REQUIRE(t, box_make(&b, 1));
	snprintf(loop, sizeof(loop), "%s/loop", b.dir);
	REQUIRE(t, symlink(loop, loop) == 0);
	snprintf(sock, sizeof(sock), "%s/dstack.sock", loop);
	snprintf(version, sizeof(version), "%s/runtime_event_version", loop);
	b.m.dstack_socket = sock;
	CHECK_INT(t, measure_plan(&b.m, &e), -1);
	CHECK(t, strstr(e.msg, "loop/dstack.sock: stat: ") != NULL);
	b.m.dstack_socket = b.sock;
	b.m.native.version_path = version;
	b.m.method = MEASURE_NATIVE;
	CHECK_INT(t, measure_plan(&b.m, &e), -1);
	CHECK(t, strstr(e.msg, "loop/runtime_event_version: stat: ") != NULL);
	/* a file where a directory should be (ENOTDIR) is plain absence */
	REQUIRE(t, put(b.rtmr3, ""));
	snprintf(version, sizeof(version), "%s/runtime_event_version", b.rtmr3);
	CHECK_INT(t, measure_plan(&b.m, &e), -1);
	CHECK(t, strstr(e.msg, "rtmr3/runtime_event_version: missing") != NULL);
	b.m.native.version_path = b.version;
	unlink(loop);
	box_remove(&b);
}

static void
native_without_a_version_file_is_refused(struct th *t)
{
	struct box b;
	struct errbuf e;

	REQUIRE(t, box_make(&b, 1));
	REQUIRE(t, put(b.rtmr3, ""));
	b.m.method = MEASURE_NATIVE;
	CHECK_INT(t, measure_plan(&b.m, &e), -1);
	CHECK(t, strstr(e.msg, "runtime_event_version: missing") != NULL);
	box_remove(&b);
}

static void
an_undecided_method_measures_nothing(struct th *t)
{
	struct measure_cfg m;
	struct digest d;
	enum measure_outcome out;
	struct errbuf e;

	memset(&m, 0, sizeof(m));
	memset(&d, 0, sizeof(d));
	m.method = MEASURE_AUTO;
	CHECK_INT(t, measure_image(&m, NULL, &d, &out, &e), -1);
	CHECK(t, strstr(e.msg, "not decided") != NULL);
}

/* ------------------------------------------------ the agent, scripted */

/* The http test transport in place of the agent's socket: one scripted
 * answer per request (NULL answer: the agent closes without answering,
 * refuse: the connect fails), every request's line and body kept. */
struct agent {
	const char *const *answers;
	size_t next, off;
	const char *cur;
	int refuse;
	int requests;
	char seen[4096]; /* request lines and bodies, '\n'-separated */
	size_t seen_len;
};

static int
a_open(void *ctx, const char *host, uint16_t port, int https)
{
	struct agent *a = ctx;

	(void)host, (void)port, (void)https;
	return a->refuse ? NET_ERR_CONNECT : NET_OK;
}

static void
a_keep(struct agent *a, const char *p, size_t n)
{
	if (n > sizeof(a->seen) - 2 - a->seen_len)
		n = sizeof(a->seen) - 2 - a->seen_len;
	memcpy(a->seen + a->seen_len, p, n);
	a->seen_len += n;
	a->seen[a->seen_len++] = '\n';
	a->seen[a->seen_len] = '\0';
}

/* http writes a request's head and its body in one call or in two. */
static int
a_write(void *ctx, const void *buf, size_t len)
{
	struct agent *a = ctx;
	const char *p = buf, *eol, *body;

	if (len > 5 && memcmp(p, "POST ", 5) == 0) {
		eol = memchr(p, '\r', len);
		a_keep(a, p, eol != NULL ? (size_t)(eol - p) : len);
		body = memmem(p, len, "\r\n\r\n", 4);
		if (body != NULL && body + 4 < p + len)
			a_keep(a, body + 4, len - (size_t)(body + 4 - p));
		a->requests++;
		a->cur = a->answers[a->next] != NULL ? a->answers[a->next] : "";
		if (a->answers[a->next] != NULL)
			a->next++;
		a->off = 0;
	} else {
		a_keep(a, p, len);
	}
	return NET_OK;
}

static int
a_read(void *ctx, void *buf, size_t cap, size_t *got)
{
	struct agent *a = ctx;
	size_t n = strlen(a->cur + a->off);

	*got = 0;
	if (n == 0)
		return NET_EOF;
	n = n > cap ? cap : n;
	memcpy(buf, a->cur + a->off, n);
	a->off += n;
	*got = n;
	return NET_OK;
}

#define DIGEST_HEX "f2472280c437efc00fa25a030a24990ae16c4fbec0d74914e178473ce4d57372"
#define OTHER_HEX "0000000000000000000000000000000000000000000000000000000000000001"
#define EVENT(hex) "{\\\"imr\\\":3,\\\"event_type\\\":134217729,\\\"digest\\\":\\\"22\\\"," \
	"\\\"event\\\":\\\"mpc-image-digest\\\",\\\"event_payload\\\":\\\"" hex "\\\"}"
#define QUOTE_BODY(events) "{\"quote\":\"0400\",\"event_log\":\"[" events "]\"}"
#define EMIT_REQ "POST /EmitEvent HTTP/1.1\n" \
	"{\"event\":\"mpc-image-digest\",\"payload\":\"" DIGEST_HEX "\"}\n"
#define QUOTE_REQ "POST /GetQuote HTTP/1.1\n{\"report_data\":\"\"}\n"

/* HTTP answers with their Content-Length filled in. */
static char answer_buf[4][1024];

static const char *
answer(int i, const char *status, const char *body)
{
	snprintf(answer_buf[i], sizeof(answer_buf[i]),
	    "HTTP/1.1 %s X\r\nContent-Length: %zu\r\n\r\n%s", status, strlen(body), body);
	return answer_buf[i];
}

struct agent_rig {
	struct http_client c;
	struct tls_anchors anchors;
	struct http_transport tp;
	struct agent a;
	struct measure_cfg m;
	struct digest d;
};

static struct agent_rig rig; /* large: the http client holds buffers */

/* Method dstack-api (or as given), the agent answering answers[]. */
static int
rig_start(const char *const *answers, enum measure_method method)
{
	struct http_client_config cfg;
	struct errbuf e;

	memset(&rig.a, 0, sizeof(rig.a));
	rig.a.answers = answers;
	rig.tp.open = a_open;
	rig.tp.read = a_read;
	rig.tp.write = a_write;
	rig.tp.ctx = &rig.a;
	memset(&cfg, 0, sizeof(cfg));
	cfg.anchors = &rig.anchors;
	cfg.transport = &rig.tp;
	if (http_client_init(&rig.c, &cfg, &e) != 0)
		return 0;
	memset(&rig.m, 0, sizeof(rig.m));
	rig.m.method = method;
	rig.m.dstack_socket = "/nonexistent/dstack.sock";
	rig.m.timeout_ms = 2000;
	rtmr_native_cfg_default(&rig.m.native);
	memset(&rig.d, 0, sizeof(rig.d));
	return hex_decode(DIGEST_HEX, 64, rig.d.b, sizeof(rig.d.b)) == 32;
}

static int
rig_measure(enum measure_outcome *out, struct errbuf *e)
{
	int rc = measure_image(&rig.m, &rig.c, &rig.d, out, e);

	http_client_close(&rig.c);
	return rc;
}

static void
the_agent_is_asked_for_its_log_then_emits_once(struct th *t)
{
	const char *answers[3];
	enum measure_outcome out = MEASURE_ALREADY;
	struct errbuf e;

	answers[0] = answer(0, "200 OK", QUOTE_BODY(""));
	answers[1] = answer(1, "200 OK", "");
	answers[2] = NULL;
	REQUIRE(t, rig_start(answers, MEASURE_DSTACK_API));
	REQUIRE_INT(t, rig_measure(&out, &e), 0);
	CHECK_INT(t, out, MEASURE_EXTENDED);
	CHECK_STR(t, rig.a.seen, QUOTE_REQ EMIT_REQ);
}

static void
the_agent_is_not_asked_to_emit_a_digest_its_log_holds(struct th *t)
{
	const char *answers[2];
	enum measure_outcome out = MEASURE_EXTENDED;
	struct errbuf e;

	answers[0] = answer(0, "200 OK", QUOTE_BODY(EVENT(DIGEST_HEX)));
	answers[1] = NULL;
	REQUIRE(t, rig_start(answers, MEASURE_DSTACK_API));
	REQUIRE_INT(t, rig_measure(&out, &e), 0);
	CHECK_INT(t, out, MEASURE_ALREADY);
	CHECK_STR(t, rig.a.seen, QUOTE_REQ);
}

static void
a_different_digest_in_the_agents_log_is_refused_without_emitting(struct th *t)
{
	const char *answers[3];
	enum measure_outcome out;
	struct errbuf e;

	answers[0] = answer(0, "200 OK", QUOTE_BODY(EVENT(OTHER_HEX)));
	answers[1] = answer(1, "200 OK", "");
	answers[2] = NULL;
	REQUIRE(t, rig_start(answers, MEASURE_DSTACK_API));
	CHECK_INT(t, rig_measure(&out, &e), -1);
	CHECK_STR(t, e.msg, "the event log already holds a different mpc-image-digest; "
	    "refusing to emit a second one");
	CHECK_INT(t, rig.a.requests, 1);
	CHECK_STR(t, rig.a.seen, QUOTE_REQ);
	/* two of ours in the log: the scan refuses before deciding */
	answers[0] = answer(0, "200 OK", QUOTE_BODY(EVENT(DIGEST_HEX) "," EVENT(DIGEST_HEX)));
	REQUIRE(t, rig_start(answers, MEASURE_DSTACK_API));
	CHECK_INT(t, rig_measure(&out, &e), -1);
	CHECK(t, strstr(e.msg, "already holds 2") != NULL);
	CHECK_INT(t, rig.a.requests, 1);
}

static void
a_failed_or_unreadable_getquote_emits_nothing(struct th *t)
{
	const char *answers[3];
	enum measure_outcome out;
	struct errbuf e;

	answers[0] = answer(0, "500 Internal Server Error", "{}");
	answers[1] = answer(1, "200 OK", "");
	answers[2] = NULL;
	REQUIRE(t, rig_start(answers, MEASURE_DSTACK_API));
	CHECK_INT(t, rig_measure(&out, &e), -1);
	CHECK_STR(t, e.msg, "GetQuote failed: HTTP 500");
	CHECK_INT(t, rig.a.requests, 1);
	/* a 2xx answer without an event log */
	answers[0] = answer(0, "200 OK", "{\"quote\":\"00\"}");
	REQUIRE(t, rig_start(answers, MEASURE_DSTACK_API));
	CHECK_INT(t, rig_measure(&out, &e), -1);
	CHECK_STR(t, e.msg, "dstack GetQuote answer: no string field \"event_log\"");
	CHECK_INT(t, rig.a.requests, 1);
	/* the agent's socket refuses */
	REQUIRE(t, rig_start(answers, MEASURE_DSTACK_API));
	rig.a.refuse = 1;
	CHECK_INT(t, rig_measure(&out, &e), -1);
	CHECK(t, strstr(e.msg, "GetQuote failed: ") == e.msg);
	CHECK_INT(t, rig.a.requests, 0);
}

static void
a_failed_emitevent_is_an_error_and_never_retried(struct th *t)
{
	const char *answers[4];
	enum measure_outcome out;
	struct errbuf e;

	/* dstack 0.5 answers 400 for any failure, extended or not */
	answers[0] = answer(0, "200 OK", QUOTE_BODY(""));
	answers[1] = answer(1, "400 Bad Request", "{\"error\":\"x\"}");
	answers[2] = answer(2, "200 OK", "");
	answers[3] = NULL;
	REQUIRE(t, rig_start(answers, MEASURE_DSTACK_API));
	CHECK_INT(t, rig_measure(&out, &e), -1);
	CHECK_STR(t, e.msg, "EmitEvent failed while extending RTMR3: HTTP 400 (not retried; "
	    "RTMR3 may or may not have been extended)");
	CHECK_INT(t, rig.a.requests, 2);
	/* the answer is lost: the connection closes after the request */
	answers[1] = NULL;
	REQUIRE(t, rig_start(answers, MEASURE_DSTACK_API));
	CHECK_INT(t, rig_measure(&out, &e), -1);
	CHECK(t, strstr(e.msg, "EmitEvent failed while extending RTMR3 (not retried): ") == e.msg);
	CHECK_INT(t, rig.a.requests, 2);
	CHECK_STR(t, rig.a.seen, QUOTE_REQ EMIT_REQ);
}

/* auto decides from files before any request, and never falls back: a
 * failing agent is an error even where the native path could write. */
static void
auto_chooses_the_agent_and_a_failing_agent_is_not_a_reason_for_native(struct th *t)
{
	const char *answers[3];
	enum measure_outcome out = MEASURE_ALREADY;
	struct box b;
	struct errbuf e;
	struct stat st;

	REQUIRE(t, box_make(&b, 1));
	REQUIRE(t, put(b.rtmr3, "")); /* writable, but no version file */
	answers[0] = answer(0, "200 OK", QUOTE_BODY(""));
	answers[1] = answer(1, "200 OK", "");
	answers[2] = NULL;
	REQUIRE(t, rig_start(answers, MEASURE_AUTO));
	rig.m.dstack_socket = b.sock;
	rig.m.native.version_path = b.version;
	rig.m.native.rtmr3_path = b.rtmr3;
	REQUIRE_INT(t, measure_plan(&rig.m, &e), 0);
	CHECK_INT(t, rig.m.method, MEASURE_DSTACK_API);
	CHECK_INT(t, rig_measure(&out, &e), 0);
	CHECK_INT(t, out, MEASURE_EXTENDED);
	CHECK_STR(t, rig.a.seen, QUOTE_REQ EMIT_REQ);
	/* the same, the agent failing */
	answers[1] = answer(1, "500 Internal Server Error", "");
	REQUIRE(t, rig_start(answers, MEASURE_AUTO));
	rig.m.dstack_socket = b.sock;
	rig.m.native.version_path = b.version;
	rig.m.native.rtmr3_path = b.rtmr3;
	REQUIRE_INT(t, measure_plan(&rig.m, &e), 0);
	CHECK_INT(t, rig_measure(&out, &e), -1);
	CHECK(t, strstr(e.msg, "EmitEvent failed while extending RTMR3: HTTP 500") == e.msg);
	CHECK(t, stat(b.rtmr3, &st) == 0 && st.st_size == 0);
	box_remove(&b);
}

static void
native_extends_once_and_a_restart_finds_the_digest_in(struct th *t, const char *version)
{
	static char pathbuf[MEASURE_PATHBUF];
	struct measure_cfg m;
	enum measure_outcome out = MEASURE_ALREADY;
	struct errbuf e;
	struct box b;
	struct stat st;
	char logp[128];

	REQUIRE(t, box_make(&b, 1));
	REQUIRE(t, put(b.rtmr3, ""));
	REQUIRE(t, put(b.version, version));
	REQUIRE_INT(t, measure_cfg_init(&m, MEASURE_AUTO, b.sock, b.rtmr3, b.dir, pathbuf,
	    sizeof(pathbuf), &e), 0);
	REQUIRE_INT(t, measure_plan(&m, &e), 0);
	CHECK_INT(t, m.method, MEASURE_NATIVE);
	memset(&rig.d, 0, sizeof(rig.d));
	REQUIRE(t, hex_decode(DIGEST_HEX, 64, rig.d.b, sizeof(rig.d.b)) == 32);
	REQUIRE_INT(t, measure_image(&m, NULL, &rig.d, &out, &e), 0);
	CHECK_INT(t, out, MEASURE_EXTENDED);
	CHECK(t, stat(b.rtmr3, &st) == 0 && st.st_size == RTMR_DIGEST_LEN);
	snprintf(logp, sizeof(logp), "%s/runtime_events.log", b.dir);
	CHECK(t, stat(logp, &st) == 0 && st.st_size > 0);
	REQUIRE_INT(t, measure_image(&m, NULL, &rig.d, &out, &e), 0);
	CHECK_INT(t, out, MEASURE_ALREADY);
	/* a different digest is refused by the log */
	rig.d.b[0] ^= 1;
	CHECK_INT(t, measure_image(&m, NULL, &rig.d, &out, &e), -1);
	CHECK(t, strstr(e.msg, "different") != NULL);
	unlink(logp);
	snprintf(logp, sizeof(logp), "%s/runtime_event.lock", b.dir);
	unlink(logp);
	box_remove(&b);
}

static void
native_extends_once_and_a_restart_finds_the_digest(struct th *t)
{
	native_extends_once_and_a_restart_finds_the_digest_in(t, "1\n");
	native_extends_once_and_a_restart_finds_the_digest_in(t, "2\n");
}

static void
the_config_names_dstacks_three_files_in_the_log_dir(struct th *t)
{
	static char pathbuf[MEASURE_PATHBUF];
	static char longdir[MEASURE_PATHBUF / 3 + 8];
	struct measure_cfg m;
	struct errbuf e;

	REQUIRE_INT(t, measure_cfg_init(&m, MEASURE_NATIVE, "/s.sock", "/r3", "/run/x",
	    pathbuf, sizeof(pathbuf), &e), 0);
	CHECK_INT(t, m.method, MEASURE_NATIVE);
	CHECK_STR(t, m.dstack_socket, "/s.sock");
	CHECK_STR(t, m.native.rtmr3_path, "/r3");
	CHECK_STR(t, m.native.lock_path, "/run/x/runtime_event.lock");
	CHECK_STR(t, m.native.version_path, "/run/x/runtime_event_version");
	CHECK_STR(t, m.native.log_path, "/run/x/runtime_events.log");
	CHECK_INT(t, m.timeout_ms, MEASURE_AGENT_TIMEOUT_MS);
	CHECK_INT(t, m.native.lock_timeout_ms, RTMR_LOCK_TIMEOUT_MS);
	CHECK_STR(t, measure_method_name(MEASURE_NATIVE), "native");
	CHECK_STR(t, measure_method_name(MEASURE_DSTACK_API), "dstack-api");
	CHECK_STR(t, measure_method_name(MEASURE_AUTO), "auto");
	/* the longest dir whose longest name still fits, then one byte more */
	memset(longdir, 'd', MEASURE_PATHBUF / 3 - 1 - strlen("/runtime_event_version"));
	longdir[0] = '/';
	CHECK_INT(t, measure_cfg_init(&m, MEASURE_NATIVE, "/s", "/r", longdir, pathbuf,
	    sizeof(pathbuf), &e), 0);
	longdir[strlen(longdir)] = 'd';
	CHECK_INT(t, measure_cfg_init(&m, MEASURE_NATIVE, "/s", "/r", longdir, pathbuf,
	    sizeof(pathbuf), &e), -1);
	CHECK(t, strstr(e.msg, "TEE_LAUNCHER_EVENT_LOG_DIR: longer than ") == e.msg);
}

void
suite_measure(struct th *t)
{
	th_run(t, "measure: a failing stat is not taken for a missing file",
	    a_failing_stat_is_not_taken_for_a_missing_file);
	th_run(t, "measure: auto is native only with a version file and a writable RTMR3",
	    auto_is_native_only_with_a_version_file_and_a_writable_rtmr3);
	th_run(t, "measure: no agent socket fails before measuring",
	    no_agent_socket_fails_before_measuring);
	th_run(t, "measure: native without a version file is refused",
	    native_without_a_version_file_is_refused);
	th_run(t, "measure: an undecided method measures nothing",
	    an_undecided_method_measures_nothing);
	th_run(t, "measure: the config names dstack's three files in the log dir",
	    the_config_names_dstacks_three_files_in_the_log_dir);
	th_run(t, "measure: the agent is asked for its log, then emits once",
	    the_agent_is_asked_for_its_log_then_emits_once);
	th_run(t, "measure: the agent is not asked to emit a digest its log holds",
	    the_agent_is_not_asked_to_emit_a_digest_its_log_holds);
	th_run(t, "measure: a different digest in the agent's log is refused without emitting",
	    a_different_digest_in_the_agents_log_is_refused_without_emitting);
	th_run(t, "measure: a failed or unreadable GetQuote emits nothing",
	    a_failed_or_unreadable_getquote_emits_nothing);
	th_run(t, "measure: a failed EmitEvent is an error and never retried",
	    a_failed_emitevent_is_an_error_and_never_retried);
	th_run(t, "measure: auto chooses the agent, and a failing agent is no reason for native",
	    auto_chooses_the_agent_and_a_failing_agent_is_not_a_reason_for_native);
	th_run(t, "measure: native extends once and a restart finds the digest",
	    native_extends_once_and_a_restart_finds_the_digest);
}
