#!/usr/bin/env python3
"""Crash and error-injection campaign (issue 14): the musl tee-launcher in
TEE mode is SIGKILLed (with every process it started) at its N-th system
call, or one occurrence of one system call is made to fail, and what is
left is checked from the outside.

Paths: RTMR3 native with a V1 event log, native V2, and the dstack agent's
API; engines `api` and `cli`; scenarios `first` (empty engine and volume),
`restart` (same boot, the node already running from the selected digest)
and `upgrade` (after a reboot: the older approved node still on the engine
and its config in the volume, the newer digest now approved).

For each path x engine x scenario:
  1. a counting run under tests/crash/crashpoint (ptrace, forks followed,
     docker/compose children detached at exec but killed with the rest);
  2. for each kill point N (all, or a stride): reset to the starting
     state, run and SIGKILL at the N-th system call, check what the kill
     left (never a partial node config, never an unapproved container,
     at most one event); then continue as a restart (run again) and, for
     the kill points selected for it, as a reboot (RTMR3 and the runtime
     logs reset, volume and engine kept; run again);
  3. after the second run, from the outside (docker inspect, files, the
     FUSE register, the event logs): success with exactly one
     `mpc-image-digest` event whose replay equals the register, the
     selected image running as mpc-node, the rendered config in place (the
     clean run's bytes, mode 0600), no temp file in the volume; or exit != 0
     with exactly one level=error line — and then it must be the one
     refusal a crash can justify: RTMR3 extended without its log line
     ("reboot required").  Anything else is a violation.

Error injection (CRASH_INJECT): for each system call the launcher makes
on a path, each occurrence (or a stride) fails once with the errors that
really happen there; the run must succeed or fail with one error line, the
invariants must hold, and a following run must recover (or refuse with
"reboot required").  When the failed run left the engine (containers,
images), the volume and the measurements exactly as they were, the
following run would start from the counting run's state, which already
succeeded; it is then not repeated.

One dockerd, registry (token auth) and token server, one FUSE register
(reset through its control file) and one simulated agent are shared by all
iterations.  Prints one line per iteration that is not a plain success in
verbose mode, a table per combination, and "N passed, N failed" last.

Environment:
  CRASH_MODE      unset: every kill point and continuation of the series
                  CRASH_ONLY names; sample: the check stage's budget (see
                  SAMPLE below); full (make crash-check): hand over to
                  campaign.py, the whole campaign as per-series jobs
  CRASH_ONLY      substring of "<path>/<engine>/<scenario>" to run
  CRASH_STRIDE    kill every STRIDE-th point (default: by mode)
  CRASH_INJECT    0: no error injection; 1: run it (default: 1)
  CRASH_INJECT_STRIDE  fail every STRIDE-th occurrence (default: by mode)
  CRASH_INJECT_CALLS   comma-separated call names: inject only these
  CRASH_REBOOT_STRIDE  kill every STRIDE-th point for the reboot continuation
  CRASH_KILLS     0: no kill campaign (only injection)
  CRASH_CONTINUATIONS  "restart", "reboot" or both (default "restart,reboot")
  CRASH_POINTS    LO[-HI]: only the kill points in that range (re-run a few)
  CRASH_REBOOT_EXCEPT  S: leave out the reboot points a run with
                  CRASH_REBOOT_STRIDE=S took (a full campaign in two passes)
  CRASH_CASES     0: skip the regression cases (the windows issue 14 names,
                  each killed at exactly its system call)
  CRASH_SHARD     i/n: do every n-th iteration from the i-th (the check
                  stage runs two shards at once, each with its own dockerd)
  CRASH_VERBOSE   1: a line per iteration
  CRASH_REPORT    a file to write the table to (markdown)
"""
import base64
import calendar
import hashlib
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import zlib

TOP = os.environ["TOP"]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
import registry_push  # noqa: E402
import rtmr_fuse  # noqa: E402
from rtmr_model import (EVENT_TYPE, log_line, read_events, replay,  # noqa: E402,F401
                        v1_digest, v2_digest)
import testenv  # noqa: E402
from checks import Checks  # noqa: E402

BUILD = os.environ.get("B", os.path.join(TOP, "build"))
LAUNCHER = os.environ.get("LAUNCHER", os.path.join(BUILD, "tee-launcher"))
CRASHPOINT = os.path.join(BUILD, "crashpoint")
CRASHPOINT_SRC = os.path.join(HERE, "crashpoint.c")
FAKE_DSTACK = os.path.join(TOP, "tests", "lib", "fake_dstack.py")
EVENT = "mpc-image-digest"
RUN_TIMEOUT = 120
SETTLE_SECONDS = 0.3
ERROR_LINE = re.compile(r"(^|\s)level=error(\s|$)")
REBOOT_REASON = "reboot required"
T = Checks()
VERBOSE = os.environ.get("CRASH_VERBOSE") == "1"
MODE = os.environ.get("CRASH_MODE", "full")

PATHS = {
    "v1": {"method": "native", "version": "1\n"},
    "v2": {"method": "native", "version": "2\n"},
    "agent": {"method": "dstack-api", "version": "1\n"},
}
ENGINES = ("api", "cli")
SCENARIOS = ("first", "restart", "upgrade")

# The check stage's sample (about five minutes on 2 cores): every kill point
# of one path, a stride over the others, a stride of the reboot
# continuation, and a stride of error injection on two paths.
SAMPLE_FULL = "v1/api/first"
SAMPLE_FULL_REBOOT_STRIDE = 20
SAMPLE_POINTS = 2
SAMPLE_INJECT = {"v2/api/first": 20, "agent/cli/restart": 80}

# The errors that really happen at each call (man pages; on the launcher's
# files, sockets and pipes).
INJECT = {
    "openat": ("EIO", "ENOSPC", "EMFILE", "EACCES"),
    "open": ("EIO", "EMFILE"),
    "read": ("EIO", "EINTR", "EAGAIN", "ECONNRESET"),
    "write": ("EIO", "ENOSPC", "EINTR", "EPIPE"),
    "pread64": ("EIO", "EINTR"),
    "pwrite64": ("EIO", "EINTR"),
    "readv": ("EIO", "EINTR"),
    "writev": ("EIO", "ENOSPC", "EPIPE"),
    "fsync": ("EIO", "ENOSPC"),
    "renameat": ("EIO", "ENOSPC"),
    "rename": ("EIO", "ENOSPC"),
    "flock": ("EINTR", "ENOLCK"),
    "connect": ("ECONNREFUSED", "EINTR", "ETIMEDOUT"),
    "sendto": ("ECONNRESET", "EPIPE", "EINTR", "EAGAIN"),
    "recvfrom": ("ECONNRESET", "EINTR", "EAGAIN"),
    "poll": ("EINTR", "ENOMEM"),
    "close": ("EIO", "EINTR"),
    "unlinkat": ("EIO",),
    "getrandom": ("EINTR", "EAGAIN"),
    "fchmod": ("EIO",),
    "mkdir": ("ENOSPC", "EIO"),
    "wait4": ("EINTR",),
    "socket": ("EMFILE", "ENOBUFS"),
    "pipe2": ("EMFILE",),
    "fork": ("EAGAIN", "ENOMEM"),
    "clone": ("EAGAIN", "ENOMEM"),
    "fstatfs": ("EIO",),
    "newfstatat": ("EIO",),
    "lstat": ("EIO",),
    "stat": ("EIO",),
    # malloc is mmap here (src/pagealloc.c): an out-of-memory launcher
    "mmap": ("ENOMEM",),
    # the cli backend's private compose directory, removed at the end
    "unlink": ("EIO",),
    "rmdir": ("EIO",),
}


# ------------------------------------------------------------------ RTMR3

BOOT_EVENTS = [("system-preparing", b"\x00"), ("app-id", bytes(range(20))),
               ("compose-hash", hashlib.sha256(b"crash compose").digest()),
               ("instance-id", bytes(range(20, 40)))]
BOOT_LOG = "".join(log_line(n, p) for n, p in BOOT_EVENTS)
BOOT_MR = replay([(n, p, 1) for n, p in BOOT_EVENTS])


# ------------------------------------------------------------------ the world

class World:
    """Everything shared by all iterations: engine, registry, agent, FUSE."""

    def __init__(self, root, pki, reg, dk, images):
        self.root, self.pki, self.reg, self.dk = root, pki, reg, dk
        self.new, self.old = images["oci"], images["docker-v2"]
        self.approved_ids = {self.new["config_digest"], self.new["platform_digest"],
                             self.old["config_digest"], self.old["platform_digest"]}
        self.dir = os.path.join(root, "w")
        os.makedirs(self.dir)
        self.user_config = os.path.join(self.dir, "user_config")
        self.logdir = os.path.join(self.dir, "dstack-log")
        os.makedirs(self.logdir)
        self.runtime_log = os.path.join(self.logdir, "runtime_events.log")
        self.version_file = os.path.join(self.logdir, "runtime_event_version")
        self.sock = os.path.join(self.dir, "dstack.sock")
        self.agent_log = os.path.join(self.dir, "agent-events.log")
        self.agent_rtmr3 = os.path.join(self.dir, "agent-rtmr3")
        self.port = testenv.free_port()
        with open(self.user_config, "w") as f:
            f.write(user_text(reg.host, self.port))
        self.fuse = rtmr_fuse.RtmrFuse(os.path.join(self.dir, "rtmr3"), initial=BOOT_MR)
        self.fuse.start()
        self.agent = None
        self.reset_agent_files()
        self.start_agent()
        self.mp = self.volume_create()
        self.node_config = os.path.join(self.mp, "mpc-config.toml")
        self.compose = os.path.join(self.mp, "mpc-node.compose.yaml")
        self.approved = os.path.join(self.mp, "image-digest.bin")
        self.lock = os.path.join(self.mp, ".tee-launcher.lock")
        self.reference = {}  # digest -> the clean rendering of the node config

    # -- services
    def start_agent(self):
        ready = os.path.join(self.dir, "agent-ready")
        self.agent_err = open(os.path.join(self.dir, "agent.err"), "a")
        self.agent = subprocess.Popen(
            [sys.executable, FAKE_DSTACK, "--socket", self.sock, "--log", self.agent_log,
             "--rtmr3", self.agent_rtmr3, "--ready", ready],
            stdout=subprocess.DEVNULL, stderr=self.agent_err)
        deadline = time.monotonic() + 10
        while not os.path.exists(ready) and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self):
        if self.agent is not None and self.agent.poll() is None:
            self.agent.send_signal(signal.SIGTERM)
            try:
                self.agent.wait(5)
            except subprocess.TimeoutExpired:
                self.agent.kill()
                self.agent.wait()
        self.fuse.close()

    def docker(self, *args, check=True):
        return self.dk.docker(*args, check=check, timeout=120)

    def volume_create(self):
        self.docker("volume", "rm", "-f", "shared-volume", check=False)
        self.docker("volume", "create", "--label", "com.docker.compose.project=mpc-node",
                    "--label", "com.docker.compose.volume=shared-volume",
                    "--label", "com.docker.compose.version=1.29.2", "shared-volume")
        return self.docker("volume", "inspect", "-f", "{{.Mountpoint}}",
                           "shared-volume").stdout.strip()

    # -- state
    def reset_agent_files(self):
        with open(self.agent_log, "w"):
            pass
        with open(self.agent_rtmr3, "wb") as f:
            f.write(bytes(48))

    def reboot_measurements(self, path):
        """A new boot: the register and both runtime logs hold only the boot."""
        with open(self.runtime_log, "w") as f:
            f.write(BOOT_LOG)
        os.chmod(self.runtime_log, 0o600)
        for name in os.listdir(self.logdir):
            if name not in ("runtime_events.log",):
                os.unlink(os.path.join(self.logdir, name))
        with open(self.version_file, "w") as f:
            f.write(PATHS[path]["version"])
        self.fuse.reset(BOOT_MR)
        self.reset_agent_files()

    def api(self, method, path):
        """The engine API directly (a docker CLI call costs ~0.1 s)."""
        status, body = testenv.engine_request(self.dk.sock, method, path, timeout=60)
        return status, json.loads(body) if body and body[:1] in (b"{", b"[") else body

    def containers(self):
        """docker inspect of every container."""
        status, lst = self.api("GET", "/containers/json?all=1")
        out = []
        for c in lst if status == 200 else []:
            st, x = self.api("GET", "/containers/%s/json" % c["Id"])
            if st == 200:
                out.append(x)
        return out

    def inspect(self, name):
        status, x = self.api("GET", "/containers/%s/json" % name)
        return x if status == 200 else None

    def clear_engine(self):
        for c in self.containers():
            status, body = self.api("DELETE", "/containers/%s?force=1" % c["Id"])
            if status not in (204, 404):
                raise RuntimeError("remove %s: %s %s" % (c["Name"], status, body))

    def clear_volume(self, approved):
        for name in os.listdir(self.mp):
            p = os.path.join(self.mp, name)
            if os.path.isdir(p) and not os.path.islink(p):
                subprocess.run(["rm", "-rf", p], check=True)
            else:
                os.unlink(p)
        with open(self.approved, "w") as f:
            f.write(json.dumps({"approved_hashes": approved}))

    def set_approved(self, approved):
        with open(self.approved, "w") as f:
            f.write(json.dumps({"approved_hashes": approved}))

    def fingerprint(self):
        """Everything the next launch reads that a failed one could have
        changed: containers, images, the volume's files (the lock file
        aside: flock state dies with its holder), the register and the
        event logs."""
        cs = sorted((x["Name"], x["Id"], x["Image"], x["State"]["Status"],
                     x["State"]["StartedAt"]) for x in self.containers())
        status, imgs = self.api("GET", "/images/json?all=1")
        ims = sorted((i["Id"], tuple(sorted(i.get("RepoDigests") or ())),
                      tuple(sorted(i.get("RepoTags") or ()))) for i in imgs)
        vol = []
        for name in sorted(os.listdir(self.mp)):
            p = os.path.join(self.mp, name)
            st = os.lstat(p)
            if name == os.path.basename(self.lock):
                continue
            data = open(p, "rb").read() if stat.S_ISREG(st.st_mode) else b""
            vol.append((name, st.st_mode, hashlib.sha256(data).hexdigest()))
        logs = []
        for p in sorted(os.listdir(self.logdir)):
            logs.append((p, open(os.path.join(self.logdir, p), "rb").read()))
        return (cs, status, ims, vol, logs, self.fuse.register(), self.fuse.writes,
                open(self.agent_log, "rb").read(), open(self.agent_rtmr3, "rb").read())

    # -- running
    def env(self, path, engine):
        base = self.dk.env()
        return {
            "PATH": base["PATH"], "HOME": base.get("HOME", "/root"),
            "DOCKER_HOST": base["DOCKER_HOST"],
            "PLATFORM": "TEE", "DOCKER_CONTENT_TRUST": "1",
            "DEFAULT_IMAGE_DIGEST": self.new["config_digest"],
            "TEE_LAUNCHER_USER_CONFIG": self.user_config,
            "TEE_LAUNCHER_APPROVED_HASHES_FILE": self.approved,
            "TEE_LAUNCHER_NODE_CONFIG": self.node_config,
            "TEE_LAUNCHER_COMPOSE_FILE": self.compose,
            "TEE_LAUNCHER_LOCK_FILE": self.lock,
            "TEE_LAUNCHER_DSTACK_SOCKET": self.sock,
            "TEE_LAUNCHER_RTMR3_FILE": self.fuse.path,
            "TEE_LAUNCHER_EVENT_LOG_DIR": self.logdir,
            "TEE_LAUNCHER_RTMR_METHOD": PATHS[path]["method"],
            "TEE_LAUNCHER_ENGINE": engine,
            "TEE_LAUNCHER_EXTRA_CA_FILE": self.pki.ca_cert,
        }

    def run(self, path, engine, stats=None):
        argv = [LAUNCHER] if stats is None else [CRASHPOINT, "-s", stats, "--", LAUNCHER]
        t0 = time.time()
        try:
            p = subprocess.run(argv, env=self.env(path, engine), capture_output=True,
                               text=True, timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired as e:
            p = subprocess.CompletedProcess(argv, 124, e.stdout or "",
                                            (e.stderr or "") + "\n(timeout)")
        p.t0 = t0
        return p


def user_text(reg_host, port):
    return "\n".join([
        "[launcher_config]",
        'image_tags = ["oci", "docker-v2"]',
        'image_name = "tl/mpc-node"',
        "registry = %s" % json.dumps(reg_host),
        "rpc_request_timeout_secs = 10",
        "rpc_request_interval_secs = 0",
        "rpc_max_attempts = 0",
        "port_mappings = [{ host = %d, container = 11780 }]" % port,
        "",
        "[mpc_node_config]",
        'home_dir = "/data"',
        'log.level = "info"',
        "[mpc_node_config.secrets]",
        'secret_store_key_hex = "crash-node-secret-77"',
        "[[mpc_node_config.participants]]",
        "id = 1", ""])


def read_stats(path):
    out = {"total": 0, "count": {}, "killed_at": None, "injected": None}
    try:
        with open(path) as f:
            for line in f:
                w = line.split()
                if w[0] == "total":
                    out["total"] = int(w[1])
                elif w[0] == "count":
                    out["count"][w[1]] = int(w[2])
                elif w[0] == "killed_at":
                    out["killed_at"] = (int(w[1]), w[2])
                elif w[0] == "injected":
                    out["injected"] = tuple(w[1:])
    except FileNotFoundError:
        pass
    return out


# ------------------------------------------------------------------ checks

def error_lines(p):
    return [x for x in p.stderr.splitlines() if ERROR_LINE.search(x)]


def reason_of(p):
    e = error_lines(p)
    if not e:
        return "(no error line; exit %s)" % p.returncode
    m = re.search(r'error="((?:[^"\\]|\\.)*)"', e[-1]) or re.search(r"error=(\S+)", e[-1])
    return m.group(1) if m else e[-1]


def normalise(reason):
    """A refusal reason without paths, digests or ids (for the table)."""
    r = re.sub(r"sha256:[0-9a-f]{64}", "<digest>", reason)
    r = re.sub(r"\b[0-9a-f]{12,64}\b", "<id>", r)
    r = re.sub(r"(?<!\w)/[^\s:\"']+", "<path>", r)  # not the "/" of "Input/output"
    return r[:160]


def temp_files(w):
    """Launcher temp files left in the volume (atomicfile's .tmpXXXXXX)."""
    return sorted(n for n in os.listdir(w.mp) if n.startswith(".tmp"))


def inspect_all(w):
    return w.containers()


def state_problems(w, path, selected, clean, after_crash=False):
    """The invariants that hold after ANY run, success or not."""
    bad = []
    native = read_events(w.runtime_log)
    agent = read_events(w.agent_log)
    mine = [p for n, p, _ in native if n == EVENT] + [p for n, p, _ in agent if n == EVENT]
    if len(mine) > 1:
        bad.append("%d %s events" % (len(mine), EVENT))
    want = bytes.fromhex(selected["config_digest"][7:])
    if any(x != want for x in mine):
        bad.append("an event for another digest")
    if w.fuse.refused:
        bad.append("an RTMR3 write the kernel refuses")
    if w.fuse.writes > 1:
        bad.append("RTMR3 extended %d times" % w.fuse.writes)
    if replay(agent) != open(w.agent_rtmr3, "rb").read():
        bad.append("agent log replay != agent register")
    if native[:len(BOOT_EVENTS)] != [(n, p, 1) for n, p in BOOT_EVENTS]:
        bad.append("boot events changed")
    for x in inspect_all(w):
        if x["Image"] not in w.approved_ids:
            bad.append("container %s from an unapproved image" % x["Name"])
    node = os.path.join(w.mp, "mpc-config.toml")
    if os.path.lexists(node):
        st = os.lstat(node)
        data = open(node, "rb").read() if stat.S_ISREG(st.st_mode) else b""
        if data not in w.reference.values():
            bad.append("node config is not a complete rendering (%d bytes)" % len(data))
        elif stat.S_IMODE(st.st_mode) != 0o600:
            bad.append("node config mode %o" % stat.S_IMODE(st.st_mode))
    return bad


def started_at(node):
    """State.StartedAt (RFC 3339, nanoseconds) as epoch seconds."""
    text = node["State"]["StartedAt"]
    if not text or text.startswith("0001-"):
        return 0.0
    base, _, frac = text.rstrip("Z").partition(".")
    t = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    return t + (float("0." + frac[:9]) if frac else 0.0)


def success_problems(w, path, selected, p):
    bad = []
    native = read_events(w.runtime_log)
    agent = read_events(w.agent_log)
    want = bytes.fromhex(selected["config_digest"][7:])
    mine = [x for n, x, _ in native if n == EVENT] + [x for n, x, _ in agent if n == EVENT]
    if mine != [want]:
        bad.append("not exactly one event with the selected digest (%d)" % len(mine))
    if replay(native) != w.fuse.register():
        bad.append("native log replay != RTMR3 register")
    if PATHS[path]["method"] == "native" and agent:
        bad.append("the agent was asked to emit on a native path")
    node = w.inspect("mpc-node")
    if node is None or not node["State"]["Running"]:
        bad.append("mpc-node not running")
    else:
        if node["Image"] != selected["config_digest"]:
            bad.append("mpc-node runs %s, not the selected image" % node["Image"][:19])
        repo = "%s/tl/mpc-node" % w.reg.host
        allowed = {"%s@%s" % (repo, d) for d in (selected["digest"],
                                                 selected["platform_digest"],
                                                 selected["config_digest"])}
        if node["Config"]["Image"] not in allowed:
            bad.append("mpc-node created from %s" % node["Config"]["Image"])
        started = started_at(node)
        if not p.t0 - 1.0 <= started <= time.time() + 1.0:
            bad.append("mpc-node not (re)started by this run (%.1f s before it)"
                       % (p.t0 - started))
    for x in inspect_all(w):
        if x["Name"] != "/mpc-node" and x["State"]["Running"]:
            bad.append("%s still runs" % x["Name"])
    try:
        data = open(w.node_config, "rb").read()
    except OSError:
        data = None
    if data != w.reference.get(selected["config_digest"]):
        bad.append("node config is not the clean rendering")
    if temp_files(w):
        bad.append("temp files left: %s" % ", ".join(temp_files(w)))
    return bad


def judge(w, path, selected, p, allow_reasons=(REBOOT_REASON,)):
    """(outcome, detail): outcome is "ok", "refused" or "violation"."""
    bad = state_problems(w, path, selected, clean=True)
    if p.returncode == 0:
        bad += success_problems(w, path, selected, p)
        return ("violation", "; ".join(bad)) if bad else ("ok", "")
    errs = error_lines(p)
    if len(errs) != 1:
        bad.append("%d error lines (exit %s): %s" % (len(errs), p.returncode,
                                                     p.stderr[-300:].replace("\n", " | ")))
    reason = reason_of(p)
    if not any(a in reason for a in allow_reasons):
        bad.append("refused without a crash-justified reason: " + reason)
    return ("violation", "; ".join(bad)) if bad else ("refused", normalise(reason))


# ------------------------------------------------------------------ scenarios

class Combo:
    def __init__(self, w, path, engine, scenario):
        self.w, self.path, self.engine, self.scenario = w, path, engine, scenario
        self.name = "%s/%s/%s" % (path, engine, scenario)
        self.selected = w.new
        self.ready = False  # the engine/volume already hold the start state

    def prepare(self):
        """Resets to the scenario's starting state."""
        w = self.w
        if self.scenario == "restart" and self.ready:
            # A successful run of the same digest is the start state; only
            # the measurements must be those of that run (same boot).
            return
        w.clear_engine()
        if self.scenario == "first":
            w.clear_volume([w.new["config_digest"], w.old["config_digest"]])
            w.reboot_measurements(self.path)
            return
        if self.scenario == "restart":
            w.clear_volume([w.new["config_digest"], w.old["config_digest"]])
            w.reboot_measurements(self.path)
            p = w.run(self.path, self.engine)
            if p.returncode != 0:
                raise RuntimeError("restart: the preparing run failed: " + reason_of(p))
            self.ready = True
            return
        # upgrade: the older approved image ran in the previous boot.
        w.clear_volume([w.old["config_digest"]])
        w.reboot_measurements(self.path)
        p = w.run(self.path, self.engine)
        if p.returncode != 0:
            raise RuntimeError("upgrade: the preparing run failed: " + reason_of(p))
        w.reboot_measurements(self.path)
        w.set_approved([w.new["config_digest"], w.old["config_digest"]])

    def after(self, outcome):
        """Whether the restart scenario's start state is still in place."""
        if self.scenario == "restart":
            self.ready = outcome == "ok"


def references(w):
    """The clean renderings of the node config for both digests."""
    for d in (w.old, w.new):
        w.clear_engine()
        w.clear_volume([d["config_digest"]])
        w.reboot_measurements("v1")
        p = w.run("v1", "api")
        if p.returncode != 0:
            raise RuntimeError("reference run failed: " + reason_of(p))
        w.reference[d["config_digest"]] = open(w.node_config, "rb").read()
    w.clear_engine()


def count(c):
    c.prepare()
    st = os.path.join(c.w.dir, "stats")
    p = c.w.run(c.path, c.engine, stats=st)
    s = read_stats(st)
    outcome, detail = judge(c.w, c.path, c.selected, p)
    c.after(outcome)
    return s, outcome, detail


class Tally:
    def __init__(self, name):
        self.name = name
        self.points = 0
        self.ok = self.refused = self.violations = 0
        self.reruns = 0  # injection: recovery runs (a failure that changed the state)
        self.reasons = {}
        self.details = []

    def add(self, outcome, detail, where):
        self.points += 1
        if outcome == "ok":
            self.ok += 1
        elif outcome == "refused":
            self.refused += 1
            self.reasons[detail] = self.reasons.get(detail, 0) + 1
        else:
            self.violations += 1
            self.details.append("%s: %s" % (where, detail))


def agent_settle(w, limit=2.0):
    """Waits (at most limit seconds) until the agent double's register is
    the replay of its log.  A launcher that gave up on an EmitEvent (its
    read failed, or it was killed) can exit while the double is between
    appending the line and writing the register; judged at that instant,
    the two disagree though nothing is wrong.  A real disagreement lasts,
    and is then reported."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            if replay(read_events(w.agent_log)) == open(w.agent_rtmr3, "rb").read():
                return
        except (OSError, ValueError):
            pass  # the double is rewriting a file
        time.sleep(0.02)


def kill_run(c, n, continuation):
    """One kill point: prepare, kill at n, check, continue; (outcome, detail)."""
    w = c.w
    c.prepare()
    st = os.path.join(w.dir, "stats-k")
    t0 = time.time()
    p = subprocess.run([CRASHPOINT, "-s", st, "-k", str(n), "--", LAUNCHER],
                       env=w.env(c.path, c.engine), capture_output=True, text=True,
                       timeout=RUN_TIMEOUT)
    p.t0 = t0
    s = read_stats(st)
    killed = s["killed_at"]
    if killed is None:  # past the end: a complete run
        outcome, detail = judge(w, c.path, c.selected, p)
        c.after(outcome)
        return outcome, detail, "end"
    # The engine and the agent may still be finishing a request the dead
    # launcher sent (a create, a stop, an EmitEvent: the agent double
    # appends its log, then writes its register).  What the kill left is
    # judged once they have, and a restart comes after them, as a
    # container restart does (seconds).  Without the pause the next run can
    # race the engine: see README, "what the campaign does not cover".
    time.sleep(SETTLE_SECONDS)
    agent_settle(w)
    bad = state_problems(w, c.path, c.selected, clean=False, after_crash=True)
    if bad:
        c.after("violation")
        return "violation", "after the kill: " + "; ".join(bad), killed[1]
    if continuation == "reboot":
        w.reboot_measurements(c.path)
    q = w.run(c.path, c.engine)
    allow = (REBOOT_REASON,) if continuation == "restart" else ()
    outcome, detail = judge(w, c.path, c.selected, q, allow)
    c.after(outcome)
    return outcome, detail, killed[1]


def inject_run(c, name, err, occ):
    """One injected failure, then a recovery run when it failed and changed
    anything.  (outcome, detail, hit, recovered): a failed run that left
    the engine, the volume and the measurements exactly as they were leaves
    the next run the same starting state as the counting run's, which
    succeeded, so that run is not repeated (recovered False)."""
    w = c.w
    c.prepare()
    before = w.fingerprint()
    st = os.path.join(w.dir, "stats-i")
    t0 = time.time()
    p = subprocess.run([CRASHPOINT, "-s", st, "-i", "%s:%s:%d" % (name, err, occ), "--",
                        LAUNCHER], env=w.env(c.path, c.engine), capture_output=True,
                       text=True, timeout=RUN_TIMEOUT)
    p.t0 = t0
    s = read_stats(st)
    if s["injected"] is None:
        outcome, detail = judge(w, c.path, c.selected, p)
        c.after(outcome)
        return outcome, detail, False, False
    agent_settle(w)
    # Any failure with one error line is acceptable for the injected run.
    outcome, detail = judge(w, c.path, c.selected, p, allow_reasons=("",))
    if outcome == "violation" or outcome == "ok":
        c.after(outcome)
        return outcome, detail, True, False
    first = detail
    if w.fingerprint() == before:
        return "refused", first, True, False  # the start state, still in place
    q = w.run(c.path, c.engine)
    outcome, detail = judge(w, c.path, c.selected, q)
    c.after(outcome)
    if outcome == "refused":
        detail = "%s (after: %s)" % (detail, first)
    elif outcome == "ok":
        outcome, detail = "refused", first
    return outcome, detail, True, True


# ------------------------------------------------------------------ regression cases

def kill_at(c, anchor):
    """Runs under crashpoint -a ANCHOR (kill relative to a named call: the
    call count itself varies by a few between runs)."""
    st = os.path.join(c.w.dir, "stats-a")
    t0 = time.time()
    p = subprocess.run([CRASHPOINT, "-s", st, "-a", anchor, "--", LAUNCHER],
                       env=c.w.env(c.path, c.engine), capture_output=True, text=True,
                       timeout=RUN_TIMEOUT)
    p.t0 = t0
    p.stats = read_stats(st)
    return p


def log_line_index(c, needle):
    """1-based index of the first stderr line holding needle in a clean run
    (every log line is one write(2) to fd 2, in stderr's order)."""
    p = c.w.run(c.path, c.engine)
    for i, line in enumerate(p.stderr.splitlines()):
        if needle in line:
            return p, i + 1
    return p, None


def case_window(w, path):
    """Killed between the RTMR3 write and the log append (dstack's order:
    extend, then append): the next run refuses, naming the window, and does
    not extend again; after a reboot the launch succeeds."""
    name = "window %s: killed between the RTMR3 write and the log append" % path
    c = Combo(w, path, "api", "first")
    c.prepare()
    p = kill_at(c, "pwrite64:1:1")
    events = [x for x in read_events(w.runtime_log) if x[0] == EVENT]
    T.check(name + ": the kill left the register extended and the log without the line",
            p.stats["killed_at"] is not None and w.fuse.writes == 1 and events == [],
            w.fuse.state())
    q = w.run(path, "api")
    errs = error_lines(q)
    T.check(name + ": the next run refuses with one line naming the window",
            q.returncode != 0 and len(errs) == 1 and
            "RTMR3 was extended with this mpc-image-digest event but" in errs[0] and
            "reboot required" in errs[0], q.stderr[-600:])
    T.check(name + ": ... and does not extend again or start a node",
            w.fuse.writes == 1 and w.inspect("mpc-node") is None, w.fuse.state())
    w.reboot_measurements(path)
    r = w.run(path, "api")
    o, d = judge(w, path, w.new, r)
    T.check(name + ": after a reboot the launch succeeds", o == "ok", d)


def case_takeover(w, engine, needle):
    """Killed after the old node was stopped and set aside (or removed),
    before the new one was started: the next run finishes the replacement."""
    name = "takeover %s: killed right after %r" % (engine, needle)
    c = Combo(w, "v1", engine, "upgrade")
    c.prepare()
    p, k = log_line_index(c, needle)
    if not T.check(name + ": a clean run logs the step", p.returncode == 0 and k,
                   reason_of(p)):
        return
    c.prepare()
    old_id = (w.inspect("mpc-node") or {}).get("Id")
    kill_at(c, "write@2:%d:1" % k)
    node = w.inspect("mpc-node")
    T.check(name + ": the kill left no node running",
            not any(x["State"]["Running"] for x in w.containers()),
            node and node["Config"]["Image"])
    q = w.run("v1", engine)
    o, d = judge(w, "v1", w.new, q)
    T.check(name + ": the next run starts the new node", o == "ok", d)
    prev = w.inspect("mpc-node-previous")
    if engine == "api":
        T.check(name + ": ... the old node kept, stopped, as mpc-node-previous",
                prev is not None and prev["Id"] == old_id and not prev["State"]["Running"],
                prev and prev["Name"])
    else:
        T.check(name + ": ... the old node gone (cli)", prev is None and
                not any(x["Id"] == old_id for x in w.containers()))


def case_temp_file(w):
    """Killed after the node config's temp file was created, before the
    rename: the next successful run leaves no temp file."""
    name = "temp file: killed between creating the node config's temp file and the rename"
    c = Combo(w, "v1", "api", "first")
    c.prepare()
    p = kill_at(c, "renameat:1:0")
    T.check(name + ": the kill left a temp file",
            p.stats["killed_at"] is not None and len(temp_files(w)) == 1,
            (p.stats["killed_at"], temp_files(w)))
    q = w.run("v1", "api")
    o, d = judge(w, "v1", w.new, q)
    T.check(name + ": the next run succeeds and leaves none", o == "ok" and not temp_files(w),
            d or temp_files(w))


def case_register_read_error(w):
    """A failed read of the register is one line with the errno, before
    anything is extended."""
    name = "register read fails with EIO"
    c = Combo(w, "v1", "api", "first")
    c.prepare()
    p = subprocess.run([CRASHPOINT, "-i", "pread64:EIO:1", "--", LAUNCHER],
                       env=w.env("v1", "api"), capture_output=True, text=True,
                       timeout=RUN_TIMEOUT)
    errs = error_lines(p)
    T.check(name + ": one error line naming the read and the errno, nothing extended",
            p.returncode != 0 and len(errs) == 1 and
            "rtmr3:sha384: read: I/O error" in errs[0] and w.fuse.writes == 0,
            "exit %s, writes %s: %s" % (p.returncode, w.fuse.writes, " | ".join(errs)))


def case_log_fsync_error(w):
    """The log line was written but its fsync failed: the error says so
    (not "the event log was not"), and the next run finds the line."""
    name = "log fsync fails with EIO"
    c = Combo(w, "v1", "api", "first")
    c.prepare()
    p = subprocess.run([CRASHPOINT, "-i", "fsync:EIO:1", "--", LAUNCHER],
                       env=w.env("v1", "api"), capture_output=True, text=True,
                       timeout=RUN_TIMEOUT)
    errs = error_lines(p)
    T.check(name + ": one error line: extended and written but not synced",
            p.returncode != 0 and len(errs) == 1 and "written but not synced" in errs[0],
            "exit %s: %s" % (p.returncode, " | ".join(errs)))
    q = w.run("v1", "api")
    o, d = judge(w, "v1", w.new, q)
    T.check(name + ": the next run finds the line and succeeds", o == "ok", d)


def regression_cases(w):
    T.run("register read", case_register_read_error, w)
    T.run("log fsync", case_log_fsync_error, w)
    for path in ("v1", "v2"):
        T.run("window " + path, case_window, w, path)
    for engine, needle in (("api", "old node kept for its logs"),
                           ("api", "node config written"),
                           ("cli", "node config written"),
                           ("cli", "compose file copy written")):
        T.run("takeover " + engine, case_takeover, w, engine, needle)
    T.run("temp file", case_temp_file, w)


# ------------------------------------------------------------------ the campaign

def selected_combos():
    only = os.environ.get("CRASH_ONLY", "")
    out = []
    for path in PATHS:
        for engine in ENGINES:
            for scen in SCENARIOS:
                name = "%s/%s/%s" % (path, engine, scen)
                if only and only not in name:
                    continue
                out.append((path, engine, scen))
    return out


def plan_for(name, total):
    """(kill stride, reboot stride, inject stride or 0) for one combination."""
    env = os.environ.get
    inject = env("CRASH_INJECT", "1") == "1"
    if MODE == "sample":
        if name == SAMPLE_FULL:
            ks, rs = 1, SAMPLE_FULL_REBOOT_STRIDE
        else:  # SAMPLE_POINTS points per series
            ks = rs = max(1, -(-total // SAMPLE_POINTS))
        js = SAMPLE_INJECT.get(name, 0) if inject else 0
    else:
        ks = rs = 1
        js = 1 if inject else 0
    if env("CRASH_STRIDE"):
        ks = rs = int(env("CRASH_STRIDE"))
    if env("CRASH_REBOOT_STRIDE"):
        rs = int(env("CRASH_REBOOT_STRIDE"))
    if env("CRASH_KILLS", "1") == "0":
        ks = rs = 0
    if env("CRASH_INJECT_STRIDE") and js:
        js = int(env("CRASH_INJECT_STRIDE"))
    return ks, rs, js


def strided(items, stride, key):
    """Every stride-th item, from an offset that depends on key (so the
    combinations of a sample hit different calls)."""
    if stride <= 1:
        return list(items)
    return list(items)[zlib.crc32(key.encode()) % stride::stride]


class Shard:
    """CRASH_SHARD=i/n: this process does every n-th iteration, from i."""

    def __init__(self):
        i, _, n = os.environ.get("CRASH_SHARD", "0/1").partition("/")
        self.i, self.n, self.k = int(i), int(n), -1

    def mine(self):
        self.k += 1
        return self.k % self.n == self.i


def campaign(w, rows, shard):
    for path, engine, scen in selected_combos():
        c = Combo(w, path, engine, scen)
        t0 = time.monotonic()
        s, outcome, detail = count(c)
        total = s["total"]
        ks, rs, js = plan_for(c.name, total)
        T.check("%s: the counting run succeeds (%d system calls)" % (c.name, total),
                outcome == "ok", detail)
        conts = os.environ.get("CRASH_CONTINUATIONS", "restart,reboot").split(",")
        except_stride = int(os.environ.get("CRASH_REBOOT_EXCEPT", "0"))
        for cont, stride in (("restart", ks), ("reboot", rs)):
            if stride == 0 or cont not in conts:
                continue
            tally = Tally("%s kill+%s" % (c.name, cont))
            points = strided(range(1, total + 1), stride, c.name + cont)
            if os.environ.get("CRASH_POINTS"):  # e.g. "180-186": re-run a few
                lo, _, hi = os.environ["CRASH_POINTS"].partition("-")
                points = [n for n in points if int(lo) <= n <= int(hi or lo)]
            if cont == "reboot" and except_stride > 1:
                # the complement of an earlier pass at that stride
                done = set(strided(range(1, total + 1), except_stride, c.name + cont))
                points = [n for n in points if n not in done]
            for n in points:
                if not shard.mine():
                    continue
                try:
                    o, d, at = kill_run(c, n, cont)
                except Exception as e:  # the environment, not the launcher
                    o, d, at = "violation", "%s: %s" % (type(e).__name__, e), "?"
                tally.add(o, d, "N=%d (%s)" % (n, at))
                if VERBOSE and o != "ok":
                    print("---- %s N=%d at %s: %s %s" % (tally.name, n, at, o, d), flush=True)
            finish(tally, total, stride, rows, t0)
        if js:
            tally = Tally("%s inject" % c.name)
            calls = os.environ.get("CRASH_INJECT_CALLS", "").split(",")
            items = [(name, err, occ) for name, errs in sorted(INJECT.items())
                     if calls == [""] or name in calls
                     for err in errs for occ in range(1, s["count"].get(name, 0) + 1)]
            for name, err, occ in strided(items, js, c.name):
                if not shard.mine():
                    continue
                try:
                    o, d, hit, again = inject_run(c, name, err, occ)
                except Exception as e:
                    o, d, again = "violation", "%s: %s" % (type(e).__name__, e), False
                tally.add(o, d, "%s:%s:%d" % (name, err, occ))
                tally.reruns += again
                if VERBOSE and o != "ok":
                    print("---- %s %s:%s:%d: %s %s" % (tally.name, name, err, occ, o, d),
                          flush=True)
            finish(tally, len(items), js, rows, t0)


def finish(tally, total, stride, rows, t0):
    reruns = " (%d followed by a recovery run)" % tally.reruns if tally.reruns else ""
    T.check("%s: %d points (of %d calls, stride %d): %d ok, %d refused%s, %d violations"
            % (tally.name, tally.points, total, stride, tally.ok, tally.refused, reruns,
               tally.violations), tally.violations == 0, "; ".join(tally.details[:5]))
    for r, k in sorted(tally.reasons.items(), key=lambda x: -x[1]):
        print("     refused %dx: %s" % (k, r), flush=True)
    rows.append((tally.name, total, stride, tally.points, tally.ok, tally.refused,
                 tally.violations, time.monotonic() - t0))


def build_crashpoint():
    if os.path.exists(CRASHPOINT) and os.path.getmtime(CRASHPOINT) >= os.path.getmtime(CRASHPOINT_SRC):
        return
    # campaign jobs start together: each compiles to its own name, and the
    # rename publishes only a finished executable
    tmp = "%s.tmp.%d" % (CRASHPOINT, os.getpid())
    subprocess.run(["cc", "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-o",
                    tmp, CRASHPOINT_SRC], check=True)
    os.replace(tmp, CRASHPOINT)


def main():
    if os.environ.get("CRASH_MODE") == "full" and not os.environ.get("CRASH_JOB"):
        # make crash-check: the whole campaign, as parallel per-series jobs
        # (campaign.py runs this file once per job, with CRASH_JOB set)
        campaign_py = os.path.join(HERE, "campaign.py")
        os.execv(sys.executable, [sys.executable, campaign_py])
    testenv.install_signal_handlers()
    t_start = time.monotonic()
    build_crashpoint()
    rows = []
    with testenv.TempDir(prefix="tl-crash-") as d:
        pki = testenv.Pki.create(os.path.join(d.path, "pki"))
        with testenv.Registry(pki, auth=True) as reg, testenv.Dockerd(pki) as dk:
            user, pw = reg.push_credentials()
            client = registry_push.Client(reg.host, pki.ca_cert, user, pw)
            images = registry_push.push_standard(client)
            w = World(d.path, pki, reg, dk, images)
            try:
                references(w)
                print("setup %.1f s" % (time.monotonic() - t_start), flush=True)
                shard = Shard()
                if os.environ.get("CRASH_CASES", "1") == "1" and shard.i == 0:
                    regression_cases(w)
                campaign(w, rows, shard)
            finally:
                w.stop()
                ids = dk.docker("ps", "-aq", check=False).stdout.split()
                if ids:
                    dk.docker("rm", "-f", *ids, check=False)
    report = ["| path/engine/scenario + continuation | calls | stride | points | "
              "success | refused | violations | seconds |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        report.append("| %s | %d | %d | %d | %d | %d | %d | %.0f |" % r)
    text = "\n".join(report)
    print(text)
    if os.environ.get("CRASH_REPORT"):
        with open(os.environ["CRASH_REPORT"], "w") as f:
            f.write("%s, mode %s, %.0f s\n\n%s\n" % (time.strftime("%Y-%m-%d %H:%M UTC",
                                                                  time.gmtime()), MODE,
                                                    time.monotonic() - t_start, text))
    print("timing crash campaign %.1f s" % (time.monotonic() - t_start))
    return 0 if T.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
