#!/bin/sh
# HTTP client (net + tls + http) against real loopback servers: scripted
# Python servers (plain, TLS with a throw-away CA, AF_UNIX, CONNECT proxy)
# and the real docker-registry over TLS.  Driver: build/drivers/http-get.
set -u
: "${TOP:?}" "${DRIVERS:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! sh "$TOP/tests/lib/testca.sh" "$tmp/pki" > "$tmp/testca.log" 2>&1; then
	cat "$tmp/testca.log"
	echo "FAIL test PKI generation"
	echo "0 passed, 1 failed"
	exit 1
fi
PKI=$tmp/pki TMPDIR=$tmp exec python3 "$TOP/tests/client/test_client.py"
