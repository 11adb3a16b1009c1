#!/usr/bin/env python3
"""The launcher's own OCI image (make image), end to end on a real engine
(tests/check.d/72-launcher-image.sh).

1. The layout: oci-layout, index.json → manifest → config → one layer holding
   only /tee-launcher (ustar, uid/gid 0, no owner names, mode 0755, mtime
   SOURCE_DATE_EPOCH, the built binary's bytes), gzip without name and time,
   config with the entrypoint, created = SOURCE_DATE_EPOCH, amd64/linux and
   the layer's diff_id; a second build of the same binary has the same
   manifest digest.
2. skopeo pushes the layout to the local TLS registry (token auth) unchanged:
   the registry's digest is the built manifest digest; the engine pulls it by
   that digest and `docker run --rm <image> --version` works.
3. The image runs the launch as it will in a CVM: `docker run --network host`
   with only the docker socket, /tapp, the shared volume and the (simulated)
   dstack socket mounted.  No docker CLI inside, so the launcher picks the
   Engine API by itself; it resolves through the TLS registry, verifies,
   extends RTMR3 through the fake agent once, writes the node config into the
   shared volume and starts the node, which reads it.  A second run emits no
   second event and starts the same node container again (same spec).
4. The resolver child's sandbox inside the engine: build/sandbox-probe
   (tests/sandbox/probe.c, static musl) in an image of its own, run like the
   launcher (docker's default seccomp profile, the docker socket mounted):
   each forbidden action is refused there too, and DNS and TCP still work.
Last line: "N passed, N failed".
"""
import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
import tomllib

TOP = os.environ["TOP"]
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
import registry_push  # noqa: E402
import testenv  # noqa: E402
from checks import Checks  # noqa: E402

B = os.environ.get("B") or os.path.join(TOP, "build")
LAUNCHER = os.environ.get("LAUNCHER", os.path.join(B, "tee-launcher"))
LAYOUT = os.path.join(B, "image")
PROBE = os.path.join(B, "sandbox-probe")
FAKE_DSTACK = os.path.join(TOP, "tests", "lib", "fake_dstack.py")
with open(os.path.join(TOP, "reproducible", "SOURCE_DATE_EPOCH")) as _f:
    SDE = int(_f.read())
T = Checks()


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def blob(layout, digest):
    with open(os.path.join(layout, "blobs", "sha256", digest.split(":", 1)[1]), "rb") as f:
        return f.read()


def case_layout(ctx):
    with open(os.path.join(LAYOUT, "oci-layout")) as f:
        T.check("layout: oci-layout is version 1.0.0",
                json.load(f) == {"imageLayoutVersion": "1.0.0"})
    with open(os.path.join(LAYOUT, "index.json")) as f:
        index = json.load(f)
    desc = index["manifests"]
    T.check("layout: index.json names one manifest, ref latest",
            len(desc) == 1 and desc[0]["annotations"] ==
            {"org.opencontainers.image.ref.name": "latest"}, desc)
    mbytes = blob(LAYOUT, desc[0]["digest"])
    digest = "sha256:" + sha256(mbytes)
    with open(os.path.join(LAYOUT, "manifest.sha256")) as f:
        T.check("layout: manifest.sha256 is the manifest's digest",
                "sha256:" + f.read().strip() == digest == desc[0]["digest"]
                and desc[0]["size"] == len(mbytes))
    m = json.loads(mbytes)
    T.check("layout: an OCI manifest with one gzip layer",
            m["schemaVersion"] == 2 and
            m["mediaType"] == "application/vnd.oci.image.manifest.v1+json" and
            m["config"]["mediaType"] == "application/vnd.oci.image.config.v1+json" and
            [l["mediaType"] for l in m["layers"]] ==
            ["application/vnd.oci.image.layer.v1.tar+gzip"], m)
    every = all(sha256(blob(LAYOUT, d["digest"])) == d["digest"][7:] and
                len(blob(LAYOUT, d["digest"])) == d["size"]
                for d in [m["config"]] + m["layers"])
    T.check("layout: every blob has its digest and size", every)
    gz = blob(LAYOUT, m["layers"][0]["digest"])
    T.check("layout: gzip header carries no name and no time (gzip -n)",
            gz[:3] == b"\x1f\x8b\x08" and gz[3] & 0x08 == 0 and gz[4:8] == b"\0\0\0\0",
            gz[:10].hex())
    tar = gzip.decompress(gz)
    with tarfile.open(fileobj=io.BytesIO(tar), mode="r:") as tf:
        members = tf.getmembers()
        with open(LAUNCHER, "rb") as f:
            binary = f.read()
        one = members[0] if len(members) == 1 else None
        T.check("layer: exactly one entry, tee-launcher, a regular file",
                one is not None and one.name == "tee-launcher" and one.isreg(),
                [x.name for x in members])
        T.check("layer: uid/gid 0, no owner names, mode 0755, mtime SOURCE_DATE_EPOCH",
                one is not None and (one.uid, one.gid, one.uname, one.gname, one.mode,
                                     one.mtime) == (0, 0, "", "", 0o755, SDE),
                one and (one.uid, one.gid, one.uname, one.gname, oct(one.mode), one.mtime))
        T.check("layer: the entry is the built binary, byte for byte",
                one is not None and tf.extractfile(one).read() == binary)
    T.check("layer: ustar, no pax headers", b"PaxHeaders" not in tar and tar[257:263] == b"ustar\0")
    cfg = json.loads(blob(LAYOUT, m["config"]["digest"]))
    T.check("config: entrypoint /tee-launcher, amd64/linux, created = SOURCE_DATE_EPOCH",
            cfg["config"] == {"Entrypoint": ["/tee-launcher"]} and
            cfg["architecture"] == "amd64" and cfg["os"] == "linux" and
            cfg["created"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(SDE)), cfg)
    T.check("config: diff_ids is the uncompressed layer's digest",
            cfg["rootfs"] == {"type": "layers", "diff_ids": ["sha256:" + sha256(tar)]})
    again = os.path.join(ctx["dir"], "image-again")
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(SDE), TZ="Asia/Kolkata", LC_ALL="C.UTF-8")
    subprocess.run(["sh", os.path.join(TOP, "reproducible", "oci-image.sh"), LAUNCHER, again],
                   env=env, check=True, capture_output=True)
    with open(os.path.join(again, "manifest.sha256")) as f:
        T.check("layout: a second build of the same binary has the same manifest digest",
                "sha256:" + f.read().strip() == digest)
    ctx["digest"] = digest
    ctx["config_digest"] = m["config"]["digest"]


def case_push_and_run(ctx):
    reg, dk, pki = ctx["reg"], ctx["dk"], ctx["pki"]
    certs = os.path.join(ctx["dir"], "skopeo-certs")
    os.makedirs(certs)
    shutil.copy(pki.ca_cert, os.path.join(certs, "ca.crt"))
    user, pw = reg.push_credentials()
    dest = "%s/tl/tee-launcher" % reg.host
    t0 = time.monotonic()
    p = subprocess.run(["skopeo", "copy", "--quiet", "--dest-cert-dir", certs,
                        "--dest-creds", "%s:%s" % (user, pw),
                        "oci:%s:latest" % LAYOUT, "docker://%s:test" % dest],
                       capture_output=True, text=True, timeout=300)
    ctx["timings"]["skopeo push (s)"] = round(time.monotonic() - t0, 2)
    T.check("push: skopeo copies the layout to the TLS registry", p.returncode == 0, p.stderr)
    r = ctx["push"].get_manifest("tl/tee-launcher", "test")
    T.check("push: the registry serves the layout's manifest unchanged (same digest)",
            r.status == 200 and "sha256:" + sha256(r.body) == ctx["digest"] and
            r.header("Docker-Content-Digest") == ctx["digest"],
            "%s %s" % (r.status, r.header("Docker-Content-Digest")))
    ref = "%s@%s" % (dest, ctx["digest"])
    p = dk.docker("pull", ref, check=False)
    T.check("pull: the engine pulls the launcher image by its pinned-form digest",
            p.returncode == 0, p.stderr)
    iid = dk.docker("image", "inspect", "-f", "{{.Id}}", ref, check=False).stdout.strip()
    T.check("pull: the engine's image ID is the config digest", iid == ctx["config_digest"], iid)
    p = dk.docker("run", "--rm", "--network", "none", ref, "--version", check=False)
    with open(os.path.join(TOP, "VERSION")) as f:
        version = f.read().strip()
    T.check("run: docker run --rm <image> --version prints the version",
            p.returncode == 0 and p.stdout.startswith("tee-launcher %s\n" % version),
            p.stdout + p.stderr)
    ctx["image_ref"] = ref


class Agent:
    """tests/lib/fake_dstack.py on a socket in the case dir."""

    def __init__(self, d):
        self.sock = os.path.join(d, "dstack.sock")
        self.log = os.path.join(d, "agent-events.log")
        ready = os.path.join(d, "agent-ready")
        self.proc = subprocess.Popen(
            [sys.executable, FAKE_DSTACK, "--socket", self.sock, "--log", self.log,
             "--rtmr3", os.path.join(d, "agent-rtmr3"), "--ready", ready],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "agent.err"), "w"))
        for _ in range(200):
            if os.path.exists(ready):
                break
            time.sleep(0.05)

    def events(self):
        try:
            with open(self.log) as f:
                return [json.loads(x) for x in f if x.strip()]
        except OSError:
            return []

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def case_launch_in_image(ctx):
    if "image_ref" not in ctx:
        T.check("in-image launch: needs the pulled launcher image", False)
        return
    dk, reg = ctx["dk"], ctx["reg"]
    img = ctx["images"]["oci-index"]
    d = os.path.join(ctx["dir"], "cvm")
    tapp = os.path.join(d, "tapp")
    os.makedirs(tapp)
    shutil.copy(ctx["pki"].ca_cert, os.path.join(tapp, "registry-ca.crt"))
    with open(os.path.join(tapp, "user_config"), "w") as f:
        f.write("[launcher_config]\nimage_tags = [\"oci-index\"]\n"
                "image_name = \"tl/mpc-node\"\nregistry = \"%s\"\n"
                "rpc_request_timeout_secs = 10\nrpc_request_interval_secs = 0\n"
                "rpc_max_attempts = 0\nport_mappings = [{ host = %d, container = 11780 }]\n\n"
                "[mpc_node_config]\nhome_dir = \"/data\"\n" % (reg.host, ctx["port"]))
    agent = Agent(d)
    sock = dk.host[len("unix://"):]
    argv = ["run", "--rm", "--name", "tl-launcher", "--network", "host",
            "-v", "%s:/var/run/docker.sock" % sock,
            "-v", "%s:/tapp:ro" % tapp,
            "-v", "shared-volume:/mnt/shared",
            "-v", "%s:%s" % (agent.sock, agent.sock),
            "-e", "PLATFORM=TEE", "-e", "DOCKER_CONTENT_TRUST=1",
            "-e", "DEFAULT_IMAGE_DIGEST=" + img["config_digest"],
            "-e", "TEE_LAUNCHER_DSTACK_SOCKET=" + agent.sock,
            "-e", "TEE_LAUNCHER_RTMR_METHOD=dstack-api",
            "-e", "TEE_LAUNCHER_EXTRA_CA_FILE=/tapp/registry-ca.crt",
            ctx["image_ref"]]
    try:
        dk.docker("rm", "-f", "mpc-node", check=False)
        t0 = time.monotonic()
        p = dk.docker(*argv, check=False, timeout=300)
        ctx["timings"]["launcher image TEE run (s)"] = round(time.monotonic() - t0, 2)
        T.check("in-image launch: exits 0", p.returncode == 0, p.stderr[-2000:])
        T.check("in-image launch: no docker CLI inside, so the API backend was chosen",
                'msg="engine backend" engine=api' in p.stderr, p.stderr[-800:])
        payload = bytes.fromhex(img["config_digest"][7:])
        ev = agent.events()
        T.check("in-image launch: one mpc-image-digest event through the fake agent",
                len(ev) == 1 and ev[0]["event"] == "mpc-image-digest" and
                base64.b64decode(ev[0]["payload"]) == payload, ev)
        vol = json.loads(dk.docker("volume", "inspect", "shared-volume").stdout)[0]
        cfg_path = os.path.join(vol["Mountpoint"], "mpc-config.toml")
        with open(cfg_path, "rb") as f:
            cfg = tomllib.load(f)
        T.check("in-image launch: node config in the shared volume, [tee] dstack",
                cfg["tee"]["image_hash"] == img["config_digest"] and
                cfg["tee"]["authority"]["type"] == "dstack")
        c = json.loads(dk.docker("inspect", "mpc-node").stdout)[0]
        T.check("in-image launch: the node runs the pulled (linux/amd64) manifest digest",
                c["State"]["Running"] and c["Config"]["Image"] ==
                "%s/tl/mpc-node@%s" % (reg.host, img["platform_digest"]), c["Config"]["Image"])
        T.check("in-image launch: the node has DSTACK_ENDPOINT and the socket bind",
                "DSTACK_ENDPOINT=" + agent.sock in c["Config"]["Env"] and
                "%s:%s:rw" % (agent.sock, agent.sock) in c["HostConfig"]["Binds"])
        logs = ""
        for _ in range(40):
            logs = dk.docker("logs", "mpc-node", check=False).stdout
            if "config exists" in logs or "config missing" in logs:
                break
            time.sleep(0.05)
        T.check("in-image launch: the node reads the config the launcher wrote",
                "config exists" in logs, logs)
        first = c["Id"]
        p2 = dk.docker(*argv, check=False, timeout=300)
        again = json.loads(dk.docker("inspect", "mpc-node").stdout)[0]
        T.check("in-image launch: a second run exits 0, emits no second event, "
                "starts the same node container again (same spec) and spares itself",
                p2.returncode == 0 and len(agent.events()) == 1 and
                again["Id"] == first and again["State"]["Running"] and
                again["State"]["StartedAt"] != c["State"]["StartedAt"], p2.stderr[-800:])
    finally:
        agent.stop()
        dk.docker("rm", "-f", "tl-launcher", "mpc-node", check=False)


def case_sandbox_in_engine(ctx):
    """The probe as the only file of an image (docker import of a one-file
    tar), run with the engine socket and a user config mounted."""
    dk, d = ctx["dk"], ctx["dir"]
    tar = os.path.join(d, "probe.tar")
    with tarfile.open(tar, "w") as t:
        t.add(PROBE, arcname="sandbox-probe")
    dk.docker("import", "--change", 'ENTRYPOINT ["/sandbox-probe"]', tar, "tl-probe:test")
    t_dir = os.path.join(d, "probe")
    os.makedirs(t_dir, exist_ok=True)
    with open(os.path.join(t_dir, "user_config"), "w") as f:
        f.write('[mpc_node_config]\nsecret = "do-not-read"\n')
    sock = dk.host[len("unix://"):]
    p = dk.docker("run", "--rm", "--network", "host", "-v", "%s:/t" % t_dir,
                  "-v", "%s:/var/run/docker.sock" % sock, "tl-probe:test",
                  "/t/user_config", "/var/run/docker.sock", "/t", check=False)
    out = dict(kv.split("=", 1) for kv in p.stdout.split())
    print("probe in engine: %s" % p.stdout.strip())
    T.check("sandbox in engine: the probe ran and reported", p.returncode == 0 and out,
            p.stderr[-800:])
    for key, want, what in (
            ("unix", "EPERM", "no AF_UNIX socket (the engine socket is out of reach)"),
            ("write", "EPERM", "no file opened for writing"),
            ("exec", "EPERM", "no execve"), ("kill", "EPERM", "no signal to the parent"),
            ("ptrace", "EPERM", "no ptrace of the parent"),
            ("inet", "ok", "TCP sockets still work"), ("hosts", "ok", "/etc/hosts is readable")):
        T.check("sandbox in engine: %s" % what, out.get(key) == want, p.stdout)
    T.check("sandbox in engine: DNS answers as outside the sandbox",
            out.get("dns") == out.get("dns_outside") and out.get("dns") != "system", p.stdout)
    if out.get("landlock", "0") != "0":
        T.check("sandbox in engine: the user config is unreadable (Landlock)",
                out.get("config") == "EACCES", p.stdout)
    else:
        print("sandbox in engine: no Landlock under this engine's seccomp profile")
    T.check("sandbox in engine: no file was created", not os.path.exists(
        os.path.join(t_dir, "written")))


def main():
    testenv.install_signal_handlers()
    ctx = {"timings": {}}
    with testenv.TempDir() as d:
        ctx["dir"] = d.path
        T.run("layout", case_layout, ctx)
        pki = testenv.Pki.create(os.path.join(d.path, "pki"))
        with testenv.Registry(pki, auth=True) as reg, testenv.Dockerd(pki) as dk:
            user, pw = reg.push_credentials()
            client = registry_push.Client(reg.host, pki.ca_cert, user, pw)
            ctx.update(reg=reg, dk=dk, pki=pki, push=client,
                       images=registry_push.push_standard(client),
                       port=testenv.free_port())
            if "digest" in ctx:
                T.run("push and run", case_push_and_run, ctx)
            T.run("launch in image", case_launch_in_image, ctx)
            T.run("sandbox in engine", case_sandbox_in_engine, ctx)
    for k, v in ctx["timings"].items():
        print("timing %s %s" % (k, v))
    return 0 if T.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
