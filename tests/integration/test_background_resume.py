"""Background responses: re-attaching to a run with GET /v1/responses/{id}?stream=true
[&starting_after=N] (spec/responses-api.md section 10). The resumed stream repeats the original
stream's frames byte for byte (sequence numbers included) after N (or from response.created),
follows a live run to its end, ends at once for a finished or cancelled run; streaming GET of a
non-background, unknown or another key's response is a plain HTTP error. Every class runs on one
gateway with SQLite and no Redis and on PostgreSQL + Redis (see test_background.py, which has
BackgroundCase and the helpers)."""

import time
import unittest

from test_background import DEFAULT, GW_KEY_B, BackgroundCase, kind, seq, vr


class _Resume:

    def _live(self, model="slow-12-150", upto=6):
        """A streamed background run read up to sequence number `upto`: (Sse, id)."""
        s = self.bg_stream({"model": model, "input": self.marker()})
        s.until(lambda p: seq(p) is not None and seq(p) >= upto, "sequence number %d" % upto)
        return s, s.frames[0][2]["response"]["id"]

    def test_resume_starting_after_mid_run(self):
        s, rid = self._live()
        r = self.resume(rid, starting_after=4)
        first = r.next()
        self.assertIsNotNone(first, "resumed stream is empty")
        self.assertEqual(seq(first[2]), 5, "the first resumed event follows starting_after")
        r.rest()
        s.rest()
        self.assertEqual(s.payloads()[-1], "[DONE]")
        self.assertEqual(kind(s.events()[-1]), "response.completed")
        self.assertReplay(r, s, 4)
        self.assertGreater(r.frames[-1][0] - r.frames[0][0], 0.3, "the resumed stream did not follow the run live")

    def test_resume_without_starting_after_replays_from_the_start(self):
        s, rid = self._live()
        r = self.resume(rid)
        r.rest()
        s.rest()
        self.assertReplay(r, s, None)
        try:
            vr.check_stream(r.raw())
        except vr.CheckError as e:
            self.fail("resumed stream fails validate_responses: %s" % e)

    def test_resume_after_completion(self):
        s, rid = self._live("slow-3-100", upto=0)
        s.rest()
        last = seq(s.events()[-1])
        for after in (None, 0, 5, last - 1):
            with self.subTest(starting_after=after):
                t0 = time.monotonic()
                r = self.resume(rid, starting_after=after, timeout=10)
                r.rest()
                self.assertLess(time.monotonic() - t0, 3, "replay of a finished run must end at once")
                self.assertReplay(r, s, after)
        # the full replay is a valid stream of its own
        r = self.resume(rid)
        r.rest()
        self.assertEqual(vr.check_stream(r.raw())[-1]["type"], "response.completed")

    def test_resume_several_clients_at_once(self):
        s, rid = self._live(upto=3)
        rs = [self.resume(rid, starting_after=a) for a in (None, 1, 2)]
        for r in rs:
            r.rest()
        s.rest()
        for r, a in zip(rs, (None, 1, 2)):
            self.assertReplay(r, s, a)

    def test_resume_of_a_cancelled_run_ends(self):
        s, rid = self._live("slow-150-100", upto=6)
        self.ok(self.cancel(rid))
        s.rest()
        t0 = time.monotonic()
        r = self.resume(rid, timeout=10)
        r.rest()
        self.assertLess(time.monotonic() - t0, 3, "a resumed stream of a cancelled run must end")
        self.assertReplay(r, s, None)

    def test_resume_errors_are_plain_http(self):
        _, fg = self.create({"model": "gpt-test", "input": "foreground"})
        unknown = "resp_" + "0" * 48
        bg = self.bg_create({"model": "slow-3-100", "input": "bg"})[0]
        for rid, key, statuses in ((fg["id"], DEFAULT, (400, 404)), (unknown, DEFAULT, (404,)),
                                   (bg["id"], GW_KEY_B, (404,))):
            with self.subTest(rid=rid, key=key):
                r = self.resume_raw(rid, 0, key=key)
                r.read_all()
                self.assertIn(r.status, statuses, r.body[:300])
                self.assertErrorEnvelope(r, r.status, type_="invalid_request_error")


class ResumeSqlite(_Resume, BackgroundCase):
    BACKEND = "sqlite"


class ResumePgRedis(_Resume, BackgroundCase):
    BACKEND = "postgres"
    REDIS = True


if __name__ == "__main__":
    unittest.main()
