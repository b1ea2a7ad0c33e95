"""POST /v1/responses over a chat upstream: dropped parameters (x-switchyard-dropped, access
log), strict mode, request validation errors, hosted tools, stateful parameters not served yet,
and upstream HTTP errors. Helpers: test_responses.py."""

import json

from common import fake_upstream
from test_responses import UP, WEATHER, ResponsesCase, message_text


class ResponsesErrors(ResponsesCase):

    # -- dropped / strict ---------------------------------------------------------------------

    def test_dropped_header_and_access_log(self):
        body = {"model": "gpt-test", "input": "hi", "reasoning": {"effort": "high", "summary": "auto"},
                "safety_identifier": "u-1", "service_tier": "flex"}
        r, obj = self.create(body)
        want_up = {"model": UP, "messages": [{"role": "user", "content": "hi"}], "reasoning_effort": "high"}
        self.assertUpstream(want_up)
        dropped = r.header("x-switchyard-dropped")
        self.assertIsNotNone(dropped, "x-switchyard-dropped missing; headers %r" % r.header_list)
        names = [x.strip() for x in dropped.split(",")]
        self.assertEqual(sorted(names), ["reasoning.summary", "safety_identifier", "service_tier"])
        self.assertEqual(obj["reasoning"], {"effort": "high", "summary": "auto"})
        entry = self.access_entry(r)
        self.assertEqual(entry.get("path"), "/v1/responses", entry)
        self.assertEqual(sorted(x.strip() for x in str(entry.get("dropped")).split(",")), names, entry)
        # streaming: the header rides on the 200 before the first event
        self.fake.reset()
        rs, _, _ = self.stream(body)
        self.assertEqual(rs.header("x-switchyard-dropped"), dropped)
        self.assertUpstream(want_up, stream=True)

    def test_strict_turns_drops_into_400(self):
        body = {"model": "gpt-test", "input": "hi", "reasoning": {"summary": "auto"}}
        for model, headers in (("gpt-strict", None), ("gpt-test", {"x-switchyard-strict": "1"})):
            for stream in (False, True):
                with self.subTest(model=model, stream=stream):
                    self.fake.reset()
                    r = self.post(dict(body, model=model, stream=stream), headers)
                    err = self.assertError(r, 400, "reasoning.summary", code="unsupported_parameter")
                    self.assertIn("reasoning.summary", err["message"])
                    self.assertNoUpstream()
        # strict with nothing to drop is a normal request
        self.fake.reset()
        _, obj = self.create({"model": "gpt-strict", "input": "hi"})
        self.assertEqual(message_text(obj), "Hello! You said: hi")

    def test_no_dropped_header_when_nothing_dropped(self):
        r, _ = self.create({"model": "gpt-test", "input": "hi", "reasoning": {"effort": "low"}})
        self.assertIsNone(r.header("x-switchyard-dropped"))
        entry = self.access_entry(r)
        self.assertIn(entry.get("dropped"), (None, "", []), entry)

    # -- request errors -----------------------------------------------------------------------

    def test_unknown_parameter(self):
        r = self.post({"model": "gpt-test", "input": "hi", "frobnicate": 1})
        err = self.assertError(r, 400, "frobnicate", code="unknown_parameter")
        self.assertIn("frobnicate", err["message"])
        self.assertNoUpstream()

    def test_hosted_tools_refused(self):
        for tool in ({"type": "web_search"}, {"type": "file_search", "vector_store_ids": ["vs_1"]},
                     {"type": "code_interpreter", "container": {"type": "auto"}}):
            with self.subTest(tool=tool["type"]):
                r = self.post({"model": "gpt-test", "input": "hi", "tools": [tool]})
                err = self.assertError(r, 400, "tools[0].type", code="unsupported_value")
                self.assertIn(tool["type"], err["message"])
        r = self.post({"model": "gpt-test", "input": "hi", "tools": [WEATHER, {"type": "web_search_preview"}]})
        self.assertError(r, 400, "tools[1].type", code="unsupported_value")
        r = self.post({"model": "gpt-test", "input": "hi", "tools": [WEATHER], "tool_choice": {"type": "web_search"}})
        self.assertError(r, 400, "tool_choice.type", code="unsupported_value")
        self.assertNoUpstream()

    def test_unknown_stored_ids(self):
        """An unknown previous_response_id is a 400 naming it; an unknown conversation a 404."""
        for extra, param, status in (({"previous_response_id": "resp_123"}, "previous_response_id", 400),
                                     ({"conversation": "conv_123"}, "conversation", 404),
                                     ({"conversation": {"id": "conv_123"}}, "conversation", 404)):
            for stream in (False, True):
                with self.subTest(param=param, stream=stream):
                    r = self.post(dict({"model": "gpt-test", "input": "hi", "stream": stream}, **extra))
                    self.assertError(r, status, param)
        self.assertNoUpstream()

    def test_request_validation(self):
        cases = [
            ({"input": "hi"}, "model", "missing_required_parameter"),
            ({"model": "gpt-test", "input": "hi", "temperature": 3}, "temperature", "decimal_above_max_value"),
            ({"model": "gpt-test", "input": "hi", "top_logprobs": 21}, "top_logprobs", "integer_above_max_value"),
            ({"model": "gpt-test", "input": "hi", "include": ["nope"]}, "include[0]", "unsupported_value"),
            ({"model": "gpt-test", "input": [{"type": "mystery"}]}, "input[0].type", "__any__"),
            ({"model": "gpt-test", "input": [{"role": "user", "content": [
                {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]}]},
             "input[0].content[0].type", "unsupported_value"),
            ({"model": "gpt-test", "input": [{"type": "custom_tool_call", "call_id": "c1", "name": "x", "input": "y"}]},
             "input[0].type", "unsupported_value"),
            ({"model": "gpt-test", "input": "hi", "tools": [dict(WEATHER, name="bad name")]}, "tools[0].name",
             "invalid_value"),
            ({"model": "gpt-test", "input": "hi", "tool_choice": {"type": "function", "name": "nope"},
              "tools": [WEATHER]}, "tool_choice", "invalid_value"),
            ({"model": "gpt-test", "input": "hi", "text": {"format": {"type": "json_schema", "name": "x"}}},
             "text.format.schema", "missing_required_parameter"),
            ({"model": "gpt-test", "input": "hi", "prompt": {"id": "pmpt_1"}}, "prompt", "unsupported_parameter"),
            ({"model": "gpt-test", "input": "hi", "metadata": {"k%d" % i: "v" for i in range(17)}}, "metadata",
             "object_above_max_properties"),
            ({"model": "gpt-test", "input": "hi", "background": True, "store": False}, "background", "invalid_value"),
            ({"model": "gpt-test", "input": "hi", "previous_response_id": "resp_1", "conversation": "conv_1"},
             "conversation", "mutually_exclusive_parameters"),
        ]
        for body, param, code in cases:
            with self.subTest(param=param):
                self.assertError(self.post(body), 400, param, code=code)
        r = self.post({"model": "no-such-model", "input": "hi"})
        self.assertErrorEnvelope(r, 404, param="model")
        r = self.post(b'{"model": "gpt-test", "input": ')
        self.assertErrorEnvelope(r, 400, type_="invalid_request_error")
        r = self.post({"model": "gpt-test", "input": "hi"}, key=None)
        self.assertErrorEnvelope(r, 401)
        self.assertNoUpstream()

    # -- upstream HTTP errors -----------------------------------------------------------------

    def test_upstream_http_errors(self):
        for model, status, fake_err in (("fault-429", 429, fake_upstream.ERR_429),
                                        ("fault-500", 500, fake_upstream.ERR_500)):
            for stream in (False, True):
                with self.subTest(model=model, stream=stream):
                    self.fake.reset()
                    r = self.post({"model": model, "input": "hi", "stream": stream})
                    self.assertEqual(r.status, status, r.body[:300])
                    self.assertTrue((r.header("content-type") or "").startswith("application/json"))
                    self.assertEqual(json.loads(r.body), fake_err)
                    self.assertEqual([q["path"] for q in self.fake.requests()], ["/v1/chat/completions"])
                    if status == 429:
                        self.assertEqual(r.header("retry-after"), "7")


if __name__ == "__main__":
    import unittest
    unittest.main()
