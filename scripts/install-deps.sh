#!/usr/bin/env bash
# Install the Debian packages Switchyard needs that are missing on this machine.
#   scripts/install-deps.sh          build + run
#   scripts/install-deps.sh --test   also what the test suite needs (clang/ASan, Node for the SDK tests,
#                                    PostgreSQL and Redis for the store tests)
#   scripts/install-deps.sh --bench  also what bench/ needs (wrk, nginx)
set -euo pipefail

build_pkgs=(cmake pkg-config gcc make libevent-dev libcurl4-openssl-dev libjson-c-dev libyaml-dev libsqlite3-dev libpq-dev libssl-dev libhiredis-dev)
test_pkgs=(libcmocka-dev clang libclang-rt-14-dev python3 python3-jsonschema curl postgresql redis-server)
bench_pkgs=(wrk nginx-light)

want=("${build_pkgs[@]}")
for arg in "$@"; do
  case "$arg" in
    --test) want+=("${test_pkgs[@]}") ;;
    --bench) want+=("${bench_pkgs[@]}") ;;
    *) echo "usage: $0 [--test] [--bench]" >&2; exit 2 ;;
  esac
done
# Node.js and npm run the SDK tests; use the machine's node when it has one.
if [[ " $* " == *" --test "* ]] && ! command -v npm >/dev/null 2>&1; then
  want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
