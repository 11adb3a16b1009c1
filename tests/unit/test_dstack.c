#include <stdio.h>

#include "dstack.h"
#include "harness.h"

#define HEX "f2472280c437efc00fa25a030a24990ae16c4fbec0d74914e178473ce4d57372"

static const struct digest payload = { {
	0xf2, 0x47, 0x22, 0x80, 0xc4, 0x37, 0xef, 0xc0, 0x0f, 0xa2, 0x5a, 0x03, 0x0a, 0x24, 0x99, 0x0a,
	0xe1, 0x6c, 0x4f, 0xbe, 0xc0, 0xd7, 0x49, 0x14, 0xe1, 0x78, 0x47, 0x3c, 0xe4, 0xd5, 0x73, 0x72,
} };

static unsigned char arena_buf[1 << 20];

static void
emit_event_body_is_exactly_the_agents_json(struct th *t)
{
	char body[DSTACK_BODY_MAX];
	struct errbuf e;
	size_t len = 0;

	REQUIRE_INT(t, dstack_emit_event_body(&payload, body, sizeof(body), &len, &e), DSTACK_OK);
	CHECK_STR(t, body, "{\"event\":\"mpc-image-digest\",\"payload\":\"" HEX "\"}");
	CHECK_INT(t, len, strlen(body));
	CHECK_INT(t, dstack_emit_event_body(&payload, body, len, &len, &e), DSTACK_ERR);
	CHECK_STR(t, dstack_get_quote_body(), "{\"report_data\":\"\"}");
	CHECK_STR(t, dstack_info_body(), "{}");
}

static void
the_request_bytes_are_exact(struct th *t)
{
	static const char want[] =
	    "POST /EmitEvent HTTP/1.1\r\n"
	    "Host: dstack\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 105\r\n"
	    "Connection: close\r\n"
	    "\r\n"
	    "{\"event\":\"mpc-image-digest\",\"payload\":\"" HEX "\"}";
	char body[DSTACK_BODY_MAX], req[DSTACK_REQUEST_MAX];
	struct errbuf e;
	size_t blen, rlen, cap;

	REQUIRE_INT(t, dstack_emit_event_body(&payload, body, sizeof(body), &blen, &e), DSTACK_OK);
	REQUIRE_INT(t, blen, 105);
	REQUIRE_INT(t, dstack_request_format(DSTACK_PATH_EMIT_EVENT, body, blen, req,
	    sizeof(req), &rlen, &e), DSTACK_OK);
	CHECK_MEM(t, req, rlen, want, sizeof(want) - 1);
	/* Every buffer too small by even one byte (the NUL) is refused. */
	for (cap = 0; cap <= rlen; cap++)
		if (!CHECK_INT(t, dstack_request_format(DSTACK_PATH_EMIT_EVENT, body, blen,
		    req, cap, &rlen, &e), DSTACK_ERR))
			break;
}

static void
method_paths_that_could_inject_headers_are_refused(struct th *t)
{
	static const char *const bad[] = { "", "/", "EmitEvent", "/Emit Event",
		"/Emit\r\nX: y", "/a?b", "/%41",
		"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" };
	char req[DSTACK_REQUEST_MAX];
	struct errbuf e;
	size_t len, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(t, dstack_request_format(bad[i], "{}", 2, req, sizeof(req), &len, &e),
		    DSTACK_ERR);
	CHECK_INT(t, dstack_request_format("/prpc/Tappd.Info", "{}", 2, req, sizeof(req), &len, &e),
	    DSTACK_ERR);
	CHECK_INT(t, dstack_request_format("/v0/GetQuote", "{}", 2, req, sizeof(req), &len, &e),
	    DSTACK_OK);
}

/* A GetQuote answer whose event_log string holds the given events. */
static int
quote_answer(char *out, size_t cap, const char *events)
{
	char escaped[4096];
	size_t o = 0, i;

	for (i = 0; events[i] != '\0' && o + 3 < sizeof(escaped); i++) {
		if (events[i] == '"' || events[i] == '\\')
			escaped[o++] = '\\';
		escaped[o++] = events[i];
	}
	escaped[o] = '\0';
	return snprintf(out, cap, "{\"quote\":\"0400\",\"event_log\":\"%s\",\"report_data\":\"\","
	    "\"vm_config\":\"{}\"}", escaped);
}

#define BOOT "{\"imr\":0,\"event_type\":2147483651,\"digest\":\"11\",\"event\":\"\",\"event_payload\":\"00\"}"
#define OURS(hex) "{\"imr\":3,\"event_type\":134217729,\"digest\":\"22\",\"event\":\"mpc-image-digest\"," \
	"\"event_payload\":\"" hex "\"}"
#define APP "{\"imr\":3,\"event_type\":134217729,\"digest\":\"33\",\"event\":\"app-id\",\"event_payload\":\"" HEX "\"}"

static int
scan_quote(const char *events, enum rtmr_seen *seen, struct errbuf *e)
{
	static char body[8192];
	struct arena a;
	struct rtmr_once o;
	int n = quote_answer(body, sizeof(body), events);

	arena_init(&a, arena_buf, sizeof(arena_buf));
	rtmr_once_init(&o, &payload);
	if (dstack_quote_response_scan(body, (size_t)n, &a, &o, e) != DSTACK_OK)
		return -1;
	return rtmr_once_decide(&o, seen, e) == RTMR_OK ? 0 : -1;
}

static void
a_quote_event_log_decides_emit_once(struct th *t)
{
	enum rtmr_seen s;
	struct errbuf e;

	REQUIRE(t, scan_quote("[" BOOT "," APP "]", &s, &e) == 0);
	CHECK_INT(t, s, RTMR_SEEN_NONE);
	REQUIRE(t, scan_quote("[" BOOT "," OURS(HEX) "]", &s, &e) == 0);
	CHECK_INT(t, s, RTMR_SEEN_SAME);
	REQUIRE(t, scan_quote("[" BOOT "," OURS("F2472280C437EFC00FA25A030A24990AE16C4FBEC0D74914E178473CE4D57372") "]",
	    &s, &e) == 0);
	CHECK_INT(t, s, RTMR_SEEN_SAME);
	REQUIRE(t, scan_quote("[" OURS("00") "]", &s, &e) == 0);
	CHECK_INT(t, s, RTMR_SEEN_DIFFERENT);
	REQUIRE(t, scan_quote("[" OURS("zz") "]", &s, &e) == 0);
	CHECK_INT(t, s, RTMR_SEEN_DIFFERENT);
	REQUIRE(t, scan_quote("[]", &s, &e) == 0);
	CHECK_INT(t, s, RTMR_SEEN_NONE);
	CHECK(t, scan_quote("[" OURS(HEX) "," OURS(HEX) "]", &s, &e) != 0);
	CHECK(t, strstr(e.msg, "already holds 2") != NULL);
}

static void
malformed_quote_answers_are_errors_naming_the_field(struct th *t)
{
	static const struct { const char *body, *msg; } cases[] = {
		{ "{\"quote\":\"00\"}", "dstack GetQuote answer: no string field \"event_log\"" },
		{ "{\"event_log\":[]}", "dstack GetQuote answer: no string field \"event_log\"" },
		{ "{\"event_log\":\"[\"}", "dstack GetQuote answer: event_log: offset 1" },
		{ "{\"event_log\":\"{}\"}", "dstack GetQuote answer: event_log is not an array" },
		{ "{\"event_log\":\"[1]\"}", "dstack GetQuote answer: event_log[0]: expected an object" },
		{ "{\"event_log\":\"[{\\\"imr\\\":3}]\"}", "dstack GetQuote answer: event_log[0]: expected an object" },
		{ "[", "dstack GetQuote answer: offset 1" },
	};
	struct arena a;
	struct rtmr_once o;
	struct errbuf e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		arena_init(&a, arena_buf, sizeof(arena_buf));
		rtmr_once_init(&o, &payload);
		CHECK_INT(t, dstack_quote_response_scan(cases[i].body, strlen(cases[i].body), &a, &o, &e),
		    DSTACK_ERR);
		if (!CHECK(t, strncmp(e.msg, cases[i].msg, strlen(cases[i].msg)) == 0))
			printf("     case %zu: %s\n", i, e.msg);
	}
}

static void
an_info_answer_is_read_through_tcb_info(struct th *t)
{
	static const char body[] =
	    "{\"app_id\":\"ab\",\"tcb_info\":\"{\\\"rtmr3\\\":\\\"00\\\",\\\"event_log\\\":["
	    "{\\\"imr\\\":3,\\\"event_type\\\":134217729,\\\"digest\\\":\\\"22\\\","
	    "\\\"event\\\":\\\"mpc-image-digest\\\",\\\"event_payload\\\":\\\"" HEX "\\\"}]}\"}";
	struct arena a;
	struct rtmr_once o;
	enum rtmr_seen s;
	struct errbuf e;

	arena_init(&a, arena_buf, sizeof(arena_buf));
	rtmr_once_init(&o, &payload);
	REQUIRE_INT(t, dstack_info_response_scan(body, sizeof(body) - 1, &a, &o, &e), DSTACK_OK);
	REQUIRE_INT(t, rtmr_once_decide(&o, &s, &e), RTMR_OK);
	CHECK_INT(t, s, RTMR_SEEN_SAME);
	arena_init(&a, arena_buf, sizeof(arena_buf));
	CHECK_INT(t, dstack_info_response_scan("{\"tcb_info\":\"{}\"}", 17, &a, &o, &e), DSTACK_ERR);
	CHECK_STR(t, e.msg, "dstack Info answer: tcb_info: event_log is not an array");
}

static void
an_oversized_answer_is_refused_before_parsing(struct th *t)
{
	struct arena a;
	struct rtmr_once o;
	struct errbuf e;

	arena_init(&a, arena_buf, sizeof(arena_buf));
	rtmr_once_init(&o, &payload);
	CHECK_INT(t, dstack_event_log_scan("[]", DSTACK_RESPONSE_MAX + 1, &a, &o, &e), DSTACK_ERR);
	CHECK(t, strstr(e.msg, "larger than") != NULL);
	CHECK_INT(t, a.used, 0);
}

void
suite_dstack(struct th *t)
{
	th_run(t, "dstack: the EmitEvent body is exactly the agent's JSON",
	    emit_event_body_is_exactly_the_agents_json);
	th_run(t, "dstack: the request bytes are exact", the_request_bytes_are_exact);
	th_run(t, "dstack: method paths that could inject headers are refused",
	    method_paths_that_could_inject_headers_are_refused);
	th_run(t, "dstack: a GetQuote event log decides emit-once", a_quote_event_log_decides_emit_once);
	th_run(t, "dstack: malformed GetQuote answers are errors naming the field",
	    malformed_quote_answers_are_errors_naming_the_field);
	th_run(t, "dstack: an Info answer is read through tcb_info", an_info_answer_is_read_through_tcb_info);
	th_run(t, "dstack: an oversized answer is refused before parsing",
	    an_oversized_answer_is_refused_before_parsing);
}
