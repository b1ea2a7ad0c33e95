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

Behaviour is chosen by the request's "model" (see FAULTS); every other model answers
normally.  Control endpoints (never recorded, never counted):
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


def plan(req):
    """What to answer: ("tool", name, arguments_json) or ("text", text)."""
    msgs = req.get("messages") if isinstance(req.get("messages"), list) else []
    last = msgs[-1] if msgs and isinstance(msgs[-1], dict) else {}
    tools = req.get("tools") if isinstance(req.get("tools"), list) else []
    if tools and last.get("role") == "user" and isinstance(tools[0], dict):
        fn = tools[0].get("function") or tools[0].get("custom") or {}
        name = fn.get("name", "tool")
        params = fn.get("parameters") or {}
        args = {}
        for prop, schema in (params.get("properties") or {}).items():
            t = schema.get("type") if isinstance(schema, dict) else None
            if t == "integer":
                args[prop] = 42
            elif t == "number":
                args[prop] = 1.5
            elif t == "boolean":
                args[prop] = True
            elif t == "array":
                args[prop] = []
            elif t == "object":
                args[prop] = {}
            else:
                args[prop] = "Paris"
        return ("tool", name, dumps_compact(args))
    if last.get("role") == "tool":
        return ("text", "The tool returned: " + _text_of(last.get("content")))
    user_text = ""
    for m in reversed(msgs):
        if isinstance(m, dict) and m.get("role") == "user":
            user_text = _text_of(m.get("content"))
            break
    return ("text", "Hello! You said: " + user_text if user_text else "Hello!")


def usage_for(req, completion_tokens):
    words = 0
    msgs = req.get("messages") if isinstance(req.get("messages"), list) else []
    for m in msgs:
        if isinstance(m, dict):
            words += len(_text_of(m.get("content")).split()) + 3
    prompt = max(words, 1)
    return {
        "prompt_tokens": prompt, "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    }


def arg_fragments(args, size=6):
    return [args[i:i + size] for i in range(0, len(args), size)] or [""]


def chat_json_obj(req, n):
    p = plan(req)
    if p[0] == "tool":
        msg = {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_fake_%d_0" % n, "type": "function",
             "function": {"name": p[1], "arguments": p[2]}}], "refusal": None, "annotations": []}
        finish, ctoks = "tool_calls", len(arg_fragments(p[2])) + 1
    else:
        msg = {"role": "assistant", "content": p[1], "refusal": None, "annotations": []}
        finish, ctoks = "stop", len(split_tokens(p[1]))
    return {
        "id": "chatcmpl-fake-%d" % n, "object": "chat.completion", "created": CREATED,
        "model": req.get("model"),
        "choices": [{"index": 0, "message": msg, "logprobs": None, "finish_reason": finish}],
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


def _choice(delta, finish=None):
    return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}


def chat_stream_chunks(req, n):
    """The chunk objects of a streaming answer, without [DONE]."""
    model = req.get("model")
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
            for t in toks:
                out.append(_chunk(req, n, [_choice({"content": t})], with_usage))
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
    fault-split / fault-coalesce) streaming answer, [DONE] included."""
    return [sse(c) for c in chat_stream_chunks(req, n)] + [DONE]


def huge_event(req, n):
    c = _chunk(req, n, [_choice({"content": "y" * HUGE_EVENT_BYTES})], False)
    return sse(c)


GARBAGE = b"<html><body><h1>502 Bad Gateway</h1></body></html>\n\n"
MALFORMED = b"data: {not json\n\n"


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

    def snapshot(self):
        with self.lock:
            return list(self.requests), dict(self.stats)


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
            if path == "/v1/chat/completions" and self.command == "POST":
                return self._chat(n, body)
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
