# Tiny assertion helpers for shell check stages; source it, call ok/fail,
# end with `summary`.
pass_n=0 fail_n=0
ok() { pass_n=$((pass_n + 1)); echo "ok   $*"; }
fail() { fail_n=$((fail_n + 1)); echo "FAIL $*"; }
check() { # description, command...
	d=$1; shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}
summary() { echo "$pass_n passed, $fail_n failed"; [ "$fail_n" -eq 0 ]; }
