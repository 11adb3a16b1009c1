#!/bin/sh
# Differential test against Python's tomllib: 20000 generated documents
# (fixed seed, so failures reproduce) must be accepted or rejected exactly
# as tomllib does, read as the same data in the same key order, and survive
# our serializer.  See tests/lib/toml_differential.py.
exec python3 "$TOP/tests/lib/toml_differential.py" "$DRIVERS/toml-decode" \
    "${TOML_DIFF_COUNT:-20000}" "${TOML_DIFF_SEED:-1}"
