#!/bin/sh
# The unit tests built by clang with ASan + UBSan ($B/test-clang): clang's
# UBSan and its code generation differ from gcc's, which builds $B/test.
# The harness prints the "N passed, N failed" line; a sanitizer report
# aborts before it, which run-checks counts as a failure.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
exec "$B/test-clang/unit"
