#!/usr/bin/python3
"""Checker for Responses API output (final Response objects and SSE streams).

Two layers:
  (a) JSON Schema: every Response object and every streamed event is validated against
      the Open Responses OpenAPI document (openresponses-openapi.json), resolving
      #/components/schemas refs. An event's schema is found by its `type`: the document
      names them <Something>StreamingEvent with a one-value `type` enum.
  (b) A state machine over a raw SSE body (responses-api.md §9): framing, `event:` equal
      to data.type, sequence_number 0,1,2,..., lifecycle order, items added/closed one at a
      time with output_index 0,1,2,..., parts with content_index 0,1,..., deltas only into
      the open item/part of the right kind, *.done texts equal the concatenated deltas,
      the terminal event last carrying exactly the items closed by output_item.done, then
      `data: [DONE]`.

Deviations from the raw document (each one documented in responses-api.md):
  * `response.reasoning_text.delta/.done` (the SDK's names, the gateway default) are
    validated with the schemas of `response.reasoning.delta/.done` (the [OR] names).
  * JsonSchemaResponseFormat.schema is typed `null` in this [OR] revision (a spec bug,
    §5.1); an object is accepted too.
  * reasoning.effort also accepts the SDK values `minimal` and `max`: the gateway echoes
    what the client asked (§5.2, §14).

Use as a module:
    import validate_responses as vr
    vr.check_object(obj)            # raises vr.CheckError
    events = vr.check_stream(body)  # body: str or bytes; returns the parsed events
Or from the shell:
    validate_responses.py --stream FILE [--stream FILE ...] [--object FILE ...]
exit status 0 when everything passes, 1 with a message naming the problem otherwise.
The spec is $SY_SPEC_DIR/openresponses-openapi.json, else the copy in tests/fixtures/openresponses.
"""

import copy
import json
import os
import sys
from pathlib import Path

import jsonschema

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_FILE = "openresponses-openapi.json"

LIFECYCLE = {"response.created", "response.queued", "response.in_progress"}
TERMINAL = {"response.completed": "completed", "response.incomplete": "incomplete", "response.failed": "failed"}
REASONING_ALIASES = {
    "response.reasoning_text.delta": "response.reasoning.delta",
    "response.reasoning_text.done": "response.reasoning.done",
}


class CheckError(AssertionError):
    """A validation failure; str() says what and where."""


def spec_path(directory=None):
    """The OpenAPI document: <dir>/openresponses-openapi.json when a folder is given (or
    $SY_SPEC_DIR is set), else the copy shipped in tests/fixtures/openresponses."""
    directory = directory or os.environ.get("SY_SPEC_DIR")
    if directory:
        return Path(directory) / SPEC_FILE
    return REPO_ROOT / "tests" / "fixtures" / "openresponses" / "openapi.json"


class _Schemas:
    def __init__(self, directory=None):
        path = spec_path(directory)
        try:
            doc = json.loads(path.read_text())
        except OSError as exc:
            raise CheckError(f"cannot read the Open Responses spec at {path}: {exc} (set SY_SPEC_DIR)")
        doc = copy.deepcopy(doc)
        schemas = doc["components"]["schemas"]
        fmt = schemas.get("JsonSchemaResponseFormat", {}).get("properties", {})
        if "schema" in fmt:
            fmt["schema"] = {"anyOf": [{"type": "object"}, {"type": "null"}]}
        effort = schemas.get("ReasoningEffortEnum", {})
        if isinstance(effort.get("enum"), list):
            effort["enum"] = effort["enum"] + [v for v in ("minimal", "max") if v not in effort["enum"]]
        self.doc = doc
        self.resolver = jsonschema.RefResolver("", doc)
        self.validators = {}
        self.event_schema = {}
        for name, schema in schemas.items():
            if not name.endswith("StreamingEvent"):
                continue
            enum = schema.get("properties", {}).get("type", {}).get("enum")
            if isinstance(enum, list) and len(enum) == 1:
                self.event_schema[enum[0]] = name

    def validator(self, name):
        if name not in self.validators:
            ref = {"$ref": "#/components/schemas/" + name}
            self.validators[name] = jsonschema.Draft202012Validator(ref, resolver=self.resolver)
        return self.validators[name]

    def validate(self, name, value, where):
        errors = sorted(self.validator(name).iter_errors(value), key=lambda e: list(e.absolute_path))
        if errors:
            err = errors[0]
            path = "/".join(str(p) for p in err.absolute_path) or "(root)"
            raise CheckError(f"{where}: schema {name}: at {path}: {err.message}")


_cache = {}


def _schemas(directory=None):
    key = str(spec_path(directory))
    if key not in _cache:
        _cache[key] = _Schemas(directory)
    return _cache[key]


def _fail(where, msg):
    raise CheckError(f"{where}: {msg}")


# ---------------------------------------------------------------- objects


def check_object(obj, directory=None, where="response"):
    """Validate a final (or snapshot) Response object: schema plus status consistency."""
    if not isinstance(obj, dict):
        _fail(where, "not a JSON object")
    _schemas(directory).validate("ResponseResource", obj, where)
    status = obj.get("status")
    if status not in ("queued", "in_progress", "completed", "incomplete", "failed", "cancelled"):
        _fail(where, f"unknown status {status!r}")
    if (obj.get("incomplete_details") is not None) != (status == "incomplete"):
        _fail(where, f"incomplete_details must be set exactly when status is incomplete (status {status!r})")
    if (obj.get("error") is not None) != (status == "failed"):
        _fail(where, f"error must be set exactly when status is failed (status {status!r})")
    if status == "completed" and not isinstance(obj.get("completed_at"), int):
        _fail(where, "completed response without an integer completed_at")
    if status != "completed" and obj.get("completed_at") is not None:
        _fail(where, f"completed_at must be null while status is {status!r}")
    output = obj.get("output", [])
    for i, item in enumerate(output):
        _check_item_extra(item, f"{where}.output[{i}]")
        if item.get("status") == "incomplete" and i != len(output) - 1:
            _fail(where, f"output[{i}] is incomplete but is not the last item")
        if item.get("status") == "incomplete" and status not in ("incomplete", "failed", "cancelled"):
            _fail(where, f"output[{i}] is incomplete in a {status!r} response")
    if status in ("queued", "in_progress") and obj.get("usage") is not None:
        _fail(where, "usage must be null before the response finishes")
    return obj


def _check_item_extra(item, where):
    """Fields the SDK needs that the schema leaves optional."""
    if "status" not in item:
        _fail(where, "item without status")
    if item.get("type") == "message":
        for j, part in enumerate(item.get("content", [])):
            if part.get("type") == "output_text" and not isinstance(part.get("logprobs"), list):
                _fail(f"{where}.content[{j}]", "output_text part without a logprobs array")


def check_event(ev, directory=None, where="event"):
    """Validate one streamed event against the schema for its type."""
    if not isinstance(ev, dict) or not isinstance(ev.get("type"), str):
        _fail(where, "event without a string type")
    schemas = _schemas(directory)
    etype = ev["type"]
    alias = REASONING_ALIASES.get(etype)
    name = schemas.event_schema.get(alias or etype)
    if not name:
        _fail(where, f"event type {etype!r} has no schema in the Open Responses spec")
    schemas.validate(name, dict(ev, type=alias) if alias else ev, where)
    if etype in ("response.output_text.delta", "response.output_text.done") and not isinstance(
        ev.get("logprobs"), list
    ):
        _fail(where, f"{etype} without a logprobs array (required by the SDK)")
    if etype == "response.function_call_arguments.done" and not isinstance(ev.get("name"), str):
        _fail(where, "function_call_arguments.done without name (required by the SDK)")
    if "response" in ev:
        check_object(ev["response"], directory, where + ".response")


# ---------------------------------------------------------------- SSE framing


def parse_sse(body):
    """Split an SSE body into frames: list of (event_name or None, data, frame_index)."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CheckError(f"stream is not UTF-8: {exc}")
    if "\r" in body:
        raise CheckError("stream uses CR line ends; the gateway writes LF only")
    if not body.endswith("\n\n"):
        raise CheckError("stream does not end with a blank line (last frame unterminated)")
    frames = []
    for idx, block in enumerate(body[:-2].split("\n\n")):
        event, data = None, []
        for line in block.split("\n"):
            if line.startswith(":"):
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                if event is not None:
                    _fail(f"frame {idx}", "two event: lines")
                event = value
            elif field == "data":
                data.append(value)
            elif field == "":
                _fail(f"frame {idx}", "empty line inside a frame (stray blank line?)")
            else:
                _fail(f"frame {idx}", f"unexpected field {field!r} (no id:/retry: lines expected)")
        if not data and event is None:
            continue  # comment-only frame (heartbeat)
        if len(data) != 1:
            _fail(f"frame {idx}", f"expected exactly one data: line, got {len(data)}")
        frames.append((event, data[0], idx))
    return frames


# ---------------------------------------------------------------- state machine


class _Machine:
    def __init__(self, directory):
        self.dir = directory
        self.seq = 0
        self.phase = "start"  # start → lifecycle → items → done
        self.resp_id = None
        self.background = False
        self.items = []  # final items from output_item.done
        self.open = None  # dict: index, item, parts(list), part(open dict or None), args
        self.terminal = None

    def run(self, frames):
        events = []
        if not frames:
            raise CheckError("empty stream")
        if frames[-1][0] is not None or frames[-1][1] != "[DONE]":
            raise CheckError("stream does not end with 'data: [DONE]'")
        for event, data, idx in frames[:-1]:
            where = f"frame {idx}"
            if data == "[DONE]":
                _fail(where, "data: [DONE] before the end of the stream")
            try:
                ev = json.loads(data)
            except ValueError as exc:
                _fail(where, f"data is not JSON: {exc}")
            where = f"frame {idx} ({ev.get('type') if isinstance(ev, dict) else '?'})"
            if event is None:
                _fail(where, "frame without an event: line")
            if not isinstance(ev, dict) or event != ev.get("type"):
                _fail(where, f"event: {event!r} does not equal data.type {ev.get('type')!r}")
            check_event(ev, self.dir, where)
            self.step(ev, where)
            events.append(ev)
        if self.terminal is None:
            raise CheckError("stream has no terminal event (response.completed/incomplete/failed)")
        return events

    def step(self, ev, where):
        if ev.get("sequence_number") != self.seq:
            _fail(where, f"sequence_number {ev.get('sequence_number')} but expected {self.seq}")
        self.seq += 1
        if self.terminal is not None:
            _fail(where, "event after the terminal event")
        etype = ev["type"]
        if etype in LIFECYCLE or etype in TERMINAL:
            self.lifecycle(ev, etype, where)
            return
        if self.phase != "items":
            _fail(where, "item event before response.in_progress")
        handler = {
            "response.output_item.added": self.item_added,
            "response.output_item.done": self.item_done,
            "response.content_part.added": self.part_added,
            "response.content_part.done": self.part_done,
            "response.function_call_arguments.delta": self.args_delta,
            "response.function_call_arguments.done": self.args_done,
        }.get(etype)
        if handler:
            handler(ev, where)
        elif etype.endswith(".delta") or etype.endswith(".done"):
            self.text_event(ev, etype, where)
        else:
            _fail(where, f"unexpected event type {etype!r}")

    def lifecycle(self, ev, etype, where):
        resp = ev["response"]
        if self.resp_id is None:
            if etype != "response.created":
                _fail(where, "the first event must be response.created")
            self.resp_id = resp.get("id")
            self.background = bool(resp.get("background"))
            want = "queued" if self.background else "in_progress"
            if resp.get("status") != want:
                _fail(where, f"response.created status {resp.get('status')!r}, expected {want!r}")
            self.phase = "lifecycle"
        elif resp.get("id") != self.resp_id:
            _fail(where, f"response id changed from {self.resp_id!r} to {resp.get('id')!r}")
        if etype == "response.created" and self.seq != 1:
            _fail(where, "response.created is not the first event")
        if etype == "response.queued" and (not self.background or self.phase != "lifecycle"):
            _fail(where, "response.queued outside a background run's start")
        if etype == "response.in_progress":
            if self.phase != "lifecycle":
                _fail(where, "response.in_progress after items started")
            if resp.get("status") != "in_progress":
                _fail(where, "response.in_progress with status " + repr(resp.get("status")))
            self.phase = "items"
        if etype in LIFECYCLE and (resp.get("output") != [] or resp.get("usage") is not None):
            _fail(where, f"{etype} snapshot must have output [] and usage null")
        if etype in TERMINAL:
            self.finish(ev, etype, resp, where)

    def finish(self, ev, etype, resp, where):
        if self.phase != "items":
            _fail(where, "terminal event before response.in_progress")
        if self.open is not None:
            _fail(where, f"terminal event while output item {self.open['index']} is still open")
        if resp.get("status") != TERMINAL[etype]:
            _fail(where, f"{etype} carries status {resp.get('status')!r}")
        if resp.get("output") != self.items:
            _fail(where, "response.output differs from the items closed by output_item.done")
        if etype != "response.failed" and not self.items:
            _fail(where, "completed/incomplete response with an empty output")
        self.terminal = ev

    # items ------------------------------------------------------------

    def item_added(self, ev, where):
        if self.open is not None:
            _fail(where, f"output_item.added while item {self.open['index']} is still open")
        if ev["output_index"] != len(self.items):
            _fail(where, f"output_index {ev['output_index']} but {len(self.items)} items were added before")
        item = ev["item"]
        if item.get("status") != "in_progress":
            _fail(where, "added item status is not in_progress")
        if item.get("type") == "message" and item.get("content") != []:
            _fail(where, "added message must have content []")
        if item.get("type") == "function_call" and (item.get("arguments") != "" or not isinstance(item.get("name"), str)):
            _fail(where, "added function_call must have arguments '' and a name")
        if any(i.get("id") == item.get("id") for i in self.items):
            _fail(where, f"item id {item.get('id')!r} reused")
        self.open = {"index": ev["output_index"], "item": item, "parts": [], "part": None, "args": []}

    def need_open(self, ev, where, with_content=True):
        o = self.open
        if o is None:
            _fail(where, "event for an item that is not open")
        if ev.get("output_index") != o["index"]:
            _fail(where, f"output_index {ev.get('output_index')} but the open item is {o['index']}")
        if "item_id" in ev and ev["item_id"] != o["item"]["id"]:
            _fail(where, f"item_id {ev['item_id']!r} but the open item is {o['item']['id']!r}")
        return o

    def item_done(self, ev, where):
        o = self.need_open(ev, where)
        if o["part"] is not None:
            _fail(where, "output_item.done while a content part is open")
        item = ev["item"]
        if item.get("id") != o["item"]["id"] or item.get("type") != o["item"]["type"]:
            _fail(where, "output_item.done item differs in id/type from the added one")
        if item.get("status") not in ("completed", "incomplete"):
            _fail(where, f"done item status {item.get('status')!r}")
        kind = item.get("type")
        if kind == "message" and item.get("content") != o["parts"]:
            _fail(where, "message content differs from the parts closed by content_part.done")
        if kind == "reasoning" and item.get("content", []) != o["parts"]:
            _fail(where, "reasoning content differs from the parts closed by content_part.done")
        if kind == "function_call":
            if not o.get("args_done"):
                _fail(where, "function_call closed without function_call_arguments.done")
            if item.get("arguments") != "".join(o["args"]) or item.get("name") != o["item"].get("name"):
                _fail(where, "function_call arguments/name differ from the streamed ones")
            if item.get("call_id") != o["item"].get("call_id"):
                _fail(where, "function_call call_id changed between added and done")
        self.items.append(item)
        self.open = None

    # parts ------------------------------------------------------------

    def part_added(self, ev, where):
        o = self.need_open(ev, where)
        if o["item"]["type"] not in ("message", "reasoning"):
            _fail(where, f"content part on a {o['item']['type']} item")
        if o["part"] is not None:
            _fail(where, "content_part.added while another part is open")
        if ev["content_index"] != len(o["parts"]):
            _fail(where, f"content_index {ev['content_index']} but {len(o['parts'])} parts were added before")
        part = ev["part"]
        allowed = ("output_text", "refusal") if o["item"]["type"] == "message" else ("reasoning_text",)
        if part.get("type") not in allowed:
            _fail(where, f"part type {part.get('type')!r} on a {o['item']['type']} item")
        if part.get(self.text_key(part)) != "":
            _fail(where, "added part must be empty")
        o["part"] = {"index": ev["content_index"], "type": part["type"], "deltas": [], "done": None}

    @staticmethod
    def text_key(part):
        return "refusal" if part.get("type") == "refusal" else "text"

    def part_done(self, ev, where):
        o = self.need_open(ev, where)
        p = o["part"]
        if p is None or ev["content_index"] != p["index"]:
            _fail(where, "content_part.done for a part that is not open")
        if p["done"] is None:
            _fail(where, f"content_part.done before the {p['type']} done event")
        part = ev["part"]
        if part.get("type") != p["type"] or part.get(self.text_key(part)) != p["done"]:
            _fail(where, "content_part.done part differs from the streamed text")
        if p["type"] == "output_text" and part.get("logprobs") != p.get("logprobs"):
            _fail(where, "content_part.done logprobs differ from output_text.done")
        o["parts"].append(part)
        o["part"] = None

    def text_event(self, ev, etype, where):
        kinds = {
            "response.output_text": ("output_text", "text"),
            "response.refusal": ("refusal", "refusal"),
            "response.reasoning_text": ("reasoning_text", "text"),
            "response.reasoning": ("reasoning_text", "text"),
        }
        stem, _, suffix = etype.rpartition(".")
        if stem not in kinds:
            _fail(where, f"unexpected event type {etype!r}")
        ptype, key = kinds[stem]
        o = self.need_open(ev, where)
        p = o["part"]
        if p is None or ev.get("content_index") != p["index"]:
            _fail(where, f"{etype} for content_index {ev.get('content_index')} which is not the open part")
        if p["type"] != ptype:
            _fail(where, f"{etype} into a {p['type']} part")
        if p["done"] is not None:
            _fail(where, f"{etype} after the part's done event")
        if suffix == "delta":
            p["deltas"].append(ev["delta"])
            if ptype == "output_text":
                p.setdefault("lp", []).extend(ev["logprobs"])
            return
        full = "".join(p["deltas"])
        if ev[key] != full:
            _fail(where, f"{etype} {key} {ev[key]!r} differs from the concatenated deltas {full!r}")
        p["done"] = ev[key]
        if ptype == "output_text":
            if ev["logprobs"] != p.get("lp", []):
                _fail(where, "output_text.done logprobs differ from the concatenated delta logprobs")
            p["logprobs"] = ev["logprobs"]

    # function calls ---------------------------------------------------

    def args_delta(self, ev, where):
        o = self.need_open(ev, where)
        if o["item"]["type"] != "function_call" or o.get("args_done"):
            _fail(where, "function_call_arguments.delta outside an open function_call")
        o["args"].append(ev["delta"])

    def args_done(self, ev, where):
        o = self.need_open(ev, where)
        if o["item"]["type"] != "function_call" or o.get("args_done"):
            _fail(where, "function_call_arguments.done outside an open function_call")
        if ev["arguments"] != "".join(o["args"]):
            _fail(where, "function_call_arguments.done arguments differ from the concatenated deltas")
        if ev.get("name") != o["item"].get("name"):
            _fail(where, "function_call_arguments.done name differs from the item's name")
        o["args_done"] = True


def check_stream(body, directory=None):
    """Validate a raw SSE body (str or bytes). Returns the parsed events (without [DONE])."""
    return _Machine(directory).run(parse_sse(body))


def terminal_response(events):
    """The `response` of the terminal event in a checked stream."""
    return events[-1]["response"]


# ---------------------------------------------------------------- CLI


def main(argv):
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stream", action="append", default=[], help="raw SSE body file")
    ap.add_argument("--object", action="append", default=[], help="Response object JSON file")
    ap.add_argument("--spec-dir", default=None, help="folder with openresponses-openapi.json")
    args = ap.parse_args(argv)
    if not args.stream and not args.object:
        ap.error("give --stream FILE and/or --object FILE")
    ok = True
    for path in args.stream:
        try:
            events = check_stream(Path(path).read_bytes(), args.spec_dir)
            print(f"OK {path}: {len(events)} events, terminal {events[-1]['type']}")
        except (CheckError, OSError) as exc:
            print(f"FAIL {path}: {exc}", file=sys.stderr)
            ok = False
    for path in args.object:
        try:
            obj = json.loads(Path(path).read_text())
            check_object(obj, args.spec_dir, path)
            print(f"OK {path}: status {obj.get('status')}")
        except (CheckError, OSError, ValueError) as exc:
            print(f"FAIL {path}: {exc}", file=sys.stderr)
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
