#!/usr/bin/env python3
"""Real services for integration tests, on loopback: a test PKI, docker-registry
2.8 over TLS (with or without token auth), a token server, and a private
Docker engine.  Python 3 stdlib + the openssl CLI; see tests/lib/README.md.

Library use (every service is a context manager; stop() is idempotent and
also runs when start() fails half-way):

    import testenv
    with testenv.TempDir() as d:
        pki = testenv.Pki.create(d.path + "/pki")
        with testenv.Registry(pki, auth=True) as reg, testenv.Dockerd(pki) as dk:
            reg.host        # "localhost:<port>"
            dk.docker("pull", reg.host + "/tl/mpc-node@" + digest)

CLI:
    testenv.py up --dir D [--no-dockerd] [--push]   # writes D/env (sh) + D/state.json
    testenv.py down --dir D                         # stops everything, removes D

Every service runs in its own process group (killed as a group on stop) and
prints one line "<service>: <address>" when ready.
"""
import argparse
import hashlib
import http.client
import json
import os
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

REGISTRY_START_TIMEOUT = 30   # s; it starts in ~1 s, CI machines are slower
DOCKERD_START_TIMEOUT = 90    # s; first start creates its data root
STOP_TIMEOUT = 30             # s; dockerd stops its containers first
PORT_ATTEMPTS = 5             # a free port can be taken before the registry binds it
TOKEN_SERVICE = "tl-test-registry"
TOKEN_ISSUER = "tl-test-token-issuer"
PUSH_USER = "tl-pusher"
REGISTRY_LEEWAY = 60          # s; distribution 2.8 accepts a token until exp + 60 s
SYSTEM_CA_FILE = "/etc/ssl/certs/ca-certificates.crt"


class EnvError(Exception):
    """A service could not be started or stopped; the message names it."""


def log(msg):
    print(msg, flush=True)


def run(argv, **kw):
    """subprocess.run with check=True and captured output; errors name the command."""
    kw.setdefault("capture_output", True)
    try:
        return subprocess.run(argv, check=True, **kw)
    except subprocess.CalledProcessError as e:
        err = (e.stderr or b"")
        err = err.decode(errors="replace") if isinstance(err, bytes) else err
        raise EnvError("%s failed (exit %d): %s" % (" ".join(argv[:3]), e.returncode,
                                                    err.strip()[-2000:])) from None


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, n=30):
    try:
        with open(path, "rb") as f:
            return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")
    except OSError:
        return "(no log)"


def install_signal_handlers():
    """Turn SIGTERM/SIGHUP into SystemExit so `finally` blocks stop services."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGHUP, handler)


class TempDir:
    """mkdtemp under /tmp with a short name (unix socket paths are <108 bytes)."""

    def __init__(self, prefix="tl-"):
        self.path = tempfile.mkdtemp(prefix=prefix, dir="/tmp")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        remove_tree(self.path)


def mounts_under(path):
    path = os.path.realpath(path)
    found = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            mp = line.split()[4].encode().decode("unicode_escape")
            if mp == path or mp.startswith(path + "/"):
                found.append(mp)
    return sorted(found, key=len, reverse=True)


def remove_tree(path):
    """Unmount whatever is still mounted below path, then remove it.  Refuses
    to remove while a mount remains (rm -rf would walk into it)."""
    if not os.path.exists(path):
        return
    for mp in mounts_under(path):
        subprocess.run(["umount", "-l", mp], capture_output=True)
    left = mounts_under(path)
    if left:
        raise EnvError("%s: still mounted, not removed: %s" % (path, " ".join(left)))
    shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------- processes

def _alive(pid, popen=None):
    if popen is not None:
        return popen.poll() is None
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _killpg(pid, sig):
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_process(pid, popen=None, timeout=STOP_TIMEOUT, sig=signal.SIGTERM):
    """Signal the process group led by pid, wait, then SIGKILL the group."""
    if not pid:
        return
    _killpg(pid, sig)
    deadline = time.monotonic() + timeout
    while _alive(pid, popen) and time.monotonic() < deadline:
        time.sleep(0.05)
    _killpg(pid, signal.SIGKILL)
    if popen is not None:
        try:
            popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def kill_processes_mentioning(path):
    """Last resort after a daemon stopped: kill stragglers (containerd shims
    run in their own sessions) whose command line names our private dir."""
    me = os.getpid()
    key = path.rstrip("/").encode() + b"/"
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if key in cmd:
            try:
                os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass


def spawn(argv, log_path, env=None):
    logf = open(log_path, "ab")
    try:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=logf,
                                stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
    finally:
        logf.close()


class Service:
    """Start/stop plumbing shared by the services: own dir, own process group."""
    kind = "service"

    def __init__(self, dir=None):
        self.own_dir = dir is None
        self.dir = dir or tempfile.mkdtemp(prefix="tl-%s-" % self.kind[:4], dir="/tmp")
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None
        self.pid = 0
        self.start_seconds = None

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def _launch(self, argv, env=None):
        self.log_path = os.path.join(self.dir, self.kind + ".log")
        self.proc = spawn(argv, self.log_path, env)
        self.pid = self.proc.pid

    def _exited(self):
        return self.proc is not None and self.proc.poll() is not None

    def stop(self):
        stop_process(self.pid, self.proc)
        self.pid = 0
        self.proc = None
        if self.own_dir:
            remove_tree(self.dir)

    def state(self):
        return {"kind": self.kind, "pid": self.pid, "dir": self.dir,
                "own_dir": self.own_dir}


# ---------------------------------------------------------------- PKI

class Pki:
    """A test CA, a server certificate for DNS:localhost + IP:127.0.0.1, and a
    token signing key with its certificate (the registry's rootcertbundle).
    Files (PEM) in `dir`: ca.crt ca.key server.crt server.key signer.crt
    signer.key bundle.crt (system roots + the test CA)."""

    def __init__(self, dir):
        self.dir = dir
        self.ca_cert = os.path.join(dir, "ca.crt")
        self.ca_key = os.path.join(dir, "ca.key")
        self.server_cert = os.path.join(dir, "server.crt")
        self.server_key = os.path.join(dir, "server.key")
        self.signer_cert = os.path.join(dir, "signer.crt")
        self.signer_key = os.path.join(dir, "signer.key")
        self.bundle = os.path.join(dir, "bundle.crt")

    @classmethod
    def create(cls, dir):
        os.makedirs(dir, exist_ok=True)
        pki = cls(dir)
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
             "-days", "3650", "-keyout", pki.ca_key, "-out", pki.ca_cert,
             "-subj", "/CN=tee-launcher test CA",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        pki.issue("server", dns=["localhost"], ips=["127.0.0.1"])
        pki.issue("signer", dns=[], ips=[], usage="digitalSignature")
        with open(pki.bundle, "wb") as out:
            if os.path.exists(SYSTEM_CA_FILE):
                with open(SYSTEM_CA_FILE, "rb") as f:
                    out.write(f.read())
            with open(pki.ca_cert, "rb") as f:
                out.write(f.read())
        return pki

    def issue(self, name, dns=("localhost",), ips=(), days=825,
              usage="digitalSignature,keyEncipherment", key="rsa:2048"):
        """Issue <name>.crt/<name>.key signed by the test CA; returns (cert, key).
        Validity starts now (openssl 3.0 cannot backdate): test expiry by
        setting the verifier's clock, not with an expired certificate."""
        crt = os.path.join(self.dir, name + ".crt")
        keyp = os.path.join(self.dir, name + ".key")
        csr = os.path.join(self.dir, name + ".csr")
        ext = os.path.join(self.dir, name + ".ext")
        if key.startswith("ec:"):
            run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:" + key[3:], "-nodes", "-keyout", keyp,
                 "-out", csr, "-subj", "/CN=" + name])
        else:
            run(["openssl", "req", "-new", "-newkey", key, "-nodes", "-keyout", keyp,
                 "-out", csr, "-subj", "/CN=" + (dns[0] if dns else name)])
        san = ["DNS:" + d for d in dns] + ["IP:" + i for i in ips]
        with open(ext, "w") as f:
            f.write("basicConstraints=critical,CA:FALSE\n")
            f.write("keyUsage=critical,%s\n" % usage)
            if san:
                f.write("subjectAltName=%s\n" % ",".join(san))
                f.write("extendedKeyUsage=serverAuth\n")
        run(["openssl", "x509", "-req", "-in", csr, "-CA", self.ca_cert,
             "-CAkey", self.ca_key, "-CAcreateserial", "-sha256", "-days", str(days),
             "-extfile", ext, "-out", crt])
        os.unlink(csr)
        os.unlink(ext)
        return crt, keyp

    def ssl_context(self):
        """A client context trusting only the test CA."""
        return ssl.create_default_context(cafile=self.ca_cert)


# ---------------------------------------------------------------- token server

class TokenServer(Service):
    """tests/lib/token_server.py as a subprocess.  realm is https://localhost:<port>/token
    (plain http with tls=False).  stats()/control() use its test hooks."""
    kind = "token-server"

    def __init__(self, pki, lifetime=300, delay=0.0, tls=True, dir=None,
                 service=TOKEN_SERVICE, issuer=TOKEN_ISSUER):
        super().__init__(dir)
        self.pki = pki
        self.lifetime = lifetime
        self.delay = delay
        self.tls = tls
        self.service = service
        self.issuer = issuer
        self.push_user = PUSH_USER
        self.push_password = os.urandom(12).hex()
        self.port = 0

    @property
    def base(self):
        return "%s://localhost:%d" % ("https" if self.tls else "http", self.port)

    @property
    def realm(self):
        return self.base + "/token"

    def start(self):
        t0 = time.monotonic()
        port_file = os.path.join(self.dir, "token-server.port")
        argv = [sys.executable, os.path.join(HERE, "token_server.py"),
                "--port-file", port_file, "--signer-key", self.pki.signer_key,
                "--issuer", self.issuer, "--service", self.service,
                "--lifetime", str(self.lifetime), "--delay", str(self.delay),
                "--push-user", self.push_user]
        if self.tls:
            argv += ["--cert", self.pki.server_cert, "--key", self.pki.server_key]
        env = dict(os.environ, TL_TOKEN_PUSH_PASSWORD=self.push_password)
        self._launch(argv, env)
        deadline = time.monotonic() + REGISTRY_START_TIMEOUT
        while not os.path.exists(port_file):
            if self._exited() or time.monotonic() > deadline:
                raise EnvError("token server did not start: " + tail(self.log_path))
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read())
        self.start_seconds = time.monotonic() - t0
        log("token-server: %s (%.2f s)" % (self.realm, self.start_seconds))

    def _call(self, method, path, obj=None):
        body = json.dumps(obj).encode() if obj is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method,
                                     headers={"Content-Type": "application/json"})
        ctx = self.pki.ssl_context() if self.tls else None
        with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
            return json.loads(r.read())

    def stats(self):
        return self._call("GET", "/_stats")

    def control(self, **settings):
        """lifetime=, exp_offset=, delay=, fail_status=, fail_count=, reset=True"""
        return self._call("POST", "/_control", settings)

    def expire_after(self, seconds):
        """New tokens are refused by the registry `seconds` after issue.
        The registry accepts a token until exp + REGISTRY_LEEWAY, so exp is
        moved back by the leeway (expires_in still says `seconds`)."""
        return self.control(lifetime=seconds, exp_offset=-REGISTRY_LEEWAY)

    def state(self):
        d = super().state()
        d.update(port=self.port, tls=self.tls, realm=self.realm, service=self.service,
                 issuer=self.issuer, push_user=self.push_user,
                 push_password=self.push_password)
        return d


# ---------------------------------------------------------------- registry

REGISTRY_CONFIG = """\
version: 0.1
log:
  level: {loglevel}
  accesslog:
    disabled: {noaccesslog}
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:{port}
  secret: {secret}
  tls:
    certificate: {cert}
    key: {key}
  headers:
    X-Content-Type-Options: [nosniff]
"""

REGISTRY_AUTH = """\
auth:
  token:
    realm: {realm}
    service: {service}
    issuer: {issuer}
    rootcertbundle: {bundle}
"""


class Registry(Service):
    """docker-registry 2.8 on https://localhost:<port> (listens on 127.0.0.1).
    auth=True: token auth; uses `token` or starts (and owns) a TokenServer."""
    kind = "registry"

    def __init__(self, pki, auth=False, token=None, dir=None, access_log=False,
                 **token_opts):
        super().__init__(dir)
        self.pki = pki
        self.auth = auth
        self.token = token
        self.own_token = auth and token is None
        self.token_opts = token_opts
        self.access_log = access_log
        self.port = 0

    @property
    def host(self):
        return "localhost:%d" % self.port

    @property
    def url(self):
        return "https://" + self.host

    def push_credentials(self):
        if not self.auth:
            return None, None
        return self.token.push_user, self.token.push_password

    def _config(self, port):
        text = REGISTRY_CONFIG.format(
            loglevel="info" if self.access_log else "warn",
            noaccesslog="false" if self.access_log else "true",
            root=os.path.join(self.dir, "data"), port=port,
            secret=os.urandom(16).hex(), cert=self.pki.server_cert,
            key=self.pki.server_key)
        if self.auth:
            text += REGISTRY_AUTH.format(realm=self.token.realm, service=self.token.service,
                                         issuer=self.token.issuer,
                                         bundle=self.pki.signer_cert)
        path = os.path.join(self.dir, "config.yml")
        with open(path, "w") as f:
            f.write(text)
        return path

    def _ready(self):
        ctx = self.pki.ssl_context()
        try:
            urllib.request.urlopen(self.url + "/v2/", context=ctx, timeout=2).close()
            return True
        except urllib.error.HTTPError as e:
            return e.code == 401
        except (urllib.error.URLError, OSError):
            return False

    def start(self):
        t0 = time.monotonic()
        if self.own_token:
            self.token = TokenServer(self.pki, dir=os.path.join(self.dir, "token"),
                                     **self.token_opts)
            self.token.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        for _ in range(PORT_ATTEMPTS):
            self.port = free_port()
            self._launch(["docker-registry", "serve", self._config(self.port)], env)
            deadline = time.monotonic() + REGISTRY_START_TIMEOUT
            while not self._exited() and time.monotonic() < deadline:
                if self._ready():
                    self.start_seconds = time.monotonic() - t0
                    log("registry: %s (auth=%s, %.2f s)" %
                        (self.url, "token" if self.auth else "none", self.start_seconds))
                    return
                time.sleep(0.05)
            if not self._exited() or "address already in use" not in tail(self.log_path):
                break
        raise EnvError("registry on port %d did not start: %s" %
                       (self.port, tail(self.log_path)))

    def stop(self):
        stop_process(self.pid, self.proc)
        self.pid, self.proc = 0, None
        if self.own_token and self.token is not None:
            self.token.stop()
        if self.own_dir:
            remove_tree(self.dir)

    def state(self):
        d = super().state()
        d.update(port=self.port, host=self.host, auth=self.auth)
        if self.own_token and self.token is not None:
            d["token"] = self.token.state()
        return d


# ---------------------------------------------------------------- dockerd

class _UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=5):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


def engine_request(sock, method, path, timeout=5):
    """One request to the engine API over its unix socket -> (status, body)."""
    c = _UnixHTTPConnection(sock, timeout)
    try:
        c.request(method, path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


class Dockerd(Service):
    """A private Docker engine: own data root, exec root, socket and containerd
    namespace; no iptables, no bridge (use --network none or host).

    Trust: dockerd treats registries on 127.0.0.0/8 (so localhost:<port>) as
    insecure and skips certificate checks for them; for any other name it
    uses SSL_CERT_FILE, which we set to the system roots + the test CA."""
    kind = "dockerd"

    def __init__(self, pki=None, dir=None, storage=None, extra_args=(), tmpfs=None):
        super().__init__(dir)
        self.pki = pki
        self.storage = storage or os.environ.get("TL_DOCKER_STORAGE")
        # tmpfs="4g": data root in RAM; removing a large one from this disk
        # takes longer than the build that filled it.
        self.tmpfs = tmpfs
        self.extra_args = list(extra_args)
        self.sock = os.path.join(self.dir, "docker.sock")
        # containerd namespaces allow no "__" (mkdtemp names may have it).
        self.namespace = "tl-" + hashlib.sha256(self.dir.encode()).hexdigest()[:16]

    @property
    def host(self):
        return "unix://" + self.sock

    def env(self, base=None):
        """Environment for docker CLI children: DOCKER_HOST points at us."""
        e = dict(os.environ if base is None else base)
        e["DOCKER_HOST"] = self.host
        e.pop("DOCKER_CONTEXT", None)
        return e

    def docker(self, *args, check=True, timeout=600, input=None):
        """Runs the docker CLI against this engine; returns CompletedProcess (text)."""
        p = subprocess.run(["docker"] + list(args), env=self.env(), capture_output=True,
                           text=True, timeout=timeout, input=input)
        if check and p.returncode != 0:
            raise EnvError("docker %s failed (exit %d): %s" %
                           (" ".join(args[:4]), p.returncode, p.stderr.strip()[-2000:]))
        return p

    def _argv(self, driver):
        cfg = os.path.join(self.dir, "daemon.json")
        with open(cfg, "w") as f:
            f.write("{}\n")
        return ["dockerd", "--host", self.host, "--config-file", cfg,
                "--data-root", os.path.join(self.dir, "root"),
                "--exec-root", os.path.join(self.dir, "exec"),
                "--pidfile", os.path.join(self.dir, "dockerd.pid"),
                "--containerd-namespace", self.namespace,
                "--containerd-plugins-namespace", self.namespace + "-plugins",
                "--storage-driver", driver, "--iptables=false", "--ip6tables=false",
                "--ip-forward=false", "--bridge=none", "--userland-proxy=false",
                "--shutdown-timeout", "5", "--log-level", "warn"] + self.pool_args() + \
            self.extra_args

    def pool_args(self):
        if "--default-address-pool" in self.extra_args:
            return []  # the caller chose one
        return ["--default-address-pool", "base=%s,size=24" % self.address_pool()]

    def address_pool(self):
        """A /16 of 10.64-10.249 picked from the dir: networks that compose
        creates live in the host's namespace, shared by every engine on the
        machine, and docker's default pools (172.17-31, 192.168) run out."""
        return "10.%d.0.0/16" % (64 + int(self.namespace[3:7], 16) % 186)

    def _try_start(self, driver):
        env = dict(os.environ)
        if self.pki is not None:
            env["SSL_CERT_FILE"] = self.pki.bundle
        self._launch(self._argv(driver), env)
        deadline = time.monotonic() + DOCKERD_START_TIMEOUT
        while time.monotonic() < deadline:
            if self._exited():
                return False
            try:
                if engine_request(self.sock, "GET", "/_ping")[0] == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.1)
        raise EnvError("dockerd did not answer /_ping within %d s: %s" %
                       (DOCKERD_START_TIMEOUT, tail(self.log_path)))

    def start(self):
        t0 = time.monotonic()
        if self.tmpfs:
            root = os.path.join(self.dir, "root")
            os.makedirs(root, exist_ok=True)
            run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0710" % self.tmpfs,
                 "tl-dockerd", root])
        drivers = [self.storage] if self.storage else ["overlay2", "vfs"]
        for driver in drivers:
            if self._try_start(driver):
                self.driver = driver
                self.start_seconds = time.monotonic() - t0
                log("dockerd: %s (storage %s, %.2f s)" % (self.host, driver,
                                                          self.start_seconds))
                return
            log("dockerd: storage driver %s failed: %s" % (driver, tail(self.log_path, 3)))
            self._cleanup_daemon()
        raise EnvError("dockerd did not start with %s: %s" %
                       (" or ".join(drivers), tail(self.log_path)))

    def _halt(self):
        """Stops the daemon and what it left: stragglers, mounts (except a
        tmpfs data root itself)."""
        stop_process(self.pid, self.proc)
        self.pid, self.proc = 0, None
        kill_processes_mentioning(self.dir)
        root = os.path.join(self.dir, "root")
        for mp in mounts_under(self.dir):
            if mp != root:
                subprocess.run(["umount", "-l", mp], capture_output=True)

    def _cleanup_daemon(self):
        """After a failed start: an empty data root for the next driver."""
        self._halt()
        root = os.path.join(self.dir, "root")
        for name in os.listdir(root) if os.path.isdir(root) else ():
            p = os.path.join(root, name)
            shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else os.unlink(p)

    def _release_networks(self):
        """Removes this engine's containers and user networks while it still
        runs.  dockerd leaves a bridge network's host interface (br-<id>)
        behind when it stops, and leaked bridges use up the address pools all
        engines on the host share ("could not find an available,
        non-overlapping IPv4 address pool").  Returns the bridges' interface
        names, to delete if the engine did not."""
        names = []
        sock = os.path.join(self.dir, "docker.sock")  # also for `down` (_restore)
        try:
            st, body = engine_request(sock, "GET", "/networks")
            names = ["br-" + n["Id"][:12] for n in (json.loads(body) if st == 200 else [])
                     if n.get("Driver") == "bridge"]
            st, body = engine_request(sock, "GET", "/containers/json?all=1")
            for c in json.loads(body) if st == 200 else []:
                engine_request(sock, "DELETE", "/containers/%s?force=1" % c["Id"],
                               timeout=STOP_TIMEOUT)
            engine_request(sock, "POST", "/networks/prune", timeout=STOP_TIMEOUT)
        except (OSError, ValueError, http.client.HTTPException):
            pass
        return names

    def stop(self):
        bridges = self._release_networks() if self.pid and _alive(self.pid, self.proc) else []
        self._halt()
        for name in bridges:
            if os.path.exists("/sys/class/net/" + name):
                subprocess.run(["ip", "link", "delete", name], capture_output=True)
        for mp in mounts_under(self.dir):
            subprocess.run(["umount", "-l", mp], capture_output=True)
        if self.own_dir:
            remove_tree(self.dir)

    def state(self):
        d = super().state()
        d.update(host=self.host, sock=self.sock)
        return d


# ---------------------------------------------------------------- CLI

def _restore(st):
    """A stoppable object from a state.json entry (for `down`)."""
    cls = {"registry": Registry, "token-server": TokenServer, "dockerd": Dockerd}[st["kind"]]
    obj = cls.__new__(cls)
    obj.dir, obj.own_dir, obj.pid, obj.proc = st["dir"], st["own_dir"], st["pid"], None
    if cls is Registry:
        obj.own_token = "token" in st
        obj.token = _restore(st["token"]) if obj.own_token else None
    return obj


def write_env(path, values):
    with open(path + ".tmp", "w") as f:
        for k in sorted(values):
            f.write("%s=%s\n" % (k, shlex.quote(str(values[k]))))
    os.rename(path + ".tmp", path)


def cmd_up(args):
    d = os.path.abspath(args.dir)
    if os.path.exists(os.path.join(d, "state.json")):
        raise EnvError("%s: already up (run down first)" % d)
    os.makedirs(d, exist_ok=True)
    started = []
    state = {"services": []}

    def save():
        state["services"] = [s.state() for s in started]
        with open(os.path.join(d, "state.json"), "w") as f:
            json.dump(state, f, indent=1)

    try:
        pki = Pki.create(os.path.join(d, "pki"))
        env = {"TL_ENV_DIR": d, "TL_CA": pki.ca_cert, "TL_CA_BUNDLE": pki.bundle}
        reg = Registry(pki, dir=os.path.join(d, "registry"))
        started.append(reg)
        reg.start()
        save()
        areg = Registry(pki, auth=True, dir=os.path.join(d, "registry-auth"),
                        lifetime=args.token_lifetime)
        started.append(areg)
        areg.start()
        save()
        env.update(TL_REGISTRY=reg.host, TL_REGISTRY_AUTH=areg.host,
                   TL_TOKEN_REALM=areg.token.realm, TL_TOKEN_SERVICE=areg.token.service,
                   TL_TOKEN_BASE=areg.token.base, TL_PUSH_USER=areg.token.push_user,
                   TL_PUSH_PASSWORD=areg.token.push_password)
        if not args.no_dockerd:
            dk = Dockerd(pki, dir=os.path.join(d, "dockerd"))
            started.append(dk)
            dk.start()
            save()
            env.update(DOCKER_HOST=dk.host)
        if args.push:
            import registry_push
            images = {}
            for r in (reg, areg):
                user, pw = r.push_credentials()
                client = registry_push.Client(r.host, pki.ca_cert, user, pw)
                images[r.host] = registry_push.push_standard(client)
            with open(os.path.join(d, "images.json"), "w") as f:
                json.dump(images, f, indent=1)
            env["TL_IMAGES"] = os.path.join(d, "images.json")
        write_env(os.path.join(d, "env"), env)
        log("testenv: up; source %s/env" % d)
    except BaseException:
        for s in reversed(started):
            try:
                s.stop()
            except Exception as e:  # keep stopping the others
                log("testenv: stop %s: %s" % (s.kind, e))
        remove_tree(d)
        raise


def cmd_down(args):
    d = os.path.abspath(args.dir)
    try:
        with open(os.path.join(d, "state.json")) as f:
            state = json.load(f)
    except OSError:
        state = {"services": []}
    errors = []
    for st in reversed(state["services"]):
        try:
            _restore(st).stop()
        except Exception as e:
            errors.append("%s: %s" % (st["kind"], e))
    try:
        remove_tree(d)
    except EnvError as e:
        errors.append(str(e))
    if errors:
        raise EnvError("; ".join(errors))
    log("testenv: down")


def main():
    sys.path.insert(0, HERE)
    ap = argparse.ArgumentParser(description="real test services on loopback")
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="start PKI, registries, token server, dockerd")
    up.add_argument("--dir", required=True)
    up.add_argument("--no-dockerd", action="store_true")
    up.add_argument("--push", action="store_true", help="push the standard test images")
    up.add_argument("--token-lifetime", type=int, default=300)
    down = sub.add_parser("down", help="stop everything started by up, remove the dir")
    down.add_argument("--dir", required=True)
    args = ap.parse_args()
    install_signal_handlers()
    try:
        (cmd_up if args.cmd == "up" else cmd_down)(args)
    except EnvError as e:
        print("testenv: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
