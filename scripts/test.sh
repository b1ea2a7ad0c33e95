#!/usr/bin/env bash
# The whole test suite: unit tests (cmocka/CTest), integration tests (the real binary against a
# fake upstream on loopback), SDK tests (the official `openai` npm package), and the unit and
# integration suites again under ASan+UBSan (clang). The store suite also runs against a throwaway
# PostgreSQL and Redis (scripts/pg-test-server.sh, scripts/redis-test-server.sh). Ends with one
# line: `N passed, M failed`.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
logs="$root/build/test-logs"
mkdir -p "$logs"

"$root/scripts/install-deps.sh" --test || { echo "dependency install failed"; echo "0 passed, 1 failed"; exit 1; }

total_pass=0
total_fail=0

# A throwaway PostgreSQL and Redis for the store's conformance tests (unit suites below), both
# stopped on exit.
pg_dir=$(mktemp -d /tmp/sy-pg-XXXXXX)  # outside the tree: the postgres user must reach it
redis_dir=$(mktemp -d /tmp/sy-redis-XXXXXX)
trap '"$root/scripts/pg-test-server.sh" stop "$pg_dir" >/dev/null 2>&1
      "$root/scripts/redis-test-server.sh" stop "$redis_dir" >/dev/null 2>&1' EXIT
if SWITCHYARD_TEST_PG_URL=$("$root/scripts/pg-test-server.sh" start "$pg_dir" 2>"$logs/pg-test-server.log"); then
  export SWITCHYARD_TEST_PG_URL
else
  echo "---- PostgreSQL test server did not start (store tests will fail) ----"; tail -n 30 "$logs/pg-test-server.log"
fi
if SWITCHYARD_TEST_REDIS_URL=$("$root/scripts/redis-test-server.sh" start "$redis_dir" 2>"$logs/redis-test-server.log"); then
  export SWITCHYARD_TEST_REDIS_URL
else
  echo "---- Redis test server did not start (store tests will fail) ----"; tail -n 30 "$logs/redis-test-server.log"
fi
count() { # suite-name passed failed
  printf '%-28s %4d passed, %d failed\n' "$1" "$2" "$3"
  total_pass=$((total_pass + $2))
  total_fail=$((total_fail + $3))
}
show_failure() { echo "---- $1 (last 60 lines of $2) ----"; tail -n 60 "$2"; echo "----"; }

build() { # dir extra-cmake-args...
  local dir=$1; shift
  cmake -S "$root" -B "$dir" "$@" >"$logs/$(basename "$dir")-configure.log" 2>&1 &&
    cmake --build "$dir" -j"$(nproc)" >"$logs/$(basename "$dir")-build.log" 2>&1
}

ctest_suite() { # name build-dir
  local log="$logs/$1.log"
  ctest --test-dir "$2" --output-on-failure >"$log" 2>&1
  local line; line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [ -z "$line" ]; then show_failure "$1" "$log"; count "$1" 0 1; return; fi
  local failed; failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
  local all; all=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
  [ "$failed" -gt 0 ] && show_failure "$1" "$log"
  count "$1" $((all - failed)) "$failed"
}

summary_suite() { # name log  (the suite printed "N passed, M failed" as its last such line)
  local line; line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
  if [ -z "$line" ]; then show_failure "$1" "$2"; count "$1" 0 1; return; fi
  local p f; p=$(cut -d' ' -f1 <<<"$line"); f=$(cut -d' ' -f3 <<<"$line")
  [ "$f" -gt 0 ] && show_failure "$1" "$2"
  count "$1" "$p" "$f"
}

py=/usr/bin/python3

# 1. gcc build, unit tests, integration, SDK
if build "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=gcc; then
  count "build (gcc)" 1 0
  ctest_suite "unit (gcc)" "$root/build"
  SWITCHYARD_BIN="$root/build/switchyard" $py tests/integration/run.py >"$logs/integration.log" 2>&1
  summary_suite "integration (gcc)" "$logs/integration.log"
  if (cd tests/sdk && npm ci --no-audit --no-fund >"$logs/npm-ci.log" 2>&1); then
    (cd tests/sdk && SWITCHYARD_BIN="$root/build/switchyard" npm test >"$logs/sdk.log" 2>&1)
    p=$(grep -E '^# pass [0-9]+' "$logs/sdk.log" | awk '{print $3}'); f=$(grep -E '^# fail [0-9]+' "$logs/sdk.log" | awk '{print $3}')
    if [ -z "$p" ] || [ -z "$f" ]; then show_failure "sdk" "$logs/sdk.log"; count "sdk (openai npm)" 0 1
    else [ "$f" -gt 0 ] && show_failure "sdk" "$logs/sdk.log"; count "sdk (openai npm)" "$p" "$f"; fi
  else
    show_failure "npm ci" "$logs/npm-ci.log"; count "sdk (openai npm)" 0 1
  fi
else
  show_failure "build (gcc)" "$logs/build-build.log"; count "build (gcc)" 0 1
fi

# 2. clang + ASan/UBSan: same unit and integration suites
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if build "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang -DSY_SANITIZE=ON; then
  count "build (clang asan)" 1 0
  ctest_suite "unit (asan)" "$root/build-asan"
  SWITCHYARD_BIN="$root/build-asan/switchyard" SY_SLOW_BINARY=1 $py tests/integration/run.py >"$logs/integration-asan.log" 2>&1
  summary_suite "integration (asan)" "$logs/integration-asan.log"
else
  show_failure "build (clang asan)" "$logs/build-asan-build.log"; count "build (clang asan)" 0 1
fi

echo "${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ]
