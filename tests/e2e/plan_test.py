#!/usr/bin/env python3
"""`tee-launcher plan` (check stage 12): with the environment and files of a
TEE run, it prints what a launch would do and why, and contacts, measures
and writes nothing.

Every run is traced with `strace -f` (file, network and process calls): no
socket is made or connected, no file is opened for writing, created,
removed or renamed, nothing is executed and no process is forked.  The
engine and agent sockets are real listening AF_UNIX sockets, so "connected
nowhere" is also checked from the other side (they never accept).  A
`docker` and a `docker-compose` on PATH record any call.  No root needed.
"""
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile

TOP = os.environ["TOP"]
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from checks import Checks  # noqa: E402

LAUNCHER = os.environ.get("LAUNCHER", os.path.join(TOP, "build", "tee-launcher"))
STRACE = shutil.which("strace")
T = Checks()
D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64
DEFAULT = "sha256:" + "d" * 64
SECRET = "plan-must-never-print-this-0f1e2d"
# A write-capable open, or a call that changes the file system or the
# process tree, or any network call.
WRITE_OPEN = re.compile(r"\b(open|openat|openat2|creat)\(.*(O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND)")
FORBIDDEN = re.compile(r"^\d+\s+(socket|connect|bind|sendto|sendmsg|mkdir|mkdirat|unlink|unlinkat|"
                       r"rename|renameat2?|link|linkat|symlink|symlinkat|chmod|fchmodat|truncate|"
                       r"fork|vfork|clone3?|execve|execveat)\(")


class Box:
    """A TEE machine's files in a temp dir: user config, shared volume,
    agent socket, RTMR3 file, dstack's event log dir, engine socket."""

    def __init__(self, d):
        self.d = d
        self.shared = os.path.join(d, "shared")
        self.logdir = os.path.join(d, "run-log-dstack")
        self.bin = os.path.join(d, "bin")
        for x in (self.shared, self.logdir, self.bin):
            os.makedirs(x)
        self.user_config = os.path.join(d, "user_config")
        self.approved = os.path.join(self.shared, "image-digest.bin")
        self.node_config = os.path.join(self.shared, "mpc-config.toml")
        self.rtmr3 = os.path.join(d, "rtmr3")
        self.agent_path = os.path.join(d, "dstack.sock")
        self.engine_path = os.path.join(d, "docker.sock")
        self.calls = os.path.join(d, "calls")
        self.agent = self.listen(self.agent_path)
        self.engine = self.listen(self.engine_path)
        for tool in ("docker", "docker-compose"):
            p = os.path.join(self.bin, tool)
            with open(p, "w") as f:
                f.write("#!/bin/sh\necho \"$0 $*\" >> %s\nexit 0\n" % self.calls)
            os.chmod(p, 0o755)
        with open(self.rtmr3, "w"):
            pass

    @staticmethod
    def listen(path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(4)
        s.setblocking(False)
        return s

    def config(self, override=None):
        with open(self.user_config, "w") as f:
            f.write("\n".join([
                "[launcher_config]",
                'image_tags = ["v1", "latest"]',
                'image_name = "nearone/mpc-node"',
                'registry = "registry.example.org"',
                "rpc_request_timeout_secs = 10",
                "rpc_request_interval_secs = 1",
                "rpc_max_attempts = 3",
                "port_mappings = [{ host = 8080, container = 8080 }]",
            ] + (['mpc_hash_override = "%s"' % override] if override else []) + [
                "",
                "[mpc_node_config]",
                'home_dir = "/data"',
                "[mpc_node_config.secrets]",
                'secret_store_key_hex = "%s"' % SECRET,
                "",
            ]))

    def config_current(self, reference):
        """near/mpc's current schema (#2785): image_reference, no tags."""
        with open(self.user_config, "w") as f:
            f.write("\n".join([
                "[launcher_config]",
                'image_reference = "%s"' % reference,
                "port_mappings = [{ host = 8080, container = 8080 }]",
                "",
                "[mpc_node_config]",
                "[mpc_node_config.secrets]",
                'secret_store_key_hex = "%s"' % SECRET,
                "",
            ]))

    def env(self, **extra):
        e = {
            "PATH": self.bin, "HOME": self.d, "PLATFORM": "TEE", "DOCKER_CONTENT_TRUST": "1",
            "DEFAULT_IMAGE_DIGEST": DEFAULT, "DOCKER_HOST": "unix://" + self.engine_path,
            "TEE_LAUNCHER_USER_CONFIG": self.user_config,
            "TEE_LAUNCHER_APPROVED_HASHES_FILE": self.approved,
            "TEE_LAUNCHER_NODE_CONFIG": self.node_config,
            "TEE_LAUNCHER_COMPOSE_FILE": os.path.join(self.shared, "mpc-node.compose.yaml"),
            "TEE_LAUNCHER_DSTACK_SOCKET": self.agent_path,
            "TEE_LAUNCHER_RTMR3_FILE": self.rtmr3,
            "TEE_LAUNCHER_EVENT_LOG_DIR": self.logdir,
        }
        e.update(extra)
        return {k: v for k, v in e.items() if v is not None}

    def accepted(self):
        r, _, _ = select.select([self.agent, self.engine], [], [], 0)
        return len(r)

    def listing(self):
        out = []
        for root, dirs, files in os.walk(self.d):
            out += [os.path.join(root, x) for x in sorted(dirs + files)]
        return sorted(out)


def plan(box, name, env, args=("plan",)):
    """Runs the launcher under strace; checks it touched nothing; returns
    (exit status, stdout, stderr)."""
    before = box.listing()
    with tempfile.NamedTemporaryFile(prefix="tl-plan-strace-") as tr:
        p = subprocess.run([STRACE, "-f", "-qq", "-o", tr.name, "-e",
                            "trace=%file,%network,%process", LAUNCHER] + list(args),
                           env=env, capture_output=True, text=True, timeout=60)
        with open(tr.name, errors="replace") as f:
            lines = [x for x in f.read().splitlines() if x.strip()]
    # strace's own execve of the launcher is the first line
    calls = lines[1:] if lines and "execve(" in lines[0] else lines
    bad = [x for x in calls if FORBIDDEN.search(x) or WRITE_OPEN.search(x)]
    T.check("%s: no socket, connect, write-open, file change, fork or exec" % name,
            not bad and len(lines) > 1, bad[:5] or lines[:3])
    T.check("%s: the engine and agent sockets were never connected to" % name,
            box.accepted() == 0)
    T.check("%s: no file appeared, vanished or was run" % name,
            box.listing() == before and not os.path.exists(box.calls),
            sorted(set(box.listing()) ^ set(before)))
    T.check("%s: never prints a value of [mpc_node_config]" % name,
            SECRET not in p.stdout + p.stderr)
    return p


def lines_of(out):
    return dict(x.split(": ", 1) for x in out.splitlines() if ": " in x and
                not x.startswith("tag to search"))


def case_native_override_api(box):
    box.config(override=D2)
    with open(box.approved, "w") as f:
        json.dump({"approved_hashes": [D1, D2]}, f)
    with open(os.path.join(box.logdir, "runtime_event_version"), "w") as f:
        f.write("2\n")
    p = plan(box, "native+override+api", box.env())
    got = lines_of(p.stdout)
    T.check("native+override+api: exit 0", p.returncode == 0, p.stderr[-600:])
    T.check("native+override+api: the override is selected and its source named",
            got.get("selected digest") == "%s (source: override)" % D2, got)
    T.check("native+override+api: the approved-hashes file and its size",
            got.get("approved hashes file") == "%s (2 digests)" % box.approved, got)
    T.check("native+override+api: auto picks native, with the evidence",
            got.get("rtmr3 method") ==
            "native (auto; version file present, rtmr3 file writable)", got)
    T.check("native+override+api: the engine is api because its socket is there",
            got.get("engine") == "api (socket present)" and
            got.get("engine socket") == box.engine_path, got)
    T.check("native+override+api: the reference to pull and the tags to search",
            got.get("pull", "").startswith("registry.example.org/nearone/mpc-node@") and
            "tag to search: v1\ntag to search: latest\n" in p.stdout, p.stdout)
    want = {
        "user config": box.user_config, "agent socket": box.agent_path + " (a socket)",
        "rtmr3 file": box.rtmr3,
        "version file": os.path.join(box.logdir, "runtime_event_version"),
        "event log": os.path.join(box.logdir, "runtime_events.log"),
        "lock file": os.path.join(box.shared, ".tee-launcher.lock"),
        "extra CA file": "(none)",
    }
    T.check("native+override+api: every path", all(got.get(k) == v for k, v in want.items()),
            {k: got.get(k) for k in want})
    T.check("native+override+api: the node config path and its rendered size, not its text",
            re.fullmatch(re.escape(box.node_config) + r" \(\d+ bytes rendered\)",
                         got.get("node config", "")) is not None, got.get("node config"))
    os.unlink(os.path.join(box.logdir, "runtime_event_version"))
    os.unlink(box.approved)


def case_current_schema(box):
    box.config_current("registry.example.org/nearone/mpc-node:v2")
    p = plan(box, "current schema", box.env())
    got = lines_of(p.stdout)
    T.check("current schema: exit 0", p.returncode == 0, p.stderr[-600:])
    T.check("current schema: the approved digest is looked up first, then the tag",
            got.get("looked up first") ==
            "%s (image_reference: the approved digest itself)" % DEFAULT and
            p.stdout.count("tag to search: ") == 1 and "tag to search: v2\n" in p.stdout,
            p.stdout)
    T.check("current schema: registry and repository from image_reference",
            got.get("registry") == "registry.example.org" and
            got.get("pull", "").startswith("registry.example.org/nearone/mpc-node@"), got)


def case_agent_default_cli(box):
    box.config()
    p = plan(box, "agent+default+cli", box.env(TEE_LAUNCHER_ENGINE="cli"))
    got = lines_of(p.stdout)
    T.check("agent+default+cli: exit 0", p.returncode == 0, p.stderr[-600:])
    T.check("agent+default+cli: no approved file: DEFAULT_IMAGE_DIGEST",
            got.get("selected digest") == "%s (source: default)" % DEFAULT and
            got.get("approved hashes file") == "%s (absent)" % box.approved, got)
    T.check("agent+default+cli: without a version file auto picks the agent",
            got.get("rtmr3 method") ==
            "dstack-api (auto; version file absent, rtmr3 file writable)", got)
    T.check("agent+default+cli: the operator's backend, and the compose tool found "
            "without running anything",
            got.get("engine") == "cli (TEE_LAUNCHER_ENGINE)" and
            got.get("compose tool") == "docker-compose", got)
    # The default without an engine socket: cli, docker being on PATH.
    p = plan(box, "no engine socket", box.env(DOCKER_HOST="unix://" + box.d + "/none.sock"))
    T.check("no engine socket: the default is cli (docker on PATH)",
            p.returncode == 0 and lines_of(p.stdout).get("engine") ==
            "cli (no socket, docker on PATH)", p.stdout + p.stderr[-400:])


def case_failures(box):
    box.config()
    p = plan(box, "no agent socket", box.env(TEE_LAUNCHER_DSTACK_SOCKET=box.d + "/gone.sock"))
    err = [x for x in p.stderr.splitlines() if "level=error" in x]
    T.check("no agent socket: exit 1 with one error line, nothing on stdout",
            p.returncode == 1 and len(err) == 1 and "no dstack agent socket" in err[0] and
            p.stdout == "", p.stderr[-600:])
    with open(box.approved, "w") as f:
        f.write("{not json")
    p = plan(box, "bad approved file", box.env())
    T.check("bad approved file: exit 1 naming the step", p.returncode == 1 and
            'step="select image"' in p.stderr and p.stdout == "", p.stderr[-600:])
    os.unlink(box.approved)
    p = plan(box, "no PLATFORM", box.env(PLATFORM=None))
    T.check("no PLATFORM: a usage error, exit 2", p.returncode == 2 and
            "PLATFORM is required" in p.stderr, p.stderr)
    with open("/dev/full", "w") as full:
        p = subprocess.run([LAUNCHER, "plan"], env=box.env(), stdout=full,
                           stderr=subprocess.PIPE, text=True, timeout=60)
    T.check("stdout not writable: exit 1 with one error line",
            p.returncode == 1 and p.stderr.count("level=error") == 1 and
            "standard output: write failed" in p.stderr, p.stderr[-400:])
    p = subprocess.run([LAUNCHER, "--help"], capture_output=True, text=True)
    T.check("--help names plan", p.returncode == 0 and "\n  plan: " in p.stdout, p.stdout)


def main():
    if STRACE is None:
        T.check("strace is installed (.ci/run installs it)", False)
        return 1
    with tempfile.TemporaryDirectory(prefix="tl-plan-") as d:
        box = Box(d)
        for fn in (case_native_override_api, case_current_schema, case_agent_default_cli,
                   case_failures):
            T.run(fn.__name__, fn, box)
    return 0 if T.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
