#!/usr/bin/python3
"""Self-test of validate_responses.py: the golden streams pass, and each mutation that breaks a
rule of responses-api.md §9 is caught with a message naming the problem.
Run: /usr/bin/python3 tests/tools/test_validate_responses.py"""

import json
import sys
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import validate_responses as vr  # noqa: E402

ENCODE = HERE.parent / "fixtures" / "responses" / "encode"
TEXT = (ENCODE / "spec_text.sse").read_text()
CALL = (ENCODE / "spec_function_call.sse").read_text()
REASONING = (ENCODE / "reasoning_then_text.sse").read_text()
REFUSAL = (ENCODE / "text_refusal_text.sse").read_text()


def frames(body):
    return body[:-2].split("\n\n")


def join(blocks):
    return "\n\n".join(blocks) + "\n\n"


def renumber(blocks):
    """Rewrite sequence_number 0,1,2,... over frames (the final [DONE] frame is kept)."""
    out = []
    for i, b in enumerate(blocks[:-1]):
        head, data = b.split("\ndata: ", 1)
        ev = json.loads(data)
        ev["sequence_number"] = i
        out.append(head + "\ndata: " + json.dumps(ev, separators=(",", ":"), ensure_ascii=False))
    return join(out + blocks[-1:])


def edit_event(body, index, fn):
    """Apply fn to the JSON of frame `index` (keeping the event line in sync unless told)."""
    blocks = frames(body)
    head, data = blocks[index].split("\ndata: ", 1)
    ev = json.loads(data)
    fn(ev)
    blocks[index] = head + "\ndata: " + json.dumps(ev, separators=(",", ":"), ensure_ascii=False)
    return join(blocks)


class Goldens(unittest.TestCase):
    def test_all_goldens_pass(self):
        paths = sorted(ENCODE.glob("*.sse"))
        self.assertGreaterEqual(len(paths), 20)
        for path in paths:
            with self.subTest(path=path.name):
                events = vr.check_stream(path.read_bytes())
                vr.check_object(vr.terminal_response(events))

    def test_minimal_object_from_the_spec(self):
        obj = json.loads(frames(TEXT)[-2].split("data: ", 1)[1])["response"]
        vr.check_object(obj)


class Mutations(unittest.TestCase):
    def caught(self, body, fragment):
        with self.assertRaises(vr.CheckError) as cm:
            vr.check_stream(body)
        self.assertIn(fragment, str(cm.exception))

    def test_sequence_gap(self):
        self.caught(TEXT.replace('"sequence_number":5', '"sequence_number":6'), "sequence_number 6 but expected 5")

    def test_missing_done_marker(self):
        self.caught(TEXT.replace("data: [DONE]\n\n", ""), "does not end with 'data: [DONE]'")

    def test_event_line_mismatch(self):
        self.caught(TEXT.replace("event: response.output_text.delta", "event: response.text.delta", 1), "does not equal")

    def test_missing_event_line(self):
        self.caught(TEXT.replace("event: response.output_text.done\n", ""), "without an event: line")

    def test_wrong_output_index(self):
        self.caught(edit_event(TEXT, 2, lambda ev: ev.update(output_index=1)), "items were added before")

    def test_item_added_before_previous_done(self):
        blocks = frames(CALL)
        added = blocks[2]
        second = added.replace('"output_index":0', '"output_index":1').replace("fc_01", "fc_02")
        blocks.insert(4, second)
        self.caught(renumber(blocks), "still open")

    def test_delta_before_part_added(self):
        blocks = frames(TEXT)
        del blocks[3]
        self.caught(join(blocks), "sequence_number")
        self.caught(renumber(blocks), "not the open part")  # renumbered: the structural error

    def test_delta_without_logprobs(self):
        self.caught(TEXT.replace(',"delta":"Hello","logprobs":[]', ',"delta":"Hello"'), "logprobs array")

    def test_done_text_differs(self):
        self.caught(edit_event(TEXT, 6, lambda ev: ev.update(text="Hello there")), "differs from the concatenated deltas")

    def test_part_done_differs(self):
        self.caught(edit_event(TEXT, 7, lambda ev: ev["part"].update(text="x")), "differs from the streamed text")

    def test_item_done_content_differs(self):
        self.caught(edit_event(TEXT, 8, lambda ev: ev["item"].update(content=[])), "message content differs")

    def test_wrong_content_index(self):
        self.caught(edit_event(TEXT, 4, lambda ev: ev.update(content_index=1)), "not the open part")

    def test_refusal_delta_into_text_part(self):
        def mutate(ev):
            ev["type"] = "response.refusal.delta"
            del ev["logprobs"]

        blocks = frames(TEXT)
        body = edit_event(TEXT, 4, mutate).replace("event: response.output_text.delta", "event: response.refusal.delta", 1)
        self.assertNotEqual(body, join(blocks))
        self.caught(body, "into a output_text part")

    def test_function_call_done_without_name(self):
        self.caught(edit_event(CALL, 5, lambda ev: ev.pop("name")), "without name")

    def test_function_call_arguments_differ(self):
        self.caught(edit_event(CALL, 4, lambda ev: ev.update(delta="x")), "differ from the concatenated deltas")

    def test_terminal_output_differs(self):
        self.caught(edit_event(CALL, 7, lambda ev: ev["response"].update(output=[])), "differs from the items closed")

    def test_terminal_status_mismatch(self):
        self.caught(edit_event(TEXT, 9, lambda ev: ev["response"].update(status="incomplete")), "incomplete_details")

    def test_schema_missing_required(self):
        self.caught(TEXT.replace('"temperature":1,', ""), "'temperature' is a required property")

    def test_schema_wrong_type(self):
        self.caught(edit_event(TEXT, 2, lambda ev: ev["item"].update(status="done")), "schema")

    def test_unknown_event_type(self):
        self.caught(
            edit_event(TEXT, 4, lambda ev: ev.update(type="keepalive")).replace(
                "event: response.output_text.delta", "event: keepalive", 1
            ),
            "has no schema",
        )

    def test_id_line(self):
        self.caught(TEXT.replace("event: response.in_progress\n", "id: 1\nevent: response.in_progress\n"), "unexpected field 'id'")

    def test_two_data_lines(self):
        self.caught(TEXT.replace('data: {"type":"response.in_progress"', 'data: {}\ndata: {"type":"response.in_progress"'), "exactly one data")

    def test_event_after_terminal(self):
        blocks = frames(TEXT)
        extra = blocks[8].replace('"sequence_number":8', '"sequence_number":10')
        blocks.insert(10, extra)
        self.caught(join(blocks), "after the terminal event")

    def test_created_not_first(self):
        blocks = frames(TEXT)
        blocks[0], blocks[1] = blocks[1], blocks[0]
        body = join(blocks).replace('"type":"response.in_progress","sequence_number":1', '"type":"response.in_progress","sequence_number":0', 1)
        body = body.replace('"type":"response.created","sequence_number":0', '"type":"response.created","sequence_number":1', 1)
        self.caught(body, "must be response.created")

    def test_reasoning_delta_into_message(self):
        body = REASONING.replace('"content_index":0,"delta":"4"', '"content_index":0,"delta":"4"')
        vr.check_stream(body)
        blocks = frames(REASONING)
        idx = next(i for i, b in enumerate(blocks) if b.startswith("event: response.output_text.delta"))

        def mutate(ev):
            ev["type"] = "response.reasoning_text.delta"
            del ev["logprobs"]

        bad = edit_event(REASONING, idx, mutate).replace(
            "event: response.output_text.delta", "event: response.reasoning_text.delta", 1
        )
        self.caught(bad, "into a output_text part")

    def test_part_index_skips(self):
        blocks = frames(REFUSAL)
        idx = next(i for i, b in enumerate(blocks) if '"content_index":1,"part":{"type":"refusal","refusal":""}' in b)
        self.caught(edit_event(REFUSAL, idx, lambda ev: ev.update(content_index=2)), "parts were added before")


class Objects(unittest.TestCase):
    def obj(self):
        return json.loads(frames(TEXT)[-2].split("data: ", 1)[1])["response"]

    def test_failed_without_error(self):
        o = self.obj()
        o["status"] = "failed"
        o["completed_at"] = None
        with self.assertRaises(vr.CheckError):
            vr.check_object(o)

    def test_incomplete_item_not_last(self):
        o = self.obj()
        o["status"] = "incomplete"
        o["completed_at"] = None
        o["incomplete_details"] = {"reason": "max_output_tokens"}
        item = dict(o["output"][0], status="incomplete")
        o["output"] = [item, dict(item, id="msg_02", status="completed")]
        with self.assertRaises(vr.CheckError) as cm:
            vr.check_object(o)
        self.assertIn("not the last item", str(cm.exception))

    def test_usage_missing_detail(self):
        o = self.obj()
        del o["usage"]["input_tokens_details"]
        with self.assertRaises(vr.CheckError):
            vr.check_object(o)

    def test_cli_exit_status(self):
        import subprocess
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".sse", delete=False) as f:
            f.write(TEXT.replace('"sequence_number":3', '"sequence_number":4'))
        script = str(HERE / "validate_responses.py")
        bad = subprocess.run([sys.executable, script, "--stream", f.name], capture_output=True, text=True)
        good = subprocess.run([sys.executable, script, "--stream", str(ENCODE / "spec_text.sse")], capture_output=True, text=True)
        Path(f.name).unlink()
        self.assertEqual(bad.returncode, 1)
        self.assertIn("sequence_number 4 but expected 3", bad.stderr)
        self.assertEqual(good.returncode, 0, good.stderr)


if __name__ == "__main__":
    unittest.main()
