#!/usr/bin/env python3
"""The adversarial suite: the musl tee-launcher (PLATFORM=TEE) against an
adversary who shares the node's volume, runs containers on the engine,
serves registry documents and edits the RTMR3 event log.  It checks the
project's one promise from the outside: the container that runs as
`mpc-node` is exactly an approved image, it is the image RTMR3 records
(once), and it reads exactly the config the launcher rendered.

After EVERY case the invariants are asserted from the outside (docker
inspect on the real engine, the files, the RTMR3 register file and the
runtime event log, the simulated agent's recorded events and counts):

  I1  exit 0 and `mpc-node` runs: this run created or restarted it, from
      <repo>@<digest> of an approved image; the event logs hold exactly one
      `mpc-image-digest` event, with that digest; the native log's replay
      (SHA-384 from 48 zero bytes) equals the register, the agent's log's
      replay equals the agent's register.
  I2  the node config the node reads (docker cp from the container, and the
      volume's file) is a regular file, mode 0600, byte-identical to the
      launcher's rendering in a clean run, parses to exactly the operator's
      [mpc_node_config] plus [tee] with the selected digest, and carries no
      adversary marker.
  I3  on failure: exit != 0 and exactly one `level=error` line; no
      container from an unapproved image was started; at most the one event
      for the selected digest (none for failures before measuring, and the
      register unchanged).
  I4  nothing written to the shared volume decides what starts: the
      compose file compose used is not in the volume; hostile containers
      mounting the volume are stopped before the config is written.

The native register: every case hands the launcher a FUSE file with the
kernel's RTMR3 semantics (tests/lib/rtmr_fuse.py: statfs says FUSE, a read
returns the register, a 48-byte write at offset 0 extends it, anything else
is EINVAL), starting at the replay of the seeded boot events.  So the
launcher really reads the register back and compares it with the log's
replay, and the test reads the register and counts the extends (and the
refused writes) from the outside.  FUSE is required: a case whose register
cannot be mounted fails.

One dockerd, registry (token auth, access log) and token server are shared
by all cases; between cases every container, the volumes and all RTMR3
state are reset.  Prints one line per case and "N passed, N failed" last.
ADVERSARY_ONLY=<substring> runs the cases whose name contains it.
"""
import base64
import calendar
import hashlib
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import tarfile
import time
import tomllib

TOP = os.environ["TOP"]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
import registry_push  # noqa: E402
import rtmr_fuse  # noqa: E402
from rtmr_model import (EVENT_TYPE, log_line, read_events, replay,  # noqa: E402,F401
                        v1_digest, v2_digest)
import testenv  # noqa: E402
from checks import Checks  # noqa: E402

LAUNCHER = os.environ.get("LAUNCHER", os.path.join(TOP, "build", "tee-launcher"))
BUILD = os.environ.get("B", os.path.join(TOP, "build"))
FAKE_DSTACK = os.path.join(TOP, "tests", "lib", "fake_dstack.py")
REWRITER_SRC = os.path.join(HERE, "adversary", "rewriter.c")
ADV_IMAGE = "tl-adversary:1"
MARKER = b"ADVERSARY"
EVENT = "mpc-image-digest"
RUN_TIMEOUT = 90
T = Checks()
VERBOSE = os.environ.get("ADVERSARY_VERBOSE") == "1"  # a "----" line per launcher run
AGENTS = []  # every simulated agent started, stopped at the end whatever happened
REGISTERS = []  # every FUSE register mounted, unmounted at the end whatever happened
ERROR_LINE = re.compile(r"(^|\s)level=error(\s|$)")
READ_BACK_WARNING = "RTMR3 file does not read back as a register"

DSTACK_ENDPOINT = "/var/run/dstack.sock"
APPROVED_PATH = "/mnt/shared/image-digest.bin"
QUOTE_URL = "https://cloud-api.phala.network/api/v1/attestations/verify"

NODE_TABLE = """\
[mpc_node_config]
home_dir = "/data"
log.level = "info"
near = { chain_id = "testnet", boot_nodes = "ed25519:x@1.2.3.4:1" }
[mpc_node_config.secrets]
secret_store_key_hex = "adv-node-secret-0f3c"
[[mpc_node_config.participants]]
id = 1
[[mpc_node_config.participants]]
id = 2
ratio = 0.5
started = 1979-05-27T07:32:00Z
"""


# ------------------------------------------------------------------ RTMR3 helpers

BOOT_EVENTS = [("system-preparing", b"\x00"), ("app-id", bytes(range(20))),
               ("compose-hash", hashlib.sha256(b"adversary compose").digest()),
               ("instance-id", bytes(range(20, 40)))]


# ------------------------------------------------------------------ engine helpers

def docker(ctx, *args, check=True, timeout=120):
    return ctx["dk"].docker(*args, check=check, timeout=timeout)


def inspect_all(ctx):
    ids = docker(ctx, "ps", "-aq").stdout.split()
    if not ids:
        return []
    return json.loads(docker(ctx, "inspect", *ids).stdout)


def container(ctx, name):
    r = docker(ctx, "inspect", name, check=False)
    return json.loads(r.stdout)[0] if r.returncode == 0 else None


def mounts_shared(c):
    return any(m.get("Type") == "volume" and m.get("Name") == "shared-volume"
               for m in c.get("Mounts") or [])


def parse_time(s):
    """Docker's RFC 3339 nano time -> epoch seconds (0 for the zero time)."""
    if not s or s.startswith("0001-"):
        return 0.0
    base, _, frac = s.rstrip("Z").partition(".")
    t = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    return t + (float("0." + frac) if frac else 0.0)


def reset(ctx):
    """No containers, fresh volumes: the shared volume as compose labels it."""
    ids = docker(ctx, "ps", "-aq").stdout.split()
    if ids:
        docker(ctx, "rm", "-f", *ids)
    docker(ctx, "volume", "rm", "-f", "shared-volume", "mpc-data", check=False)
    docker(ctx, "volume", "create", "--label", "com.docker.compose.project=mpc-node",
           "--label", "com.docker.compose.volume=shared-volume",
           "--label", "com.docker.compose.version=1.29.2", "shared-volume")
    return docker(ctx, "volume", "inspect", "-f", "{{.Mountpoint}}",
                  "shared-volume").stdout.strip()


# ------------------------------------------------------------------ a case

class Agent:
    """tests/lib/fake_dstack.py on the case's socket; its own log/register."""

    def __init__(self, case, *args):
        self.log = os.path.join(case.dir, "agent-events.log")
        self.rtmr3 = os.path.join(case.dir, "agent-rtmr3")
        self.state = os.path.join(case.dir, "agent-state.json")
        ready = os.path.join(case.dir, "agent-ready")
        self.err = open(os.path.join(case.dir, "agent.err"), "w")
        AGENTS.append(self)
        self.proc = subprocess.Popen(
            [sys.executable, FAKE_DSTACK, "--socket", case.sock, "--log", self.log,
             "--rtmr3", self.rtmr3, "--state", self.state, "--ready", ready] + list(args),
            stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.monotonic() + 10
        while not os.path.exists(ready) and time.monotonic() < deadline:
            time.sleep(0.02)
        with open(self.rtmr3, "rb") as f:
            self.initial = f.read()

    def counts(self):
        try:
            with open(self.state) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def emit_calls(self):
        return self.counts().get("by_path", {}).get("/EmitEvent", 0)

    def register(self):
        with open(self.rtmr3, "rb") as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is not None:
            self.err.close()
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.err.close()


class Case:
    """One case: fresh engine state, a scratch dir standing in for /tapp and
    /run/log/dstack, the shared volume's mountpoint as /mnt/shared."""

    def __init__(self, ctx, name, engine, method="native", version_file="1\n",
                 agent_args=(), tags=("oci",), approved=None, node_table=NODE_TABLE):
        self.ctx, self.name, self.engine, self.method = ctx, name, engine, method
        self.problems = []
        slug = "".join(ch if ch.isalnum() else "-" for ch in name)[:50]
        self.dir = os.path.join(ctx["root"], "%02d-%s" % (len(os.listdir(ctx["root"])), slug))
        os.makedirs(self.dir)
        self.mp = reset(ctx)
        self.node_config = os.path.join(self.mp, "mpc-config.toml")
        self.compose = os.path.join(self.mp, "mpc-node.compose.yaml")
        self.approved = os.path.join(self.mp, "image-digest.bin")
        self.lock = os.path.join(self.mp, ".tee-launcher.lock")
        self.user_config = os.path.join(self.dir, "user_config")
        self.logdir = os.path.join(self.dir, "dstack-log")
        os.makedirs(self.logdir)
        self.runtime_log = os.path.join(self.logdir, "runtime_events.log")
        self.sock = os.path.join(self.dir, "dstack.sock")
        self.planted = set()
        self.selected = ctx["new"]
        self.approved_list = approved or [ctx["new"]["config_digest"],
                                          ctx["old"]["config_digest"]]
        self.write(self.approved, json.dumps({"approved_hashes": self.approved_list}))
        self.port = testenv.free_port()
        self.tags = list(tags)
        self.node_table = node_table
        self.write(self.user_config, self.user_text())
        with open(self.runtime_log, "w") as f:
            f.write("".join(log_line(n, p) for n, p in BOOT_EVENTS))
        os.chmod(self.runtime_log, 0o600)
        self.fuse = rtmr_fuse.RtmrFuse(os.path.join(self.dir, "rtmr3"),
                                       initial=replay(read_events(self.runtime_log)))
        REGISTERS.append(self.fuse)
        self.fuse.start()  # raises (the case fails) when FUSE cannot mount
        self.rtmr3 = self.fuse.path
        if version_file is not None:
            self.write(os.path.join(self.logdir, "runtime_event_version"), version_file)
        self.initial_register = self.register
        self.initial_log = self.read(self.runtime_log)
        self.agent = Agent(self, *agent_args)
        self.i2_ok = False

    @property
    def register(self):
        """RTMR3 as the kernel file reads back."""
        return self.fuse.register()

    @property
    def rtmr_writes(self):
        """Extends of RTMR3 (48-byte writes at offset 0) since the case began."""
        return self.fuse.writes

    # -- files
    @staticmethod
    def write(path, text, mode=None):
        with open(path, "w" if isinstance(text, str) else "wb") as f:
            f.write(text)
        if mode is not None:
            os.chmod(path, mode)

    @staticmethod
    def read(path):
        try:
            with open(path, "rb") as f:
                return f.read()
        except OSError:
            return None

    def user_text(self):
        return "\n".join([
            "[launcher_config]",
            "image_tags = [%s]" % ", ".join(json.dumps(t) for t in self.tags),
            'image_name = "tl/mpc-node"',
            "registry = %s" % json.dumps(self.ctx["reg"].host),
            "rpc_request_timeout_secs = 10",
            "rpc_request_interval_secs = 0",
            "rpc_max_attempts = 0",
            "port_mappings = [{ host = %d, container = 11780 }]" % self.port,
            "", self.node_table])

    def fail(self, what, detail=""):
        self.problems.append("%s%s" % (what, (" (%s)" % detail) if detail != "" else ""))

    def check(self, cond, what, detail=""):
        if not cond:
            self.fail(what, detail)
        return cond

    # -- running the launcher
    def env(self, **extra):
        base = self.ctx["env"]
        e = {
            "PATH": base["PATH"], "HOME": base.get("HOME", "/root"),
            "DOCKER_HOST": base["DOCKER_HOST"],
            "PLATFORM": "TEE", "DOCKER_CONTENT_TRUST": "1",
            "DEFAULT_IMAGE_DIGEST": self.ctx["new"]["config_digest"],
            "TEE_LAUNCHER_USER_CONFIG": self.user_config,
            "TEE_LAUNCHER_APPROVED_HASHES_FILE": self.approved,
            "TEE_LAUNCHER_NODE_CONFIG": self.node_config,
            "TEE_LAUNCHER_COMPOSE_FILE": self.compose,
            "TEE_LAUNCHER_LOCK_FILE": self.lock,
            "TEE_LAUNCHER_DSTACK_SOCKET": self.sock,
            "TEE_LAUNCHER_RTMR3_FILE": self.rtmr3,
            "TEE_LAUNCHER_EVENT_LOG_DIR": self.logdir,
            "TEE_LAUNCHER_RTMR_METHOD": self.method,
            "TEE_LAUNCHER_ENGINE": self.engine,
            "TEE_LAUNCHER_EXTRA_CA_FILE": self.ctx["pki"].ca_cert,
        }
        e.update(extra)
        return {k: v for k, v in e.items() if v is not None}

    def run(self, argv=None, env=None, count=1, timeout=RUN_TIMEOUT):
        """Runs `count` launchers at once; returns their CompletedProcess list."""
        t0 = time.time()
        procs = []
        for _ in range(count):
            procs.append(subprocess.Popen(argv or [LAUNCHER], env=env or self.env(),
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True))
        results = []
        for p in procs:
            try:
                out, err = p.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                out, err = p.communicate()
                err += "\n(launcher killed after %d s)" % timeout
            results.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
        for r in results:
            r.t0, r.seconds = t0, time.time() - t0
        return results

    def plant(self, *args):
        """docker run -d ... as the adversary; remembers the container."""
        cid = docker(self.ctx, "run", "-d", *args).stdout.strip()
        self.planted.add(cid)
        return cid

    def finish(self):
        self.agent.stop()
        self.fuse.close()
        seen = []
        for x in self.problems:
            if x not in seen:
                seen.append(x)
        T.check(self.name, not seen, "; ".join(seen))


# ------------------------------------------------------------------ the invariants

def error_lines(p):
    return [x for x in p.stderr.splitlines() if ERROR_LINE.search(x)]


def why(p):
    e = error_lines(p)
    return "exit %s: %s" % (p.returncode, (e[-1] if e else p.stderr[-400:]).replace("\n", " | "))


def expected_node_config(c):
    user = tomllib.loads(c.read(c.user_config).decode())
    want = dict(user["mpc_node_config"])
    want["tee"] = {"image_hash": c.selected["config_digest"],
                   "latest_allowed_hash_file_path": APPROVED_PATH,
                   "authority": {"type": "dstack", "dstack_endpoint": DSTACK_ENDPOINT,
                                 "quote_upload_url": QUOTE_URL}}
    return want


def node_view(ctx, path="/mnt/shared/mpc-config.toml"):
    """The file as the running node sees it (docker cp from the container)."""
    r = subprocess.run(["docker", "cp", "mpc-node:" + path, "-"], env=ctx["dk"].env(),
                       capture_output=True, timeout=60)
    if r.returncode != 0:
        return None
    with tarfile.open(fileobj=io.BytesIO(r.stdout)) as t:
        m = t.next()
        if m is None or not m.isfile():
            return ("not a regular file in the container: type %r" % (m.type if m else None)).encode()
        return t.extractfile(m).read()


def check_events(c, success, before_measure):
    """I1/I3 on the RTMR3 side.  Returns the recorded mpc-image-digest payloads."""
    native = read_events(c.runtime_log)
    mine = [p for n, p, _ in native if n == EVENT]
    agent_ev = read_events(c.agent.log)
    agent_mine = [p for n, p, _ in agent_ev if n == EVENT]
    want = bytes.fromhex(c.selected["config_digest"][7:])
    c.check(replay(native) == c.register,
            "native log replay equals the RTMR3 register",
            "%d events, %d write(s)" % (len(native), c.rtmr_writes))
    c.check(replay(agent_ev) == c.agent.register(),
            "agent log replay equals the agent's register")
    c.check(c.rtmr_writes <= 1, "RTMR3 written at most once", c.rtmr_writes)
    c.check(c.fuse.refused == 0, "no RTMR3 write the kernel refuses (48 bytes at offset 0)",
            c.fuse.state())
    c.check(native[:len(BOOT_EVENTS)] == [(n, p, 1) for n, p in BOOT_EVENTS],
            "the boot events are kept")
    total = mine + agent_mine
    if success:
        c.check(total == [want], "exactly one %s event, with the selected digest" % EVENT,
                "native %d, agent %d" % (len(mine), len(agent_mine)))
        if c.method == "native":
            c.check(agent_mine == [] and c.agent.emit_calls() == 0,
                    "native method: the agent's EmitEvent never called", c.agent.counts())
        elif c.method == "dstack-api":
            c.check(mine == [] and c.register == c.initial_register,
                    "dstack-api method: the RTMR3 file untouched")
    else:
        c.check(len(total) <= 1 and all(x == want for x in total),
                "at most one event, for the selected digest",
                "native %d, agent %d" % (len(mine), len(agent_mine)))
        if before_measure:
            c.check(total == [] and c.register == c.initial_register and c.rtmr_writes == 0
                    and c.agent.register() == c.agent.initial
                    and c.read(c.runtime_log) == c.initial_log,
                    "refused before measuring: no event, both registers unchanged",
                    "events %d, writes %d" % (len(total), c.rtmr_writes))
    return total


def check_containers(c, ps, success, run_t0):
    """I1/I3 on the engine side."""
    ctx = c.ctx
    ok_ids = ctx["approved_ids"]
    for x in inspect_all(ctx):
        name = x["Name"].lstrip("/")
        if x["Id"] in c.planted:
            continue
        c.check(x["Image"] in ok_ids, "container %s runs an approved image" % name,
                x["Config"]["Image"])
    node = container(ctx, "mpc-node")
    if not success:
        return node
    if not c.check(node is not None and node["State"]["Running"], "mpc-node runs",
                   node and node["State"]):
        return node
    sel = c.selected
    c.check(node["Image"] == sel["config_digest"],
            "mpc-node's image ID is the selected (approved) config digest", node["Image"])
    repo = "%s/tl/mpc-node" % ctx["reg"].host
    allowed = {"%s@%s" % (repo, d) for d in (sel["digest"], sel["platform_digest"],
                                             sel["config_digest"])}
    c.check(node["Config"]["Image"] in allowed, "mpc-node created from <repo>@<digest>",
            node["Config"]["Image"])
    started = parse_time(node["State"]["StartedAt"])
    c.check(run_t0 - 1.0 <= started <= time.time() + 1.0,
            "mpc-node created or restarted by this run",
            "started %.1f s after the run began" % (started - run_t0))
    c.check(node["Id"] not in c.planted, "mpc-node is not a planted container")
    c.check(not node["HostConfig"].get("Privileged"), "mpc-node not privileged")
    c.check("ADVERSARY=1" not in (node["Config"].get("Env") or []),
            "mpc-node has no environment from the adversary")
    # I4: nothing else that shares the volume still runs.
    for x in inspect_all(ctx):
        if x["Id"] != node["Id"] and x["State"]["Running"] and mounts_shared(x):
            c.fail("container %s sharing the volume still runs" % x["Name"])
    if c.engine == "cli":
        labels = node["Config"].get("Labels") or {}
        # compose labels what it read: no config_files label when its file
        # came from stdin; the working directory is where it looked for .env
        files = labels.get("com.docker.compose.project.config_files")
        c.check(files is None, "compose read its file from stdin, not from a file", files)
        wd = labels.get("com.docker.compose.project.working_dir")
        c.check(wd == "/proc", "compose ran in /proc (no .env can exist there)", wd)
    return node


def check_node_config(c):
    """I2."""
    ctx = c.ctx
    n = len(c.problems)
    c.i2_ok = False
    try:
        st = os.lstat(c.node_config)
    except OSError as e:
        c.fail("node config exists", e)
        return
    c.check(stat.S_ISREG(st.st_mode), "node config is a regular file", oct(st.st_mode))
    c.check(stat.S_IMODE(st.st_mode) == 0o600, "node config mode 0600", oct(st.st_mode))
    host = c.read(c.node_config) or b""
    seen = node_view(ctx)
    c.check(seen == host, "the node reads the volume's file",
            (seen or b"(none)")[:80])
    for what, data in (("volume", host), ("node's view", seen or b"")):
        c.check(MARKER not in data, "no adversary content in the %s" % what, data[:80])
    try:
        parsed = tomllib.loads(host.decode())
    except (ValueError, UnicodeDecodeError) as e:
        c.fail("node config parses", e)
        return
    c.check(parsed == expected_node_config(c),
            "node config = operator's [mpc_node_config] + [tee] with the selected digest",
            host[:120])
    c.i2_ok = len(c.problems) == n
    ref = ctx.get("reference")
    if ref is not None and c.node_table == NODE_TABLE:
        c.check(host == ref, "node config byte-identical to the clean rendering")


def check_outcome(c, p, expect, before_measure=False):
    """expect: "ok", "fail" or "either" (then the invariants of what happened)."""
    success = p.returncode == 0
    c.check(READ_BACK_WARNING not in p.stderr,
            "the launcher read RTMR3 back as a register (FUSE)")
    if expect == "ok":
        c.check(success, "exit 0", why(p))
    elif expect == "fail":
        c.check(not success, "refused (exit != 0)", "exit 0")
    if not success:
        c.check(p.returncode != 0 and len(error_lines(p)) == 1,
                "exactly one level=error line", len(error_lines(p)))
    check_events(c, success, before_measure and not success)
    check_containers(c, p, success, p.t0)
    if success:
        check_node_config(c)
    if VERBOSE:
        print("---- %s: %s (%.1f s)" % (c.name, why(p) if not success else "exit 0",
                                       p.seconds), flush=True)
    return success


# ------------------------------------------------------------------ cases

def case_baseline(ctx, engine, method):
    """No adversary; a second run restarts the identical node in place."""
    c = Case(ctx, "0 baseline, %s engine, %s" % (engine, method), engine, method)
    try:
        p, = c.run()
        n = len(c.problems)
        check_outcome(c, p, "ok")
        if ctx.get("reference") is None and c.i2_ok and not any(
                "node config" in x or "event" in x for x in c.problems[n:]):
            # The clean rendering the other cases' configs must equal byte for byte.
            ctx["reference"] = c.read(c.node_config)
        first = container(ctx, "mpc-node")
        p2, = c.run()
        check_outcome(c, p2, "ok")
        second = container(ctx, "mpc-node")
        c.check(first and second and first["Id"] == second["Id"],
                "an identical node is restarted in place (same container)")
        c.check(container(ctx, "mpc-node-previous") is None,
                "no mpc-node-previous for an identical spec")
    finally:
        c.finish()


def check_old_node_settled(c, cid, what):
    """api: the old mpc-node is kept, stopped, as mpc-node-previous with
    restart policy no.  cli: it is removed (compose would adopt a kept one:
    it still carries compose's project and service labels)."""
    prev = container(c.ctx, "mpc-node-previous")
    if c.engine == "cli":
        c.check(prev is None and container(c.ctx, cid) is None,
                "the %s was removed (cli: compose would adopt a kept one)" % what)
        return
    c.check(prev is not None and prev["Id"] == cid,
            "the %s was renamed mpc-node-previous" % what)
    if prev is not None:
        c.check(not prev["State"]["Running"], "mpc-node-previous is stopped")
        c.check(prev["HostConfig"]["RestartPolicy"]["Name"] in ("no", ""),
                "mpc-node-previous has restart policy no",
                prev["HostConfig"]["RestartPolicy"])


def case_old_node(ctx, engine, method):
    """A real mpc-node from an approved older image, sharing the volume."""
    c = Case(ctx, "1a old approved mpc-node, %s engine, %s" % (engine, method), engine, method)
    try:
        old = ctx["old"]
        docker(ctx, "pull", old["ref"])
        cid = c.plant("--name", "mpc-node", "--label", "com.docker.compose.project=mpc-node",
                      "--label", "com.docker.compose.service=mpc-node",
                      "--restart", "on-failure", "--network", "none",
                      "-v", "shared-volume:/mnt/shared", old["ref"])
        p, = c.run()
        check_outcome(c, p, "ok")
        check_old_node_settled(c, cid, "old node")
    finally:
        c.finish()


def case_rewriter(ctx, engine, method, as_node, ignore_term, swap=False):
    """A hostile container on the volume replaces each file the launcher
    writes the moment it appears (inotify); with as_node it is mpc-node;
    with swap it also replaces the approved list, once read, by one that
    approves only the older image."""
    what = "1c hostile mpc-node rewriting" if as_node else "1b hostile rewriter on the volume"
    if swap:
        what = "1d hostile rewriter swapping the approved list once read"
    c = Case(ctx, "%s%s, %s engine, %s" % (what, " (ignores SIGTERM)" if ignore_term else "",
                                           engine, method), engine, method)
    try:
        # Stale copies the adversary left from before.
        c.write(c.node_config, "# ADVERSARY stale\n", 0o644)
        args = ["--restart", "always", "--network", "none", "-v", "shared-volume:/mnt/shared"]
        cmd = (["--ignore-term"] if ignore_term else []) + ["/mnt/shared"]
        if swap:
            cmd = ["--swap-approved", json.dumps(
                {"approved_hashes": [ctx["old"]["config_digest"]]})] + cmd
        if as_node:
            cid = c.plant("--name", "mpc-node", *args, ADV_IMAGE, *cmd)
        else:
            cid = c.plant("--name", "adv-rewriter", *args, ADV_IMAGE, *cmd)
            c.plant("--name", "adv-project", "--network", "none",
                    "--label", "com.docker.compose.project=mpc-node",
                    ADV_IMAGE, "--idle", "/nowhere")
        time.sleep(0.3)
        p, = c.run()
        time.sleep(0.5)  # a surviving rewriter would have struck by now
        check_outcome(c, p, "ok")
        if swap and VERBOSE:
            print("---- the adversary %s the approved list" % (
                "swapped" if ctx["old"]["config_digest"].encode() in (c.read(c.approved) or b"")
                and ctx["new"]["config_digest"].encode() not in (c.read(c.approved) or b"")
                else "did not swap"), flush=True)
        for x in inspect_all(ctx):
            if x["Id"] in c.planted:
                c.check(not x["State"]["Running"], "planted %s stopped" % x["Name"])
        if as_node:
            check_old_node_settled(c, cid, "hostile node")
    finally:
        c.finish()


def case_compose_env(ctx, unset_docker_host):
    """.env and docker-compose.override.yml planted in the volume root."""
    name = "2%s .env %s + docker-compose.override.yml, cli engine" % (
        "a" if unset_docker_host else "b",
        "DOCKER_HOST (launcher without DOCKER_HOST)" if unset_docker_host else "COMPOSE_FILE")
    c = Case(ctx, name, "cli", "native")
    try:
        evil = os.path.join(c.mp, "evil.yml")
        c.write(evil, "services:\n  mpc-node:\n    image: %s\n    container_name: mpc-node\n"
                "    environment: [\"ADVERSARY=1\"]\n    command: [\"/mnt/shared\"]\n"
                % ADV_IMAGE)
        c.write(os.path.join(c.mp, ".env"),
                "DOCKER_HOST=tcp://127.0.0.1:1\nCOMPOSE_FILE=%s\nCOMPOSE_PROJECT_NAME=evil\n"
                "COMPOSE_PATH_SEPARATOR=:\n" % evil if unset_docker_host else
                "COMPOSE_FILE=%s\nCOMPOSE_PROJECT_NAME=evil\n" % evil)
        c.write(os.path.join(c.mp, "docker-compose.override.yml"),
                "services:\n  mpc-node:\n    image: %s\n    environment: [\"ADVERSARY=1\"]\n"
                "    command: [\"/mnt/shared\"]\n" % ADV_IMAGE)
        if unset_docker_host:
            # The launcher on the default socket, as in a CVM: a private mount
            # namespace binds our engine's socket to /run/docker.sock.
            sock = ctx["dk"].sock
            argv = ["unshare", "-m", "--propagation", "private", "sh", "-ec",
                    'mount -t tmpfs tl-adv-run /run; : > /run/docker.sock; '
                    'mount --bind "$1" /run/docker.sock; exec "$2"', "sh", sock, LAUNCHER]
            p, = c.run(argv=argv, env=c.env(DOCKER_HOST=None))
        else:
            p, = c.run()
        check_outcome(c, p, "ok")
        for x in inspect_all(ctx):
            proj = (x["Config"].get("Labels") or {}).get("com.docker.compose.project")
            c.check(proj in (None, "mpc-node"), "no container of compose project %s" % proj)
    finally:
        c.finish()


def case_not_regular(ctx, engine, which, kind):
    """A symlink (to a file outside the volume), a directory or a FIFO at a
    path the launcher writes in the volume."""
    c = Case(ctx, "3 %s at the %s path, %s engine" % (kind, which, engine), engine, "native")
    try:
        path = c.node_config if which == "node config" else c.compose
        outside = os.path.join(c.dir, "outside.txt")
        c.write(outside, "outside the volume: must stay as it is\n", 0o644)
        if kind == "symlink":
            os.symlink(outside, path)
        elif kind == "directory":
            os.mkdir(path)
        else:
            os.mkfifo(path)
        p, = c.run(timeout=45)
        check_outcome(c, p, "either", before_measure=True)
        c.check(c.read(outside) == b"outside the volume: must stay as it is\n",
                "nothing written through the symlink")
        if p.returncode == 0:
            c.check(os.path.lexists(path) is False or stat.S_ISREG(os.lstat(path).st_mode),
                    "the %s path now holds a regular file" % which)
    finally:
        c.finish()


def case_collision(ctx, variant, engine="api"):
    new, evil = ctx["new"], ctx["evil"]
    layer = ctx["layer"]
    layers = json.dumps([{"mediaType": registry_push.DOCKER_LAYER, "digest": layer[0],
                          "size": layer[1]}])
    if variant == "digest/Digest":
        text = ('{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s",'
                '"size":%d,"digest":"%s","Digest":"%s"},"layers":%s}' % (
                    registry_push.DOCKER_V2, registry_push.DOCKER_CONFIG, evil["size"],
                    new["config_digest"], evil["config_digest"], layers))
    elif variant == "digest/dige\u017ft":
        text = ('{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s",'
                '"size":%d,"digest":"%s","dige\u017ft":"%s"},"layers":%s}' % (
                    registry_push.DOCKER_V2, registry_push.DOCKER_CONFIG, evil["size"],
                    new["config_digest"], evil["config_digest"], layers))
    else:  # mediaType/mediatype at the top, an approved config
        text = ('{"schemaVersion":2,"mediaType":"%s","mediatype":"%s","config":{'
                '"mediaType":"%s","size":%d,"digest":"%s"},"layers":%s}' % (
                    registry_push.DOCKER_V2, registry_push.DOCKER_V2,
                    registry_push.DOCKER_CONFIG, new["config_size"], new["config_digest"],
                    layers))
    tag = "collide-%d" % (len(ctx.setdefault("collisions", [])))
    ctx["collisions"].append(tag)
    c = Case(ctx, "4 registry keys equal under Go case folding (%s), %s engine" % (
        variant, engine), engine, "native", tags=(tag,))
    try:
        docker(ctx, "rmi", "-f", evil["config_digest"], check=False)
        # The approved image too: present, the warm path (issue 15 §3) would
        # never ask the hostile registry, and the parser would go untested.
        docker(ctx, "rmi", "-f", new["config_digest"], check=False)
        try:
            ctx["client"].push_manifest("tl/mpc-node", tag, text.encode(),
                                        registry_push.DOCKER_V2)
        except registry_push.PushError as e:
            c.fail("setup: the registry refused the manifest", e)
            return
        p, = c.run()
        check_outcome(c, p, "fail", before_measure=True)
        r = docker(ctx, "image", "inspect", evil["config_digest"], check=False)
        c.check(r.returncode != 0, "the image the engine would see was never pulled")
        c.check(container(ctx, "mpc-node") is None, "no mpc-node container")
    finally:
        c.finish()


def registry_requests(ctx):
    try:
        with open(ctx["reg"].log_path, errors="replace") as f:
            reg = sum(1 for line in f if "tee-launcher" in line)
    except OSError:
        reg = -1
    return reg, ctx["reg"].token.stats().get("token_requests", -1)


def case_too_large(ctx):
    """A user config under the TOML input limit whose rendering is not: a
    multi-line literal string holding an apostrophe and ~1 M backslashes can
    only be written back as a basic string, where every backslash doubles."""
    table = NODE_TABLE + "pad = " + "'" * 3 + "x'y" + "\\" * 1_000_000 + "'" * 3 + "\n"
    c = Case(ctx, "5 rendered node config too large, api engine", "api", "native",
             node_table=table)
    try:
        size = os.path.getsize(c.user_config)
        c.check(size < (1 << 20), "setup: user config under TOML_MAX_INPUT", size)
        time.sleep(0.5)  # earlier cases' access log lines land first
        before = registry_requests(ctx)
        p, = c.run()
        time.sleep(0.5)  # the registry writes its access log asynchronously
        after = registry_requests(ctx)
        check_outcome(c, p, "fail", before_measure=True)
        c.check(after == before, "refused before any registry request",
                "registry lines, token requests: %s -> %s" % (before, after))
        c.check(c.read(c.node_config) is None, "no node config written")
    finally:
        c.finish()


def case_concurrent(ctx, engine, method):
    # The agent answers GetQuote (where the launcher learns whether the
    # event exists) after 1.5 s and serves both launchers at once: without
    # a lock both hear "none" and both emit.
    c = Case(ctx, "6 two launchers at once, %s engine, %s" % (engine, method), engine, method,
             agent_args=("--threaded", "--fault", "slow", "--fault-path", "/GetQuote",
                         "--slow-seconds", "1.5"))
    try:
        a, b = c.run(count=2)
        ok = [p for p in (a, b) if p.returncode == 0]
        c.check(len(ok) >= 1, "at most one of the two fails", "%s / %s" % (why(a), why(b)))
        for p in (a, b):
            if p.returncode != 0:
                c.check(len(error_lines(p)) == 1, "the failed one has one error line")
        check_outcome(c, ok[0] if ok else a, "ok")
    finally:
        c.finish()


def case_auto(ctx, version_file):
    if version_file:
        c = Case(ctx, "7b auto with the version file and a writable RTMR3: native, api engine",
                 "api", "auto")
    else:
        c = Case(ctx, "7a auto without the version file, EmitEvent answers 400, api engine",
                 "api", "auto", version_file=None,
                 agent_args=("--fault", "removed", "--fault-path", "/EmitEvent"))
    try:
        p, = c.run()
        if version_file:
            c.method = "native"  # what auto must pick
            check_outcome(c, p, "ok")
            c.check(c.agent.emit_calls() == 0, "EmitEvent never called", c.agent.counts())
        else:
            check_outcome(c, p, "fail")
            c.check(c.register == c.initial_register and c.rtmr_writes == 0,
                    "the RTMR3 file unchanged (no native fallback)")
            c.check(c.read(c.runtime_log) == c.initial_log, "no event in the native log")
            c.check(c.agent.emit_calls() == 1, "EmitEvent called once", c.agent.counts())
    finally:
        c.finish()


def case_measure_preconditions(ctx, variant):
    """Native without dstack's version file; TEE without an agent socket (a
    regular file where the socket should be): refused before measuring."""
    if variant == "no version file":
        c = Case(ctx, "9a native without the runtime_event_version file, api engine",
                 "api", "native", version_file=None)
    else:
        c = Case(ctx, "9b TEE with a regular file at the agent socket path, api engine",
                 "api", "native")
        c.agent.stop()
        c.write(c.sock, "not a socket\n")
    try:
        p, = c.run()
        check_outcome(c, p, "fail", before_measure=True)
        c.check(container(ctx, "mpc-node") is None, "no node started")
    finally:
        c.finish()


def case_inconsistent_log(ctx, variant):
    c = Case(ctx, "8%s native log inconsistent with the register (%s), api engine" % (
        "a" if variant == "extra" else "b", variant), "api", "native")
    try:
        if variant == "extra":
            line = log_line("adversary-event", b"\x01" * 32)
        else:  # a forged "already measured" line for the selected digest
            line = log_line(EVENT, bytes.fromhex(c.selected["config_digest"][7:]))
        with open(c.runtime_log, "a") as f:
            f.write(line)
        c.initial_log = c.read(c.runtime_log)
        p, = c.run()
        c.check(p.returncode != 0, "refused (exit != 0)", "exit 0")
        if p.returncode != 0:
            c.check(len(error_lines(p)) == 1, "exactly one level=error line")
            e = " ".join(error_lines(p))
            c.check("does not equal the replay" in e and "reboot required" in e,
                    "refused because the register does not equal the log's replay", e)
        c.check(READ_BACK_WARNING not in p.stderr, "the launcher read RTMR3 back")
        c.check(c.register == c.initial_register and c.rtmr_writes == 0,
                "register unchanged", c.rtmr_writes)
        c.check(c.read(c.runtime_log) == c.initial_log, "event log unchanged")
        c.check(c.agent.emit_calls() == 0, "nothing emitted through the agent")
        n = container(ctx, "mpc-node")
        c.check(n is None, "no node started")
        check_containers(c, p, False, p.t0)
    finally:
        c.finish()


# ------------------------------------------------------------------ setup

def build_rewriter():
    out = os.path.join(BUILD, "adversary", "rewriter")
    if not (os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(REWRITER_SRC)):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.run(["musl-gcc", "-std=c11", "-D_GNU_SOURCE", "-Os", "-static", "-s",
                        "-Wall", "-Wextra", "-Werror", "-o", out + ".tmp", REWRITER_SRC],
                       check=True)
        os.rename(out + ".tmp", out)
    return out


def import_rewriter(dk, exe):
    with open(exe, "rb") as f:
        data = f.read()
    tar = registry_push.layer_tar([("rewriter", 0o755, data), ("mnt", 0o755, None),
                                   ("mnt/shared", 0o755, None)])
    p = subprocess.run(["docker", "import", "-c", 'ENTRYPOINT ["/rewriter"]', "-",
                        ADV_IMAGE], input=tar, env=dk.env(), capture_output=True)
    if p.returncode != 0:
        raise testenv.EnvError("docker import: " + p.stderr.decode(errors="replace"))


CASES = [
    (case_baseline, "api", "native"), (case_baseline, "cli", "dstack-api"),
    (case_old_node, "api", "native"), (case_old_node, "cli", "dstack-api"),
    (case_rewriter, "api", "dstack-api", False, True), (case_rewriter, "cli", "native", False, False),
    (case_rewriter, "cli", "native", True, False), (case_rewriter, "api", "dstack-api", True, False),
    (case_rewriter, "api", "native", False, False, True),
    (case_compose_env, True), (case_compose_env, False),
    (case_not_regular, "api", "node config", "symlink"),
    (case_not_regular, "cli", "node config", "symlink"),
    (case_not_regular, "api", "node config", "directory"),
    (case_not_regular, "cli", "node config", "directory"),
    (case_not_regular, "api", "node config", "FIFO"),
    (case_not_regular, "cli", "node config", "FIFO"),
    (case_not_regular, "cli", "compose copy", "symlink"),
    (case_not_regular, "cli", "compose copy", "directory"),
    (case_not_regular, "cli", "compose copy", "FIFO"),
    (case_collision, "digest/Digest"), (case_collision, "digest/dige\u017ft"),
    (case_collision, "mediaType/mediatype"), (case_collision, "digest/Digest", "cli"),
    (case_too_large,),
    (case_concurrent, "api", "native"), (case_concurrent, "cli", "dstack-api"),
    (case_concurrent, "api", "dstack-api"),
    (case_auto, False), (case_auto, True),
    (case_inconsistent_log, "extra"), (case_inconsistent_log, "forged"),
    (case_measure_preconditions, "no version file"), (case_measure_preconditions, "no socket"),
]


def main():
    testenv.install_signal_handlers()
    only = os.environ.get("ADVERSARY_ONLY", "")
    t_start = time.monotonic()
    ctx = {}
    slow = []
    with testenv.TempDir(prefix="tl-adv-") as d:
        pki = testenv.Pki.create(os.path.join(d.path, "pki"))
        with testenv.Registry(pki, auth=True, access_log=True) as reg, \
                testenv.Dockerd(pki) as dk:
            user, pw = reg.push_credentials()
            client = registry_push.Client(reg.host, pki.ca_cert, user, pw)
            images = registry_push.push_standard(client)
            # A config the launcher must never run (the far side of a collision).
            pusher = registry_push.Pusher(client, "tl/mpc-node", registry_push.build_stub())
            evil = pusher.image("adversary-evil")
            layer = (pusher._layer(), len(pusher.gz))
            cfg_new = client.request("GET", "/v2/tl/mpc-node/blobs/%s" %
                                     images["oci"]["config_digest"],
                                     scope="repository:tl/mpc-node:pull").body
            evil_cfg = client.request("GET", "/v2/tl/mpc-node/blobs/%s" % evil["config_digest"],
                                      scope="repository:tl/mpc-node:pull").body
            new = dict(images["oci"], config_size=len(cfg_new))
            import_rewriter(dk, build_rewriter())
            env = dk.env()
            ctx.update(pki=pki, reg=reg, dk=dk, env=env, images=images, client=client,
                       new=new, old=images["docker-v2"], layer=layer,
                       evil={"config_digest": evil["config_digest"], "size": len(evil_cfg)},
                       root=os.path.join(d.path, "cases"))
            ctx["approved_ids"] = {new["config_digest"], new["platform_digest"],
                                   images["docker-v2"]["config_digest"],
                                   images["docker-v2"]["platform_digest"]}
            os.makedirs(ctx["root"])
            print("setup %.1f s" % (time.monotonic() - t_start), flush=True)
            try:
                for entry in CASES:
                    fn, args = entry[0], entry[1:]
                    label = "%s%r" % (fn.__name__, args)
                    if only and only not in label:
                        continue
                    t0 = time.monotonic()
                    T.run(label, fn, ctx, *args)
                    slow.append((time.monotonic() - t0, label))
            finally:
                for a in AGENTS:
                    a.stop()
                for r in REGISTERS:
                    r.close()
                ids = docker(ctx, "ps", "-aq", check=False).stdout.split()
                if ids:
                    docker(ctx, "rm", "-f", *ids, check=False)
    for secs, label in sorted(slow, reverse=True)[:3]:
        print("timing %s %.1f s" % (label, secs))
    print("timing adversary suite %.1f s" % (time.monotonic() - t_start))
    return 0 if T.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
