#!/bin/sh
# Rendered compose files, read back by a strict YAML-subset reader: exact
# structure for TEE/NONTEE and both compose flavours; hostile image names
# cannot add keys and round-trip exactly (PyYAML / docker-compose cross-check
# when installed).
exec python3 "$TOP/tests/lib/compose_check.py"
