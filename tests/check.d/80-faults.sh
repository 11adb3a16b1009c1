#!/bin/sh
# The fault matrix (tests/faults/): the musl launcher against faults in the
# registry, token server and TLS (through tests/faults/fault_proxy.py), the
# Docker engine, compose, the dstack agent and the file system; the same
# invariants are asserted after every fault.  FAULTS_ONLY=<substrings of
# case function names, comma-separated> runs a subset.
exec python3 "$TOP/tests/faults/fault_matrix.py"
