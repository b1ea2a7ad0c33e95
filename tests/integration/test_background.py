"""Background responses over a chat-only upstream (spec/responses-api.md section 10, design.md
section 6): `background: true` on POST /v1/responses returns at once and the generation runs in
the gateway; clients poll GET /v1/responses/{id}, cancel with POST .../cancel, and re-attach with
GET /v1/responses/{id}?stream=true[&starting_after=N].

Every class runs twice: `...Sqlite` is one gateway with SQLite and no Redis; `...PgRedis` is one
gateway on PostgreSQL ($SWITCHYARD_TEST_PG_URL) with Redis ($SWITCHYARD_TEST_REDIS_URL) as the
event log and cancel channel. Either variable unset fails those classes, unless
SWITCHYARD_TEST_PG_OPTIONAL=1 / SWITCHYARD_TEST_REDIS_OPTIONAL=1 makes them skip.

The fake upstream's `slow-<n>-<ms>[-cut|-length]` models stream n text deltas ("tok0", " tok1",
...) ms apart and record on each request whether it completed or saw the client disconnect
(`completed`, `disconnected`, `t_end`, `deltas_sent` in /_fake/requests).

Readings of the reference API that these tests fix (where spec section 10 leaves a choice):
  * create answers status `queued` or `in_progress`, `output: []`, `usage: null`; a later GET
    shows the output so far (message item `in_progress`, usage null) until the terminal object;
  * a client leaving a background stream does not cancel the run;
  * cancel answers the Response with status `cancelled`, error null, completed_at null; GET
    afterwards returns the same object; a live stream of it ends with `data: [DONE]` and no
    terminal event; cancel of a non-background response is 400 invalid_request_error "Only
    background responses can be cancelled."; unknown or another key's id: 404;
  * an upstream 429 during a run gives error.code `rate_limit_exceeded`, other failures
    `server_error` (spec 6.2); a length cut gives `incomplete` / `max_output_tokens`;
  * a resumed stream repeats the original stream's frames byte for byte (events with
    sequence_number > N, or all of them), then `data: [DONE]`; streaming GET of a
    non-background response is a plain 400/404 error.

Siblings, which import BackgroundCase and the helpers from here: test_background_resume.py
(GET ?stream=true[&starting_after=N]) and test_background_ops.py (two gateways on PostgreSQL +
Redis, crash of an instance, lease renewal, caps, expiry).
"""

import json
import time
import unittest
import urllib.parse

from common import (GW_KEY_B, REDIS_OPTIONAL_ENV, REDIS_URL_ENV, fake_upstream, redis_optional, redis_ping,
                    redis_url, sse_payloads)
from common import config as base_config
from test_responses import normalize
from test_stored_responses import StoreCase, dep, message_text, unique_suffix, vr

ACTIVE = ("queued", "in_progress")
TERMINAL = ("completed", "incomplete", "failed", "cancelled")
TERMINAL_EVENTS = ("response.completed", "response.incomplete", "response.failed")
CANCEL_NON_BACKGROUND = "Only background responses can be cancelled."
# fake models used here and in test_background_ops.py (one deployment each, same name upstream)
SLOW_MODELS = ("slow-3-100", "slow-6-150-cut", "slow-6-150-length", "slow-8-250", "slow-10-150", "slow-10-300",
               "slow-12-150", "slow-25-240", "slow-150-100", "slow-300-100", "slow-6-300-reasoning")
DEFAULT = "__default__"
slow_text = fake_upstream.slow_text
slow_deltas = fake_upstream.slow_deltas


def background_config(store, redis=None, background=None, keys=True):
    """The standard config + `length` and the SLOW_MODELS deployments + a `store:` section (dict)
    + `redis: {url}` when given + a `background:` section from the dict `background`."""
    text = base_config(keys=keys)
    for m in ("length",) + SLOW_MODELS:
        text += dep(m, m)
    text += "store:\n"
    for k, v in store.items():
        text += "  %s: %s\n" % (k, json.dumps(v) if isinstance(v, str) else v)
    if redis:
        text += "redis:\n  url: %s\n" % json.dumps(redis)
    if background:
        text += "background:\n" + "".join("  %s: %s\n" % kv for kv in background.items())
    return text


def seq(p):
    return p["sequence_number"] if isinstance(p, dict) else None


def kind(p):
    return p.get("type") if isinstance(p, dict) else p


class Sse:
    """A live SSE body read frame by frame. frames: [(arrival, bytes, payload)], payload being the
    parsed event or the string "[DONE]"; comment lines (heartbeats) are dropped from the bytes. A
    stalled stream ends when the socket read times out (the timeout given to the request)."""

    def __init__(self, test, r):
        self.test = test
        self.r = r
        self._it = r.iter_events()
        self.frames = []
        self.ended = False

    def next(self):
        if self.ended:
            return None
        for t, ev in self._it:
            lines = [ln for ln in ev.split(b"\n") if not ln.startswith(b":")]
            data = [p for k, p in sse_payloads([ev]) if k == "data"]
            if not data:
                continue
            payload = "[DONE]" if data[0] == "[DONE]" else json.loads(data[0])
            frame = (t, b"\n".join(lines), payload)
            self.frames.append(frame)
            return frame
        self.ended = True
        return None

    def until(self, pred, what, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            f = self.next()
            if f is None:
                self.test.fail("stream ended before %s; got %s" % (what, self.kinds()))
            if pred(f[2]):
                return f
            if time.monotonic() > deadline:
                self.test.fail("no %s within %.0f s; got %s" % (what, timeout, self.kinds()))

    def rest(self):
        while self.next() is not None:
            pass
        self.r.close()
        return self.frames

    def payloads(self):
        return [p for _, _, p in self.frames]

    def events(self):
        return [p for p in self.payloads() if p != "[DONE]"]

    def kinds(self):
        return [kind(p) for p in self.payloads()]

    def raw(self):
        return b"".join(b for _, b, _ in self.frames)

    def close(self):
        self.r.close()


class BackgroundCase(StoreCase):
    """StoreCase (fresh SQLite file or PostgreSQL database per class) + Redis when REDIS (the URL
    of $SWITCHYARD_TEST_REDIS_URL) + a `background:` section from BACKGROUND. Background runs a
    test started and left running are cancelled after it, so that the gateway can stop."""

    REDIS = False
    BACKGROUND = {}

    @classmethod
    def setUpClass(cls):
        cls.redis = None
        cls.redis_error = None
        if cls.REDIS:
            url = redis_url()
            if not url:
                if redis_optional():
                    raise unittest.SkipTest("%s unset and %s=1" % (REDIS_URL_ENV, REDIS_OPTIONAL_ENV))
                cls.redis_error = ("%s is not set: the Redis variants need a server (scripts/test.sh starts one; "
                                   "set %s=1 to skip them)" % (REDIS_URL_ENV, REDIS_OPTIONAL_ENV))
            else:
                cls.redis = url
                cls.redis_error = redis_ping(url)
        super().setUpClass()

    @classmethod
    def make_config(cls):
        if cls.backend_error:
            raise RuntimeError(cls.backend_error)
        if cls.redis_error:
            raise RuntimeError(cls.redis_error)
        return background_config(cls.store_settings(), redis=cls.redis, background=cls.BACKGROUND, keys=cls.KEYS)

    def setUp(self):
        super().setUp()
        self._runs = []

    def tearDown(self):
        for rid, key, gw in getattr(self, "_runs", []):
            try:
                if gw is not None and gw.alive():
                    r = gw.request("GET", "/v1/responses/" + rid, key=key, timeout=5)
                    r.close()
                    if r.status == 200 and json.loads(r.body).get("status") in ACTIVE:
                        gw.request("POST", "/v1/responses/%s/cancel" % rid, key=key, timeout=5).close()
            except Exception:  # noqa: BLE001 - best-effort cleanup; the test result stands
                pass
        super().tearDown()

    # -- requests (key DEFAULT: the class KEY; gw None: the class gateway)
    def _k(self, key):
        return self.KEY if key == DEFAULT else key

    def marker(self):
        return "bg-" + unique_suffix()

    def track(self, rid, key=DEFAULT, gw=None):
        self._runs.append((rid, self._k(key), gw or self.gw))

    def bg_post(self, body, stream=False, key=DEFAULT, gw=None, read_body=True, timeout=20):
        b = dict(body, background=True)
        if stream:
            b["stream"] = True
        return (gw or self.gw).request("POST", "/v1/responses", json.dumps(b), key=self._k(key), timeout=timeout,
                                       read_body=read_body)

    def check(self, obj, what="Response"):
        try:
            vr.check_object(obj)
        except vr.CheckError as e:
            self.fail("%s fails validate_responses: %s\n%s" % (what, e, json.dumps(obj)[:1500]))
        return obj

    def bg_create(self, body, key=DEFAULT, gw=None):
        """Non-streaming background create: (the checked Response, seconds it took). Asserts what
        spec 10 fixes for the answer: 200 at once, queued/in_progress, background true, output [],
        usage null, completed_at null."""
        t0 = time.monotonic()
        r = self.bg_post(body, key=key, gw=gw)
        dt = time.monotonic() - t0
        obj = self.check(self.ok(r))
        self.track(obj["id"], key, gw)
        self.assertRegex(obj["id"], r"^resp_[A-Za-z0-9]{16,}$")
        self.assertIn(obj["status"], ACTIVE, obj)
        self.assertIs(obj["background"], True)
        self.assertIs(obj["store"], True)
        self.assertEqual((obj["output"], obj["usage"], obj["completed_at"], obj["error"]), ([], None, None, None))
        return obj, dt

    def bg_stream(self, body, key=DEFAULT, gw=None, timeout=20):
        """Streaming background create: the Sse with its first frame (response.created) read."""
        r = self.bg_post(body, stream=True, key=key, gw=gw, read_body=False, timeout=timeout)
        self.assertEqual(r.status, 200, r.read_all()[:800] if r.status != 200 else "")
        self.assertTrue((r.header("content-type") or "").startswith("text/event-stream"), r.header("content-type"))
        s = Sse(self, r)
        f = s.next()
        self.assertIsNotNone(f, "empty stream")
        self.assertEqual(kind(f[2]), "response.created", f[1][:300])
        self.track(f[2]["response"]["id"], key, gw)
        return s

    def resume_raw(self, rid, starting_after=None, key=DEFAULT, gw=None, timeout=20):
        q = {"stream": "true"}
        if starting_after is not None:
            q["starting_after"] = str(starting_after)
        return (gw or self.gw).request("GET", "/v1/responses/%s?%s" % (rid, urllib.parse.urlencode(q)),
                                       key=self._k(key), timeout=timeout, read_body=False)

    def resume(self, rid, starting_after=None, key=DEFAULT, gw=None, timeout=20):
        r = self.resume_raw(rid, starting_after, key, gw, timeout)
        self.assertEqual(r.status, 200, r.read_all()[:800] if r.status != 200 else "")
        self.assertTrue((r.header("content-type") or "").startswith("text/event-stream"), r.header("content-type"))
        return Sse(self, r)

    def cancel(self, rid, key=DEFAULT, gw=None):
        return (gw or self.gw).request("POST", "/v1/responses/%s/cancel" % rid, key=self._k(key), timeout=20)

    def get(self, rid, key=DEFAULT, gw=None):
        return self.stored(rid, key=self._k(key), gw=gw)

    def poll(self, rid, timeout=20, every=0.05, key=DEFAULT, gw=None, until=TERMINAL):
        """GET until the status is in `until`: every snapshot (checked), the last one first to match."""
        snaps = []
        deadline = time.monotonic() + timeout
        while True:
            obj = self.get(rid, key, gw)
            snaps.append(obj)
            if obj["status"] in until:
                return snaps
            if time.monotonic() > deadline:
                self.fail("response %s still %r after %.0f s" % (rid, obj["status"], timeout))
            time.sleep(every)

    # -- the fake's view
    def up_recs(self, mark):
        return [q for q in self.fake.requests() if q["path"] == "/v1/chat/completions" and mark in q["body"]]

    def up_rec(self, mark, cond=None, timeout=10, what="the upstream request"):
        """The fake's record of the (one) chat request carrying mark, once cond(record) holds."""
        deadline = time.monotonic() + timeout
        while True:
            recs = self.up_recs(mark)
            self.assertLessEqual(len(recs), 1, "more than one upstream request for %s" % mark)
            if recs and (cond is None or cond(recs[0])):
                return recs[0]
            if time.monotonic() > deadline:
                self.fail("%s: not seen within %.0f s (record: %r)" % (what, timeout, recs[:1]))
            time.sleep(0.02)

    def assertUsage(self, obj, mark, out_tokens):
        """usage is the upstream's: input = the fake's prompt_tokens for the request it got."""
        req = json.loads(self.up_rec(mark)["body"])
        want_in = fake_upstream.usage_for(req, out_tokens)["prompt_tokens"]
        u = obj["usage"]
        self.assertIsNotNone(u, "terminal object without usage")
        self.assertEqual((u["input_tokens"], u["output_tokens"], u["total_tokens"]),
                         (want_in, out_tokens, want_in + out_tokens), u)

    def assertStopped(self, mark, t_cancel, within=1.5):
        """The upstream transfer for mark ended by a disconnect within `within` s of t_cancel."""
        rec = self.up_rec(mark, lambda q: q.get("disconnected") or q.get("completed"), timeout=within + 3,
                          what="the end of the upstream transfer")
        self.assertTrue(rec["disconnected"], "the upstream transfer was not cut: %r" % rec)
        self.assertFalse(rec["completed"])
        self.assertLess(rec["t_end"] - t_cancel, within, "the upstream saw the disconnect only %.2f s after the cancel"
                        % (rec["t_end"] - t_cancel))
        return rec

    def assertReplay(self, resumed, original, after):
        """resumed (Sse, read to the end) repeats original's frames with sequence_number > after
        (all when None), byte for byte, then data: [DONE]."""
        want = [b for _, b, p in original.frames if p != "[DONE]" and (after is None or seq(p) > after)]
        got = [b for _, b, p in resumed.frames if p != "[DONE]"]
        self.assertEqual(resumed.payloads()[-1:], ["[DONE]"], "resumed stream must end with [DONE]: %s"
                         % resumed.kinds()[-3:])
        self.assertEqual(len(got), len(want), "resumed %s\noriginal %s" % (resumed.kinds(), original.kinds()))
        for i, (g, w) in enumerate(zip(got, want)):
            self.assertEqual(g, w, "frame %d of the resumed stream differs from the original" % i)
        self.assertTrue(resumed.r.complete, "resumed body not terminated")


# =============================================================================================

class _Create:

    def test_create_returns_at_once_then_runs_to_completion(self):
        mark = self.marker()
        obj, dt = self.bg_create({"model": "slow-8-250", "input": mark, "metadata": {"k": "v"},
                                  "instructions": "Be brief."})
        recs = self.up_recs(mark)
        self.assertFalse(recs and recs[0]["completed"], "create answered only after the upstream finished")
        self.assertLess(dt, 1.5, "the create took %.2f s; the upstream needs 2 s" % dt)
        self.assertEqual((obj["model"], obj["metadata"], obj["instructions"]), ("slow-8-250", {"k": "v"}, "Be brief."))
        t0 = time.monotonic()
        final = self.poll(obj["id"])[-1]
        self.assertEqual(final["status"], "completed", final)
        self.assertGreater(time.monotonic() - t0 + dt, 1.2, "finished too early for an 8 x 250 ms upstream")
        self.assertEqual(message_text(final), slow_text(8))
        self.assertEqual([(it["type"], it["status"]) for it in final["output"]], [("message", "completed")])
        self.assertUsage(final, mark, 8)
        self.assertEqual((final["id"], final["created_at"], final["background"], final["metadata"]),
                         (obj["id"], obj["created_at"], True, {"k": "v"}))
        self.assertGreaterEqual(final["completed_at"], final["created_at"])
        self.assertTrue(self.up_rec(mark)["completed"])
        time.sleep(0.3)
        self.assertEqual(self.get(obj["id"]), final, "a terminal response never changes")

    def test_final_object_equals_the_foreground_one(self):
        body = {"model": "slow-3-100", "input": "same either way", "instructions": "I", "metadata": {"a": "b"},
                "temperature": 0.5, "top_p": 0.9, "max_output_tokens": 64}
        _, fg = self.create(body)
        obj, _ = self.bg_create(body)
        final = self.poll(obj["id"])[-1]
        self.assertEqual(normalize(dict(final, background=False)), normalize(fg),
                         "a background run must end in the same Response as a foreground one")

    def test_background_false_is_an_ordinary_response(self):
        _, obj = self.create({"model": "gpt-test", "input": "fg", "background": False})
        self.assertEqual((obj["status"], obj["background"]), ("completed", False))

    def test_background_requires_store(self):
        for stream in (False, True):
            with self.subTest(stream=stream):
                self.fake.reset()
                r = self.bg_post({"model": "gpt-test", "input": "x", "store": False}, stream=stream)
                err = self.assertErrorEnvelope(r, 400, type_="invalid_request_error")
                self.assertIn(err["param"], ("store", "background"), err)
                self.assertTrue("store" in err["message"] or "background" in err["message"], err)
                self.assertEqual(self.fake.requests(), [], "a refused create must not reach the upstream")

    def test_stream_starts_created_queued_then_live(self):
        mark = self.marker()
        s = self.bg_stream({"model": "slow-12-150", "input": mark})
        created = s.frames[0][2]
        queued = s.next()[2]
        recs = self.up_recs(mark)
        self.assertFalse(recs and recs[0]["completed"], "the first events came only after the upstream finished")
        self.assertEqual((kind(created), seq(created), created["response"]["status"]), ("response.created", 0, "queued"))
        self.assertEqual((kind(queued), seq(queued), queued["response"]["status"]), ("response.queued", 1, "queued"))
        self.assertIs(created["response"]["background"], True)
        self.assertEqual(queued["response"]["id"], created["response"]["id"])
        s.rest()
        try:
            events = vr.check_stream(s.raw())
        except vr.CheckError as e:
            self.fail("stream fails validate_responses: %s\n%s" % (e, s.raw().decode(errors="replace")[-2000:]))
        self.assertEqual([e["sequence_number"] for e in events], list(range(len(events))))
        self.assertEqual([e["type"] for e in events],
                         ["response.created", "response.queued", "response.in_progress", "response.output_item.added",
                          "response.content_part.added"] + ["response.output_text.delta"] * 12 +
                         ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                          "response.completed"])
        self.assertEqual([e["delta"] for e in events if e["type"] == "response.output_text.delta"], slow_deltas(12))
        self.assertTrue(s.r.complete)
        at = [t for t, _, p in s.frames if kind(p) == "response.output_text.delta"]
        self.assertGreater(at[-1] - at[0], 0.8, "deltas were not relayed live (%.2f s apart)" % (at[-1] - at[0]))
        final = events[-1]["response"]
        self.assertEqual((final["status"], final["background"]), ("completed", True))
        self.assertUsage(final, mark, 12)
        self.assertEqual(self.get(final["id"]), final, "GET returns what response.completed carried")

    def test_stream_client_leaving_does_not_cancel(self):
        mark = self.marker()
        s = self.bg_stream({"model": "slow-10-150", "input": mark})
        rid = s.frames[0][2]["response"]["id"]
        s.until(lambda p: kind(p) == "response.output_text.delta", "a text delta")
        s.close()
        final = self.poll(rid)[-1]
        self.assertEqual(final["status"], "completed", final)
        self.assertEqual(message_text(final), slow_text(10))
        rec = self.up_rec(mark)
        self.assertEqual((rec["completed"], rec["disconnected"]), (True, False))

    def test_failed_run_streamed(self):
        s = self.bg_stream({"model": "fault-500", "input": "x"})
        s.rest()
        try:
            events = vr.check_stream(s.raw())
        except vr.CheckError as e:
            self.fail("stream fails validate_responses: %s\n%s" % (e, s.raw().decode(errors="replace")[-2000:]))
        self.assertEqual([e["type"] for e in events][:2], ["response.created", "response.queued"])
        self.assertEqual(events[-1]["type"], "response.failed")
        final = events[-1]["response"]
        self.assertEqual((final["status"], final["error"]["code"]), ("failed", "server_error"))
        self.assertEqual(self.get(final["id"]), final)


class CreateSqlite(_Create, BackgroundCase):
    BACKEND = "sqlite"


class CreatePgRedis(_Create, BackgroundCase):
    BACKEND = "postgres"
    REDIS = True


# =============================================================================================

class _Poll:

    def test_poll_shows_output_as_it_grows(self):
        mark = self.marker()
        obj, _ = self.bg_create({"model": "slow-10-300", "input": mark})
        snaps = self.poll(obj["id"], every=0.04)
        final = snaps[-1]
        self.assertEqual(final["status"], "completed", final)
        self.assertEqual(message_text(final), slow_text(10))
        self.assertUsage(final, mark, 10)
        rank = {"queued": 0, "in_progress": 1}
        ranks = [rank[s["status"]] for s in snaps[:-1]]
        self.assertEqual(ranks, sorted(ranks), "status went back: %r" % [s["status"] for s in snaps])
        prefixes = {"".join(slow_deltas(10)[:k]) for k in range(11)}
        texts = [message_text(s) for s in snaps]
        for a, b in zip(texts, texts[1:]):
            self.assertTrue(b.startswith(a), "output shrank or changed: %r then %r" % (a, b))
        partial = sorted({t for s, t in zip(snaps[:-1], texts) if t})
        # how often the text so far is published is the gateway's choice; a 3 s run polled
        # every 40 ms must show it at least twice before the end
        self.assertGreaterEqual(len(partial), 2, "a 3 s run polled every 40 ms must show its text growing: %r"
                                % sorted(set(texts)))
        for s, t in zip(snaps[:-1], texts):
            self.assertIn(t, prefixes, "text so far must be the deltas received so far")
            self.assertEqual((s["usage"], s["completed_at"], s["error"], s["background"]), (None, None, None, True))
            if s["status"] == "queued":
                self.assertEqual(s["output"], [])
            if t:
                self.assertEqual(s["status"], "in_progress")
                self.assertEqual([(it["type"], it["status"]) for it in s["output"]], [("message", "in_progress")])
                self.assertEqual(s["output"][0]["id"], final["output"][0]["id"], "item ids are kept")

    def test_poll_shows_finished_items(self):
        """slow-6-300-reasoning: 1.8 s of reasoning, then 1.8 s of text. While the text is being
        written, GET shows the reasoning item finished, exactly as it will stay."""
        mark = self.marker()
        obj, _ = self.bg_create({"model": "slow-6-300-reasoning", "input": mark})
        snaps = self.poll(obj["id"], every=0.04)
        final = snaps[-1]
        self.assertEqual(final["status"], "completed", final)
        self.assertEqual([(it["type"], it["status"]) for it in final["output"]],
                         [("reasoning", "completed"), ("message", "completed")])
        self.assertEqual(final["output"][0]["content"],
                         [{"type": "reasoning_text", "text": fake_upstream.slow_reasoning_text(6)}])
        self.assertEqual(message_text(final), slow_text(6))
        self.assertUsage(final, mark, 12)
        done_first = [s for s in snaps[:-1] if s["output"] and s["output"][0]["status"] == "completed"]
        self.assertTrue(done_first, "the finished reasoning item was never visible while the text was written")
        prefixes = {"".join(slow_deltas(6)[:k]) for k in range(7)}
        for s in done_first:
            self.assertEqual(s["status"], "in_progress")
            self.assertEqual(s["output"][0], final["output"][0], "a finished item is shown as it will stay")
            self.assertLessEqual(len(s["output"]), 2)
            if len(s["output"]) == 2:
                self.assertEqual((s["output"][1]["type"], s["output"][1]["status"]), ("message", "in_progress"))
                self.assertIn(message_text(s), prefixes)

    def test_upstream_http_errors_fail_the_run(self):
        for model, code in (("fault-500", "server_error"), ("fault-429", "rate_limit_exceeded")):
            with self.subTest(model=model):
                obj, _ = self.bg_create({"model": model, "input": "x"})
                final = self.poll(obj["id"])[-1]
                self.assertEqual(final["status"], "failed", final)
                self.assertEqual(final["error"]["code"], code, final["error"])
                self.assertIsInstance(final["error"]["message"], str)
                self.assertTrue(final["error"]["message"])
                self.assertEqual((final["completed_at"], final["incomplete_details"], final["background"]),
                                 (None, None, True))
                self.assertEqual(self.get(obj["id"]), final)

    def test_upstream_cut_mid_stream_fails_the_run(self):
        obj, _ = self.bg_create({"model": "slow-6-150-cut", "input": "x"})
        snaps = self.poll(obj["id"], every=0.04)
        final = snaps[-1]
        self.assertEqual(final["status"], "failed", final)
        self.assertEqual(final["error"]["code"], "server_error")
        self.assertEqual((final["completed_at"], final["background"]), (None, True))
        self.assertTrue(all(s["status"] in ACTIVE for s in snaps[:-1]))
        # spec 9.4 (f): an unfinished item may be kept (status incomplete) or dropped
        for it in final["output"]:
            self.assertEqual(it["status"], "incomplete", it)
        self.assertTrue(slow_text(6).startswith(message_text(final)))

    def test_length_cut_is_incomplete(self):
        mark = self.marker()
        obj, _ = self.bg_create({"model": "slow-6-150-length", "input": mark})
        final = self.poll(obj["id"])[-1]
        self.assertEqual(final["status"], "incomplete", final)
        self.assertEqual(final["incomplete_details"], {"reason": "max_output_tokens"})
        self.assertEqual((final["error"], final["completed_at"]), (None, None))
        self.assertEqual(message_text(final), slow_text(6))
        self.assertEqual([it["status"] for it in final["output"]], ["incomplete"])
        self.assertUsage(final, mark, 6)
        self.assertEqual(self.get(obj["id"]), final)

    def test_other_key_cannot_see_it(self):
        obj, _ = self.bg_create({"model": "slow-3-100", "input": "mine"})
        self.assertNotFound(self.retrieve(obj["id"], key=GW_KEY_B), obj["id"])
        self.assertEqual(self.poll(obj["id"])[-1]["status"], "completed")
        self.assertNotFound(self.retrieve(obj["id"], key=GW_KEY_B), obj["id"])


class PollSqlite(_Poll, BackgroundCase):
    BACKEND = "sqlite"


class PollPgRedis(_Poll, BackgroundCase):
    BACKEND = "postgres"
    REDIS = True


# =============================================================================================

class _Cancel:

    def _running(self, model="slow-150-100"):
        """A background run whose upstream has sent 2 deltas: (id, marker)."""
        mark = self.marker()
        obj, _ = self.bg_create({"model": model, "input": mark})
        self.up_rec(mark, lambda q: q.get("deltas_sent", 0) >= 2, what="2 deltas from the upstream")
        return obj["id"], mark

    def test_cancel_running_stops_the_upstream(self):
        rid, mark = self._running()
        t_cancel = time.time()
        c = self.check(self.ok(self.cancel(rid)))
        self.assertEqual((c["id"], c["status"], c["background"]), (rid, "cancelled", True))
        self.assertEqual((c["error"], c["completed_at"], c["incomplete_details"]), (None, None, None))
        rec = self.assertStopped(mark, t_cancel)
        self.assertLess(rec["deltas_sent"], 150)
        self.assertEqual(self.get(rid), c, "GET after the cancel returns the cancelled Response")
        time.sleep(0.5)
        self.assertEqual(self.get(rid), c, "a cancelled response never changes")
        self.assertEqual(len(self.up_recs(mark)), 1, "a cancelled run is not retried")

    def test_cancel_is_idempotent(self):
        rid, _ = self._running()
        c1 = self.ok(self.cancel(rid))
        c2 = self.ok(self.cancel(rid))
        self.assertEqual(c1["status"], "cancelled")
        self.assertEqual(c2, c1)
        time.sleep(0.3)
        self.assertEqual(self.ok(self.cancel(rid)), c1)

    def test_cancel_right_after_create(self):
        mark = self.marker()
        obj, _ = self.bg_create({"model": "slow-150-100", "input": mark})
        t_cancel = time.time()
        c = self.check(self.ok(self.cancel(obj["id"])))
        self.assertEqual(c["status"], "cancelled")
        time.sleep(0.5)
        recs = self.up_recs(mark)   # the upstream call was never made, or was cut at once
        if recs:
            self.assertStopped(mark, t_cancel)
        self.assertEqual(self.get(obj["id"]), c)

    def test_cancel_finished_returns_it_unchanged(self):
        for model, status in (("gpt-test", "completed"), ("fault-500", "failed"), ("length", "incomplete")):
            with self.subTest(model=model):
                obj, _ = self.bg_create({"model": model, "input": "finish first"})
                final = self.poll(obj["id"])[-1]
                self.assertEqual(final["status"], status)
                self.assertEqual(self.ok(self.cancel(obj["id"])), final)
                self.assertEqual(self.get(obj["id"]), final)

    def test_cancel_non_background_is_400(self):
        _, obj = self.create({"model": "gpt-test", "input": "foreground"})
        err = self.assertErrorEnvelope(self.cancel(obj["id"]), 400, type_="invalid_request_error")
        self.assertEqual(err["message"], CANCEL_NON_BACKGROUND)
        self.assertEqual(self.get(obj["id"]), obj)

    def test_cancel_unknown_or_foreign_is_404(self):
        rid = "resp_" + "0" * 48
        self.assertNotFound(self.cancel(rid), rid)
        mark = self.marker()
        obj, _ = self.bg_create({"model": "slow-10-150", "input": mark})
        self.assertNotFound(self.cancel(obj["id"], key=GW_KEY_B), obj["id"])
        final = self.poll(obj["id"])[-1]
        self.assertEqual(final["status"], "completed", "another key's cancel must not touch the run")
        self.assertFalse(self.up_rec(mark)["disconnected"])

    def test_cancel_ends_a_live_stream(self):
        mark = self.marker()
        s = self.bg_stream({"model": "slow-150-100", "input": mark})
        rid = s.frames[0][2]["response"]["id"]
        s.until(lambda p: kind(p) == "response.output_text.delta", "a text delta")
        t0 = time.monotonic()
        t_cancel = time.time()
        self.assertEqual(self.ok(self.cancel(rid))["status"], "cancelled")
        s.rest()
        self.assertLess(s.frames[-1][0] - t0, 2.0, "the live stream went on after the cancel")
        self.assertEqual(s.payloads()[-1], "[DONE]", s.kinds()[-3:])
        self.assertTrue(s.r.complete, "the stream must end cleanly (terminating chunk)")
        events = s.events()
        self.assertEqual([seq(e) for e in events], list(range(len(events))))
        self.assertFalse(set(TERMINAL_EVENTS) & set(s.kinds()), "no terminal event for a cancel: %s" % s.kinds())
        self.assertStopped(mark, t_cancel)


class CancelSqlite(_Cancel, BackgroundCase):
    BACKEND = "sqlite"


class CancelPgRedis(_Cancel, BackgroundCase):
    BACKEND = "postgres"
    REDIS = True


if __name__ == "__main__":
    unittest.main()
