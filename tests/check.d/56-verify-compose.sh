#!/bin/sh
# The launcher compose template and make verify-compose: renderings equal as
# plain compose and as dstack app-compose.json, tampered ones told apart
# (tests/lib/verify_compose_test.py).
exec python3 "$TOP/tests/lib/verify_compose_test.py"
