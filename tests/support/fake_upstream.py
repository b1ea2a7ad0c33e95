#!/usr/bin/python3
"""A fake OpenAI-compatible upstream for Switchyard's integration and SDK tests.

Python 3 standard library only. Real HTTP/1.1 on loopback, one thread per connection,
keep-alive, chunked streaming with one HTTP chunk (one send) per SSE event.

    fake_upstream.py --port 0 --port-file F [--host 127.0.0.1] [--verbose]

Answers are deterministic: request number <n> (1-based, counted over every non-control
request, never reset) gets `x-request-id: req_fake_<n>`, completion id `chatcmpl-fake-<n>`
and tool-call id `call_fake_<n>_0`.  Tests can rebuild the exact bytes the fake sent by
importing this module and calling chat_json_body() / chat_stream_events() with the body
the fake received (see GET /_fake/requests) and <n>.

Behaviour is chosen by the request's "model" (see FAULTS, and BEHAVIOURS for the answers the
Responses-over-chat tests need: reasoning, refusal, parallel tool calls, finish_reason length,
llama.cpp-style usage, an in-stream error); every other model answers normally.  Normal answers
carry `logprobs` when the request asks for them (`logprobs: true`, `top_logprobs: k`) and are a
JSON string when the request has `response_format: {type: json_schema}`.

POST /v1/responses is refused (404) except for two kinds of model, which make the fake a
Responses upstream for passthrough tests:
    rec:<file>[:<k>]  replay interaction <k> (default: the first POST /v1/responses one) of
                      /work/shared/recordings/pydantic-ai/<file>.json (status, content-type and
                      body; SSE bodies one HTTP chunk per event) -- see recorded_response()
    resp-<anything>   a synthesized, spec-valid Response object / event stream echoing the input
                      (responses_obj() / responses_stream_events()); resp-fault-429 answers 429.
POST /v1/responses/input_tokens and /v1/responses/compact take the same two kinds (rec: needs
<k>; resp-: responses_tool_obj()). Chat model "no-usage" answers without `usage`.
CHAT_RESP_MODELS (resp-chat, resp-chat-<behaviour>) make the fake a Responses-only upstream for
chat clients translated by the gateway: function calls, refusal, reasoning, logprobs, incomplete,
failed, HTTP errors and broken streams (chat_resp_obj() / chat_resp_stream_events()). Every resp-*
model gets 404 on /v1/chat/completions. /v1/responses/{id} (GET, DELETE, cancel, input_items,
GET ?stream=true&starting_after=N) answer for ids resp_* (stored_response_obj() and friends).

SLOW models (background-response tests): chat model `slow-<n>-<ms>[-cut|-length|-reasoning]` streams
n text deltas (slow_deltas(n): "tok0", " tok1", ...) ms milliseconds apart after an immediate role
chunk; `-cut` closes the socket after the n deltas (no finish chunk), `-length` ends with
finish_reason length, `-reasoning` first streams n reasoning_content deltas
(slow_reasoning_deltas(n): "think0", " think1", ...) the same way, then the n text deltas. Non-streaming: the whole answer after n*ms. Their /_fake/requests records carry
"slow": true, "deltas_sent", "completed" (the whole answer was written), "disconnected" (the
client went away first; the fake noticed at once, also between deltas) and "t_end" (time.time()
when it finished either way).

Control endpoints (never recorded, never counted):
    GET  /_fake/requests  -> [{"n","method","path","query","headers","body","body_b64"}...]
    POST /_fake/reset     -> clears the request log and the stats
    GET  /_fake/stats     -> {"disconnects": N, ...}
"""

import argparse
import base64
import json
import os
import re
import select
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CREATED = 1752720361
FINGERPRINT = "fp_fake0001"
SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8"

FAULTS = {
    "fault-slow": "stream events 300 ms apart",
    "fault-cut": "3 chunks, then the socket is closed without the terminating chunk",
    "fault-malformed": "2 good chunks, then `data: {not json`",
    "fault-garbage": "2 good chunks, then a non-SSE garbage line",
    "fault-429": "429 rate-limit error, retry-after: 7",
    "fault-500": "500 server error",
    "fault-hang": "read the request, never answer",
    "fault-hang-stream": "headers + 1 chunk, then silence forever",
    "fault-silent-then": "1 chunk, 2.5 s silence, then the rest",
    "fault-big": "a stream of 5000 chunks (about 80 MiB)",
    "fault-huge-event": "a single 8 MiB data line",
    "fault-split": "a normal stream, every event cut into 7-byte HTTP chunks sent apart",
    "fault-coalesce": "a normal stream, all events in one HTTP chunk",
}
BEHAVIOURS = {
    "reasoner": "reasoning as `reasoning_content` deltas (message.reasoning_content), then the answer",
    "reasoner-field": "the same with the `reasoning` field (newer vLLM, Ollama, OpenRouter)",
    "refuser": "a refusal: `refusal` deltas (message.refusal), content null",
    "parallel": "two tool calls, one after the other (index 0, then index 1)",
    "parallel-interleaved": "two tool calls whose fragments alternate by index 0,1,0,1,...",
    "parallel-ollama": "two tool calls, each whole in one chunk, no `index`; finish_reason stop",
    "length": "the answer cut after 3 tokens, finish_reason length",
    "content-filter": "the answer cut after 3 tokens, finish_reason content_filter",
    "preamble": "`Let me check.` then the tool call (when tools are given), finish_reason tool_calls",
    "shell": "a coding agent's first step: calls the `exec_command` (or `shell`) tool with "
             "{\"cmd\": \"echo switchyard-codex-ok\"}; after the tool output, the usual text",
    "usage-absent": "the normal answer without any usage (none in the completion, no usage chunk)",
    "tool-noid": "the normal tool call, but without an `id` (the gateway must make one up)",
    "empty": "no content at all (role chunk, then finish_reason stop; message.content \"\")",
    "llamacpp": "usage on the finish chunk (always), no `choices:[]` usage chunk, no [DONE]",
    "fault-stream-error": "role + 2 content chunks, then `data: {\"error\":...}` and the end; non-stream: "
                          "HTTP 200 with that error object",
}
REASONING_TEXT = "The user said something. I should answer politely."
REFUSAL_TEXT = "I'm sorry, but I can't help with that."
PREAMBLE_TEXT = "Let me check."
SHELL_COMMAND = "echo switchyard-codex-ok"
LENGTH_TOKENS = 3
STREAM_ERROR = {"error": {"message": "The model is overloaded. Please try again later.",
                          "type": "server_error", "param": None, "code": "model_overloaded"}}
RECORDINGS_DIR = "/work/shared/recordings/pydantic-ai"

SPLIT_BYTES = 7
SLOW_GAP_S = 0.3
SILENT_GAP_S = 2.5
BIG_CHUNKS = 5000
BIG_CONTENT_BYTES = 16 * 1024
HUGE_EVENT_BYTES = 8 * 1024 * 1024

MODELS_LIST = {
    "object": "list",
    "data": [
        {"id": "fake-model-a", "object": "model", "created": 1686935002, "owned_by": "fake-upstream"},
        {"id": "fake-model-b", "object": "model", "created": 1686935003, "owned_by": "fake-upstream"},
    ],
}

ERR_429 = {"error": {"message": "Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. "
                                "Please try again in 7s.",
                     "type": "requests", "param": None, "code": "rate_limit_exceeded"}}
ERR_500 = {"error": {"message": "The server had an error while processing your request. Sorry about that!",
                     "type": "server_error", "param": None, "code": None}}


# ---------------------------------------------------------------------------------------------
# Deterministic answer builders (importable by tests)

def dumps_compact(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def _text_of(content):
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        out = []
        for part in content:
            if isinstance(part, dict) and isinstance(part.get("text"), str):
                out.append(part["text"])
        return "".join(out)
    return str(content)


def split_tokens(text):
    """'Hello! You said: hi' -> ['Hello!', ' You', ' said:', ' hi']; joins back exactly."""
    toks = re.findall(r"\s*\S+", text)
    rest = text[len("".join(toks)):]
    if rest:
        if toks:
            toks[-1] += rest
        else:
            toks = [rest]
    return toks or [""]


def schema_args(params, variant=0):
    """A deterministic value for every property of a JSON schema (tool arguments, structured
    output): strings "Paris" (variant 1: "London"), integers 42, numbers 1.5, ..."""
    args = {}
    props = params.get("properties") if isinstance(params, dict) else None
    for prop, schema in (props or {}).items():
        t = schema.get("type") if isinstance(schema, dict) else None
        if t == "integer":
            args[prop] = 42 + variant
        elif t == "number":
            args[prop] = 1.5
        elif t == "boolean":
            args[prop] = True
        elif t == "array":
            args[prop] = []
        elif t == "object":
            args[prop] = {}
        else:
            args[prop] = "London" if variant % 2 else "Paris"
    return args


def _json_schema_format(req):
    rf = req.get("response_format")
    if isinstance(rf, dict) and rf.get("type") == "json_schema" and isinstance(rf.get("json_schema"), dict):
        return rf["json_schema"]
    return None


def structured_text(req):
    """The answer to a request with response_format json_schema (spaces keep it several tokens)."""
    return json.dumps(schema_args(_json_schema_format(req).get("schema") or {}))


def plan(req):
    """What to answer: ("tool", name, arguments_json) or ("text", text)."""
    msgs = req.get("messages") if isinstance(req.get("messages"), list) else []
    last = msgs[-1] if msgs and isinstance(msgs[-1], dict) else {}
    tools = req.get("tools") if isinstance(req.get("tools"), list) else []
    if tools and last.get("role") == "user" and isinstance(tools[0], dict):
        fn = tools[0].get("function") or tools[0].get("custom") or {}
        name = fn.get("name", "tool")
        return ("tool", name, dumps_compact(schema_args(fn.get("parameters") or {})))
    if _json_schema_format(req) is not None:
        return ("text", structured_text(req))
    if last.get("role") == "tool":
        return ("text", "The tool returned: " + _text_of(last.get("content")))
    user_text = ""
    for m in reversed(msgs):
        if isinstance(m, dict) and m.get("role") == "user":
            user_text = _text_of(m.get("content"))
            break
    return ("text", "Hello! You said: " + user_text if user_text else "Hello!")


def usage_for(req, completion_tokens, reasoning_tokens=0, cached_tokens=0):
    words = 0
    msgs = req.get("messages") if isinstance(req.get("messages"), list) else []
    for m in msgs:
        if isinstance(m, dict):
            words += len(_text_of(m.get("content")).split()) + 3
    prompt = max(words, 1)
    return {
        "prompt_tokens": prompt, "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": reasoning_tokens, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    }


def arg_fragments(args, size=6):
    return [args[i:i + size] for i in range(0, len(args), size)] or [""]


def want_logprobs(req):
    return req.get("logprobs") is True


def top_k(req):
    k = req.get("top_logprobs")
    return k if isinstance(k, int) and not isinstance(k, bool) and k > 0 else 0


def logprob_entry(tok, i, k):
    """Token i of an answer: logprob -(i+1)/8 (exact in binary), `bytes` null for token 1 and for
    every alternative but the first (chat servers may send null; Responses needs the bytes)."""
    lp = -(i + 1) / 8.0
    top = []
    for j in range(k):
        if j == 0:
            top.append({"token": tok, "logprob": lp, "bytes": list(tok.encode())})
        else:
            top.append({"token": "alt%d" % j, "logprob": lp - j, "bytes": None})
    return {"token": tok, "logprob": lp, "bytes": None if i == 1 else list(tok.encode()), "top_logprobs": top}


def chat_logprobs(req, toks, first=0):
    """The chat `logprobs` object for tokens toks (numbered from first), or None if not asked."""
    if not want_logprobs(req):
        return None
    k = top_k(req)
    return {"content": [logprob_entry(t, first + i, k) for i, t in enumerate(toks)], "refusal": None}


def _messages(req):
    return req.get("messages") if isinstance(req.get("messages"), list) else []


def _tool_fns(req):
    tools = req.get("tools") if isinstance(req.get("tools"), list) else []
    return [t.get("function") or {} for t in tools if isinstance(t, dict)]


def turn(req):
    """What a BEHAVIOURS model answers: {"reasoning", "reasoning_key", "content", "refusal",
    "calls": [(name, arguments_json)], "finish"}."""
    model = req.get("model")
    msgs = _messages(req)
    last = msgs[-1] if msgs and isinstance(msgs[-1], dict) else {}
    t = {"reasoning": None, "reasoning_key": "reasoning_content", "content": None, "refusal": None,
         "calls": [], "finish": "stop"}
    fns = _tool_fns(req)
    if model == "refuser":
        t["refusal"] = REFUSAL_TEXT
        return t
    if model.startswith("parallel") and fns and last.get("role") == "user":
        pair = [fns[0], fns[1] if len(fns) > 1 else fns[0]]
        t["calls"] = [(f.get("name", "tool"), dumps_compact(schema_args(f.get("parameters") or {}, k)))
                      for k, f in enumerate(pair)]
        t["finish"] = "stop" if model == "parallel-ollama" else "tool_calls"
        return t
    if model.startswith("parallel") and last.get("role") == "tool" and _json_schema_format(req) is None:
        outs = []
        for m in reversed(msgs):
            if not (isinstance(m, dict) and m.get("role") == "tool"):
                break
            outs.insert(0, _text_of(m.get("content")))
        t["content"] = "The tools returned: " + "; ".join(outs)
        return t
    shell = [f for f in fns if f.get("name") in ("exec_command", "shell")]
    if model == "shell" and shell and last.get("role") == "user":
        t["calls"] = [(shell[0]["name"], dumps_compact({"cmd": SHELL_COMMAND}))]
        t["finish"] = "tool_calls"
        return t
    p = plan(req)
    if model == "shell" and p[0] == "tool":
        p = ("text", "Hello!")
    if p[0] == "tool":
        t["calls"] = [(p[1], p[2])]
        t["finish"] = "tool_calls"
    else:
        t["content"] = p[1]
    if model in ("reasoner", "reasoner-field"):
        t["reasoning"] = REASONING_TEXT
        t["reasoning_key"] = "reasoning" if model == "reasoner-field" else "reasoning_content"
    if model in ("length", "content-filter"):
        t["content"] = "".join(split_tokens(t["content"] or "")[:LENGTH_TOKENS])
        t["finish"] = "length" if model == "length" else "content_filter"
    if model == "preamble" and t["calls"]:
        t["content"] = PREAMBLE_TEXT
    if model == "empty":
        t["content"] = ""
    return t


def _turn_usage(req, t):
    rtoks = len(split_tokens(t["reasoning"])) if t["reasoning"] else 0
    ctoks = rtoks
    ctoks += len(split_tokens(t["content"])) if t["content"] else 0
    ctoks += len(split_tokens(t["refusal"])) if t["refusal"] else 0
    ctoks += sum(len(arg_fragments(a)) + 1 for _, a in t["calls"])
    return usage_for(req, ctoks, reasoning_tokens=rtoks, cached_tokens=2 if rtoks else 0)


def _call_id(n, k):
    return "call_fake_%d_%d" % (n, k)


def behaviour_json_obj(req, n):
    if req.get("model") == "fault-stream-error":
        return STREAM_ERROR
    t = turn(req)
    msg = {"role": "assistant", "content": t["content"], "refusal": t["refusal"], "annotations": []}
    if t["reasoning"]:
        msg[t["reasoning_key"]] = t["reasoning"]
    if t["calls"]:
        msg["tool_calls"] = [{"id": _call_id(n, k), "type": "function", "function": {"name": nm, "arguments": a}}
                             for k, (nm, a) in enumerate(t["calls"])]
        if req.get("model") == "tool-noid":
            for tc in msg["tool_calls"]:
                del tc["id"]
    lp = chat_logprobs(req, split_tokens(t["content"])) if t["content"] else None
    obj = {
        "id": "chatcmpl-fake-%d" % n, "object": "chat.completion", "created": CREATED,
        "model": req.get("model"),
        "choices": [{"index": 0, "message": msg, "logprobs": lp, "finish_reason": t["finish"]}],
        "usage": _turn_usage(req, t),
        "service_tier": "default", "system_fingerprint": FINGERPRINT,
    }
    if req.get("model") == "usage-absent":
        del obj["usage"]
    return obj


def chat_json_obj(req, n):
    if req.get("model") in BEHAVIOURS:
        return behaviour_json_obj(req, n)
    p = plan(req)
    lp = None
    if p[0] == "tool":
        msg = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_fake_%d_0" % n, "type": "function",
             "function": {"name": p[1], "arguments": p[2]}}], "refusal": None, "annotations": []}
        finish, ctoks = "tool_calls", len(arg_fragments(p[2])) + 1
    else:
        msg = {"role": "assistant", "content": p[1], "refusal": None, "annotations": []}
        finish, ctoks = "stop", len(split_tokens(p[1]))
        lp = chat_logprobs(req, split_tokens(p[1]))
    return {
        "id": "chatcmpl-fake-%d" % n, "object": "chat.completion", "created": CREATED,
        "model": req.get("model"),
        "choices": [{"index": 0, "message": msg, "logprobs": lp, "finish_reason": finish}],
        "usage": usage_for(req, ctoks),
        "service_tier": "default", "system_fingerprint": FINGERPRINT,
    }


def chat_json_body(req, n):
    """Exact bytes of a non-streaming answer (pretty-printed like OpenAI's)."""
    return (json.dumps(chat_json_obj(req, n), ensure_ascii=False, indent=2) + "\n").encode()


def _chunk(req, n, choices, with_usage, usage=None, final=False):
    c = {"id": "chatcmpl-fake-%d" % n, "object": "chat.completion.chunk", "created": CREATED,
         "model": req.get("model"), "service_tier": "default", "system_fingerprint": FINGERPRINT,
         "choices": choices}
    if with_usage:
        c["usage"] = usage if final else None
    return c


def _choice(delta, finish=None, logprobs=None):
    return {"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish}


def behaviour_stream_chunks(req, n):
    """Chunks of a BEHAVIOURS model's streaming answer, without [DONE] (see chat_stream_events)."""
    model = req.get("model")
    so = req.get("stream_options")
    llama = model == "llamacpp"
    with_usage = isinstance(so, dict) and so.get("include_usage") is True and not llama and model != "usage-absent"
    t = turn(req)
    out = [_chunk(req, n, [_choice({"role": "assistant", "content": ""})], with_usage)]
    for tok in split_tokens(t["reasoning"]) if t["reasoning"] else []:
        out.append(_chunk(req, n, [_choice({t["reasoning_key"]: tok})], with_usage))
    for i, tok in enumerate(split_tokens(t["content"]) if t["content"] else []):
        out.append(_chunk(req, n, [_choice({"content": tok}, logprobs=chat_logprobs(req, [tok], i))], with_usage))
    for tok in split_tokens(t["refusal"]) if t["refusal"] else []:
        out.append(_chunk(req, n, [_choice({"refusal": tok})], with_usage))
    calls = [(k, _call_id(n, k), nm, a) for k, (nm, a) in enumerate(t["calls"])]

    def head(k, cid, nm):
        if model == "tool-noid":
            return {"index": k, "type": "function", "function": {"name": nm, "arguments": ""}}
        return {"index": k, "id": cid, "type": "function", "function": {"name": nm, "arguments": ""}}

    def frag(k, f):
        return _chunk(req, n, [_choice({"tool_calls": [{"index": k, "function": {"arguments": f}}]})], with_usage)
    if model == "parallel-ollama":
        for k, cid, nm, a in calls:
            out.append(_chunk(req, n, [_choice({"role": "assistant", "content": "", "tool_calls": [
                {"id": cid, "type": "function", "function": {"name": nm, "arguments": a}}]})], with_usage))
    elif model == "parallel-interleaved":
        for k, cid, nm, a in calls:
            out.append(_chunk(req, n, [_choice({"tool_calls": [head(k, cid, nm)]})], with_usage))
        frags = [arg_fragments(a) for _, _, _, a in calls]
        for j in range(max(len(f) for f in frags) if frags else 0):
            for k, f in enumerate(frags):
                if j < len(f):
                    out.append(frag(k, f[j]))
    else:
        for k, cid, nm, a in calls:
            out.append(_chunk(req, n, [_choice({"tool_calls": [head(k, cid, nm)]})], with_usage))
            for f in arg_fragments(a):
                out.append(frag(k, f))
    if model == "fault-stream-error":
        return out[:3]
    fin = _chunk(req, n, [_choice({}, t["finish"])], with_usage)
    if llama:
        fin["usage"] = _turn_usage(req, t)
    out.append(fin)
    if with_usage:
        out.append(_chunk(req, n, [], True, _turn_usage(req, t), final=True))
    return out


def chat_stream_chunks(req, n):
    """The chunk objects of a streaming answer, without [DONE]."""
    model = req.get("model")
    if model in BEHAVIOURS:
        return behaviour_stream_chunks(req, n)
    so = req.get("stream_options")
    with_usage = isinstance(so, dict) and so.get("include_usage") is True
    out = []
    if model == "fault-big":
        out.append(_chunk(req, n, [_choice({"role": "assistant", "content": "", "refusal": None})], with_usage))
        filler = "x" * (BIG_CONTENT_BYTES - 12)
        for i in range(BIG_CHUNKS - 3):
            out.append(_chunk(req, n, [_choice({"content": "<%06d>%s" % (i, filler)})], with_usage))
        out.append(_chunk(req, n, [_choice({}, "stop")], with_usage))
        ctoks = BIG_CHUNKS - 3
    else:
        p = plan(req)
        if p[0] == "tool":
            frags = arg_fragments(p[2])
            out.append(_chunk(req, n, [_choice({
                "role": "assistant", "content": None,
                "tool_calls": [{"index": 0, "id": "call_fake_%d_0" % n, "type": "function",
                                "function": {"name": p[1], "arguments": ""}}],
                "refusal": None})], with_usage))
            for f in frags:
                out.append(_chunk(req, n, [_choice({"tool_calls": [{"index": 0, "function": {"arguments": f}}]})],
                                  with_usage))
            out.append(_chunk(req, n, [_choice({}, "tool_calls")], with_usage))
            ctoks = len(frags) + 1
        else:
            toks = split_tokens(p[1])
            out.append(_chunk(req, n, [_choice({"role": "assistant", "content": "", "refusal": None})], with_usage))
            for i, t in enumerate(toks):
                out.append(_chunk(req, n, [_choice({"content": t}, logprobs=chat_logprobs(req, [t], i))],
                                  with_usage))
            out.append(_chunk(req, n, [_choice({}, "stop")], with_usage))
            ctoks = len(toks)
    if with_usage:
        out.append(_chunk(req, n, [], True, usage_for(req, ctoks), final=True))
    return out


def sse(data):
    if not isinstance(data, (bytes, bytearray)):
        data = (data if isinstance(data, str) else dumps_compact(data)).encode()
    return b"data: " + bytes(data) + b"\n\n"


DONE = b"data: [DONE]\n\n"


def chat_stream_events(req, n):
    """Exact bytes of every SSE event of a normal (or fault-slow / fault-big / fault-silent-then /
    fault-split / fault-coalesce / BEHAVIOURS model) streaming answer, [DONE] included when the
    model sends one (llamacpp and fault-stream-error do not)."""
    model = req.get("model")
    events = [sse(c) for c in chat_stream_chunks(req, n)]
    if model == "fault-stream-error":
        return events + [sse(STREAM_ERROR)]
    if model == "llamacpp":
        return events
    return events + [DONE]


def huge_event(req, n):
    c = _chunk(req, n, [_choice({"content": "y" * HUGE_EVENT_BYTES})], False)
    return sse(c)


SLOW_RE = re.compile(r"^slow-(\d+)-(\d+)(?:-(cut|length|reasoning))?$")


def slow_params(model):
    """slow-<n>-<ms>[-cut|-length|-reasoning] -> (n, seconds between deltas, variant or None); else None."""
    m = SLOW_RE.match(model) if isinstance(model, str) else None
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)) / 1000.0, m.group(3)


def slow_text(count):
    """The whole answer of a slow-<count>-... model: "tok0 tok1 ... tok<count-1>"."""
    return " ".join("tok%d" % i for i in range(count))


def slow_deltas(count):
    """The text deltas of a slow-<count>-... model, in order (they join to slow_text(count))."""
    return split_tokens(slow_text(count)) if count else []


def slow_reasoning_text(count):
    """The reasoning of a slow-<count>-<ms>-reasoning model: "think0 think1 ..."."""
    return " ".join("think%d" % i for i in range(count))


def slow_reasoning_deltas(count):
    return split_tokens(slow_reasoning_text(count)) if count else []


def slow_timed(model):
    """How many of a slow model's chunks are sent ms apart (after the role chunk)."""
    count, _, variant = slow_params(model)
    return 2 * count if variant == "reasoning" else count


def slow_usage(req):
    count, _, variant = slow_params(req.get("model"))
    if variant == "reasoning":
        return usage_for(req, 2 * count, reasoning_tokens=count)
    return usage_for(req, count)


def slow_stream_events(req, n):
    """Exact bytes of a slow model's stream: [role chunk] + one chunk per delta + [finish chunk,
    usage chunk when asked, [DONE]] (-cut stops after the deltas)."""
    count, _, variant = slow_params(req.get("model"))
    so = req.get("stream_options")
    with_usage = isinstance(so, dict) and so.get("include_usage") is True
    out = [_chunk(req, n, [_choice({"role": "assistant", "content": "", "refusal": None})], with_usage)]
    if variant == "reasoning":
        for tok in slow_reasoning_deltas(count):
            out.append(_chunk(req, n, [_choice({"reasoning_content": tok})], with_usage))
    for tok in slow_deltas(count):
        out.append(_chunk(req, n, [_choice({"content": tok})], with_usage))
    if variant == "cut":
        return [sse(c) for c in out]
    out.append(_chunk(req, n, [_choice({}, "length" if variant == "length" else "stop")], with_usage))
    if with_usage:
        out.append(_chunk(req, n, [], True, slow_usage(req), final=True))
    return [sse(c) for c in out] + [DONE]


def slow_json_body(req, n):
    count, _, variant = slow_params(req.get("model"))
    msg = {"role": "assistant", "content": slow_text(count), "refusal": None, "annotations": []}
    if variant == "reasoning":
        msg["reasoning_content"] = slow_reasoning_text(count)
    obj = {
        "id": "chatcmpl-fake-%d" % n, "object": "chat.completion", "created": CREATED,
        "model": req.get("model"),
        "choices": [{"index": 0, "message": msg,
                     "logprobs": None, "finish_reason": "length" if variant == "length" else "stop"}],
        "usage": slow_usage(req), "service_tier": "default", "system_fingerprint": FINGERPRINT,
    }
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode()


GARBAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>\n\n"
MALFORMED = b"data: {not json\n\n"


# ---------------------------------------------------------------------------------------------
# Responses upstream (passthrough tests)

def responses_input_text(req):
    """The text of the last user input (string input, or the last user message's text parts)."""
    inp = req.get("input")
    if isinstance(inp, str):
        return inp
    for item in reversed(inp if isinstance(inp, list) else []):
        if isinstance(item, dict) and item.get("role") == "user":
            c = item.get("content")
            if isinstance(c, str):
                return c
            return "".join(p.get("text", "") for p in (c or []) if isinstance(p, dict))
    return ""


def responses_obj(req, n, status="completed"):
    """A spec-valid Response (responses-api.md section 6) answering `Hello! You said: <input>`.
    status "in_progress" gives the lifecycle snapshot (output [], usage null)."""
    text = "Hello! You said: " + responses_input_text(req)
    done = status == "completed"
    msg = {"id": "msg_fake_%d" % n, "type": "message", "status": "completed", "role": "assistant",
           "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]}
    toks = len(split_tokens(text))
    return {
        "id": "resp_fake_%d" % n, "object": "response", "created_at": CREATED, "status": status,
        "background": False, "completed_at": CREATED + 1 if done else None, "error": None,
        "incomplete_details": None, "instructions": req.get("instructions"), "max_output_tokens": None,
        "max_tool_calls": None, "metadata": {}, "model": req.get("model"), "output": [msg] if done else [],
        "parallel_tool_calls": True, "presence_penalty": 0, "frequency_penalty": 0,
        "previous_response_id": None, "prompt_cache_key": None, "prompt_cache_retention": None,
        "reasoning": {"effort": None, "summary": None}, "safety_identifier": None, "service_tier": "default",
        "store": True, "temperature": 1, "text": {"format": {"type": "text"}, "verbosity": "medium"},
        "tool_choice": "auto", "tools": [], "top_logprobs": 0, "top_p": 1, "truncation": "disabled",
        "usage": {"input_tokens": 9, "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                  "output_tokens": toks, "output_tokens_details": {"reasoning_tokens": 0},
                  "total_tokens": 9 + toks} if done else None,
        "user": None,
    }


def responses_body(req, n):
    return (json.dumps(responses_obj(req, n), ensure_ascii=False, indent=2) + "\n").encode()


def responses_event(obj):
    return ("event: %s\ndata: %s\n\n" % (obj["type"], dumps_compact(obj))).encode()


def responses_stream_events(req, n):
    """Exact bytes of the fake's spec-valid Responses stream (one text message), [DONE] included."""
    final = responses_obj(req, n)
    snap = responses_obj(req, n, "in_progress")
    msg = final["output"][0]
    text = msg["content"][0]["text"]
    where = {"item_id": msg["id"], "output_index": 0, "content_index": 0}
    evs = [{"type": "response.created", "response": snap}, {"type": "response.in_progress", "response": snap},
           {"type": "response.output_item.added", "output_index": 0,
            "item": dict(msg, status="in_progress", content=[])},
           dict(where, type="response.content_part.added",
                part={"type": "output_text", "text": "", "annotations": [], "logprobs": []})]
    for tok in split_tokens(text):
        evs.append(dict(where, type="response.output_text.delta", delta=tok, logprobs=[]))
    evs += [dict(where, type="response.output_text.done", text=text, logprobs=[]),
            dict(where, type="response.content_part.done", part=msg["content"][0]),
            {"type": "response.output_item.done", "output_index": 0, "item": msg},
            {"type": "response.completed", "response": final}]
    out = []
    for i, ev in enumerate(evs):
        ev = dict(ev)
        ev["sequence_number"] = i
        out.append(responses_event(ev))
    return out + [DONE]


def load_recording(name):
    with open(os.path.join(RECORDINGS_DIR, name + ".json"), encoding="utf-8") as f:
        return json.load(f)


def recorded_interaction(model):
    """rec:<file>[:<k>] -> the recorded interaction (dict with request/response)."""
    parts = model.split(":")
    rec = load_recording(parts[1])
    inter = rec["interactions"]
    if len(parts) > 2:
        return inter[int(parts[2])]
    return next(i for i in inter if i["request"]["method"] == "POST" and i["request"]["path"] == "/v1/responses")


def recorded_response(model):
    """(status, content_type, [body pieces]) the fake sends for a rec:<file>[:<k>] model: a JSON
    body is one piece (pretty-printed), an SSE body one piece per event, exactly as recorded."""
    r = recorded_interaction(model)["response"]
    ctype = r["headers"].get("content-type", "application/json")
    if r["body_kind"] == "sse":
        body = r["body"]
        pieces = re.findall(r".*?\n\n", body, re.S)
        rest = body[len("".join(pieces)):]
        if rest:
            pieces.append(rest)
        return r["status"], ctype, [p.encode() for p in pieces]
    if r["body_kind"] == "json":
        return r["status"], ctype, [(json.dumps(r["body"], ensure_ascii=False, indent=2) + "\n").encode()]
    return r["status"], ctype, [r["body"].encode()]


# ---------------------------------------------------------------------------------------------
# POST /v1/responses/input_tokens and /v1/responses/compact (test_responses_compact.py)

RESPONSES_TOOL_PATHS = ("/v1/responses/input_tokens", "/v1/responses/compact")
NO_USAGE_MODEL = "no-usage"  # chat: a normal non-streaming answer without `usage`


def responses_tool_obj(path, req, n):
    """The fake Responses upstream's answer on RESPONSES_TOOL_PATHS for a resp-<...> model:
    input_tokens -> {"object": "response.input_tokens", "input_tokens": 100 + n}; compact -> a
    response.compaction keeping the user messages, then an opaque item "fake-blob-<n>"."""
    if path.endswith("/input_tokens"):
        return {"object": "response.input_tokens", "input_tokens": 100 + n}
    inp = req.get("input") if isinstance(req.get("input"), list) else []
    users = [dict(it, id="msg_fake_%d_%d" % (n, k), type="message", status="completed")
             for k, it in enumerate(inp) if isinstance(it, dict) and it.get("role") == "user"]
    return {"id": "resp_fake_%d" % n, "object": "response.compaction", "created_at": CREATED,
            "output": users + [{"id": "cmp_fake_%d" % n, "type": "compaction", "encrypted_content": "fake-blob-%d" % n}],
            "usage": {"input_tokens": 9, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 5,
                      "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 14}}


def no_usage_json_body(req, n):
    obj = chat_json_obj(dict(req, model="upstream-model"), n)
    obj["model"] = req.get("model")
    del obj["usage"]
    return (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode()


def _body_model(body):
    try:
        req = json.loads(body)
    except ValueError:
        return None
    return req.get("model") if isinstance(req, dict) else None


def embeddings_obj(req):
    inp = req.get("input")
    items = inp if isinstance(inp, list) else [inp]
    data = []
    for i, item in enumerate(items):
        s = item if isinstance(item, str) else json.dumps(item)
        vec = [round(((sum(s.encode()) + 31 * k) % 1000) / 1000.0 - 0.5, 3) for k in range(8)]
        if req.get("encoding_format") == "base64":  # what the official SDKs ask for by default
            vec = base64.b64encode(struct.pack("<%df" % len(vec), *vec)).decode()
        data.append({"object": "embedding", "index": i, "embedding": vec})
    toks = sum(len(str(x).split()) for x in items)
    return {"object": "list", "data": data, "model": req.get("model"),
            "usage": {"prompt_tokens": toks, "total_tokens": toks}}


def stream_test_events(count):
    return [sse({"object": "stream.test", "seq": i}) for i in range(count)] + [DONE]


# ---------------------------------------------------------------------------------------------
# Responses upstream for chat clients (test_chat_over_responses.py, sdk/chat_over_responses.test.mjs)
#
# POST /v1/responses for the CHAT_RESP_MODELS below: the fake is a Responses-only upstream that a
# chat client reaches through Switchyard's translation. Answers are spec-valid Response objects /
# event streams (responses-api.md 6, 7, 9) that echo the request; ids are resp_fake_<n>,
# msg_fake_<n>, rs_fake_<n>, fc_fake_<n>_<k> and call ids call_fake_<n>_<k>. The same models
# get 404 on /v1/chat/completions (every resp-* model does): an answer proves the gateway
# translated. `previous_response_id` must name a response this fake made (else 400
# previous_response_not_found, like OpenAI).

CHAT_RESP_MODELS = {
    "resp-chat": "text `Hello! You said: <last user text>`; with tools and a user message last: one "
                 "function_call of tools[0] (schema_args); with a function_call_output last: `The tool "
                 "returned: <output>`; text.format json_schema: JSON text; output_text logprobs when "
                 "include has message.output_text.logprobs (top_logprobs alternatives)",
    "resp-chat-parallel": "two function calls (tools[0] variant 0, tools[1] or tools[0] variant 1); after "
                          "the outputs `The tools returned: <a>; <b>`",
    "resp-chat-refusal": "one message with a single refusal part (REFUSAL_TEXT)",
    "resp-chat-reasoning": "a reasoning item (raw reasoning_text REASONING_TEXT, summary []), then the "
                           "resp-chat answer; usage reasoning_tokens",
    "resp-chat-length": "status incomplete, incomplete_details max_output_tokens: the text cut after 3 tokens",
    "resp-chat-filter": "status incomplete, incomplete_details content_filter: the text cut after 3 tokens",
    "resp-chat-failed": "status failed, error {code: server_error}; stream: 2 text deltas, then response.failed",
    "resp-chat-ratelimited": "status failed, error {code: rate_limit_exceeded}; stream as resp-chat-failed",
    "resp-chat-429": "HTTP 429 with ERR_429 (retry-after: 7)",
    "resp-chat-400": "HTTP 400 with ERR_400_RESP",
    "resp-chat-cut": "stream: 2 text deltas, then the socket is closed without the terminating chunk; "
                     "non-stream: half of the JSON body, then closed",
    "resp-chat-truncated": "stream: 2 text deltas, then a clean end of the body (no terminal event, no [DONE])",
    "resp-chat-malformed": "stream: 2 text deltas, then `data: {not json`, then the rest; non-stream: `{not json`",
    "resp-chat-error-event": "stream: 2 text deltas, then an `error` event (RESP_ERROR_EVENT) and the end",
    "resp-chat-nodelta": "resp-chat, but function calls get no arguments deltas (only arguments.done)",
    "resp-chat-textdone": "resp-chat, but text gets no output_text.delta events (only output_text.done)",
}
RESP_FAILED_ERRORS = {
    "resp-chat-failed": {"code": "server_error", "message": "The model produced invalid output. Please try again."},
    "resp-chat-ratelimited": {"code": "rate_limit_exceeded",
                              "message": "Rate limit reached for requests per min (RPM). Please try again in 7s."},
}
RESP_ERROR_EVENT = {"type": "error", "code": "model_overloaded",
                    "message": "The model is overloaded. Please try again later.", "param": None}
ERR_400_RESP = {"error": {"message": "Unsupported parameter: 'temperature' is not supported with this model.",
                          "type": "invalid_request_error", "param": "temperature", "code": "unsupported_parameter"}}
RESP_FAULT_DELTAS = 2           # text deltas sent before a stream fault
RESP_CACHED_TOKENS = 2          # usage.input_tokens_details of every resp-chat answer
RESP_CACHE_WRITE_TOKENS = 1
RESP_MALFORMED = b"event: response.output_text.delta\ndata: {not json\n\n"
LOGPROBS_INCLUDE = "message.output_text.logprobs"

_CHAT_RESP_IDS = set()          # ids of the Responses this fake made (previous_response_id check)
_CHAT_RESP_LOCK = threading.Lock()


def chat_resp_items(req):
    """The request's input as a list of items (a string is one user message)."""
    inp = req.get("input")
    if isinstance(inp, str):
        return [{"type": "message", "role": "user", "content": inp}]
    return [it for it in inp if isinstance(it, dict)] if isinstance(inp, list) else []


def _parts_text(content):
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") for p in (content or []) if isinstance(p, dict)
                   and isinstance(p.get("text"), str))


def _flat_function_tools(req):
    tools = req.get("tools") if isinstance(req.get("tools"), list) else []
    return [t for t in tools if isinstance(t, dict) and t.get("type") == "function"]


def chat_resp_turn(req):
    """What a CHAT_RESP_MODELS model answers: {"reasoning", "text", "refusal", "calls":
    [(name, arguments_json)], "status", "incomplete"}."""
    model = req.get("model")
    items = chat_resp_items(req)
    last = items[-1] if items else {}
    t = {"reasoning": None, "text": None, "refusal": None, "calls": [], "status": "completed", "incomplete": None}
    if model == "resp-chat-refusal":
        t["refusal"] = REFUSAL_TEXT
        return t
    tools = _flat_function_tools(req)
    fmt = (req.get("text") or {}).get("format") if isinstance(req.get("text"), dict) else None
    if last.get("type") == "function_call_output":
        outs = []
        for it in reversed(items):
            if it.get("type") != "function_call_output":
                break
            outs.insert(0, _parts_text(it.get("output")))
        if model == "resp-chat-parallel":
            t["text"] = "The tools returned: " + "; ".join(outs)
        else:
            t["text"] = "The tool returned: " + outs[-1]
    elif tools and last.get("role") == "user":
        if model == "resp-chat-parallel":
            pair = [tools[0], tools[1] if len(tools) > 1 else tools[0]]
        else:
            pair = [tools[0]]
        t["calls"] = [(f.get("name", "tool"), dumps_compact(schema_args(f.get("parameters") or {}, k)))
                      for k, f in enumerate(pair)]
    elif isinstance(fmt, dict) and fmt.get("type") == "json_schema":
        t["text"] = json.dumps(schema_args(fmt.get("schema") or {}))
    else:
        user = ""
        for it in reversed(items):
            if it.get("role") == "user":
                user = _parts_text(it.get("content"))
                break
        t["text"] = "Hello! You said: " + user if user else "Hello!"
    if model == "resp-chat-reasoning":
        t["reasoning"] = REASONING_TEXT
    if model in ("resp-chat-length", "resp-chat-filter") and t["text"]:
        t["text"] = "".join(split_tokens(t["text"])[:LENGTH_TOKENS])
        t["status"] = "incomplete"
        t["incomplete"] = {"reason": "max_output_tokens" if model == "resp-chat-length" else "content_filter"}
    return t


def chat_resp_want_logprobs(req):
    inc = req.get("include")
    return isinstance(inc, list) and LOGPROBS_INCLUDE in inc


def resp_logprob_entry(tok, i, k):
    """Token i of an answer in the Responses form (bytes always an array): logprob -(i+1)/8,
    k alternatives (the token itself first, then alt1, alt2, ...)."""
    lp = -(i + 1) / 8.0
    top = [{"token": tok if j == 0 else "alt%d" % j, "logprob": lp - j,
            "bytes": list((tok if j == 0 else "alt%d" % j).encode())} for j in range(k)]
    return {"token": tok, "logprob": lp, "bytes": list(tok.encode()), "top_logprobs": top}


def chat_resp_logprobs(req, text):
    if not chat_resp_want_logprobs(req):
        return []
    return [resp_logprob_entry(tok, i, top_k(req)) for i, tok in enumerate(split_tokens(text))]


def chat_resp_usage(req, t):
    words = len(str(req.get("instructions") or "").split())
    for it in chat_resp_items(req):
        c = it.get("content") if "content" in it else it.get("output", it.get("arguments"))
        words += len(_parts_text(c).split()) + 3
    inp = max(words, RESP_CACHED_TOKENS + RESP_CACHE_WRITE_TOKENS + 1)
    rtoks = len(split_tokens(t["reasoning"])) if t["reasoning"] else 0
    out = rtoks
    out += len(split_tokens(t["text"])) if t["text"] else 0
    out += len(split_tokens(t["refusal"])) if t["refusal"] else 0
    out += sum(len(arg_fragments(a)) + 1 for _, a in t["calls"])
    return {"input_tokens": inp,
            "input_tokens_details": {"cached_tokens": RESP_CACHED_TOKENS, "cache_write_tokens": RESP_CACHE_WRITE_TOKENS},
            "output_tokens": out, "output_tokens_details": {"reasoning_tokens": rtoks}, "total_tokens": inp + out}


def chat_resp_output(req, n, t):
    """The final output items of turn t."""
    out = []
    if t["reasoning"]:
        out.append({"id": "rs_fake_%d" % n, "type": "reasoning", "status": "completed", "summary": [],
                    "content": [{"type": "reasoning_text", "text": t["reasoning"]}]})
    parts = []
    if t["text"] is not None:
        parts.append({"type": "output_text", "text": t["text"], "annotations": [],
                      "logprobs": chat_resp_logprobs(req, t["text"])})
    if t["refusal"] is not None:
        parts.append({"type": "refusal", "refusal": t["refusal"]})
    if parts:
        out.append({"id": "msg_fake_%d" % n, "type": "message", "role": "assistant",
                    "status": "incomplete" if t["status"] == "incomplete" else "completed", "content": parts})
    for k, (name, args) in enumerate(t["calls"]):
        out.append({"id": "fc_fake_%d_%d" % (n, k), "type": "function_call", "status": "completed",
                    "call_id": _call_id(n, k), "name": name, "arguments": args})
    return out


def chat_resp_obj(req, n, status=None):
    """The whole Response a CHAT_RESP_MODELS model answers (status "in_progress": the snapshot of
    response.created / in_progress; failing models: status failed with error, output [])."""
    model = req.get("model")
    t = chat_resp_turn(req)
    final = status is None
    if status is None:
        status = "failed" if model in RESP_FAILED_ERRORS else t["status"]
    terminal = status in ("completed", "incomplete", "failed")

    def opt(key, default=None):
        v = req.get(key)
        return default if v is None else v
    reasoning = req.get("reasoning") if isinstance(req.get("reasoning"), dict) else {}
    text = req.get("text") if isinstance(req.get("text"), dict) else {}
    return {
        "id": "resp_fake_%d" % n, "object": "response", "created_at": CREATED, "status": status,
        "background": False, "completed_at": CREATED + 1 if status == "completed" else None,
        "error": RESP_FAILED_ERRORS[model] if status == "failed" else None,
        "incomplete_details": t["incomplete"] if status == "incomplete" else None,
        "instructions": opt("instructions"), "max_output_tokens": opt("max_output_tokens"),
        "max_tool_calls": None, "metadata": opt("metadata", {}), "model": model,
        "output": chat_resp_output(req, n, t) if final and status in ("completed", "incomplete") else [],
        "parallel_tool_calls": opt("parallel_tool_calls", True), "presence_penalty": opt("presence_penalty", 0),
        "frequency_penalty": opt("frequency_penalty", 0), "previous_response_id": opt("previous_response_id"),
        "prompt_cache_key": opt("prompt_cache_key"), "prompt_cache_retention": None,
        "reasoning": {"effort": reasoning.get("effort"), "summary": reasoning.get("summary")},
        "safety_identifier": opt("safety_identifier"), "service_tier": "default", "store": opt("store", True),
        "temperature": opt("temperature", 1),
        "text": {"format": text.get("format") or {"type": "text"}, "verbosity": text.get("verbosity") or "medium"},
        "tool_choice": opt("tool_choice", "auto"), "tools": opt("tools", []), "top_logprobs": opt("top_logprobs", 0),
        "top_p": opt("top_p", 1), "truncation": "disabled",
        "usage": chat_resp_usage(req, t) if terminal and status != "failed" else None,
        "user": opt("user"),
    }


def chat_resp_body(req, n):
    """Exact bytes of a non-streaming answer (pretty-printed like OpenAI's)."""
    return (json.dumps(chat_resp_obj(req, n), ensure_ascii=False, indent=2) + "\n").encode()


def resp_item_events(item, oi, text_deltas=True, arg_deltas=True):
    """The canonical events of one final output item (responses-api.md 9.4), without
    sequence numbers; output_text deltas carry their token's logprobs entry."""
    evs = []
    iid = item["id"]
    where = {"item_id": iid, "output_index": oi}
    if item["type"] == "function_call":
        evs.append({"type": "response.output_item.added", "output_index": oi,
                    "item": dict(item, status="in_progress", arguments="")})
        if arg_deltas:
            for f in arg_fragments(item["arguments"]):
                evs.append(dict(where, type="response.function_call_arguments.delta", delta=f))
        evs.append(dict(where, type="response.function_call_arguments.done", name=item["name"],
                        arguments=item["arguments"]))
    elif item["type"] == "reasoning":
        evs.append({"type": "response.output_item.added", "output_index": oi,
                    "item": {"id": iid, "type": "reasoning", "status": "in_progress", "summary": []}})
        text = item["content"][0]["text"]
        w = dict(where, content_index=0)
        evs.append(dict(w, type="response.content_part.added", part={"type": "reasoning_text", "text": ""}))
        for tok in split_tokens(text):
            evs.append(dict(w, type="response.reasoning_text.delta", delta=tok))
        evs.append(dict(w, type="response.reasoning_text.done", text=text))
        evs.append(dict(w, type="response.content_part.done", part=item["content"][0]))
    else:
        evs.append({"type": "response.output_item.added", "output_index": oi,
                    "item": dict(item, status="in_progress", content=[])})
        for ci, part in enumerate(item["content"]):
            w = dict(where, content_index=ci)
            if part["type"] == "output_text":
                evs.append(dict(w, type="response.content_part.added",
                                part={"type": "output_text", "text": "", "annotations": [], "logprobs": []}))
                if text_deltas:
                    lps = part["logprobs"]
                    for i, tok in enumerate(split_tokens(part["text"])):
                        evs.append(dict(w, type="response.output_text.delta", delta=tok,
                                        logprobs=[lps[i]] if lps else []))
                evs.append(dict(w, type="response.output_text.done", text=part["text"], logprobs=part["logprobs"]))
            else:
                evs.append(dict(w, type="response.content_part.added", part={"type": "refusal", "refusal": ""}))
                for tok in split_tokens(part["refusal"]):
                    evs.append(dict(w, type="response.refusal.delta", delta=tok))
                evs.append(dict(w, type="response.refusal.done", refusal=part["refusal"]))
            evs.append(dict(w, type="response.content_part.done", part=part))
    evs.append({"type": "response.output_item.done", "output_index": oi, "item": item})
    return evs


def resp_stream_objs(final, snap, text_deltas=True, arg_deltas=True, queued=None):
    """The event objects (with sequence_number) of a stream ending in `final` (a background run:
    created and queued carry the `queued` snapshot first)."""
    evs = [{"type": "response.created", "response": snap}, {"type": "response.in_progress", "response": snap}]
    if queued is not None:
        evs[:1] = [{"type": "response.created", "response": queued}, {"type": "response.queued", "response": queued}]
    for oi, item in enumerate(final["output"]):
        evs += resp_item_events(item, oi, text_deltas, arg_deltas)
    evs.append({"type": {"completed": "response.completed", "incomplete": "response.incomplete",
                         "failed": "response.failed"}[final["status"]], "response": final})
    return [dict(ev, sequence_number=i) for i, ev in enumerate(evs)]


def chat_resp_stream_objs(req, n):
    """The event objects of a CHAT_RESP_MODELS streaming answer (faults: what is sent before the
    fault; see chat_resp_stream_events for the bytes)."""
    model = req.get("model")
    snap = chat_resp_obj(req, n, "in_progress")
    final = chat_resp_obj(req, n)
    if model in RESP_FAILED_ERRORS or model in ("resp-chat-cut", "resp-chat-truncated", "resp-chat-malformed",
                                                "resp-chat-error-event"):
        ok = chat_resp_obj(dict(req, model="resp-chat"), n)
        ok["model"] = model
        full = resp_stream_objs(ok, snap)
        deltas = [i for i, ev in enumerate(full) if ev["type"] == "response.output_text.delta"]
        head = full[:deltas[RESP_FAULT_DELTAS - 1] + 1]
        if model in RESP_FAILED_ERRORS:
            head.append({"type": "response.failed", "response": final, "sequence_number": len(head)})
        elif model == "resp-chat-error-event":
            head.append(dict(RESP_ERROR_EVENT, sequence_number=len(head)))
        elif model == "resp-chat-malformed":
            return head, full[len(head):]
        return head, []
    return resp_stream_objs(final, snap, text_deltas=model != "resp-chat-textdone",
                            arg_deltas=model != "resp-chat-nodelta"), None


def chat_resp_stream_events(req, n):
    """Exact bytes of every SSE event the fake sends for a CHAT_RESP_MODELS streaming answer:
    normal answers end with [DONE]; resp-chat-malformed has RESP_MALFORMED after the head; the
    other faults stop after the head (resp-chat-cut then closes the socket)."""
    head, rest = chat_resp_stream_objs(req, n)
    out = [responses_event(ev) for ev in head]
    if rest is None:
        return out + [DONE]
    if req.get("model") == "resp-chat-malformed":
        return out + [RESP_MALFORMED] + [responses_event(ev) for ev in rest]
    return out


def chat_resp_remember(n):
    with _CHAT_RESP_LOCK:
        _CHAT_RESP_IDS.add("resp_fake_%d" % n)


def chat_resp_known(rid):
    with _CHAT_RESP_LOCK:
        return rid in _CHAT_RESP_IDS


def previous_not_found(rid):
    return {"error": {"message": "Previous response with id '%s' not found." % rid, "type": "invalid_request_error",
                      "param": "previous_response_id", "code": "previous_response_not_found"}}


# ---------------------------------------------------------------------------------------------
# /v1/responses/{id} routes (GET, DELETE, POST .../cancel, GET .../input_items, GET ?stream=true)
#
# A stand-in for the Responses objects an upstream owns: any id starting with resp_ and not
# containing "missing" exists, with deterministic content (stored_response_obj); others get
# OpenAI's 404. Switchyard proxies these routes byte for byte to its first openai-responses
# deployment (test_chat_over_responses.py).

RESP_BY_ID = re.compile(r"^/v1/responses/([^/]+)(/cancel|/input_items)?$")
STORED_INPUT_ITEMS = 3


def stored_exists(rid):
    return rid.startswith("resp_") and "missing" not in rid


def stored_response_obj(rid, status="completed"):
    obj = responses_obj({"model": "resp-stored", "input": "stored " + rid}, 0, status)
    obj["id"] = rid
    obj["background"] = True
    if obj["output"]:
        obj["output"][0]["id"] = "msg_" + rid[len("resp_"):]
    if status == "cancelled":
        obj["completed_at"] = None
    return obj


def stored_stream_objs(rid):
    final = stored_response_obj(rid)
    snap = stored_response_obj(rid, "in_progress")
    return resp_stream_objs(final, snap, queued=stored_response_obj(rid, "queued"))


def stored_stream_events(rid, starting_after=None):
    """Exact bytes of GET /v1/responses/{rid}?stream=true[&starting_after=N]: the recorded events
    with sequence_number > N, then [DONE]."""
    evs = [ev for ev in stored_stream_objs(rid) if starting_after is None or ev["sequence_number"] > starting_after]
    return [responses_event(ev) for ev in evs] + [DONE]


def stored_input_items(rid, query):
    q = urllib.parse.parse_qs(query, keep_blank_values=True)
    items = [{"id": "msg_in_%s_%d" % (rid[len("resp_"):], k), "type": "message", "role": "user",
              "status": "completed", "content": [{"type": "input_text", "text": "input item %d of %s" % (k, rid)}]}
             for k in range(STORED_INPUT_ITEMS)]
    if (q.get("order") or ["desc"])[0] != "asc":
        items.reverse()
    after = (q.get("after") or [None])[0]
    if after is not None:
        ids = [it["id"] for it in items]
        items = items[ids.index(after) + 1:] if after in ids else []
    limit = int((q.get("limit") or ["20"])[0])
    page = items[:limit]
    return {"object": "list", "data": page, "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None, "has_more": len(items) > limit}


def stored_not_found(rid):
    return {"error": {"message": "No response found with id '%s'." % rid, "type": "invalid_request_error",
                      "param": None, "code": None}}


# ---------------------------------------------------------------------------------------------
# Server state

class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.n = 0
        self.requests = []
        self.stats = {}
        self.reset()

    def reset(self):
        with self.lock:
            self.requests = []
            self.stats = {"disconnects": 0, "requests": 0, "streams_started": 0,
                          "streams_completed": 0, "hang_closed": 0}

    def record(self, entry):
        with self.lock:
            self.n += 1
            entry["n"] = self.n
            self.requests.append(entry)
            self.stats["requests"] += 1
            return self.n

    def bump(self, key, by=1):
        with self.lock:
            self.stats[key] = self.stats.get(key, 0) + by

    def mark(self, n, **fields):
        """Set fields on the record of request n (slow models' progress flags)."""
        with self.lock:
            for e in self.requests:
                if e.get("n") == n:
                    e.update(fields)
                    break

    def snapshot(self):
        with self.lock:
            return [dict(e) for e in self.requests], dict(self.stats)


STATE = State()


class ClientGone(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-openai/1.0"
    sys_version = ""
    verbose = False

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.verbose:
            sys.stderr.write("fake_upstream: " + (fmt % args) + "\n")

    # -- low level ------------------------------------------------------------------------
    def _read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = bytearray()
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ClientGone()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while True:  # trailers
                        t = self.rfile.readline(65537)
                        if t in (b"\r\n", b"\n", b""):
                            break
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline(3)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _peer_closed(self):
        """True if the peer has closed (EOF readable) — non-blocking."""
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
            if not r:
                return False
            data = self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            return data == b""
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True

    def _wait(self, seconds):
        """Sleep, but raise ClientGone as soon as the peer closes the connection."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            try:
                r, _, _ = select.select([self.connection], [], [], min(left, 0.5))
            except (OSError, ValueError):
                raise ClientGone()
            if r:
                try:
                    data = self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    raise ClientGone()
                if data == b"":
                    raise ClientGone()
                # Unexpected bytes from the peer (pipelining?): just sleep out the rest.
                time.sleep(max(0.0, deadline - time.monotonic()))
                return

    def _write(self, data):
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, OSError):
            raise ClientGone()

    def _common_headers(self, n, content_type, extra=None):
        self.send_header("Content-Type", content_type)
        self.send_header("x-request-id", "req_fake_%d" % n)
        self.send_header("openai-processing-ms", "12")
        self.send_header("openai-version", "2020-10-01")
        self.send_header("openai-organization", "fake-org")
        self.send_header("x-ratelimit-limit-requests", "10000")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if not extra or "x-ratelimit-remaining-requests" not in extra:
            self.send_header("x-ratelimit-remaining-requests", "9999")
        self.send_header("x-fake-private", "1")
        self.send_header("Connection", "keep-alive")
        self.send_header("Keep-Alive", "timeout=30, max=1000")

    def _send_json(self, n, status, obj, extra=None, raw=None):
        body = raw if raw is not None else (json.dumps(obj, ensure_ascii=False, indent=2) + "\n").encode()
        self.send_response(status)
        self._common_headers(n, "application/json", extra)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self._write(body)

    def _start_stream(self, n, content_type=SSE_CONTENT_TYPE):
        self.send_response(200)
        self._common_headers(n, content_type)
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        STATE.bump("streams_started")

    def _chunk(self, data):
        if self._peer_closed():
            raise ClientGone()
        self._write(b"%x\r\n" % len(data) + data + b"\r\n")

    def _end_chunks(self):
        self._write(b"0\r\n\r\n")
        STATE.bump("streams_completed")

    def _hold_until_eof(self):
        """Go silent; return when the peer closes (or the server shuts down)."""
        while True:
            try:
                r, _, _ = select.select([self.connection], [], [], 1.0)
            except (OSError, ValueError):
                return
            if r:
                try:
                    data = self.connection.recv(65536)
                except OSError:
                    return
                if not data:
                    return

    def _abort_connection(self):
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- dispatch -------------------------------------------------------------------------
    def _handle(self):
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, url.query
        try:
            body = self._read_body()
        except (ClientGone, ValueError, OSError):
            self.close_connection = True
            return
        if path.startswith("/_fake/"):
            return self._control(path, body)
        entry = {
            "method": self.command, "path": path, "query": query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "header_list": [[k.lower(), v] for k, v in self.headers.items()],
            "body": body.decode("utf-8", errors="replace"),
            "body_b64": base64.b64encode(body).decode(),
            "time": time.time(),
        }
        n = STATE.record(entry)
        try:
            if path in RESPONSES_TOOL_PATHS and self.command == "POST":
                return self._responses_tool(n, path, body)
            if RESP_BY_ID.match(path):
                return self._responses_by_id(n, path, query)
            if path == "/v1/chat/completions" and str(_body_model(body)).startswith("resp-"):
                return self._not_found(n, path)  # a Responses-only model: proves the gateway translated
            if path == "/v1/chat/completions" and self.command == "POST" and _body_model(body) == NO_USAGE_MODEL:
                return self._send_json(n, 200, None, raw=no_usage_json_body(json.loads(body), n))
            if path == "/v1/chat/completions" and self.command == "POST":
                return self._chat(n, body)
            if path == "/v1/responses" and self.command == "POST":
                return self._responses(n, path, body)
            if path == "/v1/embeddings" and self.command == "POST":
                return self._embeddings(n, body)
            if path == "/v1/models" and self.command == "GET":
                return self._send_json(n, 200, MODELS_LIST)
            if path == "/v1/files" and self.command == "GET":
                q = urllib.parse.parse_qs(query, keep_blank_values=True)
                return self._send_json(n, 200, {"object": "list", "data": [], "has_more": False,
                                                "query": query, "purpose": (q.get("purpose") or [None])[0]})
            if path == "/v1/stream-test" and self.command in ("GET", "POST"):
                return self._stream_test(n, query)
            return self._send_json(n, 404, {"error": {
                "message": "Invalid URL (%s %s)" % (self.command, path),
                "type": "invalid_request_error", "param": None, "code": None}})
        except (ClientGone, BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            STATE.bump("disconnects")
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def _control(self, path, body):
        if path == "/_fake/requests":
            reqs, _ = STATE.snapshot()
            out = json.dumps(reqs, ensure_ascii=False).encode()
        elif path == "/_fake/reset":
            STATE.reset()
            out = b'{"ok":true}'
        elif path == "/_fake/stats":
            _, stats = STATE.snapshot()
            out = json.dumps(stats).encode()
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def _embeddings(self, n, body):
        try:
            req = json.loads(body)
        except ValueError:
            return self._send_json(n, 400, {"error": {"message": "We could not parse the JSON body of your request.",
                                                      "type": "invalid_request_error", "param": None, "code": None}})
        return self._send_json(n, 200, embeddings_obj(req))

    def _not_found(self, n, path):
        return self._send_json(n, 404, {"error": {
            "message": "Invalid URL (%s %s)" % (self.command, path),
            "type": "invalid_request_error", "param": None, "code": None}})

    def _responses(self, n, path, body):
        try:
            req = json.loads(body)
        except ValueError:
            req = None
        model = req.get("model") if isinstance(req, dict) else None
        if not isinstance(model, str) or not (model.startswith("rec:") or model.startswith("resp-")):
            return self._not_found(n, path)  # chat-only upstream: proves the gateway translated
        if model in CHAT_RESP_MODELS:
            return self._chat_resp(n, req)
        if model == "resp-fault-429":
            return self._send_json(n, 429, ERR_429, {"retry-after": "7", "x-should-retry": "true"})
        if model.startswith("resp-"):
            if req.get("stream") is True:
                self._start_stream(n)
                for ev in responses_stream_events(req, n):
                    self._chunk(ev)
                return self._end_chunks()
            return self._send_json(n, 200, None, raw=responses_body(req, n))
        status, ctype, pieces = recorded_response(model)
        if ctype.startswith("text/event-stream"):
            self.send_response(status)
            self._common_headers(n, ctype)
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            STATE.bump("streams_started")
            for p in pieces:
                self._chunk(p)
            return self._end_chunks()
        return self._send_json(n, status, None, raw=b"".join(pieces))

    # -- Responses upstream for chat clients (CHAT_RESP_MODELS) and /v1/responses/{id} routes --
    def _chat_resp(self, n, req):
        model = req["model"]
        if model == "resp-chat-429":
            return self._send_json(n, 429, ERR_429, {"retry-after": "7", "x-should-retry": "true"})
        if model == "resp-chat-400":
            return self._send_json(n, 400, ERR_400_RESP)
        prev = req.get("previous_response_id")
        if prev is not None and not chat_resp_known(prev):
            return self._send_json(n, 400, previous_not_found(prev))
        chat_resp_remember(n)
        if req.get("stream") is not True:
            if model == "resp-chat-malformed":
                return self._send_json(n, 200, None, raw=b"{not json")
            full = chat_resp_body(req, n)
            if model == "resp-chat-cut":
                self.send_response(200)
                self._common_headers(n, "application/json")
                self.send_header("Content-Length", str(len(full)))
                self.end_headers()
                self._write(full[:len(full) // 2])
                return self._abort_connection()
            return self._send_json(n, 200, None, raw=full)
        self._start_stream(n)
        for ev in chat_resp_stream_events(req, n):
            self._chunk(ev)
        if model == "resp-chat-cut":
            time.sleep(0.05)
            STATE.bump("cuts")
            return self._abort_connection()
        return self._end_chunks()

    def _responses_by_id(self, n, path, query):
        rid, sub = RESP_BY_ID.match(path).groups()
        routes = {("GET", None), ("DELETE", None), ("POST", "/cancel"), ("GET", "/input_items")}
        if (self.command, sub) not in routes:
            return self._not_found(n, path)
        if not stored_exists(rid):
            return self._send_json(n, 404, stored_not_found(rid))
        q = urllib.parse.parse_qs(query, keep_blank_values=True)
        if self.command == "GET" and sub is None and (q.get("stream") or [""])[0] == "true":
            after = q.get("starting_after")
            self._start_stream(n)
            for ev in stored_stream_events(rid, int(after[0]) if after else None):
                self._chunk(ev)
            return self._end_chunks()
        if self.command == "GET" and sub is None:
            return self._send_json(n, 200, stored_response_obj(rid))
        if self.command == "DELETE":
            return self._send_json(n, 200, {"id": rid, "object": "response.deleted", "deleted": True})
        if sub == "/cancel":
            return self._send_json(n, 200, stored_response_obj(rid, "cancelled"))
        return self._send_json(n, 200, stored_input_items(rid, query))

    def _responses_tool(self, n, path, body):
        """POST /v1/responses/{input_tokens,compact}: rec:<file>:<k> models replay interaction k
        (as in _responses), resp-<...> models get responses_tool_obj(); any other model 404 (a
        chat-only upstream: proves the gateway answered itself)."""
        model = _body_model(body)
        if not isinstance(model, str) or not (model.startswith("rec:") or model.startswith("resp-")):
            return self._not_found(n, path)
        if model.startswith("resp-"):
            return self._send_json(n, 200, responses_tool_obj(path, json.loads(body), n))
        status, _, pieces = recorded_response(model)
        return self._send_json(n, status, None, raw=b"".join(pieces))

    def _stream_test(self, n, query):
        q = urllib.parse.parse_qs(query)
        count = int((q.get("n") or ["5"])[0])
        gap = int((q.get("delay_ms") or ["200"])[0]) / 1000.0
        self._start_stream(n)
        for i, ev in enumerate(stream_test_events(count)):
            if i:
                self._wait(gap)
            self._chunk(ev)
        self._end_chunks()

    def _slow(self, n, req):
        """slow-<n>-<ms>[-cut|-length|-reasoning]: deltas ms apart; progress recorded on the request."""
        count, gap, variant = slow_params(req.get("model"))
        timed = slow_timed(req.get("model"))
        STATE.mark(n, slow=True, deltas_sent=0, completed=False, disconnected=False, t_end=None)
        try:
            if req.get("stream") is not True:
                self._wait(timed * gap)
                self._send_json(n, 200, None, raw=slow_json_body(req, n))
                STATE.mark(n, completed=True, t_end=time.time())
                return
            events = slow_stream_events(req, n)
            self._start_stream(n)
            self._chunk(events[0])
            for i in range(timed):
                self._wait(gap)
                self._chunk(events[1 + i])
                STATE.mark(n, deltas_sent=i + 1)
            if variant == "cut":
                time.sleep(0.05)
                STATE.bump("cuts")
                STATE.mark(n, t_end=time.time())
                return self._abort_connection()
            for ev in events[1 + timed:]:
                self._chunk(ev)
            self._end_chunks()
            STATE.mark(n, completed=True, t_end=time.time())
        except (ClientGone, BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            STATE.mark(n, disconnected=True, t_end=time.time())
            raise

    def _chat(self, n, body):
        try:
            req = json.loads(body)
        except ValueError:
            return self._send_json(n, 400, {"error": {
                "message": "We could not parse the JSON body of your request.",
                "type": "invalid_request_error", "param": None, "code": None}})
        if not isinstance(req, dict):
            req = {}
        model = req.get("model")
        stream = req.get("stream") is True

        if slow_params(model) is not None:
            return self._slow(n, req)
        if model == "fault-429":
            return self._send_json(n, 429, ERR_429, {"retry-after": "7", "retry-after-ms": "7000",
                                                     "x-should-retry": "true",
                                                     "x-ratelimit-remaining-requests": "0",
                                                     "x-ratelimit-reset-requests": "7s"})
        if model == "fault-500":
            return self._send_json(n, 500, ERR_500, {"x-should-retry": "false"})
        if model == "fault-hang":
            self._hold_until_eof()
            STATE.bump("hang_closed")
            self.close_connection = True
            return

        if not stream:
            if model == "fault-slow":
                self._wait(SLOW_GAP_S)
            if model == "fault-malformed":
                return self._send_json(n, 200, None, raw=b"{not json")
            if model == "fault-cut":
                full = chat_json_body(req, n)
                self.send_response(200)
                self._common_headers(n, "application/json")
                self.send_header("Content-Length", str(len(full)))
                self.end_headers()
                self._write(full[:len(full) // 2])
                return self._abort_connection()
            if model == "fault-hang-stream":
                self._hold_until_eof()
                STATE.bump("hang_closed")
                self.close_connection = True
                return
            return self._send_json(n, 200, None, raw=chat_json_body(req, n))

        events = chat_stream_events(req, n)
        self._start_stream(n)
        if model == "fault-slow":
            for i, ev in enumerate(events):
                if i:
                    self._wait(SLOW_GAP_S)
                self._chunk(ev)
        elif model == "fault-cut":
            for ev in events[:3]:
                self._chunk(ev)
            time.sleep(0.05)
            STATE.bump("cuts")
            return self._abort_connection()
        elif model in ("fault-malformed", "fault-garbage"):
            for ev in events[:2]:
                self._chunk(ev)
            self._chunk(MALFORMED if model == "fault-malformed" else GARBAGE)
            for ev in events[2:]:
                self._chunk(ev)
        elif model == "fault-huge-event":
            self._chunk(events[0])
            ev = huge_event(req, n)
            for i in range(0, len(ev), 1 << 16):
                self._chunk(ev[i:i + (1 << 16)])
            for ev in events[1:]:
                self._chunk(ev)
        elif model == "fault-hang-stream":
            self._chunk(events[0])
            self._hold_until_eof()
            raise ClientGone()
        elif model == "fault-silent-then":
            self._chunk(events[0])
            self._wait(SILENT_GAP_S)
            for ev in events[1:]:
                self._chunk(ev)
        elif model == "fault-split":
            for ev in events:
                for i in range(0, len(ev), SPLIT_BYTES):
                    self._chunk(ev[i:i + SPLIT_BYTES])
                    if (i // SPLIT_BYTES) % 8 == 7:
                        time.sleep(0.002)
        elif model == "fault-coalesce":
            self._chunk(b"".join(events))
        else:  # normal and fault-big
            for ev in events:
                self._chunk(ev)
        self._end_chunks()


def main(argv=None):
    ap = argparse.ArgumentParser(description="fake OpenAI-compatible upstream")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    Handler.verbose = args.verbose

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True
        request_queue_size = 128

    srv = Server((args.host, args.port), Handler)
    port = srv.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    else:
        print(port, flush=True)
    import signal
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=srv.shutdown, daemon=True).start())
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
