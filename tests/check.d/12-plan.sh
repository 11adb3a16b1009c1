#!/bin/sh
# `tee-launcher plan` under strace: what a TEE launch would do, with nothing
# contacted, measured or written (tests/e2e/plan_test.py; no root).
exec python3 "$TOP/tests/e2e/plan_test.py"
