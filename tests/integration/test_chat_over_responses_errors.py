"""Chat clients on openai-responses deployments: dropped parameters (x-switchyard-dropped, access
log), strict mode, parameters refused with 400 (mapping.md 7), upstream HTTP errors, failed
Responses, broken upstream streams (an error chunk then [DONE], never a hang), sessions with
previous_response_id, and the Responses routes proxied to a Responses upstream: POST
/v1/responses (model rewritten) and GET/DELETE /v1/responses/{id}, cancel, input_items,
GET ?stream=true&starting_after=N, byte for byte. Helpers: test_chat_over_responses.py."""

import json
import time

from common import GW_KEY, fake_upstream, replace_model
from test_chat_over_responses import (RESP_KEY, UP, WEATHER, ChatOverResponsesCase, chat_id, error_chunk,
                                      expected_chunks, msg, up_body, user)

# The error chunk's code when the upstream stream breaks without telling why (the codes the
# gateway's relay uses for every translated stream: test_streaming.py, test_responses_stream.py).
BROKEN_STREAM_CODES = {"resp-chat-cut": "upstream_disconnected", "resp-chat-truncated": "upstream_disconnected",
                       "resp-chat-malformed": "upstream_malformed"}


class ChatOverResponsesParams(ChatOverResponsesCase):

    def access_entry(self, r):
        rid = r.header("x-request-id")
        self.assertTrue(rid, "x-request-id missing")
        hits = self.gw.wait_access(rid)
        self.assertEqual(len(hits), 1, "access log lines for %s: %r" % (rid, hits))
        return hits[0]

    def assertError(self, r, status, param, code="__any__", type_="invalid_request_error"):
        return self.assertErrorEnvelope(r, status, type_=type_, param=param, code=code)

    # -- dropped / strict ---------------------------------------------------------------------

    def test_dropped_header_and_access_log(self):
        body = {"model": "chat-resp", "messages": [user()], "seed": 7,
                "prediction": {"type": "content", "content": "Hello! You said: hi"}}
        r, obj = self.complete(body)
        self.assertUpstream(up_body([msg("user", "hi")]))
        self.check_completion(obj, "chat-resp")
        dropped = r.header("x-switchyard-dropped")
        self.assertIsNotNone(dropped, "x-switchyard-dropped missing; headers %r" % r.header_list)
        names = sorted(x.strip() for x in dropped.split(","))
        self.assertEqual(names, ["prediction", "seed"])
        entry = self.access_entry(r)
        self.assertEqual(entry.get("path"), "/v1/chat/completions", entry)
        self.assertEqual(sorted(x.strip() for x in str(entry.get("dropped")).split(",")), names, entry)
        # streaming: the header rides on the 200 before the first chunk
        self.fake.reset()
        rs, chunks, _ = self.stream(body)
        self.assertEqual(sorted(x.strip() for x in rs.header("x-switchyard-dropped").split(",")), names)
        self.assertUpstream(up_body([msg("user", "hi")]), stream=True)
        self.check_chunks(chunks, "chat-resp")

    def test_nothing_dropped_no_header(self):
        r, _ = self.complete({"model": "chat-resp", "messages": [user()], "n": 1, "temperature": 1})
        self.assertUpstream(up_body([msg("user", "hi")], temperature=1))
        self.assertIsNone(r.header("x-switchyard-dropped"))
        self.assertIn(self.access_entry(r).get("dropped"), (None, "", []))

    def test_strict_turns_drops_into_400(self):
        for model, headers in (("chat-resp-strict", None), ("chat-resp", {"x-switchyard-strict": "1"})):
            for stream in (False, True):
                with self.subTest(model=model, stream=stream):
                    self.fake.reset()
                    r = self.post({"model": model, "messages": [user()], "seed": 7, "stream": stream}, headers)
                    err = self.assertError(r, 400, "seed", code="unsupported_parameter")
                    self.assertIn("seed", err["message"])
                    self.assertNoUpstream()
        # strict with nothing to drop is a normal request
        self.fake.reset()
        _, obj = self.complete({"model": "chat-resp-strict", "messages": [user()]})
        self.check_completion(obj, "chat-resp-strict")

    # -- refused parameters and request errors ------------------------------------------------

    def test_unsupported_parameters_400(self):
        cases = [({"n": 2}, "n"), ({"stop": "END"}, "stop"), ({"stop": ["a", "b"]}, "stop"),
                 ({"logit_bias": {"50256": -100}}, "logit_bias"),
                 ({"audio": {"voice": "alloy", "format": "wav"}, "modalities": ["text", "audio"]}, "audio"),
                 ({"audio": {"voice": "alloy", "format": "wav"}}, "audio")]
        for extra, param in cases:
            for stream in (False, True):
                with self.subTest(params=extra, stream=stream):
                    body = dict({"model": "chat-resp", "messages": [user()], "stream": stream}, **extra)
                    err = self.assertError(self.post(body), 400, param, code="unsupported_parameter")
                    self.assertIn(param, err["message"])
        self.assertNoUpstream()

    def test_input_audio_part_400(self):
        body = {"model": "chat-resp", "messages": [{"role": "user", "content": [
            {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}]}]}
        err = self.assertError(self.post(body), 400, "messages[0].content[0].type", code="unsupported_value")
        self.assertIn("input_audio", err["message"])
        self.assertNoUpstream()

    def test_unknown_fields_400(self):
        r = self.post({"model": "chat-resp", "messages": [user()], "frobnicate": 1})
        err = self.assertError(r, 400, "frobnicate")
        self.assertIn("frobnicate", err["message"])
        r = self.post({"model": "chat-resp", "messages": [user()], "stream": True, "x_vendor": {"a": 1}})
        self.assertError(r, 400, "x_vendor")
        self.assertNoUpstream()

    def test_request_shape_errors(self):
        self.assertError(self.post({"model": "chat-resp"}), 400, "messages")
        self.assertError(self.post({"model": "chat-resp", "messages": "hi"}), 400, "messages")
        self.assertErrorEnvelope(self.post(b'{"model": "chat-resp", "messages": '), 400, type_="invalid_request_error")
        self.assertErrorEnvelope(self.post({"model": "chat-resp", "messages": [user()]}, key=None), 401)
        self.assertNoUpstream()


class ChatOverResponsesUpstreamFailures(ChatOverResponsesCase):

    def test_upstream_http_errors_keep_status_and_body(self):
        for model, status, body in (("resp-chat-429", 429, fake_upstream.ERR_429),
                                    ("resp-chat-400", 400, fake_upstream.ERR_400_RESP)):
            for stream in (False, True):
                with self.subTest(model=model, stream=stream):
                    self.fake.reset()
                    r = self.post({"model": model, "messages": [user()], "stream": stream})
                    self.assertErrorEnvelope(r, status)
                    self.assertEqual(json.loads(r.body), body)
                    self.upstream()
                    if status == 429:
                        self.assertEqual(r.header("retry-after"), "7")

    def test_failed_response_nonstream(self):
        for model, status in (("resp-chat-failed", 500), ("resp-chat-ratelimited", 429)):
            with self.subTest(model=model):
                self.fake.reset()
                r = self.post({"model": model, "messages": [user()]})
                err = self.assertErrorEnvelope(r, status)
                want = fake_upstream.RESP_FAILED_ERRORS[model]
                self.assertEqual(err, {"message": want["message"], "type": "server_error", "param": None,
                                       "code": want["code"]})
                self.upstream()

    def test_broken_upstream_nonstream_502(self):
        for model in ("resp-chat-malformed", "resp-chat-cut"):
            with self.subTest(model=model):
                self.fake.reset()
                r = self.post({"model": model, "messages": [user()]})
                err = self.assertErrorEnvelope(r, 502)
                if model == "resp-chat-malformed":
                    self.assertEqual(err["code"], "upstream_malformed")
                self.assertNotIn(b"chat.completion", r.body)

    def test_stream_failed_and_error_event(self):
        """response.failed / an `error` event: the deltas so far, then the upstream's code and
        message in an error chunk, then [DONE]."""
        for model, code in (("resp-chat-failed", "server_error"), ("resp-chat-ratelimited", "rate_limit_exceeded"),
                            ("resp-chat-error-event", "model_overloaded")):
            with self.subTest(model=model):
                self.fake.reset()
                _, chunks, _ = self.stream({"model": model, "messages": [user()]})
                self.check_chunks(chunks, model)
                self.assertEqual(chunks[-1]["error"]["code"], code)
                self.assertEqual([c["choices"][0]["delta"] for c in chunks[:-1]],
                                 [{"role": "assistant", "content": "", "refusal": None},
                                  {"content": "Hello!"}, {"content": " You"}])

    def test_stream_broken_upstream(self):
        """Cut off, ended without a terminal event, malformed event: an error chunk then [DONE]
        (never a fake `stop`), quickly."""
        for model, code in sorted(BROKEN_STREAM_CODES.items()):
            for usage in (False, True):
                with self.subTest(model=model, include_usage=usage):
                    self.fake.reset()
                    body = {"model": model, "messages": [user()]}
                    if usage:
                        body["stream_options"] = {"include_usage": True}
                    _, chunks, raw = self.stream(body, deadline_s=5)
                    req, n = self.sent()
                    head, _ = fake_upstream.chat_resp_stream_objs(req, n)
                    self.assertChunks(chunks[:-1], expected_chunks(head, model, usage))
                    err = chunks[-1]
                    self.assertEqual(set(err), {"error"}, err)
                    self.assertEqual(set(err["error"]), {"message", "type", "param", "code"})
                    self.assertEqual((err["error"]["type"], err["error"]["param"], err["error"]["code"]),
                                     ("server_error", None, code))
                    self.assertTrue(err["error"]["message"])
                    self.assertNotIn(b'"finish_reason":"stop"', raw)

    def test_gateway_serves_after_faults(self):
        self.stream({"model": "resp-chat-cut", "messages": [user()]}, deadline_s=5)
        self.fake.reset()
        _, obj = self.complete({"model": "chat-resp", "messages": [user("still alive")]})
        self.assertEqual(obj["choices"][0]["message"]["content"], "Hello! You said: still alive")


class ChatOverResponsesSession(ChatOverResponsesCase):
    """The completion id is the upstream Response id: a client continues with
    previous_response_id and sends only the new messages."""

    def test_session_nonstream_then_stream(self):
        _, first = self.complete({"model": "chat-resp", "messages": [user("My name is Ada.")], "store": True})
        n1 = self.sent()[1]
        self.assertEqual(first["id"], chat_id("resp_fake_%d" % n1))
        self.assertUpstream(up_body([msg("user", "My name is Ada.")], store=True))
        self.fake.reset()
        _, chunks, _ = self.stream({"model": "chat-resp", "messages": [user("What is my name?")],
                                    "previous_response_id": first["id"], "store": True})
        self.assertUpstream(up_body([msg("user", "What is my name?")], store=True,
                                    previous_response_id="resp_fake_%d" % n1), stream=True)
        self.check_chunks(chunks, "chat-resp")
        n2 = self.sent()[1]
        self.assertEqual({c["id"] for c in chunks}, {chat_id("resp_fake_%d" % n2)})
        # a third turn chains on the streamed one
        self.fake.reset()
        _, third = self.complete({"model": "chat-resp", "messages": [user("And now?")],
                                  "previous_response_id": chunks[0]["id"], "tools": [WEATHER]})
        self.assertUpstream(up_body([msg("user", "And now?")], previous_response_id="resp_fake_%d" % n2,
                                    tools=[{"type": "function", "name": "get_weather", "description": "Current weather",
                                            "parameters": WEATHER["function"]["parameters"], "strict": False}]))
        self.check_completion(third, "chat-resp")

    def test_unknown_previous_response_id(self):
        r = self.post({"model": "chat-resp", "messages": [user()], "previous_response_id": "resp_unknown_1"})
        self.assertErrorEnvelope(r, 400)
        self.assertEqual(json.loads(r.body), fake_upstream.previous_not_found("resp_unknown_1"))
        self.assertUpstream(up_body([msg("user", "hi")], previous_response_id="resp_unknown_1"))


class ResponsesRoutesToResponsesUpstream(ChatOverResponsesCase):
    """POST /v1/responses to an openai-responses deployment and the by-id routes: byte for byte,
    to the first openai-responses deployment (chat-resp: its api_key is RESP_KEY, while the
    default upstream is a chat deployment)."""

    def one_upstream(self, method, path, query="", body=b""):
        reqs = self.fake.requests()
        self.assertEqual([(q["method"], q["path"], q["query"]) for q in reqs], [(method, path, query)])
        q = reqs[0]
        self.assertEqual(q["headers"].get("authorization"), "Bearer " + RESP_KEY)
        self.assertEqual(q["body"].encode(), body)
        self.assertNotIn(GW_KEY, json.dumps(q["headers"]))
        return q

    def test_post_responses_passthrough_json_and_sse(self):
        body = b'{"model": "chat-resp",  "input":"hi there", "instructions" : "Be brief.","temperature":0.70}'
        r = self.gw.request("POST", "/v1/responses", body)
        self.assertEqual(r.status, 200, r.body[:300])
        q = self.one_upstream("POST", "/v1/responses", body=replace_model(body, "chat-resp", UP))
        self.assertEqual(r.body, fake_upstream.chat_resp_body(json.loads(q["body"]), q["n"]))
        self.assertEqual(r.header("openai-version"), "2020-10-01")
        self.fake.reset()
        body = b'{"model":"chat-resp","input":"stream this","stream":true,"tools":[]}'
        r = self.gw.request("POST", "/v1/responses", body, read_body=False)
        self.assertEqual(r.status, 200)
        events = [ev for _, ev in self.stream_events(r)]
        q = self.one_upstream("POST", "/v1/responses", body=replace_model(body, "chat-resp", UP))
        self.assertEqual(events, fake_upstream.chat_resp_stream_events(json.loads(q["body"]), q["n"]))

    def test_get_delete_cancel_input_items(self):
        rid = "resp_0a1b2c3d4e5f60718293a4b5"
        cases = [
            ("GET", "/v1/responses/" + rid, "", fake_upstream.stored_response_obj(rid)),
            ("GET", "/v1/responses/" + rid, "include[]=message.output_text.logprobs",
             fake_upstream.stored_response_obj(rid)),
            ("DELETE", "/v1/responses/" + rid, "", {"id": rid, "object": "response.deleted", "deleted": True}),
            ("POST", "/v1/responses/%s/cancel" % rid, "", fake_upstream.stored_response_obj(rid, "cancelled")),
            ("GET", "/v1/responses/%s/input_items" % rid, "", fake_upstream.stored_input_items(rid, "")),
            ("GET", "/v1/responses/%s/input_items" % rid, "limit=2&order=asc",
             fake_upstream.stored_input_items(rid, "limit=2&order=asc")),
            ("GET", "/v1/responses/%s/input_items" % rid, "after=msg_in_0a1b2c3d4e5f60718293a4b5_2&limit=1",
             fake_upstream.stored_input_items(rid, "after=msg_in_0a1b2c3d4e5f60718293a4b5_2&limit=1")),
        ]
        for method, path, query, want in cases:
            with self.subTest(method=method, path=path, query=query):
                self.fake.reset()
                r = self.gw.request(method, path + ("?" + query if query else ""), None)
                self.assertEqual(r.status, 200, r.body[:300])
                self.assertTrue((r.header("content-type") or "").startswith("application/json"))
                self.assertEqual(r.body, (json.dumps(want, ensure_ascii=False, indent=2) + "\n").encode())
                self.one_upstream(method, path, query)
        self.assertEqual(fake_upstream.stored_input_items(rid, "limit=2&order=asc")["has_more"], True)

    def test_unknown_id_404_relayed(self):
        for method, suffix in (("GET", ""), ("DELETE", ""), ("POST", "/cancel"), ("GET", "/input_items")):
            with self.subTest(method=method, suffix=suffix):
                self.fake.reset()
                path = "/v1/responses/resp_missing_42" + suffix
                r = self.gw.request(method, path, None)
                self.assertErrorEnvelope(r, 404)
                self.assertEqual(r.body, (json.dumps(fake_upstream.stored_not_found("resp_missing_42"), indent=2)
                                          + "\n").encode())
                self.one_upstream(method, path)

    def test_stream_resume(self):
        rid = "resp_5f6e7d8c9b0a1f2e3d4c5b6a"
        for query, after in (("stream=true", None), ("stream=true&starting_after=5", 5),
                             ("stream=true&starting_after=0&include_obfuscation=false", 0)):
            with self.subTest(query=query):
                self.fake.reset()
                r = self.gw.request("GET", "/v1/responses/%s?%s" % (rid, query), None, read_body=False)
                self.assertEqual(r.status, 200)
                self.assertTrue((r.header("content-type") or "").startswith("text/event-stream"))
                events = [ev for _, ev in self.stream_events(r)]
                self.assertEqual(events, fake_upstream.stored_stream_events(rid, after))
                self.one_upstream("GET", "/v1/responses/" + rid, query)
                first = json.loads(events[0].split(b"data: ", 1)[1])
                self.assertEqual(first["sequence_number"], 0 if after is None else after + 1)

    def test_by_id_routes_need_a_gateway_key(self):
        r = self.gw.request("GET", "/v1/responses/resp_abc", None, key=None)
        self.assertErrorEnvelope(r, 401)
        self.assertEqual(self.fake.requests(), [])


if __name__ == "__main__":
    import unittest
    unittest.main()
