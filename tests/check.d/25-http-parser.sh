#!/bin/sh
# HTTP/1.1 response parser and WWW-Authenticate parser, through their dump
# drivers: committed raw responses under tests/data/http (valid ones must
# dump exactly as expected, invalid ones must fail with the exact error),
# a generated over-64-KiB head, and a few WWW-Authenticate values.  The dump
# driver also fails (exit 3) if whole and byte-by-byte parsing disagree.
. "$TOP/tests/lib/tap.sh"
D=$TOP/tests/data/http
DUMP=$DRIVERS/http-response-dump
WA=$DRIVERS/www-auth-dump
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 "$D/make_cases.py" "$tmp/gen" &&
	diff -r "$tmp/gen/valid" "$D/valid" > /dev/null &&
	diff -r "$tmp/gen/invalid" "$D/invalid" > /dev/null
check "committed cases match tests/data/http/make_cases.py" [ $? -eq 0 ]

for f in "$D"/valid/*.http; do
	n=$(basename "$f" .http)
	args=
	case $n in head-*) args=--head ;; esac
	"$DUMP" $args < "$f" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ "$rc" -eq 0 ] && cmp -s "$tmp/out" "$D/valid/$n.dump"; then
		ok "valid/$n dumps as expected"
	else
		fail "valid/$n (exit $rc): $(head -c 300 "$tmp/err")"
	fi
done

for f in "$D"/invalid/*.http; do
	n=$(basename "$f" .http)
	"$DUMP" < "$f" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [ "$rc" -eq 1 ] && cmp -s "$tmp/err" "$D/invalid/$n.err"; then
		ok "invalid/$n is refused: $(cat "$tmp/err")"
	else
		fail "invalid/$n (exit $rc, want 1): $(head -c 300 "$tmp/err")"
	fi
done

# Heads exactly at and one byte over the 64 KiB limit.
big_head() {
	python3 -c '
import sys
n = int(sys.argv[1])
pre, post = b"HTTP/1.1 200 OK\r\nX-Pad: ", b"\r\nContent-Length: 0\r\n\r\n"
sys.stdout.buffer.write(pre + b"p" * (n - len(pre) - len(post)) + post)
' "$1"
}
big_head 65536 | "$DUMP" > /dev/null 2>&1
check "a 65536-byte head is accepted" [ $? -eq 0 ]
big_head 65537 | "$DUMP" > /dev/null 2> "$tmp/err"
rc=$?
check "a 65537-byte head is refused at offset 65536" sh -c "[ $rc -eq 1 ] &&
	grep -qx 'error: HTTP response offset 65536: head exceeds 65536 bytes' '$tmp/err'"

wa() { # value, expected output
	out=$(printf '%s' "$1" | "$WA" 2>&1)
	[ "$out" = "$2" ]
}
check "www-auth: Docker Hub Bearer challenge" wa \
	'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull"' \
	"$(printf 'challenge bearer\nparam realm=https://auth.docker.io/token\nparam service=registry.docker.io\nparam scope=repository:library/ubuntu:pull')"
check "www-auth: several challenges, token68, escapes" wa \
	'Basic realm="a \"b\"", NEGOTIATE abc==, Bearer REALM=x' \
	"$(printf 'challenge basic\nparam realm=a "b"\nchallenge negotiate\ntoken68 abc==\nchallenge bearer\nparam realm=x')"
check "www-auth: repeated parameter is refused" wa \
	'Bearer realm="a", Realm="b"' \
	'error: WWW-Authenticate offset 18: parameter "Realm" repeated'
check "www-auth: unterminated quoted string is refused" wa \
	'Bearer realm="a' \
	'error: WWW-Authenticate offset 13: unterminated quoted string'
summary
