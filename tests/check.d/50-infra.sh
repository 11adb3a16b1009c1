#!/bin/sh
# The real-service test infrastructure (tests/lib): PKI, docker-registry with
# and without token auth, token server, image pusher, a private dockerd, and
# the FUSE RTMR3 register (tests/lib/rtmr_fuse.py: read = register, 48-byte
# write extends, other writes EINVAL, statfs type FUSE).
# Needs root (dockerd); a dockerd that cannot start is a failure, not a skip.
exec python3 "$TOP/tests/lib/infra_selftest.py"
