#!/usr/bin/env python3
"""tests/check.d/55-sbom.sh: the SBOM of the binary and the image.

Generates build/tee-launcher.spdx.json as `make sbom` does and checks it:
SPDX 2.3 required fields, every line of reproducible/TOOLCHAIN, the BearSSL
pin and every file sha256 fetch.sh checks, the CA origin and PEM, the source
id the binary prints, the built binary and image digests; a second
generation (other time zone, other directory, a later time) is byte for byte
the same.  Then tampered inputs must be told apart: pins that moved away
from the document (TOOLCHAIN version, new TOOLCHAIN line, SHA256SUMS, CA
origin, a source file) and documents that lost required fields.
Last line: "N passed, N failed".
"""
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

TOP = os.environ["TOP"]
B = os.environ.get("B") or os.path.join(TOP, "build")
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
sys.path.insert(0, os.path.join(TOP, "reproducible"))
import sbom  # noqa: E402
from checks import Checks  # noqa: E402

T = Checks()
OUT = os.path.join(B, "tee-launcher.spdx.json")
SCRIPT = os.path.join(TOP, "reproducible", "sbom.py")


def gen(top, out, env=None, cwd=None):
    return subprocess.run([sys.executable, SCRIPT, "generate", "--top", top,
                           "--built", B, "--out", out],
                          env=env, cwd=cwd, capture_output=True, text=True)


def tree_copy(dst):
    os.makedirs(dst, exist_ok=True)
    for n in ("Makefile", "VERSION"):
        shutil.copy2(os.path.join(TOP, n), os.path.join(dst, n))
    for n in ("src", "include", "assets", "third_party", "reproducible"):
        shutil.copytree(os.path.join(TOP, n), os.path.join(dst, n),
                        ignore=shutil.ignore_patterns("__pycache__"))


def main():
    p = gen(TOP, OUT)
    T.check("generate: writes build/tee-launcher.spdx.json", p.returncode == 0, p.stderr)
    with open(OUT, "rb") as f:
        first = f.read()
    doc = json.loads(first)
    errs = sbom.check_spdx(doc)
    T.check("spdx: the SPDX 2.3 required fields and forms", not errs, errs)
    errs = sbom.check_content(doc, TOP, B)
    T.check("content: TOOLCHAIN, BearSSL, CA, source id and the built files match", not errs, errs)
    p = subprocess.run([sys.executable, SCRIPT, "check", "--top", TOP, "--built", B, OUT],
                       capture_output=True, text=True)
    T.check("check command: exit 0 on the generated document", p.returncode == 0, p.stdout)

    pk = {x["name"]: x for x in doc["packages"]}
    pins = sbom.toolchain(TOP)
    T.check("content: %d toolchain pins, each with its Debian version and purl" % len(pins),
            all(pk.get(n, {}).get("versionInfo") == v and
                pk[n]["externalRefs"][0]["referenceLocator"].startswith(
                    "pkg:deb/debian/%s@" % n) for n, v in pins),
            [n for n, v in pins if pk.get(n, {}).get("versionInfo") != v])
    for want in ("gcc-12", "binutils", "musl", "musl-dev"):
        T.check("content: %s is listed" % want, want in pk)
    v = subprocess.run([os.path.join(B, "tee-launcher"), "--version"],
                       capture_output=True, text=True).stdout
    sid = [ln.split()[1] for ln in v.splitlines() if ln.startswith("source ")]
    src = [x for x in doc["packages"] if x["SPDXID"] == "SPDXRef-Package-source"]
    T.check("content: the source id is the one the binary prints (%s)" % (sid[0] if sid else "?"),
            sid and src and ("source id %s " % sid[0]) in src[0]["comment"], (sid, src))
    with open(os.path.join(TOP, "third_party/bearssl/SHA256SUMS")) as f:
        n_sums = sum(1 for ln in f if ln.strip() and not ln.startswith("#"))
    T.check("content: BearSSL's %d Debian source files with their sha256" % n_sums,
            sum(1 for x in doc["packages"]
                if x["SPDXID"].startswith("SPDXRef-DebianSourceFile-")) == n_sums)

    with tempfile.TemporaryDirectory() as tmp:
        # reproducible: another time zone, locale, directory, clock, tree path
        time.sleep(1.1)
        other = os.path.join(tmp, "a", "much", "longer", "path")
        os.makedirs(other)
        tree_copy(other)
        env = dict(os.environ, TZ="Pacific/Kiritimati", LC_ALL="C.UTF-8")
        out2 = os.path.join(tmp, "again.json")
        p = gen(other, out2, env=env, cwd=tmp)
        with open(out2, "rb") as f:
            second = f.read()
        T.check("reproducible: a second run (other tree path, TZ, cwd, later) is byte-identical",
                p.returncode == 0 and second == first, p.stderr)
        T.check("reproducible: created is SOURCE_DATE_EPOCH, not the clock",
                doc["creationInfo"]["created"] == time.strftime(
                    "%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(open(os.path.join(
                        TOP, "reproducible/SOURCE_DATE_EPOCH")).read()))))

        # pins that drift from the document must be reported
        def drift(name, path, edit):
            t = os.path.join(tmp, name)
            tree_copy(t)
            fp = os.path.join(t, path)
            with open(fp) as f:
                text = f.read()
            with open(fp, "w") as f:
                f.write(edit(text))
            errs = sbom.check_content(doc, t, B)
            T.check("drift: %s is reported" % name, bool(errs), "no error")
            return errs

        n0, v0 = pins[0]
        e = drift("toolchain-version", "reproducible/TOOLCHAIN",
                  lambda s: s.replace("%s %s" % (n0, v0), "%s %s.1" % (n0, v0), 1))
        T.check("drift: the message names the package (%s)" % n0, any(n0 in x for x in e), e)
        drift("toolchain-new-line", "reproducible/TOOLCHAIN", lambda s: s + "sed 4.9-1\n")
        first_sum = sbom.bearssl_pin(TOP)[1][0][1]
        drift("bearssl-sum", "third_party/bearssl/SHA256SUMS",
              lambda s: s.replace(first_sum, "0" * 64, 1))
        drift("bearssl-new-file", "third_party/bearssl/SHA256SUMS",
              lambda s: s + "%s  bearssl-extra.patch\n" % ("1" * 64))
        drift("bearssl-upstream", "third_party/bearssl/PIN",
              lambda s: s.replace("upstream=", "upstream=9", 1))
        drift("ca-origin-version", "assets/ca/ORIGIN",
              lambda s: s.replace("version=", "version=1", 1))
        drift("source-file", "src/main.c", lambda s: s + "\n")

        # documents with required fields lost or broken
        def broken(name, edit):
            d = copy.deepcopy(doc)
            edit(d)
            errs = sbom.check_spdx(d) + sbom.check_content(d, TOP, B)
            T.check("document: %s is reported" % name, bool(errs), "no error")

        broken("missing dataLicense", lambda d: d.pop("dataLicense"))
        broken("wrong spdxVersion", lambda d: d.update(spdxVersion="SPDX-2.2"))
        broken("missing creationInfo.created", lambda d: d["creationInfo"].pop("created"))
        broken("namespace with '#'", lambda d: d.update(documentNamespace="https://x/y#z"))
        broken("package without downloadLocation", lambda d: d["packages"][3].pop("downloadLocation"))
        broken("duplicate SPDXID", lambda d: d["packages"][4].update(SPDXID=d["packages"][3]["SPDXID"]))
        broken("relationship to an unknown element",
               lambda d: d["relationships"].append({"spdxElementId": "SPDXRef-nope",
                                                    "relationshipType": "CONTAINS",
                                                    "relatedSpdxElement": "SPDXRef-DOCUMENT"}))
        broken("a toolchain package removed",
               lambda d: d.update(packages=[x for x in d["packages"] if x["name"] != "gcc-12"]))
        broken("another binary hash",
               lambda d: d["packages"][0]["checksums"][0].update(checksumValue="0" * 64))
        broken("a misspelt package property", lambda d: d["packages"][2].update(
            versionInfos=d["packages"][2].pop("versionInfo")))
        broken("an unknown document property", lambda d: d.update(created="now"))
        broken("a short checksum",
               lambda d: d["packages"][1]["checksums"][0].update(checksumValue="abc"))
    return T.summary()


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
