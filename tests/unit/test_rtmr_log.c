#include <stdio.h>

#include "harness.h"
#include "rtmr_log.h"

/* Three events (app-id, ours: payload f2 47 00…, another name), a blank
 * line between, no newline at the end. */
#define OURS_B64 "8kcAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
static const char log3[] =
    "{\"event\":\"app-id\",\"payload\":\"AQ==\"}\n"
    " \t\r\n"
    "{\"event\":\"mpc-image-digest\",\"payload\":\"" OURS_B64 "\",\"version\":2}\n"
    "{\"event\":\"x\",\"payload\":\"\"}";

static const struct digest ours = { { 0xf2, 0x47 } };

struct scanned {
	int rc;
	size_t events;
	struct rtmr_once once;
	uint8_t mr[RTMR_DIGEST_LEN];
	struct errbuf err;
};

static void
scan_in_steps(const char *text, size_t len, size_t step, struct scanned *r)
{
	static struct rtmr_log_scan s;
	size_t off = 0, n;

	memset(r->mr, 0xaa, sizeof(r->mr));
	rtmr_once_init(&r->once, &ours);
	rtmr_log_scan_init(&s, "test.log", &r->once, r->mr);
	r->rc = RTMR_OK;
	while (off < len && r->rc == RTMR_OK) {
		n = len - off < step ? len - off : step;
		r->rc = rtmr_log_scan_feed(&s, text + off, n, &r->err);
		off += n;
	}
	if (r->rc == RTMR_OK)
		r->rc = rtmr_log_scan_finish(&s, &r->err);
	r->events = s.events;
}

static void
a_log_scans_the_same_however_it_is_cut(struct th *t)
{
	static struct scanned whole, cut;
	uint8_t d[RTMR_DIGEST_LEN], mr[RTMR_DIGEST_LEN];
	struct rtmr_event ev;
	struct errbuf e;
	enum rtmr_seen seen;
	size_t step;

	scan_in_steps(log3, sizeof(log3) - 1, sizeof(log3), &whole);
	REQUIRE_INT(t, whole.rc, RTMR_OK);
	CHECK_INT(t, whole.events, 3);
	CHECK_INT(t, whole.once.count, 1);
	CHECK_INT(t, whole.once.same, 1);
	REQUIRE_INT(t, rtmr_once_decide(&whole.once, &seen, &e), RTMR_OK);
	CHECK_INT(t, seen, RTMR_SEEN_SAME);
	/* The replay is the three event digests folded from zero. */
	memset(mr, 0, sizeof(mr));
	REQUIRE_INT(t, rtmr_log_line_parse(log3, strcspn(log3, "\n"), &ev, &e), RTMR_OK);
	REQUIRE_INT(t, rtmr_event_digest(ev.version, ev.name, ev.payload, ev.payload_len, d, &e), RTMR_OK);
	rtmr_extend(mr, d);
	REQUIRE_INT(t, rtmr_event_digest(RTMR_V2, RTMR_EVENT_NAME, ours.b, DIGEST_LEN, d, &e), RTMR_OK);
	rtmr_extend(mr, d);
	REQUIRE_INT(t, rtmr_event_digest(RTMR_V1, "x", (const uint8_t *)"", 0, d, &e), RTMR_OK);
	rtmr_extend(mr, d);
	CHECK_MEM(t, whole.mr, sizeof(whole.mr), mr, sizeof(mr));
	for (step = 1; step < 40; step++) {
		scan_in_steps(log3, sizeof(log3) - 1, step, &cut);
		if (!CHECK_INT(t, cut.rc, RTMR_OK) || !CHECK_INT(t, cut.events, 3) ||
		    !CHECK_MEM(t, cut.mr, sizeof(cut.mr), whole.mr, sizeof(whole.mr)))
			break;
	}
}

static void
a_bad_line_is_named_by_log_and_number(struct th *t)
{
	static const char bad[] = "{\"event\":\"a\",\"payload\":\"\"}\n\n{\"event\":\"b\"}\n";
	static struct scanned r;

	scan_in_steps(bad, sizeof(bad) - 1, 5, &r);
	CHECK_INT(t, r.rc, RTMR_ERR);
	CHECK_STR(t, r.err.msg, "test.log: line 3: expected ,\"payload\":\"<base64>\" "
	    "after the event name");
}

static void
an_overlong_line_is_refused_across_pieces(struct th *t)
{
	static char text[RTMR_LINE_MAX + 2];
	static struct scanned r;

	memset(text, 'x', sizeof(text) - 1);
	scan_in_steps(text, sizeof(text) - 1, 1000, &r);
	CHECK_INT(t, r.rc, RTMR_ERR);
	CHECK_STR(t, r.err.msg, "test.log: line 1 longer than 8192 bytes");
}

static void
an_empty_log_replays_to_zero_and_emits(struct th *t)
{
	static const uint8_t zero[RTMR_DIGEST_LEN];
	static struct scanned r;
	enum rtmr_seen seen;
	struct errbuf e;

	scan_in_steps("", 0, 1, &r);
	CHECK_INT(t, r.rc, RTMR_OK);
	CHECK_INT(t, r.events, 0);
	CHECK_MEM(t, r.mr, sizeof(r.mr), zero, sizeof(zero));
	REQUIRE_INT(t, rtmr_once_decide(&r.once, &seen, &e), RTMR_OK);
	CHECK_INT(t, seen, RTMR_SEEN_NONE);
}

/* ---- the event-name decoder: escapes, surrogate pairs, truncation */

static int
parse_name(const char *name_json, struct rtmr_event *ev)
{
	char line[512];
	struct errbuf e;
	int n = snprintf(line, sizeof(line), "{\"event\":\"%s\",\"payload\":\"AQ==\"}", name_json);

	return rtmr_log_line_parse(line, (size_t)n, ev, &e);
}

static void
escaped_names_decode_to_utf8_and_surrogate_pairs_join(struct th *t)
{
	struct rtmr_event ev;

	REQUIRE_INT(t, parse_name("\\ud83d\\ude00", &ev), RTMR_OK);
	CHECK_STR(t, ev.name, "\xf0\x9f\x98\x80");
	REQUIRE_INT(t, parse_name("\\ue000", &ev), RTMR_OK); /* just above the surrogates */
	CHECK_STR(t, ev.name, "\xee\x80\x80");
	REQUIRE_INT(t, parse_name("x\\uDBFF\\uDFFFy", &ev), RTMR_OK);
	CHECK_STR(t, ev.name, "x\xf4\x8f\xbf\xbfy");
	REQUIRE_INT(t, parse_name("\\\"\\\\\\b\\f\\n\\r\\t\\u20AC", &ev), RTMR_OK);
	CHECK_STR(t, ev.name, "\"\\\b\f\n\r\t\xe2\x82\xac");
	CHECK_INT(t, ev.payload_len, 1);
	CHECK_INT(t, ev.payload[0], 1);
}

static void
broken_escapes_and_truncated_names_are_refused(struct th *t)
{
	static const char *const bad[] = {
		"\\udc00",           /* a low surrogate alone */
		"\\ud83dx",          /* a high surrogate without its low half */
		"\\ud83d\\n",        /* ... followed by another escape */
		"\\ud83d\\u0041",    /* ... followed by a non-surrogate */
		"\\ud83d\\ue000",    /* ... followed by a code point above the low range */
		"\\ud83d\\udbff",    /* ... followed by another high surrogate */
		"\\ud83d\\ude0",     /* a low half cut short */
		"\\u12g4",           /* not hex */
		"\\u12",             /* cut short */
		"\\",                /* a lone backslash before the closing quote */
		"\\q",               /* an unknown escape */
	};
	struct rtmr_event ev;
	struct errbuf e;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!CHECK_INT(t, parse_name(bad[i], &ev), RTMR_ERR))
			printf("     accepted: %s\n", bad[i]);
	/* the line ends inside the name: no closing quote at all */
	CHECK_INT(t, rtmr_log_line_parse("{\"event\":\"abc", 13, &ev, &e), RTMR_ERR);
	CHECK_STR(t, e.msg, "expected {\"event\":\"<name>\" (name at most 256 bytes)");
	CHECK_INT(t, rtmr_log_line_parse("{\"event\":\"ab\\", 13, &ev, &e), RTMR_ERR);
	CHECK_INT(t, rtmr_log_line_parse("{\"event\":\"\\u12", 14, &ev, &e), RTMR_ERR);
	CHECK_INT(t, rtmr_log_line_parse("{\"event\":\"\\ud83d", 16, &ev, &e), RTMR_ERR);
	CHECK_INT(t, rtmr_log_line_parse("{\"event\":\"\\ud83d\\ude00", 22, &ev, &e), RTMR_ERR);
	/* a 4-byte character that would pass the name's last byte */
	{
		char name[RTMR_NAME_MAX + 16];

		memset(name, 'n', RTMR_NAME_MAX - 2);
		strcpy(name + RTMR_NAME_MAX - 2, "\\ud83d\\ude00");
		CHECK_INT(t, parse_name(name, &ev), RTMR_ERR);
		strcpy(name + RTMR_NAME_MAX - 2, "\\u00e9");
		CHECK_INT(t, parse_name(name, &ev), RTMR_OK);
		CHECK_INT(t, strlen(ev.name), RTMR_NAME_MAX);
	}
}

static void
an_unknown_log_version_has_no_digest(struct th *t)
{
	uint8_t p[32] = { 1 }, d[RTMR_DIGEST_LEN];
	struct errbuf e;

	CHECK_INT(t, rtmr_event_digest((enum rtmr_version)3, "x", p, sizeof(p), d, &e), RTMR_ERR);
	CHECK_STR(t, e.msg, "unknown event log version 3");
	CHECK_INT(t, rtmr_event_digest(RTMR_V2, "bad\xff", p, sizeof(p), d, &e), RTMR_ERR);
	CHECK_STR(t, e.msg, "event name is not valid UTF-8");
}

void
suite_rtmr_log(struct th *t)
{
	th_run(t, "rtmr_log: a log scans the same however it is cut",
	    a_log_scans_the_same_however_it_is_cut);
	th_run(t, "rtmr_log: a bad line is named by log and number",
	    a_bad_line_is_named_by_log_and_number);
	th_run(t, "rtmr_log: an overlong line is refused across pieces",
	    an_overlong_line_is_refused_across_pieces);
	th_run(t, "rtmr_log: an empty log replays to zero and emits",
	    an_empty_log_replays_to_zero_and_emits);
	th_run(t, "rtmr_log: escaped names decode to UTF-8 and surrogate pairs join",
	    escaped_names_decode_to_utf8_and_surrogate_pairs_join);
	th_run(t, "rtmr_log: broken escapes and truncated names are refused",
	    broken_escapes_and_truncated_names_are_refused);
	th_run(t, "rtmr_log: an unknown log version has no digest", an_unknown_log_version_has_no_digest);
}
