"""Operations: the access log, SIGTERM draining."""

import json
import signal
import socket
import time
import unittest

from common import (GW_KEY, GW_KEY_B, FakeUpstream, Gateway, GatewayCase, chat_body, config, fake_upstream,
                    raw_request)


class AccessLog(GatewayCase):
    CONFIG = config()

    def _entry(self, r):
        rid = r.header("x-request-id")
        self.assertTrue(rid, "no x-request-id")
        hits = self.gw.wait_access(rid)
        self.assertEqual(len(hits), 1, "expected one access line for %s, got %d:\n%s"
                         % (rid, len(hits), self.gw.stderr_tail(10)))
        return hits[0]

    def _common(self, e, body, r, stream):
        self.assertIsInstance(e.get("ts"), str)
        self.assertTrue(e["ts"])
        self.assertEqual(e["method"], "POST")
        self.assertEqual(e["path"], "/v1/chat/completions")
        self.assertEqual(e["model"], "gpt-test")
        self.assertEqual(e["key"], "team-a")
        self.assertEqual(e["status"], 200)
        self.assertIsInstance(e["ms"], (int, float))
        self.assertGreaterEqual(e["ms"], 0)
        self.assertIsInstance(e["upstream_ms"], (int, float))
        self.assertEqual(e["bytes_in"], len(body))
        self.assertGreaterEqual(e["bytes_out"], len(r.body))
        self.assertIs(e["stream"], stream)
        for k in ("request_id", "ts", "method", "path", "model", "key", "status", "ms", "upstream_ms",
                  "bytes_in", "bytes_out", "stream", "prompt_tokens", "completion_tokens", "total_tokens"):
            self.assertIn(k, e)

    def test_nonstream_line_with_usage(self):
        body = chat_body(text="count my tokens please")
        r = self.gw.chat(body)
        self.assertEqual(r.status, 200)
        e = self._entry(r)
        self._common(e, body, r, False)
        u = r.json()["usage"]
        self.assertEqual((e["prompt_tokens"], e["completion_tokens"], e["total_tokens"]),
                         (u["prompt_tokens"], u["completion_tokens"], u["total_tokens"]))

    def test_stream_line_with_usage(self):
        body = chat_body(text="count my streamed tokens", stream=True, usage=True)
        r = self.gw.chat(body, read_body=False)
        self.assertEqual(r.status, 200)
        events = self.stream_events(r)
        r.close()
        e = self._entry(r)
        self._common(e, body, r, True)
        last = json.loads(events[-2][1][len(b"data: "):])
        u = last["usage"]
        self.assertEqual((e["prompt_tokens"], e["completion_tokens"], e["total_tokens"]),
                         (u["prompt_tokens"], u["completion_tokens"], u["total_tokens"]))

    def test_one_line_per_request(self):
        rids = []
        for i in range(5):
            r = self.gw.chat(chat_body(text="n%d" % i), key=GW_KEY_B)
            self.assertEqual(r.status, 200)
            rids.append(r.header("x-request-id"))
        self.assertEqual(len(set(rids)), 5)
        for rid in rids:
            hits = self.gw.wait_access(rid)
            self.assertEqual(len(hits), 1, rid)
            self.assertEqual(hits[0]["key"], "team-b")

    def test_error_lines(self):
        r = self.gw.chat(chat_body(), key=None)
        e = self._entry(r)
        self.assertEqual(e["status"], 401)
        self.assertEqual(e["key"], None)
        r = self.gw.chat(chat_body(model="no-such-model"))
        e = self._entry(r)
        self.assertEqual(e["status"], 404)
        self.assertIsNone(e["prompt_tokens"])
        r = self.gw.chat(chat_body(model="fault-429"))
        e = self._entry(r)
        self.assertEqual(e["status"], 429)
        self.assertEqual(e["model"], "fault-429")

    def test_every_access_line_is_json(self):
        self.gw.chat(chat_body())
        self.gw.request("GET", "/healthz", key=None)
        time.sleep(0.2)
        bad = [e for e in self.gw.access_log() if "_unparsable" in e]
        self.assertEqual(bad, [])


class Drain(unittest.TestCase):
    """Each test owns its gateway: SIGTERM is the point."""

    def setUp(self):
        self.fake = FakeUpstream().start()
        self.gw = None

    def tearDown(self):
        if self.gw is not None:
            self.gw.kill()
            self.gw.cleanup()
        self.fake.stop()

    def _start(self, cfg):
        self.gw = Gateway(cfg, fake=self.fake).start()
        return self.gw

    def test_sigterm_lets_open_stream_finish(self):
        gw = self._start(config())
        body = chat_body(model="slow", text="drain me please", stream=True, usage=True)
        r = gw.chat(body, read_body=False, timeout=20)
        self.assertEqual(r.status, 200)
        it = r.iter_events()
        events = [next(it)]
        gw.signal(signal.SIGTERM)
        time.sleep(0.4)
        # No new connections are accepted (refused, reset, or at least not served normally).
        served = False
        try:
            r2 = raw_request("127.0.0.1", gw.port, "GET", "/healthz", timeout=1.0)
            served = r2.status == 200
            r2.close()
        except (OSError, EOFError, ValueError):
            pass
        self.assertFalse(served, "a new connection was served normally after SIGTERM")
        for ev in it:
            events.append(ev)
        r.close()
        up = self.fake.last_request("/v1/chat/completions")
        want = fake_upstream.chat_stream_events(json.loads(up["body"]),
                                                int(r.header("x-request-id")[len("req_fake_"):]))
        got = [e for _, e in events]
        self.assertEqual(got[-1:], [b"data: [DONE]\n\n"],
                         "draining stream lost its end: got %d of %d events, chunked terminator %s"
                         % (len(got), len(want), "seen" if r.complete else "missing"))
        self.assertEqual(got, want)
        self.assertTrue(r.complete, "chunked terminator missing: stream closed instead of finished")
        t0 = time.monotonic()
        rc = gw.wait(5)
        self.assertIsNotNone(rc, "gateway did not exit within 5 s after its last stream ended")
        self.assertEqual(rc, 0, gw.stderr_tail())
        self.assertLess(time.monotonic() - t0, 5)
        self.assertIsNone(gw.sanitizer_report())

    def test_sigterm_idle_exits_fast(self):
        gw = self._start(config())
        self.assertEqual(gw.chat(chat_body()).status, 200)
        t0 = time.monotonic()
        problems = gw.stop(timeout=5)
        self.assertFalse(problems, "\n".join(problems))
        self.assertLess(time.monotonic() - t0, 2.0, "idle gateway took long to stop")

    def test_drain_deadline(self):
        gw = self._start(config().replace("drain_ms: 30000", "drain_ms: 1000"))
        r = gw.chat(chat_body(model="fault-hang-stream", stream=True), read_body=False)
        self.assertEqual(r.status, 200)
        next(r.iter_events())
        t0 = time.monotonic()
        gw.signal(signal.SIGTERM)
        rc = gw.wait(4)
        self.assertIsNotNone(rc, "gateway ignored drain_ms 1000 with a stream open")
        self.assertEqual(rc, 0, gw.stderr_tail())
        self.assertLess(time.monotonic() - t0, 3.0)
        self.assertIsNone(gw.sanitizer_report())
        r.close()

    def test_sigpipe_ignored(self):
        gw = self._start(config())
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", gw.port))
            body = chat_body(model="fault-big", stream=True)
            s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                      + GW_KEY.encode() + b"\r\nContent-Type: application/json\r\n"
                      + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            s.recv(100)
            s.close()
        time.sleep(0.5)
        self.assertTrue(gw.alive(), "gateway died (SIGPIPE?)")
        problems = gw.stop()
        self.assertFalse(problems, "\n".join(problems))
