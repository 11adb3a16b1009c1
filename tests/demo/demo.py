#!/usr/bin/env python3
"""`make demo`: one TEE launch of the real launcher, shown step by step.

Two paths (DEMO_MODE):
  image  (default) the reproducible launcher image (make image → build/image,
         an OCI layout) is copied by skopeo into the test registry, pulled by
         its manifest digest and run by the private dockerd the way a CVM runs
         it: `docker run --rm --network host` with only the engine's socket,
         /tapp (user config + the test CA), the shared volume and the dstack
         socket mounted.  No docker CLI inside: the Engine API backend.
  binary build/tee-launcher (musl) run directly on the host with the docker
         CLI + compose backend (shows the rendered compose file).

Everything runs on loopback under one /tmp/tl-demo-* directory: a test PKI,
docker-registry 2.8 over TLS with token auth, a private dockerd, the
simulated dstack guest agent (tests/lib/fake_dstack.py) on a unix socket.
The demo pushes a tiny FROM-scratch "mpc-node" image (the static stub from
tests/mpc-node-stub/) as a multi-platform release, writes the approved-hashes
file and an operator's user config, runs build/tee-launcher with
PLATFORM=TEE (RTMR3 through the dstack API), and shows what it did: the
selected digest, the resolved manifest, the emitted event, an independent
RTMR3 replay, the node config, the node container's settings (image mode:
docker inspect; binary mode: the rendered compose file) and the running node.  A
second run shows that a restarted launcher does not extend RTMR3 twice.

Everything is removed at the end, also after a failure or Ctrl-C.  Exit
status 0 only if every step and every check passed.  Needs root.
"""
import base64
import contextlib
import hashlib
import http.client
import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import textwrap
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("TOP") or os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
import registry_push  # noqa: E402
import testenv  # noqa: E402

# The compose network comes from here, not from docker's 31 default pools,
# which several private engines on one host (and bridges leaked by killed
# ones) can exhaust: "could not find an available, non-overlapping pool".
ADDRESS_POOL = ("--default-address-pool", "base=10.213.0.0/16,size=24")
LAUNCHER = os.environ.get("LAUNCHER", os.path.join(TOP, "build", "tee-launcher"))
LAYOUT = os.path.join(os.environ.get("B") or os.path.join(TOP, "build"), "image")
MODE = os.environ.get("DEMO_MODE", "image")
LAUNCHER_REPO = "tl/tee-launcher"            # where the demo pushes the launcher image
LAUNCHER_CONTAINER = "tl-demo-launcher"
TAPP_CA = "/tapp/registry-ca.crt"            # the test CA, as the container sees it
FAKE_DSTACK = os.path.join(TOP, "tests", "lib", "fake_dstack.py")
REPO = "nearone/mpc-node"
NEW_TAG, OLD_TAG = "3.0.0", "2.9.0"
EVENT_NAME = "mpc-image-digest"
EVENT_TYPE = 0x08000001          # dstack's runtime event type, little-endian in V1
WIDTH = 78
NODE_START_TIMEOUT = 20          # s for the stub to print its first line
AGENT_START_TIMEOUT = 10         # s for fake_dstack.py to create its socket
LAUNCHER_TIMEOUT = 300           # s; a first pull of the 200 KiB image takes < 1 s

DEMO_SECRET = "d3m0" * 16        # stands in for the node's secret store key


class StepFailed(Exception):
    """A step cannot continue; the message says why."""


class Out:
    """Sections, indented blocks and ok/FAIL lines; counts the checks."""

    def __init__(self):
        self.n = 0
        self.passed = 0
        self.failed = []
        self.bold = sys.stdout.isatty()

    def section(self, title):
        self.n += 1
        head = "== %d. %s " % (self.n, title)
        line = head + "=" * max(3, WIDTH - len(head))
        print("\n" + ("\033[1m%s\033[0m" % line if self.bold else line), flush=True)

    def say(self, text=""):
        print(text, flush=True)

    def block(self, text, indent="    "):
        print(textwrap.indent(text.rstrip("\n"), indent, lambda _: True), flush=True)

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            print("  ok    " + what, flush=True)
        else:
            self.failed.append(what)
            print("  FAIL  %s%s" % (what, (": " + str(detail)) if detail else ""), flush=True)
        return cond


OUT = Out()


# ---------------------------------------------------------------- helpers

def logfmt(line):
    """One logfmt line -> dict (values unquoted)."""
    rec = {}
    for k, v in re.findall(r'([A-Za-z_][A-Za-z0-9_.-]*)=("(?:[^"\\]|\\.)*"|\S*)', line):
        if v.startswith('"'):
            v = re.sub(r'\\(.)', r'\1', v[1:-1])
        rec[k] = v
    return rec


def find_log(records, msg):
    for r in records:
        if r.get("msg") == msg:
            return r
    return None


def short(digest, n=12):
    return digest[:7 + n] + "…" if digest.startswith("sha256:") else digest[:n] + "…"


def v1_event_digest(name, payload):
    """dstack's V1 runtime event digest: SHA-384(type LE ‖ ":" ‖ name ‖ ":" ‖ payload)."""
    return hashlib.sha384(EVENT_TYPE.to_bytes(4, "little") + b":" + name.encode() +
                          b":" + payload).digest()


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path, timeout=10):
        super().__init__("dstack", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def agent_call(sock, method, body):
    """A POST to the agent the way a verifier's client would send it."""
    c = UnixHTTP(sock)
    try:
        c.request("POST", "/" + method, body=json.dumps(body),
                  headers={"Host": "dstack", "Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        if r.status != 200:
            raise StepFailed("agent /%s: HTTP %d %s" % (method, r.status, data[:200]))
        return json.loads(data)
    finally:
        c.close()


def pretty_json(raw):
    return json.dumps(json.loads(raw), indent=2)


# ---------------------------------------------------------------- services

class FakeAgent:
    """tests/lib/fake_dstack.py in its own session (Ctrl-C is ours to handle)."""

    def __init__(self, root):
        self.sock = os.path.join(root, "dstack.sock")
        self.events = os.path.join(root, "dstack", "runtime_events.log")
        self.rtmr3 = os.path.join(root, "dstack", "rtmr3")
        self.state = os.path.join(root, "dstack", "state.json")
        ready = os.path.join(root, "dstack", "ready")
        os.makedirs(os.path.dirname(self.events))
        self.err = open(os.path.join(root, "dstack", "agent.err"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, FAKE_DSTACK, "--socket", self.sock, "--log", self.events,
             "--rtmr3", self.rtmr3, "--state", self.state, "--ready", ready],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err,
            start_new_session=True)
        deadline = time.monotonic() + AGENT_START_TIMEOUT
        while not os.path.exists(ready):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise StepFailed("fake dstack agent did not start: " +
                                 testenv.tail(self.err.name))
            time.sleep(0.02)

    def counts(self):
        with open(self.state) as f:
            return json.load(f)

    def event_lines(self):
        try:
            with open(self.events) as f:
                return [line.rstrip("\n") for line in f if line.strip()]
        except FileNotFoundError:
            return []

    def register(self):
        with open(self.rtmr3, "rb") as f:
            return f.read()

    def stop(self):
        testenv.stop_process(self.proc.pid, self.proc, timeout=5)
        self.err.close()


def start_services(ctx, stack):
    OUT.section("Services on loopback (all under %s)" % ctx["root"])
    t = time.monotonic()
    pki = testenv.Pki.create(os.path.join(ctx["root"], "pki"))
    OUT.say("  test PKI: CA + server certificate for DNS:localhost  (%.1f s)" %
            (time.monotonic() - t))
    reg = stack.enter_context(testenv.Registry(pki, auth=True,
                                                       dir=os.path.join(ctx["root"], "registry")))
    OUT.say("  docker-registry 2.8: %s, token auth via %s  (%.1f s)" %
            (reg.url, reg.token.realm, reg.start_seconds))
    dk = stack.enter_context(testenv.Dockerd(pki, dir=os.path.join(ctx["root"], "dockerd"),
                                           extra_args=ADDRESS_POOL))
    OUT.say("  dockerd: %s (private data root, storage %s)  (%.1f s)" %
            (dk.host, dk.driver, dk.start_seconds))
    stack.callback(docker_cleanup, dk)

    t = time.monotonic()
    user, pw = reg.push_credentials()
    client = registry_push.Client(reg.host, pki.ca_cert, user, pw)
    pusher = registry_push.Pusher(client, REPO, registry_push.build_stub())
    old = pusher.tag(OLD_TAG, pusher.image(OLD_TAG))
    amd64 = pusher.image(NEW_TAG, oci=True)
    index = pusher.index([pusher.image(NEW_TAG + "/arm64", "arm64", oci=True), amd64,
                          pusher.attestation(amd64["digest"])])
    new = pusher.tag(NEW_TAG, index)
    pusher.tag("latest", index)
    OUT.say("  pushed %s (one %d-byte layer: the static stub /app/mpc-node)  (%.1f s)" %
            (REPO, len(pusher.gz), time.monotonic() - t))
    OUT.say("    :%s, :latest  OCI index %s  (linux/arm64, linux/amd64, attestation)" %
            (NEW_TAG, short(new["digest"])))
    OUT.say("    :%s         Docker v2 manifest %s  (linux/amd64)" %
            (OLD_TAG, short(old["digest"])))

    if MODE == "image":
        push_launcher_image(ctx, pki, reg, dk)

    agent = FakeAgent(ctx["root"])
    stack.callback(agent.stop)
    OUT.say("  simulated dstack guest agent: %s (POST /EmitEvent /GetQuote /Info)" %
            agent.sock)
    ctx.update(pki=pki, reg=reg, dk=dk, client=client, new=new, old=old, agent=agent)


def layout_digest():
    with open(os.path.join(LAYOUT, "manifest.sha256")) as f:
        return "sha256:" + f.read().strip()


def pinned_digest():
    with open(os.path.join(TOP, "reproducible", "image-manifest.sha256")) as f:
        return "sha256:" + f.read().strip()


def push_launcher_image(ctx, pki, reg, dk):
    """build/image → the test registry (skopeo) → the engine (pull by digest)."""
    t = time.monotonic()
    certs = os.path.join(ctx["root"], "skopeo-certs")
    os.makedirs(certs)
    with open(pki.ca_cert, "rb") as src, open(os.path.join(certs, "ca.crt"), "wb") as dst:
        dst.write(src.read())
    user, pw = reg.push_credentials()
    dest = "%s/%s" % (reg.host, LAUNCHER_REPO)
    p = subprocess.run(["skopeo", "copy", "--quiet", "--dest-cert-dir", certs,
                        "--dest-creds", "%s:%s" % (user, pw),
                        "oci:%s:latest" % LAYOUT, "docker://%s:demo" % dest],
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise StepFailed("skopeo copy of %s: %s" % (LAYOUT, p.stderr.strip()[-600:]))
    digest = layout_digest()
    ref = "%s@%s" % (dest, digest)
    dk.docker("pull", "--quiet", ref)
    iid = dk.docker("image", "inspect", "-f", "{{.Id}}", ref).stdout.strip()
    version = dk.docker("run", "--rm", "--network", "none", ref, "--version").stdout
    OUT.say("  launcher image %s: skopeo copy to %s, docker pull by digest  (%.1f s)" %
            (LAYOUT, dest, time.monotonic() - t))
    OUT.say("    manifest %s, image ID %s" % (digest, short(iid)))
    OUT.say("    docker run --rm <image> --version: %s" % version.split("\n")[0])
    ctx.update(launcher_ref=ref, launcher_digest=digest)


def docker_cleanup(dk):
    """What the demo created inside the engine, removed explicitly."""
    dk.docker("rm", "-f", LAUNCHER_CONTAINER, check=False, timeout=60)
    dk.docker("rm", "-f", "mpc-node", check=False, timeout=60)
    dk.docker("network", "rm", "mpc-node_default", check=False, timeout=60)
    dk.docker("volume", "rm", "-f", "shared-volume", "mpc-data", check=False, timeout=60)


# ---------------------------------------------------------------- inputs

USER_CONFIG = """\
# /tapp/user_config: written by the node operator; NOT measured.  It can only
# choose among approved images; paths, sockets and trust come from the
# launcher's (measured) environment.
[launcher_config]
image_tags = ["{tag}"]
image_name = "{repo}"
registry = "{registry}"
rpc_request_timeout_secs = 10
rpc_request_interval_secs = 1
rpc_max_attempts = 20
port_mappings = [
  {{ host = {web_port}, container = 8080 }},    # web UI and metrics
  {{ host = {p2p_port}, container = 24567 }},   # NEAR p2p
]

# Passed to the node as it is, plus the [tee] table the launcher adds.
[mpc_node_config]
home_dir = "/data"
my_near_account_id = "mpc-operator-1.testnet"
near_responder_account_id = "mpc-responder-1.testnet"
number_of_responder_keys = 1
cores = 4
log.level = "info"
log.format = "json"
web_ui = {{ host = "0.0.0.0", port = 8080 }}
near_init.chain_id = "testnet"
near_init.boot_nodes = "ed25519:4k9csx6zMiXy4waUvRMPTkEtAS2RFKLVScocR5HwN53P@203.0.113.7:24567"

[mpc_node_config.indexer]
mpc_contract_id = "v1.signer-prod.testnet"
finality = "optimistic"
sync_mode = "Latest"
concurrency = 1
validate_genesis = false

[mpc_node_config.triple]
concurrency = 2
desired_triples_to_buffer = 128
timeout_sec = 60
parallel_triple_generation_stagger_time_sec = 1

[mpc_node_config.presignature]
concurrency = 4
desired_presignatures_to_buffer = 64
timeout_sec = 60

[mpc_node_config.signature]
timeout_sec = 60

[mpc_node_config.secrets]
secret_store_key_hex = "{secret}"   # a demo value; real ones never reach a log
"""


def write_inputs(ctx):
    OUT.section("Inputs")
    dk = ctx["dk"]
    # The launcher writes into the volume the node mounts at /mnt/shared,
    # as in the CVM: the node then finds its config at the path it is given.
    dk.docker("volume", "create", "shared-volume")
    shared = dk.docker("volume", "inspect", "-f", "{{.Mountpoint}}",
                       "shared-volume").stdout.strip()
    tapp = os.path.join(ctx["root"], "tapp")
    os.makedirs(tapp)
    ports = sorted({testenv.free_port(), testenv.free_port()})
    if len(ports) < 2:
        ports.append(testenv.free_port())
    paths = {
        "user_config": os.path.join(tapp, "user_config"),
        "approved": os.path.join(shared, "image-digest.bin"),
        "node_config": os.path.join(shared, "mpc-config.toml"),
        "compose": os.path.join(shared, "mpc-node.compose.yaml"),
    }
    new, old = ctx["new"], ctx["old"]
    approved = json.dumps({"approved_hashes": [new["config_digest"], old["config_digest"]]},
                          indent=2) + "\n"
    with open(paths["approved"], "w") as f:
        f.write(approved)
    config = USER_CONFIG.format(tag=NEW_TAG, repo=REPO, registry=ctx["reg"].host,
                                web_port=ports[0], p2p_port=ports[1], secret=DEMO_SECRET)
    with open(paths["user_config"], "w") as f:
        f.write(config)
    ctx.update(paths=paths, shared=shared, ports=ports)
    if MODE == "image":
        image_inputs(ctx, tapp)
    else:
        binary_inputs(ctx)
    OUT.say("  (DEFAULT_IMAGE_DIGEST is release %s: used only when no approved list exists)"
            % OLD_TAG)
    OUT.say("\nApproved hashes, %s" % paths["approved"])
    OUT.say("(written by the MPC node from the contract's votes, newest first: %s, %s):" %
            (NEW_TAG, OLD_TAG))
    OUT.block(approved)
    OUT.say("\nUser config, %s:" % paths["user_config"])
    OUT.block(config)


def image_inputs(ctx, tapp):
    """The docker run of the launcher image: only what a CVM's compose file gives it."""
    with open(ctx["pki"].ca_cert, "rb") as src, \
            open(os.path.join(tapp, os.path.basename(TAPP_CA)), "wb") as dst:
        dst.write(src.read())
    agent, dk, old = ctx["agent"], ctx["dk"], ctx["old"]
    sock = dk.host[len("unix://"):]
    env = [("PLATFORM", "TEE"), ("DOCKER_CONTENT_TRUST", "1"),
           ("DEFAULT_IMAGE_DIGEST", old["config_digest"]),
           ("TEE_LAUNCHER_RTMR_METHOD", "dstack-api"),
           ("TEE_LAUNCHER_DSTACK_SOCKET", agent.sock),
           ("TEE_LAUNCHER_EXTRA_CA_FILE", TAPP_CA)]
    mounts = ["%s:/var/run/docker.sock" % sock,
              "%s:/tapp:ro" % os.path.dirname(ctx["paths"]["user_config"]),
              "shared-volume:/mnt/shared",
              "%s:%s" % (agent.sock, agent.sock)]
    argv = ["run", "--rm", "--name", LAUNCHER_CONTAINER, "--network", "host"]
    for m in mounts:
        argv += ["-v", m]
    for k, v in env:
        argv += ["-e", "%s=%s" % (k, v)]
    argv.append(ctx["launcher_ref"])
    OUT.say("The launcher container (as a CVM's measured compose file would run it; there the")
    OUT.say("engine socket is the host's /var/run/docker.sock and TEE_LAUNCHER_* keep defaults):")
    OUT.block("docker " + " \\\n  ".join(
        [" ".join(argv[:6])] + ["%s %s" % (argv[i], argv[i + 1])
                                for i in range(6, len(argv) - 1, 2)] + [argv[-1]]))
    ctx["argv"] = argv


def binary_inputs(ctx):
    agent, dk, old, paths = ctx["agent"], ctx["dk"], ctx["old"], ctx["paths"]
    env = {
        "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
        "DOCKER_HOST": dk.host,
        "PLATFORM": "TEE",
        "DOCKER_CONTENT_TRUST": "1",
        "DEFAULT_IMAGE_DIGEST": old["config_digest"],
        "TEE_LAUNCHER_RTMR_METHOD": "dstack-api",
        "TEE_LAUNCHER_DSTACK_SOCKET": agent.sock,
        "TEE_LAUNCHER_USER_CONFIG": paths["user_config"],
        "TEE_LAUNCHER_APPROVED_HASHES_FILE": paths["approved"],
        "TEE_LAUNCHER_NODE_CONFIG": paths["node_config"],
        "TEE_LAUNCHER_COMPOSE_FILE": paths["compose"],
        # Never the host's real /sys or /run/log/dstack: dstack-api needs neither.
        "TEE_LAUNCHER_RTMR3_FILE": os.path.join(ctx["root"], "no-tdx", "rtmr3"),
        "TEE_LAUNCHER_EVENT_LOG_DIR": os.path.join(ctx["root"], "no-tdx"),
        "TEE_LAUNCHER_EXTRA_CA_FILE": ctx["pki"].ca_cert,
        "TEE_LAUNCHER_ENGINE": "cli",
    }
    OUT.say("Launcher environment (from the CVM's measured compose file; in a real CVM")
    OUT.say("the TEE_LAUNCHER_* paths keep their defaults and DOCKER_HOST is the host's engine):")
    OUT.block("\n".join("%s=%s" % (k, env[k]) for k in env if k not in ("PATH", "HOME")))
    ctx["env"] = env


# ---------------------------------------------------------------- the run

def run_launcher(ctx):
    t = time.monotonic()
    if MODE == "image":
        p = ctx["dk"].docker(*ctx["argv"], check=False, timeout=LAUNCHER_TIMEOUT)
    else:
        p = subprocess.run([LAUNCHER], env=ctx["env"], capture_output=True, text=True,
                           timeout=LAUNCHER_TIMEOUT)
    secs = time.monotonic() - t
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    return p, secs, lines, [logfmt(line) for line in lines]


def first_run(ctx):
    if MODE == "image":
        OUT.section("Run: launcher image %s (PLATFORM=TEE, RTMR3 via the dstack API)" %
                    short(ctx["launcher_digest"]))
    else:
        OUT.section("Plan: build/tee-launcher plan (same environment; contacts nothing)")
        p = subprocess.run([LAUNCHER, "plan"], env=ctx["env"], capture_output=True,
                           text=True, timeout=60)
        OUT.block(p.stdout.strip() or p.stderr.strip() or "(no output)")
        OUT.check(p.returncode == 0 and DEMO_SECRET not in p.stdout + p.stderr,
                  "plan exits 0 and prints no node secret", p.stderr[-400:])
        OUT.section("Run: build/tee-launcher (PLATFORM=TEE, RTMR3 via the dstack API)")
    p, secs, lines, recs = run_launcher(ctx)
    OUT.block("\n".join(lines) or "(no output)")
    if p.stdout.strip():
        OUT.block(p.stdout)
    OUT.say("  exit status %d after %.2f s" % (p.returncode, secs))
    leaked = [s for s in (DEMO_SECRET, "Bearer ", "Authorization") if s in p.stderr + p.stdout]
    OUT.check(not leaked, "no secret, token or Authorization header in the output", leaked)
    if not OUT.check(p.returncode == 0, "the launcher exits 0"):
        raise StepFailed("the launcher failed (exit %d)" % p.returncode)
    want = ("api", "socket present") if MODE == "image" else ("cli", "TEE_LAUNCHER_ENGINE")
    rec = find_log(recs, "engine backend") or {}
    got = (rec.get("engine"), rec.get("reason"))
    why = "the default: the engine's socket is mounted" if MODE == "image" else \
        "TEE_LAUNCHER_ENGINE=cli: docker CLI + compose"
    OUT.check(got == want, "engine backend %s (%s)" % (want[0], why), got)
    ctx.update(recs=recs, run_seconds=secs)


def show_selection(ctx):
    OUT.section("Selected digest")
    r = find_log(ctx["recs"], "selected image digest") or {}
    new = ctx["new"]
    OUT.say("  %s  (source: %s)" % (r.get("digest"), r.get("source")))
    OUT.say("  = the config digest (image ID) of %s:%s, the newest approved entry;" %
            (REPO, NEW_TAG))
    OUT.say("    DEFAULT_IMAGE_DIGEST (%s) was not used." % OLD_TAG)
    OUT.check(r.get("digest") == new["config_digest"],
              "the launcher selected the first (newest) approved digest")
    ctx["selected"] = r.get("digest", "")


def show_manifest(ctx):
    OUT.section("Resolved manifest")
    r = find_log(ctx["recs"], "image digest resolved") or {}
    manifest = r.get("manifest", "")
    client, new = ctx["client"], ctx["new"]
    idx = client.get_manifest(REPO, NEW_TAG)
    OUT.say("  tag %s -> %s  %s" % (NEW_TAG, idx.header("Content-Type"),
                                   registry_push.sha256_digest(idx.body)))
    for e in json.loads(idx.body)["manifests"]:
        plat = e.get("platform") or {}
        kind = (e.get("annotations") or {}).get("vnd.docker.reference.type", "")
        name = "%s/%s" % (plat.get("os"), plat.get("architecture"))
        mark = "  <- matched" if e["digest"] == manifest else ""
        OUT.say("      %-15s %s %s%s" % (name, e["digest"], kind, mark))
    got = client.get_manifest(REPO, manifest)
    OUT.say("\n  linux/amd64 image manifest %s" % manifest)
    OUT.say("  (matched by: %s):" % r.get("matched"))
    OUT.block(pretty_json(got.body), "      ")
    body = json.loads(got.body)
    OUT.check(registry_push.sha256_digest(got.body) == manifest,
              "the manifest body hashes to the digest the launcher resolved")
    OUT.check(body.get("config", {}).get("digest") == ctx["selected"],
              "its config digest is the selected (approved) digest")
    OUT.check(manifest == new["platform_digest"],
              "the index was followed to its linux/amd64 entry (arm64, attestation skipped)")
    pulled = find_log(ctx["recs"], "pulling image") or {}
    verified = find_log(ctx["recs"], "pulled image verified") or {}
    OUT.say("  pulled %s" % pulled.get("ref"))
    OUT.say("  engine image ID %s (%s image store)" % (verified.get("id"), verified.get("store")))
    OUT.check(verified.get("id") == ctx["selected"],
              "the engine's image ID is the selected digest")
    ctx["manifest"] = manifest


def show_event(ctx):
    OUT.section("Emitted event (the simulated dstack agent's view)")
    agent = ctx["agent"]
    counts = agent.counts()
    OUT.say("  requests the agent received: %s" % json.dumps(counts.get("by_path", {}),
                                                           sort_keys=True))
    OUT.say("  it accepted POST /EmitEvent only because the request had exactly one")
    OUT.say("  'Host: dstack', 'Content-Type: application/json' and the body")
    payload_hex = ctx["selected"].split(":", 1)[-1]
    OUT.block('{"event":"%s","payload":"%s"}' % (EVENT_NAME, payload_hex), "      ")
    lines = agent.event_lines()
    OUT.say("  agent's runtime event log (%s):" % agent.events)
    OUT.block("\n".join(lines) or "(empty)", "      ")
    events = [json.loads(line) for line in lines]
    ok = len(events) == 1 and events[0]["event"] == EVENT_NAME
    payload = base64.b64decode(events[0]["payload"]) if ok else b""
    OUT.say("  payload (base64 -> hex): %s" % payload.hex())
    OUT.check(ok and payload.hex() == payload_hex,
              "exactly one %s event, payload = the selected digest's 32 bytes" % EVENT_NAME)
    OUT.check(counts.get("by_path", {}).get("/EmitEvent") == 1 and counts.get("rejected") == 0,
              "EmitEvent was sent once and nothing was rejected")


def show_replay(ctx):
    OUT.section("RTMR3 replay (what a verifier does with the quote's event log)")
    agent = ctx["agent"]
    info = agent_call(agent.sock, "Info", {})
    tcb = json.loads(info["tcb_info"])
    mr = bytes(48)
    OUT.say("  start      %s  (48 zero bytes)" % mr.hex())
    ok_digests = True
    for ev in tcb["event_log"]:
        if ev.get("imr") != 3:
            continue
        payload = bytes.fromhex(ev["event_payload"])
        d = v1_event_digest(ev["event"], payload)
        ok_digests &= d.hex() == ev["digest"]
        mr = hashlib.sha384(mr + d).digest()
        OUT.say("  event      %s, payload %s" % (ev["event"], payload.hex()))
        OUT.say("  digest     SHA384(01 00 00 08 ':' name ':' payload)")
        OUT.say("             %s" % d.hex())
        OUT.say("  extend     RTMR3 := SHA384(RTMR3 || digest)")
        OUT.say("             %s" % mr.hex())
    expected = hashlib.sha384(bytes(48) + v1_event_digest(
        EVENT_NAME, bytes.fromhex(ctx["selected"].split(":", 1)[-1]))).digest()
    OUT.say("  replayed   %s" % mr.hex())
    OUT.say("  agent      %s  (/Info tcb_info.rtmr3)" % tcb["rtmr3"])
    OUT.say("  register   %s  (the agent's RTMR3)" % agent.register().hex())
    OUT.check(ok_digests, "every RTMR3 event digest in the log recomputes with hashlib")
    OUT.check(mr.hex() == tcb["rtmr3"] == agent.register().hex(),
              "the replay equals the agent's RTMR3")
    OUT.check(mr == expected,
              "RTMR3 is what the approved digest alone predicts (one event, from zero)")
    ctx["rtmr3"] = mr


def show_node_config(ctx):
    OUT.section("Node config written by the launcher")
    path = ctx["paths"]["node_config"]
    mode = stat.S_IMODE(os.stat(path).st_mode)
    OUT.say("  %s (mode %04o)" % (path, mode))
    OUT.say("  !! DEMO ONLY: production never logs or prints this file; [mpc_node_config]")
    OUT.say("  !! holds the node's secrets.  The value below is a made-up demo key.")
    with open(path) as f:
        text = f.read()
    OUT.block(text, "    | ")
    cfg = tomllib.loads(text)
    tee = cfg.get("tee", {})
    OUT.check(mode == 0o600, "written with mode 0600")
    OUT.check(tee.get("image_hash") == ctx["selected"] and
              tee.get("authority", {}).get("type") == "dstack",
              "[tee] carries the selected digest and the dstack authority")
    OUT.check(cfg.get("secrets", {}).get("secret_store_key_hex") == DEMO_SECRET and
              cfg.get("indexer", {}).get("mpc_contract_id") == "v1.signer-prod.testnet",
              "the operator's tables survived the round trip")
    OUT.check(not [n for n in os.listdir(os.path.dirname(path)) if n.startswith(".tmp")],
              "no temp file left beside it")


def show_compose(ctx):
    OUT.section("Rendered compose file")
    path = ctx["paths"]["compose"]
    OUT.say("  %s (kept for the operator)" % path)
    with open(path) as f:
        text = f.read()
    OUT.block(text, "    | ")
    OUT.check("%s/%s@%s" % (ctx["reg"].host, REPO, ctx["manifest"]) in text,
              "the image is pinned by the resolved manifest digest")
    OUT.check("{{" not in text, "no unrendered placeholder")


def show_container(ctx):
    OUT.section("Node container settings (Engine API backend: no compose file)")
    c = json.loads(ctx["dk"].docker("inspect", "mpc-node").stdout)[0]
    hc, cf = c["HostConfig"], c["Config"]
    labels = {k: v for k, v in (cf.get("Labels") or {}).items()
              if k.startswith("com.docker.compose.")}
    view = {
        "Config.Image": cf["Image"],
        "Config.Cmd": cf.get("Cmd"),
        "Config.Env (ours)": [e for e in cf.get("Env") or [] if e.startswith("DSTACK_")],
        "Config.Labels (compose)": labels,
        "HostConfig.Binds": hc.get("Binds"),
        "HostConfig.PortBindings": hc.get("PortBindings"),
        "HostConfig.SecurityOpt": hc.get("SecurityOpt"),
        "HostConfig.RestartPolicy": hc.get("RestartPolicy"),
        "HostConfig.NetworkMode": hc.get("NetworkMode"),
    }
    OUT.say("  $ docker inspect mpc-node  (the fields the launcher set)")
    OUT.block(json.dumps(view, indent=2), "    | ")
    OUT.check(cf["Image"] == "%s/%s@%s" % (ctx["reg"].host, REPO, ctx["manifest"]),
              "the image is pinned by the resolved manifest digest")
    OUT.check(hc.get("SecurityOpt") == ["no-new-privileges:true"] and
              (hc.get("RestartPolicy") or {}).get("Name") == "on-failure",
              "no-new-privileges, restart on-failure")
    binds = hc.get("Binds") or []
    OUT.check("/tapp:/tapp:ro" in binds and "shared-volume:/mnt/shared:rw" in binds and
              "mpc-data:/data:rw" in binds,
              "/tapp read-only, shared-volume and mpc-data volumes")
    ports = hc.get("PortBindings") or {}
    OUT.check(all(ports.get("%d/tcp" % cport, [{}])[0].get("HostPort") == str(hport)
                  for hport, cport in zip(ctx["ports"], (8080, 24567))),
              "the user config's port mappings")
    OUT.check(labels.get("com.docker.compose.project") == "mpc-node" and
              labels.get("com.docker.compose.service") == "mpc-node",
              "compose labels: `docker compose -p mpc-node logs` finds it")


def wait_node(dk, need):
    deadline = time.monotonic() + NODE_START_TIMEOUT
    logs = ""
    while time.monotonic() < deadline:
        logs = dk.docker("logs", "mpc-node", check=False).stdout
        if need in logs:
            break
        time.sleep(0.1)
    return logs


def show_node(ctx):
    OUT.section("The node")
    dk = ctx["dk"]
    logs = wait_node(dk, "config exists")
    ps = dk.docker("ps", "--format",
                   "table {{.Names}}\t{{.Status}}\t{{.Ports}}\t{{.Image}}").stdout
    OUT.say("  $ docker ps")
    OUT.block(ps)
    OUT.say("  $ docker logs mpc-node")
    OUT.block(logs or "(nothing yet)")
    st = dk.docker("inspect", "-f", "{{.State.Running}} {{.Id}} {{.Config.Image}}",
                   "mpc-node", check=False).stdout.split()
    OUT.check(len(st) == 3 and st[0] == "true" and st[2].endswith("@" + ctx["manifest"]),
              "mpc-node runs the resolved manifest digest")
    OUT.check("config path /mnt/shared/mpc-config.toml" in logs and "config exists" in logs,
              "the node found its config at /mnt/shared/mpc-config.toml")
    ctx["container"] = st[1] if len(st) == 3 else ""


def show_restart(ctx):
    OUT.section("Restart: the same CVM boots the launcher again")
    p, secs, lines, recs = run_launcher(ctx)
    OUT.block("\n".join(line for line in lines if "RTMR3" in line or "MPC node" in line))
    OUT.say("  exit status %d after %.2f s" % (p.returncode, secs))
    agent, dk = ctx["agent"], ctx["dk"]
    OUT.check(p.returncode == 0, "the second run exits 0", p.stderr[-600:])
    OUT.check(len(agent.event_lines()) == 1 and agent.register() == ctx["rtmr3"] and
              agent.counts().get("by_path", {}).get("/EmitEvent") == 1,
              "no second event: RTMR3 unchanged (a second one would fail verification)")
    wait_node(dk, "config exists")
    st = dk.docker("inspect", "-f", "{{.State.Running}} {{.Id}}", "mpc-node",
                   check=False).stdout.split()
    OUT.check(len(st) == 2 and st[0] == "true" and st[1] == ctx["container"],
              "the same node container (unchanged spec) was started again and runs")


# ---------------------------------------------------------------- main

def leftovers(root):
    left = []
    if os.path.exists(root):
        left.append(root)
    left += testenv.mounts_under(root) if os.path.exists(root) else []
    key = root.encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if key in f.read():
                    left.append("pid " + pid)
        except OSError:
            pass
    return left


def main():
    t0 = float(os.environ.get("DEMO_T0") or time.time())
    t_demo = time.time()
    testenv.install_signal_handlers()
    testenv.log = lambda msg: None  # the sections below say what started
    if MODE not in ("image", "binary"):
        print("demo: DEMO_MODE must be image or binary, not %r" % MODE, file=sys.stderr)
        return 2
    need = os.path.join(LAYOUT, "manifest.sha256") if MODE == "image" else LAUNCHER
    if not os.path.exists(need) or not os.access(LAUNCHER, os.X_OK):
        print("demo: %s missing: run `make image` first" % need, file=sys.stderr)
        return 1
    version = subprocess.run([LAUNCHER, "--version"], capture_output=True, text=True).stdout
    print("\ntee-launcher demo: %s" % " | ".join(version.split("\n")[:2]))
    if MODE == "image":
        digest, pin = layout_digest(), pinned_digest()
        print("path: the launcher IMAGE (DEMO_MODE=image; DEMO_MODE=binary runs the musl binary)")
        print("      %s, manifest %s" % (LAYOUT, digest))
        print("      %s reproducible/image-manifest.sha256" %
              ("= the pin in" if digest == pin else "!= (tree changed since) the pin %s in" % pin))
    else:
        print("path: the musl BINARY %s on the host, docker CLI + compose backend" % LAUNCHER)
        print("      (DEMO_MODE=binary; the default DEMO_MODE=image runs the launcher image)")
    tapp_existed = os.path.exists("/tapp")
    status = 0
    root = None
    stack = contextlib.ExitStack()
    try:
        with stack:
            d = stack.enter_context(testenv.TempDir(prefix="tl-demo-"))
            root = d.path
            ctx = {"root": root}
            start_services(ctx, stack)
            write_inputs(ctx)
            first_run(ctx)
            shown = show_container if MODE == "image" else show_compose
            for step in (show_selection, show_manifest, show_event, show_replay,
                         show_node_config, shown, show_node, show_restart):
                step(ctx)
            # Cleanup runs as the stack unwinds; no Ctrl-C may cut it short.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            OUT.section("Cleanup")
            t = time.monotonic()
    except StepFailed as e:
        status = 1
        print("\ndemo: step failed: %s" % e, flush=True)
    except KeyboardInterrupt:
        status = 130
        print("\ndemo: interrupted; cleaning up", flush=True)
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else 1
        print("\ndemo: terminated; cleaning up", flush=True)
    except Exception as e:  # report, clean up, fail
        status = 1
        print("\ndemo: %s: %s" % (type(e).__name__, e), flush=True)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if status == 0:
        OUT.say("  removed the mpc-node container, its network, the volumes shared-volume")
        OUT.say("  and mpc-data, dockerd, the registry, the token server, the dstack agent")
        OUT.say("  and %s  (%.1f s)" % (root, time.monotonic() - t))
    if not tapp_existed and os.path.isdir("/tapp") and not os.listdir("/tapp"):
        os.rmdir("/tapp")  # docker created it for the compose bind mount
    left = leftovers(root) if root else []
    OUT.check(not left, "nothing left behind", " ".join(left))
    total = time.time() - t0
    print("\ndemo: %d checks passed, %d failed; total %.1f s (packages + build %.1f s, "
          "demo %.1f s)" % (OUT.passed, len(OUT.failed), total, t_demo - t0,
                            time.time() - t_demo), flush=True)
    if OUT.failed:
        print("demo: FAILED: " + "; ".join(OUT.failed))
        status = status or 1
    return status


if __name__ == "__main__":
    sys.exit(main())
