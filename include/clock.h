/*
 * clock — the one monotonic clock the launcher's deadlines are measured on.
 *
 * Wall-clock time can jump (NTP, a CVM's first sync), so every timeout and
 * polling deadline uses CLOCK_MONOTONIC.  No state, no errors: the call
 * cannot fail for CLOCK_MONOTONIC on Linux.
 */
#ifndef TL_CLOCK_H
#define TL_CLOCK_H

/* Milliseconds since an arbitrary fixed point. */
long long clock_monotonic_ms(void);

/* Sleeps ms milliseconds (resumed after a signal). */
void clock_sleep_ms(long ms);

#endif
