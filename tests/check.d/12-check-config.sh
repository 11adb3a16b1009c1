#!/bin/sh
# `tee-launcher check-config` with the musl binary: every launcher user config
# of near/mpc's deployment/ tree (tests/data/near-mpc-configs) passes with the
# summary its fields give; a config with a secret in [mpc_node_config] never
# shows it, valid or not; exit 0 / 1 / 2; an empty environment is enough; no
# socket is opened (strace, when installed).
exec python3 - "$@" <<'PY'
import os, shutil, subprocess, sys, tempfile, tomllib
TOP = os.environ["TOP"]
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
from checks import Checks
L = os.environ.get("LAUNCHER", os.path.join(TOP, "build", "tee-launcher"))
D = os.path.join(TOP, "tests", "data", "near-mpc-configs")
T = Checks()

def run(*args, env=None, prefix=()):
    return subprocess.run(list(prefix) + [L, "check-config"] + list(args),
                          env=env if env is not None else {}, capture_output=True, text=True)

def strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)

want = {
    "cvm-deployment_user-config.toml": ("current", "docker.io", "nearone/mpc-node", "none", "8080:8080"),
    "cvm-deployment_ci-config.toml": ("current", "docker.io", "nearone/mpc-node", "none", "8080:8080"),
    "cvm-deployment_configs_nearone-testnet_user-config.toml":
        ("current", "docker.io", "nearone/mpc-node", "3.9.1", "80:80 8080:8080 8079:8079 3030:3030 24567:24567"),
    "localnet_tee_frodo.toml": ("current", "docker.io", "nearone/mpc-node", "none", "8080:8080 24566:24566 13001:13001"),
    "localnet_tee_sam.toml": ("current", "docker.io", "nearone/mpc-node", "none", "8080:8080 24566:24566 13002:13002"),
    "testnet_dss-test.toml": ("current", "docker.io", "nearone/mpc-node", "none", "8080:8080 24567:24567"),
    "testnet_sam.toml": ("seed", "registry.hub.docker.com", "nearone/mpc-node", "main-9515e18",
                         "8080:8080 24567:24567 13002:13002 80:80"),
}
T.check("every config in the data directory has an expectation",
        sorted(f for f in os.listdir(D) if f.endswith(".toml")) == sorted(want))
for f, (gen, reg, repo, tags, ports) in sorted(want.items()):
    path = os.path.join(D, f)
    p = run(path)
    T.check("%s: exit 0" % f, p.returncode == 0, p.stderr)
    T.check("%s: summary names generation, image, tags and ports" % f,
            ("generation: %s\n" % gen) in p.stdout
            and ("registry: %s\nrepository: %s\ntags: %s\nports: %s\n" % (reg, repo, tags, ports))
            in p.stdout, p.stdout)
    with open(path, "rb") as fh:
        node = tomllib.load(fh)["mpc_node_config"]
    leaked = [s for s in strings(node) if len(s) >= 6 and s in p.stdout + p.stderr]
    T.check("%s: no key or value of [mpc_node_config] in the output" % f, not leaked, leaked)

SECRET = "sk-9fQ2-LmZ7_x4Rt-check-config"
good = ('[launcher_config]\nimage_reference = "ghcr.io/near/mpc-node:1.2"\n'
        'port_mappings = [{ host = 80, container = 80 }]\n'
        '[mpc_node_config]\nsecrets.key = "%s"\n"%s" = 1\n' % (SECRET, SECRET + "-key"))
bad_toml = good + 'secrets.key = "%s"\n' % SECRET           # a duplicate key
bad_schema = good.replace("ghcr.io/near/mpc-node:1.2", "ghcr.io//x")
gcp = good + 'gcp = { secret = "%s" }\n' % SECRET
with tempfile.TemporaryDirectory() as d:
    cases = []
    for name, text in (("good", good), ("bad-toml", bad_toml), ("bad-schema", bad_schema),
                       ("gcp", gcp)):
        path = os.path.join(d, name + ".toml")
        with open(path, "w") as fh:
            fh.write(text)
        cases.append((name, path))
    res = {name: run(path) for name, path in cases}
    T.check("secret config: valid, exit 0", res["good"].returncode == 0, res["good"].stderr)
    T.check("secret config: generation and reference printed",
            "generation: current\n" in res["good"].stdout
            and "registry: ghcr.io\nrepository: near/mpc-node\ntags: 1.2\n" in res["good"].stdout)
    for name in ("bad-toml", "bad-schema", "gcp"):
        p = res[name]
        T.check("%s: exit 1 with one error line" % name,
                p.returncode == 1 and p.stdout == "" and len(p.stderr.splitlines()) == 1
                and p.stderr.startswith("level=error") and "step=check-config" in p.stderr,
                p.stderr)
    T.check("gcp is refused by default (TEE rules)", "gcp" in res["gcp"].stderr)
    p = run(cases[3][1], env={"PLATFORM": "NONTEE"})
    T.check("gcp passes with PLATFORM=NONTEE", p.returncode == 0, p.stderr)
    T.check("the secret never reaches stdout or stderr, valid or not",
            all(SECRET not in r.stdout + r.stderr and "sk-9fQ2" not in r.stdout + r.stderr
                for r in list(res.values()) + [p]))
    p = run(env={"TEE_LAUNCHER_USER_CONFIG": cases[0][1]})
    T.check("TEE_LAUNCHER_USER_CONFIG is the default file", p.returncode == 0, p.stderr)
    p = run(os.path.join(d, "missing.toml"))
    T.check("a missing file: exit 1", p.returncode == 1 and "cannot open" in p.stderr, p.stderr)
    p = run("a", "b")
    T.check("two files: usage error, exit 2", p.returncode == 2, p.stderr)
    p = subprocess.run([L, "--help"], capture_output=True, text=True, env={})
    T.check("--help names check-config", "check-config" in p.stdout)
    if shutil.which("strace"):
        log = os.path.join(d, "strace")
        p = run(cases[0][1], prefix=("strace", "-f", "-qq", "-o", log,
                                     "-e", "trace=socket,connect,execve,fork,clone"))
        with open(log) as fh:
            calls = [x for x in fh.read().splitlines() if "execve(" not in x or L not in x]
        T.check("no socket, connection or child process", p.returncode == 0 and not calls, calls)
    else:
        print("skip strace: not installed")
sys.exit(0 if T.summary() else 1)
PY
