/*
 * fmt — the launcher's own bounded snprintf.
 *
 * musl's vfprintf carries floating-point and wide-character formatting that
 * the launcher never uses (about 12 KB of a binary that must stay under
 * 300 KiB).  This formatter covers the integer, character and string
 * conversions the sources use, with C99 snprintf semantics, so a call site
 * changes only its function name and keeps the compiler's format checks.
 *
 * Supported: flags '-' and '0'; width and precision as digits or '*';
 * length modifiers hh h l ll z j t; conversions d i u x X c s p %.
 * Anything else (floating point, %n, positional arguments) is a programming
 * error: it writes "%?" and the rest of the format is still processed.
 *
 * Memory: writes only buf[0..cap); nothing allocated.  Always NUL-terminates
 * when cap > 0.
 * Returns the length the whole output would have had (so a result ≥ cap
 * means truncation), capped at INT_MAX.
 */
#ifndef TL_FMT_H
#define TL_FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

int fmt_snprintf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
