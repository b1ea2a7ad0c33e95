"""Client errors, auth, upstream errors and timeouts: the OpenAI error envelope everywhere."""

import json
import socket
import time

from common import (GW_KEY, GW_KEY_B, UP_KEY, GatewayCase, chat_body, config, fake_upstream,
                    sse_payloads)


class RequestErrors(GatewayCase):
    CONFIG = config()

    def test_malformed_json_position(self):
        r = self.gw.chat(b'{"model":"gpt-test","messages":@}')
        err = self.assertErrorEnvelope(r, 400, "invalid_request_error")
        self.assertIn("line 1, column 32", err["message"])
        self.assertEqual(self.fake.requests(), [])

    def test_malformed_json_position_multiline(self):
        r = self.gw.chat(b'{\n  "model": "gpt-test",\n  "messages": @\n}')
        err = self.assertErrorEnvelope(r, 400, "invalid_request_error")
        self.assertIn("line 3, column 15", err["message"])

    def test_truncated_json(self):
        r = self.gw.chat(b'{"model":"gpt-test","messages":[')
        self.assertErrorEnvelope(r, 400, "invalid_request_error")

    def test_body_not_an_object(self):
        r = self.gw.chat(b'[1,2,3]')
        self.assertErrorEnvelope(r, 400, "invalid_request_error")

    def test_missing_model(self):
        r = self.gw.chat(json.dumps({"messages": [{"role": "user", "content": "hi"}]}))
        err = self.assertErrorEnvelope(r, 400, "invalid_request_error", param="model")
        self.assertIn("model", err["message"])

    def test_messages_not_array(self):
        r = self.gw.chat(json.dumps({"model": "gpt-test", "messages": "hi"}))
        err = self.assertErrorEnvelope(r, 400, "invalid_request_error", param="messages", code="invalid_type")
        self.assertIn("messages", err["message"])

    def test_missing_messages(self):
        r = self.gw.chat(json.dumps({"model": "gpt-test"}))
        err = self.assertErrorEnvelope(r, 400, "invalid_request_error", param="messages")
        self.assertIn("messages", err["message"])
        self.assertEqual(self.fake.requests(), [])

    def test_unknown_model(self):
        r = self.gw.chat(chat_body(model="no-such-model"))
        err = self.assertErrorEnvelope(r, 404, "invalid_request_error", code="model_not_found", param="model")
        self.assertIn("no-such-model", err["message"])
        self.assertEqual(self.fake.requests(), [])

    def test_body_too_large(self):
        big = json.dumps({"model": "gpt-test", "messages": [{"role": "user", "content": "x" * (1536 * 1024)}]})
        r = self.gw.chat(big, timeout=15)
        self.assertErrorEnvelope(r, 413)
        self.assertEqual(self.fake.requests(), [])

    def test_declared_length_over_limit_refused_before_body(self):
        # Content-Length alone decides: the 413 arrives without the client sending the body.
        got = _raw_exchange(self.gw.port, b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                            b"Content-Length: 99999999999\r\n\r\n")
        head, _, body = got.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 413 "), head)
        self.assertIn(b"content-type: application/json", head.lower())
        err = json.loads(body)["error"]
        self.assertEqual((err["type"], err["code"], err["param"]), ("invalid_request_error", "request_too_large", None))

    def test_malformed_http_gets_json_400(self):
        head, _, body = _raw_exchange(self.gw.port, b"GARBAGE\r\n\r\n").partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 400 "), head)
        self.assertIn(b"content-type: application/json", head.lower())
        self.assertEqual(json.loads(body)["error"]["type"], "invalid_request_error")

    def test_unknown_method_gets_json_405(self):
        head, _, body = _raw_exchange(self.gw.port, b"BREW /v1/models HTTP/1.1\r\nHost: x\r\n\r\n").partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 405 "), head)
        self.assertEqual(json.loads(body)["error"]["message"], "Method not allowed.")

    def test_body_just_under_limit(self):
        pad = 1024 * 1024 - 200
        body = json.dumps({"model": "gpt-test", "messages": [{"role": "user", "content": "x" * pad}]})
        self.assertLess(len(body), 1024 * 1024)
        r = self.gw.chat(body, timeout=15)
        self.assertEqual(r.status, 200, r.body[:300])

    def test_upstream_unreachable_502(self):
        t0 = time.monotonic()
        r = self.gw.chat(chat_body(model="dead"))
        self.assertErrorEnvelope(r, 502, "server_error")
        self.assertLess(time.monotonic() - t0, 3.0)

    def test_upstream_unreachable_502_stream(self):
        r = self.gw.chat(chat_body(model="dead", stream=True))
        self.assertErrorEnvelope(r, 502, "server_error")

    def _assert_relayed(self, r, status, body_obj):
        self.assertEqual(r.status, status)
        self.assertEqual(r.body, (json.dumps(body_obj, ensure_ascii=False, indent=2) + "\n").encode())
        self.assertTrue((r.header("content-type") or "").startswith("application/json"))
        self.assertTrue((r.header("x-request-id") or "").startswith("req_fake_"), r.header("x-request-id"))

    def test_upstream_429_relayed(self):
        r = self.gw.chat(chat_body(model="fault-429"))
        self._assert_relayed(r, 429, fake_upstream.ERR_429)
        self.assertEqual(r.header("retry-after"), "7")
        self.assertEqual(r.header("retry-after-ms"), "7000")
        self.assertEqual(r.header("x-should-retry"), "true")
        self.assertEqual(r.header("x-ratelimit-remaining-requests"), "0")
        self.assertEqual(r.header("x-ratelimit-reset-requests"), "7s")
        self.assertIsNone(r.header("x-fake-private"))
        self.assertEqual(len(self.fake.requests()), 1, "the gateway must not retry a 429 by itself")

    def test_upstream_429_relayed_for_stream_request(self):
        r = self.gw.chat(chat_body(model="fault-429", stream=True))
        self._assert_relayed(r, 429, fake_upstream.ERR_429)
        self.assertEqual(r.header("retry-after"), "7")

    def test_upstream_500_relayed(self):
        r = self.gw.chat(chat_body(model="fault-500"))
        self._assert_relayed(r, 500, fake_upstream.ERR_500)
        self.assertEqual(r.header("x-should-retry"), "false")

    def test_method_not_allowed_or_not_found_is_enveloped(self):
        r = self.gw.request("GET", "/v1/chat/completions")
        self.assertIn(r.status, (404, 405))
        self.assertErrorEnvelope(r, r.status)


class Auth(GatewayCase):
    CONFIG = config()

    def test_missing_key_401(self):
        r = self.gw.chat(chat_body(), key=None)
        self.assertErrorEnvelope(r, 401, "invalid_request_error", code="invalid_api_key", param=None)
        self.assertEqual(self.fake.requests(), [])

    def test_wrong_key_401(self):
        r = self.gw.chat(chat_body(), key="sk-wrong-Key-123456789")
        self.assertErrorEnvelope(r, 401, "invalid_request_error", code="invalid_api_key", param=None)
        self.assertNotIn(b"sk-wrong-Key-123456789", r.body)

    def test_not_bearer_401(self):
        r = self.gw.chat(chat_body(), key=None, headers={"Authorization": "Basic " + GW_KEY})
        self.assertErrorEnvelope(r, 401, code="invalid_api_key")

    def test_prefix_of_key_401(self):
        r = self.gw.chat(chat_body(), key=GW_KEY[:-1])
        self.assertErrorEnvelope(r, 401, code="invalid_api_key")

    def test_models_needs_auth(self):
        r = self.gw.request("GET", "/v1/models", key=None)
        self.assertErrorEnvelope(r, 401, code="invalid_api_key")

    def test_proxy_route_needs_auth(self):
        r = self.gw.request("POST", "/v1/embeddings", json.dumps({"model": "e", "input": "x"}), key=None)
        self.assertErrorEnvelope(r, 401, code="invalid_api_key")
        self.assertEqual(self.fake.requests(), [])

    def test_health_needs_no_auth(self):
        for path, status in (("/healthz", "ok"), ("/readyz", "ready")):
            r = self.gw.request("GET", path, key=None)
            self.assertEqual(r.status, 200, path)
            self.assertEqual(r.json(), {"status": status})
            self.assertTrue((r.header("content-type") or "").startswith("application/json"))

    def test_keys_never_logged_or_echoed(self):
        bodies = []
        for key in (GW_KEY, GW_KEY_B, GW_KEY + "x", None):
            bodies.append(self.gw.chat(chat_body(), key=key).body)
            bodies.append(self.gw.chat(chat_body(stream=True, usage=True), key=key).body)
            bodies.append(self.gw.chat(b"{bad", key=key).body)
            bodies.append(self.gw.request("GET", "/v1/models", key=key).body)
        bodies.append(self.gw.chat(chat_body(model="dead"), key=GW_KEY).body)
        time.sleep(0.3)
        log = self.gw.stderr_text()
        for secret in (GW_KEY, GW_KEY_B, UP_KEY):
            self.assertNotIn(secret, log, "a key value appears in the gateway's stderr")
            self.assertNotIn(secret[:-4], log, "a key prefix appears in the gateway's stderr")
            for b in bodies:
                self.assertNotIn(secret.encode(), b, "a key value appears in a response body")


class Timeouts(GatewayCase):
    """first_byte_ms 1000, idle_ms 3000, heartbeat_ms 1000."""
    CONFIG = config(first_byte_ms=1000, idle_ms=3000, heartbeat_ms=1000)

    def test_upstream_never_answers_504(self):
        t0 = time.monotonic()
        r = self.gw.chat(chat_body(model="fault-hang"), timeout=10)
        dt = time.monotonic() - t0
        self.assertErrorEnvelope(r, 504, "server_error")
        self.assertGreater(dt, 0.8, "504 before first_byte_ms elapsed")
        self.assertLess(dt, 1.8, "504 took %.2f s with first_byte_ms 1000" % dt)
        self.assertGreaterEqual(self.fake.wait_stat("hang_closed", 1, 2.0), 1,
                                "gateway kept the hung upstream connection open")

    def test_upstream_never_answers_504_stream(self):
        t0 = time.monotonic()
        r = self.gw.chat(chat_body(model="fault-hang", stream=True), timeout=10)
        self.assertErrorEnvelope(r, 504, "server_error")
        self.assertLess(time.monotonic() - t0, 1.8)

    def test_stream_idle_timeout(self):
        t0 = time.monotonic()
        r = self.gw.chat(chat_body(model="fault-hang-stream", stream=True), read_body=False)
        self.assertEqual(r.status, 200)
        events = self.stream_events(r)
        r.close()
        dt = time.monotonic() - t0
        self.assertTrue(r.complete, "stream not terminated cleanly (chunked terminator missing)")
        self.assertGreater(dt, 2.7)
        self.assertLess(dt, 4.5, "idle timeout (3 s) fired after %.2f s" % dt)
        self.assertErrorThenDone(events, "upstream_timeout")
        self.assertTrue(events[0][1].startswith(b'data: {"id":"chatcmpl-fake-'), events[0][1][:80])
        self.assertGreaterEqual(self.fake.wait_stat("disconnects", 1, 1.5), 1,
                                "upstream connection not closed after the idle timeout")

    def test_heartbeat_keeps_silent_stream_alive(self):
        body = chat_body(model="fault-silent-then", text="wait for it", stream=True)
        r = self.gw.chat(body, read_body=False)
        self.assertEqual(r.status, 200)
        events = self.stream_events(r)
        r.close()
        payloads = sse_payloads([e for _, e in events])
        kinds = [k for k, _ in payloads]
        self.assertIn("comment", kinds, "no SSE comment (heartbeat) during 2.5 s of silence")
        first_comment = kinds.index("comment")
        self.assertEqual(first_comment, 1, "heartbeat should come after the first chunk: %r" % kinds)
        self.assertTrue(all(p.startswith(":") for k, p in payloads if k == "comment"))
        datas = [p for k, p in payloads if k == "data"]
        self.assertEqual(datas[-1], "[DONE]")
        for p in datas[:-1]:
            self.assertNotIn("error", json.loads(p))
        # every upstream event arrives unchanged, in order
        up = self.fake.last_request("/v1/chat/completions")
        want = fake_upstream.chat_stream_events(json.loads(up["body"]),
                                                int(r.header("x-request-id")[len("req_fake_"):]))
        got = [e for _, e in events if not e.startswith(b":")]
        self.assertEqual(got, want)

    def test_fast_requests_unaffected(self):
        r = self.gw.chat(chat_body(model="slow", stream=True), read_body=False)
        events = self.stream_events(r)
        r.close()
        self.assertEqual(events[-1][1], b"data: [DONE]\n\n")
        for _, e in events:
            self.assertNotIn(b'"error"', e)


def _raw_exchange(port, data, timeout=5.0):
    """Send raw bytes, read until the gateway closes the connection."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk
    finally:
        s.close()
