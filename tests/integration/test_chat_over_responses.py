"""POST /v1/chat/completions to an openai-responses deployment: Switchyard translates the chat
request into POST {api_base}/responses (mapping.md 1, 7) and the upstream's Response object or
Responses event stream back into a chat.completion / chat.completion.chunk stream (3.2-3.4, 4.2).

The fake upstream's CHAT_RESP_MODELS answer /v1/responses only (404 on /v1/chat/completions), so
every 200 here was translated. Expected chat answers are derived from the fake's exact upstream
answer (fake_upstream.chat_resp_obj / chat_resp_stream_objs for the request the fake received)
by a reference translation of mapping.md written below (expected_completion, expected_chunks).

This file: request mapping (messages, parts, tools, tool_choice, formats, limits, ...), answers
(text, tool calls, refusal, reasoning, logprobs, finish reasons, usage, ids) and chunk streams.
Siblings: test_chat_over_responses_errors.py (dropped / strict / 400s, upstream errors and broken
streams, sessions with previous_response_id, /v1/responses passthrough and the by-id routes)."""

import json
import time

from common import UP_KEY, GatewayCase, config, fake_upstream, sse_payloads

RESP_KEY = "sk-resp-owner-Secret-3c9d1f7a"   # api_key of chat-resp, the first openai-responses deployment
UP = "resp-chat"                              # the fake's normal Responses model
CREATED = fake_upstream.CREATED
REASONING = fake_upstream.REASONING_TEXT
REFUSAL = fake_upstream.REFUSAL_TEXT
LOGPROBS_INCLUDE = fake_upstream.LOGPROBS_INCLUDE

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
TIME = {"type": "function", "function": {
    "name": "get_time", "description": "Local time",
    "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]},
    "strict": True}}
FLAT_WEATHER = {"type": "function", "name": "get_weather", "description": "Current weather",
                "parameters": WEATHER["function"]["parameters"], "strict": False}
FLAT_TIME = {"type": "function", "name": "get_time", "description": "Local time",
             "parameters": TIME["function"]["parameters"], "strict": True}


def chat_over_responses_config():
    """The standard config plus: chat-resp (the first openai-responses deployment, api_key
    RESP_KEY), chat-resp-sys (system_as_instructions), chat-resp-strict (strict), and one
    deployment per fake CHAT_RESP_MODELS behaviour under the fake's own model name."""
    text = config()
    dep = ("  - model_name: %s\n    params: { provider: openai-responses, model: %s, api_base: @UPSTREAM@, "
           "api_key: %s%s }\n")
    text += dep % ("chat-resp", UP, "os.environ/RESP_KEY", "")
    text += dep % ("chat-resp-sys", UP, "os.environ/UP_KEY", ", system_as_instructions: true")
    text += dep % ("chat-resp-strict", UP, "os.environ/UP_KEY", ", strict: true")
    for m in sorted(fake_upstream.CHAT_RESP_MODELS):
        if m != UP:
            text += dep % (m, m, "os.environ/UP_KEY", "")
    return text


# -- reference translation (mapping.md) -------------------------------------------------------

def chat_id(resp_id):
    """The completion id: the upstream Response id itself (so a client can send it back as
    previous_response_id)."""
    return resp_id


def chat_usage(u):
    """mapping.md 3.4, C->R: both detail objects, zeros for what Responses does not know."""
    return {"prompt_tokens": u["input_tokens"], "completion_tokens": u["output_tokens"],
            "total_tokens": u["total_tokens"],
            "prompt_tokens_details": {"cached_tokens": u["input_tokens_details"]["cached_tokens"],
                                      "cache_write_tokens": u["input_tokens_details"]["cache_write_tokens"],
                                      "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": u["output_tokens_details"]["reasoning_tokens"],
                                          "audio_tokens": 0, "accepted_prediction_tokens": 0,
                                          "rejected_prediction_tokens": 0}}


def finish_reason(resp):
    if resp["status"] == "incomplete":
        return {"max_output_tokens": "length", "content_filter": "content_filter"}[resp["incomplete_details"]["reason"]]
    return "tool_calls" if any(it["type"] == "function_call" for it in resp["output"]) else "stop"


def expected_completion(resp, model, logprobs=False):
    """The chat.completion for a completed/incomplete Response (mapping.md 3.2)."""
    texts, refusals, calls, reasoning, lps = [], [], [], [], []
    for it in resp["output"]:
        if it["type"] == "message":
            for p in it["content"]:
                if p["type"] == "output_text":
                    texts.append(p["text"])
                    lps += p.get("logprobs") or []
                elif p["type"] == "refusal":
                    refusals.append(p["refusal"])
        elif it["type"] == "function_call":
            calls.append({"id": it["call_id"], "type": "function",
                          "function": {"name": it["name"], "arguments": it["arguments"]}})
        elif it["type"] == "reasoning":
            reasoning += [c["text"] for c in it.get("content") or []]
    msg = {"role": "assistant", "content": "".join(texts) if texts else None,
           "refusal": "".join(refusals) if refusals else None}
    if calls:
        msg["tool_calls"] = calls
    if reasoning:
        msg["reasoning_content"] = "".join(reasoning)
    return {"id": chat_id(resp["id"]), "object": "chat.completion", "created": resp["created_at"], "model": model,
            "choices": [{"index": 0, "message": msg,
                         "logprobs": {"content": lps, "refusal": None} if logprobs else None,
                         "finish_reason": finish_reason(resp)}],
            "usage": chat_usage(resp["usage"]), "service_tier": resp["service_tier"]}


def error_chunk(code, message):
    return {"error": {"message": message, "type": "server_error", "param": None, "code": code}}


def expected_chunks(events, model, include_usage=False, logprobs=False):
    """The chat.completion.chunk objects for the upstream's Responses events (mapping.md 4.2)."""
    out = []
    env = {}
    tool_index = {}
    args_seen, text_seen = set(), set()

    def chunk(choices, usage=None):
        c = dict(env, choices=choices)
        if include_usage:
            c["usage"] = usage
        return c

    def choice(delta, finish=None, lp=None):
        return [{"index": 0, "delta": delta, "logprobs": lp, "finish_reason": finish}]

    for ev in events:
        t = ev["type"]
        oi = ev.get("output_index")
        if t == "response.created":
            r = ev["response"]
            env.update({"id": chat_id(r["id"]), "object": "chat.completion.chunk", "created": r["created_at"],
                        "model": model, "service_tier": r["service_tier"]})
            out.append(chunk(choice({"role": "assistant", "content": "", "refusal": None})))
        elif t == "response.output_item.added" and ev["item"]["type"] == "function_call":
            k = tool_index[oi] = len(tool_index)
            out.append(chunk(choice({"tool_calls": [{"index": k, "id": ev["item"]["call_id"], "type": "function",
                                                     "function": {"name": ev["item"]["name"], "arguments": ""}}]})))
        elif t == "response.function_call_arguments.delta" or (
                t == "response.function_call_arguments.done" and oi not in args_seen):
            args_seen.add(oi)
            frag = ev["delta"] if t.endswith("delta") else ev["arguments"]
            out.append(chunk(choice({"tool_calls": [{"index": tool_index[oi], "function": {"arguments": frag}}]})))
        elif t == "response.output_text.delta" or (
                t == "response.output_text.done" and (oi, ev["content_index"]) not in text_seen):
            text_seen.add((oi, ev["content_index"]))
            text = ev["delta"] if t.endswith("delta") else ev["text"]
            lp = {"content": ev["logprobs"], "refusal": None} if logprobs else None
            out.append(chunk(choice({"content": text}, lp=lp)))
        elif t == "response.refusal.delta":
            out.append(chunk(choice({"refusal": ev["delta"]})))
        elif t == "response.reasoning_text.delta":
            out.append(chunk(choice({"reasoning_content": ev["delta"]})))
        elif t in ("response.completed", "response.incomplete"):
            out.append(chunk(choice({}, finish_reason(ev["response"]))))
            if include_usage:
                out.append(chunk([], chat_usage(ev["response"]["usage"])))
        elif t == "response.failed":
            err = ev["response"]["error"]
            out.append(error_chunk(err["code"], err["message"]))
        elif t == "error":
            out.append(error_chunk(ev["code"], ev["message"]))
    return out


def without_tier(obj):
    """obj without the two things checked on their own, so that one missing key does not hide
    every other difference: service_tier (ChatOverResponsesAnswers.test_service_tier_echoed) and
    usage.prompt_tokens_details.cache_write_tokens (test_usage_details)."""
    if not isinstance(obj, dict):
        return obj
    out = {k: v for k, v in obj.items() if k != "service_tier"}
    if isinstance(out.get("usage"), dict) and isinstance(out["usage"].get("prompt_tokens_details"), dict):
        out["usage"] = dict(out["usage"], prompt_tokens_details={
            k: v for k, v in out["usage"]["prompt_tokens_details"].items() if k != "cache_write_tokens"})
    return out


def up_body(items, model=UP, **params):
    """The Responses request the gateway must send: input items, store false unless given."""
    b = {"model": model, "input": items, "store": False}
    b.update(params)
    return b


def msg(role, content):
    return {"type": "message", "role": role, "content": content}


def user(text="hi"):
    return {"role": "user", "content": text}


# =============================================================================================

class ChatOverResponsesCase(GatewayCase):
    ENV = {"RESP_KEY": RESP_KEY}

    @classmethod
    def make_config(cls):
        return chat_over_responses_config()

    # -- client side
    def post(self, body, headers=None, read_body=True, key="__default__", timeout=15):
        kw = {} if key == "__default__" else {"key": key}
        raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.gw.request("POST", "/v1/chat/completions", raw, headers, read_body=read_body, timeout=timeout,
                               **kw)

    def complete(self, body, headers=None):
        """Non-streaming: (raw response, the chat.completion object)."""
        r = self.post(body, headers)
        self.assertEqual(r.status, 200, r.body[:800])
        self.assertTrue((r.header("content-type") or "").startswith("application/json"), r.header("content-type"))
        return r, json.loads(r.body)

    def stream(self, body, headers=None, deadline_s=8.0):
        """Streaming: (raw response, [chunk objects], raw body). Asserts chat SSE framing: `data:`
        lines only (no `event:`), each event in one piece, `data: [DONE]` last, a clean end."""
        body = dict(body, stream=True)
        t0 = time.monotonic()
        r = self.post(body, headers, read_body=False)
        self.assertEqual(r.status, 200, r.read_all()[:800] if r.status != 200 else "")
        self.assertTrue((r.header("content-type") or "").startswith("text/event-stream"), r.header("content-type"))
        events = [ev for _, ev in self.stream_events(r, deadline_s)]
        self.assertLess(time.monotonic() - t0, deadline_s, "the stream took too long")
        r.close()
        raw = b"".join(events)
        self.assertTrue(r.complete, "stream did not end with the terminating chunk; got %r" % raw[-300:])
        payloads = sse_payloads(events)
        kinds = [k for k, _ in payloads]
        self.assertEqual(set(kinds) - {"comment"}, {"data"}, "chat streams carry data lines only: %r" % raw[:600])
        datas = [p for k, p in payloads if k == "data"]
        self.assertEqual(datas[-1], "[DONE]", "stream must end with data: [DONE]; got %r" % raw[-300:])
        self.assertEqual(datas.count("[DONE]"), 1)
        self.assertTrue(raw.endswith(b"data: [DONE]\n\n"), raw[-100:])
        return r, [json.loads(p) for p in datas[:-1]], raw

    # -- upstream side
    def upstream_entries(self, count=1):
        reqs = self.fake.requests()
        self.assertEqual([q["path"] for q in reqs], ["/v1/responses"] * count,
                         "upstream requests: %r" % [(q["method"], q["path"]) for q in reqs])
        for q in reqs:
            self.assertEqual(q["method"], "POST")
            self.assertIn(q["headers"].get("authorization"), ("Bearer " + UP_KEY, "Bearer " + RESP_KEY))
            self.assertTrue((q["headers"].get("content-type") or "").startswith("application/json"))
        return reqs

    def upstream(self, count=1):
        """The Responses request bodies the fake received (exactly `count`, all POST /v1/responses).
        An explicit `"stream": false` (the Responses default) is taken out: sending it or not is
        the same request."""
        bodies = [json.loads(q["body"]) for q in self.upstream_entries(count)]
        for b in bodies:
            if b.get("stream") is False:
                del b["stream"]
        return bodies[0] if count == 1 else bodies

    def assertUpstream(self, want, stream=False):
        got = self.upstream()
        want = dict(want)
        if stream:
            want["stream"] = True
        self.assertEqual(got, want)
        return got

    def sent(self, i=0):
        """(request body, n) of the i-th upstream request: what the fake answered to."""
        q = self.fake.requests()[i]
        return json.loads(q["body"]), q["n"]

    def assertNoUpstream(self):
        self.assertEqual(self.fake.requests(), [], "the request must not reach the upstream")

    # -- answers
    def assertCompletion(self, got, want):
        got = json.loads(json.dumps(got))
        m = got.get("choices", [{}])[0].get("message", {})
        if m.get("annotations") == []:  # OpenAI always sends it; mapping.md only when there are citations
            del m["annotations"]
        self.assertEqual(without_tier(got), without_tier(want))

    def assertChunks(self, got, want):
        self.assertEqual([without_tier(c) for c in got], [without_tier(c) for c in want])

    def check_completion(self, obj, model, logprobs=False, i=0):
        """obj equals the reference translation of the fake's answer to upstream request i."""
        req, n = self.sent(i)
        resp = fake_upstream.chat_resp_obj(req, n)
        self.assertCompletion(obj, expected_completion(resp, model, logprobs))
        return resp

    def check_chunks(self, chunks, model, include_usage=False, logprobs=False, i=0):
        req, n = self.sent(i)
        head, _ = fake_upstream.chat_resp_stream_objs(req, n)
        want = expected_chunks(head, model, include_usage, logprobs)
        self.assertChunks(chunks, want)
        return want

    def both(self, body, model=None, headers=None, logprobs=False):
        """Non-streaming then streaming (with include_usage): each equals the reference translation,
        and the streamed pieces add up to the non-streaming message. Returns (completion, chunks)."""
        model = model or body["model"]
        self.fake.reset()
        _, obj = self.complete(body, headers)
        self.check_completion(obj, model, logprobs)
        n_obj = self.sent()[1]
        self.fake.reset()
        _, chunks, _ = self.stream(dict(body, stream_options={"include_usage": True}), headers)
        self.check_chunks(chunks, model, True, logprobs)
        self.ns = (n_obj, self.sent()[1])  # the fake's request numbers: non-streaming, streaming
        m = obj["choices"][0]["message"]
        content = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
        self.assertEqual(content, m["content"] or "")
        self.assertEqual(without_tier(chunks[-1]), dict(without_tier(chunks[-1]), usage=without_tier(obj)["usage"]))
        return obj, chunks


# =============================================================================================

class ChatOverResponsesRequest(ChatOverResponsesCase):
    """The exact Responses request built from a chat request (mapping.md 1)."""

    def test_minimal_request_nonstream_and_stream(self):
        _, obj = self.complete({"model": "chat-resp", "messages": [user("hi")]})
        q = self.upstream_entries()[0]
        self.assertEqual(q["headers"]["authorization"], "Bearer " + RESP_KEY)
        self.assertNotIn(b"sk-gw-", q["body"].encode())
        self.assertEqual(self.upstream(), up_body([msg("user", "hi")]))
        self.check_completion(obj, "chat-resp")
        self.fake.reset()
        self.stream({"model": "chat-resp", "messages": [user("hi")]})
        self.assertUpstream(up_body([msg("user", "hi")]), stream=True)

    def test_roles_kept_as_items_in_order(self):
        messages = [
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Answer "}, {"type": "text", "text": "in English."}]},
            {"role": "user", "content": "Hello", "name": "alice"},
            {"role": "assistant", "content": "Hi! How can I help?"},
            {"role": "system", "content": "Stay polite."},
            {"role": "user", "content": [{"type": "text", "text": "What is 2+2?"}]},
        ]
        _, obj = self.complete({"model": "chat-resp", "messages": messages})
        self.assertUpstream(up_body([
            msg("system", "Be brief."),
            msg("developer", [{"type": "input_text", "text": "Answer "}, {"type": "input_text", "text": "in English."}]),
            msg("user", "Hello"),
            msg("assistant", [{"type": "output_text", "text": "Hi! How can I help?", "annotations": []}]),
            msg("system", "Stay polite."),
            msg("user", [{"type": "input_text", "text": "What is 2+2?"}]),
        ]))
        self.check_completion(obj, "chat-resp")
        self.assertEqual(obj["choices"][0]["message"]["content"], "Hello! You said: What is 2+2?")

    def test_system_as_instructions(self):
        messages = [{"role": "system", "content": "Be brief."}, user("hi")]
        for stream in (False, True):
            with self.subTest(stream=stream):
                self.fake.reset()
                body = {"model": "chat-resp-sys", "messages": messages}
                if stream:
                    self.stream(body)
                else:
                    _, obj = self.complete(body)
                    self.check_completion(obj, "chat-resp-sys")
                self.assertUpstream(up_body([msg("user", "hi")], instructions="Be brief."), stream=stream)
        # without the option, the same request keeps the system message as an item
        self.fake.reset()
        self.complete({"model": "chat-resp", "messages": messages})
        self.assertUpstream(up_body([msg("system", "Be brief."), msg("user", "hi")]))

    def test_image_and_file_parts(self):
        content = [
            {"type": "text", "text": "Compare these."},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "high"}},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0x", "filename": "a.pdf"}},
            {"type": "file", "file": {"file_id": "file-abc123"}},
        ]
        self.complete({"model": "chat-resp", "messages": [{"role": "user", "content": content}]})
        self.assertUpstream(up_body([msg("user", [
            {"type": "input_text", "text": "Compare these."},
            {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "high"},
            {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo=", "detail": "auto"},
            {"type": "input_file", "file_data": "data:application/pdf;base64,JVBERi0x", "filename": "a.pdf"},
            {"type": "input_file", "file_id": "file-abc123"},
        ])]))

    def test_tool_history_to_items(self):
        messages = [
            user("Weather in Paris and the time in London?"),
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_A", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}},
                {"id": "call_B", "type": "function", "function": {"name": "get_time", "arguments": '{"tz":"London"}'}}]},
            {"role": "tool", "tool_call_id": "call_A", "content": "18C, sunny"},
            {"role": "tool", "tool_call_id": "call_B", "content": [{"type": "text", "text": "10:00"},
                                                                    {"type": "text", "text": " GMT"}]},
            {"role": "assistant", "content": "Let me check once more.", "tool_calls": [
                {"id": "call_C", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Rome"}'}}]},
            {"role": "tool", "tool_call_id": "call_C", "content": "25C"},
            {"role": "assistant", "content": None, "refusal": "I can't share that."},
            user("ok"),
        ]
        _, obj = self.complete({"model": "chat-resp", "messages": messages, "tools": [WEATHER, TIME]})
        self.assertUpstream(up_body([
            msg("user", "Weather in Paris and the time in London?"),
            {"type": "function_call", "call_id": "call_A", "name": "get_weather", "arguments": '{"city":"Paris"}'},
            {"type": "function_call", "call_id": "call_B", "name": "get_time", "arguments": '{"tz":"London"}'},
            {"type": "function_call_output", "call_id": "call_A", "output": "18C, sunny"},
            {"type": "function_call_output", "call_id": "call_B", "output": "10:00 GMT"},
            msg("assistant", [{"type": "output_text", "text": "Let me check once more.", "annotations": []}]),
            {"type": "function_call", "call_id": "call_C", "name": "get_weather", "arguments": '{"city":"Rome"}'},
            {"type": "function_call_output", "call_id": "call_C", "output": "25C"},
            msg("assistant", [{"type": "refusal", "refusal": "I can't share that."}]),
            msg("user", "ok"),
        ], tools=[FLAT_WEATHER, FLAT_TIME]))
        self.check_completion(obj, "chat-resp")

    def test_tools_flat_with_explicit_strict(self):
        ping = {"type": "function", "function": {"name": "ping", "parameters": {"type": "object", "properties": {}},
                                                 "strict": False}}
        self.complete({"model": "chat-resp", "messages": [user()], "tools": [WEATHER, TIME, ping],
                       "parallel_tool_calls": False})
        self.assertUpstream(up_body([msg("user", "hi")], tools=[
            FLAT_WEATHER, FLAT_TIME,
            {"type": "function", "name": "ping", "parameters": {"type": "object", "properties": {}}, "strict": False}],
            parallel_tool_calls=False))

    def test_tool_choice_forms(self):
        cases = [
            ("none", "none"), ("auto", "auto"), ("required", "required"),
            ({"type": "function", "function": {"name": "get_time"}}, {"type": "function", "name": "get_time"}),
            ({"type": "allowed_tools", "allowed_tools": {"mode": "required", "tools": [
                {"type": "function", "function": {"name": "get_weather"}},
                {"type": "function", "function": {"name": "get_time"}}]}},
             {"type": "allowed_tools", "mode": "required", "tools": [
                 {"type": "function", "name": "get_weather"}, {"type": "function", "name": "get_time"}]}),
        ]
        for chat_tc, resp_tc in cases:
            with self.subTest(tool_choice=chat_tc):
                self.fake.reset()
                self.complete({"model": "chat-resp", "messages": [user()], "tools": [WEATHER, TIME],
                               "tool_choice": chat_tc})
                self.assertUpstream(up_body([msg("user", "hi")], tools=[FLAT_WEATHER, FLAT_TIME], tool_choice=resp_tc))

    def test_response_format_and_verbosity(self):
        schema = {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                  "required": ["city", "days"], "additionalProperties": False}
        cases = [
            ({"type": "json_schema", "json_schema": {"name": "trip", "description": "A trip", "schema": schema,
                                                     "strict": True}},
             {"type": "json_schema", "name": "trip", "description": "A trip", "schema": schema, "strict": True}),
            ({"type": "json_object"}, {"type": "json_object"}),
            ({"type": "text"}, {"type": "text"}),
            # Responses requires a schema: without one, json_object (mapping.md 1.2)
            ({"type": "json_schema", "json_schema": {"name": "free"}}, {"type": "json_object"}),
        ]
        for rf, fmt in cases:
            with self.subTest(response_format=rf):
                self.fake.reset()
                _, obj = self.complete({"model": "chat-resp", "messages": [user()], "response_format": rf})
                self.assertUpstream(up_body([msg("user", "hi")], text={"format": fmt}))
                self.check_completion(obj, "chat-resp")
        self.assertEqual(json.loads(fake_upstream.chat_resp_turn(
            {"model": UP, "input": "x", "text": {"format": cases[0][1]}})["text"]), {"city": "Paris", "days": 42})
        self.fake.reset()
        self.complete({"model": "chat-resp", "messages": [user()], "response_format": cases[1][0], "verbosity": "low"})
        self.assertUpstream(up_body([msg("user", "hi")], text={"format": {"type": "json_object"}, "verbosity": "low"}))

    def test_token_limits(self):
        for params, limit in (({"max_tokens": 100}, 100), ({"max_completion_tokens": 200}, 200),
                              ({"max_tokens": 100, "max_completion_tokens": 300}, 300)):
            with self.subTest(params=params):
                self.fake.reset()
                self.complete(dict({"model": "chat-resp", "messages": [user()]}, **params))
                self.assertUpstream(up_body([msg("user", "hi")], max_output_tokens=limit))

    def test_sampling_reasoning_and_identity_params(self):
        body = {"model": "chat-resp", "messages": [user()], "temperature": 0.5, "top_p": 0.9,
                "presence_penalty": 0.25, "frequency_penalty": -0.5, "reasoning_effort": "low",
                "metadata": {"team": "a", "run": "7"}, "user": "user-42", "store": True,
                "safety_identifier": "sid-1", "prompt_cache_key": "pck-1", "service_tier": "flex"}
        self.complete(body)
        self.assertUpstream(up_body([msg("user", "hi")], temperature=0.5, top_p=0.9, presence_penalty=0.25,
                                    frequency_penalty=-0.5, reasoning={"effort": "low"},
                                    metadata={"team": "a", "run": "7"}, user="user-42", store=True,
                                    safety_identifier="sid-1", prompt_cache_key="pck-1", service_tier="flex"))
        self.fake.reset()
        self.complete({"model": "chat-resp", "messages": [user()], "store": False})
        self.assertUpstream(up_body([msg("user", "hi")], store=False))

    def test_logprobs_request_and_answer(self):
        for extra, up_extra in (({"logprobs": True}, {"include": [LOGPROBS_INCLUDE]}),
                                ({"logprobs": True, "top_logprobs": 2}, {"include": [LOGPROBS_INCLUDE],
                                                                         "top_logprobs": 2})):
            with self.subTest(params=extra):
                body = dict({"model": "chat-resp", "messages": [user("hi there")]}, **extra)
                obj, chunks = self.both(body, logprobs=True)
                self.assertUpstream(up_body([msg("user", "hi there")], **up_extra), stream=True)
                entries = obj["choices"][0]["logprobs"]["content"]
                self.assertEqual([e["token"] for e in entries], ["Hello!", " You", " said:", " hi", " there"])
                self.assertEqual(entries[1], fake_upstream.resp_logprob_entry(" You", 1, extra.get("top_logprobs", 0)))
                streamed = [c["choices"][0]["logprobs"]["content"] for c in chunks
                            if c["choices"] and c["choices"][0]["delta"].get("content")]
                self.assertEqual(sum(streamed, []), entries)
        # not asked: no include, logprobs null
        obj, _ = self.both({"model": "chat-resp", "messages": [user()]})
        self.assertIsNone(obj["choices"][0]["logprobs"])

    def test_stream_options(self):
        self.stream({"model": "chat-resp", "messages": [user()],
                     "stream_options": {"include_usage": True, "include_obfuscation": False}})
        self.assertUpstream(up_body([msg("user", "hi")], stream_options={"include_obfuscation": False}), stream=True)
        self.fake.reset()
        self.stream({"model": "chat-resp", "messages": [user()], "stream_options": {"include_usage": False}})
        self.assertUpstream(up_body([msg("user", "hi")]), stream=True)

    def test_previous_response_id_forwarded(self):
        _, first = self.complete({"model": "chat-resp", "messages": [user("Remember 42.")]})
        rid = "resp_fake_%d" % self.sent()[1]
        self.assertEqual(first["id"], chat_id(rid))
        self.assertUpstream(up_body([msg("user", "Remember 42.")]))
        self.fake.reset()
        _, second = self.complete({"model": "chat-resp", "messages": [user("What did I say?")],
                                   "previous_response_id": first["id"]})
        self.assertUpstream(up_body([msg("user", "What did I say?")], previous_response_id=rid))
        self.check_completion(second, "chat-resp")


class ChatOverResponsesAnswers(ChatOverResponsesCase):
    """Response objects and event streams -> chat.completion and chunks (mapping.md 3.2-3.4, 4.2)."""

    def test_text(self):
        obj, chunks = self.both({"model": "chat-resp", "messages": [user("Tell me a short story")]})
        n, n_stream = self.ns
        self.assertEqual(obj["id"], chat_id("resp_fake_%d" % n))
        self.assertEqual(obj["model"], "chat-resp")
        self.assertEqual(obj["created"], CREATED)
        self.assertNotIn("system_fingerprint", obj)
        self.assertEqual(obj["choices"][0]["message"]["content"], "Hello! You said: Tell me a short story")
        self.assertEqual(obj["choices"][0]["finish_reason"], "stop")
        u = obj["usage"]
        self.assertEqual(u["prompt_tokens_details"]["cached_tokens"], fake_upstream.RESP_CACHED_TOKENS)
        self.assertEqual(u["completion_tokens"], 8)
        self.assertEqual(u["total_tokens"], u["prompt_tokens"] + 8)
        # chunks: role first, one per delta, finish, usage
        self.assertEqual(chunks[0]["choices"][0]["delta"], {"role": "assistant", "content": "", "refusal": None})
        self.assertEqual([c["choices"][0]["delta"]["content"] for c in chunks[1:-2]],
                         fake_upstream.split_tokens("Hello! You said: Tell me a short story"))
        self.assertEqual(chunks[-2]["choices"][0]["finish_reason"], "stop")
        self.assertEqual(chunks[-1]["choices"], [])
        self.assertEqual({c["id"] for c in chunks}, {chat_id("resp_fake_%d" % n_stream)})
        self.assertTrue(all(c["usage"] is None for c in chunks[:-1]))

    def test_service_tier_echoed(self):
        """mapping.md 3.2: service_tier -> service_tier; 4.2: on every chunk."""
        obj, chunks = self.both({"model": "chat-resp", "messages": [user()]})
        self.assertEqual(obj.get("service_tier"), "default", obj)
        self.assertEqual([c.get("service_tier") for c in chunks], ["default"] * len(chunks), chunks[0])

    def test_stream_without_include_usage_has_no_usage_key(self):
        _, chunks, raw = self.stream({"model": "chat-resp", "messages": [user()]})
        self.check_chunks(chunks, "chat-resp", include_usage=False)
        self.assertTrue(all("usage" not in c for c in chunks), raw[:500])
        self.assertEqual(chunks[-1]["choices"][0]["finish_reason"], "stop")
        self.assertNotIn(b"event:", raw)

    def test_one_tool_call(self):
        body = {"model": "chat-resp", "messages": [user("Weather in Paris?")], "tools": [WEATHER]}
        obj, chunks = self.both(body)
        n, n_stream = self.ns
        m = obj["choices"][0]["message"]
        self.assertIsNone(m["content"])
        self.assertEqual(m["tool_calls"], [{"id": "call_fake_%d_0" % n, "type": "function",
                                            "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}}])
        self.assertEqual(obj["choices"][0]["finish_reason"], "tool_calls")
        tc = [c["choices"][0]["delta"]["tool_calls"][0] for c in chunks if c["choices"] and
              "tool_calls" in c["choices"][0]["delta"]]
        self.assertEqual(tc[0], {"index": 0, "id": "call_fake_%d_0" % n_stream, "type": "function",
                                 "function": {"name": "get_weather", "arguments": ""}})
        self.assertEqual("".join(t["function"]["arguments"] for t in tc[1:]), '{"city":"Paris"}')
        self.assertGreater(len(tc), 2, "argument fragments must be relayed as they come")

    def test_two_parallel_tool_calls(self):
        body = {"model": "resp-chat-parallel", "messages": [user("Weather and time?")], "tools": [WEATHER, TIME]}
        obj, chunks = self.both(body)
        n, n_stream = self.ns
        self.assertEqual(obj["choices"][0]["message"]["tool_calls"], [
            {"id": "call_fake_%d_0" % n, "type": "function",
             "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'}},
            {"id": "call_fake_%d_1" % n, "type": "function",
             "function": {"name": "get_time", "arguments": '{"tz":"London"}'}}])
        heads = [t for c in chunks if c["choices"] for t in c["choices"][0]["delta"].get("tool_calls", []) if "id" in t]
        self.assertEqual([(t["index"], t["id"]) for t in heads],
                         [(0, "call_fake_%d_0" % n_stream), (1, "call_fake_%d_1" % n_stream)])

    def test_tool_loop_over_responses(self):
        """The chat client resends the whole history; the fake answers from the function_call_output."""
        _, first = self.complete({"model": "chat-resp", "messages": [user("Weather in Paris?")], "tools": [WEATHER]})
        call = first["choices"][0]["message"]["tool_calls"][0]
        self.fake.reset()
        history = [user("Weather in Paris?"), {"role": "assistant", "content": None, "refusal": None, "tool_calls": [call]},
                   {"role": "tool", "tool_call_id": call["id"], "content": "22 C and sunny"}]
        _, second = self.complete({"model": "chat-resp", "messages": history, "tools": [WEATHER]})
        self.assertUpstream(up_body([
            msg("user", "Weather in Paris?"),
            {"type": "function_call", "call_id": call["id"], "name": "get_weather", "arguments": '{"city":"Paris"}'},
            {"type": "function_call_output", "call_id": call["id"], "output": "22 C and sunny"}], tools=[FLAT_WEATHER]))
        self.assertEqual(second["choices"][0]["message"]["content"], "The tool returned: 22 C and sunny")
        self.assertEqual(second["choices"][0]["finish_reason"], "stop")

    def test_function_call_without_argument_deltas(self):
        body = {"model": "resp-chat-nodelta", "messages": [user("Weather?")], "tools": [WEATHER]}
        obj, chunks = self.both(body)
        args = [t["function"]["arguments"] for c in chunks if c["choices"]
                for t in c["choices"][0]["delta"].get("tool_calls", [])]
        self.assertEqual(args, ["", '{"city":"Paris"}'])
        self.assertEqual(obj["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], '{"city":"Paris"}')

    def test_text_without_deltas(self):
        _, chunks = self.both({"model": "resp-chat-textdone", "messages": [user("quiet")]})
        self.assertEqual([c["choices"][0]["delta"].get("content") for c in chunks[1:-2]], ["Hello! You said: quiet"])

    def test_refusal(self):
        obj, chunks = self.both({"model": "resp-chat-refusal", "messages": [user("Do something bad")]})
        m = obj["choices"][0]["message"]
        self.assertEqual((m["content"], m["refusal"]), (None, REFUSAL))
        self.assertEqual(obj["choices"][0]["finish_reason"], "stop")
        self.assertEqual("".join(c["choices"][0]["delta"].get("refusal") or "" for c in chunks if c["choices"]),
                         REFUSAL)

    def test_reasoning_as_reasoning_content(self):
        obj, chunks = self.both({"model": "resp-chat-reasoning", "messages": [user()], "reasoning_effort": "high"})
        m = obj["choices"][0]["message"]
        self.assertEqual(m["reasoning_content"], REASONING)
        self.assertEqual(m["content"], "Hello! You said: hi")
        self.assertEqual(obj["usage"]["completion_tokens_details"]["reasoning_tokens"],
                         len(fake_upstream.split_tokens(REASONING)))
        self.assertEqual("".join(c["choices"][0]["delta"].get("reasoning_content") or "" for c in chunks
                                 if c["choices"]), REASONING)

    def test_incomplete_length_and_content_filter(self):
        for model, finish in (("resp-chat-length", "length"), ("resp-chat-filter", "content_filter")):
            with self.subTest(model=model):
                obj, chunks = self.both({"model": model, "messages": [user("Tell me a long story")],
                                         "max_completion_tokens": 16})
                self.assertEqual(obj["choices"][0]["finish_reason"], finish)
                self.assertEqual(obj["choices"][0]["message"]["content"], "Hello! You said:")
                self.assertEqual(chunks[-2]["choices"][0]["finish_reason"], finish)

    def test_usage_details(self):
        obj, chunks = self.both({"model": "resp-chat-reasoning", "messages": [user("count my tokens")]})
        self.assertEqual(chunks[-1]["usage"], obj["usage"])
        req, n = self.sent()
        u = fake_upstream.chat_resp_obj(req, n)["usage"]
        self.assertEqual(obj["usage"], {
            "prompt_tokens": u["input_tokens"], "completion_tokens": u["output_tokens"],
            "total_tokens": u["input_tokens"] + u["output_tokens"],
            "prompt_tokens_details": {"cached_tokens": 2, "cache_write_tokens": 1, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": len(fake_upstream.split_tokens(REASONING)),
                                          "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}})


class FakeResponsesUpstreamSelfCheck(GatewayCase):
    """The fake's Responses answers are spec-valid (validate_responses), and it refuses chat
    completions for its Responses-only models: no gateway involved except as a bystander."""

    CONFIG = config()

    def test_answers_are_spec_valid(self):
        import os
        import sys
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
        import validate_responses as vr
        tools = [FLAT_WEATHER, FLAT_TIME]
        for model in ("resp-chat", "resp-chat-parallel", "resp-chat-refusal", "resp-chat-reasoning",
                      "resp-chat-length", "resp-chat-filter", "resp-chat-failed", "resp-chat-ratelimited"):
            for extra in ({}, {"tools": tools}, {"include": [LOGPROBS_INCLUDE], "top_logprobs": 2}):
                with self.subTest(model=model, extra=extra):
                    req = dict({"model": model, "input": "hi there"}, **extra)
                    vr.check_object(fake_upstream.chat_resp_obj(req, 7))
                    if model not in fake_upstream.RESP_FAILED_ERRORS:
                        vr.check_stream(b"".join(fake_upstream.chat_resp_stream_events(dict(req, stream=True), 7)))
        vr.check_object(fake_upstream.stored_response_obj("resp_abc"))
        vr.check_object(fake_upstream.stored_response_obj("resp_abc", "cancelled"))
        vr.check_stream(b"".join(fake_upstream.stored_stream_events("resp_abc")))

    def test_chat_completions_refused_for_responses_models(self):
        from harness import raw_request
        for model in ("resp-chat", "resp-chat-parallel", "resp-up"):
            r = raw_request("127.0.0.1", self.fake.port, "POST", "/v1/chat/completions",
                            {"model": model, "messages": [user()]})
            self.assertEqual(r.status, 404, model)
        r = raw_request("127.0.0.1", self.fake.port, "POST", "/v1/responses", {"model": "resp-chat", "input": "yo"})
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.body)["output"][0]["content"][0]["text"], "Hello! You said: yo")
        r = raw_request("127.0.0.1", self.fake.port, "POST", "/v1/responses",
                        {"model": "resp-chat", "input": "yo", "previous_response_id": "resp_nope"})
        self.assertEqual((r.status, json.loads(r.body)), (400, fake_upstream.previous_not_found("resp_nope")))


if __name__ == "__main__":
    import unittest
    unittest.main()
