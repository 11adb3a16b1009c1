#!/usr/bin/env python3
"""Pushes test images to a registry over the Docker Registry HTTP API v2, with
the bearer-token flow when the registry asks for it.  No engine needed.

push_standard(client) pushes, into one repository (default tl/mpc-node), one
tag per manifest shape the launcher must handle:

  tag          top-level manifest
  docker-v2    Docker v2 schema2 manifest (linux/amd64)
  oci          OCI image manifest (linux/amd64)
  oci-index    OCI index: arm64, amd64, and a buildkit-style attestation
               manifest (platform unknown/unknown) -- arm64 first on purpose
  docker-list  Docker manifest list: arm64, amd64
  nested       OCI index -> OCI index (linux/amd64) -> arm64, amd64 manifests
  nested-deep  index -> index -> index -> amd64 manifest (3 levels: over the limit)
  other        Docker v2 manifest of another image (a config that never matches)

Every amd64 image is runnable: one gzip tar layer holding the static stub
/app/mpc-node (tests/mpc-node-stub), Cmd
["/app/mpc-node", "start-with-config-file", "/mnt/shared/mpc-config.toml"].
Each tag's amd64 image has its own config (label org.tee-launcher.test=<tag>),
so each tag has a distinct config digest.  For each tag it returns
{"tag", "repo", "digest", "media_type", "config_digest", "platform_digest",
 "platform_media_type", "ref"}: digest is the tag's manifest; platform_digest
the linux/amd64 image manifest below it (equal to digest for single
manifests); config_digest that manifest's config (the image ID).  ref is
host/repo@platform_digest, what `docker pull` takes.

CLI: registry_push.py --registry localhost:PORT --ca CA [--user U]
     [--repo R] [--out FILE]   (the push password comes from TL_PUSH_PASSWORD)
"""
import argparse
import base64
import gzip
import hashlib
import http.client
import io
import json
import os
import re
import ssl
import subprocess
import sys
import tarfile
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
IN_TOTO = "application/vnd.in-toto+json"
ALL_MANIFEST_TYPES = (OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_V2)

FIXED_TIME = 1767225600          # reproducible/SOURCE_DATE_EPOCH: stable digests
FIXED_CREATED = "2026-01-01T00:00:00Z"
STUB_CMD = ["/app/mpc-node", "start-with-config-file", "/mnt/shared/mpc-config.toml"]
DEFAULT_REPO = "tl/mpc-node"


class PushError(Exception):
    pass


def sha256_digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


# ---------------------------------------------------------------- client

class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        return self.headers.get(name.lower())


def parse_challenge(value):
    """'Bearer realm="..",service="..",scope=".."' -> dict, or None if not Bearer."""
    scheme, _, params = (value or "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return dict(re.findall(r'(\w+)="([^"]*)"', params))


class Client:
    """HTTPS client for one registry (host "localhost:<port>", test CA).
    user/password: sent to the token realm only (Basic), for push scopes."""

    def __init__(self, host, cafile, user=None, password=None, timeout=60):
        self.host = host
        self.ctx = ssl.create_default_context(cafile=cafile)
        self.user, self.password = user, password
        self.timeout = timeout
        self.tokens = {}      # scope -> token
        self.token_requests = 0

    def _raw(self, method, target, body, headers):
        u = urllib.parse.urlsplit(target)
        if u.scheme:  # absolute Location from the registry
            host, path = u.netloc, u.path + ("?" + u.query if u.query else "")
        else:
            host, path = self.host, target
        conn = http.client.HTTPSConnection(host, context=self.ctx, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            conn.close()

    def _token(self, challenge):
        q = {"service": challenge.get("service", "")}
        if "scope" in challenge:
            q["scope"] = challenge["scope"]
        url = challenge["realm"] + "?" + urllib.parse.urlencode(q)
        req = urllib.request.Request(url)
        if self.user:
            cred = base64.b64encode(("%s:%s" % (self.user, self.password)).encode())
            req.add_header("Authorization", "Basic " + cred.decode())
        self.token_requests += 1
        with urllib.request.urlopen(req, context=self.ctx, timeout=self.timeout) as r:
            doc = json.loads(r.read())
        return doc.get("token") or doc.get("access_token")

    def request(self, method, target, body=None, headers=None, scope=None):
        """One request; on a Bearer 401 fetch a token and retry once."""
        headers = dict(headers or {})
        if scope and scope in self.tokens:
            headers["Authorization"] = "Bearer " + self.tokens[scope]
        r = self._raw(method, target, body, headers)
        if r.status != 401:
            return r
        ch = parse_challenge(r.header("WWW-Authenticate"))
        if ch is None or "realm" not in ch:
            return r
        # Ask for our own (wider) scope when we have one: one token per repo.
        key = scope or ch.get("scope")
        if key:
            ch = dict(ch, scope=key)
        self.tokens[key] = self._token(ch)
        headers["Authorization"] = "Bearer " + self.tokens[key]
        return self._raw(method, target, body, headers)

    @staticmethod
    def _scope(repo):
        return "repository:%s:pull,push" % repo

    def push_blob(self, repo, data):
        digest = sha256_digest(data)
        scope = self._scope(repo)
        r = self.request("HEAD", "/v2/%s/blobs/%s" % (repo, digest), scope=scope)
        if r.status == 200:
            return digest
        r = self.request("POST", "/v2/%s/blobs/uploads/" % repo, scope=scope)
        if r.status != 202 or not r.header("Location"):
            raise PushError("%s: blob upload start: HTTP %d %s" % (repo, r.status, r.body[:200]))
        loc = r.header("Location")
        loc += ("&" if "?" in loc else "?") + "digest=" + digest
        r = self.request("PUT", loc, body=data, scope=scope,
                         headers={"Content-Type": "application/octet-stream",
                                  "Content-Length": str(len(data))})
        if r.status != 201:
            raise PushError("%s: blob %s: HTTP %d %s" % (repo, digest, r.status, r.body[:200]))
        return digest

    def push_manifest(self, repo, ref, body, media_type):
        r = self.request("PUT", "/v2/%s/manifests/%s" % (repo, ref), body=body,
                         scope=self._scope(repo), headers={"Content-Type": media_type})
        if r.status != 201:
            raise PushError("%s:%s: manifest: HTTP %d %s" % (repo, ref, r.status, r.body[:300]))
        digest = sha256_digest(body)
        if r.header("Docker-Content-Digest") != digest:
            raise PushError("%s:%s: registry says %s, body hashes to %s" %
                            (repo, ref, r.header("Docker-Content-Digest"), digest))
        return digest

    def get_manifest(self, repo, ref, accept=ALL_MANIFEST_TYPES):
        return self.request("GET", "/v2/%s/manifests/%s" % (repo, ref),
                            headers={"Accept": ", ".join(accept)},
                            scope="repository:%s:pull" % repo)


# ---------------------------------------------------------------- content

def build_stub(build_dir=None):
    """Compiles tests/mpc-node-stub/mpc-node.c with musl-gcc -static (cached)."""
    build_dir = build_dir or os.environ.get("B") or os.path.join(TOP, "build")
    src = os.path.join(TOP, "tests", "mpc-node-stub", "mpc-node.c")
    out = os.path.join(build_dir, "mpc-node-stub", "mpc-node")
    if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(src):
        return out
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = "%s.%d.tmp" % (out, os.getpid())
    subprocess.run(["musl-gcc", "-std=c11", "-D_GNU_SOURCE", "-Os", "-static", "-s",
                    "-Wall", "-Wextra", "-Werror", "-ffile-prefix-map=%s=." % TOP,
                    "-o", tmp, src], check=True)
    os.rename(tmp, out)
    return out


def layer_tar(files):
    """Deterministic tar: [(path, mode, bytes or None for a dir)], uid/gid 0,
    fixed mtime, in the given order."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for path, mode, data in files:
            info = tarfile.TarInfo(path)
            info.mode, info.mtime, info.uid, info.gid = mode, FIXED_TIME, 0, 0
            info.uname = info.gname = ""
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def stub_layer(stub_path):
    with open(stub_path, "rb") as f:
        exe = f.read()
    tar = layer_tar([("app", 0o755, None), ("app/mpc-node", 0o755, exe)])
    return tar, gzip.compress(tar, compresslevel=9, mtime=0)


class Pusher:
    """Builds and pushes the images of one repository."""

    def __init__(self, client, repo, stub_path):
        self.c = client
        self.repo = repo
        self.tar, self.gz = stub_layer(stub_path)
        self.layer_digest = None

    def _layer(self):
        if self.layer_digest is None:
            self.layer_digest = self.c.push_blob(self.repo, self.gz)
        return self.layer_digest

    def image(self, label, arch="amd64", oci=False, extra_layer=None):
        """Pushes config + manifest by digest; returns a descriptor dict.
        extra_layer: (tar, gz) of a second layer, pushed too."""
        layers = [(self.tar, self.gz, self._layer())]
        if extra_layer is not None:
            layers.append(extra_layer + (self.c.push_blob(self.repo, extra_layer[1]),))
        config = {
            "architecture": arch, "os": "linux", "created": FIXED_CREATED,
            "config": {"Cmd": STUB_CMD, "WorkingDir": "/",
                       "Env": ["PATH=/app"],
                       "Labels": {"org.tee-launcher.test": label}},
            "rootfs": {"type": "layers", "diff_ids": [sha256_digest(t) for t, _, _ in layers]},
            "history": [{"created": FIXED_CREATED, "created_by": "tee-launcher tests"}],
        }
        cfg = canonical(config)
        cfg_digest = self.c.push_blob(self.repo, cfg)
        mt = OCI_MANIFEST if oci else DOCKER_V2
        manifest = {
            "schemaVersion": 2, "mediaType": mt,
            "config": {"mediaType": OCI_CONFIG if oci else DOCKER_CONFIG,
                       "digest": cfg_digest, "size": len(cfg)},
            "layers": [{"mediaType": OCI_LAYER if oci else DOCKER_LAYER,
                        "digest": dg, "size": len(gz)} for _, gz, dg in layers],
        }
        return self.manifest(manifest, {"config_digest": cfg_digest,
                                        "platform": {"architecture": arch, "os": "linux"}})

    def attestation(self, subject_digest):
        """A buildkit-style attestation manifest (in-toto layer, unknown/unknown)."""
        statement = canonical({"_type": "https://in-toto.io/Statement/v0.1",
                               "predicateType": "https://spdx.dev/Document",
                               "subject": [{"name": "tl", "digest": {
                                   "sha256": subject_digest.split(":")[1]}}],
                               "predicate": {}})
        st_digest = self.c.push_blob(self.repo, statement)
        cfg = canonical({"architecture": "unknown", "os": "unknown", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": [st_digest]}})
        cfg_digest = self.c.push_blob(self.repo, cfg)
        manifest = {
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": OCI_CONFIG, "digest": cfg_digest, "size": len(cfg)},
            "layers": [{"mediaType": IN_TOTO, "digest": st_digest, "size": len(statement),
                        "annotations": {"in-toto.io/predicate-type":
                                        "https://spdx.dev/Document"}}],
        }
        return self.manifest(manifest, {
            "config_digest": cfg_digest,
            "platform": {"architecture": "unknown", "os": "unknown"},
            "annotations": {"vnd.docker.reference.digest": subject_digest,
                            "vnd.docker.reference.type": "attestation-manifest"}})

    def index(self, children, docker_list=False, platform=None):
        mt = DOCKER_LIST if docker_list else OCI_INDEX
        entries = []
        for ch in children:
            e = {"mediaType": ch["media_type"], "digest": ch["digest"], "size": ch["size"]}
            if ch.get("platform"):
                e["platform"] = ch["platform"]
            if ch.get("annotations"):
                e["annotations"] = ch["annotations"]
            entries.append(e)
        amd64 = [c for c in children if (c.get("platform") or {}).get("architecture") == "amd64"]
        extra = {"platform": platform}
        if amd64:
            extra["config_digest"] = amd64[0]["config_digest"]
            extra["platform_digest"] = amd64[0]["platform_digest"]
            extra["platform_media_type"] = amd64[0]["platform_media_type"]
        return self.manifest({"schemaVersion": 2, "mediaType": mt, "manifests": entries}, extra)

    def manifest(self, doc, extra):
        body = canonical(doc)
        digest = self.c.push_manifest(self.repo, sha256_digest(body), body, doc["mediaType"])
        d = {"digest": digest, "media_type": doc["mediaType"], "size": len(body),
             "body": body}
        if doc["mediaType"] in (DOCKER_V2, OCI_MANIFEST):
            d["platform_digest"] = digest
            d["platform_media_type"] = doc["mediaType"]
        d.update(extra)
        return d

    def tag(self, tag, desc):
        """Points tag at an already pushed manifest (PUT of the same bytes)."""
        self.c.push_manifest(self.repo, tag, desc["body"], desc["media_type"])
        out = {"tag": tag, "repo": self.repo}
        for k in ("digest", "media_type", "config_digest", "platform_digest",
                  "platform_media_type"):
            out[k] = desc.get(k)
        out["ref"] = "%s/%s@%s" % (self.c.host, self.repo, desc.get("platform_digest"))
        return out


AMD64 = {"architecture": "amd64", "os": "linux"}


def push_big(client, mib, repo=DEFAULT_REPO, tag="bench-big", stub_path=None):
    """An OCI index (arm64 decoy, amd64) whose amd64 image carries, besides
    the stub, a layer of mib MiB of random bytes (incompressible): a pull
    that costs what a real node image's does.  Returns the tag's info."""
    p = Pusher(client, repo, stub_path or build_stub())
    tar = layer_tar([("blob", 0o644, os.urandom(mib << 20))])
    big = (tar, gzip.compress(tar, compresslevel=1, mtime=0))
    amd = p.image(tag, oci=True, extra_layer=big)
    return p.tag(tag, p.index([p.image(tag + "/arm64", "arm64", oci=True), amd]))


def push_standard(client, repo=DEFAULT_REPO, stub_path=None):
    """Pushes every shape (see the module doc); returns {tag: info}."""
    p = Pusher(client, repo, stub_path or build_stub())
    out = {}

    def add(tag, desc):
        out[tag] = p.tag(tag, desc)

    add("docker-v2", p.image("docker-v2"))
    add("oci", p.image("oci", oci=True))
    amd = p.image("oci-index", oci=True)
    add("oci-index", p.index([p.image("oci-index/arm64", "arm64", oci=True), amd,
                              p.attestation(amd["digest"])]))
    add("docker-list", p.index([p.image("docker-list/arm64", "arm64"),
                                p.image("docker-list")], docker_list=True))
    inner = p.index([p.image("nested/arm64", "arm64", oci=True),
                     p.image("nested", oci=True)], platform=AMD64)
    add("nested", p.index([inner]))
    deep = p.index([p.index([p.image("nested-deep", oci=True)], platform=AMD64)],
                   platform=AMD64)
    add("nested-deep", p.index([deep]))
    add("other", p.image("other"))
    return out


def main():
    ap = argparse.ArgumentParser(description="push the standard test images")
    ap.add_argument("--registry", required=True, help="localhost:<port>")
    ap.add_argument("--ca", required=True)
    ap.add_argument("--user")
    ap.add_argument("--repo", default=DEFAULT_REPO)
    ap.add_argument("--out")
    args = ap.parse_args()
    client = Client(args.registry, args.ca, args.user, os.environ.get("TL_PUSH_PASSWORD"))
    try:
        images = push_standard(client, args.repo)
    except PushError as e:
        print("registry_push: %s" % e, file=sys.stderr)
        sys.exit(1)
    text = json.dumps(images, indent=1, sort_keys=True)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
