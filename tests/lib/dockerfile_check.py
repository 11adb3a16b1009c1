#!/usr/bin/env python3
"""Dockerfile.musl end to end, on a private dockerd (tests/check.d/90-dockerfile.sh).

1. A local Debian bookworm base (these machines cannot pull from Docker Hub):
   debootstrap --variant=minbase into a temp dir, tarred once into
   $B/cache/bookworm-minbase.tar (reused), `docker import`ed as tl-bookworm:local.
2. DOCKER_BUILDKIT=0 docker build --network host --build-arg BASE=tl-bookworm:local.
3. The binary copied out of the image has the pinned sha256, and the
   FROM-scratch image holds that one file and runs `--version`.
Prints timings, then "N passed, N failed".  ~40 s with the base cached (engine
data root on tmpfs), ~85 s without; TL_SKIP_SLOW=1 skips it locally.
"""
import json
import os
import subprocess
import sys
import tarfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testenv  # noqa: E402
from checks import Checks  # noqa: E402

TOP = testenv.TOP
B = os.environ.get("B") or os.path.join(TOP, "build")
MIRROR = os.environ.get("TL_DEBIAN_MIRROR", "http://deb.debian.org/debian")
BASE_TAR = os.path.join(B, "cache", "bookworm-minbase.tar")
BASE_TAG = "tl-bookworm:local"
IMAGE_TAG = "tl-launcher:dockerfile-check"
BUILD_TIMEOUT = 1500  # s; the whole CI run must stay under 30 min
TMPFS_MIN_AVAILABLE_KB = 6 << 20  # 6 GiB free: a 4 GiB tmpfs cap leaves room for the rest

T = Checks()
timings = {}


def sha256_file(path):
    import hashlib
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def tmpfs_size():
    """The engine's data root in RAM when there is room (the build needs ~1.5 GB):
    this disk takes longer to delete it than to build.  TL_DOCKER_TMPFS=0: on disk."""
    want = os.environ.get("TL_DOCKER_TMPFS", "4g")
    if want == "0":
        return None
    with open("/proc/meminfo") as f:
        avail = {l.split(":")[0]: int(l.split()[1]) for l in f}.get("MemAvailable", 0)
    return want if avail > TMPFS_MIN_AVAILABLE_KB else None


def make_base_tar():
    """debootstrap once; the tarball is the cache (delete it to refresh)."""
    if os.path.exists(BASE_TAR):
        return "cached"
    os.makedirs(os.path.dirname(BASE_TAR), exist_ok=True)
    with testenv.TempDir("tl-debootstrap-") as d:
        root = os.path.join(d.path, "root")
        p = subprocess.run(["debootstrap", "--variant=minbase", "bookworm", root, MIRROR],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise testenv.EnvError("debootstrap failed: " + (p.stdout + p.stderr)[-1500:])
        for name in os.listdir(os.path.join(root, "var/cache/apt/archives")):
            if name.endswith(".deb"):
                os.unlink(os.path.join(root, "var/cache/apt/archives", name))
        tmp = BASE_TAR + ".%d.tmp" % os.getpid()
        testenv.run(["tar", "-C", root, "--numeric-owner", "-cf", tmp, "."])
        os.rename(tmp, BASE_TAR)
    return "debootstrap"


def build(dk, logdir):
    env = dk.env()
    env["DOCKER_BUILDKIT"] = "0"
    log_path = os.path.join(logdir, "docker-build.log")
    with open(log_path, "w") as logf:
        p = subprocess.run(["docker", "build", "--network", "host", "-f",
                            os.path.join(TOP, "Dockerfile.musl"), "--build-arg",
                            "BASE=" + BASE_TAG, "-t", IMAGE_TAG, TOP],
                           env=env, stdout=logf, stderr=subprocess.STDOUT,
                           timeout=BUILD_TIMEOUT)
    return p.returncode, testenv.tail(log_path, 25)


def check_image(dk, work):
    pin = open(os.path.join(TOP, "reproducible", "tee-launcher.sha256")).read().strip()
    cid = dk.docker("create", IMAGE_TAG).stdout.strip()
    out = os.path.join(work, "tee-launcher")
    dk.docker("cp", cid + ":/tee-launcher", out)
    dk.docker("rm", cid)
    got = sha256_file(out)
    T.check("dockerfile: /tee-launcher in the image has the pinned sha256", got == pin,
            "image %s, pin %s" % (got, pin))
    launcher = os.environ.get("LAUNCHER") or os.path.join(B, "tee-launcher")
    if os.path.exists(launcher):
        T.check("dockerfile: it is bit-identical to the host build", got == sha256_file(launcher),
                sha256_file(launcher))

    p = dk.docker("run", "--rm", "--network", "none", IMAGE_TAG, "--version", check=False)
    version = open(os.path.join(TOP, "VERSION")).read().strip()
    first = (p.stdout.splitlines() or [""])[0]
    T.check("dockerfile: `docker run` of the scratch image prints --version",
            p.returncode == 0 and first == "tee-launcher " + version, (p.returncode, p.stdout,
                                                                      p.stderr))
    ep = dk.docker("image", "inspect", "--format", "{{json .Config.Entrypoint}}",
                   IMAGE_TAG).stdout.strip()
    T.check("dockerfile: ENTRYPOINT is [\"/tee-launcher\"]", json.loads(ep) == ["/tee-launcher"],
            ep)

    saved = os.path.join(work, "image.tar")
    dk.docker("save", "-o", saved, IMAGE_TAG)
    with tarfile.open(saved) as t:
        manifest = json.load(t.extractfile("manifest.json"))
        layers = manifest[0]["Layers"]
        names = []
        if len(layers) == 1:
            with tarfile.open(fileobj=t.extractfile(layers[0])) as layer:
                names = layer.getnames()
    T.check("dockerfile: the final image has one layer holding only tee-launcher",
            len(layers) == 1 and names == ["tee-launcher"], (len(layers), names))


def main():
    testenv.install_signal_handlers()
    if os.environ.get("TL_SKIP_SLOW"):
        print("SKIP: TL_SKIP_SLOW is set (this stage takes ~1 min; CI always runs it)")
        print("0 passed, 0 failed")
        return
    t_all = time.monotonic()
    with testenv.TempDir("tl-dfc-") as work:
        try:
            t0 = time.monotonic()
            how = make_base_tar()
            timings["base rootfs (%s)" % how] = time.monotonic() - t0
            T.check("dockerfile: a bookworm minbase root file system is available", True)
            with testenv.Dockerd(tmpfs=tmpfs_size()) as dk:
                t0 = time.monotonic()
                dk.docker("import", BASE_TAR, BASE_TAG, timeout=600)
                timings["docker import"] = time.monotonic() - t0
                t0 = time.monotonic()
                rc, tail = build(dk, work.path)
                timings["docker build Dockerfile.musl"] = time.monotonic() - t0
                where = "tmpfs" if dk.tmpfs else "disk"
                if T.check("dockerfile: builds with BASE=%s on dockerd (%s, %s)" %
                           (BASE_TAG, dk.driver, where), rc == 0, "exit %d:\n%s" % (rc, tail)):
                    check_image(dk, work.path)
                t0 = time.monotonic()
            timings["dockerd stop + cleanup"] = time.monotonic() - t0
        except Exception as e:
            T.check("dockerfile: stage ran to the end", False, "%s: %s" % (type(e).__name__, e))
    timings["total"] = time.monotonic() - t_all
    for k, v in timings.items():
        print("time %-40s %7.1f s" % (k, v))
    sys.exit(0 if T.summary() else 1)


if __name__ == "__main__":
    main()
