"""Stateful Responses over a chat-only upstream: stored responses (GET / DELETE / input_items),
store-before-completed, store:false, previous_response_id chains (instructions not inherited,
tool calls + outputs + reasoning replayed). Every class runs against SQLite AND PostgreSQL
(`...Sqlite` / `...Postgres`); the PostgreSQL variants need SWITCHYARD_TEST_PG_URL and fail
without it unless SWITCHYARD_TEST_PG_OPTIONAL=1 (then they skip). Each class gets a fresh SQLite
file or a fresh PostgreSQL database.

Siblings: test_stored_responses_ops.py (key isolation, anonymous owner, restart, TTL, size
limit, two gateways on one PostgreSQL) and test_conversations.py, which import StoreCase and
the helpers from here. Reference: spec/responses-api.md sections 1, 2, 11, 12 and
spec/mapping.md sections 2.1, 5.
"""

import json
import os
import shutil
import tempfile
import time
import unittest
import urllib.parse

from common import (GW_KEY, PG_OPTIONAL_ENV, PG_URL_ENV, fake_upstream, pg_create_database, pg_drop_database,
                    pg_optional, pg_url, sse_payloads)
from common import config as base_config
from test_responses import NESTED_WEATHER, WEATHER, ResponsesCase, message_text, vr

UP = "upstream-model"
REASONING = fake_upstream.REASONING_TEXT
# spec/responses-api.md sections 1 and 11: DELETE /v1/responses/{id} answers
# {"id":...,"object":"response.deleted","deleted":true}. (OpenAI's own examples have shown both
# "response" and "response.deleted"; the spec digest the gateway implements says the latter.)
DELETED_OBJECT = "response.deleted"
LIST_KEYS = {"object", "data", "first_id", "last_id", "has_more"}
ARGS_PARIS = '{"city":"Paris"}'


def dep(name, model):
    return ("  - model_name: %s\n    params: { provider: openai-chat, model: %s, api_base: @UPSTREAM@, "
            "api_key: os.environ/UP_KEY }\n" % (name, model))


def stateful_config(store, keys=True):
    """The standard config (two keys unless keys=False) + the `reasoner`, `parallel` and `length`
    fake models + a `store:` section from the dict `store` (strings JSON-quoted)."""
    text = base_config(keys=keys)
    for m in ("reasoner", "parallel", "length"):
        text += dep(m, m)
    text += "store:\n"
    for k, v in store.items():
        text += "  %s: %s\n" % (k, json.dumps(v) if isinstance(v, str) else v)
    return text


def flat(messages):
    """Chat messages with a user content of exactly one text part written as the plain string:
    a stored string input may be replayed either way (spec/mapping.md 2.2 keeps strings, while
    stored items are normalised to input_text parts, responses-api.md 11). Everything else is
    compared exactly."""
    out = []
    for m in messages:
        c = m.get("content") if isinstance(m, dict) else None
        if (m.get("role") == "user" and isinstance(c, list) and len(c) == 1 and isinstance(c[0], dict)
                and set(c[0]) == {"type", "text"} and c[0]["type"] == "text"):
            m = dict(m, content=c[0]["text"])
        out.append(m)
    return out


def user_item(text, id_=None):
    it = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    if id_:
        it["id"] = id_
    return it


def assistant_item(text):
    return {"type": "message", "role": "assistant",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}


def parts(item):
    """[(part type, text)] of a message item."""
    return [(p["type"], p.get("text", p.get("refusal"))) for p in item["content"]]


def strip_id(item):
    return {k: v for k, v in item.items() if k != "id"}


def unique_suffix():
    return "%x%s" % (int(time.time() * 1000), os.urandom(4).hex())


class StoreCase(ResponsesCase):
    """One fake upstream + one gateway with a fresh store per class. BACKEND is "sqlite" (a file
    in a class temp dir that outlives gateway restarts) or "postgres" (a fresh database on
    $SWITCHYARD_TEST_PG_URL, dropped at the end). KEY is the key the helpers send (None: no
    Authorization header); STORE_EXTRA adds store settings (ttl_s, max_response_bytes...)."""

    BACKEND = None
    KEYS = True
    KEY = GW_KEY
    STORE_EXTRA = {}

    @classmethod
    def setUpClass(cls):
        cls.backend_error = None
        cls.pg_db = cls.pg_db_url = None
        cls.store_dir = tempfile.mkdtemp(prefix="sy-store-")
        if cls.BACKEND == "postgres":
            url = pg_url()
            if not url:
                if pg_optional():
                    shutil.rmtree(cls.store_dir, ignore_errors=True)
                    raise unittest.SkipTest("%s unset and %s=1" % (PG_URL_ENV, PG_OPTIONAL_ENV))
                cls.backend_error = ("%s is not set: the PostgreSQL variants need a server (scripts/test.sh "
                                     "starts one; set %s=1 to skip them)" % (PG_URL_ENV, PG_OPTIONAL_ENV))
            else:
                try:
                    cls.pg_db, cls.pg_db_url = pg_create_database(url)
                except Exception as e:  # noqa: BLE001 - reported by every test of the class
                    cls.backend_error = "cannot create a test database: %s" % e
        elif cls.BACKEND != "sqlite":
            cls.backend_error = "StoreCase subclass without BACKEND"
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            if cls.pg_db:
                pg_drop_database(pg_url(), cls.pg_db)
            shutil.rmtree(cls.store_dir, ignore_errors=True)

    @classmethod
    def store_settings(cls):
        if cls.BACKEND == "postgres":
            s = {"kind": "postgres", "url": cls.pg_db_url}
        else:
            s = {"kind": "sqlite", "path": os.path.join(cls.store_dir, "switchyard.db")}
        s.update(cls.STORE_EXTRA)
        return s

    @classmethod
    def make_config(cls):
        if cls.backend_error:
            raise RuntimeError(cls.backend_error)
        return stateful_config(cls.store_settings(), keys=cls.KEYS)

    # -- requests (default key: KEY)
    def post(self, body, headers=None, timeout=20, read_body=True, key="__default__"):
        return super().post(body, headers, timeout=timeout, read_body=read_body,
                            key=self.KEY if key == "__default__" else key)

    def call(self, method, path, body=None, key="__default__", gw=None):
        g = gw or self.gw
        return g.request(method, path, body, key=self.KEY if key == "__default__" else key, timeout=20)

    def ok(self, r, status=200):
        self.assertEqual(r.status, status, r.body[:800])
        self.assertTrue((r.header("content-type") or "").startswith("application/json"), r.header("content-type"))
        return json.loads(r.body)

    def retrieve(self, rid, **kw):
        return self.call("GET", "/v1/responses/" + rid, **kw)

    def delete(self, rid, **kw):
        return self.call("DELETE", "/v1/responses/" + rid, **kw)

    def input_items(self, rid, query=None, **kw):
        q = ("?" + urllib.parse.urlencode(query)) if query else ""
        return self.call("GET", "/v1/responses/%s/input_items%s" % (rid, q), **kw)

    def stored(self, rid, **kw):
        """GET the response: 200, a valid Response object."""
        obj = self.ok(self.retrieve(rid, **kw))
        try:
            vr.check_object(obj)
        except vr.CheckError as e:
            self.fail("retrieved Response fails validate_responses: %s\n%s" % (e, json.dumps(obj)[:1500]))
        return obj

    def items_list(self, rid, query=None, **kw):
        obj = self.ok(self.input_items(rid, query, **kw))
        self.assertList(obj)
        return obj

    def all_input_items(self, rid, **kw):
        """Every input item in request order (order=asc, limit=100)."""
        obj = self.items_list(rid, {"order": "asc", "limit": 100}, **kw)
        self.assertFalse(obj["has_more"])
        return obj["data"]

    # -- assertions
    def assertList(self, obj):
        """The OpenAI list object: exactly object/data/first_id/last_id/has_more, items with
        unique string ids, first_id/last_id naming the first and last element of data."""
        self.assertEqual(set(obj), LIST_KEYS, obj)
        self.assertEqual(obj["object"], "list")
        self.assertIsInstance(obj["data"], list)
        self.assertIsInstance(obj["has_more"], bool)
        ids = [it.get("id") for it in obj["data"]]
        for i in ids:
            self.assertIsInstance(i, str, obj)
            self.assertTrue(i, obj)
        self.assertEqual(len(set(ids)), len(ids), "duplicate item ids: %r" % ids)
        if obj["data"]:
            self.assertEqual((obj["first_id"], obj["last_id"]), (ids[0], ids[-1]))

    def assertNotFound(self, r, the_id=None):
        err = self.assertErrorEnvelope(r, 404, type_="invalid_request_error")
        if the_id:
            self.assertIn(the_id, err["message"])
        return err

    def assertBadPrevious(self, r):
        """An unknown / deleted / store:false / foreign previous_response_id: 400 or 404 (the
        reference API: 400 previous_response_not_found), param previous_response_id."""
        self.assertIn(r.status, (400, 404), r.body[:500])
        return self.assertErrorEnvelope(r, r.status, type_="invalid_request_error", param="previous_response_id")

    def up_bodies(self):
        return [json.loads(q["body"]) for q in self.fake.requests() if q["path"] == "/v1/chat/completions"]

    def last_up(self):
        """The body of the latest upstream chat request, messages flattened (see flat())."""
        bodies = self.up_bodies()
        self.assertTrue(bodies, "no upstream chat request")
        b = dict(bodies[-1])
        b["messages"] = flat(b["messages"])
        return b

    def stream_completed_then_get(self, body, key="__default__"):
        """Streamed create; the moment `response.completed` has been read (before reading any
        further) GET the response on a second connection. Returns (completed response, the GET
        raw response, all events validated by validate_responses)."""
        r = self.post(dict(body, stream=True), read_body=False, key=key)
        self.assertEqual(r.status, 200, r.read_all()[:800] if r.status != 200 else "")
        raw = bytearray()
        completed = got = None
        deadline = time.monotonic() + 20
        for _, ev in r.iter_events():
            raw += ev
            if time.monotonic() > deadline:
                self.fail("stream did not end within 20 s")
            for kind, p in sse_payloads([ev]):
                if kind != "data" or p == "[DONE]":
                    continue
                e = json.loads(p)
                if e.get("type") == "response.completed" and got is None:
                    completed = e["response"]
                    got = self.retrieve(completed["id"], key=key)
        r.close()
        self.assertIsNotNone(completed, "no response.completed:\n%s" % bytes(raw).decode(errors="replace")[-1500:])
        try:
            events = vr.check_stream(bytes(raw))
        except vr.CheckError as e:
            self.fail("stream fails validate_responses: %s" % e)
        return completed, got, events


# =============================================================================================

class _StoreBasics:

    def test_stored_by_default_nonstream_get_equals_returned(self):
        body = {"model": "gpt-test", "input": "remember the number 7", "instructions": "Be brief.",
                "metadata": {"k": "v"}, "temperature": 0.5, "top_p": 0.9, "max_output_tokens": 64}
        _, obj = self.create(body)
        self.assertIs(obj["store"], True, "store defaults to true")
        got = self.stored(obj["id"])     # immediately: written before the answer was sent
        self.assertEqual(got, obj, "GET must return the stored Response as it was returned")
        self.assertEqual(got["status"], "completed")
        self.assertEqual(message_text(got), "Hello! You said: remember the number 7")

    def test_stored_before_stream_completed(self):
        for i in range(5):   # a write racing the terminal event would lose some of these
            body = {"model": "gpt-test", "input": "stream and store %d" % i, "metadata": {"run": str(i)}}
            completed, got, events = self.stream_completed_then_get(body)
            self.assertEqual(got.status, 200, "GET right after response.completed: %r" % got.body[:300])
            obj = json.loads(got.body)
            self.assertEqual(obj, completed, "GET must equal the response of response.completed")
            self.assertEqual(obj["status"], "completed")
            self.assertEqual(message_text(obj), "Hello! You said: stream and store %d" % i)
            self.assertEqual(events[0]["response"]["id"], obj["id"])
            self.assertIs(obj["store"], True)

    def test_stored_before_stream_completed_tool_call(self):
        completed, got, _ = self.stream_completed_then_get(
            {"model": "gpt-test", "input": "weather in Paris?", "tools": [WEATHER]})
        self.assertEqual(got.status, 200, got.body[:300])
        obj = json.loads(got.body)
        self.assertEqual(obj, completed)
        self.assertEqual([it["type"] for it in obj["output"]], ["function_call"])
        self.assertEqual(obj["output"][0]["arguments"], ARGS_PARIS)

    def test_incomplete_response_is_stored(self):
        _, obj = self.create({"model": "length", "input": "cut me short please"})
        self.assertEqual(obj["status"], "incomplete")
        self.assertEqual(self.stored(obj["id"]), obj)

    def test_store_explicit_true(self):
        _, obj = self.create({"model": "gpt-test", "input": "x", "store": True})
        self.assertEqual(self.stored(obj["id"]), obj)

    def test_store_false_nothing_retrievable(self):
        _, obj = self.create({"model": "gpt-test", "input": "forget me", "store": False})
        self.assertIs(obj["store"], False)
        rid = obj["id"]
        self.assertNotFound(self.retrieve(rid), rid)
        self.assertNotFound(self.input_items(rid), rid)
        self.assertNotFound(self.delete(rid), rid)
        self.fake.reset()
        self.assertBadPrevious(self.post({"model": "gpt-test", "input": "next", "previous_response_id": rid}))
        self.assertEqual(self.fake.requests(), [], "a refused previous_response_id must not reach the upstream")

    def test_store_false_stream_nothing_retrievable(self):
        _, _, events = self.stream({"model": "gpt-test", "input": "forget me too", "store": False})
        final = vr.terminal_response(events)
        self.assertIs(final["store"], False)
        self.assertNotFound(self.retrieve(final["id"]), final["id"])
        self.assertBadPrevious(self.post({"model": "gpt-test", "input": "n", "previous_response_id": final["id"],
                                          "stream": True}))

    def test_store_false_may_continue_a_stored_response(self):
        """spec/mapping.md 5: store:false is still allowed with previous_response_id."""
        _, first = self.create({"model": "gpt-test", "input": [user_item("U1")]})
        self.fake.reset()
        _, second = self.create({"model": "gpt-test", "input": "U2", "store": False,
                                 "previous_response_id": first["id"]})
        self.assertEqual(second["previous_response_id"], first["id"])
        self.assertEqual(self.last_up()["messages"], [
            {"role": "user", "content": "U1"}, {"role": "assistant", "content": "Hello! You said: U1"},
            {"role": "user", "content": "U2"}])
        self.assertNotFound(self.retrieve(second["id"]))
        self.assertEqual(self.stored(first["id"]), first)

    def test_unknown_ids_404(self):
        rid = "resp_" + "0" * 48
        for r in (self.retrieve(rid), self.delete(rid), self.input_items(rid)):
            self.assertNotFound(r, rid)
        self.assertNotFound(self.retrieve("resp_nope"), "resp_nope")
        self.assertEqual(self.fake.requests(), [], "lookups are the gateway's, never the upstream's")

    def test_delete(self):
        _, obj = self.create({"model": "gpt-test", "input": "delete me"})
        rid = obj["id"]
        self.assertEqual(self.ok(self.delete(rid)), {"id": rid, "object": DELETED_OBJECT, "deleted": True})
        self.assertNotFound(self.retrieve(rid), rid)
        self.assertNotFound(self.input_items(rid), rid)
        self.assertNotFound(self.delete(rid), rid)
        self.fake.reset()
        self.assertBadPrevious(self.post({"model": "gpt-test", "input": "n", "previous_response_id": rid}))
        self.assertEqual(self.fake.requests(), [])

    def test_delete_leaves_others(self):
        _, a = self.create({"model": "gpt-test", "input": "a"})
        _, b = self.create({"model": "gpt-test", "input": "b"})
        self.ok(self.delete(a["id"]))
        self.assertEqual(self.stored(b["id"]), b)
        self.assertEqual(len(self.all_input_items(b["id"])), 1)


class StoreBasicsSqlite(_StoreBasics, StoreCase):
    BACKEND = "sqlite"


class StoreBasicsPostgres(_StoreBasics, StoreCase):
    BACKEND = "postgres"


# =============================================================================================

class _InputItems:

    def test_string_input_is_one_user_message(self):
        _, obj = self.create({"model": "gpt-test", "input": "hello there", "instructions": "not an item"})
        lst = self.items_list(obj["id"])
        self.assertEqual(len(lst["data"]), 1, lst)
        it = lst["data"][0]
        self.assertRegex(it["id"], r"^msg_")
        self.assertEqual(strip_id(it), {"type": "message", "role": "user", "status": "completed",
                                        "content": [{"type": "input_text", "text": "hello there"}]})
        self.assertEqual((lst["first_id"], lst["last_id"], lst["has_more"]), (it["id"], it["id"], False))

    def test_item_shapes_and_ids(self):
        sfx = unique_suffix()
        inp = [
            {"role": "system", "content": "S"},
            {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "D"}]},
            {"role": "user", "content": "U1"},
            user_item("U2", id_="msg_client_" + sfx),
            assistant_item("A1"),
            {"type": "reasoning", "id": "rs_client_" + sfx, "summary": [{"type": "summary_text", "text": "thought"}]},
            {"type": "function_call", "call_id": "call_c1", "name": "get_weather", "arguments": ARGS_PARIS},
            {"type": "function_call_output", "call_id": "call_c1", "output": "18C"},
        ]
        _, obj = self.create({"model": "gpt-test", "input": inp, "tools": [WEATHER], "instructions": "I"})
        items = self.all_input_items(obj["id"])
        self.assertEqual([(it["type"], it.get("role")) for it in items], [
            ("message", "system"), ("message", "developer"), ("message", "user"), ("message", "user"),
            ("message", "assistant"), ("reasoning", None), ("function_call", None), ("function_call_output", None)])
        for it in items[:4]:
            self.assertEqual(it["status"], "completed", it)
            self.assertRegex(it["id"], r"^msg_")
        self.assertEqual([parts(it) for it in items[:4]], [
            [("input_text", "S")], [("input_text", "D")], [("input_text", "U1")], [("input_text", "U2")]])
        self.assertEqual(items[3]["id"], "msg_client_" + sfx, "a client-given item id is kept")
        self.assertEqual(parts(items[4]), [("output_text", "A1")])
        self.assertEqual(items[5]["id"], "rs_client_" + sfx)
        self.assertEqual(items[5]["summary"], [{"type": "summary_text", "text": "thought"}])
        fc, fco = items[6], items[7]
        self.assertEqual((fc["call_id"], fc["name"], fc["arguments"]), ("call_c1", "get_weather", ARGS_PARIS))
        self.assertEqual((fco["call_id"], fco["output"]), ("call_c1", "18C"))
        for it in (fc, fco):
            self.assertEqual(it["status"], "completed", it)
        # none of them is the instructions
        self.assertNotIn("I", [p[1] for it in items if it["type"] == "message" for p in parts(it)])

    def _five(self):
        _, obj = self.create({"model": "gpt-test", "input": [user_item("m%d" % i) for i in range(1, 6)]})
        asc = self.all_input_items(obj["id"])
        self.assertEqual([parts(it)[0][1] for it in asc], ["m1", "m2", "m3", "m4", "m5"])
        return obj["id"], [it["id"] for it in asc]

    def test_default_order_is_desc(self):
        rid, ids = self._five()
        lst = self.items_list(rid)
        self.assertEqual([it["id"] for it in lst["data"]], ids[::-1], "order defaults to desc (spec 11)")
        self.assertEqual((lst["first_id"], lst["last_id"], lst["has_more"]), (ids[4], ids[0], False))

    def test_pagination_asc(self):
        rid, ids = self._five()
        p1 = self.items_list(rid, {"order": "asc", "limit": 2})
        self.assertEqual(([it["id"] for it in p1["data"]], p1["has_more"]), (ids[0:2], True))
        self.assertEqual((p1["first_id"], p1["last_id"]), (ids[0], ids[1]))
        p2 = self.items_list(rid, {"order": "asc", "limit": 2, "after": p1["last_id"]})
        self.assertEqual(([it["id"] for it in p2["data"]], p2["has_more"]), (ids[2:4], True))
        p3 = self.items_list(rid, {"order": "asc", "limit": 2, "after": p2["last_id"]})
        self.assertEqual(([it["id"] for it in p3["data"]], p3["has_more"]), (ids[4:5], False))
        exact = self.items_list(rid, {"order": "asc", "limit": 5})
        self.assertEqual(([it["id"] for it in exact["data"]], exact["has_more"]), (ids, False))

    def test_pagination_desc(self):
        rid, ids = self._five()
        rev = ids[::-1]
        p1 = self.items_list(rid, {"order": "desc", "limit": 2})
        self.assertEqual(([it["id"] for it in p1["data"]], p1["has_more"]), (rev[0:2], True))
        p2 = self.items_list(rid, {"limit": 2, "after": p1["last_id"]})   # default order: desc
        self.assertEqual(([it["id"] for it in p2["data"]], p2["has_more"]), (rev[2:4], True))
        p3 = self.items_list(rid, {"order": "desc", "limit": 2, "after": p2["last_id"]})
        self.assertEqual(([it["id"] for it in p3["data"]], p3["has_more"]), (rev[4:5], False))
        mid = self.items_list(rid, {"order": "desc", "after": ids[2]})
        self.assertEqual([it["id"] for it in mid["data"]], [ids[1], ids[0]])

    def test_default_limit_20(self):
        _, obj = self.create({"model": "gpt-test", "input": [user_item("n%d" % i) for i in range(25)]})
        lst = self.items_list(obj["id"])
        self.assertEqual(len(lst["data"]), 20)
        self.assertTrue(lst["has_more"])
        self.assertEqual(parts(lst["data"][0]), [("input_text", "n24")])
        rest = self.items_list(obj["id"], {"after": lst["last_id"]})
        self.assertEqual([parts(it)[0][1] for it in rest["data"]], ["n4", "n3", "n2", "n1", "n0"])
        self.assertFalse(rest["has_more"])
        self.assertEqual(len(self.items_list(obj["id"], {"limit": 100})["data"]), 25)

    def test_limit_and_order_bounds(self):
        rid, _ = self._five()
        for q, param in (({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"limit": -1}, "limit"),
                         ({"limit": "ten"}, "limit"), ({"order": "sideways"}, "order")):
            with self.subTest(query=q):
                self.assertErrorEnvelope(self.input_items(rid, q), 400, type_="invalid_request_error", param=param)
        self.assertEqual(len(self.items_list(rid, {"limit": 1})["data"]), 1)
        self.assertEqual(len(self.items_list(rid, {"limit": 100})["data"]), 5)

    def test_only_own_items_with_previous_response(self):
        _, first = self.create({"model": "gpt-test", "input": "turn one"})
        _, second = self.create({"model": "gpt-test", "input": "turn two", "previous_response_id": first["id"]})
        items = self.all_input_items(second["id"])
        self.assertEqual([parts(it) for it in items], [[("input_text", "turn two")]],
                         "input_items lists this request's own input (spec 11)")


class InputItemsSqlite(_InputItems, StoreCase):
    BACKEND = "sqlite"


class InputItemsPostgres(_InputItems, StoreCase):
    BACKEND = "postgres"


# =============================================================================================

class _Chains:

    def test_three_turns_exact_upstream_messages(self):
        _, r1 = self.create({"model": "gpt-test", "instructions": "I1", "input": [user_item("U1")]})
        self.assertEqual(self.last_up(), {"model": UP, "messages": [
            {"role": "system", "content": "I1"}, {"role": "user", "content": "U1"}]})
        _, r2 = self.create({"model": "gpt-test", "input": "U2", "previous_response_id": r1["id"]})
        self.assertEqual(self.last_up(), {"model": UP, "messages": [
            {"role": "user", "content": "U1"}, {"role": "assistant", "content": "Hello! You said: U1"},
            {"role": "user", "content": "U2"}]}, "instructions are not inherited")
        self.assertEqual((r2["previous_response_id"], r2["instructions"]), (r1["id"], None))
        want3 = [{"role": "system", "content": "I3"},
                 {"role": "user", "content": "U1"}, {"role": "assistant", "content": "Hello! You said: U1"},
                 {"role": "user", "content": "U2"}, {"role": "assistant", "content": "Hello! You said: U2"},
                 {"role": "user", "content": "U3"}]
        body3 = {"model": "gpt-test", "instructions": "I3", "input": "U3", "previous_response_id": r2["id"]}
        self.fake.reset()
        _, r3 = self.create(body3)
        self.assertEqual(self.last_up(), {"model": UP, "messages": want3})
        self.assertEqual((r3["previous_response_id"], r3["instructions"]), (r2["id"], "I3"))
        self.assertEqual(message_text(r3), "Hello! You said: U3")
        # the same turn streamed sees the same context
        self.fake.reset()
        completed, got, _ = self.stream_completed_then_get(body3)
        self.assertEqual(self.last_up(), {"model": UP, "messages": want3, "stream": True,
                                          "stream_options": {"include_usage": True}})
        self.assertEqual(json.loads(got.body), completed)
        self.assertEqual(completed["previous_response_id"], r2["id"])
        self.assertEqual(len(self.up_bodies()), 1, "one upstream call per turn")

    def test_branches_from_one_response(self):
        _, r1 = self.create({"model": "gpt-test", "input": [user_item("root")]})
        _, a = self.create({"model": "gpt-test", "input": "left", "previous_response_id": r1["id"]})
        _, b = self.create({"model": "gpt-test", "input": "right", "previous_response_id": r1["id"]})
        self.fake.reset()
        self.create({"model": "gpt-test", "input": "more", "previous_response_id": b["id"]})
        self.assertEqual(self.last_up()["messages"], [
            {"role": "user", "content": "root"}, {"role": "assistant", "content": "Hello! You said: root"},
            {"role": "user", "content": "right"}, {"role": "assistant", "content": "Hello! You said: right"},
            {"role": "user", "content": "more"}])
        self.assertEqual(self.stored(a["id"]), a)

    def _tool_turn1(self, model="gpt-test"):
        _, r1 = self.create({"model": model, "input": "weather in Paris?", "tools": [WEATHER]})
        calls = [it for it in r1["output"] if it["type"] == "function_call"]
        self.assertEqual(len(calls), 1, r1["output"])
        self.assertEqual((calls[0]["name"], calls[0]["arguments"]), ("get_weather", ARGS_PARIS))
        return r1, calls[0]["call_id"]

    def _tool_msgs(self, cid):
        return [{"role": "user", "content": "weather in Paris?"},
                {"role": "assistant", "content": None, "tool_calls": [
                    {"id": cid, "type": "function", "function": {"name": "get_weather", "arguments": ARGS_PARIS}}]},
                {"role": "tool", "tool_call_id": cid, "content": "18C and sunny"}]

    def test_tool_loop_with_previous_response_id(self):
        r1, cid = self._tool_turn1()
        self.fake.reset()
        body2 = {"model": "gpt-test", "tools": [WEATHER], "previous_response_id": r1["id"],
                 "input": [{"type": "function_call_output", "call_id": cid, "output": "18C and sunny"}]}
        _, r2 = self.create(body2)
        self.assertEqual(self.last_up(), {"model": UP, "tools": [NESTED_WEATHER], "messages": self._tool_msgs(cid)})
        self.assertEqual(message_text(r2), "The tool returned: 18C and sunny")
        self.assertEqual([(it["type"], it["call_id"], it["output"]) for it in self.all_input_items(r2["id"])],
                         [("function_call_output", cid, "18C and sunny")])
        # turn 3 carries the whole chain: call, output, answer
        self.fake.reset()
        _, r3 = self.create({"model": "gpt-test", "input": "thanks", "previous_response_id": r2["id"]})
        self.assertEqual(self.last_up(), {"model": UP, "messages": self._tool_msgs(cid) + [
            {"role": "assistant", "content": "The tool returned: 18C and sunny"},
            {"role": "user", "content": "thanks"}]})
        self.assertEqual(message_text(r3), "Hello! You said: thanks")

    def test_tool_loop_streamed(self):
        r1, cid = self._tool_turn1()
        self.fake.reset()
        completed, got, _ = self.stream_completed_then_get({
            "model": "gpt-test", "tools": [WEATHER], "previous_response_id": r1["id"],
            "input": [{"type": "function_call_output", "call_id": cid, "output": "18C and sunny"}]})
        self.assertEqual(self.last_up()["messages"], self._tool_msgs(cid))
        self.assertEqual(message_text(completed), "The tool returned: 18C and sunny")
        self.assertEqual(json.loads(got.body), completed)

    def test_output_items_replayed_as_input_are_stored(self):
        """The stateless style (Codex): earlier output items sent back as input, with their ids,
        while store is on. Both responses keep their items."""
        r1, cid = self._tool_turn1()
        fc = r1["output"][0]
        self.fake.reset()
        _, r2 = self.create({"model": "gpt-test", "tools": [WEATHER], "input": [
            {"role": "user", "content": "weather in Paris?"}, fc,
            {"type": "function_call_output", "call_id": cid, "output": "18C and sunny"}]})
        self.assertEqual(self.last_up()["messages"], self._tool_msgs(cid))
        self.assertEqual(message_text(r2), "The tool returned: 18C and sunny")
        items = self.all_input_items(r2["id"])
        self.assertEqual([it["type"] for it in items], ["message", "function_call", "function_call_output"])
        self.assertEqual(items[1], fc, "an output item given back as input is kept as it was")
        self.assertEqual(self.stored(r1["id"]), r1)
        self.assertEqual(self.stored(r2["id"]), r2)

    def test_function_call_output_for_unknown_call_refused(self):
        r1, _ = self._tool_turn1()
        self.fake.reset()
        r = self.post({"model": "gpt-test", "tools": [WEATHER], "previous_response_id": r1["id"],
                       "input": [{"type": "function_call_output", "call_id": "call_not_in_chain", "output": "x"}]})
        err = self.assertErrorEnvelope(r, 400, type_="invalid_request_error")
        self.assertIn("call_not_in_chain", err["message"])
        self.assertEqual(self.fake.requests(), [])

    def assertNoReasoningKeys(self, messages):
        """Reasoning items are dropped when replayed to a chat upstream, or attached to the next
        assistant message as reasoning_content (mapping.md 2.2): either way, the text is ours."""
        out = []
        for m in messages:
            m = dict(m)
            for k in ("reasoning_content", "reasoning"):
                if k in m:
                    self.assertEqual(m.pop(k), REASONING, m)
            out.append(m)
        return out

    def test_reasoning_items_survive_the_round_trip(self):
        r1, cid = self._tool_turn1("reasoner")
        self.assertEqual([it["type"] for it in r1["output"]], ["reasoning", "function_call"])
        got1 = self.stored(r1["id"])
        self.assertEqual(got1["output"], r1["output"])
        self.assertEqual(got1["output"][0]["content"], [{"type": "reasoning_text", "text": REASONING}])
        self.fake.reset()
        _, r2 = self.create({"model": "reasoner", "tools": [WEATHER], "previous_response_id": r1["id"],
                             "input": [{"type": "function_call_output", "call_id": cid, "output": "18C and sunny"}]})
        up = self.last_up()
        self.assertEqual(up["model"], "reasoner")
        self.assertEqual(self.assertNoReasoningKeys(up["messages"]), self._tool_msgs(cid))
        self.assertEqual([it["type"] for it in r2["output"]], ["reasoning", "message"])
        self.fake.reset()
        self.create({"model": "reasoner", "input": "and tomorrow?", "previous_response_id": r2["id"]})
        self.assertEqual(self.assertNoReasoningKeys(self.last_up()["messages"]), self._tool_msgs(cid) + [
            {"role": "assistant", "content": "The tool returned: 18C and sunny"},
            {"role": "user", "content": "and tomorrow?"}])
        self.assertEqual(self.stored(r2["id"])["output"], r2["output"])

    def test_unknown_previous_response_id(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                r = self.post({"model": "gpt-test", "input": "x", "stream": stream,
                               "previous_response_id": "resp_" + "f" * 48})
                self.assertBadPrevious(r)   # before any SSE byte: a plain HTTP error
        self.assertEqual(self.fake.requests(), [])

    def test_chain_through_store_false_breaks(self):
        _, r1 = self.create({"model": "gpt-test", "input": "kept"})
        _, r2 = self.create({"model": "gpt-test", "input": "not kept", "store": False,
                             "previous_response_id": r1["id"]})
        self.fake.reset()
        self.assertBadPrevious(self.post({"model": "gpt-test", "input": "x", "previous_response_id": r2["id"]}))
        self.assertEqual(self.fake.requests(), [])


class ChainsSqlite(_Chains, StoreCase):
    BACKEND = "sqlite"


class ChainsPostgres(_Chains, StoreCase):
    BACKEND = "postgres"


if __name__ == "__main__":
    unittest.main()
