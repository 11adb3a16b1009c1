#!/bin/sh
# The build itself: one static, stripped musl binary with compiled-in anchors.
. "$TOP/tests/lib/tap.sh"
L=$LAUNCHER
f=$(file -b "$L")
check "binary is statically linked" sh -c "echo '$f' | grep -q 'statically linked'"
check "binary is stripped" sh -c "echo '$f' | grep -q ', stripped'"
check "binary has no program interpreter" sh -c "! readelf -l '$L' | grep -q INTERP"
check "binary has no dynamic section" sh -c "! readelf -d '$L' 2>/dev/null | grep -q NEEDED"
check "binary is RELRO + BIND_NOW hardened" sh -c "readelf -l '$L' | grep -q GNU_RELRO"
check "binary embeds no build path" sh -c "! grep -q '$TOP' '$L'"
v=$("$L" --version); rc=$?
check "--version exits 0" [ "$rc" -eq 0 ]
check "--version names the version" sh -c "echo '$v' | grep -qx 'tee-launcher $(cat "$TOP/VERSION")'"
n=$(grep -c 'BEGIN CERTIFICATE' "$TOP/assets/ca/mozilla-roots.pem")
check "--version counts $n compiled-in trust anchors" sh -c "echo '$v' | grep -qx 'trust-anchors $n'"
check "--version prints the source id" sh -c "echo '$v' | grep -qx 'source [0-9a-f]\{16\}'"
"$L" --help > "${TMPDIR:-/tmp}/tl-help.$$"; rc=$?
check "--help exits 0 and prints usage" sh -c "[ $rc -eq 0 ] && grep -q '^usage: tee-launcher' '${TMPDIR:-/tmp}/tl-help.$$'"
rm -f "${TMPDIR:-/tmp}/tl-help.$$"
err=$("$L" --bogus 2>&1 >/dev/null); rc=$?
check "unknown flag exits 2" [ "$rc" -eq 2 ]
check "unknown flag gives a one-line error" sh -c "[ \$(printf '%s\n' '$err' | wc -l) -eq 1 ] && echo '$err' | grep -q -- '--bogus'"
summary
