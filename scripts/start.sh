#!/usr/bin/env bash
# Install what is missing, build, and start the gateway on its embedded defaults
# (127.0.0.1:8080, SQLite store under ./data). Extra arguments go to switchyard, e.g.
#   SWITCHYARD_UPSTREAM_URL=http://127.0.0.1:8000/v1 scripts/start.sh
#   scripts/start.sh --config switchyard.yaml
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DSY_TESTS=OFF >/dev/null
cmake --build "$root/build" -j"$(nproc)" >/dev/null
exec "$root/build/switchyard" "$@"
