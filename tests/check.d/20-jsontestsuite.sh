#!/bin/sh
# JSONTestSuite test_parsing (tests/data/JSONTestSuite, see ORIGIN) through
# $DRIVERS/json-check: every y_ accepted, every n_ rejected, every i_ either
# accepted or rejected but never a crash or sanitizer report.  One test per
# file.
#
# Deliberate deviation: RFC 8259 only says object names SHOULD be unique and
# the suite counts duplicates as valid, but tee-launcher rejects them (two
# readers must never see different "digest" fields).  Those y_ files must be
# rejected, and for exactly that reason.
set -u
: "${TOP:?}" "${DRIVERS:?}"
D="$TOP/tests/data/JSONTestSuite/test_parsing"
J="$DRIVERS/json-check"
POLICY_REJECT="y_object_duplicated_key.json y_object_duplicated_key_and_value.json"
# A sanitizer report must not look like a reject (exit 1).
export ASAN_OPTIONS="exitcode=86:detect_leaks=1"
export UBSAN_OPTIONS="exitcode=87:print_stacktrace=1"

err=$(mktemp)
trap 'rm -f "$err"' EXIT
pass=0 fail=0
y_ok=0 y_bad=0 y_policy=0 n_ok=0 n_bad=0 i_acc=0 i_rej=0 i_bad=0

bad() { fail=$((fail + 1)); echo "FAIL $1: $2"; sed 's/^/     /' "$err" | head -n 5; }

for f in "$D"/*.json; do
	[ -e "$f" ] || continue
	n=$(basename "$f")
	"$J" "$f" > /dev/null 2> "$err"
	rc=$?
	if [ "$rc" -gt 1 ] || grep -q -e 'Sanitizer' -e 'runtime error' "$err"; then
		bad "$n" "crashed or sanitizer report (exit $rc)"
		case $n in y_*) y_bad=$((y_bad + 1)) ;; n_*) n_bad=$((n_bad + 1)) ;; *) i_bad=$((i_bad + 1)) ;; esac
		continue
	fi
	case " $POLICY_REJECT " in *" $n "*) policy=1 ;; *) policy=0 ;; esac
	case $n in
	y_*)
		if [ "$policy" -eq 1 ]; then
			if [ "$rc" -eq 1 ] && grep -q 'duplicate key' "$err"; then
				y_policy=$((y_policy + 1)); pass=$((pass + 1))
			else
				y_bad=$((y_bad + 1)); bad "$n" "must be rejected as a duplicate key (exit $rc)"
			fi
		elif [ "$rc" -eq 0 ]; then
			y_ok=$((y_ok + 1)); pass=$((pass + 1))
		else
			y_bad=$((y_bad + 1)); bad "$n" "valid JSON rejected"
		fi ;;
	n_*)
		if [ "$rc" -eq 1 ]; then
			n_ok=$((n_ok + 1)); pass=$((pass + 1))
		else
			n_bad=$((n_bad + 1)); bad "$n" "invalid JSON accepted"
		fi ;;
	i_*)
		pass=$((pass + 1))
		if [ "$rc" -eq 0 ]; then i_acc=$((i_acc + 1)); else i_rej=$((i_rej + 1)); fi ;;
	*)
		bad "$n" "unknown category" ;;
	esac
done

total=$((pass + fail))
if [ "$total" -lt 318 ]; then
	fail=$((fail + 1))
	echo "FAIL only $total files found in $D (want 318)"
fi
echo "y_ (must accept): $y_ok accepted, $y_policy rejected by duplicate-key policy, $y_bad wrong"
echo "n_ (must reject): $n_ok rejected, $n_bad wrong"
echo "i_ (either):      $i_acc accepted, $i_rej rejected, $i_bad crashed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
