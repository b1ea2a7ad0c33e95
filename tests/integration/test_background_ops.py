"""Background responses, operations side (spec/responses-api.md section 10, design.md sections 2
and 6): two gateway processes sharing PostgreSQL and Redis (create on A; poll, resume and cancel
on B), an instance killed with SIGKILL while running a response (the response becomes `failed`
within lease_s + the sweep interval + slack, with the error below), runs longer than the lease
(renewed, not failed), the caps on concurrent background responses (429), and the event log
expiring with the response. Single-instance classes run on SQLite without Redis and on PostgreSQL
with Redis; BackgroundCase and the helpers come from test_background.py.

Config read by these tests (top level): `redis: {url}` and
`background: {lease_s, max_per_key, max_total}`; `store.sweep_interval_s` and `store.ttl_s`.
"""

import signal
import time
import traceback

from common import GW_KEY_B, Gateway, redis_keys
from test_background import ACTIVE, BackgroundCase, kind, message_text, slow_text

STALE_ERROR = {"code": "server_error",
               "message": "The gateway instance running this response stopped before it finished."}
LEASE_S = 3
SWEEP_S = 1
SLACK_S = 6      # process start, PostgreSQL/Redis round trips, an ASan build


def assert_stale(test, rid, t_kill, gw=None):
    """The dead instance's run rid becomes `failed` with STALE_ERROR (GET on gw) within
    LEASE_S + SWEEP_S + SLACK_S of t_kill. Returns the final object."""
    bound = LEASE_S + SWEEP_S + SLACK_S
    final = test.poll(rid, timeout=bound, every=0.2, gw=gw)[-1]
    test.assertEqual(final["status"], "failed", "%s %.1f s after the kill" % (final["status"], time.monotonic() - t_kill))
    test.assertEqual(final["error"], STALE_ERROR)
    test.assertEqual((final["completed_at"], final["background"]), (None, True))
    test.assertLess(time.monotonic() - t_kill, bound)
    return final


def kill9(gw):
    """SIGKILL the gateway process and release its files (no clean-exit check: it was killed)."""
    gw.signal(signal.SIGKILL)
    gw.wait(10)
    gw.kill()
    gw.cleanup()


class _TwoGateways:
    """cls.gw is gateway A; cls.other is gateway B, started with the same config (the same
    PostgreSQL database and Redis), on its own port."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = None
        cls.other_error = None
        if cls.gw is not None:
            try:
                cls.other = Gateway(cls.make_config(), fake=cls.fake, env=cls.ENV, args=cls.ARGS).start()
            except Exception:  # noqa: BLE001 - reported by every test of the class
                cls.other_error = traceback.format_exc(limit=1)

    @classmethod
    def tearDownClass(cls):
        problems = []
        if cls.other is not None:
            problems = cls.other.stop()
            if not problems:
                cls.other.cleanup()
        try:
            super().tearDownClass()
        finally:
            if problems:
                raise AssertionError("gateway B shutdown: " + "\n".join(problems))

    def setUp(self):
        super().setUp()
        if self.other_error:
            self.fail("gateway B failed to start:\n" + self.other_error)

    def tearDown(self):
        super().tearDown()
        if self.other is not None and not self.other.alive():
            self.fail("gateway B died during the test:\n" + self.other.stderr_tail())


# =============================================================================================

class SharedPgRedis(_TwoGateways, BackgroundCase):
    """Any instance answers for any background response."""
    BACKEND = "postgres"
    REDIS = True

    def test_create_on_a_poll_on_b(self):
        mark = self.marker()
        obj, _ = self.bg_create({"model": "slow-10-300", "input": mark})
        snaps = self.poll(obj["id"], gw=self.other, every=0.04)
        final = snaps[-1]
        self.assertEqual(final["status"], "completed", final)
        self.assertEqual(message_text(final), slow_text(10))
        self.assertUsage(final, mark, 10)
        partial = {message_text(s) for s in snaps[:-1] if s["status"] == "in_progress"} - {""}
        self.assertGreaterEqual(len(partial), 2, "B must show A's run growing, not only its end: %r" % partial)
        self.assertEqual(self.get(obj["id"]), final, "A and B return the same object")

    def test_create_on_b_poll_on_a(self):
        obj, _ = self.bg_create({"model": "slow-3-100", "input": "made on B"}, gw=self.other)
        final = self.poll(obj["id"])[-1]
        self.assertEqual((final["status"], message_text(final)), ("completed", slow_text(3)))
        self.assertEqual(self.get(obj["id"], gw=self.other), final)

    def test_stream_on_a_resume_on_b(self):
        s = self.bg_stream({"model": "slow-12-150", "input": self.marker()})
        rid = s.frames[0][2]["response"]["id"]
        s.until(lambda p: isinstance(p, dict) and p["sequence_number"] >= 6, "sequence number 6")
        r = self.resume(rid, starting_after=3, gw=self.other)
        r.rest()
        s.rest()
        self.assertEqual(kind(s.events()[-1]), "response.completed")
        self.assertReplay(r, s, 3)
        self.assertGreater(r.frames[-1][0] - r.frames[0][0], 0.3, "B's stream did not follow A's run live")
        full = self.resume(rid, gw=self.other)
        full.rest()
        self.assertReplay(full, s, None)

    def test_cancel_on_b_stops_the_run_on_a(self):
        mark = self.marker()
        obj, _ = self.bg_create({"model": "slow-150-100", "input": mark})
        self.up_rec(mark, lambda q: q.get("deltas_sent", 0) >= 2, what="2 deltas from the upstream")
        t_cancel = time.time()
        c = self.check(self.ok(self.cancel(obj["id"], gw=self.other)))
        self.assertEqual(c["status"], "cancelled")
        self.assertStopped(mark, t_cancel, within=2.0)
        self.assertEqual(self.get(obj["id"]), c, "A shows B's cancel")
        self.assertEqual(self.ok(self.cancel(obj["id"])), c, "cancel on A afterwards: unchanged")

    def test_cancel_on_b_ends_the_stream_on_a(self):
        mark = self.marker()
        s = self.bg_stream({"model": "slow-150-100", "input": mark})
        rid = s.frames[0][2]["response"]["id"]
        s.until(lambda p: kind(p) == "response.output_text.delta", "a text delta")
        t0 = time.monotonic()
        t_cancel = time.time()
        self.assertEqual(self.ok(self.cancel(rid, gw=self.other))["status"], "cancelled")
        s.rest()
        self.assertLess(s.frames[-1][0] - t0, 3.0, "A's stream went on after B's cancel")
        self.assertEqual(s.payloads()[-1], "[DONE]")
        self.assertNotIn("response.completed", s.kinds())
        self.assertStopped(mark, t_cancel, within=2.0)


# =============================================================================================

class _Crash:
    BACKGROUND = {"lease_s": LEASE_S}
    STORE_EXTRA = {"sweep_interval_s": SWEEP_S}

    def restart_after_kill(self):
        """SIGKILL the class gateway, start a new one on the same store (and Redis)."""
        kill9(self.gw)
        type(self).gw = None
        type(self).gw = Gateway(self.make_config(), fake=self.fake, env=self.ENV, args=self.ARGS).start()

    def _running(self, stream=False):
        mark = self.marker()
        if stream:
            s = self.bg_stream({"model": "slow-300-100", "input": mark})
            rid = s.frames[0][2]["response"]["id"]
        else:
            s = None
            rid = self.bg_create({"model": "slow-300-100", "input": mark})[0]["id"]
        self.up_rec(mark, lambda q: q.get("deltas_sent", 0) >= 2, what="2 deltas from the upstream")
        self.assertEqual(self.get(rid)["status"], "in_progress")
        return rid, mark, s

    def test_killed_instance_run_becomes_failed(self):
        rid, mark, _ = self._running()
        t_kill = time.monotonic()
        self.restart_after_kill()
        final = assert_stale(self, rid, t_kill)
        self.assertTrue(self.up_rec(mark)["disconnected"], "the killed instance's upstream call is gone")
        self.assertEqual(len(self.up_recs(mark)), 1, "the run must not be started again")
        self.assertEqual(self.ok(self.cancel(rid)), final, "cancel of the failed run: unchanged")
        time.sleep(SWEEP_S + 0.5)
        self.assertEqual(self.get(rid), final)

    def test_stream_of_a_killed_instance_ends(self):
        rid, _, s = self._running(stream=True)
        s.close()
        t_kill = time.monotonic()
        self.restart_after_kill()
        r = self.resume(rid, timeout=LEASE_S + SWEEP_S + SLACK_S + 5)
        r.rest()
        self.assertLess(time.monotonic() - t_kill, LEASE_S + SWEEP_S + SLACK_S,
                        "a stream re-attached to a dead instance's run must end once the run is failed")
        self.assertEqual(r.payloads()[-1:], ["[DONE]"], r.kinds()[-3:])
        self.assertEqual(self.get(rid)["status"], "failed")

    def test_sigterm_lets_a_run_finish(self):
        """SIGTERM drains: a running background response finishes (and is stored) before the
        process exits, like an open stream; a new instance on the same store serves it."""
        mark = self.marker()
        rid = self.bg_create({"model": "slow-12-150", "input": mark})[0]["id"]
        self.up_rec(mark, lambda q: q.get("deltas_sent", 0) >= 2, what="2 deltas from the upstream")
        t0 = time.monotonic()
        problems = self.gw.stop(timeout=20)
        self.assertEqual(problems, [], "clean exit after the run finished")
        self.assertGreater(time.monotonic() - t0, 0.5, "the gateway waited for the run")
        self.gw.cleanup()
        type(self).gw = None
        type(self).gw = Gateway(self.make_config(), fake=self.fake, env=self.ENV, args=self.ARGS).start()
        final = self.get(rid)
        self.assertEqual(final["status"], "completed", final.get("error"))
        self.assertEqual(message_text(final), slow_text(12))
        self.assertTrue(self.up_rec(mark)["completed"], "the upstream call ran to its end")

    def test_run_longer_than_the_lease_completes(self):
        obj, _ = self.bg_create({"model": "slow-25-240", "input": "six seconds"})
        final = self.poll(obj["id"], timeout=30, every=0.2)[-1]
        self.assertEqual(final["status"], "completed", "a live instance renews its lease: %r" % final.get("error"))
        self.assertEqual(message_text(final), slow_text(25))


class CrashSqlite(_Crash, BackgroundCase):
    BACKEND = "sqlite"


class CrashPgRedis(_Crash, BackgroundCase):
    BACKEND = "postgres"
    REDIS = True


class CrashSharedPgRedis(_TwoGateways, BackgroundCase):
    """A dies while B keeps running: B's sweeper fails A's run within the bound."""
    BACKEND = "postgres"
    REDIS = True
    BACKGROUND = {"lease_s": LEASE_S}
    STORE_EXTRA = {"sweep_interval_s": SWEEP_S}

    def test_peer_notices_a_dead_instance(self):
        mark = self.marker()
        rid = self.bg_create({"model": "slow-300-100", "input": mark})[0]["id"]
        self.up_rec(mark, lambda q: q.get("deltas_sent", 0) >= 2, what="2 deltas from the upstream")
        t_kill = time.monotonic()
        kill9(self.gw)
        type(self).gw = None
        try:
            assert_stale(self, rid, t_kill, gw=self.other)
        finally:
            type(self).gw = Gateway(self.make_config(), fake=self.fake, env=self.ENV, args=self.ARGS).start()
        self.assertEqual(self.get(rid)["error"], STALE_ERROR)


# =============================================================================================

class _Limits:
    BACKGROUND = {"max_per_key": 2, "max_total": 3}

    def assertCapped(self, r):
        err = self.assertErrorEnvelope(r, 429)
        self.assertEqual(err["code"], "rate_limit_exceeded", err)
        self.assertIn("background", err["message"].lower(), err)

    def test_caps_per_key_and_in_total(self):
        a1 = self.bg_create({"model": "slow-10-300", "input": self.marker()})[0]
        self.bg_create({"model": "slow-300-100", "input": self.marker()})
        refused = [self.marker() for _ in range(4)]
        self.assertCapped(self.bg_post({"model": "slow-3-100", "input": refused[0]}))
        self.assertCapped(self.bg_post({"model": "slow-3-100", "input": refused[1]}, stream=True))
        b1 = self.bg_create({"model": "slow-300-100", "input": self.marker()}, key=GW_KEY_B)[0]
        self.assertCapped(self.bg_post({"model": "slow-3-100", "input": refused[2]}, key=GW_KEY_B))
        _, fg = self.create({"model": "gpt-test", "input": "foreground requests are not capped"})
        self.assertEqual(fg["status"], "completed")
        self.assertEqual([q for m in refused for q in self.up_recs(m)], [], "a refused create reached the upstream")
        self.assertIn(self.get(a1["id"])["status"], ACTIVE, "a1 ended before the caps were checked")
        # a1 finishes: A may start one more, which fills the total again
        self.assertEqual(self.poll(a1["id"])[-1]["status"], "completed")
        self.bg_create({"model": "slow-300-100", "input": self.marker()})
        self.assertCapped(self.bg_post({"model": "slow-3-100", "input": refused[3]}, key=GW_KEY_B))
        self.assertCapped(self.bg_post({"model": "slow-3-100", "input": refused[3]}))
        # a cancel frees a place too
        self.assertEqual(self.ok(self.cancel(b1["id"], key=GW_KEY_B))["status"], "cancelled")
        b3 = self.bg_create({"model": "slow-3-100", "input": self.marker()}, key=GW_KEY_B)[0]
        self.assertEqual(self.poll(b3["id"], key=GW_KEY_B)[-1]["status"], "completed")

    def test_failed_runs_free_their_place(self):
        for i in range(4):
            obj = self.bg_create({"model": "fault-500", "input": "fail %d" % i})[0]
            self.assertEqual(self.poll(obj["id"])[-1]["status"], "failed")


class LimitsSqlite(_Limits, BackgroundCase):
    BACKEND = "sqlite"


class LimitsPgRedis(_Limits, BackgroundCase):
    BACKEND = "postgres"
    REDIS = True


# =============================================================================================

class _Expiry:
    STORE_EXTRA = {"ttl_s": 2, "sweep_interval_s": 1}

    def test_event_log_expires_with_the_response(self):
        t0 = time.monotonic()
        s = self.bg_stream({"model": "gpt-test", "input": "short-lived"})
        s.rest()
        rid = s.frames[0][2]["response"]["id"]
        r = self.resume(rid)
        r.rest()
        self.assertReplay(r, s, None)
        before = redis_keys(self.redis, "*%s*" % rid) if self.redis else []
        time.sleep(max(0.0, 3.5 - (time.monotonic() - t0)))
        self.assertNotFound(self.retrieve(rid), rid)
        gone = self.resume_raw(rid, 0)
        gone.read_all()
        self.assertNotFound(gone, rid)
        self.assertNotFound(self.cancel(rid), rid)
        if before:   # the event log lives under keys naming the id: they must be gone too
            self.assertEqual(redis_keys(self.redis, "*%s*" % rid), [], "Redis keys outlived the response")


class ExpirySqlite(_Expiry, BackgroundCase):
    BACKEND = "sqlite"


class ExpiryPgRedis(_Expiry, BackgroundCase):
    BACKEND = "postgres"
    REDIS = True


if __name__ == "__main__":
    import unittest
    unittest.main()
