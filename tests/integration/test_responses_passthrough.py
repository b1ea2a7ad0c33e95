"""POST /v1/responses to an openai-responses deployment: a byte-exact passthrough (only the model
value rewritten), JSON and SSE, against the fake's Responses mode: synthesized spec-valid answers
(resp-*) and real recorded OpenAI traffic (rec:<recording>). Helpers: test_responses.py.

Synthesized answers are also run through validate_responses. Recorded answers are compared
byte for byte only: they are real 2025 OpenAI traffic that predates fields the Open Responses
schema now requires (completed_at, [DONE], ...), and a passthrough must not repair them."""

import json

from common import fake_upstream, replace_model, req_n
from test_responses import RECORDED, ResponsesCase, vr


class ResponsesPassthrough(ResponsesCase):

    def _sent(self, alias, upstream_model, body_bytes):
        reqs = self.fake.requests()
        self.assertEqual([q["path"] for q in reqs], ["/v1/responses"])
        self.assertEqual(reqs[0]["body"].encode(), replace_model(body_bytes, alias, upstream_model))
        return json.loads(reqs[0]["body"])

    def test_json_exact_bytes(self):
        body = ('{"model": "resp-up",  "input":"hi there", "instructions" : "Be brief.",'
                '"temperature":0.70,"store":false,"metadata":{"model":"not-this-one"}}').encode()
        r = self.post(body)
        self.assertEqual(r.status, 200, r.body[:500])
        up = self._sent("resp-up", "resp-upstream", body)
        self.assertEqual(r.body, fake_upstream.responses_body(up, req_n(r)))
        obj = json.loads(r.body)
        vr.check_object(obj)
        self.assertEqual(obj["model"], "resp-upstream")  # the upstream's answer, untouched
        self.assertEqual(r.header("openai-version"), "2020-10-01")
        self.assertIsNone(r.header("x-fake-private"))

    def test_unknown_fields_forwarded(self):
        """Like the chat passthrough (test_chat: x_unknown_field), a Responses passthrough forwards
        fields it does not know: the upstream decides (mapping.md: forward the body verbatim)."""
        body = b'{"model":"resp-up","input":"hi","x_vendor_extension":{"a":[1,2.50]},"client_metadata":{"k":"v"}}'
        r = self.post(body)
        self.assertEqual(r.status, 200, r.body[:500])
        up = self._sent("resp-up", "resp-upstream", body)
        self.assertEqual(r.body, fake_upstream.responses_body(up, req_n(r)))

    def test_hosted_tools_forwarded(self):
        """Hosted tools / hosted tool_choice / non-function items are refused only when a chat
        upstream must be served (mapping.md 7 #15); a Responses upstream gets them verbatim."""
        body = json.dumps({"model": "resp-up", "input": [
            {"role": "user", "content": "search"},
            {"type": "web_search_call", "id": "ws_1", "status": "completed",
             "action": {"type": "search", "query": "q"}}],
            "tools": [{"type": "web_search", "search_context_size": "low"}, {"type": "custom", "name": "patch"}],
            "tool_choice": {"type": "web_search"}}).encode()
        r = self.post(body)
        self.assertEqual(r.status, 200, r.body[:500])
        up = self._sent("resp-up", "resp-upstream", body)
        self.assertEqual(r.body, fake_upstream.responses_body(up, req_n(r)))

    def test_sse_exact_bytes(self):
        body = b'{"model":"resp-up","input":"stream this please","stream":true}'
        r = self.post(body, read_body=False)
        self.assertEqual(r.status, 200)
        self.assertTrue((r.header("content-type") or "").startswith("text/event-stream"))
        events = [ev for _, ev in self.stream_events(r)]
        up = self._sent("resp-up", "resp-upstream", body)
        want = fake_upstream.responses_stream_events(up, req_n(r))
        self.assertEqual(events, want)
        parsed = vr.check_stream(b"".join(events))
        self.assertEqual(parsed[-1]["response"]["output"][0]["content"][0]["text"],
                         "Hello! You said: stream this please")
        for _, c in r.chunks:
            self.assertTrue(c.endswith(b"\n\n"), "event split across HTTP chunks: %r" % c[-40:])

    def test_upstream_error_relayed(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                self.fake.reset()
                body = json.dumps({"model": "resp-429", "input": "hi", "stream": stream}).encode()
                r = self.post(body)
                self.assertEqual(r.status, 429)
                self.assertEqual(json.loads(r.body), fake_upstream.ERR_429)
                self.assertEqual(r.header("retry-after"), "7")
                self._sent("resp-429", "resp-fault-429", body)

    def test_recordings_byte_exact(self):
        """Recorded requests (model replaced by our alias) go upstream byte for byte with only the
        model rewritten; the recorded answers (JSON, SSE, a 400) come back byte for byte. Hosted
        tools, previous_response_id, include, reasoning items ... all pass: only a chat upstream
        needs them translated (responses-api.md 3.3)."""
        for alias, model in sorted(RECORDED.items()):
            with self.subTest(recording=model):
                self.fake.reset()
                inter = fake_upstream.recorded_interaction(model)
                req = dict(inter["request"]["body"], model=alias)
                body = json.dumps(req).encode()
                stream = req.get("stream") is True
                r = self.post(body, read_body=not stream)
                status, ctype, pieces = fake_upstream.recorded_response(model)
                self.assertEqual(r.status, status, r.read_all()[:500] if not stream else r.header_list)
                if stream:
                    got = b"".join(ev for _, ev in self.stream_events(r))
                else:
                    got = r.body
                if status == 400:
                    # the gateway may refuse what OpenAI refuses with OpenAI's own error (same
                    # status, same error object); it need not be the upstream's bytes
                    self.assertEqual(json.loads(got), json.loads(b"".join(pieces)))
                    continue
                self.assertEqual(got, b"".join(pieces))
                self.assertEqual(r.header("content-type"), ctype)
                self._sent(alias, model, body)


if __name__ == "__main__":
    import unittest
    unittest.main()
