#include <string.h>

#include "errbuf.h"
#include "harness.h"

static const char tok[] = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbm9ueW1vdXMifQ.c2lnbmF0dXJl";

static void
redact(struct errbuf *e, const char *msg)
{
	errbuf_set(e, "%s", msg);
	errbuf_redact(e, tok, strlen(tok));
}

static void
whole_token_is_masked_in_place(struct th *t)
{
	struct errbuf e;
	char want[ERRBUF_SIZE];

	errbuf_set(&e, "header Bearer %s rejected", tok);
	errbuf_redact(&e, tok, strlen(tok));
	memset(want, '*', sizeof(tok) - 1);
	want[sizeof(tok) - 1] = '\0';
	CHECK(t, strstr(e.msg, want) != NULL);
	CHECK(t, strncmp(e.msg, "header Bearer ", 14) == 0);
	CHECK_STR(t, e.msg + 14 + sizeof(tok) - 1, " rejected");
}

static void
truncated_and_spliced_pieces_are_masked(struct th *t)
{
	struct errbuf e;

	/* The start of the token, as a %.20s quote leaves it. */
	redact(&e, "digest eyJhbGciOiJFUzI1NiJ9.ey: bad");
	CHECK_STR(t, e.msg, "digest ***********************: bad");
	/* Two pieces from the middle, spliced with other text. */
	redact(&e, "x=zdWIiOiJh&y=dXJl...bm9ueW1vdXMifQ");
	CHECK_STR(t, e.msg, "x=*********&y=dXJl...**************");
}

static void
short_coincidences_and_empty_secrets_are_kept(struct th *t)
{
	struct errbuf e;

	/* 7 bytes in common ("eyJhbGc") is below the threshold. */
	redact(&e, "value eyJhbGc is odd");
	CHECK_STR(t, e.msg, "value eyJhbGc is odd");
	errbuf_set(&e, "no secret yet");
	errbuf_redact(&e, "", 0);
	CHECK_STR(t, e.msg, "no secret yet");
	errbuf_redact(&e, "short", 5);
	CHECK_STR(t, e.msg, "no secret yet");
}

static void
wrap_keeps_the_outer_context(struct th *t)
{
	struct errbuf e;

	errbuf_set(&e, "HTTP %d", 503);
	errbuf_wrap(&e, "manifest %s", "3.0.1");
	CHECK_STR(t, e.msg, "manifest 3.0.1: HTTP 503");
}

void suite_errbuf(struct th *t);

void
suite_errbuf(struct th *t)
{
	th_run(t, "errbuf: a quoted token is masked with '*', the rest kept",
	    whole_token_is_masked_in_place);
	th_run(t, "errbuf: truncated and spliced pieces of the token are masked",
	    truncated_and_spliced_pieces_are_masked);
	th_run(t, "errbuf: runs under 8 bytes and short or empty secrets are left alone",
	    short_coincidences_and_empty_secrets_are_kept);
	th_run(t, "errbuf: wrap prepends the context", wrap_keeps_the_outer_context);
}
