#!/bin/sh
# valgrind memcheck over a glibc build without sanitizers ($B/test-vg, same
# sources, -O1 -g): the unit tests, then the parser drivers on a sample of
# the conformance inputs.  Zero errors and zero definite/indirect leaks, and
# each driver gives the same verdict as its ASan build in $DRIVERS.
# Forked children that fail before exec are not checked (they _exit at once).
. "$TOP/tests/lib/tap.sh"
V=$B/test-vg
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
VG="valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
	--child-silent-after-fork=yes --num-callers=30"

# shellcheck disable=SC2086
$VG --error-exitcode=1 "$V/unit" > "$tmp/unit" 2>&1
rc=$?
sum=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$tmp/unit" | tail -n 1)
if [ "$rc" -eq 0 ] && grep -q 'ERROR SUMMARY: 0 errors' "$tmp/unit" &&
	[ "${sum#* passed, }" = "0 failed" ]; then
	ok "unit tests under valgrind: $sum, 0 errors, no leaks"
else
	fail "unit tests under valgrind (exit $rc, ${sum:-no summary}):"
	grep -E '^==[0-9]+==|^FAIL' "$tmp/unit" | head -n 60
fi

# driver name, input file, [args]: exit 99 is reserved for valgrind's
# verdict; the driver's own exit code must match the ASan build's.
drive() {
	d=$1 f=$2; shift 2
	"$DRIVERS/$d" "$@" < "$f" > /dev/null 2>&1
	want=$?
	# shellcheck disable=SC2086
	$VG --error-exitcode=99 "$V/drivers/$d" "$@" < "$f" > /dev/null 2> "$tmp/err"
	rc=$?
	n="$d $(basename "$(dirname "$f")")/$(basename "$f")"
	if [ "$rc" -eq "$want" ] && [ "$rc" -ne 99 ]; then
		ok "$n: exit $rc, clean"
	else
		fail "$n: exit $rc (ASan build: $want)"
		grep '^==' "$tmp/err" | head -n 30
	fi
}
# Every k-th file of a sorted list: a spread over the whole suite.
sample() { # k, files...
	k=$1; shift
	printf '%s\n' "$@" | LC_ALL=C sort | awk -v k="$k" 'NR % k == 1'
}

J=$TOP/tests/data/JSONTestSuite/test_parsing
for f in $(sample 25 "$J"/*.json) "$J/n_structure_100000_opening_arrays.json" \
	"$J/y_object_duplicated_key.json" "$J/i_string_UTF-16LE_with_BOM.json"; do
	[ -f "$f" ] && drive json-check "$f" "$f"
done
T=$TOP/tests/data/toml-test
for f in $(sample 40 $(find "$T/valid" "$T/invalid" -name '*.toml')); do
	drive toml-decode "$f"
done
H=$TOP/tests/data/http
for f in $(sample 5 "$H"/valid/*.http "$H"/invalid/*.http); do
	case $(basename "$f") in head-*) drive http-response-dump "$f" --head ;;
	*) drive http-response-dump "$f" ;; esac
done
summary
