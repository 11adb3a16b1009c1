#!/usr/bin/env python3
"""The fault matrix: the musl tee-launcher against faults in the registry,
the token server, TLS, the Docker engine, compose, the dstack agent and the
file system — each with its asserted outcome (retried then success, a
skipped reference, or a named error with its exit code), and after EVERY
fault the same invariants (check_run):

  * exit code as documented (0 / 1 runtime / 2 usage) and the named error;
  * RTMR3: extended exactly once with the selected digest if and only if
    the image was verified (native: the RTMR3 file and the runtime log;
    dstack API: the simulated agent's event log), else untouched;
  * no temp file (.tmp*) left next to the node config or the compose file;
  * the previous node config untouched (pre-seeded) unless the run got past
    writing it, in which case it is complete (parses, has [tee]) and 0600;
  * no issued token (every token the token server handed out through the
    proxy), no `Bearer `, `Authorization`, `eyJ` (JWT) and no node-config
    secret in stdout/stderr.

Cases run with the default backend (the Engine API: every case has the
engine's socket); those about the docker CLI and compose set
TEE_LAUNCHER_ENGINE=cli (use_cli), and the engine-down and busy-port cases
run both.

One real docker-registry (token auth), dockerd and set of pushed images are
shared by all cases; the launcher reaches them through tests/faults/
fault_proxy.py (registry = "localhost:<proxy port>").  Prints one ok/FAIL
line per assertion and "N passed, N failed" last.
"""
import base64
import hashlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.environ.get("TOP") or os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
sys.path.insert(0, os.path.join(TOP, "tests", "e2e"))
sys.path.insert(0, HERE)
import registry_push  # noqa: E402
import testenv  # noqa: E402
from checks import Checks  # noqa: E402
import rtmr_model  # noqa: E402
from fault_proxy import FaultProxy, Rule  # noqa: E402
from launch_test import FakeDstack  # noqa: E402

LAUNCHER = os.environ.get("LAUNCHER", os.path.join(TOP, "build", "tee-launcher"))
DRIVERS = os.environ.get("DRIVERS", os.path.join(TOP, "build", "drivers"))
SECRET = "f4u1t-node-secret-" + os.urandom(6).hex()
PREVIOUS = '# the previous node config: every failed run must leave it as it is\n' \
           'marker = "%s"\n' % os.urandom(8).hex()
LEAK_MARKERS = ("Bearer ", "Authorization", "eyJ", SECRET)
EVENT_TYPE = 0x08000001
AGENT_TIMEOUT = 30      # s, MEASURE_AGENT_TIMEOUT_MS
NOT_FOUND = "Image hash not found among tags"
T = Checks()


def v1_digest(payload):
    return rtmr_model.v1_digest("mpc-image-digest", payload)


def tail(p, n=700):
    return "exit %s: %s" % (p.returncode, (p.stderr or "")[-n:].replace("\n", " | "))


# ------------------------------------------------------------------ a case

class Expect:
    """What a run must end with.  measured: RTMR3 extended once (the image
    was verified); config: "old" (untouched) or "new" (written)."""

    def __init__(self, code=1, needles=(), measured=False, config="old", via=None):
        self.code = code
        self.via = via  # "native" or "agent"; None: as the case's method says
        self.needles = (needles,) if isinstance(needles, str) else tuple(needles)
        self.measured = measured
        self.config = config


def ok_run():
    return Expect(0, ("MPC node started",), measured=True, config="new")


class Case:
    """Scratch dirs standing in for /tapp, /mnt/shared, /run/log/dstack."""

    def __init__(self, ctx, name):
        self.ctx = ctx
        self.name = name
        slug = "".join(ch if ch.isalnum() else "-" for ch in name)[:60]
        self.dir = os.path.join(ctx["root"], "%03d-%s" % (len(os.listdir(ctx["root"])), slug))
        self.shared = os.path.join(self.dir, "shared")
        self.logdir = os.path.join(self.dir, "dstack-log")
        for d in (self.shared, self.logdir):
            os.makedirs(d)
        self.user_config = os.path.join(self.dir, "user_config")
        self.approved = os.path.join(self.shared, "image-digest.bin")
        self.node_config = os.path.join(self.shared, "mpc-config.toml")
        self.compose = os.path.join(self.shared, "mpc-node.compose.yaml")
        self.sock = os.path.join(self.dir, "dstack.sock")
        self.rtmr3 = os.path.join(self.dir, "rtmr3")
        self.runtime_log = os.path.join(self.logdir, "runtime_events.log")
        self.method = "native"
        self.env_extra = {}
        self.agent = None
        self.agent_socket = True  # False: no socket at all at self.sock
        self._placeholder = None
        with open(self.rtmr3, "wb"):
            pass
        # dstack >= 0.6 writes it at boot; native refuses without it
        self.write(os.path.join(self.logdir, "runtime_event_version"), "1\n")

    def placeholder_socket(self):
        """An agent socket nobody answers on: TEE needs one to exist (the node
        quotes through it); the native path never talks to it."""
        if self.agent is None and self.agent_socket and not os.path.exists(self.sock):
            self._placeholder = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._placeholder.bind(self.sock)

    def write(self, path, text):
        with open(path, "w") as f:
            f.write(text)

    def config(self, tags, registry=None, timeout=10, interval=0, attempts=0, ports=(),
               name="tl/mpc-node"):
        pm = ", ".join("{ host = %d, container = %d }" % p for p in ports)
        self.write(self.user_config, "\n".join([
            "[launcher_config]",
            "image_tags = [%s]" % ", ".join(json.dumps(t) for t in tags),
            "image_name = %s" % json.dumps(name),
            "registry = %s" % json.dumps(registry or self.ctx["px"].host),
            "rpc_request_timeout_secs = %d" % timeout,
            "rpc_request_interval_secs = %d" % interval,
            "rpc_max_attempts = %d" % attempts,
            "port_mappings = [%s]" % pm,
            "",
            "[mpc_node_config]",
            'home_dir = "/data"',
            "[mpc_node_config.secrets]",
            "secret_store_key_hex = %s" % json.dumps(SECRET),
        ]) + "\n")

    def env(self, digest):
        base = self.ctx["env"]
        e = {
            "PATH": base["PATH"], "HOME": base.get("HOME", "/root"),
            "DOCKER_HOST": base["DOCKER_HOST"],
            "PLATFORM": "TEE", "DOCKER_CONTENT_TRUST": "1",
            "DEFAULT_IMAGE_DIGEST": digest,
            "TEE_LAUNCHER_USER_CONFIG": self.user_config,
            "TEE_LAUNCHER_APPROVED_HASHES_FILE": self.approved,
            "TEE_LAUNCHER_NODE_CONFIG": self.node_config,
            "TEE_LAUNCHER_COMPOSE_FILE": self.compose,
            "TEE_LAUNCHER_DSTACK_SOCKET": self.sock,
            "TEE_LAUNCHER_RTMR3_FILE": self.rtmr3,
            "TEE_LAUNCHER_EVENT_LOG_DIR": self.logdir,
            "TEE_LAUNCHER_RTMR_METHOD": self.method,
            "TEE_LAUNCHER_EXTRA_CA_FILE": self.ctx["pki"].ca_cert,
        }
        e.update(self.env_extra)
        return e

    def run(self, digest, timeout=120):
        self.placeholder_socket()
        if os.path.isdir(os.path.dirname(self.node_config)) and \
                not os.path.exists(self.node_config):
            self.write(self.node_config, PREVIOUS)
        t0 = time.monotonic()
        try:
            p = subprocess.run([LAUNCHER], env=self.env(digest), capture_output=True,
                               text=True, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            p = subprocess.CompletedProcess([LAUNCHER], "hung", e.stdout or "",
                                            (e.stderr or b"").decode(errors="replace")
                                            if isinstance(e.stderr, bytes) else (e.stderr or ""))
            p.stderr += "\n(launcher killed after %d s)" % timeout
        p.seconds = time.monotonic() - t0
        return p


def temp_files(*dirs):
    found = []
    for d in dirs:
        try:
            found += [os.path.join(d, f) for f in os.listdir(d) if f.startswith(".tmp")]
        except OSError:
            pass
    return found


def rtmr_state(c):
    """(native events, agent events) as lists of payload bytes."""
    native = []
    if os.path.exists(c.runtime_log):
        with open(c.runtime_log) as f:
            native = [base64.b64decode(json.loads(x)["payload"]) for x in f if x.strip()]
    agent = [base64.b64decode(e["payload"]) for e in c.agent.events()] if c.agent else []
    return native, agent


def outcome(p):
    """The launcher's last error (or success) line, shortened, for the log."""
    for line in reversed(p.stderr.splitlines()):
        if "level=error" in line or "MPC node started" in line or "tee-launcher:" in line:
            return line[:300]
    return p.stderr.strip().splitlines()[-1][:300] if p.stderr.strip() else "(no output)"


def check_run(t, c, p, exp, digest):
    """The invariants, after every fault."""
    n = c.name
    print("---- %s: exit %s in %.1f s: %s" % (n, p.returncode, p.seconds, outcome(p)),
          flush=True)
    t.check("%s: exit %d" % (n, exp.code), p.returncode == exp.code, tail(p))
    for needle in exp.needles:
        t.check("%s: names %r" % (n, needle), needle in p.stderr, tail(p))
    payload = bytes.fromhex(digest[7:])
    native, agent = rtmr_state(c)
    with open(c.rtmr3, "rb") as f:
        mr = f.read()
    if not exp.measured:
        t.check("%s: no RTMR3 event (image not verified)" % n,
                native == [] and agent == [] and mr == b"" and
                not os.path.exists(c.runtime_log), (native, agent, mr.hex()))
    elif (exp.via or ("native" if c.method == "native" else "agent")) == "native":
        t.check("%s: RTMR3 extended once, with the verified digest" % n,
                native == [payload] and mr == v1_digest(payload), (native, mr.hex()))
    else:
        t.check("%s: RTMR3 extended once by the agent, with the verified digest" % n,
                agent == [payload] and native == [] and mr == b"", (agent, native))
    left = temp_files(os.path.dirname(c.node_config), os.path.dirname(c.compose))
    t.check("%s: no temp file left" % n, not left, left)
    try:
        with open(c.node_config, "rb") as f:
            now = f.read()
    except OSError as e:
        now = ("(unreadable: %s)" % e).encode()
    if exp.config == "old":
        t.check("%s: previous node config untouched" % n, now == PREVIOUS.encode(), now[:200])
    else:
        try:
            cfg = tomllib.loads(now.decode())
            good = (cfg["tee"]["image_hash"] == digest and
                    cfg["secrets"]["secret_store_key_hex"] == SECRET and
                    stat.S_IMODE(os.stat(c.node_config).st_mode) == 0o600)
        except (ValueError, KeyError, OSError) as e:
            good, now = False, str(e).encode()
        t.check("%s: node config complete, with [tee], mode 0600" % n, good, now[:200])
    text = p.stdout + p.stderr
    leaked = [m for m in LEAK_MARKERS if m in text]
    leaked += ["issued token #%d" % i for i, tok in enumerate(sorted(c.ctx["px"].tokens))
               if tok in text]
    t.check("%s: no token, Authorization or node secret in the output" % n, not leaked,
            leaked)


def forget_images(ctx, host):
    """Untags every reference of host/tl/mpc-node in the engine, so the run
    resolves through the registry (the warm path, issue 15 §3, would skip
    it): references only, so images other hosts' cases use stay."""
    ctx["dk"].docker("rm", "-f", "mpc-node", check=False)
    r = ctx["dk"].docker("images", "--digests", "--format",
                         "{{.Repository}} {{.Tag}} {{.Digest}}", host + "/tl/mpc-node",
                         check=False)
    refs = []
    for line in r.stdout.splitlines():
        repo, tag, digest = (line.split() + ["", "", ""])[:3]
        if tag not in ("", "<none>"):
            refs.append(repo + ":" + tag)
        if digest.startswith("sha256:"):
            refs.append(repo + "@" + digest)
    if refs:
        ctx["dk"].docker("rmi", "-f", *refs, check=False)


def launch(t, ctx, name, tags, exp, rules=(), img="docker-v2", prepare=None, warm=False,
           **conf):
    """One full launcher run against the proxy with rules; returns (case, proc).
    Unless warm, the image is first removed: the run resolves and pulls."""
    c = Case(ctx, name)
    c.config(tags, **conf)
    if not warm:
        forget_images(ctx, conf.get("registry") or ctx["px"].host)
    if prepare:
        prepare(c)
    ctx["px"].set_rules(*rules)
    digest = ctx["images"][img]["config_digest"]
    p = c.run(digest)
    check_run(t, c, p, exp, digest)
    return c, p


def retry_lines(p):
    return [x for x in p.stderr.splitlines() if "manifest request failed, retrying" in x]


def delays(p):
    out = []
    for x in retry_lines(p):
        for part in x.split():
            if part.startswith("delay_ms="):
                out.append(int(part.split("=", 1)[1].strip('"')))
    return out


MANIFEST = r"/v2/tl/mpc-node/manifests/"
# The launcher itself: the engine pulling for it sends UpstreamClient(tee-launcher).
LAUNCHER_UA = "tee-launcher&!UpstreamClient"


def tag_path(tag):
    return MANIFEST + tag + "$"


# ------------------------------------------------------------------ registry faults

def case_refused(t, ctx):
    port = testenv.free_port()  # nothing listens there
    c, p = launch(t, ctx, "connection refused", ["docker-v2"],
                  Expect(1, (NOT_FOUND, "connect")), registry="localhost:%d" % port,
                  attempts=2)
    t.check("connection refused: 3 attempts (2 retries), waits 0 ms",
            delays(p) == [0, 0] and "exceeded max RPC attempts" in p.stderr, delays(p))


def case_unresolvable(t, ctx):
    c, p = launch(t, ctx, "unresolvable host", ["docker-v2"],
                  Expect(1, (NOT_FOUND, "nonexistent.invalid")),
                  registry="nonexistent.invalid", attempts=1)
    t.check("unresolvable host: retried once (resolve failures are transient)",
            len(retry_lines(p)) == 1, tail(p))


def settle(cond, seconds=2.0):
    """Waits for a server thread to record what the finished launcher did."""
    deadline = time.monotonic() + seconds
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.02)
    return cond()


def tls_case(t, ctx, name, proxy, why):
    ctx["px_tls"] = proxy
    proxy.set_rules()
    c, p = launch(t, ctx, name, ["docker-v2"], Expect(1, (NOT_FOUND, "TLS handshake", why)),
                  registry=proxy.host, attempts=2)
    settle(lambda: proxy.tls_failures)
    t.check("%s: not retried, the handshake aborted, no request reached the proxy" % name,
            not retry_lines(p) and proxy.count() == 0 and len(proxy.tls_failures) == 1,
            (retry_lines(p), proxy.count(), proxy.tls_failures))


def case_tls_wrong_name(t, ctx):
    tls_case(t, ctx, "TLS certificate for another name", ctx["px_wrong"], "bad server name")


def case_tls_expired(t, ctx):
    tls_case(t, ctx, "TLS certificate expired", ctx["px_expired"], "expired")


def case_tls_untrusted(t, ctx):
    tls_case(t, ctx, "TLS certificate from an untrusted CA", ctx["px_untrusted"],
             "unknown CA")


def case_token_realm_untrusted(t, ctx):
    px, bad = ctx["px"], ctx["px_untrusted"]
    bad.set_rules()
    px.realm_base = bad.base
    try:
        c, p = launch(t, ctx, "token realm with an untrusted certificate", ["docker-v2"],
                      Expect(1, ("registry auth failed", "TLS handshake", "unknown CA")),
                      attempts=2)
    finally:
        px.realm_base = None
    t.check("token realm untrusted: fatal at once, no token request completed",
            bad.count() == 0 and not retry_lines(p), (bad.count(), retry_lines(p)))


def case_realm_http(t, ctx):
    px = ctx["px"]
    px.realm_base = ctx["plain"].base
    ctx["plain"].set_rules()
    try:
        c, p = launch(t, ctx, "token realm downgraded to http", ["docker-v2"],
                      Expect(1, ("registry auth failed", "https")), attempts=2)
    finally:
        px.realm_base = None
    t.check("token realm http: nothing sent in clear text", ctx["plain"].count(ua=None) == 0)


def transient(t, ctx, name, rule, detail, timeout=10):
    """A fault on the first authorised fetch of the tag: retried, then success."""
    c, p = launch(t, ctx, name, ["docker-v2"], ok_run(), rules=[rule], attempts=1,
                  timeout=timeout)
    t.check("%s: the fault fired once and was retried once (%s)" % (name, detail),
            rule.fired == 1 and len(retry_lines(p)) == 1 and detail in retry_lines(p)[0]
            if retry_lines(p) else False, (rule.fired, retry_lines(p)))
    return c, p


def case_stall_head(t, ctx):
    transient(t, ctx, "stall before the response head",
              Rule("stall_head", path=tag_path("docker-v2"), auth=True, seconds=4),
              "timeout", timeout=2)


def case_stall_body(t, ctx):
    transient(t, ctx, "stall in the middle of the body",
              Rule("stall_body", path=tag_path("docker-v2"), auth=True, seconds=4),
              "timeout", timeout=2)


def case_reset_body(t, ctx):
    transient(t, ctx, "connection reset in the middle of the body",
              Rule("reset_body", path=tag_path("docker-v2"), auth=True), "io")


def case_truncated_chunked(t, ctx):
    transient(t, ctx, "chunked body cut before its last chunk",
              Rule("truncated_chunked", path=tag_path("docker-v2"), auth=True), "io")


def case_cl_long(t, ctx):
    transient(t, ctx, "Content-Length larger than the body, then close",
              Rule("cl_long", path=tag_path("docker-v2"), auth=True), "io")


def skipped(t, ctx, name, rule, detail):
    """A permanent fault on the tag: the reference is skipped (not retried)
    and the next one, the same manifest by digest, is used."""
    img = ctx["images"]["docker-v2"]
    c, p = launch(t, ctx, name, ["docker-v2", img["digest"]], ok_run(), rules=[rule],
                  attempts=3)
    skip = [x for x in p.stderr.splitlines() if "skipping reference" in x]
    t.check("%s: not retried, the reference skipped (%s), the next one used" % (name, detail),
            rule.fired == 1 and not retry_lines(p) and len(skip) == 1 and detail in skip[0]
            and ("ref=%s" % img["digest"]) in p.stderr, (rule.fired, skip, retry_lines(p)))
    return c, p


def case_big_head(t, ctx):
    skipped(t, ctx, "response head over 64 KiB",
            Rule("big_head", path=tag_path("docker-v2"), auth=True, bytes=70000),
            "response head over 65536 bytes")


def case_many_headers(t, ctx):
    skipped(t, ctx, "1000 header fields",
            Rule("many_headers", path=tag_path("docker-v2"), auth=True, n=1000), "header")


def case_cl_te(t, ctx):
    skipped(t, ctx, "Content-Length and Transfer-Encoding together",
            Rule("cl_te", path=tag_path("docker-v2"), auth=True),
            "both Transfer-Encoding and Content-Length")


def case_huge_body(t, ctx, chunked):
    size = 64 << 20
    name = "manifest body over 4 MiB (%s)" % ("chunked" if chunked else "Content-Length")
    c, p = skipped(t, ctx, name,
                   Rule("huge_body", path=tag_path("docker-v2"), auth=True, size=size,
                        chunked=chunked),
                   "over the cap of 4194304 bytes" if not chunked else "4194304")
    sent = ctx["px"].huge_sent
    settle(lambda: sent)
    t.check("%s: refused before the whole body was read" % name,
            len(sent) == 1 and sent[0] < size, sent)


def case_redirect_loop(t, ctx):
    rule = Rule("redirect", path=tag_path("docker-v2"), auth=True, times=None)
    img = ctx["images"]["docker-v2"]
    c, p = launch(t, ctx, "redirect loop", ["docker-v2", img["digest"]], ok_run(),
                  rules=[rule], attempts=3)
    t.check("redirect loop: stopped after 5 redirects (6 requests), not retried, skipped",
            rule.fired == 6 and not retry_lines(p) and "redirect" in p.stderr,
            (rule.fired, retry_lines(p)))


def case_redirect_http(t, ctx):
    plain = ctx["plain"]
    plain.set_rules()
    rule = Rule("redirect", path=tag_path("docker-v2"), auth=True,
                location=plain.base + "/v2/tl/mpc-node/manifests/docker-v2")
    c, p = launch(t, ctx, "redirect from https to http", ["docker-v2"],
                  Expect(1, (NOT_FOUND, "https to http")), rules=[rule], attempts=2)
    t.check("redirect https->http: refused, nothing reached the http listener, not retried",
            plain.count(ua=None) == 0 and not retry_lines(p) and rule.fired == 1,
            (plain.count(ua=None), rule.fired))


def case_cl_short(t, ctx):
    rule = Rule("cl_short", path=tag_path("docker-v2"), auth=True, cut=10)
    launch(t, ctx, "Content-Length smaller than the body", ["docker-v2"],
           Expect(1, ("disagrees with the body's sha256",)), rules=[rule], attempts=2)


def case_lying_digest(t, ctx):
    other = ctx["images"]["other"]["digest"]
    rule = Rule("lie_digest", path=tag_path("docker-v2"), auth=True, digest=other)
    c, p = launch(t, ctx, "lying Docker-Content-Digest", ["docker-v2"],
                  Expect(1, ("Docker-Content-Digest header", "disagrees")),
                  rules=[rule], attempts=2)
    t.check("lying Docker-Content-Digest: fatal at once (not retried, no other reference)",
            not retry_lines(p) and rule.fired == 1)


def case_bad_digest_header(t, ctx):
    rule = Rule("lie_digest", path=tag_path("docker-v2"), auth=True, digest="sha256:zz")
    launch(t, ctx, "malformed Docker-Content-Digest", ["docker-v2"],
           Expect(1, ("Docker-Content-Digest header",)), rules=[rule], attempts=2)


def case_keepalive_closed(t, ctx):
    rule = Rule("close_after", path=tag_path("oci-index"), auth=True)
    c, p = launch(t, ctx, "server closes the kept-alive connection after a response",
                  ["oci-index"], ok_run(), rules=[rule], img="oci-index", attempts=0)
    t.check("kept-alive connection closed: reconnected without using a retry",
            rule.fired == 1 and not retry_lines(p), retry_lines(p))


def case_wrong_body(t, ctx):
    idx, other = ctx["images"]["oci-index"], ctx["images"]["other"]
    rule = Rule("serve", path=MANIFEST + idx["platform_digest"] + "$", auth=True,
                body=other["body"], content_type=registry_push.DOCKER_V2)
    launch(t, ctx, "body does not hash to the digest it was fetched by", ["oci-index"],
           Expect(1, ("manifest fetched by %s hashes to %s" %
                      (idx["platform_digest"], other["digest"]),)),
           rules=[rule], img="oci-index", attempts=2)


def case_index_self(t, ctx):
    idx = ctx["images"]["oci-index"]
    rule = Rule("serve", path=MANIFEST + idx["platform_digest"] + "$", auth=True,
                body=idx["body"], content_type=registry_push.OCI_INDEX, times=None)
    c, p = launch(t, ctx, "index whose amd64 entry serves the index again", ["oci-index"],
                  Expect(1, ("hashes to %s" % idx["digest"],)), rules=[rule],
                  img="oci-index", attempts=2)
    t.check("index pointing to itself: no loop (the entry fetched once)", rule.fired == 1,
            rule.fired)


def case_index_duplicate_entry(t, ctx):
    idx = ctx["images"]["oci-index"]
    entry = {"mediaType": registry_push.OCI_MANIFEST, "digest": idx["platform_digest"],
             "size": 1, "platform": {"architecture": "amd64", "os": "linux"}}
    body = registry_push.canonical({"schemaVersion": 2, "mediaType": registry_push.OCI_INDEX,
                                    "manifests": [entry, entry, entry]})
    rule = Rule("serve", path=tag_path("oci-index"), auth=True, body=body,
                content_type=registry_push.OCI_INDEX)
    # The launcher's own requests: the engine's pull, which asks the
    # registry for the manifest again, carries UpstreamClient(tee-launcher).
    c, p = launch(t, ctx, "index listing the same manifest three times", ["oci-index"],
                  ok_run(), rules=[rule], img="oci-index")
    n = ctx["px"].count(MANIFEST + idx["platform_digest"] + "$", auth=True, ua=LAUNCHER_UA)
    t.check("index with a repeated entry: the manifest fetched once",
            rule.fired == 1 and n == 1, n)


def case_401_without_challenge(t, ctx):
    rule = Rule("status", path=tag_path("docker-v2"), auth=False, code=401)
    launch(t, ctx, "401 without a WWW-Authenticate challenge", ["docker-v2"],
           Expect(1, ("registry auth failed",)), rules=[rule], attempts=2)


def case_redirect_other_origin(t, ctx):
    other = ctx["px2"]
    other.set_rules()
    rule = Rule("redirect", path=tag_path("docker-v2"), auth=True,
                location=other.base + "/v2/tl/mpc-node/manifests/docker-v2")
    c, p = launch(t, ctx, "redirect to another origin", ["docker-v2"], ok_run(),
                  rules=[rule])
    t.check("redirect to another origin: followed without the token",
            rule.fired == 1 and other.count(MANIFEST) == 1 and other.count(auth=True) == 0,
            (other.count(MANIFEST), other.count(auth=True)))


def case_unknown_media_type(t, ctx):
    body = json.dumps({"schemaVersion": 2, "mediaType": "application/x-fault+json"}).encode()
    rule = Rule("serve", path=tag_path("docker-v2"), auth=True, body=body,
                content_type="application/x-fault+json")
    launch(t, ctx, "unknown manifest media type", ["docker-v2"],
           Expect(1, ("unsupported manifest media type",)), rules=[rule])


def case_5xx_then_ok(t, ctx, interval):
    rule = Rule("status", path=tag_path("docker-v2"), auth=True, times=2, code=503)
    name = "5xx twice then OK (interval %d)" % interval
    c, p = launch(t, ctx, name, ["docker-v2"], ok_run(), rules=[rule], attempts=2,
                  interval=interval)
    want = [0, 0] if interval == 0 else [1000, 1500]
    t.check("%s: 3 attempts, waits %s ms" % (name, want),
            rule.fired == 2 and delays(p) == want and
            ctx["px"].count(tag_path("docker-v2"), auth=True) == 3,
            (rule.fired, delays(p)))
    if interval:
        t.check("%s: really waited (>= 2.5 s)" % name, p.seconds >= 2.5, p.seconds)


def case_5xx_exhausted(t, ctx):
    rule = Rule("status", path=tag_path("docker-v2"), auth=True, times=None, code=500)
    c, p = launch(t, ctx, "5xx on every attempt", ["docker-v2"],
                  Expect(1, (NOT_FOUND, "exceeded max RPC attempts")), rules=[rule],
                  attempts=2)
    t.check("5xx on every attempt: exactly attempts+1 = 3 requests",
            rule.fired == 3 and delays(p) == [0, 0], (rule.fired, delays(p)))


def case_429(t, ctx):
    rule = Rule("status", path=tag_path("docker-v2"), auth=True, code=429,
                headers=[("Retry-After", "1")])
    c, p = launch(t, ctx, "429 with Retry-After 1", ["docker-v2"], ok_run(), rules=[rule],
                  attempts=1)
    t.check("429 with Retry-After 1: waited the server's 1000 ms (interval is 0)",
            delays(p) == [1000] and p.seconds >= 1.0, (delays(p), p.seconds))


def case_404(t, ctx):
    rule = Rule("status", path=tag_path("docker-v2"), auth=True, code=404)
    c, p = launch(t, ctx, "404 on the tag", ["docker-v2"], Expect(1, (NOT_FOUND,)),
                  rules=[rule], attempts=3)
    t.check("404 on the tag: 4xx is not retried", not retry_lines(p) and rule.fired == 1)


def case_token_expiry(t, ctx):
    """The first token expires 2 s after issue and the platform manifest is
    held back 3 s, so the registry itself refuses it; the re-authentication
    (the second token request) restores normal lifetimes before it is
    answered, so the second token and dockerd's are good."""
    idx = ctx["images"]["oci-index"]
    tok = ctx["reg"].token
    tok.expire_after(2)
    rules = [Rule("delay", path=MANIFEST + idx["platform_digest"] + "$", auth=True,
                  seconds=3, ua=LAUNCHER_UA),
             Rule("forward", path=r"^/token", skip=1, ua=LAUNCHER_UA,
                  hook=lambda req: tok.control(lifetime=300, exp_offset=0))]
    try:
        c, p = launch(t, ctx, "token expires in the middle of the run", ["oci-index"],
                      ok_run(), rules=rules, img="oci-index", attempts=0, timeout=6)
    finally:
        tok.control(lifetime=300, exp_offset=0)
    px = ctx["px"]
    toks = px.count(r"^/token", ua=LAUNCHER_UA)
    st = px.statuses(MANIFEST + idx["platform_digest"] + "$", ua=LAUNCHER_UA)
    t.check("token expiry: refused by the registry, re-authenticated once, no retry wait",
            toks == 2 and not retry_lines(p) and rules[1].fired == 1 and st == [401, 200],
            (toks, retry_lines(p), st))


def case_token_rejected(t, ctx):
    rule = Rule("strip_auth", path=tag_path("docker-v2"), auth=True, times=None)
    c, p = launch(t, ctx, "registry rejects every token", ["docker-v2"],
                  Expect(1, (NOT_FOUND,)), rules=[rule], attempts=2)
    t.check("every token rejected: re-authenticates once only (2 token requests)",
            ctx["px"].count(r"^/token") == 2 and rule.fired == 2,
            (ctx["px"].count(r"^/token"), rule.fired))


def case_token_slow(t, ctx):
    rule = Rule("delay", path=r"^/token", seconds=3)
    c, p = launch(t, ctx, "slow token endpoint", ["docker-v2"], ok_run(), rules=[rule],
                  attempts=1, timeout=2)
    t.check("slow token endpoint: timed out (2 s), retried, second token used",
            rule.fired == 1 and ctx["px"].count(r"^/token") == 2 and
            len(retry_lines(p)) == 1 and "timeout" in retry_lines(p)[0],
            (rule.fired, retry_lines(p)))


def case_token_500(t, ctx):
    rule = Rule("status", path=r"^/token", code=500)
    c, p = launch(t, ctx, "token server answers 500 once", ["docker-v2"], ok_run(),
                  rules=[rule], attempts=1)
    t.check("token 500: retried once", len(retry_lines(p)) == 1 and rule.fired == 1)


def case_token_403(t, ctx):
    rule = Rule("status", path=r"^/token", code=403)
    c, p = launch(t, ctx, "token server answers 403", ["docker-v2"],
                  Expect(1, ("registry auth failed", "403")), rules=[rule], attempts=2)
    t.check("token 403: fatal, not retried", not retry_lines(p) and rule.fired == 1)


def case_token_header_injection(t, ctx):
    body = json.dumps({"token": "abc\r\nX-Injected: 1"}).encode()
    rule = Rule("serve", path=r"^/token", body=body, content_type="application/json",
                digest=None)
    launch(t, ctx, "token with CR LF (header injection)", ["docker-v2"],
           Expect(1, ("registry auth failed", "no usable")), rules=[rule])


def case_token_missing(t, ctx):
    body = json.dumps({"expires_in": 300}).encode()
    rule = Rule("serve", path=r"^/token", body=body, content_type="application/json",
                digest=None)
    launch(t, ctx, "token response without a token", ["docker-v2"],
           Expect(1, ("registry auth failed", "no usable")), rules=[rule])


# ------------------------------------------------------------------ registry-resolve driver

def driver(ctx, rules, *args):
    ctx["px"].set_rules(*rules)
    env = {"PATH": os.environ["PATH"],
           "TEE_LAUNCHER_EXTRA_CA_FILE": ctx["pki"].ca_cert,
           "ASAN_OPTIONS": "detect_leaks=1"}
    img = ctx["images"]["docker-v2"]
    argv = [os.path.join(DRIVERS, "registry-resolve"), "--no-sleep", "--timeout", "5"] + \
        list(args) + [ctx["px"].host, "tl/mpc-node", img["config_digest"], "docker-v2"]
    p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    leaked = [m for m in LEAK_MARKERS if m in p.stdout + p.stderr]
    leaked += ["issued token" for tok in ctx["px"].tokens if tok in p.stdout + p.stderr]
    ctx["driver_leaks"] = leaked
    waits = [int(x.split()[1]) for x in p.stdout.splitlines() if x.startswith("wait ")]
    counters = dict(x.split(" ", 1) for x in p.stdout.splitlines() if " " in x)
    return p, waits, counters


def case_driver_backoff(t, ctx):
    rule = Rule("status", path=tag_path("docker-v2"), auth=True, times=6, code=502)
    p, waits, cnt = driver(ctx, [rule], "--interval", "1", "--attempts", "6")
    want = [1000, 1500, 2250, 3375, 5062, 7593]
    t.check("resolver: 502 x6 then OK: waits x1.5 from 1 s %s" % want,
            p.returncode == 0 and waits == want and rule.fired == 6, (waits, p.stdout[-300:]))
    rule = Rule("status", path=tag_path("docker-v2"), auth=True, times=3, code=500)
    p, waits, cnt = driver(ctx, [rule], "--interval", "50", "--attempts", "3")
    t.check("resolver: backoff capped at 60 s (interval 50: 50000, 60000, 60000)",
            p.returncode == 0 and waits == [50000, 60000, 60000], waits)
    t.check("resolver: no token or Authorization in its output", not ctx["driver_leaks"],
            ctx["driver_leaks"])


def case_driver_retry_after(t, ctx):
    rule = Rule("status", path=tag_path("docker-v2"), auth=True, code=429,
                headers=[("Retry-After", "3600")])
    p, waits, cnt = driver(ctx, [rule], "--interval", "2", "--attempts", "1")
    t.check("resolver: 429 Retry-After 3600 is capped at 60000 ms",
            p.returncode == 0 and waits == [60000], waits)
    rule = Rule("status", path=tag_path("docker-v2"), auth=True, code=429,
                headers=[("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")])
    p, waits, cnt = driver(ctx, [rule], "--interval", "2", "--attempts", "1")
    t.check("resolver: 429 with an HTTP-date Retry-After falls back to the interval",
            p.returncode == 0 and waits == [2000], waits)


def case_driver_request_bound(t, ctx):
    rule = Rule("status", path=tag_path("docker-v2"), auth=True, code=503, times=None)
    p, waits, cnt = driver(ctx, [rule], "--interval", "0", "--attempts", "100000")
    t.check("resolver: a registry failing forever is cut at 256 manifest requests",
            p.returncode == 1 and "more than 256 manifest requests" in p.stdout and
            cnt.get("manifest_requests") == "256", p.stdout[-300:])
    t.check("resolver, request bound: no token or Authorization in its output",
            not ctx["driver_leaks"], ctx["driver_leaks"])


# ------------------------------------------------------------------ engine and compose

def docker_wrapper(ctx, name, output_cmd):
    """A `docker` that forwards to the real CLI except `docker pull` and
    `docker image inspect`: it notes those in <dir>/asked and answers with
    output_cmd (a lying CLI).  Returns (dir, the note's path)."""
    d = os.path.join(ctx["root"], "bin-" + name)
    os.makedirs(d)
    path, asked = os.path.join(d, "docker"), os.path.join(d, "asked")
    with open(path, "w") as f:
        f.write("#!/bin/sh\n"
                "if [ \"$1\" = pull ] || { [ \"$1\" = image ] && [ \"$2\" = inspect ]; }; then\n"
                "  echo \"$*\" >> %s\n  %s\n  exit 0\nfi\n"
                "exec %s \"$@\"\n" % (asked, output_cmd, ctx["real_docker"]))
    os.chmod(path, 0o755)
    return d, asked


def use_cli(c):
    """The compose backend, for the cases about the docker CLI and compose
    (the default is the Engine API, whose socket every case has)."""
    c.env_extra["TEE_LAUNCHER_ENGINE"] = "cli"


def engine_case(t, ctx, name, output_cmd):
    """The compose backend pulls and reads the image ID through the Engine
    API, not the docker CLI: a CLI that lies about both is never asked, and
    the run starts the image the engine holds (exit 0, measured once)."""
    d, asked = docker_wrapper(ctx, name.split()[-1], output_cmd)

    def prepare(c):
        use_cli(c)
        c.env_extra["PATH"] = d + ":" + ctx["env"]["PATH"]
    c, p = launch(t, ctx, name, ["docker-v2"], ok_run(), prepare=prepare)
    t.check("%s: the docker CLI was not asked to pull or inspect" % name,
            not os.path.exists(asked) and "pulled image verified" in p.stderr,
            open(asked).read()[-300:] if os.path.exists(asked) else tail(p))


def case_inspect_other(t, ctx):
    other = ctx["images"]["other"]["config_digest"]
    engine_case(t, ctx, "cli backend, docker CLI prints another image's ID",
                "printf '%s\\n'" % other)


def case_pull_unknown_digest(t, ctx):
    img = ctx["images"]["oci"]
    rule = Rule("status", path=MANIFEST + "sha256:", ua="UpstreamClient", times=None,
                code=404, body=b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
    ctx["dk"].docker("image", "rm", "-f", img["ref"].replace(ctx["reg"].host, ctx["px"].host),
                     check=False)
    c, p = launch(t, ctx, "cli backend pull: digest not in the registry", ["oci"],
                  Expect(1, ("step=pull", "engine API POST /images/create")), rules=[rule],
                  img="oci", prepare=use_cli)
    t.check("pull, digest unknown: the engine asked the registry", rule.fired >= 1,
            rule.fired)


def case_warm_registry_down(t, ctx):
    """Issue 15 §3: the approved image is in the engine (a first, cold run
    pulled it); with every registry request failing, the next boot starts
    it without asking the registry, measured once like any run."""
    launch(t, ctx, "cold run before a registry outage", ["docker-v2"], ok_run())
    rule = Rule("status", path=r"^/", ua=None, times=None, code=503)
    c, p = launch(t, ctx, "registry down, image present: warm boot", ["docker-v2"],
                  ok_run(), rules=[rule], warm=True, attempts=3, interval=1)
    t.check("registry down, image present: registry skipped, not one request",
            "image present, registry skipped" in p.stderr and ctx["px"].count(ua=None) == 0
            and rule.fired == 0, (ctx["px"].count(ua=None), tail(p)))


def case_engine_down(t, ctx):
    # No TEE_LAUNCHER_ENGINE: without an engine socket the default is the
    # compose backend (docker is on PATH).
    def prepare(c):
        c.env_extra["DOCKER_HOST"] = "unix://" + os.path.join(c.dir, "no-docker.sock")
    # The engine is asked first (its image store, the warm path): the run
    # fails there, before any registry request, whichever the backend.
    c, p = launch(t, ctx, "docker engine down", ["docker-v2"],
                  Expect(1, ("step=engine", "no-docker.sock")), prepare=prepare)
    t.check("docker engine down: no registry request", ctx["px"].count(MANIFEST) == 0,
            ctx["px"].count(MANIFEST))
    t.check("docker engine down: no socket, so the default is the cli backend",
            'engine=cli reason="no socket, docker on PATH"' in p.stderr, tail(p))

    def api(c):
        prepare(c)
        c.env_extra["TEE_LAUNCHER_ENGINE"] = "api"
    c, p = launch(t, ctx, "docker engine down, api backend", ["docker-v2"],
                  Expect(1, ("step=engine", "no-docker.sock")), prepare=api)
    t.check("docker engine down, api backend: no registry request",
            ctx["px"].count(MANIFEST) == 0, ctx["px"].count(MANIFEST))


def case_compose_fails(t, ctx):
    d = os.path.join(ctx["root"], "bin-compose-fails")
    os.makedirs(d)
    path = os.path.join(d, "docker-compose")
    with open(path, "w") as f:
        f.write("#!/bin/sh\necho 'compose: injected failure' >&2\nexit 1\n")
    os.chmod(path, 0o755)

    def prepare(c):
        use_cli(c)
        c.env_extra["PATH"] = d + ":" + ctx["env"]["PATH"]
    launch(t, ctx, "docker-compose exits 1", ["docker-v2"],
           Expect(1, ("docker-compose", "injected failure"), measured=True, config="new"),
           prepare=prepare)


def case_compose_port_busy(t, ctx):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("0.0.0.0", 0))
    s.listen(1)
    port = s.getsockname()[1]
    try:
        launch(t, ctx, "compose up fails: host port in use", ["docker-v2"],
               Expect(1, ("up -d",), measured=True, config="new"), ports=[(port, port)],
               prepare=use_cli)
        launch(t, ctx, "api start fails: host port in use", ["docker-v2"],
               Expect(1, ("step=launch", "/start"), measured=True, config="new"),
               ports=[(port, port)])
    finally:
        s.close()


def case_port_zero(t, ctx):
    launch(t, ctx, "invalid port 0 in port_mappings", ["docker-v2"],
           Expect(1, ("port_mappings[0].host", "nonzero")), ports=[(0, 80)])


# ------------------------------------------------------------------ dstack agent

def agent_case(t, ctx, name, args, exp, emit_requests, method="dstack-api", settle_s=3,
               prepare=None):
    c = Case(ctx, name)
    c.method = method
    c.config(["docker-v2"], registry=ctx["reg"].host)
    if prepare is not None:
        prepare(c)
    if args is not None:
        c.agent = FakeDstack(c, *args)
        ctx.setdefault("agents", []).append(c.agent)
    else:
        c.agent_socket = False
    digest = ctx["images"]["docker-v2"]["config_digest"]
    try:
        p = c.run(digest)
        check_run(t, c, p, exp, digest)
        def emits():
            return (c.agent.counts() if c.agent else {}).get("by_path", {}).get(
                "/EmitEvent", 0)
        # The agent saves its counts after answering (slow: after its sleep).
        settle(lambda: emits() >= emit_requests, settle_s)
        time.sleep(0.2)
        counts = c.agent.counts() if c.agent else {}
        n = emits()
        t.check("%s: EmitEvent sent %d time(s), never retried" % (name, emit_requests),
                n == emit_requests, counts)
    finally:
        if c.agent:
            c.agent.stop()
    return c, p


def case_agent_missing(t, ctx):
    agent_case(t, ctx, "dstack socket missing (fails before the network)", None,
               Expect(1, ("step=plan", "no dstack agent socket")), 0)


def case_agent_500(t, ctx):
    agent_case(t, ctx, "dstack EmitEvent answers 500",
               ["--fault", "500", "--fault-path", "/EmitEvent"],
               Expect(1, ("EmitEvent failed", "HTTP 500")), 1)


def case_agent_getquote_500(t, ctx):
    agent_case(t, ctx, "dstack GetQuote answers 500",
               ["--fault", "500", "--fault-path", "/GetQuote"],
               Expect(1, ("GetQuote failed", "500")), 0)


def case_agent_close_after(t, ctx):
    agent_case(t, ctx, "dstack closes after EmitEvent without answering",
               ["--fault", "close-after", "--fault-path", "/EmitEvent"],
               Expect(1, ("EmitEvent failed", "not retried"), measured=True), 1)


def case_agent_slow_ok(t, ctx):
    agent_case(t, ctx, "dstack slow (2 s) but within the timeout",
               ["--fault", "slow", "--fault-path", "/EmitEvent", "--slow-seconds", "2"],
               ok_run(), 1)


def case_agent_slow_timeout(t, ctx):
    agent_case(t, ctx, "dstack slower than the 30 s agent timeout",
               ["--fault", "slow", "--fault-path", "/EmitEvent",
                "--slow-seconds", str(AGENT_TIMEOUT + 6)],
               Expect(1, ("EmitEvent failed", "timeout"), measured=True), 1,
               settle_s=15)


def case_agent_removed(t, ctx):
    """auto is decided from files: with dstack's version file and a writable
    RTMR3 file it is native, and the agent is never asked to emit."""
    exp = ok_run()
    exp.via = "native"
    exp.needles += ("RTMR3 extended",)
    c, p = agent_case(t, ctx, "dstack >= 0.6 (version file, RTMR3 writable): auto is native",
                      ["--fault", "removed", "--fault-path", "/EmitEvent"], exp, 0,
                      method="auto")
    t.check("dstack >= 0.6: auto chose the native RTMR3 interface up front",
            "method=native" in p.stderr, tail(p))


def case_agent_400_no_fallback(t, ctx):
    """Without the version file auto is the agent; its 400 (dstack 0.5 answers
    400 for any error, extended or not) is a failure, never a native retry."""
    def prepare(c):
        os.unlink(os.path.join(c.logdir, "runtime_event_version"))
    c, p = agent_case(t, ctx, "auto: EmitEvent answers 400, no native fallback",
                      ["--fault", "removed", "--fault-path", "/EmitEvent"],
                      Expect(1, ("EmitEvent failed", "HTTP 400")), 1, method="auto",
                      prepare=prepare)
    t.check("auto + 400: the native RTMR3 file and runtime log were not touched",
            os.path.getsize(c.rtmr3) == 0 and not os.path.exists(c.runtime_log), tail(p))


# ------------------------------------------------------------------ file system

def mount(*args):
    subprocess.run(["mount"] + list(args), check=True, capture_output=True)


def umount(path):
    subprocess.run(["umount", "-l", path], capture_output=True)


def case_shared_readonly(t, ctx):
    c = Case(ctx, "shared directory read-only")
    c.config(["docker-v2"])
    ctx["px"].set_rules()
    c.write(c.node_config, PREVIOUS)
    mount("--bind", c.shared, c.shared)
    try:
        mount("-o", "remount,bind,ro", c.shared)
        digest = ctx["images"]["docker-v2"]["config_digest"]
        p = c.run(digest)
        # The launch lock next to the node config cannot be made: the run
        # stops before anything is measured.
        check_run(t, c, p, Expect(1, ("step=lock", "Read-only file system")), digest)
    finally:
        umount(c.shared)


def case_disk_full(t, ctx):
    c = Case(ctx, "disk full while writing the node config")
    c.config(["docker-v2"])
    ctx["px"].set_rules()
    mount("-t", "tmpfs", "-o", "size=64k,mode=0700", "tl-faults-full", c.shared)
    try:
        c.write(c.node_config, PREVIOUS)
        try:
            with open(os.path.join(c.shared, "filler"), "wb") as f:
                while True:
                    f.write(b"\0" * 4096)
                    f.flush()
        except OSError:
            pass
        digest = ctx["images"]["docker-v2"]["config_digest"]
        p = c.run(digest)
        check_run(t, c, p, Expect(1, ("node config", "No space left on device"),
                                  measured=True), digest)
    finally:
        umount(c.shared)


def approved_case(t, ctx, name, make, exp):
    c = Case(ctx, name)
    c.config(["docker-v2"])
    ctx["px"].set_rules()
    make(c)
    digest = ctx["images"]["docker-v2"]["config_digest"]
    p = c.run(digest, timeout=20)
    check_run(t, c, p, exp, digest)
    return c, p


def case_approved_enotdir(t, ctx):
    def make(c):
        c.write(os.path.join(c.shared, "not-a-dir"), "x")
        c.env_extra["TEE_LAUNCHER_APPROVED_HASHES_FILE"] = \
            os.path.join(c.shared, "not-a-dir", "image-digest.bin")
    approved_case(t, ctx, "approved file unreadable: parent is a file (ENOTDIR)", make,
                  Expect(1, ("approved hashes file", "cannot open", "Not a directory")))


def case_approved_dir(t, ctx):
    approved_case(t, ctx, "approved file is a directory", lambda c: os.makedirs(c.approved),
                  Expect(1, ("approved hashes file", "directory")))


def case_approved_loop(t, ctx):
    def make(c):
        os.symlink("loop-b", os.path.join(c.shared, "loop-a"))
        os.symlink("loop-a", os.path.join(c.shared, "loop-b"))
        c.env_extra["TEE_LAUNCHER_APPROVED_HASHES_FILE"] = os.path.join(c.shared, "loop-a")
    approved_case(t, ctx, "approved file is a symlink loop", make,
                  Expect(1, ("approved hashes file", "cannot open")))


def case_approved_fifo(t, ctx):
    approved_case(t, ctx, "approved file is a FIFO (no writer)",
                  lambda c: os.mkfifo(c.approved),
                  Expect(1, ("approved hashes file", "not a regular file")))


def case_approved_corrupt(t, ctx):
    approved_case(t, ctx, "approved file corrupt",
                  lambda c: c.write(c.approved, '{"approved_hashes": ["sha256:abab"'),
                  Expect(1, ("approved hashes file",)))


def case_approved_empty_list(t, ctx):
    approved_case(t, ctx, "approved list empty",
                  lambda c: c.write(c.approved, '{"approved_hashes": []}'),
                  Expect(1, ("approved hashes file", "0 entries")))


def case_approved_empty_file(t, ctx):
    approved_case(t, ctx, "approved file empty", lambda c: c.write(c.approved, ""),
                  Expect(1, ("approved hashes file", "empty file")))


def case_approved_dangling(t, ctx):
    def make(c):
        os.symlink("gone", c.approved)
    c, p = approved_case(t, ctx, "approved file a dangling symlink (ENOENT: default used)",
                         make, ok_run())
    t.check("approved file dangling: fell back to DEFAULT_IMAGE_DIGEST",
            "source=default" in p.stderr, tail(p))


def case_usage(t, ctx):
    c = Case(ctx, "usage: DOCKER_CONTENT_TRUST=0")
    c.config(["docker-v2"])
    c.env_extra["DOCKER_CONTENT_TRUST"] = "0"
    digest = ctx["images"]["docker-v2"]["config_digest"]
    p = c.run(digest)
    check_run(t, c, p, Expect(2, ("DOCKER_CONTENT_TRUST",)), digest)


# ------------------------------------------------------------------ setup

def issue_expired(pki, name):
    """A DNS:localhost certificate from the test CA, valid 2020-01-01..2021-01-01
    (openssl 3.0's x509 has no start date option; `openssl ca` has)."""
    d = os.path.join(pki.dir, name + "-ca")
    os.makedirs(d)
    open(os.path.join(d, "index.txt"), "w").close()
    with open(os.path.join(d, "serial"), "w") as f:
        f.write("4242\n")
    cfg = os.path.join(d, "ca.cnf")
    with open(cfg, "w") as f:
        f.write("[ca]\ndefault_ca = tl\n[tl]\ndatabase = %s/index.txt\n"
                "new_certs_dir = %s\nserial = %s/serial\ndefault_md = sha256\n"
                "policy = pol\nunique_subject = no\n[pol]\ncommonName = supplied\n"
                "[ext]\nbasicConstraints = critical,CA:FALSE\n"
                "keyUsage = critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage = serverAuth\nsubjectAltName = DNS:localhost\n" % (d, d, d))
    key, csr, crt = (os.path.join(pki.dir, name + s) for s in (".key", ".csr", ".crt"))
    testenv.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                 "-out", csr, "-subj", "/CN=localhost"])
    testenv.run(["openssl", "ca", "-batch", "-config", cfg, "-cert", pki.ca_cert,
                 "-keyfile", pki.ca_key, "-in", csr, "-out", crt, "-notext",
                 "-startdate", "20200101000000Z", "-enddate", "20210101000000Z",
                 "-extensions", "ext"])
    return crt, key


class Recorder:
    """Collects checks of a case running in a background thread."""

    def __init__(self):
        self.items = []

    def check(self, name, cond, detail=""):
        self.items.append((name, cond, detail))
        return cond

    def replay(self, t):
        for name, cond, detail in self.items:
            t.check(name, cond, detail)


CASES = [
    case_usage, case_warm_registry_down,
    case_refused, case_unresolvable,
    case_tls_wrong_name, case_tls_expired, case_tls_untrusted,
    case_token_realm_untrusted, case_realm_http,
    case_stall_head, case_stall_body, case_reset_body, case_truncated_chunked, case_cl_long,
    case_big_head, case_many_headers, case_cl_te, (case_huge_body, False),
    (case_huge_body, True), case_redirect_loop,
    case_redirect_http, case_cl_short, case_lying_digest, case_bad_digest_header,
    case_keepalive_closed, case_wrong_body, case_index_self, case_index_duplicate_entry,
    case_401_without_challenge, case_redirect_other_origin,
    case_unknown_media_type,
    (case_5xx_then_ok, 0), (case_5xx_then_ok, 1), case_5xx_exhausted, case_429, case_404,
    case_token_slow, case_token_500, case_token_403, case_token_header_injection,
    case_token_missing, case_token_rejected, case_token_expiry,
    case_driver_backoff, case_driver_retry_after, case_driver_request_bound,
    case_pull_unknown_digest, case_engine_down,
    case_inspect_other,
    case_agent_missing, case_agent_500, case_agent_getquote_500, case_agent_close_after,
    case_agent_slow_ok, case_agent_removed, case_agent_400_no_fallback,
    case_shared_readonly, case_disk_full,
    case_approved_enotdir, case_approved_dir, case_approved_loop, case_approved_fifo,
    case_approved_corrupt, case_approved_empty_list, case_approved_empty_file,
    case_approved_dangling,
    case_port_zero, case_compose_fails, case_compose_port_busy,
]
BACKGROUND = [case_agent_slow_timeout]  # 30 s of waiting: overlapped with the rest


def run_case(t, fn, ctx):
    args = ()
    if isinstance(fn, tuple):
        fn, args = fn[0], fn[1:]
    t0 = time.monotonic()
    try:
        fn(t, ctx, *args)
    except Exception as e:  # report and go on with the next case
        t.check(fn.__name__, False, "%s: %s" % (type(e).__name__, e))
    return time.monotonic() - t0


def main():
    testenv.install_signal_handlers()
    # substrings of case function names, comma-separated
    only = [o for o in os.environ.get("FAULTS_ONLY", "").split(",") if o]
    t_start = time.monotonic()
    ctx = {}
    with testenv.TempDir(prefix="tl-faults-") as d:
        pki = testenv.Pki.create(os.path.join(d.path, "pki"))
        wrong = pki.issue("wrong-name", dns=["wrong.example"])
        expired = issue_expired(pki, "expired")
        other = testenv.Pki.create(os.path.join(d.path, "pki-untrusted"))
        with testenv.Registry(pki, auth=True) as reg, testenv.Dockerd(pki) as dk:
            user, pw = reg.push_credentials()
            images = registry_push.push_standard(
                registry_push.Client(reg.host, pki.ca_cert, user, pw))
            client = registry_push.Client(reg.host, pki.ca_cert, user, pw)
            for img in images.values():
                img["body"] = client.get_manifest(img["repo"], img["digest"]).body
            ups = (reg.url, reg.token.base, pki.ca_cert)
            proxies = {
                "px": FaultProxy(*ups, cert=pki.server_cert, key=pki.server_key),
                "px2": FaultProxy(*ups, cert=pki.server_cert, key=pki.server_key),
                "px_wrong": FaultProxy(*ups, cert=wrong[0], key=wrong[1]),
                "px_expired": FaultProxy(*ups, cert=expired[0], key=expired[1]),
                "px_untrusted": FaultProxy(*ups, cert=other.server_cert, key=other.server_key),
                "plain": FaultProxy(*ups),
            }
            for px in proxies.values():
                px.start()
            env = dk.env()
            ctx.update(proxies, pki=pki, reg=reg, dk=dk, env=env, images=images,
                       root=os.path.join(d.path, "cases"),
                       real_docker=shutil.which("docker", path=env["PATH"]))
            os.makedirs(ctx["root"])
            print("setup %.1f s" % (time.monotonic() - t_start), flush=True)
            bg = []
            for fn in BACKGROUND:
                if only and not any(o in fn.__name__ for o in only):
                    continue
                rec = Recorder()
                th = threading.Thread(target=run_case, args=(rec, fn, ctx), daemon=True)
                th.start()
                bg.append((th, rec, fn))
            # The background launcher takes over the one engine's mpc-node
            # too, with its own lock file (cases do not share one), so it
            # would race a foreground takeover (README: launchers naming
            # different lock paths): let it get past its takeover first,
            # i.e. ask its agent for the event log.
            deadline = time.monotonic() + 120
            while bg and time.monotonic() < deadline and not any(
                    a.counts(settle=0).get("requests", 0) for a in ctx.get("agents", [])):
                time.sleep(0.2)
            slow = []
            try:
                for fn in CASES:
                    name = fn[0].__name__ if isinstance(fn, tuple) else fn.__name__
                    if only and not any(o in name for o in only):
                        continue
                    slow.append((run_case(T, fn, ctx), name))
                for th, rec, fn in bg:
                    th.join(AGENT_TIMEOUT + 60)
                    rec.replay(T)
                    if th.is_alive():
                        T.check(fn.__name__, False, "still running")
            finally:
                dk.docker("rm", "-f", "mpc-node", check=False)
                for px in proxies.values():
                    px.stop()
    for secs, name in sorted(slow, reverse=True)[:5]:
        print("timing %s %.1f s" % (name, secs))
    print("timing fault matrix %.1f s" % (time.monotonic() - t_start))
    return 0 if T.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
