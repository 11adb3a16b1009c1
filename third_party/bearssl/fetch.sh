#!/bin/sh
# Obtain BearSSL from the pinned Debian source package and verify it.
# Usage: fetch.sh <destdir>     (destdir/src ends up holding the verified tree)
# Network is used only when <destdir>/.verified is missing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: fetch.sh <destdir>}
. "$here/PIN"

if [ -f "$dest/.verified" ] && [ -d "$dest/src" ]; then
	exit 0
fi
rm -rf "$dest"
mkdir -p "$dest/dl" "$dest/apt/lists/partial" "$dest/apt/archives/partial" "$dest/apt/parts"
dest=$(cd "$dest" && pwd)

# A private apt configuration: /etc/apt is never edited.
printf 'deb-src %s %s main\n' "$mirror" "$suite" > "$dest/apt/sources.list"
aptopts="-o Dir::Etc::sourcelist=$dest/apt/sources.list \
 -o Dir::Etc::sourceparts=$dest/apt/parts \
 -o Dir::State::Lists=$dest/apt/lists \
 -o Dir::Cache::Archives=$dest/apt/archives \
 -o Dir::State::status=/var/lib/dpkg/status \
 -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root"
# shellcheck disable=SC2086
apt-get $aptopts -qq update
# shellcheck disable=SC2086
(cd "$dest/dl" && apt-get $aptopts -qq --download-only source "$package=$version")

# Every file named in SHA256SUMS must match before anything is unpacked.
fail=0
while read -r sum name; do
	case "$sum" in ''|'#'*) continue ;; esac
	if [ ! -f "$dest/dl/$name" ]; then
		echo "fetch.sh: $name: missing from the download" >&2; fail=1; continue
	fi
	got=$(sha256sum "$dest/dl/$name" | cut -d' ' -f1)
	if [ "$got" != "$sum" ]; then
		echo "fetch.sh: $name: sha256 mismatch: got $got, pinned $sum; refusing to continue" >&2
		fail=1
	fi
done < "$here/SHA256SUMS"
[ "$fail" -eq 0 ] || { rm -rf "$dest/dl"; exit 1; }

mkdir -p "$dest/src"
orig=$(awk '$2 ~ /orig\.tar/ {print $2}' "$here/SHA256SUMS")
tar -xf "$dest/dl/$orig" -C "$dest/src" --strip-components=1
rm -rf "$dest/apt"
touch "$dest/.verified"
