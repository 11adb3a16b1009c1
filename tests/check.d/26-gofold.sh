#!/bin/sh
# src/gofold.c's fold table, rune by rune, against the simple-fold orbits
# tests/gofold/orbits.py computes from Python's Unicode database; and the
# committed table is the one the script prints.
. "$TOP/tests/lib/tap.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
orbits="$TOP/tests/gofold/orbits.py"
table_is_generated() {
	python3 "$orbits" table > "$tmp/want" || return 1
	sed -n '/^static const uint32_t fold_runs/,/^};/p' "$TOP/src/gofold.c" |
		sed '1d;$d' > "$tmp/got"
	cmp -s "$tmp/want" "$tmp/got"
}
check "gofold-dump prints every scalar value" sh -c "'$B/drivers/gofold-dump' > '$tmp/dump'"
check "every rune folds to its orbit's smallest rune within the scope, else itself" \
	python3 "$orbits" check "$tmp/dump"
check "src/gofold.c holds the table orbits.py prints" table_is_generated
summary
