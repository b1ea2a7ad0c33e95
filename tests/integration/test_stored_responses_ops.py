"""Stateful Responses, operations side: ownership by gateway key (another key gets exactly the
unknown-id answer), the anonymous owner when no keys are configured, a gateway restart on the
same store, TTL expiry with the sweeper, store.max_response_bytes, and two gateways sharing one
PostgreSQL database. Every class runs on SQLite and PostgreSQL (see test_stored_responses.py,
which has StoreCase and the helpers)."""

import json
import time

from common import GW_KEY, GW_KEY_B, Gateway
from test_stored_responses import (ARGS_PARIS, WEATHER, StoreCase, message_text, parts, user_item, vr)

SECRET_TEXT = "the launch code is 0000-tango"


def same_error(test, got, want, got_id, want_id):
    """got and want (raw 404/400 answers) are the same error once the ids are swapped: a foreign
    id must be indistinguishable from an unknown one."""
    test.assertEqual(got.status, want.status, got.body[:300])
    g = json.loads(got.body)["error"]
    w = json.loads(want.body)["error"]
    test.assertEqual(dict(g, message=g["message"].replace(got_id, "<id>")),
                     dict(w, message=w["message"].replace(want_id, "<id>")))


# =============================================================================================

class _Isolation:

    def _owned_by_a(self):
        _, obj = self.create({"model": "gpt-test", "input": SECRET_TEXT})
        return obj

    def test_other_key_gets_404(self):
        obj = self._owned_by_a()
        rid = obj["id"]
        unknown = "resp_" + "1" * 48
        for name, fn in (("GET", self.retrieve), ("input_items", self.input_items), ("DELETE", self.delete)):
            with self.subTest(op=name):
                r = fn(rid, key=GW_KEY_B)
                self.assertNotFound(r, rid)
                self.assertNotIn(SECRET_TEXT.encode(), r.body)
                same_error(self, r, fn(unknown, key=GW_KEY_B), rid, unknown)
        # B's DELETE did nothing: A still has it, unchanged
        self.assertEqual(self.stored(rid, key=GW_KEY), obj)
        self.assertEqual([parts(it) for it in self.all_input_items(rid, key=GW_KEY)], [[("input_text", SECRET_TEXT)]])

    def test_other_key_cannot_continue(self):
        obj = self._owned_by_a()
        self.fake.reset()
        for stream in (False, True):
            with self.subTest(stream=stream):
                r = self.post({"model": "gpt-test", "input": "what did I say?", "stream": stream,
                               "previous_response_id": obj["id"]}, key=GW_KEY_B)
                self.assertBadPrevious(r)
                self.assertNotIn(SECRET_TEXT.encode(), r.body)
                unknown = "resp_" + "2" * 48
                same_error(self, r, self.post({"model": "gpt-test", "input": "x", "stream": stream,
                                               "previous_response_id": unknown}, key=GW_KEY_B), obj["id"], unknown)
        self.assertEqual(self.fake.requests(), [], "nothing of A's may reach the upstream for B")
        # A can
        _, nxt = self.create({"model": "gpt-test", "input": "what did I say?", "previous_response_id": obj["id"]})
        self.assertEqual(self.last_up()["messages"][0], {"role": "user", "content": SECRET_TEXT})
        self.assertEqual(nxt["previous_response_id"], obj["id"])

    def test_each_key_sees_its_own(self):
        _, a = self.create({"model": "gpt-test", "input": "mine (a)"})
        b = self.ok(self.post({"model": "gpt-test", "input": "mine (b)"}, key=GW_KEY_B))
        self.assertEqual(self.stored(b["id"], key=GW_KEY_B), b)
        self.assertNotFound(self.retrieve(b["id"], key=GW_KEY))
        self.assertEqual(self.stored(a["id"], key=GW_KEY), a)
        self.assertEqual(self.ok(self.delete(b["id"], key=GW_KEY_B))["deleted"], True)

    def test_no_key_is_refused(self):
        obj = self._owned_by_a()
        r = self.retrieve(obj["id"], key=None)
        self.assertEqual(r.status, 401, r.body[:300])
        self.assertNotIn(SECRET_TEXT.encode(), r.body)


class IsolationSqlite(_Isolation, StoreCase):
    BACKEND = "sqlite"


class IsolationPostgres(_Isolation, StoreCase):
    BACKEND = "postgres"


# =============================================================================================

class _Anonymous:
    """No keys configured: everything belongs to one anonymous owner."""

    KEYS = False
    KEY = None

    def test_anonymous_store_retrieve_continue_delete(self):
        _, r1 = self.create({"model": "gpt-test", "input": [user_item("anon one")]})
        self.assertEqual(self.stored(r1["id"]), r1)
        self.assertEqual([parts(it) for it in self.all_input_items(r1["id"])], [[("input_text", "anon one")]])
        self.fake.reset()
        _, r2 = self.create({"model": "gpt-test", "input": "anon two", "previous_response_id": r1["id"]})
        self.assertEqual(self.last_up()["messages"], [
            {"role": "user", "content": "anon one"}, {"role": "assistant", "content": "Hello! You said: anon one"},
            {"role": "user", "content": "anon two"}])
        # any bearer token is the same anonymous owner when no keys are configured
        self.assertEqual(self.stored(r2["id"], key="sk-whatever-1"), r2)
        self.assertEqual(self.ok(self.delete(r1["id"]))["deleted"], True)
        self.assertNotFound(self.retrieve(r1["id"]))

    def test_anonymous_stream(self):
        completed, got, _ = self.stream_completed_then_get({"model": "gpt-test", "input": "anon stream"})
        self.assertEqual(json.loads(got.body), completed)


class AnonymousSqlite(_Anonymous, StoreCase):
    BACKEND = "sqlite"


class AnonymousPostgres(_Anonymous, StoreCase):
    BACKEND = "postgres"


# =============================================================================================

class _Restart:

    def restart(self):
        """Stop the gateway (clean exit required) and start a new process on the same store."""
        problems = self.gw.stop()
        self.assertEqual(problems, [], "gateway shutdown")
        self.gw.cleanup()
        old = type(self).gw
        type(self).gw = None
        new = Gateway(self.make_config(), fake=self.fake, env=self.ENV, args=self.ARGS)
        new.start()
        type(self).gw = new
        self.assertNotEqual(new.pid, old.pid)

    def test_everything_survives_a_restart(self):
        _, r1 = self.create({"model": "gpt-test", "input": "weather in Paris?", "tools": [WEATHER]})
        cid = r1["output"][0]["call_id"]
        _, r2 = self.create({"model": "gpt-test", "tools": [WEATHER], "previous_response_id": r1["id"],
                             "input": [{"type": "function_call_output", "call_id": cid, "output": "18C"}]})
        conv = self.ok(self.call("POST", "/v1/conversations", {
            "metadata": {"who": "restart"}, "items": [user_item("conv hello")]}))
        _, r3 = self.create({"model": "gpt-test", "input": "conv turn", "conversation": conv["id"]})
        conv_items = self.ok(self.call("GET", "/v1/conversations/%s/items?order=asc" % conv["id"]))
        items1 = self.all_input_items(r1["id"])
        items2 = self.all_input_items(r2["id"])

        self.restart()

        self.assertEqual(self.stored(r1["id"]), r1)
        self.assertEqual(self.stored(r2["id"]), r2)
        self.assertEqual(self.stored(r3["id"]), r3)
        self.assertEqual(self.all_input_items(r1["id"]), items1)
        self.assertEqual(self.all_input_items(r2["id"]), items2)
        self.assertEqual(self.ok(self.call("GET", "/v1/conversations/" + conv["id"])), conv)
        self.assertEqual(self.ok(self.call("GET", "/v1/conversations/%s/items?order=asc" % conv["id"])), conv_items)
        # the chain continues on the new process with the whole context
        self.fake.reset()
        _, r4 = self.create({"model": "gpt-test", "input": "after restart", "previous_response_id": r2["id"]})
        self.assertEqual(self.last_up()["messages"], [
            {"role": "user", "content": "weather in Paris?"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": cid, "type": "function", "function": {"name": "get_weather", "arguments": ARGS_PARIS}}]},
            {"role": "tool", "tool_call_id": cid, "content": "18C"},
            {"role": "assistant", "content": "The tool returned: 18C"},
            {"role": "user", "content": "after restart"}])
        self.assertEqual(message_text(r4), "Hello! You said: after restart")
        # and so does the conversation
        self.fake.reset()
        self.create({"model": "gpt-test", "input": "conv again", "conversation": {"id": conv["id"]}})
        self.assertEqual(self.last_up()["messages"], [
            {"role": "user", "content": "conv hello"}, {"role": "user", "content": "conv turn"},
            {"role": "assistant", "content": "Hello! You said: conv turn"}, {"role": "user", "content": "conv again"}])


class RestartSqlite(_Restart, StoreCase):
    BACKEND = "sqlite"


class RestartPostgres(_Restart, StoreCase):
    BACKEND = "postgres"


# =============================================================================================

class _Expiry:
    # ttl_s 2 rather than 1: expiry may be computed from whole seconds, and the check right
    # after creation must not race it. Gone after ttl + one sweep interval + 0.5 s.
    STORE_EXTRA = {"ttl_s": 2, "sweep_interval_s": 1}

    def test_response_expires(self):
        t0 = time.monotonic()
        _, obj = self.create({"model": "gpt-test", "input": "short-lived"})
        rid = obj["id"]
        self.assertEqual(self.stored(rid), obj, "retrievable before its TTL")
        time.sleep(max(0.0, 3.5 - (time.monotonic() - t0)))
        self.assertNotFound(self.retrieve(rid), rid)
        self.assertNotFound(self.input_items(rid), rid)
        self.fake.reset()
        self.assertBadPrevious(self.post({"model": "gpt-test", "input": "x", "previous_response_id": rid}))
        self.assertEqual(self.fake.requests(), [])
        # new responses are still stored
        _, fresh = self.create({"model": "gpt-test", "input": "fresh"})
        self.assertEqual(self.stored(fresh["id"]), fresh)


class ExpirySqlite(_Expiry, StoreCase):
    BACKEND = "sqlite"


class ExpiryPostgres(_Expiry, StoreCase):
    BACKEND = "postgres"


# =============================================================================================

class _SizeLimit:
    STORE_EXTRA = {"max_response_bytes": 8192}
    BIG = "x" * 20000

    def test_small_response_is_stored(self):
        _, obj = self.create({"model": "gpt-test", "input": "small"})
        self.assertEqual(self.stored(obj["id"]), obj)

    def test_too_big_fails_clearly(self):
        r = self.post({"model": "gpt-test", "input": self.BIG})
        self.assertGreaterEqual(r.status, 400, "a response that cannot be stored must not succeed: %r" % r.body[:300])
        self.assertLess(r.status, 600)
        self.assertErrorEnvelope(r, r.status)

    def test_too_big_stream_never_completes(self):
        """Once streaming, a response that cannot be stored must not end with response.completed:
        it ends with response.failed or an `error` event (spec 9.7), and nothing is retrievable."""
        r = self.post({"model": "gpt-test", "input": self.BIG, "stream": True}, read_body=False)
        if r.status != 200:
            r.read_all()
            self.assertGreaterEqual(r.status, 400)
            self.assertErrorEnvelope(r, r.status)
            return
        raw = b"".join(ev for _, ev in self.stream_events(r))
        r.close()
        datas = [d for _, d, _ in vr.parse_sse(raw) if d != "[DONE]"]
        events = [json.loads(d) for d in datas]
        types = [e.get("type") for e in events]
        self.assertEqual(types[0], "response.created", types)
        self.assertNotIn("response.completed", types, "completed promises a stored response")
        self.assertTrue({"response.failed", "error"} & set(types), types)
        self.assertNotFound(self.retrieve(events[0]["response"]["id"]))

    def test_store_false_same_input_works(self):
        _, obj = self.create({"model": "gpt-test", "input": self.BIG, "store": False})
        self.assertEqual(message_text(obj), "Hello! You said: " + self.BIG)
        _, _, events = self.stream({"model": "gpt-test", "input": self.BIG, "store": False})
        self.assertEqual(events[-1]["type"], "response.completed")
        self.assertNotFound(self.retrieve(obj["id"]))


class SizeLimitSqlite(_SizeLimit, StoreCase):
    BACKEND = "sqlite"


class SizeLimitPostgres(_SizeLimit, StoreCase):
    BACKEND = "postgres"


# =============================================================================================

class SharedPostgres(StoreCase):
    """Two gateway processes on one PostgreSQL database: any instance answers for any response."""
    BACKEND = "postgres"

    def test_two_gateways_share_state(self):
        other = Gateway(self.make_config(), fake=self.fake, env=self.ENV, args=self.ARGS).start()
        try:
            _, r1 = self.create({"model": "gpt-test", "input": [user_item("on A")]})
            self.assertEqual(self.stored(r1["id"], gw=other), r1)
            self.assertEqual(self.all_input_items(r1["id"], gw=other), self.all_input_items(r1["id"]))
            self.fake.reset()
            r2 = self.ok(self.call("POST", "/v1/responses", {"model": "gpt-test", "input": "on B",
                                                             "previous_response_id": r1["id"]}, gw=other))
            self.assertEqual(self.last_up()["messages"], [
                {"role": "user", "content": "on A"}, {"role": "assistant", "content": "Hello! You said: on A"},
                {"role": "user", "content": "on B"}])
            self.assertEqual(self.stored(r2["id"]), r2, "B's response is visible on A")
            conv = self.ok(self.call("POST", "/v1/conversations", {"metadata": {"made": "on A"}}))
            self.assertEqual(self.ok(self.call("GET", "/v1/conversations/" + conv["id"], gw=other)), conv)
            self.assertNotFound(self.retrieve(r1["id"], key=GW_KEY_B, gw=other))
            self.ok(self.delete(r1["id"], gw=other))
            self.assertNotFound(self.retrieve(r1["id"]))
        finally:
            problems = other.stop()
            if not problems:
                other.cleanup()
        self.assertEqual(problems, [], "second gateway shutdown")


if __name__ == "__main__":
    import unittest
    unittest.main()
