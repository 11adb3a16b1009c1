#!/bin/sh
# The real-service test infrastructure (tests/lib): PKI, docker-registry with
# and without token auth, token server, image pusher, a private dockerd.
# Needs root (dockerd); a dockerd that cannot start is a failure, not a skip.
exec python3 "$TOP/tests/lib/infra_selftest.py"
