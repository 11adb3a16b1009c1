#!/usr/bin/env python3
"""The launcher's SBOM: an SPDX 2.3 JSON document (make sbom).

  sbom.py generate --top DIR --out FILE [--built DIR]
  sbom.py check    --top DIR [--built DIR] FILE

generate describes two packages, the binary (sha256) and the launcher image
(its manifest digest), and what they were built from, all read from files in
the source tree, never from the host:

  * the source tree: VERSION and the source id (`make source-id`, the value
    --version prints), over the same inputs the Makefile hashes;
  * BearSSL: upstream version and the Debian source package
    (third_party/bearssl/PIN) with the sha256 of every file fetch.sh checks
    (third_party/bearssl/SHA256SUMS);
  * every package in reproducible/TOOLCHAIN (gcc, binutils, musl, make, tar,
    gzip, ...) with its Debian version and a pkg:deb/debian purl;
  * the CA bundle: the ca-certificates version it came from and the PEM's
    sha256 (assets/ca/ORIGIN).

The output is reproducible: `created` is SOURCE_DATE_EPOCH, the namespace is
derived from the binary's and the image's digests, keys are sorted.

check validates a document: the SPDX 2.3 required fields and value forms,
unique SPDX ids, relationships between existing elements, and the content
against reproducible/TOOLCHAIN, the BearSSL pin, assets/ca/ORIGIN and, with
--built, the built binary, image and the binary's source id.  It prints one
line per failed rule and exits 1 if any failed.
Only the Python standard library.
"""
import argparse
import hashlib
import json
import os
import re
import sys
import time
import urllib.parse

TOOL = "tee-launcher reproducible/sbom.py"
DISTRO = "debian-12"
# The build inputs the source id covers: the same list as SOURCE_INPUTS in
# the Makefile (find Makefile VERSION src include assets third_party -type f).
SOURCE_ROOTS = ["Makefile", "VERSION", "src", "include", "assets", "third_party"]


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def read(top, rel):
    with open(os.path.join(top, rel), encoding="utf-8") as f:
        return f.read()


def source_files(top):
    out = []
    for root in SOURCE_ROOTS:
        p = os.path.join(top, root)
        if os.path.isfile(p):
            out.append(root)
            continue
        for d, dirs, files in os.walk(p):
            for n in files:
                out.append(os.path.relpath(os.path.join(d, n), top))
    # LC_ALL=C sort: byte order
    return sorted(out, key=lambda s: s.encode())


def source_id(top):
    """sha256sum over the inputs, hashed again; the id is its first 16 digits."""
    listing = "".join("%s  %s\n" % (sha256_file(os.path.join(top, f)), f)
                      for f in source_files(top))
    full = hashlib.sha256(listing.encode()).hexdigest()
    return full[:16], full


def toolchain(top):
    """[(package, version)] from reproducible/TOOLCHAIN, in file order."""
    pins = []
    for line in read(top, "reproducible/TOOLCHAIN").splitlines():
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        if len(f) != 2:
            raise ValueError("reproducible/TOOLCHAIN: bad line %r" % line)
        pins.append((f[0], f[1]))
    return pins


def keyvals(text):
    kv = {}
    for line in text.splitlines():
        if line.startswith("#") or "=" not in line:
            continue
        k, v = line.split("=", 1)
        kv[k.strip()] = v.strip()
    return kv


def bearssl_pin(top):
    pin = keyvals(read(top, "third_party/bearssl/PIN"))
    files = []
    for line in read(top, "third_party/bearssl/SHA256SUMS").splitlines():
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        files.append((f[1], f[0]))
    return pin, files


def purl_deb(name, version, arch=None):
    q = "?arch=%s&distro=%s" % (arch, DISTRO) if arch else "?distro=%s" % DISTRO
    return "pkg:deb/debian/%s@%s%s" % (name, urllib.parse.quote(version, safe=""), q)


def spdx_id(kind, name):
    return "SPDXRef-%s-%s" % (kind, re.sub(r"[^A-Za-z0-9.-]", "-", name))


def package(spdxid, name, version=None, purpose=None, sha256=None, purl=None,
            download="NOASSERTION", comment=None, supplier=None):
    p = {"SPDXID": spdxid, "name": name, "downloadLocation": download,
         "filesAnalyzed": False}
    if version is not None:
        p["versionInfo"] = version
    if supplier:
        p["supplier"] = supplier
    if purpose:
        p["primaryPackagePurpose"] = purpose
    if sha256:
        p["checksums"] = [{"algorithm": "SHA256", "checksumValue": sha256}]
    if purl:
        p["externalRefs"] = [{"referenceCategory": "PACKAGE-MANAGER",
                              "referenceType": "purl", "referenceLocator": purl}]
    if comment:
        p["comment"] = comment
    return p


def rel(a, kind, b):
    return {"spdxElementId": a, "relationshipType": kind, "relatedSpdxElement": b}


def generate(top, built):
    version = read(top, "VERSION").strip()
    sde = int(read(top, "reproducible/SOURCE_DATE_EPOCH").strip())
    bin_sha = sha256_file(os.path.join(built, "tee-launcher"))
    img = read(os.path.join(built, "image"), "manifest.sha256").strip()
    sid, sid_full = source_id(top)
    br, br_files = bearssl_pin(top)
    ca = keyvals(read(top, "assets/ca/ORIGIN"))
    deb = "Organization: Debian"

    BIN, IMG, SRC = "SPDXRef-Package-tee-launcher", "SPDXRef-Package-image", "SPDXRef-Package-source"
    pkgs = [
        package(BIN, "tee-launcher", version, "APPLICATION", bin_sha,
                comment="static musl binary, stripped (build/tee-launcher)"),
        package(IMG, "tee-launcher-image", "sha256:" + img, "CONTAINER", img,
                purl="pkg:oci/tee-launcher@%s?arch=amd64" % urllib.parse.quote("sha256:" + img, safe=""),
                comment="OCI image (make image): one layer holding /tee-launcher; "
                        "the checksum is the manifest digest"),
        package(SRC, "tee-launcher-source", version, "SOURCE",
                comment="this source tree; source id %s (make source-id, tee-launcher "
                        "--version) = the first 16 hex digits of %s, the sha256 of "
                        "`sha256sum` over %s" % (sid, sid_full, ", ".join(SOURCE_ROOTS))),
    ]
    rels = [rel("SPDXRef-DOCUMENT", "DESCRIBES", BIN),
            rel("SPDXRef-DOCUMENT", "DESCRIBES", IMG),
            rel(IMG, "CONTAINS", BIN),
            rel(BIN, "GENERATED_FROM", SRC)]

    # BearSSL: upstream, the Debian source package, its files.
    BRU = "SPDXRef-Package-bearssl-upstream"
    BRD = spdx_id("DebianSource", br["package"])
    pkgs.append(package(BRU, "bearssl", br["upstream"], "LIBRARY",
                        download="https://bearssl.org/",
                        purl="pkg:generic/bearssl@%s" % br["upstream"],
                        comment="compiled from the verified Debian source below and "
                                "linked statically"))
    pkgs.append(package(BRD, br["package"], br["version"], "SOURCE",
                        purl=purl_deb(br["package"], br["version"], "source"),
                        supplier=deb,
                        comment="fetched by third_party/bearssl/fetch.sh from %s, suite %s; "
                                "every file checked against third_party/bearssl/SHA256SUMS"
                                % (br["mirror"], br["suite"])))
    rels += [rel(BIN, "STATIC_LINK", BRU), rel(BRU, "GENERATED_FROM", BRD)]
    for name, sha in br_files:
        fid = spdx_id("DebianSourceFile", name)
        pkgs.append(package(fid, name, br["version"],
                            "ARCHIVE" if ".tar." in name else "FILE", sha,
                            comment="a file of the Debian source package %s %s"
                                    % (br["package"], br["version"])))
        rels.append(rel(BRD, "CONTAINS", fid))

    # The CA bundle compiled in, and where it came from.
    PEM = "SPDXRef-Package-mozilla-roots.pem"
    CAO = spdx_id("CAOrigin", ca["package"])
    pkgs.append(package(PEM, "mozilla-roots.pem", ca["version"], "FILE", ca["pem_sha256"],
                        comment="assets/ca/mozilla-roots.pem, %s certificates, compiled in "
                                "as trust anchors" % ca.get("certificates", "NOASSERTION")))
    pkgs.append(package(CAO, ca["package"], ca["version"], "LIBRARY",
                        ca.get("deb_sha256"), purl_deb(ca["package"], ca["version"], "all"),
                        supplier=deb,
                        comment="%s; the PEM concatenates %s" % (
                            ca.get("deb", ""), ca.get("source_files", ""))))
    rels += [rel(BIN, "GENERATED_FROM", PEM), rel(PEM, "GENERATED_FROM", CAO)]

    # The pinned toolchain, one package per line of reproducible/TOOLCHAIN.
    for name, ver in toolchain(top):
        tid = spdx_id("Toolchain", name)
        pkgs.append(package(tid, name, ver, "APPLICATION", purl=purl_deb(name, ver),
                            supplier=deb,
                            comment="pinned in reproducible/TOOLCHAIN"))
        rels.append(rel(tid, "BUILD_TOOL_OF", BIN))
        if name == "musl-dev":  # libc.a and the start files are in the binary
            rels.append(rel(BIN, "STATIC_LINK", tid))

    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sde))
    doc = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "tee-launcher-%s" % version,
        "documentNamespace": "https://spdx.org/spdxdocs/tee-launcher-%s-%s-%s"
                             % (version, bin_sha, img),
        "creationInfo": {"created": created, "creators": ["Tool: " + TOOL]},
        "documentDescribes": [BIN, IMG],
        "packages": pkgs,
        "relationships": rels,
    }
    return doc


def dump(doc):
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


# ---------------------------------------------------------------- checking

ID_RE = re.compile(r"^SPDXRef-[A-Za-z0-9.-]+$")
CREATED_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
CREATOR_RE = re.compile(r"^(Person|Organization|Tool): .+")
SUPPLIER_RE = re.compile(r"^(NOASSERTION|(Person|Organization): .+)$")
HEXLEN = {"SHA1": 40, "SHA224": 56, "SHA256": 64, "SHA384": 96, "SHA512": 128,
          "MD5": 32, "SHA3-256": 64, "SHA3-384": 96, "SHA3-512": 128,
          "BLAKE2b-256": 64, "BLAKE2b-384": 96, "BLAKE2b-512": 128}
PURPOSES = {"APPLICATION", "FRAMEWORK", "LIBRARY", "CONTAINER", "OPERATING-SYSTEM",
            "DEVICE", "FIRMWARE", "SOURCE", "ARCHIVE", "FILE", "INSTALL", "OTHER"}
REL_TYPES = {"DESCRIBES", "DESCRIBED_BY", "CONTAINS", "CONTAINED_BY", "DEPENDS_ON",
             "DEPENDENCY_OF", "BUILD_TOOL_OF", "DEV_TOOL_OF", "GENERATED_FROM",
             "GENERATES", "STATIC_LINK", "DYNAMIC_LINK", "ANCESTOR_OF", "DESCENDANT_OF",
             "VARIANT_OF", "DISTRIBUTION_ARTIFACT", "PATCH_FOR", "PATCH_APPLIED",
             "COPY_OF", "FILE_ADDED", "FILE_DELETED", "FILE_MODIFIED", "EXPANDED_FROM_ARCHIVE",
             "METAFILE_OF", "OPTIONAL_COMPONENT_OF", "PACKAGE_OF", "AMENDS",
             "PREREQUISITE_FOR", "HAS_PREREQUISITE", "REQUIREMENT_DESCRIPTION_FOR",
             "SPECIFICATION_FOR", "OTHER", "BUILD_DEPENDENCY_OF", "DEV_DEPENDENCY_OF",
             "OPTIONAL_DEPENDENCY_OF", "PROVIDED_DEPENDENCY_OF", "TEST_DEPENDENCY_OF",
             "TEST_CASE_OF", "TEST_OF", "TEST_TOOL_OF", "RUNTIME_DEPENDENCY_OF",
             "EXAMPLE_OF", "DOCUMENTATION_OF", "DATA_FILE_OF", "DEPENDENCY_MANIFEST_OF"}
# The properties SPDX 2.3's JSON schema allows (it sets additionalProperties
# false): a misspelt key is an error, not an ignored extra.
DOC_KEYS = {"$schema", "SPDXID", "annotations", "comment", "creationInfo", "dataLicense",
            "externalDocumentRefs", "hasExtractedLicensingInfos", "name", "revieweds",
            "spdxVersion", "documentNamespace", "documentDescribes", "packages", "files",
            "snippets", "relationships"}
PKG_KEYS = {"SPDXID", "annotations", "attributionTexts", "builtDate", "checksums", "comment",
            "copyrightText", "description", "downloadLocation", "externalRefs",
            "filesAnalyzed", "hasFiles", "homepage", "licenseComments", "licenseConcluded",
            "licenseDeclared", "licenseInfoFromFiles", "name", "originator",
            "packageFileName", "packageVerificationCode", "primaryPackagePurpose",
            "releaseDate", "sourceInfo", "summary", "supplier", "validUntilDate",
            "versionInfo"}
REL_KEYS = {"spdxElementId", "relationshipType", "relatedSpdxElement", "comment"}
PURL_RE = re.compile(r"^pkg:[a-z][a-z0-9.+-]*/[^@?#]+(@[^?#]+)?(\?[^#]*)?(#.*)?$")


def check_spdx(doc):
    """The SPDX 2.3 required fields and forms this document type uses."""
    errs = []
    req = lambda cond, msg: cond or errs.append(msg)  # noqa: E731
    if not isinstance(doc, dict):
        return ["document is not a JSON object"]
    req(not set(doc) - DOC_KEYS, "unknown document properties: %s" % sorted(set(doc) - DOC_KEYS))
    req(doc.get("spdxVersion") == "SPDX-2.3", "spdxVersion must be SPDX-2.3")
    req(doc.get("dataLicense") == "CC0-1.0", "dataLicense must be CC0-1.0")
    req(doc.get("SPDXID") == "SPDXRef-DOCUMENT", "document SPDXID must be SPDXRef-DOCUMENT")
    req(isinstance(doc.get("name"), str) and doc["name"], "document name missing")
    ns = doc.get("documentNamespace")
    u = urllib.parse.urlsplit(ns) if isinstance(ns, str) else None
    req(u is not None and u.scheme in ("http", "https") and u.netloc and "#" not in ns,
        "documentNamespace must be an absolute URI without '#'")
    ci = doc.get("creationInfo")
    if not isinstance(ci, dict):
        errs.append("creationInfo missing")
    else:
        req(isinstance(ci.get("created"), str) and CREATED_RE.match(ci["created"]),
            "creationInfo.created must be YYYY-MM-DDThh:mm:ssZ")
        cr = ci.get("creators")
        req(isinstance(cr, list) and cr and all(isinstance(c, str) and CREATOR_RE.match(c)
                                               for c in cr),
            "creationInfo.creators must list Person:/Organization:/Tool: entries")
    pkgs = doc.get("packages")
    if not isinstance(pkgs, list) or not pkgs:
        errs.append("packages missing")
        pkgs = []
    ids = {"SPDXRef-DOCUMENT"}
    for i, p in enumerate(pkgs):
        where = "package %d (%s)" % (i, p.get("name") if isinstance(p, dict) else "?")
        if not isinstance(p, dict):
            errs.append(where + ": not an object")
            continue
        req(not set(p) - PKG_KEYS, where + ": unknown properties %s" % sorted(set(p) - PKG_KEYS))
        sid = p.get("SPDXID")
        if not (isinstance(sid, str) and ID_RE.match(sid)):
            errs.append(where + ": SPDXID missing or malformed")
        elif sid in ids:
            errs.append(where + ": SPDXID %s not unique" % sid)
        else:
            ids.add(sid)
        req(isinstance(p.get("name"), str) and p["name"], where + ": name missing")
        req(isinstance(p.get("downloadLocation"), str) and p["downloadLocation"],
            where + ": downloadLocation missing")
        fa = p.get("filesAnalyzed", True)
        req(fa is False or "packageVerificationCode" in p,
            where + ": filesAnalyzed true needs packageVerificationCode")
        if "supplier" in p:
            req(SUPPLIER_RE.match(str(p["supplier"])), where + ": supplier malformed")
        if "primaryPackagePurpose" in p:
            req(p["primaryPackagePurpose"] in PURPOSES, where + ": unknown primaryPackagePurpose")
        for c in p.get("checksums", []):
            alg, val = c.get("algorithm"), c.get("checksumValue", "")
            req(alg in HEXLEN and re.fullmatch("[0-9a-f]{%d}" % HEXLEN.get(alg, 0), val or ""),
                where + ": checksum %s malformed" % alg)
        for r in p.get("externalRefs", []):
            req(r.get("referenceCategory") in ("SECURITY", "PACKAGE-MANAGER",
                                                "PERSISTENT-ID", "OTHER")
                and r.get("referenceType") and r.get("referenceLocator"),
                where + ": externalRef incomplete")
            if r.get("referenceType") == "purl":
                req(PURL_RE.match(r.get("referenceLocator", "")), where + ": purl malformed")
    for d in doc.get("documentDescribes", []):
        req(d in ids, "documentDescribes names unknown element %s" % d)
    rels = doc.get("relationships", [])
    req(any(r.get("spdxElementId") == "SPDXRef-DOCUMENT" and
            r.get("relationshipType") == "DESCRIBES" for r in rels) or
        doc.get("documentDescribes"), "nothing is DESCRIBED by the document")
    for r in rels:
        req(isinstance(r, dict) and not set(r) - REL_KEYS,
            "relationship with unknown properties: %r" % (r,))
        req(r.get("relationshipType") in REL_TYPES,
            "relationship type %s unknown" % r.get("relationshipType"))
        for k in ("spdxElementId", "relatedSpdxElement"):
            v = r.get(k)
            req(v in ids or v in ("NONE", "NOASSERTION"),
                "relationship %s names unknown element %s" % (r.get("relationshipType"), v))
    return errs


def by_purl(pkgs):
    out = {}
    for p in pkgs:
        for r in p.get("externalRefs", []):
            if r.get("referenceType") == "purl":
                out.setdefault(r["referenceLocator"], []).append(p)
    return out


def sha256_of(p):
    for c in p.get("checksums", []):
        if c.get("algorithm") == "SHA256":
            return c.get("checksumValue")
    return None


def check_content(doc, top, built=None):
    """The document against the pins in the tree (and the built files)."""
    errs = []
    pkgs = doc.get("packages", []) if isinstance(doc, dict) else []
    rels = doc.get("relationships", []) if isinstance(doc, dict) else []
    ids = {p.get("SPDXID"): p for p in pkgs if isinstance(p, dict)}
    purls = by_purl(pkgs)
    binp = ids.get("SPDXRef-Package-tee-launcher")
    imgp = ids.get("SPDXRef-Package-image")
    if not binp or not imgp:
        return ["the binary and the image packages are missing"]
    has = lambda a, t, b: any(r.get("spdxElementId") == a and r.get("relationshipType") == t  # noqa: E731
                              and r.get("relatedSpdxElement") == b for r in rels)

    # every TOOLCHAIN pin, exactly once, and no toolchain entry that is not pinned
    pins = toolchain(top)
    want = {purl_deb(n, v) for n, v in pins}
    for n, v in pins:
        ps = purls.get(purl_deb(n, v), [])
        if len(ps) != 1:
            errs.append("TOOLCHAIN %s %s: %d packages with purl %s" % (n, v, len(ps), purl_deb(n, v)))
            continue
        p = ps[0]
        if p.get("name") != n or p.get("versionInfo") != v:
            errs.append("TOOLCHAIN %s %s: package says %s %s" % (n, v, p.get("name"), p.get("versionInfo")))
        if not has(p["SPDXID"], "BUILD_TOOL_OF", binp["SPDXID"]):
            errs.append("TOOLCHAIN %s: no BUILD_TOOL_OF relationship to the binary" % n)
    for p in pkgs:
        if p.get("SPDXID", "").startswith("SPDXRef-Toolchain-"):
            mine = [r["referenceLocator"] for r in p.get("externalRefs", [])
                    if r.get("referenceType") == "purl"]
            if not mine or mine[0] not in want:
                errs.append("toolchain package %s %s is not in reproducible/TOOLCHAIN"
                            % (p.get("name"), p.get("versionInfo")))

    # BearSSL: upstream version, the Debian source package, each checked file
    br, files = bearssl_pin(top)
    src_purl = purl_deb(br["package"], br["version"], "source")
    ps = purls.get(src_purl, [])
    if len(ps) != 1:
        errs.append("BearSSL Debian source %s: %d packages" % (src_purl, len(ps)))
    else:
        for name, sha in files:
            got = [c for c in pkgs if c.get("name") == name and sha256_of(c) == sha and
                   has(ps[0]["SPDXID"], "CONTAINS", c.get("SPDXID"))]
            if len(got) != 1:
                errs.append("BearSSL file %s sha256 %s not listed in the source package" % (name, sha))
        n_files = sum(1 for r in rels if r.get("spdxElementId") == ps[0]["SPDXID"]
                      and r.get("relationshipType") == "CONTAINS")
        if n_files != len(files):
            errs.append("BearSSL source package lists %d files, SHA256SUMS %d" % (n_files, len(files)))
    up = purls.get("pkg:generic/bearssl@%s" % br["upstream"], [])
    if len(up) != 1 or up[0].get("versionInfo") != br["upstream"] or \
            not has(binp["SPDXID"], "STATIC_LINK", up[0]["SPDXID"]):
        errs.append("BearSSL upstream %s: missing or not linked to the binary" % br["upstream"])

    # the CA bundle
    ca = keyvals(read(top, "assets/ca/ORIGIN"))
    pem = ids.get("SPDXRef-Package-mozilla-roots.pem")
    if not pem or sha256_of(pem) != ca["pem_sha256"]:
        errs.append("CA PEM sha256 is not assets/ca/ORIGIN's %s" % ca["pem_sha256"])
    actual = sha256_file(os.path.join(top, "assets/ca/mozilla-roots.pem"))
    if actual != ca["pem_sha256"]:
        errs.append("assets/ca/mozilla-roots.pem has sha256 %s, ORIGIN says %s" % (actual, ca["pem_sha256"]))
    cap = purls.get(purl_deb(ca["package"], ca["version"], "all"), [])
    if len(cap) != 1 or not pem or not has(pem["SPDXID"], "GENERATED_FROM", cap[0]["SPDXID"]):
        errs.append("CA origin %s %s missing or not the PEM's origin" % (ca["package"], ca["version"]))

    # the source tree
    sid, sid_full = source_id(top)
    srcp = ids.get("SPDXRef-Package-source")
    if not srcp or sid_full not in srcp.get("comment", "") or \
            not has(binp["SPDXID"], "GENERATED_FROM", srcp["SPDXID"]):
        errs.append("source tree package does not carry this tree's source id %s" % sid)
    if binp.get("versionInfo") != read(top, "VERSION").strip():
        errs.append("binary version is not VERSION")

    # the built files
    if built:
        b = sha256_file(os.path.join(built, "tee-launcher"))
        if sha256_of(binp) != b:
            errs.append("binary sha256 %s, built %s" % (sha256_of(binp), b))
        m = read(os.path.join(built, "image"), "manifest.sha256").strip()
        if sha256_of(imgp) != m or imgp.get("versionInfo") != "sha256:" + m:
            errs.append("image digest %s, built sha256:%s" % (imgp.get("versionInfo"), m))
    if not has(imgp["SPDXID"], "CONTAINS", binp["SPDXID"]):
        errs.append("the image does not CONTAIN the binary")
    return errs


def main(argv):
    ap = argparse.ArgumentParser(description="SPDX 2.3 SBOM of tee-launcher")
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--top", default=".")
    g.add_argument("--built", default=None, help="build directory (default TOP/build)")
    g.add_argument("--out", required=True)
    c = sub.add_parser("check")
    c.add_argument("--top", default=".")
    c.add_argument("--built", default=None)
    c.add_argument("file")
    a = ap.parse_args(argv)
    top = os.path.abspath(a.top)
    if a.cmd == "generate":
        built = a.built or os.path.join(top, "build")
        text = dump(generate(top, built))
        tmp = a.out + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, a.out)
        print("sbom: %s (%d packages, sha256 %s)" % (
            a.out, len(json.loads(text)["packages"]), hashlib.sha256(text.encode()).hexdigest()))
        return 0
    with open(a.file, encoding="utf-8") as f:
        doc = json.load(f)
    errs = check_spdx(doc) + check_content(doc, top, a.built)
    for e in errs:
        print("sbom: " + e)
    print("sbom: %s: %s" % (a.file, "SPDX 2.3 fields and pins check out" if not errs
                            else "%d problems" % len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
