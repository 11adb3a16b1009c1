#!/usr/bin/env python3
"""`make bench`, launcher part: a full NONTEE run of the musl binary against
the local TLS registry (token auth) and a private dockerd, and the
resolution alone (registry-resolve built like the launcher: musl, -Os,
static, in $B/bench/).  Prints figures next to the goals; asserts nothing.

What is measured, and how:
  * binary size: build/tee-launcher (linked with -s), checked by `strip`.
  * peak RSS and own CPU: the launcher is run under ptrace (PTRACE_TRACEME,
    only PTRACE_O_TRACEEXIT: it stops once, at exit) and at that stop we read
    VmHWM from /proc/<pid>/status and the run time from /proc/<pid>/schedstat
    (nanoseconds on CPU, user + sys).  Both are the launcher's own: wait4()'s
    rusage (and so /usr/bin/time) would fold in the docker CLI children it
    reaped (docker-compose alone peaks near 48 MiB).
  * the resolver child (issue 13: the registry walk runs in a sandboxed
    fork) is followed with PTRACE_O_TRACEFORK: its VmHWM and schedstat are
    read at its own exit stop and printed apart, so the fork's cost shows.
    Forks that exec (the docker CLI) are detached at their exec stop.
  * runs: one first run (it pulls), then RUNS cold runs with the image
    cached but its <repo>@<digest> reference removed (an extra local tag
    keeps the layers), so each resolves through the registry and pulls; the
    medians are printed.  A cached `docker pull <repo>@<digest>` costs the
    registry one GET /v2/ and the token server nothing (checked below).
    Then RUNS warm runs (issue 15 §3): the reference is there, the launcher
    skips the registry; their registry requests (any client) must be 0.
  * the two engine backends (issue 15 §4) on the same engine, image
    present, runs interleaved: the default (the Engine API: the engine's
    socket is there) and the compose backend (TEE_LAUNCHER_ENGINE=cli), in
    two scenarios: the unchanged node started again (a reboot) and a new
    container (mpc-node removed before each run: the API creates it, compose
    brings it up).  BENCH_BASELINE=<another tee-launcher> runs that binary's
    compose backend in the same rounds and prints the ratio.
  * network: TCP connects counted client-side in one extra run traced with
    PTRACE_SYSCALL (socket/connect of the launcher process only); HTTP
    requests counted server-side (registry access-log lines whose user agent
    is tee-launcher, and the token server's own counter); every connection
    goes to an https endpoint, so TLS handshakes = TCP connects.
"""
import ctypes
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.environ["TOP"]
B = os.environ.get("B", os.path.join(TOP, "build"))
sys.path.insert(0, os.path.join(TOP, "tests", "lib"))
import registry_push  # noqa: E402
import testenv  # noqa: E402

# The compose network comes from here, not from docker's 31 default pools,
# which several private engines on one host (and bridges leaked by killed
# ones) can exhaust: "could not find an available, non-overlapping pool".
ADDRESS_POOL = ("--default-address-pool", "base=10.213.0.0/16,size=24")
LAUNCHER = os.environ.get("LAUNCHER", os.path.join(B, "tee-launcher"))
BASELINE = os.environ.get("BENCH_BASELINE")
RESOLVE = os.path.join(B, "bench", "registry-resolve")
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
TAG = "oci-index"                 # OCI index -> linux/amd64 manifest (+ arm64, attestation)
REPO = "tl/mpc-node"
GOAL_SIZE_KIB = 300
GOAL_RSS_KIB = 1024
GOAL_CPU_MS = 10
GOAL_HANDSHAKES = 2
ENGINES = ("cli", "api")         # warm/cold comparison, each backend
BIG_MIB = int(os.environ.get("BENCH_BIG_MIB", "64"))  # its image: an index, a big layer
GOAL_REQUESTS = 4                 # SPEC §15.1: challenge, token, tag, platform manifest

# ---------------------------------------------------------------- ptrace

LIBC = ctypes.CDLL(None, use_errno=True)
LIBC.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
LIBC.ptrace.restype = ctypes.c_long
PTRACE_TRACEME, PTRACE_CONT, PTRACE_SYSCALL, PTRACE_GETREGS = 0, 7, 24, 12
PTRACE_SETOPTIONS, PTRACE_DETACH = 0x4200, 17
PTRACE_O_TRACESYSGOOD, PTRACE_O_TRACEEXIT, PTRACE_O_EXITKILL = 0x1, 0x40, 0x100000
PTRACE_O_TRACEFORK, PTRACE_O_TRACEEXEC = 0x2, 0x10
PTRACE_EVENT_EXEC, PTRACE_EVENT_EXIT = 4, 6
WALL = 0x40000000
SYS_SOCKET, SYS_CONNECT = 41, 42          # x86-64
AF_INET, AF_INET6, SOCK_STREAM = 2, 10, 1
REG_RAX, REG_RDX, REG_RSI, REG_RDI, REG_ORIG_RAX = 10, 12, 13, 14, 15


class Regs(ctypes.Structure):
    _fields_ = [("r", ctypes.c_ulong * 27)]   # struct user_regs_struct, x86-64


def _traceme():
    if LIBC.ptrace(PTRACE_TRACEME, 0, None, None) != 0:
        os._exit(126)


class Run:
    rc = None
    wall = hwm_kib = cpu_ns = total_cpu = 0.0
    child_hwm_kib = child_cpu_ns = 0.0    # the resolver child (a fork without exec)
    tcp_connects = 0
    stdout = stderr = ""


def own_figures(pid):
    """VmHWM (KiB) and on-CPU time (ns) of a process stopped at its exit."""
    hwm = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    with open("/proc/%d/schedstat" % pid) as f:
        return hwm, int(f.read().split()[0])


def traced(argv, env, syscalls=False):
    """Runs argv to completion under ptrace, following its forks until they
    exec; the one that exits without exec is the resolver child.  Returns a
    Run."""
    r = Run()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, env=env, stdout=out, stderr=err,
                             stdin=subprocess.DEVNULL, preexec_fn=_traceme)
        pid = p.pid
        opts = PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL | PTRACE_O_TRACEFORK | \
            PTRACE_O_TRACEEXEC | (PTRACE_O_TRACESYSGOOD if syscalls else 0)
        step = PTRACE_SYSCALL if syscalls else PTRACE_CONT
        started = False
        forks = set()         # traced forks: stopped once at birth
        in_call = {}          # pid -> between syscall entry and exit
        streams = {}          # pid -> fds of SOCK_STREAM inet sockets
        pending = {}          # pid -> (nr, args) at syscall entry
        regs = Regs()
        while True:
            # Any child: the forks are traced too.  This can also reap a
            # helper of this process (the token server's openssl), whose
            # subprocess call then sees ECHILD and returncode 0.
            wpid, status, ru = os.wait4(-1, WALL)
            if os.WIFEXITED(status) or os.WIFSIGNALED(status):
                if wpid != pid:
                    continue
                r.wall = time.monotonic() - t0
                r.rc = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
                r.total_cpu = ru.ru_utime + ru.ru_stime
                break
            sig = os.WSTOPSIG(status)
            event = status >> 16
            deliver = 0
            if wpid != pid and event == PTRACE_EVENT_EXEC:
                LIBC.ptrace(PTRACE_DETACH, wpid, None, None)   # a docker CLI child
                continue
            if wpid == pid and not started and sig == signal.SIGTRAP:
                LIBC.ptrace(PTRACE_SETOPTIONS, pid, None, ctypes.c_void_p(opts))
                started = True
            elif event == PTRACE_EVENT_EXIT:
                if wpid == pid:
                    r.hwm_kib, r.cpu_ns = own_figures(pid)
                else:
                    r.child_hwm_kib, r.child_cpu_ns = own_figures(wpid)
            elif sig == (signal.SIGTRAP | 0x80):
                LIBC.ptrace(PTRACE_GETREGS, wpid, None, ctypes.byref(regs))
                if not in_call.get(wpid):
                    pending[wpid] = (regs.r[REG_ORIG_RAX], regs.r[REG_RDI], regs.r[REG_RSI])
                else:
                    nr, a0, a1 = pending[wpid]
                    ret = ctypes.c_long(regs.r[REG_RAX]).value
                    if nr == SYS_SOCKET and ret >= 0 and a0 in (AF_INET, AF_INET6) \
                            and (a1 & 0xf) == SOCK_STREAM:
                        streams.setdefault(wpid, set()).add(ret)
                    elif nr == SYS_CONNECT and a0 in streams.get(wpid, ()):
                        r.tcp_connects += 1   # counted whether or not it succeeded
                in_call[wpid] = not in_call.get(wpid)
            elif wpid != pid and wpid not in forks and sig == signal.SIGSTOP:
                forks.add(wpid)       # the stop a traced fork starts with
            else:
                deliver = sig
            LIBC.ptrace(step, wpid, None, ctypes.c_void_p(deliver))
        p.returncode = r.rc
        out.seek(0)
        err.seek(0)
        r.stdout = out.read().decode(errors="replace")
        r.stderr = err.read().decode(errors="replace")
    return r


# ---------------------------------------------------------------- server-side counts

def registry_requests(log_path, agent):
    """Access-log lines (combined format) of one user agent."""
    with open(log_path, errors="replace") as f:
        return sum(1 for line in f if line.startswith("127.0.0.1 - ") and
                   line.rstrip().endswith('"%s"' % agent))


def user_config(host, tag=TAG):
    return "\n".join([
        "[launcher_config]",
        'image_tags = ["%s"]' % tag,
        'image_name = "%s"' % REPO,
        'registry = "%s"' % host,
        "rpc_request_timeout_secs = 10",
        "rpc_request_interval_secs = 1",
        "rpc_max_attempts = 3",
        "port_mappings = []",
        "",
        "[mpc_node_config]",
        'home_dir = "/data"',
        'log.level = "info"',
        "[mpc_node_config.secrets]",
        'secret_store_key_hex = "00"',
        "",
    ])


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def row(name, measured, goal="", verdict=""):
    print(("  %-48s %-26s %-12s %s" % (name, measured, goal, verdict)).rstrip())


def verdict(ok):
    return "ok" if ok else "MISSED"


def binary_size():
    size = os.path.getsize(LAUNCHER)
    with tempfile.TemporaryDirectory() as d:
        tmp = os.path.join(d, "t")
        subprocess.run(["strip", "-o", tmp, LAUNCHER], check=True)
        stripped = os.path.getsize(tmp)
    seg = subprocess.run(["size", LAUNCHER], capture_output=True, text=True).stdout.split("\n")
    text, data, bss = (seg[1].split()[:3] if len(seg) > 1 else ("?", "?", "?"))
    return size, stripped, (text, data, bss)


def main():
    testenv.install_signal_handlers()
    testenv.log = lambda msg: None
    size, stripped, (text, data, bss) = binary_size()
    if os.geteuid() != 0:
        print("launch bench: skipped (needs root for the private dockerd)")
        return 0
    with testenv.TempDir(prefix="tl-bench-") as d:
        pki = testenv.Pki.create(os.path.join(d.path, "pki"))
        with testenv.Registry(pki, auth=True, access_log=True,
                              dir=os.path.join(d.path, "registry")) as reg, \
                testenv.Dockerd(pki, dir=os.path.join(d.path, "dockerd"),
                                extra_args=ADDRESS_POOL) as dk:
            user, pw = reg.push_credentials()
            client = registry_push.Client(reg.host, pki.ca_cert, user, pw)
            img = registry_push.push_standard(client)[TAG]
            big = registry_push.push_big(client, BIG_MIB)
            shared = os.path.join(d.path, "shared")
            os.makedirs(shared)
            cfg = os.path.join(d.path, "user_config")
            with open(cfg, "w") as f:
                f.write(user_config(reg.host))
            env = {
                "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"),
                "DOCKER_HOST": dk.host, "PLATFORM": "NONTEE", "DOCKER_CONTENT_TRUST": "1",
                "DEFAULT_IMAGE_DIGEST": img["config_digest"],
                "TEE_LAUNCHER_USER_CONFIG": cfg,
                "TEE_LAUNCHER_APPROVED_HASHES_FILE": os.path.join(shared, "image-digest.bin"),
                "TEE_LAUNCHER_NODE_CONFIG": os.path.join(shared, "mpc-config.toml"),
                "TEE_LAUNCHER_COMPOSE_FILE": os.path.join(shared, "mpc-node.compose.yaml"),
                "TEE_LAUNCHER_EXTRA_CA_FILE": pki.ca_cert,
            }

            cfg_big = os.path.join(d.path, "user_config_big")
            with open(cfg_big, "w") as f:
                f.write(user_config(reg.host, big["tag"]))
            # an index-digest approval (issue 15 §2) of the big image
            env_big = dict(env, DEFAULT_IMAGE_DIGEST=big["digest"],
                           TEE_LAUNCHER_USER_CONFIG=cfg_big)

            def launch(syscalls=False, engine=None, base=None, binary=LAUNCHER):
                e = base or env
                e = dict(e, TEE_LAUNCHER_ENGINE=engine) if engine else e
                r = traced([binary], e, syscalls)
                if r.rc != 0:
                    raise SystemExit("launch bench: launcher exit %d:\n%s" % (r.rc, r.stderr[-1500:]))
                return r

            def all_requests():
                with open(reg.log_path, errors="replace") as f:
                    return sum(1 for line in f if line.startswith("127.0.0.1 - "))

            pulled = "%s/%s@%s" % (reg.host, REPO, img["platform_digest"])

            def cold():
                # the layers stay (a local tag), the digest reference goes
                dk.docker("rmi", pulled, check=False)

            first = launch()
            dk.docker("tag", img["config_digest"], "tl-bench-keep:cached")
            runs = []
            reg_reqs, tok_reqs, docker_reqs = [], [], []
            for _ in range(RUNS):
                cold()
                lines0 = registry_requests(reg.log_path, "tee-launcher")
                tok0 = reg.token.stats()["token_requests"]
                with open(reg.log_path, errors="replace") as f:
                    all0 = sum(1 for line in f if line.startswith("127.0.0.1 - "))
                runs.append(launch())
                reg_reqs.append(registry_requests(reg.log_path, "tee-launcher") - lines0)
                tok_reqs.append(reg.token.stats()["token_requests"] - tok0)
                with open(reg.log_path, errors="replace") as f:
                    docker_reqs.append(sum(1 for line in f if line.startswith("127.0.0.1 - "))
                                       - all0 - reg_reqs[-1])
            cold()
            counted = launch(syscalls=True)
            # Warm against cold on equal terms: before each run the node
            # container is removed, so both create it; cold runs have no image
            # at all (the engine pulls every layer), warm runs have it.
            def fresh():
                dk.docker("rm", "-f", "mpc-node", check=False)

            absent, warm, warm_reqs = {}, {}, []
            for engine in ENGINES:
                absent[engine], warm[engine] = [], []
                for _ in range(RUNS):
                    fresh()
                    dk.docker("rmi", "-f", big["config_digest"], check=False)
                    absent[engine].append(launch(engine=engine, base=env_big))
                    if "image not present, resolving" not in absent[engine][-1].stderr:
                        raise SystemExit("launch bench: a cold run was warm")
                for _ in range(RUNS):
                    fresh()
                    all0, tok0 = all_requests(), reg.token.stats()["token_requests"]
                    warm[engine].append(launch(engine=engine, base=env_big))
                    warm_reqs.append(all_requests() - all0 +
                                     reg.token.stats()["token_requests"] - tok0)
                    if "image present, registry skipped" not in warm[engine][-1].stderr:
                        raise SystemExit("launch bench: a warm run resolved:\n" +
                                         warm[engine][-1].stderr[-1500:])
            warm_kept = []
            for _ in range(RUNS):
                warm_kept.append(launch())   # the node kept and started again
            # The backends, image present, interleaved rounds (and the
            # baseline binary's compose backend in the same rounds).
            launch(engine="cli")
            backends = {}     # (scenario, name) -> [Run]
            variants = [("api", None, LAUNCHER), ("cli", "cli", LAUNCHER)] + \
                ([("baseline", "cli", BASELINE)] if BASELINE else [])
            for scen in ("restart", "create"):
                for _ in range(RUNS):
                    for name, engine, binary in variants:
                        if scen == "create":
                            fresh()
                        r = launch(engine=engine, binary=binary)
                        if binary == LAUNCHER and "engine=%s " % name not in r.stderr:
                            raise SystemExit("launch bench: not the %s backend" % name)
                        backends.setdefault((scen, name), []).append(r)

            renv = {"PATH": os.environ["PATH"], "TEE_LAUNCHER_EXTRA_CA_FILE": pki.ca_cert}
            rargv = [RESOLVE, "--attempts", "3", reg.host, REPO, img["config_digest"], TAG]
            resolves = [traced(rargv, renv) for _ in range(RUNS)]
            counters = dict(re.findall(r"^(\w+) (\S+)$", resolves[-1].stdout, re.M))
            dk.docker("rm", "-f", "mpc-node", check=False)

    cpu_ms = med([r.cpu_ns / 1e6 for r in runs])
    rss = med([r.hwm_kib for r in runs])
    c_cpu_ms = med([r.child_cpu_ns / 1e6 for r in runs])
    c_rss = med([r.child_hwm_kib for r in runs])
    wall_ms = med([r.wall * 1e3 for r in runs])
    child_ms = med([max(0.0, r.total_cpu * 1e3 - r.cpu_ns / 1e6) for r in runs])
    reqs = med([a + b for a, b in zip(reg_reqs, tok_reqs)])
    r_cpu = med([r.cpu_ns / 1e6 for r in resolves])
    r_rss = med([r.hwm_kib for r in resolves])
    r_wall = med([r.wall * 1e3 for r in resolves])
    k_wall = med([r.wall * 1e3 for r in warm_kept])
    w_cpu = med([r.cpu_ns / 1e6 for e in ENGINES for r in warm[e]])
    w_rss = med([r.hwm_kib for e in ENGINES for r in warm[e]])

    print("launch bench: NONTEE, tag %s (OCI index -> linux/amd64), TLS registry with token"
          " auth," % TAG)
    print("  private dockerd, image cached; medians of %d runs (make bench)" % RUNS)
    print("  cold path: the image's digest reference removed before each run (layers kept)")
    row("figure", "measured", "goal", "")
    row("binary size (stripped, CA bundle inside)",
        "%d B = %.1f KiB" % (stripped, stripped / 1024), "<= %d KiB" % GOAL_SIZE_KIB,
        verdict(stripped <= GOAL_SIZE_KIB * 1024))
    row("  text / data / bss (bytes)", "%s / %s / %s" % (text, data, bss))
    row("peak RSS, launcher process", "%d KiB" % rss, "<= %d KiB" % GOAL_RSS_KIB,
        verdict(rss <= GOAL_RSS_KIB))
    row("own CPU user+sys, full run", "%.1f ms" % cpu_ms, "<= %d ms" % GOAL_CPU_MS,
        verdict(cpu_ms <= GOAL_CPU_MS))
    row("  resolver child (sandboxed fork): peak RSS", "%d KiB" % c_rss)
    row("  resolver child: own CPU user+sys", "%.1f ms" % c_cpu_ms)
    row("  both processes: own CPU user+sys", "%.1f ms" % (cpu_ms + c_cpu_ms),
        "<= %d ms" % GOAL_CPU_MS, verdict(cpu_ms + c_cpu_ms <= GOAL_CPU_MS))
    row("wall, full run (pull cached)", "%.0f ms" % wall_ms)
    row("  CPU of its docker/compose children", "%.0f ms" % child_ms)
    row("wall, first run (pull included)", "%.0f ms" % (first.wall * 1e3))
    row("TCP connections (launcher + child, client-side)", "%d" % counted.tcp_connects)
    row("TLS handshakes (every connection is https)", "%d" % counted.tcp_connects,
        "%d" % GOAL_HANDSHAKES, verdict(counted.tcp_connects <= GOAL_HANDSHAKES))
    row("HTTP requests (server-side)", "%g = registry %g + token %g" %
        (reqs, med(reg_reqs), med(tok_reqs)), "%d" % GOAL_REQUESTS,
        verdict(reqs <= GOAL_REQUESTS))
    row("  registry requests by the engine (cached pull)", "%g" % med(docker_reqs))
    print("  warm path (issue 15 §3): the approved image present, registry skipped;")
    print("  against cold with the image absent, both creating mpc-node afresh; image:")
    print("  an approved OCI index, linux/amd64 with a %d MiB layer (BENCH_BIG_MIB)" % BIG_MIB)
    for e in ENGINES:
        a_wall = med([r.wall * 1e3 for r in absent[e]])
        w_wall = med([r.wall * 1e3 for r in warm[e]])
        row("  %s engine: wall cold (resolve + full pull) / warm" % e,
            "%.0f / %.0f ms = %.2f x" % (a_wall, w_wall, w_wall / a_wall), "<= 0.5 x",
            verdict(w_wall <= 0.5 * a_wall))
    row("  wall, warm, node kept and started again", "%.0f ms = %.2f x cached cold" %
        (k_wall, k_wall / wall_ms))
    row("  registry + token requests (any client)", "%g" % max(warm_reqs), "0",
        verdict(max(warm_reqs) == 0))
    row("  own CPU user+sys / peak RSS", "%.1f ms / %d KiB" % (w_cpu, w_rss))
    print("  engine backends (issue 15 §4), image present, rounds interleaved:")
    for scen, what in (("restart", "unchanged node started again"),
                       ("create", "new container (old one removed)")):
        walls = {k[1]: med([r.wall * 1e3 for r in v]) for k, v in backends.items()
                 if k[0] == scen}
        kids = {k[1]: med([max(0.0, r.total_cpu * 1e3 - r.cpu_ns / 1e6) for r in v])
                for k, v in backends.items() if k[0] == scen}
        row("  wall, %s: api / cli" % what, "%.0f / %.0f ms" % (walls["api"], walls["cli"]))
        row("    CPU of children (resolver fork, docker/compose): api / cli",
            "%.0f / %.0f ms" % (kids["api"], kids["cli"]))
        if "baseline" in walls:
            row("    cli of BENCH_BASELINE, and cli / baseline", "%.0f ms, %.2f" %
                (walls["baseline"], walls["cli"] / walls["baseline"]), "<= 0.80",
                verdict(walls["cli"] <= 0.8 * walls["baseline"]))
    print("  resolution only: registry-resolve (musl -Os static, same sources)")
    row("  own CPU user+sys", "%.1f ms" % r_cpu, "<= %d ms" % GOAL_CPU_MS,
        verdict(r_cpu <= GOAL_CPU_MS))
    row("  peak RSS", "%d KiB" % r_rss, "<= %d KiB" % GOAL_RSS_KIB, verdict(r_rss <= GOAL_RSS_KIB))
    row("  wall", "%.1f ms" % r_wall)
    row("  tcp_connects / tls_handshakes / http_requests", "%s / %s / %s" % (
        counters.get("tcp_connects"), counters.get("tls_handshakes"),
        counters.get("http_requests")), "- / 2 / 4")
    if any(r.rc != 0 for r in resolves):
        print("  registry-resolve failed: %s" % resolves[-1].stdout.strip()[-400:])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
