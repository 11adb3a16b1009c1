#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "rtmr.h"

/* ---- golden data (tests/data/rtmr/golden.txt, made by make_golden.py) */

#define GOLD_MAX_LOG 3

struct golden {
	struct digest payload;
	uint8_t v1[RTMR_DIGEST_LEN], v2[RTMR_DIGEST_LEN];
	uint8_t special_v1[RTMR_DIGEST_LEN], special_v2[RTMR_DIGEST_LEN];
	uint8_t log_digest[GOLD_MAX_LOG][RTMR_DIGEST_LEN], log_rtmr3[RTMR_DIGEST_LEN];
	char v1_line[256], v2_line[256], special_line[256], v2_canonical[256];
	char log[GOLD_MAX_LOG][256];
	int nlog, ndigest, ok;
};

static int
unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;

	if (strlen(s) != 2 * n)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return 0;
		out[i] = (uint8_t)v;
	}
	return 1;
}

static int
golden_line(struct golden *g, const char *k, const char *v)
{
	if (strcmp(k, "payload") == 0)
		return unhex(v, g->payload.b, DIGEST_LEN);
	if (strcmp(k, "v1_digest") == 0)
		return unhex(v, g->v1, RTMR_DIGEST_LEN);
	if (strcmp(k, "v2_digest") == 0)
		return unhex(v, g->v2, RTMR_DIGEST_LEN);
	if (strcmp(k, "special_v1_digest") == 0)
		return unhex(v, g->special_v1, RTMR_DIGEST_LEN);
	if (strcmp(k, "special_v2_digest") == 0)
		return unhex(v, g->special_v2, RTMR_DIGEST_LEN);
	if (strcmp(k, "log_rtmr3") == 0)
		return unhex(v, g->log_rtmr3, RTMR_DIGEST_LEN);
	if (strcmp(k, "log_digest") == 0)
		return g->ndigest < GOLD_MAX_LOG && unhex(v, g->log_digest[g->ndigest++], RTMR_DIGEST_LEN);
	if (strcmp(k, "log") == 0 && g->nlog < GOLD_MAX_LOG) {
		snprintf(g->log[g->nlog++], sizeof(g->log[0]), "%s", v);
		return 1;
	}
	if (strcmp(k, "v1_line") == 0)
		return snprintf(g->v1_line, sizeof(g->v1_line), "%s", v) > 0;
	if (strcmp(k, "v2_line") == 0)
		return snprintf(g->v2_line, sizeof(g->v2_line), "%s", v) > 0;
	if (strcmp(k, "special_line") == 0)
		return snprintf(g->special_line, sizeof(g->special_line), "%s", v) > 0;
	if (strcmp(k, "v2_canonical") == 0)
		return snprintf(g->v2_canonical, sizeof(g->v2_canonical), "%s", v) > 0;
	return 0;
}

static void
golden_load(struct golden *g)
{
	const char *top = getenv("TOP");
	char path[512], line[512];
	FILE *f;

	memset(g, 0, sizeof(*g));
	snprintf(path, sizeof(path), "%s/tests/data/rtmr/golden.txt", top ? top : ".");
	f = fopen(path, "r");
	if (f == NULL) {
		printf("     cannot open %s (run from the repository root or set TOP)\n", path);
		return;
	}
	g->ok = 1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *eq = strchr(line, '=');
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || eq == NULL)
			continue;
		*eq = '\0';
		if (!golden_line(g, line, eq + 1)) {
			printf("     golden.txt: bad entry %s\n", line);
			g->ok = 0;
		}
	}
	fclose(f);
	g->ok = g->ok && g->nlog == GOLD_MAX_LOG && g->ndigest == GOLD_MAX_LOG;
}

/* ---- temp dir standing in for /run/log/dstack and sysfs */

struct env {
	char dir[64], lock[96], version[96], rtmr3[96], log[96];
	struct rtmr_native_cfg cfg;
};

static void
file_put(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd >= 0) {
		(void)!write(fd, data, n);
		close(fd);
	}
}

static long
file_get(const char *path, void *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, cap);
	close(fd);
	return (long)n;
}

static int
env_make(struct env *e)
{
	static const uint8_t zero[RTMR_DIGEST_LEN];

	snprintf(e->dir, sizeof(e->dir), "/tmp/rtmr-test-XXXXXX");
	if (mkdtemp(e->dir) == NULL)
		return 0;
	snprintf(e->lock, sizeof(e->lock), "%s/runtime_event.lock", e->dir);
	snprintf(e->version, sizeof(e->version), "%s/runtime_event_version", e->dir);
	snprintf(e->rtmr3, sizeof(e->rtmr3), "%s/rtmr3:sha384", e->dir);
	snprintf(e->log, sizeof(e->log), "%s/runtime_events.log", e->dir);
	file_put(e->rtmr3, zero, sizeof(zero));
	file_put(e->version, "1", 1);
	e->cfg.lock_path = e->lock;
	e->cfg.version_path = e->version;
	e->cfg.rtmr3_path = e->rtmr3;
	e->cfg.log_path = e->log;
	e->cfg.lock_timeout_ms = 2000;
	return 1;
}

static void
env_remove(struct env *e)
{
	unlink(e->lock);
	unlink(e->version);
	unlink(e->rtmr3);
	unlink(e->log);
	rmdir(e->dir);
}

static int
rtmr3_is_zero(const struct env *e)
{
	uint8_t b[RTMR_DIGEST_LEN + 1];
	static const uint8_t zero[RTMR_DIGEST_LEN];

	return file_get(e->rtmr3, b, sizeof(b)) == RTMR_DIGEST_LEN &&
	    memcmp(b, zero, RTMR_DIGEST_LEN) == 0;
}

/* ---- digests against the independent implementation */

static void
v1_digest_matches_the_python_golden_vector(struct th *t)
{
	struct golden g;
	struct errbuf e;
	uint8_t d[RTMR_DIGEST_LEN];

	golden_load(&g);
	REQUIRE(t, g.ok);
	REQUIRE_INT(t, rtmr_event_digest(RTMR_V1, RTMR_EVENT_NAME, g.payload.b, 32, d, &e), RTMR_OK);
	CHECK_MEM(t, d, sizeof(d), g.v1, sizeof(g.v1));
}

static void
v2_digest_matches_the_python_golden_vector(struct th *t)
{
	struct golden g;
	struct errbuf e;
	uint8_t d[RTMR_DIGEST_LEN];

	golden_load(&g);
	REQUIRE(t, g.ok);
	REQUIRE_INT(t, rtmr_event_digest(RTMR_V2, RTMR_EVENT_NAME, g.payload.b, 32, d, &e), RTMR_OK);
	CHECK_MEM(t, d, sizeof(d), g.v2, sizeof(g.v2));
	CHECK(t, strncmp(g.v2_canonical, "{\"name\":\"mpc-image-digest\",\"payload\":\"f247", 42) == 0);
}

static void
a_name_needing_jcs_escapes_parses_and_digests_like_python(struct th *t)
{
	static const char want_name[] = "ev\"\\\n\x01\x7f\xc3\xa9\xf0\x9f\x98\x80";
	static const uint8_t want_payload[] = { 0, 1, 2, 0xff };
	struct golden g;
	struct errbuf e;
	struct rtmr_event ev;
	uint8_t d[RTMR_DIGEST_LEN];

	golden_load(&g);
	REQUIRE(t, g.ok);
	REQUIRE_INT(t, rtmr_log_line_parse(g.special_line, strlen(g.special_line), &ev, &e), RTMR_OK);
	CHECK_STR(t, ev.name, want_name);
	CHECK_MEM(t, ev.payload, ev.payload_len, want_payload, sizeof(want_payload));
	CHECK_INT(t, ev.version, RTMR_V2);
	REQUIRE_INT(t, rtmr_event_digest(RTMR_V2, ev.name, ev.payload, ev.payload_len, d, &e), RTMR_OK);
	CHECK_MEM(t, d, sizeof(d), g.special_v2, sizeof(g.special_v2));
	REQUIRE_INT(t, rtmr_event_digest(RTMR_V1, ev.name, ev.payload, ev.payload_len, d, &e), RTMR_OK);
	CHECK_MEM(t, d, sizeof(d), g.special_v1, sizeof(g.special_v1));
}

static void
v2_refuses_a_name_that_is_not_utf8(struct th *t)
{
	struct errbuf e;
	uint8_t d[RTMR_DIGEST_LEN];

	CHECK_INT(t, rtmr_event_digest(RTMR_V2, "a\xff", NULL, 0, d, &e), RTMR_ERR);
	CHECK_INT(t, rtmr_event_digest(RTMR_V2, "\xed\xa0\x80", NULL, 0, d, &e), RTMR_ERR);
	CHECK_INT(t, rtmr_event_digest(RTMR_V1, "a\xff", NULL, 0, d, &e), RTMR_OK);
}

static void
our_log_lines_are_byte_identical_to_the_golden_lines(struct th *t)
{
	struct golden g;
	char line[256], want[260];
	size_t n;

	golden_load(&g);
	REQUIRE(t, g.ok);
	n = rtmr_log_line_format(RTMR_V1, &g.payload, line, sizeof(line));
	snprintf(want, sizeof(want), "%s\n", g.v1_line);
	CHECK_MEM(t, line, n, want, strlen(want));
	n = rtmr_log_line_format(RTMR_V2, &g.payload, line, sizeof(line));
	snprintf(want, sizeof(want), "%s\n", g.v2_line);
	CHECK_MEM(t, line, n, want, strlen(want));
	CHECK_INT(t, rtmr_log_line_format(RTMR_V1, &g.payload, line, 20), 0);
}

static void
a_three_event_log_replays_to_the_golden_rtmr3(struct th *t)
{
	struct golden g;
	struct env env;
	struct errbuf e;
	struct rtmr_event ev;
	uint8_t mr[RTMR_DIGEST_LEN], d[GOLD_MAX_LOG][RTMR_DIGEST_LEN];
	char buf[1024];
	size_t len = 0, n = 0;
	int i;

	golden_load(&g);
	REQUIRE(t, g.ok);
	for (i = 0; i < GOLD_MAX_LOG; i++) {
		REQUIRE_INT(t, rtmr_log_line_parse(g.log[i], strlen(g.log[i]), &ev, &e), RTMR_OK);
		REQUIRE_INT(t, rtmr_event_digest(ev.version, ev.name, ev.payload, ev.payload_len, d[i], &e), RTMR_OK);
		CHECK_MEM(t, d[i], RTMR_DIGEST_LEN, g.log_digest[i], RTMR_DIGEST_LEN);
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s\n", g.log[i]);
	}
	rtmr_replay((const uint8_t (*)[RTMR_DIGEST_LEN])d, GOLD_MAX_LOG, mr);
	CHECK_MEM(t, mr, sizeof(mr), g.log_rtmr3, sizeof(g.log_rtmr3));
	REQUIRE(t, env_make(&env));
	file_put(env.log, buf, len);
	memset(mr, 0xaa, sizeof(mr));
	CHECK_INT(t, rtmr_log_scan_file(env.log, NULL, mr, &n, &e), RTMR_OK);
	CHECK_INT(t, n, 3);
	CHECK_MEM(t, mr, sizeof(mr), g.log_rtmr3, sizeof(g.log_rtmr3));
	env_remove(&env);
}

/* ---- the line matcher */

static void
the_line_matcher_accepts_only_dstack_shaped_lines(struct th *t)
{
	static const char *const bad[] = {
		"",
		"{}",
		"{\"event\":\"a\"}",
		"{\"event\":\"a\",\"payload\":\"AQ==\"} ",
		" {\"event\":\"a\",\"payload\":\"AQ==\"}",
		"{\"event\": \"a\",\"payload\":\"AQ==\"}",
		"{\"payload\":\"AQ==\",\"event\":\"a\"}",
		"{\"event\":\"a\",\"payload\":\"AQ==\",\"x\":1}",
		"{\"event\":\"a\",\"payload\":\"AQ==\",\"version\":3}",
		"{\"event\":\"a\",\"payload\":\"AQ==\",\"version\":12}",
		"{\"event\":\"a\",\"payload\":\"AR==\"}",   /* non-zero bits under padding */
		"{\"event\":\"a\",\"payload\":\"AQ\"}",     /* unpadded */
		"{\"event\":\"a\",\"payload\":\"A=Q=\"}",
		"{\"event\":\"a\",\"payload\":\"AQ-_\"}",   /* URL alphabet */
		"{\"event\":\"a\",\"payload\":\"ab12\"}x",
		"{\"event\":\"a\tb\",\"payload\":\"\"}",   /* raw control */
		"{\"event\":\"a\\x\",\"payload\":\"\"}",
		"{\"event\":\"\\ud800\",\"payload\":\"\"}", /* lone surrogate */
		"{\"event\":\"\\u0000\",\"payload\":\"\"}",
		"{\"event\":\"a\",\"payload\":\"AQ==\"",
	};
	static const char good[] = "{\"event\":\"a\\/b\\u00e9\",\"payload\":\"\",\"version\":1}";
	struct rtmr_event ev;
	struct errbuf e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!CHECK_INT(t, rtmr_log_line_parse(bad[i], strlen(bad[i]), &ev, &e), RTMR_ERR))
			printf("     accepted: %s\n", bad[i]);
	CHECK_INT(t, rtmr_log_line_parse(good, sizeof(good) - 1, &ev, &e), RTMR_OK);
	CHECK_STR(t, ev.name, "a/b\xc3\xa9");
	CHECK_INT(t, ev.payload_len, 0);
}

static void
an_overlong_event_name_is_refused(struct th *t)
{
	char line[600];
	struct rtmr_event ev;
	struct errbuf e;
	int n;

	memcpy(line, "{\"event\":\"", 10);
	memset(line + 10, 'n', RTMR_NAME_MAX + 1);
	n = 10 + RTMR_NAME_MAX + 1;
	n += snprintf(line + n, sizeof(line) - (size_t)n, "\",\"payload\":\"\"}");
	CHECK_INT(t, rtmr_log_line_parse(line, (size_t)n, &ev, &e), RTMR_ERR);
	/* One byte shorter fits exactly. */
	memmove(line + 10 + RTMR_NAME_MAX, line + 11 + RTMR_NAME_MAX, (size_t)n - 11 - RTMR_NAME_MAX);
	CHECK_INT(t, rtmr_log_line_parse(line, (size_t)n - 1, &ev, &e), RTMR_OK);
	CHECK_INT(t, strlen(ev.name), RTMR_NAME_MAX);
}

/* ---- emit once */

static void
emit_once_decides_none_same_different_and_refuses_duplicates(struct th *t)
{
	struct digest a, b;
	struct rtmr_once o;
	enum rtmr_seen s;
	struct errbuf e;

	memset(a.b, 0xaa, sizeof(a.b));
	memset(b.b, 0xbb, sizeof(b.b));
	rtmr_once_init(&o, &a);
	rtmr_once_note(&o, "app-id", b.b, sizeof(b.b));
	rtmr_once_note(&o, "mpc-image-digest-x", b.b, sizeof(b.b));
	CHECK_INT(t, rtmr_once_decide(&o, &s, &e), RTMR_OK);
	CHECK_INT(t, s, RTMR_SEEN_NONE);
	rtmr_once_note(&o, RTMR_EVENT_NAME, a.b, sizeof(a.b));
	CHECK_INT(t, rtmr_once_decide(&o, &s, &e), RTMR_OK);
	CHECK_INT(t, s, RTMR_SEEN_SAME);
	rtmr_once_init(&o, &a);
	rtmr_once_note(&o, RTMR_EVENT_NAME, b.b, sizeof(b.b));
	CHECK_INT(t, rtmr_once_decide(&o, &s, &e), RTMR_OK);
	CHECK_INT(t, s, RTMR_SEEN_DIFFERENT);
	rtmr_once_init(&o, &a);
	rtmr_once_note(&o, RTMR_EVENT_NAME, a.b, 31); /* a prefix is not ours */
	CHECK_INT(t, rtmr_once_decide(&o, &s, &e), RTMR_OK);
	CHECK_INT(t, s, RTMR_SEEN_DIFFERENT);
	rtmr_once_init(&o, &a);
	rtmr_once_note(&o, RTMR_EVENT_NAME, a.b, sizeof(a.b));
	rtmr_once_note(&o, RTMR_EVENT_NAME, a.b, sizeof(a.b));
	CHECK_INT(t, rtmr_once_decide(&o, &s, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, "already holds 2 mpc-image-digest events") != NULL);
}

/* ---- the native path end to end (temp files for sysfs and the log) */

static void
native_refuses_without_a_version_file(struct th *t)
{
	static const struct digest p = { { 1 } };
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;

	REQUIRE(t, env_make(&env));
	unlink(env.version);
	CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, "runtime_event_version: missing; dstack >= 0.6") != NULL);
	CHECK(t, rtmr3_is_zero(&env));
	CHECK(t, access(env.log, F_OK) != 0);
	env_remove(&env);
}

static void
native_v1_extends_then_logs(struct th *t)
{
	struct golden g;
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;
	uint8_t got[RTMR_DIGEST_LEN + 1];
	char log[256], want[260];
	struct stat st;
	long n;

	golden_load(&g);
	REQUIRE(t, g.ok);
	REQUIRE(t, env_make(&env));
	REQUIRE_INT(t, rtmr_native_emit_once(&env.cfg, &g.payload, &r, &e), RTMR_OK);
	CHECK_INT(t, r.version, RTMR_V1);
	CHECK_INT(t, r.seen, RTMR_SEEN_NONE);
	CHECK_MEM(t, r.digest, sizeof(r.digest), g.v1, sizeof(g.v1));
	CHECK_INT(t, file_get(env.rtmr3, got, sizeof(got)), RTMR_DIGEST_LEN);
	CHECK_MEM(t, got, RTMR_DIGEST_LEN, g.v1, sizeof(g.v1));
	n = file_get(env.log, log, sizeof(log));
	snprintf(want, sizeof(want), "%s\n", g.v1_line);
	CHECK_MEM(t, log, n > 0 ? (size_t)n : 0, want, strlen(want));
	CHECK(t, stat(env.log, &st) == 0 && (st.st_mode & 0777) == 0600);
	env_remove(&env);
}

static void
native_v2_uses_the_canonical_json_digest_and_logs_the_version(struct th *t)
{
	struct golden g;
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;
	uint8_t got[RTMR_DIGEST_LEN];
	char log[600], want[600];
	long n;

	golden_load(&g);
	REQUIRE(t, g.ok);
	REQUIRE(t, env_make(&env));
	file_put(env.version, "2\n", 2);
	snprintf(log, sizeof(log), "%s\n", g.log[0]);
	file_put(env.log, log, strlen(log));
	REQUIRE_INT(t, rtmr_native_emit_once(&env.cfg, &g.payload, &r, &e), RTMR_OK);
	CHECK_INT(t, r.version, RTMR_V2);
	CHECK_INT(t, file_get(env.rtmr3, got, sizeof(got)), RTMR_DIGEST_LEN);
	CHECK_MEM(t, got, sizeof(got), g.v2, sizeof(g.v2));
	n = file_get(env.log, log, sizeof(log));
	snprintf(want, sizeof(want), "%s\n%s\n", g.log[0], g.v2_line);
	CHECK_MEM(t, log, n > 0 ? (size_t)n : 0, want, strlen(want));
	env_remove(&env);
}

static void
native_version_file_one_with_newline_is_v1(struct th *t)
{
	struct golden g;
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;

	golden_load(&g);
	REQUIRE(t, g.ok);
	REQUIRE(t, env_make(&env));
	file_put(env.version, "1\n", 2);
	REQUIRE_INT(t, rtmr_native_emit_once(&env.cfg, &g.payload, &r, &e), RTMR_OK);
	CHECK_INT(t, r.version, RTMR_V1);
	CHECK_MEM(t, r.digest, sizeof(r.digest), g.v1, sizeof(g.v1));
	env_remove(&env);
}

static void
native_a_bad_version_file_writes_nothing(struct th *t)
{
	static const char *const bad[] = { "3", "1\n\n", "", " 1", "12", "1\r\n", "v2" };
	struct digest p = { { 1 } };
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;
	size_t i;

	REQUIRE(t, env_make(&env));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		file_put(env.version, bad[i], strlen(bad[i]));
		CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_ERR);
		CHECK(t, strstr(e.msg, "runtime_event_version: expected \"1\" or \"2\"") != NULL);
	}
	CHECK(t, rtmr3_is_zero(&env));
	CHECK(t, access(env.log, F_OK) != 0);
	env_remove(&env);
}

static void
native_a_restart_with_the_same_digest_skips(struct th *t)
{
	struct golden g;
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;
	static const uint8_t zero[RTMR_DIGEST_LEN];
	char before[512], after[512];
	long n1, n2;

	golden_load(&g);
	REQUIRE(t, g.ok);
	REQUIRE(t, env_make(&env));
	REQUIRE_INT(t, rtmr_native_emit_once(&env.cfg, &g.payload, &r, &e), RTMR_OK);
	file_put(env.rtmr3, zero, sizeof(zero)); /* so a second write would show */
	n1 = file_get(env.log, before, sizeof(before));
	REQUIRE_INT(t, rtmr_native_emit_once(&env.cfg, &g.payload, &r, &e), RTMR_OK);
	CHECK_INT(t, r.seen, RTMR_SEEN_SAME);
	CHECK(t, rtmr3_is_zero(&env));
	n2 = file_get(env.log, after, sizeof(after));
	CHECK_MEM(t, after, (size_t)n2, before, (size_t)n1);
	env_remove(&env);
}

static void
native_a_different_digest_in_the_log_is_fatal_and_writes_nothing(struct th *t)
{
	struct golden g;
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;
	struct digest other;
	char line[128];
	long n;

	golden_load(&g);
	REQUIRE(t, g.ok);
	REQUIRE(t, env_make(&env));
	memset(other.b, 0x11, sizeof(other.b));
	file_put(env.log, g.v1_line, strlen(g.v1_line)); /* no final newline */
	REQUIRE_INT(t, rtmr_native_emit_once(&env.cfg, &other, &r, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, "already holds a mpc-image-digest event with a different digest") != NULL);
	CHECK(t, rtmr3_is_zero(&env));
	n = file_get(env.log, line, sizeof(line));
	CHECK_MEM(t, line, n > 0 ? (size_t)n : 0, g.v1_line, strlen(g.v1_line));
	env_remove(&env);
}

static void
native_a_malformed_log_line_is_fatal_and_named(struct th *t)
{
	static const char log[] = "{\"event\":\"a\",\"payload\":\"\"}\n\n{\"event\":\"b\"}\n";
	struct digest p = { { 1 } };
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;

	REQUIRE(t, env_make(&env));
	file_put(env.log, log, sizeof(log) - 1);
	CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, "runtime_events.log: line 3: expected ,\"payload\"") != NULL);
	CHECK(t, rtmr3_is_zero(&env));
	env_remove(&env);
}

static void
native_a_log_or_version_file_that_is_a_fifo_is_refused(struct th *t)
{
	struct digest p = { { 1 } };
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;

	REQUIRE(t, env_make(&env));
	unlink(env.log);
	REQUIRE(t, mkfifo(env.log, 0600) == 0);
	alarm(10);
	CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, "not a regular file (a FIFO)") != NULL);
	unlink(env.log);
	unlink(env.version);
	REQUIRE(t, mkfifo(env.version, 0600) == 0);
	CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, "not a regular file (a FIFO)") != NULL);
	alarm(0);
	env_remove(&env);
}

static void
native_an_oversized_log_or_line_is_refused(struct th *t)
{
	static char big[RTMR_LOG_MAX + 2];
	struct digest p = { { 1 } };
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;

	REQUIRE(t, env_make(&env));
	memset(big, '\n', sizeof(big));
	file_put(env.log, big, sizeof(big));
	CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, "larger than") != NULL);
	memset(big, 'x', RTMR_LINE_MAX + 1);
	file_put(env.log, big, RTMR_LINE_MAX + 1);
	CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, "line 1 longer than") != NULL);
	CHECK(t, rtmr3_is_zero(&env));
	env_remove(&env);
}

static void
native_a_failed_rtmr3_write_appends_nothing(struct th *t)
{
	struct digest p = { { 1 } };
	char buf[8];
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;

	REQUIRE(t, env_make(&env));
	env.cfg.rtmr3_path = "/dev/full";
	CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_ERR);
	CHECK_STR(t, e.msg, "/dev/full: write: No space left on device");
	/* opened (created) before the extend, but nothing appended */
	CHECK(t, file_get(env.log, buf, sizeof(buf)) <= 0);
	unlink(env.rtmr3);
	env.cfg.rtmr3_path = env.rtmr3;
	CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, "rtmr3:sha384: open: No such file or directory") != NULL);
	CHECK(t, file_get(env.log, buf, sizeof(buf)) <= 0);
	env_remove(&env);
}

static void
native_a_log_that_cannot_be_opened_is_refused_before_extending(struct th *t)
{
	struct digest p = { { 1 } };
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;
	char log[128];

	REQUIRE(t, env_make(&env));
	snprintf(log, sizeof(log), "%s/missing-dir/runtime_events.log", env.dir);
	env.cfg.log_path = log;
	CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, "runtime_events.log: open: No such file or directory") != NULL);
	CHECK(t, strstr(e.msg, "RTMR3 was extended") == NULL);
	CHECK(t, rtmr3_is_zero(&env));
	env_remove(&env);
}

static void
native_waits_for_the_lock_and_gives_up_after_the_timeout(struct th *t)
{
	struct digest p = { { 1 } };
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;
	int fd;

	REQUIRE(t, env_make(&env));
	fd = open(env.lock, O_RDWR | O_CREAT, 0600);
	REQUIRE(t, fd >= 0 && flock(fd, LOCK_EX) == 0);
	env.cfg.lock_timeout_ms = 100;
	CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, "still locked by another process after 100 ms") != NULL);
	CHECK(t, rtmr3_is_zero(&env));
	close(fd);
	CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_OK);
	env_remove(&env);
}

static void
defaults_are_dstacks_paths(struct th *t)
{
	struct rtmr_native_cfg c;

	rtmr_native_cfg_default(&c);
	CHECK_STR(t, c.lock_path, "/run/log/dstack/runtime_event.lock");
	CHECK_STR(t, c.version_path, "/run/log/dstack/runtime_event_version");
	CHECK_STR(t, c.rtmr3_path, "/sys/devices/virtual/misc/tdx_guest/measurements/rtmr3:sha384");
	CHECK_STR(t, c.log_path, "/run/log/dstack/runtime_events.log");
	CHECK_INT(t, c.lock_timeout_ms, RTMR_LOCK_TIMEOUT_MS);
}

static void
a_v2_log_line_whose_name_is_not_utf8_cannot_be_replayed(struct th *t)
{
	static const char log[] =
	    "{\"event\":\"app-id\",\"payload\":\"AQ==\",\"version\":2}\n"
	    "{\"event\":\"bad\xff\",\"payload\":\"AQ==\",\"version\":2}\n";
	struct env env;
	struct errbuf e;
	uint8_t mr[RTMR_DIGEST_LEN];
	size_t n = 0;

	REQUIRE(t, env_make(&env));
	file_put(env.log, log, sizeof(log) - 1);
	CHECK_INT(t, rtmr_log_scan_file(env.log, NULL, mr, &n, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, "runtime_events.log: line 2: event name is not valid UTF-8") != NULL);
	/* without a replay the same log only counts events */
	CHECK_INT(t, rtmr_log_scan_file(env.log, NULL, NULL, &n, &e), RTMR_OK);
	CHECK_INT(t, n, 2);
	env_remove(&env);
}

/* A file size limit makes the kernel cut writes: the RTMR3 write (48 bytes
 * at offset 0) or the log append past the limit.  SIGXFSZ is ignored so the
 * write fails with EFBIG instead of killing the test. */
struct fsize {
	struct rlimit old;
	void (*oldsig)(int);
};

static int
fsize_limit(struct fsize *f, rlim_t bytes)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_FSIZE, &f->old) != 0)
		return 0;
	f->oldsig = signal(SIGXFSZ, SIG_IGN);
	r.rlim_cur = bytes;
	r.rlim_max = f->old.rlim_max;
	return setrlimit(RLIMIT_FSIZE, &r) == 0;
}

static void
fsize_restore(struct fsize *f)
{
	setrlimit(RLIMIT_FSIZE, &f->old);
	signal(SIGXFSZ, f->oldsig);
}

static void
native_a_failed_log_write_after_extending_says_so(struct th *t)
{
	/* one foreign event, longer than the limit below */
	static const char foreign[] = "{\"event\":\"app-id\",\"payload\":\""
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}\n";
	struct digest p = { { 1 } };
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;
	struct fsize f;
	struct stat st;
	int rc;

	REQUIRE(t, env_make(&env));
	file_put(env.log, foreign, sizeof(foreign) - 1);
	REQUIRE(t, fsize_limit(&f, 64));
	rc = rtmr_native_emit_once(&env.cfg, &p, &r, &e);
	fsize_restore(&f);
	CHECK_INT(t, rc, RTMR_ERR);
	CHECK(t, strstr(e.msg, "RTMR3 was extended but the event log was not: reboot required "
	    "(replay will not match): ") == e.msg);
	CHECK(t, strstr(e.msg, "runtime_events.log: write: File too large") != NULL);
	CHECK(t, !rtmr3_is_zero(&env));
	CHECK(t, stat(env.log, &st) == 0 && st.st_size == (off_t)sizeof(foreign) - 1);
	env_remove(&env);
}

static void
native_a_short_rtmr3_write_is_an_error_and_logs_nothing(struct th *t)
{
	struct digest p = { { 1 } };
	char line[8];
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;
	struct fsize f;
	int rc;

	REQUIRE(t, env_make(&env));
	REQUIRE(t, fsize_limit(&f, 20));
	rc = rtmr_native_emit_once(&env.cfg, &p, &r, &e);
	fsize_restore(&f);
	CHECK_INT(t, rc, RTMR_ERR);
	CHECK(t, strstr(e.msg, "rtmr3:sha384: short write (20 of 48 bytes)") != NULL);
	/* the log is opened (created) before the extend; nothing is in it */
	CHECK(t, file_get(env.log, line, sizeof(line)) <= 0);
	env_remove(&env);
}

static void
native_an_rtmr3_path_that_cannot_be_written_logs_nothing(struct th *t)
{
	struct digest p = { { 1 } };
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;

	REQUIRE(t, env_make(&env));
	/* readable (the register check opens it), not writable */
	env.cfg.rtmr3_path = env.dir;
	CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, ": open: Is a directory") != NULL);
	CHECK(t, access(env.log, F_OK) != 0);
	env_remove(&env);
}

/* A sysfs file reads back like the register: the real one is absent here,
 * but any sysfs file shows that a register disagreeing with the log's
 * replay, or one that is not 48 bytes, stops the emit before any write. */
static void
native_a_register_that_disagrees_with_the_log_stops_the_emit(struct th *t)
{
	struct digest p = { { 1 } };
	struct env env;
	struct errbuf e;
	struct rtmr_native_result r;

	REQUIRE(t, env_make(&env));
	env.cfg.rtmr3_path = "/sys/devices/system/cpu/modalias"; /* > 48 bytes on x86 */
	CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, "/sys/devices/system/cpu/modalias: the register does not equal "
	    "the replay of ") == e.msg);
	CHECK(t, strstr(e.msg, "(reboot required)") != NULL);
	env.cfg.rtmr3_path = "/sys/kernel/uevent_seqnum"; /* a few digits */
	CHECK_INT(t, rtmr_native_emit_once(&env.cfg, &p, &r, &e), RTMR_ERR);
	CHECK(t, strstr(e.msg, "expected the 48-byte register") != NULL);
	CHECK(t, access(env.log, F_OK) != 0);
	CHECK(t, rtmr3_is_zero(&env));
	env_remove(&env);
}

/* ---- system calls that fail: the kernel told so by a seccomp filter */

/*
 * A fault the kernel injects in a child: system call nr (on the descriptor
 * fd and with count bytes where those are not -1) answers -err, or 0 when
 * err is 0.  RET_ERRNO never runs the call: a "closed" descriptor stays
 * open.  x86_64 only, like the launcher.
 */
struct inject {
	long nr;
	long fd, count;
	int err;
};

static int
inject_install(const struct inject *in)
{
	struct sock_filter f[12];
	struct sock_fprog prog;
	unsigned n = 0, conds = 2 + (in->fd >= 0) + (in->count >= 0), k = 0, total;
	struct { unsigned off; uint32_t val; } c[4];

	c[k].off = offsetof(struct seccomp_data, arch);
	c[k++].val = AUDIT_ARCH_X86_64;
	c[k].off = offsetof(struct seccomp_data, nr);
	c[k++].val = (uint32_t)in->nr;
	if (in->fd >= 0) {
		c[k].off = offsetof(struct seccomp_data, args[0]);
		c[k++].val = (uint32_t)in->fd;
	}
	if (in->count >= 0) {
		c[k].off = offsetof(struct seccomp_data, args[2]);
		c[k++].val = (uint32_t)in->count;
	}
	total = 2 * conds + 2;
	for (k = 0; k < conds; k++) {
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, c[k].off);
		f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, c[k].val, 0,
		    (uint8_t)(total - 1 - (n + 1)));
		n++;
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ERRNO | ((uint32_t)in->err & SECCOMP_RET_DATA));
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog.len = (unsigned short)n;
	prog.filter = f;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

/* The descriptor the log append will get: the lock holds the lowest free
 * one for the whole emit, every other file is closed before the next
 * opens. */
static long
log_fd_to_come(void)
{
	/* the lock, the register, then the log (both opened before the extend) */
	int lock = open("/dev/null", O_RDONLY), reg = open("/dev/null", O_RDONLY),
	    log = open("/dev/null", O_RDONLY);

	if (lock >= 0)
		close(lock);
	if (reg >= 0)
		close(reg);
	if (log >= 0)
		close(log);
	return log;
}

/* The descriptor the log is replayed through: the lock holds the lowest
 * free one, the version file is read and closed before the log opens. */
static long
replay_fd_to_come(void)
{
	int lock = open("/dev/null", O_RDONLY), log = open("/dev/null", O_RDONLY);

	if (lock >= 0)
		close(lock);
	if (log >= 0)
		close(log);
	return log;
}

/* Runs the native emit in a child under the fault; its error (or "")
 * comes back through a pipe.  0 if the child could not report. */
static int
emit_under(struct env *env, struct inject in, char *msg, size_t cap)
{
	struct digest p = { { 1 } };
	struct rtmr_native_result r;
	struct errbuf e;
	char rec[sizeof(e.msg) + 8];
	int pfd[2], status, rc;
	ssize_t got;
	pid_t pid;
	int k;

	if (pipe(pfd) != 0)
		return 0;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		if (in.fd == -2)
			in.fd = log_fd_to_come();
		else if (in.fd == -3)
			in.fd = replay_fd_to_come();
		memset(rec, 0, sizeof(rec));
		if (!inject_install(&in)) {
			snprintf(rec, sizeof(rec), "seccomp: %s", strerror(errno));
		} else {
			rc = rtmr_native_emit_once(&env->cfg, &p, &r, &e);
			snprintf(rec, sizeof(rec), "%s", rc == RTMR_OK ? "" : e.msg);
		}
		/* keep the descriptor numbers the faults name busy: nothing
		 * read or written at exit (the coverage counters) may land on
		 * them */
		for (k = 0; k < 3; k++)
			(void)!open("/dev/null", O_RDONLY);
		(void)!write(pfd[1], rec, sizeof(rec));
		exit(0);
	}
	close(pfd[1]);
	got = read(pfd[0], rec, sizeof(rec));
	close(pfd[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || got != (ssize_t)sizeof(rec))
		return 0;
	snprintf(msg, cap, "%s", rec);
	return 1;
}

static void
native_a_failed_fsync_or_close_of_the_log_says_rtmr3_was_extended(struct th *t)
{
	struct env env;
	char msg[600], line[256];

	REQUIRE(t, env_make(&env));
	REQUIRE(t, emit_under(&env, (struct inject){ SYS_fsync, -1, -1, EIO }, msg, sizeof(msg)));
	/* the line is in the file: the error says it was written, not synced */
	CHECK(t, strstr(msg, "runtime_events.log: fsync: Input/output error: RTMR3 was "
	    "extended and the event log line written but not synced") != NULL);
	CHECK(t, strstr(msg, "the event log was not") == NULL);
	CHECK(t, !rtmr3_is_zero(&env));
	CHECK(t, file_get(env.log, line, sizeof(line)) > 0);
	env_remove(&env);
	REQUIRE(t, env_make(&env));
	/* every close fails: Linux has released the descriptor anyway, and the
	 * line was written and synced before, so the emit succeeds */
	REQUIRE(t, emit_under(&env, (struct inject){ SYS_close, -1, -1, EIO }, msg, sizeof(msg)));
	CHECK_STR(t, msg, "");
	CHECK(t, !rtmr3_is_zero(&env));
	CHECK(t, file_get(env.log, line, sizeof(line)) > 0);
	env_remove(&env);
}

static void
native_a_log_write_that_makes_no_progress_is_an_error_not_a_loop(struct th *t)
{
	struct digest p = { { 1 } };
	struct env env;
	char msg[600], line[256];
	size_t len = rtmr_log_line_format(RTMR_V1, &p, line, sizeof(line));

	REQUIRE(t, len > 0);
	REQUIRE(t, env_make(&env));
	REQUIRE(t, emit_under(&env, (struct inject){ SYS_write, -2, (long)len, 0 }, msg,
	    sizeof(msg)));
	CHECK(t, strstr(msg, "RTMR3 was extended but the event log was not") == msg);
	CHECK(t, strstr(msg, "runtime_events.log: write: no progress") != NULL);
	env_remove(&env);
}

static void
native_a_register_file_that_cannot_be_identified_is_no_register(struct th *t)
{
	struct env env;
	char msg[600];

	/* fstatfs fails: the sysfs file is not compared as a register, so
	 * the emit goes on to write it (and fails there: it is read-only) */
	REQUIRE(t, env_make(&env));
	env.cfg.rtmr3_path = "/sys/devices/system/cpu/modalias";
	REQUIRE(t, emit_under(&env, (struct inject){ SYS_fstatfs, -1, -1, ENOSYS }, msg,
	    sizeof(msg)));
	CHECK(t, strstr(msg, "register does not equal") == NULL);
	CHECK(t, strstr(msg, "/sys/devices/system/cpu/modalias: open: ") == msg ||
	    strstr(msg, "/sys/devices/system/cpu/modalias: write: ") == msg);
	CHECK(t, access(env.log, F_OK) != 0);
	env_remove(&env);
}

/* Reads that fail: the register (a sysfs file stands in) and the log
 * while it is replayed.  Either stops the emit before anything is
 * written, naming the file and the errno. */
static void
native_a_failed_read_of_the_register_or_the_log_stops_the_emit(struct th *t)
{
	struct env env;
	char msg[600];

	REQUIRE(t, env_make(&env));
	env.cfg.rtmr3_path = "/sys/devices/system/cpu/modalias";
	REQUIRE(t, emit_under(&env, (struct inject){ SYS_pread64, -1, -1, EIO }, msg,
	    sizeof(msg)));
	CHECK_STR(t, msg, "/sys/devices/system/cpu/modalias: read: Input/output error");
	CHECK(t, access(env.log, F_OK) != 0);
	env_remove(&env);
	REQUIRE(t, env_make(&env));
	file_put(env.log, "", 0);
	REQUIRE(t, emit_under(&env, (struct inject){ SYS_read, -3, 4096, EIO }, msg,
	    sizeof(msg)));
	CHECK(t, strstr(msg, env.log) == msg);
	CHECK(t, strstr(msg, "Input/output error") != NULL);
	CHECK(t, rtmr3_is_zero(&env));
	CHECK(t, file_get(env.log, msg, sizeof(msg)) == 0);
	env_remove(&env);
}

void
suite_rtmr(struct th *t)
{
	th_run(t, "rtmr: V1 digest matches the Python golden vector",
	    v1_digest_matches_the_python_golden_vector);
	th_run(t, "rtmr: V2 digest matches the Python golden vector",
	    v2_digest_matches_the_python_golden_vector);
	th_run(t, "rtmr: a name needing JCS escapes parses and digests like Python",
	    a_name_needing_jcs_escapes_parses_and_digests_like_python);
	th_run(t, "rtmr: V2 refuses a name that is not UTF-8", v2_refuses_a_name_that_is_not_utf8);
	th_run(t, "rtmr: our log lines are byte-identical to the golden lines",
	    our_log_lines_are_byte_identical_to_the_golden_lines);
	th_run(t, "rtmr: a three-event log replays to the golden RTMR3",
	    a_three_event_log_replays_to_the_golden_rtmr3);
	th_run(t, "rtmr: the line matcher accepts only dstack-shaped lines",
	    the_line_matcher_accepts_only_dstack_shaped_lines);
	th_run(t, "rtmr: an overlong event name is refused", an_overlong_event_name_is_refused);
	th_run(t, "rtmr: emit-once decides none/same/different and refuses duplicates",
	    emit_once_decides_none_same_different_and_refuses_duplicates);
	th_run(t, "rtmr: native refuses without a version file (dstack >= 0.6 writes it)",
	    native_refuses_without_a_version_file);
	th_run(t, "rtmr: native V1 extends then logs", native_v1_extends_then_logs);
	th_run(t, "rtmr: native V2 uses the canonical JSON digest and logs the version",
	    native_v2_uses_the_canonical_json_digest_and_logs_the_version);
	th_run(t, "rtmr: native version file \"1\\n\" is V1", native_version_file_one_with_newline_is_v1);
	th_run(t, "rtmr: native: a bad version file writes nothing",
	    native_a_bad_version_file_writes_nothing);
	th_run(t, "rtmr: native: a restart with the same digest skips",
	    native_a_restart_with_the_same_digest_skips);
	th_run(t, "rtmr: native: a different digest in the log is fatal and writes nothing",
	    native_a_different_digest_in_the_log_is_fatal_and_writes_nothing);
	th_run(t, "rtmr: native: a malformed log line is fatal and named",
	    native_a_malformed_log_line_is_fatal_and_named);
	th_run(t, "rtmr: native: an oversized log or line is refused",
	    native_an_oversized_log_or_line_is_refused);
	th_run(t, "rtmr: native: a log or version file that is a FIFO is refused",
	    native_a_log_or_version_file_that_is_a_fifo_is_refused);
	th_run(t, "rtmr: native: a failed RTMR3 write appends nothing",
	    native_a_failed_rtmr3_write_appends_nothing);
	th_run(t, "rtmr: native: a log that cannot be opened is refused before extending",
	    native_a_log_that_cannot_be_opened_is_refused_before_extending);
	th_run(t, "rtmr: native: waits for the lock and gives up after the timeout",
	    native_waits_for_the_lock_and_gives_up_after_the_timeout);
	th_run(t, "rtmr: defaults are dstack's paths", defaults_are_dstacks_paths);
	th_run(t, "rtmr: a V2 log line whose name is not UTF-8 cannot be replayed",
	    a_v2_log_line_whose_name_is_not_utf8_cannot_be_replayed);
	th_run(t, "rtmr: native: a failed log write after extending says so",
	    native_a_failed_log_write_after_extending_says_so);
	th_run(t, "rtmr: native: a short RTMR3 write is an error and logs nothing",
	    native_a_short_rtmr3_write_is_an_error_and_logs_nothing);
	th_run(t, "rtmr: native: an RTMR3 path that cannot be written logs nothing",
	    native_an_rtmr3_path_that_cannot_be_written_logs_nothing);
	th_run(t, "rtmr: native: a register that disagrees with the log stops the emit",
	    native_a_register_that_disagrees_with_the_log_stops_the_emit);
	th_run(t, "rtmr: native: a failed fsync or close of the log says RTMR3 was extended",
	    native_a_failed_fsync_or_close_of_the_log_says_rtmr3_was_extended);
	th_run(t, "rtmr: native: a log write that makes no progress is an error, not a loop",
	    native_a_log_write_that_makes_no_progress_is_an_error_not_a_loop);
	th_run(t, "rtmr: native: a register file that cannot be identified is no register",
	    native_a_register_file_that_cannot_be_identified_is_no_register);
	th_run(t, "rtmr: native: a failed read of the register or the log stops the emit",
	    native_a_failed_read_of_the_register_or_the_log_stops_the_emit);
}
