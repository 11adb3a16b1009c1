#!/bin/sh
# toml-test (TOML 1.0.0 cases, vendored in tests/data/toml-test): every valid
# case decodes to its .json, every invalid case is rejected, and every valid
# case survives the serializer (checked by tomllib and by our decoder).
exec python3 "$TOP/tests/lib/toml_test.py" "$TOP/tests/data/toml-test" \
    "$DRIVERS/toml-decode" "$DRIVERS/toml-roundtrip"
