#!/bin/sh
# The Engine API backend on a real dockerd + TLS registry: the container it
# makes equals, field by field, the one docker-compose makes from the same
# inputs; engine errors; the API is chosen when no docker is on PATH
# (tests/e2e/engine_api_test.py).  ~20 s.
exec python3 "$TOP/tests/e2e/engine_api_test.py"
