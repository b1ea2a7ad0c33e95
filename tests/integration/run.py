#!/usr/bin/python3
"""Run the integration suite: one line per test, then exactly one summary line
`N passed, M failed` (`, K skipped` appended when tests were skipped). Exit 1 if M > 0.

    /usr/bin/python3 tests/integration/run.py [-k SUBSTRING]... [-v] [MODULE_OR_TEST_ID ...]

Environment: SWITCHYARD_BIN = gateway binary (default build/switchyard from the repo root).
"""

import argparse
import os
import re
import sys
import time
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "support"))


class LineResult(unittest.TestResult):
    def __init__(self, verbose=False):
        super().__init__()
        self.verbose = verbose
        self.passed = 0
        self.failed = 0
        self.skipped_n = 0
        self.failures_text = []
        self._t0 = {}

    def startTest(self, test):
        super().startTest(test)
        self._t0[test.id()] = time.monotonic()

    def _dt(self, test):
        return time.monotonic() - self._t0.get(test.id(), time.monotonic())

    def _line(self, word, test, extra=""):
        name = test.id() if hasattr(test, "id") else str(test)
        if name.startswith("__main__."):
            name = name[len("__main__."):]
        dt = self._dt(test) if hasattr(test, "id") else 0.0
        print("%-4s %s (%.2fs)%s" % (word, name, dt, extra), flush=True)

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        self._line("PASS", test)

    def _fail(self, test, err, kind):
        self.failed += 1
        text = self._exc_info_to_string(err, test) if isinstance(err, tuple) else str(err)
        lines = text.strip().splitlines()
        exc = [ln for ln in lines if re.match(r"^[\w.]+(Error|Exception|Exit|Interrupt)\b", ln)]
        msg = (exc[0] if exc else lines[-1]) if lines else kind
        self._line("FAIL", test, "  -- " + msg[:300])
        self.failures_text.append((test, text))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test, err, "failure")

    def addError(self, test, err):
        super().addError(test, err)
        self._fail(test, err, "error")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._fail(subtest, err, "subtest")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.skipped_n += 1
        self._line("SKIP", test, "  -- " + reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.passed += 1
        self._line("XFAIL", test)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.failed += 1
        self._line("FAIL", test, "  -- unexpected success")


def _iter_tests(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _iter_tests(t)
        else:
            yield t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-k", action="append", default=[], help="run tests whose id contains this")
    ap.add_argument("-v", "--verbose", action="store_true", help="print full tracebacks at the end")
    ap.add_argument("tests", nargs="*", help="module names (test_chat) or ids (test_chat.ChatPassthrough)")
    a = ap.parse_args()

    loader = unittest.TestLoader()
    if a.tests:
        suite = loader.loadTestsFromNames(a.tests)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    tests = list(_iter_tests(suite))
    broken = [t for t in tests if type(t).__name__ == "_FailedTest"]
    if a.k:
        tests = [t for t in tests if any(k in t.id() for k in a.k) or t in broken]
    result = LineResult(a.verbose)
    t0 = time.monotonic()
    try:
        unittest.TestSuite(tests).run(result)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        result.failed += 1
    if result.failures_text:
        print("\n==== failures ====")
        for test, text in result.failures_text:
            print("---- %s" % (test.id() if hasattr(test, "id") else test))
            lines = text.rstrip().splitlines()
            print("\n".join(lines if a.verbose else lines[-25:]))
    print("\n(%.1f s)" % (time.monotonic() - t0))
    summary = "%d passed, %d failed" % (result.passed, result.failed)
    if result.skipped_n:
        summary += ", %d skipped" % result.skipped_n
    print(summary, flush=True)
    return 1 if result.failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception:
        traceback.print_exc()
        print("0 passed, 1 failed")
        sys.exit(1)
