#!/bin/sh
# The module map (tests/layers.txt) against the tree: no upward include, no
# I/O header in a layer-0 file, every module in the map (tests/lib/layers.py
# prints one line per finding).  Then the checker itself, on a small tree
# with one violation of each kind.  Source only: runs without a build.
. "$TOP/tests/lib/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
py="$TOP/tests/lib/layers.py"

python3 "$py" "$TOP" > "$tmp/out"; rc=$?
sed '$d' "$tmp/out"
check "src/ and include/ follow tests/layers.txt ($(tail -n 1 "$tmp/out"))" [ "$rc" -eq 0 ]

t="$tmp/tree"
mkdir -p "$t/src" "$t/include" "$t/tests"
cat > "$t/tests/layers.txt" <<'T'
low   0  a parser
mid   1  an I/O primitive
high  3  a domain module
gone  2  a module without files
T
printf '#include "mid.h"\n#include <stdio.h>\n#include <string.h>\n' > "$t/src/low.c"
printf '#include <sys/socket.h>\n' > "$t/include/low.h"
printf '#include "low.h"\n#include "high.h"\n#include <unistd.h>\n' > "$t/src/mid.c"
printf '#include "mid.h"\n#include "low.h"\n#include "gen.inc"\n' > "$t/src/high.c"
printf '\n' > "$t/include/mid.h" && printf '\n' > "$t/include/high.h"
printf '#include "low.h"\n' > "$t/src/extra.c"
cat > "$tmp/want" <<'W'
missing extra: no row in tests/layers.txt
stale gone: in tests/layers.txt, but no src/gone.c or include/gone.h
upward src/low.c:1: layer 0 low includes "mid.h" (layer 1 mid)
io src/low.c:2: layer-0 low includes <stdio.h>
upward src/mid.c:2: layer 1 mid includes "high.h" (layer 3 high)
io include/low.h:1: layer-0 low includes <sys/socket.h>
14 passed, 6 failed
W
python3 "$py" "$t" > "$tmp/got"; rc=$?
check "the checker reports an upward include, a layer-0 I/O header, a missing and a stale module, and fails" \
	sh -c "[ $rc -ne 0 ] && diff '$tmp/want' '$tmp/got'"
summary
