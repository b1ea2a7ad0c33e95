"""Conversations API (spec/responses-api.md section 12) over a chat-only upstream: create /
retrieve / update / delete, items create / list (pagination, order) / retrieve / delete, and
responses created with `conversation` (string and {"id"} forms): the conversation's items go
upstream before the new input, the turn's input and output items are appended afterwards.
Ownership by gateway key and the anonymous owner. Every class runs on SQLite and PostgreSQL
(StoreCase from test_stored_responses.py)."""

import json
import time
import urllib.parse

from common import GW_KEY, GW_KEY_B
from test_stored_responses import (ARGS_PARIS, NESTED_WEATHER, UP, WEATHER, StoreCase, assistant_item, message_text,
                                   parts, strip_id, user_item)

CONV_KEYS = {"id", "object", "created_at", "metadata"}


class ConversationHelpers:

    def conv_create(self, body, **kw):
        """body None: a POST without any body."""
        return self.call("POST", "/v1/conversations", body, **kw)

    def conv_get(self, cid, **kw):
        return self.call("GET", "/v1/conversations/" + cid, **kw)

    def conv_update(self, cid, body, **kw):
        return self.call("POST", "/v1/conversations/" + cid, body, **kw)

    def conv_delete(self, cid, **kw):
        return self.call("DELETE", "/v1/conversations/" + cid, **kw)

    def conv_items_create(self, cid, items, **kw):
        return self.call("POST", "/v1/conversations/%s/items" % cid, {"items": items}, **kw)

    def conv_items(self, cid, query=None, **kw):
        q = ("?" + urllib.parse.urlencode(query)) if query else ""
        return self.call("GET", "/v1/conversations/%s/items%s" % (cid, q), **kw)

    def conv_item(self, cid, iid, **kw):
        return self.call("GET", "/v1/conversations/%s/items/%s" % (cid, iid), **kw)

    def conv_item_delete(self, cid, iid, **kw):
        return self.call("DELETE", "/v1/conversations/%s/items/%s" % (cid, iid), **kw)

    def new_conv(self, metadata=None, items=None, **kw):
        body = {}
        if metadata is not None:
            body["metadata"] = metadata
        if items is not None:
            body["items"] = items
        t0 = int(time.time())
        c = self.ok(self.conv_create(body, **kw))
        self.assertConversation(c, metadata or {})
        self.assertTrue(t0 - 5 <= c["created_at"] <= int(time.time()) + 5, c)
        return c

    def all_conv_items(self, cid, **kw):
        lst = self.ok(self.conv_items(cid, {"order": "asc", "limit": 100}, **kw))
        self.assertList(lst)
        self.assertFalse(lst["has_more"])
        return lst["data"]

    def assertConversation(self, c, metadata):
        self.assertEqual(set(c), CONV_KEYS, c)
        self.assertRegex(c["id"], r"^conv_[A-Za-z0-9]{24,}$")
        self.assertEqual(c["object"], "conversation")
        self.assertIsInstance(c["created_at"], int)
        self.assertEqual(c["metadata"], metadata)


# =============================================================================================

class _ConversationsCrud(ConversationHelpers):

    def test_create_get_update_delete(self):
        c = self.new_conv({"topic": "demo", "n": "1"}, [user_item("Hello")])
        self.assertEqual(self.ok(self.conv_get(c["id"])), c)
        upd = self.ok(self.conv_update(c["id"], {"metadata": {"topic": "changed"}}))
        self.assertEqual(upd, dict(c, metadata={"topic": "changed"}), "metadata is replaced, not merged")
        self.assertEqual(self.ok(self.conv_get(c["id"])), upd)
        self.assertEqual(self.ok(self.conv_delete(c["id"])),
                         {"id": c["id"], "object": "conversation.deleted", "deleted": True})
        for r in (self.conv_get(c["id"]), self.conv_items(c["id"]), self.conv_delete(c["id"]),
                  self.conv_update(c["id"], {"metadata": {}}), self.conv_items_create(c["id"], [user_item("x")])):
            self.assertNotFound(r, c["id"])

    def test_create_empty(self):
        for body in ({}, None):
            with self.subTest(body=body):
                c = self.ok(self.conv_create(body))
                self.assertConversation(c, {})
                lst = self.ok(self.conv_items(c["id"]))
                self.assertEqual((lst["object"], lst["data"], lst["has_more"]), ("list", [], False))
        self.assertNotEqual(self.ok(self.conv_create({}))["id"], self.ok(self.conv_create({}))["id"])

    def test_initial_items(self):
        c = self.new_conv(items=[
            {"type": "message", "role": "user", "content": "plain string"},
            {"role": "user", "content": [{"type": "input_text", "text": "no type key"}]},
            assistant_item("an answer"),
            {"type": "function_call", "call_id": "call_i1", "name": "get_weather", "arguments": ARGS_PARIS},
            {"type": "function_call_output", "call_id": "call_i1", "output": "18C"}])
        items = self.all_conv_items(c["id"])
        self.assertEqual([(it["type"], it.get("role")) for it in items], [
            ("message", "user"), ("message", "user"), ("message", "assistant"), ("function_call", None),
            ("function_call_output", None)])
        self.assertEqual(strip_id(items[0]), {"type": "message", "role": "user", "status": "completed",
                                              "content": [{"type": "input_text", "text": "plain string"}]})
        self.assertEqual(parts(items[1]), [("input_text", "no type key")])
        self.assertEqual(parts(items[2]), [("output_text", "an answer")])
        self.assertEqual((items[3]["call_id"], items[3]["name"], items[3]["arguments"]),
                         ("call_i1", "get_weather", ARGS_PARIS))
        self.assertEqual((items[4]["call_id"], items[4]["output"]), ("call_i1", "18C"))
        for it in items[:2]:
            self.assertRegex(it["id"], r"^msg_")
        desc = self.ok(self.conv_items(c["id"]))
        self.assertEqual(desc["data"], items[::-1], "order defaults to desc (spec 12)")

    def test_items_create_get_delete(self):
        c = self.new_conv(items=[user_item("first")])
        added = self.ok(self.conv_items_create(c["id"], [user_item("second"), assistant_item("third"),
                                                         {"role": "user", "content": "fourth"}]))
        self.assertList(added)
        self.assertEqual([parts(it)[0][1] for it in added["data"]], ["second", "third", "fourth"])
        self.assertFalse(added["has_more"])
        items = self.all_conv_items(c["id"])
        self.assertEqual([parts(it)[0][1] for it in items], ["first", "second", "third", "fourth"])
        self.assertEqual(items[1:], added["data"])
        one = self.ok(self.conv_item(c["id"], items[2]["id"]))
        self.assertEqual(one, items[2])
        # deleting an item answers with the conversation object (spec 12)
        self.assertEqual(self.ok(self.conv_item_delete(c["id"], items[2]["id"])), self.ok(self.conv_get(c["id"])))
        self.assertEqual([it["id"] for it in self.all_conv_items(c["id"])], [items[0]["id"], items[1]["id"],
                                                                             items[3]["id"]])
        self.assertNotFound(self.conv_item(c["id"], items[2]["id"]), items[2]["id"])
        self.assertNotFound(self.conv_item_delete(c["id"], items[2]["id"]), items[2]["id"])
        self.assertNotFound(self.conv_item(c["id"], "msg_" + "0" * 40))

    def test_item_of_another_conversation_is_404(self):
        a = self.new_conv(items=[user_item("in a")])
        b = self.new_conv(items=[user_item("in b")])
        ia = self.all_conv_items(a["id"])[0]["id"]
        self.assertNotFound(self.conv_item(b["id"], ia))
        self.assertNotFound(self.conv_item_delete(b["id"], ia))
        self.assertEqual(len(self.all_conv_items(a["id"])), 1)

    def test_items_pagination(self):
        c = self.new_conv(items=[user_item("c%d" % i) for i in range(1, 7)])
        ids = [it["id"] for it in self.all_conv_items(c["id"])]
        p1 = self.ok(self.conv_items(c["id"], {"limit": 4}))
        self.assertList(p1)
        self.assertEqual(([it["id"] for it in p1["data"]], p1["has_more"]), (ids[::-1][:4], True))
        p2 = self.ok(self.conv_items(c["id"], {"limit": 4, "after": p1["last_id"]}))
        self.assertEqual(([it["id"] for it in p2["data"]], p2["has_more"]), (ids[::-1][4:], False))
        a1 = self.ok(self.conv_items(c["id"], {"order": "asc", "limit": 3}))
        self.assertEqual(([it["id"] for it in a1["data"]], a1["has_more"]), (ids[:3], True))
        a2 = self.ok(self.conv_items(c["id"], {"order": "asc", "limit": 3, "after": a1["last_id"]}))
        self.assertEqual(([it["id"] for it in a2["data"]], a2["has_more"]), (ids[3:], False))
        for q, param in (({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"order": "up"}, "order")):
            with self.subTest(query=q):
                self.assertErrorEnvelope(self.conv_items(c["id"], q), 400, type_="invalid_request_error", param=param)

    def test_default_limit_20(self):
        c = self.new_conv(items=[user_item("a%d" % i) for i in range(20)])
        self.ok(self.conv_items_create(c["id"], [user_item("b%d" % i) for i in range(5)]))
        lst = self.ok(self.conv_items(c["id"]))
        self.assertEqual(len(lst["data"]), 20)
        self.assertTrue(lst["has_more"])
        self.assertEqual(parts(lst["data"][0]), [("input_text", "b4")])
        self.assertEqual(len(self.all_conv_items(c["id"])), 25)

    def test_at_most_20_items_per_request(self):
        r = self.conv_create({"items": [user_item("x%d" % i) for i in range(21)]})
        self.assertErrorEnvelope(r, 400, type_="invalid_request_error")
        c = self.new_conv()
        self.assertErrorEnvelope(self.conv_items_create(c["id"], [user_item("y%d" % i) for i in range(21)]), 400,
                                 type_="invalid_request_error")
        self.assertEqual(self.all_conv_items(c["id"]), [], "a refused batch adds nothing")

    def test_unknown_conversation_404(self):
        cid = "conv_" + "0" * 48
        for r in (self.conv_get(cid), self.conv_update(cid, {"metadata": {"a": "b"}}), self.conv_delete(cid),
                  self.conv_items(cid), self.conv_items_create(cid, [user_item("x")])):
            self.assertNotFound(r, cid)
        for r in (self.conv_item(cid, "msg_1"), self.conv_item_delete(cid, "msg_1")):
            err = self.assertNotFound(r)      # may name either id
            self.assertTrue(cid in err["message"] or "msg_1" in err["message"], err)
        self.assertEqual(self.fake.requests(), [])


class ConversationsCrudSqlite(_ConversationsCrud, StoreCase):
    BACKEND = "sqlite"


class ConversationsCrudPostgres(_ConversationsCrud, StoreCase):
    BACKEND = "postgres"


# =============================================================================================

class _ConversationResponses(ConversationHelpers):

    def _seeded(self):
        return self.new_conv({"s": "1"}, [user_item("My name is Ann."), assistant_item("Nice to meet you, Ann.")])

    SEED_MSGS = [{"role": "user", "content": "My name is Ann."},
                 {"role": "assistant", "content": "Nice to meet you, Ann."}]

    def test_response_with_conversation_id(self):
        c = self._seeded()
        before = self.all_conv_items(c["id"])
        _, obj = self.create({"model": "gpt-test", "conversation": c["id"], "input": "What is my name?"})
        self.assertEqual(obj["conversation"], {"id": c["id"]})
        self.assertEqual(self.last_up(), {"model": UP, "messages": self.SEED_MSGS + [
            {"role": "user", "content": "What is my name?"}]})
        after = self.all_conv_items(c["id"])
        self.assertEqual(after[:2], before)
        self.assertEqual(len(after), 4, after)
        self.assertEqual(strip_id(after[2]), {"type": "message", "role": "user", "status": "completed",
                                              "content": [{"type": "input_text", "text": "What is my name?"}]})
        self.assertEqual(after[3:], obj["output"], "the output items are appended as they were returned")
        self.assertEqual(self.stored(obj["id"]), obj)
        self.assertEqual(self.ok(self.conv_get(c["id"])), c, "a turn changes no conversation field")

    def test_store_false_still_appends_the_turn(self):
        """store:false keeps no response (404) but the conversation still gets the turn."""
        c = self._seeded()
        for stream in (False, True):
            with self.subTest(stream=stream):
                before = self.all_conv_items(c["id"])
                body = {"model": "gpt-test", "conversation": c["id"], "input": "unstored %s" % stream,
                        "store": False}
                if stream:
                    completed, _, _ = self.stream_completed_then_get(dict(body, stream=True))
                    obj = completed
                else:
                    _, obj = self.create(body)
                self.assertIs(obj["store"], False)
                after = self.all_conv_items(c["id"])
                self.assertEqual(after[:len(before)], before)
                self.assertEqual([parts(it)[0] for it in after[len(before):len(before) + 1]],
                                 [("input_text", "unstored %s" % stream)])
                self.assertEqual(after[len(before) + 1:], obj["output"])
                self.assertEqual(self.call("GET", "/v1/responses/" + obj["id"]).status, 404)

    def test_response_with_conversation_object_streamed(self):
        c = self._seeded()
        completed, got, _ = self.stream_completed_then_get({"model": "gpt-test", "conversation": {"id": c["id"]},
                                                            "input": "Streamed question"})
        self.assertEqual(completed["conversation"], {"id": c["id"]})
        self.assertEqual(json.loads(got.body), completed)
        self.assertEqual(self.last_up()["messages"], self.SEED_MSGS + [{"role": "user", "content": "Streamed question"}])
        after = self.all_conv_items(c["id"])
        self.assertEqual([parts(it)[0] for it in after[2:3]], [("input_text", "Streamed question")])
        self.assertEqual(after[3:], completed["output"])

    def test_two_turns(self):
        c = self.new_conv()
        _, t1 = self.create({"model": "gpt-test", "conversation": c["id"], "input": "turn 1",
                             "instructions": "only for turn 1"})
        self.fake.reset()
        _, t2 = self.create({"model": "gpt-test", "conversation": c["id"], "input": [user_item("turn 2")]})
        self.assertEqual(self.last_up(), {"model": UP, "messages": [
            {"role": "user", "content": "turn 1"}, {"role": "assistant", "content": "Hello! You said: turn 1"},
            {"role": "user", "content": "turn 2"}]}, "instructions are not conversation items")
        items = self.all_conv_items(c["id"])
        self.assertEqual([(it["type"], it["role"], parts(it)[0][1]) for it in items], [
            ("message", "user", "turn 1"), ("message", "assistant", "Hello! You said: turn 1"),
            ("message", "user", "turn 2"), ("message", "assistant", "Hello! You said: turn 2")])
        self.assertEqual([items[1], items[3]], t1["output"] + t2["output"])
        self.assertEqual(message_text(t2), "Hello! You said: turn 2")

    def test_tool_loop_in_conversation(self):
        c = self.new_conv()
        _, t1 = self.create({"model": "gpt-test", "conversation": c["id"], "tools": [WEATHER],
                             "input": "weather in Paris?"})
        cid = t1["output"][0]["call_id"]
        self.fake.reset()
        _, t2 = self.create({"model": "gpt-test", "conversation": c["id"], "tools": [WEATHER],
                             "input": [{"type": "function_call_output", "call_id": cid, "output": "18C"}]})
        self.assertEqual(self.last_up(), {"model": UP, "tools": [NESTED_WEATHER], "messages": [
            {"role": "user", "content": "weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": cid, "type": "function", "function": {"name": "get_weather", "arguments": ARGS_PARIS}}]},
            {"role": "tool", "tool_call_id": cid, "content": "18C"}]})
        self.assertEqual(message_text(t2), "The tool returned: 18C")
        self.assertEqual([it["type"] for it in self.all_conv_items(c["id"])],
                         ["message", "function_call", "function_call_output", "message"])

    def test_items_added_and_deleted_shape_the_context(self):
        c = self.new_conv(items=[user_item("keep 1"), user_item("drop me")])
        items = self.all_conv_items(c["id"])
        self.ok(self.conv_item_delete(c["id"], items[1]["id"]))
        self.ok(self.conv_items_create(c["id"], [assistant_item("added answer")]))
        self.create({"model": "gpt-test", "conversation": c["id"], "input": "now"})
        self.assertEqual(self.last_up()["messages"], [
            {"role": "user", "content": "keep 1"}, {"role": "assistant", "content": "added answer"},
            {"role": "user", "content": "now"}])

    def test_conversation_with_previous_response_id_400(self):
        c = self._seeded()
        _, prev = self.create({"model": "gpt-test", "input": "x"})
        self.fake.reset()
        for stream in (False, True):
            with self.subTest(stream=stream):
                r = self.post({"model": "gpt-test", "input": "y", "stream": stream, "conversation": c["id"],
                               "previous_response_id": prev["id"]})
                self.assertErrorEnvelope(r, 400, type_="invalid_request_error")
        self.assertEqual(self.fake.requests(), [])
        self.assertEqual(len(self.all_conv_items(c["id"])), 2, "a refused turn appends nothing")

    def test_unknown_conversation_in_response_404(self):
        for conv in ("conv_" + "9" * 48, {"id": "conv_" + "8" * 48}):
            for stream in (False, True):
                with self.subTest(conversation=conv, stream=stream):
                    r = self.post({"model": "gpt-test", "input": "x", "stream": stream, "conversation": conv})
                    self.assertNotFound(r, conv if isinstance(conv, str) else conv["id"])
        self.assertEqual(self.fake.requests(), [])

    def test_deleted_conversation_cannot_be_used(self):
        c = self._seeded()
        self.ok(self.conv_delete(c["id"]))
        self.assertNotFound(self.post({"model": "gpt-test", "input": "x", "conversation": c["id"]}), c["id"])
        self.assertEqual(self.fake.requests(), [])


class ConversationResponsesSqlite(_ConversationResponses, StoreCase):
    BACKEND = "sqlite"


class ConversationResponsesPostgres(_ConversationResponses, StoreCase):
    BACKEND = "postgres"


# =============================================================================================

class _ConversationIsolation(ConversationHelpers):

    def test_other_key_gets_404(self):
        c = self.new_conv({"owner": "a"}, [user_item("private words")])
        iid = self.all_conv_items(c["id"])[0]["id"]
        cid = c["id"]
        for name, r in (("get", self.conv_get(cid, key=GW_KEY_B)),
                        ("update", self.conv_update(cid, {"metadata": {"owner": "b"}}, key=GW_KEY_B)),
                        ("delete", self.conv_delete(cid, key=GW_KEY_B)),
                        ("items", self.conv_items(cid, key=GW_KEY_B)),
                        ("items create", self.conv_items_create(cid, [user_item("intruder")], key=GW_KEY_B)),
                        ("item", self.conv_item(cid, iid, key=GW_KEY_B)),
                        ("item delete", self.conv_item_delete(cid, iid, key=GW_KEY_B)),
                        ("response", self.post({"model": "gpt-test", "input": "x", "conversation": cid},
                                               key=GW_KEY_B))):
            with self.subTest(op=name):
                self.assertNotFound(r)
                self.assertNotIn(b"private words", r.body)
        self.assertEqual(self.fake.requests(), [])
        # nothing changed for A
        self.assertEqual(self.ok(self.conv_get(cid, key=GW_KEY)), c)
        self.assertEqual([parts(it) for it in self.all_conv_items(cid, key=GW_KEY)], [[("input_text", "private words")]])

    def test_each_key_has_its_own(self):
        a = self.new_conv({"k": "a"})
        b = self.new_conv({"k": "b"}, key=GW_KEY_B)
        self.assertEqual(self.ok(self.conv_get(b["id"], key=GW_KEY_B)), b)
        self.assertNotFound(self.conv_get(b["id"], key=GW_KEY))
        self.assertEqual(self.ok(self.conv_get(a["id"], key=GW_KEY)), a)
        _, t = self.create({"model": "gpt-test", "input": "hi", "conversation": a["id"]})
        self.assertEqual(t["conversation"], {"id": a["id"]})


class ConversationIsolationSqlite(_ConversationIsolation, StoreCase):
    BACKEND = "sqlite"


class ConversationIsolationPostgres(_ConversationIsolation, StoreCase):
    BACKEND = "postgres"


class _AnonymousConversations(ConversationHelpers):
    KEYS = False
    KEY = None

    def test_anonymous_conversation(self):
        c = self.new_conv({"anon": "yes"}, [user_item("anon seed")])
        _, t = self.create({"model": "gpt-test", "input": "anon turn", "conversation": c["id"]})
        self.assertEqual(self.last_up()["messages"], [{"role": "user", "content": "anon seed"},
                                                      {"role": "user", "content": "anon turn"}])
        self.assertEqual(len(self.all_conv_items(c["id"])), 3)
        self.assertEqual(self.ok(self.conv_get(c["id"], key="sk-any-bearer")), c)
        self.assertEqual(self.ok(self.conv_delete(c["id"]))["deleted"], True)
        self.assertEqual(t["conversation"], {"id": c["id"]})


class AnonymousConversationsSqlite(_AnonymousConversations, StoreCase):
    BACKEND = "sqlite"


class AnonymousConversationsPostgres(_AnonymousConversations, StoreCase):
    BACKEND = "postgres"


if __name__ == "__main__":
    import unittest
    unittest.main()
