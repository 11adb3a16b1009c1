#!/usr/bin/env python3
"""Registry resolution (src/registry.c through tests/drivers/registry-resolve)
against the real docker-registry 2.8 over TLS, without auth and with token
auth, for every image shape tests/lib/registry_push.py pushes.

Asserts the manifest digest chosen (always the sha256 of a served body: the
platform manifest for indexes), how it matched (config or manifest digest),
skipping of unknown and mismatching tags, the nesting limit, and the request
budget: a tag that resolves through an index costs 2 TLS handshakes and
4 HTTP requests with challenge auth (SPEC §15).  Last line "N passed, N failed".
"""
import os
import subprocess
import sys

TOP = os.environ["TOP"]
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
import registry_push  # noqa: E402
import testenv  # noqa: E402
from checks import Checks  # noqa: E402

DRIVER = os.path.join(os.environ.get("DRIVERS", os.path.join(TOP, "build", "drivers")),
                      "registry-resolve")
T = Checks()


def resolve(reg, ca, name, want, refs, *opts):
    env = dict(os.environ, TEE_LAUNCHER_EXTRA_CA_FILE=ca)
    p = subprocess.run([DRIVER, *opts, reg.host, name, want, *refs], env=env,
                       capture_output=True, text=True, timeout=120)
    out = {}
    for line in p.stdout.splitlines():
        k, _, v = line.partition(" ")
        out[k] = v
    out["rc"] = p.returncode
    out["stderr"] = p.stderr
    return out


def expected_manifest(img):
    return img.get("platform_digest") or img["digest"]


def shapes(reg, ca, images, mode):
    for tag in ("docker-v2", "oci", "oci-index", "docker-list", "nested"):
        img = images[tag]
        r = resolve(reg, ca, img["repo"], img["config_digest"], [tag])
        T.check("%s %s: resolves to the linux/amd64 manifest by config digest" % (mode, tag),
                r["rc"] == 0 and r.get("manifest") == expected_manifest(img)
                and r.get("matched") == "config digest", r)
        if tag == "oci-index" and mode == "token":
            T.check("token oci-index: 2 TLS handshakes, 4 HTTP requests",
                    r.get("tls_handshakes") == "2" and r.get("http_requests") == "4", r)
        if tag == "docker-v2" and mode == "plain":
            T.check("plain docker-v2: 1 handshake, 1 request, no token",
                    r.get("tls_handshakes") == "1" and r.get("http_requests") == "1"
                    and r.get("token_requests") == "0", r)
    img = images["oci"]
    r = resolve(reg, ca, img["repo"], img["digest"], ["oci"])
    T.check("%s: a selected manifest digest matches as itself" % mode,
            r["rc"] == 0 and r.get("manifest") == img["digest"]
            and r.get("matched") == "manifest digest" and r.get("pull") == img["digest"], r)
    # Issue 15 §2: an approved index or list (what buildx pushes) is pulled
    # itself; the walk goes on to its linux/amd64 image past the arm64 decoy.
    for tag in ("oci-index", "docker-list", "nested"):
        img = images[tag]
        r = resolve(reg, ca, img["repo"], img["digest"], [tag])
        T.check("%s %s: a selected index digest matches, pulls the index, runs its "
                "linux/amd64 image" % (mode, tag),
                r["rc"] == 0 and r.get("matched") == "index digest"
                and r.get("pull") == img["digest"]
                and r.get("manifest") == img["platform_digest"]
                and r.get("config") == img["config_digest"], r)
    idx = images["oci-index"]
    r = resolve(reg, ca, idx["repo"], idx["digest"], ["docker-v2", "oci-index", "other"])
    T.check("%s: an index found behind a non-matching tag matches; later tags are "
            "not fetched" % mode,
            r["rc"] == 0 and r.get("matched") == "index digest"
            # the three fetches, plus the 401 challenge with token auth
            and r.get("manifest_requests") == ("4" if mode == "token" else "3"), r)
    if mode == "token":
        r = resolve(reg, ca, idx["repo"], idx["digest"], ["oci-index"])
        T.check("token: an index approval costs the same 2 handshakes, 4 requests",
                r.get("tls_handshakes") == "2" and r.get("http_requests") == "4", r)


def skipping(reg, ca, images, mode):
    img = images["docker-v2"]
    r = resolve(reg, ca, img["repo"], img["config_digest"],
                ["does-not-exist", "other", "docker-v2"])
    T.check("%s: an unknown tag and a mismatching tag are skipped, the next matches" % mode,
            r["rc"] == 0 and r.get("ref") == "docker-v2"
            and "config digest does not match" in r["stderr"], r)
    r = resolve(reg, ca, img["repo"], img["config_digest"], ["does-not-exist", "other"])
    T.check("%s: no match → Image hash not found among tags" % mode,
            r["rc"] == 1 and r.get("error") == "Image hash not found among tags", r)
    r = resolve(reg, ca, img["repo"], img["config_digest"], ["other", "does-not-exist"])
    T.check("%s: the last failure is named when nothing matched" % mode,
            r["rc"] == 1 and r.get("error") == "Image hash not found among tags "
            "(last failure: HTTP 404)", r)
    deep = images["nested-deep"]
    r = resolve(reg, ca, deep["repo"], deep["config_digest"], ["nested-deep"])
    T.check("%s: an index nested 3 deep is not followed" % mode,
            r["rc"] == 1 and "nested too deeply" in r["stderr"], r)
    r = resolve(reg, ca, img["repo"], img["config_digest"], ["bad tag"])
    T.check("%s: an invalid tag is refused before any request" % mode,
            r["rc"] == 1 and "image_tags[0]" in r.get("error", "")
            and r.get("manifest_requests") == "0", r)


def main():
    testenv.install_signal_handlers()
    with testenv.TempDir() as d:
        pki = testenv.Pki.create(os.path.join(d.path, "pki"))
        for auth, mode in ((False, "plain"), (True, "token")):
            with testenv.Registry(pki, auth=auth) as reg:
                user, pw = reg.push_credentials()
                images = registry_push.push_standard(
                    registry_push.Client(reg.host, pki.ca_cert, user, pw))
                T.run(mode + " shapes", shapes, reg, pki.ca_cert, images, mode)
                T.run(mode + " skipping", skipping, reg, pki.ca_cert, images, mode)
                if auth:
                    img = images["docker-v2"]
                    r = resolve(reg, pki.ca_cert, img["repo"], img["config_digest"],
                                ["docker-v2"])
                    T.check("token: the token never reaches the logs",
                            "Bearer" not in r["stderr"] and "eyJ" not in r["stderr"], r)
        # Trust comes from the environment only: without the test CA the
        # compiled-in roots refuse the registry.
        with testenv.Registry(pki, auth=False) as reg:
            img = registry_push.push_standard(
                registry_push.Client(reg.host, pki.ca_cert, None, None))["docker-v2"]
            p = subprocess.run([DRIVER, reg.host, img["repo"], img["config_digest"],
                                "docker-v2"], env={"PATH": os.environ["PATH"]},
                               capture_output=True, text=True, timeout=60)
            T.check("without TEE_LAUNCHER_EXTRA_CA_FILE the test CA is not trusted",
                    p.returncode == 1 and "unknown" in p.stdout.lower(), p.stdout + p.stderr)
    return 0 if T.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
