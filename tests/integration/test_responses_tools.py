"""POST /v1/responses over a chat upstream: function tools, tool_choice, tool loops and
parallel tool calls (sequential, interleaved, Ollama-style). Helpers: test_responses.py."""

import json

from common import fake_upstream
from test_responses import (NESTED_TIME, NESTED_WEATHER, STREAM_OPTS, TIME, UP, WEATHER, ResponsesCase,
                            message_text, vr)

USER = {"role": "user", "content": "weather in Paris?"}
UP_USER = {"role": "user", "content": "weather in Paris?"}
ARGS_PARIS = '{"city":"Paris"}'
ARGS_TZ_LONDON = '{"tz":"London"}'
ITEM_EVENTS = ("response.output_item.added", "response.output_item.done", "response.function_call_arguments.done",
               "response.output_text.done", "response.reasoning_text.done", "response.refusal.done")


def fc_item(call_id, name, args):
    return {"type": "function_call", "status": "completed", "call_id": call_id, "name": name, "arguments": args}


def strip_ids(items):
    return [{k: v for k, v in it.items() if k != "id"} for it in items]


class ResponsesTools(ResponsesCase):

    def _n(self, i=0):
        return self.fake.requests()[i]["n"]

    def item_skeleton(self, events):
        """[(type, output_index, item type)] of the item-level events, in order."""
        out = []
        for e in events:
            if e["type"] in ("response.output_item.added", "response.output_item.done"):
                out.append((e["type"].rsplit(".", 1)[1], e["output_index"], e["item"]["type"]))
        return out

    def args_deltas(self, events, output_index):
        return [e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta"
                and e["output_index"] == output_index]

    # -- one function call ------------------------------------------------------------------

    def test_function_tool_flat_to_nested_nonstream(self):
        ping = {"type": "function", "name": "ping"}
        body = {"model": "gpt-test", "input": [USER], "tools": [WEATHER, TIME, ping]}
        _, obj = self.create(body)
        self.assertUpstream({"model": UP, "messages": [UP_USER],
                             "tools": [NESTED_WEATHER, NESTED_TIME, {"type": "function", "function": {"name": "ping"}}]})
        n = self._n()
        self.assertEqual(len(obj["output"]), 1)
        self.assertRegex(obj["output"][0]["id"], r"^fc_")
        self.assertEqual(strip_ids(obj["output"]), [fc_item("call_fake_%d_0" % n, "get_weather", ARGS_PARIS)])
        self.assertNotEqual(obj["output"][0]["id"], obj["output"][0]["call_id"])
        # echo: flat, all five keys; strict defaults to true in the Responses API
        self.assertEqual(obj["tools"], [WEATHER, dict(TIME, strict=True),
                                        {"type": "function", "name": "ping", "description": None,
                                         "parameters": None, "strict": True}])
        self.assertEqual(obj["status"], "completed")

    def test_function_call_stream(self):
        body = {"model": "gpt-test", "input": [USER], "tools": [WEATHER]}
        want_up = {"model": UP, "messages": [UP_USER], "tools": [NESTED_WEATHER]}
        r, _, events = self.stream_and_upstream(body, want_up)
        n = self._n()
        frags = fake_upstream.arg_fragments(ARGS_PARIS)
        self.assertEqual(self.types(events),
                         ["response.created", "response.in_progress", "response.output_item.added"] +
                         ["response.function_call_arguments.delta"] * len(frags) +
                         ["response.function_call_arguments.done", "response.output_item.done",
                          "response.completed"])
        added = events[2]["item"]
        self.assertEqual({k: v for k, v in added.items() if k != "id"},
                         {"type": "function_call", "status": "in_progress", "call_id": "call_fake_%d_0" % n,
                          "name": "get_weather", "arguments": ""})
        self.assertEqual(self.args_deltas(events, 0), frags)
        done = [e for e in events if e["type"] == "response.function_call_arguments.done"][0]
        self.assertEqual((done["name"], done["arguments"], done["item_id"]), ("get_weather", ARGS_PARIS, added["id"]))
        self.assertEqual(strip_ids(events[-1]["response"]["output"]),
                         [fc_item("call_fake_%d_0" % n, "get_weather", ARGS_PARIS)])

    def test_function_call_stream_equals_nonstream(self):
        self.both({"model": "gpt-test", "input": [USER], "tools": [WEATHER, TIME], "tool_choice": "required",
                   "parallel_tool_calls": False})

    def test_tool_choice_forms(self):
        cases = [
            ("none", "none"),
            ("auto", "auto"),
            ("required", "required"),
            ({"type": "function", "name": "get_time"}, {"type": "function", "function": {"name": "get_time"}}),
        ]
        for tc, want_tc in cases:
            for stream in (False, True):
                with self.subTest(tool_choice=tc, stream=stream):
                    self.fake.reset()
                    body = {"model": "gpt-test", "input": [USER], "tools": [WEATHER, TIME], "tool_choice": tc,
                            "parallel_tool_calls": True}
                    want = {"model": UP, "messages": [UP_USER], "tools": [NESTED_WEATHER, NESTED_TIME],
                            "tool_choice": want_tc, "parallel_tool_calls": True}
                    if stream:
                        _, _, events = self.stream(body)
                        obj = vr.terminal_response(events)
                    else:
                        _, obj = self.create(body)
                    self.assertUpstream(want, stream=stream)
                    self.assertEqual(obj["tool_choice"], tc)
                    self.assertEqual(obj["parallel_tool_calls"], True)

    def test_tool_choice_allowed_tools(self):
        tc = {"type": "allowed_tools", "mode": "required", "tools": [{"type": "function", "name": "get_time"}]}
        body = {"model": "gpt-test", "input": [USER], "tools": [WEATHER, TIME], "tool_choice": tc}
        # generic (local servers): tools filtered to the allowed ones, tool_choice = mode (mapping 2.3, 7 #16)
        _, obj = self.create(body)
        self.assertUpstream({"model": UP, "messages": [UP_USER], "tools": [NESTED_TIME], "tool_choice": "required"})
        self.assertEqual(obj["tool_choice"], tc)
        self.assertEqual(obj["tools"], [WEATHER, dict(TIME, strict=True)])
        self.assertEqual(obj["output"][0]["name"], "get_time")
        # openai dialect: the nested allowed_tools form, every tool sent
        self.fake.reset()
        _, obj = self.create(dict(body, model="gpt-openai"))
        self.assertUpstream({"model": UP, "messages": [UP_USER], "tools": [NESTED_WEATHER, NESTED_TIME],
                             "tool_choice": {"type": "allowed_tools", "allowed_tools": {
                                 "mode": "required",
                                 "tools": [{"type": "function", "function": {"name": "get_time"}}]}}})
        self.assertEqual(obj["tool_choice"], tc)

    def test_tool_choice_without_tools_not_sent(self):
        _, obj = self.create({"model": "gpt-test", "input": "hi", "tool_choice": "none", "parallel_tool_calls": True})
        self.assertUpstream({"model": UP, "messages": [{"role": "user", "content": "hi"}]})
        self.assertEqual(obj["tool_choice"], "none")

    # -- tool loop ---------------------------------------------------------------------------

    def test_tool_loop(self):
        body = {"model": "gpt-test", "tools": [WEATHER], "input": [
            USER,
            {"type": "function_call", "call_id": "call_abc", "name": "get_weather", "arguments": ARGS_PARIS},
            {"type": "function_call_output", "call_id": "call_abc", "output": "18C and sunny"}]}
        want = {"model": UP, "tools": [NESTED_WEATHER], "messages": [
            UP_USER,
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_abc", "type": "function", "function": {"name": "get_weather", "arguments": ARGS_PARIS}}]},
            {"role": "tool", "tool_call_id": "call_abc", "content": "18C and sunny"}]}
        obj, events = self.both(body)
        reqs = [json.loads(q["body"]) for q in self.fake.requests()]
        self.assertEqual(reqs, [want, dict(want, **STREAM_OPTS)])
        self.assertEqual(message_text(obj), "The tool returned: 18C and sunny")
        self.assertTextStream(events, "The tool returned: 18C and sunny",
                              fake_upstream.split_tokens("The tool returned: 18C and sunny"))

    def test_tool_loop_parallel_calls_one_assistant_message(self):
        """An assistant message, two function_calls (a reasoning item and the output-item forms
        with id/status in between) and their outputs -> ONE assistant message with both
        tool_calls, then one tool message per output (mapping.md 2.2)."""
        body = {"model": "parallel", "tools": [WEATHER, TIME], "input": [
            USER,
            {"type": "reasoning", "id": "rs_prev", "summary": []},
            {"type": "message", "role": "assistant", "content": [
                {"type": "output_text", "text": "Checking both.", "annotations": []}]},
            {"type": "function_call", "id": "fc_1", "status": "completed", "call_id": "call_w",
             "name": "get_weather", "arguments": ARGS_PARIS},
            {"type": "reasoning", "id": "rs_prev2", "summary": [{"type": "summary_text", "text": "x"}]},
            {"type": "function_call", "call_id": "call_t", "name": "get_time", "arguments": ARGS_TZ_LONDON},
            {"type": "function_call_output", "call_id": "call_w", "output": "18C"},
            {"type": "function_call_output", "call_id": "call_t",
             "output": [{"type": "input_text", "text": "12:"}, {"type": "input_text", "text": "00"}]}]}
        want = {"model": "parallel", "tools": [NESTED_WEATHER, NESTED_TIME], "messages": [
            UP_USER,
            {"role": "assistant", "content": "Checking both.", "tool_calls": [
                {"id": "call_w", "type": "function", "function": {"name": "get_weather", "arguments": ARGS_PARIS}},
                {"id": "call_t", "type": "function", "function": {"name": "get_time", "arguments": ARGS_TZ_LONDON}}]},
            {"role": "tool", "tool_call_id": "call_w", "content": "18C"},
            {"role": "tool", "tool_call_id": "call_t", "content": "12:00"}]}
        obj, _ = self.both(body)
        reqs = [json.loads(q["body"]) for q in self.fake.requests()]
        self.assertEqual(reqs, [want, dict(want, **STREAM_OPTS)])
        self.assertEqual(message_text(obj), "The tools returned: 18C; 12:00")

    def test_tool_output_with_image_moves_to_user_message(self):
        """Images in a function_call_output cannot ride on a chat tool message: they follow as a
        user message and input[i].output is reported dropped (mapping.md 2.2, 7 #20); strict: 400."""
        img = "https://example.com/chart.png"
        body = {"model": "gpt-test", "tools": [WEATHER], "input": [
            USER,
            {"type": "function_call", "call_id": "call_img", "name": "get_weather", "arguments": ARGS_PARIS},
            {"type": "function_call_output", "call_id": "call_img", "output": [
                {"type": "input_text", "text": "see chart"}, {"type": "input_image", "image_url": img}]}]}
        r, obj = self.create(body)
        self.assertUpstream({"model": UP, "tools": [NESTED_WEATHER], "messages": [
            UP_USER,
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call_img", "type": "function", "function": {"name": "get_weather", "arguments": ARGS_PARIS}}]},
            {"role": "tool", "tool_call_id": "call_img", "content": "see chart"},
            {"role": "user", "content": [{"type": "image_url", "image_url": {"url": img}}]}]})
        self.assertEqual(r.header("x-switchyard-dropped"), "input[2].output")
        self.fake.reset()
        self.assertError(self.post(body, {"x-switchyard-strict": "1"}), 400, "input[2].output",
                               code="unsupported_parameter")
        self.assertNoUpstream()

    def test_unknown_call_id(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                body = {"model": "gpt-test", "stream": stream, "tools": [WEATHER], "input": [
                    USER,
                    {"type": "function_call", "call_id": "call_known", "name": "get_weather", "arguments": "{}"},
                    {"type": "function_call_output", "call_id": "call_known", "output": "ok"},
                    {"type": "function_call_output", "call_id": "call_missing_42", "output": "?"}]}
                err = self.assertError(self.post(body), 400, "input[3].call_id")
                self.assertIn("call_missing_42", err["message"])
        # an output before its call does not answer it
        body = {"model": "gpt-test", "input": [
            {"type": "function_call_output", "call_id": "call_late", "output": "x"},
            {"type": "function_call", "call_id": "call_late", "name": "get_weather", "arguments": "{}"}]}
        err = self.assertError(self.post(body), 400, "input[0].call_id")
        self.assertIn("call_late", err["message"])
        self.assertNoUpstream()

    # -- parallel tool calls -----------------------------------------------------------------

    def _parallel(self, model, finish_ok=True):
        body = {"model": model, "input": [USER], "tools": [WEATHER, TIME]}
        obj, events = self.both(body)
        ns = [q["n"] for q in self.fake.requests()]
        self.assertEqual(len(ns), 2)
        want_items = [fc_item("call_fake_%d_0" % ns[0], "get_weather", ARGS_PARIS),
                      fc_item("call_fake_%d_1" % ns[0], "get_time", ARGS_TZ_LONDON)]
        self.assertEqual(strip_ids(obj["output"]), want_items)
        self.assertEqual(obj["status"], "completed")
        ids = [it["id"] for it in obj["output"]]
        self.assertEqual(len(set(ids)), 2)
        # streamed: block (b) twice, strictly one item after the other
        self.assertEqual(self.item_skeleton(events), [("added", 0, "function_call"), ("done", 0, "function_call"),
                                                      ("added", 1, "function_call"), ("done", 1, "function_call")])
        final = events[-1]["response"]["output"]
        self.assertEqual([it["call_id"] for it in final], ["call_fake_%d_0" % ns[1], "call_fake_%d_1" % ns[1]])
        for oi, args in ((0, ARGS_PARIS), (1, ARGS_TZ_LONDON)):
            self.assertEqual("".join(self.args_deltas(events, oi)), args)
        return obj, events

    def test_parallel_sequential(self):
        _, events = self._parallel("parallel")
        # the first call streams live: its deltas are the upstream fragments
        self.assertEqual(self.args_deltas(events, 0), fake_upstream.arg_fragments(ARGS_PARIS))

    def test_parallel_interleaved(self):
        self._parallel("parallel-interleaved")

    def test_parallel_ollama_whole_calls_no_index_finish_stop(self):
        _, events = self._parallel("parallel-ollama")
        self.assertEqual(self.args_deltas(events, 0), [ARGS_PARIS])
        self.assertEqual(self.args_deltas(events, 1), [ARGS_TZ_LONDON])

    def test_parallel_tool_calls_false_forwarded(self):
        self.create({"model": "parallel-openai", "input": [USER], "tools": [WEATHER], "parallel_tool_calls": False})
        self.assertUpstream({"model": "parallel", "messages": [UP_USER], "tools": [NESTED_WEATHER],
                             "parallel_tool_calls": False})

    def test_reasoning_then_tool_call(self):
        body = {"model": "reasoner", "input": [USER], "tools": [WEATHER]}
        obj, events = self.both(body)
        self.assertEqual([it["type"] for it in obj["output"]], ["reasoning", "function_call"])
        self.assertEqual(obj["output"][0]["content"], [{"type": "reasoning_text", "text": fake_upstream.REASONING_TEXT}])
        self.assertEqual(obj["output"][1]["arguments"], ARGS_PARIS)
        self.assertEqual(self.item_skeleton(events), [("added", 0, "reasoning"), ("done", 0, "reasoning"),
                                                      ("added", 1, "function_call"), ("done", 1, "function_call")])


if __name__ == "__main__":
    import unittest
    unittest.main()
