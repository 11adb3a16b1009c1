#!/usr/bin/env python3
"""End-to-end: the musl tee-launcher against a real TLS registry with token
auth, a real dockerd + docker-compose, and (for TEE) the simulated dstack
agent, a temp-dir stand-in for the RTMR3 sysfs file, or a FUSE file with the
kernel's RTMR3 semantics (tests/lib/rtmr_fuse.py) that the launcher reads
back as a register.

The happy paths run once per engine backend (TEE_LAUNCHER_ENGINE=cli: docker
CLI + compose; =api: the Engine API over the socket) and assert the same
outcomes.  Each case writes a user config, optionally an approved-hashes file,
runs the launcher with an explicit environment, and asserts the exit code, the stderr
message, what was written (node config, compose file), what was measured
(agent requests / RTMR3 file), that the node container runs, and that no
secret reached the logs.  Last line: "N passed, N failed".
"""
import base64
import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import tomllib

TOP = os.environ["TOP"]
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
import registry_push  # noqa: E402
import rtmr_fuse  # noqa: E402
import testenv  # noqa: E402
from checks import Checks  # noqa: E402
import rtmr_model  # noqa: E402

LAUNCHER = os.environ.get("LAUNCHER", os.path.join(TOP, "build", "tee-launcher"))
FAKE_DSTACK = os.path.join(TOP, "tests", "lib", "fake_dstack.py")
SECRET = "5ec2e7-node-secret-value"
T = Checks()
EVENT_TYPE = 0x08000001


def v1_digest(payload):
    return rtmr_model.v1_digest("mpc-image-digest", payload)


def v2_digest(payload):
    return rtmr_model.v2_digest("mpc-image-digest", payload)


def user_config(reg_host, tags, name="tl/mpc-node", override=None, extra_node="",
                ports=None, attempts=0, timeout=10):
    # A free host port: other engines on this machine may publish 11780 too.
    if ports is None:
        port = testenv.free_port()
        ports = ((port, 11780),)
    pm = ", ".join("{ host = %d, container = %d }" % p for p in ports)
    lines = [
        "[launcher_config]",
        "image_tags = [%s]" % ", ".join(json.dumps(t) for t in tags),
        "image_name = %s" % json.dumps(name),
        "registry = %s" % json.dumps(reg_host),
        "rpc_request_timeout_secs = %d" % timeout,
        "rpc_request_interval_secs = 0",
        "rpc_max_attempts = %d" % attempts,
        "port_mappings = [%s]" % pm,
    ]
    if override:
        lines.append("mpc_hash_override = %s" % json.dumps(override))
    lines += [
        "",
        "[mpc_node_config]",
        'home_dir = "/data"',
        "log.level = \"info\"",
        "near = { chain_id = \"testnet\", boot_nodes = \"ed25519:x@1.2.3.4:1\" }",
        "[mpc_node_config.secrets]",
        "secret_store_key_hex = %s" % json.dumps(SECRET),
        "[[mpc_node_config.participants]]",
        "id = 1",
        "[[mpc_node_config.participants]]",
        "id = 2",
        "ratio = 0.5",
        "started = 1979-05-27T07:32:00Z",
        extra_node,
    ]
    return "\n".join(lines) + "\n"


def current_config(image_reference, ports=None, extra_lc=""):
    """A user config of near/mpc's current schema (#2785): image_reference and
    the pull_* defaults; the node table as user_config() has it."""
    seed = user_config("unused.test", ["x"], ports=ports)
    node = seed[seed.index("[mpc_node_config]"):]
    pm = seed[seed.index("port_mappings"):].splitlines()[0]
    return ("[launcher_config]\nimage_reference = %s\n%s\n%s\n\n%s"
            % (json.dumps(image_reference), pm, extra_lc, node))


class Case:
    """A scratch directory standing in for /tapp, /mnt/shared, /run/log/dstack."""

    def __init__(self, root, name):
        self.dir = os.path.join(root, name)
        os.makedirs(self.dir)
        self.shared = os.path.join(self.dir, "shared")
        self.logdir = os.path.join(self.dir, "dstack-log")
        os.makedirs(self.shared)
        os.makedirs(self.logdir)
        self.user_config = os.path.join(self.dir, "user_config")
        self.approved = os.path.join(self.shared, "image-digest.bin")
        self.node_config = os.path.join(self.shared, "mpc-config.toml")
        self.compose = os.path.join(self.shared, "mpc-node.compose.yaml")
        self.sock = os.path.join(self.dir, "dstack.sock")
        self.rtmr3 = os.path.join(self.dir, "rtmr3")
        self.runtime_log = os.path.join(self.logdir, "runtime_events.log")

    def write(self, path, text):
        with open(path, "w") as f:
            f.write(text)

    def env(self, env, platform, default, **extra):
        e = {
            "PATH": env["PATH"], "HOME": env.get("HOME", "/root"),
            "DOCKER_HOST": env["DOCKER_HOST"],
            "PLATFORM": platform, "DOCKER_CONTENT_TRUST": "1",
            "DEFAULT_IMAGE_DIGEST": default,
            "TEE_LAUNCHER_USER_CONFIG": self.user_config,
            "TEE_LAUNCHER_APPROVED_HASHES_FILE": self.approved,
            "TEE_LAUNCHER_NODE_CONFIG": self.node_config,
            "TEE_LAUNCHER_COMPOSE_FILE": self.compose,
            "TEE_LAUNCHER_DSTACK_SOCKET": self.sock,
            "TEE_LAUNCHER_RTMR3_FILE": self.rtmr3,
            "TEE_LAUNCHER_EVENT_LOG_DIR": self.logdir,
            "TEE_LAUNCHER_EXTRA_CA_FILE": env["CA"],
        }
        e.update(extra)
        return e

    def run(self, env, timeout=300):
        t0 = time.monotonic()
        p = subprocess.run([LAUNCHER], env=env, capture_output=True, text=True,
                           timeout=timeout)
        p.seconds = time.monotonic() - t0
        return p


class FakeDstack:
    def __init__(self, case, *args):
        self.case = case
        self.state = os.path.join(case.dir, "dstack-state.json")
        ready = os.path.join(case.dir, "dstack-ready")
        self.proc = subprocess.Popen(
            [sys.executable, FAKE_DSTACK, "--socket", case.sock, "--log",
             case.runtime_log + ".agent", "--rtmr3", case.rtmr3 + ".agent",
             "--state", self.state, "--ready", ready] + list(args),
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(case.dir, "dstack.err"), "w"))
        for _ in range(200):
            if os.path.exists(ready):
                break
            time.sleep(0.05)

    def counts(self, settle=1.0):
        # The fake writes its state after answering: give it a moment.
        time.sleep(settle)
        try:
            with open(self.state) as f:
                return json.load(f)
        except OSError:
            return {}

    def events(self):
        try:
            with open(self.case.runtime_log + ".agent") as f:
                return [json.loads(line) for line in f if line.strip()]
        except OSError:
            return []

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def why(p):
    """The launcher's error line, or the tail of stderr."""
    errs = [x for x in p.stderr.splitlines() if x.startswith("level=error")]
    return errs[-1] if errs else p.stderr[-1500:]


def no_secrets(p, token_values=()):
    text = p.stdout + p.stderr
    if SECRET in text or "Bearer " in text or "Authorization" in text:
        return False
    return not any(t and t in text for t in token_values)


def node_running(dk):
    r = dk.docker("inspect", "-f", "{{.State.Running}} {{.Config.Image}}", "mpc-node",
                  check=False)
    return r.returncode == 0 and r.stdout.startswith("true"), r.stdout.strip()


def container_inspect(dk, fmt):
    r = dk.docker("inspect", "-f", fmt, "mpc-node", check=False)
    return r.stdout.strip() if r.returncode == 0 else ""


def container_env(dk):
    return json.loads(container_inspect(dk, "{{json .Config.Env}}") or "[]") or []


def container_binds(dk):
    return json.loads(container_inspect(dk, "{{json .HostConfig.Binds}}") or "[]") or []


def container_id(dk):
    return container_inspect(dk, "{{.Id}}")


def read_toml(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


# ------------------------------------------------------------------ cases

def case_nontee_happy(ctx, engine):
    n = "NONTEE" if engine == "cli" else "NONTEE/api"
    c = Case(ctx["root"], "nontee-" + engine)
    img = ctx["images"]["docker-v2"]
    c.write(c.user_config, user_config(ctx["reg"].host, ["missing-tag", "docker-v2"]))
    # A `docker` in front of the real one, noting how it is called: the
    # compose backend pulls, checks the image ID and removes containers
    # through the Engine API; the CLI only ever runs compose.
    wrap = os.path.join(c.dir, "bin")
    os.makedirs(wrap)
    calls = os.path.join(wrap, "calls")
    with open(os.path.join(wrap, "docker"), "w") as f:
        f.write('#!/bin/sh\necho "$*" >> %s\nexec %s "$@"\n' %
                (calls, shutil.which("docker", path=ctx["env"]["PATH"])))
    os.chmod(os.path.join(wrap, "docker"), 0o755)
    p = c.run(c.env(ctx["env"], "NONTEE", img["config_digest"], TEE_LAUNCHER_ENGINE=engine,
                    PATH=wrap + ":" + ctx["env"]["PATH"]))
    T.check("%s: exits 0" % n, p.returncode == 0, why(p))
    said = open(calls).read().splitlines() if os.path.exists(calls) else []
    T.check("%s: the docker CLI is run for compose only (no pull, inspect or rm)" % n,
            all(x.startswith("compose ") for x in said), said)
    T.check("%s: the %s engine backend was used" % (n, engine),
            "msg=\"engine backend\" engine=%s" % engine in p.stderr, p.stderr[-1500:])
    cfg = read_toml(c.node_config)
    T.check("%s: node config has [tee] with the selected digest" % n,
            cfg["tee"]["image_hash"] == img["config_digest"]
            and cfg["tee"]["authority"] == {"type": "local"})
    T.check("%s: the operator's table survives (dotted, inline, arrays of tables)" % n,
            cfg["log"] == {"level": "info"} and cfg["near"]["chain_id"] == "testnet"
            and [x["id"] for x in cfg["participants"]] == [1, 2]
            and cfg["secrets"]["secret_store_key_hex"] == SECRET)
    T.check("%s: node config is mode 0600" % n,
            stat.S_IMODE(os.stat(c.node_config).st_mode) == 0o600)
    T.check("%s: no temp file left in the shared dir" % n,
            not [f for f in os.listdir(c.shared) if f.startswith(".tmp")])
    if engine == "cli":
        with open(c.compose) as f:
            y = f.read()
        T.check("%s: compose names the manifest digest, no dstack" % n,
                ("%s@%s" % (ctx["reg"].host + "/tl/mpc-node", img["digest"])) in y
                and "DSTACK_ENDPOINT" not in y and "{{" not in y)
    else:
        T.check("%s: no compose file is written" % n, not os.path.exists(c.compose))
    running, image = node_running(ctx["dk"])
    T.check("%s: mpc-node container runs the pulled digest" % n,
            running and img["digest"] in image, image)
    env = container_env(ctx["dk"])
    T.check("%s: the node gets no DSTACK_ENDPOINT" % n,
            not any(e.startswith("DSTACK_ENDPOINT=") for e in env), env)
    T.check("%s: no node secret, token or Authorization in the logs" % n, no_secrets(p))
    T.check("%s: touched no dstack socket and no RTMR3 file" % n,
            not os.path.exists(c.rtmr3) and not os.path.exists(c.runtime_log))
    ctx["timings"]["nontee run, %s (s)" % engine] = round(p.seconds, 2)


def plan_first(ctx, c, agent, env, img):
    """`tee-launcher plan` with this run's environment, the real engine and
    the agent up: it names what the run will do and connects nowhere."""
    n = "plan, then TEE/dstack-api/api"
    tr = os.path.join(c.dir, "plan.strace")
    p = subprocess.run(["strace", "-f", "-qq", "-o", tr, "-e", "trace=%network,%process",
                        LAUNCHER, "plan"], env=env, capture_output=True, text=True,
                       timeout=60)
    with open(tr) as f:
        calls = [x for x in f.read().splitlines()[1:] if x.strip() and "exit_group(" not in x]
    want = ["selected digest: %s (source: newest-approved)" % img["config_digest"],
            "rtmr3 method: dstack-api (TEE_LAUNCHER_RTMR_METHOD; ",
            "engine: api (TEE_LAUNCHER_ENGINE)",
            "pull: %s/tl/mpc-node@<digest found for " % ctx["reg"].host]
    T.check("%s: plan exits 0 and names digest, source, method, backend, pull" % n,
            p.returncode == 0 and all(w in p.stdout for w in want), p.stdout + p.stderr[-600:])
    T.check("%s: plan made no socket, connection, fork or exec" % n, calls == [], calls[:5])
    T.check("%s: plan sent the agent nothing and wrote no node config" % n,
            agent.counts(settle=0.2).get("requests", 0) == 0 and
            not os.path.exists(c.node_config), agent.counts(settle=0))


def case_tee_dstack_api(ctx, engine):
    n = "TEE/dstack-api" if engine == "cli" else "TEE/dstack-api/api"
    c = Case(ctx["root"], "tee-api-" + engine)
    img = ctx["images"]["oci-index"]
    c.write(c.user_config, user_config(ctx["reg"].host, ["oci-index"]))
    c.write(c.approved, json.dumps({"approved_hashes": [img["config_digest"]]}, indent=2))
    agent = FakeDstack(c)
    try:
        env = c.env(ctx["env"], "TEE", "sha256:" + "0" * 64,
                    TEE_LAUNCHER_RTMR_METHOD="dstack-api", TEE_LAUNCHER_ENGINE=engine)
        if engine == "api":
            plan_first(ctx, c, agent, env, img)
        p = c.run(env)
        T.check("%s: exits 0" % n, p.returncode == 0, why(p))
        ev = agent.events()
        payload = bytes.fromhex(img["config_digest"][7:])
        T.check("%s: exactly one mpc-image-digest event with the digest bytes" % n,
                len(ev) == 1 and ev[0]["event"] == "mpc-image-digest"
                and base64.b64decode(ev[0]["payload"]) == payload, ev)
        cfg = read_toml(c.node_config)
        T.check("%s: [tee.authority] is dstack" % n,
                cfg["tee"]["authority"]["type"] == "dstack"
                and cfg["tee"]["authority"]["dstack_endpoint"] == "/var/run/dstack.sock")
        if engine == "cli":
            with open(c.compose) as f:
                y = f.read()
            T.check("%s: compose has DSTACK_ENDPOINT and the socket volume" % n,
                    "DSTACK_ENDPOINT=" in y and c.sock in y)
        env_in = container_env(ctx["dk"])
        T.check("%s: the node has DSTACK_ENDPOINT and the socket bind" % n,
                "DSTACK_ENDPOINT=" + c.sock in env_in
                and "%s:%s:rw" % (c.sock, c.sock) in container_binds(ctx["dk"]), env_in)
        first = container_id(ctx["dk"])
        p2 = c.run(env)
        T.check("%s: a restarted launcher exits 0" % n, p2.returncode == 0, why(p2))
        T.check("%s: and emits no second event" % n,
                len(agent.events()) == 1 and "already" in p2.stderr, p2.stderr[-800:])
        running, _ = node_running(ctx["dk"])
        T.check("%s: the same node container (same spec) was started again" % n,
                running and container_id(ctx["dk"]) == first)
        T.check("%s: no secrets in the logs" % n, no_secrets(p) and no_secrets(p2))
    finally:
        agent.stop()


def case_current_schema_tee(ctx):
    """near/mpc's current config (#2785) in TEE mode: the approved manifest
    digest is fetched directly (no tag in image_reference), and [tee] has
    #2944's shape."""
    n = "current schema TEE/api"
    c = Case(ctx["root"], "current-tee")
    img = ctx["images"]["docker-v2"]
    c.write(c.user_config, current_config(ctx["reg"].host + "/tl/mpc-node"))
    c.write(c.approved, json.dumps({"approved_hashes": [img["digest"]]}, indent=2))
    forget_images(ctx["dk"], ctx["reg"].host + "/tl/mpc-node")  # else: the warm path
    agent = FakeDstack(c)
    try:
        env = c.env(ctx["env"], "TEE", "sha256:" + "0" * 64,
                    TEE_LAUNCHER_RTMR_METHOD="dstack-api", TEE_LAUNCHER_ENGINE="api")
        p = c.run(env)
        T.check("%s: exits 0" % n, p.returncode == 0, why(p))
        T.check("%s: logs the generation" % n, "generation=current" in p.stderr)
        T.check("%s: resolved by the approved digest itself" % n,
                path_taken(p) == "cold" and
                "ref=%s manifest=%s matched=\"manifest digest\"" % (img["digest"], img["digest"])
                in p.stderr, p.stderr[-1500:])
        running, image = node_running(ctx["dk"])
        T.check("%s: mpc-node runs <registry>/tl/mpc-node@<approved digest>" % n,
                running and image.split()[-1] == "%s/tl/mpc-node@%s" % (ctx["reg"].host,
                                                                        img["digest"]),
                image)
        cfg = read_toml(c.node_config)
        T.check("%s: [tee] is #2944's: dstack authority without quote_upload_url" % n,
                cfg["tee"] == {"image_hash": img["digest"],
                               "latest_allowed_hash_file_path": "/mnt/shared/image-digest.bin",
                               "authority": {"type": "dstack",
                                             "dstack_endpoint": "/var/run/dstack.sock"}},
                cfg["tee"])
        ev = agent.events()
        T.check("%s: one mpc-image-digest event with the approved digest" % n,
                len(ev) == 1 and base64.b64decode(ev[0]["payload"])
                == bytes.fromhex(img["digest"][7:]), ev)
        p2 = c.run(env)
        T.check("%s: a second run takes the warm path, no second event" % n,
                p2.returncode == 0 and path_taken(p2) == "warm" and len(agent.events()) == 1,
                why(p2))
        T.check("%s: no secrets in the logs" % n, no_secrets(p) and no_secrets(p2))
    finally:
        agent.stop()


def case_current_schema_nontee(ctx):
    """Current schema, NONTEE, a config-digest approval: found through the
    reference's tag; the reference's own digest is ignored (and logged)."""
    n = "current schema NONTEE/cli"
    c = Case(ctx["root"], "current-nontee")
    img = ctx["images"]["oci"]
    other = ctx["images"]["other"]["digest"]
    c.write(c.user_config, current_config("%s/tl/mpc-node:oci@%s" % (ctx["reg"].host, other),
                                          extra_lc="pull_max_retries = 1\n"
                                          "pull_retry_interval_secs = 0"))
    forget_images(ctx["dk"], ctx["reg"].host + "/tl/mpc-node")  # else: the warm path
    p = c.run(c.env(ctx["env"], "NONTEE", img["config_digest"], TEE_LAUNCHER_ENGINE="cli"))
    T.check("%s: exits 0" % n, p.returncode == 0, why(p))
    T.check("%s: the reference's digest is logged as ignored" % n,
            "image_reference digest ignored" in p.stderr and other in p.stderr)
    T.check("%s: found through the tag as a config digest" % n,
            path_taken(p) == "cold" and "ref=oci manifest=%s matched=\"config digest\"" % img["digest"] in p.stderr,
            p.stderr[-1500:])
    running, image = node_running(ctx["dk"])
    T.check("%s: mpc-node runs the tag's manifest, not the reference's digest" % n,
            running and image.endswith("@" + img["digest"]), image)
    cfg = read_toml(c.node_config)
    T.check("%s: [tee] authority is local" % n,
            cfg["tee"]["authority"] == {"type": "local"}
            and cfg["tee"]["image_hash"] == img["config_digest"], cfg["tee"])
    T.check("%s: no secrets in the logs" % n, no_secrets(p))
    # A config-digest approval and no tag to search: a clear error.
    c2 = Case(ctx["root"], "current-notag")
    c2.write(c2.user_config, current_config(ctx["reg"].host + "/tl/mpc-node"))
    forget_images(ctx["dk"], ctx["reg"].host + "/tl/mpc-node")
    p = c2.run(c2.env(ctx["env"], "NONTEE", img["config_digest"], TEE_LAUNCHER_ENGINE="cli"))
    T.check("%s, no tag: exit 1 naming the missing tag" % n,
            p.returncode == 1 and path_taken(p) == "cold"
            and ("approved digest %s is not a manifest of tl/mpc-node, and "
                 "image_reference has no tag to search for it as a config "
                 "digest" % img["config_digest"]) in why(p), why(p))
    T.check("%s, no tag: no node config written, no node started" % n,
            not os.path.exists(c2.node_config) and container_id(ctx["dk"]) == "")


def case_tee_native(ctx, version):
    c = Case(ctx["root"], "tee-native-v%d" % version)
    img = ctx["images"]["oci"]
    c.write(c.user_config, user_config(ctx["reg"].host, ["oci"]))
    with open(c.rtmr3, "wb") as f:
        f.write(b"")
    c.write(os.path.join(c.logdir, "runtime_event_version"), "%d\n" % version)
    env = c.env(ctx["env"], "TEE", img["config_digest"], TEE_LAUNCHER_RTMR_METHOD="native")
    agent = FakeDstack(c)  # dstack >= 0.6 still serves quotes on its socket
    try:
        native_runs(c, env, img, version, agent)
    finally:
        agent.stop()


def native_runs(c, env, img, version, agent):
    p = c.run(env)
    T.check("TEE/native V%d: exits 0" % version, p.returncode == 0, why(p))
    payload = bytes.fromhex(img["config_digest"][7:])
    want = v1_digest(payload) if version == 1 else v2_digest(payload)
    with open(c.rtmr3, "rb") as f:
        got = f.read()
    T.check("TEE/native V%d: the 48-byte event digest was written to RTMR3" % version,
            got == want, got.hex())
    with open(c.runtime_log) as f:
        lines = [json.loads(x) for x in f if x.strip()]
    expect = {"event": "mpc-image-digest",
              "payload": base64.b64encode(payload).decode()}
    if version == 2:
        expect["version"] = 2
    T.check("TEE/native V%d: one runtime log line, mode 0600" % version,
            lines == [expect] and stat.S_IMODE(os.stat(c.runtime_log).st_mode) == 0o600,
            lines)
    p2 = c.run(env)
    with open(c.runtime_log) as f:
        n = sum(1 for x in f if x.strip())
    T.check("TEE/native V%d: restart emits nothing new" % version,
            p2.returncode == 0 and n == 1, p2.stderr[-800:])
    T.check("TEE/native V%d: the agent was never asked to emit" % version,
            agent.events() == [])


def replay_log(path):
    """dstack's replay of a runtime event log (tests/lib/rtmr_model.py)."""
    return rtmr_model.replay(rtmr_model.read_events(path))


def case_tee_native_register(ctx):
    """Native on a file that reads back as a register (FUSE, the kernel's
    semantics): the first boot extends, a restart skips, and a log that no
    longer replays to the register is refused with the register unchanged."""
    n = "TEE/native on a register (FUSE)"
    c = Case(ctx["root"], "tee-native-fuse")
    img = ctx["images"]["oci"]
    payload = bytes.fromhex(img["config_digest"][7:])
    c.write(c.user_config, user_config(ctx["reg"].host, ["oci"]))
    c.write(os.path.join(c.logdir, "runtime_event_version"), "1\n")
    with rtmr_fuse.RtmrFuse(os.path.join(c.dir, "rtmr3-fuse")) as reg:
        env = c.env(ctx["env"], "TEE", img["config_digest"], TEE_LAUNCHER_RTMR_METHOD="native",
                    TEE_LAUNCHER_RTMR3_FILE=reg.path)
        agent = FakeDstack(c)
        try:
            p = c.run(env)
            T.check("%s: first boot exits 0" % n, p.returncode == 0, why(p))
            T.check("%s: the launcher read the register back (no plain-file warning)" % n,
                    "does not read back as a register" not in p.stderr, p.stderr[-800:])
            with open(c.runtime_log) as f:
                lines = [json.loads(x) for x in f if x.strip()]
            T.check("%s: the log holds one mpc-image-digest event" % n,
                    [(x["event"], base64.b64decode(x["payload"])) for x in lines]
                    == [("mpc-image-digest", payload)], lines)
            first = reg.register()
            T.check("%s: one extend; register = replay of the log" % n,
                    reg.writes == 1 and reg.refused == 0 and first == replay_log(c.runtime_log)
                    and first == hashlib.sha384(bytes(48) + v1_digest(payload)).digest(),
                    "%s writes=%d" % (first.hex(), reg.writes))
            p2 = c.run(env)
            T.check("%s: restart exits 0 and skips (no second extend)" % n,
                    p2.returncode == 0 and "already holds" in p2.stderr and reg.writes == 1
                    and reg.register() == first and replay_log(c.runtime_log) == first,
                    why(p2) if p2.returncode else reg.state())
            with open(c.runtime_log, "a") as f:
                # dstack's compact line format, as the launcher parses it
                f.write(json.dumps({"event": "tampered", "payload":
                                    base64.b64encode(b"\x01" * 32).decode()},
                                   separators=(",", ":")) + "\n")
            with open(c.runtime_log, "rb") as f:
                tampered = f.read()
            started = container_inspect(ctx["dk"], "{{.State.StartedAt}}")
            p3 = c.run(env)
            errs = [x for x in p3.stderr.splitlines() if x.startswith("level=error")]
            T.check("%s: a log with an event the register lacks is refused: "
                    "reboot required" % n,
                    p3.returncode != 0 and len(errs) == 1 and "reboot required" in errs[0]
                    and "does not equal the replay" in errs[0],
                    "exit %d: %s" % (p3.returncode, p3.stderr[-800:]))
            T.check("%s: ... the register unchanged, nothing written" % n,
                    reg.register() == first and reg.writes == 1 and reg.refused == 0,
                    reg.state())
            with open(c.runtime_log, "rb") as f:
                T.check("%s: ... the log unchanged" % n, f.read() == tampered)
            running, _ = node_running(ctx["dk"])
            T.check("%s: ... no node started by the refused run" % n,
                    not running or container_inspect(ctx["dk"], "{{.State.StartedAt}}")
                    == started)
            T.check("%s: the agent was never asked to emit" % n, agent.events() == [])
        finally:
            agent.stop()


def case_auto_decides_from_files(ctx):
    """auto is decided from files before anything is measured, and never
    switches after an EmitEvent answer (dstack 0.5 answers 400 for any
    error, possibly after it extended)."""
    c = Case(ctx["root"], "tee-auto-native")
    img = ctx["images"]["docker-v2"]
    payload = bytes.fromhex(img["config_digest"][7:])
    c.write(c.user_config, user_config(ctx["reg"].host, ["docker-v2"]))
    with open(c.rtmr3, "wb"):
        pass
    c.write(os.path.join(c.logdir, "runtime_event_version"), "1\n")
    agent = FakeDstack(c)
    try:
        p = c.run(c.env(ctx["env"], "TEE", img["config_digest"]))
        T.check("TEE/auto: with a version file and a writable RTMR3 file, exits 0",
                p.returncode == 0, why(p))
        with open(c.rtmr3, "rb") as f:
            got = f.read()
        T.check("TEE/auto: picked native", got == v1_digest(payload), got.hex())
        T.check("TEE/auto: EmitEvent was never called",
                agent.counts().get("by_path", {}).get("/EmitEvent", 0) == 0
                and agent.events() == [], agent.counts())
    finally:
        agent.stop()

    c = Case(ctx["root"], "tee-auto-400")
    c.write(c.user_config, user_config(ctx["reg"].host, ["docker-v2"]))
    with open(c.rtmr3, "wb"):
        pass
    agent = FakeDstack(c, "--fault", "removed", "--fault-path", "/EmitEvent")
    try:
        fails(ctx, "TEE/auto without a version file, EmitEvent 400", c,
              c.env(ctx["env"], "TEE", img["config_digest"]), 1,
              "EmitEvent failed while extending RTMR3: HTTP 400", before="old = 6\n")
        T.check("TEE/auto: EmitEvent 400: no native fallback, no runtime log",
                not os.path.exists(c.runtime_log) and os.path.getsize(c.rtmr3) == 0)
    finally:
        agent.stop()


def fails(ctx, name, c, env, code, needle, before=None):
    """Runs and asserts a failure: exit code, message, and the invariants."""
    if before is not None:
        c.write(c.node_config, before)
    p = c.run(env)
    ok = p.returncode == code and needle in p.stderr
    T.check("%s: exit %d with %r" % (name, code, needle), ok,
            "exit %d: %s" % (p.returncode, p.stderr[-800:]))
    if before is not None:
        with open(c.node_config) as f:
            T.check("%s: previous node config untouched" % name, f.read() == before)
    T.check("%s: no RTMR3 event" % name,
            not os.path.exists(c.runtime_log) and
            (not os.path.exists(c.rtmr3) or os.path.getsize(c.rtmr3) == 0))
    T.check("%s: no secrets in the logs" % name, no_secrets(p))
    return p


def case_errors(ctx):
    reg = ctx["reg"].host
    img = ctx["images"]["docker-v2"]
    other = ctx["images"]["other"]

    c = Case(ctx["root"], "usage")
    e = c.env(ctx["env"], "tee", img["config_digest"])
    p = c.run(e)
    T.check("usage: bad PLATFORM exits 2 with one line naming it",
            p.returncode == 2 and p.stderr.count("\n") == 1 and "PLATFORM" in p.stderr,
            p.stderr)
    e = c.env(ctx["env"], "TEE", "sha256:abc")
    p = c.run(e)
    T.check("usage: bad DEFAULT_IMAGE_DIGEST exits 2", p.returncode == 2
            and "DEFAULT_IMAGE_DIGEST" in p.stderr, p.stderr)
    T.check("usage: nothing written", os.listdir(c.shared) == [])

    c = Case(ctx["root"], "corrupt-approved")
    c.write(c.user_config, user_config(reg, ["docker-v2"]))
    c.write(c.approved, '{"approved_hashes": ["sha256:abab"]}')
    fails(ctx, "approved file corrupt", c,
          c.env(ctx["env"], "NONTEE", img["config_digest"]), 1,
          "approved hashes file", before="old = 1\n")

    c = Case(ctx["root"], "dir-approved")
    c.write(c.user_config, user_config(reg, ["docker-v2"]))
    os.makedirs(c.approved)
    fails(ctx, "approved file is a directory", c,
          c.env(ctx["env"], "NONTEE", img["config_digest"]), 1, "approved hashes file")

    c = Case(ctx["root"], "empty-approved")
    c.write(c.user_config, user_config(reg, ["docker-v2"]))
    c.write(c.approved, '{"approved_hashes": []}')
    fails(ctx, "approved list empty", c,
          c.env(ctx["env"], "NONTEE", img["config_digest"]), 1, "0 entries")

    c = Case(ctx["root"], "override")
    c.write(c.user_config, user_config(reg, ["docker-v2"], override=other["config_digest"]))
    c.write(c.approved, json.dumps({"approved_hashes": [img["config_digest"]]}))
    fails(ctx, "override not approved", c,
          c.env(ctx["env"], "TEE", img["config_digest"], TEE_LAUNCHER_RTMR_METHOD="native"),
          1, "does not match any approved hash")

    c = Case(ctx["root"], "reserved-tee")
    c.write(c.user_config, user_config(reg, ["docker-v2"], extra_node="[mpc_node_config.tee]\nx = 1\n"))
    fails(ctx, "user sets [tee]", c,
          c.env(ctx["env"], "TEE", img["config_digest"], TEE_LAUNCHER_RTMR_METHOD="native"),
          1, "reserved key [tee]", before="old = 2\n")

    c = Case(ctx["root"], "hostile-name")
    c.write(c.user_config, user_config(reg, ["docker-v2"], name='x"\nprivileged: true'))
    fails(ctx, "hostile image_name", c,
          c.env(ctx["env"], "NONTEE", img["config_digest"]), 1, "image_name")

    c = Case(ctx["root"], "hostile-tag")
    c.write(c.user_config, user_config(reg, ["../../v2/_catalog"]))
    fails(ctx, "hostile tag", c,
          c.env(ctx["env"], "NONTEE", img["config_digest"]), 1, "image_tags[0]")

    c = Case(ctx["root"], "not-found")
    c.write(c.user_config, user_config(reg, ["missing", "other"]))
    forget_images(ctx["dk"], reg + "/tl/mpc-node")  # else: the warm path
    c.write(os.path.join(c.logdir, "runtime_event_version"), "1\n")
    agent = FakeDstack(c)
    try:
        fails(ctx, "no tag matches", c,
              c.env(ctx["env"], "TEE", img["config_digest"], TEE_LAUNCHER_RTMR_METHOD="native"),
              1, "Image hash not found among tags", before="old = 3\n")
    finally:
        agent.stop()

    c = Case(ctx["root"], "no-agent")
    c.write(c.user_config, user_config(reg, ["docker-v2"]))
    fails(ctx, "TEE without an agent socket (fails before the network)", c,
          c.env(ctx["env"], "TEE", img["config_digest"]), 1, "no dstack agent socket",
          before="old = 4\n")

    c = Case(ctx["root"], "native-no-version")
    c.write(c.user_config, user_config(reg, ["docker-v2"]))
    agent = FakeDstack(c)
    try:
        fails(ctx, "TEE native without a runtime_event_version file", c,
              c.env(ctx["env"], "TEE", img["config_digest"], TEE_LAUNCHER_RTMR_METHOD="native"),
              1, "runtime_event_version: missing", before="old = 7\n")
    finally:
        agent.stop()

    c = Case(ctx["root"], "agent-500")
    c.write(c.user_config, user_config(reg, ["docker-v2"]))
    agent = FakeDstack(c, "--fault", "500", "--fault-path", "/EmitEvent")
    try:
        fails(ctx, "dstack EmitEvent answers 500", c,
              c.env(ctx["env"], "TEE", img["config_digest"],
                    TEE_LAUNCHER_RTMR_METHOD="dstack-api"),
              1, "EmitEvent failed", before="old = 5\n")
        T.check("dstack EmitEvent answers 500: sent once, not retried",
                agent.counts().get("by_path", {}).get("/EmitEvent", 0) == 1, agent.counts())
    finally:
        agent.stop()


# ------------------------------------------------------------------ issue 15 §2, §3

def forget_images(dk, repo):
    """Removes every image of repo from the engine (the node container, which
    holds one, first): the next run must resolve and pull."""
    dk.docker("rm", "-f", "mpc-node", check=False)
    r = dk.docker("images", "--no-trunc", "--format", "{{.ID}}", repo, check=False)
    for i in sorted(set(r.stdout.split())):
        dk.docker("rmi", "-f", i, check=False)


def path_taken(p):
    warm = "msg=\"image present, registry skipped\"" in p.stderr
    cold = "msg=\"image not present, resolving\"" in p.stderr
    return "warm" if warm and not cold else "cold" if cold and not warm else "?"


def index_run(ctx, c, name, engine, want_path):
    """A TEE launch approving the oci-index tag's index digest; checks the
    node, RTMR3 and the path from outside.  Returns the run."""
    img = ctx["images"]["oci-index"]
    repo = ctx["reg"].host + "/tl/mpc-node"
    agent = FakeDstack(c)
    try:
        env = c.env(ctx["env"], "TEE", "sha256:" + "0" * 64,
                    TEE_LAUNCHER_RTMR_METHOD="dstack-api", TEE_LAUNCHER_ENGINE=engine)
        p = c.run(env)
        T.check("%s: exits 0" % name, p.returncode == 0, why(p))
        T.check("%s: took the %s path" % (name, want_path), path_taken(p) == want_path,
                p.stderr[-1500:])
        ev = agent.events()
        T.check("%s: one mpc-image-digest event whose payload is the approved index digest"
                % name, len(ev) == 1 and ev[0]["event"] == "mpc-image-digest" and
                base64.b64decode(ev[0]["payload"]) == bytes.fromhex(img["digest"][7:]), ev)
        T.check("%s: mpc-node runs <repo>@<index digest>, image ID = the linux/amd64 config"
                % name, container_inspect(ctx["dk"], "{{.State.Running}} {{.Config.Image}} "
                                          "{{.Image}}") ==
                "true %s@%s %s" % (repo, img["digest"], img["config_digest"]),
                container_inspect(ctx["dk"], "{{.Config.Image}} {{.Image}}"))
        T.check("%s: no secrets in the logs" % name, no_secrets(p))
        return p
    finally:
        agent.stop()


def case_index_approval(ctx, engine):
    """§2: an approved index digest (arm64 decoy first, attestation) is
    resolved, pulled by itself, measured as itself."""
    n = "index approval/%s" % engine
    forget_images(ctx["dk"], ctx["reg"].host + "/tl/mpc-node")
    c = Case(ctx["root"], "index-" + engine)
    img = ctx["images"]["oci-index"]
    c.write(c.user_config, user_config(ctx["reg"].host, ["docker-v2", "oci-index"]))
    c.write(c.approved, json.dumps({"approved_hashes": [img["digest"]]}))
    p = index_run(ctx, c, n, engine, "cold")
    T.check("%s: matched as an index digest, pulled by it" % n,
            'matched="index digest"' in p.stderr and
            ("msg=\"pulling image\" ref=%s/tl/mpc-node@%s" % (ctx["reg"].host, img["digest"]))
            in p.stderr, p.stderr[-1500:])


def case_warm_boot(ctx):
    """§3, with the registry stopped: present images start, absent ones are
    refused cleanly, and a present image of the same repository with another
    digest is not taken for the approved one."""
    reg = ctx["reg"].host
    img = ctx["images"]["docker-v2"]
    ctx["dk"].docker("pull", img["ref"])   # pulled by its manifest digest
    ctx["reg"].stop()
    c = Case(ctx["root"], "warm-index")
    c.write(c.user_config, user_config(reg, ["oci-index"]))
    c.write(c.approved, json.dumps({"approved_hashes": [ctx["images"]["oci-index"]["digest"]]}))
    p = index_run(ctx, c, "warm boot, index approval, registry down", "api", "warm")
    T.check("warm boot: no resolver child, no registry connection",
            "registry token obtained" not in p.stderr and "image digest resolved" not in
            p.stderr and "pulling image" not in p.stderr, p.stderr[-1500:])

    c = Case(ctx["root"], "warm-config")
    c.write(c.user_config, user_config(reg, ["docker-v2"]))
    p = c.run(c.env(ctx["env"], "NONTEE", img["config_digest"], TEE_LAUNCHER_ENGINE="cli"))
    T.check("warm boot, config approval (cli): exits 0 on the warm path",
            p.returncode == 0 and path_taken(p) == "warm", why(p))
    T.check("warm boot, config approval: mpc-node runs a digest reference of that image",
            container_inspect(ctx["dk"], "{{.State.Running}} {{.Config.Image}} {{.Image}}")
            == "true %s/tl/mpc-node@%s %s" % (reg, img["digest"], img["config_digest"]),
            container_inspect(ctx["dk"], "{{.Config.Image}} {{.Image}}"))

    absent = ctx["images"]["oci"]
    c = Case(ctx["root"], "warm-absent")
    c.write(c.user_config, user_config(reg, ["oci"]))
    p = fails(ctx, "registry down, approved image absent (its repository has others)", c,
              c.env(ctx["env"], "NONTEE", absent["config_digest"]), 1,
              "Image hash not found among tags", before="old = 9\n")
    T.check("registry down, image absent: took the resolving path, not the warm one",
            path_taken(p) == "cold", p.stderr[-1500:])
    c = Case(ctx["root"], "warm-absent-manifest")
    c.write(c.user_config, user_config(reg, ["oci"]))
    p = fails(ctx, "registry down, approved manifest digest absent", c,
              c.env(ctx["env"], "NONTEE", absent["digest"]), 1,
              "Image hash not found among tags", before="old = 10\n")
    T.check("registry down, manifest absent: resolving path", path_taken(p) == "cold",
            p.stderr[-1500:])


def main():
    testenv.install_signal_handlers()
    ctx = {"timings": {}}
    with testenv.TempDir() as d:
        pki = testenv.Pki.create(os.path.join(d.path, "pki"))
        with testenv.Registry(pki, auth=True) as reg, testenv.Dockerd(pki) as dk:
            user, pw = reg.push_credentials()
            ctx["images"] = registry_push.push_standard(
                registry_push.Client(reg.host, pki.ca_cert, user, pw))
            env = dk.env()
            env["CA"] = pki.ca_cert
            ctx.update(root=os.path.join(d.path, "cases"), reg=reg, dk=dk, env=env)
            os.makedirs(ctx["root"])
            for fn, args in ((case_nontee_happy, ("cli",)), (case_nontee_happy, ("api",)),
                             (case_tee_dstack_api, ("cli",)), (case_tee_dstack_api, ("api",)),
                             (case_tee_native, (1,)), (case_tee_native, (2,)),
                             (case_tee_native_register, ()),
                             (case_auto_decides_from_files, ()),
                             (case_current_schema_tee, ()),
                             (case_current_schema_nontee, ()),
                             (case_errors, ()),
                             (case_index_approval, ("cli",)),
                             (case_index_approval, ("api",)),
                             # last: it stops the registry
                             (case_warm_boot, ())):
                T.run(fn.__name__, fn, ctx, *args)
            dk.docker("rm", "-f", "mpc-node", check=False)
    for k, v in ctx["timings"].items():
        print("timing %s %s" % (k, v))
    return 0 if T.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
