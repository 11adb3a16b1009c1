#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"

static void
capture(const char *msg, const struct log_kv *kv, size_t n, char *out, size_t cap)
{
	int p[2];
	ssize_t r;

	if (pipe(p) != 0) {
		out[0] = '\0';
		return;
	}
	log_write(p[1], LOG_INFO, msg, kv, n);
	close(p[1]);
	r = read(p[0], out, cap - 1);
	out[r > 0 ? r : 0] = '\0';
	close(p[0]);
}

static void
a_plain_line_is_logfmt(struct th *t)
{
	char out[256];
	struct log_kv kv[] = { { "digest", "sha256:ab" }, { "n", "3" } };

	capture("selected", kv, 2, out, sizeof(out));
	CHECK_STR(t, out, "level=info msg=selected digest=sha256:ab n=3\n");
}

static void
hostile_values_cannot_start_a_new_line_or_key(struct th *t)
{
	char out[256];
	struct log_kv kv[] = { { "name", "x\nlevel=error msg=\"forged\"" } };

	capture("a b", kv, 1, out, sizeof(out));
	CHECK_STR(t, out, "level=info msg=\"a b\" name=\"x\\nlevel=error msg=\\\"forged\\\"\"\n");
}

static void
empty_and_null_values_are_quoted(struct th *t)
{
	char out[256];
	struct log_kv kv[] = { { "a", "" }, { "b", NULL } };

	capture("m", kv, 2, out, sizeof(out));
	CHECK_STR(t, out, "level=info msg=m a=\"\" b=\"\"\n");
}

static void
an_overlong_value_is_cut_and_the_line_still_ends(struct th *t)
{
	static char big[5000];
	static char out[LOG_LINE_MAX + 16];
	struct log_kv kv[1];

	memset(big, 'x', sizeof(big) - 1);
	kv[0].key = "v";
	kv[0].val = big;
	capture("m", kv, 1, out, sizeof(out));
	CHECK(t, strlen(out) <= LOG_LINE_MAX);
	CHECK(t, out[strlen(out) - 1] == '\n');
}

void
suite_log(struct th *t)
{
	th_run(t, "log: a plain line is logfmt", a_plain_line_is_logfmt);
	th_run(t, "log: hostile values cannot start a new line or key",
	    hostile_values_cannot_start_a_new_line_or_key);
	th_run(t, "log: empty and null values are quoted", empty_and_null_values_are_quoted);
	th_run(t, "log: an overlong value is cut and the line still ends",
	    an_overlong_value_is_cut_and_the_line_still_ends);
}
