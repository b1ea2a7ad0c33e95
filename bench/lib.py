"""Benchmark machinery: processes, load generators, /proc meters, round statistics, report.

Workloads live in bench.py; each is a few `Workload.add(name, fn)` calls plus a report function.
A load function gets (ctx, target) and returns a flat dict of numbers (one round, one target).
"""
import atexit
import ctypes
import json
import os
import resource
import select
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUILD = HERE / ".build"
CLK_TCK = os.sysconf("SC_CLK_TCK")
TARGETS = ("direct", "nginx", "switchyard")
CHAT_PATH = "/v1/chat/completions"
AUTH_HEADER = "Authorization: Bearer bench-key"
# openai-responses deployments in the gateway's config file (bench.py adds the upstream model names,
# e.g. "stream-200-5"): model_name RESPONSES_PREFIX + name, served by the fake upstream's /v1/responses.
RESPONSES_PREFIX = "resp-"
RESPONSES_MODELS = []


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes and /proc meters

def _die_with_parent():
    """Child-side: get SIGTERM if the harness dies, so nothing outlives it."""
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _tree(pid):
    """pid and all its descendants."""
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                ppid = int(Path(f"/proc/{d}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            kids.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


class Proc:
    """A started server process; all children started by the harness are tracked for cleanup."""
    live = []

    def __init__(self, name, argv, log_path, env=None, cwd=None):
        self.name, self.log_path = name, log_path
        self.logf = open(log_path, "wb")
        self.p = subprocess.Popen(argv, stdout=self.logf, stderr=subprocess.STDOUT, env=env,
                                  cwd=cwd, preexec_fn=_die_with_parent)
        self.pid = self.p.pid
        Proc.live.append(self)

    def alive(self):
        return self.p.poll() is None

    def cpu_s(self):
        """utime+stime of the process tree, in seconds (threads included)."""
        total = 0
        for pid in _tree(self.pid):
            try:
                f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(f[11]) + int(f[12])
            except (OSError, IndexError):
                pass
        return total / CLK_TCK

    def rss_kb(self):
        total = 0
        for pid in _tree(self.pid):
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total

    def log_tail(self, n=20):
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self, grace=3.0):
        if self.alive():
            self.p.terminate()
            try:
                self.p.wait(grace)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(3)
        self.logf.close()
        if self in Proc.live:
            Proc.live.remove(self)


def stop_all():
    for p in reversed(list(Proc.live)):
        p.stop()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if not proc.alive():
            raise RuntimeError(f"{proc.name} exited:\n{proc.log_tail()}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{proc.name} did not listen on {port} within {timeout}s")


# ---------------------------------------------------------------- servers

class Target:
    """Where the load goes: `proc` is the proxy being measured (None for the direct leg)."""

    def __init__(self, name, port, proc=None):
        self.name, self.port, self.proc = name, port, proc
        self.idle_rss_kb = None


NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 600s;
    client_max_body_size 16m;
    client_body_buffer_size 256k;
    upstream fast {{
        server 127.0.0.1:{uport};
        keepalive 512;
        keepalive_requests 10000000;
        keepalive_timeout 600s;
    }}
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{
            proxy_pass http://fast;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering off;
            proxy_read_timeout 600s;
        }}
    }}
}}
"""


def start_upstream(tmp, threads):
    port = free_port()
    p = Proc("upstream", [str(BUILD / "fast_upstream"), "-p", str(port), "-t", str(threads)],
             tmp / "upstream.log")
    wait_port(port, p)
    return Target("upstream", port, p)


def start_nginx(tmp, uport):
    port, d = free_port(), tmp / "nginx"
    d.mkdir(exist_ok=True)
    conf = d / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=d, uport=uport, port=port))
    p = Proc("nginx", ["nginx", "-p", str(d), "-c", str(conf), "-e", str(d / "error.log")],
             d / "stdout.log")
    wait_port(port, p)
    return Target("nginx", port, p)


def gateway_config(tmp, uport, name, extra=()):
    """The gateway's config file: only a model_list of openai-responses deployments (RESPONSES_MODELS)
    on the fake upstream, plus `extra` lines (e.g. W7's `store:` section). Everything else comes from
    the environment, whose upstream is appended as the catch-all (chat) deployment for every other
    model name (docs/config.md)."""
    lines = [*extra, "model_list:"]
    for m in RESPONSES_MODELS:
        lines += [f"  - model_name: {RESPONSES_PREFIX}{m}", "    params:", "      provider: openai-responses",
                  f"      model: {m}", f"      api_base: http://127.0.0.1:{uport}/v1"]
    path = tmp / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def start_switchyard(tmp, binary, uport, wrapper=(), name="switchyard", timeout=10.0, config=()):
    """The gateway: SWITCHYARD_UPSTREAM_URL (the catch-all chat deployment) and SWITCHYARD_DATA_DIR
    (`<work dir>/<name>-data`, fresh per run: the SQLite store lives there), plus --config with the
    openai-responses deployments (gateway_config) and `config` lines if any. Inherited SWITCHYARD_*
    variables are dropped; BENCH_SWITCHYARD_ENV="K=V ..." and BENCH_SWITCHYARD_ARGS add settings and
    arguments."""
    port, data = free_port(), tmp / f"{name}-data"
    data.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHYARD_")}
    env.update(SWITCHYARD_UPSTREAM_URL=f"http://127.0.0.1:{uport}/v1", SWITCHYARD_DATA_DIR=str(data))
    env.update(kv.split("=", 1) for kv in shlex.split(os.environ.get("BENCH_SWITCHYARD_ENV", "")))
    extra = shlex.split(os.environ.get("BENCH_SWITCHYARD_ARGS", ""))
    if RESPONSES_MODELS or config:
        extra = ["--config", str(gateway_config(tmp, uport, name, config)), *extra]
    p = Proc(name, [*wrapper, str(binary), "--listen", f"127.0.0.1:{port}", *extra],
             tmp / f"{name}.log", env=env, cwd=str(tmp))
    wait_port(port, p, timeout)
    return Target(name, port, p)


# ---------------------------------------------------------------- load generators

def _metered(ctx, target, run):
    """Runs `run()` and adds the proxy's and the upstream's CPU seconds used meanwhile."""
    meters = {"cpu_s": target.proc, "up_cpu_s": ctx.upstream.proc}
    before = {k: p.cpu_s() for k, p in meters.items() if p}
    t0 = time.monotonic()
    res = run()
    res["wall_s"] = time.monotonic() - t0
    for k, p in meters.items():
        if p:
            res[k] = p.cpu_s() - before[k]
    res["up_busy"] = res["up_cpu_s"] / res["wall_s"]
    if target.proc and not target.proc.alive():
        raise RuntimeError(f"{target.name} died during the load:\n{target.proc.log_tail()}")
    return res


def _per_work(res, work, key, scale):
    for k in ("cpu_s", "up_cpu_s"):
        if k in res and work:
            res[k.replace("cpu_s", key)] = res[k] * scale / work


class Ctx:
    def __init__(self, opts, tmp):
        self.opts, self.tmp = opts, tmp
        self.upstream = None
        self.targets = {}
        self._bodies = {}

    def body(self, name, text):
        """A request body file (written once per run)."""
        if name not in self._bodies:
            path = self.tmp / f"body-{name}.json"
            path.write_text(text)
            self._bodies[name] = path
        return self._bodies[name]

    def wrk(self, t, path, body, conns, duration=None):
        """wrk POST load; latency in µs, cpu_us_per_req for the proxy (and up_cpu_us_per_req)."""
        duration = max(1, round(duration or self.opts.duration))  # wrk takes whole seconds
        argv = ["wrk", "-t1", f"-c{conns}", f"-d{duration}s", "--timeout", "10s",
                "-s", str(HERE / "clients" / "post.lua"), f"http://127.0.0.1:{t.port}{path}"]
        env = dict(os.environ, BENCH_BODY=str(body), BENCH_HEADERS=AUTH_HEADER)

        def run():
            out = subprocess.run(argv, env=env, capture_output=True, text=True,
                                 timeout=duration + 60).stdout
            line = next((l for l in out.splitlines() if l.startswith("BENCH_JSON ")), None)
            if not line:
                raise RuntimeError(f"wrk gave no summary:\n{out}")
            return json.loads(line[len("BENCH_JSON "):])

        res = _metered(self, t, run)
        res["rps"] = res["requests"] / (res["duration_us"] / 1e6)
        res["errors"] = sum(v for k, v in res.items() if k.startswith("err_"))
        _per_work(res, res["requests"], "cpu_us_per_req", 1e6)
        return res

    def sse(self, t, body, conns, duration=None, expected=None, stall_ms=0, ramp_ms=0, path=CHAT_PATH,
            responses=False, expected_deltas=None, chat=False):
        """SSE streams for `duration` seconds; TTFE/gaps in µs, cpu_us_per_kevent per 1000 events.
        responses: classify Responses events (sse_client -R): deltas, bad_tail (no
        response.completed + [DONE] at the end), short_deltas (!= expected_deltas), ttfd (first
        output_text.delta); the last two count as lost streams. chat: the same for chat chunks
        (sse_client -C): deltas are chunks with non-empty content, the end must be the usage chunk
        then [DONE]."""
        duration = duration or self.opts.duration
        argv = [str(BUILD / "sse_client"), "-p", str(t.port), "-u", path, "-b", str(body),
                "-c", str(conns), "-d", str(duration), "-H", AUTH_HEADER, "-T", str(duration + 60)]
        if expected:
            argv += ["-e", str(expected)]
        if stall_ms:
            argv += ["-s", str(stall_ms)]
        if ramp_ms:
            argv += ["-r", str(ramp_ms)]
        if responses or chat:
            argv += ["-R" if responses else "-C"] + (["-E", str(expected_deltas)] if expected_deltas else [])

        def run():
            out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 90)
            if not out.stdout.strip():
                raise RuntimeError(f"sse_client gave no summary (rc {out.returncode}): {out.stderr[-500:]}")
            return json.loads(out.stdout.strip().splitlines()[-1])

        res = _metered(self, t, run)
        res["lost"] = (res["errors"] + res["unfinished"] + res["short_streams"]
                       + (res["bad_tail"] + res["short_deltas"] if responses or chat else 0))
        _per_work(res, res["events"], "cpu_us_per_kevent", 1e9)
        return res

    def hold(self, t, body, streams, settle=1.0, path=CHAT_PATH):
        """Opens `streams` slow streams at once and reads the proxy's RSS while they are open."""
        argv = [str(BUILD / "sse_client"), "-p", str(t.port), "-u", path, "-b", str(body),
                "-c", str(streams), "-k", "-H", AUTH_HEADER, "-T", "120"]
        res = {"rss_before_kb": t.proc.rss_kb()}
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, preexec_fn=_die_with_parent)
        try:
            line = _readline(p.stdout, 60)
            res["ready"] = int(bool(line and '"ready"' in line))
            time.sleep(settle)
            res["rss_open_kb"] = t.proc.rss_kb()
        finally:
            p.send_signal(signal.SIGTERM)
            out, _ = p.communicate(timeout=30)
        last = json.loads(out.strip().splitlines()[-1])
        res["errors"] = last["errors"]
        time.sleep(settle)
        res["rss_after_kb"] = t.proc.rss_kb()
        res["per_stream_kb"] = (res["rss_open_kb"] - res["rss_before_kb"]) / streams
        return res


def pg_fresh_url(url, tmp, keep=False):
    """A URL for a fresh, empty schema on the PostgreSQL server of `url` (W7): psql creates schema
    `sy_bench_<work dir name>`, and the URL selects it with `options=-csearch_path=...` (the gateway
    creates its tables in the first schema of the search_path). The schema is dropped at exit
    unless `keep`. Without psql, `url` as it is (the database should then be a throwaway one)."""
    if not shutil.which("psql"):
        log("WARNING: no psql: the PostgreSQL store is used as it is, not in a fresh schema")
        return url
    schema = "sy_bench_" + "".join(ch if ch.isalnum() else "_" for ch in tmp.name.lower())
    psql = lambda sql: subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                                      capture_output=True, text=True, timeout=60)
    r = psql(f"CREATE SCHEMA {schema}")
    if r.returncode:
        raise RuntimeError(f"psql could not create schema {schema}: {r.stderr.strip()[-300:]}")
    if not keep:
        atexit.register(lambda: psql(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    return url + ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"


def _readline(f, timeout):
    """A line from a pipe, or None after `timeout` seconds."""
    ready, _, _ = select.select([f], [], [], timeout)
    return f.readline() if ready else None


def callgrind_instructions(ctx, body, n=(200, 1000), path=CHAT_PATH):
    """Instructions per request of the gateway, deterministic: two callgrind runs of n[0] and n[1]
    sequential requests; (I1 - I0) / (n1 - n0) cancels start-up and shutdown."""
    totals = []
    for count in n:
        out = ctx.tmp / f"callgrind-{count}.out"
        t = start_switchyard(ctx.tmp, ctx.opts.switchyard, ctx.upstream.port, name=f"callgrind-{count}",
                             wrapper=("valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"),
                             timeout=60)
        try:
            load = subprocess.run([str(BUILD / "sse_client"), "-p", str(t.port), "-u", path, "-b",
                                   str(body), "-c", "1", "-n", str(count), "-H", AUTH_HEADER, "-T", "120"],
                                  capture_output=True, text=True, timeout=150).stdout
        finally:
            t.proc.stop(grace=60)
        res = json.loads(load.strip().splitlines()[-1])
        if res["streams"] != count or res["errors"]:
            raise RuntimeError(f"callgrind run: {res['streams']} of {count} requests done, "
                               f"{res['errors']} errors")
        text = out.read_text()
        totals.append(int(next(l.split()[1] for l in text.splitlines()
                                if l.startswith(("summary:", "totals:")))))
    return {"instr_per_req": (totals[1] - totals[0]) / (n[1] - n[0]), "instr_total": totals[1]}


# ---------------------------------------------------------------- workloads and rounds

class Workload:
    registry = []

    def __init__(self, wid, title, targets=TARGETS, once=False, per_workload=False):
        """once: run after the rounds, a single time (e.g. memory), instead of every round.
        per_workload: its loads are named after workload ids (IR): `--only W2` selects its W2 load."""
        self.wid, self.title, self.targets, self.once = wid, title, targets, once
        self.per_workload = per_workload
        self.loads = []  # (name, fn, quick, targets)
        self.report_fn = None
        Workload.registry.append(self)

    def add(self, name, fn, quick=False, targets=None):
        """fn(ctx, target) -> dict of numbers; quick: also part of --quick; targets: this load's
        legs if not the workload's (e.g. a chat baseline on direct and switchyard)."""
        self.loads.append((name, fn, quick, targets))

    def report(self, fn):
        """fn(Report) yields rows (see Report.row)."""
        self.report_fn = fn
        return fn


def summary(res):
    """One progress line for a load result."""
    f = lambda k, fmt: (fmt % res[k]) if k in res else "-"
    if "rps" in res:
        return (f"{res['rps']:9.0f} rps  p50 {res['p50_us']:6.0f}µs  p99 {res['p99_us']:6.0f}µs  "
                f"cpu {f('cpu_us_per_req', '%.1f')}µs/req  upstream {res['up_busy']:.0%}  "
                f"errors {res['errors']}")
    if "events" in res:
        return (f"{res['events_per_s']:9.0f} ev/s  ttfe p50 {res['ttfe_p50_us']:7.0f}µs  "
                f"gap p99 {res['gap_p99_us']:7.0f}µs  cpu {f('cpu_us_per_kevent', '%.0f')}µs/kev  "
                f"streams {res['streams']} lost {res['lost']} stalls {res['stalls']}")
    return "  ".join(f"{k}={v:.0f}" if isinstance(v, float) else f"{k}={v}" for k, v in res.items())


def run_loads(ctx, workloads, results, rnd, once):
    for w in workloads:
        if w.once != once:
            continue
        for name, fn, quick, targets in w.loads:
            if ctx.opts.quick and not quick:
                continue
            if w.per_workload and ctx.opts.only and w.wid not in ctx.opts.only and name not in ctx.opts.only:
                continue
            for tname in targets or w.targets:
                t = ctx.targets.get(tname)
                if not t:
                    continue
                try:
                    res = fn(ctx, t)
                except Exception as e:  # one broken leg must not lose the others
                    log(f"  {w.wid} {name} {tname}: FAILED: {e}")
                    if t.proc and not t.proc.alive():
                        del ctx.targets[tname]
                    continue
                results.setdefault(w.wid, {}).setdefault(name, {}).setdefault(tname, []).append(res)
                log(f"  [{rnd}] {w.wid:4} {name:10} {tname:10} {summary(res)}")


# ---------------------------------------------------------------- report

def _med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


class Report:
    """Median-of-rounds accessors over results[wid][load][target] = [round dicts]."""

    def __init__(self, results, wid):
        self.results, self.wid = results, wid

    def series(self, load, key, target, wid=None):
        rounds = self.results.get(wid or self.wid, {}).get(load, {}).get(target, [])
        return [r.get(key) for r in rounds]

    def med(self, load, key, target, wid=None):
        return _med(self.series(load, key, target, wid))

    def _pairwise(self, load, key, target, base, op):
        a, b = self.series(load, key, target), self.series(load, key, base)
        return _med([op(x, y) for x, y in zip(a, b) if x is not None and y is not None])

    def total(self, key, loads=None):
        """Per target: sum over loads of the median-of-rounds (None if the target never ran)."""
        out = {}
        for t in TARGETS:
            vals = [self.med(l, key, t) for l in (loads or self.results.get(self.wid, {}))]
            vals = [v for v in vals if v is not None]
            out[t] = sum(vals) if vals else None
        return out

    def vs(self, load, key, wid=None, other_load=None, target="switchyard", other_target=None, op="-"):
        """Median over rounds of (this workload's value - workload `wid`'s) in the same round; by
        default the same target, e.g. W2's added latency over the W1 chat passthrough;
        other_target="direct": over the chat upstream itself. op="/" gives the ratio."""
        a = self.series(load, key, target)
        b = self.series(other_load or load, key, other_target or target, wid)
        f = (lambda x, y: x - y) if op == "-" else (lambda x, y: x / y if y else None)
        return _med([f(x, y) for x, y in zip(a, b) if x is not None and y is not None])

    def values(self, load, key):
        return {t: self.med(load, key, t) for t in TARGETS}

    def added(self, load, key, base="direct"):
        """Median over rounds of (target - base) in the same round."""
        return {t: self._pairwise(load, key, t, base, lambda x, y: x - y)
                for t in TARGETS if TARGETS.index(t) > TARGETS.index(base)}

    def ratio(self, load, key, base="direct"):
        return {t: self._pairwise(load, key, t, base, lambda x, y: x / y if y else None)
                for t in TARGETS if TARGETS.index(t) > TARGETS.index(base)}

    @staticmethod
    def row(label, cells, fmt="%.1f", target=None):
        """target: (op, threshold, text) judged on the switchyard cell, e.g. ("<=", 50, "≤ 50")."""
        return (label, cells, fmt, target)


OPS = {"<=": lambda v, x: v <= x, ">=": lambda v, x: v >= x, "==": lambda v, x: v == x}


def format_table(results, workloads):
    lines = [f"{'':5} {'metric':60} {'direct':>10} {'nginx':>10} {'switchyard':>11}  "
             f"{'target':16} result", "-" * 126]
    for w in workloads:
        if not w.report_fn or w.wid not in results:
            continue
        for label, cells, fmt, target in w.report_fn(Report(results, w.wid)):
            if all(v is None for v in cells.values()):
                continue  # load not run (--quick, --only, missing leg)
            cols = []
            for t in TARGETS:
                v = cells.get(t)
                cols.append("—" if v is None else fmt % v)
            verdict, ttext = "", ""
            if target:
                op, thr, ttext = target
                v = cells.get("switchyard")
                verdict = "n/a" if v is None else ("PASS" if OPS[op](v, thr) else "MISS")
            lines.append(f"{w.wid:5} {label:60} {cols[0]:>10} {cols[1]:>10} {cols[2]:>11}  "
                         f"{ttext:16} {verdict}")
    return "\n".join(lines)


def git_describe():
    """Short HEAD, and whether src/ (what the gateway is built from) has uncommitted changes."""
    git = lambda *a: subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True, text=True).stdout.strip()
    head = git("rev-parse", "--short", "HEAD") or "?"
    return head + (" with uncommitted changes in src/" if git("status", "--porcelain", "src") else "")


def machine():
    model = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                  if l.startswith("model name")), "?")
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": os.uname().release,
            "loadavg": Path("/proc/loadavg").read_text().split()[:3]}


# ---------------------------------------------------------------- main

def print_report(data, workloads):
    m, o = data["meta"], data["meta"]["opts"]
    print(f"\nSwitchyard benchmark: {o['rounds']} round(s) x {o['duration']}s legs, interleaved; "
          f"figures are medians of the round medians.")
    print(f"machine: {m['machine']['nproc']} x {m['machine']['cpu']}, kernel {m['machine']['kernel']}; "
          f"load avg {' '.join(m['machine']['loadavg'])} -> {' '.join(m['loadavg_end'])}; no CPU pinning "
          f"(wrk/sse_client, upstream ({o['upstream_threads']} thread), proxy all share the cores); "
          f"fd limit {m.get('nofile', '?')}")
    print(f"gateway {m['switchyard']} (built {m.get('switchyard_mtime', '?')}); repo at {m['git']}; "
          f"elapsed {m['elapsed_s']:.0f}s\n")
    print(format_table(data["results"], workloads))


def start_targets(ctx, opts):
    tmp = ctx.tmp
    ctx.upstream = start_upstream(tmp, opts.upstream_threads)
    up = ctx.upstream.port
    ctx.targets["direct"] = Target("direct", up)
    if "nginx" in opts.targets:
        ctx.targets["nginx"] = start_nginx(tmp, up)
    if "switchyard" not in opts.targets:
        return
    if not Path(opts.switchyard).is_file():
        log(f"switchyard leg skipped: no binary at {opts.switchyard}")
        return
    if b"__asan_init" in Path(opts.switchyard).read_bytes():
        log("WARNING: the gateway is built with AddressSanitizer; its figures are not representative")
    # a private copy: every leg (and callgrind) measures the same binary even if the build
    # directory is rebuilt during the run
    opts.switchyard = shutil.copy2(opts.switchyard, tmp / "switchyard")
    try:
        ctx.targets["switchyard"] = start_switchyard(tmp, opts.switchyard, up)
    except RuntimeError as e:
        log(f"switchyard leg skipped: {e}")


def raise_nofile(want=65536):
    """The fd limit for the harness and everything it starts (children inherit it): N streams
    need about N fds in the client and upstream and 2N in a proxy. Raises the hard limit too where
    allowed (root), else the soft limit up to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, hard), max(want, hard)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main(opts):
    workloads = [w for w in Workload.registry if not opts.only or w.wid in opts.only
                 or (w.per_workload and any(name in opts.only for name, *_ in w.loads))]
    if opts.report:
        print_report(json.loads(Path(opts.report).read_text()), workloads)
        return 0
    nofile = raise_nofile()
    atexit.register(stop_all)
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, lambda *_: sys.exit(130))

    tmp = Path(tempfile.mkdtemp(prefix="switchyard-bench-"))
    log(f"work dir {tmp} (logs, nginx.conf; removed at exit unless --keep-tmp)")
    if not opts.keep_tmp:
        atexit.register(shutil.rmtree, tmp, True)  # runs after stop_all (LIFO)
    ctx = Ctx(opts, tmp)
    t0 = time.monotonic()
    sy = Path(opts.switchyard)
    meta = {"machine": machine(), "git": git_describe(), "switchyard": opts.switchyard, "nofile": nofile,
            "switchyard_mtime": time.strftime("%Y-%m-%d %H:%M", time.localtime(sy.stat().st_mtime))
            if sy.is_file() else None,
            "opts": {k: v for k, v in vars(opts).items() if k in ("quick", "rounds", "duration",
                                                                  "upstream_threads")}}
    out = BUILD / "results" / time.strftime("%Y%m%d-%H%M%S.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    results = {}

    def save():  # after every round, so an interrupted run keeps what it measured
        meta.update(loadavg_end=machine()["loadavg"], elapsed_s=time.monotonic() - t0,
                    targets=list(ctx.targets))
        out.write_text(json.dumps({"meta": meta, "results": results}, indent=1))

    start_targets(ctx, opts)
    time.sleep(0.5)
    for t in ctx.targets.values():
        if t.proc:
            t.idle_rss_kb = t.proc.rss_kb()
            results.setdefault("idle", {}).setdefault("start", {})[t.name] = [{"rss_kb": t.idle_rss_kb}]

    log(f"warm-up ({', '.join(ctx.targets)}); results go to {out.relative_to(ROOT)}")
    warm = ctx.body("warmup", json.dumps({"model": "warmup", "messages": [{"role": "user", "content": "hi"}]}))
    for t in ctx.targets.values():
        ctx.wrk(t, CHAT_PATH, warm, 32, duration=1)
    for rnd in range(1, opts.rounds + 1):
        log(f"round {rnd}/{opts.rounds}")
        run_loads(ctx, workloads, results, rnd, once=False)
        save()
    log("single-shot loads")
    run_loads(ctx, workloads, results, 1, once=True)
    save()
    print_report({"meta": meta, "results": results}, workloads)
    print(f"\nraw results: {out.relative_to(ROOT)} (re-print with: bench/run.sh --report FILE)")
    return 0
