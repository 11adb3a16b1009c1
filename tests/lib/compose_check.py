"""Structural checks of rendered compose files (run by tests/check.d).

Renders through build/drivers/compose-render, reads the result with the
strict subset reader in yaml_subset.py and compares the whole document
with the expected structure, for benign and hostile image names.  When
PyYAML or docker-compose are installed they must agree too (optional: the
subset reader alone decides pass/fail when they are absent).
Prints "ok"/"FAIL" lines and "N passed, N failed" last.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import yaml_subset  # noqa: E402

DRIVER = os.path.join(os.environ["DRIVERS"], "compose-render")
DIGEST = "ab" * 32
SOCK = "/var/run/dstack.sock"
CONFIG = "/mnt/shared/mpc-config.toml"
HOSTILE = [
    'a"b', "a\nprivileged: true", "x\n    privileged: true", "a: b", "# c",
    "${X}", "$X", "$$", "a\\", 'a\\"\nb: c', "\t", "a\rb", "\u00e9", "\u2028x",
    "\u0085x", "[", "]", "{", "}", ",", "'", "&a", "*a", "!!python/object",
    "|", ">", "%", "@", "`id`", " lead", "trail ", "---", "...", '"\n"',
    "\x7f", "\ufeff", "\x01\x1b[31m", "a{{IMAGE}}", "}}{{", "\U0001f600",
    "nearone/mpc-node",
]
passed = failed = 0


def result(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + what)
    else:
        failed += 1
        print("FAIL " + what)


def render(platform, flavour, image, ports="11780:11780,2200:2200"):
    sock = SOCK if platform == "tee" else "-"
    p = subprocess.run([DRIVER, platform, flavour, image, DIGEST, ports, sock,
                        CONFIG], capture_output=True)
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")


def expected(platform, flavour, image_value, ports):
    svc = {
        "image": image_value,
        "container_name": "mpc-node",
        "restart": "on-failure",
        "labels": ["org.tee-launcher.spec=" + "5bec" * 16],
        "security_opt": ["no-new-privileges:true"],
        "ports": ports,
    }
    if platform == "tee":
        svc["environment"] = ["DSTACK_ENDPOINT=" + SOCK]
    svc["volumes"] = ["/tapp:/tapp:ro", "shared-volume:/mnt/shared", "mpc-data:/data"]
    if platform == "tee":
        svc["volumes"].append(SOCK + ":" + SOCK)
    svc["command"] = ["/app/mpc-node", "start-with-config-file", CONFIG]
    doc = {}
    if flavour == "spec":
        doc["name"] = "mpc-node"
    doc["services"] = {"mpc-node": svc}
    doc["volumes"] = {"shared-volume": {"name": "shared-volume"},
                      "mpc-data": {"name": "mpc-data"}}
    return doc


def compose_escaped(s):
    return s.replace("$", "$$")


def check_structure(platform, flavour, image, ports_arg, ports_list):
    rc, out, err = render(platform, flavour, image, ports_arg)
    if rc != 0:
        return False, "render failed: " + err.strip()
    try:
        doc = yaml_subset.load(out)
    except yaml_subset.YamlError as e:
        return False, "subset reader: %s" % e
    want = expected(platform, flavour,
                    compose_escaped(image + "@sha256:" + DIGEST), ports_list)
    if doc != want or list(doc) != list(want):
        return False, "structure differs: %r" % doc
    svc = doc["services"]["mpc-node"]
    if list(svc) != list(want["services"]["mpc-node"]):
        return False, "service key order differs: %r" % list(svc)
    try:
        if yaml_subset.compose_unescape(svc["image"]) != image + "@sha256:" + DIGEST:
            return False, "image does not round-trip"
    except yaml_subset.YamlError as e:
        return False, str(e)
    if out.count("{{") != image.count("{{"):
        return False, "a placeholder survived"
    return True, out


def pyyaml_agrees(out, doc_check):
    try:
        import yaml
    except ImportError:
        return None
    return yaml.safe_load(out) == doc_check


def main():
    for platform in ("tee", "nontee"):
        for flavour in ("spec", "v1"):
            tag = "%s/%s" % (platform, flavour)
            ok, info = check_structure(platform, flavour, "nearone/mpc-node",
                                       "11780:11780,2200:2200",
                                       ["11780:11780", "2200:2200"])
            result(ok, "%s: benign rendering has exactly the expected structure%s"
                   % (tag, "" if ok else " (" + info + ")"))
            ok, info = check_structure(platform, flavour, "nearone/mpc-node", "", [])
            result(ok, "%s: no ports render as ports: []" % tag)
            bad = []
            for image in HOSTILE:
                ok, info = check_structure(platform, flavour, image,
                                           "11780:11780", ["11780:11780"])
                if not ok:
                    bad.append("%r: %s" % (image, info))
                elif pyyaml_agrees(info, yaml_subset.load(info)) is False:
                    bad.append("%r: PyYAML reads it differently" % image)
            result(not bad, "%s: %d hostile image names add no key and round-trip%s"
                   % (tag, len(HOSTILE), "" if not bad else ": " + "; ".join(bad)))
    rc = subprocess.run([DRIVER, "tee", "spec", b"bad\xff", DIGEST, "", SOCK, CONFIG],
                        capture_output=True).returncode
    result(rc == 1, "an image name that is not UTF-8 is refused")
    dc = shutil.which("docker-compose")
    if dc:
        bad = []
        with tempfile.TemporaryDirectory() as d:
            for platform in ("tee", "nontee"):
                for image in ["nearone/mpc-node", "a\nprivileged: true", "${X}", 'a"b\\']:
                    _, out, _ = render(platform, "v1", image)
                    f = os.path.join(d, "c.yaml")
                    with open(f, "w") as fh:
                        fh.write(out)
                    p = subprocess.run([dc, "-p", "mpc-node", "-f", f, "config", "--services"],
                                       capture_output=True, cwd=d)
                    if p.returncode != 0 or p.stdout.decode().split() != ["mpc-node"]:
                        bad.append("%s %r: %s" % (platform, image, p.stderr.decode().strip()[:200]))
        result(not bad, "docker-compose 1.x accepts the v1 renderings%s"
               % ("" if not bad else ": " + "; ".join(bad)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
