#!/bin/sh
# dstack.c's request bytes against the simulated dstack agent
# (tests/lib/fake_dstack.py), and the agent's own strictness and faults.
exec python3 "$TOP/tests/lib/dstack_check.py"
