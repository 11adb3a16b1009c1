#!/bin/sh
# The RTMR3 golden vectors are data produced by an independent Python
# implementation; the committed file must be exactly what the script prints.
. "$TOP/tests/lib/tap.sh"
gdir="$TOP/tests/data/rtmr"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
check "make_golden.py runs" sh -c "python3 '$gdir/make_golden.py' > '$out'"
check "golden.txt is what make_golden.py prints" cmp -s "$out" "$gdir/golden.txt"
check "golden.txt holds a 3-event log and its RTMR3" \
	sh -c "[ \$(grep -c '^log=' '$gdir/golden.txt') -eq 3 ] && grep -q '^log_rtmr3=[0-9a-f]\{96\}$' '$gdir/golden.txt'"
summary
