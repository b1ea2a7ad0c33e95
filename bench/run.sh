#!/usr/bin/env bash
# Switchyard benchmark: one command. Builds the fake upstream and the SSE client into bench/.build,
# builds the gateway if needed, then runs the interleaved rounds (bench/bench.py) and prints the
# table. Options: --quick (smoke check, about 85 s), --rounds N, --duration S, --only W1,W5,W6,W7,
# --targets direct,nginx,switchyard, --switchyard PATH, --upstream-threads N, --keep-tmp,
# --no-build, --report FILE (re-print the table of a saved run).
# W7 (stored responses) measures the SQLite store, and PostgreSQL too when SWITCHYARD_BENCH_PG_URL
# is set (e.g. to the URL printed by scripts/pg-test-server.sh start DIR).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
out="$here/.build"
mkdir -p "$out"
py=/usr/bin/python3; [[ -x $py ]] || py=python3
[[ " $* " == *" --report "* ]] && exec "$py" "$here/bench.py" "$@"   # re-print a saved table

cflags="-std=c17 -O2 -Wall -Wextra"
cc $cflags -o "$out/fast_upstream" "$here/upstream/fast_upstream.c" \
  $(pkg-config --cflags --libs libevent) -lpthread
cc $cflags -o "$out/sse_client" "$here/clients/sse_client.c"

# The gateway: brought up to date with an incremental cmake build (configured first if needed).
# If that fails, an existing binary is used with a warning, else its leg is skipped.
# SWITCHYARD_BIN or --switchyard PATH measures another binary and skips the build; so does
# --no-build (e.g. while someone else is building in build/).
bin="${SWITCHYARD_BIN:-$root/build/switchyard}"
build=1
args=()
for a in "$@"; do
  [[ $a == --switchyard || $a == --switchyard=* || $a == --report ]] && build=0  # another binary: no build
  [[ $a == --no-build ]] && build=0 || args+=("$a")
done
set -- "${args[@]+"${args[@]}"}"
if [[ $build == 1 && -z "${SWITCHYARD_BIN:-}" && -f "$root/CMakeLists.txt" ]]; then
  if ! { { [[ -f "$root/build/CMakeCache.txt" ]] || cmake -S "$root" -B "$root/build"; } &&
         cmake --build "$root/build" -j2 --target switchyard; } >"$out/gateway-build.log" 2>&1; then
    echo "WARNING: gateway build failed (bench/.build/gateway-build.log);" \
         "$( [[ -x $bin ]] && echo "measuring the existing, possibly stale $bin" || echo "its leg is skipped")" >&2
  fi
fi

# bench.py stops every process it started on exit; the trap covers an interrupted run.sh.
"$py" "$here/bench.py" --switchyard "$bin" "$@" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid' INT TERM
wait $pid
