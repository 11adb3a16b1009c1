/*
 * Minimal test harness (musl cannot link Debian's C test frameworks, and the
 * sanitizer build uses the same harness for symmetry).
 *
 * Each tests/unit/test_<name>.c defines `void suite_<name>(struct th *t)`
 * which calls th_run() once per test; the Makefile discovers the suites.
 * Test names read as sentences of behaviour.
 */
#ifndef TL_HARNESS_H
#define TL_HARNESS_H

#include <stddef.h>
#include <string.h>

struct th {
	int passed;
	int failed;
	int cur_failed;     /* failures in the running test */
	const char *filter; /* substring of test names to run, or NULL */
};

typedef void th_fn(struct th *t);

void th_run(struct th *t, const char *name, th_fn *fn);
int th_check(struct th *t, int ok, const char *what, const char *file, int line);
int th_check_str(struct th *t, const char *got, const char *want,
    const char *what, const char *file, int line);
int th_check_mem(struct th *t, const void *got, size_t glen, const void *want,
    size_t wlen, const char *what, const char *file, int line);
int th_check_int(struct th *t, long long got, long long want, const char *what,
    const char *file, int line);

/* CHECK continues the test on failure; REQUIRE returns from it. */
#define CHECK(t, c) th_check((t), !!(c), #c, __FILE__, __LINE__)
#define REQUIRE(t, c) do { if (!CHECK(t, c)) return; } while (0)
#define CHECK_STR(t, got, want) th_check_str((t), (got), (want), #got, __FILE__, __LINE__)
#define CHECK_INT(t, got, want) th_check_int((t), (long long)(got), (long long)(want), #got, __FILE__, __LINE__)
#define CHECK_MEM(t, g, gl, w, wl) th_check_mem((t), (g), (gl), (w), (wl), #g, __FILE__, __LINE__)
#define REQUIRE_INT(t, got, want) do { if (!CHECK_INT(t, got, want)) return; } while (0)

#endif
