#!/bin/sh
# Registry resolution against the real docker-registry (plain and token auth).
exec python3 "$TOP/tests/registry/registry_test.py"
