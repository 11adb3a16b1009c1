#!/bin/sh
# Builds the launcher's OCI image layout, bit for bit reproducibly:
#   OUT/oci-layout, OUT/index.json (ref "latest"), OUT/blobs/sha256/<hex> for
#   the layer, the config and the manifest; OUT/manifest.sha256 holds the
#   manifest digest (bare hex, the form reproducible/image-manifest.sha256 pins).
# The one layer holds only /tee-launcher: ustar (no pax times), uid/gid 0, no
# owner names, mode 0755, mtime SOURCE_DATE_EPOCH; gzip -n -9 (no name, no
# time).  The config's created is SOURCE_DATE_EPOCH; every JSON document is
# written by printf with a fixed key order and no whitespace.
# Tools: GNU tar, gzip, sha256sum, date, printf (Debian builder; versions in
# reproducible/TOOLCHAIN).
# usage: SOURCE_DATE_EPOCH=N sh reproducible/oci-image.sh BINARY OUTDIR
set -eu
[ $# -eq 2 ] || { echo "usage: oci-image.sh BINARY OUTDIR" >&2; exit 2; }
bin=$1
out=$2
: "${SOURCE_DATE_EPOCH:?SOURCE_DATE_EPOCH must be set}"
export LC_ALL=C TZ=UTC
umask 022

hex() { sha256sum "$1" | cut -c1-64; }
size() { wc -c < "$1" | tr -d ' '; }
# Moves a finished file into the blob store under its own digest.
blob() {
	h=$(hex "$1")
	mv "$1" "$out/blobs/sha256/$h"
	echo "$h"
}

rm -rf "$out"
mkdir -p "$out/blobs/sha256"
stage=$out/.stage
mkdir -p "$stage/root"
cp "$bin" "$stage/root/tee-launcher"

tar --create --format=ustar --sort=name --numeric-owner --owner=0 --group=0 \
	--mode=0755 --mtime="@$SOURCE_DATE_EPOCH" --no-recursion \
	-C "$stage/root" -f "$stage/layer.tar" tee-launcher
diff_id=$(hex "$stage/layer.tar")
gzip -n -9 -c "$stage/layer.tar" > "$stage/layer.tar.gz"
layer_size=$(size "$stage/layer.tar.gz")
layer=$(blob "$stage/layer.tar.gz")

created=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
printf '{"architecture":"amd64","config":{"Entrypoint":["/tee-launcher"]},"created":"%s","history":[{"created":"%s","created_by":"make image"}],"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
	"$created" "$created" "$diff_id" > "$stage/config.json"
config_size=$(size "$stage/config.json")
config=$(blob "$stage/config.json")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
	"$config" "$config_size" "$layer" "$layer_size" > "$stage/manifest.json"
manifest_size=$(size "$stage/manifest.json")
manifest=$(blob "$stage/manifest.json")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
	"$manifest" "$manifest_size" > "$out/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' > "$out/oci-layout"
echo "$manifest" > "$out/manifest.sha256"
rm -rf "$stage"
echo "image: $out manifest sha256:$manifest"
