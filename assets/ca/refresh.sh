#!/bin/sh
# Rebuild mozilla-roots.pem from one pinned version of Debian's ca-certificates.
# Usage: refresh.sh <debian-version>      e.g. refresh.sh 20230311+deb12u1
# Only /usr/share/ca-certificates/mozilla/*.crt is used: the machine's own
# /etc/ssl/certs bundle may hold local CAs and must never leak into the binary.
set -eu
ver=${1:?usage: refresh.sh <ca-certificates version>}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get -qq -o APT::Sandbox::User=root download "ca-certificates=$ver")
deb=$(ls "$tmp"/ca-certificates_*.deb)
debsum=$(sha256sum "$deb" | cut -d' ' -f1)
dpkg-deb -x "$deb" "$tmp/x"
n=0
: > "$tmp/roots.pem"
for f in $(cd "$tmp/x/usr/share/ca-certificates/mozilla" && LC_ALL=C ls *.crt); do
	printf '# %s\n' "$f" >> "$tmp/roots.pem"
	cat "$tmp/x/usr/share/ca-certificates/mozilla/$f" >> "$tmp/roots.pem"
	n=$((n + 1))
done
mv "$tmp/roots.pem" "$here/mozilla-roots.pem"
pemsum=$(sha256sum "$here/mozilla-roots.pem" | cut -d' ' -f1)
cat > "$here/ORIGIN" <<EOT
# Origin of mozilla-roots.pem (public data, committed as allowed by the design card)
package=ca-certificates
version=$ver
deb=$(basename "$deb")
deb_sha256=$debsum
source_files=/usr/share/ca-certificates/mozilla/*.crt (LC_ALL=C order)
certificates=$n
pem_sha256=$pemsum
EOT
echo "refresh.sh: $n certificates from ca-certificates $ver"
