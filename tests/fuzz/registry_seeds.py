#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_registry into tests/fuzz/corpus/registry/.

Input format (see tests/fuzz/fuzz_registry.c): one settings byte, the 32
bytes of the wanted digest, then raw HTTP responses joined by SEP.
Run from the repository root: python3 tests/fuzz/registry_seeds.py
"""
import hashlib
import json
import os

SEP = b"\n=~=\n"
OUT = "tests/fuzz/corpus/registry"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"

# settings bits: 0-1 tag set, 2 retries, 3-4 host, 5 drip
RETRIES, DOCKER_IO, LOCALHOST, DRIP = 1 << 2, 1 << 3, 2 << 3, 1 << 5


def sha(b):
    return hashlib.sha256(b).digest()


def dstr(d):
    return "sha256:" + d.hex()


CONFIG = sha(b"config blob")


def manifest(mt=OCI_MANIFEST, config=CONFIG):
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": mt,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": dstr(config), "size": 1234},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": dstr(sha(b"layer")), "size": 99}],
    }, indent=3).encode()


def index(entries, mt=OCI_INDEX):
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": mt,
        "manifests": [{"mediaType": OCI_MANIFEST, "digest": dstr(d), "size": 500,
                       "platform": {"architecture": arch, "os": "linux"}}
                      for d, arch in entries],
    }).encode()


def response(status, reason, body=b"", headers=(), chunked=False, length=True):
    head = [f"HTTP/1.1 {status} {reason}"]
    head += [f"{k}: {v}" for k, v in headers]
    if chunked:
        head.append("Transfer-Encoding: chunked")
        mid = len(body) // 2
        parts = [body[:mid], body[mid:]]
        body = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in parts if p)
        body += b"0\r\nX-Trailer: t\r\n\r\n"
    elif length:
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def ok_manifest(body, mt=OCI_MANIFEST, digest_header=True, **kw):
    headers = [("Content-Type", mt)]
    if digest_header:
        headers.append(("Docker-Content-Digest", dstr(sha(body))))
    return response(200, "OK", body, headers, **kw)


CHALLENGE = response(401, "Unauthorized", b'{"errors":[{"code":"UNAUTHORIZED"}]}', [
    ("WWW-Authenticate", 'Bearer realm="https://auth.test/token",'
     'service="registry.test",scope="repository:acme/node:pull"'),
    ("Content-Type", "application/json")])
TOKEN = response(200, "OK", b'{"token":"tok-abcdefgh12345678","expires_in":300}',
                 [("Content-Type", "application/json")])


def seed(name, settings, want, *segments):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([settings]) + want + SEP.join(segments))


def main():
    os.makedirs(OUT, exist_ok=True)
    m = manifest()
    m_docker = manifest(DOCKER_MANIFEST)
    other = sha(b"arm64 manifest")
    seed("config-match", 0, CONFIG, ok_manifest(m))
    seed("manifest-match", 0, sha(m), ok_manifest(m))
    seed("token-index-manifest", 0, CONFIG, CHALLENGE, TOKEN,
         ok_manifest(index([(other, "arm64"), (sha(m), "amd64")]), OCI_INDEX),
         ok_manifest(m))
    seed("docker-list-drip", DOCKER_IO | DRIP, CONFIG,
         ok_manifest(index([(sha(m_docker), "amd64")], DOCKER_LIST), DOCKER_LIST),
         ok_manifest(m_docker, DOCKER_MANIFEST, chunked=True))
    seed("retry-429", RETRIES | LOCALHOST, CONFIG, b"!C",
         response(429, "Too Many Requests", b"", [("Retry-After", "1")]),
         ok_manifest(m, length=False))
    seed("retry-5xx", RETRIES, CONFIG, b"!T",
         response(503, "Unavailable", b"busy"), ok_manifest(m))
    seed("redirect", 0, CONFIG,
         response(307, "Temporary Redirect", b"", [("Location", "https://cdn.test/m?sig=x")]),
         ok_manifest(m))
    seed("second-tag", 1, CONFIG, response(404, "Not Found", b'{"errors":[]}'),
         ok_manifest(m))
    seed("by-digest", 2, CONFIG, ok_manifest(m), ok_manifest(m))
    seed("lying-digest-header", 0, CONFIG,
         response(200, "OK", m, [("Content-Type", OCI_MANIFEST),
                                 ("Docker-Content-Digest", dstr(other))]))
    seed("reauth", 3, CONFIG, CHALLENGE, TOKEN, CHALLENGE, TOKEN,
         response(404, "Not Found"), ok_manifest(m, digest_header=False))
    seed("no-match", 3, CONFIG, ok_manifest(manifest(config=other)),
         response(500, "Internal Server Error"), b"")


if __name__ == "__main__":
    main()
