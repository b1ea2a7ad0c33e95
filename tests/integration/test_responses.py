"""POST /v1/responses over a chat-only upstream: Switchyard is the Responses server.

Basics: text, instructions, input items and content parts, parameter mapping (mapping.md
section 2.3). Siblings: test_responses_tools.py (tools, tool loops, parallel calls),
test_responses_stream.py (reasoning, refusal, incomplete, broken upstreams),
test_responses_errors.py (dropped parameters, strict, request and upstream errors),
test_responses_passthrough.py (openai-responses deployments). Every streamed body goes through
tests/tools/validate_responses.py (schema of every event + the SSE state machine) and every
final object through its check_object; the helpers below make that impossible to skip.

The sibling files test_responses_*.py import the helpers and the ResponsesCase base from here.
"""

import json
import os
import sys

from common import UP_KEY, GatewayCase, config, fake_upstream

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
import validate_responses as vr  # noqa: E402

UP = "upstream-model"
BEHAVIOUR_MODELS = sorted(fake_upstream.BEHAVIOURS)
# Passthrough deployments: client alias -> the fake's Responses model (rec:<recording>[:<k>]).
RECORDED = {
    "rec-simple": "rec:responses_simple_text",
    "rec-tools": "rec:responses_tool_loop:0",
    "rec-tools-2": "rec:responses_tool_loop:1",
    "rec-web-search": "rec:responses_web_search_builtin",
    "rec-reasoning": "rec:responses_reasoning_summary",
    "rec-stream-fc": "rec:responses_stream_function_call_then_text:0",
    "rec-stream-usage": "rec:responses_stream_usage",
    "rec-stream-openrouter": "rec:responses_stream_openrouter_reasoning_text",
    "rec-400": "rec:responses_error_400_temperature",
    "rec-previous": "rec:responses_previous_response_id:1",
    "rec-background": "rec:responses_background_poll:0",
}

WEATHER = {"type": "function", "name": "get_weather", "description": "Current weather",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
           "strict": True}
TIME = {"type": "function", "name": "get_time", "description": "Local time",
        "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]}}
NESTED_WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    "strict": True}}
NESTED_TIME = {"type": "function", "function": {
    "name": "get_time", "description": "Local time",
    "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]}}}
STREAM_OPTS = {"stream": True, "stream_options": {"include_usage": True}}


def _dep(name, model, extra=""):
    return ("  - model_name: %s\n    params: { provider: openai-chat, model: %s, api_base: @UPSTREAM@, "
            "api_key: os.environ/UP_KEY%s }\n" % (name, model, extra))


def responses_config():
    """The standard config plus: one deployment per BEHAVIOURS model (same name upstream),
    gpt-openai (chat_dialect openai), gpt-strict (strict: true), resp-up (a Responses upstream
    synthesizing answers), resp-429, and one Responses deployment per RECORDED entry."""
    text = config()
    for m in BEHAVIOUR_MODELS:
        text += _dep(m, m)
    text += _dep("gpt-openai", UP, ", chat_dialect: openai")
    text += _dep("parallel-openai", "parallel", ", chat_dialect: openai")
    text += _dep("gpt-strict", UP, ", strict: true")
    text += ("  - model_name: resp-up\n    params: { provider: openai-responses, model: resp-upstream, "
             "api_base: @UPSTREAM@, api_key: os.environ/UP_KEY }\n")
    text += ("  - model_name: resp-429\n    params: { provider: openai-responses, model: resp-fault-429, "
             "api_base: @UPSTREAM@, api_key: os.environ/UP_KEY }\n")
    for alias, model in sorted(RECORDED.items()):
        text += ('  - model_name: %s\n    params: { provider: openai-responses, model: "%s", '
                 "api_base: @UPSTREAM@, api_key: os.environ/UP_KEY }\n" % (alias, model))
    return text


_ID_KEYS = {"id", "item_id", "call_id"}


def normalize(obj):
    """A Response (or event) with ids and timestamps replaced by placeholders numbered by first
    appearance, so two runs of the same request compare equal."""
    names = {}

    def walk(v, key=None):
        if isinstance(v, dict):
            return {k: walk(x, k) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        if key in ("created_at", "completed_at") and isinstance(v, int):
            return "<time>"
        if key in _ID_KEYS and isinstance(v, str):
            if v not in names:
                names[v] = "<%s%d>" % (v.split("_")[0], len(names))
            return names[v]
        return v
    return walk(obj)


class ResponsesCase(GatewayCase):
    """Helpers for /v1/responses tests. Every stream is checked with validate_responses (schema
    + state machine) and every Response object with check_object."""

    CONFIG = None

    @classmethod
    def make_config(cls):
        return responses_config()

    # -- requests
    def post(self, body, headers=None, timeout=20, read_body=True, key="__default__"):
        raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
        kw = {} if key == "__default__" else {"key": key}
        return self.gw.request("POST", "/v1/responses", raw, headers, timeout=timeout, read_body=read_body, **kw)

    def create(self, body, headers=None, status=200):
        """Non-streaming create: returns (raw response, the checked Response object)."""
        r = self.post(body, headers)
        self.assertEqual(r.status, status, r.body[:800])
        self.assertTrue((r.header("content-type") or "").startswith("application/json"), r.header("content-type"))
        obj = json.loads(r.body)
        try:
            vr.check_object(obj)
        except vr.CheckError as e:
            self.fail("Response object fails validate_responses: %s\n%s" % (e, r.body[:1500]))
        self.assertEqual(obj["object"], "response")
        self.assertRegex(obj["id"], r"^resp_[A-Za-z0-9]{16,}$")
        self.assertNotIn("output_text", obj, "output_text is an SDK convenience; never sent")
        return r, obj

    def stream(self, body, headers=None):
        """Streaming create: returns (raw response, raw body, events). The body passed
        validate_responses.check_stream (every event's schema, the state machine, [DONE])."""
        body = dict(body, stream=True)
        r = self.post(body, headers, read_body=False, timeout=20)
        self.assertEqual(r.status, 200, r.read_all()[:800] if r.status != 200 else "")
        self.assertTrue((r.header("content-type") or "").startswith("text/event-stream"), r.header("content-type"))
        raw = b"".join(ev for _, ev in self.stream_events(r))
        r.close()
        self.assertTrue(r.complete, "stream did not end with the terminating chunk; got %r" % raw[-300:])
        try:
            events = vr.check_stream(raw)
        except vr.CheckError as e:
            self.fail("stream fails validate_responses: %s\n%s" % (e, raw.decode("utf-8", "replace")[-3000:]))
        for ev in events:
            self.assertNotIn("error", ev, "an `error` key makes the SDKs throw: %s" % ev)
        return r, raw, events

    def both(self, body, headers=None):
        """Run the request non-streaming and streaming; assert the stream's final Response equals
        the non-streaming object (ids/timestamps aside). Returns (object, events)."""
        _, obj = self.create(body, headers)
        _, _, events = self.stream(body, headers)
        final = vr.terminal_response(events)
        self.assertEqual(normalize(final), normalize(obj),
                         "the stream's final Response differs from the non-streaming one")
        return obj, events

    # -- upstream
    def upstream(self, count=1):
        """The chat request(s) the fake received: asserts exactly `count`, all to
        /v1/chat/completions (never /v1/responses). Returns the parsed body (count 1) or a list."""
        reqs = self.fake.requests()
        paths = [q["path"] for q in reqs]
        self.assertEqual(paths, ["/v1/chat/completions"] * count, "upstream requests: %r" % paths)
        for q in reqs:
            self.assertEqual(q["method"], "POST")
            self.assertEqual(q["headers"].get("authorization"), "Bearer " + UP_KEY)
            self.assertTrue((q["headers"].get("content-type") or "").startswith("application/json"))
        bodies = [json.loads(q["body"]) for q in reqs]
        return bodies[0] if count == 1 else bodies

    def assertUpstream(self, want, stream=False):
        """Exactly one upstream chat request, equal to want (+ stream fields when stream)."""
        got = self.upstream()
        want = dict(want)
        if stream:
            want.update(STREAM_OPTS)
        self.assertEqual(got, want)
        return got

    def stream_and_upstream(self, body, want_upstream):
        self.fake.reset()
        r, raw, events = self.stream(body)
        self.assertUpstream(want_upstream, stream=True)
        return r, raw, events

    # -- events
    @staticmethod
    def types(events):
        return [e["type"] for e in events]

    def assertTextStream(self, events, text, deltas, lifecycle_end="response.completed"):
        """The canonical text-only order (responses-api.md 9.4 (a)) with exactly these deltas."""
        want = (["response.created", "response.in_progress", "response.output_item.added",
                 "response.content_part.added"] + ["response.output_text.delta"] * len(deltas) +
                ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                 lifecycle_end])
        self.assertEqual(self.types(events), want)
        self.assertEqual([e["delta"] for e in events if e["type"] == "response.output_text.delta"], deltas)
        self.assertEqual(events[-1]["response"]["output"][0]["content"][0]["text"], text)

    def assertError(self, r, status, param, code="__any__", type_="invalid_request_error", message_has=None):
        err = self.assertErrorEnvelope(r, status, type_=type_, param=param, code=code)
        if message_has:
            self.assertIn(message_has, err["message"])
        return err

    def assertNoUpstream(self):
        self.assertEqual(self.fake.requests(), [], "the request must not reach the upstream")

    def access_entry(self, r):
        rid = r.header("x-request-id")
        hits = self.gw.wait_access(rid)
        self.assertEqual(len(hits), 1, "access log lines for %s: %r" % (rid, hits))
        return hits[0]


def message_text(obj):
    """Concatenated output_text of all message items (what the SDK's output_text computes)."""
    return "".join(p["text"] for it in obj["output"] if it["type"] == "message"
                   for p in it["content"] if p["type"] == "output_text")


# =============================================================================================

class ResponsesBasics(ResponsesCase):

    def test_text_nonstream(self):
        r, obj = self.create({"model": "gpt-test", "input": "hi"})
        self.assertUpstream({"model": UP, "messages": [{"role": "user", "content": "hi"}]})
        self.assertEqual(obj["status"], "completed")
        self.assertEqual(obj["model"], "gpt-test")
        self.assertEqual(len(obj["output"]), 1)
        msg = obj["output"][0]
        self.assertRegex(msg["id"], r"^msg_")
        self.assertEqual({k: v for k, v in msg.items() if k != "id"},
                         {"type": "message", "status": "completed", "role": "assistant",
                          "content": [{"type": "output_text", "text": "Hello! You said: hi",
                                       "annotations": [], "logprobs": []}]})
        # usage mapped from the chat usage (mapping.md 3.4)
        up = fake_upstream.usage_for({"messages": [{"role": "user", "content": "hi"}]}, 4)
        self.assertEqual(obj["usage"], {
            "input_tokens": up["prompt_tokens"], "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": 4, "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": up["prompt_tokens"] + 4})
        # request echo defaults (responses-api.md 6)
        for k, v in {"instructions": None, "tools": [], "tool_choice": "auto", "parallel_tool_calls": True,
                     "temperature": 1, "top_p": 1, "presence_penalty": 0, "frequency_penalty": 0,
                     "top_logprobs": 0, "text": {"format": {"type": "text"}, "verbosity": "medium"},
                     "reasoning": {"effort": None, "summary": None}, "truncation": "disabled",
                     "max_output_tokens": None, "max_tool_calls": None, "previous_response_id": None,
                     "metadata": {}, "background": False, "error": None, "incomplete_details": None,
                     "user": None, "safety_identifier": None, "prompt_cache_key": None,
                     "service_tier": "default"}.items():
            self.assertEqual(obj[k], v, k)
        self.assertIsInstance(obj["completed_at"], int)
        self.assertGreaterEqual(obj["completed_at"], obj["created_at"])
        self.assertTrue(r.header("x-request-id"))
        self.assertIsNone(r.header("x-switchyard-dropped"))

    def test_text_stream(self):
        r, raw, events = self.stream_and_upstream(
            {"model": "gpt-test", "input": "hi"}, {"model": UP, "messages": [{"role": "user", "content": "hi"}]})
        self.assertTextStream(events, "Hello! You said: hi", ["Hello!", " You", " said:", " hi"])
        # framing: `event:` line, one data line, blank line; [DONE] last; one HTTP chunk per event
        frames = raw.decode().split("\n\n")
        self.assertEqual(frames[-2:], ["data: [DONE]", ""])
        for f, ev in zip(frames, events):
            self.assertEqual(f, "event: %s\ndata: %s" % (ev["type"], json.dumps(ev, separators=(",", ":"),
                                                                               ensure_ascii=False)))
        for _, c in r.chunks:
            self.assertTrue(c.endswith(b"\n\n"), "an HTTP chunk ends inside an event: %r" % c[-40:])
        self.assertEqual(r.header("cache-control"), "no-cache")
        created, done = events[0]["response"], events[-1]["response"]
        self.assertEqual(created["status"], "in_progress")
        self.assertEqual(done["status"], "completed")
        self.assertEqual(done["usage"]["output_tokens"], 4)
        ids = {e["item_id"] for e in events if "item_id" in e}
        self.assertEqual(ids, {done["output"][0]["id"]})

    def test_stream_decided_by_body_not_accept(self):
        """The SDK sends Accept: application/json even for streams (responses-api.md 1); unknown
        query parameters such as ?beta=true are ignored."""
        r = self.gw.request("POST", "/v1/responses?beta=true", json.dumps({"model": "gpt-test", "input": "hi",
                                                                         "stream": True}),
                            {"Accept": "application/json"})
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertTrue((r.header("content-type") or "").startswith("text/event-stream"))
        vr.check_stream(r.body)
        r = self.gw.request("POST", "/v1/responses?beta=true", json.dumps({"model": "gpt-test", "input": "hi",
                                                                         "stream": False}),
                            {"Accept": "text/event-stream"})
        self.assertEqual(r.status, 200, r.body[:300])
        vr.check_object(json.loads(r.body))

    def test_item_reference_without_store_refused(self):
        r = self.post({"model": "gpt-test", "input": [{"type": "item_reference", "id": "msg_unknown"}]})
        self.assertIn(r.status, (400, 404), r.body[:300])
        err = self.assertErrorEnvelope(r, r.status)
        self.assertTrue((err["param"] or "").startswith("input[0]"), err)
        self.assertNoUpstream()

    def test_stream_equals_nonstream(self):
        body = {"model": "gpt-test", "input": "compare both paths", "instructions": "Be brief.",
                "temperature": 0.25, "metadata": {"k": "v"}}
        obj, _ = self.both(body)
        self.assertEqual(message_text(obj), "Hello! You said: compare both paths")
        self.assertEqual(obj["metadata"], {"k": "v"})
        self.assertEqual(obj["instructions"], "Be brief.")

    def test_instructions_become_leading_system_message(self):
        body = {"model": "gpt-test", "instructions": "You are terse.",
                "input": [{"role": "system", "content": "Second system"},
                          {"role": "user", "content": "hi"}]}
        want = {"model": UP, "messages": [{"role": "system", "content": "You are terse."},
                                          {"role": "system", "content": "Second system"},
                                          {"role": "user", "content": "hi"}]}
        self.create(body)
        self.assertUpstream(want)
        self.stream_and_upstream(body, want)

    def test_roles_generic_dialect(self):
        body = {"model": "gpt-test", "input": [
            {"role": "system", "content": "S"},
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "D1"},
                                                                  {"type": "input_text", "text": "D2"}]},
            {"role": "user", "content": "U1"},
            {"type": "message", "role": "assistant", "id": "msg_prev", "status": "completed",
             "content": [{"type": "output_text", "text": "A1", "annotations": []}]},
            {"role": "assistant", "content": "A2"},
            {"role": "user", "content": [{"type": "input_text", "text": "U2"}]}]}
        want = {"model": UP, "messages": [
            {"role": "system", "content": "S"},
            {"role": "system", "content": "D1D2"},          # developer -> system for local servers
            {"role": "user", "content": "U1"},
            {"role": "assistant", "content": "A1"},
            {"role": "assistant", "content": "A2"},
            {"role": "user", "content": [{"type": "text", "text": "U2"}]}]}
        _, obj = self.create(body)
        self.assertUpstream(want)
        self.assertEqual(message_text(obj), "Hello! You said: U2")
        self.stream_and_upstream(body, want)

    def test_roles_openai_dialect(self):
        body = {"model": "gpt-openai", "input": [
            {"role": "developer", "content": "D"}, {"role": "user", "content": "hi"}],
            "max_output_tokens": 64}
        want = {"model": UP, "messages": [{"role": "developer", "content": "D"}, {"role": "user", "content": "hi"}],
                "max_completion_tokens": 64}
        self.create(body)
        self.assertUpstream(want)
        self.stream_and_upstream(body, want)

    def test_assistant_refusal_part_in_input(self):
        body = {"model": "gpt-test", "input": [
            {"role": "user", "content": "q"},
            {"type": "message", "role": "assistant",
             "content": [{"type": "output_text", "text": "partial", "annotations": []},
                         {"type": "refusal", "refusal": "no more"}]},
            {"role": "user", "content": "again"}]}
        self.create(body)
        self.assertUpstream({"model": UP, "messages": [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "partial", "refusal": "no more"},
            {"role": "user", "content": "again"}]})

    def test_images_and_files(self):
        png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
        pdf = "data:application/pdf;base64,JVBERi0xLjQK"
        body = {"model": "gpt-test", "input": [{"role": "user", "content": [
            {"type": "input_text", "text": "look"},
            {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "low"},
            {"type": "input_image", "image_url": png},
            {"type": "input_file", "file_data": pdf, "filename": "doc.pdf"}]}]}
        want = {"model": UP, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "look"},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
            {"type": "image_url", "image_url": {"url": png}},
            {"type": "file", "file": {"file_data": pdf, "filename": "doc.pdf"}}]}]}
        _, obj = self.create(body)
        self.assertUpstream(want)
        self.assertEqual(message_text(obj), "Hello! You said: look")
        self.stream_and_upstream(body, want)

    def test_file_without_data_refused(self):
        for part, param in (({"type": "input_file", "file_url": "https://example.com/a.pdf"},
                             "input[0].content[0].file_url"),
                            ({"type": "input_image", "file_id": "file-abc"}, "input[0].content[0].file_id")):
            with self.subTest(part=part["type"]):
                self.fake.reset()
                r = self.post({"model": "gpt-test", "input": [{"role": "user", "content": [part]}]})
                self.assertError(r, 400, param)
                self.assertNoUpstream()

    def test_sampling_numbers_kept_as_sent(self):
        raw = (b'{"model":"gpt-test","input":"hi","temperature":0.70,"top_p":1e-1,'
               b'"presence_penalty":-0.5,"frequency_penalty":0.0}')
        r = self.post(raw)
        self.assertEqual(r.status, 200, r.body[:500])
        obj = json.loads(r.body)
        vr.check_object(obj)
        body = self.fake.requests()[0]["body"]
        self.assertIn('"temperature":0.70', body)   # the client's text, not 0.7
        self.assertIn('"top_p":1e-1', body)
        self.assertIn('"presence_penalty":-0.5', body)
        self.assertIn('"frequency_penalty":0.0', body)
        self.assertEqual((obj["temperature"], obj["top_p"], obj["presence_penalty"], obj["frequency_penalty"]),
                         (0.7, 0.1, -0.5, 0.0))
        self.assertIn(b'"temperature":0.70', r.body)

    def test_max_output_tokens_generic(self):
        body = {"model": "gpt-test", "input": "hi", "max_output_tokens": 100}
        _, obj = self.create(body)
        self.assertUpstream({"model": UP, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 100})
        self.assertEqual(obj["max_output_tokens"], 100)
        r = self.post({"model": "gpt-test", "input": "hi", "max_output_tokens": 15})
        self.assertError(r, 400, "max_output_tokens", code="integer_below_min_value")

    def test_reasoning_effort_and_format(self):
        schema = {"type": "object", "properties": {"city": {"type": "string"}, "temp": {"type": "integer"}},
                  "required": ["city", "temp"], "additionalProperties": False}
        body = {"model": "gpt-test", "input": "weather?", "reasoning": {"effort": "low"},
                "text": {"format": {"type": "json_schema", "name": "weather", "description": "W",
                                    "schema": schema, "strict": True}}}
        want = {"model": UP, "messages": [{"role": "user", "content": "weather?"}],
                "response_format": {"type": "json_schema", "json_schema": {
                    "name": "weather", "description": "W", "schema": schema, "strict": True}},
                "reasoning_effort": "low"}
        obj, events = self.both(body)
        self.assertEqual(self.fake.requests()[0]["body"] and json.loads(self.fake.requests()[0]["body"]), want)
        self.assertEqual(json.loads(self.fake.requests()[1]["body"]), dict(want, **STREAM_OPTS))
        self.assertEqual(message_text(obj), '{"city": "Paris", "temp": 42}')
        self.assertEqual(json.loads(message_text(obj)), {"city": "Paris", "temp": 42})
        self.assertEqual(obj["text"], {"format": {"type": "json_schema", "name": "weather", "description": "W",
                                                  "schema": schema, "strict": True}, "verbosity": "medium"})
        self.assertEqual(obj["reasoning"], {"effort": "low", "summary": None})
        self.assertEqual([e["delta"] for e in events if e["type"] == "response.output_text.delta"],
                         ['{"city":', ' "Paris",', ' "temp":', ' 42}'])

    def test_json_object_and_text_format(self):
        for fmt in ({"type": "json_object"}, {"type": "text"}):
            with self.subTest(fmt=fmt["type"]):
                self.fake.reset()
                _, obj = self.create({"model": "gpt-test", "input": "hi", "text": {"format": fmt}})
                self.assertUpstream({"model": UP, "messages": [{"role": "user", "content": "hi"}],
                                     "response_format": fmt})
                self.assertEqual(obj["text"]["format"], fmt)

    def test_openai_dialect_hints(self):
        body = {"model": "gpt-openai", "input": "hi", "safety_identifier": "u-1", "prompt_cache_key": "pk",
                "service_tier": "flex", "text": {"verbosity": "low"}, "user": "legacy"}
        r, obj = self.create(body)
        self.assertUpstream({"model": UP, "messages": [{"role": "user", "content": "hi"}], "verbosity": "low",
                             "user": "legacy", "safety_identifier": "u-1", "prompt_cache_key": "pk",
                             "service_tier": "flex"})
        self.assertIsNone(r.header("x-switchyard-dropped"))
        self.assertEqual((obj["safety_identifier"], obj["prompt_cache_key"], obj["user"]), ("u-1", "pk", "legacy"))
        self.assertEqual(obj["text"]["verbosity"], "low")

    def test_logprobs(self):
        body = {"model": "gpt-test", "input": "hi", "top_logprobs": 2, "include": ["message.output_text.logprobs"]}
        want = {"model": UP, "messages": [{"role": "user", "content": "hi"}], "logprobs": True, "top_logprobs": 2}
        obj, events = self.both(body)
        reqs = [json.loads(q["body"]) for q in self.fake.requests()]
        self.assertEqual(reqs, [want, dict(want, **STREAM_OPTS)])
        toks = ["Hello!", " You", " said:", " hi"]

        def entry(i, t):
            lp = -(i + 1) / 8.0
            b = list(t.encode())
            return {"token": t, "logprob": lp, "bytes": b,     # bytes null upstream -> UTF-8 bytes (7 #32)
                    "top_logprobs": [{"token": t, "logprob": lp, "bytes": b},
                                     {"token": "alt1", "logprob": lp - 1, "bytes": list(b"alt1")}]}
        want_lp = [entry(i, t) for i, t in enumerate(toks)]
        self.assertEqual(obj["output"][0]["content"][0]["logprobs"], want_lp)
        self.assertEqual(obj["top_logprobs"], 2)
        deltas = [e for e in events if e["type"] == "response.output_text.delta"]
        self.assertEqual([d["logprobs"] for d in deltas], [[x] for x in want_lp])
        done = [e for e in events if e["type"] == "response.output_text.done"][0]
        self.assertEqual(done["logprobs"], want_lp)

    def test_top_logprobs_without_include_not_requested(self):
        _, obj = self.create({"model": "gpt-test", "input": "hi", "top_logprobs": 3})
        self.assertUpstream({"model": UP, "messages": [{"role": "user", "content": "hi"}]})
        self.assertEqual(obj["top_logprobs"], 3)
        self.assertEqual(obj["output"][0]["content"][0]["logprobs"], [])

    def test_gateway_owned_params_not_forwarded(self):
        body = {"model": "gpt-test", "input": "hi", "store": False, "metadata": {"a": "b"}, "truncation": "auto",
                "max_tool_calls": 3, "parallel_tool_calls": False,
                "include": ["reasoning.encrypted_content"], "stream_options": {"include_obfuscation": False}}
        r, obj = self.create(body)
        self.assertUpstream({"model": UP, "messages": [{"role": "user", "content": "hi"}]})
        self.assertEqual((obj["store"], obj["metadata"], obj["truncation"], obj["max_tool_calls"],
                          obj["parallel_tool_calls"]), (False, {"a": "b"}, "auto", 3, False))


if __name__ == "__main__":
    import unittest
    unittest.main()
