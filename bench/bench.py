"""Switchyard benchmark workloads (see /bench/README.md). Run through bench/run.sh.

To add a workload: create a lib.Workload, add loads (fn(ctx, target) -> dict, usually ctx.wrk or
ctx.sse), and a report function yielding rows. Loads run every round on each of its targets,
back to back (direct, nginx, switchyard), so twins are measured in the same minute.
"""
import argparse
import json
import os
import sys

import lib
from lib import CHAT_PATH, Report, Workload

RESPONSES_PATH = "/v1/responses"
SYSTEM = "You are a helpful assistant. Answer briefly."
TOOLS = [  # W2's variant: two function tools, translated to chat "tools"
    {"type": "function", "name": "get_weather", "description": "Current weather for a city.",
     "parameters": {"type": "object", "properties": {
         "city": {"type": "string", "description": "City name"},
         "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
         "required": ["city"], "additionalProperties": False}, "strict": True},
    {"type": "function", "name": "get_time", "description": "Local time in a time zone.",
     "parameters": {"type": "object", "properties": {
         "tz": {"type": "string", "description": "IANA time zone, e.g. Europe/Paris"}},
         "required": ["tz"], "additionalProperties": False}, "strict": True},
]


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


def responses_body(model="gpt-4o-mini", stream=False, tools=False):
    """A Responses request: instructions + 2 input messages (a plain string and input_text parts),
    about 0.3 KB like W1's chat request (with tools about 0.9 KB). `store: false`: W2-W4 and W6
    measure translation alone; W7 sets `store` itself and measures the stored path."""
    body = {"model": model, "instructions": SYSTEM,
            "input": [{"role": "user", "content": "Tell me about the history of gateways and proxies."},
                      {"type": "message", "role": "user",
                       "content": [{"type": "input_text", "text": "Keep it under a hundred words, please."}]}],
            "temperature": 0.7, "max_output_tokens": 256, "store": False}
    if tools:
        body["tools"] = TOOLS
    if stream:
        body["stream"] = True
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


# ------------------------------------------------------------------ W2: Responses -> chat, non-streaming
# No direct leg exists (the upstream speaks chat): W2 runs on the gateway only and is compared with
# W1 of the same round: its direct leg (the chat upstream itself: the target's "added") and its
# switchyard leg (chat passthrough of the same upstream answer: the translation's share).

W2 = Workload("W2", "Responses -> chat translation, non-streaming (W1's 0.5 KB answer)",
              targets=("switchyard",))
for variant, tools in (("", False), ("tools-", True)):
    for c in (1, 32):
        W2.add(f"{variant}c{c}", lambda ctx, t, c=c, tools=tools:
               ctx.wrk(t, RESPONSES_PATH, ctx.body(f"responses-tools{int(tools)}", responses_body(tools=tools)), c),
               quick=not tools)


@W2.report
def _(r):
    R = Report.row
    sy = lambda v: {"switchyard": v}
    for variant, label in (("", ""), ("tools-", "tools: ")):
        judge = variant == ""
        yield R(f"{label}p50 latency c=1 (µs)", sy(r.med(f"{variant}c1", "p50_us", "switchyard")), "%.0f")
        yield R(f"{label}added p50 c=1 vs chat direct (W1) (µs)",
                sy(r.vs(f"{variant}c1", "p50_us", "W1", "c1", other_target="direct")), "%.0f",
                check("<=", 100, "≤ 100") if judge else None)
        yield R(f"{label}added p50 c=1 vs chat via switchyard (W1) (µs)",
                sy(r.vs(f"{variant}c1", "p50_us", "W1", "c1")), "%.0f")
        yield R(f"{label}added p99 c=1 vs chat direct (W1) (µs)",
                sy(r.vs(f"{variant}c1", "p99_us", "W1", "c1", other_target="direct")), "%.0f")
        yield R(f"{label}added p99 c=1 vs chat via switchyard (W1) (µs)",
                sy(r.vs(f"{variant}c1", "p99_us", "W1", "c1")), "%.0f")
        yield R(f"{label}throughput c=32 (req/s)", sy(r.med(f"{variant}c32", "rps", "switchyard")), "%.0f")
        yield R(f"{label}throughput ratio c=32 vs chat direct (W1)",
                sy(r.vs(f"{variant}c32", "rps", "W1", "c32", other_target="direct", op="/")), "%.2f",
                check(">=", 0.60, "≥ 0.60") if judge else None)
        yield R(f"{label}throughput ratio c=32 vs chat via switchyard (W1)",
                sy(r.vs(f"{variant}c32", "rps", "W1", "c32", op="/")), "%.2f")
        yield R(f"{label}proxy CPU per request c=32 (µs)",
                sy(r.med(f"{variant}c32", "cpu_us_per_req", "switchyard")))
        yield R(f"{label}CPU per request c=32, Responses / chat (W1)",
                sy(r.vs(f"{variant}c32", "cpu_us_per_req", "W1", "c32", op="/")), "%.2f")
    yield R("errors (median per round)", r.total("errors"), "%.0f", check("==", 0, "0"))


# ------------------------------------------------------------------ W3 / W4: Responses streaming
# The upstream sends `stream-N-D` (N chat chunks: role, N-3 contents, finish, usage; then [DONE]).
# The gateway answers response.created, .in_progress, .output_item.added, .content_part.added,
# one response.output_text.delta per content chunk (N-3), .output_text.done, .content_part.done,
# .output_item.done, response.completed, then data: [DONE]: N+6 SSE events. "Translated events"
# are the upstream's N+1 events (as in W5's CPU per event), so the ratio to W5 is per stream.

def responses_stream_load(c, pace_ms, n=200):
    model = f"stream-{n}-{pace_ms}"

    def run(ctx, t):
        body = ctx.body(f"responses-{model}", responses_body(model, stream=True))
        kw = dict(path=RESPONSES_PATH, expected=n + 6, responses=True, expected_deltas=n - 3)
        if pace_ms:
            res = ctx.sse(t, body, c, ctx.opts.duration - 1, stall_ms=10 * pace_ms, ramp_ms=n * pace_ms, **kw)
        else:
            res = ctx.sse(t, body, c, **kw)
        ok = res["streams"] - res["errors"]
        if "cpu_s" in res and ok:
            res["cpu_us_per_kup"] = res["cpu_s"] * 1e9 / (ok * (n + 1))
        res["deltas_per_stream"] = res["deltas"] / ok if ok else None
        return res
    return run


W3 = Workload("W3", "Responses -> chat streaming translation, 200 chunks unpaced", targets=("switchyard",))
W3.add("unpaced-c8", responses_stream_load(8, 0), quick=True)


@W3.report
def _(r):
    R = Report.row
    sy = lambda v: {"switchyard": v}
    load = "unpaced-c8"
    yield R("unpaced c=8: Responses events/s", r.values(load, "events_per_s"), "%.0f")
    yield R("unpaced c=8: proxy CPU per 1000 translated events (µs)", r.values(load, "cpu_us_per_kup"),
            "%.0f", check("<=", 5000, "≤ 5000"))
    yield R("unpaced c=8: proxy CPU per 1000 events sent (µs)", r.values(load, "cpu_us_per_kevent"), "%.0f")
    yield R("unpaced c=8: CPU per stream vs chat via switchyard (W5)", sy(_cpu_ratio(r, load, load, "W5")),
            "%.2f")
    yield R("unpaced c=8: TTFE p50 (µs)", r.values(load, "ttfe_p50_us"), "%.0f")
    yield R("unpaced c=8: added TTFE p50 vs chat direct (W5) (µs)",
            sy(r.vs(load, "ttfe_p50_us", "W5", other_target="direct")), "%.0f")
    yield R("unpaced c=8: added TTFE p50 vs chat via switchyard (W5) (µs)",
            sy(r.vs(load, "ttfe_p50_us", "W5")), "%.0f")
    yield R("unpaced c=8: time to first text delta p50 (µs)", r.values(load, "ttfd_p50_us"), "%.0f")
    yield R("unpaced c=8: stream time p50 (µs)", r.values(load, "total_p50_us"), "%.0f")
    yield R("unpaced c=8: added stream time p50 vs chat via switchyard (µs)",
            sy(r.vs(load, "total_p50_us", "W5")), "%.0f")
    yield R("output_text.delta per stream (197 expected)", r.values(load, "deltas_per_stream"), "%.1f")
    yield R("streams failed, short or without completed+[DONE]", r.total("lost"), "%.0f", check("==", 0, "0"))


def _cpu_ratio(r, resp, chat, wid=None):
    """CPU per translated (upstream) event of a Responses load / CPU per event of the chat
    passthrough load `chat` (of workload `wid`), both via switchyard, same round: per stream."""
    a = r.series(resp, "cpu_us_per_kup", "switchyard")
    b = r.series(chat, "cpu_us_per_kevent", "switchyard", wid)
    return lib._med([x / y for x, y in zip(a, b) if x is not None and y])


W4 = Workload("W4", "many concurrent Responses streams, 200 chunks 5 ms apart", targets=("switchyard",))
W4_CONNS = (64, 256, 1024)  # --w4-conns changes them


def w4_setup(conns):
    W4.loads.clear()
    for c in conns:
        # the chat baseline of the same upstream stream at the same concurrency: direct and via the gateway
        W4.add(f"chat-c{c}", w5_load(c, PACE_MS), quick=c == 64, targets=("direct", "switchyard"))
        W4.add(f"resp-c{c}", responses_stream_load(c, PACE_MS), quick=c == 64)


w4_setup(W4_CONNS)


@W4.report
def _(r):
    R = Report.row
    sy = lambda v: {"switchyard": v}
    conns = sorted(int(k[len("resp-c"):]) for k in r.results.get("W4", {}) if k.startswith("resp-c"))
    for c in conns:
        chat, resp, judge = f"chat-c{c}", f"resp-c{c}", c == 64
        yield R(f"c={c} chat passthrough: TTFE p50 (µs)", r.values(chat, "ttfe_p50_us"), "%.0f")
        yield R(f"c={c} Responses: TTFE p50 (µs)", r.values(resp, "ttfe_p50_us"), "%.0f")
        yield R(f"c={c} Responses: added TTFE p50 vs chat direct (µs)",
                sy(r.vs(resp, "ttfe_p50_us", other_load=chat, other_target="direct")), "%.0f",
                check("<=", 500, "≤ 500") if judge else None)
        yield R(f"c={c} Responses: added TTFE p50 vs chat via switchyard (µs)",
                sy(r.vs(resp, "ttfe_p50_us", other_load=chat)), "%.0f")
        yield R(f"c={c} chat passthrough: gap p99 (µs)", r.values(chat, "gap_p99_us"), "%.0f")
        yield R(f"c={c} Responses: gap p99 (µs)", r.values(resp, "gap_p99_us"), "%.0f")
        yield R(f"c={c} Responses: added gap p99 vs chat direct (µs)",
                sy(r.vs(resp, "gap_p99_us", other_load=chat, other_target="direct")), "%.0f",
                check("<=", 500, "≤ 500") if judge else None)
        yield R(f"c={c} Responses: added gap p99 vs chat via switchyard (µs)",
                sy(r.vs(resp, "gap_p99_us", other_load=chat)), "%.0f")
        yield R(f"c={c} chat passthrough: stalls > {10 * PACE_MS} ms", r.values(chat, "stalls"), "%.0f")
        yield R(f"c={c} Responses: stalls > {10 * PACE_MS} ms", r.values(resp, "stalls"), "%.0f",
                check("==", 0, "0"))
        yield R(f"c={c} Responses: max gap (µs)", r.values(resp, "gap_max_us"), "%.0f")
        yield R(f"c={c} Responses: proxy CPU per 1000 translated events (µs)",
                r.values(resp, "cpu_us_per_kup"), "%.0f")
        yield R(f"c={c} Responses: CPU per stream vs chat via switchyard", sy(_cpu_ratio(r, resp, chat)),
                "%.2f")
        yield R(f"c={c} Responses: streams", r.values(resp, "streams"), "%.0f")
        yield R(f"c={c} chat: streams failed or short", r.values(chat, "lost"), "%.0f")
        yield R(f"c={c} Responses: streams failed, short or bad end", r.values(resp, "lost"), "%.0f",
                check("==", 0, "0"))


# ------------------------------------------------------------------ W6: chat over Responses, streaming
# A Responses-only deployment (provider openai-responses, in the gateway's config file: lib.gateway_config)
# and the fake upstream's Responses stream `stream-N-D`: response.created, .in_progress,
# .output_item.added, .content_part.added, N output_text.delta (D ms apart), .output_text.done
# (D ms after the last delta), .content_part.done, .output_item.done, response.completed, [DONE]:
# N + 9 upstream events. Two gateway legs on the same upstream stream, in the same round:
#   (a) "resp-*": POST /v1/responses, passthrough (the same N + 9 events reach the client);
#   (b) "chat-*": POST /v1/chat/completions with stream_options.include_usage, translated to
#       /v1/responses and back: role chunk, N content chunks, finish chunk, usage chunk, [DONE].
# (a) also runs direct (client -> fake upstream) for context. Figures of (b) are reported as
# ratios to (a) of the same round.

W6_DELTAS = 200
W6_UP_EVENTS = W6_DELTAS + 9       # upstream events per stream, [DONE] included
W6 = Workload("W6", f"chat over Responses streaming vs Responses passthrough, {W6_DELTAS} text deltas")


def w6_load(c, pace_ms, chat):
    model = f"stream-{W6_DELTAS}-{pace_ms}"
    if model not in lib.RESPONSES_MODELS:  # its deployment goes into the gateway's config file
        lib.RESPONSES_MODELS.append(model)
    deployment = lib.RESPONSES_PREFIX + model   # the fake upstream ignores the prefix (direct leg)

    def run(ctx, t):
        if chat:
            body = ctx.body(f"w6-chat-{model}", chat_body(300, deployment, stream=True))
            kw = dict(path=CHAT_PATH, expected=W6_DELTAS + 4, chat=True, expected_deltas=W6_DELTAS)
        else:
            body = ctx.body(f"w6-resp-{model}", responses_body(deployment, stream=True))
            kw = dict(path=RESPONSES_PATH, expected=W6_UP_EVENTS, responses=True, expected_deltas=W6_DELTAS)
        if pace_ms:  # a stream lasts (N + 1) paces: leave room for the last one to finish
            res = ctx.sse(t, body, c, ctx.opts.duration - 1, stall_ms=10 * pace_ms,
                          ramp_ms=(W6_DELTAS + 1) * pace_ms, **kw)
        else:
            res = ctx.sse(t, body, c, **kw)
        ok = res["streams"] - res["errors"]
        if "cpu_s" in res and ok:
            res["cpu_us_per_kup"] = res["cpu_s"] * 1e9 / (ok * W6_UP_EVENTS)
        return res
    return run


W6_LOADS = [(f"{'paced' if pace else 'unpaced'}-c{c}", c, pace)
            for pace in (PACE_MS, 0) for c in (1, 64)]
for key, c, pace in W6_LOADS:
    quick = key in ("unpaced-c1", "paced-c64")
    W6.add(f"resp-{key}", w6_load(c, pace, chat=False), quick=quick, targets=("direct", "switchyard"))
    W6.add(f"chat-{key}", w6_load(c, pace, chat=True), quick=quick, targets=("switchyard",))


@W6.report
def _(r):
    R = Report.row
    sy = lambda v: {"switchyard": v}
    metrics = [("TTFE p50 (µs)", "ttfe_p50_us"), ("TTFE p99 (µs)", "ttfe_p99_us"),
               ("first text delta p50 (µs)", "ttfd_p50_us"),
               ("stream time p50 (µs)", "total_p50_us"), ("stream time p99 (µs)", "total_p99_us"),
               ("gap p99 (µs)", "gap_p99_us"),
               ("CPU per 1000 upstream events (µs)", "cpu_us_per_kup")]
    for key, c, pace in W6_LOADS:
        a, b = f"resp-{key}", f"chat-{key}"
        name = f"{'paced ' + str(pace) + 'ms' if pace else 'unpaced'} c={c}"
        for label, k in metrics:
            if k == "gap_p99_us" and not pace:
                continue  # unpaced gaps are read coalescing, not pacing
            unit = label[label.index(" ("):] if " (" in label else ""
            yield R(f"{name} (a) pass: {label}", r.values(a, k), "%.0f")
            yield R(f"{name} (b) chat: {label}", r.values(b, k), "%.0f")
            yield R(f"{name} (b)/(a): {label.replace(unit, '')}", sy(r.vs(b, k, other_load=a, op="/")), "%.2f")
        if pace:  # (a) and direct for context: a stall there means the machine, not the translation
            yield R(f"{name} (a) pass: stalls > {10 * pace} ms", r.values(a, "stalls"), "%.0f")
            yield R(f"{name} (b) chat: stalls > {10 * pace} ms", r.values(b, "stalls"), "%.0f", check("==", 0, "0"))
    yield R("streams failed, short or bad end (a)+(b), median per round", r.total("lost"), "%.0f",
            check("==", 0, "0"))


# ------------------------------------------------------------------ W7: stored responses
# A Responses client on the chat upstream: Switchyard is the Responses server and, with `store`
# true (the default), writes the Response and its input and output items to its store before the
# client sees the body (non-streamed) or response.completed (streamed). Two legs on the same load,
# back to back in each round: (a) `"store": false` (writes nothing) and (b) `"store": true`.
# Each store kind gets its own gateway, started on first use with a fresh store: SQLite (the
# default) in `<work dir>/w7-sqlite-data`, and PostgreSQL when SWITCHYARD_BENCH_PG_URL is set
# (a fresh schema on that server, lib.pg_fresh_url). Figures of (b) are reported against (a) of
# the same round and gateway: ratio, and the write cost = (b) - (a).

W7_DELTAS = 200                     # text deltas per stream: chat stream-203-D (role, 200 contents,
W7_CHUNKS = W7_DELTAS + 3           # finish, usage), answered with 200 + 9 Responses events
W7_STORES = ["sqlite"] + (["postgres"] if os.environ.get("SWITCHYARD_BENCH_PG_URL") else [])
W7 = Workload("W7", "stored responses: store false vs true, non-streaming and streaming",
              targets=("switchyard",))


def w7_gateway(ctx, t, kind):
    """The W7 gateway of store `kind`, started on first use (its fresh store, see above)."""
    gws = ctx.__dict__.setdefault("w7_gateways", {})
    if kind not in gws:
        if kind == "postgres":
            url = lib.pg_fresh_url(os.environ["SWITCHYARD_BENCH_PG_URL"], ctx.tmp, ctx.opts.keep_tmp)
            config = ["store:", "  kind: postgres", f"  url: {json.dumps(url)}"]
        else:
            config = ["store:", "  kind: sqlite"]   # path: <data dir>/switchyard.db, fresh per run
        gws[kind] = lib.start_switchyard(ctx.tmp, ctx.opts.switchyard, ctx.upstream.port,
                                         name=f"w7-{kind}", config=config)
        lib.log(f"  W7 gateway with the {kind} store on port {gws[kind].port}; warm-up")
        for store in (False, True):  # its connections, the store's schema and caches
            ctx.wrk(gws[kind], RESPONSES_PATH, ctx.body(f"w7-warm{int(store)}", json.dumps(
                dict(json.loads(responses_body()), store=store))), 32, duration=1)
    return gws[kind]


def w7_stored(port, body):
    """1 if a response created with `body` (made non-streaming) can be read back with GET
    /v1/responses/{id}, 0 if that answers 404: proves (b) stores and (a) does not."""
    import http.client
    req = json.loads(body)
    req.pop("stream", None)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    hdr = {"Content-Type": "application/json", "Authorization": lib.AUTH_HEADER.split(": ", 1)[1]}
    try:
        conn.request("POST", RESPONSES_PATH, json.dumps(req), hdr)
        r = conn.getresponse()
        rid = json.loads(r.read())["id"]
        conn.request("GET", f"{RESPONSES_PATH}/{rid}", headers=hdr)
        r = conn.getresponse()
        r.read()
        return {200: 1, 404: 0}.get(r.status)
    finally:
        conn.close()


def w7_load(kind, store, c, pace_ms=None):
    """pace_ms None: non-streaming (W2's request, W1's 0.5 KB answer); else a stream of W7_DELTAS
    text deltas, paced (first streams spread over one stream length) or unpaced (0)."""
    def run(ctx, t):
        gw = w7_gateway(ctx, t, kind)
        if pace_ms is None:
            body = ctx.body(f"w7-store{int(store)}", json.dumps(dict(json.loads(responses_body()), store=store)))
            res = ctx.wrk(gw, RESPONSES_PATH, body, c)
            res["cpu_us_per_resp"] = res.get("cpu_us_per_req")
        else:
            model = f"stream-{W7_CHUNKS}-{pace_ms}"
            body = ctx.body(f"w7-store{int(store)}-{model}",
                            json.dumps(dict(json.loads(responses_body(model, stream=True)), store=store)))
            kw = dict(path=RESPONSES_PATH, expected=W7_DELTAS + 9, responses=True, expected_deltas=W7_DELTAS)
            if pace_ms:
                res = ctx.sse(gw, body, c, ctx.opts.duration - 1, stall_ms=10 * pace_ms,
                              ramp_ms=(W7_CHUNKS + 1) * pace_ms, **kw)
            else:
                res = ctx.sse(gw, body, c, **kw)
            ok = res["streams"] - res["errors"]
            res["responses_per_s"] = ok / res["wall_s"] if res["wall_s"] else None
            res["cpu_us_per_resp"] = res["cpu_s"] * 1e6 / ok if "cpu_s" in res and ok else None
        res["stored"] = w7_stored(gw.port, body.read_text())
        res["store_mismatch"] = int(res["stored"] != int(store))
        return res
    return run


# (load key, concurrency, pace: None = non-streaming)
W7_LOADS = [("c1", 1, None), ("c32", 32, None),
            ("unpaced-c1", 1, 0), ("unpaced-c32", 32, 0), ("paced-c1", 1, PACE_MS), ("paced-c32", 32, PACE_MS)]
W7_QUICK = ("c1", "c32", "unpaced-c32")
for kind in W7_STORES:
    for key, c, pace in W7_LOADS:
        for leg, store in (("a", False), ("b", True)):
            W7.add(f"{kind}-{key}-{leg}", w7_load(kind, store, c, pace), quick=key in W7_QUICK)


@W7.report
def _(r):
    R = Report.row
    sy = lambda v: {"switchyard": v}
    kinds = sorted({k.split("-", 1)[0] for k in r.results.get("W7", {})}, key=("sqlite", "postgres").index)
    for kind in kinds:
        for key, c, pace in W7_LOADS:
            a, b = f"{kind}-{key}-a", f"{kind}-{key}-b"
            if not r.results["W7"].get(a) or not r.results["W7"].get(b):
                continue
            # labels fit the table's 60 columns: "sqlite paced c=32 (a) off: last delta->completed p50 (µs)"
            name = f"{'pg' if kind == 'postgres' else kind} " + (f"c={c}" if pace is None else f"{'paced' if pace else 'stream'} c={c}")
            if pace is None:
                metrics = [("p50 (µs)", "p50_us"), ("p99 (µs)", "p99_us"), ("req/s", "rps")]
                cost = [("p50 (µs)", "p50_us")]
            else:
                metrics = [("to completed p50 (µs)", "ttc_p50_us"), ("to completed p99 (µs)", "ttc_p99_us"),
                           ("last delta->completed p50 (µs)", "tail_p50_us"),
                           ("last delta->completed p99 (µs)", "tail_p99_us"),
                           ("responses/s", "responses_per_s")]
                cost = [("to completed p50 (µs)", "ttc_p50_us"),
                        ("last delta->completed p50 (µs)", "tail_p50_us")]
            metrics.append(("CPU per response (µs)", "cpu_us_per_resp"))
            for label, k in metrics:
                unit = label[label.index(" ("):] if " (" in label else ""
                yield R(f"{name} (a) off: {label}", r.values(a, k), "%.0f")
                yield R(f"{name} (b) on: {label}", r.values(b, k), "%.0f")
                yield R(f"{name} (b)/(a): {label.replace(unit, '')}", sy(r.vs(b, k, other_load=a, op="/")), "%.2f")
            for label, k in cost:
                yield R(f"{name} (b)-(a): {label}", sy(r.vs(b, k, other_load=a)), "%.0f")
            yield R(f"{name} (b)-(a): CPU per response (µs)",
                    sy(r.vs(b, "cpu_us_per_resp", other_load=a)), "%.0f")
            if pace:
                yield R(f"{name} (b) stalls > {10 * pace} ms", r.values(b, "stalls"), "%.0f", check("==", 0, "0"))
    lost = [r.med(l, "lost", "switchyard") if "paced" in l else r.med(l, "errors", "switchyard")
            for l in r.results.get("W7", {})]
    yield R("errors, failed or short streams (a)+(b), median per round",
            sy(sum(v for v in lost if v is not None)), "%.0f", check("==", 0, "0"))
    yield R("legs whose store did not match `store` (GET after the leg)", r.total("store_mismatch"), "%.0f",
            check("==", 0, "0"))


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

# Its loads are named after the workloads they measure: `--only W2` also runs IR's W2 load.
IR = Workload("IR", "gateway instructions (callgrind; deterministic)", targets=("switchyard",), once=True,
              per_workload=True)
IR.add("W1", lambda ctx, t: lib.callgrind_instructions(ctx, ctx.body("chat-300-gpt-4o-mini", chat_body(300))))
IR.add("W5", lambda ctx, t: lib.callgrind_instructions(
    ctx, ctx.body("stream-200-0", chat_body(300, "stream-200-0", stream=True)), n=(10, 50)))
IR.add("W2", lambda ctx, t: lib.callgrind_instructions(
    ctx, ctx.body("responses-tools0", responses_body()), path=RESPONSES_PATH))
IR.add("W3", lambda ctx, t: lib.callgrind_instructions(
    ctx, ctx.body("responses-stream-200-0", responses_body("stream-200-0", stream=True)), n=(10, 50),
    path=RESPONSES_PATH))


def ir_w7(ctx, t):
    """W7's request (non-streaming) with "store": false and true, SQLite store (fresh data dir per
    callgrind gateway): instructions per response of each, the store threads included."""
    out = {}
    for store in (False, True):
        body = ctx.body(f"w7-store{int(store)}", json.dumps(dict(json.loads(responses_body()), store=store)))
        out[f"instr_per_req_{'on' if store else 'off'}"] = lib.callgrind_instructions(
            ctx, body, path=RESPONSES_PATH)["instr_per_req"]
    return out


IR.add("W7", ir_w7)


@IR.report
def _(r):
    R = Report.row
    per_event = lambda load: {t: v / EVENTS if v is not None else None
                              for t, v in r.values(load, "instr_per_req").items()}
    sy = lambda v: {"switchyard": v}
    ratio = lambda a, b: (a / b if a is not None and b else None)
    yield R("instructions per request (W1 0.3 KB)", r.values("W1", "instr_per_req"), "%.0f")
    yield R("instructions per request (W2 Responses -> chat)", r.values("W2", "instr_per_req"), "%.0f")
    yield R("instructions per request, W2 / W1",
            sy(ratio(r.med("W2", "instr_per_req", "switchyard"), r.med("W1", "instr_per_req", "switchyard"))),
            "%.2f")
    yield R("instructions per streamed event (W5)", per_event("W5"), "%.0f")
    yield R("instructions per translated event (W3)", per_event("W3"), "%.0f")
    yield R("instructions per stream, W3 / W5",
            sy(ratio(r.med("W3", "instr_per_req", "switchyard"), r.med("W5", "instr_per_req", "switchyard"))),
            "%.2f")
    off, on = (r.med("W7", f"instr_per_req_{k}", "switchyard") for k in ("off", "on"))
    yield R("instructions per response, W7 store false (W2's request)", sy(off), "%.0f")
    yield R("instructions per response, W7 store true (SQLite)", sy(on), "%.0f")
    yield R("instructions per stored response, W7 true - false", sy(on - off if on and off else None), "%.0f")


# Table and run order: W1, W1b, W2, ... W6, then the single-shot ones (MEM, IR).
Workload.registry.sort(key=lambda w: (w.once, w.wid))


# ------------------------------------------------------------------ command line

def parse_args(argv):
    p = argparse.ArgumentParser(description="Switchyard benchmark harness")
    p.add_argument("--quick", action="store_true", help="1 round, short legs, few loads (< 60 s)")
    p.add_argument("--rounds", type=int, help="rounds (default 3, quick 1)")
    p.add_argument("--duration", type=float, help="seconds per leg (default 5, quick 2)")
    p.add_argument("--only", help="comma-separated workload ids, e.g. W1,W5,W6")
    p.add_argument("--targets", default="direct,nginx,switchyard", help="legs to run")
    p.add_argument("--switchyard", help="gateway binary (default build/switchyard)")
    p.add_argument("--upstream-threads", type=int, default=1)
    p.add_argument("--w4-conns", help="W4 stream counts (default 64,256,1024), e.g. 64,256,1024,2048")
    p.add_argument("--keep-tmp", action="store_true", help="keep the work dir (logs, configs)")
    p.add_argument("--report", metavar="FILE", help="only print the table of a saved results file")
    o = p.parse_args(argv)
    o.rounds = o.rounds or (1 if o.quick else 3)
    o.duration = o.duration or (2.0 if o.quick else 5.0)
    o.only = set(o.only.split(",")) if o.only else None
    o.targets = set(o.targets.split(","))
    o.switchyard = o.switchyard or str(lib.ROOT / "build" / "switchyard")
    if o.w4_conns:
        w4_setup([int(c) for c in o.w4_conns.split(",")])
    return o


if __name__ == "__main__":
    sys.exit(lib.main(parse_args(sys.argv[1:])))
