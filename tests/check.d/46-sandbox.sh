#!/bin/sh
# The resolver child's sandbox from the inside (issue 13): build/sandbox-probe
# (tests/sandbox/probe.c: the real fork, sandbox and record, with the walk
# replaced by forbidden actions) must be refused each one, and still reach
# what the walk needs.  The engine socket is a live AF_UNIX listener.
. "$TOP/tests/lib/tap.sh"
tmp=$(mktemp -d)
trap 'kill "$lsn" 2>/dev/null; rm -rf "$tmp"' EXIT
printf '[mpc_node_config]\nsecret = "do-not-read"\n' > "$tmp/user_config"
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); time.sleep(60)' \
	"$tmp/engine.sock" &
lsn=$!
i=0
while [ ! -S "$tmp/engine.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "the probe runs and reports through the record" \
	sh -c "'$B/sandbox-probe' '$tmp/user_config' '$tmp/engine.sock' '$tmp' > '$tmp/out'"
cat "$tmp/out"
has() { grep -q -- " $1=$2\( \|\$\)" "$tmp/out" || grep -q -- "^$1=$2 " "$tmp/out"; }
check "no AF_UNIX socket, so no connection to the engine socket" has unix EPERM
check "the engine socket is not reached" has connect EPERM
check "opening a file for writing is refused" has write EPERM
check "no file was created" test ! -e "$tmp/written"
check "execve is refused" has exec EPERM
check "signalling the parent is refused" has kill EPERM
check "ptrace of the parent is refused" has ptrace EPERM
check "TCP sockets still work (the walk needs them)" has inet ok
check "/etc/hosts is still readable (name resolution needs it)" has hosts ok
dns_same() {
	out=$(sed -n 's/.* dns=\([a-z]*\) dns_outside=\([a-z]*\)$/\1 \2/p' "$tmp/out")
	[ -n "$out" ] && [ "${out% *}" = "${out#* }" ] && [ "${out% *}" != system ]
}
check "a DNS lookup gives the same answer inside as outside" dns_same
if grep -q "^landlock=0 " "$tmp/out"; then
	ok "# skip: no Landlock in this kernel, reading the user config is not denied here"
else
	check "reading the user config is refused by Landlock" has config EACCES
fi
# The parent's side: every way the child can fail it is a clear error.
fault() { # fault, expected message (grep -F)
	"$B/sandbox-probe" "$tmp/user_config" "$tmp/engine.sock" "$tmp" "$1" > "$tmp/f.$1" 2>&1
	grep -qF "$2" "$tmp/f.$1" || { cat "$tmp/f.$1"; return 1; }
}
check "a child killed by the filter (an x32 call) is a failure" \
	fault x32 "resolver child killed by signal 31"
check "a child exiting non-zero is a failure" fault exit "resolver child exited with status 3"
check "a short record is refused" fault garbage "resolver child sent a malformed result (7 bytes)"
check "an overlong record is refused" fault long "resolver child sent a malformed result (610 bytes)"
check "a well-formed record naming another digest is refused" fault lie \
	"resolver child named a config digest other than the selected digest"
hang_ends() {
	start=$(date +%s)
	fault hang "resolver child: read: timeout" && [ $(($(date +%s) - start)) -le 5 ]
}
check "a child that never answers is killed at the deadline" hang_ends
summary
