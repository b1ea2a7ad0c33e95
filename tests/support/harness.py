#!/usr/bin/python3
"""Test harness: starts the fake upstream and the Switchyard gateway, and talks to them.

Library use (integration tests):
    fake = FakeUpstream().start()
    gw = Gateway(config_text, fake=fake, env={...}).start()   # waits for GET /healthz == 200
    r = gw.request("POST", "/v1/chat/completions", body, headers)  # -> RawResponse (raw socket)
    problems = gw.stop()       # SIGTERM; [] when it exited 0 within 5 s with a clean stderr
    fake.stop()

CLI use (SDK tests):
    harness.py serve [--config FILE] [--env K=V ...] [--print-env]
starts both, prints BASE_URL=..., FAKE_URL=..., GATEWAY_PID=..., STDERR_LOG=..., then READY,
and stays up until its stdin closes or it gets SIGTERM/SIGINT; then stops both and exits 0
only if the gateway exited 0 with no sanitizer report (problems are printed on stderr).

Config text may contain these placeholders:
    @UPSTREAM@  the fake upstream's base URL, e.g. http://127.0.0.1:40123/v1
    @PORT@      the gateway's listen port
    @CLOSED@    a base URL on a loopback port where nothing listens
The gateway binary is $SWITCHYARD_BIN (relative paths are taken from the repo root), default
build/switchyard.
"""

import ctypes
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
FAKE_SCRIPT = os.path.join(HERE, "fake_upstream.py")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer",
                     "ERROR: ThreadSanitizer", "WARNING: ThreadSanitizer")

# Secrets used by the tests; they must never show up in the gateway's logs or responses.
GW_KEY = "sk-gw-team-a-Secret-7f3a9c1e"
GW_KEY_B = "sk-gw-team-b-Secret-0b2d4e6f"
UP_KEY = "sk-upstream-Secret-5d8e2a4b"

sys.path.insert(0, HERE)
import fake_upstream  # noqa: E402  (exact-bytes builders for tests)


def gateway_bin():
    p = os.environ.get("SWITCHYARD_BIN") or "build/switchyard"
    return p if os.path.isabs(p) else os.path.join(REPO, p)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _die_with_parent():
    """preexec_fn: the child gets SIGTERM when the harness process dies (no leaked processes)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


# ---------------------------------------------------------------------------------------------
# A small raw HTTP/1.1 client: exact bytes, chunk boundaries and arrival times are visible.

class RawResponse:
    def __init__(self, sock, t_sent):
        self.sock = sock
        self.t_sent = t_sent
        self.buf = bytearray()
        self.eof = False
        self.status = None
        self.reason = None
        self.header_list = []
        self.chunks = []          # [(t_arrival, payload)] for chunked bodies
        self.complete = False     # terminating chunk (or full Content-Length) seen
        self._body = bytearray()
        self._mode = None
        self._left = 0
        self.t_headers = None

    # -- socket level
    def _fill(self, want=65536):
        if self.eof:
            return False
        try:
            data = self.sock.recv(want)
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _readline(self):
        start = 0
        while True:
            i = self.buf.find(b"\r\n", start)
            if i >= 0:
                break
            start = max(0, len(self.buf) - 1)
            if not self._fill():
                raise EOFError("connection closed while reading a line")
        line = bytes(self.buf[:i])
        del self.buf[:i + 2]
        return line

    def _readn(self, n):
        while len(self.buf) < n:
            if not self._fill(max(65536, n - len(self.buf))):
                raise EOFError("connection closed with %d of %d bytes read" % (len(self.buf), n))
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def read_head(self):
        line = self._readline()
        while line == b"" or line.startswith(b"HTTP/1.1 100") or line.startswith(b"HTTP/1.0 100"):
            if line.startswith(b"HTTP/1.1 100") or line.startswith(b"HTTP/1.0 100"):
                while self._readline() != b"":
                    pass
            line = self._readline()
        parts = line.decode("latin-1").split(" ", 2)
        self.status = int(parts[1])
        self.reason = parts[2] if len(parts) > 2 else ""
        while True:
            h = self._readline()
            if h == b"":
                break
            k, _, v = h.decode("latin-1").partition(":")
            self.header_list.append((k.strip().lower(), v.strip()))
        self.t_headers = time.monotonic()
        te = (self.header("transfer-encoding") or "").lower()
        if "chunked" in te:
            self._mode = "chunked"
        elif self.header("content-length") is not None:
            self._mode = "length"
            self._left = int(self.header("content-length"))
        elif self.status in (204, 304) or 100 <= self.status < 200:
            self._mode = "length"
            self._left = 0
        else:
            self._mode = "close"
        return self

    @property
    def body(self):
        return bytes(self._body)

    def header(self, name):
        name = name.lower()
        for k, v in self.header_list:
            if k == name:
                return v
        return None

    def headers_all(self, name):
        name = name.lower()
        return [v for k, v in self.header_list if k == name]

    @property
    def headers(self):
        return {k: v for k, v in self.header_list}

    def read_chunk(self):
        """Next piece of body: one HTTP chunk (chunked), or what recv gave. None at the end.
        Raises EOFError if the connection closed before the body was complete."""
        if self.complete:
            return None
        if self._mode == "chunked":
            line = self._readline()
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while self._readline() != b"":
                    pass
                self.complete = True
                return None
            data = self._readn(size)
            if self._readn(2) != b"\r\n":
                raise ValueError("bad chunk framing")
            self.chunks.append((time.monotonic(), data))
            self._body += data
            return data
        if self._mode == "length":
            if self._left == 0:
                self.complete = True
                return None
            if not self.buf and not self._fill(min(self._left, 1 << 20)):
                raise EOFError("connection closed with %d body bytes missing" % self._left)
            data = bytes(self.buf[:self._left])
            del self.buf[:self._left]
            self._left -= len(data)
            self.chunks.append((time.monotonic(), data))
            self._body += data
            return data
        # close-delimited
        if not self.buf and not self._fill():
            self.complete = True
            return None
        data = bytes(self.buf)
        self.buf.clear()
        self.chunks.append((time.monotonic(), data))
        self._body += data
        return data

    def read_all(self):
        while self.read_chunk() is not None:
            pass
        return self.body

    def try_read_all(self):
        """Like read_all, but returns (body, error) instead of raising on a broken body."""
        try:
            self.read_all()
            return self.body, None
        except (EOFError, ValueError, OSError) as e:
            return self.body, e

    def iter_events(self):
        """Yield (arrival_time, event_bytes) for each complete SSE event ('\\n\\n'-terminated)."""
        pending = bytearray()
        while True:
            try:
                piece = self.read_chunk()
            except (EOFError, OSError):
                piece = None
            if piece is None:
                if pending:
                    yield (time.monotonic(), bytes(pending))
                return
            pending += piece
            while True:
                m = re.search(rb"\r\n\r\n|\n\n|\r\r", pending)
                if not m:
                    break
                ev = bytes(pending[:m.end()])
                del pending[:m.end()]
                yield (time.monotonic(), ev)

    def json(self):
        return json.loads(self.body)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def raw_request(host, port, method, path, body=None, headers=None, timeout=10.0, read_body=True,
                sock=None):
    """Send one request; returns a RawResponse with the head read (and the body if read_body)."""
    if isinstance(body, str):
        body = body.encode()
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    s = sock or socket.create_connection((host, port), timeout=timeout)
    s.settimeout(timeout)
    hdrs = [("Host", "%s:%d" % (host, port))]
    have = set()
    for k, v in (headers or {}).items() if isinstance(headers, dict) else (headers or []):
        if v is None:
            continue
        hdrs.append((k, v))
        have.add(k.lower())
    if body is not None and "content-length" not in have and "transfer-encoding" not in have:
        hdrs.append(("Content-Length", str(len(body))))
    if body is not None and "content-type" not in have:
        hdrs.append(("Content-Type", "application/json"))
    head = "%s %s HTTP/1.1\r\n" % (method, path) + "".join("%s: %s\r\n" % kv for kv in hdrs) + "\r\n"
    t0 = time.monotonic()
    try:
        s.sendall(head.encode("latin-1") + (body or b""))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may answer (e.g. 413) before reading everything
    r = RawResponse(s, t0)
    r.read_head()
    if read_body:
        r.read_all()
    return r


def sse_payloads(events):
    """[event_bytes] -> list of ('data', str) / ('comment', str) in order."""
    out = []
    for ev in events:
        text = ev.decode("utf-8")
        datas = []
        for line in re.split(r"\r\n|\n|\r", text):
            if line == "":
                continue
            if line.startswith(":"):
                out.append(("comment", line))
            elif line.startswith("data:"):
                v = line[5:]
                datas.append(v[1:] if v.startswith(" ") else v)
            else:
                out.append(("other", line))
        if datas:
            out.append(("data", "\n".join(datas)))
    return out


# ---------------------------------------------------------------------------------------------

class FakeUpstream:
    def __init__(self, verbose=False):
        self.proc = None
        self.port = None
        self.verbose = verbose
        self.dir = None

    def start(self, timeout=10.0):
        self.dir = tempfile.mkdtemp(prefix="sy-fake-")
        pf = os.path.join(self.dir, "port")
        args = [PYTHON, FAKE_SCRIPT, "--port", "0", "--port-file", pf]
        if self.verbose:
            args.append("--verbose")
        self.log_path = os.path.join(self.dir, "fake.log")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
                                     preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(pf):
                self.port = int(open(pf).read().strip())
                return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("fake upstream did not start: " + open(self.log_path, errors="replace").read())

    @property
    def base_url(self):
        return "http://127.0.0.1:%d/v1" % self.port

    @property
    def root_url(self):
        return "http://127.0.0.1:%d" % self.port

    def _get(self, method, path):
        r = raw_request("127.0.0.1", self.port, method, path, body=b"" if method == "POST" else None)
        r.close()
        return json.loads(r.body)

    def requests(self):
        return self._get("GET", "/_fake/requests")

    def last_request(self, path=None):
        reqs = [r for r in self.requests() if path is None or r["path"] == path]
        return reqs[-1] if reqs else None

    def reset(self):
        return self._get("POST", "/_fake/reset")

    def stats(self):
        return self._get("GET", "/_fake/stats")

    def wait_stat(self, key, at_least, timeout):
        deadline = time.monotonic() + timeout
        while True:
            v = self.stats().get(key, 0)
            if v >= at_least or time.monotonic() > deadline:
                return v
            time.sleep(0.02)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_log", None):
            self._log.close()
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


class GatewayStartError(Exception):
    pass


class Gateway:
    """One gateway process. `config` is YAML text (placeholders above) or None (environment-only)."""

    def __init__(self, config=None, fake=None, env=None, args=None, listen=True, keep_env=False):
        self.config_text = config
        self.fake = fake
        self.extra_env = dict(env or {})
        self.extra_args = list(args or [])
        self.listen = listen
        self.keep_env = keep_env
        self.proc = None
        self.port = None
        self.dir = None
        self.closed_port = None

    def _subst(self, text):
        if self.fake is not None:
            text = text.replace("@UPSTREAM@", self.fake.base_url)
        text = text.replace("@PORT@", str(self.port))
        if "@CLOSED@" in text:
            if self.closed_port is None:
                self.closed_port = free_port()
            text = text.replace("@CLOSED@", "http://127.0.0.1:%d/v1" % self.closed_port)
        return text

    def start(self, timeout=10.0):
        binary = gateway_bin()
        if not os.path.exists(binary):
            raise GatewayStartError("gateway binary not found: %s (build it or set SWITCHYARD_BIN)" % binary)
        self.dir = tempfile.mkdtemp(prefix="sy-gw-")
        self.port = free_port()
        env = {k: v for k, v in os.environ.items()
               if self.keep_env or not (k.startswith("SWITCHYARD_") or k.startswith("OPENAI_"))}
        env.setdefault("ASAN_OPTIONS", "quarantine_size_mb=16:detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        env["SWITCHYARD_DATA_DIR"] = os.path.join(self.dir, "data")
        os.makedirs(env["SWITCHYARD_DATA_DIR"], exist_ok=True)
        env["GW_KEY"] = GW_KEY
        env["GW_KEY_B"] = GW_KEY_B
        env["UP_KEY"] = UP_KEY
        for k, v in self.extra_env.items():
            v = self._subst(v) if isinstance(v, str) else v
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        args = [binary]
        if self.config_text is not None:
            self.config_path = os.path.join(self.dir, "config.yaml")
            with open(self.config_path, "w") as f:
                f.write(self._subst(self.config_text))
            args += ["--config", self.config_path]
        if self.listen:
            args += ["--listen", "127.0.0.1:%d" % self.port]
        args += [self._subst(a) for a in self.extra_args]
        self.args = args
        self.stderr_path = os.path.join(self.dir, "stderr.log")
        self.stdout_path = os.path.join(self.dir, "stdout.log")
        self._err = open(self.stderr_path, "wb")
        self._out = open(self.stdout_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._err,
                                     env=env, cwd=self.dir, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise GatewayStartError("gateway exited with status %s before /healthz answered:\n%s"
                                        % (self.proc.returncode, self.stderr_tail()))
            try:
                r = raw_request("127.0.0.1", self.port, "GET", "/healthz", timeout=1.0)
                r.close()
                if r.status == 200:
                    return self
                last = "status %d" % r.status
            except (OSError, EOFError, ValueError) as e:
                last = repr(e)
            time.sleep(0.05)
        self.kill()
        raise GatewayStartError("gateway did not answer GET /healthz with 200 within %.0f s (last: %s):\n%s"
                                % (timeout, last, self.stderr_tail()))

    # -- process
    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stderr_text(self):
        try:
            self._err.flush()
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", errors="replace")
        except (OSError, AttributeError):
            return ""

    def stderr_tail(self, n=40):
        return "\n".join(self.stderr_text().splitlines()[-n:])

    def sanitizer_report(self, text=None):
        text = self.stderr_text() if text is None else text
        for m in SANITIZER_MARKERS:
            if m in text:
                i = text.index(m)
                return text[max(0, i - 200): i + 3000]
        return None

    def rss_kb(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def signal(self, sig):
        if self.alive():
            os.kill(self.proc.pid, sig)

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=5.0):
        """SIGTERM and wait. Returns a list of problems ([] = clean exit 0, no sanitizer report)."""
        problems = []
        if self.proc is None:
            return problems
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                problems.append("gateway did not exit within %.0f s of SIGTERM" % timeout)
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        if rc != 0 and not problems:
            problems.append("gateway exited with status %s (expected 0)" % rc)
        rep = self.sanitizer_report()
        if rep:
            problems.append("sanitizer report in stderr:\n" + rep)
        if problems:
            problems.append("stderr tail:\n" + self.stderr_tail())
        self._close_files()
        return problems

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_files()

    def _close_files(self):
        for f in (getattr(self, "_err", None), getattr(self, "_out", None)):
            if f and not f.closed:
                f.close()

    def cleanup(self):
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    # -- logs
    def access_log(self):
        """Parsed JSON of every `access {...}` line on stderr."""
        out = []
        for line in self.stderr_text().splitlines():
            i = line.find("access {")
            if i < 0:
                continue
            try:
                out.append(json.loads(line[i + len("access "):]))
            except ValueError:
                out.append({"_unparsable": line})
        return out

    def wait_access(self, request_id, timeout=3.0):
        deadline = time.monotonic() + timeout
        while True:
            hits = [e for e in self.access_log() if e.get("request_id") == request_id]
            if hits or time.monotonic() > deadline:
                return hits
            time.sleep(0.05)

    # -- client
    def request(self, method, path, body=None, headers=None, key=GW_KEY, timeout=10.0, read_body=True):
        h = {}
        if key is not None:
            h["Authorization"] = "Bearer " + key
        if isinstance(headers, dict):
            h.update(headers)
        return raw_request("127.0.0.1", self.port, method, path, body, h, timeout=timeout, read_body=read_body)

    def chat(self, body, key=GW_KEY, headers=None, timeout=10.0, read_body=True):
        return self.request("POST", "/v1/chat/completions", body, headers, key=key, timeout=timeout,
                            read_body=read_body)


# ---------------------------------------------------------------------------------------------
# CLI: `harness.py serve` for the SDK tests.

def _serve(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="harness.py serve")
    ap.add_argument("--config", help="YAML config file (placeholders @UPSTREAM@ @PORT@ @CLOSED@)")
    ap.add_argument("--env", action="append", default=[], help="K=V for the gateway's environment")
    ap.add_argument("--print-env", action="store_true")
    a = ap.parse_args(argv)
    text = open(a.config).read() if a.config else None
    env = dict(kv.split("=", 1) for kv in a.env)

    stop = {"flag": False}

    def on_sig(*_):
        stop["flag"] = True
    signal.signal(signal.SIGTERM, on_sig)
    signal.signal(signal.SIGINT, on_sig)
    signal.signal(signal.SIGHUP, on_sig)

    fake = FakeUpstream().start()
    gw = Gateway(text, fake=fake, env=env)
    try:
        gw.start()
    except GatewayStartError as e:
        print("ERROR=" + str(e).splitlines()[0], flush=True)
        sys.stderr.write(str(e) + "\n")
        gw.kill()
        fake.stop()
        return 1
    if a.print_env:
        print("BASE_URL=http://127.0.0.1:%d/v1" % gw.port)
        print("GATEWAY_URL=http://127.0.0.1:%d" % gw.port)
        print("FAKE_URL=%s" % fake.root_url)
        print("GATEWAY_PID=%d" % gw.pid)
        print("STDERR_LOG=%s" % gw.stderr_path)
        print("GW_KEY=%s" % GW_KEY)
        print("GW_KEY_B=%s" % GW_KEY_B)
    print("READY", flush=True)
    problems = []
    try:
        while not stop["flag"]:
            if not gw.alive():
                problems.append("gateway died while serving (status %s)" % gw.proc.returncode)
                break
            try:
                r, _, _ = select.select([sys.stdin], [], [], 0.2)
            except (InterruptedError, OSError, ValueError):
                continue
            if r and not os.read(sys.stdin.fileno(), 4096):
                break  # stdin closed
    finally:
        problems += gw.stop()
        fake.stop()
        gw.cleanup()
    if problems:
        sys.stderr.write("harness: " + "\n".join(problems) + "\n")
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        sys.exit(_serve(sys.argv[2:]))
    print(__doc__)
    sys.exit(2)
