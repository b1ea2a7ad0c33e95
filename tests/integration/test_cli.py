"""Command line: --help, --version, unknown options, --check-config, --listen."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from common import FakeUpstream, Gateway, config, raw_request
from harness import GW_KEY, GW_KEY_B, UP_KEY, free_port, gateway_bin

DIAG_RE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<col>\d+): (?P<msg>.+)$")

BAD_CONFIG = (
    "server:\n"                                   # 1
    "  listen: 127.0.0.1:8080\n"                  # 2
    "  bogus_option: 1\n"                         # 3  unknown key, col 3
    "  workers: many\n"                           # 4  bad value, key col 3 / value col 12
    "model_list:\n"                               # 5
    "  - model_name: gpt-test\n"                  # 6
    '    params: { provider: openai-chat, model: m, api_base: "http://127.0.0.1:9/v1", colour: red }\n'  # 7
)
COLOUR_COL = BAD_CONFIG.splitlines()[6].index("colour") + 1


class Cli(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(gateway_bin()):
            self.fail("gateway binary not found: %s" % gateway_bin())
        self.dir = tempfile.mkdtemp(prefix="sy-cli-")
        self.env = {k: v for k, v in os.environ.items()
                    if not (k.startswith("SWITCHYARD_") or k.startswith("OPENAI_"))}
        self.env.update(GW_KEY=GW_KEY, GW_KEY_B=GW_KEY_B, UP_KEY=UP_KEY)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def run_sy(self, *args, timeout=10):
        p = subprocess.run([gateway_bin(), *args], stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=timeout, env=self.env, cwd=self.dir)
        for stream in (p.stdout, p.stderr):
            for m in ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer"):
                self.assertNotIn(m.encode(), stream, stream.decode(errors="replace"))
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_help(self):
        rc, out, err = self.run_sy("--help")
        self.assertEqual(rc, 0, err)
        self.assertIn("usage", out.lower())
        for opt in ("--config", "--listen", "--check-config", "--version"):
            self.assertIn(opt, out)

    def test_version(self):
        rc, out, err = self.run_sy("--version")
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.strip(), "switchyard 0.1.0")

    def test_unknown_option(self):
        rc, out, err = self.run_sy("--frobnicate")
        self.assertEqual(rc, 2)
        self.assertIn("usage", err.lower())
        self.assertEqual(out, "")

    def test_check_config_ok(self):
        path = self.write("good.yaml", config().replace("@UPSTREAM@", "http://127.0.0.1:9/v1")
                          .replace("@CLOSED@", "http://127.0.0.1:9/v1").replace("@PORT@", "8080"))
        rc, out, err = self.run_sy("--check-config", path)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out.strip(), "%s: ok" % path)

    def test_check_config_every_problem_positioned(self):
        path = self.write("bad.yaml", BAD_CONFIG)
        rc, out, err = self.run_sy("--check-config", path)
        self.assertEqual(rc, 1, (out, err))
        diags = []
        for line in err.splitlines():
            if not line.strip():
                continue
            m = DIAG_RE.match(line)
            self.assertIsNotNone(m, "not FILE:LINE:COL: message: %r" % line)
            self.assertEqual(m.group("file"), path)
            diags.append((int(m.group("line")), int(m.group("col")), m.group("msg")))
        where = {(ln, c) for ln, c, _ in diags}
        self.assertIn((3, 3), where, diags)
        self.assertTrue([d for d in diags if d[:2] == (3, 3) and "bogus_option" in d[2]], diags)
        self.assertTrue((4, 12) in where or (4, 3) in where, diags)
        self.assertIn((7, COLOUR_COL), where, diags)
        self.assertTrue([d for d in diags if d[0] == 7 and "colour" in d[2]], diags)
        self.assertNotIn("ok", out)

    def test_check_config_yaml_syntax_error(self):
        path = self.write("syntax.yaml", "server:\n  listen: [127.0.0.1:8080\nkeys: {\n")
        rc, out, err = self.run_sy("--check-config", path)
        self.assertEqual(rc, 1)
        lines = [ln for ln in err.splitlines() if ln.strip()]
        self.assertTrue(lines)
        self.assertTrue(any(DIAG_RE.match(ln) for ln in lines), err)

    def test_check_config_bad_sizes_and_durations(self):
        path = self.write("vals.yaml", (
            "server:\n"
            "  max_body_bytes: 12XB\n"                                   # 2, value col 19
            "  timeouts: { connect_ms: -5, first_byte_ms: soon }\n"      # 3
            "model_list:\n"
            "  - model_name: m\n"
            "    params: { provider: carrier-pigeon, model: m, api_base: http://127.0.0.1:9/v1 }\n"))  # 6
        rc, out, err = self.run_sy("--check-config", path)
        self.assertEqual(rc, 1, (out, err))
        lines = {int(m.group("line")) for m in map(DIAG_RE.match, err.splitlines()) if m}
        for ln in (2, 3, 6):
            self.assertIn(ln, lines, err)

    def test_check_config_missing_file(self):
        path = os.path.join(self.dir, "nope.yaml")
        rc, out, err = self.run_sy("--check-config", path)
        self.assertEqual(rc, 1)
        self.assertIn(path, err)

    def test_start_with_bad_config_fails(self):
        path = self.write("bad.yaml", BAD_CONFIG)
        rc, out, err = self.run_sy("--config", path, "--listen", "127.0.0.1:%d" % free_port(), timeout=10)
        self.assertNotEqual(rc, 0)
        self.assertIn("%s:3:3:" % path, err)

    def test_listen_overrides_config(self):
        fake = FakeUpstream().start()
        other = free_port()
        gw = Gateway(config().replace("listen: 127.0.0.1:@PORT@", "listen: 127.0.0.1:%d" % other), fake=fake)
        try:
            gw.start()
            self.assertEqual(raw_request("127.0.0.1", gw.port, "GET", "/healthz").status, 200)
            with self.assertRaises(OSError):
                raw_request("127.0.0.1", other, "GET", "/healthz", timeout=1)
            problems = gw.stop()
            self.assertFalse(problems, "\n".join(problems))
        finally:
            gw.kill()
            gw.cleanup()
            fake.stop()
