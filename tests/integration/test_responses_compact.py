"""POST /v1/responses/input_tokens and POST /v1/responses/compact (docs/responses.md).

Over a chat upstream Switchyard answers both itself with one non-streaming chat request:
input_tokens reports the upstream's own usage.prompt_tokens for the request sent with a token
limit of 1; compact asks the model for a summary (a fixed instruction as the last user message)
and returns it in a gateway compaction item ("sy1:" + base64 JSON), which /v1/responses and
compact read back as a developer message. To an openai-responses deployment both endpoints are
byte-exact passthroughs (model rewritten), checked against real recorded OpenAI traffic.
"""

import base64
import json
import re
import time

from common import GatewayCase, config, fake_upstream, replace_model, req_n

UP = "upstream-model"
WEATHER = {"type": "function", "name": "get_weather", "description": "Current weather",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}
NESTED_WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}
SUMMARY_PREFIX = "Summary of the earlier conversation:\n"
INSTRUCTION_START = "Summarize the conversation above so that it can continue without it."
FOREIGN_MSG = ("Only compaction items made by Switchyard can be used when the model is served by a "
               "chat-completions upstream; this item's 'encrypted_content' comes from another server, which "
               "alone can read it.")
REC_COMPACT = fake_upstream.load_recording("responses_compact")["interactions"][2]
REC_COUNT = fake_upstream.load_recording("responses_input_tokens")["interactions"][0]
USAGE_KEYS = {"input_tokens", "input_tokens_details", "output_tokens", "output_tokens_details", "total_tokens"}


def tools_config():
    text = config()
    for name, model, extra in (("gpt-openai", UP, ", chat_dialect: openai"), ("gpt-strict", UP, ", strict: true"),
                               ("no-usage", "no-usage", ""), ("refuser", "refuser", "")):
        text += ("  - model_name: %s\n    params: { provider: openai-chat, model: %s, api_base: @UPSTREAM@, "
                 "api_key: os.environ/UP_KEY%s }\n" % (name, model, extra))
    for name, model in (("resp-up", "resp-upstream"), ("rec-compact", "rec:responses_compact:2"),
                        ("rec-count", "rec:responses_input_tokens:0")):
        text += ('  - model_name: %s\n    params: { provider: openai-responses, model: "%s", api_base: @UPSTREAM@, '
                 "api_key: os.environ/UP_KEY }\n" % (name, model))
    return text


def blob_summary(blob):
    """The summary inside a gateway blob (and proof of its exact format)."""
    assert blob.startswith("sy1:"), blob[:40]
    raw = base64.b64decode(blob[4:], validate=True)
    obj = json.loads(raw)
    assert set(obj) == {"v", "summary"} and obj["v"] == 1, obj
    return obj["summary"]


class ResponsesCompact(GatewayCase):

    @classmethod
    def make_config(cls):
        return tools_config()

    def post(self, path, body, headers=None):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.gw.request("POST", path, raw, headers, timeout=20)

    def count(self, body, headers=None):
        return self.post("/v1/responses/input_tokens", body, headers)

    def compact(self, body, headers=None):
        return self.post("/v1/responses/compact", body, headers)

    def only_upstream(self, path="/v1/chat/completions"):
        reqs = self.fake.requests()
        self.assertEqual([q["path"] for q in reqs], [path])
        return json.loads(reqs[0]["body"])

    def ok_json(self, r):
        self.assertEqual(r.status, 200, r.body[:800])
        self.assertTrue((r.header("content-type") or "").startswith("application/json"), r.header("content-type"))
        self.assertTrue(r.header("x-request-id"))
        return json.loads(r.body)

    # -- input_tokens over chat ---------------------------------------------------------------

    def test_input_tokens_is_the_upstream_prompt_count(self):
        body = {"model": "gpt-test", "instructions": "Follow the system instructions.",
                "input": [{"role": "user", "content": "What is the weather in Paris today?"}],
                "tools": [WEATHER], "tool_choice": "auto", "parallel_tool_calls": False,
                "text": {"format": {"type": "text"}}, "truncation": "disabled"}
        obj = self.ok_json(self.count(body))
        up = self.only_upstream()
        self.assertEqual(up, {"model": UP, "messages": [
            {"role": "system", "content": "Follow the system instructions."},
            {"role": "user", "content": "What is the weather in Paris today?"}],
            "tools": [NESTED_WEATHER], "tool_choice": "auto", "parallel_tool_calls": False,
            "response_format": {"type": "text"}, "max_tokens": 1})
        want = fake_upstream.usage_for(up, 0)["prompt_tokens"]
        self.assertEqual(obj, {"object": "response.input_tokens", "input_tokens": want})
        self.assertEqual(list(obj), ["object", "input_tokens"])

    def test_input_tokens_limit_overrides_and_dialect(self):
        obj = self.ok_json(self.count({"model": "gpt-openai", "input": "hello there"}))
        up = self.only_upstream()
        self.assertEqual(up, {"model": UP, "messages": [{"role": "user", "content": "hello there"}],
                              "max_completion_tokens": 1})
        self.assertEqual(obj["input_tokens"], fake_upstream.usage_for(up, 0)["prompt_tokens"])

    def test_input_tokens_recorded_request_shape(self):
        """The recorded pydantic-ai request (empty user content) works over chat too."""
        body = dict(REC_COUNT["request"]["body"], model="gpt-test")
        obj = self.ok_json(self.count(body))
        self.assertEqual(set(obj), {"object", "input_tokens"})
        self.assertIsInstance(obj["input_tokens"], int)

    def test_input_tokens_personality_dropped_or_refused(self):
        r = self.count({"model": "gpt-test", "input": "hi", "personality": "friendly"})
        self.ok_json(r)
        self.assertEqual(r.header("x-switchyard-dropped"), "personality")
        self.assertNotIn("personality", self.only_upstream())
        self.fake.reset()
        r = self.count({"model": "gpt-test", "input": "hi", "personality": "friendly"}, {"x-switchyard-strict": "1"})
        self.assertErrorEnvelope(r, 400, "invalid_request_error", "unsupported_parameter", "personality")
        r = self.count({"model": "gpt-strict", "input": "hi", "personality": "friendly"})
        self.assertErrorEnvelope(r, 400, "invalid_request_error", "unsupported_parameter", "personality")
        self.assertEqual(self.fake.requests(), [])

    def test_input_tokens_without_upstream_usage_is_502(self):
        r = self.count({"model": "no-usage", "input": "hi"})
        err = self.assertErrorEnvelope(r, 502, "server_error", "usage_unavailable", None)
        self.assertIn("usage", err["message"])
        self.assertEqual(len(self.fake.requests()), 1)

    def test_input_tokens_request_errors(self):
        cases = [
            ({"model": "gpt-test", "input": "hi", "stream": True}, 400, "unknown_parameter", "stream"),
            ({"model": "gpt-test", "input": "hi", "max_output_tokens": 50}, 400, "unknown_parameter",
             "max_output_tokens"),
            ({"input": "hi"}, 400, "missing_required_parameter", "model"),
            ({"model": "gpt-test", "input": "hi", "previous_response_id": "resp_1"}, 400, None,
             "previous_response_id"),
            ({"model": "gpt-test", "input": "hi", "conversation": "conv_1"}, 404, None, "conversation"),
            ({"model": "gpt-test", "input": [{"type": "web_search_call", "id": "ws_1"}]}, 400, "unsupported_value",
             "input[0].type"),
            ({"model": "no-such-model", "input": "hi"}, 404, "model_not_found", "model"),
        ]
        for body, status, code, param in cases:
            with self.subTest(body=body):
                self.assertErrorEnvelope(self.count(body), status, None, code, param)
        self.assertErrorEnvelope(self.count(b"[1]"), 400, "invalid_request_error")
        self.assertEqual(self.fake.requests(), [])

    def test_stored_context(self):
        """input_tokens and compact on a stored chain: the upstream gets the earlier turns (input and
        output) before this request's input; compact keeps the chain's user messages."""
        first = self.ok_json(self.post("/v1/responses", {"model": "gpt-test", "input": "My name is Ann."}))
        answer = first["output"][0]["content"][0]["text"]
        for tool in (self.count, self.compact):
            with self.subTest(tool=tool.__name__):
                self.fake.reset()
                obj = self.ok_json(tool({"model": "gpt-test", "input": "And mine?",
                                         "previous_response_id": first["id"]}))
                msgs = self.only_upstream()["messages"]
                texts = [(m["role"], m["content"] if isinstance(m["content"], str) else
                          "".join(p["text"] for p in m["content"])) for m in msgs]
                self.assertEqual(texts[:3], [("user", "My name is Ann."), ("assistant", answer), ("user", "And mine?")])
                if tool == self.compact:
                    users = [it["content"][0]["text"] for it in obj["output"] if it.get("role") == "user"]
                    self.assertEqual(users, ["My name is Ann.", "And mine?"])

    def test_input_tokens_upstream_error_relayed(self):
        r = self.count({"model": "fault-429", "input": "hi"})
        self.assertEqual(r.status, 429, r.body[:300])
        self.assertEqual(json.loads(r.body), fake_upstream.ERR_429)

    # -- compact over chat --------------------------------------------------------------------

    def compact_recorded(self):
        """Compact the recorded pydantic-ai conversation over chat: (response object, upstream body)."""
        body = dict(REC_COMPACT["request"]["body"], model="gpt-test")
        t0 = int(time.time())
        r = self.compact(body)
        obj = self.ok_json(r)
        self.assertTrue(t0 - 1 <= obj["created_at"] <= int(time.time()) + 1, obj["created_at"])
        return obj, self.only_upstream(), req_n(r)

    def test_compact_object_shape(self):
        obj, up, n = self.compact_recorded()
        self.assertEqual(list(obj), ["id", "object", "created_at", "output", "usage"])
        self.assertRegex(obj["id"], r"^resp_[0-9a-f]{48}$")
        self.assertEqual(obj["object"], "response.compaction")
        out = obj["output"]
        self.assertEqual(len(out), 3, out)
        for item, text in zip(out[:2], ("Hello!", "How are you?")):
            self.assertEqual(list(item), ["id", "type", "role", "status", "content"])
            self.assertRegex(item["id"], r"^msg_[0-9a-f]{48}$")
            self.assertEqual({k: v for k, v in item.items() if k != "id"},
                             {"type": "message", "role": "user", "status": "completed",
                              "content": [{"type": "input_text", "text": text}]})
        self.assertNotEqual(out[0]["id"], out[1]["id"])
        cmp = out[2]
        self.assertEqual(list(cmp), ["type", "id", "encrypted_content"])
        self.assertEqual(cmp["type"], "compaction")
        self.assertRegex(cmp["id"], r"^cmp_[0-9a-f]{48}$")
        # the summary is the model's answer to the summarisation request
        answer = fake_upstream.chat_json_obj(up, n)
        self.assertEqual(blob_summary(cmp["encrypted_content"]), answer["choices"][0]["message"]["content"].strip())
        # usage: the upstream's, in the Responses shape (as in the recording)
        self.assertEqual(set(obj["usage"]), USAGE_KEYS)
        self.assertEqual(set(REC_COMPACT["response"]["body"]["usage"]), USAGE_KEYS)
        u = answer["usage"]
        self.assertEqual(obj["usage"], {
            "input_tokens": u["prompt_tokens"], "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": u["completion_tokens"], "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": u["total_tokens"]})
        # same top-level shape and item kinds as OpenAI's own answer
        rec = REC_COMPACT["response"]["body"]
        self.assertEqual(set(obj), set(rec))
        self.assertEqual([(i["type"], i.get("role")) for i in obj["output"]],
                         [(i["type"], i.get("role")) for i in rec["output"]])
        self.assertEqual([set(i) for i in obj["output"]], [set(i) for i in rec["output"]])

    def test_compact_upstream_gets_the_instruction_last(self):
        _, up, _ = self.compact_recorded()
        msgs = up["messages"]
        self.assertEqual(msgs[:5], [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Hello!"},
            {"role": "assistant", "content": "Hello! How can I assist you today?"},
            {"role": "user", "content": "How are you?"},
            {"role": "assistant",
             "content": "I'm just a program, but I'm here and ready to help you! How about you? How are you doing?"}])
        self.assertEqual(len(msgs), 6)
        self.assertEqual(msgs[5]["role"], "user")
        self.assertTrue(msgs[5]["content"].startswith(INSTRUCTION_START), msgs[5]["content"][:120])
        for word in ("tool", "preference", "decision", "open", "concise"):
            self.assertIn(word, msgs[5]["content"])
        self.assertEqual(set(up), {"model", "messages"})  # non-streaming, no token limit

    def test_compacted_output_feeds_responses_create(self):
        obj, _, _ = self.compact_recorded()
        summary = blob_summary(obj["output"][-1]["encrypted_content"])
        self.fake.reset()
        follow = {"model": "gpt-test", "instructions": "You are a helpful assistant.",
                  "input": obj["output"] + [{"role": "user", "content": "What did we talk about?"}]}
        r = self.post("/v1/responses", follow)
        resp = self.ok_json(r)
        self.assertEqual(resp["status"], "completed")
        up = self.only_upstream()
        self.assertEqual(up["messages"], [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": [{"type": "text", "text": "Hello!"}]},
            {"role": "user", "content": [{"type": "text", "text": "How are you?"}]},
            {"role": "system", "content": SUMMARY_PREFIX + summary},
            {"role": "user", "content": "What did we talk about?"}])
        # OpenAI-dialect upstreams get it as a developer message
        self.fake.reset()
        self.ok_json(self.post("/v1/responses", dict(follow, model="gpt-openai")))
        self.assertIn({"role": "developer", "content": SUMMARY_PREFIX + summary}, self.only_upstream()["messages"])

    def test_compacted_output_compacts_again_and_counts(self):
        obj, _, _ = self.compact_recorded()
        summary = blob_summary(obj["output"][-1]["encrypted_content"])
        self.fake.reset()
        more = {"role": "user", "content": "Thanks!"}
        again = self.ok_json(self.compact({"model": "gpt-test", "input": obj["output"] + [more]}))
        up = self.only_upstream()
        self.assertEqual([m["role"] for m in up["messages"]], ["user", "user", "system", "user", "user"])
        self.assertEqual(up["messages"][2]["content"], SUMMARY_PREFIX + summary)
        self.assertEqual([i["type"] for i in again["output"]], ["message"] * 3 + ["compaction"])
        self.assertEqual(again["output"][0]["id"], obj["output"][0]["id"], "client ids are kept")
        self.fake.reset()
        counted = self.ok_json(self.count({"model": "gpt-test", "input": obj["output"]}))
        up = self.only_upstream()
        self.assertEqual(up["messages"][2], {"role": "system", "content": SUMMARY_PREFIX + summary})
        self.assertEqual(counted["input_tokens"], fake_upstream.usage_for(up, 0)["prompt_tokens"])

    def test_foreign_compaction_item_refused(self):
        openai_item = REC_COMPACT["response"]["body"]["output"][2]
        self.assertTrue(openai_item["encrypted_content"].startswith("gAAAA"))
        inp = [{"role": "user", "content": "Hello!"}, openai_item, {"role": "user", "content": "more"}]
        for path in ("/v1/responses", "/v1/responses/compact", "/v1/responses/input_tokens"):
            with self.subTest(path=path):
                r = self.post(path, {"model": "gpt-test", "input": inp})
                err = self.assertErrorEnvelope(r, 400, "invalid_request_error", "unsupported_value",
                                               "input[1].encrypted_content")
                self.assertEqual(err["message"], FOREIGN_MSG)
        forged = "sy1:" + base64.b64encode(b'{"v":2,"summary":"x"}').decode()
        r = self.compact({"model": "gpt-test", "input": [{"type": "compaction", "encrypted_content": forged}]})
        self.assertErrorEnvelope(r, 400, "invalid_request_error", "unsupported_value", "input[0].encrypted_content")
        self.assertEqual(self.fake.requests(), [])

    def test_compact_request_errors(self):
        cases = [
            ({"input": "hi"}, 400, "missing_required_parameter", "model"),
            ({"model": "gpt-test", "input": "hi", "previous_response_id": "resp_1"}, 400, None,
             "previous_response_id"),
            ({"model": "gpt-test", "input": "hi", "tools": [WEATHER]}, 400, "unknown_parameter", "tools"),
            ({"model": "gpt-test", "input": "hi", "stream": True}, 400, "unknown_parameter", "stream"),
            ({"model": "gpt-test", "input": [{"type": "function_call_output", "call_id": "c9", "output": "x"}]}, 400,
             None, "input[0].call_id"),
            ({"model": "no-such-model", "input": "hi"}, 404, "model_not_found", "model"),
        ]
        for body, status, code, param in cases:
            with self.subTest(body=body):
                self.assertErrorEnvelope(self.compact(body), status, None, code, param)
        self.assertEqual(self.fake.requests(), [])

    def test_compact_dropped_parameters(self):
        body = {"model": "gpt-test", "input": "remember: my name is Ann", "prompt_cache_key": "k1",
                "prompt_cache_retention": "24h", "service_tier": "flex"}
        r = self.compact(body)
        obj = self.ok_json(r)
        self.assertEqual(r.header("x-switchyard-dropped"), "prompt_cache_retention, prompt_cache_key, service_tier")
        self.assertEqual(set(self.only_upstream()), {"model", "messages"})
        self.assertEqual(obj["output"][0]["content"], [{"type": "input_text", "text": "remember: my name is Ann"}])
        self.fake.reset()
        r = self.compact(dict(body, model="gpt-openai"))
        self.ok_json(r)
        self.assertEqual(r.header("x-switchyard-dropped"), "prompt_cache_retention")
        up = self.only_upstream()
        self.assertEqual((up["prompt_cache_key"], up["service_tier"]), ("k1", "flex"))

    def test_compact_without_summary_is_502(self):
        r = self.compact({"model": "refuser", "input": "hi"})
        self.assertErrorEnvelope(r, 502, "server_error", "empty_summary", None)

    def test_compact_access_log_usage(self):
        r = self.compact({"model": "gpt-test", "input": "one two three"})
        self.ok_json(r)
        up = self.only_upstream()
        hits = self.gw.wait_access(r.header("x-request-id"))
        self.assertEqual(len(hits), 1, hits)
        self.assertEqual(hits[0].get("model"), "gpt-test")
        u = fake_upstream.chat_json_obj(up, req_n(r))["usage"]
        self.assertEqual(hits[0].get("prompt_tokens"), u["prompt_tokens"])

    # -- openai-responses deployments: passthrough -------------------------------------------

    def test_compact_passthrough_recorded(self):
        body = json.dumps(dict(REC_COMPACT["request"]["body"], model="rec-compact")).encode()
        r = self.compact(body)
        self.assertEqual(r.status, 200, r.body[:300])
        up = self.fake.requests()
        self.assertEqual([q["path"] for q in up], ["/v1/responses/compact"])
        self.assertEqual(up[0]["body"].encode(), replace_model(body, "rec-compact", "rec:responses_compact:2"))
        _, _, pieces = fake_upstream.recorded_response("rec:responses_compact:2")
        self.assertEqual(r.body, b"".join(pieces))
        self.assertEqual(json.loads(r.body), REC_COMPACT["response"]["body"])

    def test_openai_compaction_item_passes_to_responses_upstream(self):
        """A foreign (OpenAI) blob is refused only when a chat upstream must read it."""
        rec = REC_COMPACT["response"]["body"]["output"]
        body = json.dumps({"model": "resp-up", "input": rec + [{"role": "user", "content": "go on"}]}).encode()
        r = self.compact(body)
        obj = self.ok_json(r)
        self.assertEqual(self.fake.requests()[0]["body"].encode(), replace_model(body, "resp-up", "resp-upstream"))
        self.assertEqual(obj["output"][-1]["encrypted_content"], "fake-blob-%d" % req_n(r))

    def test_input_tokens_passthrough(self):
        body = json.dumps(dict(REC_COUNT["request"]["body"], model="rec-count")).encode()
        r = self.count(body)
        self.assertEqual(r.status, 200, r.body[:300])
        up = self.fake.requests()
        self.assertEqual([q["path"] for q in up], ["/v1/responses/input_tokens"])
        self.assertEqual(up[0]["body"].encode(), replace_model(body, "rec-count", "rec:responses_input_tokens:0"))
        self.assertEqual(json.loads(r.body), {"input_tokens": 16, "object": "response.input_tokens"})
        self.fake.reset()
        # unknown members are the upstream's to judge
        body = b'{"model":"resp-up","input":"hi","x_vendor":1,"personality":"pragmatic"}'
        r = self.count(body)
        self.assertEqual(json.loads(r.body), {"object": "response.input_tokens", "input_tokens": 100 + req_n(r)})
        self.assertEqual(self.fake.requests()[0]["body"].encode(), replace_model(body, "resp-up", "resp-upstream"))
        self.assertIsNone(r.header("x-switchyard-dropped"))

    def test_ids_are_fresh(self):
        a = self.ok_json(self.compact({"model": "gpt-test", "input": "x"}))
        b = self.ok_json(self.compact({"model": "gpt-test", "input": "x"}))
        ids = {a["id"], b["id"], a["output"][0]["id"], b["output"][0]["id"], a["output"][1]["id"], b["output"][1]["id"]}
        self.assertEqual(len(ids), 6)
        self.assertTrue(all(re.match(r"^(resp|msg|cmp)_[0-9a-f]{48}$", i) for i in ids), ids)
