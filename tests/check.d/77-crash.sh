#!/bin/sh
# The crash and error-injection sample (tests/crash/crash_test.py, issue 14):
# the launcher SIGKILLed at every system call of one path (native V1, api
# engine, first boot) and at a stride of the other paths, engines and
# scenarios, continued as a restart and as a reboot; one errno injected at a
# stride of the calls of two paths; plus the windows issue 14 names, each
# killed at exactly its call.  Two shards at once, each with its own dockerd,
# registry, agent and FUSE register (about five minutes on 2 cores).  The
# whole campaign is `make crash-check` (hours).
set -u
: "${TOP:?}" "${B:?}"
out0=$(mktemp) out1=$(mktemp)
trap 'rm -f "$out0" "$out1"' EXIT
CRASH_MODE=sample CRASH_SHARD=0/2 python3 "$TOP/tests/crash/crash_test.py" > "$out0" 2>&1 &
p0=$!
CRASH_MODE=sample CRASH_SHARD=1/2 python3 "$TOP/tests/crash/crash_test.py" > "$out1" 2>&1 &
p1=$!
wait "$p0"; r0=$?
wait "$p1"; r1=$?
tp=0 tf=0
for f in "$out0" "$out1"; do
	echo "--- shard $([ "$f" = "$out0" ] && echo 0 || echo 1)"
	grep -vE '^[0-9]+ passed, [0-9]+ failed$' "$f"
	last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$f" | tail -n 1)
	if [ -z "$last" ]; then
		tf=$((tf + 1))
		echo "FAIL shard: no summary line"
		continue
	fi
	p=${last%% passed*}; n=${last#*passed, }; n=${n%% failed}
	tp=$((tp + p)); tf=$((tf + n))
done
[ "$r0" -eq 0 ] && [ "$r1" -eq 0 ] || [ "$tf" -gt 0 ] || tf=1
echo "$tp passed, $tf failed"
[ "$tf" -eq 0 ]
