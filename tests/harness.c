#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define SUITE(n) void suite_##n(struct th *t);
#include "suites.inc"
#undef SUITE

void
th_run(struct th *t, const char *name, th_fn *fn)
{
	if (t->filter != NULL && strstr(name, t->filter) == NULL)
		return;
	t->cur_failed = 0;
	fn(t);
	if (t->cur_failed) {
		t->failed++;
		printf("FAIL %s\n", name);
	} else {
		t->passed++;
		printf("ok   %s\n", name);
	}
	fflush(stdout);
}

int
th_check(struct th *t, int ok, const char *what, const char *file, int line)
{
	if (!ok) {
		t->cur_failed++;
		printf("     %s:%d: check failed: %s\n", file, line, what);
	}
	return ok;
}

int
th_check_str(struct th *t, const char *got, const char *want, const char *what,
    const char *file, int line)
{
	int ok = got != NULL && want != NULL && strcmp(got, want) == 0;

	if (!ok) {
		t->cur_failed++;
		printf("     %s:%d: %s is \"%s\", want \"%s\"\n", file, line, what,
		    got ? got : "(null)", want ? want : "(null)");
	}
	return ok;
}

int
th_check_mem(struct th *t, const void *got, size_t glen, const void *want,
    size_t wlen, const char *what, const char *file, int line)
{
	int ok = glen == wlen && (glen == 0 || memcmp(got, want, glen) == 0);

	if (!ok) {
		t->cur_failed++;
		printf("     %s:%d: %s differs (%zu bytes, want %zu): \"%.*s\" vs \"%.*s\"\n",
		    file, line, what, glen, wlen, (int)(glen > 200 ? 200 : glen),
		    (const char *)got, (int)(wlen > 200 ? 200 : wlen), (const char *)want);
	}
	return ok;
}

int
th_check_int(struct th *t, long long got, long long want, const char *what,
    const char *file, int line)
{
	if (got != want) {
		t->cur_failed++;
		printf("     %s:%d: %s is %lld, want %lld\n", file, line, what, got, want);
		return 0;
	}
	return 1;
}

int
main(int argc, char **argv)
{
	struct th t = { 0, 0, 0, NULL };

	if (argc > 1)
		t.filter = argv[1];
#define SUITE(n) suite_##n(&t);
#include "suites.inc"
#undef SUITE
	printf("%d passed, %d failed\n", t.passed, t.failed);
	return t.failed ? 1 : 0;
}
