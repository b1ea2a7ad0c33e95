"""Shared pieces of the integration suite: configs and a TestCase base that owns one fake
upstream + one gateway per test class."""

import json
import os
import sys
import time
import traceback
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "support"))

import fake_upstream  # noqa: E402,F401
from harness import (GW_KEY, GW_KEY_B, UP_KEY, FakeUpstream, Gateway, raw_request,  # noqa: E402,F401
                     sse_payloads)

FAULT_MODELS = sorted(fake_upstream.FAULTS)


def config(server_extra="", first_byte_ms=5000, idle_ms=5000, heartbeat_ms=15000, keys=True,
           max_body="1MiB"):
    """The standard config: two gateway keys (unless keys=False), gpt-test -> upstream-model,
    LiteLLM-style `slow`, `nokey` (no api_key), `dead` on a closed port, and one deployment per
    fault model (same name upstream)."""
    lines = [
        "# Switchyard integration-test config",
        "server:",
        "  listen: 127.0.0.1:@PORT@",
        "  workers: 2",
        "  max_body_bytes: %s" % max_body,
        "  heartbeat_ms: %d" % heartbeat_ms,
        "  drain_ms: 30000",
        "  timeouts: { connect_ms: 2000, first_byte_ms: %d, idle_ms: %d }" % (first_byte_ms, idle_ms),
    ]
    if server_extra:
        lines.append(server_extra)
    if keys:
        lines += [
            "keys:",
            "  - { key: os.environ/GW_KEY, name: team-a }",
            "  - key: os.environ/GW_KEY_B",
            "    name: team-b",
        ]
    lines += [
        "model_list:",
        "  - model_name: gpt-test",
        "    params: { provider: openai-chat, model: upstream-model, api_base: @UPSTREAM@, api_key: os.environ/UP_KEY }",
        "  - model_name: slow",
        "    litellm_params: { model: openai/fault-slow, api_base: @UPSTREAM@, api_key: os.environ/UP_KEY }",
        "  - model_name: nokey",
        "    params: { provider: openai-chat, model: upstream-model, api_base: @UPSTREAM@ }",
        "  - model_name: dead",
        "    params: { provider: openai-chat, model: upstream-model, api_base: @CLOSED@, api_key: os.environ/UP_KEY }",
    ]
    for m in FAULT_MODELS:
        lines += [
            "  - model_name: %s" % m,
            "    params: { provider: openai-chat, model: %s, api_base: @UPSTREAM@, api_key: os.environ/UP_KEY }" % m,
        ]
    lines += [
        "  - model_name: gpt-test",   # a second deployment of the same name: listed once
        "    params: { provider: openai-chat, model: upstream-model, api_base: @UPSTREAM@, api_key: os.environ/UP_KEY }",
    ]
    return "\n".join(lines) + "\n"


def chat_body(model="gpt-test", text="hi", stream=False, usage=False, **extra):
    b = {"model": model, "messages": [{"role": "user", "content": text}]}
    if stream:
        b["stream"] = True
    if usage:
        b["stream_options"] = {"include_usage": True}
    b.update(extra)
    return json.dumps(b).encode()


def req_n(resp):
    """req_fake_<n> -> n (the fake's request number), or None."""
    rid = resp.header("x-request-id") or ""
    return int(rid[len("req_fake_"):]) if rid.startswith("req_fake_") else None


def replace_model(body_bytes, old, new):
    """The client's bytes with the one `"model": "<old>"` value replaced (nothing else)."""
    needle = ('"%s"' % old).encode()
    assert body_bytes.count(needle) == 1, "test body must contain the model string exactly once"
    return body_bytes.replace(needle, ('"%s"' % new).encode())


class GatewayCase(unittest.TestCase):
    """One fake upstream + one gateway per class. A gateway start failure fails every test of
    the class (not just once); a crash, a sanitizer report, or an unclean SIGTERM exit fails."""

    CONFIG = None          # YAML text, or None for environment-only
    ENV = {}
    ARGS = []

    @classmethod
    def make_config(cls):
        return cls.CONFIG

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeUpstream().start()
        cls.gw = None
        cls.start_error = None
        try:
            cls.gw = Gateway(cls.make_config(), fake=cls.fake, env=cls.ENV, args=cls.ARGS).start()
        except Exception:
            cls.start_error = traceback.format_exc(limit=1)

    @classmethod
    def tearDownClass(cls):
        problems = []
        if cls.gw is not None:
            problems = cls.gw.stop()
            if not problems:
                cls.gw.cleanup()
        cls.fake.stop()
        if problems:
            raise AssertionError("gateway shutdown: " + "\n".join(problems))

    def setUp(self):
        if self.start_error:
            self.fail("gateway failed to start:\n" + self.start_error)
        self.fake.reset()
        self._stderr_mark = len(self.gw.stderr_text())

    def tearDown(self):
        if self.gw is None:
            return
        if not self.gw.alive():
            self.fail("gateway died during the test (status %s):\n%s"
                      % (self.gw.proc.returncode, self.gw.stderr_tail()))
        rep = self.gw.sanitizer_report(self.gw.stderr_text()[self._stderr_mark:])
        if rep:
            self.fail("sanitizer report during the test:\n" + rep)

    # -- helpers
    def assertErrorEnvelope(self, r, status, type_=None, code="__any__", param="__any__"):
        self.assertEqual(r.status, status, "status; body=%r" % r.body[:500])
        ct = r.header("content-type") or ""
        self.assertTrue(ct.startswith("application/json"), "content-type %r" % ct)
        body = json.loads(r.body)
        self.assertIn("error", body, body)
        err = body["error"]
        self.assertEqual(set(err), {"message", "type", "param", "code"}, err)
        self.assertIsInstance(err["message"], str)
        self.assertTrue(err["message"], "empty message")
        if type_ is not None:
            self.assertEqual(err["type"], type_, err)
        if code != "__any__":
            self.assertEqual(err["code"], code, err)
        if param != "__any__":
            self.assertEqual(err["param"], param, err)
        self.assertTrue(r.header("x-request-id"), "x-request-id missing on an error response")
        return err

    def stream_events(self, r, deadline_s=20.0):
        """Read a whole SSE response; returns [(t, event_bytes)]."""
        out = []
        t_end = time.monotonic() + deadline_s
        for t, ev in r.iter_events():
            out.append((t, ev))
            if time.monotonic() > t_end:
                self.fail("stream did not end within %.0f s" % deadline_s)
        return out

    def assertErrorThenDone(self, events, code):
        """The stream ends with `data: {"error":{..code..}}` then `data: [DONE]` and nothing else."""
        payloads = [p for kind, p in sse_payloads([e for _, e in events]) if kind == "data"]
        self.assertGreaterEqual(len(payloads), 2, payloads)
        self.assertEqual(payloads[-1], "[DONE]", "stream must end with [DONE]; last payloads: %r"
                         % [p[:120] for p in payloads[-3:]])
        err = json.loads(payloads[-2])
        self.assertEqual(set(err), {"error"}, "expected an error chunk before [DONE] (code %s), got %s"
                         % (code, payloads[-2][:160]))
        e = err["error"]
        self.assertEqual(e.get("type"), "server_error", e)
        self.assertIsNone(e.get("param"), e)
        self.assertEqual(e.get("code"), code, e)
        self.assertIsInstance(e.get("message"), str)
        return payloads


# ---------------------------------------------------------------------------------------------
# PostgreSQL for the stateful tests (test_stored_responses.py, test_conversations.py).
# SWITCHYARD_TEST_PG_URL is a libpq URL of a server where we may CREATE DATABASE (scripts/test.sh
# starts one and exports it). Unset: the PostgreSQL variants fail, unless
# SWITCHYARD_TEST_PG_OPTIONAL=1, which makes them skip.

PG_URL_ENV = "SWITCHYARD_TEST_PG_URL"
PG_OPTIONAL_ENV = "SWITCHYARD_TEST_PG_OPTIONAL"


def pg_url():
    """The test server's URL, or None."""
    return os.environ.get(PG_URL_ENV) or None


def pg_optional():
    return os.environ.get(PG_OPTIONAL_ENV) == "1"


def _psql():
    import shutil
    for p in (shutil.which("psql"), "/usr/bin/psql", "/usr/lib/postgresql/15/bin/psql"):
        if p and os.path.exists(p):
            return p
    raise RuntimeError("psql not found (needed to create the per-class test databases)")


def pg_exec(url, sql, timeout=30):
    """Run one SQL statement with psql against url; raises with psql's stderr on failure."""
    import subprocess
    p = subprocess.run([_psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("psql %r failed (%d): %s" % (sql, p.returncode, p.stderr.decode(errors="replace")))
    return p.stdout.decode(errors="replace")


def pg_url_with_db(url, dbname):
    """url with its database replaced by dbname (URI form or key=value form)."""
    import urllib.parse
    if url.startswith("postgres://") or url.startswith("postgresql://"):
        u = urllib.parse.urlsplit(url)
        return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + dbname, u.query, u.fragment))
    parts = [p for p in url.split() if not p.startswith("dbname=")]
    return " ".join(parts + ["dbname=" + dbname])


def pg_create_database(url, prefix="sy_test"):
    """CREATE DATABASE <prefix>_<random> on the server of url; returns (name, its url)."""
    import secrets
    name = "%s_%s" % (prefix, secrets.token_hex(6))
    pg_exec(url, "CREATE DATABASE %s" % name)
    return name, pg_url_with_db(url, name)


def pg_drop_database(url, name):
    """DROP DATABASE name (closing any sessions still on it); errors are returned, not raised."""
    try:
        pg_exec(url, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name)
        return None
    except Exception as e:  # noqa: BLE001 - cleanup must not mask the test result
        return str(e)


# ---------------------------------------------------------------------------------------------
# Redis for the background-response tests (test_background*.py). SWITCHYARD_TEST_REDIS_URL is
# `redis://127.0.0.1:PORT` of a throwaway server (scripts/test.sh starts one with
# scripts/redis-test-server.sh and exports it). Unset: the Redis variants fail, unless
# SWITCHYARD_TEST_REDIS_OPTIONAL=1, which makes them skip (the same rule as PostgreSQL).

REDIS_URL_ENV = "SWITCHYARD_TEST_REDIS_URL"
REDIS_OPTIONAL_ENV = "SWITCHYARD_TEST_REDIS_OPTIONAL"


def redis_url():
    """The test Redis server's URL, or None."""
    return os.environ.get(REDIS_URL_ENV) or None


def redis_optional():
    return os.environ.get(REDIS_OPTIONAL_ENV) == "1"


def redis_ping(url, timeout=2.0):
    """None if a Redis server answers PING at url (redis://host:port[/db]), else why not."""
    import socket
    import urllib.parse
    u = urllib.parse.urlsplit(url)
    try:
        with socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379), timeout=timeout) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            got = s.recv(64)
    except OSError as e:
        return "cannot reach Redis at %s: %s" % (url, e)
    return None if got.startswith(b"+PONG") else "unexpected answer to PING from %s: %r" % (url, got)


def redis_command(url, *args, timeout=5.0):
    """One command to the Redis at url (redis://[:password@]host:port[/db]); the decoded reply:
    bytes, int, list or None. An error reply raises RuntimeError."""
    import socket
    import urllib.parse
    u = urllib.parse.urlsplit(url)
    with socket.create_connection((u.hostname or "127.0.0.1", u.port or 6379), timeout=timeout) as s:
        f = s.makefile("rb")

        def send(parts):
            parts = [p if isinstance(p, bytes) else str(p).encode() for p in parts]
            s.sendall(b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts))

        def read():
            line = f.readline()
            if not line.endswith(b"\r\n"):
                raise RuntimeError("connection to Redis closed mid-reply")
            t, rest = line[:1], line[1:-2]
            if t == b"+":
                return rest
            if t == b"-":
                raise RuntimeError("Redis error: " + rest.decode(errors="replace"))
            if t == b":":
                return int(rest)
            if t == b"$":
                n = int(rest)
                return None if n < 0 else f.read(n + 2)[:-2]
            if t == b"*":
                n = int(rest)
                return None if n < 0 else [read() for _ in range(n)]
            raise RuntimeError("unexpected Redis reply %r" % line[:80])

        if u.password:
            send(["AUTH", u.password] if not u.username else ["AUTH", u.username, u.password])
            read()
        if u.path.strip("/"):
            send(["SELECT", u.path.strip("/")])
            read()
        send(args)
        return read()


def redis_keys(url, pattern):
    """Every key matching the glob pattern (SCAN, so expired keys are not listed), as str."""
    out, cursor = [], b"0"
    while True:
        cursor, keys = redis_command(url, "SCAN", cursor, "MATCH", pattern, "COUNT", 1000)
        out += [k.decode(errors="replace") for k in keys]
        if cursor == b"0":
            return sorted(set(out))
