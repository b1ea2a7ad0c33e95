"""Switchyard benchmark workloads (see /bench/README.md). Run through bench/run.sh.

To add a workload: create a lib.Workload, add loads (fn(ctx, target) -> dict, usually ctx.wrk or
ctx.sse), and a report function yielding rows. Loads run every round on each of its targets,
back to back (direct, nginx, switchyard), so twins are measured in the same minute.
"""
import argparse
import json
import sys

import lib
from lib import CHAT_PATH, Report, Workload

SYSTEM = "You are a helpful assistant. Answer briefly."


def chat_body(size, model="gpt-4o-mini", stream=False):
    """A chat request of about `size` bytes (the user prompt is padded to fit)."""
    body = {"model": model, "messages": [{"role": "system", "content": SYSTEM},
                                         {"role": "user", "content": ""}],
            "temperature": 0.7, "max_tokens": 256}
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    pad = max(0, size - len(json.dumps(body, separators=(",", ":"))))
    words = "Tell me about the history of gateways and proxies. " * (pad // 52 + 1)
    body["messages"][1]["content"] = words[:pad]
    return json.dumps(body, separators=(",", ":"))


def check(op, value, text):
    return (op, value, text)


# ------------------------------------------------------------------ W1: chat passthrough

W1 = Workload("W1", "chat passthrough, non-streaming (0.3 KB request / 0.5 KB answer)")
W1B = Workload("W1b", "chat passthrough, non-streaming (32 KB prompt / 8 KB answer)")

for wl, size, model in ((W1, 300, "gpt-4o-mini"), (W1B, 32 * 1024, "big")):
    for c in (1, 32):
        wl.add(f"c{c}", lambda ctx, t, c=c, size=size, model=model:
               ctx.wrk(t, CHAT_PATH, ctx.body(f"chat-{size}-{model}", chat_body(size, model)), c),
               quick=wl is W1)


def w1_rows(r, targets_apply=True):
    R = Report.row
    yield R("p50 latency c=1 (µs)", r.values("c1", "p50_us"), "%.0f")
    yield R("added p50 c=1 vs direct (µs)", r.added("c1", "p50_us"), "%.0f",
            check("<=", 50, "≤ 50") if targets_apply else None)
    yield R("added p50 c=1 vs nginx (µs)", r.added("c1", "p50_us", "nginx"), "%.0f")
    yield R("added p99 c=1 vs direct (µs)", r.added("c1", "p99_us"), "%.0f")
    yield R("throughput c=32 (req/s)", r.values("c32", "rps"), "%.0f")
    yield R("throughput ratio c=32 vs direct", r.ratio("c32", "rps"), "%.2f",
            check(">=", 0.80, "≥ 0.80") if targets_apply else None)
    yield R("throughput ratio c=32 vs nginx", r.ratio("c32", "rps", "nginx"), "%.2f")
    yield R("upstream busy c=32 (% of a core)", {t: v * 100 if v is not None else None
            for t, v in r.values("c32", "up_busy").items()}, "%.0f")
    yield R("proxy CPU per request c=1 (µs)", r.values("c1", "cpu_us_per_req"))
    yield R("proxy CPU per request c=32 (µs)", r.values("c32", "cpu_us_per_req"))
    yield R("CPU per request c=32, switchyard / nginx", r.ratio("c32", "cpu_us_per_req", "nginx"), "%.2f")
    yield R("errors (median per round)", r.total("errors"), "%.0f", check("==", 0, "0"))


W1.report(lambda r: w1_rows(r))
W1B.report(lambda r: w1_rows(r, targets_apply=False))


# ------------------------------------------------------------------ W5: chat streaming passthrough

W5 = Workload("W5", "chat streaming passthrough, 200 chunks (+[DONE])")
EVENTS = 201        # 200 chunk events + data: [DONE]
PACE_MS = 5


def w5_load(c, pace_ms):
    """Streams of 200 chunks, paced (first streams spread over one stream length) or unpaced."""
    model = f"stream-200-{pace_ms}"

    def run(ctx, t):
        body = ctx.body(model, chat_body(300, model, stream=True))
        if pace_ms:  # a stream lasts ~1 s: leave room for the last one to finish
            return ctx.sse(t, body, c, ctx.opts.duration - 1, expected=EVENTS,
                           stall_ms=10 * pace_ms, ramp_ms=200 * pace_ms)
        return ctx.sse(t, body, c, expected=EVENTS)
    return run


for c in (8, 64):
    W5.add(f"paced-c{c}", w5_load(c, PACE_MS), quick=c == 64)
for c in (8, 64):
    W5.add(f"unpaced-c{c}", w5_load(c, 0), quick=c == 64)


@W5.report
def _(r):
    R = Report.row
    for c in (8, 64):
        load = f"paced-c{c}"
        target = c == 64  # the W4 targets, applied to plain passthrough
        yield R(f"paced {PACE_MS}ms c={c}: TTFE p50 (µs)", r.values(load, "ttfe_p50_us"), "%.0f")
        yield R(f"paced c={c}: added TTFE p50 vs direct (µs)", r.added(load, "ttfe_p50_us"),
                "%.0f", check("<=", 500, "≤ 500 (W4)") if target else None)
        yield R(f"paced c={c}: added TTFE p99 vs direct (µs)", r.added(load, "ttfe_p99_us"), "%.0f")
        yield R(f"paced c={c}: gap p99 (µs)", r.values(load, "gap_p99_us"), "%.0f")
        yield R(f"paced c={c}: added gap p99 vs direct (µs)", r.added(load, "gap_p99_us"),
                "%.0f", check("<=", 500, "≤ 500 (W4)") if target else None)
        yield R(f"paced c={c}: stalls > {10 * PACE_MS} ms", r.values(load, "stalls"), "%.0f",
                check("==", 0, "0"))
        yield R(f"paced c={c}: proxy CPU per 1000 events (µs)", r.values(load, "cpu_us_per_kevent"), "%.0f")
        yield R(f"paced c={c}: CPU per event, switchyard / nginx",
                r.ratio(load, "cpu_us_per_kevent", "nginx"), "%.2f")
    for c in (8, 64):
        load = f"unpaced-c{c}"
        yield R(f"unpaced c={c}: events/s", r.values(load, "events_per_s"), "%.0f")
        yield R(f"unpaced c={c}: added TTFE p50 vs direct (µs)", r.added(load, "ttfe_p50_us"), "%.0f")
        yield R(f"unpaced c={c}: proxy CPU per 1000 events (µs)", r.values(load, "cpu_us_per_kevent"),
                "%.0f", check("<=", 5000, "≤ 5000 (W3)"))
        yield R(f"unpaced c={c}: CPU per event, switchyard / nginx",
                r.ratio(load, "cpu_us_per_kevent", "nginx"), "%.2f")
    yield R("streams failed or short (median per round)", r.total("lost"), "%.0f", check("==", 0, "0"))


# ------------------------------------------------------------------ memory

MEM = Workload("MEM", "RSS idle and with open streams", targets=("nginx", "switchyard"), once=True)
HOLD = 1000
MEM.add(f"hold{HOLD}", lambda ctx, t: ctx.hold(
    t, ctx.body("hold", chat_body(300, "stream-2000-50", stream=True)), HOLD), quick=True)


@MEM.report
def _(r):
    R = Report.row
    mb = {t: (v / 1024 if v is not None else None)
          for t, v in Report(r.results, "idle").values("start", "rss_kb").items()}
    yield R("idle RSS after start (MB)", mb, "%.1f", check("<=", 8, "≤ 8"))
    load = f"hold{HOLD}"
    yield R(f"RSS with {HOLD} open streams (MB)",
            {t: v / 1024 if v is not None else None for t, v in r.values(load, "rss_open_kb").items()}, "%.1f")
    yield R("RSS per open stream (KB)", r.values(load, "per_stream_kb"), "%.1f", check("<=", 16, "≤ 16"))
    yield R("RSS after the streams closed (MB)",
            {t: v / 1024 if v is not None else None for t, v in r.values(load, "rss_after_kb").items()}, "%.1f")
    yield R(f"all {HOLD} streams open at once (1 = yes)", r.values(load, "ready"), "%.0f", check("==", 1, "1"))


# ------------------------------------------------------------------ instructions (callgrind)

IR = Workload("IR", "gateway instructions (callgrind; deterministic)", targets=("switchyard",), once=True)
IR.add("W1", lambda ctx, t: lib.callgrind_instructions(ctx, ctx.body("chat-300-gpt-4o-mini", chat_body(300))))
IR.add("W5", lambda ctx, t: lib.callgrind_instructions(
    ctx, ctx.body("stream-200-0", chat_body(300, "stream-200-0", stream=True)), n=(10, 50)))


@IR.report
def _(r):
    R = Report.row
    yield R("instructions per request (W1 0.3 KB)", r.values("W1", "instr_per_req"), "%.0f")
    yield R("instructions per streamed event (W5)",
            {t: v / EVENTS if v is not None else None for t, v in r.values("W5", "instr_per_req").items()},
            "%.0f")


# ------------------------------------------------------------------ command line

def parse_args(argv):
    p = argparse.ArgumentParser(description="Switchyard benchmark harness")
    p.add_argument("--quick", action="store_true", help="1 round, short legs, few loads (< 60 s)")
    p.add_argument("--rounds", type=int, help="rounds (default 3, quick 1)")
    p.add_argument("--duration", type=float, help="seconds per leg (default 5, quick 2)")
    p.add_argument("--only", help="comma-separated workload ids, e.g. W1,W5")
    p.add_argument("--targets", default="direct,nginx,switchyard", help="legs to run")
    p.add_argument("--switchyard", help="gateway binary (default build/switchyard)")
    p.add_argument("--upstream-threads", type=int, default=1)
    p.add_argument("--keep-tmp", action="store_true", help="keep the work dir (logs, configs)")
    p.add_argument("--report", metavar="FILE", help="only print the table of a saved results file")
    o = p.parse_args(argv)
    o.rounds = o.rounds or (1 if o.quick else 3)
    o.duration = o.duration or (2.0 if o.quick else 5.0)
    o.only = set(o.only.split(",")) if o.only else None
    o.targets = set(o.targets.split(","))
    o.switchyard = o.switchyard or str(lib.ROOT / "build" / "switchyard")
    return o


if __name__ == "__main__":
    sys.exit(lib.main(parse_args(sys.argv[1:])))
