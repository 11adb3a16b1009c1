#!/bin/sh
# The launch end to end: the musl binary against a real TLS registry with
# token auth, a real dockerd + docker-compose, the simulated dstack agent and
# a temp-dir RTMR3 file or a FUSE file with the kernel's RTMR3 semantics
# (tests/e2e/launch_test.py).
exec python3 "$TOP/tests/e2e/launch_test.py"
