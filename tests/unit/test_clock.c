/* clock: monotonic milliseconds, and a sleep that lasts at least its time. */
#include "clock.h"
#include "harness.h"

static void
sleeping_moves_the_monotonic_clock_forward_by_at_least_the_time(struct th *t)
{
	long long a = clock_monotonic_ms(), b;

	clock_sleep_ms(30);
	b = clock_monotonic_ms();
	CHECK(t, b - a >= 30);
	CHECK(t, b - a < 10000);
	CHECK(t, clock_monotonic_ms() >= b);
}

void
suite_clock(struct th *t)
{
	th_run(t, "clock: sleeping moves the monotonic clock forward by at least the time",
	    sleeping_moves_the_monotonic_clock_forward_by_at_least_the_time);
}
