"""POST /v1/chat/completions passthrough: exact bytes both ways, headers, streaming, tools."""

import json
import socket
import time

from common import (FAULT_MODELS, GW_KEY, GW_KEY_B, UP_KEY, GatewayCase, chat_body, config,
                    fake_upstream, raw_request, replace_model, req_n, sse_payloads)

WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
                   "required": ["city", "days"], "additionalProperties": False}, "strict": True}}


class ChatPassthrough(GatewayCase):
    CONFIG = config()

    def _received(self, path="/v1/chat/completions"):
        req = self.fake.last_request(path)
        self.assertIsNotNone(req, "the upstream received no request on %s" % path)
        return req

    def test_nonstream_exact_bytes(self):
        body = chat_body(text="What is the capital of France?")
        r = self.gw.chat(body)
        self.assertEqual(r.status, 200, r.body[:300])
        n = req_n(r)
        self.assertIsNotNone(n, "upstream x-request-id not relayed: %r" % r.header("x-request-id"))
        up = self._received()
        self.assertEqual(up["body"].encode(), replace_model(body, "gpt-test", "upstream-model"))
        self.assertEqual(r.body, fake_upstream.chat_json_body(json.loads(up["body"]), n))
        self.assertTrue((r.header("content-type") or "").startswith("application/json"))
        self.assertEqual(r.json()["choices"][0]["message"]["content"],
                         "Hello! You said: What is the capital of France?")

    def test_model_rewrite_keeps_every_other_byte(self):
        body = ('{ "temperature" :1.0,\n\t"model"  :  "gpt-test" ,"seed":9007199254740993,'
                '"messages":[{"role":"user","content":"caf\\u00e9 \\ud83d\\ude00 raw \u00e9 \\"q\\" \\/"}],'
                '"x_unknown_field":{"a":[1,2.50,{"b":null}],"e":1E+2},  "top_p": 1e0 ,'
                '"metadata":{"model":"not-this-one"}}\n  ').encode("utf-8")
        r = self.gw.chat(body)
        self.assertEqual(r.status, 200, r.body[:300])
        up = self._received()
        want = body.replace(b'"model"  :  "gpt-test"', b'"model"  :  "upstream-model"')
        self.assertEqual(up["body"].encode("utf-8"), want)

    def test_upstream_auth_is_deployment_key(self):
        r = self.gw.chat(chat_body())
        self.assertEqual(r.status, 200)
        up = self._received()
        self.assertEqual(up["headers"].get("authorization"), "Bearer " + UP_KEY)
        for k, v in up["header_list"]:
            self.assertNotIn(GW_KEY, v, "gateway key leaked upstream in header %s" % k)
        self.assertNotIn(GW_KEY, up["body"])

    def test_no_upstream_key_sends_no_authorization(self):
        r = self.gw.chat(chat_body(model="nokey"))
        self.assertEqual(r.status, 200, r.body[:300])
        up = self._received()
        self.assertNotIn("authorization", up["headers"], "gateway key (or something) sent upstream")

    def test_response_headers_allow_list(self):
        r = self.gw.chat(chat_body())
        self.assertEqual(r.status, 200)
        n = req_n(r)
        self.assertEqual(r.header("x-request-id"), "req_fake_%d" % n)
        self.assertEqual(r.header("openai-version"), "2020-10-01")
        self.assertEqual(r.header("openai-processing-ms"), "12")
        self.assertEqual(r.header("openai-organization"), "fake-org")
        self.assertEqual(r.header("x-ratelimit-limit-requests"), "10000")
        self.assertEqual(r.header("x-ratelimit-remaining-requests"), "9999")
        self.assertIsNone(r.header("x-fake-private"), "x-fake-private must not reach the client")
        self.assertNotIn("timeout=30, max=1000", [v for _, v in r.header_list],
                         "the upstream's Keep-Alive header reached the client")
        self.assertNotEqual(r.header("server"), "fake-openai/1.0", "upstream Server header relayed")
        self.assertEqual(len(r.headers_all("x-request-id")), 1, r.header_list)
        self.assertEqual(len(r.headers_all("content-type")), 1, r.header_list)

    def test_keep_alive_two_requests_one_connection(self):
        s = socket.create_connection(("127.0.0.1", self.gw.port), timeout=10)
        try:
            h = {"Authorization": "Bearer " + GW_KEY}
            r1 = raw_request("127.0.0.1", self.gw.port, "POST", "/v1/chat/completions", chat_body(text="one"), h, sock=s)
            self.assertEqual(r1.status, 200)
            r2 = raw_request("127.0.0.1", self.gw.port, "POST", "/v1/chat/completions", chat_body(text="two"), h, sock=s)
            self.assertEqual(r2.status, 200)
            self.assertIn("two", r2.json()["choices"][0]["message"]["content"])
        finally:
            s.close()

    def test_second_key_accepted(self):
        r = self.gw.chat(chat_body(), key=GW_KEY_B)
        self.assertEqual(r.status, 200, r.body[:300])

    def test_stream_exact_events_with_usage(self):
        body = chat_body(text="Tell me a story", stream=True, usage=True)
        r = self.gw.chat(body, read_body=False)
        self.assertEqual(r.status, 200)
        self.assertTrue((r.header("content-type") or "").startswith("text/event-stream"), r.header("content-type"))
        events = [e for _, e in self.stream_events(r)]
        r.close()
        n = req_n(r)
        up = self._received()
        self.assertEqual(up["body"].encode(), replace_model(body, "gpt-test", "upstream-model"))
        want = fake_upstream.chat_stream_events(json.loads(up["body"]), n)
        self.assertEqual(b"".join(events), b"".join(want))
        self.assertTrue(r.complete, "chunked body not terminated")
        datas = [json.loads(p) for k, p in sse_payloads(events) if k == "data" and p != "[DONE]"]
        text = "".join((c["choices"][0]["delta"].get("content") or "") for c in datas if c["choices"])
        self.assertEqual(text, "Hello! You said: Tell me a story")
        self.assertEqual(datas[-1]["choices"], [])
        self.assertEqual(datas[-1]["usage"]["total_tokens"],
                         datas[-1]["usage"]["prompt_tokens"] + datas[-1]["usage"]["completion_tokens"])

    def test_stream_each_http_chunk_holds_whole_events(self):
        r = self.gw.chat(chat_body(text="a b c d e f g h", stream=True, usage=True), read_body=False)
        self.assertEqual(r.status, 200)
        self.assertIn("chunked", (r.header("transfer-encoding") or "").lower())
        r.read_all()
        r.close()
        self.assertTrue(r.chunks)
        for _, c in r.chunks:
            self.assertTrue(c.endswith(b"\n\n"), "HTTP chunk does not end on an event boundary: %r" % c[-80:])
            self.assertTrue(c.startswith(b"data: ") or c.startswith(b":"), "chunk starts mid-event: %r" % c[:80])

    def test_tool_call_nonstream(self):
        body = chat_body(text="Weather in Paris?", tools=[WEATHER_TOOL], tool_choice="auto")
        r = self.gw.chat(body)
        self.assertEqual(r.status, 200, r.body[:300])
        n = req_n(r)
        msg = r.json()["choices"][0]
        self.assertEqual(msg["finish_reason"], "tool_calls")
        tc = msg["message"]["tool_calls"]
        self.assertEqual(len(tc), 1)
        self.assertEqual(tc[0]["id"], "call_fake_%d_0" % n)
        self.assertEqual(tc[0]["type"], "function")
        self.assertEqual(tc[0]["function"]["name"], "get_weather")
        self.assertEqual(json.loads(tc[0]["function"]["arguments"]), {"city": "Paris", "days": 42})
        self.assertIn(b'"tools"', self._received()["body"].encode())

    def test_tool_call_stream(self):
        body = chat_body(text="Weather in Paris?", stream=True, tools=[WEATHER_TOOL])
        r = self.gw.chat(body, read_body=False)
        self.assertEqual(r.status, 200)
        events = [e for _, e in self.stream_events(r)]
        r.close()
        n = req_n(r)
        want = fake_upstream.chat_stream_events(json.loads(self._received()["body"]), n)
        self.assertEqual(b"".join(events), b"".join(want))
        calls = {}
        finish = None
        for kind, p in sse_payloads(events):
            if kind != "data" or p == "[DONE]":
                continue
            ch = json.loads(p)["choices"][0]
            finish = ch["finish_reason"] or finish
            for d in ch["delta"].get("tool_calls") or []:
                c = calls.setdefault(d["index"], {"id": None, "name": None, "args": ""})
                c["id"] = d.get("id") or c["id"]
                c["name"] = (d.get("function") or {}).get("name") or c["name"]
                c["args"] += (d.get("function") or {}).get("arguments") or ""
        self.assertEqual(finish, "tool_calls")
        self.assertEqual(calls, {0: {"id": "call_fake_%d_0" % n, "name": "get_weather",
                                     "args": '{"city":"Paris","days":42}'}})

    def test_tool_result_answer(self):
        body = {"model": "gpt-test", "tools": [WEATHER_TOOL], "messages": [
            {"role": "user", "content": "Weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\",\"days\":1}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "22 C and sunny"}]}
        r = self.gw.chat(json.dumps(body))
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(r.json()["choices"][0]["message"]["content"], "The tool returned: 22 C and sunny")

    def test_models_list_local(self):
        r = self.gw.request("GET", "/v1/models")
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertTrue((r.header("content-type") or "").startswith("application/json"))
        d = r.json()
        self.assertEqual(d["object"], "list")
        want = ["gpt-test", "slow", "nokey", "dead"] + FAULT_MODELS
        self.assertEqual([m["id"] for m in d["data"]], want)
        for m in d["data"]:
            self.assertEqual(m["object"], "model")
            self.assertIsInstance(m["created"], int)
            self.assertNotIsInstance(m["created"], bool)
            self.assertEqual(m["owned_by"], "switchyard")
            self.assertEqual(set(m), {"id", "object", "created", "owned_by"})
        self.assertEqual(self.fake.requests(), [], "GET /v1/models must not reach the upstream")

    def test_litellm_style_deployment(self):
        body = chat_body(model="slow", text="x", stream=True)
        r = self.gw.chat(body, read_body=False)
        self.assertEqual(r.status, 200)
        self.stream_events(r)
        r.close()
        self.assertEqual(self._received()["body"].encode(), replace_model(body, "slow", "fault-slow"))

    def test_request_id_generated_when_upstream_has_none(self):
        for r in (self.gw.request("GET", "/healthz", key=None),
                  self.gw.chat(b"{", key=GW_KEY),
                  self.gw.chat(chat_body(), key=None)):
            rid = r.header("x-request-id")
            self.assertTrue(rid and rid.startswith("req_"), "x-request-id %r on %d" % (rid, r.status))
            self.assertFalse(rid.startswith("req_fake_"))

    def test_streams_in_parallel(self):
        conns = [self.gw.chat(chat_body(model="slow", text="p%d" % i, stream=True), read_body=False)
                 for i in range(4)]
        t0 = time.monotonic()
        for r in conns:
            self.assertEqual(r.status, 200)
        for r in conns:
            evs = self.stream_events(r)
            r.close()
            self.assertTrue(evs and evs[-1][1] == b"data: [DONE]\n\n")
        self.assertLess(time.monotonic() - t0, 4.0, "4 slow streams (~2 s each) were not served concurrently")
