#!/bin/sh
# Dockerfile.musl end to end on a private dockerd: local bookworm base
# (debootstrap, cached in $B/cache), build, pinned sha256 of the binary inside,
# `docker run` of the FROM-scratch image.  ~1 min; TL_SKIP_SLOW=1 skips it.
exec python3 "$TOP/tests/lib/dockerfile_check.py"
