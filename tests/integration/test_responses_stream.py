"""POST /v1/responses over a chat upstream: reasoning, refusal, finish_reason length,
llama.cpp-style usage, and broken upstream streams (cut, malformed, in-stream error, silence):
the client always gets response.failed then [DONE], never a hang. Helpers: test_responses.py."""

import json
import threading
import time

from common import fake_upstream
from test_responses import ResponsesCase, message_text, responses_config, vr

REASONING = fake_upstream.REASONING_TEXT
REFUSAL = fake_upstream.REFUSAL_TEXT


def text_block(n_deltas):
    return (["response.output_item.added", "response.content_part.added"] +
            ["response.output_text.delta"] * n_deltas +
            ["response.output_text.done", "response.content_part.done", "response.output_item.done"])


def reasoning_block(n_deltas):
    return (["response.output_item.added", "response.content_part.added"] +
            ["response.reasoning_text.delta"] * n_deltas +
            ["response.reasoning_text.done", "response.content_part.done", "response.output_item.done"])


START = ["response.created", "response.in_progress"]


class ResponsesChannels(ResponsesCase):

    def _reasoning(self, model):
        body = {"model": model, "input": "hi", "reasoning": {"effort": "medium"}}
        obj, events = self.both(body)
        reqs = [json.loads(q["body"]) for q in self.fake.requests()]
        self.assertEqual(reqs[0], {"model": model, "messages": [{"role": "user", "content": "hi"}],
                                   "reasoning_effort": "medium"})
        rtoks = fake_upstream.split_tokens(REASONING)
        ttoks = fake_upstream.split_tokens("Hello! You said: hi")
        self.assertEqual(len(obj["output"]), 2)
        rs, msg = obj["output"]
        self.assertRegex(rs["id"], r"^rs_")
        self.assertEqual({k: v for k, v in rs.items() if k != "id"},
                         {"type": "reasoning", "status": "completed", "summary": [],
                          "content": [{"type": "reasoning_text", "text": REASONING}]})
        self.assertNotIn("encrypted_content", rs)
        self.assertEqual(msg["type"], "message")
        self.assertEqual(message_text(obj), "Hello! You said: hi")
        self.assertEqual(obj["usage"]["output_tokens_details"], {"reasoning_tokens": len(rtoks)})
        self.assertEqual(obj["usage"]["input_tokens_details"], {"cached_tokens": 2, "cache_write_tokens": 0})
        self.assertEqual(obj["usage"]["output_tokens"], len(rtoks) + len(ttoks))
        self.assertEqual(self.types(events), START + reasoning_block(len(rtoks)) + text_block(len(ttoks)) +
                         ["response.completed"])
        self.assertEqual([e["delta"] for e in events if e["type"] == "response.reasoning_text.delta"], rtoks)
        part_added = events[3]
        self.assertEqual(part_added["part"], {"type": "reasoning_text", "text": ""})
        self.assertEqual(events[2]["item"]["summary"], [])
        rdone = [e for e in events if e["type"] == "response.reasoning_text.done"][0]
        self.assertEqual((rdone["text"], rdone["output_index"], rdone["content_index"]), (REASONING, 0, 0))
        self.assertEqual({e["output_index"] for e in events if e["type"] == "response.output_text.delta"}, {1})

    def test_reasoning_content(self):
        self._reasoning("reasoner")

    def test_reasoning_field(self):
        self._reasoning("reasoner-field")

    def test_refusal(self):
        obj, events = self.both({"model": "refuser", "input": "do something bad"})
        self.assertEqual(len(obj["output"]), 1)
        msg = obj["output"][0]
        self.assertEqual({k: v for k, v in msg.items() if k != "id"},
                         {"type": "message", "status": "completed", "role": "assistant",
                          "content": [{"type": "refusal", "refusal": REFUSAL}]})
        self.assertEqual(obj["status"], "completed")
        toks = fake_upstream.split_tokens(REFUSAL)
        self.assertEqual(self.types(events), START + [
            "response.output_item.added", "response.content_part.added"] + ["response.refusal.delta"] * len(toks) +
            ["response.refusal.done", "response.content_part.done", "response.output_item.done",
             "response.completed"])
        self.assertEqual(events[3]["part"], {"type": "refusal", "refusal": ""})
        self.assertEqual([e["delta"] for e in events if e["type"] == "response.refusal.delta"], toks)
        self.assertEqual([e["refusal"] for e in events if e["type"] == "response.refusal.done"], [REFUSAL])

    def test_length_is_incomplete(self):
        body = {"model": "length", "input": "hi", "max_output_tokens": 16}
        obj, events = self.both(body)
        self.assertEqual(json.loads(self.fake.requests()[0]["body"]),
                         {"model": "length", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 16})
        self.assertEqual(obj["status"], "incomplete")
        self.assertEqual(obj["incomplete_details"], {"reason": "max_output_tokens"})
        self.assertIsNone(obj["completed_at"])
        self.assertEqual(obj["output"][0]["status"], "incomplete")
        self.assertEqual(message_text(obj), "Hello! You said:")
        self.assertEqual(obj["max_output_tokens"], 16)
        self.assertIsNotNone(obj["usage"])
        self.assertEqual(self.types(events), START + text_block(3) + ["response.incomplete"])
        self.assertEqual(events[-2]["item"]["status"], "incomplete")

    def test_llamacpp_usage_on_last_chunk_without_done(self):
        obj, events = self.both({"model": "llamacpp", "input": "count me"})
        toks = fake_upstream.split_tokens("Hello! You said: count me")
        self.assertEqual(obj["status"], "completed")
        self.assertEqual(message_text(obj), "Hello! You said: count me")
        want = fake_upstream.usage_for({"messages": [{"role": "user", "content": "count me"}]}, len(toks))
        for got in (obj["usage"], events[-1]["response"]["usage"]):
            self.assertEqual(got, {"input_tokens": want["prompt_tokens"],
                                   "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                                   "output_tokens": len(toks), "output_tokens_details": {"reasoning_tokens": 0},
                                   "total_tokens": want["total_tokens"]})
        self.assertEqual(self.types(events), START + text_block(len(toks)) + ["response.completed"])

    def test_content_filter_is_incomplete(self):
        obj, events = self.both({"model": "content-filter", "input": "hi"})
        self.assertEqual((obj["status"], obj["incomplete_details"]), ("incomplete", {"reason": "content_filter"}))
        self.assertEqual(obj["output"][0]["status"], "incomplete")
        self.assertEqual(self.types(events), START + text_block(3) + ["response.incomplete"])

    def test_text_then_tool_call(self):
        """The model speaks first, then calls: message at output_index 0, function_call at 1
        (responses-api.md 9.4 (b))."""
        weather = {"type": "function", "name": "get_weather",
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
        obj, events = self.both({"model": "preamble", "input": "weather?", "tools": [weather]})
        self.assertEqual([it["type"] for it in obj["output"]], ["message", "function_call"])
        self.assertEqual(message_text(obj), fake_upstream.PREAMBLE_TEXT)
        self.assertEqual(obj["output"][1]["arguments"], '{"city":"Paris"}')
        toks = fake_upstream.split_tokens(fake_upstream.PREAMBLE_TEXT)
        frags = fake_upstream.arg_fragments('{"city":"Paris"}')
        self.assertEqual(self.types(events), START + text_block(len(toks)) + [
            "response.output_item.added"] + ["response.function_call_arguments.delta"] * len(frags) +
            ["response.function_call_arguments.done", "response.output_item.done", "response.completed"])

    def test_empty_output_is_one_empty_message(self):
        obj, events = self.both({"model": "empty", "input": "hi"})
        self.assertEqual(obj["status"], "completed")
        self.assertEqual([{k: v for k, v in it.items() if k != "id"} for it in obj["output"]],
                         [{"type": "message", "status": "completed", "role": "assistant",
                           "content": [{"type": "output_text", "text": "", "annotations": [], "logprobs": []}]}])
        self.assertEqual(self.types(events), START + text_block(0) + ["response.completed"])

    def test_unicode_and_escapes(self):
        text = 'caf\u00e9 \U0001F600 "quoted" back\\slash tab\tnew\nline \u2028 <&>'
        obj, events = self.both({"model": "gpt-test", "input": text})
        want = "Hello! You said: " + text
        self.assertEqual(message_text(obj), want)
        self.assertEqual("".join(e["delta"] for e in events if e["type"] == "response.output_text.delta"), want)
        self.assertEqual(json.loads(self.fake.requests()[0]["body"])["messages"], [{"role": "user", "content": text}])

    def test_events_are_relayed_as_they_arrive(self):
        """fault-slow sends its chunks 300 ms apart: the translated events must follow them, not
        arrive in one batch at the end."""
        r = self.post({"model": "slow", "input": "", "stream": True}, read_body=False)
        self.assertEqual(r.status, 200)
        arrivals = []
        raw = b""
        for t, ev in r.iter_events():
            raw += ev
            typ = ev.split(b"\n", 1)[0][len(b"event: "):].decode() if ev.startswith(b"event: ") else ev.decode()
            arrivals.append((t - r.t_sent, typ.strip()))
        r.close()
        vr.check_stream(raw)
        at = {typ: t for t, typ in reversed(arrivals)}
        self.assertLess(at["response.created"], 0.5, arrivals)
        self.assertGreater(at["response.output_text.delta"] - at["response.created"], 0.2, arrivals)
        self.assertGreater(at["response.completed"] - at["response.output_text.delta"], 0.4, arrivals)

    def test_client_disconnect_cancels_upstream(self):
        before = self.fake.stats()["disconnects"]
        r = self.post({"model": "slow", "input": "one two three four five six seven", "stream": True},
                      read_body=False)
        self.assertEqual(r.status, 200)
        it = r.iter_events()
        for _, ev in it:
            if b"response.output_text.delta" in ev:
                break
        r.sock.close()
        got = self.fake.wait_stat("disconnects", before + 1, 1.5)
        self.assertGreaterEqual(got, before + 1, "upstream transfer not cancelled within 1.5 s of the client leaving")

    def test_no_usage_from_upstream_is_null(self):
        """An upstream that reports no usage: `usage: null`, never invented numbers (3.4, 7 #24)."""
        obj, events = self.both({"model": "usage-absent", "input": "hi"})
        self.assertIsNone(obj["usage"])
        self.assertEqual(obj["status"], "completed")
        self.assertEqual(message_text(obj), "Hello! You said: hi")

    def test_tool_call_without_id_gets_one(self):
        """Upstream tool calls without an id get a synthesized call_… id (mapping.md 2.4, 7 #25)
        that a follow-up function_call_output can answer."""
        weather = {"type": "function", "name": "get_weather",
                   "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}
        body = {"model": "tool-noid", "input": [{"role": "user", "content": "w?"}], "tools": [weather]}
        obj, events = self.both(body)
        call = obj["output"][0]
        self.assertEqual((call["type"], call["name"], call["arguments"]), ("function_call", "get_weather",
                                                                           '{"city":"Paris"}'))
        self.assertRegex(call["call_id"], r"^call_[A-Za-z0-9]{8,}$")
        streamed = events[-1]["response"]["output"][0]["call_id"]
        self.assertRegex(streamed, r"^call_[A-Za-z0-9]{8,}$")
        self.assertEqual(events[2]["item"]["call_id"], streamed)
        self.fake.reset()
        follow = dict(body, input=body["input"] + [call, {"type": "function_call_output", "call_id": call["call_id"],
                                                          "output": "sunny"}])
        _, obj2 = self.create(follow)
        self.assertEqual(message_text(obj2), "The tool returned: sunny")
        msgs = self.upstream()["messages"]
        self.assertEqual(msgs[1]["tool_calls"][0]["id"], call["call_id"])
        self.assertEqual(msgs[2], {"role": "tool", "tool_call_id": call["call_id"], "content": "sunny"})

    def test_one_large_delta(self):
        big = "x" * 300000
        obj, events = self.both({"model": "gpt-test", "input": big})
        self.assertEqual(message_text(obj), "Hello! You said: " + big)
        self.assertEqual([e["delta"] for e in events if e["type"] == "response.output_text.delta"][-1], " " + big)

    def test_concurrent_streams_do_not_mix(self):
        results, errors = {}, []

        def run(i):
            try:
                body = json.dumps({"model": "gpt-test", "input": "client %d" % i, "stream": True})
                r = self.gw.request("POST", "/v1/responses", body, timeout=20, read_body=True)
                events = vr.check_stream(r.body)
                results[i] = events
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append((i, repr(e)))
        threads = [threading.Thread(target=run, args=(i,)) for i in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(sorted(results), list(range(12)))
        ids = set()
        for i, events in results.items():
            resp = events[-1]["response"]
            self.assertEqual(message_text(resp), "Hello! You said: client %d" % i)
            ids.add(resp["id"])
            ids.add(resp["output"][0]["id"])
        self.assertEqual(len(ids), 24, "response/item ids must be unique across concurrent responses")

    def test_access_log_for_translated_stream(self):
        r, _, events = self.stream({"model": "gpt-test", "input": "log me"})
        entry = self.access_entry(r)
        self.assertEqual(entry.get("path"), "/v1/responses", entry)
        self.assertEqual(entry.get("status"), 200, entry)
        self.assertEqual(entry.get("model"), "gpt-test", entry)
        usage = events[-1]["response"]["usage"]
        self.assertEqual((entry.get("prompt_tokens"), entry.get("completion_tokens")),
                         (usage["input_tokens"], usage["output_tokens"]), entry)


class ResponsesHeartbeat(ResponsesCase):
    """A silent upstream (fault-silent-then: 1 chunk, 2.5 s silence, the rest): the translated
    stream carries SSE comment heartbeats, which both parsers ignore (responses-api.md 9.1)."""

    @classmethod
    def make_config(cls):
        return responses_config().replace("heartbeat_ms: 15000", "heartbeat_ms: 400")

    def test_heartbeats_are_comment_frames(self):
        r, raw, events = self.stream({"model": "fault-silent-then", "input": "hi"})
        self.assertEqual(self.types(events), START + text_block(4) + ["response.completed"])
        frames = raw.decode().split("\n\n")
        comments = [f for f in frames if f.startswith(":")]
        self.assertGreaterEqual(len(comments), 3, frames[:6])
        for c in comments:
            self.assertTrue(all(line.startswith(":") for line in c.split("\n")), c)


class ResponsesBrokenUpstream(ResponsesCase):
    """Faults after the 200: response.failed (error.code server_error) then [DONE]. Faults
    before it: a plain HTTP error envelope (responses-api.md 8, 9.4 (f))."""

    @classmethod
    def make_config(cls):
        base = responses_config()
        # short timeouts for the silence cases (the class's own gateway)
        return base.replace("timeouts: { connect_ms: 2000, first_byte_ms: 5000, idle_ms: 5000 }",
                            "timeouts: { connect_ms: 2000, first_byte_ms: 700, idle_ms: 700 }")

    def _failed(self, model, want_deltas, text="hi"):
        t0 = time.monotonic()
        r, raw, events = self.stream({"model": model, "input": text})
        self.assertLess(time.monotonic() - t0, 5, "the stream took too long to fail")
        self.assertEqual(events[-1]["type"], "response.failed", self.types(events))
        resp = events[-1]["response"]
        self.assertEqual(resp["status"], "failed")
        self.assertEqual(resp["error"]["code"], "server_error")
        self.assertTrue(resp["error"]["message"])
        self.assertIsNone(resp["completed_at"])
        self.assertEqual([e["delta"] for e in events if e["type"] == "response.output_text.delta"], want_deltas)
        self.assertTrue(raw.endswith(b"\n\ndata: [DONE]\n\n"), raw[-200:])
        if want_deltas:
            # the open message is closed as incomplete and kept (responses-api.md 9.4 (f))
            self.assertEqual(self.types(events), START + text_block(len(want_deltas)) + ["response.failed"])
            self.assertEqual([it["status"] for it in resp["output"]], ["incomplete"])
            self.assertEqual(message_text(resp), "".join(want_deltas))
        else:
            self.assertEqual(self.types(events), START + ["response.failed"])
            self.assertEqual(resp["output"], [])
        return resp

    def test_cut_mid_stream(self):
        self._failed("fault-cut", ["Hello!", " You"])

    def test_malformed_chunk(self):
        self._failed("fault-malformed", ["Hello!"])

    def test_garbage_line(self):
        self._failed("fault-garbage", ["Hello!"])

    def test_in_stream_error_object(self):
        resp = self._failed("fault-stream-error", ["Hello!", " You"])
        self.assertIn("overloaded", resp["error"]["message"])

    def test_silence_after_first_chunk(self):
        self._failed("fault-hang-stream", [])

    def test_errors_before_the_stream_are_http_errors(self):
        for model, status in (("fault-hang", 504), ("dead", 502)):
            for stream in (False, True):
                with self.subTest(model=model, stream=stream):
                    r = self.post({"model": model, "input": "hi", "stream": stream}, timeout=10)
                    self.assertErrorEnvelope(r, status)

    def test_nonstream_broken_upstream_is_502(self):
        for model in ("fault-cut", "fault-malformed", "fault-stream-error"):
            with self.subTest(model=model):
                r = self.post({"model": model, "input": "hi"})
                err = self.assertErrorEnvelope(r, 502)
                self.assertNotIn(b'"object":"response"', r.body)
                if model == "fault-stream-error":
                    self.assertIn("overloaded", err["message"])

    def test_gateway_survives_and_serves_after_faults(self):
        self._failed("fault-cut", ["Hello!", " You"])
        _, obj = self.create({"model": "gpt-test", "input": "still alive"})
        self.assertEqual(message_text(obj), "Hello! You said: still alive")


if __name__ == "__main__":
    import unittest
    unittest.main()
